/* The ubuntu backend's actions, one ops struct per plan action of
 * ubuntu_plan.c, in the guide's order (seed 001, "Preliminary Steps" and
 * "Installing the Server").
 *
 * Every find looks at the server as it is: a file counts as there when its
 * SHA-256, mode and owner are what would be written; a setting when the
 * kernel or systemd reports it. So an apply cut anywhere finishes on the
 * next run with nothing done twice, and a second install over a finished
 * one changes nothing.
 *
 * Undo deletes no data unless purge: destroy stops and removes the containers
 * (`docker compose down`), withdraws the kernel settings file, the THP unit
 * and the cron file, and keeps base_dir (databases, files, configuration). */
#include "ubuntu_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../assets.h"
#include "../engine.h"
#include "../i18n.h"
#include "../render.h"
#include "../shellq.h"
#include "sha256.h"

#define LONG_MS (30L * 60 * 1000) /* image pulls */

static struct ubuntu_session *S(struct action_ctx *ctx)
{
	return ctx->session;
}

static const char *base_dir(struct action_ctx *ctx)
{
	const char *b = S(ctx)->c->base_dir;
	return b ? b : "/opt/clearml";
}

static char *rpath(struct action_ctx *ctx, const char *path)
{
	return ubuntu_rpath(S(ctx)->c->root_prefix, path);
}

static enum action_rc from_status(struct action_ctx *ctx, enum ussh_status st, char *cause)
{
	enum action_rc rc = ussh_status_retryable(st) ? ACT_RETRY : ACT_FAILED;
	ctx_error(ctx, rc, NULL, "%s", cause ? cause : ussh_status_name(st));
	free(cause);
	return rc;
}

/* Run argv (as root when `root`); *res gets the result (free it) when the
 * command ran, whatever its exit status. Logs the command line (never a
 * secret: those go on stdin). */
static enum action_rc run_r(struct action_ctx *ctx, bool root, const char *const argv[],
                            const char *input, size_t len, long timeout_ms,
                            struct ussh_result *res)
{
	char *line = shellq_joinv(argv);
	ctx_log(ctx, LOG_DEBUG, "%s%s", root ? "sudo " : "", line);
	free(line);
	char *cause = NULL;
	enum ussh_status st =
		ubuntu_run(S(ctx), root, argv, input, len, timeout_ms, res, &cause);
	if (st != USSH_OK)
		return from_status(ctx, st, cause);
	return ACT_OK;
}

/* Run as root and require exit status 0; *out (when not NULL) gets stdout. */
static enum action_rc run_ok(struct action_ctx *ctx, const char *const argv[],
                             const char *input, size_t len, long timeout_ms, char **out)
{
	struct ussh_result r = { 0 };
	enum action_rc rc = run_r(ctx, true, argv, input, len, timeout_ms, &r);
	if (rc != ACT_OK)
		return rc;
	char *cause = NULL;
	enum ussh_status st = ussh_result_check(S(ctx)->ssh, argv, &r, &cause);
	if (st == USSH_OK && out)
		*out = lf_xstrdup(r.out);
	ussh_result_free(&r);
	if (st != USSH_OK)
		return from_status(ctx, st, cause);
	return ACT_OK;
}

/* ---- files ---------------------------------------------------------------- */

struct rfile {
	char *path;  /* under the root prefix */
	char *data;
	size_t len;
	unsigned mode;
	bool secret;
};

static void rfile_free(struct rfile *f)
{
	free(f->path);
	if (f->data) {
		memset(f->data, 0, f->len); /* may hold passwords */
		free(f->data);
	}
	memset(f, 0, sizeof *f);
}

static enum action_rc render_file(struct action_ctx *ctx, const char *asset, struct rfile *f)
{
	memset(f, 0, sizeof *f);
	const struct asset_info *ai = asset_info(asset);
	char *cause = NULL;
	if (!ai || !ai->dest)
		return ctx_error(ctx, ACT_FAILED, NULL, _("no destination for the asset %s"), asset);
	char *dest = render_template(asset, ai->dest, strlen(ai->dest), S(ctx)->vars, NULL, &cause);
	if (!dest)
		goto fail;
	f->data = render_asset(asset, S(ctx)->vars, &f->len, &cause);
	if (!f->data) {
		free(dest);
		goto fail;
	}
	f->path = rpath(ctx, dest);
	free(dest);
	f->mode = ai->mode;
	f->secret = ai->secret;
	return ACT_OK;
fail:
	ctx_error(ctx, ACT_FAILED, NULL, "%s", cause);
	free(cause);
	return ACT_FAILED;
}

/* *same = the remote file has this content, mode and owner root:root. */
static enum action_rc file_same(struct action_ctx *ctx, const struct rfile *f, bool *same)
{
	static const char script[] =
		"if [ -f \"$1\" ]; then sha256sum < \"$1\" | cut -c1-64; "
		"stat -c '%a %U:%G' -- \"$1\"; else echo missing; fi";
	const char *argv[] = { "sh", "-c", script, "sh", f->path, NULL };
	char *out = NULL;
	*same = false;
	enum action_rc rc = run_ok(ctx, argv, NULL, 0, 0, &out);
	if (rc != ACT_OK)
		return rc;
	char hash[65], want[80];
	ubuntu_sha256_hex(f->data, f->len, hash);
	snprintf(want, sizeof want, "%s\n%o root:root\n", hash, f->mode);
	*same = strcmp(out, want) == 0;
	free(out);
	return ACT_OK;
}

static enum action_rc file_put(struct action_ctx *ctx, const struct rfile *f)
{
	char *dir = lf_xstrdup(f->path);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir)
		*slash = '\0';
	const char *argv[] = { "mkdir", "-p", "--", dir, NULL };
	enum action_rc rc = run_ok(ctx, argv, NULL, 0, 0, NULL);
	free(dir);
	if (rc != ACT_OK)
		return rc;
	ctx_log(ctx, LOG_INFO, _("writing %s (mode %04o)"), f->path, f->mode);
	char *cause = NULL;
	enum ussh_status st =
		ussh_sudo_install(S(ctx)->ssh, f->path, f->data, f->len, f->mode, NULL, NULL, &cause);
	if (st != USSH_OK)
		return from_status(ctx, st, cause);
	return ACT_OK;
}

/* Compare (and with `write`, bring up to date) the files of `assets`.
 * *all_same: none differed. */
static enum action_rc files_sync(struct action_ctx *ctx, const char *const assets[], bool write,
                                 bool *all_same)
{
	*all_same = true;
	for (size_t i = 0; assets[i]; i++) {
		struct rfile f;
		enum action_rc rc = render_file(ctx, assets[i], &f);
		bool same = false;
		if (rc == ACT_OK)
			rc = file_same(ctx, &f, &same);
		if (rc == ACT_OK && !same) {
			*all_same = false;
			if (write)
				rc = file_put(ctx, &f);
		} else if (rc == ACT_OK) {
			ctx_log(ctx, LOG_INFO, _("%s is up to date"), f.path);
		}
		rfile_free(&f);
		if (rc != ACT_OK)
			return rc;
		if (!write && !*all_same)
			return ACT_OK;
	}
	return ACT_OK;
}

static enum action_rc file_remove(struct action_ctx *ctx, const char *asset)
{
	struct rfile f;
	enum action_rc rc = render_file(ctx, asset, &f);
	if (rc != ACT_OK)
		return rc;
	const char *argv[] = { "rm", "-f", "--", f.path, NULL };
	ctx_log(ctx, LOG_INFO, _("removing %s"), f.path);
	rc = run_ok(ctx, argv, NULL, 0, 0, NULL);
	rfile_free(&f);
	return rc;
}

/* ---- remove-existing ------------------------------------------------------ */

static const char compose_down[] =
	"[ -e \"$1/docker-compose.yml\" ] || exit 0; cd \"$1\" && "
	"if [ -e constants.env ]; then exec docker compose --env-file constants.env down; "
	"else exec docker compose down; fi";

static enum action_rc remove_existing_apply(struct action_ctx *ctx)
{
	char *b = rpath(ctx, base_dir(ctx));
	const char *down[] = { "sh", "-c", compose_down, "sh", b, NULL };
	enum action_rc rc = run_ok(ctx, down, NULL, 0, LONG_MS, NULL);
	if (rc == ACT_OK) {
		/* Confirmed by the user, typed (ubuntu_config.remove_existing). */
		ctx_log(ctx, LOG_WARN, _("deleting %s, as confirmed"), b);
		const char *rm[] = { "rm", "-rf", "--", b, NULL };
		rc = run_ok(ctx, rm, NULL, 0, LONG_MS, NULL);
	}
	free(b);
	return rc;
}

const struct action_ops ubuntu_act_remove_existing = {
	.apply = remove_existing_apply,
};

/* ---- sysctl --------------------------------------------------------------- */

static const char *const sysctl_assets[] = { "99-clearml.conf", NULL };

static enum action_rc sysctl_find(struct action_ctx *ctx)
{
	bool same;
	enum action_rc rc = files_sync(ctx, sysctl_assets, false, &same);
	if (rc != ACT_OK || !same)
		return rc != ACT_OK ? rc : ACT_NOT_FOUND;
	const char *argv[] = { "sysctl", "-n", "vm.max_map_count", "vm.overcommit_memory",
		               "fs.inotify.max_user_instances", NULL };
	char *out = NULL;
	rc = run_ok(ctx, argv, NULL, 0, 0, &out);
	if (rc == ACT_OK && strcmp(out, "262144\n1\n256\n") != 0)
		rc = ACT_NOT_FOUND;
	free(out);
	return rc;
}

static enum action_rc sysctl_apply(struct action_ctx *ctx)
{
	bool same;
	enum action_rc rc = files_sync(ctx, sysctl_assets, true, &same);
	if (rc != ACT_OK)
		return rc;
	char *p = rpath(ctx, "/etc/sysctl.d/99-clearml.conf");
	const char *argv[] = { "sysctl", "-p", p, NULL };
	rc = run_ok(ctx, argv, NULL, 0, 0, NULL);
	free(p);
	return rc;
}

static enum action_rc sysctl_undo(struct action_ctx *ctx)
{
	ctx_log(ctx, LOG_INFO, _("the kernel keeps the values until the next reboot"));
	return file_remove(ctx, "99-clearml.conf");
}

const struct action_ops ubuntu_act_sysctl = {
	.find = sysctl_find,
	.apply = sysctl_apply,
	.undo = sysctl_undo,
};

/* ---- disable-thp ---------------------------------------------------------- */

static const char *const thp_assets[] = { "disable-thp.service", NULL };

static enum action_rc thp_find(struct action_ctx *ctx)
{
	bool same;
	enum action_rc rc = files_sync(ctx, thp_assets, false, &same);
	if (rc != ACT_OK || !same)
		return rc != ACT_OK ? rc : ACT_NOT_FOUND;
	const char *argv[] = { "systemctl", "is-enabled", "disable-thp", NULL };
	struct ussh_result r = { 0 };
	rc = run_r(ctx, true, argv, NULL, 0, 0, &r);
	if (rc != ACT_OK)
		return rc;
	bool enabled = r.exit_status == 0 && strncmp(r.out, "enabled", 7) == 0;
	ussh_result_free(&r);
	return enabled ? ACT_OK : ACT_NOT_FOUND;
}

static enum action_rc thp_apply(struct action_ctx *ctx)
{
	bool same;
	enum action_rc rc = files_sync(ctx, thp_assets, true, &same);
	const char *reload[] = { "systemctl", "daemon-reload", NULL };
	const char *enable[] = { "systemctl", "enable", "disable-thp", NULL };
	/* Its effect now, so that no reboot is needed. */
	const char *start[] = { "systemctl", "start", "disable-thp", NULL };
	if (rc == ACT_OK)
		rc = run_ok(ctx, reload, NULL, 0, 0, NULL);
	if (rc == ACT_OK)
		rc = run_ok(ctx, enable, NULL, 0, 0, NULL);
	if (rc == ACT_OK)
		rc = run_ok(ctx, start, NULL, 0, 0, NULL);
	return rc;
}

static enum action_rc thp_undo(struct action_ctx *ctx)
{
	const char *disable[] = { "systemctl", "disable", "disable-thp", NULL };
	struct ussh_result r = { 0 };
	enum action_rc rc = run_r(ctx, true, disable, NULL, 0, 0, &r);
	if (rc != ACT_OK)
		return rc;
	ussh_result_free(&r); /* a unit already gone is fine */
	rc = file_remove(ctx, "disable-thp.service");
	const char *reload[] = { "systemctl", "daemon-reload", NULL };
	if (rc == ACT_OK)
		rc = run_ok(ctx, reload, NULL, 0, 0, NULL);
	return rc;
}

const struct action_ops ubuntu_act_disable_thp = {
	.find = thp_find,
	.apply = thp_apply,
	.undo = thp_undo,
};

/* ---- directories ---------------------------------------------------------- */

/* argv "sh -c SCRIPT sh DIR..." for every guide directory under base_dir;
 * the strings are owned by *owned (free each, then the vector). */
static const char **dirs_argv(struct action_ctx *ctx, const char *head[], size_t nhead,
                              char ***owned)
{
	size_t n = 0;
	while (ubuntu_dirs[n])
		n++;
	const char **v = lf_xcalloc(nhead + n + 1, sizeof *v);
	char **o = lf_xcalloc(n + 1, sizeof *o);
	char *b = rpath(ctx, base_dir(ctx));
	for (size_t i = 0; i < nhead; i++)
		v[i] = head[i];
	for (size_t i = 0; i < n; i++) {
		o[i] = lf_asprintf("%s/%s", b, ubuntu_dirs[i]);
		v[nhead + i] = o[i];
	}
	free(b);
	*owned = o;
	return v;
}

static void dirs_free(const char **v, char **owned)
{
	for (size_t i = 0; owned[i]; i++)
		free(owned[i]);
	free(owned);
	free(v);
}

static enum action_rc dirs_find(struct action_ctx *ctx)
{
	const char *head[] = { "sh", "-c",
		               "for d; do [ -d \"$d\" ] || exit 3; done; "
		               "[ \"$(stat -c %u:%g -- \"$1\")\" = " UBUNTU_ELASTIC_OWNER " ] || exit 3",
		               "sh" };
	char **owned;
	const char **argv = dirs_argv(ctx, head, LF_ARRAY_LEN(head), &owned);
	struct ussh_result r = { 0 };
	enum action_rc rc = run_r(ctx, true, argv, NULL, 0, 0, &r);
	if (rc == ACT_OK) {
		rc = r.exit_status == 0 ? ACT_OK : ACT_NOT_FOUND;
		ussh_result_free(&r);
	}
	dirs_free(argv, owned);
	return rc;
}

static enum action_rc dirs_apply(struct action_ctx *ctx)
{
	const char *head[] = { "mkdir", "-p", "--" };
	char **owned;
	const char **argv = dirs_argv(ctx, head, LF_ARRAY_LEN(head), &owned);
	enum action_rc rc = run_ok(ctx, argv, NULL, 0, 0, NULL);
	if (rc == ACT_OK) {
		/* Elasticsearch's data directory belongs to its user. */
		const char *chown[] = { "chown", UBUNTU_ELASTIC_OWNER, "--", owned[0], NULL };
		rc = run_ok(ctx, chown, NULL, 0, 0, NULL);
	}
	dirs_free(argv, owned);
	return rc;
}

/* The directories hold the data (databases, stored files, logs and the
 * configuration): destroy keeps them, destroy --purge deletes base_dir. */
static enum action_rc dirs_undo(struct action_ctx *ctx)
{
	const char *b = base_dir(ctx);
	if (!ctx->purge) {
		ctx_log(ctx, LOG_INFO, _("keeping %s: the databases, stored files, logs and configuration (destroy --purge deletes them)"),
		        b);
		ctx_keep(ctx);
		return ACT_OK;
	}
	/* Never "/" or a path that climbs: the answers validate base_dir, and
	 * this is the one place that deletes a whole tree. */
	if (b[0] != '/' || strcmp(b, "/") == 0 || strstr(b, "/.."))
		return ctx_error(ctx, ACT_FAILED, NULL, _("server.base_dir %s: refusing to delete it"), b);
	char *path = rpath(ctx, b);
	const char *rm[] = { "rm", "-rf", "--", path, NULL };
	enum action_rc rc = run_ok(ctx, rm, NULL, 0, LONG_MS, NULL);
	if (rc == ACT_OK)
		ctx_log(ctx, LOG_WARN, _("deleted %s and all the data in it, as confirmed"), b);
	free(path);
	return rc;
}

const struct action_ops ubuntu_act_directories = {
	.find = dirs_find,
	.apply = dirs_apply,
	.undo = dirs_undo,
};

/* ---- config-files --------------------------------------------------------- */

static const char *const config_assets[] = { "docker-compose.yml", "docker-compose.override.yml",
	                                     "constants.env", "apiserver.conf", NULL };

/* secure.conf holds this server's own signing secrets (random, made once):
 * written when missing and then kept, since new ones would log every user
 * out. *present: it was there already. */
static enum action_rc secure_conf(struct action_ctx *ctx, bool write, bool *present)
{
	json_t *vars = S(ctx)->vars;
	char *token = lf_random_token(), *session = lf_random_token();
	json_object_set_new(vars, "token_secret", json_string(token));
	json_object_set_new(vars, "session_secret", json_string(session));
	struct rfile f;
	enum action_rc rc = render_file(ctx, "secure.conf", &f);
	json_object_del(vars, "token_secret");
	json_object_del(vars, "session_secret");
	explicit_bzero(token, strlen(token));
	explicit_bzero(session, strlen(session));
	free(token);
	free(session);
	if (rc != ACT_OK)
		return rc;
	const char *test[] = { "test", "-f", f.path, NULL };
	struct ussh_result r = { 0 };
	rc = run_r(ctx, true, test, NULL, 0, 0, &r);
	*present = rc == ACT_OK && r.exit_status == 0;
	ussh_result_free(&r);
	if (rc == ACT_OK && !*present && write)
		rc = file_put(ctx, &f);
	rfile_free(&f);
	return rc;
}

static enum action_rc config_find(struct action_ctx *ctx)
{
	bool same, secure;
	enum action_rc rc = files_sync(ctx, config_assets, false, &same);
	if (rc == ACT_OK && same)
		rc = secure_conf(ctx, false, &secure);
	if (rc != ACT_OK)
		return rc;
	if (!same || !secure)
		return ACT_NOT_FOUND;
	/* Tells compose-up that the running containers are current. */
	return ctx_set_resource(ctx, "changed", "no") == 0 ? ACT_OK : ACT_FAILED;
}

static enum action_rc config_apply(struct action_ctx *ctx)
{
	bool same, secure = true;
	enum action_rc rc = files_sync(ctx, config_assets, true, &same);
	if (rc == ACT_OK)
		rc = secure_conf(ctx, true, &secure);
	if (rc != ACT_OK)
		return rc;
	return ctx_set_resource(ctx, "changed", same && secure ? "no" : "yes") == 0 ? ACT_OK
	                                                                           : ACT_FAILED;
}

/* No undo: the configuration stays with the data. */
const struct action_ops ubuntu_act_config_files = {
	.find = config_find,
	.apply = config_apply,
};

/* ---- registry-login ------------------------------------------------------- */

static enum action_rc login_apply(struct action_ctx *ctx)
{
	const struct ubuntu_config *c = S(ctx)->c;
	const char *pw = c->registry_password ? c->registry_password : "";
	/* The password goes on stdin only, never on the command line. */
	const char *argv[] = { "docker", "login", "--username", c->registry_user,
		               "--password-stdin", lf_str_empty(c->registry) ? NULL : c->registry,
		               NULL };
	size_t len = strlen(pw);
	char *input = lf_asprintf("%s\n", pw);
	enum action_rc rc = run_ok(ctx, argv, input, len + 1, 0, NULL);
	memset(input, 0, len + 1);
	free(input);
	if (rc == ACT_OK)
		ctx_log(ctx, LOG_INFO, _("logged in to %s as %s"),
		        lf_str_empty(c->registry) ? "docker.io" : c->registry, c->registry_user);
	return rc;
}

static enum action_rc login_undo(struct action_ctx *ctx)
{
	const struct ubuntu_config *c = S(ctx)->c;
	const char *argv[] = { "docker", "logout", lf_str_empty(c->registry) ? NULL : c->registry,
		               NULL };
	struct ussh_result r = { 0 };
	enum action_rc rc = run_r(ctx, true, argv, NULL, 0, 0, &r);
	if (rc == ACT_OK)
		ussh_result_free(&r); /* not logged in is fine */
	return rc;
}

/* No find: docker login is idempotent, and whether a stored credential is
 * still valid can only be learnt by logging in. */
const struct action_ops ubuntu_act_registry_login = {
	.apply = login_apply,
	.undo = login_undo,
};

/* ---- compose-up ----------------------------------------------------------- */

static enum action_rc compose_find(struct action_ctx *ctx)
{
	const char *changed = ctx_resource_of(ctx, "config-files", "changed");
	if (!changed || strcmp(changed, "no") != 0)
		return ACT_NOT_FOUND;
	char *b = rpath(ctx, base_dir(ctx));
	const char *argv[] = { "sh", "-c",
		               "cd \"$1\" && exec docker compose --env-file constants.env ps "
		               "--services --status running",
		               "sh", b, NULL };
	struct ussh_result r = { 0 };
	enum action_rc rc = run_r(ctx, true, argv, NULL, 0, 0, &r);
	free(b);
	if (rc != ACT_OK)
		return rc;
	bool up = r.exit_status == 0;
	static const char *const services[] = { "apiserver", "webserver", "fileserver",
		                                "mongo", "elasticsearch", "redis" };
	for (size_t i = 0; up && i < LF_ARRAY_LEN(services); i++) {
		char *needle = lf_asprintf("%s\n", services[i]);
		const char *p = r.out;
		bool found = false;
		for (; (p = strstr(p, needle)) != NULL; p++)
			if (p == r.out || p[-1] == '\n') {
				found = true;
				break;
			}
		free(needle);
		up = found;
	}
	ussh_result_free(&r);
	if (up)
		ctx_log(ctx, LOG_INFO, _("the services are running with the current configuration"));
	return up ? ACT_OK : ACT_NOT_FOUND;
}

static enum action_rc compose_apply(struct action_ctx *ctx)
{
	char *b = rpath(ctx, base_dir(ctx));
	const char *argv[] = { "sh", "-c",
		               "cd \"$1\" && exec docker compose --env-file constants.env up -d", "sh",
		               b, NULL };
	ctx_log(ctx, LOG_INFO, _("starting the services in %s (the first start pulls the images)"),
	        b);
	enum action_rc rc = run_ok(ctx, argv, NULL, 0, LONG_MS, NULL);
	if (rc == ACT_OK && ctx_set_resource(ctx, "compose_dir", b) != 0)
		rc = ACT_FAILED;
	free(b);
	return rc;
}

static enum action_rc compose_undo(struct action_ctx *ctx)
{
	/* Containers stopped and removed; the data directories stay. */
	char *b = rpath(ctx, base_dir(ctx));
	const char *argv[] = { "sh", "-c", compose_down, "sh", b, NULL };
	enum action_rc rc = run_ok(ctx, argv, NULL, 0, LONG_MS, NULL);
	if (rc == ACT_OK)
		ctx_log(ctx, LOG_INFO, _("containers removed; the data in %s is kept"), b);
	free(b);
	return rc;
}

const struct action_ops ubuntu_act_compose_up = {
	.find = compose_find,
	.apply = compose_apply,
	.undo = compose_undo,
};

/* ---- health --------------------------------------------------------------- */

struct endpoint {
	const char *service;
	int port;
	const char *path;
};

static const struct endpoint endpoints[] = {
	{ "apiserver", UBUNTU_PORT_API, "/api/debug.ping" },
	{ "webserver", UBUNTU_PORT_WEB, "/" },
	{ "fileserver", UBUNTU_PORT_FILES, "/" },
};

/* The HTTP status of GET url on the server itself (0: no answer). */
static enum action_rc http_code(struct action_ctx *ctx, const char *url, int *code)
{
	const char *argv[] = { "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
		               "--max-time", "10", "--", url, NULL };
	struct ussh_result r = { 0 };
	enum action_rc rc = run_r(ctx, false, argv, NULL, 0, 30000, &r);
	if (rc != ACT_OK)
		return rc;
	*code = atoi(r.out);
	if (r.exit_status == 127)
		rc = ctx_error(ctx, ACT_FAILED, _("Install curl on the server: sudo apt-get install -y curl"),
		               _("curl is missing on the server"));
	ussh_result_free(&r);
	return rc;
}

static enum action_rc health_apply(struct action_ctx *ctx)
{
	const struct ubuntu_config *c = S(ctx)->c;
	long long deadline = lf_now_ms() + 1000LL * (c->health_timeout_s > 0 ? c->health_timeout_s : 300);
	for (int round = 1;; round++) {
		size_t ok = 0;
		char last[480] = "";
		for (size_t i = 0; i < LF_ARRAY_LEN(endpoints); i++) {
			const struct endpoint *e = &endpoints[i];
			char *url = lf_asprintf("http://localhost:%d%s", e->port + c->port_offset, e->path);
			int code = 0;
			enum action_rc rc = http_code(ctx, url, &code);
			if (rc != ACT_OK) {
				free(url);
				return rc;
			}
			if (ubuntu_health_ok(e->service, code)) {
				ok++;
				if (round == 1 || code != 200)
					ctx_log(ctx, LOG_INFO, _("%s answers %d at %s"), e->service, code, url);
			} else {
				size_t used = strlen(last);
				snprintf(last + used, sizeof last - used, _("%s%s answers %d at %s"),
				         used ? "; " : "", e->service, code, url);
			}
			free(url);
		}
		ctx_progress(ctx, (double)ok / LF_ARRAY_LEN(endpoints));
		if (ok == LF_ARRAY_LEN(endpoints)) {
			for (size_t i = 0; i < LF_ARRAY_LEN(endpoints); i++) {
				char *key = lf_asprintf("health_%s", endpoints[i].service);
				char *cmd = lf_asprintf("curl -s -o /dev/null -w '%%{http_code}\\n' http://localhost:%d%s",
				                        endpoints[i].port, endpoints[i].path);
				char *label = lf_asprintf(_("Check the %s (200%s)"), endpoints[i].service,
				                          strcmp(endpoints[i].service, "fileserver") == 0
				                                  ? _(" or 405")
				                                  : "");
				ctx_output(ctx, key, label, cmd);
				free(key);
				free(cmd);
				free(label);
			}
			return ACT_OK;
		}
		if (lf_now_ms() >= deadline)
			return ctx_error(ctx, ACT_FAILED,
			                 _("See which containers run with `sudo docker ps` and read the "
			                   "API server's log; then run apply again."),
			                 _("the services did not answer in time: %s"), last);
		ctx_log(ctx, LOG_INFO, _("waiting for the services: %s"), last);
		lf_sleep_ms(5000);
	}
}

const struct action_ops ubuntu_act_health = {
	.apply = health_apply,
};

/* ---- cron ----------------------------------------------------------------- */

static const char *const cron_assets[] = { "clearml.cron", NULL };

static enum action_rc cron_find(struct action_ctx *ctx)
{
	bool same;
	enum action_rc rc = files_sync(ctx, cron_assets, false, &same);
	return rc != ACT_OK ? rc : same ? ACT_OK : ACT_NOT_FOUND;
}

static enum action_rc cron_apply(struct action_ctx *ctx)
{
	bool same;
	return files_sync(ctx, cron_assets, true, &same);
}

static enum action_rc cron_undo(struct action_ctx *ctx)
{
	return file_remove(ctx, "clearml.cron");
}

const struct action_ops ubuntu_act_cron = {
	.find = cron_find,
	.apply = cron_apply,
	.undo = cron_undo,
};
