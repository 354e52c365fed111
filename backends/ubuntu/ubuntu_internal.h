/* Inside the ubuntu backend: the action operations the plan attaches
 * (ubuntu_actions.c) and the pure helpers they share, exposed for the unit
 * tests (tests/test_ubuntu_unit.c). Not for other modules. */
#ifndef LANDFALL_UBUNTU_INTERNAL_H
#define LANDFALL_UBUNTU_INTERNAL_H

#include "../clearml.h"
#include <jansson.h>
#include <stdbool.h>

#include "ssh.h"
#include "ubuntu.h"

/* What ubuntu_backend.open returns: one SSH session to the host. */
struct ubuntu_session {
	const struct ubuntu_config *c; /* borrowed: outlives the session */
	struct ussh *ssh;
	struct events *evs;            /* borrowed */
	char *path_env;                /* ubuntu_path_env(root_prefix) */
	json_t *vars;                  /* ubuntu_render_vars(c) */
};

/* Run argv on the host (as root through sudo when `root`), under the root
 * prefix's PATH when there is one; `input` (may be NULL) on stdin. Same
 * contract as ussh_exec. */
enum ussh_status ubuntu_run(struct ubuntu_session *s, bool root, const char *const argv[],
                            const char *input, size_t input_len, long timeout_ms,
                            struct ussh_result *r, char **cause);

/* Image versions written into constants.env (the guide's "provided by
 * ClearML" values; the operator may edit the file and re-run). */
#define UBUNTU_CLEARML_IMAGE CLEARML_IMAGE
#define UBUNTU_CLEARML_VERSION CLEARML_VERSION
#define UBUNTU_ELASTIC_VERSION CLEARML_ELASTIC_VERSION
#define UBUNTU_MONGO_VERSION CLEARML_MONGO_VERSION
#define UBUNTU_REDIS_VERSION CLEARML_REDIS_VERSION

/* The guide's ports. */
#define UBUNTU_PORT_API   8008
#define UBUNTU_PORT_WEB   8080
#define UBUNTU_PORT_FILES 8081

/* Elasticsearch runs as uid/gid 1000 in its image. */
#define UBUNTU_ELASTIC_OWNER "1000:1000"

extern const struct action_ops ubuntu_act_remove_existing, ubuntu_act_sysctl,
	ubuntu_act_disable_thp, ubuntu_act_directories, ubuntu_act_config_files,
	ubuntu_act_registry_login, ubuntu_act_compose_up, ubuntu_act_health,
	ubuntu_act_cron;

/* `path` (absolute) under the root prefix ("" or NULL: none; trailing
 * slashes of the prefix ignored). Caller frees. */
char *ubuntu_rpath(const char *prefix, const char *path);

/* "PATH=P/usr/local/sbin:P/usr/local/bin:P/usr/sbin:P/usr/bin:P/sbin:P/bin:
 * /usr/local/sbin:...:/bin" for a root prefix P, or NULL without one.
 * Caller frees. */
char *ubuntu_path_env(const char *prefix);

/* The guide's directories under base_dir, NULL-terminated; the first is
 * Elasticsearch's (owned 1000:1000). Static storage. */
extern const char *const ubuntu_dirs[];

/* The template variables for the assets the backend writes (new
 * reference): base_dir, image versions, external URLs, users, ... */
json_t *ubuntu_render_vars(const struct ubuntu_config *c);

/* The external URLs the plan records and constants.env carries:
 * https://app.DOMAIN ... with a domain, else http://HOST:8080 ... */
char *ubuntu_url(const struct ubuntu_config *c, const char *sub, int port);

/* Whether an HTTP status answers a health check: 200, and for the file
 * server also 405 (older versions refuse GET on /). */
bool ubuntu_health_ok(const char *service, int http_code);

#endif
