/* The AWS client; the contract, and why the request is shaped the way it
 * is before curl signs it, are in aws_http.h. */
#include "aws_http.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <libxml/parser.h>

#include "../i18n.h"
#include "../util.h"
#include "aws_xml.h"

#ifndef LANDFALL_VERSION
#define LANDFALL_VERSION "dev"
#endif

/* ---- services ----------------------------------------------------------- */

static const struct aws_service_info services[AWS_SERVICE_COUNT] = {
#define AWS_SERVICE_ROW(id, sign, host, env, proto, ver, target, global)                           \
	[id] = {sign, host, env, proto, ver, target, global},
	AWS_SERVICES(AWS_SERVICE_ROW)
#undef AWS_SERVICE_ROW
};

const struct aws_service_info *aws_service_info(enum aws_service svc)
{
	return (unsigned)svc < AWS_SERVICE_COUNT ? &services[svc] : NULL;
}

int aws_service_by_name(const char *name)
{
	for (int i = 0; i < AWS_SERVICE_COUNT; i++)
		if (name && strcmp(services[i].signing_name, name) == 0)
			return i;
	return -1;
}

/* ---- SHA-256 (FIPS 180-4), for S3's payload hash and checksums ---------- */

struct sha256 {
	uint32_t h[8];
	uint64_t len;
	unsigned char buf[64];
};

static const uint32_t sha_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
	0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
	0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
	0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
	0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
	0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
	0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
	0xc67178f2,
};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void sha256_block(struct sha256 *s, const unsigned char *p)
{
	uint32_t w[64];
	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | (uint32_t)p[4 * i + 3];
	for (int i = 16; i < 64; i++) {
		uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
		uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	uint32_t a = s->h[0], b = s->h[1], c = s->h[2], d = s->h[3];
	uint32_t e = s->h[4], f = s->h[5], g = s->h[6], h = s->h[7];
	for (int i = 0; i < 64; i++) {
		uint32_t t1 = h + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) + ((e & f) ^ (~e & g)) +
			      sha_k[i] + w[i];
		uint32_t t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
		h = g;
		g = f;
		f = e;
		e = d + t1;
		d = c;
		c = b;
		b = a;
		a = t1 + t2;
	}
	s->h[0] += a;
	s->h[1] += b;
	s->h[2] += c;
	s->h[3] += d;
	s->h[4] += e;
	s->h[5] += f;
	s->h[6] += g;
	s->h[7] += h;
}

static void sha256(const void *data, size_t len, unsigned char out[32])
{
	struct sha256 s = {.h = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f,
				 0x9b05688c, 0x1f83d9ab, 0x5be0cd19}};
	const unsigned char *p = data;
	s.len = (uint64_t)len * 8;
	while (len >= 64) {
		sha256_block(&s, p);
		p += 64;
		len -= 64;
	}
	memcpy(s.buf, p, len);
	s.buf[len++] = 0x80;
	if (len > 56) {
		memset(s.buf + len, 0, 64 - len);
		sha256_block(&s, s.buf);
		len = 0;
	}
	memset(s.buf + len, 0, 56 - len);
	for (int i = 0; i < 8; i++)
		s.buf[56 + i] = (unsigned char)(s.len >> (56 - 8 * i));
	sha256_block(&s, s.buf);
	for (int i = 0; i < 8; i++) {
		out[4 * i] = (unsigned char)(s.h[i] >> 24);
		out[4 * i + 1] = (unsigned char)(s.h[i] >> 16);
		out[4 * i + 2] = (unsigned char)(s.h[i] >> 8);
		out[4 * i + 3] = (unsigned char)s.h[i];
	}
}

void aws_sha256_hex(const void *data, size_t len, char out[65])
{
	unsigned char d[32];
	sha256(data, len, d);
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

void aws_sha256_base64(const void *data, size_t len, char out[45])
{
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned char d[33] = {0};
	sha256(data, len, d);
	char *o = out;
	for (int i = 0; i < 33; i += 3) {
		uint32_t v = (uint32_t)d[i] << 16 | (uint32_t)d[i + 1] << 8 | d[i + 2];
		*o++ = b64[(v >> 18) & 63];
		*o++ = b64[(v >> 12) & 63];
		*o++ = b64[(v >> 6) & 63];
		*o++ = b64[v & 63];
	}
	out[43] = '='; /* 32 bytes: the last group holds two bytes */
	out[44] = '\0';
}

/* ---- encoding ----------------------------------------------------------- */

static bool unreserved(unsigned char c)
{
	return isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~';
}

char *aws_uri_encode(const char *s, bool keep_slash)
{
	if (!s)
		s = "";
	char *out = lf_xmalloc(strlen(s) * 3 + 1), *o = out;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (unreserved(*p) || (keep_slash && *p == '/')) {
			*o++ = (char)*p;
		} else {
			static const char hex[] = "0123456789ABCDEF";
			*o++ = '%';
			*o++ = hex[*p >> 4];
			*o++ = hex[*p & 15];
		}
	}
	*o = '\0';
	return out;
}

struct aws_params {
	struct {
		char *key, *value;
	} * v;
	size_t n;
};

struct aws_params *aws_params_new(void)
{
	return lf_xcalloc(1, sizeof(struct aws_params));
}

void aws_params_free(struct aws_params *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++) {
		free(p->v[i].key);
		free(p->v[i].value);
	}
	free(p->v);
	free(p);
}

void aws_params_set(struct aws_params *p, const char *key, const char *value)
{
	for (size_t i = 0; i < p->n; i++) {
		if (strcmp(p->v[i].key, key) == 0) {
			free(p->v[i].value);
			p->v[i].value = lf_xstrdup(value);
			return;
		}
	}
	p->v = lf_xrealloc(p->v, (p->n + 1) * sizeof *p->v);
	p->v[p->n].key = lf_xstrdup(key);
	p->v[p->n].value = lf_xstrdup(value);
	p->n++;
}

void aws_params_setf(struct aws_params *p, const char *key, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *v = lf_vasprintf(fmt, ap);
	va_end(ap);
	aws_params_set(p, key, v);
	free(v);
}

void aws_params_remove(struct aws_params *p, const char *key)
{
	for (size_t i = 0; i < p->n; i++) {
		if (strcmp(p->v[i].key, key) == 0) {
			free(p->v[i].key);
			free(p->v[i].value);
			memmove(&p->v[i], &p->v[i + 1], (p->n - i - 1) * sizeof *p->v);
			p->n--;
			return;
		}
	}
}

const char *aws_params_get(const struct aws_params *p, const char *key)
{
	for (size_t i = 0; p && i < p->n; i++)
		if (strcmp(p->v[i].key, key) == 0)
			return p->v[i].value;
	return NULL;
}

struct pair {
	char *k, *v;
};

static int pair_cmp(const void *a, const void *b)
{
	const struct pair *x = a, *y = b;
	int c = strcmp(x->k, y->k);
	return c ? c : strcmp(x->v, y->v);
}

char *aws_params_encode(const struct aws_params *p)
{
	size_t n = p ? p->n : 0;
	struct pair *v = lf_xcalloc(n ? n : 1, sizeof *v);
	size_t total = 1;
	for (size_t i = 0; i < n; i++) {
		v[i].k = aws_uri_encode(p->v[i].key, false);
		v[i].v = aws_uri_encode(p->v[i].value, false);
		total += strlen(v[i].k) + strlen(v[i].v) + 2;
	}
	/* SigV4 sorts by the encoded names. */
	qsort(v, n, sizeof *v, pair_cmp);
	char *out = lf_xmalloc(total), *o = out;
	for (size_t i = 0; i < n; i++) {
		o += sprintf(o, "%s%s=%s", i ? "&" : "", v[i].k, v[i].v);
		free(v[i].k);
		free(v[i].v);
	}
	*o = '\0';
	free(v);
	return out;
}

/* Is `q` a canonical query string: "k=v" pairs of unreserved characters
 * and upper-case %XX escapes, sorted by key? */
static bool query_canonical(const char *q)
{
	const char *prev = NULL;
	size_t prev_len = 0;
	for (const char *p = q; *p;) {
		size_t len = strcspn(p, "&");
		size_t klen = strcspn(p, "=&");
		if (klen >= len || klen == 0)
			return false; /* every pair has "=" (AWS signs "k=") */
		for (size_t i = 0; i < len; i++) {
			unsigned char c = (unsigned char)p[i];
			if (i == klen)
				continue;
			if (c == '%') {
				if (i + 2 >= len || !isxdigit((unsigned char)p[i + 1]) ||
				    !isxdigit((unsigned char)p[i + 2]) ||
				    islower((unsigned char)p[i + 1]) ||
				    islower((unsigned char)p[i + 2]))
					return false;
				i += 2;
			} else if (!unreserved(c)) {
				return false;
			}
		}
		if (prev) {
			size_t m = prev_len < klen ? prev_len : klen;
			int c = memcmp(prev, p, m);
			if (c > 0 || (c == 0 && prev_len > klen))
				return false;
		}
		prev = p;
		prev_len = klen;
		p += len;
		if (*p == '&')
			p++;
	}
	return true;
}

/* ---- endpoints ---------------------------------------------------------- */

void aws_endpoint_clear(struct aws_endpoint *e)
{
	if (!e)
		return;
	free(e->url);
	free(e->signing_region);
	memset(e, 0, sizeof *e);
}

static bool region_valid(const char *r)
{
	if (lf_str_empty(r) || strlen(r) > 40)
		return false;
	for (const char *p = r; *p; p++)
		if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '-'))
			return false;
	return true;
}

static bool host_is_loopback(const char *host)
{
	return strcmp(host, "localhost") == 0 || strncmp(host, "127.", 4) == 0 ||
	       strcmp(host, "[::1]") == 0 || strcmp(host, "::1") == 0;
}

/* Check an override URL; returns it without trailing '/', or NULL. */
static char *check_override(const char *url, const char *origin, char **cause)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *out = NULL;
	if (!u || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		lf_fail(cause, _("the endpoint %s (%s) is not a URL"), url, origin);
		goto out;
	}
	if (strcasecmp(scheme, "https") != 0 && strcasecmp(scheme, "http") != 0) {
		lf_fail(cause, _("the endpoint %s (%s) must be an https:// URL"), url, origin);
		goto out;
	}
	if (strcasecmp(scheme, "http") == 0 && !host_is_loopback(host)) {
		lf_fail(cause,
			_("the endpoint %s (%s) uses plain http to a remote host; use "
			  "https (plain http is accepted for a loopback emulator only)"),
			url, origin);
		goto out;
	}
	out = lf_xstrdup(url);
	for (size_t n = strlen(out); n > 0 && out[n - 1] == '/'; n--)
		out[n - 1] = '\0';
	if (strchr(out, '?') || strchr(out, '#')) {
		lf_fail(cause, _("the endpoint %s (%s) must not have a query"), url, origin);
		free(out);
		out = NULL;
	}
out:
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return out;
}

static bool env_true(const char *name)
{
	const char *v = getenv(name);
	return v && strcasecmp(v, "true") == 0;
}

int aws_endpoint_resolve(enum aws_service svc, const char *region, const char *explicit_url,
			 const char *profile_url, struct aws_endpoint *out, char **cause)
{
	memset(out, 0, sizeof *out);
	const struct aws_service_info *si = aws_service_info(svc);
	if (!si)
		return lf_fail(cause, "unknown AWS service %d", (int)svc);
	if (!region_valid(region))
		return lf_fail(cause, _("\"%s\" is not an AWS region name (like eu-west-1)"),
			       region ? region : "");

	bool cn = strncmp(region, "cn-", 3) == 0;
	bool gov = strncmp(region, "us-gov-", 7) == 0;
	const char *suffix = cn ? "amazonaws.com.cn" : "amazonaws.com";
	const char *home = si->global ? (cn ? (svc == AWS_ROUTE53 ? "cn-northwest-1" : "cn-north-1")
					 : gov ? "us-gov-west-1"
					       : "us-east-1")
				      : region;

	/* Origins must outlive the call: static spellings. */
	static const char *const env_names[AWS_SERVICE_COUNT] = {
#define AWS_SERVICE_ENV(id, sign, host, env, ...) [id] = "AWS_ENDPOINT_URL_" env,
		AWS_SERVICES(AWS_SERVICE_ENV)
#undef AWS_SERVICE_ENV
	};
	const char *url = NULL, *origin = NULL;
	bool ignore = env_true("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
	if (!lf_str_empty(explicit_url)) {
		url = explicit_url;
		origin = "explicit";
	} else if (!ignore && !lf_str_empty(getenv(env_names[svc]))) {
		url = getenv(env_names[svc]);
		origin = env_names[svc];
	} else if (!ignore && !lf_str_empty(getenv("AWS_ENDPOINT_URL"))) {
		url = getenv("AWS_ENDPOINT_URL");
		origin = "AWS_ENDPOINT_URL";
	} else if (!ignore && !lf_str_empty(profile_url)) {
		url = profile_url;
		origin = "profile";
	}
	if (url) {
		out->url = check_override(url, origin, cause);
		if (!out->url)
			return -1;
		out->custom = true;
		out->origin = origin;
	} else if (si->global) {
		if (svc == AWS_IAM && (cn || gov))
			out->url = lf_asprintf("https://iam.%s.%s", cn ? "cn-north-1" : "us-gov",
					       suffix);
		else if (gov)
			out->url = lf_asprintf("https://%s.us-gov.%s", si->host_prefix, suffix);
		else
			out->url = lf_asprintf("https://%s.%s", si->host_prefix, suffix);
		out->origin = "default";
	} else {
		out->url = lf_asprintf("https://%s.%s.%s", si->host_prefix, region, suffix);
		out->origin = "default";
	}
	out->signing_region = lf_xstrdup(home);
	return 0;
}

/* Can the bucket name be a host name label (virtual-hosted style)? */
static bool bucket_dns_safe(const char *b)
{
	size_t n = strlen(b);
	if (n < 3 || n > 63 || b[0] == '-' || b[n - 1] == '-')
		return false;
	for (const char *p = b; *p; p++)
		if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '-'))
			return false;
	return true;
}

char *aws_endpoint_url(const struct aws_endpoint *e, enum aws_service svc, const char *bucket,
		       const char *path, const char *query)
{
	if (!path || !*path)
		path = "/";
	const char *q = query && *query ? "?" : "";
	const char *qs = query && *query ? query : "";
	if (svc != AWS_S3 || lf_str_empty(bucket))
		return lf_asprintf("%s%s%s%s", e->url, path, q, qs);
	if (!e->custom && bucket_dns_safe(bucket)) {
		const char *rest = strstr(e->url, "://");
		rest = rest ? rest + 3 : e->url;
		return lf_asprintf("%.*s%s.%s%s%s%s", (int)(rest - e->url), e->url, bucket, rest,
				   path, q, qs);
	}
	return lf_asprintf("%s/%s%s%s%s", e->url, bucket, strcmp(path, "/") == 0 ? "" : path, q,
			   qs);
}

/* ---- errors ------------------------------------------------------------- */

void aws_error_clear(struct aws_error *e)
{
	if (!e)
		return;
	free(e->code);
	free(e->message);
	free(e->request_id);
	free(e->text);
	memset(e, 0, sizeof *e);
}

bool aws_error_is(const struct aws_error *e, const char *code)
{
	return e && e->code && code && strcmp(e->code, code) == 0;
}

static const char *const throttling_codes[] = {
	"Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
	"TooManyRequestsException", "ProvisionedThroughputExceededException",
	"TransactionInProgressException", "RequestLimitExceeded", "BandwidthLimitExceeded",
	"RequestThrottled", "SlowDown", "PriorRequestNotComplete", "EC2ThrottledException",
	/* transient, not throttling, but the same cure */
	"RequestTimeout", "RequestTimeoutException", "InternalError", "InternalFailure",
	"ServiceUnavailable", "IDPCommunicationError",
	/* LimitExceededException is left out on purpose: ACM and others use it
	 * for a quota, which waiting does not lift. */
};

static bool is_throttling(const char *code)
{
	for (size_t i = 0; code && i < LF_ARRAY_LEN(throttling_codes); i++)
		if (strcmp(code, throttling_codes[i]) == 0)
			return true;
	return false;
}

bool aws_retryable(long status, const char *code, int curl_code)
{
	if (curl_code != 0 && status == 0) {
		switch ((CURLcode)curl_code) {
		case CURLE_COULDNT_RESOLVE_HOST:
		case CURLE_COULDNT_CONNECT:
		case CURLE_PARTIAL_FILE:
		case CURLE_OPERATION_TIMEDOUT:
		case CURLE_SSL_CONNECT_ERROR:
		case CURLE_GOT_NOTHING:
		case CURLE_SEND_ERROR:
		case CURLE_RECV_ERROR:
		case CURLE_HTTP2:
		case CURLE_HTTP2_STREAM:
		case CURLE_WEIRD_SERVER_REPLY: return true;
		default: return false;
		}
	}
	if (is_throttling(code))
		return true;
	return status == 429 || (status >= 500 && status <= 599 && status != 501);
}

enum action_rc aws_action_rc(enum aws_status st)
{
	switch (st) {
	case AWS_OK: return ACT_OK;
	case AWS_TRANSIENT: return ACT_RETRY;
	case AWS_FAILED: break;
	}
	return ACT_FAILED;
}

struct hint_row {
	const char *code;
	const char *hint;
};

static const struct hint_row hints[] = {
	{"AuthFailure", N_("AWS does not know this access key, or the secret key does not "
			   "match it: check the credentials Landfall found")},
	{"InvalidClientTokenId", N_("AWS does not know this access key: check the "
				    "credentials Landfall found")},
	{"UnrecognizedClientException", N_("AWS does not know this access key: check the "
					   "credentials Landfall found")},
	{"InvalidAccessKeyId", N_("AWS does not know this access key: check the credentials "
				  "Landfall found")},
	{"SignatureDoesNotMatch", N_("the secret key does not match the access key, or this "
				     "machine's clock is wrong")},
	{"IncompleteSignature", N_("the request was not signed completely; please report this")},
	{"ExpiredToken", N_("the credentials have expired: renew them and run again")},
	{"ExpiredTokenException", N_("the credentials have expired: renew them and run again")},
	{"RequestExpired", N_("the request or the credentials expired: check this machine's "
			      "clock and renew the credentials")},
	{"RequestTimeTooSkewed", N_("this machine's clock is wrong: synchronise it "
				    "(timedatectl set-ntp true)")},
	{"InvalidSignatureException", N_("the signature was refused: check this machine's "
					 "clock and the secret key")},
	{"AccessDenied", N_("the credentials lack a permission this step needs: grant it in "
			    "IAM, or use other credentials")},
	{"AccessDeniedException", N_("the credentials lack a permission this step needs: grant "
				     "it in IAM, or use other credentials")},
	{"UnauthorizedOperation", N_("the credentials lack a permission this step needs: grant "
				     "it in IAM, or use other credentials")},
	{"OptInRequired", N_("the account is not subscribed to this service in this region: "
			     "enable the region in the AWS console")},
	{"PermanentRedirect", N_("the bucket is in another region")},
};

static const char *hint_for(const char *code, bool retryable)
{
	for (size_t i = 0; code && i < LF_ARRAY_LEN(hints); i++)
		if (strcmp(code, hints[i].code) == 0)
			return _(hints[i].hint);
	if (retryable && code)
		return _("AWS is busy or limiting the request rate; Landfall tries again later");
	return NULL;
}

/* AWS codes arrive as "Code", "prefix#Code" or "Code:http://...". */
static char *clean_code(const char *raw)
{
	if (lf_str_empty(raw))
		return NULL;
	const char *hash = strrchr(raw, '#');
	const char *s = hash ? hash + 1 : raw;
	size_t n = strcspn(s, ":");
	return n ? lf_xstrndup(s, n) : NULL;
}

/* One line, at most 300 characters. */
static char *one_line(const char *s)
{
	char *out = lf_xstrndup(s, 300);
	for (char *p = out; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
	return out;
}

static const char *status_code_name(long status)
{
	switch (status) {
	case 301: return "PermanentRedirect";
	case 400: return "BadRequest";
	case 403: return "Forbidden";
	case 404: return "NotFound";
	case 405: return "MethodNotAllowed";
	case 409: return "Conflict";
	case 412: return "PreconditionFailed";
	case 429: return "TooManyRequests";
	case 500: return "InternalError";
	case 503: return "ServiceUnavailable";
	default: return NULL;
	}
}

static void parse_xml_error(const char *body, size_t len, struct aws_error *err)
{
	xmlDoc *doc = aws_xml_parse(body, len, NULL);
	xmlNode *root = aws_xml_root(doc);
	if (!root)
		return;
	xmlNode *code =
		strcmp((const char *)root->name, "Code") == 0 ? root : aws_xml_find(root, "Code");
	if (code) {
		err->code = aws_xml_text(code, "");
		/* The message next to the code, else the first one anywhere. */
		err->message = aws_xml_text(code->parent, "Message");
	} else {
		const char *name = (const char *)root->name;
		if (strcmp(name, "Error") != 0 && strcmp(name, "ErrorResponse") != 0 &&
		    strcmp(name, "Response") != 0)
			err->code = lf_xstrdup(name); /* Route53's <InvalidChangeBatch> */
	}
	if (!err->message)
		err->message = aws_xml_find_text(root, "Message");
	err->request_id = aws_xml_find_text(root, "RequestId");
	if (!err->request_id)
		err->request_id = aws_xml_find_text(root, "RequestID");
	xmlFreeDoc(doc);
}

static const char *json_text(json_t *o, const char *const *keys)
{
	for (; *keys; keys++) {
		json_t *v = json_object_get(o, *keys);
		if (json_is_string(v) && json_string_length(v) > 0)
			return json_string_value(v);
	}
	return NULL;
}

static void parse_json_error(const char *body, size_t len, struct aws_error *err)
{
	json_error_t jerr;
	json_t *o = json_loadb(body, len, 0, &jerr);
	if (json_is_object(o)) {
		static const char *const code_keys[] = {"__type", "code", "Code", NULL};
		static const char *const msg_keys[] = {"message", "Message", "errorMessage", NULL};
		if (!err->code)
			err->code = clean_code(json_text(o, code_keys));
		const char *m = json_text(o, msg_keys);
		if (m)
			err->message = lf_xstrdup(m);
	}
	json_decref(o);
}

void aws_error_parse(long status, const char *body, size_t len, const char *error_type_header,
		     struct aws_error *err)
{
	free(err->code);
	free(err->message);
	free(err->request_id);
	free(err->text);
	err->code = err->message = err->request_id = err->text = NULL;
	err->status = status;
	err->curl_code = 0;
	err->code = clean_code(error_type_header);
	const char *p = body;
	size_t n = len;
	while (p && n > 0 && isspace((unsigned char)*p)) {
		p++;
		n--;
	}
	if (p && n > 0 && *p == '<')
		parse_xml_error(p, n, err);
	else if (p && n > 0 && *p == '{')
		parse_json_error(p, n, err);

	if (!err->code && status_code_name(status))
		err->code = lf_xstrdup(status_code_name(status));
	char *msg = err->message ? one_line(err->message) : NULL;
	if (err->code && msg)
		err->text = lf_asprintf("%s: %s", err->code, msg);
	else if (err->code)
		err->text = lf_asprintf(_("%s (HTTP %ld)"), err->code, status);
	else if (msg)
		err->text = lf_asprintf(_("HTTP %ld: %s"), status, msg);
	else
		err->text = lf_asprintf(_("HTTP %ld with no explanation"), status);
	free(msg);
	err->retryable = aws_retryable(status, err->code, 0);
	err->hint = hint_for(err->code, err->retryable);
}

/* ---- the client --------------------------------------------------------- */

#define BODY_MAX (64L * 1024 * 1024)

struct aws_client {
	char *region, *profile, *explicit_url, *profile_url;
	struct aws_creds *creds;
	bool creds_from_chain;
	struct events *evs;
	int max_attempts;
	long base_delay_ms, max_delay_ms, connect_timeout_ms, timeout_ms;
	void (*sleep_ms)(long ms, void *user);
	void *sleep_user;
	unsigned seed;
	CURL *h;
	char *ca_bundle;
	char *noproxy;
	struct aws_endpoint ep[AWS_SERVICE_COUNT];
	const char *action_id;
	struct aws_stats stats;
	char errbuf[CURL_ERROR_SIZE];
};

static void register_secrets(struct aws_client *c)
{
	if (!c->evs || !c->creds)
		return;
	events_add_secret(c->evs, aws_creds_secret(c->creds));
	if (aws_creds_token(c->creds))
		events_add_secret(c->evs, aws_creds_token(c->creds));
}

int aws_client_new(const struct aws_client_opts *opts, struct aws_client **out, char **cause)
{
	*out = NULL;
	struct aws_client *c = lf_xcalloc(1, sizeof *c);
	c->creds = opts->creds;
	c->evs = opts->evs;
	c->profile = lf_str_empty(opts->profile) ? NULL : lf_xstrdup(opts->profile);
	c->explicit_url = lf_str_empty(opts->endpoint_url) ? NULL : lf_xstrdup(opts->endpoint_url);
	c->max_attempts = opts->max_attempts > 0 ? opts->max_attempts : 4;
	c->base_delay_ms = opts->base_delay_ms > 0 ? opts->base_delay_ms : 200;
	c->max_delay_ms = opts->max_delay_ms > 0 ? opts->max_delay_ms : 5000;
	c->connect_timeout_ms = opts->connect_timeout_ms > 0 ? opts->connect_timeout_ms : 10000;
	c->timeout_ms = opts->timeout_ms > 0 ? opts->timeout_ms : 120000;
	c->sleep_ms = opts->sleep_ms;
	c->sleep_user = opts->sleep_user;
	c->seed = opts->seed ? opts->seed : (unsigned)lf_now_ms() ^ (unsigned)time(NULL);

	c->region = lf_str_empty(opts->region) ? aws_region_default(c->profile)
					       : lf_xstrdup(opts->region);
	if (!c->region) {
		lf_fail(cause,
			_("no AWS region chosen: pick one in the wizard, or set AWS_REGION"));
		goto fail;
	}
	if (!region_valid(c->region)) {
		lf_fail(cause, _("\"%s\" is not an AWS region name (like eu-west-1)"), c->region);
		goto fail;
	}
	if (!env_true("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")) {
		struct aws_profile *p = NULL;
		if (aws_profile_load(c->profile, &p, NULL) == 0) {
			const char *u = aws_profile_get_config(p, "endpoint_url");
			c->profile_url = lf_str_empty(u) ? NULL : lf_xstrdup(u);
			aws_profile_free(p);
		}
	}
	if (!c->creds) {
		struct aws_creds_opts co = {.profile = c->profile};
		if (aws_creds_load(&co, &c->creds, cause) != 0)
			goto fail;
		c->creds_from_chain = true;
	}
	register_secrets(c);
	const char *ca = getenv("AWS_CA_BUNDLE");
	c->ca_bundle = lf_str_empty(ca) ? NULL : lf_xstrdup(ca);
	/* Loopback never goes through a proxy; the user's NO_PROXY still
	 * counts, as CURLOPT_NOPROXY replaces it. */
	const char *np = getenv("NO_PROXY");
	if (lf_str_empty(np))
		np = getenv("no_proxy");
	if (np && strcmp(np, "*") == 0)
		c->noproxy = lf_xstrdup("*");
	else
		c->noproxy = lf_asprintf("%s%slocalhost,127.0.0.1,::1", np ? np : "",
					 lf_str_empty(np) ? "" : ",");
	curl_global_init(CURL_GLOBAL_DEFAULT);
	xmlInitParser();
	c->h = curl_easy_init();
	if (!c->h) {
		curl_global_cleanup();
		lf_fail(cause, _("cannot start an HTTP client"));
		goto fail;
	}
	*out = c;
	return 0;
fail:
	aws_client_free(c);
	return -1;
}

void aws_client_free(struct aws_client *c)
{
	if (!c)
		return;
	if (c->h) {
		curl_easy_cleanup(c->h);
		curl_global_cleanup();
	}
	for (int i = 0; i < AWS_SERVICE_COUNT; i++)
		aws_endpoint_clear(&c->ep[i]);
	aws_creds_free(c->creds);
	free(c->region);
	free(c->profile);
	free(c->explicit_url);
	free(c->profile_url);
	free(c->ca_bundle);
	free(c->noproxy);
	free(c);
}

const char *aws_client_region(const struct aws_client *c)
{
	return c->region;
}
const struct aws_creds *aws_client_creds(const struct aws_client *c)
{
	return c->creds;
}
void aws_client_set_action(struct aws_client *c, const char *action_id)
{
	c->action_id = action_id;
}

void aws_client_stats(const struct aws_client *c, struct aws_stats *out)
{
	*out = c->stats;
}

void aws_response_clear(struct aws_response *r)
{
	if (!r)
		return;
	free(r->body);
	for (size_t i = 0; i < r->nheaders; i++)
		free(r->headers[i]);
	free(r->headers);
	memset(r, 0, sizeof *r);
}

const char *aws_response_header(const struct aws_response *r, const char *name)
{
	size_t n = strlen(name);
	for (size_t i = 0; r && i < r->nheaders; i++) {
		const char *h = r->headers[i];
		if (strncasecmp(h, name, n) == 0 && h[n] == ':') {
			h += n + 1;
			while (*h == ' ' || *h == '\t')
				h++;
			return h;
		}
	}
	return NULL;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *user)
{
	struct aws_response *r = user;
	size_t n = size * nmemb;
	if (r->body_len + n > (size_t)BODY_MAX)
		return 0;
	r->body = lf_xrealloc(r->body, r->body_len + n + 1);
	memcpy(r->body + r->body_len, data, n);
	r->body_len += n;
	r->body[r->body_len] = '\0';
	return n;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *user)
{
	struct aws_response *r = user;
	size_t n = size * nmemb;
	if (n >= 5 && strncmp(data, "HTTP/", 5) == 0) {
		/* A new status line (after 100 Continue): start over. */
		for (size_t i = 0; i < r->nheaders; i++)
			free(r->headers[i]);
		r->nheaders = 0;
		return n;
	}
	size_t len = n;
	while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r'))
		len--;
	if (len == 0 || !memchr(data, ':', len))
		return n;
	r->headers = lf_xrealloc(r->headers, (r->nheaders + 1) * sizeof *r->headers);
	r->headers[r->nheaders++] = lf_xstrndup(data, len);
	return n;
}

static void sleep_backoff(struct aws_client *c, long ms)
{
	if (c->sleep_ms)
		c->sleep_ms(ms, c->sleep_user);
	else
		lf_sleep_ms(ms);
}

static long backoff_ms(struct aws_client *c, int attempt)
{
	long d = c->base_delay_ms;
	for (int i = 1; i < attempt && d < c->max_delay_ms; i++)
		d *= 2;
	if (d > c->max_delay_ms)
		d = c->max_delay_ms;
	long half = d / 2;
	return half + (long)(rand_r(&c->seed) % (unsigned)(d - half + 1));
}

static const struct aws_endpoint *endpoint_for(struct aws_client *c, enum aws_service svc,
					       char **cause)
{
	if (c->ep[svc].url)
		return &c->ep[svc];
	if (aws_endpoint_resolve(svc, c->region, c->explicit_url, c->profile_url, &c->ep[svc],
				 cause) != 0)
		return NULL;
	return &c->ep[svc];
}

/* Header name length ("Name: value" → 4). */
static size_t header_name_len(const char *h)
{
	return strcspn(h, ":");
}

/* Check the signed headers: well formed, no duplicates, none a prefix of
 * another (curl sorts "name:value" lines, AWS sorts names). */
static int check_headers(const char *const *hs, size_t n, char **cause)
{
	for (size_t i = 0; i < n; i++) {
		size_t li = header_name_len(hs[i]);
		if (hs[i][li] != ':' || li == 0 || strchr(hs[i], '\r') || strchr(hs[i], '\n'))
			return lf_fail(cause, "malformed request header \"%.*s\"", (int)li, hs[i]);
		if (li == 4 && strncasecmp(hs[i], "host", 4) == 0)
			return lf_fail(cause, "the Host header is set by the client");
		for (size_t j = 0; j < n; j++) {
			size_t lj = header_name_len(hs[j]);
			if (i != j && lj <= li && strncasecmp(hs[i], hs[j], lj) == 0 &&
			    (lj == li || hs[i][lj] == '-'))
				return lf_fail(cause,
					       "request headers \"%.*s\" and \"%.*s\" cannot both "
					       "be signed by libcurl",
					       (int)lj, hs[j], (int)li, hs[i]);
		}
	}
	return 0;
}

/* Is the path one that curl signs as AWS does? */
static int check_path(enum aws_service svc, const char *path, char **cause)
{
	if (path[0] != '/')
		return lf_fail(cause, "request path \"%s\" does not start with '/'", path);
	for (const char *p = path; *p; p++) {
		unsigned char ch = (unsigned char)*p;
		if (unreserved(ch) || ch == '/')
			continue;
		/* S3 signs the path as sent: escapes must be the canonical
		 * upper-case ones aws_uri_encode writes. */
		if (svc == AWS_S3 && ch == '%' && isxdigit((unsigned char)p[1]) &&
		    isxdigit((unsigned char)p[2]) && !islower((unsigned char)p[1]) &&
		    !islower((unsigned char)p[2]))
			continue;
		return lf_fail(
			cause,
			svc == AWS_S3
				? "request path \"%s\" is not encoded (aws_uri_encode)"
				: "request path \"%s\" has characters libcurl 7.88 cannot sign for "
				  "this service",
			path);
	}
	return 0;
}

static bool method_has_body(const char *m)
{
	return strcmp(m, "POST") == 0 || strcmp(m, "PUT") == 0 || strcmp(m, "PATCH") == 0;
}

void aws_sigv4_setup(CURL *h, const char *region, const char *service, const char *key,
		     const char *secret)
{
	char scope[160];
	snprintf(scope, sizeof scope, "aws:amz:%s:%s", region, service);
	curl_easy_setopt(h, CURLOPT_AWS_SIGV4, scope);
	size_t up_len = strlen(key) + strlen(secret) + 2;
	char *userpwd = lf_xmalloc(up_len);
	snprintf(userpwd, up_len, "%s:%s", key, secret);
	curl_easy_setopt(h, CURLOPT_USERPWD, userpwd); /* curl keeps a copy */
	explicit_bzero(userpwd, up_len);
	free(userpwd);
}

/* Send one attempt. Returns the CURLcode; resp gets status, headers, body. */
static CURLcode attempt(struct aws_client *c, const struct aws_endpoint *ep,
			const struct aws_request *rq, const char *method, const char *url,
			struct curl_slist *hdrs, struct aws_response *resp)
{
	CURL *h = c->h;
	curl_easy_reset(h);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	if (c->ca_bundle)
		curl_easy_setopt(h, CURLOPT_CAINFO, c->ca_bundle);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_NOPROXY, c->noproxy);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, c->connect_timeout_ms);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->timeout_ms);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "landfall/" LANDFALL_VERSION);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->errbuf);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, resp);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, resp);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	aws_sigv4_setup(h, ep->signing_region, services[rq->service].signing_name,
			aws_creds_key_id(c->creds), aws_creds_secret(c->creds));

	if (strcmp(method, "HEAD") == 0) {
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	} else if (method_has_body(method)) {
		/* POSTFIELDS is what curl's signer hashes; it also sends
		 * Content-Length: 0 for an empty PUT, which S3 requires. */
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->body_len);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, rq->body ? rq->body : "");
		if (strcmp(method, "POST") != 0)
			curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	} else if (strcmp(method, "GET") != 0) {
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	}
	c->errbuf[0] = '\0';
	CURLcode rc = curl_easy_perform(h);
	if (rc == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->status);
	/* Drop curl's copy of the credentials now rather than at the next
	 * request. */
	curl_easy_setopt(h, CURLOPT_USERPWD, NULL);
	return rc;
}

/* Can this request be sent with a signature AWS accepts? */
static int check_request(const struct aws_request *rq, const char *method, const char *path,
			 size_t nheaders, char **cause)
{
	if (check_path(rq->service, path, cause) != 0 ||
	    check_headers(rq->headers, nheaders, cause) != 0)
		return -1;
	if (rq->query && !query_canonical(rq->query))
		return lf_fail(cause, "query string \"%s\" is not canonical (aws_params_encode)",
			       rq->query);
	if (rq->body_len && !method_has_body(method))
		return lf_fail(cause, "a %s request cannot carry a body", method);
	return 0;
}

static void slist_free_wiped(struct curl_slist *l)
{
	for (struct curl_slist *p = l; p; p = p->next)
		explicit_bzero(p->data, strlen(p->data));
	curl_slist_free_all(l);
}

static struct curl_slist *slist_add(struct curl_slist *l, const char *fmt, ...) LF_PRINTF(2, 3);
static struct curl_slist *slist_add(struct curl_slist *l, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = lf_vasprintf(fmt, ap);
	va_end(ap);
	struct curl_slist *n = curl_slist_append(l, s);
	explicit_bzero(s, strlen(s));
	free(s);
	if (!n) {
		fputs("landfall: out of memory\n", stderr);
		abort();
	}
	return n;
}

/* Refresh credentials that come from the chain and are about to expire. */
static int refresh_creds(struct aws_client *c, char **cause)
{
	if (!c->creds_from_chain || !aws_creds_expiring(c->creds, (long long)time(NULL), 300))
		return 0;
	struct aws_creds *fresh = NULL;
	struct aws_creds_opts co = {.profile = c->profile};
	if (aws_creds_load(&co, &fresh, cause) != 0)
		return -1;
	aws_creds_free(c->creds);
	c->creds = fresh;
	register_secrets(c);
	return 0;
}

static enum aws_status local_error(struct aws_error *err, char *cause)
{
	if (err) {
		aws_error_clear(err);
		err->text = cause ? cause : lf_xstrdup(_("the request could not be made"));
	} else {
		free(cause);
	}
	return AWS_FAILED;
}

static void transport_error(struct aws_client *c, CURLcode rc, const char *url,
			    struct aws_error *err)
{
	aws_error_clear(err);
	err->curl_code = (int)rc;
	err->retryable = aws_retryable(0, NULL, (int)rc);
	char *host = NULL;
	CURLU *u = curl_url();
	if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK)
		curl_url_get(u, CURLUPART_HOST, &host, 0);
	err->text = lf_asprintf(_("cannot reach %s: %s"), host ? host : url,
				c->errbuf[0] ? c->errbuf : curl_easy_strerror(rc));
	curl_free(host);
	curl_url_cleanup(u);
	switch (rc) {
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
		err->hint = _("the endpoint's TLS certificate is not trusted; if a proxy re-signs "
			      "TLS, point AWS_CA_BUNDLE at its CA certificate");
		break;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		err->hint = _("check this machine's DNS and network, or HTTPS_PROXY");
		break;
	default:
		err->hint = err->retryable
				    ? _("check this machine's network; Landfall tries again later")
				    : NULL;
	}
}

enum aws_status aws_request(struct aws_client *c, const struct aws_request *rq,
			    struct aws_response *resp_out, struct aws_error *err_out)
{
	struct aws_response resp_local = {0};
	struct aws_error err_local = {0};
	struct aws_response *resp = resp_out ? resp_out : &resp_local;
	struct aws_error *err = err_out ? err_out : &err_local;
	memset(resp, 0, sizeof *resp);
	aws_error_clear(err);
	if ((unsigned)rq->service >= AWS_SERVICE_COUNT)
		return local_error(err_out, lf_xstrdup("unknown AWS service"));

	const struct aws_service_info *si = &services[rq->service];
	const char *method = rq->method ? rq->method : "GET";
	const char *path = rq->path && *rq->path ? rq->path : "/";
	char *cause = NULL;
	long long t0 = lf_now_ms();
	c->stats.calls++;
	c->stats.by_service[rq->service]++;

	size_t nh = 0;
	while (rq->headers && rq->headers[nh])
		nh++;
	const struct aws_endpoint *ep = endpoint_for(c, rq->service, &cause);
	if (!ep || check_request(rq, method, path, nh, &cause) != 0) {
		c->stats.failures++;
		enum aws_status st = local_error(err, cause);
		if (!err_out)
			aws_error_clear(&err_local);
		return st;
	}
	char *url = aws_endpoint_url(ep, rq->service, rq->bucket, path, rq->query);
	char *op = rq->operation ? lf_xstrdup(rq->operation) : lf_asprintf("%s %s", method, path);

	enum aws_status st = AWS_FAILED;
	for (int n = 1;; n++) {
		if (refresh_creds(c, &cause) != 0) {
			st = local_error(err, cause);
			cause = NULL;
			break;
		}
		struct curl_slist *hdrs = NULL;
		bool has_ct = false;
		for (size_t i = 0; i < nh; i++) {
			hdrs = slist_add(hdrs, "%s", rq->headers[i]);
			if (header_name_len(rq->headers[i]) == 12 &&
			    strncasecmp(rq->headers[i], "content-type", 12) == 0)
				has_ct = true;
		}
		if (!has_ct && (rq->content_type || method_has_body(method)))
			hdrs = slist_add(hdrs, "Content-Type: %s",
					 rq->content_type ? rq->content_type
							  : "application/octet-stream");
		if (rq->service == AWS_S3) {
			char hex[65];
			aws_sha256_hex(rq->body ? rq->body : "", rq->body_len, hex);
			hdrs = slist_add(hdrs, "x-amz-content-sha256: %s", hex);
			if (rq->checksum) {
				char b64[45];
				aws_sha256_base64(rq->body ? rq->body : "", rq->body_len, b64);
				hdrs = slist_add(hdrs, "x-amz-checksum-sha256: %s", b64);
			}
		}
		if (aws_creds_token(c->creds))
			hdrs = slist_add(hdrs, "x-amz-security-token: %s",
					 aws_creds_token(c->creds));

		aws_response_clear(resp);
		long long ta = lf_now_ms();
		c->stats.attempts++;
		if (n > 1)
			c->stats.retries++;
		CURLcode rc = attempt(c, ep, rq, method, url, hdrs, resp);
		slist_free_wiped(hdrs);
		resp->attempts = n;
		if (rc != CURLE_OK) {
			transport_error(c, rc, url, err);
			if (c->evs)
				events_log(c->evs, c->action_id, LOG_DEBUG,
					   "aws %s %s: %s (%lld ms)", si->signing_name, op,
					   err->text, lf_now_ms() - ta);
		} else {
			const char *rid = aws_response_header(resp, "x-amzn-RequestId");
			if (!rid)
				rid = aws_response_header(resp, "x-amz-request-id");
			if (c->evs)
				events_log(c->evs, c->action_id, LOG_DEBUG,
					   "aws %s %s: HTTP %ld (%lld ms%s%s)", si->signing_name,
					   op, resp->status, lf_now_ms() - ta,
					   rid ? ", request id " : "", rid ? rid : "");
			if (resp->status >= 200 && resp->status < 300) {
				st = AWS_OK;
				break;
			}
			aws_error_parse(resp->status, resp->body, resp->body_len,
					aws_response_header(resp, "x-amzn-ErrorType"), err);
			if (!err->request_id && rid)
				err->request_id = lf_xstrdup(rid);
			const char *breg = aws_response_header(resp, "x-amz-bucket-region");
			if (breg && (aws_error_is(err, "PermanentRedirect") ||
				     aws_error_is(err, "AuthorizationHeaderMalformed") ||
				     resp->status == 301)) {
				char *t =
					lf_asprintf(_("%s (the bucket is in %s)"), err->text, breg);
				free(err->text);
				err->text = t;
			}
		}
		if (!err->retryable) {
			st = AWS_FAILED;
			break;
		}
		if (n >= c->max_attempts) {
			st = AWS_TRANSIENT;
			break;
		}
		long wait = backoff_ms(c, n);
		if (c->evs)
			events_log(c->evs, c->action_id, LOG_INFO,
				   _("aws %s %s: %s; retry %d of %d in %.1f s"), si->signing_name,
				   op, err->text, n, c->max_attempts - 1, (double)wait / 1000.0);
		sleep_backoff(c, wait);
	}
	if (st != AWS_OK)
		c->stats.failures++;
	else
		aws_error_clear(err); /* earlier attempts' errors are history */
	resp->ms = lf_now_ms() - t0;
	c->stats.ms += resp->ms;
	free(url);
	free(op);
	if (!resp_out)
		aws_response_clear(&resp_local);
	if (!err_out)
		aws_error_clear(&err_local);
	return st;
}

/* ---- protocols ---------------------------------------------------------- */

/* Parse an XML answer into *out; an unparsable answer is a failure. */
static enum aws_status take_xml(const struct aws_response *r, xmlDoc **out, struct aws_error *err)
{
	char *cause = NULL;
	*out = aws_xml_parse(r->body, r->body_len, &cause);
	if (*out) {
		free(cause);
		return AWS_OK;
	}
	return local_error(err, cause);
}

enum aws_status aws_query(struct aws_client *c, enum aws_service svc, const char *action,
			  const struct aws_params *params, xmlDoc **out, struct aws_error *err)
{
	*out = NULL;
	struct aws_params *all = aws_params_new();
	for (size_t i = 0; params && i < params->n; i++)
		aws_params_set(all, params->v[i].key, params->v[i].value);
	aws_params_set(all, "Action", action);
	if ((unsigned)svc < AWS_SERVICE_COUNT && services[svc].version)
		aws_params_set(all, "Version", services[svc].version);
	char *body = aws_params_encode(all);
	aws_params_free(all);
	/* A form body, not a canonical query: write a space as '+', byte for
	 * byte what botocore sends. AWS reads %20 as well, but emulators that
	 * re-encode the parsed form before checking the signature (moto) do
	 * not. */
	char *w = body;
	for (const char *r = body; *r; r++) {
		if (r[0] == '%' && r[1] == '2' && r[2] == '0') {
			*w++ = '+';
			r += 2;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
	struct aws_response r;
	enum aws_status st = aws_request(
		c,
		&(struct aws_request){.service = svc,
				      .operation = action,
				      .method = "POST",
				      .path = "/",
				      .content_type =
					      "application/x-www-form-urlencoded; charset=utf-8",
				      .body = body,
				      .body_len = strlen(body)},
		&r, err);
	free(body);
	if (st == AWS_OK)
		st = take_xml(&r, out, err);
	aws_response_clear(&r);
	return st;
}

enum aws_status aws_query_pages(struct aws_client *c, enum aws_service svc, const char *action,
				struct aws_params *params, const char *token_param,
				const char *token_element, aws_xml_page_fn fn, void *user,
				struct aws_error *err)
{
	struct aws_params *own = NULL;
	if (!params)
		params = own = aws_params_new();
	char *prev = NULL;
	enum aws_status st = AWS_OK;
	for (int page = 0; page < 1000; page++) {
		xmlDoc *doc = NULL;
		st = aws_query(c, svc, action, params, &doc, err);
		if (st != AWS_OK)
			break;
		xmlNode *root = aws_xml_root(doc);
		char *token = aws_xml_find_text(root, token_element);
		xmlNode *trunc = aws_xml_find(root, "IsTruncated");
		if (trunc && !aws_xml_bool(trunc, "")) {
			free(token);
			token = NULL;
		}
		int stop = fn(doc, user);
		xmlFreeDoc(doc);
		if (stop || !token || !*token || (prev && strcmp(prev, token) == 0)) {
			free(token);
			break;
		}
		aws_params_set(params, token_param, token);
		free(prev);
		prev = token;
	}
	free(prev);
	aws_params_remove(params, token_param);
	aws_params_free(own);
	return st;
}

static enum aws_status take_json(const struct aws_response *r, bool empty_ok, json_t **out,
				 struct aws_error *err)
{
	*out = NULL;
	size_t n = r->body_len;
	const char *p = r->body ? r->body : "";
	while (n > 0 && isspace((unsigned char)*p)) {
		p++;
		n--;
	}
	if (n == 0) {
		if (!empty_ok)
			*out = json_object();
		return AWS_OK;
	}
	json_error_t jerr;
	*out = json_loadb(p, n, 0, &jerr);
	if (*out)
		return AWS_OK;
	return local_error(err, lf_asprintf(_("the answer is not valid JSON (line %d): %s"),
					    jerr.line, jerr.text));
}

enum aws_status aws_json(struct aws_client *c, enum aws_service svc, const char *operation,
			 json_t *input, json_t **out, struct aws_error *err)
{
	*out = NULL;
	if ((unsigned)svc >= AWS_SERVICE_COUNT || !services[svc].target_prefix)
		return local_error(err, lf_xstrdup("this service does not speak JSON 1.1"));
	char *body = input ? json_dumps(input, JSON_COMPACT) : lf_xstrdup("{}");
	if (!body)
		return local_error(err, lf_xstrdup("the request could not be written as JSON"));
	char *target = lf_asprintf("X-Amz-Target: %s.%s", services[svc].target_prefix, operation);
	const char *headers[] = {target, NULL};
	struct aws_response r;
	enum aws_status st =
		aws_request(c,
			    &(struct aws_request){.service = svc,
						  .operation = operation,
						  .method = "POST",
						  .path = "/",
						  .headers = headers,
						  .content_type = "application/x-amz-json-1.1",
						  .body = body,
						  .body_len = strlen(body)},
			    &r, err);
	free(body);
	free(target);
	if (st == AWS_OK)
		st = take_json(&r, false, out, err);
	aws_response_clear(&r);
	return st;
}

enum aws_status aws_json_pages(struct aws_client *c, enum aws_service svc, const char *operation,
			       json_t *input, const char *token_key, aws_json_page_fn fn,
			       void *user, struct aws_error *err)
{
	json_t *in = input ? input : json_object();
	char *prev = NULL;
	enum aws_status st = AWS_OK;
	for (int page = 0; page < 1000; page++) {
		json_t *o = NULL;
		st = aws_json(c, svc, operation, in, &o, err);
		if (st != AWS_OK)
			break;
		json_t *t = json_object_get(o, token_key);
		char *token = json_is_string(t) ? lf_xstrdup(json_string_value(t)) : NULL;
		int stop = fn(o, user);
		json_decref(o);
		if (stop || !token || !*token || (prev && strcmp(prev, token) == 0)) {
			free(token);
			break;
		}
		json_object_set_new(in, token_key, json_string(token));
		free(prev);
		prev = token;
	}
	free(prev);
	json_object_del(in, token_key);
	if (!input)
		json_decref(in);
	return st;
}

enum aws_status aws_rest_xml(struct aws_client *c, const struct aws_request *rq, xmlDoc **out,
			     struct aws_response *resp, struct aws_error *err)
{
	if (out)
		*out = NULL;
	struct aws_request r = *rq;
	if (!r.content_type && r.body_len)
		r.content_type = "application/xml";
	struct aws_response local = {0};
	struct aws_response *rp = resp ? resp : &local;
	enum aws_status st = aws_request(c, &r, rp, err);
	if (st == AWS_OK && out && rp->body_len > 0)
		st = take_xml(rp, out, err);
	if (!resp)
		aws_response_clear(&local);
	return st;
}

enum aws_status aws_rest_json(struct aws_client *c, const struct aws_request *rq, json_t *body,
			      json_t **out, struct aws_error *err)
{
	if (out)
		*out = NULL;
	struct aws_request r = *rq;
	char *text = NULL;
	if (body) {
		text = json_dumps(body, JSON_COMPACT);
		if (!text)
			return local_error(err,
					   lf_xstrdup("the request could not be written as JSON"));
		r.body = text;
		r.body_len = strlen(text);
		r.content_type = "application/json";
	}
	struct aws_response resp;
	enum aws_status st = aws_request(c, &r, &resp, err);
	free(text);
	if (st == AWS_OK && out)
		st = take_json(&resp, true, out, err);
	aws_response_clear(&resp);
	return st;
}
