/* Unit tests for the AWS client layer: backends/aws/aws_creds.c (the
 * credential chain, with temporary HOME, files, environment, a
 * credential_process script and an IMDSv2 server), aws_xml.c, and
 * aws_http.c (errors, retry rules, endpoints, encoding, SHA-256, and whole
 * calls against a scripted HTTP server on 127.0.0.1).
 *
 * The local servers are forked children of this process listening on a
 * loopback port chosen by the kernel; nothing leaves the machine. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "aws/aws_creds.h"
#include "aws/aws_http.h"
#include "aws/aws_xml.h"
#include "events.h"
#include "util.h"

/* ---- fixture: a temporary HOME and a clean AWS environment -------------- */

static const char *const aws_vars[] = {
	"AWS_ACCESS_KEY_ID",
	"AWS_SECRET_ACCESS_KEY",
	"AWS_SESSION_TOKEN",
	"AWS_PROFILE",
	"AWS_DEFAULT_PROFILE",
	"AWS_SHARED_CREDENTIALS_FILE",
	"AWS_CONFIG_FILE",
	"AWS_REGION",
	"AWS_DEFAULT_REGION",
	"AWS_EC2_METADATA_DISABLED",
	"AWS_EC2_METADATA_SERVICE_ENDPOINT",
	"AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE",
	"AWS_EC2_METADATA_V1_DISABLED",
	"AWS_ENDPOINT_URL",
	"AWS_ENDPOINT_URL_EC2",
	"AWS_ENDPOINT_URL_IAM",
	"AWS_ENDPOINT_URL_STS",
	"AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2",
	"AWS_ENDPOINT_URL_ACM",
	"AWS_ENDPOINT_URL_ROUTE_53",
	"AWS_ENDPOINT_URL_S3",
	"AWS_ENDPOINT_URL_BACKUP",
	"AWS_ENDPOINT_URL_SSM",
	"AWS_ENDPOINT_URL_SERVICE_QUOTAS",
	"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
	"AWS_CA_BUNDLE",
	"HOME",
	"NO_PROXY",
	"no_proxy",
	"http_proxy",
	"HTTP_PROXY",
	"https_proxy",
	"HTTPS_PROXY",
	"ALL_PROXY",
	"all_proxy",
};

struct fx {
	char dir[64];
	char *saved[LF_ARRAY_LEN(aws_vars)];
};

static void rm_rf(const char *path)
{
	struct stat st;
	if (lstat(path, &st) != 0)
		return;
	if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(path);
		if (d) {
			struct dirent *de;
			while ((de = readdir(d)) != NULL) {
				if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
					continue;
				char *sub = lf_asprintf("%s/%s", path, de->d_name);
				rm_rf(sub);
				free(sub);
			}
			closedir(d);
		}
		rmdir(path);
	} else {
		unlink(path);
	}
}

static int setup(void **state)
{
	struct fx *f = lf_xcalloc(1, sizeof *f);
	snprintf(f->dir, sizeof f->dir, "/tmp/lf-test-aws.XXXXXX");
	if (!mkdtemp(f->dir)) {
		free(f);
		return -1;
	}
	for (size_t i = 0; i < LF_ARRAY_LEN(aws_vars); i++) {
		const char *v = getenv(aws_vars[i]);
		f->saved[i] = v ? lf_xstrdup(v) : NULL;
		unsetenv(aws_vars[i]);
	}
	setenv("HOME", f->dir, 1);
	setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	for (size_t i = 0; i < LF_ARRAY_LEN(aws_vars); i++) {
		if (f->saved[i])
			setenv(aws_vars[i], f->saved[i], 1);
		else
			unsetenv(aws_vars[i]);
		free(f->saved[i]);
	}
	rm_rf(f->dir);
	free(f);
	return 0;
}

static char *write_file(const struct fx *f, const char *rel, const char *text, unsigned mode)
{
	char *path = lf_asprintf("%s/%s", f->dir, rel);
	char *dir = lf_xstrdup(path);
	*strrchr(dir, '/') = '\0';
	assert_int_equal(lf_mkdir_p(dir, 0700, NULL), 0);
	free(dir);
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
	chmod(path, mode);
	return path;
}

static void write_aws(const struct fx *f, const char *name, const char *text)
{
	char *rel = lf_asprintf(".aws/%s", name);
	free(write_file(f, rel, text, 0600));
	free(rel);
}

/* Load the chain; assert success and return the credentials. */
static struct aws_creds *load_ok(const char *profile)
{
	struct aws_creds_opts o = {
		.profile = profile, .process_timeout_ms = 10000, .imds_timeout_ms = 2000};
	struct aws_creds *c = NULL;
	char *cause = NULL;
	int rc = aws_creds_load(&o, &c, &cause);
	if (rc != 0)
		print_error("aws_creds_load: %s\n", cause);
	assert_int_equal(rc, 0);
	assert_non_null(c);
	free(cause);
	return c;
}

/* Load the chain; assert failure and return the cause. */
static char *load_fails(const char *profile)
{
	struct aws_creds_opts o = {
		.profile = profile, .process_timeout_ms = 5000, .imds_timeout_ms = 2000};
	struct aws_creds *c = NULL;
	char *cause = NULL;
	assert_int_equal(aws_creds_load(&o, &c, &cause), -1);
	assert_null(c);
	assert_non_null(cause);
	return cause;
}

static void assert_contains(const char *hay, const char *needle)
{
	if (!hay || !strstr(hay, needle))
		fail_msg("\"%s\" does not contain \"%s\"", hay ? hay : "(null)", needle);
}

static void assert_lacks(const char *hay, const char *needle)
{
	if (hay && strstr(hay, needle))
		fail_msg("\"%s\" contains \"%s\"", hay, needle);
}

/* ---- credentials: environment and shared files -------------------------- */

static void test_creds_env(void **state)
{
	(void)state;
	setenv("AWS_ACCESS_KEY_ID", "AKIAENV0000000000001", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "env-secret-Marker-1", 1);
	setenv("AWS_SESSION_TOKEN", "env-token-Marker-2", 1);
	struct aws_creds *c = load_ok(NULL);
	assert_int_equal(aws_creds_source(c), AWS_CREDS_ENV);
	assert_string_equal(aws_creds_key_id(c), "AKIAENV0000000000001");
	assert_string_equal(aws_creds_secret(c), "env-secret-Marker-1");
	assert_string_equal(aws_creds_token(c), "env-token-Marker-2");
	assert_string_equal(aws_creds_source_name(aws_creds_source(c)), "environment");
	assert_contains(aws_creds_describe(c), "environment");
	assert_lacks(aws_creds_describe(c), "Marker");
	assert_null(aws_creds_profile(c));
	assert_int_equal(aws_creds_expiry(c), 0);
	aws_creds_free(c);

	unsetenv("AWS_SECRET_ACCESS_KEY");
	char *cause = load_fails(NULL);
	assert_contains(cause, "AWS_SECRET_ACCESS_KEY");
	free(cause);
	aws_creds_free(NULL);
}

static void test_creds_credentials_file(void **state)
{
	struct fx *f = *state;
	write_aws(f, "credentials",
		  "# a comment\n"
		  "; another comment\n"
		  "[default]\n"
		  "AWS_Access_Key_Id = AKIADEFAULT000000001   \n"
		  "aws_secret_access_key=default-secret ; inline comment\n"
		  "\n"
		  "[ dev ]\n"
		  "aws_access_key_id: AKIADEV0000000000001\n"
		  "aws_secret_access_key = dev-secret#not-a-comment\n"
		  "aws_session_token = dev-token\n"
		  "[profile prod]\n"
		  "aws_access_key_id = AKIAWRONG00000000001\n"
		  "aws_secret_access_key = wrong\n");
	struct aws_creds *c = load_ok(NULL);
	assert_int_equal(aws_creds_source(c), AWS_CREDS_CREDENTIALS_FILE);
	assert_string_equal(aws_creds_key_id(c), "AKIADEFAULT000000001");
	assert_string_equal(aws_creds_secret(c), "default-secret");
	assert_null(aws_creds_token(c));
	assert_string_equal(aws_creds_profile(c), "default");
	char *want = lf_asprintf("profile \"default\" in %s/.aws/credentials", f->dir);
	assert_string_equal(aws_creds_describe(c), want);
	free(want);
	aws_creds_free(c);

	setenv("AWS_PROFILE", "dev", 1);
	c = load_ok(NULL);
	assert_string_equal(aws_creds_key_id(c), "AKIADEV0000000000001");
	assert_string_equal(aws_creds_secret(c), "dev-secret#not-a-comment");
	assert_string_equal(aws_creds_token(c), "dev-token");
	assert_string_equal(aws_creds_profile(c), "dev");
	aws_creds_free(c);

	/* In the credentials file "[profile prod]" is a profile named
	 * "profile prod", not "prod". */
	setenv("AWS_PROFILE", "prod", 1);
	char *cause = load_fails(NULL);
	assert_contains(cause, "\"prod\"");
	assert_contains(cause, "neither");
	free(cause);
}

static void test_creds_config_file(void **state)
{
	struct fx *f = *state;
	write_aws(f, "config",
		  "[default]\n"
		  "region = eu-central-1\n"
		  "aws_access_key_id = AKIACONFIGDEFAULT001\n"
		  "aws_secret_access_key = config-default-secret\n"
		  "[profile  ops]\n"
		  "region = us-west-2 # trailing comment\n"
		  "s3 =\n"
		  "    region = ap-south-1\n"
		  "    addressing_style = path\n"
		  "aws_access_key_id = AKIAOPS0000000000001\n"
		  "aws_secret_access_key = ops-secret\n"
		  "[ops2]\n"
		  "aws_access_key_id = AKIANOTAPROFILE00001\n"
		  "aws_secret_access_key = not-a-profile\n");
	struct aws_creds *c = load_ok(NULL);
	assert_int_equal(aws_creds_source(c), AWS_CREDS_CONFIG_FILE);
	assert_string_equal(aws_creds_key_id(c), "AKIACONFIGDEFAULT001");
	aws_creds_free(c);

	c = load_ok("ops");
	assert_string_equal(aws_creds_key_id(c), "AKIAOPS0000000000001");
	assert_string_equal(aws_creds_secret(c), "ops-secret");
	assert_contains(aws_creds_describe(c), "/.aws/config");
	aws_creds_free(c);

	struct aws_profile *p = NULL;
	assert_int_equal(aws_profile_load("ops", &p, NULL), 0);
	assert_string_equal(aws_profile_name(p), "ops");
	/* The nested s3 block does not override the profile's region. */
	assert_string_equal(aws_profile_get(p, "region"), "us-west-2");
	assert_string_equal(aws_profile_get(p, "s3"), "");
	assert_null(aws_profile_get(p, "addressing_style"));
	assert_true(aws_profile_exists(p));
	aws_profile_free(p);

	/* "[ops2]" without "profile " is not a profile in the config file. */
	char *cause = load_fails("ops2");
	assert_contains(cause, "\"ops2\"");
	free(cause);
	aws_profile_free(NULL);
}

static void test_creds_precedence(void **state)
{
	struct fx *f = *state;
	write_aws(f, "credentials",
		  "[dev]\naws_access_key_id = AKIAFROMCREDENTIALS1\n"
		  "aws_secret_access_key = from-credentials\n");
	write_aws(f, "config",
		  "[profile dev]\naws_access_key_id = AKIAFROMCONFIG000001\n"
		  "aws_secret_access_key = from-config\nregion = sa-east-1\n");
	setenv("AWS_ACCESS_KEY_ID", "AKIAFROMENV000000001", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "from-env", 1);

	/* AWS_PROFILE does not hide the environment's keys... */
	setenv("AWS_PROFILE", "dev", 1);
	struct aws_creds *c = load_ok(NULL);
	assert_int_equal(aws_creds_source(c), AWS_CREDS_ENV);
	aws_creds_free(c);

	/* ...an explicitly named profile does, as --profile does. */
	c = load_ok("dev");
	assert_int_equal(aws_creds_source(c), AWS_CREDS_CREDENTIALS_FILE);
	assert_string_equal(aws_creds_key_id(c), "AKIAFROMCREDENTIALS1");
	aws_creds_free(c);

	/* The credentials file wins over the config file for one profile. */
	unsetenv("AWS_ACCESS_KEY_ID");
	unsetenv("AWS_SECRET_ACCESS_KEY");
	c = load_ok(NULL);
	assert_string_equal(aws_creds_secret(c), "from-credentials");
	aws_creds_free(c);

	/* Region: AWS_REGION, then AWS_DEFAULT_REGION, then the profile. */
	char *r = aws_region_default(NULL);
	assert_string_equal(r, "sa-east-1");
	free(r);
	setenv("AWS_DEFAULT_REGION", "eu-north-1", 1);
	r = aws_region_default(NULL);
	assert_string_equal(r, "eu-north-1");
	free(r);
	setenv("AWS_REGION", "ap-northeast-1", 1);
	r = aws_region_default(NULL);
	assert_string_equal(r, "ap-northeast-1");
	free(r);
	unsetenv("AWS_REGION");
	unsetenv("AWS_DEFAULT_REGION");
	unsetenv("AWS_PROFILE");
	r = aws_region_default(NULL);
	assert_null(r);
}

static void test_creds_file_variables(void **state)
{
	struct fx *f = *state;
	free(write_file(f, "elsewhere/creds",
			"[team]\naws_access_key_id = AKIATEAM000000000001\n"
			"aws_secret_access_key = team-secret\n",
			0600));
	free(write_file(f, "elsewhere/conf", "[profile team]\nregion = ca-central-1\n", 0600));
	setenv("AWS_SHARED_CREDENTIALS_FILE", "~/elsewhere/creds", 1);
	char *conf = lf_asprintf("%s/elsewhere/conf", f->dir);
	setenv("AWS_CONFIG_FILE", conf, 1);
	setenv("AWS_PROFILE", "team", 1);
	struct aws_creds *c = load_ok(NULL);
	assert_string_equal(aws_creds_key_id(c), "AKIATEAM000000000001");
	assert_contains(aws_creds_describe(c), "/elsewhere/creds");
	aws_creds_free(c);
	struct aws_profile *p = NULL;
	assert_int_equal(aws_profile_load(NULL, &p, NULL), 0);
	assert_string_equal(aws_profile_config_path(p), conf);
	char *want = lf_asprintf("%s/elsewhere/creds", f->dir);
	assert_string_equal(aws_profile_credentials_path(p), want);
	assert_string_equal(aws_profile_get_config(p, "region"), "ca-central-1");
	assert_null(aws_profile_get_credentials(p, "region"));
	free(want);
	aws_profile_free(p);
	free(conf);
}

static void test_creds_partial_and_unsupported(void **state)
{
	struct fx *f = *state;
	write_aws(f, "credentials", "[half]\naws_access_key_id = AKIAHALF000000000001\n");
	write_aws(f, "config",
		  "[profile assume]\nrole_arn = arn:aws:iam::123456789012:role/x\n"
		  "source_profile = half\n"
		  "[profile sso]\nsso_session = corp\nsso_account_id = 123456789012\n");
	char *cause = load_fails("half");
	assert_contains(cause, "aws_secret_access_key");
	free(cause);
	cause = load_fails("assume");
	assert_contains(cause, "role_arn");
	free(cause);
	cause = load_fails("sso");
	assert_contains(cause, "SSO");
	free(cause);
}

static void test_creds_none(void **state)
{
	(void)state;
	char *cause = load_fails(NULL);
	assert_contains(cause, "no AWS credentials found");
	assert_contains(cause, "AWS_EC2_METADATA_DISABLED");
	free(cause);
	/* A named "default" profile that is empty: the environment was not
	 * read, and the message says so. */
	setenv("AWS_ACCESS_KEY_ID", "AKIAENV0000000000001", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "env-secret", 1);
	cause = load_fails("default");
	assert_contains(cause, "environment is not read");
	assert_contains(cause, "aws configure --profile default");
	free(cause);
}

/* ---- credential_process -------------------------------------------------- */

static char *make_script(const struct fx *f, const char *rel, const char *body)
{
	char *text = lf_asprintf("#!/bin/sh\n%s", body);
	char *path = write_file(f, rel, text, 0755);
	free(text);
	return path;
}

static void test_creds_process(void **state)
{
	struct fx *f = *state;
	char *args = lf_asprintf("%s/args.txt", f->dir);
	char *body = lf_asprintf(
		"printf '%%s\\n' \"$@\" > '%s'\n"
		"echo 'a warning on stderr' >&2\n"
		"cat <<EOF\n"
		"{\"Version\": 1, \"AccessKeyId\": \"ASIAPROCESS000000001\",\n"
		" \"SecretAccessKey\": \"process-secret\", \"SessionToken\": \"process-token\",\n"
		" \"Expiration\": \"2099-01-01T00:00:00Z\"}\n"
		"EOF\n",
		args);
	char *script = make_script(f, "my tools/creds.sh", body);
	free(body);
	char *cfg = lf_asprintf("[profile proc]\n"
				"credential_process = \"%s\" --flag 'two words' plain\\ one\n"
				"aws_access_key_id = AKIALOSES00000000001\n"
				"aws_secret_access_key = loses-to-process\n",
				script);
	write_aws(f, "config", cfg);
	free(cfg);

	struct aws_creds *c = load_ok("proc");
	assert_int_equal(aws_creds_source(c), AWS_CREDS_PROCESS);
	assert_string_equal(aws_creds_key_id(c), "ASIAPROCESS000000001");
	assert_string_equal(aws_creds_secret(c), "process-secret");
	assert_string_equal(aws_creds_token(c), "process-token");
	long long want;
	assert_int_equal(aws_parse_time("2099-01-01T00:00:00Z", &want), 0);
	assert_true(aws_creds_expiry(c) == want);
	assert_false(aws_creds_expiring(c, (long long)time(NULL), 300));
	assert_true(aws_creds_expiring(c, want - 100, 300));
	assert_string_equal(aws_creds_describe(c), "credential_process of profile \"proc\"");
	assert_string_equal(aws_creds_profile(c), "proc");
	aws_creds_free(c);

	char *got = lf_read_file(args, NULL, NULL);
	assert_non_null(got);
	assert_string_equal(got, "--flag\ntwo words\nplain one\n");
	free(got);

	/* Keys in the credentials file win over the process. */
	write_aws(f, "credentials",
		  "[proc]\naws_access_key_id = AKIACREDSWIN00000001\n"
		  "aws_secret_access_key = creds-win\n");
	c = load_ok("proc");
	assert_int_equal(aws_creds_source(c), AWS_CREDS_CREDENTIALS_FILE);
	aws_creds_free(c);
	free(script);
	free(args);
}

static void test_creds_process_failures(void **state)
{
	struct fx *f = *state;
	char *fails = make_script(f, "fails.sh", "echo 'token expired, run login' >&2\nexit 3\n");
	char *notjson = make_script(f, "notjson.sh", "echo hello\n");
	char *v2 = make_script(f, "v2.sh",
			       "echo '{\"Version\":2,\"AccessKeyId\":\"A\","
			       "\"SecretAccessKey\":\"B\"}'\n");
	char *expired = make_script(f, "expired.sh",
				    "echo '{\"Version\":1,\"AccessKeyId\":\"A\","
				    "\"SecretAccessKey\":\"B\",\"Expiration\":"
				    "\"2001-01-01T00:00:00Z\"}'\n");
	char *slow = make_script(f, "slow.sh", "sleep 5\n");
	char *cfg = lf_asprintf("[profile fails]\ncredential_process = %s\n"
				"[profile notjson]\ncredential_process = %s\n"
				"[profile v2]\ncredential_process = %s\n"
				"[profile expired]\ncredential_process = %s\n"
				"[profile missing]\ncredential_process = %s/nope.sh\n"
				"[profile quote]\ncredential_process = %s 'open\n"
				"[profile slow]\ncredential_process = %s\n",
				fails, notjson, v2, expired, f->dir, fails, slow);
	write_aws(f, "config", cfg);
	free(cfg);

	char *cause = load_fails("fails");
	assert_contains(cause, "profile \"fails\"");
	assert_contains(cause, "status 3");
	assert_contains(cause, "token expired, run login");
	free(cause);
	cause = load_fails("notjson");
	assert_contains(cause, "JSON");
	free(cause);
	cause = load_fails("v2");
	assert_contains(cause, "Version");
	free(cause);
	cause = load_fails("expired");
	assert_contains(cause, "expired");
	free(cause);
	cause = load_fails("missing");
	assert_contains(cause, "nope.sh");
	free(cause);
	cause = load_fails("quote");
	assert_contains(cause, "unterminated");
	free(cause);

	struct aws_creds_opts o = {.profile = "slow", .process_timeout_ms = 300};
	struct aws_creds *c = NULL;
	cause = NULL;
	long long t0 = lf_now_ms();
	assert_int_equal(aws_creds_load(&o, &c, &cause), -1);
	assert_true(lf_now_ms() - t0 < 3000);
	assert_contains(cause, "did not finish");
	free(cause);
	free(fails);
	free(notjson);
	free(v2);
	free(expired);
	free(slow);
}

static void test_split_command(void **state)
{
	(void)state;
	static const struct {
		const char *line;
		const char *want[5];
	} rows[] = {
		{"aws-vault exec dev --json", {"aws-vault", "exec", "dev", "--json", NULL}},
		{"  /bin/x\t 'a b'  ", {"/bin/x", "a b", NULL}},
		{"x \"a \\\"q\\\" \\\\ $HOME\"", {"x", "a \"q\" \\ $HOME", NULL}},
		{"x a\\ b 'it'\\''s'", {"x", "a b", "it's", NULL}},
		{"x ''", {"x", "", NULL}},
		{"x \"don't\" mid'dle'\"x\"", {"x", "don't", "middlex", NULL}},
	};
	for (size_t i = 0; i < LF_ARRAY_LEN(rows); i++) {
		char **argv = NULL;
		char *cause = NULL;
		assert_int_equal(aws_split_command(rows[i].line, &argv, &cause), 0);
		size_t n = 0;
		for (; rows[i].want[n]; n++) {
			assert_non_null(argv[n]);
			assert_string_equal(argv[n], rows[i].want[n]);
		}
		assert_null(argv[n]);
		aws_argv_free(argv);
	}
	static const char *const bad[] = {"", "   ", "x 'open", "x \"open", "x \"a\\\""};
	for (size_t i = 0; i < LF_ARRAY_LEN(bad); i++) {
		char **argv = NULL;
		char *cause = NULL;
		assert_int_equal(aws_split_command(bad[i], &argv, &cause), -1);
		assert_non_null(cause);
		free(cause);
	}
}

static void test_parse_time(void **state)
{
	(void)state;
	long long t;
	assert_int_equal(aws_parse_time("1970-01-01T00:00:00Z", &t), 0);
	assert_true(t == 0);
	assert_int_equal(aws_parse_time("2026-11-22T07:24:22Z", &t), 0);
	assert_true(t == 1795332262LL);
	assert_int_equal(aws_parse_time("2026-11-22T07:24:22.123Z", &t), 0);
	assert_true(t == 1795332262LL);
	assert_int_equal(aws_parse_time("2026-11-22T09:24:22+02:00", &t), 0);
	assert_true(t == 1795332262LL);
	assert_int_equal(aws_parse_time("2026-11-22T07:24:22", &t), -1);
	assert_int_equal(aws_parse_time("yesterday", &t), -1);
	assert_int_equal(aws_parse_time("2026-13-22T07:24:22Z", &t), -1);
	assert_int_equal(aws_parse_time(NULL, &t), -1);
}

static void test_creds_process_json(void **state)
{
	(void)state;
	struct aws_creds *c = NULL;
	char *cause = NULL;
	const char *ok = "{\"Version\":1,\"AccessKeyId\":\"AK\",\"SecretAccessKey\":\"SK\"}";
	assert_int_equal(aws_creds_from_process_json(ok, strlen(ok), &c, &cause), 0);
	assert_null(aws_creds_token(c));
	assert_true(aws_creds_expiry(c) == 0);
	aws_creds_free(c);
	const char *bad = "{\"Version\":1,\"AccessKeyId\":\"AK\"}";
	assert_int_equal(aws_creds_from_process_json(bad, strlen(bad), &c, &cause), -1);
	assert_contains(cause, "SecretAccessKey");
	const char *badtime = "{\"Version\":1,\"AccessKeyId\":\"AK\",\"SecretAccessKey\":\"SK\","
			      "\"Expiration\":\"soon\"}";
	assert_int_equal(aws_creds_from_process_json(badtime, strlen(badtime), &c, &cause), -1);
	assert_contains(cause, "ISO 8601");
	free(cause);
}

/* ---- a scripted HTTP server on 127.0.0.1 --------------------------------- */

struct canned {
	int status;
	const char *headers; /* extra header lines, each ending in \r\n */
	const char *body;
	bool drop; /* close the connection without an answer */
};

enum fake_mode { FAKE_SCRIPT, FAKE_IMDS_V2, FAKE_IMDS_V1 };

struct fake {
	pid_t pid;
	int port;
	char log[128];
};

static void write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w <= 0) {
			if (w < 0 && errno == EINTR)
				continue;
			return;
		}
		p += w;
		n -= (size_t)w;
	}
}

/* Read one request (headers and Content-Length body); returns its length. */
static size_t read_request(int c, char *buf, size_t cap)
{
	size_t n = 0;
	char *end = NULL;
	while (!end && n < cap - 1) {
		ssize_t r = read(c, buf + n, cap - 1 - n);
		if (r <= 0)
			return 0;
		n += (size_t)r;
		buf[n] = '\0';
		end = strstr(buf, "\r\n\r\n");
	}
	if (!end)
		return n;
	size_t want = (size_t)(end + 4 - buf);
	for (char *h = buf; h && h < end; h = strstr(h, "\r\n")) {
		h += h == buf ? 0 : 2;
		if (strncasecmp(h, "Content-Length:", 15) == 0)
			want += (size_t)strtoul(h + 15, NULL, 10);
		if (h == buf)
			h++;
	}
	while (n < want && n < cap - 1) {
		ssize_t r = read(c, buf + n, cap - 1 - n);
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	return n;
}

static bool has_header(const char *req, const char *line)
{
	char *pat = lf_asprintf("\r\n%s", line);
	bool found = strcasestr(req, pat) != NULL;
	free(pat);
	return found;
}

static void reply(int c, int status, const char *headers, const char *body)
{
	char head[512];
	int n = snprintf(head, sizeof head,
			 "HTTP/1.1 %d X\r\nContent-Length: %zu\r\nConnection: close\r\n%s\r\n",
			 status, strlen(body), headers ? headers : "");
	write_all(c, head, (size_t)n);
	write_all(c, body, strlen(body));
}

static void imds_answer(int c, const char *req, enum fake_mode mode)
{
	bool v2 = mode == FAKE_IMDS_V2;
	bool token_ok = has_header(req, "X-aws-ec2-metadata-token: TOKEN-abc123");
	if (strncmp(req, "PUT /latest/api/token ", 22) == 0) {
		if (!v2)
			reply(c, 405, NULL, "");
		else if (!has_header(req, "X-aws-ec2-metadata-token-ttl-seconds: 21600"))
			reply(c, 400, NULL, "missing ttl");
		else
			reply(c, 200, NULL, "TOKEN-abc123");
	} else if (v2 && !token_ok) {
		reply(c, 401, NULL, "");
	} else if (strncmp(req, "GET /latest/meta-data/iam/security-credentials/ ", 48) == 0) {
		reply(c, 200, NULL, "landfall-jump\n");
	} else if (strncmp(req, "GET /latest/meta-data/iam/security-credentials/landfall-jump ",
			   61) == 0) {
		reply(c, 200, NULL,
		      "{\n  \"Code\" : \"Success\",\n  \"LastUpdated\" : "
		      "\"2026-01-01T00:00:00Z\",\n"
		      "  \"Type\" : \"AWS-HMAC\",\n  \"AccessKeyId\" : \"ASIAIMDS000000000001\",\n"
		      "  \"SecretAccessKey\" : \"imds-secret\",\n  \"Token\" : \"imds-token\",\n"
		      "  \"Expiration\" : \"2099-01-01T00:00:00Z\"\n}");
	} else {
		reply(c, 404, NULL, "");
	}
}

static void serve(int s, const char *log, enum fake_mode mode, const struct canned *script,
		  size_t nscript)
{
	static char buf[1 << 20];
	for (size_t i = 0;; i++) {
		int c = accept(s, NULL, NULL);
		if (c < 0)
			continue;
		size_t n = read_request(c, buf, sizeof buf);
		FILE *fp = fopen(log, "a");
		if (fp) {
			fprintf(fp, "=== request %zu\n%.*s\n", i, (int)n, buf);
			fclose(fp);
		}
		if (mode != FAKE_SCRIPT) {
			imds_answer(c, buf, mode);
		} else {
			const struct canned *r = &script[i < nscript ? i : nscript - 1];
			if (!r->drop)
				reply(c, r->status, r->headers, r->body ? r->body : "");
		}
		close(c);
	}
}

static void fake_start(struct fake *f, const struct fx *fx, enum fake_mode mode,
		       const struct canned *script, size_t nscript)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(s >= 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(listen(s, 16), 0);
	socklen_t len = sizeof a;
	assert_int_equal(getsockname(s, (struct sockaddr *)&a, &len), 0);
	f->port = ntohs(a.sin_port);
	snprintf(f->log, sizeof f->log, "%s/requests.log", fx->dir);
	unlink(f->log);
	fflush(NULL);
	f->pid = fork();
	assert_true(f->pid >= 0);
	if (f->pid == 0) {
		/* Die with the test, and keep its output pipes free. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 1);
		dup2(null, 2);
		serve(s, f->log, mode, script, nscript);
		_exit(0);
	}
	close(s);
}

static void fake_stop(struct fake *f)
{
	kill(f->pid, SIGTERM);
	waitpid(f->pid, NULL, 0);
}

static char *fake_log(const struct fake *f)
{
	char *s = lf_read_file(f->log, NULL, NULL);
	return s ? s : lf_xstrdup("");
}

static size_t count_of(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

/* ---- IMDS ---------------------------------------------------------------- */

static void test_creds_imds_v2(void **state)
{
	struct fx *f = *state;
	struct fake srv;
	fake_start(&srv, f, FAKE_IMDS_V2, NULL, 0);
	char *ep = lf_asprintf("http://127.0.0.1:%d/", srv.port);
	setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", ep, 1);
	unsetenv("AWS_EC2_METADATA_DISABLED");
	/* A proxy in the environment must not be used for metadata. */
	setenv("http_proxy", "http://127.0.0.1:9", 1);
	struct aws_creds *c = load_ok(NULL);
	assert_int_equal(aws_creds_source(c), AWS_CREDS_IMDS);
	assert_string_equal(aws_creds_key_id(c), "ASIAIMDS000000000001");
	assert_string_equal(aws_creds_secret(c), "imds-secret");
	assert_string_equal(aws_creds_token(c), "imds-token");
	assert_string_equal(aws_creds_describe(c), "instance metadata (role \"landfall-jump\")");
	assert_string_equal(aws_creds_source_name(AWS_CREDS_IMDS), "instance-metadata");
	assert_true(aws_creds_expiry(c) > 0);
	aws_creds_free(c);
	char *log = fake_log(&srv);
	assert_int_equal(count_of(log, "PUT /latest/api/token HTTP/1.1"), 1);
	assert_int_equal(count_of(log, "X-aws-ec2-metadata-token: TOKEN-abc123"), 2);
	free(log);
	fake_stop(&srv);

	/* IMDS answering 405 to the token request: IMDSv1, as the AWS CLI
	 * does, unless AWS_EC2_METADATA_V1_DISABLED. */
	fake_start(&srv, f, FAKE_IMDS_V1, NULL, 0);
	free(ep);
	ep = lf_asprintf("http://127.0.0.1:%d", srv.port);
	setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", ep, 1);
	c = load_ok(NULL);
	assert_string_equal(aws_creds_key_id(c), "ASIAIMDS000000000001");
	aws_creds_free(c);
	setenv("AWS_EC2_METADATA_V1_DISABLED", "true", 1);
	char *cause = load_fails(NULL);
	assert_contains(cause, "HTTP 405");
	free(cause);
	fake_stop(&srv);

	/* Nobody listening: a quick, clear failure. */
	unsetenv("AWS_EC2_METADATA_V1_DISABLED");
	long long t0 = lf_now_ms();
	cause = load_fails(NULL);
	assert_true(lf_now_ms() - t0 < 5000);
	assert_contains(cause, "did not answer");
	free(cause);
	free(ep);
}

static void test_creds_imds_after_profile(void **state)
{
	struct fx *f = *state;
	/* A profile with a region but no keys: the chain goes on to IMDS. */
	write_aws(f, "config", "[default]\nregion = eu-west-3\n");
	struct fake srv;
	fake_start(&srv, f, FAKE_IMDS_V2, NULL, 0);
	char *ep = lf_asprintf("http://127.0.0.1:%d", srv.port);
	setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", ep, 1);
	setenv("AWS_EC2_METADATA_DISABLED", "TRUE", 1);
	char *cause = load_fails(NULL);
	assert_contains(cause, "disabled");
	free(cause);
	unsetenv("AWS_EC2_METADATA_DISABLED");
	struct aws_creds *c = load_ok(NULL);
	assert_int_equal(aws_creds_source(c), AWS_CREDS_IMDS);
	aws_creds_free(c);
	fake_stop(&srv);
	free(ep);
}

/* ---- XML ----------------------------------------------------------------- */

static const char describe_instances[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<DescribeInstancesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">\n"
	"  <requestId>8f7724cf-496f-496e-8fe3-example</requestId>\n"
	"  <reservationSet>\n"
	"    <item><reservationId>r-empty</reservationId><instancesSet/></item>\n"
	"    <item>\n"
	"      <reservationId>r-1234567890abcdef0</reservationId>\n"
	"      <instancesSet>\n"
	"        <item><instanceId>i-1234567890abcdef0</instanceId>\n"
	"          <instanceState><code>16</code><name>running</name></instanceState>\n"
	"          <tagSet><item><key>landfall:install</key><value>demo &amp; co</value></item>"
	"</tagSet>\n"
	"          <ebsOptimized>true</ebsOptimized>\n"
	"        </item>\n"
	"        <item><instanceId>i-0598c7d356eba48d7</instanceId><ebsOptimized>false"
	"</ebsOptimized></item>\n"
	"      </instancesSet>\n"
	"    </item>\n"
	"  </reservationSet>\n"
	"  <nextToken/>\n"
	"</DescribeInstancesResponse>\n";

static int count_item(xmlNode *n, void *user)
{
	(void)n;
	return ++*(int *)user == 100;
}

static void test_xml_paths(void **state)
{
	(void)state;
	char *cause = NULL;
	xmlDoc *doc = aws_xml_parse(describe_instances, strlen(describe_instances), &cause);
	assert_non_null(doc);
	xmlNode *root = aws_xml_root(doc);
	assert_string_equal((const char *)root->name, "DescribeInstancesResponse");

	/* Backtracks past the empty first reservation; namespaces ignored. */
	char *id = aws_xml_text(root, "reservationSet/item/instancesSet/item/instanceId");
	assert_string_equal(id, "i-1234567890abcdef0");
	free(id);
	char *v = aws_xml_text(root, "reservationSet/*/instancesSet/item/tagSet/item/value");
	assert_string_equal(v, "demo & co");
	free(v);
	assert_null(aws_xml_text(root, "reservationSet/item/nothing"));
	char *empty = aws_xml_text(root, "nextToken");
	assert_string_equal(empty, "");
	free(empty);
	char *fb = aws_xml_text_or(root, "missing", "n/a");
	assert_string_equal(fb, "n/a");
	free(fb);

	xmlNode **items;
	size_t n = aws_xml_nodes(root, "reservationSet/item/instancesSet/item", &items);
	assert_int_equal(n, 2);
	char *second = aws_xml_text(items[1], "instanceId");
	assert_string_equal(second, "i-0598c7d356eba48d7");
	free(second);
	assert_true(aws_xml_bool(items[0], "ebsOptimized"));
	assert_false(aws_xml_bool(items[1], "ebsOptimized"));
	assert_false(aws_xml_bool(items[1], "missing"));
	free(items);
	assert_int_equal(aws_xml_nodes(root, "nope/item", &items), 0);
	assert_null(items);

	int count = 0;
	assert_int_equal(aws_xml_each(root, "reservationSet/item", count_item, &count), 0);
	assert_int_equal(count, 2);

	char *state_name = aws_xml_find_text(root, "name");
	assert_string_equal(state_name, "running");
	free(state_name);
	assert_null(aws_xml_find(root, "absent"));
	char *self = aws_xml_text(aws_xml_node(root, "requestId"), "");
	assert_string_equal(self, "8f7724cf-496f-496e-8fe3-example");
	free(self);
	xmlFreeDoc(doc);

	assert_null(aws_xml_parse("<a><b></a>", 10, &cause));
	assert_contains(cause, "not valid XML");
	assert_null(aws_xml_parse("", 0, &cause));
	assert_contains(cause, "empty");
	free(cause);
	assert_null(aws_xml_root(NULL));

	char *esc = aws_xml_escape("a<b>&\"c'");
	assert_string_equal(esc, "a&lt;b&gt;&amp;&quot;c&apos;");
	free(esc);
}

/* ---- errors and retry rules --------------------------------------------- */

static void test_error_parsing(void **state)
{
	(void)state;
	static const struct {
		long status;
		const char *header;
		const char *body;
		const char *code, *message, *request_id, *text;
		bool retryable;
	} rows[] = {
		{400, NULL,
		 "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error>"
		 "<Code>InvalidVpcID.NotFound</Code><Message>The vpc ID 'vpc-0abc' does not exist"
		 "</Message></Error></Errors><RequestID>5e7b1c5e-4d4b-4b9e-example</RequestID>"
		 "</Response>",
		 "InvalidVpcID.NotFound", "The vpc ID 'vpc-0abc' does not exist",
		 "5e7b1c5e-4d4b-4b9e-example",
		 "InvalidVpcID.NotFound: The vpc ID 'vpc-0abc' does not exist", false},
		{503, NULL,
		 "<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit "
		 "exceeded.</Message></Error></Errors><RequestID>r1</RequestID></Response>",
		 "RequestLimitExceeded", "Request limit exceeded.", "r1",
		 "RequestLimitExceeded: Request limit exceeded.", true},
		{404, NULL,
		 "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">\n  <Error>\n"
		 "    <Type>Sender</Type>\n    <Code>NoSuchEntity</Code>\n    <Message>The role "
		 "with name clearml cannot be found.</Message>\n  </Error>\n  <RequestId>"
		 "4c4d3e7a-iam</RequestId>\n</ErrorResponse>\n",
		 "NoSuchEntity", "The role with name clearml cannot be found.", "4c4d3e7a-iam",
		 "NoSuchEntity: The role with name clearml cannot be found.", false},
		{400, NULL,
		 "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>"
		 "Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error>"
		 "<RequestId>sts-1</RequestId></ErrorResponse>",
		 "Throttling", "Rate exceeded", "sts-1", "Throttling: Rate exceeded", true},
		{404, NULL,
		 "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NoSuchBucket</Code>"
		 "<Message>The specified bucket does not exist</Message><BucketName>clearml-backup"
		 "</BucketName><RequestId>4442587FB7D0A2F9</RequestId><HostId>abc=</HostId>"
		 "</Error>",
		 "NoSuchBucket", "The specified bucket does not exist", "4442587FB7D0A2F9",
		 "NoSuchBucket: The specified bucket does not exist", false},
		{503, NULL,
		 "<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message>"
		 "</Error>",
		 "SlowDown", "Please reduce your request rate.", NULL,
		 "SlowDown: Please reduce your request rate.", true},
		{400, NULL,
		 "<?xml version=\"1.0\"?>\n<InvalidChangeBatch "
		 "xmlns=\"https://route53.amazonaws.com/"
		 "doc/2013-04-01/\"><Messages><Message>Tried to create resource record set "
		 "[name='app.example.com.', type='A'] but it already exists</Message></Messages>"
		 "<RequestId>r53-1</RequestId></InvalidChangeBatch>",
		 "InvalidChangeBatch",
		 "Tried to create resource record set [name='app.example.com.', type='A'] but it "
		 "already exists",
		 "r53-1", NULL, false},
		{400, NULL,
		 "<ErrorResponse xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\"><Error>"
		 "<Type>Sender</Type><Code>PriorRequestNotComplete</Code><Message>The request was "
		 "rejected because Route 53 was still processing a prior request.</Message></Error>"
		 "<RequestId>r53-2</RequestId></ErrorResponse>",
		 "PriorRequestNotComplete", NULL, "r53-2", NULL, true},
		{400, NULL,
		 "{\"__type\":\"com.amazonaws.certificatemanager#ResourceNotFoundException\","
		 "\"message\":\"Could not find certificate "
		 "arn:aws:acm:eu-west-1:123:certificate/x.\"}",
		 "ResourceNotFoundException",
		 "Could not find certificate arn:aws:acm:eu-west-1:123:certificate/x.", NULL, NULL,
		 false},
		{400, NULL, "{\"__type\":\"ThrottlingException\",\"message\":\"Rate exceeded\"}",
		 "ThrottlingException", "Rate exceeded", NULL, "ThrottlingException: Rate exceeded",
		 true},
		{400, NULL,
		 "{\"__type\":\"LimitExceededException\",\"message\":\"the certificate quota is "
		 "reached\"}",
		 "LimitExceededException", NULL, NULL, NULL, false},
		{404,
		 "ResourceNotFoundException:http://internal.amazon.com/coral/com.amazonaws.backup/",
		 "{\"Code\":\"ResourceNotFoundException\",\"Message\":\"Backup vault clearml not "
		 "found\",\"Type\":\"User\"}",
		 "ResourceNotFoundException", "Backup vault clearml not found", NULL,
		 "ResourceNotFoundException: Backup vault clearml not found", false},
		{400, NULL, "{\"code\":\"InvalidParameterValueException\",\"message\":\"bad\"}",
		 "InvalidParameterValueException", "bad", NULL, NULL, false},
		{429, NULL, "{\"message\":\"Too Many Requests\"}", "TooManyRequests",
		 "Too Many Requests", NULL, "TooManyRequests: Too Many Requests", true},
		{404, NULL, "", "NotFound", NULL, NULL, "NotFound (HTTP 404)", false},
		{403, NULL, NULL, "Forbidden", NULL, NULL, "Forbidden (HTTP 403)", false},
		{502, NULL, "<html><body>Bad Gateway</body></html>", NULL, NULL, NULL, NULL, true},
		{418, NULL, "not xml, not json", NULL, NULL, NULL, "HTTP 418 with no explanation",
		 false},
	};
	for (size_t i = 0; i < LF_ARRAY_LEN(rows); i++) {
		struct aws_error e = {0};
		const char *b = rows[i].body;
		aws_error_parse(rows[i].status, b, b ? strlen(b) : 0, rows[i].header, &e);
		if (rows[i].code)
			assert_string_equal(e.code, rows[i].code);
		if (rows[i].message)
			assert_string_equal(e.message, rows[i].message);
		if (rows[i].request_id)
			assert_string_equal(e.request_id, rows[i].request_id);
		if (rows[i].text)
			assert_string_equal(e.text, rows[i].text);
		assert_non_null(e.text);
		if (e.retryable != rows[i].retryable)
			fail_msg("row %zu (%s): retryable is %d", i, e.text, e.retryable);
		assert_int_equal(e.status, rows[i].status);
		if (rows[i].code)
			assert_true(aws_error_is(&e, rows[i].code));
		aws_error_clear(&e);
	}

	/* Hints for the errors a user can fix. */
	struct aws_error e = {0};
	const char *auth = "<Response><Errors><Error><Code>AuthFailure</Code><Message>AWS was not "
			   "able to validate the provided access credentials</Message></Error>"
			   "</Errors></Response>";
	aws_error_parse(401, auth, strlen(auth), NULL, &e);
	assert_non_null(e.hint);
	assert_contains(e.hint, "access key");
	assert_false(aws_error_is(&e, "Other"));
	aws_error_clear(&e);
	const char *skew = "<Error><Code>RequestTimeTooSkewed</Code><Message>The difference "
			   "between the request time and the current time is too large."
			   "</Message></Error>";
	aws_error_parse(403, skew, strlen(skew), NULL, &e);
	assert_contains(e.hint, "clock");
	aws_error_clear(&e);
	aws_error_clear(NULL);
}

static void test_retry_classification(void **state)
{
	(void)state;
	static const struct {
		long status;
		const char *code;
		int curl;
		bool retry;
	} rows[] = {
		{400, "Throttling", 0, true},
		{400, "ThrottlingException", 0, true},
		{503, "RequestLimitExceeded", 0, true},
		{400, "RequestLimitExceeded", 0, true},
		{400, "TooManyRequestsException", 0, true},
		{503, "SlowDown", 0, true},
		{400, "PriorRequestNotComplete", 0, true},
		{400, "RequestThrottled", 0, true},
		{400, "RequestThrottledException", 0, true},
		{400, "EC2ThrottledException", 0, true},
		{400, "RequestTimeout", 0, true},
		{429, NULL, 0, true},
		{500, "InternalError", 0, true},
		{500, NULL, 0, true},
		{502, NULL, 0, true},
		{503, NULL, 0, true},
		{504, NULL, 0, true},
		{599, NULL, 0, true},
		{501, "NotImplemented", 0, false},
		{400, "InvalidParameterValue", 0, false},
		{400, "LimitExceededException", 0, false},
		{403, "AccessDenied", 0, false},
		{401, "AuthFailure", 0, false},
		{404, "NoSuchEntity", 0, false},
		{409, "BucketAlreadyOwnedByYou", 0, false},
		{200, NULL, 0, false},
		{0, NULL, CURLE_COULDNT_CONNECT, true},
		{0, NULL, CURLE_COULDNT_RESOLVE_HOST, true},
		{0, NULL, CURLE_OPERATION_TIMEDOUT, true},
		{0, NULL, CURLE_GOT_NOTHING, true},
		{0, NULL, CURLE_SEND_ERROR, true},
		{0, NULL, CURLE_RECV_ERROR, true},
		{0, NULL, CURLE_PARTIAL_FILE, true},
		{0, NULL, CURLE_SSL_CONNECT_ERROR, true},
		{0, NULL, CURLE_PEER_FAILED_VERIFICATION, false},
		{0, NULL, CURLE_URL_MALFORMAT, false},
		{0, NULL, CURLE_UNSUPPORTED_PROTOCOL, false},
	};
	for (size_t i = 0; i < LF_ARRAY_LEN(rows); i++)
		if (aws_retryable(rows[i].status, rows[i].code, rows[i].curl) != rows[i].retry)
			fail_msg("row %zu: %ld %s curl %d should%s be retried", i, rows[i].status,
				 rows[i].code ? rows[i].code : "-", rows[i].curl,
				 rows[i].retry ? "" : " not");
	assert_int_equal(aws_action_rc(AWS_OK), ACT_OK);
	assert_int_equal(aws_action_rc(AWS_TRANSIENT), ACT_RETRY);
	assert_int_equal(aws_action_rc(AWS_FAILED), ACT_FAILED);
}

/* ---- endpoints ----------------------------------------------------------- */

static void check_endpoint(enum aws_service svc, const char *region, const char *explicit_url,
			   const char *profile_url, const char *url, const char *signing,
			   bool custom)
{
	struct aws_endpoint e;
	char *cause = NULL;
	if (aws_endpoint_resolve(svc, region, explicit_url, profile_url, &e, &cause) != 0)
		fail_msg("%s in %s: %s", aws_service_info(svc)->signing_name, region, cause);
	assert_string_equal(e.url, url);
	assert_string_equal(e.signing_region, signing);
	assert_int_equal(e.custom, custom);
	aws_endpoint_clear(&e);
}

static void test_endpoints_default(void **state)
{
	(void)state;
	static const struct {
		enum aws_service svc;
		const char *url, *signing;
	} rows[] = {
		{AWS_EC2, "https://ec2.eu-west-1.amazonaws.com", "eu-west-1"},
		{AWS_IAM, "https://iam.amazonaws.com", "us-east-1"},
		{AWS_STS, "https://sts.eu-west-1.amazonaws.com", "eu-west-1"},
		{AWS_ELBV2, "https://elasticloadbalancing.eu-west-1.amazonaws.com", "eu-west-1"},
		{AWS_ACM, "https://acm.eu-west-1.amazonaws.com", "eu-west-1"},
		{AWS_ROUTE53, "https://route53.amazonaws.com", "us-east-1"},
		{AWS_S3, "https://s3.eu-west-1.amazonaws.com", "eu-west-1"},
		{AWS_BACKUP, "https://backup.eu-west-1.amazonaws.com", "eu-west-1"},
		{AWS_SSM, "https://ssm.eu-west-1.amazonaws.com", "eu-west-1"},
		{AWS_SERVICE_QUOTAS, "https://servicequotas.eu-west-1.amazonaws.com", "eu-west-1"},
	};
	assert_int_equal(LF_ARRAY_LEN(rows), AWS_SERVICE_COUNT);
	for (size_t i = 0; i < LF_ARRAY_LEN(rows); i++)
		check_endpoint(rows[i].svc, "eu-west-1", NULL, NULL, rows[i].url, rows[i].signing,
			       false);
	check_endpoint(AWS_EC2, "cn-north-1", NULL, NULL, "https://ec2.cn-north-1.amazonaws.com.cn",
		       "cn-north-1", false);
	check_endpoint(AWS_IAM, "cn-northwest-1", NULL, NULL,
		       "https://iam.cn-north-1.amazonaws.com.cn", "cn-north-1", false);
	check_endpoint(AWS_IAM, "us-gov-east-1", NULL, NULL, "https://iam.us-gov.amazonaws.com",
		       "us-gov-west-1", false);

	/* Services by signing name; the table agrees with the protocols. */
	assert_int_equal(aws_service_by_name("elasticloadbalancing"), AWS_ELBV2);
	assert_int_equal(aws_service_by_name("route53"), AWS_ROUTE53);
	assert_int_equal(aws_service_by_name("nope"), -1);
	assert_int_equal(aws_service_info(AWS_ACM)->protocol, AWS_PROTO_JSON);
	assert_int_equal(aws_service_info(AWS_BACKUP)->protocol, AWS_PROTO_REST_JSON);
	assert_int_equal(aws_service_info(AWS_ROUTE53)->protocol, AWS_PROTO_REST_XML);
	assert_string_equal(aws_service_info(AWS_EC2)->version, "2016-11-15");
	assert_null(aws_service_info(AWS_SERVICE_COUNT));

	struct aws_endpoint e;
	char *cause = NULL;
	assert_int_equal(aws_endpoint_resolve(AWS_EC2, "EU West", NULL, NULL, &e, &cause), -1);
	assert_contains(cause, "not an AWS region");
	assert_int_equal(aws_endpoint_resolve(AWS_EC2, NULL, NULL, NULL, &e, &cause), -1);
	free(cause);
}

static void test_endpoints_override(void **state)
{
	(void)state;
	/* Global override: every service, path-style S3, global services
	 * still signed for us-east-1. */
	setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:5000/", 1);
	check_endpoint(AWS_EC2, "eu-west-1", NULL, NULL, "http://127.0.0.1:5000", "eu-west-1",
		       true);
	check_endpoint(AWS_IAM, "eu-west-1", NULL, NULL, "http://127.0.0.1:5000", "us-east-1",
		       true);
	check_endpoint(AWS_ROUTE53, "eu-west-1", NULL, NULL, "http://127.0.0.1:5000", "us-east-1",
		       true);
	/* The service's own variable wins over the global one. */
	setenv("AWS_ENDPOINT_URL_S3", "http://localhost:9000", 1);
	setenv("AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2", "https://elb.example.test", 1);
	setenv("AWS_ENDPOINT_URL_ROUTE_53", "http://[::1]:8053", 1);
	check_endpoint(AWS_S3, "eu-west-1", NULL, NULL, "http://localhost:9000", "eu-west-1", true);
	check_endpoint(AWS_ELBV2, "eu-west-1", NULL, NULL, "https://elb.example.test", "eu-west-1",
		       true);
	check_endpoint(AWS_ROUTE53, "eu-west-1", NULL, NULL, "http://[::1]:8053", "us-east-1",
		       true);
	struct aws_endpoint e;
	assert_int_equal(aws_endpoint_resolve(AWS_S3, "eu-west-1", NULL, NULL, &e, NULL), 0);
	assert_string_equal(e.origin, "AWS_ENDPOINT_URL_S3");
	aws_endpoint_clear(&e);
	/* The explicit endpoint (answers) wins over both. */
	check_endpoint(AWS_S3, "eu-west-1", "https://emulator.example.test:4566/", NULL,
		       "https://emulator.example.test:4566", "eu-west-1", true);
	/* AWS_IGNORE_CONFIGURED_ENDPOINT_URLS drops variables and the profile,
	 * not the explicit endpoint. */
	setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true", 1);
	check_endpoint(AWS_S3, "eu-west-1", NULL, "http://127.0.0.1:1",
		       "https://s3.eu-west-1.amazonaws.com", "eu-west-1", false);
	check_endpoint(AWS_S3, "eu-west-1", "http://127.0.0.1:2", NULL, "http://127.0.0.1:2",
		       "eu-west-1", true);
	unsetenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
	unsetenv("AWS_ENDPOINT_URL");
	unsetenv("AWS_ENDPOINT_URL_S3");
	unsetenv("AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2");
	unsetenv("AWS_ENDPOINT_URL_ROUTE_53");
	/* The profile's endpoint_url comes last. */
	check_endpoint(AWS_STS, "eu-west-1", NULL, "http://127.0.0.1:4566", "http://127.0.0.1:4566",
		       "eu-west-1", true);

	/* Refused: not a URL, another scheme, plain http to a remote host. */
	char *cause = NULL;
	static const char *const bad[] = {"not a url", "ftp://127.0.0.1/",
					  "http://emulator.example.test:4566", "http://10.0.0.1",
					  "https://h.example.test/?x=1"};
	for (size_t i = 0; i < LF_ARRAY_LEN(bad); i++) {
		assert_int_equal(
			aws_endpoint_resolve(AWS_EC2, "eu-west-1", bad[i], NULL, &e, &cause), -1);
		assert_contains(cause, "endpoint");
	}
	assert_contains(cause, "query");
	free(cause);
}

static void test_endpoint_urls(void **state)
{
	(void)state;
	struct aws_endpoint e;
	assert_int_equal(aws_endpoint_resolve(AWS_S3, "eu-west-1", NULL, NULL, &e, NULL), 0);
	char *u = aws_endpoint_url(&e, AWS_S3, "clearml-backup", "/", "location=");
	assert_string_equal(u, "https://clearml-backup.s3.eu-west-1.amazonaws.com/?location=");
	free(u);
	u = aws_endpoint_url(&e, AWS_S3, "clearml-backup", "/mongo/dump%201.gz", NULL);
	assert_string_equal(u,
			    "https://clearml-backup.s3.eu-west-1.amazonaws.com/mongo/dump%201.gz");
	free(u);
	/* Dotted names do not fit the TLS wildcard: path-style. */
	u = aws_endpoint_url(&e, AWS_S3, "backup.example.com", "/", NULL);
	assert_string_equal(u, "https://s3.eu-west-1.amazonaws.com/backup.example.com");
	free(u);
	u = aws_endpoint_url(&e, AWS_S3, NULL, NULL, NULL);
	assert_string_equal(u, "https://s3.eu-west-1.amazonaws.com/");
	free(u);
	aws_endpoint_clear(&e);

	assert_int_equal(
		aws_endpoint_resolve(AWS_S3, "eu-west-1", "http://127.0.0.1:5000", NULL, &e, NULL),
		0);
	u = aws_endpoint_url(&e, AWS_S3, "clearml-backup", "/", NULL);
	assert_string_equal(u, "http://127.0.0.1:5000/clearml-backup");
	free(u);
	u = aws_endpoint_url(&e, AWS_S3, "clearml-backup", "/k", "tagging=");
	assert_string_equal(u, "http://127.0.0.1:5000/clearml-backup/k?tagging=");
	free(u);
	aws_endpoint_clear(&e);

	assert_int_equal(aws_endpoint_resolve(AWS_ROUTE53, "eu-west-1", NULL, NULL, &e, NULL), 0);
	u = aws_endpoint_url(&e, AWS_ROUTE53, NULL, "/2013-04-01/hostedzone", "maxitems=1");
	assert_string_equal(u, "https://route53.amazonaws.com/2013-04-01/hostedzone?maxitems=1");
	free(u);
	aws_endpoint_clear(&e);
	aws_endpoint_clear(NULL);
}

/* ---- encoding ------------------------------------------------------------ */

static void test_uri_encode(void **state)
{
	(void)state;
	static const struct {
		const char *in, *out, *path;
	} rows[] = {
		{"AZaz09-_.~", "AZaz09-_.~", "AZaz09-_.~"},
		{"a b", "a%20b", "a%20b"},
		{"a+b=c&d", "a%2Bb%3Dc%26d", "a%2Bb%3Dc%26d"},
		{"/a/b", "%2Fa%2Fb", "/a/b"},
		{"*", "%2A", "%2A"},
		{"10.0.0.0/16", "10.0.0.0%2F16", "10.0.0.0/16"},
		{"tag:landfall:install", "tag%3Alandfall%3Ainstall", "tag%3Alandfall%3Ainstall"},
		{"caf\xc3\xa9", "caf%C3%A9", "caf%C3%A9"},
		{"%", "%25", "%25"},
		{"", "", ""},
	};
	for (size_t i = 0; i < LF_ARRAY_LEN(rows); i++) {
		char *q = aws_uri_encode(rows[i].in, false);
		assert_string_equal(q, rows[i].out);
		free(q);
		char *p = aws_uri_encode(rows[i].in, true);
		assert_string_equal(p, rows[i].path);
		free(p);
	}
	char *n = aws_uri_encode(NULL, false);
	assert_string_equal(n, "");
	free(n);
}

static void test_params_encode(void **state)
{
	(void)state;
	struct aws_params *p = aws_params_new();
	char *s = aws_params_encode(p);
	assert_string_equal(s, "");
	free(s);
	aws_params_set(p, "Version", "2016-11-15");
	aws_params_set(p, "Action", "DescribeVpcs");
	aws_params_set(p, "Filter.1.Name", "tag:landfall:install");
	aws_params_set(p, "Filter.1.Value.1", "demo one");
	aws_params_setf(p, "MaxResults", "%d", 5);
	aws_params_set(p, "Empty", "");
	aws_params_set(p, "Filter.10.Name", "x");
	aws_params_set(p, "MaxResults", "6");
	assert_string_equal(aws_params_get(p, "MaxResults"), "6");
	assert_null(aws_params_get(p, "Nope"));
	s = aws_params_encode(p);
	assert_string_equal(s, "Action=DescribeVpcs&Empty=&Filter.1.Name=tag%3Alandfall%3Ainstall&"
			       "Filter.1.Value.1=demo%20one&Filter.10.Name=x&MaxResults=6&"
			       "Version=2016-11-15");
	free(s);
	aws_params_remove(p, "Empty");
	aws_params_remove(p, "Filter.10.Name");
	aws_params_remove(p, "Absent");
	s = aws_params_encode(p);
	assert_string_equal(s, "Action=DescribeVpcs&Filter.1.Name=tag%3Alandfall%3Ainstall&"
			       "Filter.1.Value.1=demo%20one&MaxResults=6&Version=2016-11-15");
	free(s);
	aws_params_free(p);

	/* Sorted by the encoded name, as SigV4 wants: "%5B" before "A". */
	p = aws_params_new();
	aws_params_set(p, "A", "1");
	aws_params_set(p, "[", "2");
	s = aws_params_encode(p);
	assert_string_equal(s, "%5B=2&A=1");
	free(s);
	aws_params_free(p);
	aws_params_free(NULL);
}

static void test_sha256(void **state)
{
	(void)state;
	char hex[65], b64[45];
	aws_sha256_hex("", 0, hex);
	assert_string_equal(hex,
			    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	aws_sha256_hex("abc", 3, hex);
	assert_string_equal(hex,
			    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	aws_sha256_hex(two, strlen(two), hex);
	assert_string_equal(hex,
			    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	char *million = lf_xmalloc(1000000);
	memset(million, 'a', 1000000);
	aws_sha256_hex(million, 1000000, hex);
	assert_string_equal(hex,
			    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	free(million);
	/* 55, 56 and 64 bytes: the padding edges. */
	char buf[64];
	memset(buf, 'x', sizeof buf);
	aws_sha256_hex(buf, 55, hex);
	assert_string_equal(hex,
			    "d5e285683cd4efc02d021a5c62014694958901005d6f71e89e0989fac77e4072");
	aws_sha256_hex(buf, 56, hex);
	assert_string_equal(hex,
			    "04c26261370ee7541549d16dee320c723e3fd14671e66a099afe0a377c16888e");
	aws_sha256_hex(buf, 64, hex);
	assert_string_equal(hex,
			    "7ce100971f64e7001e8fe5a51973ecdfe1ced42befe7ee8d5fd6219506b5393c");
	aws_sha256_base64("", 0, b64);
	assert_string_equal(b64, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
	aws_sha256_base64("abc", 3, b64);
	assert_string_equal(b64, "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=");
}

/* ---- whole calls against the scripted server ----------------------------- */

struct sink {
	char *all;
};

static void collect(const struct event *ev, void *user)
{
	struct sink *s = user;
	char *next = lf_asprintf("%s%s\n", s->all ? s->all : "", ev->message ? ev->message : "");
	free(s->all);
	s->all = next;
}

static void count_sleep(long ms, void *user)
{
	long *slept = user;
	slept[0] += ms;
	slept[1]++;
}

struct client_fx {
	struct fake srv;
	struct aws_client *c;
	struct events *evs;
	struct sink sink;
	long slept[2];
};

#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define TOKEN  "IQoJb3JpZ2luX2VjEMarkerSessionToken=="

static void client_start(struct client_fx *cf, const struct fx *f, const struct canned *script,
			 size_t n, bool with_token)
{
	memset(cf, 0, sizeof *cf);
	fake_start(&cf->srv, f, FAKE_SCRIPT, script, n);
	char *url = lf_asprintf("http://127.0.0.1:%d", cf->srv.port);
	cf->evs = events_new();
	events_subscribe(cf->evs, collect, &cf->sink);
	struct aws_client_opts o = {
		.region = "eu-west-1",
		.endpoint_url = url,
		.creds = aws_creds_new("AKIDEXAMPLE", SECRET, with_token ? TOKEN : NULL),
		.evs = cf->evs,
		.sleep_ms = count_sleep,
		.sleep_user = cf->slept,
		.seed = 7,
		.timeout_ms = 5000,
	};
	char *cause = NULL;
	if (aws_client_new(&o, &cf->c, &cause) != 0)
		fail_msg("aws_client_new: %s", cause);
	free(url);
}

static void client_stop(struct client_fx *cf)
{
	aws_client_free(cf->c);
	fake_stop(&cf->srv);
	/* Whatever happened, no secret reached the event stream. */
	assert_lacks(cf->sink.all, SECRET);
	assert_lacks(cf->sink.all, "Marker");
	assert_lacks(cf->sink.all, "Authorization");
	assert_lacks(cf->sink.all, "Signature=");
	free(cf->sink.all);
	events_free(cf->evs);
}

static const char vpcs_answer[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<DescribeVpcsResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\">"
	"<requestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</requestId><vpcSet><item>"
	"<vpcId>vpc-1a2b3c4d</vpcId><state>available</state><cidrBlock>10.0.0.0/16</cidrBlock>"
	"</item></vpcSet></DescribeVpcsResponse>";

static void test_client_query_signed(void **state)
{
	struct fx *f = *state;
	static const struct canned script[] = {
		{200, "Content-Type: text/xml;charset=UTF-8\r\nx-amzn-RequestId: rid-1\r\n",
		 vpcs_answer, false},
	};
	struct client_fx cf;
	client_start(&cf, f, script, 1, true);
	assert_string_equal(aws_client_region(cf.c), "eu-west-1");
	assert_int_equal(aws_creds_source(aws_client_creds(cf.c)), AWS_CREDS_STATIC);
	aws_client_set_action(cf.c, "vpc");

	struct aws_params *p = aws_params_new();
	aws_params_set(p, "Filter.1.Name", "tag:landfall:install");
	aws_params_set(p, "Filter.1.Value.1", "demo");
	aws_params_set(p, "Filter.2.Name", "tag:Name");
	aws_params_set(p, "Filter.2.Value.1", "ClearML VPC (a+b)");
	xmlDoc *doc = NULL;
	struct aws_error err = {0};
	assert_int_equal(aws_query(cf.c, AWS_EC2, "DescribeVpcs", p, &doc, &err), AWS_OK);
	char *id = aws_xml_text(aws_xml_root(doc), "vpcSet/item/vpcId");
	assert_string_equal(id, "vpc-1a2b3c4d");
	free(id);
	xmlFreeDoc(doc);
	aws_params_free(p);

	char *log = fake_log(&cf.srv);
	assert_contains(log, "POST / HTTP/1.1");
	/* A form body: a space is '+', a '+' is %2B, as botocore writes it. */
	assert_contains(log, "Action=DescribeVpcs&Filter.1.Name=tag%3Alandfall%3Ainstall&"
			     "Filter.1.Value.1=demo&Filter.2.Name=tag%3AName&"
			     "Filter.2.Value.1=ClearML+VPC+%28a%2Bb%29&Version=2016-11-15");
	assert_contains(log, "Content-Type: application/x-www-form-urlencoded; charset=utf-8");
	/* Signed by curl with the explicit scope; the token signed too. */
	assert_contains(log, "Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/");
	assert_contains(log, "/eu-west-1/ec2/aws4_request, SignedHeaders=content-type;host;"
			     "x-amz-date;x-amz-security-token, Signature=");
	assert_contains(log, "x-amz-security-token: " TOKEN);
	assert_contains(log, "X-Amz-Date: ");
	assert_lacks(log, SECRET);
	free(log);

	struct aws_stats st;
	aws_client_stats(cf.c, &st);
	assert_int_equal(st.calls, 1);
	assert_int_equal(st.attempts, 1);
	assert_int_equal(st.retries, 0);
	assert_int_equal(st.failures, 0);
	assert_int_equal(st.by_service[AWS_EC2], 1);
	assert_contains(cf.sink.all, "aws ec2 DescribeVpcs: HTTP 200");
	assert_contains(cf.sink.all, "request id rid-1");
	client_stop(&cf);
}

static void test_client_retries(void **state)
{
	struct fx *f = *state;
	static const struct canned script[] = {
		{503, NULL,
		 "<Error><Code>ServiceUnavailable</Code><Message>try later</Message>"
		 "</Error>",
		 false},
		{0, NULL, NULL, true}, /* connection dropped: curl error 52 */
		{400, NULL,
		 "<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>"
		 "Request limit exceeded.</Message></Error></Errors></Response>",
		 false},
		{200, NULL, vpcs_answer, false},
	};
	struct client_fx cf;
	client_start(&cf, f, script, LF_ARRAY_LEN(script), false);
	xmlDoc *doc = NULL;
	struct aws_error err = {0};
	assert_int_equal(aws_query(cf.c, AWS_EC2, "DescribeVpcs", NULL, &doc, &err), AWS_OK);
	xmlFreeDoc(doc);
	struct aws_stats st;
	aws_client_stats(cf.c, &st);
	assert_int_equal(st.calls, 1);
	assert_int_equal(st.attempts, 4);
	assert_int_equal(st.retries, 3);
	assert_int_equal(cf.slept[1], 3);
	/* Backoff 200, 400, 800 ms with jitter in [d/2, d]. */
	assert_true(cf.slept[0] >= 700 && cf.slept[0] <= 1400);
	char *log = fake_log(&cf.srv);
	assert_int_equal(count_of(log, "=== request"), 4);
	assert_lacks(log, "x-amz-security-token");
	free(log);
	assert_contains(cf.sink.all, "retry 1 of 3");
	assert_contains(cf.sink.all, "RequestLimitExceeded");
	client_stop(&cf);
}

static void test_client_gives_up(void **state)
{
	struct fx *f = *state;
	static const struct canned always500[] = {
		{500, NULL,
		 "<Error><Code>InternalError</Code><Message>We encountered an internal "
		 "error.</Message></Error>",
		 false},
	};
	struct client_fx cf;
	client_start(&cf, f, always500, 1, false);
	struct aws_error err = {0};
	struct aws_response resp;
	enum aws_status st = aws_rest_xml(cf.c,
					  &(struct aws_request){.service = AWS_S3,
								.operation = "HeadBucket",
								.method = "HEAD",
								.bucket = "clearml-backup"},
					  NULL, &resp, &err);
	assert_int_equal(st, AWS_TRANSIENT);
	assert_int_equal(aws_action_rc(st), ACT_RETRY);
	assert_int_equal(resp.attempts, 4);
	assert_int_equal(resp.status, 500);
	assert_true(err.retryable);
	assert_non_null(err.hint);
	aws_response_clear(&resp);
	aws_error_clear(&err);
	struct aws_stats s;
	aws_client_stats(cf.c, &s);
	assert_int_equal(s.failures, 1);
	assert_int_equal(s.attempts, 4);
	char *log = fake_log(&cf.srv);
	/* Path-style behind an override; S3's payload hash is sent and signed. */
	assert_contains(log, "HEAD /clearml-backup HTTP/1.1");
	assert_contains(log, "x-amz-content-sha256: "
			     "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	assert_contains(log, "/eu-west-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;"
			     "x-amz-date, Signature=");
	free(log);
	client_stop(&cf);
}

static void test_client_permanent_error(void **state)
{
	struct fx *f = *state;
	static const struct canned script[] = {
		{404, "x-amzn-RequestId: iam-404\r\n",
		 "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><Error><Type>"
		 "Sender</Type><Code>NoSuchEntity</Code><Message>The role with name clearml-server "
		 "cannot be found.</Message></Error><RequestId>iam-404</RequestId></ErrorResponse>",
		 false},
	};
	struct client_fx cf;
	client_start(&cf, f, script, 1, false);
	struct aws_params *p = aws_params_new();
	aws_params_set(p, "RoleName", "clearml-server");
	xmlDoc *doc = NULL;
	struct aws_error err = {0};
	enum aws_status st = aws_query(cf.c, AWS_IAM, "GetRole", p, &doc, &err);
	assert_int_equal(st, AWS_FAILED);
	assert_int_equal(aws_action_rc(st), ACT_FAILED);
	assert_null(doc);
	assert_true(aws_error_is(&err, "NoSuchEntity"));
	assert_string_equal(err.text, "NoSuchEntity: The role with name clearml-server cannot be "
				      "found.");
	assert_string_equal(err.request_id, "iam-404");
	assert_int_equal(err.status, 404);
	assert_false(err.retryable);
	aws_error_clear(&err);
	aws_params_free(p);
	char *log = fake_log(&cf.srv);
	assert_int_equal(count_of(log, "=== request"), 1);
	/* IAM is signed for us-east-1 whatever the region. */
	assert_contains(log, "/us-east-1/iam/aws4_request");
	assert_contains(log, "Action=GetRole&RoleName=clearml-server&Version=2010-05-08");
	free(log);
	assert_int_equal(cf.slept[1], 0);
	client_stop(&cf);
}

static void test_client_json(void **state)
{
	struct fx *f = *state;
	static const struct canned script[] = {
		{200, "Content-Type: application/x-amz-json-1.1\r\n",
		 "{\"CertificateArn\":\"arn:aws:acm:eu-west-1:123456789012:certificate/"
		 "12345678-1234-1234-1234-123456789012\"}",
		 false},
		{400, "Content-Type: application/x-amz-json-1.1\r\n",
		 "{\"__type\":\"com.amazonaws.acm#InvalidDomainValidationOptionsException\","
		 "\"message\":\"The domain is not valid\"}",
		 false},
	};
	struct client_fx cf;
	client_start(&cf, f, script, 2, false);
	json_t *in = json_pack("{s:s, s:[s], s:s, s:s}", "DomainName", "example.com",
			       "SubjectAlternativeNames", "*.example.com", "ValidationMethod",
			       "DNS", "IdempotencyToken", "landfall1");
	json_t *out = NULL;
	struct aws_error err = {0};
	assert_int_equal(aws_json(cf.c, AWS_ACM, "RequestCertificate", in, &out, &err), AWS_OK);
	assert_string_equal(json_string_value(json_object_get(out, "CertificateArn")),
			    "arn:aws:acm:eu-west-1:123456789012:certificate/"
			    "12345678-1234-1234-1234-123456789012");
	json_decref(out);
	assert_int_equal(aws_json(cf.c, AWS_ACM, "RequestCertificate", in, &out, &err), AWS_FAILED);
	assert_null(out);
	assert_string_equal(err.code, "InvalidDomainValidationOptionsException");
	assert_string_equal(err.text, "InvalidDomainValidationOptionsException: The domain is not "
				      "valid");
	aws_error_clear(&err);
	json_decref(in);
	/* A service without JSON 1.1 is refused before sending. */
	assert_int_equal(aws_json(cf.c, AWS_EC2, "DescribeVpcs", NULL, &out, &err), AWS_FAILED);
	assert_contains(err.text, "JSON 1.1");
	aws_error_clear(&err);

	char *log = fake_log(&cf.srv);
	assert_contains(log, "X-Amz-Target: CertificateManager.RequestCertificate");
	assert_contains(log, "Content-Type: application/x-amz-json-1.1");
	assert_contains(log, "\"DomainName\":\"example.com\"");
	assert_contains(log, "SignedHeaders=content-type;host;x-amz-date;x-amz-target,");
	assert_contains(log, "/eu-west-1/acm/aws4_request");
	free(log);
	client_stop(&cf);
}

static void test_client_rest(void **state)
{
	struct fx *f = *state;
	static const struct canned script[] = {
		{201,
		 "Location: https://route53.amazonaws.com/2013-04-01/hostedzone/Z1PA6795UKMFR9\r\n",
		 "<?xml version=\"1.0\"?>\n<CreateHostedZoneResponse xmlns=\"https://route53."
		 "amazonaws.com/doc/2013-04-01/\"><HostedZone><Id>/hostedzone/Z1PA6795UKMFR9</Id>"
		 "<Name>example.com.</Name></HostedZone></CreateHostedZoneResponse>",
		 false},
		{200, NULL, "", false},
		{200, "Content-Type: application/json\r\n",
		 "{\"BackupVaultName\":\"clearml\",\"BackupVaultArn\":\"arn:aws:backup:eu-west-1:"
		 "123456789012:backup-vault:clearml\"}",
		 false},
		{200, NULL, "", false},
	};
	struct client_fx cf;
	client_start(&cf, f, script, LF_ARRAY_LEN(script), false);
	const char *zone = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CreateHostedZoneRequest "
			   "xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\"><Name>"
			   "example.com</Name><CallerReference>landfall-1</CallerReference>"
			   "</CreateHostedZoneRequest>";
	xmlDoc *doc = NULL;
	struct aws_response resp;
	struct aws_error err = {0};
	assert_int_equal(aws_rest_xml(cf.c,
				      &(struct aws_request){.service = AWS_ROUTE53,
							    .operation = "CreateHostedZone",
							    .method = "POST",
							    .path = "/2013-04-01/hostedzone",
							    .body = zone,
							    .body_len = strlen(zone)},
				      &doc, &resp, &err),
			 AWS_OK);
	assert_int_equal(resp.status, 201);
	assert_string_equal(aws_response_header(&resp, "location"),
			    "https://route53.amazonaws.com/2013-04-01/hostedzone/Z1PA6795UKMFR9");
	assert_null(aws_response_header(&resp, "x-missing"));
	char *id = aws_xml_text(aws_xml_root(doc), "HostedZone/Id");
	assert_string_equal(id, "/hostedzone/Z1PA6795UKMFR9");
	free(id);
	xmlFreeDoc(doc);
	aws_response_clear(&resp);

	/* S3 with a body and a checksum; an empty answer gives no document. */
	const char *lifecycle = "<LifecycleConfiguration><Rule><ID>expire</ID></Rule>"
				"</LifecycleConfiguration>";
	doc = (xmlDoc *)1;
	assert_int_equal(
		aws_rest_xml(cf.c,
			     &(struct aws_request){.service = AWS_S3,
						   .operation = "PutBucketLifecycleConfiguration",
						   .method = "PUT",
						   .bucket = "clearml-backup",
						   .path = "/",
						   .query = "lifecycle=",
						   .body = lifecycle,
						   .body_len = strlen(lifecycle),
						   .checksum = true},
			     &doc, NULL, &err),
		AWS_OK);
	assert_null(doc);

	/* REST-JSON. */
	json_t *out = NULL;
	json_t *body = json_pack("{s:{s:s}}", "BackupVaultTags", "landfall:install", "demo");
	assert_int_equal(aws_rest_json(cf.c,
				       &(struct aws_request){.service = AWS_BACKUP,
							     .operation = "CreateBackupVault",
							     .method = "PUT",
							     .path = "/backup-vaults/clearml"},
				       body, &out, &err),
			 AWS_OK);
	assert_string_equal(json_string_value(json_object_get(out, "BackupVaultName")), "clearml");
	json_decref(out);
	json_decref(body);
	assert_int_equal(aws_rest_json(cf.c,
				       &(struct aws_request){.service = AWS_BACKUP,
							     .method = "DELETE",
							     .path = "/backup-vaults/clearml"},
				       NULL, &out, &err),
			 AWS_OK);
	assert_null(out);

	char *log = fake_log(&cf.srv);
	assert_contains(log, "POST /2013-04-01/hostedzone HTTP/1.1");
	assert_contains(log, "Content-Type: application/xml");
	assert_contains(log, "/us-east-1/route53/aws4_request");
	assert_contains(log, "PUT /clearml-backup?lifecycle= HTTP/1.1");
	char hex[65], b64[45], *want;
	aws_sha256_hex(lifecycle, strlen(lifecycle), hex);
	want = lf_asprintf("x-amz-content-sha256: %s", hex);
	assert_contains(log, want);
	free(want);
	aws_sha256_base64(lifecycle, strlen(lifecycle), b64);
	want = lf_asprintf("x-amz-checksum-sha256: %s", b64);
	assert_contains(log, want);
	free(want);
	assert_contains(log, "PUT /backup-vaults/clearml HTTP/1.1");
	assert_contains(log, "Content-Type: application/json");
	assert_contains(log, "/eu-west-1/backup/aws4_request");
	assert_contains(log, "DELETE /backup-vaults/clearml HTTP/1.1");
	free(log);
	client_stop(&cf);
}

struct pages {
	int n;
	char ids[4][32];
};

static int on_page(xmlDoc *page, void *user)
{
	struct pages *p = user;
	char *id = aws_xml_text(aws_xml_root(page), "vpcSet/item/vpcId");
	snprintf(p->ids[p->n++ & 3], sizeof p->ids[0], "%s", id ? id : "");
	free(id);
	return 0;
}

static int on_json_page(json_t *page, void *user)
{
	struct pages *p = user;
	json_t *first = json_array_get(json_object_get(page, "CertificateSummaryList"), 0);
	snprintf(p->ids[p->n++ & 3], sizeof p->ids[0], "%s",
		 json_string_value(json_object_get(first, "DomainName")));
	return 0;
}

static void test_client_pagination(void **state)
{
	struct fx *f = *state;
	static const struct canned script[] = {
		{200, NULL,
		 "<DescribeVpcsResponse><vpcSet><item><vpcId>vpc-1</vpcId></item></vpcSet>"
		 "<nextToken>page+2/token==</nextToken></DescribeVpcsResponse>",
		 false},
		{200, NULL,
		 "<DescribeVpcsResponse><vpcSet><item><vpcId>vpc-2</vpcId></item></vpcSet>"
		 "<nextToken>page3</nextToken></DescribeVpcsResponse>",
		 false},
		{200, NULL,
		 "<DescribeVpcsResponse><vpcSet><item><vpcId>vpc-3</vpcId></item></vpcSet>"
		 "</DescribeVpcsResponse>",
		 false},
		{200, NULL,
		 "<ListRolesResponse><ListRolesResult><IsTruncated>false</IsTruncated>"
		 "<Marker>ignored</Marker><Roles><member><RoleName>r</RoleName></member>"
		 "</Roles></ListRolesResult></ListRolesResponse>",
		 false},
		{200, NULL,
		 "{\"CertificateSummaryList\":[{\"DomainName\":\"a.example.com\"}],"
		 "\"NextToken\":\"t2\"}",
		 false},
		{200, NULL, "{\"CertificateSummaryList\":[{\"DomainName\":\"b.example.com\"}]}",
		 false},
	};
	struct client_fx cf;
	client_start(&cf, f, script, LF_ARRAY_LEN(script), false);
	struct aws_params *p = aws_params_new();
	aws_params_set(p, "MaxResults", "5");
	struct pages pg = {0};
	struct aws_error err = {0};
	assert_int_equal(aws_query_pages(cf.c, AWS_EC2, "DescribeVpcs", p, "NextToken", "nextToken",
					 on_page, &pg, &err),
			 AWS_OK);
	assert_int_equal(pg.n, 3);
	assert_string_equal(pg.ids[0], "vpc-1");
	assert_string_equal(pg.ids[2], "vpc-3");
	assert_null(aws_params_get(p, "NextToken"));
	aws_params_free(p);

	/* IAM: IsTruncated false ends it even with a Marker present. */
	pg.n = 0;
	assert_int_equal(aws_query_pages(cf.c, AWS_IAM, "ListRoles", NULL, "Marker", "Marker",
					 on_page, &pg, &err),
			 AWS_OK);
	assert_int_equal(pg.n, 1);

	pg.n = 0;
	json_t *in = json_object();
	assert_int_equal(aws_json_pages(cf.c, AWS_ACM, "ListCertificates", in, "NextToken",
					on_json_page, &pg, &err),
			 AWS_OK);
	assert_int_equal(pg.n, 2);
	assert_string_equal(pg.ids[1], "b.example.com");
	assert_null(json_object_get(in, "NextToken"));
	json_decref(in);

	char *log = fake_log(&cf.srv);
	assert_contains(log, "Action=DescribeVpcs&MaxResults=5&Version=2016-11-15");
	assert_contains(log, "Action=DescribeVpcs&MaxResults=5&NextToken=page%2B2%2Ftoken%3D%3D&"
			     "Version=2016-11-15");
	assert_contains(log, "NextToken=page3&");
	assert_contains(log, "{\"NextToken\":\"t2\"}");
	free(log);
	struct aws_stats st;
	aws_client_stats(cf.c, &st);
	assert_int_equal(st.calls, 6);
	assert_int_equal(st.by_service[AWS_EC2], 3);
	assert_int_equal(st.by_service[AWS_IAM], 1);
	assert_int_equal(st.by_service[AWS_ACM], 2);
	client_stop(&cf);
}

static void test_client_refuses_unsignable(void **state)
{
	struct fx *f = *state;
	static const struct canned script[] = {{200, NULL, "", false}};
	struct client_fx cf;
	client_start(&cf, f, script, 1, false);
	struct aws_error err = {0};
	const struct {
		struct aws_request rq;
		const char *why;
	} rows[] = {
		{{.service = AWS_BACKUP, .path = "/tags/arn:aws:backup:eu-west-1:1:vault"},
		 "cannot sign"},
		{{.service = AWS_S3, .bucket = "b", .path = "/a b"}, "not encoded"},
		{{.service = AWS_S3, .bucket = "b", .path = "/caf%c3%a9"}, "not encoded"},
		{{.service = AWS_ROUTE53, .path = "2013-04-01/hostedzone"}, "start with"},
		{{.service = AWS_ROUTE53, .path = "/2013-04-01/hostedzone", .query = "b=1&a=2"},
		 "not canonical"},
		{{.service = AWS_ROUTE53, .path = "/", .query = "maxitems"}, "not canonical"},
		{{.service = AWS_ROUTE53, .path = "/", .query = "a=%2f"}, "not canonical"},
		{{.service = AWS_ROUTE53, .path = "/", .query = "a=b c"}, "not canonical"},
		{{.service = AWS_S3,
		  .headers = (const char *const[]){"x-amz-meta-a: 1", "x-amz-meta-a-b: 2", NULL}},
		 "cannot both"},
		{{.service = AWS_S3,
		  .headers =
			  (const char *const[]){"X-Amz-Acl: private", "x-amz-acl: private", NULL}},
		 "cannot both"},
		{{.service = AWS_S3, .headers = (const char *const[]){"Host: evil", NULL}}, "Host"},
		{{.service = AWS_S3, .headers = (const char *const[]){"NoColon", NULL}},
		 "malformed"},
		{{.service = AWS_S3, .method = "GET", .body = "x", .body_len = 1}, "body"},
		{{.service = AWS_SERVICE_COUNT}, "unknown"},
	};
	for (size_t i = 0; i < LF_ARRAY_LEN(rows); i++) {
		struct aws_response resp;
		if (aws_request(cf.c, &rows[i].rq, &resp, &err) != AWS_FAILED)
			fail_msg("row %zu was sent", i);
		assert_contains(err.text, rows[i].why);
		assert_int_equal(resp.attempts, 0);
		aws_response_clear(&resp);
	}
	aws_error_clear(&err);
	/* A canonical query with an encoded key passes. */
	assert_int_equal(
		aws_request(cf.c,
			    &(struct aws_request){.service = AWS_ROUTE53,
						  .path = "/2013-04-01/hostedzone",
						  .query = "%5B=1&maxitems=2&name=example.com"},
			    NULL, NULL),
		AWS_OK);
	char *log = fake_log(&cf.srv);
	assert_int_equal(count_of(log, "=== request"), 1);
	free(log);
	client_stop(&cf);
}

static void test_client_unreachable(void **state)
{
	struct fx *f = *state;
	/* Start and stop a server to get a loopback port nobody listens on. */
	static const struct canned script[] = {{200, NULL, "", false}};
	struct client_fx cf;
	client_start(&cf, f, script, 1, false);
	fake_stop(&cf.srv);
	struct aws_error err = {0};
	xmlDoc *doc = NULL;
	enum aws_status st = aws_query(cf.c, AWS_STS, "GetCallerIdentity", NULL, &doc, &err);
	assert_int_equal(st, AWS_TRANSIENT);
	assert_int_equal(err.curl_code, CURLE_COULDNT_CONNECT);
	assert_int_equal(err.status, 0);
	assert_contains(err.text, "cannot reach 127.0.0.1");
	assert_non_null(err.hint);
	aws_error_clear(&err);
	assert_int_equal(cf.slept[1], 3);
	/* The server is gone already: restart a dummy so that client_stop's
	 * fake_stop has a child to reap. */
	fake_start(&cf.srv, f, FAKE_SCRIPT, script, 1);
	client_stop(&cf);
}

static void test_client_new_errors(void **state)
{
	struct fx *f = *state;
	(void)f;
	struct aws_client *c = NULL;
	char *cause = NULL;
	/* No region anywhere. */
	struct aws_client_opts o = {.creds = aws_creds_new("AK", "SK", NULL)};
	assert_int_equal(aws_client_new(&o, &c, &cause), -1);
	assert_null(c);
	assert_contains(cause, "AWS_REGION");
	/* A bad region name. */
	o = (struct aws_client_opts){.region = "Frankfurt",
				     .creds = aws_creds_new("AK", "SK", NULL)};
	assert_int_equal(aws_client_new(&o, &c, &cause), -1);
	assert_contains(cause, "Frankfurt");
	/* No credentials anywhere (IMDS disabled by the fixture). */
	o = (struct aws_client_opts){.region = "eu-west-1"};
	assert_int_equal(aws_client_new(&o, &c, &cause), -1);
	assert_contains(cause, "no AWS credentials");
	/* Region and credentials from the environment; endpoint from the
	 * profile's endpoint_url. */
	setenv("AWS_REGION", "eu-south-1", 1);
	setenv("AWS_ACCESS_KEY_ID", "AKIAENV0000000000001", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "s", 1);
	o = (struct aws_client_opts){0};
	assert_int_equal(aws_client_new(&o, &c, &cause), 0);
	assert_string_equal(aws_client_region(c), "eu-south-1");
	assert_int_equal(aws_creds_source(aws_client_creds(c)), AWS_CREDS_ENV);
	aws_client_free(c);
	free(cause);
	aws_client_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_creds_env, setup, teardown),
		cmocka_unit_test_setup_teardown(test_creds_credentials_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_creds_config_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_creds_precedence, setup, teardown),
		cmocka_unit_test_setup_teardown(test_creds_file_variables, setup, teardown),
		cmocka_unit_test_setup_teardown(test_creds_partial_and_unsupported, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_creds_none, setup, teardown),
		cmocka_unit_test_setup_teardown(test_creds_process, setup, teardown),
		cmocka_unit_test_setup_teardown(test_creds_process_failures, setup, teardown),
		cmocka_unit_test(test_split_command),
		cmocka_unit_test(test_parse_time),
		cmocka_unit_test(test_creds_process_json),
		cmocka_unit_test_setup_teardown(test_creds_imds_v2, setup, teardown),
		cmocka_unit_test_setup_teardown(test_creds_imds_after_profile, setup, teardown),
		cmocka_unit_test(test_xml_paths),
		cmocka_unit_test(test_error_parsing),
		cmocka_unit_test(test_retry_classification),
		cmocka_unit_test_setup_teardown(test_endpoints_default, setup, teardown),
		cmocka_unit_test_setup_teardown(test_endpoints_override, setup, teardown),
		cmocka_unit_test_setup_teardown(test_endpoint_urls, setup, teardown),
		cmocka_unit_test(test_uri_encode),
		cmocka_unit_test(test_params_encode),
		cmocka_unit_test(test_sha256),
		cmocka_unit_test_setup_teardown(test_client_query_signed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_retries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_gives_up, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_permanent_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_json, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_rest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_pagination, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_refuses_unsignable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_unreachable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_new_errors, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
