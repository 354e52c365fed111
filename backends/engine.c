#include "engine.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "i18n.h"

static bool interrupted(const struct engine_opts *o)
{
	return o->interrupt && *o->interrupt;
}

static void default_sleep(long ms, void *user)
{
	(void)user;
	lf_sleep_ms(ms);
}

static struct engine_opts with_defaults(const struct engine_opts *in)
{
	struct engine_opts o = in ? *in : (struct engine_opts){ 0 };
	if (o.max_attempts <= 0)
		o.max_attempts = 5;
	if (o.base_delay_ms <= 0)
		o.base_delay_ms = 1000;
	if (o.max_delay_ms <= 0)
		o.max_delay_ms = 30000;
	if (!o.sleep_ms)
		o.sleep_ms = default_sleep;
	if (!o.seed)
		o.seed = (unsigned)time(NULL) ^ (unsigned)lf_now_ms();
	return o;
}

long engine_backoff_ms(const struct engine_opts *opts, int attempt,
                       unsigned *seed)
{
	long d = opts->base_delay_ms;
	for (int i = 1; i < attempt && d < opts->max_delay_ms; i++)
		d *= 2;
	if (d > opts->max_delay_ms)
		d = opts->max_delay_ms;
	long half = d / 2;
	return half + (long)(rand_r(seed) % (unsigned)(d - half + 1));
}

static void emit(struct action_ctx *ctx, enum event_kind kind,
                 const char *status, const char *msg)
{
	events_emit(ctx->evs, &(struct event){
		.kind = kind, .action_id = ctx->action->id,
		.title = ctx->action->title, .index = ctx->index,
		.total = ctx->total, .attempt = ctx->attempt, .status = status,
		.message = msg, .hint = ctx->hint,
		.level = kind == EV_FAILED ? LOG_ERROR : LOG_INFO });
}

static void ctx_reset_error(struct action_ctx *ctx)
{
	free(ctx->error);
	free(ctx->hint);
	ctx->error = ctx->hint = NULL;
}

/* Sleep in short slices so that Ctrl-C during a long backoff is noticed. */
static void backoff_sleep(const struct engine_opts *o, long ms)
{
	while (ms > 0 && !interrupted(o)) {
		long slice = ms > 200 ? 200 : ms;
		o->sleep_ms(slice, o->sleep_user);
		ms -= slice;
	}
}

/* Run op with retries. Returns the final rc. */
static enum action_rc run_with_retries(struct action_ctx *ctx,
                                       enum action_rc (*op)(struct action_ctx *),
                                       struct engine_opts *o)
{
	for (ctx->attempt = 1;; ctx->attempt++) {
		ctx_reset_error(ctx);
		enum action_rc rc = op(ctx);
		if (rc != ACT_RETRY)
			return rc;
		if (ctx->attempt >= o->max_attempts) {
			ctx_log(ctx, LOG_ERROR,
			        _("giving up after %d attempts: %s"), ctx->attempt,
			        ctx->error ? ctx->error : _("temporary failure"));
			return ACT_FAILED;
		}
		long wait = engine_backoff_ms(o, ctx->attempt, &o->seed);
		ctx_log(ctx, LOG_WARN, _("temporary failure (%s); retry %d of %d in %.1f s"),
		        ctx->error ? ctx->error : _("no detail"), ctx->attempt,
		        o->max_attempts - 1, (double)wait / 1000.0);
		backoff_sleep(o, wait);
		if (interrupted(o))
			return ACT_RETRY;
	}
}

static enum engine_rc state_error(struct events *evs, char **cause)
{
	events_log(evs, NULL, LOG_ERROR, _("cannot write the journal: %s"),
	           *cause ? *cause : "?");
	return ENGINE_STATE_ERROR;
}

static void emit_plan(struct events *evs, const struct plan *p)
{
	events_emit(evs, &(struct event){ .kind = EV_PLAN, .total = (int)p->n });
}

static void emit_finished(struct events *evs, const char *status)
{
	events_emit(evs, &(struct event){ .kind = EV_FINISHED, .status = status,
	                                  .message = status });
}

enum engine_rc engine_apply(const struct plan *p, struct journal *j,
                            void *session, struct events *evs,
                            const struct engine_opts *in, char **cause)
{
	struct engine_opts o = with_defaults(in);
	journal_sync_plan(j, p);
	if (journal_save(j, cause) != 0)
		return state_error(evs, cause);
	emit_plan(evs, p);

	for (size_t i = 0; i < p->n; i++) {
		const struct action *a = &p->actions[i];
		struct action_ctx ctx = { .action = a, .journal = j, .evs = evs,
		                          .session = session, .index = (int)i,
		                          .total = (int)p->n };
		if (strcmp(journal_status(j, a->id), "done") == 0) {
			emit(&ctx, EV_DONE, "skipped", _("already done"));
			continue;
		}
		if (interrupted(&o)) {
			emit_finished(evs, "interrupted");
			return ENGINE_INTERRUPTED;
		}
		lf_fault_point("engine.boundary");
		if (!a->ops || !a->ops->apply) {
			lf_fail(cause, _("%s: this build cannot carry out this action"),
			        a->title);
			emit_finished(evs, "failed");
			return ENGINE_FAILED;
		}
		if (journal_set_status(j, a->id, "running", NULL, cause) != 0)
			return state_error(evs, cause);
		emit(&ctx, EV_STARTED, NULL, a->detail);

		enum action_rc rc = ACT_NOT_FOUND;
		const char *how = "applied";
		if (a->ops->find) {
			rc = run_with_retries(&ctx, a->ops->find, &o);
			if (rc == ACT_OK) {
				how = "found";
				ctx_log(&ctx, LOG_INFO, _("already exists; nothing to create"));
			}
		}
		if (rc == ACT_NOT_FOUND)
			rc = run_with_retries(&ctx, a->ops->apply, &o);

		if (rc == ACT_OK) {
			if (journal_set_status(j, a->id, "done", NULL, cause) != 0)
				return state_error(evs, cause);
			emit(&ctx, EV_DONE, how, NULL);
			ctx_reset_error(&ctx);
			continue;
		}
		if (rc == ACT_RETRY && interrupted(&o)) {
			/* Interrupted during backoff: the action stays pending. */
			ctx_reset_error(&ctx);
			if (journal_set_status(j, a->id, "pending", NULL, cause) != 0)
				return state_error(evs, cause);
			emit_finished(evs, "interrupted");
			return ENGINE_INTERRUPTED;
		}
		/* Events are redacted on the way out; the journal and *cause
		 * must be too (ctx_error messages may quote a secret). */
		char *err = events_redact(evs, ctx.error ? ctx.error
		                                         : _("failed with no detail"));
		if (journal_set_status(j, a->id, "failed", err, cause) != 0) {
			free(err);
			ctx_reset_error(&ctx);
			return state_error(evs, cause);
		}
		emit(&ctx, EV_FAILED, "failed", err);
		lf_fail(cause, _("%s: %s"), a->title, err);
		free(err);
		ctx_reset_error(&ctx);
		emit_finished(evs, "failed");
		return ENGINE_FAILED;
	}
	for (size_t i = 0; i < p->nout; i++)
		journal_put_output(j, NULL, p->outputs[i].key, p->outputs[i].label,
		                   p->outputs[i].value);
	if (p->nout && journal_save(j, cause) != 0)
		return state_error(evs, cause);
	emit_finished(evs, "done");
	return ENGINE_OK;
}

/* Whether an action may have created something: by its status, or, for a
 * "pending" one (apply interrupted during a retry backoff), by the ids it
 * recorded before it was stopped. */
static bool may_exist(json_t *entry)
{
	const char *status = json_string_value(json_object_get(entry, "status"));
	if (!status)
		status = "pending";
	if (strcmp(status, "undone") == 0)
		return false;
	if (strcmp(status, "pending") == 0)
		return json_object_size(json_object_get(entry, "resources")) > 0;
	return true;
}

enum engine_rc engine_destroy(const struct plan *p, struct journal *j,
                              void *session, struct events *evs,
                              const struct engine_opts *in, char **cause)
{
	struct engine_opts o = with_defaults(in);
	journal_sync_plan(j, p);
	emit_plan(evs, p);
	json_t *entries = journal_actions(j);
	size_t n = json_array_size(entries);
	int failures = 0;

	for (size_t k = n; k-- > 0;) {
		json_t *entry = json_array_get(entries, k);
		const char *id = json_string_value(json_object_get(entry, "id"));
		if (!id || !may_exist(entry))
			continue;
		int pi = plan_find(p, id);
		if (pi < 0) {
			events_log(evs, id, LOG_ERROR,
			           _("the journal lists \"%s\", which this Landfall does not know how to undo; remove it by hand"),
			           id);
			failures++;
			continue;
		}
		if (interrupted(&o)) {
			emit_finished(evs, "interrupted");
			return ENGINE_INTERRUPTED;
		}
		const struct action *a = &p->actions[pi];
		struct action_ctx ctx = { .action = a, .journal = j, .evs = evs,
		                          .session = session, .index = (int)(n - 1 - k),
		                          .total = (int)n, .purge = o.purge };
		if (journal_set_status(j, id, "undoing", NULL, cause) != 0)
			return state_error(evs, cause);
		emit(&ctx, EV_STARTED, NULL, a->detail);
		enum action_rc rc = a->ops && a->ops->undo ? run_with_retries(&ctx, a->ops->undo, &o)
		                                 : ACT_OK;
		if (rc == ACT_RETRY && interrupted(&o)) {
			/* Interrupted during backoff: not a failure. The entry stays
			 * "undoing", so the next destroy takes it up again. */
			ctx_reset_error(&ctx);
			emit_finished(evs, "interrupted");
			return ENGINE_INTERRUPTED;
		}
		if (rc == ACT_OK) {
			const char *st = ctx.kept ? "kept" : "undone";
			if (journal_set_status(j, id, st, NULL, cause) != 0)
				return state_error(evs, cause);
			emit(&ctx, EV_DONE, st, NULL);
		} else {
			char *err = events_redact(evs, ctx.error ? ctx.error
			                                         : _("failed with no detail"));
			if (journal_set_status(j, id, "failed", err, cause) != 0) {
				free(err);
				ctx_reset_error(&ctx);
				return state_error(evs, cause);
			}
			emit(&ctx, EV_FAILED, "failed", err);
			free(err);
			failures++;
		}
		ctx_reset_error(&ctx);
	}
	if (failures) {
		lf_fail(cause, ngettext("%d action could not be undone",
		                        "%d actions could not be undone", failures),
		        failures);
		emit_finished(evs, "incomplete");
		return ENGINE_INCOMPLETE;
	}
	emit_finished(evs, "done");
	return ENGINE_OK;
}

void ctx_keep(struct action_ctx *ctx)
{
	ctx->kept = true;
}

void ctx_log(struct action_ctx *ctx, enum log_level lvl, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = lf_vasprintf(fmt, ap);
	va_end(ap);
	events_emit(ctx->evs, &(struct event){
		.kind = EV_LOG, .action_id = ctx->action->id,
		.title = ctx->action->title, .index = ctx->index,
		.total = ctx->total, .attempt = ctx->attempt, .level = lvl,
		.message = msg });
	free(msg);
}

void ctx_progress(struct action_ctx *ctx, double fraction)
{
	events_emit(ctx->evs, &(struct event){
		.kind = EV_PROGRESS, .action_id = ctx->action->id,
		.title = ctx->action->title, .index = ctx->index,
		.total = ctx->total, .attempt = ctx->attempt,
		.fraction = fraction < 0 ? 0 : fraction > 1 ? 1 : fraction });
}

int ctx_set_resource(struct action_ctx *ctx, const char *key,
                     const char *value)
{
	char *cause = NULL;
	int rc = journal_set_resource(ctx->journal, ctx->action->id, key, value,
	                              &cause);
	if (rc != 0) {
		ctx_error(ctx, ACT_FAILED, NULL, "%s", cause);
		free(cause);
	}
	return rc;
}

const char *ctx_resource(const struct action_ctx *ctx, const char *key)
{
	return journal_resource(ctx->journal, ctx->action->id, key);
}

const char *ctx_resource_of(const struct action_ctx *ctx,
                            const char *action_id, const char *key)
{
	return journal_resource(ctx->journal, action_id, key);
}

int ctx_output(struct action_ctx *ctx, const char *key, const char *label,
               const char *value)
{
	char *cause = NULL;
	char *clean = events_redact(ctx->evs, value);
	int rc = journal_set_output(ctx->journal, ctx->action->id, key, label,
	                            clean, &cause);
	free(clean);
	if (rc != 0) {
		ctx_error(ctx, ACT_FAILED, NULL, "%s", cause);
		free(cause);
	}
	return rc;
}

enum action_rc ctx_error(struct action_ctx *ctx, enum action_rc rc,
                         const char *hint, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = lf_vasprintf(fmt, ap);
	va_end(ap);
	free(ctx->error);
	free(ctx->hint);
	ctx->error = msg;
	ctx->hint = hint ? lf_xstrdup(hint) : NULL;
	return rc;
}
