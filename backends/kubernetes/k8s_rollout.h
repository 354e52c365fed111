/* Rollout status with kubectl's rules (`kubectl rollout status`), as a pure
 * function over the object's JSON, and a wait loop built on it.
 *
 * Deployment: the spec must be observed (metadata.generation <=
 * status.observedGeneration); a Progressing condition with reason
 * ProgressDeadlineExceeded is a failure; then updatedReplicas must reach
 * spec.replicas, no old replicas may remain (status.replicas ==
 * updatedReplicas), and availableReplicas must reach updatedReplicas.
 * StatefulSet and DaemonSet follow kubectl's viewers for them too; an
 * OnDelete update strategy cannot be followed (K8S_ROLLOUT_UNTRACKABLE).
 * A Pod is followed as a one-off job (restartPolicy Never): phase
 * Succeeded is done, Failed is a failure. */
#ifndef LANDFALL_K8S_ROLLOUT_H
#define LANDFALL_K8S_ROLLOUT_H

#include <jansson.h>

#include "k8s_client.h"

enum k8s_rollout {
	K8S_ROLLOUT_WAITING,	 /* not there yet; message says what is missing */
	K8S_ROLLOUT_DONE,	 /* successfully rolled out */
	K8S_ROLLOUT_FAILED,	 /* progress deadline exceeded */
	K8S_ROLLOUT_UNTRACKABLE, /* not a kind or strategy that can be followed */
};

/* Pure: looks only at `obj` (a Deployment, StatefulSet, DaemonSet or Pod as the
 * API returns it). *message (when not NULL) gets a caller-freed,
 * translated line like kubectl's ("Waiting for deployment "x" rollout to
 * finish: 1 of 2 updated replicas are available..."). */
enum k8s_rollout k8s_rollout_status(const json_t *obj, char **message);

const char *k8s_rollout_name(enum k8s_rollout r);

/* Called with each new status line while waiting; may be NULL. */
typedef void (*k8s_rollout_progress_fn)(const char *message, void *user);

/* GET `path` every interval_ms until the rollout is done, failed or
 * untrackable, or timeout_ms passes (then *state is K8S_ROLLOUT_WAITING and
 * *message says what was still missing). Retryable API failures are
 * tolerated until the deadline. Returns K8S_OK when the state could be
 * read, else the failure (with *cause). *message is caller-freed. */
enum k8s_status k8s_rollout_wait(struct k8s_client *c, const char *path, long timeout_ms,
				 long interval_ms, k8s_rollout_progress_fn progress, void *user,
				 enum k8s_rollout *state, char **message, char **cause);

#endif
