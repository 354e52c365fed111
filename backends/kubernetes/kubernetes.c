/* The kubernetes backend's session, live checks and actions: the Kubernetes
 * guide (seed 004) done through the API server with the user's kubeconfig.
 *
 * Every object is applied by server-side apply (fieldManager=landfall),
 * which creates or converges it, so an action cut off anywhere simply runs
 * again. The journal records the API path of each object an action applied
 * (key "Kind/name"); undo deletes exactly those. */
#include "kubernetes.h"

#include <stdlib.h>
#include <string.h>

#include "../engine.h"
#include "../i18n.h"
#include "k8s_client.h"
#include "k8s_rollout.h"
#include "kubernetes_actions.h"

/* What the server needs on its node (ClearML Server's requirements: the
 * Elasticsearch heap, MongoDB and the API server's workers); the sum of the
 * resource requests of the Deployments in assets/k8s-deploy-*.yaml. */
#define NEED_CPU	2.0
#define NEED_MEMORY_GIB 8.0


static long env_ms(const char *name, long def)
{
	const char *v = getenv(name);
	if (!v || !*v)
		return def;
	char *end = NULL;
	long n = strtol(v, &end, 10);
	return end && *end == '\0' && n > 0 ? n : def;
}

static int k8s_open(const void *config, struct events *evs, void **session, char **cause)
{
	const struct k8s_config *c = config;
	struct k8s_client_options o = {.events = evs};
	struct k8s_client *client = NULL;
	if (k8s_client_open(c->kubeconfig, c->context, &o, &client, cause) != 0)
		return -1;
	struct k8s_session *s = lf_xcalloc(1, sizeof *s);
	s->c = c;
	s->evs = evs;
	s->client = client;
	/* Test knobs: the stand-in API server advances a rollout per read. */
	s->rollout_timeout_ms = env_ms("LANDFALL_K8S_ROLLOUT_TIMEOUT_MS", 600000);
	s->rollout_interval_ms = env_ms("LANDFALL_K8S_ROLLOUT_INTERVAL_MS", 2000);
	s->pod_timeout_ms = env_ms("LANDFALL_K8S_POD_TIMEOUT_MS", 300000);
	char *d = kubeconfig_describe(k8s_client_kubeconfig(client));
	events_log(evs, NULL, LOG_INFO, _("Kubernetes: %s"), d);
	free(d);
	*session = s;
	return 0;
}

static void k8s_close(void *session)
{
	struct k8s_session *s = session;
	if (!s)
		return;
	k8s_client_free(s->client);
	free(s);
}

/* ---- quantities --------------------------------------------------------- */

/* A Kubernetes quantity ("3500m", "16Gi", "16432000Ki", "8G") in base units
 * (cores or bytes); -1 when it does not parse. */
static double quantity(const char *s)
{
	if (!s)
		return -1;
	char *end = NULL;
	double v = strtod(s, &end);
	if (end == s)
		return -1;
	static const struct {
		const char *suffix;
		double mul;
	} units[] = {
		{"", 1},
		{"m", 1e-3},
		{"k", 1e3},
		{"M", 1e6},
		{"G", 1e9},
		{"T", 1e12},
		{"P", 1e15},
		{"E", 1e18},
		{"Ki", 1024.0},
		{"Mi", 1048576.0},
		{"Gi", 1073741824.0},
		{"Ti", 1099511627776.0},
		{"Pi", 1125899906842624.0},
	};
	for (size_t i = 0; i < LF_ARRAY_LEN(units); i++)
		if (strcmp(end, units[i].suffix) == 0)
			return v * units[i].mul;
	return -1;
}

/* ---- checks ------------------------------------------------------------- */

static const char *node_name(const json_t *node)
{
	return json_string_value(json_object_get(json_object_get(node, "metadata"), "name"));
}

/* "10.0.0.10 (InternalIP), ..." of a node; caller frees. */
static char *node_addresses(const json_t *node)
{
	json_t *addrs = json_object_get(json_object_get(node, "status"), "addresses");
	char *out = lf_xstrdup("");
	size_t i;
	json_t *a;
	json_array_foreach(addrs, i, a)
	{
		const char *type = json_string_value(json_object_get(a, "type"));
		const char *addr = json_string_value(json_object_get(a, "address"));
		if (!type || !addr || strcmp(type, "Hostname") == 0)
			continue;
		char *n = lf_asprintf("%s%s%s (%s)", out, *out ? ", " : "", addr, type);
		free(out);
		out = n;
	}
	return out;
}

/* The first InternalIP or ExternalIP of a node, borrowed; NULL when none. */
static const char *node_address(const json_t *node, const char *want)
{
	json_t *addrs = json_object_get(json_object_get(node, "status"), "addresses");
	size_t i;
	json_t *a;
	json_array_foreach(addrs, i, a)
	{
		const char *type = json_string_value(json_object_get(a, "type"));
		if (type && strcmp(type, want) == 0)
			return json_string_value(json_object_get(a, "address"));
	}
	return NULL;
}

struct access_need {
	const char *verb, *group, *resource;
	bool namespaced;
};

static void check_access(struct k8s_session *s, struct check_list *out)
{
	const struct k8s_config *c = s->c;
	bool pvc = c->storage && strcmp(c->storage, "pvc") == 0;
	struct access_need needs[40];
	size_t n = 0;
	static const char *const rw[] = {"get", "create", "patch", "delete"};
	for (size_t i = 0; i < LF_ARRAY_LEN(rw); i++) {
		needs[n++] = (struct access_need){rw[i], "", "namespaces", false};
		needs[n++] = (struct access_need){rw[i], "", "secrets", true};
		needs[n++] = (struct access_need){rw[i], "", "services", true};
		needs[n++] = (struct access_need){rw[i], "apps", "deployments", true};
		if (pvc)
			needs[n++] =
				(struct access_need){rw[i], "", "persistentvolumeclaims", true};
	}
	needs[n++] = (struct access_need){"list", "", "nodes", false};
	needs[n++] = (struct access_need){"get", "", "nodes", false};
	needs[n++] = (struct access_need){"list", "apps", "deployments", true};
	if (!lf_str_empty(c->node))
		needs[n++] = (struct access_need){"patch", "", "nodes", false};
	char *missing = lf_xstrdup("");
	char *failed = NULL;
	for (size_t i = 0; i < n; i++) {
		struct k8s_access a = {.verb = needs[i].verb,
				       .group = needs[i].group,
				       .resource = needs[i].resource,
				       .namespace_ = needs[i].namespaced ? c->namespace_ : NULL};
		bool allowed = false;
		char *reason = NULL, *why = NULL;
		enum k8s_status st = k8s_access_review(s->client, &a, &allowed, &reason, &why);
		free(reason);
		if (st != K8S_OK) {
			failed = why;
			break;
		}
		if (!allowed) {
			char *m = lf_asprintf("%s%s%s %s%s%s", missing, *missing ? ", " : "",
					      a.verb, *a.group ? a.group : "", *a.group ? "/" : "",
					      a.resource);
			free(missing);
			missing = m;
		}
	}
	if (failed) {
		check_list_add(out, "k8s.access", _("Permissions"), CHECK_FAILED, failed,
			       _("the SelfSubjectAccessReview API must be reachable with these "
				 "credentials"));
		free(failed);
	} else if (*missing) {
		char *r = lf_asprintf(_("not allowed in namespace %s: %s"), c->namespace_, missing);
		check_list_add(
			out, "k8s.access", _("Permissions"), CHECK_FAILED, r,
			_("ask the cluster administrator for these rights (a Role in the namespace "
			  "and a ClusterRole for namespaces and nodes), or use another context"));
		free(r);
	} else {
		char *r = lf_asprintf(_("all %zu permissions Landfall uses are granted"), n);
		check_list_add(out, "k8s.access", _("Permissions"), CHECK_OK, r, NULL);
		free(r);
	}
	free(missing);
}

static void check_capacity(struct check_list *out, const json_t *node)
{
	json_t *alloc = json_object_get(json_object_get(node, "status"), "allocatable");
	double cpu = quantity(json_string_value(json_object_get(alloc, "cpu")));
	double mem = quantity(json_string_value(json_object_get(alloc, "memory")));
	double gib = mem / 1073741824.0;
	if (cpu < 0 || mem < 0) {
		check_list_add(out, "k8s.capacity", _("Node capacity"), CHECK_WARNING,
			       _("the node does not report its allocatable CPU and memory"), NULL);
		return;
	}
	char *r = lf_asprintf(
		_("node %s: %.1f CPU, %.1f GiB allocatable (the server needs %.0f CPU, %.0f GiB)"),
		node_name(node), cpu, gib, NEED_CPU, NEED_MEMORY_GIB);
	if (cpu + 1e-9 < NEED_CPU || gib + 1e-9 < NEED_MEMORY_GIB)
		check_list_add(out, "k8s.capacity", _("Node capacity"), CHECK_WARNING, r,
			       _("Elasticsearch, MongoDB and the API server may not fit: choose a "
				 "larger node"));
	else
		check_list_add(out, "k8s.capacity", _("Node capacity"), CHECK_OK, r, NULL);
	free(r);
}

static const char *const guide_warning =
	N_("ClearML Server uses node storage: if more than one node is labelled app=clearml and "
	   "you redeploy or update later, the server may not locate all of your data");

static void check_node(struct k8s_session *s, struct check_list *out)
{
	const struct k8s_config *c = s->c;
	json_t *list = NULL;
	char *why = NULL;
	enum k8s_status st = k8s_list(s->client, "/api/v1/nodes", "app=clearml", &list, &why);
	if (st != K8S_OK) {
		check_list_add(out, "k8s.node", _("Server node"), CHECK_FAILED, why,
			       _("Landfall must be allowed to list nodes"));
		free(why);
		return;
	}
	json_t *items = json_object_get(list, "items");
	size_t n = json_array_size(items);
	json_t *node = NULL;
	if (n > 1) {
		char *names = lf_xstrdup("");
		size_t i;
		json_t *it;
		json_array_foreach(items, i, it)
		{
			char *m = lf_asprintf("%s%s%s", names, *names ? ", " : "", node_name(it));
			free(names);
			names = m;
		}
		char *r = lf_asprintf(_("%zu nodes are labelled app=clearml (%s): %s"), n, names,
				      _(guide_warning));
		check_list_add(
			out, "k8s.node", _("Server node"), CHECK_FAILED, r,
			_("keep the label on exactly one node: kubectl label node NAME app-"));
		free(r);
		free(names);
	} else if (n == 1) {
		node = json_incref(json_array_get(items, 0));
		const char *name = node_name(node);
		if (!lf_str_empty(c->node) && strcmp(c->node, name) != 0) {
			char *r = lf_asprintf(_("node %s is already labelled app=clearml; "
						"labelling %s too would make two: %s"),
					      name, c->node, _(guide_warning));
			check_list_add(out, "k8s.node", _("Server node"), CHECK_FAILED, r,
				       _("choose the labelled node as kubernetes.node, or remove "
					 "its label first"));
			free(r);
		} else {
			char *r = lf_asprintf(_("node %s is labelled app=clearml"), name);
			check_list_add(out, "k8s.node", _("Server node"), CHECK_OK, r, NULL);
			free(r);
		}
	} else if (!lf_str_empty(c->node)) {
		char *path = lf_asprintf("/api/v1/nodes/%s", c->node);
		st = k8s_get(s->client, path, &node, &why);
		free(path);
		if (st == K8S_OK) {
			char *r = lf_asprintf(_("node %s exists and will be labelled app=clearml"),
					      c->node);
			check_list_add(out, "k8s.node", _("Server node"), CHECK_OK, r, NULL);
			free(r);
		} else {
			char *r = st == K8S_ERR_NOT_FOUND
					  ? lf_asprintf(_("node %s does not exist"), c->node)
					  : lf_xstrdup(why);
			check_list_add(out, "k8s.node", _("Server node"), CHECK_FAILED, r,
				       _("kubectl get nodes lists the names; set kubernetes.node "
					 "to one of them"));
			free(r);
			node = NULL;
		}
		free(why);
	} else {
		check_list_add(out, "k8s.node", _("Server node"), CHECK_FAILED,
			       _("no node is labelled app=clearml"),
			       _("label one node (kubectl label node NAME app=clearml) or name it "
				 "in kubernetes.node for Landfall to label"));
	}
	json_decref(list);
	if (node)
		check_capacity(out, node);
	json_decref(node);
}

static void check_existing(struct k8s_session *s, struct check_list *out)
{
	const struct k8s_config *c = s->c;
	char *path = lf_asprintf("/api/v1/namespaces/%s", c->namespace_);
	json_t *ns = NULL;
	char *why = NULL;
	enum k8s_status st = k8s_get(s->client, path, &ns, &why);
	free(path);
	json_decref(ns);
	if (st == K8S_ERR_NOT_FOUND) {
		char *r = lf_asprintf(_("namespace %s does not exist yet; Landfall creates it"),
				      c->namespace_);
		check_list_add(out, "k8s.existing", _("Existing installation"), CHECK_OK, r, NULL);
		free(r);
		free(why);
		return;
	}
	if (st != K8S_OK) {
		check_list_add(out, "k8s.existing", _("Existing installation"), CHECK_WARNING, why,
			       NULL);
		free(why);
		return;
	}
	path = lf_asprintf("/apis/apps/v1/namespaces/%s/deployments", c->namespace_);
	json_t *list = NULL;
	st = k8s_list(s->client, path, NULL, &list, &why);
	free(path);
	char *names = lf_xstrdup("");
	size_t i;
	json_t *it;
	json_array_foreach(json_object_get(list, "items"), i, it)
	{
		char *m = lf_asprintf("%s%s%s", names, *names ? ", " : "", node_name(it));
		free(names);
		names = m;
	}
	json_decref(list);
	free(why);
	char *r =
		*names ? lf_asprintf(_("namespace %s exists with deployments %s: they are updated "
				       "in place (server-side apply); data on the node is kept"),
				     c->namespace_, names)
		       : lf_asprintf(_("namespace %s exists, without deployments"), c->namespace_);
	check_list_add(
		out, "k8s.existing", _("Existing installation"), *names ? CHECK_WARNING : CHECK_OK,
		r,
		*names ? _("this is expected when updating; otherwise choose another namespace")
		       : NULL);
	free(r);
	free(names);
}

/* The guide's node ports must be free: a NodePort is cluster-wide, so a
 * service in another namespace holding one makes the apply fail. */
static void check_ports(struct k8s_session *s, struct check_list *out)
{
	const struct k8s_config *c = s->c;
	json_t *list = NULL;
	char *why = NULL;
	enum k8s_status st = k8s_list(s->client, "/api/v1/services", NULL, &list, &why);
	if (st != K8S_OK) {
		check_list_add(out, "k8s.ports", _("Node ports"), CHECK_WARNING, why,
			       _("Landfall could not list the services of the cluster to see "
				 "whether the node ports are free"));
		free(why);
		return;
	}
	const int want[] = {c->port_api, c->port_web, c->port_files};
	char *taken = lf_xstrdup("");
	size_t i, j;
	json_t *svc, *port;
	json_array_foreach(json_object_get(list, "items"), i, svc)
	{
		json_t *md = json_object_get(svc, "metadata");
		const char *ns = json_string_value(json_object_get(md, "namespace"));
		/* One being deleted still holds its ports until it is gone. */
		if (ns && c->namespace_ && strcmp(ns, c->namespace_) == 0)
			continue;
		json_array_foreach(json_object_get(json_object_get(svc, "spec"), "ports"), j, port)
		{
			json_int_t np = json_integer_value(json_object_get(port, "nodePort"));
			for (size_t k = 0; k < LF_ARRAY_LEN(want); k++) {
				if (np == 0 || np != want[k])
					continue;
				char *m =
					lf_asprintf("%s%s%d (service %s/%s)", taken,
						    *taken ? ", " : "", want[k], ns ? ns : "",
						    json_string_value(json_object_get(md, "name")));
				free(taken);
				taken = m;
			}
		}
	}
	json_decref(list);
	if (*taken) {
		char *r = lf_asprintf(_("node ports already in use: %s"), taken);
		check_list_add(out, "k8s.ports", _("Node ports"), CHECK_FAILED, r,
			       _("choose other ports (kubernetes.ports) or remove the service that "
				 "holds them"));
		free(r);
	} else {
		char *r = lf_asprintf(_("node ports %d, %d and %d are free"), c->port_api,
				      c->port_web, c->port_files);
		check_list_add(out, "k8s.ports", _("Node ports"), CHECK_OK, r, NULL);
		free(r);
	}
	free(taken);
}

/* The Secret needs every fixed user's password; destroy does not, so
 * steps/ leaves a missing one to this check. */
static void check_users(struct k8s_session *s, struct check_list *out)
{
	const struct k8s_config *c = s->c;
	for (size_t i = 0; i < c->nusers; i++) {
		if (c->users[i].password)
			continue;
		char *r = lf_asprintf(_("server.admin_users[%zu].password: no value was given"), i);
		check_list_add(out, "k8s.users", _("Fixed users"), CHECK_FAILED, r,
			       _("give {env: NAME} or {file: PATH} in the answers file, or run in "
				 "a terminal to type it"));
		free(r);
		return;
	}
	if (c->nusers == 0)
		check_list_add(out, "k8s.users", _("Fixed users"), CHECK_WARNING,
			       _("no fixed users: nobody can log in to the web application"),
			       _("add at least one user under server.admin_users"));
	else {
		char *r = lf_asprintf(_("%zu fixed users for the API server"), c->nusers);
		check_list_add(out, "k8s.users", _("Fixed users"), CHECK_OK, r, NULL);
		free(r);
	}
}

static int k8s_check(void *session, struct check_list *out, char **cause)
{
	(void)cause;
	struct k8s_session *s = session;
	char *version = NULL, *why = NULL;
	enum k8s_status st = k8s_version(s->client, &version, NULL, &why);
	char *d = kubeconfig_describe(k8s_client_kubeconfig(s->client));
	if (st != K8S_OK) {
		char *r = lf_asprintf("%s (%s)", why, d);
		check_list_add(out, "k8s.server", _("API server"), CHECK_FAILED, r,
			       st == K8S_ERR_TLS
				       ? _("the server's certificate must be signed by the "
					   "kubeconfig's certificate authority")
				       : _("check that the cluster is up and the kubeconfig's "
					   "server address is right (kubectl version)"));
		free(r);
		free(why);
		free(d);
		return 0;
	}
	char *r = lf_asprintf(_("Kubernetes %s at %s"), version, d);
	check_list_add(out, "k8s.server", _("API server"), CHECK_OK, r, NULL);
	free(r);
	free(d);
	free(version);
	check_access(s, out);
	check_node(s, out);
	check_existing(s, out);
	check_ports(s, out);
	check_users(s, out);
	if (!s->c->elastic_init)
		check_list_add(out, "k8s.elastic", _("Elasticsearch node settings"), CHECK_WARNING,
			       _("no privileged init container: vm.max_map_count and the Docker "
				 "ulimits must be set on the node by hand"),
			       _("on the node: echo vm.max_map_count=262144 > "
				 "/etc/sysctl.d/99-clearml.conf; sysctl -w "
				 "vm.max_map_count=262144; default-ulimits nofile 65536 and "
				 "memlock -1 in /etc/docker/daemon.json; restart docker"));
	else
		check_list_add(out, "k8s.elastic", _("Elasticsearch node settings"), CHECK_OK,
			       _("a privileged init container sets vm.max_map_count=262144"), NULL);
	return 0;
}

/* ---- actions ------------------------------------------------------------ */

enum action_rc k8s_act_fail(struct action_ctx *ctx, enum k8s_status st, char *why)
{
	const char *hint = NULL;
	if (st == K8S_ERR_FORBIDDEN)
		hint = _("the credentials lack a permission: landfall check lists what is missing");
	else if (st == K8S_ERR_UNAUTHORIZED)
		hint = _("the kubeconfig's credentials were refused: renew them (kubectl get nodes "
			 "must work)");
	enum action_rc rc = k8s_status_retryable(st) ? ACT_RETRY : ACT_FAILED;
	ctx_error(ctx, rc, hint, "%s", why ? why : k8s_status_name(st));
	free(why);
	return rc;
}

static char *object_key(const json_t *obj)
{
	return lf_asprintf(
		"%s/%s", json_string_value(json_object_get(obj, "kind")),
		json_string_value(json_object_get(json_object_get(obj, "metadata"), "name")));
}

static enum action_rc manifests(struct action_ctx *ctx, json_t **out)
{
	char *why = NULL;
	if (k8s_manifests(k8s_sess(ctx)->c, ctx->action->id, out, &why) != 0) {
		ctx_error(ctx, ACT_FAILED, NULL, "%s", why);
		free(why);
		return ACT_FAILED;
	}
	return ACT_OK;
}

/* Report what already exists. Server-side apply converges it anyway, so
 * apply always runs; the namespace remembers whether it was there before
 * Landfall, so that destroy leaves a namespace it did not create. */
static enum action_rc apply_find(struct action_ctx *ctx)
{
	struct k8s_session *s = k8s_sess(ctx);
	json_t *objs = NULL;
	if (manifests(ctx, &objs) != ACT_OK)
		return ACT_FAILED;
	enum action_rc rc = ACT_NOT_FOUND;
	size_t i;
	json_t *obj;
	json_array_foreach(objs, i, obj)
	{
		char *path = NULL, *why = NULL;
		enum k8s_status st = k8s_object_path(s->client, obj, s->c->namespace_, &path, &why);
		json_t *live = NULL;
		if (st == K8S_OK)
			st = k8s_get(s->client, path, &live, &why);
		json_decref(live);
		char *key = object_key(obj);
		if (st == K8S_OK) {
			ctx_log(ctx, LOG_INFO,
				_("%s exists; server-side apply brings it up to date"), key);
			if (strcmp(ctx->action->id, "namespace") == 0 && !ctx_resource(ctx, key))
				ctx_set_resource(ctx, "existed", "true");
		} else if (st != K8S_ERR_NOT_FOUND) {
			rc = k8s_act_fail(ctx, st, why);
			why = NULL;
		}
		free(why);
		free(key);
		free(path);
		if (rc != ACT_NOT_FOUND)
			break;
	}
	json_decref(objs);
	return rc;
}

static enum action_rc apply_apply(struct action_ctx *ctx)
{
	struct k8s_session *s = k8s_sess(ctx);
	json_t *objs = NULL;
	if (manifests(ctx, &objs) != ACT_OK)
		return ACT_FAILED;
	enum action_rc rc = ACT_OK;
	size_t n = json_array_size(objs), i;
	json_t *obj;
	json_array_foreach(objs, i, obj)
	{
		char *path = NULL, *why = NULL;
		enum k8s_status st = k8s_object_path(s->client, obj, s->c->namespace_, &path, &why);
		char *key = object_key(obj);
		if (st == K8S_OK && ctx_set_resource(ctx, key, path) != 0) {
			rc = ctx_error(ctx, ACT_FAILED, NULL, _("cannot record %s in the journal"),
				       key);
			free(key);
			free(path);
			break;
		}
		if (st == K8S_OK)
			st = k8s_apply(s->client, path, obj, 0, NULL, &why);
		if (st != K8S_OK) {
			rc = k8s_act_fail(ctx, st, why);
		} else {
			ctx_log(ctx, LOG_INFO, _("applied %s"), key);
			ctx_progress(ctx, (double)(i + 1) / (double)n);
			free(why);
		}
		free(key);
		free(path);
		if (rc != ACT_OK)
			break;
	}
	if (rc == ACT_OK && strcmp(ctx->action->id, "deploy-elastic") == 0 && !s->c->elastic_init) {
		ctx_log(ctx, LOG_WARN,
			_("Elasticsearch needs these settings on the node labelled app=clearml "
			  "(the guide's manual steps): "
			  "1) /etc/docker/daemon.json default-ulimits nofile (soft 1024, hard "
			  "65536) and memlock (-1, -1); "
			  "2) echo vm.max_map_count=262144 > /etc/sysctl.d/99-clearml.conf; sudo "
			  "sysctl -w vm.max_map_count=262144; "
			  "3) sudo service docker restart"));
		ctx_output(ctx, "elastic_manual_steps", _("Manual steps on the node"),
			   "vm.max_map_count=262144 in /etc/sysctl.d/99-clearml.conf + sysctl -w; "
			   "docker default-ulimits nofile 1024/65536, memlock -1; restart docker");
	}
	json_decref(objs);
	return rc;
}

static enum action_rc apply_undo(struct action_ctx *ctx)
{
	struct k8s_session *s = k8s_sess(ctx);
	const char *id = ctx->action->id;
	if (strcmp(id, "namespace") == 0 && ctx_resource(ctx, "existed")) {
		ctx_log(ctx, LOG_INFO, _("namespace %s existed before Landfall: kept"),
			s->c->namespace_);
		return ACT_OK;
	}
	bool pvc = s->c->storage && strcmp(s->c->storage, "pvc") == 0;
	if (!ctx->purge && (strcmp(id, "storage") == 0 || (pvc && strcmp(id, "namespace") == 0))) {
		ctx_log(ctx, LOG_INFO,
			_("kept: the claims in namespace %s hold the server's data (destroy --purge "
			  "deletes them)"),
			s->c->namespace_);
		ctx_keep(ctx);
		return ACT_OK;
	}
	json_t *objs = NULL;
	if (manifests(ctx, &objs) != ACT_OK)
		return ACT_FAILED;
	enum action_rc rc = ACT_OK;
	size_t i;
	json_t *obj;
	json_array_foreach(objs, i, obj)
	{
		char *key = object_key(obj);
		const char *path = ctx_resource(ctx, key);
		if (path) {
			char *why = NULL;
			enum k8s_status st = k8s_delete(s->client, path, NULL, &why);
			if (st == K8S_OK || st == K8S_ERR_NOT_FOUND) {
				ctx_log(ctx, LOG_INFO, _("deleted %s"), key);
				free(why);
			} else {
				rc = k8s_act_fail(ctx, st, why);
			}
		}
		free(key);
		if (rc != ACT_OK)
			break;
	}
	json_decref(objs);
	return rc;
}

const struct action_ops k8s_apply_ops = {
	.find = apply_find,
	.apply = apply_apply,
	.undo = apply_undo,
};

/* ---- node label --------------------------------------------------------- */

static char *node_path(const struct k8s_session *s)
{
	return lf_asprintf("/api/v1/nodes/%s", s->c->node);
}

/* Already labelled: nothing to do, and destroy must leave the label. */
static enum action_rc label_find(struct action_ctx *ctx)
{
	struct k8s_session *s = k8s_sess(ctx);
	char *path = node_path(s), *why = NULL;
	json_t *node = NULL;
	enum k8s_status st = k8s_get(s->client, path, &node, &why);
	free(path);
	if (st != K8S_OK)
		return k8s_act_fail(ctx, st, why);
	const char *v = json_string_value(json_object_get(
		json_object_get(json_object_get(node, "metadata"), "labels"), "app"));
	enum action_rc rc = ACT_NOT_FOUND;
	if (v && strcmp(v, "clearml") == 0) {
		if (!ctx_resource(ctx, "added"))
			ctx_set_resource(ctx, "added", "no");
		ctx_set_resource(ctx, "node", s->c->node);
		ctx_log(ctx, LOG_INFO, _("node %s is already labelled app=clearml"), s->c->node);
		rc = ACT_OK;
	} else if (v) {
		rc = ctx_error(
			ctx, ACT_FAILED,
			_("remove or change the node's app label first, or choose another node"),
			_("node %s is labelled app=%s; Landfall does not overwrite it"), s->c->node,
			v);
	}
	json_decref(node);
	return rc;
}

static enum action_rc label_patch(struct action_ctx *ctx, json_t *value)
{
	struct k8s_session *s = k8s_sess(ctx);
	json_t *patch = json_pack("{s:{s:{s:o}}}", "metadata", "labels", "app", value);
	char *path = node_path(s), *why = NULL;
	enum k8s_status st = k8s_merge_patch(s->client, path, patch, NULL, &why);
	free(path);
	json_decref(patch);
	if (st == K8S_ERR_NOT_FOUND && json_is_null(value)) {
		free(why);
		return ACT_OK;
	}
	return st == K8S_OK ? (free(why), ACT_OK) : k8s_act_fail(ctx, st, why);
}

static enum action_rc label_apply(struct action_ctx *ctx)
{
	struct k8s_session *s = k8s_sess(ctx);
	if (!ctx_resource(ctx, "added"))
		ctx_set_resource(ctx, "added", "yes");
	ctx_set_resource(ctx, "node", s->c->node);
	enum action_rc rc = label_patch(ctx, json_string("clearml"));
	if (rc == ACT_OK)
		ctx_log(ctx, LOG_INFO, _("labelled node %s app=clearml"), s->c->node);
	return rc;
}

static enum action_rc label_undo(struct action_ctx *ctx)
{
	const char *added = ctx_resource(ctx, "added");
	if (!added || strcmp(added, "yes") != 0) {
		ctx_log(ctx, LOG_INFO, _("the node's label was there before Landfall: kept"));
		return ACT_OK;
	}
	enum action_rc rc = label_patch(ctx, json_null());
	if (rc == ACT_OK)
		ctx_log(ctx, LOG_INFO, _("removed the label app=clearml from node %s"),
			k8s_sess(ctx)->c->node);
	return rc;
}

const struct action_ops k8s_label_ops = {
	.find = label_find,
	.apply = label_apply,
	.undo = label_undo,
};

/* ---- rollout ------------------------------------------------------------ */

struct rollout_progress {
	struct action_ctx *ctx;
	size_t i, n;
};

static void on_rollout(const char *message, void *user)
{
	struct rollout_progress *p = user;
	ctx_log(p->ctx, LOG_INFO, "%s", message);
	ctx_progress(p->ctx, ((double)p->i + 0.5) / (double)p->n);
}

/* Node addresses, the URLs on the nodes and what the load balancer needs. */
static enum action_rc record_outputs(struct action_ctx *ctx)
{
	struct k8s_session *s = k8s_sess(ctx);
	const struct k8s_config *c = s->c;
	json_t *list = NULL;
	char *why = NULL;
	enum k8s_status st = k8s_list(s->client, "/api/v1/nodes", "app=clearml", &list, &why);
	if (st != K8S_OK)
		return k8s_act_fail(ctx, st, why);
	json_t *node = json_array_get(json_object_get(list, "items"), 0);
	if (node) {
		char *addrs = node_addresses(node);
		char *v = lf_asprintf("%s: %s", node_name(node), addrs);
		ctx_output(ctx, "node_addresses", _("Server node and addresses"), v);
		free(v);
		free(addrs);
		const char *ip = node_address(node, "ExternalIP");
		if (!ip)
			ip = node_address(node, "InternalIP");
		if (ip) {
			v = lf_asprintf("http://%s:%d", ip, c->port_web);
			ctx_output(ctx, "node_web_url", _("Web application on the node"), v);
			free(v);
			v = lf_asprintf("http://%s:%d", ip, c->port_api);
			ctx_output(ctx, "node_api_url", _("API server on the node"), v);
			free(v);
			v = lf_asprintf("http://%s:%d", ip, c->port_files);
			ctx_output(ctx, "node_files_url", _("File server on the node"), v);
			free(v);
		}
	}
	const char *dom = lf_str_empty(c->domain) ? "<your domain>" : c->domain;
	char *lb = lf_asprintf("app.%s -> nodes:%d, files.%s -> nodes:%d, api.%s -> nodes:%d", dom,
			       c->port_web, dom, c->port_files, dom, c->port_api);
	ctx_output(ctx, "load_balancer", _("Load balancer forwarding"), lb);
	free(lb);
	json_decref(list);
	return ACT_OK;
}

static enum action_rc rollout_apply(struct action_ctx *ctx)
{
	struct k8s_session *s = k8s_sess(ctx);
	size_t n = 0;
	while (k8s_deployments[n])
		n++;
	for (size_t i = 0; i < n; i++) {
		char *path = lf_asprintf("/apis/apps/v1/namespaces/%s/deployments/%s",
					 s->c->namespace_, k8s_deployments[i]);
		struct rollout_progress p = {ctx, i, n};
		enum k8s_rollout state;
		char *msg = NULL, *why = NULL;
		enum k8s_status st = k8s_rollout_wait(s->client, path, s->rollout_timeout_ms,
						      s->rollout_interval_ms, on_rollout, &p,
						      &state, &msg, &why);
		free(path);
		if (st != K8S_OK) {
			free(msg);
			return k8s_act_fail(ctx, st, why);
		}
		free(why);
		if (state != K8S_ROLLOUT_DONE) {
			char *hint = lf_asprintf(
				_("kubectl -n %s describe deployment %s; kubectl -n %s get events"),
				s->c->namespace_, k8s_deployments[i], s->c->namespace_);
			enum action_rc rc = ctx_error(
				ctx, ACT_FAILED, hint, _("deployment %s: %s (%s)"),
				k8s_deployments[i], msg ? msg : "", k8s_rollout_name(state));
			free(hint);
			free(msg);
			return rc;
		}
		free(msg);
		ctx_progress(ctx, (double)(i + 1) / (double)n);
	}
	return record_outputs(ctx);
}

const struct action_ops k8s_rollout_ops = {
	.apply = rollout_apply,
};

const struct backend_ops kubernetes_backend = {
	.name = "kubernetes",
	.open = k8s_open,
	.close = k8s_close,
	.check = k8s_check,
	.plan = kubernetes_plan,
};
