/* End-to-end tests of backends/kubernetes/k8s_client.c (and kubeconfig.c,
 * k8s_rollout.c) against the STAND-IN API server tests/k8s_standin.py,
 * started here on 127.0.0.1 with certificates made per run. No Kubernetes
 * API server can be installed on the test machines; the stand-in is the
 * most real peer available. At the end the real kubectl reads back what
 * the client applied.
 *
 * Covered: TLS verified against the generated CA, a wrong CA refused,
 * tls-server-name, client-certificate auth (file and -data), a client
 * certificate the server does not trust, bearer tokens, tokenFile and exec
 * plugin credentials refreshed after a 401, anonymous access, discovery,
 * server-side apply create/merge/conflict/dry-run, SelfSubjectAccessReview
 * allowed and denied, 403/404/409/422 paths, Foreground delete, paging,
 * merge patch of node labels, retries on 429/5xx/dropped connections,
 * rollouts waited for (done, failed, timed out), a server restart on the
 * same state, secrets kept out of logs, and kubectl reading it all back. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "events.h"
#include "k8s_peer.h"
#include "kubernetes/k8s_client.h"
#include "kubernetes/k8s_rollout.h"
#include "kubernetes/kubeconfig.h"
#include "util.h"

static struct k8s_peer peer;
static char workdir[64];

static const char nodes_json[] =
	"{\"nodes\": ["
	"{\"name\": \"node-a\", \"labels\": {\"app\": \"clearml\"}, \"cpu\": \"8\", "
	"\"memory\": \"32Gi\", \"address\": \"10.0.0.5\"},"
	"{\"name\": \"node-b\", \"address\": \"10.0.0.6\"}]}";

/* limited-user may read but not write or delete; the exec, file and token
 * test users may do anything; landfall-admin is in system:masters. */
static const char rules_json[] =
	"{\"rules\": ["
	"{\"effect\": \"deny\", \"users\": [\"limited-user\"], \"verbs\": [\"delete\"], "
	"\"reason\": \"deletes are reserved for admins\"},"
	"{\"users\": [\"limited-user\"], \"verbs\": [\"get\", \"list\", \"watch\"], "
	"\"reason\": \"read-only for limited-user\"},"
	"{\"users\": [\"exec-user\", \"file-user\", \"cert-exec-user\"]}]}";

/* ---- helpers ------------------------------------------------------------ */

static void assert_contains(const char *hay, const char *needle)
{
	if (!hay || !strstr(hay, needle))
		fail_msg("expected \"%s\" in: %s", needle, hay ? hay : "(null)");
}

static char *in_dir(const char *rel)
{
	return lf_asprintf("%s/%s", workdir, rel);
}

static struct k8s_client *client_ex(const char *kubeconfig, const char *context, int attempts,
				    struct events *evs)
{
	struct k8s_client_options o = {.events = evs,
				       .max_attempts = attempts,
				       .backoff_ms = 50,
				       .max_backoff_ms = 400,
				       .timeout_ms = 20000,
				       .connect_timeout_ms = 5000};
	struct k8s_client *c = NULL;
	char *cause = NULL;
	char *kc = kubeconfig ? lf_xstrdup(kubeconfig) : k8s_peer_path(&peer, "kubeconfig");
	if (k8s_client_open(kc, context, &o, &c, &cause) != 0)
		fail_msg("k8s_client_open(%s, %s): %s", kc, context ? context : "-", cause);
	free(kc);
	return c;
}

static struct k8s_client *client(const char *context)
{
	return client_ex(NULL, context, 3, NULL);
}

/* A kubeconfig of our own in the work dir: one cluster, one user. */
static char *write_kc(const char *name, const char *cluster_extra, const char *user_body)
{
	char *text = lf_asprintf("apiVersion: v1\nkind: Config\ncurrent-context: t\n"
				 "clusters:\n- name: c\n  cluster:\n"
				 "    server: https://127.0.0.1:%d\n%s"
				 "users:\n- name: u\n  user:\n%s"
				 "contexts:\n- name: t\n  context: {cluster: c, user: u}\n",
				 peer.port, cluster_extra ? cluster_extra : "", user_body);
	char *path = in_dir(name);
	assert_int_equal(k8s_peer_write(path, text, false), 0);
	free(text);
	return path;
}

static char *ca_line(const char *file)
{
	char *p = k8s_peer_path(&peer, file);
	char *s = lf_asprintf("    certificate-authority: %s\n", p);
	free(p);
	return s;
}

static char *cert_user(const char *name)
{
	char *crt = lf_asprintf("%s/pki/%s.crt", peer.dir, name);
	char *key = lf_asprintf("%s/pki/%s.key", peer.dir, name);
	char *s = lf_asprintf("    client-certificate: %s\n    client-key: %s\n", crt, key);
	free(crt);
	free(key);
	return s;
}

static void control(const char *what, const char *body)
{
	json_t *r = k8s_peer_control(&peer, "POST", what, body);
	if (!r)
		fail_msg("control %s failed", what);
	json_decref(r);
}

/* The last logged request with this method whose path starts with `path`. */
static json_t *last_request(const char *method, const char *path)
{
	json_t *log = k8s_peer_requests(&peer);
	json_t *found = NULL;
	size_t i;
	json_t *e;
	json_array_foreach(log, i, e)
	{
		const char *m = json_string_value(json_object_get(e, "method"));
		const char *p = json_string_value(json_object_get(e, "path"));
		if (m && p && strcmp(m, method) == 0 && strncmp(p, path, strlen(path)) == 0) {
			json_decref(found);
			found = json_incref(e);
		}
	}
	json_decref(log);
	if (!found)
		fail_msg("no %s %s in the stand-in's request log", method, path);
	return found;
}

/* Statuses of every logged request to `path` (exact), as "401,200". */
static char *statuses(const char *path)
{
	json_t *log = k8s_peer_requests(&peer);
	char *s = lf_xstrdup("");
	size_t i;
	json_t *e;
	json_array_foreach(log, i, e)
	{
		const char *p = json_string_value(json_object_get(e, "path"));
		if (!p || strcmp(p, path) != 0)
			continue;
		json_t *st = json_object_get(e, "status");
		char *n = json_is_integer(st)
				  ? lf_asprintf("%s%s%lld", s, *s ? "," : "",
						(long long)json_integer_value(st))
				  : lf_asprintf("%s%s%s", s, *s ? "," : "",
						json_is_string(st) ? json_string_value(st) : "-");
		free(s);
		s = n;
	}
	json_decref(log);
	return s;
}

static void reset_log(void)
{
	control("reset-log", NULL);
}

static json_t *parse(const char *text)
{
	json_error_t err;
	json_t *j = json_loads(text, 0, &err);
	if (!j)
		fail_msg("bad JSON in test: %s: %s", err.text, text);
	return j;
}

/* The call must succeed; *cause is freed and reset either way. */
static void expect_ok(enum k8s_status st, char **cause)
{
	if (st != K8S_OK)
		fail_msg("expected ok, got %s: %s", k8s_status_name(st), *cause ? *cause : "");
	free(*cause);
	*cause = NULL;
}

static void ensure_namespace(struct k8s_client *c, const char *ns)
{
	json_t *obj = json_pack("{s:s, s:s, s:{s:s}}", "apiVersion", "v1", "kind", "Namespace",
				"metadata", "name", ns);
	char *path = lf_asprintf("/api/v1/namespaces/%s", ns);
	char *cause = NULL;
	expect_ok(k8s_apply(c, path, obj, 0, NULL, &cause), &cause);
	free(path);
	json_decref(obj);
}

/* ---- group setup -------------------------------------------------------- */

static int group_setup(void **state)
{
	(void)state;
	char *cause = NULL;
	snprintf(workdir, sizeof workdir, "/tmp/lf-test-k8s.XXXXXX");
	if (!mkdtemp(workdir))
		return -1;
	char *nodes = in_dir("nodes.json"), *rules = in_dir("rules.json");
	char *pdir = in_dir("standin");
	k8s_peer_write(nodes, nodes_json, false);
	k8s_peer_write(rules, rules_json, false);
	const char *args[] = {"--nodes", nodes, "--rules", rules, "--deadline-reads", "2", NULL};
	int rc = k8s_peer_start(&peer, pdir, args, &cause);
	if (rc != 0) {
		fprintf(stderr, "test_k8s_client: cannot start the stand-in API server: %s\n",
			cause);
		k8s_peer_free(&peer);
		char *cmd = lf_asprintf("rm -rf '%s'", workdir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", workdir);
		free(cmd);
	}
	free(cause);
	cause = NULL;
	free(nodes);
	free(rules);
	free(pdir);
	return rc;
}

static int group_teardown(void **state)
{
	(void)state;
	k8s_peer_free(&peer);
	if (!getenv("LANDFALL_KEEP_TMP")) {
		char *cmd = lf_asprintf("rm -rf '%s'", workdir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", workdir);
		free(cmd);
	}
	return 0;
}

/* ---- TLS and authentication -------------------------------------------- */

static void version_over_verified_tls(void **state)
{
	(void)state;
	struct k8s_client *c = client("admin");
	char *v = NULL, *cause = NULL;
	json_t *doc = NULL;
	expect_ok(k8s_version(c, &v, &doc, &cause), &cause);
	assert_string_equal(v, "v1.30.0-landfall-standin");
	assert_string_equal(json_string_value(json_object_get(doc, "major")), "1");
	free(v);
	json_decref(doc);
	k8s_client_free(c);
}

static void wrong_ca_is_refused(void **state)
{
	(void)state;
	char *ca = ca_line("pki/other-ca.crt");
	char *user = cert_user("admin");
	char *kc = write_kc("wrong-ca.yaml", ca, user);
	struct k8s_client *c = client_ex(kc, NULL, 3, NULL);
	char *cause = NULL;
	assert_int_equal(k8s_version(c, NULL, NULL, &cause), K8S_ERR_TLS);
	assert_contains(cause, "certificate was not accepted");
	assert_contains(cause, "other-ca.crt");
	assert_int_equal(k8s_client_requests(c), 1); /* never retried */
	assert_false(k8s_status_retryable(K8S_ERR_TLS));
	free(cause);
	cause = NULL;
	k8s_client_free(c);
	free(kc);
	free(ca);

	/* No CA at all: the system's roots do not know the stand-in either. */
	kc = write_kc("no-ca.yaml", NULL, user);
	c = client_ex(kc, NULL, 3, NULL);
	cause = NULL;
	assert_int_equal(k8s_version(c, NULL, NULL, &cause), K8S_ERR_TLS);
	assert_contains(cause, "the system's CAs");
	free(cause);
	cause = NULL;
	k8s_client_free(c);
	free(kc);
	free(user);
}

static void tls_server_name_is_honoured(void **state)
{
	(void)state;
	/* The stand-in's kubeconfig: 127.0.0.1 with tls-server-name k8s-standin.test. */
	struct k8s_client *c = client("by-name");
	char *cause = NULL;
	expect_ok(k8s_version(c, NULL, NULL, &cause), &cause);
	k8s_client_free(c);

	char *extra = ca_line("pki/ca.crt");
	char *full = lf_asprintf("%s    tls-server-name: wrong.example\n", extra);
	char *user = cert_user("admin");
	char *kc = write_kc("wrong-name.yaml", full, user);
	c = client_ex(kc, NULL, 3, NULL);
	assert_int_equal(k8s_version(c, NULL, NULL, &cause), K8S_ERR_TLS);
	assert_contains(cause, "wrong.example");
	free(cause);
	cause = NULL;
	k8s_client_free(c);
	free(kc);
	free(full);
	free(extra);
	free(user);
}

static void client_certificate_auth(void **state)
{
	(void)state;
	reset_log();
	struct k8s_client *c = client("admin");
	json_t *list = NULL;
	char *cause = NULL;
	expect_ok(k8s_list(c, "/api/v1/namespaces", NULL, &list, &cause), &cause);
	assert_true(json_array_size(json_object_get(list, "items")) >= 4);
	assert_string_equal(json_string_value(json_object_get(list, "kind")), "NamespaceList");
	json_decref(list);
	json_t *r = last_request("GET", "/api/v1/namespaces");
	assert_string_equal(json_string_value(json_object_get(r, "auth")), "cert");
	assert_string_equal(json_string_value(json_object_get(json_object_get(r, "user"), "user")),
			    "landfall-admin");
	assert_contains(json_string_value(json_object_get(r, "userAgent")), "landfall/");
	json_decref(r);
	k8s_client_free(c);

	/* The same certificate inline, base64 in -data fields. */
	char *crt_path = k8s_peer_path(&peer, "pki/admin.crt");
	char *key_path = k8s_peer_path(&peer, "pki/admin.key");
	size_t clen, klen;
	char *crt = lf_read_file(crt_path, &clen, NULL), *key = lf_read_file(key_path, &klen, NULL);
	char *crt64 = lf_base64_encode(crt, clen),
	     *key64 = lf_base64_encode(key, klen);
	char *user = lf_asprintf("    client-certificate-data: %s\n    client-key-data: %s\n",
				 crt64, key64);
	char *ca = ca_line("pki/ca.crt");
	char *kc = write_kc("inline.yaml", ca, user);
	c = client_ex(kc, NULL, 3, NULL);
	bool allowed = false;
	char *reason = NULL;
	struct k8s_access a = {.verb = "create",
			       .group = "apps",
			       .resource = "deployments",
			       .namespace_ = "clearml"};
	expect_ok(k8s_access_review(c, &a, &allowed, &reason, &cause), &cause);
	assert_true(allowed);
	assert_contains(reason, "system:masters");
	free(reason);
	k8s_client_free(c);
	free(kc);

	/* A certificate from a CA the server does not trust: refused, no retry. */
	char *stranger = cert_user("stranger");
	kc = write_kc("stranger.yaml", ca, stranger);
	c = client_ex(kc, NULL, 3, NULL);
	assert_int_equal(k8s_version(c, NULL, NULL, &cause), K8S_ERR_TLS);
	assert_contains(cause, "refused the TLS connection");
	assert_int_equal(k8s_client_requests(c), 1);
	free(cause);
	cause = NULL;
	k8s_client_free(c);
	free(kc);
	free(stranger);
	free(ca);
	free(user);
	free(crt64);
	free(key64);
	free(crt);
	free(key);
	free(crt_path);
	free(key_path);
}

static void token_auth(void **state)
{
	(void)state;
	reset_log();
	struct k8s_client *c = client("token"); /* the admin's token from tokens.csv */
	json_t *list = NULL;
	char *cause = NULL;
	expect_ok(k8s_list(c, "/api/v1/nodes", NULL, &list, &cause), &cause);
	assert_int_equal(json_array_size(json_object_get(list, "items")), 2);
	json_decref(list);
	json_t *r = last_request("GET", "/api/v1/nodes");
	assert_string_equal(json_string_value(json_object_get(r, "auth")), "token");
	json_decref(r);
	/* The context's namespace is read too. */
	assert_string_equal(k8s_client_kubeconfig(c)->namespace_, "clearml");
	k8s_client_free(c);

	char *ca = ca_line("pki/ca.crt");
	char *kc = write_kc("bad-token.yaml", ca, "    token: not-a-valid-token\n");
	c = client_ex(kc, NULL, 3, NULL);
	assert_int_equal(k8s_list(c, "/api/v1/nodes", NULL, &list, &cause), K8S_ERR_UNAUTHORIZED);
	assert_null(list);
	assert_contains(cause, "did not accept the credentials of user u (context t)");
	assert_contains(cause, "HTTP 401 Unauthorized");
	assert_int_equal(k8s_client_last_code(c), 401);
	assert_string_equal(k8s_client_last_reason(c), "Unauthorized");
	/* A static token cannot change: one request, no refresh, no retry. */
	assert_int_equal(k8s_client_requests(c), 1);
	free(cause);
	cause = NULL;
	k8s_client_free(c);
	free(kc);

	/* No credentials: system:anonymous may read /version only. */
	kc = write_kc("anonymous.yaml", ca, "    {}\n");
	c = client_ex(kc, NULL, 3, NULL);
	expect_ok(k8s_version(c, NULL, NULL, &cause), &cause);
	cause = NULL;
	assert_int_equal(k8s_get(c, "/api/v1/nodes", NULL, &cause), K8S_ERR_FORBIDDEN);
	assert_contains(cause, "system:anonymous");
	free(cause);
	cause = NULL;
	k8s_client_free(c);
	free(kc);
	free(ca);
}

static void token_file_reread_after_401(void **state)
{
	(void)state;
	control("tokens", "{\"add\": {\"file-token-1\": \"file-user\"}}");
	char *tokfile = in_dir("token-file");
	k8s_peer_write(tokfile, "file-token-1\n", false);
	char *ca = ca_line("pki/ca.crt");
	char *user = lf_asprintf("    tokenFile: %s\n", tokfile);
	char *kc = write_kc("tokenfile.yaml", ca, user);
	struct k8s_client *c = client_ex(kc, NULL, 3, NULL);
	char *cause = NULL;
	expect_ok(k8s_get(c, "/api/v1/namespaces/default", NULL, &cause), &cause);

	/* The token rotates: the server forgets the old one, the file changes. */
	control("tokens", "{\"revoke\": [\"file-token-1\"], \"add\": {\"file-token-2\": "
			  "\"file-user\"}}");
	k8s_peer_write(tokfile, "file-token-2\n", false);
	reset_log();
	expect_ok(k8s_get(c, "/api/v1/namespaces/default", NULL, &cause), &cause);
	char *s = statuses("/api/v1/namespaces/default");
	assert_string_equal(s, "401,200");
	free(s);
	k8s_client_free(c);
	free(kc);
	free(user);
	free(ca);
	free(tokfile);
}

/* An exec plugin that hands out exec-token-N, N counting its runs. */
static const char exec_plugin[] =
	"#!/bin/sh\n"
	"dir=$(dirname \"$0\")\n"
	"n=$(cat \"$dir/exec-count\" 2>/dev/null || echo 0); n=$((n + 1))\n"
	"echo $n > \"$dir/exec-count\"\n"
	"case \"$KUBERNETES_EXEC_INFO\" in *'\"interactive\":false'*) ;; "
	"*) echo 'no KUBERNETES_EXEC_INFO' >&2; exit 1 ;; esac\n"
	"printf '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\","
	"\"status\":{\"token\":\"exec-token-%s\"}}\\n' \"$n\"\n";

static void exec_plugin_token_refreshed_after_401(void **state)
{
	(void)state;
	char *plugin = in_dir("exec-plugin.sh");
	k8s_peer_write(plugin, exec_plugin, true);
	char *count = in_dir("exec-count");
	unlink(count);
	control("tokens", "{\"add\": {\"exec-token-1\": \"exec-user\"}}");
	char *ca = ca_line("pki/ca.crt");
	char *user = lf_asprintf("    exec:\n      apiVersion: client.authentication.k8s.io/v1\n"
				 "      command: %s\n      interactiveMode: Never\n",
				 plugin);
	char *kc = write_kc("exec.yaml", ca, user);
	struct events *evs = events_new();
	struct k8s_client *c = client_ex(kc, NULL, 3, evs);
	struct kubeconfig *k = k8s_client_kubeconfig(c);
	char *cause = NULL;
	reset_log();
	expect_ok(k8s_get(c, "/api/v1/namespaces/default", NULL, &cause), &cause);
	expect_ok(k8s_get(c, "/api/v1/namespaces/kube-system", NULL, &cause), &cause);
	assert_int_equal(kubeconfig_exec_runs(k), 1); /* cached: no expiry given */
	json_t *r = last_request("GET", "/api/v1/namespaces/kube-system");
	assert_string_equal(json_string_value(json_object_get(json_object_get(r, "user"), "user")),
			    "exec-user");
	json_decref(r);
	/* The token is a secret: the event stream masks it. */
	char *red = events_redact(evs, "sent exec-token-1 along");
	assert_string_equal(red, "sent ******** along");
	free(red);

	/* The server stops accepting it: one 401, the plugin runs again. */
	control("tokens", "{\"revoke\": [\"exec-token-1\"], \"add\": {\"exec-token-2\": "
			  "\"exec-user\"}}");
	reset_log();
	expect_ok(k8s_get(c, "/api/v1/namespaces/default", NULL, &cause), &cause);
	assert_int_equal(kubeconfig_exec_runs(k), 2);
	char *s = statuses("/api/v1/namespaces/default");
	assert_string_equal(s, "401,200");
	free(s);

	/* A fresh token that is refused too: one refresh only, then 401. */
	control("tokens", "{\"revoke\": [\"exec-token-2\"]}");
	assert_int_equal(k8s_get(c, "/api/v1/namespaces/default", NULL, &cause),
			 K8S_ERR_UNAUTHORIZED);
	assert_int_equal(kubeconfig_exec_runs(k), 3);
	free(cause);
	cause = NULL;
	k8s_client_free(c);
	events_free(evs);
	free(kc);
	free(user);
	free(ca);
	free(plugin);
	free(count);
}

static void exec_plugin_client_certificate(void **state)
{
	(void)state;
	/* The plugin answers with the limited user's certificate and key. */
	char *crt = k8s_peer_path(&peer, "pki/limited.crt");
	char *key = k8s_peer_path(&peer, "pki/limited.key");
	char *script = lf_asprintf(
		"#!/bin/sh\n"
		"j() { awk 'BEGIN { ORS = \"\\\\n\" } { print }' \"$1\"; }\n"
		"printf '{\"apiVersion\":\"client.authentication.k8s.io/v1beta1\","
		"\"kind\":\"ExecCredential\",\"status\":{\"clientCertificateData\":\"%%s\","
		"\"clientKeyData\":\"%%s\"}}\\n' \"$(j %s)\" \"$(j %s)\"\n",
		crt, key);
	char *plugin = in_dir("cert-plugin.sh");
	k8s_peer_write(plugin, script, true);
	char *ca = ca_line("pki/ca.crt");
	char *user =
		lf_asprintf("    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n"
			    "      command: %s\n",
			    plugin);
	char *kc = write_kc("cert-exec.yaml", ca, user);
	struct k8s_client *c = client_ex(kc, NULL, 3, NULL);
	char *cause = NULL;
	reset_log();
	expect_ok(k8s_get(c, "/api/v1/nodes/node-a", NULL, &cause), &cause);
	json_t *r = last_request("GET", "/api/v1/nodes/node-a");
	assert_string_equal(json_string_value(json_object_get(r, "auth")), "cert");
	assert_string_equal(json_string_value(json_object_get(json_object_get(r, "user"), "user")),
			    "limited-user");
	json_decref(r);
	k8s_client_free(c);
	free(kc);
	free(user);
	free(ca);
	free(plugin);
	free(script);
	free(crt);
	free(key);
}

/* ---- discovery ---------------------------------------------------------- */

static void discovery_finds_resources(void **state)
{
	(void)state;
	struct k8s_client *c = client("admin");
	json_t *gvs = NULL;
	char *cause = NULL;
	expect_ok(k8s_api_versions(c, &gvs, &cause), &cause);
	char *dump = json_dumps(gvs, JSON_COMPACT);
	assert_contains(dump, "\"v1\"");
	assert_contains(dump, "\"apps/v1\"");
	assert_contains(dump, "\"authorization.k8s.io/v1\"");
	free(dump);
	json_decref(gvs);

	const struct k8s_resource *r;
	expect_ok(k8s_discover(c, "apps/v1", "Deployment", &r, &cause), &cause);
	assert_string_equal(r->name, "deployments");
	assert_string_equal(r->group, "apps");
	assert_true(r->namespaced);
	char *p = k8s_resource_path(r, "clearml", "web");
	assert_string_equal(p, "/apis/apps/v1/namespaces/clearml/deployments/web");
	free(p);
	p = k8s_resource_path(r, NULL, NULL);
	assert_string_equal(p, "/apis/apps/v1/deployments");
	free(p);
	unsigned before = k8s_client_requests(c);
	expect_ok(k8s_discover(c, "apps/v1", "StatefulSet", &r, &cause), &cause);
	assert_int_equal(k8s_client_requests(c), before); /* cached */
	expect_ok(k8s_discover(c, "v1", "Node", &r, &cause), &cause);
	assert_false(r->namespaced);
	p = k8s_resource_path(r, "ignored", "node-a");
	assert_string_equal(p, "/api/v1/nodes/node-a");
	free(p);
	assert_int_equal(k8s_discover(c, "v1", "Frobnicator", &r, &cause), K8S_ERR_NOT_FOUND);
	assert_contains(cause, "no kind Frobnicator in v1");
	assert_int_equal(k8s_discover(c, "example.com/v9", "Thing", &r, &cause), K8S_ERR_NOT_FOUND);
	assert_contains(cause, "does not serve example.com/v9");

	json_t *m = parse("{\"apiVersion\":\"v1\",\"kind\":\"Service\","
			  "\"metadata\":{\"name\":\"apiserver\"}}");
	char *path = NULL;
	expect_ok(k8s_object_path(c, m, "clearml", &path, &cause), &cause);
	assert_string_equal(path, "/api/v1/namespaces/clearml/services/apiserver");
	free(path);
	assert_int_equal(k8s_object_path(c, m, NULL, &path, &cause), K8S_ERR_INVALID);
	assert_contains(cause, "a namespace is needed");
	json_decref(m);
	m = parse("{\"apiVersion\":\"v1\",\"kind\":\"Service\","
		  "\"metadata\":{\"name\":\"../../nodes\"}}");
	assert_int_equal(k8s_object_path(c, m, "x", &path, &cause), K8S_ERR_INVALID);
	json_decref(m);
	free(cause);
	cause = NULL;
	k8s_client_free(c);
}

/* ---- server-side apply -------------------------------------------------- */

static json_t *configmap(const char *name, const char *data_json)
{
	char *text = lf_asprintf("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":"
				 "{\"name\":\"%s\",\"namespace\":\"clearml\",\"labels\":"
				 "{\"app\":\"clearml\"}},\"data\":%s}",
				 name, data_json);
	json_t *j = parse(text);
	free(text);
	return j;
}

static const char *rv_of(const json_t *obj)
{
	return json_string_value(
		json_object_get(json_object_get(obj, "metadata"), "resourceVersion"));
}

static void ssa_creates_then_merges(void **state)
{
	(void)state;
	struct k8s_client *c = client("admin");
	ensure_namespace(c, "clearml");
	const char *path = "/api/v1/namespaces/clearml/configmaps/clearml-conf";
	char *cause = NULL;
	json_t *out = NULL;
	reset_log();
	json_t *cm = configmap("clearml-conf", "{\"a\":\"1\",\"b\":\"2\"}");
	expect_ok(k8s_apply(c, path, cm, 0, &out, &cause), &cause);
	assert_int_equal(k8s_client_last_code(c), 201); /* created */
	json_decref(cm);
	json_decref(out);
	json_t *r = last_request("PATCH", path);
	assert_string_equal(json_string_value(json_object_get(r, "contentType")),
			    "application/apply-patch+yaml");
	json_t *q = json_object_get(r, "query");
	assert_string_equal(json_string_value(json_object_get(q, "fieldManager")), "landfall");
	assert_string_equal(json_string_value(json_object_get(q, "force")), "true");
	json_decref(r);

	/* b dropped from Landfall's apply is removed; c is added. */
	cm = configmap("clearml-conf", "{\"a\":\"1\",\"c\":\"3\"}");
	expect_ok(k8s_apply(c, path, cm, 0, &out, &cause), &cause);
	assert_int_equal(k8s_client_last_code(c), 200);
	json_t *data = json_object_get(out, "data");
	assert_string_equal(json_string_value(json_object_get(data, "a")), "1");
	assert_null(json_object_get(data, "b"));
	assert_string_equal(json_string_value(json_object_get(data, "c")), "3");
	char *rv = lf_xstrdup(rv_of(out));
	json_t *mf = json_array_get(
		json_object_get(json_object_get(out, "metadata"), "managedFields"), 0);
	assert_string_equal(json_string_value(json_object_get(mf, "manager")), "landfall");
	assert_string_equal(json_string_value(json_object_get(mf, "operation")), "Apply");
	json_decref(out);

	/* The same apply again changes nothing. */
	expect_ok(k8s_apply(c, path, cm, 0, &out, &cause), &cause);
	assert_string_equal(rv_of(out), rv);
	json_decref(out);

	/* Someone else changes a field Landfall owns... */
	json_t *patch = parse("{\"data\":{\"a\":\"changed\"}}");
	char *ppath = lf_asprintf("%s?fieldManager=someone-else", path);
	expect_ok(
		k8s_request(c, "PATCH", ppath, "application/merge-patch+json", patch, NULL, &cause),
		&cause);
	free(ppath);
	json_decref(patch);
	/* ...an apply without force is a conflict (409, in plain words)... */
	ppath = lf_asprintf("%s?fieldManager=landfall", path);
	assert_int_equal(
		k8s_request(c, "PATCH", ppath, "application/apply-patch+yaml", cm, NULL, &cause),
		K8S_ERR_CONFLICT);
	assert_contains(cause, "conflicts with the object's current state");
	assert_contains(cause, "conflict with \"someone-else\"");
	assert_contains(cause, ".data.a");
	assert_string_equal(k8s_client_last_reason(c), "Conflict");
	free(ppath);
	/* ...while Landfall's apply (force=true) takes the field back. */
	expect_ok(k8s_apply(c, path, cm, 0, &out, &cause), &cause);
	assert_string_equal(json_string_value(json_object_get(json_object_get(out, "data"), "a")),
			    "1");
	json_decref(out);
	json_decref(cm);

	/* Dry run: validated, answered, not stored. */
	json_t *dry = configmap("dry-run-only", "{\"x\":\"y\"}");
	const char *dpath = "/api/v1/namespaces/clearml/configmaps/dry-run-only";
	expect_ok(k8s_apply(c, dpath, dry, K8S_APPLY_DRY_RUN, NULL, &cause), &cause);
	assert_int_equal(k8s_get(c, dpath, NULL, &cause), K8S_ERR_NOT_FOUND);
	free(cause);
	cause = NULL;
	json_decref(dry);
	free(rv);
	k8s_client_free(c);
}

static json_t *deployment(const char *name, int replicas, const char *node_label)
{
	char *text = lf_asprintf(
		"{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"name\":\"%s\","
		"\"namespace\":\"clearml\"},\"spec\":{\"replicas\":%d,\"strategy\":{\"type\":"
		"\"Recreate\"},\"selector\":{\"matchLabels\":{\"app\":\"%s\"}},\"template\":{"
		"\"metadata\":{\"labels\":{\"app\":\"%s\"}},\"spec\":{\"nodeSelector\":{\"app\":"
		"\"%s\"},\"containers\":[{\"name\":\"%s\",\"image\":\"allegroai/"
		"clearml:1.16\"}]}}}}",
		name, replicas, name, name, node_label, name);
	json_t *j = parse(text);
	free(text);
	return j;
}

static void collect(const char *message, void *user)
{
	json_array_append_new((json_t *)user, json_string(message));
}

static void rollout_is_waited_for(void **state)
{
	(void)state;
	struct k8s_client *c = client("admin");
	ensure_namespace(c, "clearml");
	json_t *dep = deployment("web", 1, "clearml");
	char *path = NULL, *cause = NULL;
	expect_ok(k8s_object_path(c, dep, NULL, &path, &cause), &cause);
	assert_string_equal(path, "/apis/apps/v1/namespaces/clearml/deployments/web");
	json_t *out = NULL;
	expect_ok(k8s_apply(c, path, dep, 0, &out, &cause), &cause);
	assert_int_equal(
		json_integer_value(json_object_get(json_object_get(out, "metadata"), "generation")),
		1);
	assert_int_equal(k8s_rollout_status(out, NULL), K8S_ROLLOUT_WAITING);
	json_decref(out);

	json_t *seen = json_array();
	enum k8s_rollout st;
	char *msg = NULL;
	expect_ok(k8s_rollout_wait(c, path, 20000, 50, collect, seen, &st, &msg, &cause), &cause);
	assert_int_equal(st, K8S_ROLLOUT_DONE);
	assert_contains(msg, "\"web\" successfully rolled out");
	assert_true(json_array_size(seen) >= 3); /* observed, updated, available, done */
	char *all = json_dumps(seen, 0);
	assert_contains(all, "spec update to be observed");
	assert_contains(all, "updated replicas are available");
	free(all);
	free(msg);
	json_decref(seen);

	/* A spec change bumps the generation and starts a new rollout. */
	json_decref(dep);
	dep = deployment("web", 2, "clearml");
	expect_ok(k8s_apply(c, path, dep, 0, &out, &cause), &cause);
	assert_int_equal(
		json_integer_value(json_object_get(json_object_get(out, "metadata"), "generation")),
		2);
	assert_int_equal(k8s_rollout_status(out, NULL), K8S_ROLLOUT_WAITING);
	json_decref(out);
	expect_ok(k8s_rollout_wait(c, path, 20000, 50, NULL, NULL, &st, &msg, &cause), &cause);
	assert_int_equal(st, K8S_ROLLOUT_DONE);
	free(msg);
	/* Applying the same again keeps the generation. */
	expect_ok(k8s_apply(c, path, dep, 0, &out, &cause), &cause);
	assert_int_equal(
		json_integer_value(json_object_get(json_object_get(out, "metadata"), "generation")),
		2);
	json_decref(out);
	json_decref(dep);
	free(path);

	/* No node carries the label: the rollout fails as kubectl reports it. */
	dep = deployment("stuck", 1, "nowhere");
	const char *spath = "/apis/apps/v1/namespaces/clearml/deployments/stuck";
	expect_ok(k8s_apply(c, spath, dep, 0, NULL, &cause), &cause);
	expect_ok(k8s_rollout_wait(c, spath, 20000, 20, NULL, NULL, &st, &msg, &cause), &cause);
	assert_int_equal(st, K8S_ROLLOUT_FAILED);
	assert_contains(msg, "\"stuck\" exceeded its progress deadline");
	free(msg);
	json_decref(dep);

	/* Too slow for the time given: still waiting, says what is missing. */
	dep = deployment("slow", 1, "clearml");
	json_object_set_new(json_object_get(dep, "metadata"), "annotations",
			    json_pack("{s:s}", "standin.landfall.test/reads-per-step", "1000"));
	const char *wpath = "/apis/apps/v1/namespaces/clearml/deployments/slow";
	expect_ok(k8s_apply(c, wpath, dep, 0, NULL, &cause), &cause);
	expect_ok(k8s_rollout_wait(c, wpath, 300, 50, NULL, NULL, &st, &msg, &cause), &cause);
	assert_int_equal(st, K8S_ROLLOUT_WAITING);
	assert_contains(msg, "timed out after 0 s");
	assert_contains(msg, "spec update to be observed");
	free(msg);
	json_decref(dep);
	k8s_client_free(c);
}

/* ---- access reviews and error paths ------------------------------------- */

static void access_review_allowed_and_denied(void **state)
{
	(void)state;
	struct k8s_client *c = client("limited");
	bool allowed = true;
	char *reason = NULL, *cause = NULL;
	struct k8s_access read = {.verb = "list", .resource = "pods", .namespace_ = "clearml"};
	expect_ok(k8s_access_review(c, &read, &allowed, &reason, &cause), &cause);
	assert_true(allowed);
	assert_string_equal(reason, "read-only for limited-user");
	free(reason);
	struct k8s_access write = {.verb = "create",
				   .group = "apps",
				   .resource = "deployments",
				   .namespace_ = "clearml"};
	expect_ok(k8s_access_review(c, &write, &allowed, &reason, &cause), &cause);
	assert_false(allowed);
	assert_null(reason);
	struct k8s_access del = {.verb = "delete", .resource = "namespaces", .name = "clearml"};
	expect_ok(k8s_access_review(c, &del, &allowed, &reason, &cause), &cause);
	assert_false(allowed);
	assert_string_equal(reason, "deletes are reserved for admins");
	free(reason);
	json_t *r = last_request("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews");
	assert_int_equal(json_integer_value(json_object_get(r, "status")), 201);
	json_decref(r);

	/* Doing it anyway: 403 in plain words. */
	json_t *cm = configmap("forbidden", "{}");
	assert_int_equal(k8s_create(c, "/api/v1/namespaces/clearml/configmaps", cm, NULL, &cause),
			 K8S_ERR_FORBIDDEN);
	assert_contains(cause, "POST /api/v1/namespaces/clearml/configmaps: permission denied");
	assert_contains(cause, "HTTP 403 Forbidden");
	assert_contains(cause, "User \"limited-user\" cannot create resource \"configmaps\"");
	assert_false(k8s_status_retryable(K8S_ERR_FORBIDDEN));
	json_decref(cm);
	free(cause);
	cause = NULL;
	k8s_client_free(c);
}

static void not_found_conflict_invalid(void **state)
{
	(void)state;
	struct k8s_client *c = client("admin");
	ensure_namespace(c, "clearml");
	char *cause = NULL;
	json_t *out = (json_t *)1;
	assert_int_equal(k8s_get(c, "/api/v1/namespaces/clearml/configmaps/nope", &out, &cause),
			 K8S_ERR_NOT_FOUND);
	assert_null(out);
	assert_int_equal(k8s_client_last_code(c), 404);
	assert_string_equal(k8s_client_last_reason(c), "NotFound");
	assert_contains(cause, "not found (HTTP 404 NotFound): configmaps \"nope\" not found");
	assert_int_equal(k8s_client_requests(c), 2); /* the namespace apply, then one GET */

	/* Creating what exists: 409 AlreadyExists. */
	json_t *ns = parse("{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":"
			   "{\"name\":\"default\"}}");
	assert_int_equal(k8s_create(c, "/api/v1/namespaces", ns, NULL, &cause), K8S_ERR_CONFLICT);
	assert_string_equal(k8s_client_last_reason(c), "AlreadyExists");
	assert_contains(cause, "it already exists");
	assert_contains(cause, "namespaces \"default\" already exists");
	json_decref(ns);

	/* Into a namespace that does not exist: 404 for the namespace. */
	json_t *cm = configmap("x", "{}");
	json_object_set_new(json_object_get(cm, "metadata"), "namespace", json_string("ghost"));
	assert_int_equal(k8s_apply(c, "/api/v1/namespaces/ghost/configmaps/x", cm, 0, NULL, &cause),
			 K8S_ERR_NOT_FOUND);
	assert_contains(cause, "namespaces \"ghost\" not found");
	json_decref(cm);

	/* Invalid objects: 422 with the field. */
	json_t *svc =
		parse("{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":"
		      "\"bad-port\",\"namespace\":\"clearml\"},\"spec\":{\"type\":\"NodePort\","
		      "\"selector\":{\"app\":\"x\"},\"ports\":[{\"port\":80,\"nodePort\":"
		      "99999}]}}");
	assert_int_equal(
		k8s_apply(c, "/api/v1/namespaces/clearml/services/bad-port", svc, 0, NULL, &cause),
		K8S_ERR_INVALID);
	assert_contains(cause, "the object was rejected as invalid (HTTP 422 Invalid)");
	assert_contains(cause, "spec.ports[0].nodePort");
	assert_contains(cause, "valid range");
	json_decref(svc);
	const char *web = "{\"apiVersion\":\"v1\",\"kind\":\"Service\",\"metadata\":{\"name\":"
			  "\"%s\",\"namespace\":\"clearml\"},\"spec\":{\"type\":\"NodePort\","
			  "\"selector\":{\"app\":\"web\"},\"ports\":[{\"port\":80,\"nodePort\":"
			  "30080}]}}";
	char *t1 = lf_asprintf(web, "webserver"), *t2 = lf_asprintf(web, "webserver-copy");
	json_t *s1 = parse(t1), *s2 = parse(t2);
	expect_ok(
		k8s_apply(c, "/api/v1/namespaces/clearml/services/webserver", s1, 0, NULL, &cause),
		&cause);
	assert_int_equal(k8s_apply(c, "/api/v1/namespaces/clearml/services/webserver-copy", s2, 0,
				   NULL, &cause),
			 K8S_ERR_INVALID);
	assert_contains(cause, "provided port is already allocated");
	json_decref(s1);
	json_decref(s2);
	free(t1);
	free(t2);
	free(cause);
	cause = NULL;
	k8s_client_free(c);
}

static void delete_is_foreground(void **state)
{
	(void)state;
	struct k8s_client *c = client("admin");
	ensure_namespace(c, "clearml");
	const char *path = "/api/v1/namespaces/clearml/configmaps/to-delete";
	json_t *cm = configmap("to-delete", "{\"k\":\"v\"}");
	char *cause = NULL;
	expect_ok(k8s_apply(c, path, cm, 0, NULL, &cause), &cause);
	json_decref(cm);
	json_t *out = NULL;
	expect_ok(k8s_delete(c, path, &out, &cause), &cause);
	json_t *md = json_object_get(out, "metadata");
	assert_non_null(json_object_get(md, "deletionTimestamp"));
	assert_string_equal(json_string_value(json_array_get(json_object_get(md, "finalizers"), 0)),
			    "foregroundDeletion");
	json_decref(out);
	/* Still readable once while dependents go, then gone. */
	expect_ok(k8s_get(c, path, NULL, &cause), &cause);
	assert_int_equal(k8s_get(c, path, NULL, &cause), K8S_ERR_NOT_FOUND);
	assert_int_equal(k8s_delete(c, path, NULL, &cause), K8S_ERR_NOT_FOUND);
	free(cause);
	cause = NULL;
	k8s_client_free(c);
}

static void list_pages_and_selectors(void **state)
{
	(void)state;
	struct k8s_client_options o = {.max_attempts = 2, .page_size = 3};
	struct k8s_client *c = NULL;
	char *cause = NULL, *kc = k8s_peer_path(&peer, "kubeconfig");
	assert_int_equal(k8s_client_open(kc, "admin", &o, &c, &cause), 0);
	free(kc);
	ensure_namespace(c, "paging");
	for (int i = 0; i < 7; i++) {
		char *text =
			lf_asprintf("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":"
				    "{\"name\":\"cm-%d\",\"labels\":{\"parity\":\"%s\"}}}",
				    i, i % 2 ? "odd" : "even");
		json_t *obj = parse(text);
		assert_int_equal(
			k8s_create(c, "/api/v1/namespaces/paging/configmaps", obj, NULL, &cause),
			K8S_OK);
		json_decref(obj);
		free(text);
	}
	unsigned before = k8s_client_requests(c);
	json_t *list = NULL;
	expect_ok(k8s_list(c, "/api/v1/namespaces/paging/configmaps", NULL, &list, &cause), &cause);
	assert_int_equal(json_array_size(json_object_get(list, "items")), 7);
	assert_null(json_object_get(json_object_get(list, "metadata"), "continue"));
	assert_int_equal(k8s_client_requests(c) - before, 3);
	json_decref(list);
	expect_ok(k8s_list(c, "/api/v1/namespaces/paging/configmaps", "parity=odd", &list, &cause),
		  &cause);
	assert_int_equal(json_array_size(json_object_get(list, "items")), 3);
	json_decref(list);
	k8s_client_free(c);
}

static void node_labels_by_merge_patch(void **state)
{
	(void)state;
	struct k8s_client *c = client("admin");
	char *cause = NULL;
	json_t *list = NULL;
	expect_ok(k8s_list(c, "/api/v1/nodes", "app=clearml", &list, &cause), &cause);
	assert_int_equal(json_array_size(json_object_get(list, "items")), 1);
	json_decref(list);
	json_t *patch = parse("{\"metadata\":{\"labels\":{\"app\":\"clearml\"}}}");
	json_t *out = NULL;
	expect_ok(k8s_merge_patch(c, "/api/v1/nodes/node-b", patch, &out, &cause), &cause);
	assert_string_equal(
		json_string_value(json_object_get(
			json_object_get(json_object_get(out, "metadata"), "labels"), "app")),
		"clearml");
	json_decref(out);
	json_decref(patch);
	expect_ok(k8s_list(c, "/api/v1/nodes", "app=clearml", &list, &cause), &cause);
	assert_int_equal(json_array_size(json_object_get(list, "items")), 2);
	json_decref(list);
	/* null removes the label again */
	patch = parse("{\"metadata\":{\"labels\":{\"app\":null}}}");
	expect_ok(k8s_merge_patch(c, "/api/v1/nodes/node-b", patch, NULL, &cause), &cause);
	json_decref(patch);
	expect_ok(k8s_list(c, "/api/v1/nodes", "app=clearml", &list, &cause), &cause);
	assert_int_equal(json_array_size(json_object_get(list, "items")), 1);
	json_decref(list);
	k8s_client_free(c);
}

/* ---- retries ------------------------------------------------------------ */

static void retries_on_throttling_5xx_and_drops(void **state)
{
	(void)state;
	assert_int_equal(k8s_status_from_http(429), K8S_ERR_THROTTLED);
	assert_int_equal(k8s_status_from_http(503), K8S_ERR_SERVER);
	assert_int_equal(k8s_status_from_http(422), K8S_ERR_INVALID);
	assert_int_equal(k8s_status_from_http(418), K8S_ERR_PROTOCOL);
	assert_true(k8s_status_retryable(K8S_ERR_THROTTLED));
	assert_true(k8s_status_retryable(K8S_ERR_SERVER));
	assert_true(k8s_status_retryable(K8S_ERR_CONNECT));
	assert_false(k8s_status_retryable(K8S_ERR_NOT_FOUND));
	assert_false(k8s_status_retryable(K8S_ERR_CONFLICT));
	assert_false(k8s_status_retryable(K8S_ERR_INVALID));
	assert_false(k8s_status_retryable(K8S_ERR_UNAUTHORIZED));

	struct events *evs = events_new();
	struct k8s_client *c = client_ex(NULL, "admin", 4, evs);
	char *cause = NULL;
	/* Two 503s, then the answer. */
	control("fail", "{\"code\": 503, \"count\": 2}");
	unsigned n0 = k8s_client_requests(c);
	expect_ok(k8s_get(c, "/api/v1/namespaces/default", NULL, &cause), &cause);
	assert_int_equal(k8s_client_requests(c) - n0, 3);

	/* 429 with Retry-After: 1 is waited for. */
	control("fail", "{\"code\": 429, \"count\": 1, \"retry_after\": 1}");
	long long t0 = lf_now_ms();
	expect_ok(k8s_get(c, "/api/v1/namespaces/default", NULL, &cause), &cause);
	assert_true(lf_now_ms() - t0 >= 350); /* capped by max_backoff_ms 400 */

	/* Still failing after every attempt: the last answer, in words. */
	control("fail", "{\"code\": 500, \"count\": 4}");
	n0 = k8s_client_requests(c);
	assert_int_equal(k8s_get(c, "/api/v1/namespaces/default", NULL, &cause), K8S_ERR_SERVER);
	assert_int_equal(k8s_client_requests(c) - n0, 4);
	assert_contains(cause, "internal error (HTTP 500 InternalError)");

	/* Dropped connections are retried for a GET. (libcurl itself resends
	 * once when a reused connection dies, so drop twice: the second drop
	 * hits a fresh connection and reaches Landfall's retry.) */
	ensure_namespace(c, "clearml");
	reset_log();
	control("drop", "{\"count\": 2}");
	n0 = k8s_client_requests(c);
	expect_ok(k8s_get(c, "/api/v1/namespaces/clearml", NULL, &cause), &cause);
	assert_int_equal(k8s_client_requests(c) - n0, 2);
	char *s = statuses("/api/v1/namespaces/clearml");
	assert_string_equal(s, "dropped,dropped,200");
	free(s);

	/* ...and for an apply (idempotent), but not for a create, which goes
	 * on a fresh connection and is sent once only. */
	json_t *cm = configmap("dropped-apply", "{}");
	control("drop", "{\"count\": 2}");
	expect_ok(k8s_apply(c, "/api/v1/namespaces/clearml/configmaps/dropped-apply", cm, 0, NULL,
			    &cause),
		  &cause);
	json_decref(cm);
	cm = configmap("dropped-create", "{}");
	reset_log();
	control("drop", "{\"count\": 1}");
	n0 = k8s_client_requests(c);
	assert_int_equal(k8s_create(c, "/api/v1/namespaces/clearml/configmaps", cm, NULL, &cause),
			 K8S_ERR_CONNECT);
	assert_int_equal(k8s_client_requests(c) - n0, 1);
	assert_contains(cause, "cannot reach the API server");
	s = statuses("/api/v1/namespaces/clearml/configmaps");
	assert_string_equal(s, "dropped");
	free(s);
	assert_int_equal(
		k8s_get(c, "/api/v1/namespaces/clearml/configmaps/dropped-create", NULL, &cause),
		K8S_ERR_NOT_FOUND);
	json_decref(cm);
	free(cause);
	cause = NULL;
	k8s_client_free(c);
	events_free(evs);
}

static void server_restart_keeps_state(void **state)
{
	(void)state;
	struct k8s_client *c = client_ex(NULL, "admin", 2, NULL);
	char *cause = NULL;
	ensure_namespace(c, "clearml");
	json_t *cm = configmap("survives", "{\"k\":\"v\"}");
	const char *path = "/api/v1/namespaces/clearml/configmaps/survives";
	expect_ok(k8s_apply(c, path, cm, 0, NULL, &cause), &cause);
	json_decref(cm);
	k8s_peer_stop(&peer);
	assert_int_equal(k8s_get(c, path, NULL, &cause), K8S_ERR_CONNECT);
	assert_contains(cause, "cannot reach the API server at https://127.0.0.1:");
	free(cause);
	cause = NULL;
	int port = peer.port;
	if (k8s_peer_restart(&peer, &cause) != 0)
		fail_msg("restart: %s", cause);
	assert_int_equal(peer.port, port);
	json_t *out = NULL;
	expect_ok(k8s_get(c, path, &out, &cause), &cause);
	assert_string_equal(json_string_value(json_object_get(json_object_get(out, "data"), "k")),
			    "v");
	json_decref(out);
	k8s_client_free(c);
}

/* ---- kubectl reads back what was applied -------------------------------- */

static void kubectl_reads_back(void **state)
{
	(void)state;
	const char *need[] = {"kubectl", NULL};
	char *cause = NULL;
	if (k8s_peer_require(need, &cause) != 0)
		fail_msg("%s", cause);
	char *kc = k8s_peer_path(&peer, "kubeconfig");
	char *cache = in_dir("kubectl-cache");
	char *out = NULL;
	char *get_deploy[] = {"kubectl", "--kubeconfig",	  kc,	"--cache-dir", cache,
			      "get",	 "deployments",		  "-n", "clearml",     "-o",
			      "json",	 "--show-managed-fields", NULL};
	int rc = k8s_peer_run(get_deploy, &out);
	if (rc != 0)
		fail_msg("kubectl get deployments: exit %d: %s", rc, out);
	json_t *list = parse(out);
	free(out);
	char *names = lf_xstrdup("");
	size_t i;
	json_t *it;
	json_array_foreach(json_object_get(list, "items"), i, it)
	{
		assert_string_equal(json_string_value(json_object_get(it, "kind")), "Deployment");
		const char *n =
			json_string_value(json_object_get(json_object_get(it, "metadata"), "name"));
		char *more = lf_asprintf("%s %s", names, n);
		free(names);
		names = more;
		if (strcmp(n, "web") == 0) {
			json_t *mf =
				json_object_get(json_object_get(it, "metadata"), "managedFields");
			char *d = json_dumps(mf, 0);
			assert_contains(d, "\"manager\": \"landfall\"");
			free(d);
			assert_int_equal(json_integer_value(json_object_get(
						 json_object_get(it, "spec"), "replicas")),
					 2);
		}
	}
	assert_contains(names, " web");
	assert_contains(names, " stuck");
	free(names);
	json_decref(list);

	char *get_nodes[] = {"kubectl", "--kubeconfig", kc,   "--cache-dir", cache,
			     "get",	"nodes",	"-l", "app=clearml", NULL};
	rc = k8s_peer_run(get_nodes, &out);
	if (rc != 0)
		fail_msg("kubectl get nodes: exit %d: %s", rc, out);
	assert_contains(out, "node-a");
	assert_contains(out, "Ready");
	assert_null(strstr(out, "node-b"));
	free(out);

	/* tls-server-name works for kubectl too, and the table printer gets
	 * the stand-in's Table. */
	char *get_cm[] = {"kubectl",	"--kubeconfig", kc,	   "--cache-dir",
			  cache,	"--context",	"by-name", "get",
			  "configmaps", "-n",		"clearml", NULL};
	rc = k8s_peer_run(get_cm, &out);
	if (rc != 0)
		fail_msg("kubectl get configmaps: exit %d: %s", rc, out);
	assert_contains(out, "clearml-conf");
	assert_contains(out, "survives");
	assert_contains(out, "DATA");
	free(out);

	char *get_svc[] = {"kubectl", "--kubeconfig", kc,	  "--cache-dir", cache, "--context",
			   "token",   "get",	      "services", "webserver",	 NULL};
	rc = k8s_peer_run(get_svc, &out);
	if (rc != 0)
		fail_msg("kubectl get services: exit %d: %s", rc, out);
	assert_contains(out, "80:30080/TCP");
	free(out);

	/* kubectl asked for what it needed and got plain answers. */
	json_t *log = k8s_peer_requests(&peer);
	bool saw_discovery = false;
	json_array_foreach(log, i, it)
	{
		const char *p = json_string_value(json_object_get(it, "path"));
		const char *ua = json_string_value(json_object_get(it, "userAgent"));
		if (p && ua && strncmp(ua, "kubectl/", 8) == 0 && strcmp(p, "/api") == 0) {
			/* It asks for aggregated discovery first; the stand-in
			 * answers with plain discovery, which kubectl accepts. */
			saw_discovery = true;
			assert_contains(json_string_value(json_object_get(it, "accept")),
					"as=APIGroupDiscoveryList");
			assert_int_equal(json_integer_value(json_object_get(it, "status")), 200);
		}
	}
	json_decref(log);
	assert_true(saw_discovery);
	free(kc);
	free(cache);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(version_over_verified_tls),
		cmocka_unit_test(wrong_ca_is_refused),
		cmocka_unit_test(tls_server_name_is_honoured),
		cmocka_unit_test(client_certificate_auth),
		cmocka_unit_test(token_auth),
		cmocka_unit_test(token_file_reread_after_401),
		cmocka_unit_test(exec_plugin_token_refreshed_after_401),
		cmocka_unit_test(exec_plugin_client_certificate),
		cmocka_unit_test(discovery_finds_resources),
		cmocka_unit_test(ssa_creates_then_merges),
		cmocka_unit_test(rollout_is_waited_for),
		cmocka_unit_test(access_review_allowed_and_denied),
		cmocka_unit_test(not_found_conflict_invalid),
		cmocka_unit_test(delete_is_foreground),
		cmocka_unit_test(list_pages_and_selectors),
		cmocka_unit_test(node_labels_by_merge_patch),
		cmocka_unit_test(retries_on_throttling_5xx_and_drops),
		cmocka_unit_test(server_restart_keeps_state),
		cmocka_unit_test(kubectl_reads_back),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
