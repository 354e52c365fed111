/* Unit tests for the pure parts of the ubuntu backend's session and
 * actions (backends/ubuntu/ubuntu_internal.h, sha256.h): the root-prefix
 * paths, the template variables and every asset the backend writes
 * rendered with them, the health rules. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "render.h"
#include "ubuntu/sha256.h"
#include "ubuntu/ubuntu_internal.h"

static void test_sha256_vectors(void **state)
{
	(void)state;
	char h[65];
	ubuntu_sha256_hex("", 0, h);
	assert_string_equal(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	ubuntu_sha256_hex("abc", 3, h);
	assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"; /* 56 bytes */
	ubuntu_sha256_hex(two, strlen(two), h);
	assert_string_equal(h, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	char *mil = malloc(1000000);
	memset(mil, 'a', 1000000);
	ubuntu_sha256_hex(mil, 1000000, h);
	assert_string_equal(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	free(mil);
	/* 64 bytes: padding in a block of its own. */
	ubuntu_sha256_hex("0123456701234567012345670123456701234567012345670123456701234567", 64, h);
	assert_string_equal(h, "8182cadb21af0e37c06414ece08e19c65bdb22c396d48ba7341012eea9ffdfdd");
}

static void test_rpath(void **state)
{
	(void)state;
	char *p = ubuntu_rpath(NULL, "/etc/x");
	assert_string_equal(p, "/etc/x");
	free(p);
	p = ubuntu_rpath("", "/etc/x");
	assert_string_equal(p, "/etc/x");
	free(p);
	p = ubuntu_rpath("/tmp/root/", "/etc/x");
	assert_string_equal(p, "/tmp/root/etc/x");
	free(p);
	p = ubuntu_rpath("/tmp/root", "/");
	assert_string_equal(p, "/tmp/root/");
	free(p);
	assert_null(ubuntu_path_env(NULL));
	assert_null(ubuntu_path_env(""));
	p = ubuntu_path_env("/r");
	assert_string_equal(p, "PATH=/r/usr/local/sbin:/r/usr/local/bin:/r/usr/sbin:/r/usr/bin:"
	                       "/r/sbin:/r/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:"
	                       "/sbin:/bin");
	free(p);
}

static void test_health_rules(void **state)
{
	(void)state;
	assert_true(ubuntu_health_ok("apiserver", 200));
	assert_false(ubuntu_health_ok("apiserver", 405));
	assert_false(ubuntu_health_ok("webserver", 0));
	assert_true(ubuntu_health_ok("fileserver", 405));
	assert_true(ubuntu_health_ok("fileserver", 200));
	assert_false(ubuntu_health_ok("fileserver", 404));
	assert_string_equal(ubuntu_dirs[0], "data/elastic7plus");
}

static const struct server_user users[] = {
	{ "support", "Support \"User\"", "p\"w$(id);x'\\y\nz", true },
	{ "alice", NULL, "plain", false },
};

static void test_render_every_file(void **state)
{
	(void)state;
	struct ubuntu_config c = { .host = "10.0.0.5", .base_dir = "/opt/cl ear'ml",
		                   .users = users, .nusers = 2 };
	json_t *v = ubuntu_render_vars(&c);
	static const char *const assets[] = { "99-clearml.conf", "disable-thp.service",
		                              "docker-compose.yml", "docker-compose.override.yml",
		                              "constants.env", "apiserver.conf", "clearml.cron" };
	for (size_t i = 0; i < LF_ARRAY_LEN(assets); i++) {
		char *cause = NULL;
		char *t = render_asset(assets[i], v, NULL, &cause);
		if (!t)
			fail_msg("%s: %s", assets[i], cause);
		if (strcmp(assets[i], "apiserver.conf") == 0) {
			assert_non_null(strstr(t, "username: \"support\""));
			assert_non_null(strstr(t, "password: \"p\\\"w$(id);x'\\\\y\\nz\""));
			assert_non_null(strstr(t, "name: \"Support \\\"User\\\"\""));
			assert_non_null(strstr(t, "admin: true"));
			/* No name: the username is shown. */
			assert_non_null(strstr(t, "name: \"alice\""));
		}
		if (strcmp(assets[i], "constants.env") == 0) {
			assert_non_null(strstr(t, "WEBSERVER_URL_FOR_EXTERNAL_WORKERS=http://10.0.0.5:8080\n"));
			assert_non_null(strstr(t, "APISERVER_URL_FOR_EXTERNAL_WORKERS=http://10.0.0.5:8008\n"));
			assert_non_null(strstr(t, "FILESERVER_URL_FOR_EXTERNAL_WORKERS=http://10.0.0.5:8081\n"));
		}
		if (strcmp(assets[i], "docker-compose.yml") == 0)
			assert_non_null(strstr(t, "\"/opt/cl ear'ml/data/elastic7plus:"));
		if (strcmp(assets[i], "clearml.cron") == 0)
			assert_null(strstr(t, "s3://"));
		free(t);
	}
	json_decref(v);

	c.domain = "ml.example.com";
	v = ubuntu_render_vars(&c);
	char *cause = NULL;
	char *t = render_asset("constants.env", v, NULL, &cause);
	assert_non_null(t);
	assert_non_null(strstr(t, "APISERVER_URL_FOR_EXTERNAL_WORKERS=https://api.ml.example.com\n"));
	free(t);
	json_decref(v);
	char *u = ubuntu_url(&c, "files", 8081);
	assert_string_equal(u, "https://files.ml.example.com");
	free(u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sha256_vectors),
		cmocka_unit_test(test_rpath),
		cmocka_unit_test(test_health_rules),
		cmocka_unit_test(test_render_every_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
