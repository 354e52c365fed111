/* The ubuntu backend: ClearML Server on one Ubuntu host over SSH with
 * docker compose, as the on-premises guide (seed 001) describes. Strings
 * are borrowed from the caller. Secrets arrive resolved, in memory only. */
#ifndef LANDFALL_UBUNTU_H
#define LANDFALL_UBUNTU_H

#include <stdbool.h>
#include <stddef.h>

#include "../backend.h"
#include "../clearml.h"

struct ubuntu_config {
	const char *install_id;
	const char *host;            /* or a Host alias of ~/.ssh/config */
	int port;                    /* 0: ~/.ssh/config's, else 22 */
	const char *user;            /* NULL: ~/.ssh/config's, else the local user */
	const char *identity_file;   /* may be NULL: agent or ~/.ssh/config */
	const char *password;        /* resolved secret, may be NULL */
	const char *host_key_sha256; /* pinned fingerprint, may be NULL */
	const char *sudo_password;   /* resolved secret, may be NULL */

	const char *base_dir;        /* /opt/allegro or /opt/clearml */
	const char *docker_dir;      /* /var/lib/docker */
	int min_root_gb, min_docker_gb, min_data_gb, min_fileserver_gb;

	const char *domain;          /* may be NULL: plain http on the ports */
	const struct server_user *users;
	size_t nusers;
	const char *registry;        /* may be NULL: no login */
	const char *registry_user;
	const char *registry_password; /* resolved secret */
	bool remove_existing;        /* typed confirmation given */
	bool backup_cron;
	int health_timeout_s;        /* how long the services may take to answer
	                                after `up -d`; 0: 300 */

	/* TEST SEAMS: NULL / 0 in production; set only by tests (and by
	 * steps/flow.c from LANDFALL_UBUNTU_ROOT_PREFIX and
	 * LANDFALL_UBUNTU_PORT_OFFSET, for tests that drive the binary).
	 * root_prefix: every remote file path the backend reads or writes
	 *   (/etc/..., /proc/..., base_dir, docker_dir) is put under it, and
	 *   the commands it runs find their programs in its usr/local/sbin,
	 *   usr/local/bin, usr/sbin, usr/bin first (`env PATH=...`), where the
	 *   tests put recording shims for docker, systemctl and sysctl.
	 * port_offset: the ports check and the health checks look at
	 *   8008+N, 8080+N and 8081+N. */
	const char *root_prefix;
	int port_offset;
};

extern const struct backend_ops ubuntu_backend;

int ubuntu_plan(const void *config, struct plan *out, char **cause);

/* The guide's disks as the server has them: df of /, the Docker directory,
 * BASE/data and BASE/data/fileserver (or their nearest existing parent),
 * each held against its minimum and whether it is a disk of its own. Part
 * of the checks, and the disks screen's probe. `session` comes from
 * ubuntu_backend.open. */
void ubuntu_disk_checks(void *session, struct check_list *cl);

#endif
