/* End-to-end tests of the ubuntu backend (backends/ubuntu/) against a real
 * OpenSSH sshd started for the run (tests/sshd_fixture.h), with the remote
 * side given a ROOT PREFIX (ubuntu_config.root_prefix, a test seam):
 *   - every file the backend reads or writes lives under ROOT (a fake
 *     /etc/os-release, /proc/cpuinfo and /proc/meminfo of a machine that
 *     meets the guide; /var/lib/docker mode 710);
 *   - ROOT/usr/bin holds RECORDING SHIMS, STAND-INS for docker, systemctl
 *     and sysctl (tests/shims/ubuntu/), which log their argv to
 *     ROOT/shim.log: no Docker engine, systemd or kernel setting can be
 *     used on the test machines;
 *   - the docker shim's `compose up -d` starts tests/ubuntu_standin_http.py,
 *     a STAND-IN answering like the ClearML endpoints on 8008/8080/8081
 *     shifted by a free port offset (ubuntu_config.port_offset).
 * Real: sshd, sudo (with a password), SFTP, sh, curl, ss, df, stat.
 * Needs root, like tests/test_ssh.c. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "engine.h"
#include "journal.h"
#include "sshd_fixture.h"
#include "ubuntu/ubuntu.h"

static struct sshd_fixture F;
static char *host_fp;
static char root[64];   /* the root prefix */
static char work[64];   /* state directories */
static int offset;      /* port offset of the HTTP stand-in */

#define REG_PASSWORD "Reg-pw\"$(touch /tmp/pwned);'x"
#define USER_PASSWORD "s3cr3t \"quoted\" $(id); `x` 'y'"

static const struct server_user users[] = {
	{ "support", "Support User", USER_PASSWORD, true },
	{ "alice", "Alice Example", "alice-pw-42", false },
};

/* ---- helpers -------------------------------------------------------------- */

static char *path_in(const char *rel)
{
	return lf_asprintf("%s%s", root, rel);
}

static char *read_rel(const char *rel)
{
	char *p = path_in(rel);
	char *t = lf_read_file(p, NULL, NULL);
	free(p);
	return t ? t : lf_xstrdup("");
}

static void write_rel(const char *rel, const char *text, unsigned mode)
{
	char *p = path_in(rel);
	char *dir = lf_xstrdup(p);
	*strrchr(dir, '/') = '\0';
	char *cause = NULL;
	if (lf_mkdir_p(dir, 0755, &cause) != 0 ||
	    lf_write_file_atomic(p, text, strlen(text), mode, &cause) != 0)
		fail_msg("%s: %s", p, cause);
	chmod(p, mode);
	free(dir);
	free(p);
}

static int count(const char *hay, const char *needle)
{
	int n = 0;
	for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

static bool port_free(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bool ok = bind(fd, (struct sockaddr *)&a, sizeof a) == 0;
	close(fd);
	return ok;
}

static mode_t mode_of(const char *rel)
{
	char *p = path_in(rel);
	struct stat st;
	int rc = stat(p, &st);
	free(p);
	return rc == 0 ? st.st_mode & 07777 : (mode_t)-1;
}

static void copy_shim(const char *name)
{
	char *src = lf_asprintf("%s/tests/shims/ubuntu/%s", LANDFALL_SOURCE_DIR, name);
	char *text = lf_read_file(src, NULL, NULL);
	if (!text)
		fail_msg("missing shim %s", src);
	char *rel = lf_asprintf("/usr/bin/%s", name);
	write_rel(rel, text, 0755);
	free(rel);
	free(text);
	free(src);
}

/* A fresh root prefix: the machine of the guide, with the shims. */
static void make_root(void)
{
	if (root[0]) {
		/* Stop a stand-in left running by an earlier scenario. */
		char *pid = read_rel("/var/lib/landfall-shims/http.pid");
		if (atoi(pid) > 0)
			kill(atoi(pid), SIGTERM);
		free(pid);
		fixture_rm_rf(root);
	}
	strcpy(root, "/tmp/lf-ubroot-XXXXXX");
	assert_non_null(mkdtemp(root));
	chmod(root, 0755);
	write_rel("/etc/os-release",
	          "PRETTY_NAME=\"Ubuntu 22.04.4 LTS\"\nNAME=\"Ubuntu\"\nVERSION_ID=\"22.04\"\n"
	          "ID=ubuntu\nID_LIKE=debian\n",
	          0644);
	char *cpu = lf_xstrdup("");
	for (int i = 0; i < 16; i++) {
		char *n = lf_asprintf("%sprocessor\t: %d\nmodel name\t: Test CPU\n\n", cpu, i);
		free(cpu);
		cpu = n;
	}
	write_rel("/proc/cpuinfo", cpu, 0644);
	free(cpu);
	write_rel("/proc/meminfo",
	          "MemTotal:       65856000 kB\nMemFree:        40000000 kB\n"
	          "MemAvailable:   50000000 kB\n",
	          0644);
	write_rel("/var/lib/docker/.keep", "", 0600);
	char *dd = path_in("/var/lib/docker");
	chmod(dd, 0710);
	free(dd);
	copy_shim("common.sh");
	copy_shim("docker");
	copy_shim("systemctl");
	copy_shim("sysctl");
	const char *py = access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
	char *conf = lf_asprintf("PYTHON=%s\nHTTP_STANDIN=%s/tests/ubuntu_standin_http.py\n"
	                         "PORT_OFFSET=%d\n",
	                         py, LANDFALL_SOURCE_DIR, offset);
	write_rel("/shim.conf", conf, 0644);
	free(conf);
}

static struct ubuntu_config config(void)
{
	return (struct ubuntu_config){
		.install_id = "ub-test",
		.host = "127.0.0.1",
		.port = F.port,
		.user = F.user, /* sudo asks this one for its password */
		.identity_file = F.client_key,
		.host_key_sha256 = host_fp,
		.sudo_password = F.password,
		.base_dir = "/opt/clearml",
		.docker_dir = "/var/lib/docker",
		.min_root_gb = 1, .min_docker_gb = 1, .min_data_gb = 1, .min_fileserver_gb = 1,
		.users = users,
		.nusers = 2,
		.registry = "registry.example.com",
		.registry_user = "clearml-customer",
		.registry_password = REG_PASSWORD,
		.backup_cron = true,
		.health_timeout_s = 20,
		.root_prefix = root,
		.port_offset = offset,
	};
}

/* Everything the events said, for the secret checks. */
static char *event_text;
static int done_events, cut_after;

static void collect(const struct event *ev, void *user)
{
	(void)user;
	char *n = lf_asprintf("%s%s %s %s %s\n", event_text ? event_text : "",
	                      event_kind_name(ev->kind), ev->action_id ? ev->action_id : "-",
	                      ev->status ? ev->status : "", ev->message ? ev->message : "");
	free(event_text);
	event_text = n;
	if (ev->kind == EV_DONE && ++done_events == cut_after) {
		/* The connection is cut: sshd and every session it served. */
		sshd_fixture_kill_sessions(&F);
		sshd_fixture_stop(&F);
	}
}

static void no_sleep(long ms, void *user)
{
	(void)ms;
	(void)user;
}

struct run {
	struct events *evs;
	void *session;
	struct plan plan;
	struct journal *j;
	char *state;
};

static void run_open(struct run *r, const struct ubuntu_config *c, const char *state_name)
{
	memset(r, 0, sizeof *r);
	r->evs = events_new();
	events_subscribe(r->evs, collect, NULL);
	char *cause = NULL;
	if (ubuntu_backend.open(c, r->evs, &r->session, &cause) != 0)
		fail_msg("open: %s", cause);
	if (ubuntu_backend.plan(c, &r->plan, &cause) != 0)
		fail_msg("plan: %s", cause);
	r->state = lf_asprintf("%s/%s", work, state_name);
	assert_int_equal(lf_mkdir_p(r->state, 0700, &cause), 0);
	r->j = journal_open(r->state, "ubuntu", c->install_id, &cause);
	if (!r->j)
		fail_msg("journal: %s", cause);
}

static void run_close(struct run *r)
{
	journal_free(r->j);
	plan_clear(&r->plan);
	ubuntu_backend.close(r->session);
	events_free(r->evs);
	free(r->state);
}

static enum engine_rc apply(struct run *r)
{
	struct engine_opts eo = { .max_attempts = 3, .base_delay_ms = 10, .sleep_ms = no_sleep };
	char *cause = NULL;
	enum engine_rc rc = engine_apply(&r->plan, r->j, r->session, r->evs, &eo, &cause);
	if (rc != ENGINE_OK)
		print_message("apply: %s\n", cause ? cause : "?");
	free(cause);
	return rc;
}

static char *journal_text(const struct run *r)
{
	char *t = lf_read_file(journal_path(r->j), NULL, NULL);
	return t ? t : lf_xstrdup("");
}

static void assert_no_secrets(const char *where, const char *text)
{
	const char *secrets[] = { REG_PASSWORD, USER_PASSWORD, "alice-pw-42", F.password };
	for (size_t i = 0; i < LF_ARRAY_LEN(secrets); i++)
		if (text && strstr(text, secrets[i]))
			fail_msg("a secret (#%zu) appears in %s", i, where);
}

/* ---- group setup ------------------------------------------------------------ */

static int group_setup(void **state)
{
	(void)state;
	char *cause = NULL;
	if (sshd_fixture_setup(&F, &cause) != 0 || sshd_fixture_start(&F, true, &cause) != 0) {
		print_error("sshd fixture: %s\n", cause ? cause : "?");
		sshd_fixture_teardown(&F);
		return -1;
	}
	host_fp = sshd_fixture_fingerprint(&F);
	setenv("HOME", F.home, 1);
	unsetenv("SSH_AUTH_SOCK");
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	for (int tries = 0; tries < 50 && !offset; tries++) {
		int o = 20000 + rand() % 30000;
		if (port_free(8008 + o) && port_free(8080 + o) && port_free(8081 + o))
			offset = o;
	}
	if (!offset) {
		print_error("no free ports for the HTTP stand-in\n");
		return -1;
	}
	strcpy(work, "/tmp/lf-ubwork-XXXXXX");
	if (!mkdtemp(work))
		return -1;
	print_message("sshd on 127.0.0.1:%d, user %s, port offset %d\n", F.port, F.user, offset);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	if (root[0]) {
		char *pid = read_rel("/var/lib/landfall-shims/http.pid");
		if (atoi(pid) > 0)
			kill(atoi(pid), SIGTERM);
		free(pid);
		fixture_rm_rf(root);
	}
	fixture_rm_rf(work);
	sshd_fixture_teardown(&F);
	free(host_fp);
	free(event_text);
	return 0;
}

/* ---- host keys ---------------------------------------------------------------- */

static void test_unknown_host_key_needs_pin(void **state)
{
	(void)state;
	char *kh = lf_asprintf("%s/.ssh/known_hosts", F.home);
	unlink(kh);
	free(kh);
	make_root();
	struct ubuntu_config c = config();
	c.host_key_sha256 = NULL;
	struct events *evs = events_new();
	void *s = NULL;
	char *cause = NULL;
	assert_int_equal(ubuntu_backend.open(&c, evs, &s, &cause), -1);
	assert_null(s);
	assert_non_null(strstr(cause, host_fp));
	assert_non_null(strstr(cause, "ubuntu.ssh"));
	assert_non_null(strstr(cause, "host_key:"));
	free(cause);
	/* A wrong pin is refused too. */
	c.host_key_sha256 = "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
	cause = NULL;
	assert_int_equal(ubuntu_backend.open(&c, evs, &s, &cause), -1);
	free(cause);
	/* The right one connects. */
	c.host_key_sha256 = host_fp;
	cause = NULL;
	if (ubuntu_backend.open(&c, evs, &s, &cause) != 0)
		fail_msg("open: %s", cause);
	ubuntu_backend.close(s);
	events_free(evs);
}

/* ---- checks ------------------------------------------------------------------- */

static const struct check_result *find_check(const struct check_list *cl, const char *id)
{
	for (size_t i = 0; i < cl->n; i++)
		if (strcmp(cl->items[i].id, id) == 0)
			return &cl->items[i];
	fail_msg("no check %s", id);
	return NULL;
}

static void test_checks_fresh_host(void **state)
{
	(void)state;
	make_root();
	struct ubuntu_config c = config();
	struct events *evs = events_new();
	void *s = NULL;
	char *cause = NULL;
	if (ubuntu_backend.open(&c, evs, &s, &cause) != 0)
		fail_msg("open: %s", cause);
	struct check_list cl = { 0 };
	assert_int_equal(ubuntu_backend.check(s, &cl, &cause), 0);
	for (size_t i = 0; i < cl.n; i++)
		print_message("  %-24s %-7s %s\n", cl.items[i].id,
		              check_status_name(cl.items[i].status), cl.items[i].reason);
	const char *ok[] = { "ubuntu.sudo", "ubuntu.os", "ubuntu.cpu", "ubuntu.memory",
		             "ubuntu.memory_free", "ubuntu.docker_dir_mode", "ubuntu.ports",
		             "ubuntu.docker", "ubuntu.compose", "ubuntu.existing", "ubuntu.curl" };
	for (size_t i = 0; i < LF_ARRAY_LEN(ok); i++)
		assert_int_equal(find_check(&cl, ok[i])->status, CHECK_OK);
	/* The prefix directories are not mount points: warnings with a hint. */
	const struct check_result *d = find_check(&cl, "ubuntu.disk.data");
	assert_int_equal(d->status, CHECK_WARNING);
	assert_non_null(d->hint);
	assert_int_not_equal(check_list_worst(&cl), CHECK_FAILED);
	check_list_clear(&cl);

	/* A docker directory open to others fails, with the guide's 710. */
	char *dd = path_in("/var/lib/docker");
	chmod(dd, 0755);
	assert_int_equal(ubuntu_backend.check(s, &cl, &cause), 0);
	assert_int_equal(find_check(&cl, "ubuntu.docker_dir_mode")->status, CHECK_FAILED);
	chmod(dd, 0710);
	free(dd);
	check_list_clear(&cl);
	ubuntu_backend.close(s);
	events_free(evs);
}

/* ---- apply, again, destroy ------------------------------------------------------ */

static void test_apply_again_destroy(void **state)
{
	(void)state;
	make_root();
	struct ubuntu_config c = config();
	struct run r;
	run_open(&r, &c, "first");
	assert_int_equal(apply(&r), ENGINE_OK);
	assert_int_equal(journal_count(r.j, "done"), (int)r.plan.n);

	/* Files under the prefix, with their modes and content. */
	char *conf = read_rel("/opt/clearml/config/onprem_poc/apiserver.conf");
	assert_int_equal(mode_of("/opt/clearml/config/onprem_poc/apiserver.conf"), 0600);
	assert_non_null(strstr(conf, "username: \"support\""));
	assert_non_null(strstr(conf, "username: \"alice\""));
	assert_non_null(strstr(conf, "password: \"s3cr3t \\\"quoted\\\" $(id); `x` 'y'\""));
	assert_non_null(strstr(conf, "password: \"alice-pw-42\""));
	free(conf);
	/* The server's own signing secrets: random, 0600, never the defaults. */
	char *secure = read_rel("/opt/clearml/config/onprem_poc/secure.conf");
	assert_int_equal(mode_of("/opt/clearml/config/onprem_poc/secure.conf"), 0600);
	assert_non_null(strstr(secure, "token_secret: \""));
	assert_true(strlen(strstr(secure, "token_secret: \"") + 15) > 43);
	char *env = read_rel("/opt/clearml/constants.env");
	assert_non_null(strstr(env, "WEBSERVER_URL_FOR_EXTERNAL_WORKERS=http://127.0.0.1:8080"));
	free(env);
	assert_int_equal(mode_of("/opt/clearml/constants.env"), 0644);
	assert_int_equal(mode_of("/opt/clearml/docker-compose.yml"), 0644);
	assert_int_equal(mode_of("/opt/clearml/docker-compose.override.yml"), 0644);
	char *sc = read_rel("/etc/sysctl.d/99-clearml.conf");
	assert_non_null(strstr(sc, "vm.max_map_count=262144\n"));
	assert_non_null(strstr(sc, "vm.overcommit_memory=1\n"));
	assert_non_null(strstr(sc, "fs.inotify.max_user_instances=256\n"));
	free(sc);
	char *unit = read_rel("/etc/systemd/system/disable-thp.service");
	assert_non_null(strstr(unit, "transparent_hugepage/enabled"));
	free(unit);
	char *cron = read_rel("/etc/cron.d/clearml");
	assert_non_null(strstr(cron, "docker container prune --force --filter \"until=96h\""));
	free(cron);
	struct stat st;
	char *es = path_in("/opt/clearml/data/elastic7plus");
	assert_int_equal(stat(es, &st), 0);
	assert_int_equal(st.st_uid, 1000);
	assert_int_equal(st.st_gid, 1000);
	free(es);
	char *fsd = path_in("/opt/clearml/data/fileserver");
	assert_int_equal(stat(fsd, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	free(fsd);

	/* What the shims recorded. */
	char *log = read_rel("/shim.log");
	char *sysctl_p = lf_asprintf("sysctl [-p] [%s/etc/sysctl.d/99-clearml.conf]", root);
	assert_int_equal(count(log, sysctl_p), 1);
	assert_int_equal(count(log, "systemctl [daemon-reload]"), 1);
	assert_int_equal(count(log, "systemctl [enable] [disable-thp]"), 1);
	assert_int_equal(count(log, "systemctl [start] [disable-thp]"), 1);
	assert_int_equal(count(log, "docker [login] [--username] [clearml-customer] "
	                            "[--password-stdin] [registry.example.com]"),
	                 1);
	assert_int_equal(count(log, "login: password of 29 bytes on stdin"), 1);
	assert_int_equal(count(log, "docker [compose] [--env-file] [constants.env] [up] [-d]"), 1);
	char *up_in = lf_asprintf("compose up in %s/opt/clearml\n", root);
	assert_int_equal(count(log, up_in), 1);
	free(up_in);
	/* Secrets: not in any recorded argv, not in ps, not in the events or
	 * the journal. */
	assert_no_secrets("the shim log", log);
	char *ps = read_rel("/ps-during-login.txt");
	assert_non_null(strstr(ps, "--password-stdin"));
	assert_no_secrets("ps during docker login", ps);
	free(ps);
	assert_no_secrets("the events", event_text);
	char *jt = journal_text(&r);
	assert_no_secrets("the journal", jt);
	free(jt);
	/* Outputs. */
	json_t *outs = journal_outputs(r.j);
	char *od = json_dumps(outs, 0);
	assert_non_null(strstr(od, "health_apiserver"));
	assert_non_null(strstr(od, "http://127.0.0.1:8080"));
	assert_non_null(strstr(od, "/opt/clearml/logs"));
	free(od);

	/* The same journal again: nothing runs. */
	assert_int_equal(apply(&r), ENGINE_OK);
	char *log2 = read_rel("/shim.log");
	assert_string_equal(log, log2);
	free(log2);

	/* A new journal over the finished host: everything is found. */
	struct run r2;
	run_open(&r2, &c, "second");
	char *before = path_in("/opt/clearml/config/onprem_poc/apiserver.conf");
	struct stat st1, st2;
	assert_int_equal(stat(before, &st1), 0);
	assert_int_equal(apply(&r2), ENGINE_OK);
	assert_int_equal(stat(before, &st2), 0);
	assert_int_equal(st1.st_ino, st2.st_ino); /* not rewritten */
	free(before);
	char *secure2 = read_rel("/opt/clearml/config/onprem_poc/secure.conf");
	assert_string_equal(secure, secure2); /* kept: new ones would log everyone out */
	free(secure2);
	free(secure);
	log2 = read_rel("/shim.log");
	assert_int_equal(count(log2, sysctl_p), 1);
	assert_int_equal(count(log2, "systemctl [enable] [disable-thp]"), 1);
	assert_int_equal(count(log2, "[up] [-d]"), 1);
	free(log2);
	/* The checks now see the installation, running: warnings, no failure. */
	struct check_list cl = { 0 };
	char *cause = NULL;
	assert_int_equal(ubuntu_backend.check(r2.session, &cl, &cause), 0);
	assert_int_equal(find_check(&cl, "ubuntu.existing")->status, CHECK_WARNING);
	assert_non_null(find_check(&cl, "ubuntu.existing")->hint);
	assert_int_not_equal(check_list_worst(&cl), CHECK_FAILED);
	check_list_clear(&cl);
	run_close(&r2);

	/* Destroy: containers down, data and configuration kept. */
	struct engine_opts eo = { .max_attempts = 3, .base_delay_ms = 10, .sleep_ms = no_sleep };
	assert_int_equal(engine_destroy(&r.plan, r.j, r.session, r.evs, &eo, &cause), ENGINE_OK);
	log2 = read_rel("/shim.log");
	assert_int_equal(count(log2, "docker [compose] [--env-file] [constants.env] [down]"), 1);
	assert_int_equal(count(log2, "systemctl [disable] [disable-thp]"), 1);
	assert_int_equal(count(log2, "docker [logout] [registry.example.com]"), 1);
	free(log2);
	assert_int_equal(mode_of("/opt/clearml/config/onprem_poc/apiserver.conf"), 0600);
	assert_int_not_equal(mode_of("/opt/clearml/data/elastic7plus"), (mode_t)-1);
	assert_int_equal(mode_of("/etc/sysctl.d/99-clearml.conf"), (mode_t)-1);
	assert_int_equal(mode_of("/etc/cron.d/clearml"), (mode_t)-1);
	char *pid = read_rel("/var/lib/landfall-shims/http.pid");
	assert_string_equal(pid, ""); /* the stand-in services were stopped */
	free(pid);
	assert_string_equal(journal_status(r.j, "directories"), "kept");

	/* destroy --purge comes back for what was kept, and deletes it. */
	eo.purge = true;
	assert_int_equal(engine_destroy(&r.plan, r.j, r.session, r.evs, &eo, &cause), ENGINE_OK);
	assert_int_equal(mode_of("/opt/clearml/data/elastic7plus"), (mode_t)-1);
	assert_int_equal(mode_of("/opt/clearml"), (mode_t)-1);
	assert_string_equal(journal_status(r.j, "directories"), "undone");
	free(sysctl_p);
	free(log);
	run_close(&r);
}

/* ---- resume after the connection is cut ----------------------------------------- */

static void test_resume_after_cut(void **state)
{
	(void)state;
	make_root();
	struct ubuntu_config c = config();
	/* A base directory that needs quoting everywhere it goes. */
	c.base_dir = "/opt/clear ml;$(touch pwned)'q\"";
	struct run r;
	run_open(&r, &c, "cut");
	done_events = 0;
	cut_after = 4; /* after config-files: registry-login is in flight */
	assert_int_equal(apply(&r), ENGINE_FAILED);
	cut_after = 0;
	assert_int_equal(journal_count(r.j, "done"), 4);
	char *cause = NULL;
	if (sshd_fixture_start(&F, true, &cause) != 0)
		fail_msg("restart sshd: %s", cause);
	/* The session reconnects by itself, with the same host key checks. */
	assert_int_equal(apply(&r), ENGINE_OK);
	assert_int_equal(journal_count(r.j, "done"), (int)r.plan.n);
	char *log = read_rel("/shim.log");
	char *sysctl_p = lf_asprintf("sysctl [-p] [%s/etc/sysctl.d/99-clearml.conf]", root);
	assert_int_equal(count(log, sysctl_p), 1);
	assert_int_equal(count(log, "systemctl [enable] [disable-thp]"), 1);
	assert_int_equal(count(log, "docker [login]"), 1);
	assert_int_equal(count(log, "[up] [-d]"), 1);
	char *up_in = lf_asprintf("compose up in %s/opt/clear ml;$(touch pwned)'q\"\n", root);
	assert_int_equal(count(log, up_in), 1);
	free(up_in);
	assert_int_equal(mode_of("/opt/clear ml;$(touch pwned)'q\"/config/onprem_poc/apiserver.conf"),
	                 0600);
	char *yml = read_rel("/opt/clear ml;$(touch pwned)'q\"/docker-compose.yml");
	assert_non_null(strstr(yml, "\"/opt/clear ml;$$(touch pwned)'q\\\"/data/redis:/data\""));
	free(yml);
	/* Nothing ran the $(...) on either side. */
	char *pw1 = lf_asprintf("%s/pwned", F.user_home);
	assert_int_equal(access(pw1, F_OK), -1);
	assert_int_equal(access("/root/pwned", F_OK), -1);
	assert_int_equal(access("pwned", F_OK), -1);
	free(pw1);
	free(sysctl_p);
	free(log);
	struct engine_opts eo = { .max_attempts = 3, .base_delay_ms = 10, .sleep_ms = no_sleep };
	assert_int_equal(engine_destroy(&r.plan, r.j, r.session, r.evs, &eo, &cause), ENGINE_OK);
	log = read_rel("/shim.log");
	assert_int_equal(count(log, "[down]"), 1);
	free(log);
	run_close(&r);
}

/* ---- an earlier installation ------------------------------------------------------ */

static void test_existing_install_kept_or_removed(void **state)
{
	(void)state;
	make_root();
	write_rel("/opt/clearml/docker-compose.yml", "services: {}\n", 0644);
	write_rel("/opt/clearml/data/mongo_4/db/old-data", "precious\n", 0600);
	struct ubuntu_config c = config();
	/* Not confirmed: no removal in the plan, and the checks say so. */
	struct plan p = { 0 };
	char *cause = NULL;
	assert_int_equal(ubuntu_backend.plan(&c, &p, &cause), 0);
	assert_int_equal(plan_find(&p, "remove-existing"), -1);
	plan_clear(&p);

	/* Confirmed: the old containers go down, then the directory. */
	c.remove_existing = true;
	struct run r;
	run_open(&r, &c, "remove");
	struct check_list cl = { 0 };
	assert_int_equal(ubuntu_backend.check(r.session, &cl, &cause), 0);
	const struct check_result *e = find_check(&cl, "ubuntu.existing");
	assert_int_equal(e->status, CHECK_WARNING);
	assert_non_null(strstr(e->reason, "deleted"));
	check_list_clear(&cl);
	assert_int_equal(plan_find(&r.plan, "remove-existing"), 0);
	assert_int_equal(apply(&r), ENGINE_OK);
	assert_int_equal(mode_of("/opt/clearml/data/mongo_4/db/old-data"), (mode_t)-1);
	assert_int_not_equal(mode_of("/opt/clearml/data/mongo_4/db"), (mode_t)-1);
	char *log = read_rel("/shim.log");
	/* down (old installation) comes before up (the new one). */
	const char *down = strstr(log, "[down]");
	const char *up = strstr(log, "[up] [-d]");
	assert_non_null(down);
	assert_non_null(up);
	assert_true(down < up);
	free(log);
	struct engine_opts eo = { .max_attempts = 3, .base_delay_ms = 10, .sleep_ms = no_sleep };
	assert_int_equal(engine_destroy(&r.plan, r.j, r.session, r.evs, &eo, &cause), ENGINE_OK);
	run_close(&r);
}

/* ---- services that do not answer ---------------------------------------------------- */

static void test_health_fails_with_hint(void **state)
{
	(void)state;
	make_root();
	/* The docker shim starts no stand-in services: nothing answers. */
	write_rel("/shim.conf", "PORT_OFFSET=0\n", 0644);
	struct ubuntu_config c = config();
	c.health_timeout_s = 1;
	c.registry_user = NULL;
	struct run r;
	run_open(&r, &c, "health");
	free(event_text);
	event_text = NULL;
	assert_int_equal(apply(&r), ENGINE_FAILED);
	assert_string_equal(journal_status(r.j, "health"), "failed");
	assert_string_equal(journal_status(r.j, "compose-up"), "done");
	assert_non_null(strstr(event_text, "did not answer in time"));
	assert_non_null(strstr(event_text, "apiserver answers 0"));
	run_close(&r);
}

/* ---- the real binary ------------------------------------------------------------- */

/* `landfall apply --answers` and `landfall destroy`, as the user whose sudo
 * needs no password (the other scenarios use the one whose sudo asks). */
static void test_binary_apply_destroy(void **state)
{
	(void)state;
	const char *bin = getenv("LANDFALL_BIN");
	if (!bin)
		fail_msg("LANDFALL_BIN is not set (run under ctest)");
	make_root();
	char *answers = lf_asprintf("%s/answers.yaml", work);
	char *text = lf_asprintf(
		"version: 1\n"
		"target: ubuntu\n"
		"install:\n  name: ub-binary\n"
		"ubuntu:\n  ssh:\n    host: 127.0.0.1\n    port: %d\n    user: %s\n"
		"    identity_file: %s\n    host_key: \"%s\"\n"
		"  docker_dir: /var/lib/docker\n"
		"server:\n  base_dir: /opt/allegro\n"
		"  admin_users:\n"
		"    - username: support\n      name: Support User\n"
		"      password: {env: LF_UB_USERPW}\n      admin: true\n"
		"  registry:\n    username: clearml-customer\n    password: {env: LF_UB_REGPW}\n"
		"backup:\n  enabled: false\n",
		F.port, F.nopw_user, F.client_key, host_fp);
	char *cause = NULL;
	assert_int_equal(lf_write_file_atomic(answers, text, strlen(text), 0600, &cause), 0);
	setenv("LF_UB_USERPW", USER_PASSWORD, 1);
	setenv("LF_UB_REGPW", REG_PASSWORD, 1);
	setenv("LANDFALL_UBUNTU_ROOT_PREFIX", root, 1);
	char *off = lf_asprintf("%d", offset);
	setenv("LANDFALL_UBUNTU_PORT_OFFSET", off, 1);
	char *st = lf_asprintf("%s/binary-state", work);
	const char *argv[] = { bin, "apply", "--answers", answers, "--state", st, NULL };
	char *out = NULL;
	int rc = fixture_run(argv, NULL, &out);
	if (rc != 0)
		fail_msg("landfall apply exited %d:\n%s", rc, out);
	assert_no_secrets("landfall apply's output", out);
	free(out);
	char *p = lf_asprintf("%s/outputs.md", st);
	char *md = lf_read_file(p, NULL, NULL);
	assert_non_null(md);
	assert_non_null(strstr(md, "http://127.0.0.1:8080"));
	assert_non_null(strstr(md, "/opt/allegro/data"));
	free(md);
	free(p);
	p = lf_asprintf("%s/landfall.log", st);
	char *lg = lf_read_file(p, NULL, NULL);
	assert_no_secrets("landfall.log", lg);
	free(lg);
	free(p);
	assert_int_equal(mode_of("/opt/allegro/config/onprem_poc/apiserver.conf"), 0600);
	char *log = read_rel("/shim.log");
	assert_int_equal(count(log, "[up] [-d]"), 1);
	assert_no_secrets("the shim log", log);
	free(log);

	const char *dargv[] = { bin, "destroy", "--state", st, "--yes", NULL };
	rc = fixture_run(dargv, NULL, &out);
	if (rc != 0)
		fail_msg("landfall destroy exited %d:\n%s", rc, out);
	free(out);
	log = read_rel("/shim.log");
	assert_int_equal(count(log, "[down]"), 1);
	free(log);
	assert_int_equal(mode_of("/opt/allegro/config/onprem_poc/apiserver.conf"), 0600);
	unsetenv("LANDFALL_UBUNTU_ROOT_PREFIX");
	unsetenv("LANDFALL_UBUNTU_PORT_OFFSET");
	free(off);
	free(st);
	free(text);
	free(answers);
}

/* Last: the server's key changes. Refused whatever the pin says. */
static void test_changed_host_key_refused(void **state)
{
	(void)state;
	char *cause = NULL;
	if (sshd_fixture_new_host_key(&F, &cause) != 0)
		fail_msg("new host key: %s", cause);
	char *new_fp = sshd_fixture_fingerprint(&F);
	assert_non_null(new_fp);
	assert_string_not_equal(new_fp, host_fp);
	struct ubuntu_config c = config();
	c.host_key_sha256 = new_fp;
	struct events *evs = events_new();
	void *s = NULL;
	assert_int_equal(ubuntu_backend.open(&c, evs, &s, &cause), -1);
	assert_null(s);
	assert_non_null(strstr(cause, new_fp));
	free(cause);
	events_free(evs);
	free(new_fp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unknown_host_key_needs_pin),
		cmocka_unit_test(test_checks_fresh_host),
		cmocka_unit_test(test_apply_again_destroy),
		cmocka_unit_test(test_resume_after_cut),
		cmocka_unit_test(test_existing_install_kept_or_removed),
		cmocka_unit_test(test_health_fails_with_hint),
		cmocka_unit_test(test_binary_apply_destroy),
		cmocka_unit_test(test_changed_host_key_refused),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
