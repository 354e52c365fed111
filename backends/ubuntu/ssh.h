/* The SSH transport of the ubuntu backend: one libssh session to one host,
 * with the host-key policy, authentication, remote commands (plain and
 * through sudo) and file uploads the backend's checks and actions use.
 *
 * Names carry the prefix ussh_ because libssh owns ssh_ and sftp_.
 *
 * Host keys are always checked against ~/.ssh/known_hosts (and the global
 * /etc/ssh/ssh_known_hosts). There is no way to turn that off: a
 * StrictHostKeyChecking line in ~/.ssh/config is overridden.
 *   - known key: connect.
 *   - unknown key: USSH_ERR_HOSTKEY_UNKNOWN, with the server's fingerprint
 *     in ussh_fingerprint(). The wizard shows it and, when the user accepts,
 *     calls ussh_accept_host_key() (records it, then authenticates). A
 *     headless run passes a pin instead (options.host_key_sha256): when it
 *     equals the server's fingerprint the key is recorded and the connection
 *     goes on; when it differs, USSH_ERR_HOSTKEY_PIN.
 *   - changed key (or a key of another type than the one recorded):
 *     USSH_ERR_HOSTKEY_CHANGED, always, whatever the pin says; the cause
 *     names the recorded and the offered fingerprints.
 *
 * Authentication, in order, stopping at the first that works:
 *   1. options.identity_file, when set (its passphrase is asked through
 *      options.passphrase only once the server has accepted the public
 *      key, when a KEY.pub file is next to it);
 *   2. ssh-agent, then the IdentityFile keys of ~/.ssh/config, then the
 *      default keys of the ssh directory (libssh's publickey "auto" method;
 *      it asks for passphrases through the same callback and may write a
 *      missing KEY.pub next to a key it loads);
 *   3. options.password, by "password" or "keyboard-interactive".
 *
 * Secrets (password, sudo password, key passphrases) are copied, wiped on
 * free, registered with the event stream's redactor, never put on a remote
 * command line, and never written into a cause or a log line.
 *
 * Remote commands are given as argv arrays; every element is shell-quoted
 * with shellq_joinv() (backends/shellq.h) and the remote login shell must be
 * a POSIX shell (sh, dash, bash, zsh). A pipeline or redirection is written
 * as {"sh", "-c", "fixed script using \"$1\"", "name", arg1, ..., NULL}.
 *
 * A retryable status (ussh_status_retryable) leaves the session ready to
 * reconnect: the next call reconnects by itself, with the same host-key
 * checks. Any other failure of ussh_connect closes the connection, except
 * USSH_ERR_HOSTKEY_UNKNOWN, which keeps it open for ussh_accept_host_key
 * (if the server has given up waiting by then, that returns
 * USSH_ERR_CONNECT with the key already recorded: connect again).
 *
 * ~/.ssh/config: read from the ssh directory, then /etc/ssh/ssh_config, by
 * libssh 0.10 (Host, HostName, Port, User, IdentityFile, UserKnownHostsFile,
 * ProxyCommand, ProxyJump; libssh 0.10 turns ProxyJump into a ProxyCommand
 * running `ssh -W`, so the OpenSSH client must be installed for it). A
 * "~" inside that file is the passwd home directory, as in OpenSSH.
 *
 * A session is not thread-safe: one per thread. */
#ifndef LANDFALL_UBUNTU_SSH_H
#define LANDFALL_UBUNTU_SSH_H

#include <stdbool.h>
#include <stddef.h>

#include "../events.h"

enum ussh_status {
	USSH_OK = 0,
	USSH_ERR_CONFIG,          /* unusable options, ~/.ssh/config or key file,
	                             known_hosts unreadable or unwritable */
	USSH_ERR_CONNECT,         /* cannot connect, or the connection was lost
	                             (retryable) */
	USSH_ERR_HOSTKEY_UNKNOWN, /* key not recorded and no pin: accept it with
	                             ussh_accept_host_key() or pin it */
	USSH_ERR_HOSTKEY_PIN,     /* key not recorded and the pin differs */
	USSH_ERR_HOSTKEY_CHANGED, /* key differs from the recorded one: refused */
	USSH_ERR_AUTH,            /* no authentication method worked */
	USSH_ERR_TIMEOUT,         /* a command ran past its time limit (retryable) */
	USSH_ERR_SUDO,            /* no sudo, or it needs a password that was not
	                             given, or it refused the password */
	USSH_ERR_REMOTE,          /* a remote command or file operation failed */
};

/* Worth trying again later: USSH_ERR_CONNECT and USSH_ERR_TIMEOUT. */
bool ussh_status_retryable(enum ussh_status st);
/* Stable lower-case name, e.g. "hostkey-changed". */
const char *ussh_status_name(enum ussh_status st);

/* Ask for the passphrase of `key_path` (attempt 1, 2, 3 after a wrong one).
 * Return a malloc'd string, which the transport wipes and frees, or NULL to
 * skip the key (headless runs pass a callback that returns NULL, or none). */
typedef char *(*ussh_passphrase_fn)(const char *key_path, int attempt,
                                    void *user);

struct ussh_options {
	const char *host;            /* name, address or ~/.ssh/config Host
	                                alias (HostName, Port, User,
	                                IdentityFile, ProxyJump apply); required */
	int port;                    /* 0: ~/.ssh/config, else 22. Any other
	                                value overrides ~/.ssh/config */
	const char *user;            /* NULL or "": ~/.ssh/config, else the
	                                local user name */
	const char *identity_file;   /* tried first; NULL: agent and the keys
	                                of ~/.ssh/config and the ssh directory */
	const char *password;        /* resolved secret; NULL: none */
	const char *host_key_sha256; /* pin, "SHA256:..." as ssh-keygen -lf
	                                prints it (padding and prefix optional);
	                                NULL: none */
	const char *sudo_password;   /* resolved secret; NULL: none */
	const char *ssh_dir;         /* where config, known_hosts and default
	                                keys live; NULL: $HOME/.ssh */
	ussh_passphrase_fn passphrase; /* NULL: encrypted keys are skipped */
	void *passphrase_user;
	struct events *events;       /* debug log lines, redaction; may be NULL */
	long timeout_ms;             /* connecting, and each protocol wait;
	                                0: 30000 */
};

struct ussh;

/* Copy the options (strings included). Nothing is sent yet. */
struct ussh *ussh_new(const struct ussh_options *o);
/* Disconnect, wipe the secrets, free. NULL is a no-op. */
void ussh_free(struct ussh *s);

/* Connect, check the host key, authenticate. Calling it again reconnects
 * from scratch. On USSH_ERR_HOSTKEY_UNKNOWN the connection stays open
 * until ussh_accept_host_key() or ussh_free(). Returns the status and, on
 * failure, a caller-freed *cause naming what failed. */
enum ussh_status ussh_connect(struct ussh *s, char **cause);

/* After USSH_ERR_HOSTKEY_UNKNOWN: record the key ussh_fingerprint() showed
 * in known_hosts and authenticate. Anything else: USSH_ERR_CONFIG. */
enum ussh_status ussh_accept_host_key(struct ussh *s, char **cause);

/* The server's host key fingerprint, "SHA256:..." without padding, once
 * the key exchange is done (NULL before). Borrowed from the session. */
const char *ussh_fingerprint(const struct ussh *s);
/* After USSH_ERR_HOSTKEY_CHANGED: the recorded fingerprints for this host,
 * comma-separated (NULL otherwise). Borrowed. */
const char *ussh_known_fingerprints(const struct ussh *s);
/* "user@host:port" after ~/.ssh/config applied (the options' values until
 * connect has run). Borrowed. */
const char *ussh_target(const struct ussh *s);

/* ---- commands ------------------------------------------------------------ */

struct ussh_exec_opts {
	const void *input;     /* fed on the command's stdin, then EOF; may be
	                          NULL (stdin gets EOF at once). Never logged */
	size_t input_len;
	long timeout_ms;       /* whole command; 0: 600000 (10 minutes) */
};

struct ussh_result {
	int exit_status;       /* -1 when none came (killed by a signal) */
	char signal[16];       /* "TERM", "KILL"... when killed; else "" */
	char *out, *err;       /* NUL-terminated, may hold NULs; never NULL
	                          after USSH_OK */
	size_t out_len, err_len;
};

/* Run argv on the host, capturing stdout, stderr and the exit status. The
 * command's exit status does not make the call fail: USSH_OK means it ran
 * to the end (check r->exit_status, or use ussh_result_check). On a
 * timeout the channel is closed (and the command sent SIGKILL when the
 * server supports signals). `o` may be NULL. *r is set on USSH_OK only;
 * free it with ussh_result_free. */
enum ussh_status ussh_exec(struct ussh *s, const char *const argv[],
                           const struct ussh_exec_opts *o,
                           struct ussh_result *r, char **cause);

enum ussh_sudo_mode {
	USSH_SUDO_UNKNOWN = 0, /* not probed yet */
	USSH_SUDO_ROOT,        /* logged in as root: commands run as they are */
	USSH_SUDO_NOPASSWD,    /* sudo -n works: `sudo -n -- CMD` */
	USSH_SUDO_PASSWORD,    /* `sudo -S -k -p '' -- CMD`, the password
	                          written on stdin before o->input */
};

/* Find out how this user becomes root (once per connection; cached): root
 * already, passwordless sudo (`sudo -n true`), or sudo with the password,
 * which is then tried once (`sudo -S -k -p '' -- true`). USSH_ERR_SUDO when
 * sudo is missing, needs a password that was not given, or refuses it. */
enum ussh_status ussh_sudo_probe(struct ussh *s, enum ussh_sudo_mode *mode,
                                 char **cause);

/* ussh_exec as root, through sudo as ussh_sudo_probe found (probing first
 * if needed). The sudo password goes on stdin only. Note: when the policy
 * asks a password for `true` but not for argv[0], the password line reaches
 * the command's stdin; Landfall's policy expectation is all-or-nothing. */
enum ussh_status ussh_sudo(struct ussh *s, const char *const argv[],
                           const struct ussh_exec_opts *o,
                           struct ussh_result *r, char **cause);

/* USSH_OK when r->exit_status is 0; otherwise USSH_ERR_REMOTE with *cause
 * "`CMD` failed on HOST (exit status N): LAST STDERR LINE". */
enum ussh_status ussh_result_check(struct ussh *s, const char *const argv[],
                                   const struct ussh_result *r, char **cause);

void ussh_result_free(struct ussh_result *r);

/* ---- files --------------------------------------------------------------- */

/* Write `data` to `remote_path` (absolute, or relative to the login
 * directory) over SFTP, atomically: a temporary file in the same directory
 * created with O_CREAT|O_EXCL and `mode` (then chmod'ed to exactly `mode`,
 * whatever the remote umask), written, fsync'ed when the server offers
 * fsync@openssh.com, then renamed over the target with `mv -f`. The file
 * belongs to the login user; use 0600 for anything that holds a secret. */
enum ussh_status ussh_upload(struct ussh *s, const char *remote_path,
                             const void *data, size_t len, unsigned mode,
                             char **cause);

/* The same for a destination only root may write: upload into a private
 * directory (0700) in the login directory, then, through sudo,
 * `install -m MODE -o OWNER -g GROUP` into DEST.landfall-new next to the
 * target and `mv -f` it over the target; the temporary directory is
 * removed whatever happens. owner/group NULL: root. */
enum ussh_status ussh_sudo_install(struct ussh *s, const char *remote_path,
                                   const void *data, size_t len, unsigned mode,
                                   const char *owner, const char *group,
                                   char **cause);

#endif
