/* hostPath storage: the server's data lives on the node labelled
 * app=clearml under the base directory, where the API cannot reach. The
 * "node-data" action records that directory in the journal (so destroy
 * deletes what was used, whatever the answers say later); destroy keeps it
 * ("kept"), and destroy --purge deletes exactly the directories the
 * Deployments used with a one-off pod on that node (k8s_purge_pod), once
 * the server's own pods are gone. The node is recorded too: a destroy
 * without --purge removes the label Landfall added, and the pod must still
 * land where the data is. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../i18n.h"
#include "k8s_rollout.h"
#include "kubernetes_actions.h"

#define SERVER_PODS "app.kubernetes.io/part-of=clearml-server"

static enum action_rc data_find(struct action_ctx *ctx)
{
	return ctx_resource(ctx, "base_dir") ? ACT_OK : ACT_NOT_FOUND;
}

/* Record where the data lives: the base directory and the node labelled
 * app=clearml (the purge pod is bound to it even once the label is gone). */
static enum action_rc data_apply(struct action_ctx *ctx)
{
	struct k8s_session *s = k8s_sess(ctx);
	const char *base = k8s_base_dir(s->c);
	json_t *list = NULL;
	char *why = NULL;
	enum k8s_status st = k8s_list(s->client, "/api/v1/nodes", "app=clearml", &list, &why);
	if (st != K8S_OK)
		return k8s_act_fail(ctx, st, why);
	json_t *items = json_object_get(list, "items");
	const char *node =
		json_array_size(items) == 1
			? json_string_value(json_object_get(
				  json_object_get(json_array_get(items, 0), "metadata"), "name"))
			: NULL;
	enum action_rc rc = ACT_OK;
	if ((node && ctx_set_resource(ctx, "node", node) != 0) ||
	    ctx_set_resource(ctx, "base_dir", base) != 0)
		rc = ctx_error(ctx, ACT_FAILED, NULL, _("cannot record %s in the journal"), base);
	else
		ctx_log(ctx, LOG_INFO, _("the server's data lives under %s on node %s"), base,
			node ? node : _("(the node labelled app=clearml)"));
	json_decref(list);
	return rc;
}

/* A directory the purge may empty: absolute, not the root, no "." or ".."
 * component. */
static bool purgeable(const char *base)
{
	if (!base || base[0] != '/' || strspn(base, "/") == strlen(base))
		return false;
	for (const char *p = base; *p;) {
		p += strspn(p, "/");
		size_t n = strcspn(p, "/");
		if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		p += n;
	}
	return true;
}

/* Delete `path`; already gone is fine. */
static enum action_rc delete_path(struct action_ctx *ctx, const char *path)
{
	char *why = NULL;
	enum k8s_status st = k8s_delete(k8s_sess(ctx)->client, path, NULL, &why);
	if (st != K8S_OK && st != K8S_ERR_NOT_FOUND)
		return k8s_act_fail(ctx, st, why);
	free(why);
	return ACT_OK;
}

/* One more round of a wait that ends at `deadline`: ACT_OK after sleeping
 * an interval, else the error (`late` with `hint`) or an interruption. */
static enum action_rc wait_round(struct action_ctx *ctx, long long deadline, const char *hint,
				 const char *late)
{
	if (lf_now_ms() >= deadline)
		return ctx_error(ctx, ACT_FAILED, hint, "%s", late);
	if (lf_sleep_ms(k8s_sess(ctx)->rollout_interval_ms) != 0)
		return ctx_error(ctx, ACT_RETRY, NULL, "%s", _("interrupted"));
	return ACT_OK;
}

/* Poll until no pod of the server is left in the namespace. */
static enum action_rc wait_server_pods_gone(struct action_ctx *ctx)
{
	struct k8s_session *s = k8s_sess(ctx);
	char *path = lf_asprintf("/api/v1/namespaces/%s/pods", s->c->namespace_);
	long long deadline = lf_now_ms() + s->pod_timeout_ms;
	enum action_rc rc = ACT_OK;
	for (bool said = false;;) {
		json_t *list = NULL;
		char *why = NULL;
		enum k8s_status st = k8s_list(s->client, path, SERVER_PODS, &list, &why);
		if (st != K8S_OK) {
			rc = k8s_act_fail(ctx, st, why);
			break;
		}
		size_t n = json_array_size(json_object_get(list, "items"));
		json_decref(list);
		if (n == 0)
			break;
		if (!said)
			ctx_log(ctx, LOG_INFO,
				_("waiting for the server's pods to stop (%zu left)"), n);
		said = true;
		char *hint = lf_asprintf(_("kubectl -n %s get pods shows them; run destroy --purge "
					   "again when they are gone"),
					 s->c->namespace_);
		char *late = lf_asprintf(ngettext("%zu pod of the server is still running in %s: "
						  "the data is in use",
						  "%zu pods of the server are still running in %s: "
						  "the data is in use",
						  n),
					 n, s->c->namespace_);
		rc = wait_round(ctx, deadline, hint, late);
		free(hint);
		free(late);
		if (rc != ACT_OK)
			break;
	}
	free(path);
	return rc;
}

/* Pods of an earlier purge that did not finish (kept for their logs). */
static enum action_rc delete_leftovers(struct action_ctx *ctx)
{
	struct k8s_session *s = k8s_sess(ctx);
	char *path = lf_asprintf("/api/v1/namespaces/%s/pods", s->c->namespace_);
	char *sel =
		lf_asprintf("landfall.io/purge=true,landfall.io/install=%s", k8s_install_id(s->c));
	json_t *list = NULL;
	char *why = NULL;
	enum action_rc rc = ACT_OK;
	enum k8s_status st = k8s_list(s->client, path, sel, &list, &why);
	if (st != K8S_OK)
		rc = k8s_act_fail(ctx, st, why);
	size_t i;
	json_t *pod;
	json_array_foreach(json_object_get(list, "items"), i, pod)
	{
		const char *name = json_string_value(
			json_object_get(json_object_get(pod, "metadata"), "name"));
		char *p = lf_asprintf("%s/%s", path, name ? name : "");
		rc = delete_path(ctx, p);
		free(p);
		if (rc != ACT_OK)
			break;
		ctx_log(ctx, LOG_INFO, _("deleted the pod %s of an earlier purge"), name);
	}
	json_decref(list);
	free(sel);
	free(path);
	return rc;
}

/* The namespace the pod runs in: there, or made for the purge (a destroy
 * without --purge deleted it; one still terminating is waited out). */
static enum action_rc ensure_namespace(struct action_ctx *ctx)
{
	struct k8s_session *s = k8s_sess(ctx);
	char *path = lf_asprintf("/api/v1/namespaces/%s", s->c->namespace_);
	long long deadline = lf_now_ms() + s->pod_timeout_ms;
	enum action_rc rc = ACT_OK;
	for (;;) {
		json_t *ns = NULL;
		char *why = NULL;
		enum k8s_status st = k8s_get(s->client, path, &ns, &why);
		bool ending = st == K8S_OK &&
			      json_object_get(json_object_get(ns, "metadata"), "deletionTimestamp");
		json_decref(ns);
		if (st == K8S_ERR_NOT_FOUND) {
			free(why);
			why = NULL;
			ns = json_pack("{s:s, s:s, s:{s:s, s:{s:s}}}", "apiVersion", "v1", "kind",
				       "Namespace", "metadata", "name", s->c->namespace_, "labels",
				       "app.kubernetes.io/managed-by", "landfall");
			st = k8s_apply(s->client, path, ns, 0, NULL, &why);
			json_decref(ns);
			/* Recorded: a purge that fails leaves it (with the pod, for its
			 * logs), and the next one still deletes it. */
			if (st == K8S_OK)
				ctx_set_resource(ctx, "namespace_made", "true");
		}
		if (st != K8S_OK) {
			rc = k8s_act_fail(ctx, st, why);
			break;
		}
		free(why);
		if (!ending)
			break;
		ctx_log(ctx, LOG_INFO, _("namespace %s is being deleted: waiting"),
			s->c->namespace_);
		char *late = lf_asprintf(
			_("namespace %s is still being deleted; run destroy --purge again later"),
			s->c->namespace_);
		rc = wait_round(ctx, deadline, NULL, late);
		free(late);
		if (rc != ACT_OK)
			break;
	}
	free(path);
	return rc;
}

static void on_pod(const char *message, void *user)
{
	ctx_log(user, LOG_INFO, "%s", message);
}

/* Run the purge pod to its end; deleted when it succeeded, kept (for its
 * logs) when not. */
static enum action_rc run_purge_pod(struct action_ctx *ctx, const char *base, const char *node)
{
	struct k8s_session *s = k8s_sess(ctx);
	const char *ns = s->c->namespace_;
	char *name = lf_asprintf("clearml-purge-%llx", (unsigned long long)time(NULL));
	char *path = lf_asprintf("/api/v1/namespaces/%s/pods/%s", ns, name);
	json_t *pod = NULL;
	char *why = NULL, *msg = NULL;
	enum action_rc rc = ACT_OK;
	if (k8s_purge_pod(s->c, base, node, name, &pod, &why) != 0) {
		rc = ctx_error(ctx, ACT_FAILED, NULL, "%s", why);
		free(why);
		goto out;
	}
	enum k8s_status st = k8s_apply(s->client, path, pod, 0, NULL, &why);
	if (st != K8S_OK) {
		rc = k8s_act_fail(ctx, st, why);
		why = NULL;
		goto out;
	}
	free(why);
	why = NULL;
	ctx_log(ctx, LOG_INFO, _("pod %s deletes the data under %s on node %s"), name, base,
		node ? node : _("(the node labelled app=clearml)"));
	enum k8s_rollout state;
	st = k8s_rollout_wait(s->client, path, s->pod_timeout_ms, s->rollout_interval_ms, on_pod,
			      ctx, &state, &msg, &why);
	if (st != K8S_OK) {
		rc = k8s_act_fail(ctx, st, why);
		why = NULL;
		goto out;
	}
	free(why);
	why = NULL;
	if (state != K8S_ROLLOUT_DONE) {
		char *hint = lf_asprintf(
			state == K8S_ROLLOUT_FAILED
				? _("kubectl -n %s logs %s tells why; run destroy --purge again")
				: _("kubectl -n %s describe pod %s tells why; run destroy --purge "
				    "again"),
			ns, name);
		rc = ctx_error(ctx, ACT_FAILED, hint, _("the data on the node was not deleted: %s"),
			       msg ? msg : "");
		free(hint);
		goto out;
	}
	rc = delete_path(ctx, path);
out:
	free(why);
	free(msg);
	json_decref(pod);
	free(path);
	free(name);
	return rc;
}

static enum action_rc data_undo(struct action_ctx *ctx)
{
	struct k8s_session *s = k8s_sess(ctx);
	const char *base = ctx_resource(ctx, "base_dir");
	if (!base)
		base = k8s_base_dir(s->c);
	if (!ctx->purge) {
		ctx_log(ctx, LOG_INFO,
			_("kept: the data under %s on the node labelled app=clearml (destroy "
			  "--purge "
			  "deletes it)"),
			base);
		ctx_keep(ctx);
		return ACT_OK;
	}
	if (!purgeable(base))
		return ctx_error(ctx, ACT_FAILED,
				 _("the journal's data directory must be an absolute path below /; "
				   "delete the data on the node by hand"),
				 _("%s cannot be purged: nothing was deleted"), base);
	enum action_rc rc = wait_server_pods_gone(ctx);
	if (rc == ACT_OK)
		rc = ensure_namespace(ctx);
	if (rc == ACT_OK)
		rc = delete_leftovers(ctx);
	if (rc == ACT_OK)
		rc = run_purge_pod(ctx, base, ctx_resource(ctx, "node"));
	if (rc == ACT_OK) {
		ctx_log(ctx, LOG_INFO, _("deleted the server's data under %s on the node"), base);
		if (ctx_resource(ctx, "namespace_made")) {
			char *path = lf_asprintf("/api/v1/namespaces/%s", s->c->namespace_);
			rc = delete_path(ctx, path);
			free(path);
		}
	}
	return rc;
}

const struct action_ops k8s_node_data_ops = {
	.find = data_find,
	.apply = data_apply,
	.undo = data_undo,
};
