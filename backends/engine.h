/* The engine: runs a plan against a backend session, one action at a
 * time, recording every change of state in the journal before moving on.
 *
 * apply:   for each action not yet "done": mark running, find-existing,
 *          else apply; retry ACT_RETRY with exponential backoff and full
 *          jitter; mark done or failed. Stops after the action in flight
 *          when *interrupt becomes non-zero.
 * destroy: for each action the journal says may have created something,
 *          in reverse order: undo, mark undone.
 *
 * Because every action looks for what it would create before creating
 * it, an apply cut off anywhere (even between the side effect and the
 * journal write) finishes on the next run with every action done once. */
#ifndef LANDFALL_ENGINE_H
#define LANDFALL_ENGINE_H

#include <signal.h>
#include <stdbool.h>

#include "backend.h"
#include "journal.h"

enum engine_rc {
	ENGINE_OK = 0,
	ENGINE_FAILED,       /* an action failed; the journal is resumable */
	ENGINE_INTERRUPTED,  /* stopped on request after the action in flight */
	ENGINE_INCOMPLETE,   /* destroy: something could not be undone */
	ENGINE_STATE_ERROR,  /* the journal could not be written */
};

struct engine_opts {
	int max_attempts;      /* per action, including the first; default 5 */
	long base_delay_ms;    /* first backoff; default 1000 */
	long max_delay_ms;     /* backoff cap; default 30000 */
	/* Set asynchronously (SIGINT handler) to stop after the action in
	 * flight; may be NULL. */
	volatile sig_atomic_t *interrupt;
	/* Sleep used for backoff, called in slices of at most 200 ms so that
	 * an interrupt is noticed; NULL means lf_sleep_ms. Tests add the
	 * slices up instead of waiting. */
	void (*sleep_ms)(long ms, void *user);
	void *sleep_user;
	unsigned seed;         /* jitter seed; 0 picks one from the clock */
	/* destroy: also delete what is kept by default (data directories,
	 * backup bucket and vault). Only after a typed confirmation. */
	bool purge;
};

/* What an action operation sees. */
struct action_ctx {
	const struct action *action;
	struct journal *journal;
	struct events *evs;
	void *session;         /* the backend's session from ops->open */
	int index, total;
	int attempt;           /* 1 for the first try */
	bool purge;            /* destroy: delete kept data too (engine_opts) */
	bool kept;             /* set by ctx_keep() */
	char *error;           /* set through ctx_error() */
	char *hint;
};

enum engine_rc engine_apply(const struct plan *p, struct journal *j,
                            void *session, struct events *evs,
                            const struct engine_opts *opts, char **cause);
enum engine_rc engine_destroy(const struct plan *p, struct journal *j,
                              void *session, struct events *evs,
                              const struct engine_opts *opts, char **cause);

/* The delay before retry number `attempt` (1 = first retry): a random
 * value in [d/2, d] where d = min(max, base * 2^(attempt-1)). */
long engine_backoff_ms(const struct engine_opts *opts, int attempt,
                       unsigned *seed);

/* ---- Helpers for action operations ------------------------------------ */

void ctx_log(struct action_ctx *ctx, enum log_level lvl, const char *fmt, ...)
	LF_PRINTF(3, 4);
void ctx_progress(struct action_ctx *ctx, double fraction);
/* Record the id of something this action created; saved at once. */
int ctx_set_resource(struct action_ctx *ctx, const char *key,
                     const char *value);
/* Id recorded by this action, or by another (dependencies), or NULL. */
const char *ctx_resource(const struct action_ctx *ctx, const char *key);
const char *ctx_resource_of(const struct action_ctx *ctx,
                            const char *action_id, const char *key);
/* From an undo operation: what the action made is kept on purpose (data
 * kept unless purge was asked for). The journal says "kept", so a later
 * destroy --purge comes back to it. */
void ctx_keep(struct action_ctx *ctx);
/* Record an output a person must keep (never a secret). */
int ctx_output(struct action_ctx *ctx, const char *key, const char *label,
               const char *value);
/* Set the error message (and optional hint) and return rc. */
enum action_rc ctx_error(struct action_ctx *ctx, enum action_rc rc,
                         const char *hint, const char *fmt, ...)
	LF_PRINTF(4, 5);

#endif
