/* The ubuntu backend's session: connecting over SSH (ssh.h), the live
 * prerequisite checks of the on-premises guide (seed 001) read with the
 * parsers of ubuntu_parse.h, and the helpers the actions share. The actions
 * themselves are in ubuntu_actions.c. */
#include "ubuntu_internal.h"

#include <stdlib.h>
#include <string.h>

#include "../i18n.h"
#include "ubuntu_parse.h"

/* ---- pure helpers ------------------------------------------------------- */

char *ubuntu_rpath(const char *prefix, const char *path)
{
	if (lf_str_empty(prefix))
		return lf_xstrdup(path);
	size_t n = strlen(prefix);
	while (n > 1 && prefix[n - 1] == '/')
		n--;
	return lf_asprintf("%.*s%s%s", (int)n, prefix, path[0] == '/' ? "" : "/", path);
}

char *ubuntu_path_env(const char *prefix)
{
	static const char *const dirs[] = { "/usr/local/sbin", "/usr/local/bin", "/usr/sbin",
		                            "/usr/bin",        "/sbin",          "/bin" };
	if (lf_str_empty(prefix))
		return NULL;
	char *out = lf_xstrdup("PATH=");
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < LF_ARRAY_LEN(dirs); i++) {
			char *d = pass == 0 ? ubuntu_rpath(prefix, dirs[i]) : lf_xstrdup(dirs[i]);
			char *next = lf_asprintf("%s%s%s", out, pass == 0 && i == 0 ? "" : ":", d);
			free(d);
			free(out);
			out = next;
		}
	return out;
}

const char *const ubuntu_dirs[] = {
	"data/elastic7plus",
	"data/mongo_4/configdb",
	"data/mongo_4/db",
	"data/redis",
	"logs/apiserver",
	"documentation",
	"data/fileserver",
	"logs/fileserver",
	"logs/fileserver-proxy",
	"data/fluentd/buffer",
	"config/webserver_external_files",
	"config/onprem_poc",
	NULL,
};

char *ubuntu_url(const struct ubuntu_config *c, const char *sub, int port)
{
	if (!lf_str_empty(c->domain))
		return lf_asprintf("https://%s.%s", sub, c->domain);
	return lf_asprintf("http://%s:%d", c->host, port);
}

json_t *ubuntu_render_vars(const struct ubuntu_config *c)
{
	char *web = ubuntu_url(c, "app", UBUNTU_PORT_WEB);
	char *api = ubuntu_url(c, "api", UBUNTU_PORT_API);
	char *files = ubuntu_url(c, "files", UBUNTU_PORT_FILES);
	json_t *v = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:b, s:b, "
	                      "s:b}",
	                      "base_dir", c->base_dir ? c->base_dir : "/opt/clearml",
	                      "clearml_image", UBUNTU_CLEARML_IMAGE, "clearml_version",
	                      UBUNTU_CLEARML_VERSION, "elastic_version", UBUNTU_ELASTIC_VERSION,
	                      "mongo_version", UBUNTU_MONGO_VERSION, "redis_version",
	                      UBUNTU_REDIS_VERSION, "elastic_heap", "4g", "apiserver_workers",
	                      (json_int_t)8, "web_url", web, "api_url", api, "files_url", files,
	                      /* URLs made from the domain begin with app/api/files. */
	                      "custom_urls", 0, "aws", 0, "backup", 0);
	free(web);
	free(api);
	free(files);
	json_t *users = json_array();
	for (size_t i = 0; i < c->nusers; i++) {
		const struct server_user *u = &c->users[i];
		json_array_append_new(
			users, json_pack("{s:s, s:s, s:s, s:b}", "username",
		                         u->username ? u->username : "", "password",
		                         u->password ? u->password : "", "name",
		                         u->name ? u->name : (u->username ? u->username : ""),
		                         "admin", u->admin));
	}
	json_object_set_new(v, "users", users);
	return v;
}

bool ubuntu_health_ok(const char *service, int http_code)
{
	if (http_code == 200)
		return true;
	return strcmp(service, "fileserver") == 0 && http_code == 405;
}

/* ---- running commands --------------------------------------------------- */

enum ussh_status ubuntu_run(struct ubuntu_session *s, bool root, const char *const argv[],
                            const char *input, size_t input_len, long timeout_ms,
                            struct ussh_result *r, char **cause)
{
	size_t n = 0;
	while (argv[n])
		n++;
	const char **v = lf_xcalloc(n + 3, sizeof *v);
	size_t k = 0;
	if (s->path_env) {
		v[k++] = "env";
		v[k++] = s->path_env;
	}
	for (size_t i = 0; i < n; i++)
		v[k++] = argv[i];
	v[k] = NULL;
	struct ussh_exec_opts eo = { .input = input, .input_len = input_len,
		                     .timeout_ms = timeout_ms };
	enum ussh_status st = root ? ussh_sudo(s->ssh, v, &eo, r, cause)
	                           : ussh_exec(s->ssh, v, &eo, r, cause);
	free(v);
	return st;
}

/* Run and return stdout (caller frees) when the command exits 0, else NULL.
 * With merge_stderr: stdout and stderr together, whatever the exit status
 * (the docker parsers read both). NULL when it could not run at all. */
static char *output_of(struct ubuntu_session *s, bool root, const char *const argv[],
                       bool merge_stderr)
{
	struct ussh_result r = { 0 };
	char *cause = NULL;
	if (ubuntu_run(s, root, argv, NULL, 0, 60000, &r, &cause) != USSH_OK) {
		free(cause);
		return NULL;
	}
	char *out = NULL;
	if (merge_stderr)
		out = lf_asprintf("%s\n%s", r.out, r.err);
	else if (r.exit_status == 0)
		out = lf_xstrdup(r.out);
	ussh_result_free(&r);
	return out;
}

/* ---- open / close ------------------------------------------------------- */

static void ub_close(void *session)
{
	struct ubuntu_session *s = session;
	if (!s)
		return;
	ussh_free(s->ssh);
	free(s->path_env);
	json_decref(s->vars);
	free(s);
}

static int ub_open(const void *config, struct events *evs, void **session, char **cause)
{
	const struct ubuntu_config *c = config;
	*session = NULL;
	if (lf_str_empty(c->host))
		return lf_fail(cause, _("ubuntu.ssh.host: the server to install on is not set"));
	/* Everything secret the actions handle, so that no event shows it. */
	events_add_secret(evs, c->registry_password);
	for (size_t i = 0; i < c->nusers; i++)
		events_add_secret(evs, c->users[i].password);

	struct ussh_options o = {
		.host = c->host,
		.port = c->port,
		.user = c->user,
		.identity_file = c->identity_file,
		.password = c->password,
		.host_key_sha256 = c->host_key_sha256,
		.sudo_password = c->sudo_password,
		.events = evs,
	};
	struct ubuntu_session *s = lf_xcalloc(1, sizeof *s);
	s->c = c;
	s->evs = evs;
	s->ssh = ussh_new(&o);
	s->path_env = ubuntu_path_env(c->root_prefix);
	s->vars = ubuntu_render_vars(c);
	char *why = NULL;
	enum ussh_status st = ussh_connect(s->ssh, &why);
	if (st == USSH_ERR_HOSTKEY_UNKNOWN) {
		/* Headless: the wizard's accept flow is not reached from here. */
		lf_fail(cause, _("%s.\nTo trust it, add this line under ubuntu.ssh in the answers file "
		                 "and run again:\n    host_key: \"%s\""),
		        why, ussh_fingerprint(s->ssh) ? ussh_fingerprint(s->ssh) : "?");
		free(why);
		ub_close(s);
		return -1;
	}
	if (st != USSH_OK) {
		lf_fail(cause, "%s", why ? why : ussh_status_name(st));
		free(why);
		ub_close(s);
		return -1;
	}
	free(why);
	*session = s;
	return 0;
}

/* ---- checks ------------------------------------------------------------- */

static char *read_remote(struct ubuntu_session *s, const char *path)
{
	char *p = ubuntu_rpath(s->c->root_prefix, path);
	const char *argv[] = { "cat", "--", p, NULL };
	char *out = output_of(s, false, argv, false);
	free(p);
	return out;
}

static void check_disk(struct ubuntu_session *s, enum ubuntu_disk which, const char *dir,
                       int min_gb, struct check_list *cl)
{
	char *p = ubuntu_rpath(s->c->root_prefix, dir);
	/* The directory may not exist yet: look at its nearest existing parent. */
	const char *argv[] = { "sh", "-c",
		               "d=$1; while [ ! -e \"$d\" ]; do d=$(dirname \"$d\"); done; "
		               "exec df -P -B1 -- \"$d\"",
		               "sh", p, NULL };
	char *out = output_of(s, false, argv, false);
	struct df_entry e = { 0 };
	bool parsed = out && ubuntu_parse_df(out, &e) == 0;
	ubuntu_check_disk(which, p, &e, parsed, min_gb, cl);
	free(out);
	free(p);
}

void ubuntu_disk_checks(void *session, struct check_list *cl)
{
	struct ubuntu_session *s = session;
	const struct ubuntu_config *c = s->c;
	const char *base = c->base_dir ? c->base_dir : "/opt/clearml";
	char *data = lf_asprintf("%s/data", base);
	char *fs = lf_asprintf("%s/data/fileserver", base);
	check_disk(s, UBUNTU_DISK_ROOT, "/", c->min_root_gb, cl);
	check_disk(s, UBUNTU_DISK_DOCKER, c->docker_dir ? c->docker_dir : "/var/lib/docker",
	           c->min_docker_gb, cl);
	check_disk(s, UBUNTU_DISK_DATA, data, c->min_data_gb, cl);
	check_disk(s, UBUNTU_DISK_FILESERVER, fs, c->min_fileserver_gb, cl);
	free(data);
	free(fs);
}

/* Whether an earlier installation lives under base_dir. */
static bool existing_install(struct ubuntu_session *s)
{
	char *b = ubuntu_rpath(s->c->root_prefix, s->c->base_dir);
	const char *argv[] = { "sh", "-c",
		               "[ -e \"$1/docker-compose.yml\" ] || [ -d \"$1/data/mongo_4\" ] || "
		               "[ -d \"$1/data/elastic7plus\" ]",
		               "sh", b, NULL };
	struct ussh_result r = { 0 };
	char *cause = NULL;
	bool found = false;
	if (ubuntu_run(s, false, argv, NULL, 0, 60000, &r, &cause) == USSH_OK) {
		found = r.exit_status == 0;
		ussh_result_free(&r);
	}
	free(cause);
	free(b);
	return found;
}

static int ub_check(void *session, struct check_list *cl, char **cause)
{
	struct ubuntu_session *s = session;
	const struct ubuntu_config *c = s->c;

	/* sudo first: the docker and directory checks need it. */
	enum ussh_sudo_mode mode = USSH_SUDO_UNKNOWN;
	char *why = NULL;
	enum ussh_status st = ussh_sudo_probe(s->ssh, &mode, &why);
	if (st == USSH_OK) {
		check_list_add(cl, "ubuntu.sudo", _("Administrator rights"), CHECK_OK,
		               mode == USSH_SUDO_ROOT       ? _("logged in as root")
		               : mode == USSH_SUDO_NOPASSWD ? _("sudo works without a password")
		                                            : _("sudo works with the password given"),
		               NULL);
	} else {
		check_list_add(cl, "ubuntu.sudo", _("Administrator rights"), CHECK_FAILED,
		               why ? why : ussh_status_name(st),
		               _("The guide needs a user with administrator privileges: add the user "
		                 "to the sudo group (sudo usermod -aG sudo USER), or give its sudo "
		                 "password as the sudo password answer."));
	}
	free(why);
	if (ussh_status_retryable(st))
		return lf_fail(cause, _("the connection to %s was lost during the checks"),
		               ussh_target(s->ssh));
	bool root = st == USSH_OK;

	struct os_release osr = { 0 };
	char *t = read_remote(s, "/etc/os-release");
	bool ok = t && ubuntu_parse_os_release(t, &osr) == 0;
	ubuntu_check_os(&osr, ok, cl);
	free(t);

	t = read_remote(s, "/proc/cpuinfo");
	ubuntu_check_cpus(t ? ubuntu_parse_cpuinfo(t) : -1, cl);
	free(t);

	struct meminfo mi = { .total_kb = -1, .available_kb = -1 };
	t = read_remote(s, "/proc/meminfo");
	ok = t && ubuntu_parse_meminfo(t, &mi) == 0;
	ubuntu_check_memory(&mi, ok, cl);
	free(t);

	ubuntu_disk_checks(s, cl);
	const char *docker_dir = c->docker_dir ? c->docker_dir : "/var/lib/docker";

	int dmode = -1;
	if (root) {
		char *p = ubuntu_rpath(c->root_prefix, docker_dir);
		const char *argv[] = { "stat", "-c", "%a", "--", p, NULL };
		t = output_of(s, true, argv, false);
		dmode = t ? ubuntu_parse_stat_mode(t) : -1;
		free(t);
		free(p);
	}
	ubuntu_check_docker_dir_mode(docker_dir, dmode, cl);

	bool existing = existing_install(s);
	if (!existing)
		check_list_add(cl, "ubuntu.existing", _("Earlier installation"), CHECK_OK,
		               _("none found under the base directory"), NULL);
	else if (c->remove_existing)
		check_list_add(cl, "ubuntu.existing", _("Earlier installation"), CHECK_WARNING,
		               _("found under the base directory; it will be deleted, as confirmed"),
		               _("Deleting it removes its databases and files. To keep them, withdraw "
		                 "the removal confirmation: the installation is then upgraded in place."));
	else
		check_list_add(cl, "ubuntu.existing", _("Earlier installation"), CHECK_WARNING,
		               _("found under the base directory; it is upgraded in place and its data "
		                 "kept"),
		               _("To start from scratch instead (the guide's rm -R), confirm its "
		                 "removal in the wizard by typing the install name."));

	{
		const char *argv[] = { "ss", "-H", "-ltn", NULL };
		t = output_of(s, false, argv, false);
		struct listeners l = { 0 };
		ok = t && ubuntu_parse_ss(t, &l) == 0;
		for (size_t i = 0; i < l.n; i++)
			l.v[i].port -= c->port_offset;
		ubuntu_check_ports(&l, ok, existing, cl);
		ubuntu_listeners_free(&l);
		free(t);
	}

	struct docker_version dv = { .state = DOCKER_UNKNOWN };
	{
		const char *argv[] = { "docker", "version", "--format", "{{.Server.Version}}", NULL };
		t = root ? output_of(s, true, argv, true) : NULL;
		if (t)
			ubuntu_parse_docker_version(t, &dv);
		ubuntu_check_docker(&dv, cl);
		free(t);
	}
	{
		const char *argv[] = { "docker", "compose", "version", "--short", NULL };
		struct docker_version cv = { .state = DOCKER_UNKNOWN };
		t = root ? output_of(s, true, argv, true) : NULL;
		if (t)
			ubuntu_parse_compose_version(t, &cv);
		ubuntu_check_compose(&cv, cl);
		free(t);
	}
	{
		const char *argv[] = { "sh", "-c", "command -v curl", NULL };
		t = output_of(s, false, argv, false);
		if (t)
			check_list_add(cl, "ubuntu.curl", _("curl"), CHECK_OK,
			               _("present, for the health checks"), NULL);
		else
			check_list_add(cl, "ubuntu.curl", _("curl"), CHECK_WARNING,
			               _("not found: the health checks after the start will fail"),
			               _("Install it: sudo apt-get install -y curl"));
		free(t);
	}
	return 0;
}

const struct backend_ops ubuntu_backend = {
	.name = "ubuntu",
	.open = ub_open,
	.close = ub_close,
	.check = ub_check,
	.plan = ubuntu_plan,
};
