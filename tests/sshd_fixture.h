/* A real OpenSSH server for tests, started per run on a free loopback port,
 * the way libssh's torture tests set up theirs (torture_setup_sshd_server):
 * a private directory with an ed25519 host key generated for the run, a
 * private sshd_config, `/usr/sbin/sshd -D -e -f CONFIG` as a child process,
 * two local users made with useradd (one whose sudo asks for its password,
 * one with NOPASSWD) and a private HOME for the client side.
 *
 * Needs root (useradd, sudoers.d, sshd switching users) and the packages
 * openssh-server, openssh-client, sudo, passwd and procps. A missing piece
 * makes sshd_fixture_setup fail with a message that names it.
 *
 * Layout of dir (0755 so that sshd, as the test users, reads the keys file):
 *   sshd_config, ssh_host_ed25519_key(.pub), authorized_keys (0644),
 *   id_test(.pub) (no passphrase), id_enc(.pub) (SSHD_FIXTURE_PASSPHRASE),
 *   sshd.log, home/ (the client's HOME, 0700, with .ssh/), root-only/ (0755
 *   root, for install tests). */
#ifndef LANDFALL_SSHD_FIXTURE_H
#define LANDFALL_SSHD_FIXTURE_H

#include <stdbool.h>
#include <sys/types.h>

#define SSHD_FIXTURE_PASSPHRASE "correct horse battery"

struct sshd_fixture {
	char dir[64];
	char *home;             /* dir/home */
	char *config;           /* dir/sshd_config */
	char *host_key;         /* dir/ssh_host_ed25519_key */
	char *authorized_keys;
	char *client_key;       /* dir/id_test */
	char *client_key_enc;   /* dir/id_enc */
	char *log;              /* dir/sshd.log: sshd's stderr */
	char *root_dir;         /* dir/root-only */
	char user[32];          /* sudo asks for `password` */
	char nopw_user[32];     /* sudo NOPASSWD */
	char user_home[64], nopw_home[64];
	char password[40];      /* random, for both users */
	char *sudoers;          /* /etc/sudoers.d/... */
	int port;
	pid_t pid;              /* sshd, 0 when stopped */
	bool password_auth;
	bool users_created;
};

/* Everything but starting sshd. Returns 0, or -1 with *cause. */
int sshd_fixture_setup(struct sshd_fixture *f, char **cause);
/* Write the config (PasswordAuthentication as asked) and start sshd on
 * f->port (a free port is picked when it is 0); wait until it accepts. */
int sshd_fixture_start(struct sshd_fixture *f, bool password_auth, char **cause);
/* SIGTERM sshd and reap it (no-op when stopped). Connections it served
 * live on, as with any sshd; sshd_fixture_kill_sessions ends them. */
void sshd_fixture_stop(struct sshd_fixture *f);
/* SIGKILL every process below sshd (the per-connection sshd processes and
 * what they run): a connection cut mid-command. Returns how many. */
int sshd_fixture_kill_sessions(struct sshd_fixture *f);
/* New host key (the old one is gone), sshd restarted on the same port. */
int sshd_fixture_new_host_key(struct sshd_fixture *f, char **cause);
/* The host key's fingerprint as `ssh-keygen -lf` prints it (caller frees). */
char *sshd_fixture_fingerprint(const struct sshd_fixture *f);
/* Stop sshd, remove the users, the sudoers file and the directory. */
void sshd_fixture_teardown(struct sshd_fixture *f);

/* Run argv (execvp), feed `input` (may be NULL) on stdin, collect stdout
 * and stderr into *out (may be NULL; caller frees). Returns the exit
 * status, or -1 when it could not run or was killed. */
int fixture_run(const char *const argv[], const char *input, char **out);
/* rm -rf path (no-op when missing). */
void fixture_rm_rf(const char *path);

#endif
