/* The SSH transport of the ubuntu backend (see ssh.h for the contract). */
#include "ssh.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <unistd.h>

#include <libssh/callbacks.h>
#include <libssh/libssh.h>
#include <libssh/sftp.h>

#include "../i18n.h"
#include "../shellq.h"

#define DEFAULT_TIMEOUT_MS 30000L
#define DEFAULT_EXEC_TIMEOUT_MS 600000L
#define POLL_SLICE_MS 50
#define IO_CHUNK 32768u
#define SFTP_CHUNK 16384u
#define SHOWN_MAX 160 /* longest command text put in a message */

/* The probe run by ussh_sudo_probe: fixed text, nothing interpolated. */
static const char sudo_probe_script[] =
	"id -u; "
	"if ! command -v sudo >/dev/null 2>&1; then echo no-sudo; "
	"elif sudo -n true >/dev/null 2>&1; then echo nopasswd; "
	"else echo password; fi";

/* Install a file uploaded to a private directory over a root-owned target:
 * $1 mode, $2 owner, $3 group, $4 the uploaded file, $5 the target. The
 * copy lands next to the target first so that the final mv is a rename. */
static const char install_script[] =
	"t=\"$5.landfall-new\"; "
	"install -m \"$1\" -o \"$2\" -g \"$3\" -- \"$4\" \"$t\" && mv -f -- \"$t\" \"$5\" "
	"|| { rc=$?; rm -f -- \"$t\"; exit $rc; }";

struct ussh {
	/* Options, owned copies. */
	char *host, *user, *identity_file, *password, *pin, *sudo_password;
	char *ssh_dir;
	int port;
	ussh_passphrase_fn passphrase;
	void *passphrase_user;
	struct events *events;
	long timeout_ms;

	ssh_session sess;
	sftp_session sftp;
	bool connected;    /* authenticated and usable */
	bool pending_key;  /* waiting for ussh_accept_host_key() */
	char *fingerprint; /* the server's, "SHA256:..." */
	char *known_fps;   /* after a changed key: what known_hosts holds */
	char *target;      /* user@host:port */
	char *r_host;      /* host and port after ~/.ssh/config */
	int r_port;
	char *r_user;
	enum ussh_sudo_mode sudo_mode;

	/* The passphrase bridge between libssh's callback and ours. */
	struct ssh_callbacks_struct cb;
	const char *pp_key;
	int pp_attempt;
	bool pp_asked, pp_given;
};

/* ---- small helpers ------------------------------------------------------- */

bool ussh_status_retryable(enum ussh_status st)
{
	return st == USSH_ERR_CONNECT || st == USSH_ERR_TIMEOUT;
}

const char *ussh_status_name(enum ussh_status st)
{
	switch (st) {
	case USSH_OK: return "ok";
	case USSH_ERR_CONFIG: return "config";
	case USSH_ERR_CONNECT: return "connect";
	case USSH_ERR_HOSTKEY_UNKNOWN: return "hostkey-unknown";
	case USSH_ERR_HOSTKEY_PIN: return "hostkey-pin";
	case USSH_ERR_HOSTKEY_CHANGED: return "hostkey-changed";
	case USSH_ERR_AUTH: return "auth";
	case USSH_ERR_TIMEOUT: return "timeout";
	case USSH_ERR_SUDO: return "sudo";
	case USSH_ERR_REMOTE: return "remote";
	}
	return "unknown";
}

static char *dup_or_null(const char *s)
{
	return lf_str_empty(s) ? NULL : lf_xstrdup(s);
}

static void wipe_free(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

/* Set *cause and return st: `return fail(cause, USSH_ERR_..., fmt, ...)`. */
static enum ussh_status fail(char **cause, enum ussh_status st, const char *fmt, ...)
	LF_PRINTF(3, 4);
static enum ussh_status fail(char **cause, enum ussh_status st, const char *fmt, ...)
{
	if (cause) {
		va_list ap;
		va_start(ap, fmt);
		char *msg = lf_vasprintf(fmt, ap);
		va_end(ap);
		free(*cause);
		*cause = msg;
	}
	return st;
}

static void debug(struct ussh *s, const char *fmt, ...) LF_PRINTF(2, 3);
static void debug(struct ussh *s, const char *fmt, ...)
{
	if (!s->events)
		return;
	va_list ap;
	va_start(ap, fmt);
	char *msg = lf_vasprintf(fmt, ap);
	va_end(ap);
	events_log(s->events, NULL, LOG_DEBUG, "ssh %s: %s", s->target, msg);
	free(msg);
}

/* 16 hex digits from the kernel's random source, for temporary names. */
static void random_hex(char out[17])
{
	unsigned char b[8] = { 0 };
	size_t got = 0;
	while (got < sizeof b) {
		ssize_t n = getrandom(b + got, sizeof b - got, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			/* No entropy source: fall back on something unique enough
			 * for a name that is also created with O_EXCL. */
			long long t = lf_now_ms() ^ ((long long)getpid() << 32);
			memcpy(b, &t, sizeof b);
			break;
		}
		got += (size_t)n;
	}
	for (size_t i = 0; i < sizeof b; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
}

struct buf {
	char *p;
	size_t len, cap;
};

static void buf_add(struct buf *b, const void *data, size_t n)
{
	if (b->cap - b->len < n + 1) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap - b->len < n + 1)
			cap *= 2;
		b->p = lf_xrealloc(b->p, cap);
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

/* Terminate an empty buffer too, so results are never NULL. */
static char *buf_finish(struct buf *b, size_t *len)
{
	if (!b->p)
		buf_add(b, "", 0);
	*len = b->len;
	return b->p;
}

/* The command as shown in messages: shortened, secrets masked. */
static char *shown_command(struct ussh *s, const char *cmdline)
{
	char *t;
	if (strlen(cmdline) > SHOWN_MAX)
		t = lf_asprintf("%.*s...", SHOWN_MAX, cmdline);
	else
		t = lf_xstrdup(cmdline);
	if (s->events) {
		char *r = events_redact(s->events, t);
		free(t);
		t = r;
	}
	return t;
}

/* ---- session life ------------------------------------------------------- */

static char *default_ssh_dir(void)
{
	const char *home = getenv("HOME");
	if (lf_str_empty(home)) {
		struct passwd *pw = getpwuid(getuid());
		home = pw ? pw->pw_dir : "/";
	}
	return lf_asprintf("%s/.ssh", home);
}

static void set_target(struct ussh *s)
{
	free(s->target);
	s->target = lf_asprintf("%s%s%s:%d", s->r_user ? s->r_user : "",
	                        s->r_user ? "@" : "", s->r_host ? s->r_host : "?",
	                        s->r_port);
}

struct ussh *ussh_new(const struct ussh_options *o)
{
	struct ussh *s = lf_xcalloc(1, sizeof *s);
	s->host = dup_or_null(o->host);
	s->port = o->port;
	s->user = dup_or_null(o->user);
	s->identity_file = dup_or_null(o->identity_file);
	s->password = dup_or_null(o->password);
	s->pin = dup_or_null(o->host_key_sha256);
	s->sudo_password = dup_or_null(o->sudo_password);
	s->ssh_dir = lf_str_empty(o->ssh_dir) ? default_ssh_dir() : lf_xstrdup(o->ssh_dir);
	s->passphrase = o->passphrase;
	s->passphrase_user = o->passphrase_user;
	s->events = o->events;
	s->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : DEFAULT_TIMEOUT_MS;
	if (s->events) {
		events_add_secret(s->events, s->password);
		events_add_secret(s->events, s->sudo_password);
	}
	s->r_host = lf_xstrdup(s->host ? s->host : "");
	s->r_port = s->port > 0 ? s->port : 22;
	s->r_user = dup_or_null(s->user);
	set_target(s);
	return s;
}

/* Close the connection; keep the options and what the last attempt
 * learnt (fingerprints), which callers read after a refusal. */
static void drop_connection(struct ussh *s)
{
	if (s->sftp) {
		sftp_free(s->sftp);
		s->sftp = NULL;
	}
	if (s->sess) {
		if (ssh_is_connected(s->sess))
			ssh_disconnect(s->sess);
		ssh_free(s->sess);
		s->sess = NULL;
	}
	s->connected = s->pending_key = false;
	s->sudo_mode = USSH_SUDO_UNKNOWN;
}

/* Back to the state ussh_new left: nothing known about the server. */
static void teardown(struct ussh *s)
{
	drop_connection(s);
	free(s->fingerprint);
	free(s->known_fps);
	s->fingerprint = s->known_fps = NULL;
}

void ussh_free(struct ussh *s)
{
	if (!s)
		return;
	teardown(s);
	free(s->host);
	free(s->user);
	free(s->identity_file);
	wipe_free(s->password);
	free(s->pin);
	wipe_free(s->sudo_password);
	free(s->ssh_dir);
	free(s->target);
	free(s->r_host);
	free(s->r_user);
	free(s);
}

const char *ussh_fingerprint(const struct ussh *s)
{
	return s->fingerprint;
}

const char *ussh_known_fingerprints(const struct ussh *s)
{
	return s->known_fps;
}

const char *ussh_target(const struct ussh *s)
{
	return s->target;
}

static bool session_alive(struct ussh *s)
{
	return s->sess && ssh_is_connected(s->sess) &&
	       !(ssh_get_status(s->sess) & (SSH_CLOSED | SSH_CLOSED_ERROR));
}

static const char *ssh_err(struct ussh *s)
{
	const char *e = s->sess ? ssh_get_error(s->sess) : NULL;
	return lf_str_empty(e) ? _("the connection was closed") : e;
}

/* The connection dropped while `doing`: the next call reconnects. Only
 * marks it: callers still hold channels and SFTP handles of the session,
 * which are freed with it by the reconnect (teardown). */
static enum ussh_status conn_lost(struct ussh *s, const char *doing, char **cause)
{
	s->connected = false;
	return fail(cause, USSH_ERR_CONNECT,
	            _("the connection to %s was lost while %s: %s "
	              "(it can be tried again once the host answers)"),
	            s->target, doing, ssh_err(s));
}

/* ---- host keys ----------------------------------------------------------- */

static char *key_fingerprint(ssh_key key)
{
	unsigned char *hash = NULL;
	size_t hlen = 0;
	if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash, &hlen) != 0)
		return NULL;
	char *fp = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, hlen);
	ssh_clean_pubkey_hash(&hash);
	if (!fp)
		return NULL;
	char *out = lf_xstrdup(fp);
	ssh_string_free_char(fp);
	return out;
}

/* "SHA256:abc=" and "abc" compare equal: prefix and padding are optional. */
static bool same_fingerprint(const char *a, const char *b)
{
	if (strncasecmp(a, "SHA256:", 7) == 0)
		a += 7;
	if (strncasecmp(b, "SHA256:", 7) == 0)
		b += 7;
	size_t la = strlen(a), lb = strlen(b);
	while (la && (a[la - 1] == '=' || a[la - 1] == ' ' || a[la - 1] == '\n'))
		la--;
	while (lb && (b[lb - 1] == '=' || b[lb - 1] == ' ' || b[lb - 1] == '\n'))
		lb--;
	return la == lb && la > 0 && memcmp(a, b, la) == 0;
}

/* How known_hosts names this host: "host" on port 22, else "[host]:port". */
static char *known_hosts_name(struct ussh *s)
{
	char *h = lf_xstrdup(s->r_host);
	for (char *p = h; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	if (s->r_port == 22)
		return h;
	char *n = lf_asprintf("[%s]:%d", h, s->r_port);
	free(h);
	return n;
}

/* The fingerprints recorded for this host in `file`, appended to b. */
static void collect_known(const char *file, const char *name, struct buf *b)
{
	if (!file)
		return;
	FILE *f = fopen(file, "r");
	if (!f)
		return;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	while ((n = getline(&line, &cap, f)) > 0) {
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		char *p = line + strspn(line, " \t");
		if (*p == '\0' || *p == '#' || *p == '@')
			continue;
		struct ssh_knownhosts_entry *e = NULL;
		if (ssh_known_hosts_parse_line(name, p, &e) == SSH_OK && e && e->publickey) {
			char *fp = key_fingerprint(e->publickey);
			if (fp) {
				if (b->len)
					buf_adds(b, ", ");
				buf_adds(b, fp);
				buf_adds(b, " (");
				buf_adds(b, ssh_key_type_to_char(ssh_key_type(e->publickey)));
				buf_adds(b, ")");
				free(fp);
			}
		}
		ssh_knownhosts_entry_free(e);
	}
	free(line);
	fclose(f);
}

static enum ussh_status authenticate(struct ussh *s, char **cause);

static enum ussh_status record_host_key(struct ussh *s, char **cause)
{
	if (ssh_session_update_known_hosts(s->sess) != SSH_OK)
		return fail(cause, USSH_ERR_CONFIG,
		            _("cannot record the host key of %s in known_hosts: %s"),
		            s->target, ssh_err(s));
	debug(s, "host key %s recorded in known_hosts", s->fingerprint);
	return USSH_OK;
}

static enum ussh_status check_host_key(struct ussh *s, char **cause)
{
	ssh_key key = NULL;
	if (ssh_get_server_publickey(s->sess, &key) != SSH_OK || !key)
		return fail(cause, USSH_ERR_CONNECT, _("%s sent no host key: %s"), s->target,
		            ssh_err(s));
	s->fingerprint = key_fingerprint(key);
	char *ktype = lf_xstrdup(ssh_key_type_to_char(ssh_key_type(key)));
	ssh_key_free(key);
	if (!s->fingerprint) {
		free(ktype);
		return fail(cause, USSH_ERR_CONNECT,
		            _("cannot compute the fingerprint of the host key of %s"), s->target);
	}

	enum ussh_status st = USSH_OK;
	enum ssh_known_hosts_e kh = ssh_session_is_known_server(s->sess);
	switch (kh) {
	case SSH_KNOWN_HOSTS_OK:
		debug(s, "host key %s (%s) matches known_hosts", s->fingerprint, ktype);
		break;
	case SSH_KNOWN_HOSTS_CHANGED:
	case SSH_KNOWN_HOSTS_OTHER: {
		/* Never accepted, not even with a pin: the pin may simply be as
		 * old as the answers file, and a changed key is what a
		 * man-in-the-middle looks like. */
		char *name = known_hosts_name(s);
		struct buf b = { 0 };
		char *kf = NULL, *gkf = NULL;
		ssh_options_get(s->sess, SSH_OPTIONS_KNOWNHOSTS, &kf);
		ssh_options_get(s->sess, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, &gkf);
		collect_known(kf, name, &b);
		collect_known(gkf, name, &b);
		size_t len;
		s->known_fps = buf_finish(&b, &len);
		st = fail(cause, USSH_ERR_HOSTKEY_CHANGED,
		          _("the host key of %s has CHANGED: known_hosts records %s, the server "
		            "now offers %s (%s). This is what a man-in-the-middle attack looks "
		            "like, so Landfall refuses to connect. If the server was reinstalled, "
		            "confirm the new fingerprint with its administrator, remove the old "
		            "entry with: ssh-keygen -R '%s' -f %s, and connect again"),
		          s->target, len ? s->known_fps : "?", s->fingerprint, ktype, name,
		          kf ? kf : "~/.ssh/known_hosts");
		ssh_string_free_char(kf);
		ssh_string_free_char(gkf);
		free(name);
		break;
	}
	case SSH_KNOWN_HOSTS_UNKNOWN:
	case SSH_KNOWN_HOSTS_NOT_FOUND:
		if (s->pin && same_fingerprint(s->pin, s->fingerprint)) {
			debug(s, "host key %s (%s) matches the pinned fingerprint", s->fingerprint,
			      ktype);
			st = record_host_key(s, cause);
		} else if (s->pin) {
			st = fail(cause, USSH_ERR_HOSTKEY_PIN,
			          _("the host key of %s is %s (%s), not the pinned %s: refusing to "
			            "connect. Check the fingerprint with the server's administrator "
			            "(ssh-keygen -lf /etc/ssh/ssh_host_%s_key.pub on the server)"),
			          s->target, s->fingerprint, ktype, s->pin,
			          strncmp(ktype, "ssh-", 4) == 0 ? ktype + 4 : "ed25519");
		} else {
			s->pending_key = true;
			st = fail(cause, USSH_ERR_HOSTKEY_UNKNOWN,
			          _("the host key of %s is not known yet: %s (%s). Accept it after "
			            "checking it with the server's administrator, or pin it for "
			            "headless runs (the host key fingerprint answer, "
			            "ubuntu.ssh.host_key)"),
			          s->target, s->fingerprint, ktype);
		}
		break;
	case SSH_KNOWN_HOSTS_ERROR:
	default:
		st = fail(cause, USSH_ERR_CONFIG, _("cannot check the host key of %s: %s"),
		          s->target, ssh_err(s));
		break;
	}
	free(ktype);
	return st;
}

enum ussh_status ussh_accept_host_key(struct ussh *s, char **cause)
{
	if (!s->pending_key || !session_alive(s))
		return fail(cause, USSH_ERR_CONFIG,
		            _("no unknown host key of %s is waiting to be accepted"), s->target);
	s->pending_key = false;
	enum ussh_status st = record_host_key(s, cause);
	if (st == USSH_OK)
		st = authenticate(s, cause);
	if (st != USSH_OK)
		drop_connection(s);
	return st;
}

/* ---- connecting ---------------------------------------------------------- */

static enum ussh_status connect_session(struct ussh *s, char **cause)
{
	if (lf_str_empty(s->host))
		return fail(cause, USSH_ERR_CONFIG, _("no SSH host was given"));
	s->sess = ssh_new();
	if (!s->sess)
		return fail(cause, USSH_ERR_CONFIG, _("cannot create an SSH session"));
	if (ssh_options_set(s->sess, SSH_OPTIONS_HOST, s->host) < 0)
		return fail(cause, USSH_ERR_CONFIG, _("invalid SSH host \"%s\": %s"), s->host,
		            ssh_err(s));
	if (ssh_options_set(s->sess, SSH_OPTIONS_SSH_DIR, s->ssh_dir) < 0)
		return fail(cause, USSH_ERR_CONFIG, _("invalid ssh directory %s"), s->ssh_dir);
	if (ssh_options_parse_config(s->sess, NULL) < 0)
		return fail(cause, USSH_ERR_CONFIG, _("cannot read %s/config: %s"), s->ssh_dir,
		            ssh_err(s));
	/* What the caller says wins over ~/.ssh/config (parse_config set the
	 * Port unconditionally, so it is set again afterwards). */
	if (s->port > 0 && ssh_options_set(s->sess, SSH_OPTIONS_PORT, &s->port) < 0)
		return fail(cause, USSH_ERR_CONFIG, _("invalid SSH port %d"), s->port);
	if (s->user && ssh_options_set(s->sess, SSH_OPTIONS_USER, s->user) < 0)
		return fail(cause, USSH_ERR_CONFIG, _("invalid SSH user \"%s\""), s->user);
	/* Checking host keys cannot be turned off: with StrictHostKeyChecking
	 * no, libssh would report unknown hosts as known. */
	int strict = 1;
	ssh_options_set(s->sess, SSH_OPTIONS_STRICTHOSTKEYCHECK, &strict);
	/* libssh logs to stderr, which belongs to the screen. */
	int verbosity = SSH_LOG_NOLOG;
	ssh_options_set(s->sess, SSH_OPTIONS_LOG_VERBOSITY, &verbosity);
	long secs = (s->timeout_ms + 999) / 1000;
	ssh_options_set(s->sess, SSH_OPTIONS_TIMEOUT, &secs);

	/* The resolved destination, for every later message. */
	char *h = NULL;
	if (ssh_options_get(s->sess, SSH_OPTIONS_HOST, &h) == SSH_OK && h) {
		free(s->r_host);
		s->r_host = lf_xstrdup(h);
		ssh_string_free_char(h);
	}
	unsigned int port = 0;
	if (ssh_options_get_port(s->sess, &port) == SSH_OK && port > 0)
		s->r_port = (int)port;
	set_target(s);

	if (ssh_connect(s->sess) != SSH_OK)
		return fail(cause, USSH_ERR_CONNECT, _("cannot connect to %s:%d: %s"), s->r_host,
		            s->r_port, ssh_err(s));
	char *u = NULL;
	if (ssh_options_get(s->sess, SSH_OPTIONS_USER, &u) == SSH_OK && u) {
		free(s->r_user);
		s->r_user = lf_xstrdup(u);
		ssh_string_free_char(u);
	}
	set_target(s);
	debug(s, "connected");

	enum ussh_status st = check_host_key(s, cause);
	if (st != USSH_OK)
		return st;
	return authenticate(s, cause);
}

enum ussh_status ussh_connect(struct ussh *s, char **cause)
{
	teardown(s);
	enum ussh_status st = connect_session(s, cause);
	/* An unknown key keeps the connection open for ussh_accept_host_key;
	 * any other failure closes it at once. */
	if (st != USSH_OK && st != USSH_ERR_HOSTKEY_UNKNOWN)
		drop_connection(s);
	return st;
}

/* ---- authentication ------------------------------------------------------ */

/* libssh's ssh_auth_callback: ask our caller, copy into libssh's buffer. */
static int passphrase_bridge(const char *prompt, char *buf, size_t len, int echo,
                             int verify, void *userdata)
{
	struct ussh *s = userdata;
	(void)prompt;
	(void)echo;
	(void)verify;
	s->pp_asked = true;
	if (!s->passphrase)
		return -1;
	char *current = NULL;
	const char *key = s->pp_key;
	if (!key) {
		/* Called from publickey_auto: ask libssh which key it is at. */
		if (ssh_userauth_publickey_auto_get_current_identity(s->sess, &current) == SSH_OK)
			key = current;
	}
	char *pp = s->passphrase(key ? key : "?", s->pp_attempt > 0 ? s->pp_attempt : 1,
	                         s->passphrase_user);
	free(current);
	if (!pp)
		return -1;
	s->pp_given = true;
	size_t n = strlen(pp);
	int rc = -1;
	if (n < len) {
		memcpy(buf, pp, n + 1);
		rc = 0;
	}
	wipe_free(pp);
	return rc;
}

static void note(struct buf *tried, const char *fmt, ...) LF_PRINTF(2, 3);
static void note(struct buf *tried, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *m = lf_vasprintf(fmt, ap);
	va_end(ap);
	if (tried->len)
		buf_adds(tried, "; ");
	buf_adds(tried, m);
	free(m);
}

static char *method_names(int methods)
{
	static const struct {
		int bit;
		const char *name;
	} names[] = {
		{ SSH_AUTH_METHOD_PUBLICKEY, "publickey" },
		{ SSH_AUTH_METHOD_PASSWORD, "password" },
		{ SSH_AUTH_METHOD_INTERACTIVE, "keyboard-interactive" },
		{ SSH_AUTH_METHOD_GSSAPI_MIC, "gssapi-with-mic" },
		{ SSH_AUTH_METHOD_HOSTBASED, "hostbased" },
	};
	struct buf b = { 0 };
	for (size_t i = 0; i < LF_ARRAY_LEN(names); i++) {
		if (methods & names[i].bit) {
			if (b.len)
				buf_add(&b, ",", 1);
			buf_adds(&b, names[i].name);
		}
	}
	if (!b.len)
		buf_adds(&b, _("no method Landfall knows"));
	size_t len;
	return buf_finish(&b, &len);
}

/* The identity file the caller named. Returns an ssh_auth_e, or -2 after
 * setting *cause for a local problem with the file. */
static int auth_key_file(struct ussh *s, struct buf *tried, char **cause)
{
	const char *path = s->identity_file;
	if (access(path, R_OK) != 0) {
		fail(cause, USSH_ERR_CONFIG, _("cannot read the SSH key file %s: %s"), path,
		     strerror(errno));
		return -2;
	}
	/* With KEY.pub at hand, ask the server first, so that a passphrase is
	 * only asked for a key it would take. */
	char *pubpath = lf_asprintf("%s.pub", path);
	ssh_key pub = NULL;
	if (ssh_pki_import_pubkey_file(pubpath, &pub) == SSH_OK) {
		int rc = ssh_userauth_try_publickey(s->sess, NULL, pub);
		ssh_key_free(pub);
		if (rc != SSH_AUTH_SUCCESS) {
			if (rc != SSH_AUTH_ERROR)
				note(tried, _("key %s (not accepted by the server)"), path);
			free(pubpath);
			return rc;
		}
	}
	free(pubpath);

	ssh_key priv = NULL;
	int rc = SSH_ERROR;
	s->pp_key = path;
	for (s->pp_attempt = 1; s->pp_attempt <= 3; s->pp_attempt++) {
		s->pp_asked = s->pp_given = false;
		rc = ssh_pki_import_privkey_file(path, NULL, passphrase_bridge, s, &priv);
		if (rc == SSH_OK || !s->pp_asked || !s->pp_given)
			break;
	}
	s->pp_key = NULL;
	s->pp_attempt = 0;
	if (rc != SSH_OK) {
		if (!s->pp_asked)
			note(tried, _("key %s (not a private key libssh can read)"), path);
		else if (!s->pp_given)
			note(tried, _("key %s (needs a passphrase, none was given)"), path);
		else
			note(tried, _("key %s (wrong passphrase)"), path);
		return SSH_AUTH_DENIED;
	}
	rc = ssh_userauth_publickey(s->sess, NULL, priv);
	ssh_key_free(priv);
	if (rc == SSH_AUTH_DENIED)
		note(tried, _("key %s (not accepted by the server)"), path);
	return rc;
}

static int auth_kbdint(struct ussh *s)
{
	bool answered = false;
	int rc = ssh_userauth_kbdint(s->sess, NULL, NULL);
	for (int round = 0; rc == SSH_AUTH_INFO && round < 4; round++) {
		int n = ssh_userauth_kbdint_getnprompts(s->sess);
		bool secret_prompt = false;
		for (int i = 0; i < n; i++) {
			char echo = 0;
			ssh_userauth_kbdint_getprompt(s->sess, (unsigned)i, &echo);
			if (!echo)
				secret_prompt = true;
		}
		/* The password answers one round of hidden prompts (PAM's
		 * "Password:"); a second one is something else, say a code. */
		if (secret_prompt && answered)
			return SSH_AUTH_DENIED;
		for (int i = 0; i < n; i++) {
			char echo = 0;
			ssh_userauth_kbdint_getprompt(s->sess, (unsigned)i, &echo);
			ssh_userauth_kbdint_setanswer(s->sess, (unsigned)i, echo ? "" : s->password);
		}
		answered = answered || secret_prompt;
		rc = ssh_userauth_kbdint(s->sess, NULL, NULL);
	}
	return rc == SSH_AUTH_INFO ? SSH_AUTH_DENIED : rc;
}

static enum ussh_status authenticate(struct ussh *s, char **cause)
{
	struct buf tried = { 0 };
	enum ussh_status st = USSH_OK;
	const char *how = NULL;
	int rc = ssh_userauth_none(s->sess, NULL);
	if (rc == SSH_AUTH_SUCCESS) {
		how = "none";
		goto done;
	}
	if (rc == SSH_AUTH_ERROR)
		goto lost;
	int methods = ssh_userauth_list(s->sess, NULL);

	if (s->identity_file && (methods & SSH_AUTH_METHOD_PUBLICKEY)) {
		rc = auth_key_file(s, &tried, cause);
		if (rc == -2) {
			st = USSH_ERR_CONFIG;
			goto out;
		}
		if (rc == SSH_AUTH_SUCCESS) {
			how = s->identity_file;
			goto done;
		}
		if (rc == SSH_AUTH_ERROR)
			goto lost;
		methods = ssh_userauth_list(s->sess, NULL);
	}
	if (methods & SSH_AUTH_METHOD_PUBLICKEY) {
		/* Agent, ~/.ssh/config's IdentityFile, the default keys. */
		ssh_callbacks_init(&s->cb);
		s->cb.userdata = s;
		s->cb.auth_function = passphrase_bridge;
		ssh_set_callbacks(s->sess, &s->cb);
		s->pp_key = NULL;
		s->pp_attempt = 1;
		rc = ssh_userauth_publickey_auto(s->sess, NULL, NULL);
		s->pp_attempt = 0;
		if (rc == SSH_AUTH_SUCCESS) {
			how = "agent or default keys";
			goto done;
		}
		if (rc == SSH_AUTH_ERROR && !session_alive(s))
			goto lost;
		const char *sock = getenv("SSH_AUTH_SOCK");
		note(&tried, _("ssh-agent (%s) and the keys of %s and its config (none accepted)"),
		     lf_str_empty(sock) ? _("none running") : sock, s->ssh_dir);
		methods = ssh_userauth_list(s->sess, NULL);
	}
	if (s->password) {
		if (methods & SSH_AUTH_METHOD_PASSWORD) {
			rc = ssh_userauth_password(s->sess, NULL, s->password);
			if (rc == SSH_AUTH_SUCCESS) {
				how = "password";
				goto done;
			}
			if (rc == SSH_AUTH_ERROR)
				goto lost;
			note(&tried, _("password (refused)"));
		} else if (methods & SSH_AUTH_METHOD_INTERACTIVE) {
			rc = auth_kbdint(s);
			if (rc == SSH_AUTH_SUCCESS) {
				how = "keyboard-interactive";
				goto done;
			}
			if (rc == SSH_AUTH_ERROR)
				goto lost;
			note(&tried, _("password by keyboard-interactive (refused)"));
		} else {
			note(&tried, _("password (the server does not take passwords)"));
		}
	} else {
		note(&tried, _("no password given"));
	}
	{
		char *names = method_names(methods);
		st = fail(cause, USSH_ERR_AUTH,
		          _("authentication failed for user %s on %s:%d: the server accepts %s; "
		            "tried: %s"),
		          s->r_user ? s->r_user : "?", s->r_host, s->r_port, names, tried.p);
		free(names);
	}
	goto out;
lost:
	st = conn_lost(s, _("authenticating"), cause);
	goto out;
done:
	s->connected = true;
	debug(s, "authenticated (%s)", how);
out:
	free(tried.p);
	return st;
}

/* Connected and authenticated, reconnecting after a lost connection. */
static enum ussh_status ensure_connected(struct ussh *s, char **cause)
{
	if (s->connected && session_alive(s))
		return USSH_OK;
	if (s->pending_key)
		return fail(cause, USSH_ERR_HOSTKEY_UNKNOWN,
		            _("the host key of %s (%s) has not been accepted"), s->target,
		            s->fingerprint ? s->fingerprint : "?");
	if (s->fingerprint)
		debug(s, "reconnecting");
	return ussh_connect(s, cause);
}

/* ---- commands ------------------------------------------------------------ */

struct exit_info {
	int status;
	bool got_status;
	char signal[16];
};

static void on_exit_status(ssh_session session, ssh_channel channel, int status, void *user)
{
	(void)session;
	(void)channel;
	struct exit_info *x = user;
	x->status = status;
	x->got_status = true;
}

static void on_exit_signal(ssh_session session, ssh_channel channel, const char *signal,
                           int core, const char *errmsg, const char *lang, void *user)
{
	(void)session;
	(void)channel;
	(void)core;
	(void)errmsg;
	(void)lang;
	struct exit_info *x = user;
	snprintf(x->signal, sizeof x->signal, "%s", signal ? signal : "?");
}

static void set_session_timeout(struct ussh *s, long ms)
{
	long secs = ms > 0 ? (ms + 999) / 1000 : 1;
	ssh_options_set(s->sess, SSH_OPTIONS_TIMEOUT, &secs);
}

/* Run cmdline, feeding `in` on stdin. `shown` is what messages show. */
static enum ussh_status run_channel(struct ussh *s, const char *cmdline, const char *shown,
                                    const char *in, size_t in_len, long timeout_ms,
                                    struct ussh_result *r, char **cause)
{
	enum ussh_status st = ensure_connected(s, cause);
	if (st != USSH_OK)
		return st;
	char *doing = lf_asprintf(_("running `%s`"), shown);
	struct buf out = { 0 }, err = { 0 };
	struct exit_info x = { .status = -1 };
	struct ssh_channel_callbacks_struct cb = {
		.userdata = &x,
		.channel_exit_status_function = on_exit_status,
		.channel_exit_signal_function = on_exit_signal,
	};
	ssh_callbacks_init(&cb);
	long long deadline = lf_now_ms() + timeout_ms;

	ssh_channel ch = ssh_channel_new(s->sess);
	if (!ch || ssh_channel_open_session(ch) != SSH_OK) {
		if (!session_alive(s))
			st = conn_lost(s, doing, cause);
		else
			st = fail(cause, USSH_ERR_REMOTE, _("%s refused a session channel: %s"),
			          s->target, ssh_err(s));
		goto out;
	}
	ssh_set_channel_callbacks(ch, &cb);
	if (ssh_channel_request_exec(ch, cmdline) != SSH_OK) {
		if (!session_alive(s))
			st = conn_lost(s, doing, cause);
		else
			st = fail(cause, USSH_ERR_REMOTE, _("%s refused to run `%s`: %s"), s->target,
			          shown, ssh_err(s));
		goto out;
	}
	debug(s, "run: %s", shown);

	size_t sent = 0;
	bool eof_sent = false;
	if (in_len == 0) {
		ssh_channel_send_eof(ch);
		eof_sent = true;
	}
	char chunk[IO_CHUNK];
	for (;;) {
		bool progress = false;
		if (!eof_sent) {
			/* Never write more than the window allows, so the write never
			 * waits while output piles up unread. */
			uint32_t win = ssh_channel_window_size(ch);
			if (win > 0) {
				size_t n = in_len - sent;
				if (n > win)
					n = win;
				if (n > IO_CHUNK)
					n = IO_CHUNK;
				int w = ssh_channel_write(ch, in + sent, (uint32_t)n);
				if (w == SSH_ERROR) {
					if (!session_alive(s)) {
						st = conn_lost(s, doing, cause);
						goto out;
					}
					/* The command stopped reading: drop the rest. */
					eof_sent = true;
				} else {
					sent += (size_t)w;
					progress = w > 0;
					if (sent == in_len) {
						ssh_channel_send_eof(ch);
						eof_sent = true;
					}
				}
			}
		}
		for (int is_err = 0; is_err <= 1; is_err++) {
			int n = ssh_channel_read_nonblocking(ch, chunk, sizeof chunk, is_err);
			if (n == SSH_ERROR) {
				if (!session_alive(s)) {
					st = conn_lost(s, doing, cause);
					goto out;
				}
				break;
			}
			if (n > 0) {
				buf_add(is_err ? &err : &out, chunk, (size_t)n);
				progress = true;
			}
		}
		if (progress)
			continue;
		if (ssh_channel_is_eof(ch) || ssh_channel_is_closed(ch))
			break;
		long long left = deadline - lf_now_ms();
		if (left <= 0) {
			ssh_channel_request_send_signal(ch, "KILL");
			st = fail(cause, USSH_ERR_TIMEOUT,
			          _("`%s` on %s did not finish within %ld s; it was stopped"), shown,
			          s->target, (timeout_ms + 999) / 1000);
			goto out;
		}
		int rc = ssh_channel_poll_timeout(ch, left < POLL_SLICE_MS ? (int)left : POLL_SLICE_MS,
		                                  0);
		if (rc == SSH_ERROR && !session_alive(s)) {
			st = conn_lost(s, doing, cause);
			goto out;
		}
	}
	/* The output has ended; the exit status follows (or came already). */
	if (!x.got_status && !x.signal[0]) {
		long long left = deadline - lf_now_ms();
		set_session_timeout(s, left > 1000 ? (long)left : 1000);
		ssh_channel_get_exit_status(ch);
		set_session_timeout(s, s->timeout_ms);
		if (!x.got_status && !x.signal[0] && !session_alive(s)) {
			st = conn_lost(s, doing, cause);
			goto out;
		}
	}
	r->exit_status = x.got_status ? x.status : -1;
	snprintf(r->signal, sizeof r->signal, "%s", x.signal);
	r->out = buf_finish(&out, &r->out_len);
	r->err = buf_finish(&err, &r->err_len);
	out.p = err.p = NULL;
	debug(s, "exit %d%s%s", r->exit_status, x.signal[0] ? ", signal " : "", x.signal);
out:
	if (ch) {
		/* `cb` lives on this stack: libssh keeps a channel freed before the
		 * server closed it (a timed-out command) and would call into it
		 * when its exit status arrives during the next command. */
		ssh_remove_channel_callbacks(ch, &cb);
		if (session_alive(s) && ssh_channel_is_open(ch))
			ssh_channel_close(ch);
		ssh_channel_free(ch);
	}
	free(out.p);
	free(err.p);
	free(doing);
	return st;
}

enum ussh_status ussh_exec(struct ussh *s, const char *const argv[],
                           const struct ussh_exec_opts *o, struct ussh_result *r,
                           char **cause)
{
	if (!argv || !argv[0])
		return fail(cause, USSH_ERR_CONFIG, _("no command to run"));
	char *cmd = shellq_joinv(argv);
	char *shown = shown_command(s, cmd);
	enum ussh_status st =
		run_channel(s, cmd, shown, o ? o->input : NULL, o && o->input ? o->input_len : 0,
		            o && o->timeout_ms > 0 ? o->timeout_ms : DEFAULT_EXEC_TIMEOUT_MS, r,
		            cause);
	free(shown);
	free(cmd);
	return st;
}

void ussh_result_free(struct ussh_result *r)
{
	if (!r)
		return;
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
	r->out_len = r->err_len = 0;
}

/* The last non-empty line of stderr (or stdout), at most 300 bytes. */
static char *last_line(const char *text, size_t len)
{
	while (len && (text[len - 1] == '\n' || text[len - 1] == '\r' || text[len - 1] == ' '))
		len--;
	size_t start = len;
	while (start && text[start - 1] != '\n')
		start--;
	size_t n = len - start;
	if (n > 300)
		n = 300;
	return lf_xstrndup(text + start, n);
}

enum ussh_status ussh_result_check(struct ussh *s, const char *const argv[],
                                   const struct ussh_result *r, char **cause)
{
	if (r->exit_status == 0)
		return USSH_OK;
	char *cmd = shellq_joinv(argv);
	char *shown = shown_command(s, cmd);
	char *line = r->err_len ? last_line(r->err, r->err_len) : last_line(r->out, r->out_len);
	if (s->events) {
		char *red = events_redact(s->events, line);
		free(line);
		line = red;
	}
	enum ussh_status st;
	if (r->signal[0])
		st = fail(cause, USSH_ERR_REMOTE, _("`%s` failed on %s (killed by signal %s): %s"),
		          shown, s->target, r->signal, line);
	else
		st = fail(cause, USSH_ERR_REMOTE, _("`%s` failed on %s (exit status %d): %s"),
		          shown, s->target, r->exit_status, line);
	free(line);
	free(shown);
	free(cmd);
	return st;
}

/* ---- sudo ---------------------------------------------------------------- */

static const char *const sudo_password_prefix[] = { "sudo", "-S", "-k", "-p", "", "--", NULL };
static const char *const sudo_nopasswd_prefix[] = { "sudo", "-n", "--", NULL };

/* prefix + argv as one NULL-terminated array (strings borrowed). */
static const char **join_argv(const char *const prefix[], const char *const argv[])
{
	size_t np = 0, na = 0;
	while (prefix[np])
		np++;
	while (argv[na])
		na++;
	const char **all = lf_xcalloc(np + na + 1, sizeof *all);
	memcpy(all, prefix, np * sizeof *all);
	memcpy(all + np, argv, na * sizeof *all);
	return all;
}

/* Run through `sudo -S` with the password line ahead of `input`. */
static enum ussh_status run_sudo_password(struct ussh *s, const char *const argv[],
                                          const void *input, size_t input_len,
                                          long timeout_ms, struct ussh_result *r,
                                          char **cause)
{
	const char **all = join_argv(sudo_password_prefix, argv);
	char *cmd = shellq_joinv(all);
	char *shown = shown_command(s, cmd);
	size_t pl = strlen(s->sudo_password);
	size_t n = pl + 1 + input_len;
	char *in = lf_xmalloc(n);
	memcpy(in, s->sudo_password, pl);
	in[pl] = '\n';
	if (input_len)
		memcpy(in + pl + 1, input, input_len);
	enum ussh_status st = run_channel(s, cmd, shown, in, n, timeout_ms, r, cause);
	explicit_bzero(in, n);
	free(in);
	free(shown);
	free(cmd);
	free(all);
	return st;
}

enum ussh_status ussh_sudo_probe(struct ussh *s, enum ussh_sudo_mode *mode, char **cause)
{
	enum ussh_status st = ensure_connected(s, cause);
	if (st != USSH_OK)
		return st;
	if (s->sudo_mode != USSH_SUDO_UNKNOWN) {
		if (mode)
			*mode = s->sudo_mode;
		return USSH_OK;
	}
	static const char *const probe[] = { "sh", "-c", sudo_probe_script, NULL };
	struct ussh_result r = { 0 };
	st = ussh_exec(s, probe, &(struct ussh_exec_opts){ .timeout_ms = s->timeout_ms }, &r,
	               cause);
	if (st != USSH_OK)
		return st;
	char uid[32] = "", what[32] = "";
	if (sscanf(r.out, "%31s %31s", uid, what) != 2) {
		st = fail(cause, USSH_ERR_REMOTE,
		          _("cannot tell how user %s becomes root on %s: the probe printed \"%s\""),
		          s->r_user ? s->r_user : "?", s->target, r.out);
		ussh_result_free(&r);
		return st;
	}
	ussh_result_free(&r);
	const char *user = s->r_user ? s->r_user : "?";
	enum ussh_sudo_mode m;
	if (strcmp(uid, "0") == 0) {
		m = USSH_SUDO_ROOT;
	} else if (strcmp(what, "no-sudo") == 0) {
		return fail(cause, USSH_ERR_SUDO,
		            _("sudo is not installed on %s: user %s needs it to install (apt-get "
		              "install sudo, then add the user to the sudo group)"),
		            s->target, user);
	} else if (strcmp(what, "nopasswd") == 0) {
		m = USSH_SUDO_NOPASSWD;
	} else if (!s->sudo_password) {
		return fail(cause, USSH_ERR_SUDO,
		            _("sudo on %s asks user %s for a password and none was given (the sudo "
		              "password answer, ubuntu.sudo_password)"),
		            s->target, user);
	} else {
		static const char *const check[] = { "true", NULL };
		st = run_sudo_password(s, check, NULL, 0, s->timeout_ms, &r, cause);
		if (st != USSH_OK)
			return st;
		if (r.exit_status != 0) {
			char *line = last_line(r.err, r.err_len);
			if (s->events) {
				char *red = events_redact(s->events, line);
				free(line);
				line = red;
			}
			st = fail(cause, USSH_ERR_SUDO,
			          _("sudo on %s refused the password of user %s: %s"), s->target,
			          user, line);
			free(line);
			ussh_result_free(&r);
			return st;
		}
		ussh_result_free(&r);
		m = USSH_SUDO_PASSWORD;
	}
	s->sudo_mode = m;
	debug(s, "sudo: %s", m == USSH_SUDO_ROOT ? "root" :
	                     m == USSH_SUDO_NOPASSWD ? "no password" : "password on stdin");
	if (mode)
		*mode = m;
	return USSH_OK;
}

enum ussh_status ussh_sudo(struct ussh *s, const char *const argv[],
                           const struct ussh_exec_opts *o, struct ussh_result *r,
                           char **cause)
{
	if (!argv || !argv[0])
		return fail(cause, USSH_ERR_CONFIG, _("no command to run"));
	enum ussh_sudo_mode m = USSH_SUDO_UNKNOWN;
	enum ussh_status st = ussh_sudo_probe(s, &m, cause);
	if (st != USSH_OK)
		return st;
	long timeout = o && o->timeout_ms > 0 ? o->timeout_ms : DEFAULT_EXEC_TIMEOUT_MS;
	const void *input = o ? o->input : NULL;
	size_t input_len = input ? o->input_len : 0;
	if (m == USSH_SUDO_ROOT)
		return ussh_exec(s, argv, o, r, cause);
	if (m == USSH_SUDO_PASSWORD)
		return run_sudo_password(s, argv, input, input_len, timeout, r, cause);
	const char **all = join_argv(sudo_nopasswd_prefix, argv);
	st = ussh_exec(s, all, o, r, cause);
	free(all);
	return st;
}

/* ---- files --------------------------------------------------------------- */

static const char *sftp_errstr(int code)
{
	switch (code) {
	case SSH_FX_OK: return _("no error");
	case SSH_FX_EOF: return _("end of file");
	case SSH_FX_NO_SUCH_FILE: return _("no such file or directory");
	case SSH_FX_PERMISSION_DENIED: return _("permission denied");
	case SSH_FX_FAILURE: return _("the server could not do it (disk full, or a "
	                              "directory in the way?)");
	case SSH_FX_BAD_MESSAGE: return _("bad message");
	case SSH_FX_NO_CONNECTION: return _("no connection");
	case SSH_FX_CONNECTION_LOST: return _("connection lost");
	case SSH_FX_OP_UNSUPPORTED: return _("operation not supported by the server");
	case SSH_FX_INVALID_HANDLE: return _("invalid handle");
	case SSH_FX_NO_SUCH_PATH: return _("no such path");
	case SSH_FX_FILE_ALREADY_EXISTS: return _("file already exists");
	case SSH_FX_WRITE_PROTECT: return _("write-protected");
	case SSH_FX_NO_MEDIA: return _("no media");
	}
	return _("unknown SFTP error");
}

static enum ussh_status sftp_fail(struct ussh *s, const char *doing, const char *path,
                                  char **cause)
{
	if (!session_alive(s)) {
		char *what = lf_asprintf("%s %s", doing, path);
		enum ussh_status st = conn_lost(s, what, cause);
		free(what);
		return st;
	}
	int code = s->sftp ? sftp_get_error(s->sftp) : -1;
	return fail(cause, USSH_ERR_REMOTE, _("cannot %s %s on %s: %s"), doing, path, s->target,
	            code >= 0 ? sftp_errstr(code) : ssh_err(s));
}

static enum ussh_status sftp_ready(struct ussh *s, char **cause)
{
	enum ussh_status st = ensure_connected(s, cause);
	if (st != USSH_OK || s->sftp)
		return st;
	s->sftp = sftp_new(s->sess);
	if (!s->sftp) {
		if (!session_alive(s))
			return conn_lost(s, _("starting SFTP"), cause);
		return fail(cause, USSH_ERR_REMOTE, _("cannot start SFTP on %s: %s"), s->target,
		            ssh_err(s));
	}
	if (sftp_init(s->sftp) != SSH_OK) {
		sftp_free(s->sftp);
		s->sftp = NULL;
		if (!session_alive(s))
			return conn_lost(s, _("starting SFTP"), cause);
		return fail(cause, USSH_ERR_REMOTE,
		            _("the SFTP subsystem of %s does not work (is \"Subsystem sftp\" set "
		              "in its sshd_config?): %s"),
		            s->target, ssh_err(s));
	}
	return USSH_OK;
}

/* Create `path` (it must not exist), give it exactly `mode`, write data. */
static enum ussh_status put_file(struct ussh *s, const char *path, const void *data,
                                 size_t len, unsigned mode, char **cause)
{
	sftp_file f = sftp_open(s->sftp, path, O_WRONLY | O_CREAT | O_EXCL | O_TRUNC,
	                        (mode_t)(mode & 07777));
	if (!f)
		return sftp_fail(s, _("create"), path, cause);
	enum ussh_status st = USSH_OK;
	/* The create mode went through the remote umask: set it exactly.
	 * The file is empty until then and its mode is never wider. */
	if (sftp_chmod(s->sftp, path, (mode_t)(mode & 07777)) < 0) {
		st = sftp_fail(s, _("set the mode of"), path, cause);
		goto out;
	}
	const char *p = data;
	size_t left = len;
	while (left > 0) {
		size_t n = left < SFTP_CHUNK ? left : SFTP_CHUNK;
		ssize_t w = sftp_write(f, p, n);
		if (w <= 0) {
			st = sftp_fail(s, _("write"), path, cause);
			goto out;
		}
		p += w;
		left -= (size_t)w;
	}
	if (sftp_extension_supported(s->sftp, "fsync@openssh.com", "1") && sftp_fsync(f) < 0) {
		st = sftp_fail(s, _("flush"), path, cause);
		goto out;
	}
out:
	if (sftp_close(f) != SSH_NO_ERROR && st == USSH_OK)
		st = sftp_fail(s, _("close"), path, cause);
	if (st != USSH_OK && s->sftp && session_alive(s))
		sftp_unlink(s->sftp, path);
	return st;
}

enum ussh_status ussh_upload(struct ussh *s, const char *remote_path, const void *data,
                             size_t len, unsigned mode, char **cause)
{
	if (lf_str_empty(remote_path))
		return fail(cause, USSH_ERR_CONFIG, _("no remote file name given"));
	enum ussh_status st = sftp_ready(s, cause);
	if (st != USSH_OK)
		return st;
	const char *slash = strrchr(remote_path, '/');
	int dlen = slash ? (int)(slash - remote_path + 1) : 0;
	char rnd[17];
	random_hex(rnd);
	char *tmp = lf_asprintf("%.*s.%s.landfall-%s", dlen, remote_path, remote_path + dlen, rnd);
	st = put_file(s, tmp, data, len, mode, cause);
	if (st != USSH_OK) {
		free(tmp);
		return st;
	}
	/* SFTP's rename refuses to replace a file (version 3, as OpenSSH
	 * speaks it); mv -f is rename(2), atomic on one file system. */
	const char *const mv[] = { "mv", "-f", "--", tmp, remote_path, NULL };
	struct ussh_result r = { 0 };
	st = ussh_exec(s, mv, NULL, &r, cause);
	if (st == USSH_OK) {
		st = ussh_result_check(s, mv, &r, cause);
		ussh_result_free(&r);
	}
	if (st != USSH_OK && s->sftp && session_alive(s))
		sftp_unlink(s->sftp, tmp);
	if (st == USSH_OK)
		debug(s, "uploaded %s (%zu bytes, mode %04o)", remote_path, len, mode);
	free(tmp);
	return st;
}

enum ussh_status ussh_sudo_install(struct ussh *s, const char *remote_path,
                                   const void *data, size_t len, unsigned mode,
                                   const char *owner, const char *group, char **cause)
{
	if (lf_str_empty(remote_path))
		return fail(cause, USSH_ERR_CONFIG, _("no remote file name given"));
	/* Learn early whether root is reachable, before uploading anything. */
	enum ussh_status st = ussh_sudo_probe(s, NULL, cause);
	if (st == USSH_OK)
		st = sftp_ready(s, cause);
	if (st != USSH_OK)
		return st;
	char *home = sftp_canonicalize_path(s->sftp, ".");
	if (!home)
		return sftp_fail(s, _("find the login directory"), ".", cause);
	char rnd[17];
	random_hex(rnd);
	char *dir = lf_asprintf("%s/.landfall-upload-%s", strcmp(home, "/") ? home : "", rnd);
	ssh_string_free_char(home);
	char *tmp = lf_asprintf("%s/file", dir);
	if (sftp_mkdir(s->sftp, dir, 0700) < 0) {
		st = sftp_fail(s, _("create the directory"), dir, cause);
		free(tmp);
		free(dir);
		return st;
	}
	st = put_file(s, tmp, data, len, 0600, cause);
	if (st == USSH_OK) {
		char modestr[16];
		snprintf(modestr, sizeof modestr, "%04o", mode & 07777);
		const char *const argv[] = {
			"sh", "-c", install_script, "landfall-install", modestr,
			lf_str_empty(owner) ? "root" : owner, lf_str_empty(group) ? "root" : group,
			tmp, remote_path, NULL,
		};
		struct ussh_result r = { 0 };
		st = ussh_sudo(s, argv, NULL, &r, cause);
		if (st == USSH_OK) {
			st = ussh_result_check(s, argv, &r, cause);
			ussh_result_free(&r);
		}
	}
	/* Whatever happened, leave nothing behind in the home directory. */
	if (s->sftp && session_alive(s)) {
		sftp_unlink(s->sftp, tmp);
		sftp_rmdir(s->sftp, dir);
	}
	if (st == USSH_OK)
		debug(s, "installed %s (%zu bytes, mode %04o, %s:%s)", remote_path, len, mode,
		      lf_str_empty(owner) ? "root" : owner, lf_str_empty(group) ? "root" : group);
	free(tmp);
	free(dir);
	return st;
}
