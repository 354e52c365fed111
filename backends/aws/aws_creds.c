/* The AWS credential chain; see aws_creds.h for the order and the rules. */
#include "aws_creds.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>

#include "../i18n.h"
#include "../util.h"

extern char **environ;

/* ---- secrets ------------------------------------------------------------ */

static void wipe_free(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

struct aws_creds {
	char *key_id, *secret, *token;
	long long expiry;
	enum aws_creds_source source;
	char *profile;
	char *describe;
};

static struct aws_creds *creds_make(const char *key_id, const char *secret, const char *token,
				    enum aws_creds_source src)
{
	struct aws_creds *c = lf_xcalloc(1, sizeof *c);
	c->key_id = lf_xstrdup(key_id);
	c->secret = lf_xstrdup(secret);
	c->token = lf_str_empty(token) ? NULL : lf_xstrdup(token);
	c->source = src;
	return c;
}

struct aws_creds *aws_creds_new(const char *key_id, const char *secret, const char *token)
{
	struct aws_creds *c = creds_make(key_id, secret, token, AWS_CREDS_STATIC);
	c->describe = lf_xstrdup(_("credentials given to Landfall"));
	return c;
}

void aws_creds_free(struct aws_creds *c)
{
	if (!c)
		return;
	free(c->key_id);
	wipe_free(c->secret);
	wipe_free(c->token);
	free(c->profile);
	free(c->describe);
	free(c);
}

const char *aws_creds_key_id(const struct aws_creds *c)
{
	return c->key_id;
}
const char *aws_creds_secret(const struct aws_creds *c)
{
	return c->secret;
}
const char *aws_creds_token(const struct aws_creds *c)
{
	return c->token;
}
long long aws_creds_expiry(const struct aws_creds *c)
{
	return c->expiry;
}
enum aws_creds_source aws_creds_source(const struct aws_creds *c)
{
	return c->source;
}
const char *aws_creds_profile(const struct aws_creds *c)
{
	return c->profile;
}
const char *aws_creds_describe(const struct aws_creds *c)
{
	return c->describe;
}

bool aws_creds_expiring(const struct aws_creds *c, long long now, long margin_s)
{
	return c->expiry != 0 && now + margin_s >= c->expiry;
}

const char *aws_creds_source_name(enum aws_creds_source s)
{
	switch (s) {
	case AWS_CREDS_STATIC: return "static";
	case AWS_CREDS_ENV: return "environment";
	case AWS_CREDS_CREDENTIALS_FILE: return "credentials-file";
	case AWS_CREDS_PROCESS: return "credential-process";
	case AWS_CREDS_CONFIG_FILE: return "config-file";
	case AWS_CREDS_IMDS: return "instance-metadata";
	}
	return "unknown";
}

/* ---- time --------------------------------------------------------------- */

int aws_parse_time(const char *s, long long *epoch)
{
	if (!s)
		return -1;
	struct tm tm = {0};
	int n = 0;
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
		   &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6)
		return -1;
	const char *p = s + n;
	if (*p == '.')
		for (p++; isdigit((unsigned char)*p); p++)
			;
	long offset = 0;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int oh = 0, om = 0;
		if (sscanf(p + 1, "%2d:%2d", &oh, &om) != 2)
			return -1;
		offset = (oh * 3600L + om * 60L) * (*p == '-' ? -1 : 1);
		p += 6;
	} else {
		return -1;
	}
	if (*p != '\0' || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	time_t t = timegm(&tm);
	if (t == (time_t)-1)
		return -1;
	*epoch = (long long)t - offset;
	return 0;
}

/* ---- shared files ------------------------------------------------------- */

struct kv {
	char *key, *value;
};

struct kvs {
	struct kv *v;
	size_t n;
	bool section_seen; /* the file has a section for the profile */
};

static void kvs_set(struct kvs *m, const char *key, const char *value)
{
	for (size_t i = 0; i < m->n; i++) {
		if (strcmp(m->v[i].key, key) == 0) {
			wipe_free(m->v[i].value);
			m->v[i].value = lf_xstrdup(value);
			return;
		}
	}
	m->v = lf_xrealloc(m->v, (m->n + 1) * sizeof *m->v);
	m->v[m->n].key = lf_xstrdup(key);
	m->v[m->n].value = lf_xstrdup(value);
	m->n++;
}

static const char *kvs_get(const struct kvs *m, const char *key)
{
	for (size_t i = 0; i < m->n; i++)
		if (strcmp(m->v[i].key, key) == 0)
			return m->v[i].value;
	return NULL;
}

static void kvs_clear(struct kvs *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->v[i].key);
		wipe_free(m->v[i].value);
	}
	free(m->v);
	memset(m, 0, sizeof *m);
}

struct aws_profile {
	char *name;
	char *credentials_path, *config_path;
	struct kvs credentials, config;
};

static char *home_dir(void)
{
	const char *h = getenv("HOME");
	if (!lf_str_empty(h))
		return lf_xstrdup(h);
	struct passwd *pw = getpwuid(getuid());
	return lf_xstrdup(pw && pw->pw_dir ? pw->pw_dir : "/");
}

/* `env` if set (with a leading ~ expanded), else ~/.aws/`file`. */
static char *shared_path(const char *env, const char *file)
{
	const char *v = getenv(env);
	char *home = home_dir();
	char *out;
	if (!v || !*v)
		out = lf_asprintf("%s/.aws/%s", home, file);
	else if (v[0] == '~' && (v[1] == '/' || v[1] == '\0'))
		out = lf_asprintf("%s%s", home, v + 1);
	else
		out = lf_xstrdup(v);
	free(home);
	return out;
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

/* Is section header `sect` (inside the brackets, trimmed) the profile
 * `name`? The config file spells profiles "profile NAME" (and the default
 * one "default" or "profile default"); the credentials file spells them
 * "NAME". */
static bool section_is(const char *sect, const char *name, bool config)
{
	if (!config)
		return strcmp(sect, name) == 0;
	if (strcmp(name, "default") == 0 && strcmp(sect, "default") == 0)
		return true;
	if (strncmp(sect, "profile", 7) != 0 || (sect[7] != ' ' && sect[7] != '\t'))
		return false;
	const char *p = sect + 7;
	while (*p == ' ' || *p == '\t')
		p++;
	return strcmp(p, name) == 0;
}

/* Read the keys of profile `name` from an INI file into `out`. A missing
 * file is not an error. */
static int parse_ini(const char *path, const char *name, bool config, struct kvs *out, char **cause)
{
	size_t len;
	char *err = NULL;
	char *text = lf_read_file(path, &len, &err);
	if (!text) {
		if (access(path, F_OK) != 0 && errno == ENOENT) {
			free(err);
			return 0;
		}
		lf_fail(cause, "%s", err);
		free(err);
		return -1;
	}
	bool in_section = false, have_key = false;
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		bool indented = line[0] == ' ' || line[0] == '\t';
		char *l = trim(line);
		if (*l == '\0' || *l == '#' || *l == ';')
			continue;
		if (*l == '[') {
			char *end = strrchr(l, ']');
			if (!end) {
				in_section = false;
				continue;
			}
			*end = '\0';
			in_section = section_is(trim(l + 1), name, config);
			if (in_section)
				out->section_seen = true;
			have_key = false;
			continue;
		}
		if (!in_section)
			continue;
		/* An indented line after a key continues it: either a nested
		 * block ("s3 =" then "  addressing_style = path") or a
		 * multi-line value. Landfall reads neither. */
		if (indented && have_key)
			continue;
		size_t k = strcspn(l, "=:");
		if (l[k] == '\0')
			continue;
		l[k] = '\0';
		char *key = trim(l), *value = trim(l + k + 1);
		for (char *p = value; *p; p++) {
			if ((*p == '#' || *p == ';') && p > value &&
			    (p[-1] == ' ' || p[-1] == '\t')) {
				*p = '\0';
				value = trim(value);
				break;
			}
		}
		for (char *p = key; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		kvs_set(out, key, value);
		have_key = true;
	}
	explicit_bzero(text, len);
	free(text);
	return 0;
}

static const char *profile_name_default(const char *name)
{
	if (!lf_str_empty(name))
		return name;
	const char *env = getenv("AWS_PROFILE");
	if (!lf_str_empty(env))
		return env;
	env = getenv("AWS_DEFAULT_PROFILE");
	return lf_str_empty(env) ? "default" : env;
}

int aws_profile_load(const char *name, struct aws_profile **out, char **cause)
{
	struct aws_profile *p = lf_xcalloc(1, sizeof *p);
	p->name = lf_xstrdup(profile_name_default(name));
	p->credentials_path = shared_path("AWS_SHARED_CREDENTIALS_FILE", "credentials");
	p->config_path = shared_path("AWS_CONFIG_FILE", "config");
	if (parse_ini(p->credentials_path, p->name, false, &p->credentials, cause) != 0 ||
	    parse_ini(p->config_path, p->name, true, &p->config, cause) != 0) {
		aws_profile_free(p);
		return -1;
	}
	if (!aws_profile_exists(p) && strcmp(p->name, "default") != 0) {
		lf_fail(cause, _("the AWS profile \"%s\" is in neither %s nor %s"), p->name,
			p->credentials_path, p->config_path);
		aws_profile_free(p);
		return -1;
	}
	*out = p;
	return 0;
}

void aws_profile_free(struct aws_profile *p)
{
	if (!p)
		return;
	kvs_clear(&p->credentials);
	kvs_clear(&p->config);
	free(p->name);
	free(p->credentials_path);
	free(p->config_path);
	free(p);
}

const char *aws_profile_name(const struct aws_profile *p)
{
	return p->name;
}
const char *aws_profile_credentials_path(const struct aws_profile *p)
{
	return p->credentials_path;
}
const char *aws_profile_config_path(const struct aws_profile *p)
{
	return p->config_path;
}

bool aws_profile_exists(const struct aws_profile *p)
{
	return p->credentials.section_seen || p->config.section_seen;
}

const char *aws_profile_get_credentials(const struct aws_profile *p, const char *key)
{
	return kvs_get(&p->credentials, key);
}

const char *aws_profile_get_config(const struct aws_profile *p, const char *key)
{
	return kvs_get(&p->config, key);
}

const char *aws_profile_get(const struct aws_profile *p, const char *key)
{
	const char *v = kvs_get(&p->credentials, key);
	return v ? v : kvs_get(&p->config, key);
}

char *aws_region_default(const char *profile)
{
	const char *env = getenv("AWS_REGION");
	if (lf_str_empty(env))
		env = getenv("AWS_DEFAULT_REGION");
	if (!lf_str_empty(env))
		return lf_xstrdup(env);
	struct aws_profile *p = NULL;
	if (aws_profile_load(profile, &p, NULL) != 0)
		return NULL;
	const char *r = aws_profile_get(p, "region");
	char *out = lf_str_empty(r) ? NULL : lf_xstrdup(r);
	aws_profile_free(p);
	return out;
}

/* ---- credential_process ------------------------------------------------- */

struct words {
	char **v;
	size_t n;
};

static void words_push(struct words *w, char *s)
{
	w->v = lf_xrealloc(w->v, (w->n + 2) * sizeof *w->v);
	w->v[w->n++] = s;
	w->v[w->n] = NULL;
}

void aws_argv_free(char **argv)
{
	if (!argv)
		return;
	for (char **a = argv; *a; a++)
		free(*a);
	free(argv);
}

int aws_split_command(const char *line, char ***argv, char **cause)
{
	struct words w = {0};
	size_t cap = strlen(line) + 1;
	char *cur = NULL;
	size_t len = 0;
	const char *p = line;
	for (;;) {
		char c = *p;
		if (c == '\0' || c == ' ' || c == '\t' || c == '\n') {
			if (cur) {
				cur[len] = '\0';
				words_push(&w, cur);
				cur = NULL;
				len = 0;
			}
			if (c == '\0')
				break;
			p++;
			continue;
		}
		if (!cur)
			cur = lf_xmalloc(cap);
		if (c == '\'') {
			const char *end = strchr(p + 1, '\'');
			if (!end)
				goto unterminated;
			memcpy(cur + len, p + 1, (size_t)(end - p - 1));
			len += (size_t)(end - p - 1);
			p = end + 1;
		} else if (c == '"') {
			for (p++; *p != '"'; p++) {
				if (*p == '\0')
					goto unterminated;
				if (*p == '\\' && p[1] && strchr("\\\"$`\n", p[1]))
					p++;
				cur[len++] = *p;
			}
			p++;
		} else if (c == '\\') {
			if (p[1] == '\0') {
				p++;
				continue;
			}
			cur[len++] = p[1];
			p += 2;
		} else {
			cur[len++] = c;
			p++;
		}
	}
	if (w.n == 0) {
		free(w.v);
		return lf_fail(cause, _("credential_process is empty"));
	}
	*argv = w.v;
	return 0;
unterminated:
	free(cur);
	aws_argv_free(w.v);
	return lf_fail(cause, _("credential_process has an unterminated quote"));
}

static int json_str(json_t *o, const char *key, const char **out)
{
	json_t *v = json_object_get(o, key);
	*out = json_is_string(v) ? json_string_value(v) : NULL;
	return *out && **out ? 0 : -1;
}

/* Wipe every string in a parsed answer: jansson keeps its own copies. */
static void json_wipe(json_t *o)
{
	const char *k;
	json_t *v;
	json_object_foreach(o, k, v)
	{
		if (json_is_string(v))
			explicit_bzero((char *)json_string_value(v), json_string_length(v));
	}
}

int aws_creds_from_process_json(const char *json, size_t len, struct aws_creds **out, char **cause)
{
	json_error_t jerr;
	json_t *o = json_loadb(json, len, 0, &jerr);
	if (!json_is_object(o)) {
		json_decref(o);
		return lf_fail(cause, _("credential_process did not print a JSON object"));
	}
	int rc = -1;
	const char *key, *secret, *token = NULL, *exp = NULL;
	json_t *ver = json_object_get(o, "Version");
	if (!json_is_integer(ver) || json_integer_value(ver) != 1) {
		lf_fail(cause,
			_("credential_process printed an unsupported Version (1 is expected)"));
		goto out;
	}
	if (json_str(o, "AccessKeyId", &key) != 0 || json_str(o, "SecretAccessKey", &secret) != 0) {
		lf_fail(cause,
			_("credential_process did not print AccessKeyId and SecretAccessKey"));
		goto out;
	}
	json_str(o, "SessionToken", &token);
	long long expiry = 0;
	if (json_str(o, "Expiration", &exp) == 0) {
		if (aws_parse_time(exp, &expiry) != 0) {
			lf_fail(cause,
				_("credential_process printed an Expiration that is not an "
				  "ISO 8601 time: %s"),
				exp);
			goto out;
		}
		if (expiry <= (long long)time(NULL)) {
			lf_fail(cause,
				_("credential_process printed credentials that expired at %s"),
				exp);
			goto out;
		}
	}
	*out = creds_make(key, secret, token, AWS_CREDS_PROCESS);
	(*out)->expiry = expiry;
	rc = 0;
out:
	json_wipe(o);
	json_decref(o);
	return rc;
}

struct buf {
	char *p;
	size_t n, cap;
};

static void buf_add(struct buf *b, const char *data, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 1024;
		while (cap < b->n + n + 1)
			cap *= 2;
		/* Grow by copy so that no stale copy of a secret is left in
		 * freed memory. */
		char *np = lf_xmalloc(cap);
		if (b->p) {
			memcpy(np, b->p, b->n);
			explicit_bzero(b->p, b->cap);
			free(b->p);
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->n, data, n);
	b->n += n;
	b->p[b->n] = '\0';
}

static void buf_wipe(struct buf *b)
{
	if (b->p) {
		explicit_bzero(b->p, b->cap);
		free(b->p);
	}
	memset(b, 0, sizeof *b);
}

#define PROCESS_OUTPUT_MAX (1024 * 1024)

/* First line of the process's error output, short, for a message. */
static char *first_line(const struct buf *b)
{
	if (!b->p || b->n == 0)
		return lf_xstrdup("");
	size_t n = strcspn(b->p, "\n");
	if (n > 200)
		n = 200;
	char *s = lf_xstrndup(b->p, n);
	char *out = lf_asprintf(": %s", s);
	free(s);
	return out;
}

/* Run argv (PATH searched, no shell) with stdin from /dev/null, collecting
 * stdout and stderr. Returns 0 when it exited with status 0. */
static int run_process(char **argv, long timeout_ms, struct buf *out, struct buf *err, char **cause)
{
	int po[2], pe[2];
	if (pipe(po) != 0)
		return lf_fail(cause, _("cannot run credential_process: %s"), strerror(errno));
	if (pipe(pe) != 0) {
		close(po[0]);
		close(po[1]);
		return lf_fail(cause, _("cannot run credential_process: %s"), strerror(errno));
	}
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, po[1], 1);
	posix_spawn_file_actions_adddup2(&fa, pe[1], 2);
	posix_spawn_file_actions_addclose(&fa, po[0]);
	posix_spawn_file_actions_addclose(&fa, pe[0]);
	pid_t pid;
	int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(po[1]);
	close(pe[1]);
	if (rc != 0) {
		close(po[0]);
		close(pe[0]);
		return lf_fail(cause, _("cannot run credential_process %s: %s"), argv[0],
			       strerror(rc));
	}
	struct pollfd fds[2] = {{.fd = po[0], .events = POLLIN}, {.fd = pe[0], .events = POLLIN}};
	int open_fds = 2;
	long long deadline = lf_now_ms() + timeout_ms;
	bool timed_out = false, too_big = false;
	while (open_fds > 0) {
		long long left = deadline - lf_now_ms();
		if (left <= 0) {
			timed_out = true;
			break;
		}
		int n = poll(fds, 2, (int)(left > 1000 ? 1000 : left));
		if (n < 0 && errno != EINTR)
			break;
		for (int i = 0; i < 2 && n > 0; i++) {
			if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			char chunk[4096];
			ssize_t r = read(fds[i].fd, chunk, sizeof chunk);
			if (r <= 0) {
				close(fds[i].fd);
				fds[i].fd = -1;
				open_fds--;
				continue;
			}
			struct buf *b = i == 0 ? out : err;
			if (b->n + (size_t)r > PROCESS_OUTPUT_MAX)
				too_big = true;
			else
				buf_add(b, chunk, (size_t)r);
			explicit_bzero(chunk, sizeof chunk);
		}
		if (too_big)
			break;
	}
	for (int i = 0; i < 2; i++)
		if (fds[i].fd >= 0)
			close(fds[i].fd);
	if (timed_out || too_big)
		kill(pid, SIGKILL);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (timed_out)
		return lf_fail(cause, _("credential_process %s did not finish within %ld s"),
			       argv[0], timeout_ms / 1000);
	if (too_big)
		return lf_fail(cause, _("credential_process %s printed more than 1 MB"), argv[0]);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	char *detail = first_line(err);
	if (WIFEXITED(status))
		lf_fail(cause, _("credential_process %s exited with status %d%s"), argv[0],
			WEXITSTATUS(status), detail);
	else
		lf_fail(cause, _("credential_process %s was killed by signal %d%s"), argv[0],
			WIFSIGNALED(status) ? WTERMSIG(status) : 0, detail);
	free(detail);
	return -1;
}

static int creds_from_process(const char *cmdline, long timeout_ms, struct aws_creds **out,
			      char **cause)
{
	char **argv = NULL;
	if (aws_split_command(cmdline, &argv, cause) != 0 || !argv)
		return -1;
	struct buf o = {0}, e = {0};
	int rc = run_process(argv, timeout_ms, &o, &e, cause);
	if (rc == 0)
		rc = aws_creds_from_process_json(o.p ? o.p : "", o.n, out, cause);
	aws_argv_free(argv);
	buf_wipe(&o);
	buf_wipe(&e);
	return rc;
}

/* ---- EC2 instance metadata ---------------------------------------------- */

static size_t collect_body(char *data, size_t size, size_t nmemb, void *user)
{
	struct buf *b = user;
	size_t n = size * nmemb;
	if (b->n + n > 64 * 1024)
		return 0;
	buf_add(b, data, n);
	return n;
}

/* One metadata request; returns the HTTP status (0 when none came) and
 * the body in *body. */
static long imds_call(CURL *h, const char *method, const char *url, const char *header,
		      long timeout_ms, struct buf *body, char *errbuf)
{
	curl_easy_reset(h);
	struct curl_slist *hdrs = header ? curl_slist_append(NULL, header) : NULL;
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, body);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 2 * timeout_ms);
	curl_easy_setopt(h, CURLOPT_NOPROXY, "*"); /* link-local: never via a proxy */
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	errbuf[0] = '\0';
	long status = 0;
	CURLcode rc = curl_easy_perform(h);
	if (rc == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	else if (!errbuf[0])
		snprintf(errbuf, CURL_ERROR_SIZE, "%s", curl_easy_strerror(rc));
	if (hdrs) {
		explicit_bzero(hdrs->data, strlen(hdrs->data));
		curl_slist_free_all(hdrs);
	}
	return status;
}

static bool env_true(const char *name)
{
	const char *v = getenv(name);
	return v && strcasecmp(v, "true") == 0;
}

static char *imds_base(void)
{
	const char *v = getenv("AWS_EC2_METADATA_SERVICE_ENDPOINT");
	if (lf_str_empty(v)) {
		const char *mode = getenv("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE");
		v = mode && strcasecmp(mode, "IPv6") == 0 ? "http://[fd00:ec2::254]"
							  : "http://169.254.169.254";
	}
	char *b = lf_xstrdup(v);
	size_t n = strlen(b);
	while (n > 0 && b[n - 1] == '/')
		b[--n] = '\0';
	return b;
}

static int creds_from_imds(long timeout_ms, struct aws_creds **out, char **cause)
{
	CURL *h = curl_easy_init();
	if (!h)
		return lf_fail(cause, _("cannot start an HTTP client"));
	char errbuf[CURL_ERROR_SIZE];
	char *base = imds_base();
	char *url = lf_asprintf("%s/latest/api/token", base);
	struct buf token = {0}, body = {0};
	char *auth = NULL, *role = NULL;
	int rc = -1;

	long st = imds_call(h, "PUT", url, "X-aws-ec2-metadata-token-ttl-seconds: 21600",
			    timeout_ms, &token, errbuf);
	free(url);
	if (st == 0) {
		lf_fail(cause, _("instance metadata at %s did not answer: %s"), base, errbuf);
		goto out;
	}
	if (st == 200 && token.n > 0) {
		auth = lf_asprintf("X-aws-ec2-metadata-token: %s", token.p);
	} else if ((st == 403 || st == 404 || st == 405) &&
		   !env_true("AWS_EC2_METADATA_V1_DISABLED")) {
		auth = NULL; /* no IMDSv2 here: IMDSv1, as the AWS tools do */
	} else {
		lf_fail(cause, _("instance metadata refused a session token (HTTP %ld)"), st);
		goto out;
	}

	url = lf_asprintf("%s/latest/meta-data/iam/security-credentials/", base);
	st = imds_call(h, "GET", url, auth, timeout_ms, &body, errbuf);
	free(url);
	if (st != 200 || body.n == 0) {
		if (st == 404)
			lf_fail(cause, _("this EC2 instance has no IAM role attached"));
		else
			lf_fail(cause, _("instance metadata did not list a role (HTTP %ld) %s"), st,
				errbuf);
		goto out;
	}
	role = lf_xstrndup(body.p, strcspn(body.p, "\r\n"));
	buf_wipe(&body);
	url = lf_asprintf("%s/latest/meta-data/iam/security-credentials/%s", base, role);
	st = imds_call(h, "GET", url, auth, timeout_ms, &body, errbuf);
	free(url);
	if (st != 200) {
		lf_fail(cause,
			_("instance metadata did not give the credentials of role %s "
			  "(HTTP %ld) %s"),
			role, st, errbuf);
		goto out;
	}
	json_error_t jerr;
	json_t *o = json_loadb(body.p ? body.p : "", body.n, 0, &jerr);
	const char *code, *key, *secret, *tok = NULL, *exp = NULL;
	if (!json_is_object(o) ||
	    (json_str(o, "Code", &code) == 0 && strcmp(code, "Success") != 0) ||
	    json_str(o, "AccessKeyId", &key) != 0 || json_str(o, "SecretAccessKey", &secret) != 0) {
		lf_fail(cause, _("instance metadata gave unusable credentials for role %s"), role);
	} else {
		json_str(o, "Token", &tok);
		*out = creds_make(key, secret, tok, AWS_CREDS_IMDS);
		if (json_str(o, "Expiration", &exp) == 0)
			aws_parse_time(exp, &(*out)->expiry);
		(*out)->describe = lf_asprintf(_("instance metadata (role \"%s\")"), role);
		rc = 0;
	}
	if (o)
		json_wipe(o);
	json_decref(o);
out:
	if (auth)
		wipe_free(auth);
	buf_wipe(&token);
	buf_wipe(&body);
	free(role);
	free(base);
	curl_easy_cleanup(h);
	return rc;
}

/* ---- the chain ---------------------------------------------------------- */

/* Static keys from one file's section. Returns 1 when found, 0 when the
 * section has none, -1 (with *cause) when it has only half of them. */
static int static_keys(const struct aws_profile *p, const struct kvs *m, const char *path,
		       enum aws_creds_source src, struct aws_creds **out, char **cause)
{
	const char *key = kvs_get(m, "aws_access_key_id");
	const char *secret = kvs_get(m, "aws_secret_access_key");
	if (lf_str_empty(key) && lf_str_empty(secret))
		return 0;
	if (lf_str_empty(key) || lf_str_empty(secret))
		return lf_fail(cause,
			       _("profile \"%s\" in %s has only one of aws_access_key_id and "
				 "aws_secret_access_key"),
			       p->name, path);
	const char *token = kvs_get(m, "aws_session_token");
	if (lf_str_empty(token))
		token = kvs_get(m, "aws_security_token");
	*out = creds_make(key, secret, token, src);
	(*out)->profile = lf_xstrdup(p->name);
	(*out)->describe = lf_asprintf(_("profile \"%s\" in %s"), p->name, path);
	return 1;
}

/* What the profile asks for that Landfall cannot do, or NULL. */
static const char *unsupported(const struct aws_profile *p)
{
	if (aws_profile_get(p, "role_arn"))
		return "role_arn (assume role)";
	if (aws_profile_get(p, "sso_session") || aws_profile_get(p, "sso_start_url"))
		return "AWS IAM Identity Center (SSO)";
	if (aws_profile_get(p, "web_identity_token_file"))
		return "web_identity_token_file";
	return NULL;
}

int aws_creds_load(const struct aws_creds_opts *opts, struct aws_creds **out, char **cause)
{
	struct aws_creds_opts o = opts ? *opts : (struct aws_creds_opts){0};
	if (o.process_timeout_ms <= 0)
		o.process_timeout_ms = 60000;
	if (o.imds_timeout_ms <= 0)
		o.imds_timeout_ms = 1000;
	*out = NULL;

	if (lf_str_empty(o.profile)) {
		const char *key = getenv("AWS_ACCESS_KEY_ID");
		const char *secret = getenv("AWS_SECRET_ACCESS_KEY");
		if (!lf_str_empty(key) || !lf_str_empty(secret)) {
			if (lf_str_empty(key) || lf_str_empty(secret))
				return lf_fail(cause, _("only one of AWS_ACCESS_KEY_ID and "
							"AWS_SECRET_ACCESS_KEY is set"));
			*out = creds_make(key, secret, getenv("AWS_SESSION_TOKEN"), AWS_CREDS_ENV);
			(*out)->describe =
				lf_xstrdup(_("environment variables (AWS_ACCESS_KEY_ID)"));
			return 0;
		}
	}

	struct aws_profile *p;
	if (aws_profile_load(o.profile, &p, cause) != 0)
		return -1;
	int rc = static_keys(p, &p->credentials, p->credentials_path, AWS_CREDS_CREDENTIALS_FILE,
			     out, cause);
	if (rc == 0) {
		const char *proc = aws_profile_get(p, "credential_process");
		if (!lf_str_empty(proc)) {
			rc = creds_from_process(proc, o.process_timeout_ms, out, cause) == 0 && *out
				     ? 1
				     : -1;
			if (rc == 1) {
				(*out)->profile = lf_xstrdup(p->name);
				(*out)->describe = lf_asprintf(
					_("credential_process of profile \"%s\""), p->name);
			} else {
				char *why = *cause ? lf_xstrdup(*cause) : lf_xstrdup("");
				lf_fail(cause, _("profile \"%s\": %s"), p->name, why);
				free(why);
			}
		}
	}
	if (rc == 0)
		rc = static_keys(p, &p->config, p->config_path, AWS_CREDS_CONFIG_FILE, out, cause);
	if (rc == 0 && unsupported(p)) {
		lf_fail(cause,
			_("profile \"%s\" uses %s, which Landfall does not support; give the "
			  "profile a credential_process or keys, or export "
			  "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"),
			p->name, unsupported(p));
		rc = -1;
	}
	if (rc != 0) {
		aws_profile_free(p);
		return rc > 0 ? 0 : -1;
	}

	char *imds_why = NULL;
	if (!env_true("AWS_EC2_METADATA_DISABLED")) {
		if (creds_from_imds(o.imds_timeout_ms, out, &imds_why) == 0) {
			aws_profile_free(p);
			free(imds_why);
			return 0;
		}
	} else {
		imds_why =
			lf_xstrdup(_("instance metadata is disabled (AWS_EC2_METADATA_DISABLED)"));
	}
	if (lf_str_empty(o.profile))
		lf_fail(cause,
			_("no AWS credentials found: not in the environment "
			  "(AWS_ACCESS_KEY_ID), not in profile \"%s\" of %s or %s, and %s. Run "
			  "\"aws configure\", or export AWS_ACCESS_KEY_ID and "
			  "AWS_SECRET_ACCESS_KEY"),
			p->name, p->credentials_path, p->config_path, imds_why ? imds_why : "");
	else
		lf_fail(cause,
			_("no AWS credentials found in profile \"%s\" of %s or %s (the "
			  "environment is not read when a profile is named), and %s. Run "
			  "\"aws configure --profile %s\""),
			p->name, p->credentials_path, p->config_path, imds_why ? imds_why : "",
			p->name);
	free(imds_why);
	aws_profile_free(p);
	return -1;
}
