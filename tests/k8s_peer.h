/* Test helper: the STAND-IN Kubernetes API server (tests/k8s_standin.py) as
 * a child process, its test controls, and running kubectl against it.
 * No Kubernetes API server can be installed on the test machines; see the
 * top of k8s_standin.py for what the stand-in does and does not do. */
#ifndef LANDFALL_TEST_K8S_PEER_H
#define LANDFALL_TEST_K8S_PEER_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

struct k8s_peer {
	char *dir; /* work directory: pki/, kubeconfig, state.json, port */
	int port;
	pid_t pid;   /* 0 when stopped */
	char **args; /* extra arguments, NULL-terminated, owned */
};

/* Check that every program in `tools` (NULL-terminated) is on PATH.
 * Returns 0, or -1 with *cause naming the first missing one. */
int k8s_peer_require(const char *const *tools, char **cause);

/* Start the stand-in in `dir` (created when missing) on `port` (0: any
 * free port; the same port is reused by k8s_peer_restart). `args` are
 * extra command-line arguments (NULL-terminated, may be NULL). Waits until
 * it listens. Returns 0, or -1 with *cause (including the log's tail). */
int k8s_peer_start(struct k8s_peer *p, const char *dir, const char *const *args, char **cause);
/* Stop (SIGTERM, then SIGKILL after 5 s) and wait. */
void k8s_peer_stop(struct k8s_peer *p);
/* Kill without warning (as a crash would) and start again on the same
 * directory, state and port. */
int k8s_peer_restart(struct k8s_peer *p, char **cause);
/* Stop and free everything; the directory is left for inspection. */
void k8s_peer_free(struct k8s_peer *p);

/* dir/rel, caller frees. */
char *k8s_peer_path(const struct k8s_peer *p, const char *rel);

/* A test control: METHOD https://127.0.0.1:PORT/_standin/WHAT with a JSON
 * body (may be NULL). Returns the decoded reply (new reference) or NULL. */
json_t *k8s_peer_control(const struct k8s_peer *p, const char *method, const char *what,
			 const char *body);

/* The request log entries since the last reset, as a JSON array (new ref). */
json_t *k8s_peer_requests(const struct k8s_peer *p);

/* Run argv (argv[0] found on PATH) with stdin from /dev/null; *out gets
 * stdout and stderr together (caller frees). Returns the exit status, or
 * -1 when it could not run. */
int k8s_peer_run(char *const argv[], char **out);

/* Write a file (mode 0600; 0700 when exec) under the peer's directory or
 * at an absolute path. Returns 0 or -1. */
int k8s_peer_write(const char *path, const char *text, bool exec);

#endif
