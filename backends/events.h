/* The event stream: how the engine, checks and backends tell the outside
 * world what is happening. The ncurses run screen, the line printer and
 * `--json` are three observers of the same stream; backends never print.
 *
 * Every message passes through the redactor before any observer sees it:
 * values registered with events_add_secret() are replaced by "********". */
#ifndef LANDFALL_EVENTS_H
#define LANDFALL_EVENTS_H

#include <stdbool.h>
#include "util.h"

enum event_kind {
	EV_PLAN,       /* a run begins: total = number of actions */
	EV_STARTED,    /* an action begins (attempt = 1, 2, ...) */
	EV_LOG,        /* a log line, from an action or the engine */
	EV_PROGRESS,   /* fraction of the current action done, 0..1 */
	EV_DONE,       /* an action finished (or was found already done) */
	EV_FAILED,     /* an action failed; message says why */
	EV_CHECK,      /* a prerequisite check result (see check.h) */
	EV_FINISHED,   /* the run ended; status in message */
};

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

struct event {
	enum event_kind kind;
	long long ts_ms;        /* wall clock, milliseconds since the epoch */
	const char *action_id;  /* NULL for run-wide events */
	const char *title;      /* action title or check title, translated */
	int index, total;       /* action position (0-based) and plan size */
	int attempt;
	enum log_level level;
	double fraction;        /* EV_PROGRESS */
	const char *message;    /* already redacted; may be NULL */
	const char *status;     /* EV_CHECK: "ok"/"warning"/"failed";
	                           EV_DONE: "applied"/"found"/"skipped"/"undone"/"kept" */
	const char *hint;       /* EV_CHECK / EV_FAILED: how to fix */
};

typedef void (*event_fn)(const struct event *ev, void *user);

struct events;

struct events *events_new(void);
void events_free(struct events *evs);

/* Observers are called in the order added, synchronously, from the thread
 * that emits. Up to 8 observers. */
void events_subscribe(struct events *evs, event_fn fn, void *user);

/* Remove an observer added with the same fn and user; no-op when absent.
 * Not thread-safe with events_emit(): call it when nothing emits. */
void events_unsubscribe(struct events *evs, event_fn fn, void *user);

/* Register a secret value: it is masked in every later message. Values
 * shorter than 4 characters are masked too; empty ones are ignored. The
 * string is copied. */
void events_add_secret(struct events *evs, const char *value);

/* Return a caller-freed copy of `text` with every secret masked. */
char *events_redact(const struct events *evs, const char *text);

/* Emit `ev` (message and hint are redacted on the way). ts_ms is filled. */
void events_emit(struct events *evs, const struct event *ev);

/* Convenience for a log line tied to an action (action_id may be NULL). */
void events_log(struct events *evs, const char *action_id, enum log_level lvl,
                const char *fmt, ...) LF_PRINTF(4, 5);

const char *event_kind_name(enum event_kind k);
const char *log_level_name(enum log_level l);

#endif
