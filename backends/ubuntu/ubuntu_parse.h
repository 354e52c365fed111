/* Parsers for what the ubuntu backend's prerequisite checks read on the server,
 * and the checks they lead to. Pure: each parser takes the text a command printed
 * (collected by the SSH transport) and fills a struct; each ubuntu_check_*()
 * turns a struct into check results with check_list_add(): a stable id, a title,
 * ok / warning / failed, a one-line reason and a hint from the on-premises guide
 * (seed 001) on how to fix it.
 *
 * Parsers return 0, or -1 when the text is not what the command prints (then
 * the struct says as much as could be read, and the check reports "could not
 * read" as a failure, never as a pass). Strings in the structs are fixed-size
 * buffers, truncated when longer. */
#ifndef LANDFALL_UBUNTU_PARSE_H
#define LANDFALL_UBUNTU_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#include "../backend.h"

/* The guide's prerequisites. */
#define UBUNTU_MIN_CPUS	       8
#define UBUNTU_MIN_RAM_GB      32
#define UBUNTU_MIN_FREE_RAM_GB 8 /* monitoring section: 8 GB available */

/* ---- /etc/os-release --------------------------------------------------- */

struct os_release {
	char id[32];	     /* "ubuntu" */
	char id_like[64];    /* "debian", or "ubuntu debian" on derivatives */
	char version_id[32]; /* "22.04" */
	char pretty_name[128];
	int major, minor; /* from VERSION_ID; -1 when absent */
};

/* `cat /etc/os-release`: KEY=VALUE lines, values bare or in "..." / '...'
 * with shell escapes, # comments. */
int ubuntu_parse_os_release(const char *text, struct os_release *out);
/* ubuntu.os: Ubuntu 22.04 and 24.04 (and later LTS) ok; 20.04 a warning (standard
 * support ended in 2025); interim releases a warning; older or not Ubuntu failed. */
void ubuntu_check_os(const struct os_release *r, bool parsed, struct check_list *cl);

/* ---- memory and CPUs ---------------------------------------------------- */

struct meminfo {
	long long total_kb;	/* MemTotal, -1 when absent */
	long long available_kb; /* MemAvailable, or MemFree+Buffers+Cached on kernels
				   without it; -1 when absent */
};

/* `cat /proc/meminfo`. */
int ubuntu_parse_meminfo(const char *text, struct meminfo *out);
/* ubuntu.memory: at least 32 GB (a 32 GB machine reports a little less, the
 * kernel keeps some: 94 % of it is accepted); ubuntu.memory_free: 8 GB available
 * (a warning). */
void ubuntu_check_memory(const struct meminfo *m, bool parsed, struct check_list *cl);

/* `nproc`: one number. Returns the count, or -1. */
int ubuntu_parse_nproc(const char *text);
/* `cat /proc/cpuinfo`: the number of "processor" entries, or -1. */
int ubuntu_parse_cpuinfo(const char *text);
/* ubuntu.cpu: at least 8 CPUs. cpus < 0: could not be read. */
void ubuntu_check_cpus(int cpus, struct check_list *cl);

/* ---- disks ---------------------------------------------------------------- */

struct df_entry {
	char filesystem[128];
	char mount_point[256];
	unsigned long long size_bytes, used_bytes, avail_bytes;
};

/* `df -P -B1 PATH`: the header, then one line for the filesystem holding PATH
 * (mount points and device names may hold spaces). */
int ubuntu_parse_df(const char *text, struct df_entry *out);
/* Whether `dir` is itself the mount point of its filesystem (trailing slashes
 * ignored), i.e. sits on a disk of its own. */
bool ubuntu_df_own_mount(const struct df_entry *e, const char *dir);

/* Which of the guide's disks a check is about. */
enum ubuntu_disk { UBUNTU_DISK_DATA, UBUNTU_DISK_FILESERVER, UBUNTU_DISK_DOCKER, UBUNTU_DISK_ROOT };

/* ubuntu.disk.data / .fileserver / .docker / .root: `dir` on its own disk (else a
 * warning: the guide asks for four disks) of at least min_gb (else a warning:
 * the guide's sizes are recommendations; 95 % is accepted for filesystem
 * overhead). The root disk is "/" and is not expected to be its own mount. */
void ubuntu_check_disk(enum ubuntu_disk which, const char *dir, const struct df_entry *e,
		       bool parsed, int min_gb, struct check_list *cl);

/* `stat -c %a DIR`: the octal mode ("710"). Returns it, or -1. */
int ubuntu_parse_stat_mode(const char *text);
/* ubuntu.docker_dir_mode: the guide mounts /var/lib/docker "with permissions 710".
 * More permissive (any bit outside 0710) fails; more restrictive warns. mode < 0:
 * not read (e.g. docker not installed yet: a warning). */
void ubuntu_check_docker_dir_mode(const char *dir, int mode, struct check_list *cl);

/* ---- ports ------------------------------------------------------------------ */

struct listener {
	char addr[64]; /* "0.0.0.0", "[::]", "*", "127.0.0.1", "[::ffff:1.2.3.4]", with any %iface
			*/
	int port;
};

struct listeners {
	struct listener *v; /* caller frees with ubuntu_listeners_free() */
	size_t n;
};

/* `ss -H -ltn` (also without -H: the header is skipped; and with -p: the
 * process column is ignored). Local addresses in every form ss prints:
 * 0.0.0.0:8080, 127.0.0.1:8080, *:8080, [::]:8080, [::1]:8080,
 * [::ffff:127.0.0.1]:8080, 127.0.0.53%lo:53, [fe80::1]%eth0:8080. */
int ubuntu_parse_ss(const char *text, struct listeners *out);
void ubuntu_listeners_free(struct listeners *l);
/* The first listener on `port`, or NULL. */
const struct listener *ubuntu_listener_on(const struct listeners *l, int port);
/* ubuntu.ports: 8080, 8081 and 8008 free. `ours` is true when the installation
 * found under the base directory is running: then its own listeners are expected
 * (re-running upgrades in place) and a busy port is only a warning. */
void ubuntu_check_ports(const struct listeners *l, bool parsed, bool ours, struct check_list *cl);

/* ---- docker ------------------------------------------------------------------ */

enum docker_state {
	DOCKER_OK,	      /* a version was read */
	DOCKER_MISSING,	      /* "command not found", "is not a docker command" */
	DOCKER_NOT_RUNNING,   /* "Cannot connect to the Docker daemon" */
	DOCKER_NO_PERMISSION, /* "permission denied ... docker.sock" */
	DOCKER_UNKNOWN,	      /* anything else */
};

struct docker_version {
	enum docker_state state;
	int major, minor, patch;
	char text[64]; /* the version as printed, "26.1.3", "2.27.0", "2.20.2+ds1-0ubuntu1~22.04.1"
			*/
};

/* `docker version --format '{{.Server.Version}}'` (stdout and stderr together). */
int ubuntu_parse_docker_version(const char *text, struct docker_version *out);
/* `docker compose version` or `docker compose version --short`. */
int ubuntu_parse_compose_version(const char *text, struct docker_version *out);
/* ubuntu.docker: the engine answers, version 20.10 or later (older: a warning).
 * ubuntu.compose: the compose plugin v2 (the guide's docker-compose 1.24 is
 * long deprecated). */
void ubuntu_check_docker(const struct docker_version *engine, struct check_list *cl);
void ubuntu_check_compose(const struct docker_version *compose, struct check_list *cl);

#endif
