/* Tests for backends/ubuntu/ssh.c, the ubuntu backend's SSH transport,
 * against a real OpenSSH sshd started for the run (tests/sshd_fixture.h),
 * the way libssh's torture tests run against theirs. Needs root. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sshd_fixture.h"
#include "ubuntu/ssh.h"

static struct sshd_fixture F;
static char *host_fp; /* the host key's fingerprint, from ssh-keygen -lf */

/* ---- helpers ------------------------------------------------------------- */

static char *ssh_dir(void)
{
	return lf_asprintf("%s/.ssh", F.home);
}

static char *known_hosts_path(void)
{
	return lf_asprintf("%s/.ssh/known_hosts", F.home);
}

static char *read_or_empty(const char *path)
{
	char *t = lf_read_file(path, NULL, NULL);
	return t ? t : lf_xstrdup("");
}

static void write_file(const char *path, const char *text)
{
	char *cause = NULL;
	if (lf_write_file_atomic(path, text, strlen(text), 0600, &cause) != 0)
		fail_msg("%s", cause);
}

/* A fresh client side for every test: empty ~/.ssh, no agent. */
static int reset_home(void **state)
{
	(void)state;
	char *d = ssh_dir();
	fixture_rm_rf(d);
	mkdir(d, 0700);
	free(d);
	setenv("HOME", F.home, 1);
	unsetenv("SSH_AUTH_SOCK");
	return 0;
}

static struct ussh_options opts_for(const char *user)
{
	return (struct ussh_options){
		.host = "127.0.0.1",
		.port = F.port,
		.user = user,
		.identity_file = F.client_key,
		.timeout_ms = 15000,
	};
}

static struct ussh *connect_ok(const struct ussh_options *o)
{
	struct ussh *s = ussh_new(o);
	char *cause = NULL;
	enum ussh_status st = ussh_connect(s, &cause);
	if (st != USSH_OK)
		fail_msg("connect: %s: %s", ussh_status_name(st), cause);
	free(cause);
	return s;
}

/* Connected as `user` by key, the host key pinned (so recorded). */
static struct ussh *session_as(const char *user, const char *sudo_password,
                               struct events *evs)
{
	struct ussh_options o = opts_for(user);
	o.host_key_sha256 = host_fp;
	o.sudo_password = sudo_password;
	o.events = evs;
	return connect_ok(&o);
}

/* Run argv, expect USSH_OK; returns the result (caller frees). */
static struct ussh_result run(struct ussh *s, const char *const argv[],
                              const char *input, size_t input_len)
{
	struct ussh_result r = { 0 };
	char *cause = NULL;
	struct ussh_exec_opts eo = { .input = input, .input_len = input_len };
	enum ussh_status st = ussh_exec(s, argv, &eo, &r, &cause);
	if (st != USSH_OK)
		fail_msg("exec %s: %s: %s", argv[0], ussh_status_name(st), cause);
	return r;
}

static char *remote_user(struct ussh *s)
{
	static const char *const argv[] = { "id", "-un", NULL };
	struct ussh_result r = run(s, argv, NULL, 0);
	assert_int_equal(r.exit_status, 0);
	char *u = lf_xstrndup(r.out, strcspn(r.out, "\n"));
	ussh_result_free(&r);
	return u;
}

static bool contains(const char *hay, const char *needle)
{
	return hay && strstr(hay, needle) != NULL;
}

static uid_t uid_of(const char *user)
{
	struct passwd *pw = getpwnam(user);
	assert_non_null(pw);
	return pw->pw_uid;
}

/* Entries of dir whose name contains `part`. */
static int count_entries(const char *dir, const char *part)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	int n = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL)
		if (strstr(de->d_name, part))
			n++;
	closedir(d);
	return n;
}

/* ---- group setup --------------------------------------------------------- */

static int group_setup(void **state)
{
	(void)state;
	char *cause = NULL;
	if (sshd_fixture_setup(&F, &cause) != 0 || sshd_fixture_start(&F, true, &cause) != 0) {
		print_error("sshd fixture: %s\n", cause ? cause : "?");
		free(cause);
		sshd_fixture_teardown(&F);
		return -1;
	}
	host_fp = sshd_fixture_fingerprint(&F);
	if (!host_fp) {
		print_error("ssh-keygen -lf could not read the host key\n");
		return -1;
	}
	print_message("sshd on 127.0.0.1:%d, users %s and %s, host key %s\n", F.port, F.user,
	              F.nopw_user, host_fp);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	sshd_fixture_teardown(&F);
	free(host_fp);
	host_fp = NULL;
	return 0;
}

/* ---- host keys ----------------------------------------------------------- */

static void test_unknown_key_refused_headless(void **state)
{
	(void)state;
	struct ussh_options o = opts_for(F.user);
	struct ussh *s = ussh_new(&o);
	char *cause = NULL;
	assert_int_equal(ussh_connect(s, &cause), USSH_ERR_HOSTKEY_UNKNOWN);
	assert_false(ussh_status_retryable(USSH_ERR_HOSTKEY_UNKNOWN));
	/* The fingerprint is exactly what ssh-keygen -lf prints. */
	assert_non_null(ussh_fingerprint(s));
	assert_string_equal(ussh_fingerprint(s), host_fp);
	assert_true(contains(cause, host_fp));
	assert_true(contains(cause, "not known"));
	/* Nothing was recorded. */
	char *kh = known_hosts_path();
	char *text = read_or_empty(kh);
	assert_string_equal(text, "");
	/* Nor does a command run. */
	static const char *const argv[] = { "true", NULL };
	struct ussh_result r = { 0 };
	assert_int_equal(ussh_exec(s, argv, NULL, &r, &cause), USSH_ERR_HOSTKEY_UNKNOWN);
	free(text);
	free(kh);
	free(cause);
	ussh_free(s);
}

static void test_unknown_key_accepted_interactively(void **state)
{
	(void)state;
	struct ussh_options o = opts_for(F.user);
	struct ussh *s = ussh_new(&o);
	char *cause = NULL;
	assert_int_equal(ussh_connect(s, &cause), USSH_ERR_HOSTKEY_UNKNOWN);
	/* The wizard shows ussh_fingerprint(); the user says yes. */
	assert_int_equal(ussh_accept_host_key(s, &cause), USSH_OK);
	char *u = remote_user(s);
	assert_string_equal(u, F.user);
	free(u);
	ussh_free(s);

	char *kh = known_hosts_path();
	char *text = read_or_empty(kh);
	char *entry = lf_asprintf("[127.0.0.1]:%d ssh-ed25519 ", F.port);
	assert_true(contains(text, entry));
	/* Known now: no pin, no question. */
	s = connect_ok(&o);
	ussh_free(s);
	free(entry);
	free(text);
	free(kh);
	free(cause);
}

static void test_pin_accepts_and_records(void **state)
{
	(void)state;
	struct ussh_options o = opts_for(F.user);
	/* Without the prefix, as some people copy it: still the same key. */
	o.host_key_sha256 = host_fp + strlen("SHA256:");
	struct ussh *s = connect_ok(&o);
	assert_string_equal(ussh_fingerprint(s), host_fp);
	ussh_free(s);

	char *kh = known_hosts_path();
	char *text = read_or_empty(kh);
	char *entry = lf_asprintf("[127.0.0.1]:%d ssh-ed25519 ", F.port);
	assert_true(contains(text, entry));
	o.host_key_sha256 = NULL;
	s = connect_ok(&o);
	ussh_free(s);
	free(entry);
	free(text);
	free(kh);
}

static void test_wrong_pin_refused(void **state)
{
	(void)state;
	struct ussh_options o = opts_for(F.user);
	o.host_key_sha256 = "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
	struct ussh *s = ussh_new(&o);
	char *cause = NULL;
	assert_int_equal(ussh_connect(s, &cause), USSH_ERR_HOSTKEY_PIN);
	assert_true(contains(cause, host_fp));
	assert_true(contains(cause, o.host_key_sha256));
	/* Refused is refused: accepting is only for unknown keys. */
	assert_int_equal(ussh_accept_host_key(s, &cause), USSH_ERR_CONFIG);
	char *kh = known_hosts_path();
	char *text = read_or_empty(kh);
	assert_string_equal(text, "");
	free(text);
	free(kh);
	free(cause);
	ussh_free(s);
}

/* StrictHostKeyChecking no in ~/.ssh/config would make libssh call every
 * unknown host known; the transport turns checking back on. */
static void test_config_cannot_disable_checking(void **state)
{
	(void)state;
	char *cfg = lf_asprintf("%s/.ssh/config", F.home);
	write_file(cfg, "Host *\n    StrictHostKeyChecking no\n");
	struct ussh_options o = opts_for(F.user);
	struct ussh *s = ussh_new(&o);
	char *cause = NULL;
	assert_int_equal(ussh_connect(s, &cause), USSH_ERR_HOSTKEY_UNKNOWN);
	free(cause);
	ussh_free(s);
	free(cfg);
}

/* Runs last but one: it changes the server's key for good. */
static void test_changed_key_refused_even_with_pin(void **state)
{
	(void)state;
	/* Record the current key. */
	struct ussh *s = session_as(F.user, NULL, NULL);
	ussh_free(s);
	char *old_fp = host_fp;

	char *cause = NULL;
	if (sshd_fixture_new_host_key(&F, &cause) != 0)
		fail_msg("new host key: %s", cause);
	host_fp = sshd_fixture_fingerprint(&F);
	assert_non_null(host_fp);
	assert_string_not_equal(host_fp, old_fp);

	const char *pins[] = { old_fp, host_fp, NULL };
	for (int i = 0; i < 3; i++) {
		struct ussh_options o = opts_for(F.user);
		o.host_key_sha256 = pins[i];
		s = ussh_new(&o);
		assert_int_equal(ussh_connect(s, &cause), USSH_ERR_HOSTKEY_CHANGED);
		/* Both fingerprints shown, and how to fix it. */
		assert_true(contains(cause, old_fp));
		assert_true(contains(cause, host_fp));
		assert_true(contains(cause, "ssh-keygen -R"));
		assert_non_null(ussh_known_fingerprints(s));
		assert_true(contains(ussh_known_fingerprints(s), old_fp));
		assert_int_equal(ussh_accept_host_key(s, &cause), USSH_ERR_CONFIG);
		ussh_free(s);
	}
	/* known_hosts still holds only the old key. */
	char *kh = known_hosts_path();
	char *text = read_or_empty(kh);
	assert_non_null(strstr(text, "ssh-ed25519"));
	assert_null(strstr(strstr(text, "ssh-ed25519") + 1, "ssh-ed25519"));
	free(text);
	free(kh);
	free(old_fp);
	free(cause);
}

/* ---- authentication ------------------------------------------------------ */

static void test_key_auth(void **state)
{
	(void)state;
	struct ussh *s = session_as(F.user, NULL, NULL);
	char *u = remote_user(s);
	assert_string_equal(u, F.user);
	char *target = lf_asprintf("%s@127.0.0.1:%d", F.user, F.port);
	assert_string_equal(ussh_target(s), target);
	free(target);
	free(u);
	ussh_free(s);
}

struct pp_script {
	const char *answers[3];
	int calls, last_attempt;
	char last_key[256];
};

static char *scripted_passphrase(const char *key_path, int attempt, void *user)
{
	struct pp_script *p = user;
	p->calls++;
	p->last_attempt = attempt;
	snprintf(p->last_key, sizeof p->last_key, "%s", key_path);
	if (attempt < 1 || attempt > 3 || !p->answers[attempt - 1])
		return NULL;
	return lf_xstrdup(p->answers[attempt - 1]);
}

static void test_key_passphrase(void **state)
{
	(void)state;
	struct pp_script right = { .answers = { SSHD_FIXTURE_PASSPHRASE } };
	struct ussh_options o = opts_for(F.user);
	o.identity_file = F.client_key_enc;
	o.host_key_sha256 = host_fp;
	o.passphrase = scripted_passphrase;
	o.passphrase_user = &right;
	struct ussh *s = connect_ok(&o);
	assert_int_equal(right.calls, 1);
	assert_string_equal(right.last_key, F.client_key_enc);
	ussh_free(s);

	/* A typo first: asked again. */
	struct pp_script typo = { .answers = { "wrong", SSHD_FIXTURE_PASSPHRASE } };
	o.passphrase_user = &typo;
	s = connect_ok(&o);
	assert_int_equal(typo.calls, 2);
	assert_int_equal(typo.last_attempt, 2);
	ussh_free(s);
}

static void test_key_passphrase_headless(void **state)
{
	(void)state;
	struct ussh_options o = opts_for(F.user);
	o.identity_file = F.client_key_enc;
	o.host_key_sha256 = host_fp;
	struct ussh *s = ussh_new(&o);
	char *cause = NULL;
	assert_int_equal(ussh_connect(s, &cause), USSH_ERR_AUTH);
	char *want = lf_asprintf("authentication failed for user %s on 127.0.0.1:%d: the server "
	                         "accepts publickey,password",
	                         F.user, F.port);
	assert_true(contains(cause, want));
	assert_true(contains(cause, "needs a passphrase, none was given"));
	ussh_free(s);

	/* The same with a headless callback that returns NULL. */
	struct pp_script none = { 0 };
	o.passphrase = scripted_passphrase;
	o.passphrase_user = &none;
	s = ussh_new(&o);
	assert_int_equal(ussh_connect(s, &cause), USSH_ERR_AUTH);
	assert_true(contains(cause, "needs a passphrase, none was given"));
	assert_true(none.calls >= 1);
	assert_string_equal(none.last_key, F.client_key_enc);
	free(want);
	free(cause);
	ussh_free(s);
}

static void test_key_file_missing(void **state)
{
	(void)state;
	struct ussh_options o = opts_for(F.user);
	o.identity_file = "/nonexistent/id_ed25519";
	o.host_key_sha256 = host_fp;
	struct ussh *s = ussh_new(&o);
	char *cause = NULL;
	assert_int_equal(ussh_connect(s, &cause), USSH_ERR_CONFIG);
	assert_true(contains(cause, "/nonexistent/id_ed25519"));
	free(cause);
	ussh_free(s);
}

static void test_password_auth(void **state)
{
	(void)state;
	struct events *evs = events_new();
	struct ussh_options o = opts_for(F.user);
	o.identity_file = NULL;
	o.password = F.password;
	o.host_key_sha256 = host_fp;
	o.events = evs;
	struct ussh *s = connect_ok(&o);
	char *u = remote_user(s);
	assert_string_equal(u, F.user);
	free(u);
	ussh_free(s);

	o.password = "not-the-password-7f3a";
	s = ussh_new(&o);
	char *cause = NULL;
	assert_int_equal(ussh_connect(s, &cause), USSH_ERR_AUTH);
	char *want = lf_asprintf("authentication failed for user %s on 127.0.0.1:%d: the server "
	                         "accepts publickey,password",
	                         F.user, F.port);
	assert_true(contains(cause, want));
	assert_true(contains(cause, "password (refused)"));
	assert_false(contains(cause, "not-the-password-7f3a"));
	free(want);
	free(cause);
	ussh_free(s);
	events_free(evs);
}

static void test_password_auth_disabled_on_server(void **state)
{
	(void)state;
	char *cause = NULL;
	if (sshd_fixture_start(&F, false, &cause) != 0)
		fail_msg("restart sshd: %s", cause);
	struct ussh_options o = opts_for(F.user);
	o.identity_file = NULL;
	o.password = F.password;
	o.host_key_sha256 = host_fp;
	struct ussh *s = ussh_new(&o);
	enum ussh_status st = ussh_connect(s, &cause);
	ussh_free(s);
	char *want = lf_asprintf("authentication failed for user %s on 127.0.0.1:%d: the server "
	                         "accepts publickey;",
	                         F.user, F.port);
	bool ok = st == USSH_ERR_AUTH && contains(cause, want) &&
	          contains(cause, "does not take passwords");
	char *msg = lf_xstrdup(cause ? cause : "");
	free(want);
	free(cause);
	cause = NULL;
	if (sshd_fixture_start(&F, true, &cause) != 0)
		fail_msg("restart sshd: %s", cause);
	if (!ok)
		fail_msg("got %s: %s", ussh_status_name(st), msg);
	free(msg);
}

static void test_agent_auth(void **state)
{
	(void)state;
	char *sock = lf_asprintf("%s/agent.sock", F.dir);
	unlink(sock);
	pid_t agent = fork();
	assert_true(agent >= 0);
	if (agent == 0) {
		int null = open("/dev/null", O_RDWR);
		dup2(null, 0);
		dup2(null, 1);
		execlp("ssh-agent", "ssh-agent", "-D", "-a", sock, (char *)NULL);
		_exit(127);
	}
	struct stat sb;
	for (int i = 0; i < 100 && stat(sock, &sb) != 0; i++)
		usleep(50 * 1000);
	setenv("SSH_AUTH_SOCK", sock, 1);
	const char *const add[] = { "ssh-add", "-q", F.client_key, NULL };
	char *out = NULL;
	int rc = fixture_run(add, NULL, &out);
	if (rc != 0)
		fail_msg("ssh-add: %s", out);
	free(out);

	/* No key file, no password: only the agent holds the key. */
	struct ussh_options o = opts_for(F.user);
	o.identity_file = NULL;
	o.host_key_sha256 = host_fp;
	struct ussh *s = connect_ok(&o);
	char *u = remote_user(s);
	assert_string_equal(u, F.user);
	free(u);
	ussh_free(s);

	kill(agent, SIGTERM);
	waitpid(agent, NULL, 0);
	unsetenv("SSH_AUTH_SOCK");
	free(sock);
}

static void test_ssh_config_alias(void **state)
{
	(void)state;
	char *cfg = lf_asprintf("%s/.ssh/config", F.home);
	char *text = lf_asprintf("Host lf-alias\n"
	                         "    HostName 127.0.0.1\n"
	                         "    Port %d\n"
	                         "    User %s\n"
	                         "    IdentityFile %s\n"
	                         "\n"
	                         "Host lf-alias-wrong-port\n"
	                         "    HostName 127.0.0.1\n"
	                         "    Port 1\n"
	                         "    User %s\n"
	                         "\n"
	                         "Host lf-alias-enc\n"
	                         "    HostName 127.0.0.1\n"
	                         "    Port %d\n"
	                         "    User %s\n"
	                         "    IdentityFile %s\n",
	                         F.port, F.user, F.client_key, F.nopw_user, F.port, F.nopw_user,
	                         F.client_key_enc);
	write_file(cfg, text);

	/* Host alias: HostName, Port, User and IdentityFile from the file. */
	struct ussh_options o = { .host = "lf-alias", .host_key_sha256 = host_fp,
		                  .timeout_ms = 15000 };
	struct ussh *s = connect_ok(&o);
	char *target = lf_asprintf("%s@127.0.0.1:%d", F.user, F.port);
	assert_string_equal(ussh_target(s), target);
	char *u = remote_user(s);
	assert_string_equal(u, F.user);
	free(u);
	free(target);
	ussh_free(s);

	/* A port and user given by the caller win over the file's. */
	struct ussh_options o2 = opts_for(F.user);
	o2.host = "lf-alias-wrong-port";
	o2.host_key_sha256 = host_fp;
	s = connect_ok(&o2);
	u = remote_user(s);
	assert_string_equal(u, F.user);
	free(u);
	ussh_free(s);

	/* An encrypted IdentityFile of the config: its passphrase is asked
	 * through the same callback, naming that key. */
	struct pp_script pp = { .answers = { SSHD_FIXTURE_PASSPHRASE } };
	struct ussh_options o3 = { .host = "lf-alias-enc", .host_key_sha256 = host_fp,
		                   .timeout_ms = 15000, .passphrase = scripted_passphrase,
		                   .passphrase_user = &pp };
	s = connect_ok(&o3);
	assert_int_equal(pp.calls, 1);
	assert_string_equal(pp.last_key, F.client_key_enc);
	u = remote_user(s);
	assert_string_equal(u, F.nopw_user);
	free(u);
	ussh_free(s);
	free(text);
	free(cfg);
}

/* ---- commands ------------------------------------------------------------ */

static void test_exec_hostile_arguments(void **state)
{
	(void)state;
	static const char *const hostile[] = {
		"", " ", "a b", "  two  spaces  ", "'", "\"", "''", "it's", "\"'\"'",
		"$(id)", "`id`", "${HOME}", "$HOME", "$", "$$", ";", "a;b", "; rm -rf /tmp/x",
		"&&", "||", "|", ">", ">>/tmp/x", "<", "*", "?", "[a]", "~", "~root", "{a,b}",
		"!", "!!", "#", "#comment", "\\", "\\n", "\n", "line1\nline2\n", "\t", "-n", "--",
		"-e", "=x", "x=y", "%s", "%%", "\xc3\xa9t\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac",
		"a'b\"c$d`e\\f", "\r", "trailing\\", NULL,
	};
	size_t n = 0;
	while (hostile[n])
		n++;
	const char **argv = lf_xcalloc(n + 3, sizeof *argv);
	argv[0] = "printf";
	argv[1] = "%s\\0";
	size_t want_len = 0;
	for (size_t i = 0; i < n; i++) {
		argv[i + 2] = hostile[i];
		want_len += strlen(hostile[i]) + 1;
	}
	char *want = lf_xmalloc(want_len + 1), *p = want;
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(hostile[i]);
		memcpy(p, hostile[i], l + 1);
		p += l + 1;
	}
	struct ussh *s = session_as(F.user, NULL, NULL);
	struct ussh_result r = run(s, argv, NULL, 0);
	assert_int_equal(r.exit_status, 0);
	assert_string_equal(r.err, "");
	assert_int_equal(r.out_len, want_len);
	assert_memory_equal(r.out, want, want_len);
	ussh_result_free(&r);
	ussh_free(s);
	free(want);
	free(argv);
}

static void test_exec_stdin(void **state)
{
	(void)state;
	struct ussh *s = session_as(F.user, NULL, NULL);
	static const char *const two[] = { "sh", "-c", "read a; read b; echo \"$b-$a\"", NULL };
	struct ussh_result r = run(s, two, "one\ntwo\n", 8);
	assert_string_equal(r.out, "two-one\n");
	ussh_result_free(&r);

	/* Binary, NULs included, bigger than any window: written as the
	 * window opens while the echo is read back. */
	size_t len = 3u << 20;
	char *data = lf_xmalloc(len);
	uint32_t x = 2463534242u;
	for (size_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		data[i] = (char)(x & 0xff);
	}
	static const char *const cat[] = { "cat", NULL };
	r = run(s, cat, data, len);
	assert_int_equal(r.exit_status, 0);
	assert_int_equal(r.out_len, len);
	assert_memory_equal(r.out, data, len);
	ussh_result_free(&r);
	free(data);
	ussh_free(s);
}

static void test_exec_status_and_stderr(void **state)
{
	(void)state;
	struct ussh *s = session_as(F.user, NULL, NULL);
	static const char *const argv[] = { "sh", "-c", "echo out; echo err >&2; exit 7", NULL };
	struct ussh_result r = run(s, argv, NULL, 0);
	assert_int_equal(r.exit_status, 7);
	assert_string_equal(r.out, "out\n");
	assert_string_equal(r.err, "err\n");
	assert_string_equal(r.signal, "");
	char *cause = NULL;
	assert_int_equal(ussh_result_check(s, argv, &r, &cause), USSH_ERR_REMOTE);
	assert_true(contains(cause, "exit status 7"));
	assert_true(contains(cause, ": err"));
	ussh_result_free(&r);

	/* The login shell runs the command line; killing it is what makes
	 * sshd report a signal rather than an exit status of 143. */
	static const char *const killed[] = { "sh", "-c", "kill -TERM $PPID", NULL };
	r = run(s, killed, NULL, 0);
	assert_int_equal(r.exit_status, -1);
	assert_string_equal(r.signal, "TERM");
	assert_int_equal(ussh_result_check(s, killed, &r, &cause), USSH_ERR_REMOTE);
	assert_true(contains(cause, "signal TERM"));
	ussh_result_free(&r);

	static const char *const ok[] = { "true", NULL };
	r = run(s, ok, NULL, 0);
	assert_int_equal(r.exit_status, 0);
	assert_int_equal(ussh_result_check(s, ok, &r, &cause), USSH_OK);
	ussh_result_free(&r);
	free(cause);
	ussh_free(s);
}

static void test_exec_timeout(void **state)
{
	(void)state;
	struct ussh *s = session_as(F.user, NULL, NULL);
	static const char *const argv[] = { "sleep", "30", NULL };
	struct ussh_result r = { 0 };
	char *cause = NULL;
	long long t0 = lf_now_ms();
	enum ussh_status st = ussh_exec(s, argv, &(struct ussh_exec_opts){ .timeout_ms = 700 }, &r,
	                                &cause);
	long long took = lf_now_ms() - t0;
	assert_int_equal(st, USSH_ERR_TIMEOUT);
	assert_true(ussh_status_retryable(st));
	assert_true(contains(cause, "sleep 30"));
	assert_true(took < 5000);
	/* sshd delivered the KILL: no `sleep 30` of this user is left. */
	lf_sleep_ms(300);
	char *pat = lf_asprintf("%s", F.user);
	const char *const pgrep[] = { "ps", "-u", pat, "-o", "args=", NULL };
	char *procs = NULL;
	fixture_run(pgrep, NULL, &procs);
	assert_false(contains(procs, "sleep 30"));
	free(procs);
	free(pat);
	/* The session is still good. */
	char *u = remote_user(s);
	assert_string_equal(u, F.user);
	free(u);
	free(cause);
	ussh_free(s);
}

struct cutter {
	long delay_ms;
	int killed;
};

static void *cut_connections(void *arg)
{
	struct cutter *c = arg;
	lf_sleep_ms(c->delay_ms);
	c->killed = sshd_fixture_kill_sessions(&F);
	return NULL;
}

static void test_connection_cut_mid_command(void **state)
{
	(void)state;
	struct ussh *s = session_as(F.user, NULL, NULL);
	struct cutter c = { .delay_ms = 800 };
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, cut_connections, &c), 0);
	static const char *const argv[] = { "sleep", "30", NULL };
	struct ussh_result r = { 0 };
	char *cause = NULL;
	long long t0 = lf_now_ms();
	enum ussh_status st = ussh_exec(s, argv, &(struct ussh_exec_opts){ .timeout_ms = 20000 },
	                                &r, &cause);
	long long took = lf_now_ms() - t0;
	pthread_join(th, NULL);
	assert_true(c.killed > 0);
	if (st != USSH_ERR_CONNECT)
		fail_msg("got %s: %s", ussh_status_name(st), cause);
	assert_true(ussh_status_retryable(st));
	assert_true(contains(cause, "was lost while running `sleep 30`"));
	assert_true(took < 10000);

	/* The next call reconnects by itself (same host-key rules). */
	char *u = remote_user(s);
	assert_string_equal(u, F.user);
	free(u);

	/* Server gone altogether: the connection is found dead, then refused;
	 * both retryable. */
	assert_true(sshd_fixture_kill_sessions(&F) > 0);
	sshd_fixture_stop(&F);
	static const char *const t[] = { "true", NULL };
	st = ussh_exec(s, t, NULL, &r, &cause);
	if (st == USSH_OK)
		ussh_result_free(&r);
	assert_int_equal(st, USSH_ERR_CONNECT);
	st = ussh_exec(s, t, NULL, &r, &cause);
	assert_int_equal(st, USSH_ERR_CONNECT);
	char *want = lf_asprintf("cannot connect to 127.0.0.1:%d", F.port);
	assert_true(contains(cause, want));
	free(want);

	if (sshd_fixture_start(&F, true, &cause) != 0)
		fail_msg("restart sshd: %s", cause);
	u = remote_user(s);
	assert_string_equal(u, F.user);
	free(u);
	free(cause);
	ussh_free(s);
}

/* ---- files --------------------------------------------------------------- */

static void test_sftp_upload_modes(void **state)
{
	(void)state;
	struct ussh *s = session_as(F.user, NULL, NULL);
	char *cause = NULL;
	char *path = lf_asprintf("%s/secret.env", F.user_home);
	const char *v1 = "TOKEN=first\n";
	if (ussh_upload(s, path, v1, strlen(v1), 0600, &cause) != USSH_OK)
		fail_msg("upload: %s", cause);
	struct stat sb;
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	assert_int_equal(sb.st_uid, uid_of(F.user));
	char *got = read_or_empty(path);
	assert_string_equal(got, v1);
	free(got);

	/* Replaced in one step, with the new mode, exactly (0666 is wider
	 * than sshd's umask would let through). */
	const char *v2 = "TOKEN=second, longer than the first\n";
	if (ussh_upload(s, path, v2, strlen(v2), 0666, &cause) != USSH_OK)
		fail_msg("upload: %s", cause);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0666);
	got = read_or_empty(path);
	assert_string_equal(got, v2);
	free(got);
	assert_int_equal(count_entries(F.user_home, ".landfall-"), 0);

	/* Relative to the login directory; empty files too. */
	if (ussh_upload(s, "empty.txt", "", 0, 0640, &cause) != USSH_OK)
		fail_msg("upload: %s", cause);
	char *rel = lf_asprintf("%s/empty.txt", F.user_home);
	assert_int_equal(stat(rel, &sb), 0);
	assert_int_equal(sb.st_size, 0);
	assert_int_equal(sb.st_mode & 07777, 0640);
	free(rel);

	/* Where the user may not write: a clear error, nothing left over. */
	char *denied = lf_asprintf("%s/x.conf", F.root_dir);
	assert_int_equal(ussh_upload(s, denied, "x", 1, 0644, &cause), USSH_ERR_REMOTE);
	assert_true(contains(cause, "permission denied"));
	assert_true(contains(cause, F.root_dir));
	char *missing = lf_asprintf("%s/no/such/dir/x", F.user_home);
	assert_int_equal(ussh_upload(s, missing, "x", 1, 0644, &cause), USSH_ERR_REMOTE);
	assert_true(contains(cause, "no such file"));
	free(missing);
	free(denied);
	free(path);
	free(cause);
	ussh_free(s);
}

/* ---- sudo ---------------------------------------------------------------- */

static void test_sudo_nopasswd(void **state)
{
	(void)state;
	struct ussh *s = session_as(F.nopw_user, NULL, NULL);
	enum ussh_sudo_mode m = USSH_SUDO_UNKNOWN;
	char *cause = NULL;
	if (ussh_sudo_probe(s, &m, &cause) != USSH_OK)
		fail_msg("probe: %s", cause);
	assert_int_equal(m, USSH_SUDO_NOPASSWD);
	static const char *const argv[] = { "id", "-u", NULL };
	struct ussh_result r = { 0 };
	assert_int_equal(ussh_sudo(s, argv, NULL, &r, &cause), USSH_OK);
	assert_string_equal(r.out, "0\n");
	ussh_result_free(&r);
	/* stdin reaches the command. */
	static const char *const cat[] = { "cat", NULL };
	assert_int_equal(ussh_sudo(s, cat, &(struct ussh_exec_opts){ .input = "in\n",
	                                                               .input_len = 3 },
	                           &r, &cause),
	                 USSH_OK);
	assert_string_equal(r.out, "in\n");
	ussh_result_free(&r);
	free(cause);
	ussh_free(s);
}

struct ps_watch {
	const char *password;
	volatile bool stop;
	bool saw_sudo, saw_password;
	int samples;
};

/* Sample `ps -eo args` on this machine (which is also the remote one)
 * while the sudo command runs. */
static void *watch_ps(void *arg)
{
	struct ps_watch *w = arg;
	while (!w->stop) {
		static const char *const ps[] = { "ps", "-eo", "args", NULL };
		char *out = NULL;
		if (fixture_run(ps, NULL, &out) == 0) {
			w->samples++;
			if (strstr(out, "sudo -S -k -p"))
				w->saw_sudo = true;
			if (strstr(out, w->password))
				w->saw_password = true;
		}
		free(out);
		lf_sleep_ms(50);
	}
	return NULL;
}

struct event_log {
	char *all;
};

static void collect_events(const struct event *ev, void *user)
{
	struct event_log *l = user;
	char *n = lf_asprintf("%s%s\n", l->all ? l->all : "", ev->message ? ev->message : "");
	free(l->all);
	l->all = n;
}

static void test_sudo_password_never_visible(void **state)
{
	(void)state;
	struct events *evs = events_new();
	struct event_log log = { 0 };
	events_subscribe(evs, collect_events, &log);
	struct ussh *s = session_as(F.user, F.password, evs);
	enum ussh_sudo_mode m = USSH_SUDO_UNKNOWN;
	char *cause = NULL;
	if (ussh_sudo_probe(s, &m, &cause) != USSH_OK)
		fail_msg("probe: %s", cause);
	assert_int_equal(m, USSH_SUDO_PASSWORD);

	struct ps_watch w = { .password = F.password };
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, watch_ps, &w), 0);
	static const char *const argv[] = { "sh", "-c", "id -u; ps -eo args; sleep 1.5", NULL };
	struct ussh_result r = { 0 };
	enum ussh_status st = ussh_sudo(s, argv, NULL, &r, &cause);
	w.stop = true;
	pthread_join(th, NULL);
	if (st != USSH_OK)
		fail_msg("sudo: %s", cause);
	assert_int_equal(r.exit_status, 0);
	assert_true(strncmp(r.out, "0\n", 2) == 0);
	/* ps, run as root by sudo itself, saw sudo's command line: it has no
	 * password. The watcher here saw it too, many times. */
	assert_true(contains(r.out, "sudo -S -k -p  -- sh -c"));
	assert_false(contains(r.out, F.password));
	assert_false(contains(r.err, F.password));
	assert_true(w.samples > 3);
	assert_true(w.saw_sudo);
	assert_false(w.saw_password);
	ussh_result_free(&r);

	/* The password is consumed by sudo; the command's stdin is the
	 * caller's alone. */
	static const char *const cat[] = { "cat", NULL };
	st = ussh_sudo(s, cat, &(struct ussh_exec_opts){ .input = "payload\n", .input_len = 8 },
	               &r, &cause);
	assert_int_equal(st, USSH_OK);
	assert_string_equal(r.out, "payload\n");
	ussh_result_free(&r);

	/* Nor in a log line, nor in sshd's log. */
	assert_non_null(log.all);
	assert_true(contains(log.all, "sudo -S -k -p '' -- cat"));
	assert_false(contains(log.all, F.password));
	char *sshd_log = read_or_empty(F.log);
	assert_false(contains(sshd_log, F.password));
	free(sshd_log);
	free(log.all);
	free(cause);
	ussh_free(s);
	events_free(evs);
}

static void test_sudo_password_wrong_or_missing(void **state)
{
	(void)state;
	struct ussh *s = session_as(F.user, "not-the-password-91c2", NULL);
	char *cause = NULL;
	static const char *const argv[] = { "true", NULL };
	struct ussh_result r = { 0 };
	assert_int_equal(ussh_sudo(s, argv, NULL, &r, &cause), USSH_ERR_SUDO);
	char *want = lf_asprintf("refused the password of user %s", F.user);
	assert_true(contains(cause, want));
	assert_false(contains(cause, "not-the-password-91c2"));
	free(want);
	ussh_free(s);

	s = session_as(F.user, NULL, NULL);
	assert_int_equal(ussh_sudo(s, argv, NULL, &r, &cause), USSH_ERR_SUDO);
	assert_true(contains(cause, "asks user"));
	assert_true(contains(cause, "none was given"));
	free(cause);
	ussh_free(s);
}

static void test_sudo_install(void **state)
{
	(void)state;
	struct ussh *s = session_as(F.user, F.password, NULL);
	char *cause = NULL;
	char *dest = lf_asprintf("%s/app.conf", F.root_dir);
	const char *v1 = "secret = 1\n";
	if (ussh_sudo_install(s, dest, v1, strlen(v1), 0640, NULL, NULL, &cause) != USSH_OK)
		fail_msg("install: %s", cause);
	struct stat sb;
	assert_int_equal(stat(dest, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0640);
	assert_int_equal(sb.st_uid, 0);
	assert_int_equal(sb.st_gid, 0);
	char *got = read_or_empty(dest);
	assert_string_equal(got, v1);
	free(got);

	/* Replace it, another owner. */
	const char *v2 = "secret = 2\n";
	if (ussh_sudo_install(s, dest, v2, strlen(v2), 0600, F.nopw_user, "root", &cause) !=
	    USSH_OK)
		fail_msg("install: %s", cause);
	assert_int_equal(stat(dest, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0600);
	assert_int_equal(sb.st_uid, uid_of(F.nopw_user));
	got = read_or_empty(dest);
	assert_string_equal(got, v2);
	free(got);

	/* Nothing left behind, here or in the home directory. */
	assert_int_equal(count_entries(F.root_dir, "landfall"), 0);
	assert_int_equal(count_entries(F.user_home, ".landfall-upload"), 0);

	/* A failing install says why, and still cleans up. */
	char *bad = lf_asprintf("%s/missing-dir/app.conf", F.root_dir);
	assert_int_equal(ussh_sudo_install(s, bad, "x", 1, 0644, NULL, NULL, &cause),
	                 USSH_ERR_REMOTE);
	assert_true(contains(cause, "install"));
	assert_int_equal(count_entries(F.user_home, ".landfall-upload"), 0);
	free(bad);
	free(dest);
	free(cause);
	ussh_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_unknown_key_refused_headless, reset_home),
		cmocka_unit_test_setup(test_unknown_key_accepted_interactively, reset_home),
		cmocka_unit_test_setup(test_pin_accepts_and_records, reset_home),
		cmocka_unit_test_setup(test_wrong_pin_refused, reset_home),
		cmocka_unit_test_setup(test_config_cannot_disable_checking, reset_home),
		cmocka_unit_test_setup(test_key_auth, reset_home),
		cmocka_unit_test_setup(test_key_passphrase, reset_home),
		cmocka_unit_test_setup(test_key_passphrase_headless, reset_home),
		cmocka_unit_test_setup(test_key_file_missing, reset_home),
		cmocka_unit_test_setup(test_password_auth, reset_home),
		cmocka_unit_test_setup(test_password_auth_disabled_on_server, reset_home),
		cmocka_unit_test_setup(test_agent_auth, reset_home),
		cmocka_unit_test_setup(test_ssh_config_alias, reset_home),
		cmocka_unit_test_setup(test_exec_hostile_arguments, reset_home),
		cmocka_unit_test_setup(test_exec_stdin, reset_home),
		cmocka_unit_test_setup(test_exec_status_and_stderr, reset_home),
		cmocka_unit_test_setup(test_exec_timeout, reset_home),
		cmocka_unit_test_setup(test_sftp_upload_modes, reset_home),
		cmocka_unit_test_setup(test_sudo_nopasswd, reset_home),
		cmocka_unit_test_setup(test_sudo_password_never_visible, reset_home),
		cmocka_unit_test_setup(test_sudo_password_wrong_or_missing, reset_home),
		cmocka_unit_test_setup(test_sudo_install, reset_home),
		cmocka_unit_test_setup(test_changed_key_refused_even_with_pin, reset_home),
		cmocka_unit_test_setup(test_connection_cut_mid_command, reset_home),
	};
	/* LF_TEST_FILTER=test_exec* runs a subset while debugging. */
	const char *filter = getenv("LF_TEST_FILTER");
	if (filter && *filter)
		cmocka_set_test_filter(filter);
	return cmocka_run_group_tests_name("ssh", tests, group_setup, group_teardown);
}
