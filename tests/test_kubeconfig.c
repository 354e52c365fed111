/* Unit tests for backends/kubernetes/kubeconfig.c: file choice and merging,
 * contexts, relative paths, -data fields, tokens, exec credential plugins
 * (a /bin/sh script written here checks KUBERNETES_EXEC_INFO, its args and
 * env, and prints an ExecCredential), caching and refusals. No network. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "k8s_peer.h"
#include "kubernetes/k8s_yaml.h"
#include "kubernetes/kubeconfig.h"
#include "util.h"

static char tmp[64];

static char *at(const char *rel)
{
	return lf_asprintf("%s/%s", tmp, rel);
}

/* Write tmp/rel (creating directories). */
static void put(const char *rel, const char *text)
{
	char *path = at(rel);
	char *dir = lf_xstrdup(path);
	*strrchr(dir, '/') = '\0';
	assert_int_equal(lf_mkdir_p(dir, 0700, NULL), 0);
	assert_int_equal(k8s_peer_write(path, text, false), 0);
	free(dir);
	free(path);
}

static void put_exec(const char *rel, const char *text)
{
	char *path = at(rel);
	assert_int_equal(k8s_peer_write(path, text, true), 0);
	free(path);
}

static struct kubeconfig *load_ok(const char *paths, const char *context)
{
	struct kubeconfig *kc = NULL;
	char *cause = NULL;
	int rc = kubeconfig_load(paths, context, &kc, &cause);
	if (rc != 0)
		fail_msg("kubeconfig_load: %s", cause);
	assert_non_null(kc);
	return kc;
}

/* Load must fail; returns the message (caller frees). */
static char *load_err(const char *paths, const char *context)
{
	struct kubeconfig *kc = NULL;
	char *cause = NULL;
	assert_int_equal(kubeconfig_load(paths, context, &kc, &cause), -1);
	assert_null(kc);
	assert_non_null(cause);
	return cause;
}

static void assert_contains(const char *hay, const char *needle)
{
	if (!hay || !strstr(hay, needle))
		fail_msg("expected \"%s\" in: %s", needle, hay ? hay : "(null)");
}

static int setup(void **state)
{
	(void)state;
	snprintf(tmp, sizeof tmp, "/tmp/lf-test-kubeconfig.XXXXXX");
	if (!mkdtemp(tmp))
		return -1;
	unsetenv("KUBECONFIG");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char *cmd = lf_asprintf("rm -rf '%s'", tmp);
	int rc = system(cmd);
	free(cmd);
	unsetenv("KUBECONFIG");
	return rc == 0 ? 0 : -1;
}

#define ONE_CLUSTER(name, server) "- name: " name "\n  cluster:\n    server: " server "\n"

/* ---- files and merging -------------------------------------------------- */

static void merge_first_file_wins(void **state)
{
	(void)state;
	put("a/config",
	    "apiVersion: v1\nkind: Config\n"
	    "current-context: ctx-a\n"
	    "clusters:\n" ONE_CLUSTER(
		    "shared",
		    "https://a.example:6443") "users:\n- name: ua\n  user: {token: token-a}\n"
					      "- name: shared-user\n  user: {token: from-a}\n"
					      "contexts:\n- name: ctx-a\n  context: {cluster: "
					      "shared, user: ua}\n");
	put("b/config",
	    "apiVersion: v1\nkind: Config\n"
	    "current-context: ctx-b\n"
	    "clusters:\n" ONE_CLUSTER("shared", "https://b.example:6443") ONE_CLUSTER(
		    "only-b",
		    "https://only-b.example/") "users:\n- name: ub\n  user: {token: token-b}\n"
					       "- name: shared-user\n  user: {token: from-b}\n"
					       "contexts:\n- name: ctx-b\n  context: {cluster: "
					       "only-b, user: ub, "
					       "namespace: clearml}\n"
					       "- name: ctx-shared\n  context: {cluster: shared, "
					       "user: shared-user}\n");
	char *a = at("a/config"), *b = at("b/config");
	char *ab = lf_asprintf("%s:%s", a, b), *ba = lf_asprintf("%s:%s", b, a);

	setenv("KUBECONFIG", ab, 1);
	struct kubeconfig *kc = load_ok(NULL, NULL);
	assert_string_equal(kc->context, "ctx-a"); /* current-context of the first file */
	assert_string_equal(kc->context_file, a);
	assert_string_equal(kc->server, "https://a.example:6443");
	assert_string_equal(kc->token, "token-a");
	assert_null(kc->namespace_);
	kubeconfig_free(kc);

	/* A context only the second file has; a cluster both define: first wins. */
	kc = load_ok(NULL, "ctx-shared");
	assert_string_equal(kc->server, "https://a.example:6443");
	assert_string_equal(kc->cluster_file, a);
	assert_string_equal(kc->token, "from-a");
	kubeconfig_free(kc);

	kc = load_ok(NULL, "ctx-b");
	assert_string_equal(kc->server, "https://only-b.example"); /* trailing '/' dropped */
	assert_string_equal(kc->namespace_, "clearml");
	kubeconfig_free(kc);

	setenv("KUBECONFIG", ba, 1);
	kc = load_ok(NULL, NULL);
	assert_string_equal(kc->context, "ctx-b");
	kubeconfig_free(kc);
	kc = load_ok(NULL, "ctx-shared");
	assert_string_equal(kc->server, "https://b.example:6443");
	assert_string_equal(kc->token, "from-b");
	kubeconfig_free(kc);

	/* Empty entries and duplicates in the list are ignored. */
	char *messy = lf_asprintf(":%s::%s:%s:", b, a, b);
	setenv("KUBECONFIG", messy, 1);
	kc = load_ok(NULL, NULL);
	assert_string_equal(kc->context, "ctx-b");
	kubeconfig_free(kc);
	free(messy);
	free(a);
	free(b);
	free(ab);
	free(ba);
}

static void current_context_from_first_file_that_sets_it(void **state)
{
	(void)state;
	put("n/one", "clusters:\n" ONE_CLUSTER(
			     "c", "https://one.example") "users:\n- name: u\n  user: {token: t1}\n"
							 "contexts:\n- name: one\n  context: "
							 "{cluster: c, user: u}\n");
	put("n/two", "current-context: one\n");
	char *list = lf_asprintf("%s/n/one:%s/n/two", tmp, tmp);
	setenv("KUBECONFIG", list, 1);
	struct kubeconfig *kc = load_ok(NULL, NULL);
	assert_string_equal(kc->context, "one");
	kubeconfig_free(kc);
	free(list);
}

static void same_name_twice_in_one_file_last_wins(void **state)
{
	(void)state;
	put("dup/config",
	    "current-context: x\n"
	    "clusters:\n" ONE_CLUSTER("c", "https://first.example") ONE_CLUSTER(
		    "c", "https://second.example") "users:\n- name: u\n  user: {token: t}\n"
						   "contexts:\n- name: x\n  context: {cluster: c, "
						   "user: u}\n");
	char *p = at("dup/config");
	struct kubeconfig *kc = load_ok(p, NULL);
	assert_string_equal(kc->server, "https://second.example");
	kubeconfig_free(kc);
	free(p);
}

static void explicit_paths_override_kubeconfig_env(void **state)
{
	(void)state;
	put("e/env", "current-context: from-env\n"
		     "clusters:\n" ONE_CLUSTER(
			     "c", "https://env.example") "users:\n- name: u\n  user: {token: t}\n"
							 "contexts:\n- name: from-env\n  context: "
							 "{cluster: c, user: u}\n");
	put("e/explicit",
	    "current-context: from-explicit\n"
	    "clusters:\n" ONE_CLUSTER(
		    "c", "https://explicit.example") "users:\n- name: u\n  user: {token: t}\n"
						     "contexts:\n- name: from-explicit\n  context: "
						     "{cluster: c, user: u}\n");
	char *env = at("e/env"), *explicit_path = at("e/explicit");
	setenv("KUBECONFIG", env, 1);
	struct kubeconfig *kc = load_ok(explicit_path, NULL);
	assert_string_equal(kc->server, "https://explicit.example");
	kubeconfig_free(kc);
	/* A missing file named explicitly is an error naming it... */
	char *missing = at("e/nope");
	char *list = lf_asprintf("%s:%s", explicit_path, missing);
	char *err = load_err(list, NULL);
	assert_contains(err, "e/nope");
	assert_contains(err, "does not exist");
	free(err);
	/* ...while KUBECONFIG skips missing files, as kubectl does. */
	char *envlist = lf_asprintf("%s:%s", missing, env);
	setenv("KUBECONFIG", envlist, 1);
	kc = load_ok(NULL, NULL);
	assert_string_equal(kc->server, "https://env.example");
	kubeconfig_free(kc);
	setenv("KUBECONFIG", missing, 1);
	err = load_err(NULL, NULL);
	assert_contains(err, "none of the files in KUBECONFIG exist");
	free(err);
	free(env);
	free(explicit_path);
	free(missing);
	free(list);
	free(envlist);
}

static void default_is_home_kube_config(void **state)
{
	(void)state;
	unsetenv("KUBECONFIG");
	char *old_home = lf_xstrdup(getenv("HOME") ? getenv("HOME") : "");
	char *home = at("home");
	put("home/x", "");
	setenv("HOME", home, 1);
	char *err = load_err(NULL, NULL);
	assert_contains(err, ".kube/config does not exist");
	free(err);
	put("home/.kube/config",
	    "current-context: h\n"
	    "clusters:\n" ONE_CLUSTER(
		    "c", "https://home.example") "users:\n- name: u\n  user: {token: t}\n"
						 "contexts:\n- name: h\n  context: {cluster: c, "
						 "user: u}\n");
	struct kubeconfig *kc = load_ok(NULL, NULL);
	assert_string_equal(kc->server, "https://home.example");
	char *d = kubeconfig_describe(kc);
	assert_contains(d, "context h");
	assert_contains(d, ".kube/config");
	free(d);
	kubeconfig_free(kc);
	/* KUBECONFIG set (even to one file) replaces the default. */
	char *other = at("e2/other");
	put("e2/other",
	    "current-context: o\n"
	    "clusters:\n" ONE_CLUSTER(
		    "c", "https://other.example") "users:\n- name: u\n  user: {token: t}\n"
						  "contexts:\n- name: o\n  context: {cluster: c, "
						  "user: u}\n");
	setenv("KUBECONFIG", other, 1);
	kc = load_ok(NULL, NULL);
	assert_string_equal(kc->server, "https://other.example");
	kubeconfig_free(kc);
	setenv("HOME", old_home, 1);
	free(old_home);
	free(home);
	free(other);
}

static void context_errors_name_the_context(void **state)
{
	(void)state;
	put("ctx/config",
	    "clusters:\n" ONE_CLUSTER(
		    "c",
		    "https://c.example") "users:\n- name: u\n  user: {token: t}\n"
					 "contexts:\n- name: alpha\n  context: {cluster: c, user: "
					 "u}\n"
					 "- name: beta\n  context: {cluster: c, user: nobody}\n"
					 "- name: gamma\n  context: {cluster: c}\n"
					 "- name: delta\n  context: {cluster: c, user: u, "
					 "namespace: Bad_NS}\n");
	char *p = at("ctx/config");
	char *err = load_err(p, NULL); /* no current-context */
	assert_contains(err, "current-context is not set");
	assert_contains(err, "alpha");
	free(err);
	err = load_err(p, "omega");
	assert_contains(err, "context \"omega\" is not in");
	assert_contains(err, "ctx/config");
	assert_contains(err, "alpha, beta");
	free(err);
	err = load_err(p, "beta");
	assert_contains(err, "context \"beta\"");
	assert_contains(err, "user \"nobody\" is not defined");
	free(err);
	err = load_err(p, "gamma");
	assert_contains(err, "user is not set");
	free(err);
	err = load_err(p, "delta");
	assert_contains(err, "Bad_NS");
	free(err);
	struct kubeconfig *kc = load_ok(p, "alpha");
	kubeconfig_free(kc);
	free(p);
}

static void yaml_errors_give_file_and_line(void **state)
{
	(void)state;
	put("bad/config", "clusters:\n- name: c\n  cluster: {server: https://x\n");
	char *p = at("bad/config");
	char *err = load_err(p, NULL);
	assert_contains(err, "bad/config:");
	free(err);
	put("bad/list", "- just\n- a list\n");
	free(p);
	p = at("bad/list");
	err = load_err(p, NULL);
	assert_contains(err, "not a kubeconfig");
	free(err);
	put("bad/kind", "kind: Pod\n");
	free(p);
	p = at("bad/kind");
	err = load_err(p, NULL);
	assert_contains(err, "kind is Pod");
	free(err);
	free(p);
}

/* ---- cluster fields ----------------------------------------------------- */

static void relative_paths_resolve_against_the_file(void **state)
{
	(void)state;
	put("rel/sub/certs/ca.pem", "CA-BYTES\n");
	put("rel/sub/certs/client.pem", "CERT\n");
	put("rel/sub/certs/client.key", "KEY\n");
	put("rel/sub/token", "  tok-from-file\n\n");
	put("rel/sub/config",
	    "current-context: r\n"
	    "clusters:\n- name: c\n  cluster:\n    server: https://r.example\n"
	    "    certificate-authority: certs/ca.pem\n"
	    "    tls-server-name: api.internal\n"
	    "users:\n- name: u\n  user:\n    client-certificate: certs/client.pem\n"
	    "    client-key: certs/client.key\n    tokenFile: token\n"
	    "contexts:\n- name: r\n  context: {cluster: c, user: u}\n");
	char cwd[PATH_MAX];
	assert_non_null(getcwd(cwd, sizeof cwd));
	assert_int_equal(chdir("/"), 0); /* not relative to the working directory */
	char *p = at("rel/sub/config");
	struct kubeconfig *kc = load_ok(p, NULL);
	assert_int_equal(chdir(cwd), 0);
	assert_string_equal(kc->ca.data, "CA-BYTES\n");
	assert_int_equal(kc->ca.len, 9);
	char *ca_path = at("rel/sub/certs/ca.pem");
	assert_string_equal(kc->ca_origin, ca_path);
	assert_string_equal(kc->tls_server_name, "api.internal");
	assert_string_equal(kc->client_cert.data, "CERT\n");
	assert_string_equal(kc->client_key.data, "KEY\n");
	struct kubeconfig_creds cr;
	char *cause = NULL;
	assert_int_equal(kubeconfig_credentials(kc, &cr, &cause), 0);
	assert_string_equal(cr.token, "tok-from-file"); /* trimmed */
	assert_string_equal(cr.cert, "CERT\n");
	assert_false(cr.from_exec);
	/* tokenFile is re-read after a 401. */
	put("rel/sub/token", "rotated\n");
	assert_int_equal(kubeconfig_credentials(kc, &cr, &cause), 0);
	assert_string_equal(cr.token, "tok-from-file");
	assert_true(kubeconfig_invalidate(kc));
	assert_int_equal(kubeconfig_credentials(kc, &cr, &cause), 0);
	assert_string_equal(cr.token, "rotated");
	kubeconfig_free(kc);

	/* A missing CA file: message names the file, cluster, context, field. */
	put("rel/sub/missing", "current-context: r\n"
			       "clusters:\n- name: cl\n  cluster:\n    server: https://r.example\n"
			       "    certificate-authority: nowhere/ca.pem\n"
			       "users:\n- name: u\n  user: {token: t}\n"
			       "contexts:\n- name: r\n  context: {cluster: cl, user: u}\n");
	free(p);
	p = at("rel/sub/missing");
	char *err = load_err(p, NULL);
	assert_contains(err, "rel/sub/missing");
	assert_contains(err, "cluster \"cl\"");
	assert_contains(err, "context \"r\"");
	assert_contains(err, "certificate-authority");
	assert_contains(err, "rel/sub/nowhere/ca.pem");
	free(err);
	free(p);
	free(ca_path);
}

static void data_fields_are_base64(void **state)
{
	(void)state;
	char *ca = lf_base64_encode("CA PEM\n", 7);
	char *cert = lf_base64_encode("CERT PEM", 8);
	char *key = lf_base64_encode("KEY PEM", 7);
	char *text = lf_asprintf("current-context: d\n"
				 "clusters:\n- name: c\n  cluster:\n    server: https://d.example\n"
				 "    certificate-authority-data: %s\n"
				 "users:\n- name: u\n  user:\n    client-certificate-data: %s\n"
				 "    client-key-data: %s\n"
				 "contexts:\n- name: d\n  context: {cluster: c, user: u}\n",
				 ca, cert, key);
	put("data/config", text);
	char *p = at("data/config");
	struct kubeconfig *kc = load_ok(p, NULL);
	assert_int_equal(kc->ca.len, 7);
	assert_memory_equal(kc->ca.data, "CA PEM\n", 7);
	assert_contains(kc->ca_origin, "certificate-authority-data");
	assert_string_equal(kc->client_cert.data, "CERT PEM");
	assert_string_equal(kc->client_key.data, "KEY PEM");
	assert_null(kc->token);
	kubeconfig_free(kc);
	free(text);
	free(p);

	/* Both the file and the data: refused, naming both. */
	text = lf_asprintf("current-context: d\n"
			   "clusters:\n- name: c\n  cluster:\n    server: https://d.example\n"
			   "    certificate-authority-data: %s\n    certificate-authority: x.pem\n"
			   "users:\n- name: u\n  user: {token: t}\n"
			   "contexts:\n- name: d\n  context: {cluster: c, user: u}\n",
			   ca);
	put("data/both", text);
	free(text);
	p = at("data/both");
	char *err = load_err(p, NULL);
	assert_contains(err, "both certificate-authority and certificate-authority-data");
	free(err);
	free(p);

	put("data/bad", "current-context: d\n"
			"clusters:\n- name: c\n  cluster: {server: https://d.example}\n"
			"users:\n- name: u\n  user:\n    client-certificate-data: '!!notbase64'\n"
			"    client-key-data: QUJD\n"
			"contexts:\n- name: d\n  context: {cluster: c, user: u}\n");
	p = at("data/bad");
	err = load_err(p, NULL);
	assert_contains(err, "client-certificate-data is not valid base64");
	assert_contains(err, "user \"u\"");
	free(err);
	free(p);

	put("data/nokey", "current-context: d\n"
			  "clusters:\n- name: c\n  cluster: {server: https://d.example}\n"
			  "users:\n- name: u\n  user:\n    client-certificate-data: QUJD\n"
			  "contexts:\n- name: d\n  context: {cluster: c, user: u}\n");
	p = at("data/nokey");
	err = load_err(p, NULL);
	assert_contains(err, "without client-key");
	free(err);
	free(p);
	free(ca);
	free(cert);
	free(key);
}

static void insecure_skip_tls_verify_is_refused(void **state)
{
	(void)state;
	put("insecure/config", "current-context: i\n"
			       "clusters:\n- name: risky\n  cluster:\n"
			       "    server: https://i.example\n    insecure-skip-tls-verify: true\n"
			       "users:\n- name: u\n  user: {token: t}\n"
			       "contexts:\n- name: i\n  context: {cluster: risky, user: u}\n");
	char *p = at("insecure/config");
	char *err = load_err(p, NULL);
	assert_contains(err, "insecure-skip-tls-verify");
	assert_contains(err, "always verifies");
	assert_contains(err, "cluster \"risky\"");
	assert_contains(err, "insecure/config");
	free(err);
	free(p);
	/* false is fine */
	put("insecure/ok", "current-context: i\n"
			   "clusters:\n- name: c\n  cluster:\n"
			   "    server: https://i.example\n    insecure-skip-tls-verify: false\n"
			   "users:\n- name: u\n  user: {token: t}\n"
			   "contexts:\n- name: i\n  context: {cluster: c, user: u}\n");
	p = at("insecure/ok");
	struct kubeconfig *kc = load_ok(p, NULL);
	kubeconfig_free(kc);
	free(p);
	/* plain http is TLS turned off too */
	put("insecure/http", "current-context: i\n"
			     "clusters:\n- name: c\n  cluster: {server: 'http://i.example:8080'}\n"
			     "users:\n- name: u\n  user: {token: t}\n"
			     "contexts:\n- name: i\n  context: {cluster: c, user: u}\n");
	p = at("insecure/http");
	err = load_err(p, NULL);
	assert_contains(err, "does not start with https://");
	free(err);
	free(p);
}

static void unsupported_auth_is_refused(void **state)
{
	(void)state;
	put("auth/config", "clusters:\n- name: c\n  cluster: {server: https://a.example}\n"
			   "users:\n- name: basic\n  user: {username: admin, password: secret}\n"
			   "- name: provider\n  user:\n    auth-provider: {name: gcp}\n"
			   "- name: nothing\n  user: {}\n"
			   "contexts:\n- name: basic\n  context: {cluster: c, user: basic}\n"
			   "- name: provider\n  context: {cluster: c, user: provider}\n"
			   "- name: nothing\n  context: {cluster: c, user: nothing}\n");
	char *p = at("auth/config");
	char *err = load_err(p, "basic");
	assert_contains(err, "username/password");
	free(err);
	err = load_err(p, "provider");
	assert_contains(err, "auth-provider");
	free(err);
	/* No credentials at all is allowed: the server decides (anonymous). */
	struct kubeconfig *kc = load_ok(p, "nothing");
	struct kubeconfig_creds cr;
	assert_int_equal(kubeconfig_credentials(kc, &cr, NULL), 0);
	assert_null(cr.token);
	assert_null(cr.cert);
	assert_false(kubeconfig_invalidate(kc));
	kubeconfig_free(kc);
	free(p);
}

/* ---- exec plugins ------------------------------------------------------- */

/* The plugin: counts its runs, records its arguments one per line, checks
 * what kubectl would pass, and prints a token (or a certificate). */
static const char plugin_script[] =
	"#!/bin/sh\n"
	"dir=$(dirname \"$0\")\n"
	"n=$(cat \"$dir/count\" 2>/dev/null || echo 0); n=$((n + 1)); echo $n > \"$dir/count\"\n"
	"printf '%s\\n' \"$@\" > \"$dir/args\"\n"
	"printf '%s' \"$KUBERNETES_EXEC_INFO\" > \"$dir/info\"\n"
	"case \"$KUBERNETES_EXEC_INFO\" in\n"
	"  *'\"kind\":\"ExecCredential\"'*'\"interactive\":false'*) ;;\n"
	"  *) echo \"bad KUBERNETES_EXEC_INFO: $KUBERNETES_EXEC_INFO\" >&2; exit 3 ;;\n"
	"esac\n"
	"case \"$KUBERNETES_EXEC_INFO\" in\n"
	"  *\"\\\"apiVersion\\\":\\\"$WANT_API\\\"\"*) ;;\n"
	"  *) echo \"apiVersion is not $WANT_API\" >&2; exit 4 ;;\n"
	"esac\n"
	"[ \"$PLUGIN_ENV\" = 'a b $HOME' ] || { echo \"PLUGIN_ENV=$PLUGIN_ENV\" >&2; exit 5; }\n"
	"[ -n \"$PATH\" ] || { echo 'PATH lost' >&2; exit 6; }\n"
	"if [ -n \"$CLUSTER_SERVER\" ]; then\n"
	"  case \"$KUBERNETES_EXEC_INFO\" in\n"
	"    *\"\\\"server\\\":\\\"$CLUSTER_SERVER\\\"\"*) ;;\n"
	"    *) echo 'no cluster info' >&2; exit 7 ;;\n"
	"  esac\n"
	"fi\n"
	"if [ -n \"$CERT_MODE\" ]; then\n"
	"  printf "
	"'{\"kind\":\"ExecCredential\",\"apiVersion\":\"%s\",\"status\":{\"clientCertificateData\":"
	"\"CERT-%s\\\\n\",\"clientKeyData\":\"KEY-%s\\\\n\"%s}}\\n' \"$WANT_API\" $n $n "
	"\"$EXPIRY\"\n"
	"else\n"
	"  printf '{\"kind\":\"ExecCredential\",\"apiVersion\":\"%s\",\"status\":{\"token\":"
	"\"tok-%s\"%s}}\\n' \"$WANT_API\" $n \"$EXPIRY\"\n"
	"fi\n";

/* A kubeconfig whose user runs tmp/plug/plugin with the given extras. */
static char *plugin_config(const char *api, const char *expiry, const char *extra_user,
			   const char *extra_env)
{
	put("plug/x", "");
	put_exec("plug/plugin", plugin_script);
	char *text = lf_asprintf(
		"current-context: p\n"
		"clusters:\n- name: c\n  cluster:\n    server: https://plugin.example:6443\n"
		"    certificate-authority-data: %s\n"
		"users:\n- name: u\n  user:\n    exec:\n      apiVersion: %s\n"
		"      command: ./plug/plugin\n"
		"      args: ['a b', '$(touch pwned)', ';', '\"q\"', '']\n"
		"      env:\n      - {name: WANT_API, value: %s}\n"
		"      - {name: PLUGIN_ENV, value: 'a b $HOME'}\n"
		"      - name: EXPIRY\n        value: '%s'\n%s"
		"      installHint: install it with apt-get install the-plugin\n%s"
		"contexts:\n- name: p\n  context: {cluster: c, user: u}\n",
		"Q0EK", api, api, expiry, extra_env ? extra_env : "", extra_user ? extra_user : "");
	put("plugin.yaml", text);
	free(text);
	char *count = at("plug/count");
	unlink(count);
	free(count);
	return at("plugin.yaml");
}

static int runs_on_disk(void)
{
	char *p = at("plug/count");
	char *t = lf_read_file(p, NULL, NULL);
	free(p);
	int n = t ? atoi(t) : 0;
	free(t);
	return n;
}

static void exec_plugin_token_and_caching(void **state)
{
	(void)state;
	/* No expiry: cached until invalidated (a 401). */
	char *p = plugin_config("client.authentication.k8s.io/v1", "",
				"      interactiveMode: IfAvailable\n", NULL);
	char cwd[PATH_MAX];
	assert_non_null(getcwd(cwd, sizeof cwd));
	assert_int_equal(chdir("/"), 0);
	struct kubeconfig *kc = load_ok(p, NULL);
	assert_int_equal(chdir(cwd), 0);
	struct kubeconfig_creds cr;
	char *cause = NULL;
	if (kubeconfig_credentials(kc, &cr, &cause) != 0)
		fail_msg("%s", cause);
	assert_string_equal(cr.token, "tok-1");
	assert_true(cr.from_exec);
	assert_int_equal(cr.expires, 0);
	assert_int_equal(kubeconfig_credentials(kc, &cr, &cause), 0);
	assert_string_equal(cr.token, "tok-1");
	assert_int_equal(kubeconfig_exec_runs(kc), 1);
	assert_int_equal(runs_on_disk(), 1);
	assert_true(kubeconfig_invalidate(kc));
	assert_int_equal(kubeconfig_credentials(kc, &cr, &cause), 0);
	assert_string_equal(cr.token, "tok-2");
	assert_int_equal(kubeconfig_exec_runs(kc), 2);

	/* Arguments arrive exactly, with no shell in between. */
	char *argsf = at("plug/args");
	char *args = lf_read_file(argsf, NULL, NULL);
	assert_string_equal(args, "a b\n$(touch pwned)\n;\n\"q\"\n\n");
	char *pwned = at("pwned"), *pwned2 = lf_xstrdup("/pwned");
	assert_int_not_equal(access(pwned, F_OK), 0);
	assert_int_not_equal(access(pwned2, F_OK), 0);
	char *infof = at("plug/info");
	char *info = lf_read_file(infof, NULL, NULL);
	assert_contains(info, "\"interactive\":false");
	assert_null(strstr(info, "\"cluster\"")); /* provideClusterInfo not set */
	free(info);
	free(infof);
	free(args);
	free(argsf);
	free(pwned);
	free(pwned2);
	kubeconfig_free(kc);
	free(p);
}

static void exec_plugin_expiry(void **state)
{
	(void)state;
	/* Expired already: every call runs the plugin again. */
	char *p = plugin_config("client.authentication.k8s.io/v1",
				",\"expirationTimestamp\":\"2001-01-01T00:00:00Z\"",
				"      interactiveMode: Never\n", NULL);
	char cwd[PATH_MAX];
	assert_non_null(getcwd(cwd, sizeof cwd));
	assert_int_equal(chdir(tmp), 0);
	struct kubeconfig *kc = load_ok(p, NULL);
	struct kubeconfig_creds cr;
	char *cause = NULL;
	if (kubeconfig_credentials(kc, &cr, &cause) != 0)
		fail_msg("%s", cause);
	assert_string_equal(cr.token, "tok-1");
	assert_int_equal(cr.expires, 978307200);
	assert_int_equal(kubeconfig_credentials(kc, &cr, &cause), 0);
	assert_string_equal(cr.token, "tok-2");
	assert_int_equal(kubeconfig_exec_runs(kc), 2);
	kubeconfig_free(kc);
	free(p);

	/* Expiring in an hour: cached. */
	time_t later = time(NULL) + 3600;
	struct tm tm;
	gmtime_r(&later, &tm);
	char ts[64], expiry[128];
	strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S.123456+00:00", &tm);
	snprintf(expiry, sizeof expiry, ",\"expirationTimestamp\":\"%s\"", ts);
	p = plugin_config("client.authentication.k8s.io/v1", expiry,
			  "      interactiveMode: Never\n", NULL);
	kc = load_ok(p, NULL);
	assert_int_equal(kubeconfig_credentials(kc, &cr, &cause), 0);
	assert_int_equal(kubeconfig_credentials(kc, &cr, &cause), 0);
	assert_string_equal(cr.token, "tok-1");
	assert_int_equal(cr.expires, (long long)later);
	assert_int_equal(kubeconfig_exec_runs(kc), 1);
	kubeconfig_free(kc);
	free(p);
	assert_int_equal(chdir(cwd), 0);
}

static void exec_plugin_cluster_info_and_certificate(void **state)
{
	(void)state;
	/* v1beta1 needs no interactiveMode; provideClusterInfo hands over the
	 * server and CA; the plugin answers with a client certificate. */
	char *p = plugin_config(
		"client.authentication.k8s.io/v1beta1", "", "      provideClusterInfo: true\n",
		"      - {name: CLUSTER_SERVER, value: 'https://plugin.example:6443'}\n"
		"      - {name: CERT_MODE, value: '1'}\n");
	char cwd[PATH_MAX];
	assert_non_null(getcwd(cwd, sizeof cwd));
	assert_int_equal(chdir(tmp), 0);
	struct kubeconfig *kc = load_ok(p, NULL);
	struct kubeconfig_creds cr;
	char *cause = NULL;
	if (kubeconfig_credentials(kc, &cr, &cause) != 0)
		fail_msg("%s", cause);
	assert_null(cr.token);
	assert_string_equal(cr.cert, "CERT-1\n");
	assert_string_equal(cr.key, "KEY-1\n");
	assert_int_equal(cr.cert_len, 7);
	char *infof = at("plug/info");
	char *info = lf_read_file(infof, NULL, NULL);
	assert_contains(info, "\"certificate-authority-data\":\"Q0EK\"");
	assert_contains(info, "\"apiVersion\":\"client.authentication.k8s.io/v1beta1\"");
	free(info);
	free(infof);
	kubeconfig_free(kc);
	free(p);
	assert_int_equal(chdir(cwd), 0);
}

static void exec_user(const char *file, const char *exec_body)
{
	char *text = lf_asprintf("current-context: e\n"
				 "clusters:\n- name: c\n  cluster: {server: https://e.example}\n"
				 "users:\n- name: eu\n  user:\n    exec:\n%s"
				 "contexts:\n- name: e\n  context: {cluster: c, user: eu}\n",
				 exec_body);
	put(file, text);
	free(text);
}

/* Load, then fail to get credentials; returns the message. */
static char *creds_err(const char *rel)
{
	char *p = at(rel);
	struct kubeconfig *kc = load_ok(p, NULL);
	kubeconfig_set_exec_timeout(kc, 1500);
	struct kubeconfig_creds cr;
	char *cause = NULL;
	assert_int_equal(kubeconfig_credentials(kc, &cr, &cause), -1);
	assert_non_null(cause);
	kubeconfig_free(kc);
	free(p);
	return cause;
}

static void exec_plugin_failures(void **state)
{
	(void)state;
	const char *v1 = "      apiVersion: client.authentication.k8s.io/v1\n"
			 "      interactiveMode: Never\n";
	char *body = lf_asprintf("%s      command: landfall-no-such-plugin\n"
				 "      installHint: get it from example.com/plugin\n",
				 v1);
	exec_user("x/notfound", body);
	free(body);
	char *err = creds_err("x/notfound");
	assert_contains(err, "landfall-no-such-plugin");
	assert_contains(err, "could not be started");
	assert_contains(err, "get it from example.com/plugin");
	assert_contains(err, "user \"eu\"");
	free(err);

	put_exec("x/fails", "#!/bin/sh\necho 'token expired, run login' >&2\nexit 2\n");
	exec_user("x/fails.yaml", "      apiVersion: client.authentication.k8s.io/v1\n"
				  "      interactiveMode: Never\n      command: ./fails\n");
	err = creds_err("x/fails.yaml");
	assert_contains(err, "exit status 2");
	assert_contains(err, "token expired, run login");
	free(err);

	put_exec("x/garbage", "#!/bin/sh\necho not json\n");
	exec_user("x/garbage.yaml", "      apiVersion: client.authentication.k8s.io/v1\n"
				    "      interactiveMode: Never\n      command: ./garbage\n");
	err = creds_err("x/garbage.yaml");
	assert_contains(err, "did not print an ExecCredential");
	free(err);

	put_exec("x/wrongapi", "#!/bin/sh\necho '{\"kind\":\"ExecCredential\",\"apiVersion\":"
			       "\"client.authentication.k8s.io/v1beta1\",\"status\":{\"token\":"
			       "\"t\"}}'\n");
	exec_user("x/wrongapi.yaml", "      apiVersion: client.authentication.k8s.io/v1\n"
				     "      interactiveMode: Never\n      command: ./wrongapi\n");
	err = creds_err("x/wrongapi.yaml");
	assert_contains(err, "was asked for client.authentication.k8s.io/v1");
	free(err);

	put_exec("x/empty", "#!/bin/sh\necho '{\"kind\":\"ExecCredential\",\"apiVersion\":"
			    "\"client.authentication.k8s.io/v1\",\"status\":{}}'\n");
	exec_user("x/empty.yaml", "      apiVersion: client.authentication.k8s.io/v1\n"
				  "      interactiveMode: Never\n      command: ./empty\n");
	err = creds_err("x/empty.yaml");
	assert_contains(err, "neither a token nor a client certificate");
	free(err);

	put_exec("x/slow", "#!/bin/sh\nexec sleep 30\n");
	exec_user("x/slow.yaml", "      apiVersion: client.authentication.k8s.io/v1\n"
				 "      interactiveMode: Never\n      command: ./slow\n");
	long long t0 = lf_now_ms();
	err = creds_err("x/slow.yaml");
	assert_true(lf_now_ms() - t0 < 10000);
	assert_contains(err, "did not finish");
	free(err);

	/* Refused while loading. */
	exec_user("x/always.yaml", "      apiVersion: client.authentication.k8s.io/v1\n"
				   "      interactiveMode: Always\n      command: ./x\n");
	char *p = at("x/always.yaml");
	err = load_err(p, NULL);
	assert_contains(err, "needs a terminal");
	free(err);
	free(p);
	exec_user("x/nomode.yaml", "      apiVersion: client.authentication.k8s.io/v1\n"
				   "      command: ./x\n");
	p = at("x/nomode.yaml");
	err = load_err(p, NULL);
	assert_contains(err, "interactiveMode must be set");
	free(err);
	free(p);
	exec_user("x/alpha.yaml", "      apiVersion: client.authentication.k8s.io/v1alpha1\n"
				  "      command: ./x\n");
	p = at("x/alpha.yaml");
	err = load_err(p, NULL);
	assert_contains(err, "v1alpha1 is not supported");
	free(err);
	free(p);
}

static void static_token_beats_exec(void **state)
{
	(void)state;
	exec_user("tok/config", "      apiVersion: client.authentication.k8s.io/v1\n"
				"      interactiveMode: Never\n      command: /bin/false\n"
				"    token: static-token\n");
	char *p = at("tok/config");
	struct kubeconfig *kc = load_ok(p, NULL);
	struct kubeconfig_creds cr;
	assert_int_equal(kubeconfig_credentials(kc, &cr, NULL), 0);
	assert_string_equal(cr.token, "static-token");
	assert_int_equal(kubeconfig_exec_runs(kc), 0);
	assert_false(kubeconfig_invalidate(kc)); /* nothing could change */
	kubeconfig_free(kc);
	free(p);
}

/* ---- helpers ------------------------------------------------------------ */

static void base64_and_time(void **state)
{
	(void)state;
	size_t n;
	char *d = lf_base64_decode("aGVs\nbG8=", &n);
	assert_string_equal(d, "hello");
	assert_int_equal(n, 5);
	free(d);
	assert_null(lf_base64_decode("aGVsbG8=x", &n));
	assert_null(lf_base64_decode("a", &n));
	assert_null(lf_base64_decode("aGV*", &n));
	d = lf_base64_decode("", &n);
	assert_int_equal(n, 0);
	free(d);
	char *e = lf_base64_encode("hello", 5);
	assert_string_equal(e, "aGVsbG8=");
	free(e);
	assert_int_equal(kubeconfig_parse_time("1970-01-01T00:00:00Z"), 0);
	assert_int_equal(kubeconfig_parse_time("2001-01-01T00:00:00Z"), 978307200);
	assert_int_equal(kubeconfig_parse_time("2001-01-01T02:00:00.5+02:00"), 978307200);
	assert_int_equal(kubeconfig_parse_time("2000-12-31T23:00:00-01:00"), 978307200);
	assert_int_equal(kubeconfig_parse_time("2001-01-01"), -1);
	assert_int_equal(kubeconfig_parse_time("2001-01-01T00:00:00"), -1);
	assert_int_equal(kubeconfig_parse_time("2001-13-01T00:00:00Z"), -1);
}

static void yaml_typing(void **state)
{
	(void)state;
	const char *doc = "a: 1\nb: '1'\nc: true\nd: ~\ne: 1.5\nf: 0x10\ng: text\nh: [x, 2]\n"
			  "---\n---\nsecond: doc\n";
	char *cause = NULL;
	json_t *docs = k8s_yaml_load(doc, strlen(doc), "t", 0, &cause);
	assert_non_null(docs);
	assert_int_equal(json_array_size(docs), 2);
	json_t *o = json_array_get(docs, 0);
	assert_int_equal(json_integer_value(json_object_get(o, "a")), 1);
	assert_string_equal(json_string_value(json_object_get(o, "b")), "1");
	assert_true(json_is_true(json_object_get(o, "c")));
	assert_true(json_is_null(json_object_get(o, "d")));
	assert_true(json_is_real(json_object_get(o, "e")));
	assert_int_equal(json_integer_value(json_object_get(o, "f")), 16);
	assert_string_equal(json_string_value(json_object_get(o, "g")), "text");
	assert_int_equal(json_integer_value(json_array_get(json_object_get(o, "h"), 1)), 2);
	json_decref(docs);
	docs = k8s_yaml_load(doc, strlen(doc), "t", K8S_YAML_STRINGS, &cause);
	assert_string_equal(json_string_value(json_object_get(json_array_get(docs, 0), "c")),
			    "true");
	json_decref(docs);
	/* a billion laughs is refused */
	const char *bomb =
		"a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
		"c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
		"e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
		"g: [*f,*f,*f,*f,*f,*f,*f,*f,*f,*f]\n";
	assert_null(k8s_yaml_load(bomb, strlen(bomb), "bomb", 0, &cause));
	assert_contains(cause, "too large");
	assert_null(k8s_yaml_load("a: [", 4, "broken.yaml", 0, &cause));
	assert_contains(cause, "broken.yaml:");
	free(cause);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(merge_first_file_wins, setup, teardown),
		cmocka_unit_test_setup_teardown(current_context_from_first_file_that_sets_it, setup,
						teardown),
		cmocka_unit_test_setup_teardown(same_name_twice_in_one_file_last_wins, setup,
						teardown),
		cmocka_unit_test_setup_teardown(explicit_paths_override_kubeconfig_env, setup,
						teardown),
		cmocka_unit_test_setup_teardown(default_is_home_kube_config, setup, teardown),
		cmocka_unit_test_setup_teardown(context_errors_name_the_context, setup, teardown),
		cmocka_unit_test_setup_teardown(yaml_errors_give_file_and_line, setup, teardown),
		cmocka_unit_test_setup_teardown(relative_paths_resolve_against_the_file, setup,
						teardown),
		cmocka_unit_test_setup_teardown(data_fields_are_base64, setup, teardown),
		cmocka_unit_test_setup_teardown(insecure_skip_tls_verify_is_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(unsupported_auth_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(exec_plugin_token_and_caching, setup, teardown),
		cmocka_unit_test_setup_teardown(exec_plugin_expiry, setup, teardown),
		cmocka_unit_test_setup_teardown(exec_plugin_cluster_info_and_certificate, setup,
						teardown),
		cmocka_unit_test_setup_teardown(exec_plugin_failures, setup, teardown),
		cmocka_unit_test_setup_teardown(static_token_beats_exec, setup, teardown),
		cmocka_unit_test(base64_and_time),
		cmocka_unit_test(yaml_typing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
