/* Field validators; validate.h states the contract they share.
 *
 * Messages echo the offending part of a value only through quote(), which
 * keeps the echo short and printable whatever the user typed. Character
 * classes are ASCII-only on purpose: the rules are ASCII rules and must not
 * change with the locale. */
#include "validate.h"

#include "i18n.h"
#include "util.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Large enough for QUOTE_KEEP bytes, "..." and the NUL. */
#define QUOTE_SIZE 48
#define QUOTE_KEEP 40

#define SIZE_MAX_GB 65536L

static bool is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static bool is_lower(int c)
{
	return c >= 'a' && c <= 'z';
}

static bool is_upper(int c)
{
	return c >= 'A' && c <= 'Z';
}

static bool is_alpha(int c)
{
	return is_lower(c) || is_upper(c);
}

static bool is_alnum(int c)
{
	return is_alpha(c) || is_digit(c);
}

static bool is_lower_alnum(int c)
{
	return is_lower(c) || is_digit(c);
}

static bool is_lower_hex(int c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f');
}

/* Writes a printable copy of s[0..n) into buf (QUOTE_SIZE bytes) and
 * returns buf: bytes outside 0x20-0x7e become '?', and a copy longer than
 * QUOTE_KEEP is cut and ends in "...". */
static const char *quote(char *buf, const char *s, size_t n)
{
	size_t keep = n > QUOTE_KEEP ? QUOTE_KEEP : n;
	for (size_t i = 0; i < keep; i++) {
		unsigned char c = (unsigned char)s[i];
		buf[i] = (c >= 0x20 && c <= 0x7e) ? (char)c : '?';
	}
	if (keep < n)
		memcpy(buf + keep, "...", 4);
	else
		buf[keep] = '\0';
	return buf;
}

/* Names one character for a message: "'x'" when printable, "0x0a"
 * otherwise. buf must hold at least 8 bytes. */
static const char *describe_char(char *buf, unsigned char c)
{
	if (c >= 0x20 && c <= 0x7e)
		snprintf(buf, 8, "'%c'", c);
	else
		snprintf(buf, 8, "0x%02x", c);
	return buf;
}

static int fail_empty(char **why)
{
	return lf_fail(why, "%s", _("must not be empty"));
}

static bool has_upper(const char *v)
{
	for (; *v; v++)
		if (is_upper((unsigned char)*v))
			return true;
	return false;
}

/* Index of the first byte of v that `ok` rejects, or -1 when all pass. */
static long first_bad(const char *v, bool (*ok)(int))
{
	for (size_t i = 0; v[i]; i++)
		if (!ok((unsigned char)v[i]))
			return (long)i;
	return -1;
}

/* ---- numbers ------------------------------------------------------------ */

/* Parses s[0..n) as a port: 1-5 digits, no leading zero, 1..65535. */
static bool parse_port(const char *s, size_t n, unsigned *out)
{
	if (n == 0 || n > 5 || s[0] == '0')
		return false;
	unsigned long p = 0;
	for (size_t i = 0; i < n; i++) {
		if (!is_digit((unsigned char)s[i]))
			return false;
		p = p * 10 + (unsigned long)(s[i] - '0');
	}
	if (p < 1 || p > 65535)
		return false;
	if (out)
		*out = (unsigned)p;
	return true;
}

int v_port(const char *v, char **why)
{
	if (lf_str_empty(v))
		return fail_empty(why);
	size_t n = strlen(v);
	for (size_t i = 0; i < n; i++)
		if (!is_digit((unsigned char)v[i]))
			return lf_fail(why, "%s", _("a port must be a number 1-65535, digits only"));
	if (v[0] == '0' && n > 1)
		return lf_fail(why, "%s", _("a port must not have leading zeros"));
	if (!parse_port(v, n, NULL))
		return lf_fail(why, "%s", _("a port must be 1-65535"));
	return 0;
}

/* ---- addresses ---------------------------------------------------------- */

/* Parses s[0..n) as dotted-quad IPv4 into out. Stricter than inet_pton in
 * what it explains, not in what it accepts: on refusal, reason (rsize
 * bytes) gets a clause saying what is wrong. */
static int parse_ipv4(const char *s, size_t n, unsigned char out[4],
		      char *reason, size_t rsize)
{
	char q[QUOTE_SIZE];
	size_t i = 0;
	for (int octet = 0; octet < 4; octet++) {
		if (octet > 0) {
			if (i >= n || s[i] != '.')
				goto form;
			i++;
		}
		size_t start = i;
		while (i < n && is_digit((unsigned char)s[i]) && i - start < 4)
			i++;
		size_t len = i - start;
		if (len == 0 || len > 3)
			goto form;
		if (len > 1 && s[start] == '0') {
			snprintf(reason, rsize, _("octet \"%s\" has a leading zero"),
				 quote(q, s + start, len));
			return -1;
		}
		unsigned val = 0;
		for (size_t k = start; k < i; k++)
			val = val * 10 + (unsigned)(s[k] - '0');
		if (val > 255) {
			snprintf(reason, rsize, _("octet \"%s\" is greater than 255"),
				 quote(q, s + start, len));
			return -1;
		}
	}
	if (i != n)
		goto form;
	/* The text is now known to be a plain dotted quad; inet_pton gives the
	 * bytes in network order. */
	char buf[16];
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (inet_pton(AF_INET, buf, out) != 1)
		goto form;
	return 0;
form:
	snprintf(reason, rsize, _("\"%s\" is not four numbers 0-255 separated by dots"),
		 quote(q, s, n));
	return -1;
}

/* Parses s[0..n) as IPv6 into out (16 bytes). */
static bool parse_ipv6(const char *s, size_t n, unsigned char out[16])
{
	char buf[INET6_ADDRSTRLEN];
	if (n == 0 || n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return inet_pton(AF_INET6, buf, out) == 1;
}

int v_ip(const char *v, char **why)
{
	if (lf_str_empty(v))
		return fail_empty(why);
	size_t n = strlen(v);
	if (strchr(v, ':')) {
		unsigned char a6[16];
		char q[QUOTE_SIZE];
		if (!parse_ipv6(v, n, a6))
			return lf_fail(why, _("must be an IPv6 address like 2001:db8::10: \"%s\" is not one"),
				       quote(q, v, n));
		return 0;
	}
	unsigned char a4[4];
	char reason[160];
	if (parse_ipv4(v, n, a4, reason, sizeof(reason)) != 0)
		return lf_fail(why, _("must be an IPv4 address like 192.0.2.10: %s"), reason);
	return 0;
}

/* Parses "ADDRESS/PREFIX" of one family without the host-bits rule. */
static int parse_cidr(const char *v, int family, unsigned char addr[16],
		      unsigned *prefix, char **why)
{
	bool v6 = family == AF_INET6;
	if (lf_str_empty(v))
		return fail_empty(why);
	const char *slash = strchr(v, '/');
	if (!slash) {
		if (v6)
			return lf_fail(why, "%s", _("must be an IPv6 CIDR block like 2001:db8::/56: the /prefix length is missing"));
		return lf_fail(why, "%s", _("must be an IPv4 CIDR block like 10.0.0.0/16: the /prefix length is missing"));
	}
	size_t alen = (size_t)(slash - v);
	char q[QUOTE_SIZE];
	if (v6) {
		if (!parse_ipv6(v, alen, addr)) {
			unsigned char a4[4];
			char ignored[160];
			if (alen > 0 && parse_ipv4(v, alen, a4, ignored, sizeof(ignored)) == 0)
				return lf_fail(why, _("must be an IPv6 CIDR block like 2001:db8::/56: \"%s\" is an IPv4 address"),
					       quote(q, v, alen));
			return lf_fail(why, _("must be an IPv6 CIDR block like 2001:db8::/56: \"%s\" is not an IPv6 address"),
				       quote(q, v, alen));
		}
	} else {
		char reason[160];
		if (parse_ipv4(v, alen, addr, reason, sizeof(reason)) != 0)
			return lf_fail(why, _("must be an IPv4 CIDR block like 10.0.0.0/16: %s"), reason);
	}
	/* Digits only: no sign, no space, no leading zero. */
	const char *p = slash + 1;
	size_t plen = strlen(p);
	unsigned max = v6 ? 128 : 32;
	bool ok = plen >= 1 && plen <= 3 && !(plen > 1 && p[0] == '0');
	unsigned val = 0;
	for (size_t i = 0; ok && i < plen; i++) {
		if (!is_digit((unsigned char)p[i]))
			ok = false;
		else
			val = val * 10 + (unsigned)(p[i] - '0');
	}
	if (!ok || val > max) {
		if (v6)
			return lf_fail(why, "%s", _("must be an IPv6 CIDR block like 2001:db8::/56: the prefix length must be 0-128"));
		return lf_fail(why, "%s", _("must be an IPv4 CIDR block like 10.0.0.0/16: the prefix length must be 0-32"));
	}
	*prefix = val;
	return 0;
}

/* Clears the bits of addr (len bytes) past `prefix`; returns true when
 * any was set. */
static bool clear_host_bits(unsigned char *addr, size_t len, unsigned prefix)
{
	bool any = false;
	for (size_t i = 0; i < len; i++) {
		unsigned keep = prefix >= (i + 1) * 8 ? 8 : prefix > i * 8 ? prefix - (unsigned)i * 8 : 0;
		unsigned char mask = (unsigned char)(keep == 0 ? 0 : 0xffu << (8 - keep));
		if (addr[i] & (unsigned char)~mask)
			any = true;
		addr[i] &= mask;
	}
	return any;
}

static int check_cidr(const char *v, int family, char **why)
{
	unsigned char addr[16];
	unsigned prefix;
	if (parse_cidr(v, family, addr, &prefix, why) != 0)
		return -1;
	size_t len = family == AF_INET6 ? 16 : 4;
	if (clear_host_bits(addr, len, prefix)) {
		char net[INET6_ADDRSTRLEN];
		if (!inet_ntop(family, addr, net, sizeof(net)))
			return lf_fail(why, "%s", _("host bits must be zero"));
		return lf_fail(why, _("host bits must be zero: did you mean %s/%u?"), net, prefix);
	}
	return 0;
}

int v_cidr4(const char *v, char **why)
{
	return check_cidr(v, AF_INET, why);
}

int v_cidr6(const char *v, char **why)
{
	return check_cidr(v, AF_INET6, why);
}

int v_cidr(const char *v, char **why)
{
	if (lf_str_empty(v))
		return fail_empty(why);
	if (strchr(v, ':'))
		return v_cidr6(v, why);
	if (is_digit((unsigned char)v[0]))
		return v_cidr4(v, why);
	return lf_fail(why, "%s", _("must be a CIDR block like 10.0.0.0/16 or 2001:db8::/56"));
}

bool lf_cidr_is_anywhere(const char *v)
{
	unsigned char addr[16];
	unsigned prefix;
	if (lf_str_empty(v))
		return false;
	int family = strchr(v, ':') ? AF_INET6 : AF_INET;
	/* Host bits do not matter here: any address with /0 covers everything. */
	return parse_cidr(v, family, addr, &prefix, NULL) == 0 && prefix == 0;
}

/* ---- DNS ---------------------------------------------------------------- */

/* RFC 1123 name of at least min_labels labels; one trailing dot allowed. */
static int check_dns(const char *v, size_t min_labels, char **why)
{
	char q[QUOTE_SIZE];
	char c[8];
	size_t n = strlen(v);
	if (n > 0 && v[n - 1] == '.')
		n--;
	if (n > 253)
		return lf_fail(why, _("a DNS name must be at most 253 characters (this one has %zu)"), n);
	size_t labels = 0;
	size_t last = 0, last_len = 0;
	size_t i = 0;
	for (;;) {
		size_t start = i;
		while (i < n && v[i] != '.')
			i++;
		size_t len = i - start;
		if (len == 0)
			return lf_fail(why, "%s", _("a DNS name must not contain an empty label (a leading dot or two dots in a row)"));
		if (len > 63)
			return lf_fail(why, _("each DNS label must be at most 63 characters: \"%s\" has %zu"),
				       quote(q, v + start, len), len);
		for (size_t k = start; k < i; k++) {
			unsigned char ch = (unsigned char)v[k];
			if (!is_alnum(ch) && ch != '-')
				return lf_fail(why, _("a DNS name may contain only letters, digits, hyphens and dots: %s is not allowed"),
					       describe_char(c, ch));
		}
		if (v[start] == '-' || v[i - 1] == '-')
			return lf_fail(why, _("a DNS label must not start or end with a hyphen: \"%s\""),
				       quote(q, v + start, len));
		labels++;
		last = start;
		last_len = len;
		if (i >= n)
			break;
		i++;
	}
	if (labels < min_labels)
		return lf_fail(why, _("must be a fully qualified DNS name like example.com: \"%s\" has only one label"),
			       quote(q, v, n));
	bool numeric = true;
	for (size_t k = last; k < last + last_len; k++)
		if (!is_digit((unsigned char)v[k]))
			numeric = false;
	if (numeric)
		return lf_fail(why, _("the last label of a DNS name must not be all digits: \"%s\""),
			       quote(q, v + last, last_len));
	return 0;
}

int v_dns_name(const char *v, char **why)
{
	if (lf_str_empty(v))
		return fail_empty(why);
	return check_dns(v, 2, why);
}

int v_dns_wildcard(const char *v, char **why)
{
	if (lf_str_empty(v))
		return fail_empty(why);
	const char *rest = v;
	if (strncmp(v, "*.", 2) == 0)
		rest = v + 2;
	if (strchr(rest, '*'))
		return lf_fail(why, "%s", _("a wildcard is allowed only as the whole first label, as in *.example.com"));
	if (*rest == '\0')
		return lf_fail(why, "%s", _("a wildcard must be followed by a domain, as in *.example.com"));
	return check_dns(rest, 2, why);
}

int v_host(const char *v, char **why)
{
	if (lf_str_empty(v))
		return fail_empty(why);
	if (strchr(v, ':'))
		return v_ip(v, why);
	/* Digits and dots only can be nothing but an attempt at IPv4. */
	if (strspn(v, "0123456789.") == strlen(v))
		return v_ip(v, why);
	return check_dns(v, 1, why);
}

/* ---- AWS names ---------------------------------------------------------- */

/* Multi-part prefixes come first so that "us-gov" wins over "us". */
static const char *const region_areas[] = {
	"us-gov", "us-isob", "us-isof", "us-iso", "eu-isoe",
	"us", "eu", "ap", "sa", "ca", "me", "af", "il", "mx", "cn",
};

static const char *const region_directions[] = {
	"northeast", "northwest", "southeast", "southwest",
	"north", "south", "east", "west", "central",
};

enum region_err { REGION_OK, REGION_AREA, REGION_DIRECTION, REGION_NUMBER };

/* Matches AREA-DIRECTION-NUMBER at the start of v. On success *len is the
 * length matched; the caller decides what may follow. On failure *bad and
 * *bad_len point at the offending token. */
static enum region_err region_span(const char *v, size_t *len, const char **bad,
				   size_t *bad_len)
{
	const char *area = NULL;
	size_t alen = 0;
	for (size_t i = 0; i < LF_ARRAY_LEN(region_areas); i++) {
		size_t l = strlen(region_areas[i]);
		if (strncmp(v, region_areas[i], l) == 0 && v[l] == '-') {
			area = region_areas[i];
			alen = l;
			break;
		}
	}
	if (!area) {
		*bad = v;
		*bad_len = strcspn(v, "-");
		return REGION_AREA;
	}
	const char *d = v + alen + 1;
	size_t dlen = strcspn(d, "-");
	bool known = false;
	for (size_t i = 0; i < LF_ARRAY_LEN(region_directions); i++)
		if (strlen(region_directions[i]) == dlen &&
		    strncmp(d, region_directions[i], dlen) == 0)
			known = true;
	if (!known) {
		*bad = d;
		*bad_len = dlen;
		return REGION_DIRECTION;
	}
	if (d[dlen] != '-') {
		*bad = d + dlen;
		*bad_len = 0;
		return REGION_NUMBER;
	}
	const char *num = d + dlen + 1;
	size_t nlen = strspn(num, "0123456789");
	if (nlen == 0 || nlen > 2 || num[0] == '0') {
		*bad = num;
		*bad_len = nlen;
		return REGION_NUMBER;
	}
	*len = (size_t)(num + nlen - v);
	return REGION_OK;
}

/* The ARN partition a well-formed region belongs to. */
static const char *region_partition(const char *region)
{
	static const struct {
		const char *prefix;
		const char *partition;
	} map[] = {
		{ "cn-", "aws-cn" },       { "us-gov-", "aws-us-gov" },
		{ "us-isob-", "aws-iso-b" }, { "us-isof-", "aws-iso-f" },
		{ "us-iso-", "aws-iso" },  { "eu-isoe-", "aws-iso-e" },
	};
	for (size_t i = 0; i < LF_ARRAY_LEN(map); i++)
		if (strncmp(region, map[i].prefix, strlen(map[i].prefix)) == 0)
			return map[i].partition;
	return "aws";
}

static int fail_region(enum region_err e, const char *bad, size_t bad_len, char **why)
{
	char q[QUOTE_SIZE];
	switch (e) {
	case REGION_AREA:
		return lf_fail(why, _("must be an AWS region like eu-west-1: \"%s\" is not a region area (us, eu, ap, sa, ca, me, af, il, mx, cn, us-gov, us-iso, us-isob)"),
			       quote(q, bad, bad_len));
	case REGION_DIRECTION:
		return lf_fail(why, _("must be an AWS region like eu-west-1: \"%s\" is not a direction (north, south, east, west, central, northeast, northwest, southeast, southwest)"),
			       quote(q, bad, bad_len));
	case REGION_NUMBER:
	case REGION_OK:
		break;
	}
	return lf_fail(why, "%s", _("must be an AWS region like eu-west-1: it must end in a number 1-99 after the direction"));
}

int v_aws_region(const char *v, char **why)
{
	if (lf_str_empty(v))
		return fail_empty(why);
	if (has_upper(v))
		return lf_fail(why, "%s", _("AWS region names are lowercase, like eu-west-1"));
	size_t len = 0, bad_len = 0;
	const char *bad = NULL;
	enum region_err e = region_span(v, &len, &bad, &bad_len);
	if (e != REGION_OK)
		return fail_region(e, bad, bad_len, why);
	char q[QUOTE_SIZE];
	if (is_lower((unsigned char)v[len]) && v[len + 1] == '\0')
		return lf_fail(why, _("this is an availability zone; its region is %s"),
			       quote(q, v, len));
	if (v[len] != '\0')
		return lf_fail(why, _("must be an AWS region like eu-west-1: unexpected \"%s\" after the number"),
			       quote(q, v + len, strlen(v + len)));
	return 0;
}

/* Zone IDs look like euw1-az1 or use1-bos1-az1. */
static bool looks_like_zone_id(const char *v)
{
	size_t i = 0;
	while (is_lower((unsigned char)v[i]))
		i++;
	if (i == 0 || !is_digit((unsigned char)v[i]))
		return false;
	const char *az = strstr(v, "-az");
	if (!az || !is_digit((unsigned char)az[3]))
		return false;
	return strspn(az + 3, "0123456789") == strlen(az + 3);
}

int v_aws_zone(const char *v, char **why)
{
	if (lf_str_empty(v))
		return fail_empty(why);
	if (has_upper(v))
		return lf_fail(why, "%s", _("AWS zone names are lowercase, like eu-west-1a"));
	if (looks_like_zone_id(v))
		return lf_fail(why, "%s", _("this looks like a zone ID: use the zone name, like eu-west-1a"));
	size_t len = 0, bad_len = 0;
	const char *bad = NULL;
	char q[QUOTE_SIZE];
	if (region_span(v, &len, &bad, &bad_len) != REGION_OK)
		return lf_fail(why, "%s", _("must be an availability zone like eu-west-1a (a region plus one letter) or a Local Zone like us-east-1-bos-1a"));
	const char *rest = v + len;
	if (*rest == '\0')
		return lf_fail(why, _("this is a region; an availability zone adds a letter, like %sa"),
			       quote(q, v, len));
	if (is_lower((unsigned char)rest[0]) && rest[1] == '\0')
		return 0;
	/* Local and Wavelength Zones: REGION-[a-z0-9]+(-[a-z0-9]+)*. */
	if (rest[0] == '-' && strlen(rest) <= 40) {
		bool ok = true;
		bool at_start = true;
		for (const char *p = rest + 1; *p; p++) {
			if (*p == '-') {
				if (at_start)
					ok = false;
				at_start = true;
			} else if (is_lower_alnum((unsigned char)*p)) {
				at_start = false;
			} else {
				ok = false;
			}
		}
		if (ok && !at_start)
			return 0;
	}
	return lf_fail(why, _("must be an availability zone like eu-west-1a (a region plus one letter) or a Local Zone like us-east-1-bos-1a: \"%s\" cannot follow the region"),
		       quote(q, rest, strlen(rest)));
}

static bool is_instance_size(const char *s)
{
	static const char *const fixed[] = {
		"nano", "micro", "small", "medium", "large", "xlarge", "metal",
	};
	for (size_t i = 0; i < LF_ARRAY_LEN(fixed); i++)
		if (strcmp(s, fixed[i]) == 0)
			return true;
	/* Nxlarge with N >= 2, and metal-Nxl. */
	const char *tail = s;
	if (strncmp(s, "metal-", 6) == 0)
		tail = s + 6;
	size_t nd = strspn(tail, "0123456789");
	if (nd == 0 || nd > 3 || tail[0] == '0')
		return false;
	if (tail == s)
		return strcmp(tail + nd, "xlarge") == 0 && !(nd == 1 && tail[0] == '1');
	return strcmp(tail + nd, "xl") == 0;
}

int v_instance_type(const char *v, char **why)
{
	if (lf_str_empty(v))
		return fail_empty(why);
	char q[QUOTE_SIZE];
	size_t n = strlen(v);
	if (n > 40)
		return lf_fail(why, "%s", _("an EC2 instance type is at most 40 characters, like m6i.large"));
	if (has_upper(v))
		return lf_fail(why, "%s", _("EC2 instance types are lowercase, like m6i.large"));
	const char *dot = strchr(v, '.');
	if (!dot || strchr(dot + 1, '.'))
		return lf_fail(why, _("must be an EC2 instance type like m6i.large (family.size), not \"%s\""),
			       quote(q, v, n));
	size_t flen = (size_t)(dot - v);
	/* Family: series letters, generation digits, attribute letters, and
	 * optionally "-flex" (m7i-flex). */
	size_t i = 0;
	while (i < flen && is_lower((unsigned char)v[i]))
		i++;
	size_t series_len = i;
	while (i < flen && is_digit((unsigned char)v[i]))
		i++;
	size_t gen_len = i - series_len;
	size_t attr_start = i;
	while (i < flen && is_lower((unsigned char)v[i]))
		i++;
	size_t attr_len = i - attr_start;
	if (flen - i == 5 && strncmp(v + i, "-flex", 5) == 0)
		i += 5;
	if (series_len < 1 || series_len > 4 || gen_len < 1 || gen_len > 2 ||
	    attr_len > 6 || i != flen)
		return lf_fail(why, _("must be an EC2 instance type like m6i.large: \"%s\" is not an instance family like m6i or c5n"),
			       quote(q, v, flen));
	if (series_len == 3 && strncmp(v, "mac", 3) == 0)
		return lf_fail(why, "%s", _("Mac instance types are refused: they run macOS, the server needs Linux on x86_64"));
	/* The Graviton attribute is a 'g' after the generation (m6g, c7gn,
	 * is4gen); a leading 'g' is the GPU series (g5, g4dn). a1 predates
	 * the convention. */
	bool graviton = memchr(v + attr_start, 'g', attr_len) != NULL ||
			(series_len == 1 && v[0] == 'a' && gen_len == 1 && v[1] == '1');
	if (graviton)
		return lf_fail(why, "%s", _("Graviton (ARM) instance types are refused: the server needs x86_64"));
	if (!is_instance_size(dot + 1))
		return lf_fail(why, _("must be an EC2 instance type like m6i.large: \"%s\" is not a size (nano, micro, small, medium, large, xlarge, 2xlarge ... 48xlarge, metal)"),
			       quote(q, dot + 1, strlen(dot + 1)));
	return 0;
}

static const char *const disk_types[] = { "gp3", "gp2", "io1", "io2", "st1" };

int v_disk_type(const char *v, char **why)
{
	if (lf_str_empty(v))
		return fail_empty(why);
	for (size_t i = 0; i < LF_ARRAY_LEN(disk_types); i++)
		if (strcmp(v, disk_types[i]) == 0)
			return 0;
	char q[QUOTE_SIZE];
	return lf_fail(why, _("the disk type must be one of gp3, gp2, io1, io2, st1 (lowercase), not \"%s\""),
		       quote(q, v, strlen(v)));
}

int v_disk(const char *type, long size_gb, char **why)
{
	if (v_disk_type(type, why) != 0)
		return -1;
	long min = 1, max = 16384;
	if (strcmp(type, "st1") == 0) {
		if (size_gb < 500)
			return lf_fail(why, _("st1 disks must be at least 500 GB (the AWS guide's minimum for st1), not %ld GB"),
				       size_gb);
		min = 500;
	} else if (strcmp(type, "io1") == 0) {
		min = 4;
	} else if (strcmp(type, "io2") == 0) {
		/* io2 is Block Express everywhere now: up to 64 TiB. */
		min = 4;
		max = 65536;
	}
	if (size_gb < min || size_gb > max)
		return lf_fail(why, _("%s disks must be %ld-%ld GB, not %ld GB"), type, min, max, size_gb);
	return 0;
}

enum size_err {
	SIZE_OK,
	SIZE_FORM,
	SIZE_NEGATIVE,
	SIZE_LEADING_ZERO,
	SIZE_UNIT,
	SIZE_FRACTION,
	SIZE_ZERO,
	SIZE_RANGE,
};

/* NUMBER[.FRACTION][ ]UNIT, see lf_parse_size_gb. *unit gets where the
 * unit starts (for messages). */
static enum size_err parse_size(const char *v, long *gb, const char **unit)
{
	const char *p = v;
	*unit = v;
	if (*p == '-')
		return SIZE_NEGATIVE;
	if (!is_digit((unsigned char)*p))
		return SIZE_FORM;
	size_t int_len = strspn(p, "0123456789");
	if (int_len > 1 && p[0] == '0')
		return SIZE_LEADING_ZERO;
	if (int_len > 6)
		return SIZE_RANGE;
	long whole = 0;
	for (size_t i = 0; i < int_len; i++)
		whole = whole * 10 + (p[i] - '0');
	p += int_len;
	long frac = 0, scale = 1;
	if (*p == '.') {
		p++;
		size_t frac_len = strspn(p, "0123456789");
		if (frac_len == 0)
			return SIZE_FORM;
		size_t sig = frac_len;
		while (sig > 0 && p[sig - 1] == '0')
			sig--;
		/* Past three significant digits not even T gives whole GB. */
		if (sig > 3)
			return SIZE_FRACTION;
		for (size_t i = 0; i < sig; i++) {
			frac = frac * 10 + (p[i] - '0');
			scale *= 10;
		}
		p += frac_len;
	}
	if (*p == ' ') {
		p++;
		if (*p == '\0' || *p == ' ')
			return SIZE_FORM;
	}
	*unit = p;
	long mult;
	if (*p == '\0' || strcasecmp(p, "g") == 0 || strcasecmp(p, "gb") == 0 ||
	    strcasecmp(p, "gib") == 0)
		mult = 1;
	else if (strcasecmp(p, "t") == 0 || strcasecmp(p, "tb") == 0 ||
		 strcasecmp(p, "tib") == 0)
		mult = 1000;
	else
		return SIZE_UNIT;
	if ((frac * mult) % scale != 0)
		return SIZE_FRACTION;
	long total = whole * mult + frac * mult / scale;
	if (total == 0)
		return SIZE_ZERO;
	if (total > SIZE_MAX_GB)
		return SIZE_RANGE;
	*gb = total;
	return SIZE_OK;
}

/* Units are read loosely on purpose: people type "GB" and "GiB" for the
 * same disk, so both mean GB, and T/TB/TiB all mean 1000 GB. Accepted
 * range 1..65536 GB. */
long lf_parse_size_gb(const char *v)
{
	long gb;
	const char *unit;
	if (lf_str_empty(v) || parse_size(v, &gb, &unit) != SIZE_OK)
		return -1;
	return gb;
}

int v_size(const char *v, char **why)
{
	if (lf_str_empty(v))
		return fail_empty(why);
	long gb;
	const char *unit;
	char q[QUOTE_SIZE];
	switch (parse_size(v, &gb, &unit)) {
	case SIZE_OK:
		return 0;
	case SIZE_NEGATIVE:
		return lf_fail(why, "%s", _("a size must not be negative"));
	case SIZE_LEADING_ZERO:
		return lf_fail(why, "%s", _("a size must not have leading zeros"));
	case SIZE_UNIT:
		return lf_fail(why, _("unknown size unit \"%s\": use G, GB, GiB, T, TB or TiB (T = 1000 GB)"),
			       quote(q, unit, strlen(unit)));
	case SIZE_FRACTION:
		return lf_fail(why, _("a size must come to a whole number of GB: %s does not"),
			       quote(q, v, strlen(v)));
	case SIZE_ZERO:
		return lf_fail(why, "%s", _("a size must be at least 1 GB"));
	case SIZE_RANGE:
		return lf_fail(why, "%s", _("a size must be at most 65536 GB (64 TB)"));
	case SIZE_FORM:
		break;
	}
	return lf_fail(why, "%s", _("must be a size like 100, 100GB or 1.5TB"));
}

static bool is_ipv4_formatted(const char *v)
{
	int groups = 0;
	for (const char *p = v;; p++) {
		size_t nd = strspn(p, "0123456789");
		if (nd == 0)
			return false;
		groups++;
		p += nd;
		if (*p == '\0')
			return groups == 4;
		if (*p != '.')
			return false;
	}
}

int v_s3_bucket(const char *v, char **why)
{
	static const char *const bad_prefixes[] = { "xn--", "sthree-", "amzn-s3-demo-" };
	static const char *const bad_suffixes[] = {
		"-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3",
	};
	if (lf_str_empty(v))
		return fail_empty(why);
	size_t n = strlen(v);
	char c[8];
	if (n < 3 || n > 63)
		return lf_fail(why, _("an S3 bucket name must be 3-63 characters (this one has %zu)"), n);
	if (has_upper(v))
		return lf_fail(why, "%s", _("an S3 bucket name must be lowercase"));
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)v[i];
		if (!is_lower_alnum(ch) && ch != '.' && ch != '-')
			return lf_fail(why, _("an S3 bucket name may contain only lowercase letters, digits, dots and hyphens: %s is not allowed"),
				       describe_char(c, ch));
	}
	if (!is_lower_alnum((unsigned char)v[0]) || !is_lower_alnum((unsigned char)v[n - 1]))
		return lf_fail(why, "%s", _("an S3 bucket name must start and end with a letter or digit"));
	if (strstr(v, ".."))
		return lf_fail(why, "%s", _("an S3 bucket name must not contain two dots in a row"));
	if (is_ipv4_formatted(v))
		return lf_fail(why, "%s", _("an S3 bucket name must not be formatted as an IP address like 192.168.5.4"));
	for (size_t i = 0; i < LF_ARRAY_LEN(bad_prefixes); i++)
		if (strncmp(v, bad_prefixes[i], strlen(bad_prefixes[i])) == 0)
			return lf_fail(why, _("an S3 bucket name must not start with \"%s\" (reserved by AWS)"),
				       bad_prefixes[i]);
	for (size_t i = 0; i < LF_ARRAY_LEN(bad_suffixes); i++) {
		size_t sl = strlen(bad_suffixes[i]);
		if (n > sl && strcmp(v + n - sl, bad_suffixes[i]) == 0)
			return lf_fail(why, _("an S3 bucket name must not end with \"%s\" (reserved by AWS)"),
				       bad_suffixes[i]);
	}
	return 0;
}

int v_acm_arn(const char *v, char **why)
{
	static const char *const partitions[] = { "aws", "aws-cn", "aws-us-gov" };
	if (lf_str_empty(v))
		return fail_empty(why);
	char q[QUOTE_SIZE];
	char q2[QUOTE_SIZE];
	/* arn:PARTITION:acm:REGION:ACCOUNT:certificate/UUID */
	const char *field[6];
	size_t flen[6];
	const char *p = v;
	int nf = 0;
	for (;;) {
		size_t l = strcspn(p, ":");
		if (nf < 6) {
			field[nf] = p;
			flen[nf] = l;
		}
		nf++;
		if (p[l] == '\0')
			break;
		p += l + 1;
	}
	if (nf != 6 || flen[0] != 3 || strncmp(field[0], "arn", 3) != 0)
		return lf_fail(why, "%s", _("must be an ACM certificate ARN like arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"));
	const char *partition = NULL;
	for (size_t i = 0; i < LF_ARRAY_LEN(partitions); i++)
		if (strlen(partitions[i]) == flen[1] &&
		    strncmp(field[1], partitions[i], flen[1]) == 0)
			partition = partitions[i];
	if (!partition)
		return lf_fail(why, _("the ARN partition must be aws, aws-cn or aws-us-gov, not \"%s\""),
			       quote(q, field[1], flen[1]));
	if (flen[2] != 3 || strncmp(field[2], "acm", 3) != 0)
		return lf_fail(why, _("must be an ACM certificate ARN: the service is \"%s\", not acm"),
			       quote(q, field[2], flen[2]));
	char region[32];
	size_t rlen = 0, bad_len = 0;
	const char *bad = NULL;
	bool region_ok = flen[3] < sizeof(region);
	if (region_ok) {
		memcpy(region, field[3], flen[3]);
		region[flen[3]] = '\0';
		region_ok = region_span(region, &rlen, &bad, &bad_len) == REGION_OK &&
			    rlen == flen[3];
	}
	if (!region_ok)
		return lf_fail(why, _("the ARN's region \"%s\" is not an AWS region like eu-west-1"),
			       quote(q, field[3], flen[3]));
	const char *expected = region_partition(region);
	if (strcmp(expected, partition) != 0)
		return lf_fail(why, _("the ARN's partition %s does not match its region %s, which is in %s"),
			       partition, quote(q2, region, rlen), expected);
	bool account_ok = flen[4] == 12;
	for (size_t i = 0; account_ok && i < 12; i++)
		account_ok = is_digit((unsigned char)field[4][i]);
	if (!account_ok)
		return lf_fail(why, _("the ARN's account ID must be 12 digits, not \"%s\""),
			       quote(q, field[4], flen[4]));
	const char *res = field[5];
	bool res_ok = flen[5] == 12 + 36 && strncmp(res, "certificate/", 12) == 0;
	for (size_t i = 0; res_ok && i < 36; i++) {
		unsigned char ch = (unsigned char)res[12 + i];
		res_ok = (i == 8 || i == 13 || i == 18 || i == 23) ? ch == '-' : is_lower_hex(ch);
	}
	if (!res_ok)
		return lf_fail(why, _("the ARN must end in certificate/ and a lowercase UUID like 0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b, not \"%s\""),
			       quote(q, res, flen[5]));
	return 0;
}

/* PREFIX followed by exactly 8 or 17 lowercase hex digits. */
static bool is_aws_id(const char *v, const char *prefix)
{
	size_t pl = strlen(prefix);
	if (strncmp(v, prefix, pl) != 0)
		return false;
	size_t hl = strlen(v + pl);
	if (hl != 8 && hl != 17)
		return false;
	return first_bad(v + pl, is_lower_hex) < 0;
}

int v_vpc_id(const char *v, char **why)
{
	if (lf_str_empty(v))
		return fail_empty(why);
	char q[QUOTE_SIZE];
	if (!is_aws_id(v, "vpc-"))
		return lf_fail(why, _("a VPC ID must be \"vpc-\" and 8 or 17 lowercase hex digits, like vpc-0a1b2c3d4e5f67890, not \"%s\""),
			       quote(q, v, strlen(v)));
	return 0;
}

int v_subnet_id(const char *v, char **why)
{
	if (lf_str_empty(v))
		return fail_empty(why);
	char q[QUOTE_SIZE];
	if (!is_aws_id(v, "subnet-"))
		return lf_fail(why, _("a subnet ID must be \"subnet-\" and 8 or 17 lowercase hex digits, like subnet-0a1b2c3d4e5f67890, not \"%s\""),
			       quote(q, v, strlen(v)));
	return 0;
}

static bool is_upper_alnum(int c)
{
	return is_upper(c) || is_digit(c);
}

int v_hosted_zone_id(const char *v, char **why)
{
	if (lf_str_empty(v))
		return fail_empty(why);
	char q[QUOTE_SIZE];
	static const char prefix[] = "/hostedzone/";
	if (strncmp(v, prefix, sizeof(prefix) - 1) == 0) {
		const char *rest = v + sizeof(prefix) - 1;
		return lf_fail(why, _("drop the \"/hostedzone/\" prefix: use %s"),
			       quote(q, rest, strlen(rest)));
	}
	size_t n = strlen(v);
	if (v[0] != 'Z' || n < 2 || n > 33 || first_bad(v + 1, is_upper_alnum) >= 0)
		return lf_fail(why, _("a Route 53 hosted zone ID must be Z and 1-32 uppercase letters or digits, like Z0123456789ABCDEFGHIJ, not \"%s\""),
			       quote(q, v, n));
	return 0;
}

/* ---- names -------------------------------------------------------------- */

static bool is_login_char(int c)
{
	return is_lower_alnum(c) || c == '_' || c == '-';
}

int v_user_name(const char *v, char **why)
{
	if (lf_str_empty(v))
		return fail_empty(why);
	char c[8];
	size_t n = strlen(v);
	if (n > 32)
		return lf_fail(why, _("a login name must be at most 32 characters (this one has %zu)"), n);
	if (!is_lower((unsigned char)v[0]) && v[0] != '_')
		return lf_fail(why, "%s", _("a login name must start with a lowercase letter or '_'"));
	long bad = first_bad(v, is_login_char);
	if (bad >= 0)
		return lf_fail(why, _("a login name may contain only lowercase letters, digits, '_' and '-': %s is not allowed"),
			       describe_char(c, (unsigned char)v[bad]));
	return 0;
}

static bool is_label_char(int c)
{
	return is_lower_alnum(c) || c == '-';
}

int v_k8s_name(const char *v, char **why)
{
	if (lf_str_empty(v))
		return fail_empty(why);
	char c[8];
	size_t n = strlen(v);
	if (n > 63)
		return lf_fail(why, _("a Kubernetes name must be at most 63 characters (this one has %zu)"), n);
	long bad = first_bad(v, is_label_char);
	if (bad >= 0)
		return lf_fail(why, _("a Kubernetes name may contain only lowercase letters, digits and '-': %s is not allowed"),
			       describe_char(c, (unsigned char)v[bad]));
	if (v[0] == '-' || v[n - 1] == '-')
		return lf_fail(why, "%s", _("a Kubernetes name must start and end with a lowercase letter or digit"));
	return 0;
}

int v_install_id(const char *v, char **why)
{
	if (lf_str_empty(v))
		return fail_empty(why);
	char c[8];
	size_t n = strlen(v);
	if (n > 32)
		return lf_fail(why, _("an install ID must be 1-32 characters (this one has %zu)"), n);
	long bad = first_bad(v, is_label_char);
	if (bad >= 0)
		return lf_fail(why, _("an install ID may contain only lowercase letters, digits and '-': %s is not allowed"),
			       describe_char(c, (unsigned char)v[bad]));
	if (!is_lower((unsigned char)v[0]))
		return lf_fail(why, "%s", _("an install ID must start with a lowercase letter"));
	if (v[n - 1] == '-')
		return lf_fail(why, "%s", _("an install ID must not end with '-'"));
	return 0;
}

static bool is_env_char(int c)
{
	return is_alnum(c) || c == '_';
}

int v_env_name(const char *v, char **why)
{
	if (lf_str_empty(v))
		return fail_empty(why);
	char c[8];
	size_t n = strlen(v);
	if (n > 255)
		return lf_fail(why, _("an environment variable name must be at most 255 characters (this one has %zu)"), n);
	if (!is_alpha((unsigned char)v[0]) && v[0] != '_')
		return lf_fail(why, "%s", _("an environment variable name must start with a letter or '_'"));
	long bad = first_bad(v, is_env_char);
	if (bad >= 0)
		return lf_fail(why, _("an environment variable name may contain only letters, digits and '_': %s is not allowed"),
			       describe_char(c, (unsigned char)v[bad]));
	return 0;
}

static bool is_printable_ascii(int c)
{
	return c >= 0x20 && c <= 0x7e;
}

int v_key_pair(const char *v, char **why)
{
	if (lf_str_empty(v))
		return fail_empty(why);
	char c[8];
	size_t n = strlen(v);
	if (n > 255)
		return lf_fail(why, _("a key pair name must be at most 255 characters (this one has %zu)"), n);
	long bad = first_bad(v, is_printable_ascii);
	if (bad >= 0)
		return lf_fail(why, _("a key pair name may contain only printable ASCII characters: %s is not allowed"),
			       describe_char(c, (unsigned char)v[bad]));
	if (v[0] == ' ' || v[n - 1] == ' ')
		return lf_fail(why, "%s", _("a key pair name must not start or end with a space"));
	return 0;
}

static bool is_base64_char(int c)
{
	return is_alnum(c) || c == '+' || c == '/';
}

int v_sha256_fp(const char *v, char **why)
{
	if (lf_str_empty(v))
		return fail_empty(why);
	char c[8];
	if (strncmp(v, "SHA256:", 7) != 0) {
		if (strncasecmp(v, "SHA256:", 7) == 0)
			return lf_fail(why, "%s", _("the fingerprint must start with \"SHA256:\" in capitals, as ssh-keygen -lf prints it"));
		if (strncasecmp(v, "MD5:", 4) == 0 || (strlen(v) == 47 && v[2] == ':'))
			return lf_fail(why, "%s", _("MD5 fingerprints are refused: give the SHA256: form that ssh-keygen -lf prints"));
		return lf_fail(why, "%s", _("must be an SSH key fingerprint like SHA256:+Gz0ah7n8VsW8PbJ5B1xwZ2y3Tq6x9CkL0mN1oP2qR4, as ssh-keygen -lf prints it"));
	}
	const char *b = v + 7;
	size_t n = strlen(b);
	if (n > 0 && b[n - 1] == '=')
		return lf_fail(why, "%s", _("drop the '=' padding: ssh-keygen -lf prints the fingerprint without it"));
	if (n != 43)
		return lf_fail(why, _("a SHA256 fingerprint has exactly 43 base64 characters after \"SHA256:\" (this one has %zu)"), n);
	long bad = first_bad(b, is_base64_char);
	if (bad >= 0)
		return lf_fail(why, _("a SHA256 fingerprint may contain only base64 characters (A-Z, a-z, 0-9, + and /): %s is not allowed"),
			       describe_char(c, (unsigned char)b[bad]));
	return 0;
}

int v_abs_path(const char *v, char **why)
{
	if (lf_str_empty(v))
		return fail_empty(why);
	char q[QUOTE_SIZE];
	size_t n = strlen(v);
	if (v[0] != '/')
		return lf_fail(why, _("must be an absolute path starting with '/', not \"%s\""),
			       quote(q, v, n));
	if (n > 4096)
		return lf_fail(why, _("a path must be at most 4096 characters (this one has %zu)"), n);
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)v[i];
		if (ch < 0x20 || ch == 0x7f)
			return lf_fail(why, _("a path must not contain control characters (found 0x%02x)"), ch);
	}
	for (const char *p = v; *p;) {
		p++;
		size_t len = strcspn(p, "/");
		if (len == 2 && p[0] == '.' && p[1] == '.')
			return lf_fail(why, "%s", _("a path must not contain \"..\" components"));
		p += len;
	}
	return 0;
}

/* ---- URLs --------------------------------------------------------------- */

int v_url(const char *v, char **why)
{
	if (lf_str_empty(v))
		return fail_empty(why);
	char q[QUOTE_SIZE];
	char c[8];
	size_t n = strlen(v);
	if (n > 2048)
		return lf_fail(why, _("a URL must be at most 2048 characters (this one has %zu)"), n);
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)v[i];
		if (ch <= 0x20 || ch >= 0x7f)
			return lf_fail(why, _("a URL must not contain spaces, control or non-ASCII characters (percent-encode them): %s"),
				       describe_char(c, ch));
	}
	const char *p;
	if (strncasecmp(v, "https://", 8) == 0)
		p = v + 8;
	else if (strncasecmp(v, "http://", 7) == 0)
		p = v + 7;
	else
		return lf_fail(why, _("a URL must start with http:// or https://, like https://example.com/, not \"%s\""),
			       quote(q, v, n));
	size_t alen = strcspn(p, "/?#");
	if (alen == 0)
		return lf_fail(why, "%s", _("a URL must have a host after the scheme, like https://example.com/"));
	if (memchr(p, '@', alen))
		return lf_fail(why, "%s", _("a URL must not contain a user name or password"));
	const char *end = p + alen;
	const char *port = NULL;
	if (*p == '[') {
		const char *close = memchr(p, ']', alen);
		unsigned char a6[16];
		if (!close)
			return lf_fail(why, "%s", _("an IPv6 address in a URL must end with ']', like http://[2001:db8::1]/"));
		if (!parse_ipv6(p + 1, (size_t)(close - p - 1), a6))
			return lf_fail(why, _("\"%s\" in brackets is not an IPv6 address"),
				       quote(q, p + 1, (size_t)(close - p - 1)));
		if (close + 1 < end) {
			if (close[1] != ':')
				return lf_fail(why, _("unexpected \"%s\" after the IPv6 address in the URL"),
					       quote(q, close + 1, (size_t)(end - close - 1)));
			port = close + 2;
		}
	} else {
		const char *colon = memchr(p, ':', alen);
		if (colon && memchr(colon + 1, ':', (size_t)(end - colon - 1)))
			return lf_fail(why, "%s", _("an IPv6 address in a URL must be in brackets, like http://[2001:db8::1]/"));
		size_t hlen = (size_t)((colon ? colon : end) - p);
		if (hlen == 0)
			return lf_fail(why, "%s", _("a URL must have a host after the scheme, like https://example.com/"));
		if (hlen > 254)
			return lf_fail(why, _("the host in a URL must be at most 253 characters (this one has %zu)"), hlen);
		char host[256];
		memcpy(host, p, hlen);
		host[hlen] = '\0';
		char *inner = NULL;
		if (v_host(host, &inner) != 0) {
			lf_fail(why, _("the host in the URL is invalid: %s"), inner);
			free(inner);
			return -1;
		}
		if (colon)
			port = colon + 1;
	}
	if (port && !parse_port(port, (size_t)(end - port), NULL))
		return lf_fail(why, _("the port in a URL must be 1-65535, not \"%s\""),
			       quote(q, port, (size_t)(end - port)));
	return 0;
}
