/* kubectl's rollout status rules (k8s.io/kubectl/pkg/polymorphichelpers,
 * rollout_status.go), over JSON. */
#include "k8s_rollout.h"

#include <stdlib.h>
#include <string.h>

#include "../i18n.h"
#include "../util.h"

/* An integer field at a dotted path; `def` when absent. */
static json_int_t num(const json_t *obj, const char *a, const char *b, json_int_t def)
{
	const json_t *v = json_object_get(obj, a);
	if (b)
		v = json_object_get(v, b);
	return json_is_integer(v) ? json_integer_value(v) : def;
}

static void say(char **message, char *text)
{
	if (message)
		*message = text;
	else
		free(text);
}

static const char *name_of(const json_t *obj)
{
	const char *n =
		json_string_value(json_object_get(json_object_get(obj, "metadata"), "name"));
	return n ? n : "?";
}

static const char *strategy_type(const json_t *obj)
{
	const char *t = json_string_value(json_object_get(
		json_object_get(json_object_get(obj, "spec"), "updateStrategy"), "type"));
	return t ? t : "RollingUpdate"; /* the API server's default */
}

static enum k8s_rollout deployment(const json_t *d, char **message)
{
	const json_t *spec = json_object_get(d, "spec");
	const json_t *st = json_object_get(d, "status");
	const char *name = name_of(d);
	json_int_t generation = num(d, "metadata", "generation", 0);
	json_int_t observed = num(st, "observedGeneration", NULL, 0);
	if (generation > observed) {
		say(message, lf_xstrdup(_("Waiting for deployment spec update to be observed...")));
		return K8S_ROLLOUT_WAITING;
	}
	size_t i;
	json_t *cond;
	json_array_foreach(json_object_get(st, "conditions"), i, cond)
	{
		const char *type = json_string_value(json_object_get(cond, "type"));
		const char *reason = json_string_value(json_object_get(cond, "reason"));
		if (type && reason && strcmp(type, "Progressing") == 0 &&
		    strcmp(reason, "ProgressDeadlineExceeded") == 0) {
			say(message,
			    lf_asprintf(_("deployment \"%s\" exceeded its progress deadline"),
					name));
			return K8S_ROLLOUT_FAILED;
		}
	}
	json_int_t updated = num(st, "updatedReplicas", NULL, 0);
	json_int_t replicas = num(st, "replicas", NULL, 0);
	json_int_t available = num(st, "availableReplicas", NULL, 0);
	if (json_is_integer(json_object_get(spec, "replicas"))) {
		json_int_t want = num(spec, "replicas", NULL, 0);
		if (updated < want) {
			say(message,
			    lf_asprintf(_("Waiting for deployment \"%s\" rollout to finish: "
					  "%lld out of %lld new replicas have been "
					  "updated..."),
					name, (long long)updated, (long long)want));
			return K8S_ROLLOUT_WAITING;
		}
	}
	if (replicas > updated) {
		say(message, lf_asprintf(_("Waiting for deployment \"%s\" rollout to finish: %lld "
					   "old replicas are pending termination..."),
					 name, (long long)(replicas - updated)));
		return K8S_ROLLOUT_WAITING;
	}
	if (available < updated) {
		say(message, lf_asprintf(_("Waiting for deployment \"%s\" rollout to finish: %lld "
					   "of %lld updated replicas are available..."),
					 name, (long long)available, (long long)updated));
		return K8S_ROLLOUT_WAITING;
	}
	say(message, lf_asprintf(_("deployment \"%s\" successfully rolled out"), name));
	return K8S_ROLLOUT_DONE;
}

static enum k8s_rollout statefulset(const json_t *s, char **message)
{
	const json_t *spec = json_object_get(s, "spec");
	const json_t *st = json_object_get(s, "status");
	if (strcmp(strategy_type(s), "RollingUpdate") != 0) {
		say(message, lf_xstrdup(_("rollout status is only available for the RollingUpdate "
					  "strategy type")));
		return K8S_ROLLOUT_UNTRACKABLE;
	}
	json_int_t generation = num(s, "metadata", "generation", 0);
	json_int_t observed = num(st, "observedGeneration", NULL, 0);
	if (observed == 0 || generation > observed) {
		say(message,
		    lf_xstrdup(_("Waiting for statefulset spec update to be observed...")));
		return K8S_ROLLOUT_WAITING;
	}
	json_int_t ready = num(st, "readyReplicas", NULL, 0);
	json_int_t updated = num(st, "updatedReplicas", NULL, 0);
	bool has_replicas = json_is_integer(json_object_get(spec, "replicas"));
	json_int_t want = num(spec, "replicas", NULL, 0);
	if (has_replicas && ready < want) {
		say(message, lf_asprintf(_("Waiting for %lld pods to be ready..."),
					 (long long)(want - ready)));
		return K8S_ROLLOUT_WAITING;
	}
	const json_t *ru =
		json_object_get(json_object_get(spec, "updateStrategy"), "rollingUpdate");
	if (json_is_object(ru)) {
		if (has_replicas && json_is_integer(json_object_get(ru, "partition"))) {
			json_int_t part = num(ru, "partition", NULL, 0);
			if (updated < want - part) {
				say(message,
				    lf_asprintf(_("Waiting for partitioned roll out to finish: "
						  "%lld out "
						  "of %lld new pods have been updated..."),
						(long long)updated, (long long)(want - part)));
				return K8S_ROLLOUT_WAITING;
			}
		}
		say(message, lf_asprintf(_("partitioned roll out complete: %lld new pods have been "
					   "updated..."),
					 (long long)updated));
		return K8S_ROLLOUT_DONE;
	}
	const char *upd = json_string_value(json_object_get(st, "updateRevision"));
	const char *cur = json_string_value(json_object_get(st, "currentRevision"));
	if (strcmp(upd ? upd : "", cur ? cur : "") != 0) {
		say(message,
		    lf_asprintf(_("waiting for statefulset rolling update to complete %lld "
				  "pods at revision %s..."),
				(long long)updated, upd ? upd : ""));
		return K8S_ROLLOUT_WAITING;
	}
	say(message, lf_asprintf(_("statefulset rolling update complete %lld pods at revision "
				   "%s..."),
				 (long long)num(st, "currentReplicas", NULL, 0), cur ? cur : ""));
	return K8S_ROLLOUT_DONE;
}

static enum k8s_rollout daemonset(const json_t *d, char **message)
{
	const json_t *st = json_object_get(d, "status");
	const char *name = name_of(d);
	if (strcmp(strategy_type(d), "RollingUpdate") != 0) {
		say(message, lf_xstrdup(_("rollout status is only available for the RollingUpdate "
					  "strategy type")));
		return K8S_ROLLOUT_UNTRACKABLE;
	}
	json_int_t generation = num(d, "metadata", "generation", 0);
	json_int_t observed = num(st, "observedGeneration", NULL, 0);
	if (generation > observed) {
		say(message, lf_xstrdup(_("Waiting for daemon set spec update to be observed...")));
		return K8S_ROLLOUT_WAITING;
	}
	json_int_t desired = num(st, "desiredNumberScheduled", NULL, 0);
	json_int_t updated = num(st, "updatedNumberScheduled", NULL, 0);
	json_int_t available = num(st, "numberAvailable", NULL, 0);
	if (updated < desired) {
		say(message,
		    lf_asprintf(_("Waiting for daemon set \"%s\" rollout to finish: %lld out "
				  "of %lld new pods have been updated..."),
				name, (long long)updated, (long long)desired));
		return K8S_ROLLOUT_WAITING;
	}
	if (available < desired) {
		say(message,
		    lf_asprintf(_("Waiting for daemon set \"%s\" rollout to finish: %lld of "
				  "%lld updated pods are available..."),
				name, (long long)available, (long long)desired));
		return K8S_ROLLOUT_WAITING;
	}
	say(message, lf_asprintf(_("daemon set \"%s\" successfully rolled out"), name));
	return K8S_ROLLOUT_DONE;
}

/* The first condition of `type` that is not "True", as "Reason: message". */
static char *condition_problem(const json_t *st, const char *type)
{
	size_t i;
	json_t *c;
	json_array_foreach(json_object_get(st, "conditions"), i, c)
	{
		const char *t = json_string_value(json_object_get(c, "type"));
		const char *v = json_string_value(json_object_get(c, "status"));
		if (t && strcmp(t, type) == 0 && v && strcmp(v, "True") != 0) {
			const char *r = json_string_value(json_object_get(c, "reason"));
			const char *m = json_string_value(json_object_get(c, "message"));
			return lf_asprintf("%s%s%s", r ? r : "", r && m ? ": " : "", m ? m : "");
		}
	}
	return NULL;
}

/* A one-off pod (restartPolicy Never): Succeeded is done, Failed a
 * failure with the container's reason and exit code; before that, what
 * it waits for (scheduling, the image, the mount). */
static enum k8s_rollout pod(const json_t *p, char **message)
{
	const json_t *st = json_object_get(p, "status");
	const char *name = name_of(p);
	const char *phase = json_string_value(json_object_get(st, "phase"));
	const json_t *cs = json_array_get(json_object_get(st, "containerStatuses"), 0);
	const json_t *state = json_object_get(cs, "state");
	const json_t *term = json_object_get(state, "terminated");
	const json_t *wait = json_object_get(state, "waiting");
	if (phase && strcmp(phase, "Succeeded") == 0) {
		say(message, lf_asprintf(_("pod \"%s\" completed"), name));
		return K8S_ROLLOUT_DONE;
	}
	if (phase && strcmp(phase, "Failed") == 0) {
		const char *r = json_string_value(json_object_get(term, "reason"));
		const char *m = json_string_value(json_object_get(term, "message"));
		if (!r)
			r = json_string_value(json_object_get(st, "reason"));
		if (!m)
			m = json_string_value(json_object_get(st, "message"));
		say(message, lf_asprintf(_("pod \"%s\" failed: %s%s%s (exit code %lld)"), name,
					 r ? r : _("no reason given"), m ? ", " : "", m ? m : "",
					 (long long)num(term, "exitCode", NULL, -1)));
		return K8S_ROLLOUT_FAILED;
	}
	char *why = condition_problem(st, "PodScheduled");
	if (!why && wait) {
		const char *r = json_string_value(json_object_get(wait, "reason"));
		const char *m = json_string_value(json_object_get(wait, "message"));
		why = lf_asprintf("%s%s%s", r ? r : "", r && m ? ": " : "", m ? m : "");
	}
	say(message, why && *why ? lf_asprintf(_("Waiting for pod \"%s\" (%s): %s"), name,
						 phase ? phase : "Pending", why)
				  : lf_asprintf(_("Waiting for pod \"%s\" (%s)..."), name,
						 phase ? phase : "Pending"));
	free(why);
	return K8S_ROLLOUT_WAITING;
}

enum k8s_rollout k8s_rollout_status(const json_t *obj, char **message)
{
	if (message)
		*message = NULL;
	const char *kind = json_string_value(json_object_get(obj, "kind"));
	if (kind && strcmp(kind, "Deployment") == 0)
		return deployment(obj, message);
	if (kind && strcmp(kind, "StatefulSet") == 0)
		return statefulset(obj, message);
	if (kind && strcmp(kind, "DaemonSet") == 0)
		return daemonset(obj, message);
	if (kind && strcmp(kind, "Pod") == 0)
		return pod(obj, message);
	say(message, lf_asprintf(_("no rollout status for kind %s"), kind ? kind : "(none)"));
	return K8S_ROLLOUT_UNTRACKABLE;
}

const char *k8s_rollout_name(enum k8s_rollout r)
{
	switch (r) {
	case K8S_ROLLOUT_WAITING: return "waiting";
	case K8S_ROLLOUT_DONE: return "done";
	case K8S_ROLLOUT_FAILED: return "failed";
	case K8S_ROLLOUT_UNTRACKABLE: return "untrackable";
	}
	return "unknown";
}

enum k8s_status k8s_rollout_wait(struct k8s_client *c, const char *path, long timeout_ms,
				 long interval_ms, k8s_rollout_progress_fn progress, void *user,
				 enum k8s_rollout *state, char **message, char **cause)
{
	*state = K8S_ROLLOUT_WAITING;
	*message = NULL;
	long long deadline = lf_now_ms() + timeout_ms;
	char *last = NULL;
	enum k8s_status st = K8S_OK;
	for (;;) {
		json_t *obj = NULL;
		char *err = NULL;
		st = k8s_get(c, path, &obj, &err);
		if (st == K8S_OK) {
			char *msg = NULL;
			*state = k8s_rollout_status(obj, &msg);
			json_decref(obj);
			if (progress && (!last || strcmp(last, msg) != 0))
				progress(msg, user);
			free(last);
			last = msg;
			if (*state != K8S_ROLLOUT_WAITING)
				break;
		} else if (!k8s_status_retryable(st)) {
			lf_fail(cause, "%s", err);
			free(err);
			break;
		}
		if (lf_now_ms() >= deadline) {
			if (st != K8S_OK) { /* still unreachable at the deadline */
				lf_fail(cause, "%s", err);
				free(err);
				break;
			}
			char *m = lf_asprintf(_("timed out after %ld s: %s"), timeout_ms / 1000,
					      last ? last : "");
			free(last);
			last = m;
			break;
		}
		free(err);
		if (lf_sleep_ms(interval_ms) != 0) {
			st = K8S_ERR_INTERRUPTED;
			lf_fail(cause, _("waiting for %s: interrupted"), path);
			break;
		}
	}
	*message = last;
	return st;
}
