/* kubeconfig loading, merging and resolution, and exec credential plugins.
 * See kubeconfig.h for the rules; client-go's clientcmd is the reference. */
#define _GNU_SOURCE
#include "kubeconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../i18n.h"
#include "../util.h"
#include "k8s_yaml.h"

extern char **environ;

#define EXEC_V1		"client.authentication.k8s.io/v1"
#define EXEC_V1BETA1	"client.authentication.k8s.io/v1beta1"
#define EXEC_EXTENSION	"client.authentication.k8s.io/exec"
#define EXEC_MAX_STDOUT (1024 * 1024)
#define EXEC_MAX_STDERR 4096

struct kubeconfig_exec {
	char *api_version;
	char **argv; /* argv[0] is the command; NULL-terminated */
	size_t argc;
	char **env; /* "NAME=VALUE", NULL-terminated */
	size_t nenv;
	char *install_hint; /* NULL when unset */
	bool provide_cluster_info;
	json_t *cluster_config; /* the cluster's exec extension, or NULL */
};

struct kubeconfig_cache {
	long exec_timeout_ms;
	unsigned runs;
	bool valid;			  /* an exec credential is cached */
	char *token;			  /* exec token */
	struct kubeconfig_blob cert, key; /* exec certificate */
	long long expires;		  /* Unix seconds, 0: none */
	char *file_token;		  /* tokenFile contents, trimmed */
};

/* ---- small helpers ------------------------------------------------------ */

static void blob_free(struct kubeconfig_blob *b)
{
	if (b->data) {
		explicit_bzero(b->data, b->len);
		free(b->data);
	}
	b->data = NULL;
	b->len = 0;
}

static void free_secret(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

long long kubeconfig_parse_time(const char *s)
{
	if (!s)
		return -1;
	struct tm tm = {0};
	int n = 0;
	if (sscanf(s, "%4d-%2d-%2d%*1[Tt ]%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
		   &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6 ||
	    n == 0)
		return -1;
	const char *p = s + n;
	if (*p == '.') {
		p++;
		if (!(*p >= '0' && *p <= '9'))
			return -1;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	long offset = 0;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int oh, om, k = 0;
		if (sscanf(p + 1, "%2d:%2d%n", &oh, &om, &k) != 2 || k != 5)
			return -1;
		offset = (oh * 3600L + om * 60L) * (*p == '-' ? -1 : 1);
		p += 1 + k;
	} else {
		return -1;
	}
	if (*p != '\0')
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	if (tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
	    tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
		return -1;
	time_t t = timegm(&tm);
	return (long long)t - offset;
}

/* A string field of a kubeconfig map: NULL when absent or empty. With the
 * K8S_YAML_STRINGS load every scalar is a string; a map or list where a
 * string belongs is an error. */
static int get_str(const json_t *obj, const char *key, const char **out, const char *where,
		   char **cause)
{
	*out = NULL;
	json_t *v = json_object_get(obj, key);
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v))
		return lf_fail(cause, _("%s: %s must be a string"), where, key);
	if (json_string_length(v) > 0)
		*out = json_string_value(v);
	return 0;
}

/* Booleans as Go's YAML reader takes them. */
static int get_bool(const json_t *obj, const char *key, bool *out, const char *where, char **cause)
{
	const char *s;
	*out = false;
	if (get_str(obj, key, &s, where, cause) != 0)
		return -1;
	if (!s)
		return 0;
	static const char *const yes[] = {"true", "True", "TRUE", "yes", "Yes",
					  "YES",  "on",	  "On",	  "ON"};
	static const char *const no[] = {"false", "False", "FALSE", "no", "No",
					 "NO",	  "off",   "Off",   "OFF"};
	for (size_t i = 0; i < LF_ARRAY_LEN(yes); i++) {
		if (strcmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcmp(s, no[i]) == 0)
			return 0;
	}
	return lf_fail(cause, _("%s: %s must be true or false, not \"%s\""), where, key, s);
}

static char *resolve_path(const char *file, const char *path)
{
	if (path[0] == '/')
		return lf_xstrdup(path);
	const char *slash = strrchr(file, '/');
	if (!slash)
		return lf_xstrdup(path);
	return lf_asprintf("%.*s/%s", (int)(slash - file), file, path);
}

static char *absolute(const char *path)
{
	if (path[0] == '/')
		return lf_xstrdup(path);
	char cwd[PATH_MAX];
	if (!getcwd(cwd, sizeof cwd))
		return lf_xstrdup(path);
	return lf_asprintf("%s/%s", cwd, path);
}

/* Read a file named by a kubeconfig field. */
static int read_field_file(const char *path, struct kubeconfig_blob *out, const char *where,
			   const char *field, char **cause)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return lf_fail(cause, _("%s: %s: cannot read %s: %s"), where, field, path,
			       strerror(errno));
	fclose(f);
	char *err = NULL;
	out->data = lf_read_file(path, &out->len, &err);
	if (!out->data) {
		lf_fail(cause, _("%s: %s: %s"), where, field, err);
		free(err);
		return -1;
	}
	return 0;
}

/* One item that may come from FIELD (a file) or FIELD-data (base64). */
static int load_file_or_data(const json_t *obj, const char *field, const char *data_field,
			     const char *file, struct kubeconfig_blob *out, char **origin,
			     const char *where, char **cause)
{
	const char *path, *data;
	if (get_str(obj, field, &path, where, cause) != 0 ||
	    get_str(obj, data_field, &data, where, cause) != 0)
		return -1;
	if (path && data)
		return lf_fail(cause,
			       _("%s: both %s and %s are set; keep only one (kubectl refuses "
				 "this too)"),
			       where, field, data_field);
	if (data) {
		out->data = lf_base64_decode(data, &out->len);
		if (!out->data)
			return lf_fail(cause, _("%s: %s is not valid base64"), where, data_field);
		if (origin)
			*origin = lf_asprintf("%s (%s)", data_field, where);
		return 0;
	}
	if (path) {
		char *full = resolve_path(file, path);
		int rc = read_field_file(full, out, where, field, cause);
		if (rc == 0 && origin)
			*origin = lf_xstrdup(full);
		free(full);
		return rc;
	}
	return 0;
}

/* ---- merging ------------------------------------------------------------ */

/* The merged view: name -> {"file": path, "value": entry body}. */
struct merged {
	json_t *clusters, *users, *contexts;
	char *current_context;
	char *current_context_file;
	char *files; /* "a, b" for messages */
};

static void merged_free(struct merged *m)
{
	json_decref(m->clusters);
	json_decref(m->users);
	json_decref(m->contexts);
	free(m->current_context);
	free(m->current_context_file);
	free(m->files);
}

static int merge_section(json_t *into, const json_t *cfg, const char *section, const char *body,
			 const char *file, char **cause)
{
	json_t *list = json_object_get(cfg, section);
	if (!list || json_is_null(list) || (json_is_string(list) && json_string_length(list) == 0))
		return 0;
	if (!json_is_array(list))
		return lf_fail(cause, _("kubeconfig %s: %s must be a list"), file, section);
	json_t *local = json_object();
	size_t i;
	json_t *item;
	json_array_foreach(list, i, item)
	{
		const char *name;
		if (!json_is_object(item) || get_str(item, "name", &name, file, cause) != 0 ||
		    !name) {
			json_decref(local);
			return lf_fail(cause, _("kubeconfig %s: %s[%zu] has no name"), file,
				       section, i);
		}
		json_t *b = json_object_get(item, body);
		if (b && !json_is_object(b) && !json_is_null(b) &&
		    !(json_is_string(b) && json_string_length(b) == 0)) {
			json_decref(local);
			return lf_fail(cause, _("kubeconfig %s: %s \"%s\": %s must be a map"), file,
				       section, name, body);
		}
		json_t *val = json_is_object(b) ? json_incref(b) : json_object();
		json_object_set_new(local, name,
				    json_pack("{s:s, s:o}", "file", file, "value", val));
	}
	const char *name;
	json_t *entry;
	json_object_foreach(local, name, entry)
	{
		if (!json_object_get(into, name)) /* the first file wins */
			json_object_set(into, name, entry);
	}
	json_decref(local);
	return 0;
}

static bool file_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

/* The file list, as kubectl chooses it. */
static int choose_files(const char *paths, json_t *files, char **cause)
{
	const char *list = NULL;
	bool explicit_list = !lf_str_empty(paths);
	if (explicit_list)
		list = paths;
	else if (!lf_str_empty(getenv("KUBECONFIG")))
		list = getenv("KUBECONFIG");
	if (!list) {
		const char *home = getenv("HOME");
		if (lf_str_empty(home))
			return lf_fail(cause, _("no kubeconfig: KUBECONFIG is not set and HOME "
						"is unknown"));
		char *def = lf_asprintf("%s/.kube/config", home);
		if (!file_exists(def)) {
			lf_fail(cause,
				_("no kubeconfig: %s does not exist and KUBECONFIG is not set; "
				  "name the file in the kubeconfig setting"),
				def);
			free(def);
			return -1;
		}
		json_array_append_new(files, json_string(def));
		free(def);
		return 0;
	}
	char *copy = lf_xstrdup(list);
	char *save = NULL;
	json_t *missing = json_array();
	for (char *tok = strtok_r(copy, ":", &save); tok; tok = strtok_r(NULL, ":", &save)) {
		char *abs = absolute(tok);
		bool dup = false;
		size_t i;
		json_t *v;
		json_array_foreach(files, i, v) dup = dup || strcmp(json_string_value(v), abs) == 0;
		if (!dup) {
			if (file_exists(abs))
				json_array_append_new(files, json_string(abs));
			else
				json_array_append_new(missing, json_string(tok));
		}
		free(abs);
	}
	free(copy);
	int rc = 0;
	if (explicit_list && json_array_size(missing) > 0) {
		rc = lf_fail(cause, _("kubeconfig file %s does not exist"),
			     json_string_value(json_array_get(missing, 0)));
	} else if (json_array_size(files) == 0) {
		rc = lf_fail(cause, _("no kubeconfig: none of the files in %s exist (%s)"),
			     explicit_list ? _("the kubeconfig setting") : "KUBECONFIG", list);
	}
	json_decref(missing);
	return rc;
}

static int load_merged(const char *paths, struct merged *m, char **cause)
{
	memset(m, 0, sizeof *m);
	m->clusters = json_object();
	m->users = json_object();
	m->contexts = json_object();
	json_t *files = json_array();
	if (choose_files(paths, files, cause) != 0) {
		json_decref(files);
		return -1;
	}
	size_t i;
	json_t *f;
	int rc = 0;
	json_array_foreach(files, i, f)
	{
		const char *file = json_string_value(f);
		char *joined = m->files ? lf_asprintf("%s, %s", m->files, file) : lf_xstrdup(file);
		free(m->files);
		m->files = joined;
		char *err = NULL;
		json_t *docs = k8s_yaml_load_file(file, K8S_YAML_STRINGS, &err);
		if (!docs) {
			rc = lf_fail(cause, _("kubeconfig %s"), err);
			free(err);
			break;
		}
		json_t *cfg = json_array_get(docs, 0);
		const char *kind = NULL, *cur = NULL;
		if (!cfg) {
			/* an empty file adds nothing, as in kubectl */
		} else if (!json_is_object(cfg) || json_array_size(docs) > 1) {
			rc = lf_fail(cause,
				     _("kubeconfig %s: not a kubeconfig (one YAML map "
				       "expected)"),
				     file);
		} else if (get_str(cfg, "kind", &kind, file, NULL),
			   kind && strcmp(kind, "Config") != 0) {
			rc = lf_fail(cause, _("kubeconfig %s: kind is %s, not Config"), file, kind);
		} else if (merge_section(m->clusters, cfg, "clusters", "cluster", file, cause) !=
				   0 ||
			   merge_section(m->users, cfg, "users", "user", file, cause) != 0 ||
			   merge_section(m->contexts, cfg, "contexts", "context", file, cause) !=
				   0 ||
			   get_str(cfg, "current-context", &cur, file, cause) != 0) {
			rc = -1;
		} else if (cur && !m->current_context) {
			m->current_context = lf_xstrdup(cur);
			m->current_context_file = lf_xstrdup(file);
		}
		json_decref(docs);
		if (rc != 0)
			break;
	}
	json_decref(files);
	return rc;
}

static char *names_of(const json_t *map)
{
	char *s = NULL;
	const char *name;
	json_t *v;
	json_object_foreach((json_t *)map, name, v)
	{
		char *n = s ? lf_asprintf("%s, %s", s, name) : lf_xstrdup(name);
		free(s);
		s = n;
	}
	return s ? s : lf_xstrdup(_("none"));
}

/* ---- resolution --------------------------------------------------------- */

static bool dns1123_label(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 63)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
		if (!alnum && !(c == '-' && i > 0 && i + 1 < n))
			return false;
	}
	return true;
}

static int resolve_cluster(struct kubeconfig *kc, const json_t *entry, char **cause)
{
	const char *file = json_string_value(json_object_get(entry, "file"));
	const json_t *c = json_object_get(entry, "value");
	kc->cluster_file = lf_xstrdup(file);
	char *where = lf_asprintf(_("kubeconfig %s, cluster \"%s\" (context \"%s\")"), file,
				  kc->cluster, kc->context);
	int rc = -1;
	const char *server, *tsn, *proxy;
	bool insecure;
	if (get_str(c, "server", &server, where, cause) != 0 ||
	    get_str(c, "tls-server-name", &tsn, where, cause) != 0 ||
	    get_str(c, "proxy-url", &proxy, where, cause) != 0 ||
	    get_bool(c, "insecure-skip-tls-verify", &insecure, where, cause) != 0)
		goto out;
	if (insecure) {
		lf_fail(cause,
			_("%s: insecure-skip-tls-verify is set. Landfall always verifies the "
			  "API server's certificate: remove that line and give the cluster's CA "
			  "in certificate-authority or certificate-authority-data"),
			where);
		goto out;
	}
	if (!server) {
		lf_fail(cause, _("%s: server is not set"), where);
		goto out;
	}
	if (strncasecmp(server, "https://", 8) != 0) {
		lf_fail(cause,
			_("%s: server %s does not start with https://; Landfall talks to the "
			  "API server only over verified TLS"),
			where, server);
		goto out;
	}
	kc->server = lf_xstrdup(server);
	for (size_t n = strlen(kc->server); n > 8 && kc->server[n - 1] == '/'; n--)
		kc->server[n - 1] = '\0';
	if (tsn)
		kc->tls_server_name = lf_xstrdup(tsn);
	if (proxy)
		kc->proxy_url = lf_xstrdup(proxy);
	if (load_file_or_data(c, "certificate-authority", "certificate-authority-data", file,
			      &kc->ca, &kc->ca_origin, where, cause) != 0)
		goto out;
	rc = 0;
out:
	free(where);
	return rc;
}

static void exec_free(struct kubeconfig_exec *e)
{
	if (!e)
		return;
	free(e->api_version);
	for (size_t i = 0; i < e->argc; i++)
		free(e->argv[i]);
	free(e->argv);
	for (size_t i = 0; i < e->nenv; i++)
		free_secret(e->env[i]);
	free(e->env);
	free(e->install_hint);
	json_decref(e->cluster_config);
	free(e);
}

static int resolve_exec(struct kubeconfig *kc, const json_t *x, const char *file,
			const json_t *cluster, const char *where, char **cause)
{
	if (!json_is_object(x))
		return lf_fail(cause, _("%s: exec must be a map"), where);
	const char *api, *cmd, *hint, *mode;
	bool provide;
	if (get_str(x, "apiVersion", &api, where, cause) != 0 ||
	    get_str(x, "command", &cmd, where, cause) != 0 ||
	    get_str(x, "installHint", &hint, where, cause) != 0 ||
	    get_str(x, "interactiveMode", &mode, where, cause) != 0 ||
	    get_bool(x, "provideClusterInfo", &provide, where, cause) != 0)
		return -1;
	if (!cmd)
		return lf_fail(cause, _("%s: exec.command is not set"), where);
	if (!api)
		return lf_fail(cause, _("%s: exec.apiVersion is not set"), where);
	if (strcmp(api, EXEC_V1) != 0 && strcmp(api, EXEC_V1BETA1) != 0)
		return lf_fail(cause, _("%s: exec.apiVersion %s is not supported; use %s or %s"),
			       where, api, EXEC_V1, EXEC_V1BETA1);
	if (!mode && strcmp(api, EXEC_V1) == 0)
		return lf_fail(cause,
			       _("%s: exec.interactiveMode must be set for %s (Never or "
				 "IfAvailable)"),
			       where, api);
	if (mode && strcmp(mode, "Always") == 0)
		return lf_fail(cause,
			       _("%s: the exec plugin %s needs a terminal (interactiveMode: "
				 "Always); Landfall runs plugins without one. Log in with kubectl "
				 "first, or use a plugin mode of Never or IfAvailable"),
			       where, cmd);
	if (mode && strcmp(mode, "Never") != 0 && strcmp(mode, "IfAvailable") != 0)
		return lf_fail(cause,
			       _("%s: exec.interactiveMode \"%s\" is not one of Never, "
				 "IfAvailable, Always"),
			       where, mode);
	struct kubeconfig_exec *e = lf_xcalloc(1, sizeof *e);
	kc->exec = e;
	e->api_version = lf_xstrdup(api);
	e->install_hint = hint ? lf_xstrdup(hint) : NULL;
	e->provide_cluster_info = provide;
	json_t *args = json_object_get(x, "args");
	size_t nargs = json_is_array(args) ? json_array_size(args) : 0;
	if (args && !json_is_null(args) && !json_is_array(args))
		return lf_fail(cause, _("%s: exec.args must be a list"), where);
	e->argv = lf_xcalloc(nargs + 2, sizeof *e->argv);
	/* A relative command with a '/' is relative to the kubeconfig file. */
	e->argv[0] = strchr(cmd, '/') ? resolve_path(file, cmd) : lf_xstrdup(cmd);
	e->argc = 1;
	for (size_t i = 0; i < nargs; i++) {
		json_t *a = json_array_get(args, i);
		if (!json_is_string(a))
			return lf_fail(cause, _("%s: exec.args[%zu] must be a string"), where, i);
		e->argv[e->argc++] = lf_xstrdup(json_string_value(a));
	}
	json_t *env = json_object_get(x, "env");
	size_t nenv = json_is_array(env) ? json_array_size(env) : 0;
	if (env && !json_is_null(env) && !json_is_array(env))
		return lf_fail(cause, _("%s: exec.env must be a list of name/value maps"), where);
	e->env = lf_xcalloc(nenv + 1, sizeof *e->env);
	for (size_t i = 0; i < nenv; i++) {
		json_t *item = json_array_get(env, i);
		const char *name = NULL, *value = NULL;
		if (!json_is_object(item) || get_str(item, "name", &name, where, cause) != 0 ||
		    get_str(item, "value", &value, where, cause) != 0 || !name || strchr(name, '='))
			return lf_fail(cause,
				       _("%s: exec.env[%zu] needs a name (without '=') "
					 "and a value"),
				       where, i);
		e->env[e->nenv++] = lf_asprintf("%s=%s", name, value ? value : "");
	}
	/* The cluster's extension for this plugin, handed over with the
	 * cluster info (client-go reads extensions[name=client.authentication.k8s.io/exec]). */
	json_t *exts = json_object_get(cluster, "extensions");
	size_t i;
	json_t *ext;
	if (json_is_array(exts)) {
		json_array_foreach(exts, i, ext)
		{
			json_t *n = json_object_get(ext, "name");
			if (json_is_string(n) && strcmp(json_string_value(n), EXEC_EXTENSION) == 0)
				e->cluster_config = json_incref(json_object_get(ext, "extension"));
		}
	}
	return 0;
}

static int read_token_file(struct kubeconfig *kc, char **cause);

static int resolve_user(struct kubeconfig *kc, const json_t *entry, const json_t *cluster,
			char **cause)
{
	const char *file = json_string_value(json_object_get(entry, "file"));
	const json_t *u = json_object_get(entry, "value");
	kc->user_file = lf_xstrdup(file);
	char *where = lf_asprintf(_("kubeconfig %s, user \"%s\" (context \"%s\")"), file, kc->user,
				  kc->context);
	int rc = -1;
	const char *token, *token_file, *username, *password, *as;
	if (get_str(u, "token", &token, where, cause) != 0 ||
	    get_str(u, "tokenFile", &token_file, where, cause) != 0 ||
	    get_str(u, "username", &username, where, cause) != 0 ||
	    get_str(u, "password", &password, where, cause) != 0 ||
	    get_str(u, "as", &as, where, cause) != 0)
		goto out;
	json_t *ap = json_object_get(u, "auth-provider");
	json_t *x = json_object_get(u, "exec");
	if (ap && !json_is_null(ap)) {
		lf_fail(cause,
			_("%s: auth-provider plugins were removed from kubectl; use an exec "
			  "credential plugin (for example kubelogin or your cloud's "
			  "get-token command)"),
			where);
		goto out;
	}
	if (username || password) {
		lf_fail(cause,
			_("%s: username/password (basic) authentication is not supported; use "
			  "a token, a client certificate or an exec plugin"),
			where);
		goto out;
	}
	if (as || json_object_get(u, "as-groups")) {
		lf_fail(cause, _("%s: impersonation (as, as-groups) is not supported"), where);
		goto out;
	}
	if (load_file_or_data(u, "client-certificate", "client-certificate-data", file,
			      &kc->client_cert, NULL, where, cause) != 0 ||
	    load_file_or_data(u, "client-key", "client-key-data", file, &kc->client_key, NULL,
			      where, cause) != 0)
		goto out;
	if (kc->client_cert.data && !kc->client_key.data) {
		lf_fail(cause, _("%s: client-certificate is set without client-key"), where);
		goto out;
	}
	if (!kc->client_cert.data && kc->client_key.data) {
		lf_fail(cause, _("%s: client-key is set without client-certificate"), where);
		goto out;
	}
	if (token)
		kc->token = lf_xstrdup(token);
	if (token_file) {
		kc->token_file = resolve_path(file, token_file);
		if (!kc->token && read_token_file(kc, cause) != 0)
			goto out;
	}
	if (x && !json_is_null(x) && resolve_exec(kc, x, file, cluster, where, cause) != 0)
		goto out;
	rc = 0;
out:
	free(where);
	return rc;
}

int kubeconfig_load(const char *paths, const char *context, struct kubeconfig **out, char **cause)
{
	*out = NULL;
	struct merged m;
	if (load_merged(paths, &m, cause) != 0) {
		merged_free(&m);
		return -1;
	}
	struct kubeconfig *kc = lf_xcalloc(1, sizeof *kc);
	kc->cache = lf_xcalloc(1, sizeof *kc->cache);
	kc->cache->exec_timeout_ms = 60000;
	int rc = -1;
	const char *name = !lf_str_empty(context) ? context : m.current_context;
	if (!name) {
		char *names = names_of(m.contexts);
		lf_fail(cause,
			_("no context chosen and current-context is not set in %s; choose one "
			  "of: %s"),
			m.files, names);
		free(names);
		goto out;
	}
	json_t *ctx = json_object_get(m.contexts, name);
	if (!ctx) {
		char *names = names_of(m.contexts);
		lf_fail(cause, _("context \"%s\" is not in %s; the contexts there are: %s"), name,
			m.files, names);
		free(names);
		goto out;
	}
	kc->context = lf_xstrdup(name);
	kc->context_file = lf_xstrdup(json_string_value(json_object_get(ctx, "file")));
	const json_t *cv = json_object_get(ctx, "value");
	char *where = lf_asprintf(_("kubeconfig %s, context \"%s\""), kc->context_file, name);
	const char *cluster, *user, *ns;
	if (get_str(cv, "cluster", &cluster, where, cause) != 0 ||
	    get_str(cv, "user", &user, where, cause) != 0 ||
	    get_str(cv, "namespace", &ns, where, cause) != 0) {
		free(where);
		goto out;
	}
	if (!cluster || !user) {
		lf_fail(cause, _("%s: %s is not set"), where, !cluster ? "cluster" : "user");
		free(where);
		goto out;
	}
	if (ns && !dns1123_label(ns)) {
		lf_fail(cause, _("%s: namespace \"%s\" is not a valid namespace name"), where, ns);
		free(where);
		goto out;
	}
	json_t *centry = json_object_get(m.clusters, cluster);
	json_t *uentry = json_object_get(m.users, user);
	if (!centry || !uentry) {
		lf_fail(cause, _("%s: %s \"%s\" is not defined in %s"), where,
			!centry ? "cluster" : "user", !centry ? cluster : user, m.files);
		free(where);
		goto out;
	}
	free(where);
	kc->cluster = lf_xstrdup(cluster);
	kc->user = lf_xstrdup(user);
	kc->namespace_ = ns ? lf_xstrdup(ns) : NULL;
	if (resolve_cluster(kc, centry, cause) != 0 ||
	    resolve_user(kc, uentry, json_object_get(centry, "value"), cause) != 0)
		goto out;
	rc = 0;
out:
	merged_free(&m);
	if (rc != 0)
		kubeconfig_free(kc);
	else
		*out = kc;
	return rc;
}

static void cache_clear_exec(struct kubeconfig_cache *c)
{
	free_secret(c->token);
	c->token = NULL;
	blob_free(&c->cert);
	blob_free(&c->key);
	c->expires = 0;
	c->valid = false;
}

void kubeconfig_free(struct kubeconfig *kc)
{
	if (!kc)
		return;
	free(kc->context);
	free(kc->context_file);
	free(kc->cluster);
	free(kc->cluster_file);
	free(kc->user);
	free(kc->user_file);
	free(kc->namespace_);
	free(kc->server);
	free(kc->tls_server_name);
	free(kc->proxy_url);
	blob_free(&kc->ca);
	free(kc->ca_origin);
	blob_free(&kc->client_cert);
	blob_free(&kc->client_key);
	free_secret(kc->token);
	free(kc->token_file);
	exec_free(kc->exec);
	if (kc->cache) {
		cache_clear_exec(kc->cache);
		free_secret(kc->cache->file_token);
		free(kc->cache);
	}
	free(kc);
}

char *kubeconfig_describe(const struct kubeconfig *kc)
{
	return lf_asprintf(_("context %s (%s), cluster %s at %s, user %s"), kc->context,
			   kc->context_file, kc->cluster, kc->server, kc->user);
}

void kubeconfig_set_exec_timeout(struct kubeconfig *kc, long ms)
{
	kc->cache->exec_timeout_ms = ms > 0 ? ms : 60000;
}

unsigned kubeconfig_exec_runs(const struct kubeconfig *kc)
{
	return kc->cache->runs;
}

/* ---- exec plugins ------------------------------------------------------- */

static char *exec_info_json(const struct kubeconfig *kc)
{
	json_t *spec = json_pack("{s:b}", "interactive", 0);
	if (kc->exec->provide_cluster_info) {
		json_t *cl = json_pack("{s:s}", "server", kc->server);
		if (kc->tls_server_name)
			json_object_set_new(cl, "tls-server-name",
					    json_string(kc->tls_server_name));
		if (kc->ca.data) {
			char *b64 = lf_base64_encode(kc->ca.data, kc->ca.len);
			json_object_set_new(cl, "certificate-authority-data", json_string(b64));
			free(b64);
		}
		if (kc->proxy_url)
			json_object_set_new(cl, "proxy-url", json_string(kc->proxy_url));
		if (kc->exec->cluster_config)
			json_object_set(cl, "config", kc->exec->cluster_config);
		json_object_set_new(spec, "cluster", cl);
	}
	json_t *info = json_pack("{s:s, s:s, s:o}", "kind", "ExecCredential", "apiVersion",
				 kc->exec->api_version, "spec", spec);
	char *s = json_dumps(info, JSON_COMPACT);
	json_decref(info);
	return s;
}

/* Environment for the plugin: ours, then the plugin's list (which replaces
 * variables of the same name), then KUBERNETES_EXEC_INFO. Built before
 * fork so the child only calls async-signal-safe functions. */
static char **exec_environment(const struct kubeconfig_exec *e, const char *info)
{
	size_t n = 0;
	while (environ && environ[n])
		n++;
	char **envp = lf_xcalloc(n + e->nenv + 2, sizeof *envp);
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		const char *eq = strchr(environ[i], '=');
		size_t nl = eq ? (size_t)(eq - environ[i]) : strlen(environ[i]);
		bool replaced = strncmp(environ[i], "KUBERNETES_EXEC_INFO=", 21) == 0;
		for (size_t j = 0; j < e->nenv && !replaced; j++)
			replaced = strncmp(e->env[j], environ[i], nl) == 0 && e->env[j][nl] == '=';
		if (!replaced)
			envp[k++] = environ[i];
	}
	for (size_t j = 0; j < e->nenv; j++)
		envp[k++] = e->env[j];
	envp[k++] = lf_asprintf("KUBERNETES_EXEC_INFO=%s", info);
	envp[k] = NULL;
	return envp;
}

static void append_capped(char **buf, size_t *len, size_t cap, const char *data, size_t n,
			  bool *overflow)
{
	if (*len + n > cap) {
		*overflow = true;
		n = *len < cap ? cap - *len : 0;
	}
	*buf = lf_xrealloc(*buf, *len + n + 1);
	memcpy(*buf + *len, data, n);
	*len += n;
	(*buf)[*len] = '\0';
}

/* The last line or so of the plugin's stderr, for messages. */
static char *stderr_tail(const char *err)
{
	if (!err)
		return lf_xstrdup("");
	size_t n = strlen(err);
	while (n > 0 && (err[n - 1] == '\n' || err[n - 1] == ' '))
		n--;
	const char *start = err;
	if (n > 400)
		start = err + n - 400;
	return lf_asprintf(": %.*s", (int)(n - (size_t)(start - err)), start);
}

struct run_result {
	char *out, *err;
	int status;
};

static int run_plugin(struct kubeconfig *kc, const char *where, struct run_result *r, char **cause)
{
	const struct kubeconfig_exec *e = kc->exec;
	memset(r, 0, sizeof *r);
	char *info = exec_info_json(kc);
	char **envp = exec_environment(e, info);
	free(info);
	int outp[2] = {-1, -1}, errp[2] = {-1, -1}, failp[2] = {-1, -1};
	int rc = -1;
	pid_t pid = -1;
	if (pipe2(outp, O_CLOEXEC) != 0 || pipe2(errp, O_CLOEXEC) != 0 ||
	    pipe2(failp, O_CLOEXEC) != 0) {
		lf_fail(cause, _("%s: cannot run the exec plugin: %s"), where, strerror(errno));
		goto out;
	}
	int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	pid = fork();
	if (pid < 0) {
		lf_fail(cause, _("%s: cannot run the exec plugin: %s"), where, strerror(errno));
		if (devnull >= 0)
			close(devnull);
		goto out;
	}
	if (pid == 0) {
		/* Child: only async-signal-safe calls from here. */
		if (devnull >= 0)
			dup2(devnull, 0);
		dup2(outp[1], 1);
		dup2(errp[1], 2);
		signal(SIGPIPE, SIG_DFL);
		execvpe(e->argv[0], e->argv, envp);
		int err = errno;
		ssize_t w = write(failp[1], &err, sizeof err);
		(void)w;
		_exit(127);
	}
	if (devnull >= 0)
		close(devnull);
	close(outp[1]);
	close(errp[1]);
	close(failp[1]);
	outp[1] = errp[1] = failp[1] = -1;
	kc->cache->runs++;

	int exec_errno = 0;
	ssize_t got;
	do
		got = read(failp[0], &exec_errno, sizeof exec_errno);
	while (got < 0 && errno == EINTR);
	if (got == (ssize_t)sizeof exec_errno) {
		waitpid(pid, NULL, 0);
		pid = -1;
		lf_fail(cause, _("%s: the exec plugin %s could not be started: %s%s%s"), where,
			e->argv[0], strerror(exec_errno), e->install_hint ? ". " : "",
			e->install_hint ? e->install_hint : "");
		goto out;
	}

	size_t outlen = 0, errlen = 0;
	bool out_over = false, err_over = false;
	r->out = lf_xstrdup("");
	r->err = lf_xstrdup("");
	struct pollfd pfd[2] = {{.fd = outp[0], .events = POLLIN},
				{.fd = errp[0], .events = POLLIN}};
	long long deadline = lf_now_ms() + kc->cache->exec_timeout_ms;
	while (pfd[0].fd >= 0 || pfd[1].fd >= 0) {
		long long left = deadline - lf_now_ms();
		if (left <= 0) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			pid = -1;
			lf_fail(cause, _("%s: the exec plugin %s did not finish within %ld s"),
				where, e->argv[0], kc->cache->exec_timeout_ms / 1000);
			goto out;
		}
		int n = poll(pfd, 2, (int)(left > 1000 ? 1000 : left));
		if (n < 0 && errno != EINTR) {
			lf_fail(cause, _("%s: poll: %s"), where, strerror(errno));
			goto out;
		}
		for (int i = 0; i < 2 && n > 0; i++) {
			if (pfd[i].fd < 0 || !(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			char buf[4096];
			ssize_t k = read(pfd[i].fd, buf, sizeof buf);
			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0) {
				close(pfd[i].fd);
				if (i == 0)
					outp[0] = -1;
				else
					errp[0] = -1;
				pfd[i].fd = -1;
				continue;
			}
			if (i == 0)
				append_capped(&r->out, &outlen, EXEC_MAX_STDOUT, buf, (size_t)k,
					      &out_over);
			else
				append_capped(&r->err, &errlen, EXEC_MAX_STDERR, buf, (size_t)k,
					      &err_over);
		}
	}
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	pid = -1;
	if (out_over) {
		lf_fail(cause, _("%s: the exec plugin %s wrote more than 1 MiB"), where,
			e->argv[0]);
		goto out;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		char *tail = stderr_tail(r->err);
		if (WIFEXITED(status))
			lf_fail(cause, _("%s: the exec plugin %s failed with exit status %d%s"),
				where, e->argv[0], WEXITSTATUS(status), tail);
		else
			lf_fail(cause, _("%s: the exec plugin %s was killed by signal %d%s"), where,
				e->argv[0], WTERMSIG(status), tail);
		free(tail);
		goto out;
	}
	rc = 0;
out:
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	for (int i = 0; i < 2; i++) {
		if (outp[i] >= 0)
			close(outp[i]);
		if (errp[i] >= 0)
			close(errp[i]);
		if (failp[i] >= 0)
			close(failp[i]);
	}
	/* envp borrows environ and e->env; only our KUBERNETES_EXEC_INFO is ours. */
	for (size_t i = 0; envp[i]; i++)
		if (strncmp(envp[i], "KUBERNETES_EXEC_INFO=", 21) == 0)
			free(envp[i]);
	free(envp);
	if (rc != 0) {
		free_secret(r->out);
		free(r->err);
		r->out = r->err = NULL;
	}
	return rc;
}

static int parse_exec_output(struct kubeconfig *kc, const char *out, const char *where,
			     char **cause)
{
	const struct kubeconfig_exec *e = kc->exec;
	json_error_t jerr;
	json_t *cred = json_loads(out, 0, &jerr);
	int rc = -1;
	if (!json_is_object(cred)) {
		lf_fail(cause,
			_("%s: the exec plugin %s did not print an ExecCredential as "
			  "JSON (%s)"),
			where, e->argv[0], cred ? _("not an object") : jerr.text);
		goto out;
	}
	const char *kind = json_string_value(json_object_get(cred, "kind"));
	const char *api = json_string_value(json_object_get(cred, "apiVersion"));
	if (!kind || strcmp(kind, "ExecCredential") != 0) {
		lf_fail(cause, _("%s: the exec plugin %s printed kind %s, not ExecCredential"),
			where, e->argv[0], kind ? kind : "(none)");
		goto out;
	}
	if (!api || strcmp(api, e->api_version) != 0) {
		lf_fail(cause,
			_("%s: the exec plugin %s answered with apiVersion %s but was asked for "
			  "%s"),
			where, e->argv[0], api ? api : "(none)", e->api_version);
		goto out;
	}
	json_t *st = json_object_get(cred, "status");
	const char *token = json_string_value(json_object_get(st, "token"));
	const char *cert = json_string_value(json_object_get(st, "clientCertificateData"));
	const char *key = json_string_value(json_object_get(st, "clientKeyData"));
	const char *exp = json_string_value(json_object_get(st, "expirationTimestamp"));
	if (lf_str_empty(cert) != lf_str_empty(key)) {
		lf_fail(cause, _("%s: the exec plugin %s returned %s without %s"), where,
			e->argv[0], lf_str_empty(cert) ? "clientKeyData" : "clientCertificateData",
			lf_str_empty(cert) ? "clientCertificateData" : "clientKeyData");
		goto out;
	}
	if (lf_str_empty(token) && lf_str_empty(cert)) {
		lf_fail(cause,
			_("%s: the exec plugin %s returned neither a token nor a client "
			  "certificate"),
			where, e->argv[0]);
		goto out;
	}
	long long expires = 0;
	if (!lf_str_empty(exp)) {
		expires = kubeconfig_parse_time(exp);
		if (expires < 0) {
			lf_fail(cause,
				_("%s: the exec plugin %s returned an expirationTimestamp "
				  "that is not an RFC 3339 time: %s"),
				where, e->argv[0], exp);
			goto out;
		}
	}
	struct kubeconfig_cache *c = kc->cache;
	cache_clear_exec(c);
	if (!lf_str_empty(token))
		c->token = lf_xstrdup(token);
	if (!lf_str_empty(cert)) {
		c->cert.data = lf_xstrdup(cert);
		c->cert.len = strlen(cert);
		c->key.data = lf_xstrdup(key);
		c->key.len = strlen(key);
	}
	c->expires = expires;
	c->valid = true;
	rc = 0;
out:
	if (cred) {
		/* The token and key must not linger in freed memory. */
		json_t *status = json_object_get(cred, "status");
		const char *k;
		json_t *v;
		json_object_foreach(status, k, v)
		{
			if (json_is_string(v))
				explicit_bzero((char *)json_string_value(v), json_string_length(v));
		}
		json_decref(cred);
	}
	return rc;
}

static int exec_refresh(struct kubeconfig *kc, char **cause)
{
	char *where = lf_asprintf(_("kubeconfig %s, user \"%s\" (context \"%s\")"), kc->user_file,
				  kc->user, kc->context);
	struct run_result r;
	int rc = run_plugin(kc, where, &r, cause);
	if (rc == 0)
		rc = parse_exec_output(kc, r.out, where, cause);
	free_secret(r.out);
	free(r.err);
	free(where);
	return rc;
}

static int read_token_file(struct kubeconfig *kc, char **cause)
{
	char *where = lf_asprintf(_("kubeconfig %s, user \"%s\" (context \"%s\")"), kc->user_file,
				  kc->user, kc->context);
	struct kubeconfig_blob b = {0};
	int rc = read_field_file(kc->token_file, &b, where, "tokenFile", cause);
	free(where);
	if (rc != 0)
		return -1;
	char *s = b.data, *end = b.data + b.len;
	while (s < end && (*s == ' ' || *s == '\n' || *s == '\r' || *s == '\t'))
		s++;
	while (end > s && (end[-1] == ' ' || end[-1] == '\n' || end[-1] == '\r' || end[-1] == '\t'))
		end--;
	free_secret(kc->cache->file_token);
	kc->cache->file_token = lf_xstrndup(s, (size_t)(end - s));
	blob_free(&b);
	if (kc->cache->file_token[0] == '\0')
		return lf_fail(cause, _("kubeconfig %s, user \"%s\": tokenFile %s is empty"),
			       kc->user_file, kc->user, kc->token_file);
	return 0;
}

int kubeconfig_credentials(struct kubeconfig *kc, struct kubeconfig_creds *out, char **cause)
{
	memset(out, 0, sizeof *out);
	struct kubeconfig_cache *c = kc->cache;
	if (kc->client_cert.data) {
		out->cert = kc->client_cert.data;
		out->cert_len = kc->client_cert.len;
		out->key = kc->client_key.data;
		out->key_len = kc->client_key.len;
	}
	if (kc->token) {
		out->token = kc->token;
		return 0;
	}
	if (kc->token_file) {
		if (!c->file_token && read_token_file(kc, cause) != 0)
			return -1;
		out->token = c->file_token;
		return 0;
	}
	if (!kc->exec)
		return 0;
	if (c->valid && c->expires != 0 && (long long)time(NULL) >= c->expires)
		cache_clear_exec(c);
	if (!c->valid && exec_refresh(kc, cause) != 0)
		return -1;
	out->from_exec = true;
	out->expires = c->expires;
	out->token = c->token;
	if (c->cert.data && !out->cert) {
		out->cert = c->cert.data;
		out->cert_len = c->cert.len;
		out->key = c->key.data;
		out->key_len = c->key.len;
	}
	return 0;
}

bool kubeconfig_invalidate(struct kubeconfig *kc)
{
	if (kc->token)
		return false;
	if (kc->token_file) {
		free_secret(kc->cache->file_token);
		kc->cache->file_token = NULL;
		return true;
	}
	if (kc->exec) {
		cache_clear_exec(kc->cache);
		return true;
	}
	return false;
}
