/* A real sshd for tests: see sshd_fixture.h. */
#include "sshd_fixture.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

#define SSHD_PATH "/usr/sbin/sshd"

int fixture_run(const char *const argv[], const char *input, char **out)
{
	int in_pipe[2], out_pipe[2];
	if (pipe(in_pipe) != 0)
		return -1;
	if (pipe(out_pipe) != 0) {
		close(in_pipe[0]);
		close(in_pipe[1]);
		return -1;
	}
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(in_pipe[0], 0);
		dup2(out_pipe[1], 1);
		dup2(out_pipe[1], 2);
		close(in_pipe[0]);
		close(in_pipe[1]);
		close(out_pipe[0]);
		close(out_pipe[1]);
		execvp(argv[0], (char *const *)argv);
		fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(in_pipe[0]);
	close(out_pipe[1]);
	/* Inputs are a line or two: they fit in the pipe, no deadlock. */
	if (input) {
		size_t len = strlen(input), off = 0;
		while (off < len) {
			ssize_t n = write(in_pipe[1], input + off, len - off);
			if (n <= 0)
				break;
			off += (size_t)n;
		}
	}
	close(in_pipe[1]);
	size_t cap = 4096, len = 0;
	char *buf = lf_xmalloc(cap);
	for (;;) {
		if (cap - len < 2)
			buf = lf_xrealloc(buf, cap *= 2);
		ssize_t n = read(out_pipe[0], buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	close(out_pipe[0]);
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (out)
		*out = buf;
	else
		free(buf);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

void fixture_rm_rf(const char *path)
{
	struct stat sb;
	if (lstat(path, &sb) != 0)
		return;
	if (S_ISDIR(sb.st_mode)) {
		DIR *d = opendir(path);
		if (d) {
			struct dirent *de;
			while ((de = readdir(d)) != NULL) {
				if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
					continue;
				char *p = lf_asprintf("%s/%s", path, de->d_name);
				fixture_rm_rf(p);
				free(p);
			}
			closedir(d);
		}
		rmdir(path);
	} else {
		unlink(path);
	}
}

static int run_ok(const char *const argv[], const char *input, char **cause)
{
	char *out = NULL;
	int rc = fixture_run(argv, input, &out);
	if (rc != 0) {
		lf_fail(cause, "%s failed (exit %d): %s", argv[0], rc, out ? out : "");
		free(out);
		return -1;
	}
	free(out);
	return 0;
}

static int write_text(const char *path, const char *text, mode_t mode, char **cause)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	if (fd < 0)
		return lf_fail(cause, "cannot create %s: %s", path, strerror(errno));
	size_t len = strlen(text);
	bool ok = write(fd, text, len) == (ssize_t)len;
	close(fd);
	chmod(path, mode);
	if (!ok)
		return lf_fail(cause, "cannot write %s", path);
	return 0;
}

static int keygen(const char *path, const char *passphrase, const char *comment, char **cause)
{
	unlink(path);
	char *pub = lf_asprintf("%s.pub", path);
	unlink(pub);
	free(pub);
	const char *const argv[] = { "ssh-keygen", "-q", "-t", "ed25519", "-N", passphrase,
		                     "-C", comment, "-f", path, NULL };
	return run_ok(argv, NULL, cause);
}

static int free_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof a;
	int port = -1;
	if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	close(fd);
	return port;
}

static bool port_accepts(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return false;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
		                 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	bool ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
	close(fd);
	return ok;
}

static bool have_program(const char *path)
{
	return access(path, X_OK) == 0;
}

static bool on_path(const char *name)
{
	const char *path = getenv("PATH");
	char *copy = lf_xstrdup(path ? path : "/usr/bin:/bin:/usr/sbin:/sbin");
	bool found = false;
	for (char *save = NULL, *d = strtok_r(copy, ":", &save); d && !found;
	     d = strtok_r(NULL, ":", &save)) {
		char *p = lf_asprintf("%s/%s", d, name);
		found = access(p, X_OK) == 0;
		free(p);
	}
	/* useradd and friends live in sbin, which a plain PATH may lack. */
	for (const char *d = "/usr/sbin"; !found && d; d = NULL) {
		char *p = lf_asprintf("%s/%s", d, name);
		found = access(p, X_OK) == 0;
		free(p);
	}
	free(copy);
	return found;
}

static void remove_user(const char *name)
{
	if (!name[0])
		return;
	const char *const argv[] = { "userdel", "-r", "-f", name, NULL };
	fixture_run(argv, NULL, NULL);
}

/* useradd can meet a lock held by a parallel test: try a few times. */
static int add_user(const char *name, const char *home, const char *password, char **cause)
{
	remove_user(name);
	const char *const argv[] = { "useradd", "-m", "-d", home, "-s", "/bin/sh", name, NULL };
	char *out = NULL;
	int rc = -1;
	for (int i = 0; i < 20 && rc != 0; i++) {
		free(out);
		out = NULL;
		rc = fixture_run(argv, NULL, &out);
		if (rc != 0)
			usleep(200 * 1000);
	}
	if (rc != 0) {
		lf_fail(cause, "useradd %s failed: %s", name, out ? out : "");
		free(out);
		return -1;
	}
	free(out);
	/* A password for both users: with UsePAM no, sshd refuses any login,
	 * even by key, to an account whose password is locked. */
	char *line = lf_asprintf("%s:%s\n", name, password);
	const char *const chpw[] = { "chpasswd", NULL };
	rc = run_ok(chpw, line, cause);
	free(line);
	return rc;
}

/* Users and sudoers files left by a run that was killed before its
 * teardown (their pid is in the name): remove those whose process is gone. */
static void sweep_stale(void)
{
	FILE *pw = fopen("/etc/passwd", "r");
	if (pw) {
		char line[512];
		while (fgets(line, sizeof line, pw)) {
			int pid;
			char name[64];
			if (sscanf(line, "lfssh%*2[pwn]%d:", &pid) == 1 && kill(pid, 0) != 0 &&
			    errno == ESRCH && sscanf(line, "%63[^:]", name) == 1)
				remove_user(name);
		}
		fclose(pw);
	}
	DIR *d = opendir("/etc/sudoers.d");
	if (d) {
		struct dirent *de;
		while ((de = readdir(d)) != NULL) {
			int pid;
			if (sscanf(de->d_name, "landfall-test-%d", &pid) == 1 && kill(pid, 0) != 0 &&
			    errno == ESRCH) {
				char *p = lf_asprintf("/etc/sudoers.d/%s", de->d_name);
				unlink(p);
				free(p);
			}
		}
		closedir(d);
	}
}

int sshd_fixture_setup(struct sshd_fixture *f, char **cause)
{
	memset(f, 0, sizeof *f);
	if (!have_program(SSHD_PATH))
		return lf_fail(cause, "%s is missing: install the openssh-server package",
		               SSHD_PATH);
	if (!on_path("ssh-keygen") || !on_path("ssh-agent") || !on_path("ssh-add"))
		return lf_fail(cause, "ssh-keygen, ssh-agent or ssh-add is missing: install the "
		               "openssh-client package");
	if (!on_path("sudo"))
		return lf_fail(cause, "sudo is missing: install the sudo package (apt-get install -y "
		               "sudo)");
	if (!on_path("ps"))
		return lf_fail(cause, "ps is missing: install the procps package");
	if (!on_path("useradd") || !on_path("chpasswd") || !on_path("userdel"))
		return lf_fail(cause, "useradd, chpasswd or userdel is missing: install the passwd "
		               "package");
	if (geteuid() != 0)
		return lf_fail(cause, "the sshd tests need root: they create local users with "
		               "useradd, a sudoers.d entry, and run sshd, which switches users");

	sweep_stale();
	snprintf(f->dir, sizeof f->dir, "/tmp/lf-sshd.XXXXXX");
	if (!mkdtemp(f->dir))
		return lf_fail(cause, "mkdtemp: %s", strerror(errno));
	chmod(f->dir, 0755);
	f->home = lf_asprintf("%s/home", f->dir);
	f->config = lf_asprintf("%s/sshd_config", f->dir);
	f->host_key = lf_asprintf("%s/ssh_host_ed25519_key", f->dir);
	f->authorized_keys = lf_asprintf("%s/authorized_keys", f->dir);
	f->client_key = lf_asprintf("%s/id_test", f->dir);
	f->client_key_enc = lf_asprintf("%s/id_enc", f->dir);
	f->log = lf_asprintf("%s/sshd.log", f->dir);
	f->root_dir = lf_asprintf("%s/root-only", f->dir);
	char *ssh_dir = lf_asprintf("%s/.ssh", f->home);
	mkdir(f->home, 0700);
	mkdir(ssh_dir, 0700);
	free(ssh_dir);
	mkdir(f->root_dir, 0755);

	/* Privilege separation directory, as the openssh-server service makes. */
	mkdir("/run/sshd", 0755);

	unsigned char rnd[12];
	if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
		return lf_fail(cause, "getrandom failed");
	/* Characters that need quoting in a shell, to catch a password that
	 * travels through one. */
	snprintf(f->password, sizeof f->password, "p'w $(x)%02x%02x%02x%02x%02x%02x", rnd[0],
	         rnd[1], rnd[2], rnd[3], rnd[4], rnd[5]);
	snprintf(f->user, sizeof f->user, "lfsshpw%d", (int)getpid());
	snprintf(f->nopw_user, sizeof f->nopw_user, "lfsshnp%d", (int)getpid());
	snprintf(f->user_home, sizeof f->user_home, "/home/%s", f->user);
	snprintf(f->nopw_home, sizeof f->nopw_home, "/home/%s", f->nopw_user);

	if (keygen(f->host_key, "", "landfall-test-host", cause) ||
	    keygen(f->client_key, "", "landfall-test-client", cause) ||
	    keygen(f->client_key_enc, SSHD_FIXTURE_PASSPHRASE, "landfall-test-enc", cause))
		return -1;
	char *pub1 = lf_asprintf("%s.pub", f->client_key);
	char *pub2 = lf_asprintf("%s.pub", f->client_key_enc);
	char *k1 = lf_read_file(pub1, NULL, cause);
	char *k2 = k1 ? lf_read_file(pub2, NULL, cause) : NULL;
	free(pub1);
	free(pub2);
	if (!k1 || !k2) {
		free(k1);
		return -1;
	}
	char *keys = lf_asprintf("%s%s", k1, k2);
	free(k1);
	free(k2);
	int rc = write_text(f->authorized_keys, keys, 0644, cause);
	free(keys);
	if (rc)
		return -1;

	f->users_created = true;
	if (add_user(f->user, f->user_home, f->password, cause) ||
	    add_user(f->nopw_user, f->nopw_home, f->password, cause))
		return -1;
	f->sudoers = lf_asprintf("/etc/sudoers.d/landfall-test-%d", (int)getpid());
	char *rules = lf_asprintf("# Landfall ssh tests; removed when they end.\n"
	                          "%s ALL=(ALL:ALL) ALL\n"
	                          "%s ALL=(ALL:ALL) NOPASSWD: ALL\n",
	                          f->user, f->nopw_user);
	rc = write_text(f->sudoers, rules, 0440, cause);
	free(rules);
	if (rc)
		return -1;
	const char *const visudo[] = { "visudo", "-c", "-q", "-f", f->sudoers, NULL };
	if (on_path("visudo") && run_ok(visudo, NULL, cause))
		return -1;
	return 0;
}

static int write_config(struct sshd_fixture *f, char **cause)
{
	char *text = lf_asprintf(
		"# sshd for Landfall's tests, one per run.\n"
		"ListenAddress 127.0.0.1\n"
		"Port %d\n"
		"HostKey %s\n"
		"PidFile %s/sshd.pid\n"
		"AuthorizedKeysFile %s\n"
		"PubkeyAuthentication yes\n"
		"PasswordAuthentication %s\n"
		"KbdInteractiveAuthentication no\n"
		"PermitRootLogin no\n"
		"UsePAM no\n"
		"StrictModes no\n"
		"AllowUsers %s %s\n"
		"MaxAuthTries 10\n"
		"LogLevel VERBOSE\n"
		"Subsystem sftp internal-sftp\n",
		f->port, f->host_key, f->dir, f->authorized_keys, f->password_auth ? "yes" : "no",
		f->user, f->nopw_user);
	int rc = write_text(f->config, text, 0644, cause);
	free(text);
	return rc;
}

static char *log_tail(const struct sshd_fixture *f)
{
	char *text = lf_read_file(f->log, NULL, NULL);
	if (!text)
		return lf_xstrdup("(no log)");
	size_t len = strlen(text);
	char *tail = lf_xstrdup(len > 1500 ? text + len - 1500 : text);
	free(text);
	return tail;
}

static int start_once(struct sshd_fixture *f, char **cause)
{
	if (write_config(f, cause))
		return -1;
	const char *const check[] = { SSHD_PATH, "-t", "-f", f->config, NULL };
	if (run_ok(check, NULL, cause))
		return -1;
	pid_t pid = fork();
	if (pid < 0)
		return lf_fail(cause, "fork: %s", strerror(errno));
	if (pid == 0) {
		int fd = open(f->log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		int null = open("/dev/null", O_RDWR);
		if (fd >= 0) {
			dup2(null, 0);
			dup2(fd, 1);
			dup2(fd, 2);
		}
		/* Own process group: a terminal's Ctrl-C reaches the test,
		 * which tears down; and if the test dies anyway, so does sshd. */
		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		execl(SSHD_PATH, SSHD_PATH, "-D", "-e", "-f", f->config, (char *)NULL);
		_exit(127);
	}
	f->pid = pid;
	for (int i = 0; i < 200; i++) {
		int st;
		if (waitpid(pid, &st, WNOHANG) == pid) {
			f->pid = 0;
			char *tail = log_tail(f);
			lf_fail(cause, "sshd exited at start: %s", tail);
			free(tail);
			return -1;
		}
		if (port_accepts(f->port))
			return 0;
		usleep(50 * 1000);
	}
	sshd_fixture_stop(f);
	return lf_fail(cause, "sshd did not accept connections on 127.0.0.1:%d", f->port);
}

int sshd_fixture_start(struct sshd_fixture *f, bool password_auth, char **cause)
{
	sshd_fixture_stop(f);
	f->password_auth = password_auth;
	if (f->port > 0)
		return start_once(f, cause);
	/* The port was free a moment ago; someone may take it first. */
	for (int i = 0; i < 5; i++) {
		f->port = free_port();
		if (f->port <= 0)
			return lf_fail(cause, "no free loopback port");
		if (start_once(f, cause) == 0)
			return 0;
	}
	return -1;
}

void sshd_fixture_stop(struct sshd_fixture *f)
{
	if (f->pid <= 0)
		return;
	kill(f->pid, SIGTERM);
	int st;
	for (int i = 0; i < 100; i++) {
		if (waitpid(f->pid, &st, WNOHANG) == f->pid) {
			f->pid = 0;
			return;
		}
		usleep(20 * 1000);
	}
	kill(f->pid, SIGKILL);
	waitpid(f->pid, &st, 0);
	f->pid = 0;
}

/* Parent pid from /proc/PID/stat (the name may hold spaces and parens). */
static pid_t parent_of(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	char *text = lf_read_file(path, NULL, NULL);
	if (!text)
		return -1;
	char *p = strrchr(text, ')');
	int ppid = -1;
	if (!p || sscanf(p + 1, " %*c %d", &ppid) != 1)
		ppid = -1;
	free(text);
	return ppid;
}

static bool descends_from(pid_t pid, pid_t root)
{
	for (int depth = 0; depth < 16 && pid > 1; depth++) {
		pid = parent_of(pid);
		if (pid == root)
			return true;
	}
	return false;
}

int sshd_fixture_kill_sessions(struct sshd_fixture *f)
{
	if (f->pid <= 0)
		return 0;
	/* Collect the whole tree first: a process killed early would have its
	 * children adopted by init, out of reach of a later look-up. */
	pid_t *victims = NULL;
	size_t n = 0;
	DIR *d = opendir("/proc");
	if (!d)
		return 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);
		if (*end || pid <= 1 || pid == f->pid)
			continue;
		if (descends_from((pid_t)pid, f->pid)) {
			victims = lf_xrealloc(victims, (n + 1) * sizeof *victims);
			victims[n++] = (pid_t)pid;
		}
	}
	closedir(d);
	int killed = 0;
	for (size_t i = 0; i < n; i++)
		if (kill(victims[i], SIGKILL) == 0)
			killed++;
	free(victims);
	return killed;
}

int sshd_fixture_new_host_key(struct sshd_fixture *f, char **cause)
{
	sshd_fixture_stop(f);
	if (keygen(f->host_key, "", "landfall-test-host-2", cause))
		return -1;
	return sshd_fixture_start(f, f->password_auth, cause);
}

char *sshd_fixture_fingerprint(const struct sshd_fixture *f)
{
	char *pub = lf_asprintf("%s.pub", f->host_key);
	const char *const argv[] = { "ssh-keygen", "-lf", pub, NULL };
	char *out = NULL;
	int rc = fixture_run(argv, NULL, &out);
	free(pub);
	char bits[16], fp[128];
	char *res = NULL;
	/* "256 SHA256:... comment (ED25519)" */
	if (rc == 0 && sscanf(out, "%15s %127s", bits, fp) == 2)
		res = lf_xstrdup(fp);
	free(out);
	return res;
}

void sshd_fixture_teardown(struct sshd_fixture *f)
{
	sshd_fixture_kill_sessions(f);
	sshd_fixture_stop(f);
	if (f->users_created) {
		remove_user(f->user);
		remove_user(f->nopw_user);
	}
	if (f->sudoers) {
		unlink(f->sudoers);
		free(f->sudoers);
	}
	if (f->dir[0])
		fixture_rm_rf(f->dir);
	free(f->home);
	free(f->config);
	free(f->host_key);
	free(f->authorized_keys);
	free(f->client_key);
	free(f->client_key_enc);
	free(f->log);
	free(f->root_dir);
	explicit_bzero(f->password, sizeof f->password);
	memset(f, 0, sizeof *f);
}
