#include "dryrun.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../engine.h"
#include "../i18n.h"

struct dryrun_session {
	const struct dryrun_config *cfg;
	int failures_left;   /* for cfg->fail "ID:N" */
	bool fatal;
	char *fail_id;
};

static int dr_open(const void *config, struct events *evs, void **session,
                   char **cause)
{
	(void)evs;
	const struct dryrun_config *c = config;
	if (!c->target || !c->target->plan)
		return lf_fail(cause, _("dry-run: no target backend to mirror"));
	struct dryrun_session *s = lf_xcalloc(1, sizeof *s);
	s->cfg = c;
	if (!lf_str_empty(c->fail)) {
		const char *colon = strrchr(c->fail, ':');
		if (!colon) {
			free(s);
			return lf_fail(cause, _("dry-run fail spec \"%s\" must be ID:COUNT or ID:fatal"),
			               c->fail);
		}
		s->fail_id = lf_xstrndup(c->fail, (size_t)(colon - c->fail));
		if (strcmp(colon + 1, "fatal") == 0)
			s->fatal = true;
		else
			s->failures_left = atoi(colon + 1);
	}
	*session = s;
	return 0;
}

static void dr_close(void *session)
{
	struct dryrun_session *s = session;
	if (!s)
		return;
	free(s->fail_id);
	free(s);
}

static int dr_check(void *session, struct check_list *out, char **cause)
{
	(void)cause;
	struct dryrun_session *s = session;
	char *reason = lf_asprintf(_("dry run of the %s plan: nothing outside this machine is touched"),
	                           s->cfg->target->name);
	check_list_add(out, "dry-run.mode", _("Dry run"), CHECK_OK, reason, NULL);
	free(reason);
	return 0;
}

/* Last ledger verb for id: 'a' (applied), 'u' (undone) or 0 (none). */
static int ledger_state(const char *ledger, const char *id)
{
	FILE *f = fopen(ledger, "r");
	if (!f)
		return 0;
	char line[512], verb[16], lid[400];
	int state = 0;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "%15s %399s", verb, lid) == 2 && strcmp(lid, id) == 0)
			state = verb[0];
	fclose(f);
	return state;
}

static int ledger_append(const char *ledger, const char *verb, const char *id)
{
	FILE *f = fopen(ledger, "a");
	if (!f)
		return -1;
	fprintf(f, "%s %s\n", verb, id);
	int rc = fflush(f) == 0 && fsync(fileno(f)) == 0 ? 0 : -1;
	return fclose(f) == 0 ? rc : -1;
}

static enum action_rc dr_find(struct action_ctx *ctx)
{
	struct dryrun_session *s = ctx->session;
	if (s->cfg->ledger && ledger_state(s->cfg->ledger, ctx->action->id) == 'a') {
		ctx_set_resource(ctx, "dry-run-id", ctx->action->id);
		return ACT_OK;
	}
	return ACT_NOT_FOUND;
}

static enum action_rc pass_time(struct action_ctx *ctx, long ms)
{
	const int steps = 4;
	for (int i = 1; i <= steps && ms > 0; i++) {
		lf_sleep_ms(ms / steps);
		ctx_progress(ctx, (double)i / steps);
	}
	return ACT_OK;
}

static enum action_rc dr_apply(struct action_ctx *ctx)
{
	struct dryrun_session *s = ctx->session;
	const char *id = ctx->action->id;
	if (s->fail_id && strcmp(s->fail_id, id) == 0) {
		if (s->fatal)
			return ctx_error(ctx, ACT_FAILED,
			                 _("this failure was asked for with the dry-run fail setting"),
			                 _("simulated permanent failure"));
		if (s->failures_left > 0) {
			s->failures_left--;
			return ctx_error(ctx, ACT_RETRY, NULL,
			                 _("simulated temporary failure"));
		}
	}
	ctx_log(ctx, LOG_INFO, _("dry run: nothing was changed"));
	pass_time(ctx, s->cfg->delay_ms);
	if (s->cfg->ledger && ledger_append(s->cfg->ledger, "apply", id) != 0)
		return ctx_error(ctx, ACT_FAILED, NULL, _("cannot write the ledger %s: %s"),
		                 s->cfg->ledger, strerror(errno));
	lf_fault_point("dryrun.applied");
	if (ctx_set_resource(ctx, "dry-run-id", id) != 0)
		return ACT_FAILED;
	return ACT_OK;
}

static enum action_rc dr_undo(struct action_ctx *ctx)
{
	struct dryrun_session *s = ctx->session;
	if (s->fatal && strcmp(s->fail_id, ctx->action->id) == 0)
		return ctx_error(ctx, ACT_FAILED,
		                 _("this failure was asked for with the dry-run fail setting"),
		                 _("simulated permanent failure"));
	ctx_log(ctx, LOG_INFO, _("dry run: nothing was removed"));
	if (s->cfg->ledger && ledger_append(s->cfg->ledger, "undo", ctx->action->id) != 0)
		return ctx_error(ctx, ACT_FAILED, NULL, _("cannot write the ledger %s: %s"),
		                 s->cfg->ledger, strerror(errno));
	return ACT_OK;
}

static const struct action_ops dryrun_action = {
	.find = dr_find,
	.apply = dr_apply,
	.undo = dr_undo,
};

static int dr_plan(const void *config, struct plan *out, char **cause)
{
	const struct dryrun_config *c = config;
	if (!c->target || !c->target->plan)
		return lf_fail(cause, _("dry-run: no target backend to mirror"));
	if (c->target->plan(c->target_config, out, cause) != 0)
		return -1;
	for (size_t i = 0; i < out->n; i++)
		out->actions[i].ops = &dryrun_action;
	return 0;
}

const struct backend_ops dryrun_backend = {
	.name = "dry-run",
	.open = dr_open,
	.close = dr_close,
	.check = dr_check,
	.plan = dr_plan,
};
