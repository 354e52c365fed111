/* The manifests of the Kubernetes guide, rendered from assets/k8s-*.yaml
 * with the configuration, and parsed into the JSON the API takes. */
#include "kubernetes.h"

#include <stdlib.h>
#include <string.h>

#include "../i18n.h"
#include "../render.h"
#include "k8s_yaml.h"

const char *const k8s_data_paths[] = {"data/mongo_4", "data/elastic7plus", "data/redis",
				      "data/fileserver", "logs/apiserver", "logs/fileserver",
				      NULL};

const char *const k8s_deployments[] = {"mongo",	     "elastic",	  "redis", "apiserver",
				       "fileserver", "webserver", NULL};

static json_t *service(const char *name, const char *app, const char *port_name, int port,
		       int target, int node_port)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:i, s:i, s:i}", "name", name, "app", app, "type",
			 node_port ? "NodePort" : "ClusterIP", "port_name", port_name, "port", port,
			 "target", target, "node_port", node_port);
}

static json_t *claim(const char *name, const char *size)
{
	return json_pack("{s:s, s:s}", "name", name, "size", size);
}

const char *k8s_install_id(const struct k8s_config *c)
{
	return lf_str_empty(c->install_id) ? "clearml" : c->install_id;
}

const char *k8s_base_dir(const struct k8s_config *c)
{
	return lf_str_empty(c->base_dir) ? "/opt/clearml" : c->base_dir;
}

json_t *k8s_manifest_vars(const struct k8s_config *c, bool with_users)
{
	json_t *v = json_object();
	json_object_set_new(v, "namespace", json_string(c->namespace_ ? c->namespace_ : "clearml"));
	json_object_set_new(v, "install_id",
			    json_string(k8s_install_id(c)));
	json_object_set_new(v, "base_dir",
			    json_string(k8s_base_dir(c)));
	bool pvc = c->storage && strcmp(c->storage, "pvc") == 0;
	json_object_set_new(v, "pvc", json_boolean(pvc));
	json_object_set_new(v, "storage_class",
			    json_string(lf_str_empty(c->storage_class) ? "" : c->storage_class));
	json_object_set_new(v, "elastic_init", json_boolean(c->elastic_init));
	json_object_set_new(v, "clearml_image", json_string(K8S_CLEARML_IMAGE));
	json_object_set_new(v, "clearml_version", json_string(K8S_CLEARML_VERSION));
	json_object_set_new(v, "elastic_version", json_string(K8S_ELASTIC_VERSION));
	json_object_set_new(v, "mongo_version", json_string(K8S_MONGO_VERSION));
	json_object_set_new(v, "redis_version", json_string(K8S_REDIS_VERSION));
	json_object_set_new(v, "init_image", json_string(K8S_INIT_IMAGE));
	json_object_set_new(v, "elastic_heap", json_string("2g"));
	json_t *claims = json_array();
	json_array_append_new(claims, claim("clearml-mongo", "50Gi"));
	json_array_append_new(claims, claim("clearml-elastic", "50Gi"));
	json_array_append_new(claims, claim("clearml-redis", "5Gi"));
	json_array_append_new(claims, claim("clearml-fileserver", "100Gi"));
	json_object_set_new(v, "claims", claims);
	json_t *svc = json_array();
	json_array_append_new(svc, service("mongo", "mongo", "mongo", 27017, 27017, 0));
	json_array_append_new(svc, service("elasticsearch", "elastic", "http", 9200, 9200, 0));
	json_array_append_new(svc, service("redis", "redis", "redis", 6379, 6379, 0));
	json_array_append_new(svc, service("apiserver", "apiserver", "api", 8008, 8008,
					   c->port_api ? c->port_api : 30008));
	json_array_append_new(svc, service("fileserver", "fileserver", "files", 8081, 8081,
					   c->port_files ? c->port_files : 30081));
	json_array_append_new(svc, service("webserver", "webserver", "http", 80, 80,
					   c->port_web ? c->port_web : 30080));
	json_object_set_new(v, "services", svc);
	json_t *reg = json_false();
	if (!lf_str_empty(c->registry_user)) {
		const char *server = lf_str_empty(c->registry) ? "docker.io" : c->registry;
		reg = json_pack("{s:s, s:s}", "server", server, "user", c->registry_user);
		if (with_users && c->registry_password) {
			/* The kubelet's pull credentials: {"auths": {server: {...}}}. */
			char *up = lf_asprintf("%s:%s", c->registry_user, c->registry_password);
			char *auth = lf_base64_encode(up, strlen(up));
			json_t *cfg = json_pack("{s:{s:{s:s, s:s, s:s}}}", "auths", server, "username",
						c->registry_user, "password", c->registry_password,
						"auth", auth);
			char *text = json_dumps(cfg, JSON_COMPACT);
			json_object_set_new(reg, "dockerconfig", json_string(text));
			explicit_bzero(up, strlen(up));
			explicit_bzero(auth, strlen(auth));
			explicit_bzero(text, strlen(text));
			free(up);
			free(auth);
			free(text);
			json_decref(cfg);
		}
	}
	json_object_set_new(v, "registry", reg);
	if (with_users) {
		json_t *users = json_array();
		for (size_t i = 0; i < c->nusers; i++) {
			const struct server_user *u = &c->users[i];
			json_array_append_new(
				users, json_pack("{s:s?, s:s?, s:s?, s:b}", "username", u->username,
						 "name", u->name ? u->name : u->username,
						 "password", u->password, "admin", u->admin));
		}
		json_object_set_new(v, "users", users);
	}
	return v;
}

/* The asset for an action id, or NULL when the action applies no manifest. */
static char *asset_for(const char *action_id)
{
	if (strcmp(action_id, "namespace") == 0)
		return lf_xstrdup("k8s-namespace.yaml");
	if (strcmp(action_id, "secret") == 0)
		return lf_xstrdup("k8s-secret.yaml");
	if (strcmp(action_id, "storage") == 0)
		return lf_xstrdup("k8s-pvc.yaml");
	if (strcmp(action_id, "services") == 0)
		return lf_xstrdup("k8s-services.yaml");
	if (strncmp(action_id, "deploy-", 7) == 0)
		return lf_asprintf("k8s-%s.yaml", action_id);
	return NULL;
}

/* Render `asset` with `vars` and parse its documents into *out. The text
 * is wiped: a Secret's holds passwords. */
static int render_docs(const char *asset, json_t *vars, json_t **out, char **cause)
{
	size_t len = 0;
	char *text = render_asset(asset, vars, &len, cause);
	if (!text)
		return -1;
	json_t *docs = k8s_yaml_load(text, len, asset, 0, cause);
	memset(text, 0, len);
	free(text);
	if (!docs)
		return -1;
	*out = docs;
	return 0;
}

int k8s_manifests(const struct k8s_config *c, const char *action_id, json_t **out, char **cause)
{
	*out = NULL;
	char *asset = asset_for(action_id);
	if (!asset) {
		*out = json_array();
		return 0;
	}
	bool with_users = strcmp(action_id, "secret") == 0;
	if (with_users && !lf_str_empty(c->registry_user) && !c->registry_password) {
		free(asset);
		return lf_fail(cause, _("server.registry.password: not available; the image pull secret needs it"));
	}
	if (with_users) {
		for (size_t i = 0; i < c->nusers; i++)
			if (!c->users[i].password || !c->users[i].username) {
				free(asset);
				return lf_fail(cause,
					       _("server.admin_users[%zu]: the user name or "
						 "password is not available"),
					       i);
			}
	}
	json_t *vars = k8s_manifest_vars(c, with_users);
	int rc = render_docs(asset, vars, out, cause);
	json_decref(vars);
	free(asset);
	return rc;
}

int k8s_purge_pod(const struct k8s_config *c, const char *base_dir, const char *node,
		  const char *name, json_t **out, char **cause)
{
	*out = NULL;
	json_t *vars = k8s_manifest_vars(c, false);
	json_object_set_new(vars, "base_dir", json_string(base_dir));
	json_object_set_new(vars, "node", json_string(node ? node : ""));
	json_object_set_new(vars, "name", json_string(name));
	json_t *paths = json_array();
	for (size_t i = 0; k8s_data_paths[i]; i++)
		json_array_append_new(paths, json_string(k8s_data_paths[i]));
	json_object_set_new(vars, "paths", paths);
	json_t *docs = NULL;
	int rc = render_docs("k8s-purge-pod.yaml", vars, &docs, cause);
	json_decref(vars);
	if (rc == 0) {
		*out = json_incref(json_array_get(docs, 0));
		json_decref(docs);
	}
	return rc;
}
