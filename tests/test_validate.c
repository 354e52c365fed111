/* Field validators: values each must accept and values each must refuse,
 * with the rule the refusal has to name. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct refusal {
	const char *value;
	const char *rule; /* the message must contain this; NULL: any message */
};

#define ACCEPTS(f, values) check_accepts(#f, f, values, sizeof(values) / sizeof((values)[0]))
#define REFUSES(f, cases) check_refuses(#f, f, cases, sizeof(cases) / sizeof((cases)[0]))

static void check_accepts(const char *name, lf_validator f, const char *const *values, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char *why = NULL;
		int rc = f(values[i], &why);
		if (rc != 0 || why) {
			print_error("%s refused \"%s\": %s\n", name, values[i], why ? why : "(no reason)");
			free(why);
			fail();
		}
		assert_int_equal(f(values[i], NULL), 0);
	}
}

static void check_refuses(const char *name, lf_validator f, const struct refusal *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *v = cases[i].value;
		const char *rule = cases[i].rule;
		/* A stale message must be replaced (ASan sees a leak otherwise). */
		char *why = strdup("stale");
		assert_non_null(why);
		int rc = f(v, &why);
		if (rc != -1) {
			print_error("%s accepted \"%s\" (rc %d)\n", name, v ? v : "(null)", rc);
			free(why);
			fail();
		}
		if (!why || why[0] == '\0' || strcmp(why, "stale") == 0) {
			print_error("%s refused \"%s\" without a reason\n", name, v ? v : "(null)");
			free(why);
			fail();
		}
		if (rule && !strstr(why, rule)) {
			print_error("%s refused \"%s\" with \"%s\", which does not mention \"%s\"\n",
				    name, v ? v : "(null)", why, rule);
			free(why);
			fail();
		}
		free(why);
		assert_int_equal(f(v, NULL), -1);
	}
}

/* A string of n copies of c; the caller frees it. */
static char *repeat(char c, size_t n)
{
	char *s = malloc(n + 1);
	assert_non_null(s);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

/* prefix followed by n copies of c; the caller frees it. */
static char *prefixed(const char *prefix, char c, size_t n)
{
	size_t pl = strlen(prefix);
	char *s = malloc(pl + n + 1);
	assert_non_null(s);
	memcpy(s, prefix, pl);
	memset(s + pl, c, n);
	s[pl + n] = '\0';
	return s;
}

static void test_empty_refused_everywhere(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		lf_validator f;
	} all[] = {
		{ "v_cidr", v_cidr },             { "v_cidr4", v_cidr4 },
		{ "v_cidr6", v_cidr6 },           { "v_ip", v_ip },
		{ "v_dns_name", v_dns_name },     { "v_dns_wildcard", v_dns_wildcard },
		{ "v_host", v_host },             { "v_aws_region", v_aws_region },
		{ "v_aws_zone", v_aws_zone },     { "v_port", v_port },
		{ "v_user_name", v_user_name },   { "v_s3_bucket", v_s3_bucket },
		{ "v_k8s_name", v_k8s_name },     { "v_instance_type", v_instance_type },
		{ "v_disk_type", v_disk_type },   { "v_size", v_size },
		{ "v_abs_path", v_abs_path },     { "v_install_id", v_install_id },
		{ "v_env_name", v_env_name },     { "v_sha256_fp", v_sha256_fp },
		{ "v_acm_arn", v_acm_arn },       { "v_vpc_id", v_vpc_id },
		{ "v_subnet_id", v_subnet_id },   { "v_key_pair", v_key_pair },
		{ "v_url", v_url },               { "v_hosted_zone_id", v_hosted_zone_id },
	};
	static const struct refusal empty[] = {
		{ NULL, "must not be empty" },
		{ "", "must not be empty" },
	};
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		check_refuses(all[i].name, all[i].f, empty, 2);
}

static void test_cidr4(void **state)
{
	(void)state;
	static const char *const ok[] = {
		"10.0.0.0/16", "0.0.0.0/0", "192.168.1.0/24", "172.16.0.0/12",
		"10.1.2.3/32", "100.64.0.0/10",
	};
	static const struct refusal bad[] = {
		{ "10.0.0.0/33", "the prefix length must be 0-32" },
		{ "10.0.0.1/16", "host bits must be zero: did you mean 10.0.0.0/16?" },
		{ "192.168.1.77/24", "did you mean 192.168.1.0/24?" },
		{ "10.0.0.0", "prefix length is missing" },
		{ "010.0.0.0/8", "leading zero" },
		{ "10.0.0.256/32", "greater than 255" },
		{ "10.0.0/24", "four numbers" },
		{ "1.2.3.4.5/32", "four numbers" },
		{ " 10.0.0.0/16", "four numbers" },
		{ "10.0.0.0/+16", "0-32" },
		{ "10.0.0.0/ 16", "0-32" },
		{ "10.0.0.0/016", "0-32" },
		{ "10.0.0.0/-1", "0-32" },
		{ "10.0.0.0/", "0-32" },
		{ "10.0.0.0/16 ", "0-32" },
		{ "10.0.0.0/16/8", "0-32" },
		{ "2001:db8::/56", "IPv4 CIDR" },
	};
	ACCEPTS(v_cidr4, ok);
	REFUSES(v_cidr4, bad);
}

static void test_cidr6(void **state)
{
	(void)state;
	static const char *const ok[] = {
		"2001:db8::/56", "::/0", "fd00::/8", "2001:db8:1234::/48", "2001:DB8::/32",
		"::1/128",
	};
	static const struct refusal bad[] = {
		{ "2001:db8::1/56", "host bits must be zero: did you mean 2001:db8::/56?" },
		{ "2001:db8::/129", "0-128" },
		{ "2001:db8::/0x30", "0-128" },
		{ "2001:db8::", "prefix length is missing" },
		{ "10.0.0.0/8", "is an IPv4 address" },
		{ "2001:db8:::/48", "not an IPv6 address" },
		{ "fe80::1%eth0/64", "not an IPv6 address" },
		{ "gggg::/16", "not an IPv6 address" },
	};
	ACCEPTS(v_cidr6, ok);
	REFUSES(v_cidr6, bad);
}

static void test_cidr(void **state)
{
	(void)state;
	static const char *const ok[] = { "10.0.0.0/8", "2001:db8::/32" };
	static const struct refusal bad[] = {
		{ "any", "like 10.0.0.0/16 or 2001:db8::/56" },
		{ "10.0.0.1/8", "did you mean 10.0.0.0/8?" },
		{ "::1/0", "did you mean ::/0?" },
	};
	ACCEPTS(v_cidr, ok);
	REFUSES(v_cidr, bad);
}

static void test_cidr_is_anywhere(void **state)
{
	(void)state;
	assert_true(lf_cidr_is_anywhere("0.0.0.0/0"));
	assert_true(lf_cidr_is_anywhere("::/0"));
	assert_false(lf_cidr_is_anywhere("0.0.0.0/1"));
	assert_false(lf_cidr_is_anywhere("10.0.0.0/8"));
	assert_false(lf_cidr_is_anywhere("::/1"));
	assert_false(lf_cidr_is_anywhere("0.0.0.0"));
	assert_false(lf_cidr_is_anywhere("0.0.0.0/00"));
	assert_false(lf_cidr_is_anywhere(""));
	assert_false(lf_cidr_is_anywhere(NULL));
}

static void test_ip(void **state)
{
	(void)state;
	static const char *const ok[] = {
		"192.0.2.10", "0.0.0.0", "255.255.255.255", "2001:db8::10", "::1",
		"::ffff:192.0.2.1",
	};
	static const struct refusal bad[] = {
		{ "010.0.0.1", "leading zero" },
		{ "256.1.1.1", "greater than 255" },
		{ "1.2.3", "four numbers" },
		{ "1.2.3.4.", "four numbers" },
		{ "1..2.3", "four numbers" },
		{ "1.2.3.4/32", "four numbers" },
		{ "localhost", "four numbers" },
		{ "2001:db8::g", "IPv6" },
		{ "1.2.3.-4", "four numbers" },
	};
	ACCEPTS(v_ip, ok);
	REFUSES(v_ip, bad);
}

static void test_port(void **state)
{
	(void)state;
	static const char *const ok[] = { "1", "22", "443", "8080", "65535" };
	static const struct refusal bad[] = {
		{ "0", "1-65535" },
		{ "65536", "1-65535" },
		{ "999999", "1-65535" },
		{ "080", "leading zeros" },
		{ "-1", "digits only" },
		{ "+22", "digits only" },
		{ " 22", "digits only" },
		{ "22a", "digits only" },
	};
	ACCEPTS(v_port, ok);
	REFUSES(v_port, bad);
}

static void test_dns_name(void **state)
{
	(void)state;
	char *long_label = prefixed("", 'a', 64);
	char *long_name = repeat('a', 254);
	for (size_t i = 63; i < 254; i += 64)
		long_name[i] = '.';
	static const char *const ok[] = {
		"example.com", "a.b.c.example.org", "xn--bcher-kva.example", "EXAMPLE.COM",
		"example.com.", "1password.com", "123.example.com", "x.y",
	};
	const struct refusal bad[] = {
		{ "example", "only one label" },
		{ "-a.example.com", "must not start or end with a hyphen" },
		{ "a-.example.com", "must not start or end with a hyphen" },
		{ "a..example.com", "empty label" },
		{ ".example.com", "empty label" },
		{ "example.com..", "empty label" },
		{ ".", "empty label" },
		{ "exa_mple.com", "'_'" },
		{ "exa mple.com", "' '" },
		{ "example.com/", "'/'" },
		{ "ex\xc3\xa9.com", "0xc3" },
		{ "*.example.com", "'*'" },
		{ "192.168.1.1", "must not be all digits" },
		{ long_label, "at most 63 characters" },
		{ long_name, "at most 253 characters" },
	};
	ACCEPTS(v_dns_name, ok);
	REFUSES(v_dns_name, bad);
	free(long_label);
	free(long_name);
}

static void test_dns_wildcard(void **state)
{
	(void)state;
	static const char *const ok[] = { "*.example.com", "example.com", "*.apps.example.org." };
	static const struct refusal bad[] = {
		{ "*.", "followed by a domain" },
		{ "a.*.example.com", "whole first label" },
		{ "*example.com", "whole first label" },
		{ "**.example.com", "whole first label" },
		{ "*.com", "only one label" },
	};
	ACCEPTS(v_dns_wildcard, ok);
	REFUSES(v_dns_wildcard, bad);
}

static void test_host(void **state)
{
	(void)state;
	static const char *const ok[] = {
		"localhost", "db1", "example.com", "my-host.internal", "10.0.0.5", "2001:db8::1",
	};
	static const struct refusal bad[] = {
		{ "10.0.0.256", "greater than 255" },
		{ "1234", "four numbers" },
		{ "-host", "hyphen" },
		{ "host_1", "'_'" },
		{ "host name", "' '" },
		{ "[::1]", "IPv6" },
	};
	ACCEPTS(v_host, ok);
	REFUSES(v_host, bad);
}

static void test_aws_region(void **state)
{
	(void)state;
	static const char *const ok[] = {
		"eu-west-1", "us-east-1", "us-gov-west-1", "cn-north-1", "cn-northwest-1",
		"ap-southeast-2", "ap-northeast-3", "me-central-1", "il-central-1",
		"us-iso-east-1", "us-isob-east-1", "ca-west-1", "mx-central-1", "af-south-1",
		"sa-east-1",
	};
	static const struct refusal bad[] = {
		{ "EU-WEST-1", "lowercase" },
		{ "eu-west", "end in a number" },
		{ "eu-west-", "end in a number" },
		{ "eu-west-01", "end in a number" },
		{ "eu-west-100", "end in a number" },
		{ "eu-middle-1", "\"middle\" is not a direction" },
		{ "xx-west-1", "\"xx\" is not a region area" },
		{ "euwest1", "is not a region area" },
		{ "us-gov-1", "is not a direction" },
		{ "eu-west-1a", "availability zone; its region is eu-west-1" },
		{ "eu-west-1 ", "unexpected" },
	};
	ACCEPTS(v_aws_region, ok);
	REFUSES(v_aws_region, bad);
}

static void test_aws_zone(void **state)
{
	(void)state;
	static const char *const ok[] = {
		"eu-west-1a", "us-east-1f", "us-gov-west-1b", "cn-north-1a",
		"us-east-1-bos-1a", "us-east-1-wl1-bos-wlz-1",
	};
	static const struct refusal bad[] = {
		{ "eu-west-1", "like eu-west-1a" },
		{ "eu-west-1A", "lowercase" },
		{ "euw1-az1", "zone ID" },
		{ "use1-bos1-az1", "zone ID" },
		{ "eu-west-1ab", "cannot follow the region" },
		{ "eu-west-1-", "cannot follow the region" },
		{ "eu-west-1-bos--1a", "cannot follow the region" },
		{ "eu-west-1-bos-1a-", "cannot follow the region" },
		{ "xx-west-1a", "Local Zone" },
	};
	ACCEPTS(v_aws_zone, ok);
	REFUSES(v_aws_zone, bad);
}

static void test_user_name(void **state)
{
	(void)state;
	char *max = prefixed("u", 'x', 31);
	char *too_long = prefixed("u", 'x', 32);
	const char *const ok[] = { "ubuntu", "_svc", "deploy-user", "a", "user_01", max };
	const struct refusal bad[] = {
		{ "Ubuntu", "start with a lowercase letter" },
		{ "1user", "start with a lowercase letter" },
		{ "-user", "start with a lowercase letter" },
		{ "us er", "' '" },
		{ "user.name", "'.'" },
		{ "user$", "'$'" },
		{ "us\xc3\xa9r", "0xc3" },
		{ too_long, "at most 32" },
	};
	ACCEPTS(v_user_name, ok);
	REFUSES(v_user_name, bad);
	free(max);
	free(too_long);
}

static void test_s3_bucket(void **state)
{
	(void)state;
	char *max = repeat('b', 63);
	char *too_long = repeat('b', 64);
	const char *const ok[] = {
		"my-bucket", "logs.example.com", "abc", "a1b2c3", "123bucket", max,
	};
	const struct refusal bad[] = {
		{ "ab", "an S3 bucket name must be 3-63 characters" },
		{ too_long, "an S3 bucket name must be 3-63 characters" },
		{ "My-Bucket", "lowercase" },
		{ "my_bucket", "'_'" },
		{ "my bucket", "' '" },
		{ "-bucket", "start and end" },
		{ "bucket-", "start and end" },
		{ ".bucket", "start and end" },
		{ "my..bucket", "two dots" },
		{ "192.168.5.4", "IP address" },
		{ "xn--bucket", "\"xn--\"" },
		{ "sthree-bucket", "\"sthree-\"" },
		{ "amzn-s3-demo-bucket", "\"amzn-s3-demo-\"" },
		{ "bucket-s3alias", "\"-s3alias\"" },
		{ "bucket--ol-s3", "\"--ol-s3\"" },
		{ "bucket.mrap", "\".mrap\"" },
		{ "bucket--x-s3", "\"--x-s3\"" },
	};
	ACCEPTS(v_s3_bucket, ok);
	REFUSES(v_s3_bucket, bad);
	free(max);
	free(too_long);
}

static void test_k8s_name(void **state)
{
	(void)state;
	char *max = repeat('k', 63);
	char *too_long = repeat('k', 64);
	const char *const ok[] = { "landfall", "my-app-1", "a", "0abc", max };
	const struct refusal bad[] = {
		{ "My-App", "'M'" },
		{ "-app", "start and end" },
		{ "app-", "start and end" },
		{ "my_app", "'_'" },
		{ "my.app", "'.'" },
		{ too_long, "at most 63" },
	};
	ACCEPTS(v_k8s_name, ok);
	REFUSES(v_k8s_name, bad);
	free(max);
	free(too_long);
}

static void test_install_id(void **state)
{
	(void)state;
	char *max = repeat('i', 32);
	char *too_long = repeat('i', 33);
	const char *const ok[] = { "prod", "lf-01", "a", "abc123", max };
	const struct refusal bad[] = {
		{ "1prod", "start with a lowercase letter" },
		{ "-prod", "start with a lowercase letter" },
		{ "prod-", "must not end with '-'" },
		{ "Prod", "'P'" },
		{ "pr_od", "'_'" },
		{ too_long, "1-32" },
	};
	ACCEPTS(v_install_id, ok);
	REFUSES(v_install_id, bad);
	free(max);
	free(too_long);
}

static void test_instance_type(void **state)
{
	(void)state;
	static const char *const ok[] = {
		"m6i.large", "t3.micro", "t3a.nano", "c5n.18xlarge", "r7iz.metal-16xl",
		"m5ad.24xlarge", "x2iedn.32xlarge", "p4d.24xlarge", "g5.xlarge", "g4dn.xlarge",
		"g4ad.xlarge", "inf1.xlarge", "trn1.32xlarge", "m7i-flex.large", "c6in.metal",
		"m6i.2xlarge", "i4i.metal",
	};
	static const struct refusal bad[] = {
		{ "m6g.large", "Graviton (ARM) instance types are refused: the server needs x86_64" },
		{ "m7gd.xlarge", "Graviton" },
		{ "c6gn.large", "Graviton" },
		{ "t4g.micro", "Graviton" },
		{ "r8g.large", "Graviton" },
		{ "x2gd.large", "Graviton" },
		{ "im4gn.large", "Graviton" },
		{ "is4gen.large", "Graviton" },
		{ "c7gn.large", "Graviton" },
		{ "g5g.xlarge", "Graviton" },
		{ "a1.large", "Graviton" },
		{ "m6i", "family.size" },
		{ "m6i..large", "family.size" },
		{ "M6I.LARGE", "lowercase" },
		{ "m6i.huge", "\"huge\" is not a size" },
		{ "m6i.1xlarge", "is not a size" },
		{ "m6i.02xlarge", "is not a size" },
		{ "m6i.large ", "is not a size" },
		{ ".large", "instance family" },
		{ "6i.large", "instance family" },
		{ "m.large", "instance family" },
		{ "u-6tb1.metal", "instance family" },
		{ "mac1.metal", "macOS" },
	};
	ACCEPTS(v_instance_type, ok);
	REFUSES(v_instance_type, bad);
}

static void test_disk_type(void **state)
{
	(void)state;
	static const char *const ok[] = { "gp3", "gp2", "io1", "io2", "st1" };
	static const struct refusal bad[] = {
		{ "sc1", "gp3, gp2, io1, io2, st1" },
		{ "standard", "gp3, gp2, io1, io2, st1" },
		{ "GP3", "lowercase" },
		{ "gp4", "gp3, gp2, io1, io2, st1" },
	};
	ACCEPTS(v_disk_type, ok);
	REFUSES(v_disk_type, bad);
}

static void test_disk(void **state)
{
	(void)state;
	static const struct {
		const char *type;
		long size;
	} ok[] = {
		{ "gp3", 1 }, { "gp3", 16384 }, { "gp2", 100 }, { "io1", 4 },
		{ "io2", 65536 }, { "st1", 500 }, { "st1", 16384 },
	};
	static const struct {
		const char *type;
		long size;
		const char *rule;
	} bad[] = {
		{ "st1", 499, "st1 disks must be at least 500 GB" },
		{ "st1", 125, "500" },
		{ "st1", 16385, "500-16384" },
		{ "gp3", 0, "gp3 disks must be 1-16384 GB" },
		{ "gp3", 16385, "1-16384" },
		{ "gp2", -5, "1-16384" },
		{ "io1", 3, "io1 disks must be 4-16384 GB" },
		{ "io1", 16385, "4-16384" },
		{ "io2", 65537, "4-65536" },
		{ "sc1", 500, "gp3, gp2, io1, io2, st1" },
		{ NULL, 100, "must not be empty" },
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		char *why = NULL;
		int rc = v_disk(ok[i].type, ok[i].size, &why);
		if (rc != 0) {
			print_error("v_disk refused %s %ld: %s\n", ok[i].type, ok[i].size, why);
			free(why);
			fail();
		}
		assert_null(why);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *why = NULL;
		assert_int_equal(v_disk(bad[i].type, bad[i].size, &why), -1);
		assert_non_null(why);
		if (!strstr(why, bad[i].rule)) {
			print_error("v_disk(%s, %ld): \"%s\" does not mention \"%s\"\n",
				    bad[i].type ? bad[i].type : "(null)", bad[i].size, why, bad[i].rule);
			free(why);
			fail();
		}
		free(why);
		assert_int_equal(v_disk(bad[i].type, bad[i].size, NULL), -1);
	}
}

static void test_size(void **state)
{
	(void)state;
	static const char *const ok[] = {
		"100", "100G", "100GB", "100GiB", "1T", "1TB", "1.5TiB", "100 GB", "2tb",
		"65536",
	};
	static const struct refusal bad[] = {
		{ "0", "at least 1 GB" },
		{ "0T", "at least 1 GB" },
		{ "-5", "negative" },
		{ "1.5", "whole number of GB" },
		{ "1.5G", "whole number of GB" },
		{ "1.0001T", "whole number of GB" },
		{ "100MB", "unknown size unit \"MB\"" },
		{ "1e3", "unknown size unit" },
		{ "100GBs", "unknown size unit" },
		{ "65537", "at most 65536" },
		{ "66T", "at most 65536" },
		{ "99999999999999999999", "at most 65536" },
		{ "0100", "leading zeros" },
		{ "100 ", "like 100" },
		{ "100  GB", "like 100" },
		{ " 100", "like 100" },
		{ "+100", "like 100" },
		{ "abc", "like 100" },
		{ ".5T", "like 100" },
		{ "1.T", "like 100" },
	};
	ACCEPTS(v_size, ok);
	REFUSES(v_size, bad);
}

static void test_parse_size_gb(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		long gb;
	} cases[] = {
		{ "100", 100 },     { "100G", 100 },     { "100GB", 100 },   { "100GiB", 100 },
		{ "100 gb", 100 },  { "100gib", 100 },   { "100.0", 100 },   { "1T", 1000 },
		{ "1TB", 1000 },    { "1tib", 1000 },    { "1.5TiB", 1500 }, { "1.5 TB", 1500 },
		{ "0.5T", 500 },    { "2.25T", 2250 },   { "1.50T", 1500 },  { "1.001T", 1001 },
		{ "64T", 64000 },   { "65.536T", 65536 }, { "65536", 65536 }, { "1", 1 },
		{ NULL, -1 },       { "", -1 },          { "0", -1 },        { "-1", -1 },
		{ "1.5", -1 },      { "1.0005T", -1 },   { "65537", -1 },    { "66T", -1 },
		{ "100MB", -1 },    { "1 ", -1 },        { "G", -1 },        { "1..5T", -1 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		long got = lf_parse_size_gb(cases[i].text);
		if (got != cases[i].gb) {
			print_error("lf_parse_size_gb(\"%s\") = %ld, want %ld\n",
				    cases[i].text ? cases[i].text : "(null)", got, cases[i].gb);
			fail();
		}
	}
}

static void test_abs_path(void **state)
{
	(void)state;
	char *too_long = prefixed("/", 'p', 4096);
	static const char *const ok[] = {
		"/", "/opt/landfall", "/var/lib/x/", "/a/./b", "/a/..b/c", "/a/b..", "/a/.../b",
	};
	const struct refusal bad[] = {
		{ "opt/landfall", "absolute path starting with '/'" },
		{ "~/x", "absolute path" },
		{ "/opt/../etc", "\"..\" components" },
		{ "/opt/..", "\"..\" components" },
		{ "/..", "\"..\" components" },
		{ "/opt/\nx", "control characters (found 0x0a)" },
		{ "/opt/\tx", "control characters" },
		{ too_long, "at most 4096" },
	};
	ACCEPTS(v_abs_path, ok);
	REFUSES(v_abs_path, bad);
	free(too_long);
}

static void test_env_name(void **state)
{
	(void)state;
	char *too_long = repeat('E', 256);
	static const char *const ok[] = { "PATH", "_X", "my_var1", "a" };
	const struct refusal bad[] = {
		{ "1VAR", "start with a letter or '_'" },
		{ "MY-VAR", "'-'" },
		{ "MY VAR", "' '" },
		{ "VAR=1", "'='" },
		{ too_long, "at most 255" },
	};
	ACCEPTS(v_env_name, ok);
	REFUSES(v_env_name, bad);
	free(too_long);
}

static void test_sha256_fp(void **state)
{
	(void)state;
	static const char *const ok[] = {
		"SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s",
		"SHA256:RgbmNDYCc0RC8sJZTVs6Ipj6wFGrg6bOSNhj2nLo3JM",
		"SHA256:LXEWQrcmsEQBYnyp+6wy9chTD7GQPMTbAiWHF5IaSIE",
	};
	static const struct refusal bad[] = {
		{ "sha256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s", "\"SHA256:\" in capitals" },
		{ "MD5:16:27:ac:a5:76:28:2d:36:63:1b:56:4d:eb:df:a6:48", "MD5" },
		{ "16:27:ac:a5:76:28:2d:36:63:1b:56:4d:eb:df:a6:48", "MD5" },
		{ "SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s=", "padding" },
		{ "SHA256:uNiVztks", "43 base64 characters" },
		{ "SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2sA", "43" },
		{ "SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD-s", "'-'" },
		{ "SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD_s", "'_'" },
		{ "uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s", "ssh-keygen -lf" },
	};
	ACCEPTS(v_sha256_fp, ok);
	REFUSES(v_sha256_fp, bad);
}

#define UUID "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"

static void test_acm_arn(void **state)
{
	(void)state;
	static const char *const ok[] = {
		"arn:aws:acm:eu-west-1:123456789012:certificate/" UUID,
		"arn:aws-cn:acm:cn-north-1:123456789012:certificate/" UUID,
		"arn:aws-us-gov:acm:us-gov-west-1:123456789012:certificate/" UUID,
	};
	static const struct refusal bad[] = {
		{ "arn:aws-xx:acm:eu-west-1:123456789012:certificate/" UUID, "partition must be aws, aws-cn or aws-us-gov" },
		{ "arn:aws:iam:eu-west-1:123456789012:certificate/" UUID, "the service is \"iam\"" },
		{ "arn:aws:acm:eu-west-9x:123456789012:certificate/" UUID, "region \"eu-west-9x\"" },
		{ "arn:aws:acm:cn-north-1:123456789012:certificate/" UUID, "does not match its region" },
		{ "arn:aws-cn:acm:eu-west-1:123456789012:certificate/" UUID, "does not match its region" },
		{ "arn:aws:acm:eu-west-1:12345678901:certificate/" UUID, "12 digits" },
		{ "arn:aws:acm:eu-west-1:12345678901a:certificate/" UUID, "12 digits" },
		{ "arn:aws:acm:eu-west-1:123456789012:certificate/0F1E2D3C-4B5A-6978-8A9B-0C1D2E3F4A5B", "lowercase UUID" },
		{ "arn:aws:acm:eu-west-1:123456789012:certificate/0f1e2d3c", "UUID" },
		{ "arn:aws:acm:eu-west-1:123456789012:cert/" UUID, "certificate/" },
		{ "arn:aws:acm:eu-west-1:123456789012", "like arn:aws:acm:" },
		{ "ARN:aws:acm:eu-west-1:123456789012:certificate/" UUID, "like arn:aws:acm:" },
		{ "arn:aws:acm:eu-west-1:123456789012:certificate/" UUID ":x", "like arn:aws:acm:" },
	};
	ACCEPTS(v_acm_arn, ok);
	REFUSES(v_acm_arn, bad);
}

static void test_vpc_and_subnet_id(void **state)
{
	(void)state;
	static const char *const vpc_ok[] = { "vpc-0a1b2c3d", "vpc-0a1b2c3d4e5f67890" };
	static const struct refusal vpc_bad[] = {
		{ "vpc-0A1B2C3D", "8 or 17 lowercase hex" },
		{ "vpc-0a1b2c3", "8 or 17" },
		{ "vpc-0a1b2c3d4e5f6789", "8 or 17" },
		{ "vpc-0a1b2c3g", "8 or 17" },
		{ "vpc0a1b2c3d", "\"vpc-\"" },
		{ "subnet-0a1b2c3d", "\"vpc-\"" },
	};
	static const char *const subnet_ok[] = { "subnet-0a1b2c3d", "subnet-0a1b2c3d4e5f67890" };
	static const struct refusal subnet_bad[] = {
		{ "vpc-0a1b2c3d", "\"subnet-\"" },
		{ "subnet-12345678 ", "8 or 17" },
		{ "subnet-", "8 or 17" },
	};
	ACCEPTS(v_vpc_id, vpc_ok);
	REFUSES(v_vpc_id, vpc_bad);
	ACCEPTS(v_subnet_id, subnet_ok);
	REFUSES(v_subnet_id, subnet_bad);
}

static void test_hosted_zone_id(void **state)
{
	(void)state;
	char *too_long = prefixed("Z", 'A', 33);
	static const char *const ok[] = { "Z0123456789ABCDEFGHIJ", "Z1", "Z2FDTNDATAQYW2" };
	const struct refusal bad[] = {
		{ "/hostedzone/Z123ABC", "drop the \"/hostedzone/\" prefix: use Z123ABC" },
		{ "z123abc", "1-32 uppercase" },
		{ "Z123abc", "uppercase" },
		{ "Z", "1-32" },
		{ "A123", "Z and 1-32" },
		{ too_long, "1-32" },
	};
	ACCEPTS(v_hosted_zone_id, ok);
	REFUSES(v_hosted_zone_id, bad);
	free(too_long);
}

static void test_key_pair(void **state)
{
	(void)state;
	char *max = repeat('k', 255);
	char *too_long = repeat('k', 256);
	const char *const ok[] = { "my-key", "Deploy Key (2024)", "a", max };
	const struct refusal bad[] = {
		{ " key", "must not start or end with a space" },
		{ "key ", "must not start or end with a space" },
		{ "key\tname", "0x09" },
		{ "k\xc3\xa9y", "printable ASCII" },
		{ too_long, "at most 255" },
	};
	ACCEPTS(v_key_pair, ok);
	REFUSES(v_key_pair, bad);
	free(max);
	free(too_long);
}

static void test_url(void **state)
{
	(void)state;
	static const char *const ok[] = {
		"https://example.com", "http://example.com/", "https://example.com:8443/path?q=1#f",
		"http://10.0.0.5:8080/", "http://[2001:db8::1]:8080/x", "http://localhost",
		"HTTPS://Example.com/",
	};
	static const struct refusal bad[] = {
		{ "ftp://example.com", "must start with http:// or https://" },
		{ "example.com", "must start with http:// or https://" },
		{ "https://", "must have a host" },
		{ "https:///path", "must have a host" },
		{ "https://:443/", "must have a host" },
		{ "https://exa mple.com", "' '" },
		{ "https://example.com/a\nb", "0x0a" },
		{ "https://example.com:0/", "1-65535" },
		{ "https://example.com:65536", "1-65535" },
		{ "https://example.com:/", "1-65535" },
		{ "https://example.com:http/", "1-65535" },
		{ "https://user:pw@example.com/", "user name or password" },
		{ "http://2001:db8::1/", "in brackets" },
		{ "http://[2001:db8::1/", "end with ']'" },
		{ "http://[zz::1]/", "not an IPv6 address" },
		{ "http://[::1]x/", "unexpected" },
		{ "https://-bad.com/", "host in the URL is invalid" },
		{ "https://exa_mple.com/", "'_'" },
		{ "https://10.0.0.256/", "greater than 255" },
	};
	ACCEPTS(v_url, ok);
	REFUSES(v_url, bad);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_refused_everywhere),
		cmocka_unit_test(test_cidr4),
		cmocka_unit_test(test_cidr6),
		cmocka_unit_test(test_cidr),
		cmocka_unit_test(test_cidr_is_anywhere),
		cmocka_unit_test(test_ip),
		cmocka_unit_test(test_port),
		cmocka_unit_test(test_dns_name),
		cmocka_unit_test(test_dns_wildcard),
		cmocka_unit_test(test_host),
		cmocka_unit_test(test_aws_region),
		cmocka_unit_test(test_aws_zone),
		cmocka_unit_test(test_user_name),
		cmocka_unit_test(test_s3_bucket),
		cmocka_unit_test(test_k8s_name),
		cmocka_unit_test(test_install_id),
		cmocka_unit_test(test_instance_type),
		cmocka_unit_test(test_disk_type),
		cmocka_unit_test(test_disk),
		cmocka_unit_test(test_size),
		cmocka_unit_test(test_parse_size_gb),
		cmocka_unit_test(test_abs_path),
		cmocka_unit_test(test_env_name),
		cmocka_unit_test(test_sha256_fp),
		cmocka_unit_test(test_acm_arn),
		cmocka_unit_test(test_vpc_and_subnet_id),
		cmocka_unit_test(test_hosted_zone_id),
		cmocka_unit_test(test_key_pair),
		cmocka_unit_test(test_url),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
