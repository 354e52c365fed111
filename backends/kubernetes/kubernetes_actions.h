/* The kubernetes backend's action operations (kubernetes.c), which the plan
 * (kubernetes_plan.c) attaches to its actions. Private to the backend. */
#ifndef LANDFALL_KUBERNETES_ACTIONS_H
#define LANDFALL_KUBERNETES_ACTIONS_H

#include "../backend.h"
#include "../engine.h"
#include "k8s_client.h"
#include "kubernetes.h"

/* The backend's session (kubernetes.c opens it). */
struct k8s_session {
	const struct k8s_config *c;
	struct events *evs;
	struct k8s_client *client;
	long rollout_timeout_ms, rollout_interval_ms;
	long pod_timeout_ms; /* the purge pod's run, scheduling included */
};

static inline struct k8s_session *k8s_sess(struct action_ctx *ctx)
{
	return ctx->session;
}

/* Fail the action with the API's words and a hint for 401/403; retryable
 * statuses ask the engine to retry. Takes `why`. */
enum action_rc k8s_act_fail(struct action_ctx *ctx, enum k8s_status st, char *why);

/* Server-side apply of the action's manifests (k8s_manifests); undo deletes
 * what the journal says was applied. */
extern const struct action_ops k8s_apply_ops;
/* Label kubernetes.node app=clearml by merge patch; undo removes the label
 * only when Landfall added it. */
extern const struct action_ops k8s_label_ops;
/* Wait for every Deployment with kubectl's rules; record the outputs. */
extern const struct action_ops k8s_rollout_ops;
/* hostPath storage (kubernetes_purge.c): records the data directory on the
 * node; undo keeps it, or with purge deletes it with a one-off pod. */
extern const struct action_ops k8s_node_data_ops;

#endif
