/* The kubernetes backend's action operations (kubernetes.c), which the plan
 * (kubernetes_plan.c) attaches to its actions. Private to the backend. */
#ifndef LANDFALL_KUBERNETES_ACTIONS_H
#define LANDFALL_KUBERNETES_ACTIONS_H

#include "../backend.h"

/* Server-side apply of the action's manifests (k8s_manifests); undo deletes
 * what the journal says was applied. */
extern const struct action_ops k8s_apply_ops;
/* Label kubernetes.node app=clearml by merge patch; undo removes the label
 * only when Landfall added it. */
extern const struct action_ops k8s_label_ops;
/* Wait for every Deployment with kubectl's rules; record the outputs. */
extern const struct action_ops k8s_rollout_ops;

#endif
