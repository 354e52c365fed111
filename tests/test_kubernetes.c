/* The kubernetes backend's plan and manifests: every manifest rendered for
 * realistic configurations is validated against the Kubernetes JSON Schemas
 * in ../shared/k8s-schemas with Python's jsonschema
 * (tests/k8s_schema_check.py), and its content checked against the guide. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "k8s_peer.h"
#include "kubernetes/kubernetes.h"
#include "util.h"

static const struct server_user users[] = {
	{"admin", "Cluster Admin", "S3cret \"quoted\"\\ back", true},
	{"alice", "Alice", "alice-pw", false},
};

static struct k8s_config config_hostpath(void)
{
	return (struct k8s_config){
		.install_id = "clearml-k8s",
		.namespace_ = "clearml",
		.node = "worker-3",
		.storage = "hostpath",
		.base_dir = "/opt/clearml",
		.elastic_init = true,
		.domain = "clearml.example.com",
		.port_api = 30008,
		.port_web = 30080,
		.port_files = 30081,
		.users = users,
		.nusers = LF_ARRAY_LEN(users),
	};
}

static struct k8s_config config_pvc(const char *storage_class)
{
	struct k8s_config c = config_hostpath();
	c.storage = "pvc";
	c.storage_class = storage_class;
	c.elastic_init = false;
	c.node = NULL;
	c.namespace_ = "ml-server";
	/* With an image pull secret: validated with the rest. */
	c.registry = "registry.example.com";
	c.registry_user = "pull-bot";
	c.registry_password = "pull \"pw\" $x";
	return c;
}

/* Every object of the plan's actions, in order (new reference). */
static json_t *all_manifests(const struct k8s_config *c)
{
	struct plan p = {0};
	char *cause = NULL;
	assert_int_equal(kubernetes_plan(c, &p, &cause), 0);
	json_t *all = json_array();
	for (size_t i = 0; i < p.n; i++) {
		assert_non_null(p.actions[i].ops);
		json_t *objs = NULL;
		if (k8s_manifests(c, p.actions[i].id, &objs, &cause) != 0)
			fail_msg("%s: %s", p.actions[i].id, cause);
		json_array_extend(all, objs);
		json_decref(objs);
	}
	plan_clear(&p);
	return all;
}

static json_t *find(json_t *all, const char *kind, const char *name)
{
	size_t i;
	json_t *o;
	json_array_foreach(all, i, o)
	{
		const char *k = json_string_value(json_object_get(o, "kind"));
		const char *n =
			json_string_value(json_object_get(json_object_get(o, "metadata"), "name"));
		if (k && n && strcmp(k, kind) == 0 && strcmp(n, name) == 0)
			return o;
	}
	fail_msg("no %s/%s", kind, name);
	return NULL;
}

/* Run the schema check on `all`; fails the test with its output. */
static void schema_check(json_t *all, const char *label)
{
	const char *schemas = LANDFALL_SOURCE_DIR "/../shared/k8s-schemas";
	if (access(schemas, R_OK) != 0)
		fail_msg("the Kubernetes JSON Schemas are missing: %s (CI clones shared/ beside "
			 "the repository)",
			 schemas);
	char tmpl[] = "/tmp/landfall-k8s-manifests.XXXXXX";
	int fd = mkstemp(tmpl);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(json_dump_file(all, tmpl, JSON_INDENT(1)), 0);
	char *cmd = lf_asprintf("python3 '%s/tests/k8s_schema_check.py' '%s' '%s' 2>&1",
				LANDFALL_SOURCE_DIR, schemas, tmpl);
	FILE *f = popen(cmd, "r");
	assert_non_null(f);
	char buf[65536];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	int st = pclose(f);
	free(cmd);
	unlink(tmpl);
	printf("%s: %s", label, buf);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail_msg("%s: manifests do not validate:\n%s", label, buf);
}

static void test_schemas(void **state)
{
	(void)state;
	struct k8s_config configs[] = {config_hostpath(), config_pvc("fast-ssd"), config_pvc(NULL)};
	const char *labels[] = {"hostpath + init", "pvc + class", "pvc, default class"};
	for (size_t i = 0; i < LF_ARRAY_LEN(configs); i++) {
		json_t *all = all_manifests(&configs[i]);
		assert_true(json_array_size(all) >= 13);
		schema_check(all, labels[i]);
		json_decref(all);
	}
}

static json_t *pod_spec(json_t *dep)
{
	return json_object_get(json_object_get(json_object_get(dep, "spec"), "template"), "spec");
}

static void test_deployments_follow_the_guide(void **state)
{
	(void)state;
	struct k8s_config c = config_hostpath();
	json_t *all = all_manifests(&c);
	for (size_t i = 0; k8s_deployments[i]; i++) {
		json_t *d = find(all, "Deployment", k8s_deployments[i]);
		json_t *spec = json_object_get(d, "spec");
		assert_string_equal(json_string_value(json_object_get(
					    json_object_get(spec, "strategy"), "type")),
				    "Recreate");
		assert_string_equal(json_string_value(json_object_get(
					    json_object_get(pod_spec(d), "nodeSelector"), "app")),
				    "clearml");
		assert_string_equal(json_string_value(json_object_get(
					    json_object_get(d, "metadata"), "namespace")),
				    "clearml");
	}
	/* Data on the node under base_dir. */
	json_t *vols = json_object_get(pod_spec(find(all, "Deployment", "mongo")), "volumes");
	assert_string_equal(json_string_value(json_object_get(
				    json_object_get(json_array_get(vols, 0), "hostPath"), "path")),
			    "/opt/clearml/data/mongo_4");
	/* The privileged sysctl init container, and the ES settings. */
	json_t *es = pod_spec(find(all, "Deployment", "elastic"));
	json_t *init = json_array_get(json_object_get(es, "initContainers"), 0);
	assert_true(json_is_true(
		json_object_get(json_object_get(init, "securityContext"), "privileged")));
	char *env = json_dumps(
		json_object_get(json_array_get(json_object_get(es, "containers"), 0), "env"), 0);
	assert_non_null(strstr(env, "\"discovery.type\", \"value\": \"single-node\""));
	free(env);
	/* Node ports of the guide. */
	struct {
		const char *name;
		int port, node_port;
	} ports[] = {
		{"apiserver", 8008, 30008}, {"webserver", 80, 30080}, {"fileserver", 8081, 30081}};
	for (size_t i = 0; i < LF_ARRAY_LEN(ports); i++) {
		json_t *p = json_array_get(
			json_object_get(
				json_object_get(find(all, "Service", ports[i].name), "spec"),
				"ports"),
			0);
		assert_int_equal(json_integer_value(json_object_get(p, "port")), ports[i].port);
		assert_int_equal(json_integer_value(json_object_get(p, "nodePort")),
				 ports[i].node_port);
	}
	find(all, "Service", "mongo");
	find(all, "Service", "elasticsearch");
	find(all, "Service", "redis");
	/* The Secret carries apiserver.conf with the users, quotes escaped. */
	const char *conf = json_string_value(
		json_object_get(json_object_get(find(all, "Secret", "clearml-conf"), "stringData"),
				"apiserver.conf"));
	assert_non_null(conf);
	assert_non_null(strstr(conf, "username: \"alice\""));
	assert_non_null(strstr(conf, "S3cret \\\"quoted\\\"\\\\ back"));
	json_decref(all);
}

static void test_pvc(void **state)
{
	(void)state;
	struct k8s_config c = config_pvc("fast-ssd");
	json_t *all = all_manifests(&c);
	json_t *claim = find(all, "PersistentVolumeClaim", "clearml-elastic");
	assert_string_equal(json_string_value(json_object_get(json_object_get(claim, "spec"),
							      "storageClassName")),
			    "fast-ssd");
	json_t *pull = find(all, "Secret", "clearml-registry");
	assert_string_equal(json_string_value(json_object_get(pull, "type")),
			    "kubernetes.io/dockerconfigjson");
	json_t *dc = json_loads(json_string_value(json_object_get(
					json_object_get(pull, "stringData"), ".dockerconfigjson")),
				0, NULL);
	json_t *auth = json_object_get(json_object_get(dc, "auths"), "registry.example.com");
	assert_string_equal(json_string_value(json_object_get(auth, "password")), "pull \"pw\" $x");
	json_decref(dc);
	json_t *es = pod_spec(find(all, "Deployment", "elastic"));
	assert_string_equal(json_string_value(json_object_get(
				    json_array_get(json_object_get(es, "imagePullSecrets"), 0), "name")),
			    "clearml-registry");
	/* No privileged container without elastic_init. */
	char *text = json_dumps(es, 0);
	assert_null(strstr(text, "privileged"));
	assert_null(strstr(text, "hostPath"));
	free(text);
	json_decref(all);
	c = config_pvc(NULL);
	all = all_manifests(&c);
	claim = find(all, "PersistentVolumeClaim", "clearml-mongo");
	assert_null(json_object_get(json_object_get(claim, "spec"), "storageClassName"));
	json_decref(all);
}

static void test_unresolved_password(void **state)
{
	(void)state;
	struct server_user u[] = {{"admin", "Admin", NULL, true}};
	struct k8s_config c = config_hostpath();
	c.users = u;
	c.nusers = 1;
	json_t *objs = NULL;
	char *cause = NULL;
	assert_int_equal(k8s_manifests(&c, "secret", &objs, &cause), -1);
	assert_non_null(strstr(cause, "admin_users[0]"));
	free(cause);
	/* Other manifests need no password. */
	assert_int_equal(k8s_manifests(&c, "deploy-mongo", &objs, &cause), 0);
	assert_int_equal(json_array_size(objs), 1);
	json_decref(objs);
	assert_int_equal(k8s_manifests(&c, "rollout", &objs, &cause), 0);
	assert_int_equal(json_array_size(objs), 0);
	json_decref(objs);
}

static const char *str_at(json_t *o, const char *a, const char *b)
{
	json_t *v = json_object_get(o, a);
	return json_string_value(b ? json_object_get(v, b) : v);
}

/* destroy --purge's pod: bound to the recorded node (else the label), one
 * container deleting exactly the directories the Deployments mount, and
 * nothing else; valid as a pod template (shared/k8s-schemas has no Pod
 * schema: k8s_schema_check.py validates a Pod as a Deployment's template). */
static void test_purge_pod(void **state)
{
	(void)state;
	struct k8s_config c = config_hostpath();
	json_t *pod = NULL;
	char *cause = NULL;
	assert_int_equal(k8s_purge_pod(&c, "/srv/ml data", "worker-3", "clearml-purge-1", &pod, &cause), 0);
	assert_string_equal(str_at(pod, "kind", NULL), "Pod");
	assert_string_equal(str_at(pod, "metadata", "name"), "clearml-purge-1");
	assert_string_equal(str_at(pod, "metadata", "namespace"), "clearml");
	json_t *spec = json_object_get(pod, "spec");
	assert_string_equal(str_at(spec, "restartPolicy", NULL), "Never");
	assert_string_equal(str_at(spec, "nodeName", NULL), "worker-3");
	assert_null(json_object_get(spec, "nodeSelector"));
	json_t *vol = json_object_get(json_array_get(json_object_get(spec, "volumes"), 0), "hostPath");
	assert_string_equal(str_at(vol, "path", NULL), "/srv/ml data");
	assert_string_equal(str_at(vol, "type", NULL), "Directory");
	json_t *ctr = json_array_get(json_object_get(spec, "containers"), 0);
	const char *mount = str_at(json_array_get(json_object_get(ctr, "volumeMounts"), 0), "mountPath", NULL);
	assert_string_equal(mount, "/clearml");
	json_t *cmd = json_object_get(ctr, "command");
	const char *head[] = {"rm", "-rf", "--one-file-system", "--"};
	for (size_t i = 0; i < LF_ARRAY_LEN(head); i++)
		assert_string_equal(json_string_value(json_array_get(cmd, i)), head[i]);
	size_t n = 0;
	while (k8s_data_paths[n])
		n++;
	assert_int_equal(json_array_size(cmd), LF_ARRAY_LEN(head) + n);
	for (size_t i = 0; i < n; i++) {
		char *want = lf_asprintf("/clearml/%s", k8s_data_paths[i]);
		assert_string_equal(json_string_value(json_array_get(cmd, LF_ARRAY_LEN(head) + i)), want);
		free(want);
	}
	/* Without a recorded node: the labelled one. */
	json_t *pod2 = NULL;
	assert_int_equal(k8s_purge_pod(&c, "/opt/clearml", NULL, "p2", &pod2, &cause), 0);
	spec = json_object_get(pod2, "spec");
	assert_null(json_object_get(spec, "nodeName"));
	assert_string_equal(str_at(spec, "nodeSelector", "app"), "clearml");
	json_t *both = json_pack("[o, o]", pod, pod2);
	schema_check(both, "purge pod");
	json_decref(both);

	/* Every hostPath the Deployments mount is one of the purged
	 * directories, and every purged directory is mounted. */
	json_t *all = all_manifests(&c);
	bool used[32] = {false};
	assert_true(n < LF_ARRAY_LEN(used));
	size_t i, k;
	json_t *o, *v;
	json_array_foreach(all, i, o)
	{
		json_array_foreach(json_object_get(pod_spec(o), "volumes"), k, v)
		{
			const char *p = str_at(v, "hostPath", "path");
			if (!p)
				continue;
			size_t j;
			for (j = 0; j < n; j++) {
				char *want = lf_asprintf("/opt/clearml/%s", k8s_data_paths[j]);
				bool same = strcmp(p, want) == 0;
				free(want);
				if (same)
					break;
			}
			if (j == n)
				fail_msg("hostPath %s is not in k8s_data_paths: purge would leave it", p);
			used[j] = true;
		}
	}
	for (size_t j = 0; j < n; j++)
		if (!used[j])
			fail_msg("k8s_data_paths has %s, which no Deployment mounts", k8s_data_paths[j]);
	json_decref(all);
}

static const struct check_result *find_check(const struct check_list *cl, const char *id)
{
	for (size_t i = 0; i < cl->n; i++)
		if (strcmp(cl->items[i].id, id) == 0)
			return &cl->items[i];
	fail_msg("no check %s", id);
	return NULL;
}

/* The backend's checks against the STAND-IN API server: a chosen node that
 * exists, a small node, a missing password, a node that does not exist. */
static void test_checks_against_standin(void **state)
{
	(void)state;
	char dir[] = "/tmp/lf-test-kubernetes.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *nodes = lf_asprintf("%s/nodes.json", dir);
	char *pdir = lf_asprintf("%s/standin", dir);
	k8s_peer_write(nodes,
		       "[{\"name\": \"big\"}, {\"name\": \"small\", \"cpu\": \"1500m\", "
		       "\"memory\": \"3984588Ki\"}]",
		       false);
	const char *args[] = {"--nodes", nodes, NULL};
	struct k8s_peer peer = {0};
	char *cause = NULL;
	if (k8s_peer_start(&peer, pdir, args, &cause) != 0)
		fail_msg("cannot start the stand-in API server: %s", cause);
	char *kc = k8s_peer_path(&peer, "kubeconfig");
	struct server_user nopw[] = {{"admin", "Admin", NULL, true}};
	struct k8s_config c = config_hostpath();
	c.kubeconfig = kc;
	c.node = "small";
	c.users = nopw;
	c.nusers = 1;
	struct events *evs = events_new();
	void *session = NULL;
	if (kubernetes_backend.open(&c, evs, &session, &cause) != 0)
		fail_msg("open: %s", cause);
	struct check_list cl = {0};
	assert_int_equal(kubernetes_backend.check(session, &cl, &cause), 0);
	assert_int_equal(find_check(&cl, "k8s.server")->status, CHECK_OK);
	assert_int_equal(find_check(&cl, "k8s.access")->status, CHECK_OK);
	assert_int_equal(find_check(&cl, "k8s.node")->status, CHECK_OK);
	const struct check_result *cap = find_check(&cl, "k8s.capacity");
	assert_int_equal(cap->status, CHECK_WARNING);
	assert_non_null(strstr(cap->reason, "1.5 CPU, 3.8 GiB"));
	assert_int_equal(find_check(&cl, "k8s.existing")->status, CHECK_OK);
	assert_int_equal(find_check(&cl, "k8s.ports")->status, CHECK_OK);
	const struct check_result *u = find_check(&cl, "k8s.users");
	assert_int_equal(u->status, CHECK_FAILED);
	assert_non_null(strstr(u->reason, "admin_users[0].password"));
	check_list_clear(&cl);
	kubernetes_backend.close(session);
	/* A node that does not exist. */
	c.node = "nope";
	c.users = users;
	c.nusers = LF_ARRAY_LEN(users);
	if (kubernetes_backend.open(&c, evs, &session, &cause) != 0)
		fail_msg("open: %s", cause);
	assert_int_equal(kubernetes_backend.check(session, &cl, &cause), 0);
	assert_int_equal(find_check(&cl, "k8s.node")->status, CHECK_FAILED);
	assert_non_null(strstr(find_check(&cl, "k8s.node")->reason, "node nope does not exist"));
	assert_int_equal(find_check(&cl, "k8s.users")->status, CHECK_OK);
	check_list_clear(&cl);
	kubernetes_backend.close(session);
	/* A kubeconfig that does not exist: open fails with a cause. */
	c.kubeconfig = "/nonexistent/kubeconfig";
	assert_int_equal(kubernetes_backend.open(&c, evs, &session, &cause), -1);
	assert_non_null(cause);
	free(cause);
	events_free(evs);
	k8s_peer_free(&peer);
	free(kc);
	free(nodes);
	free(pdir);
	char *cmd = lf_asprintf("rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	free(cmd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_schemas),
		cmocka_unit_test(test_deployments_follow_the_guide),
		cmocka_unit_test(test_pvc),
		cmocka_unit_test(test_unresolved_password),
		cmocka_unit_test(test_purge_pod),
		cmocka_unit_test(test_checks_against_standin),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
