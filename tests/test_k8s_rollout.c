/* Unit tests for backends/kubernetes/k8s_rollout.c: kubectl's rollout
 * status rules as a table of objects and expected answers. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "kubernetes/k8s_rollout.h"

struct row {
	const char *what;
	const char *json;
	enum k8s_rollout want;
	const char *message; /* substring of the message */
};

#define DEP(meta, spec, status)                                                                    \
	"{\"kind\":\"Deployment\",\"metadata\":{\"name\":\"web\"" meta "},\"spec\":{" spec         \
	"},\"status\":{" status "}}"

static const struct row rows[] = {
	{"new object, nothing observed yet", DEP(",\"generation\":1", "\"replicas\":1", ""),
	 K8S_ROLLOUT_WAITING, "spec update to be observed"},
	{"spec changed, old generation observed",
	 DEP(",\"generation\":3", "\"replicas\":1",
	     "\"observedGeneration\":2,\"replicas\":1,\"updatedReplicas\":1,"
	     "\"availableReplicas\":1"),
	 K8S_ROLLOUT_WAITING, "spec update to be observed"},
	{"observed, nothing updated yet",
	 DEP(",\"generation\":2", "\"replicas\":3",
	     "\"observedGeneration\":2,\"replicas\":3,\"updatedReplicas\":1"),
	 K8S_ROLLOUT_WAITING, "1 out of 3 new replicas have been updated"},
	{"old replicas still terminating",
	 DEP(",\"generation\":2", "\"replicas\":2",
	     "\"observedGeneration\":2,\"replicas\":3,\"updatedReplicas\":2,"
	     "\"availableReplicas\":2"),
	 K8S_ROLLOUT_WAITING, "1 old replicas are pending termination"},
	{"updated but not available",
	 DEP(",\"generation\":2", "\"replicas\":2",
	     "\"observedGeneration\":2,\"replicas\":2,\"updatedReplicas\":2,"
	     "\"availableReplicas\":1"),
	 K8S_ROLLOUT_WAITING, "1 of 2 updated replicas are available"},
	{"done",
	 DEP(",\"generation\":2", "\"replicas\":2",
	     "\"observedGeneration\":2,\"replicas\":2,\"updatedReplicas\":2,"
	     "\"availableReplicas\":2"),
	 K8S_ROLLOUT_DONE, "\"web\" successfully rolled out"},
	{"observed generation ahead counts as observed",
	 DEP(",\"generation\":1", "\"replicas\":1",
	     "\"observedGeneration\":2,\"replicas\":1,\"updatedReplicas\":1,"
	     "\"availableReplicas\":1"),
	 K8S_ROLLOUT_DONE, "successfully rolled out"},
	{"scaled to zero", DEP(",\"generation\":4", "\"replicas\":0", "\"observedGeneration\":4"),
	 K8S_ROLLOUT_DONE, "successfully rolled out"},
	{"no spec.replicas: that check is skipped",
	 DEP(",\"generation\":1", "\"paused\":false",
	     "\"observedGeneration\":1,\"replicas\":1,\"updatedReplicas\":1,"
	     "\"availableReplicas\":0"),
	 K8S_ROLLOUT_WAITING, "0 of 1 updated replicas are available"},
	{"progress deadline exceeded",
	 DEP(",\"generation\":2", "\"replicas\":1",
	     "\"observedGeneration\":2,\"replicas\":1,\"updatedReplicas\":1,"
	     "\"availableReplicas\":0,\"conditions\":[{\"type\":\"Available\",\"status\":"
	     "\"False\",\"reason\":\"MinimumReplicasUnavailable\"},{\"type\":\"Progressing\","
	     "\"status\":\"False\",\"reason\":\"ProgressDeadlineExceeded\"}]"),
	 K8S_ROLLOUT_FAILED, "exceeded its progress deadline"},
	{"deadline only counts once the spec is observed",
	 DEP(",\"generation\":3", "\"replicas\":1",
	     "\"observedGeneration\":2,\"conditions\":[{\"type\":\"Progressing\",\"status\":"
	     "\"False\",\"reason\":\"ProgressDeadlineExceeded\"}]"),
	 K8S_ROLLOUT_WAITING, "spec update to be observed"},
	{"progressing normally is not a failure",
	 DEP(",\"generation\":2", "\"replicas\":1",
	     "\"observedGeneration\":2,\"replicas\":1,\"updatedReplicas\":1,"
	     "\"availableReplicas\":1,\"conditions\":[{\"type\":\"Progressing\",\"status\":"
	     "\"True\",\"reason\":\"NewReplicaSetAvailable\"}]"),
	 K8S_ROLLOUT_DONE, "successfully rolled out"},
	{"missing status entirely", "{\"kind\":\"Deployment\",\"metadata\":{\"name\":\"x\"}}",
	 K8S_ROLLOUT_DONE, "successfully rolled out"},

	{"statefulset not observed",
	 "{\"kind\":\"StatefulSet\",\"metadata\":{\"name\":\"db\",\"generation\":1},"
	 "\"spec\":{\"replicas\":1},\"status\":{}}",
	 K8S_ROLLOUT_WAITING, "statefulset spec update to be observed"},
	{"statefulset pods not ready",
	 "{\"kind\":\"StatefulSet\",\"metadata\":{\"name\":\"db\",\"generation\":1},"
	 "\"spec\":{\"replicas\":3},\"status\":{\"observedGeneration\":1,\"readyReplicas\":1}}",
	 K8S_ROLLOUT_WAITING, "Waiting for 2 pods to be ready"},
	{"statefulset revisions differ",
	 "{\"kind\":\"StatefulSet\",\"metadata\":{\"name\":\"db\",\"generation\":1},"
	 "\"spec\":{\"replicas\":1},\"status\":{\"observedGeneration\":1,\"readyReplicas\":1,"
	 "\"updatedReplicas\":0,\"currentRevision\":\"a\",\"updateRevision\":\"b\"}}",
	 K8S_ROLLOUT_WAITING, "at revision b"},
	{"statefulset done",
	 "{\"kind\":\"StatefulSet\",\"metadata\":{\"name\":\"db\",\"generation\":1},"
	 "\"spec\":{\"replicas\":1},\"status\":{\"observedGeneration\":1,\"readyReplicas\":1,"
	 "\"currentReplicas\":1,\"currentRevision\":\"a\",\"updateRevision\":\"a\"}}",
	 K8S_ROLLOUT_DONE, "rolling update complete 1 pods at revision a"},
	{"statefulset partition pending",
	 "{\"kind\":\"StatefulSet\",\"metadata\":{\"name\":\"db\",\"generation\":1},"
	 "\"spec\":{\"replicas\":3,\"updateStrategy\":{\"type\":\"RollingUpdate\","
	 "\"rollingUpdate\":{\"partition\":1}}},\"status\":{\"observedGeneration\":1,"
	 "\"readyReplicas\":3,\"updatedReplicas\":1}}",
	 K8S_ROLLOUT_WAITING, "1 out of 2 new pods have been updated"},
	{"statefulset OnDelete cannot be followed",
	 "{\"kind\":\"StatefulSet\",\"metadata\":{\"name\":\"db\"},"
	 "\"spec\":{\"updateStrategy\":{\"type\":\"OnDelete\"}}}",
	 K8S_ROLLOUT_UNTRACKABLE, "RollingUpdate"},

	{"daemonset waiting for updates",
	 "{\"kind\":\"DaemonSet\",\"metadata\":{\"name\":\"ds\",\"generation\":1},\"spec\":{},"
	 "\"status\":{\"observedGeneration\":1,\"desiredNumberScheduled\":3,"
	 "\"updatedNumberScheduled\":2}}",
	 K8S_ROLLOUT_WAITING, "2 out of 3 new pods have been updated"},
	{"daemonset waiting for availability",
	 "{\"kind\":\"DaemonSet\",\"metadata\":{\"name\":\"ds\",\"generation\":1},\"spec\":{},"
	 "\"status\":{\"observedGeneration\":1,\"desiredNumberScheduled\":3,"
	 "\"updatedNumberScheduled\":3,\"numberAvailable\":1}}",
	 K8S_ROLLOUT_WAITING, "1 of 3 updated pods are available"},
	{"daemonset done",
	 "{\"kind\":\"DaemonSet\",\"metadata\":{\"name\":\"ds\",\"generation\":1},\"spec\":{},"
	 "\"status\":{\"observedGeneration\":1,\"desiredNumberScheduled\":3,"
	 "\"updatedNumberScheduled\":3,\"numberAvailable\":3}}",
	 K8S_ROLLOUT_DONE, "\"ds\" successfully rolled out"},

	{"pod just created", "{\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"}}",
	 K8S_ROLLOUT_WAITING, "Waiting for pod \"p\" (Pending)..."},
	{"pod that no node takes",
	 "{\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"},\"status\":{\"phase\":\"Pending\","
	 "\"conditions\":[{\"type\":\"PodScheduled\",\"status\":\"False\",\"reason\":"
	 "\"Unschedulable\",\"message\":\"0/3 nodes are available\"}]}}",
	 K8S_ROLLOUT_WAITING, "(Pending): Unschedulable: 0/3 nodes are available"},
	{"pod pulling its image",
	 "{\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"},\"status\":{\"phase\":\"Pending\","
	 "\"conditions\":[{\"type\":\"PodScheduled\",\"status\":\"True\"}],"
	 "\"containerStatuses\":[{\"state\":{\"waiting\":{\"reason\":\"ErrImagePull\"}}}]}}",
	 K8S_ROLLOUT_WAITING, "(Pending): ErrImagePull"},
	{"pod running", "{\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"},\"status\":{\"phase\":\"Running\"}}",
	 K8S_ROLLOUT_WAITING, "(Running)"},
	{"pod done", "{\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"},\"status\":{\"phase\":\"Succeeded\"}}",
	 K8S_ROLLOUT_DONE, "pod \"p\" completed"},
	{"pod failed: the container's reason and exit code",
	 "{\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"},\"status\":{\"phase\":\"Failed\","
	 "\"containerStatuses\":[{\"state\":{\"terminated\":{\"reason\":\"Error\","
	 "\"message\":\"rm: cannot remove\",\"exitCode\":1}}}]}}",
	 K8S_ROLLOUT_FAILED, "failed: Error, rm: cannot remove (exit code 1)"},
	{"pod evicted: the pod's own reason",
	 "{\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"},\"status\":{\"phase\":\"Failed\","
	 "\"reason\":\"Evicted\",\"message\":\"low on ephemeral-storage\"}}",
	 K8S_ROLLOUT_FAILED, "failed: Evicted, low on ephemeral-storage (exit code -1)"},

	{"not a workload", "{\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"c\"}}",
	 K8S_ROLLOUT_UNTRACKABLE, "no rollout status for kind ConfigMap"},
	{"not even an object", "[]", K8S_ROLLOUT_UNTRACKABLE, "(none)"},
};

static void rules_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		json_error_t err;
		json_t *obj = json_loads(rows[i].json, 0, &err);
		if (!obj)
			fail_msg("row %zu (%s): bad JSON: %s", i, rows[i].what, err.text);
		char *msg = NULL;
		enum k8s_rollout got = k8s_rollout_status(obj, &msg);
		if (got != rows[i].want)
			fail_msg("row %zu (%s): got %s, want %s (%s)", i, rows[i].what,
				 k8s_rollout_name(got), k8s_rollout_name(rows[i].want), msg);
		if (!msg || !strstr(msg, rows[i].message))
			fail_msg("row %zu (%s): message \"%s\" lacks \"%s\"", i, rows[i].what,
				 msg ? msg : "(null)", rows[i].message);
		/* The function is pure: the same object gives the same answer,
		 * and a NULL message pointer is fine. */
		assert_int_equal(k8s_rollout_status(obj, NULL), got);
		free(msg);
		json_decref(obj);
	}
}

static void names(void **state)
{
	(void)state;
	assert_string_equal(k8s_rollout_name(K8S_ROLLOUT_WAITING), "waiting");
	assert_string_equal(k8s_rollout_name(K8S_ROLLOUT_DONE), "done");
	assert_string_equal(k8s_rollout_name(K8S_ROLLOUT_FAILED), "failed");
	assert_string_equal(k8s_rollout_name(K8S_ROLLOUT_UNTRACKABLE), "untrackable");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rules_table),
		cmocka_unit_test(names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
