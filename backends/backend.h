/* The backend interface: what every target (aws, ubuntu, kubernetes,
 * dry-run) provides to the engine.
 *
 * A backend is driven with a typed configuration of its own (struct
 * aws_config and friends), filled by steps/ from the answers. It never sees
 * the answers tree, never draws and never prints: it reports through the
 * event stream in struct action_ctx / check_ctx. */
#ifndef LANDFALL_BACKEND_H
#define LANDFALL_BACKEND_H

#include <jansson.h>
#include <stdbool.h>

#include "events.h"

/* ---- Checks ----------------------------------------------------------- */

enum check_status { CHECK_OK, CHECK_WARNING, CHECK_FAILED };

struct check_result {
	char *id;      /* stable, e.g. "aws.zones" */
	char *title;   /* translated, e.g. "Availability zones" */
	enum check_status status;
	char *reason;  /* one line, translated */
	char *hint;    /* how to fix; NULL when status is ok */
};

struct check_list {
	struct check_result *items;
	size_t n;
};

/* Append a result (strings copied; hint may be NULL). The caller of
 * ops->check shows the results: backends never print. */
void check_list_add(struct check_list *cl, const char *id, const char *title,
                    enum check_status st, const char *reason,
                    const char *hint);
void check_list_clear(struct check_list *cl);
/* Worst status in the list (ok for an empty list). */
enum check_status check_list_worst(const struct check_list *cl);
const char *check_status_name(enum check_status st);
/* The results as a JSON array (new reference). */
json_t *check_list_to_json(const struct check_list *cl);

/* ---- Actions ---------------------------------------------------------- */

struct action_ctx;

/* Result of an action operation. */
enum action_rc {
	ACT_OK = 0,      /* done */
	ACT_NOT_FOUND,   /* find: nothing exists yet, apply must run */
	ACT_RETRY,       /* transient failure (throttling, 5xx, dropped link):
	                    the engine retries with backoff */
	ACT_FAILED,      /* permanent failure: the engine stops, resumable */
};

struct action_ops {
	/* Look for what apply would create (by tag, name or id recorded in
	 * the journal). On ACT_OK it records the ids with ctx_set_resource()
	 * exactly as apply would have. May be NULL: then apply must itself be
	 * idempotent. */
	enum action_rc (*find)(struct action_ctx *ctx);
	/* Create or change. Records ids with ctx_set_resource() as soon as a
	 * resource exists, so that a crash right after leaves a trail. */
	enum action_rc (*apply)(struct action_ctx *ctx);
	/* Remove what this action created, using the ids in the journal.
	 * Something already gone is success. May be NULL (nothing to undo). */
	enum action_rc (*undo)(struct action_ctx *ctx);
};

struct action {
	char *id;        /* stable id, unique in the plan, e.g. "vpc" */
	char *title;     /* human title, translated, e.g. "Create the VPC" */
	char *detail;    /* what it creates and where, one line */
	const struct action_ops *ops;
	void *data;      /* backend's own per-action data, owned by the plan */
	void (*free_data)(void *data);
};

/* A value the plan knows before anything runs (URLs from the domain, the
 * region, ports); the engine records these as outputs once apply is done. */
struct plan_output {
	char *key, *label, *value;
};

struct plan {
	struct action *actions;
	size_t n;
	struct plan_output *outputs;
	size_t nout;
};

/* Append an action; title and detail are copied. Returns the new action. */
struct action *plan_add(struct plan *p, const char *id,
                        const struct action_ops *ops, const char *title,
                        const char *detail);
/* plan_add() with the detail formatted. */
struct action *plan_addf(struct plan *p, const char *id,
                         const struct action_ops *ops, const char *title,
                         const char *fmt, ...) LF_PRINTF(5, 6);
void plan_add_output(struct plan *p, const char *key, const char *label,
                     const char *value);
/* Same, with the value formatted. */
void plan_add_outputf(struct plan *p, const char *key, const char *label,
                      const char *fmt, ...) LF_PRINTF(4, 5);
void plan_clear(struct plan *p);
/* Index of the action with `id`, or -1. */
int plan_find(const struct plan *p, const char *id);

/* ---- Backends --------------------------------------------------------- */

struct backend_ops {
	const char *name;   /* "aws", "ubuntu", "kubernetes", "dry-run" */
	/* Connect or prepare using `config` (the backend's own struct). The
	 * session is passed to every later call. Returns 0 or -1 + *cause. */
	int (*open)(const void *config, struct events *evs, void **session,
	            char **cause);
	/* Release the session. NULL is a no-op. */
	void (*close)(void *session);
	/* Run every prerequisite check, appending results. Returns 0 when the
	 * checks could run (whatever they found), -1 + *cause otherwise. */
	int (*check)(void *session, struct check_list *out, char **cause);
	/* Build the ordered plan from the configuration alone: no network.
	 * Returns 0 or -1 + *cause. */
	int (*plan)(const void *config, struct plan *out, char **cause);
};

#endif
