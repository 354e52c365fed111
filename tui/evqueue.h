/* The event queue: how events cross from the thread that emits them (the
 * engine in a worker) to the UI thread, which drains the queue between
 * keys and redraws from its own model.
 *
 * evqueue_push() copies the event (every string), so an observer can push
 * and return at once. Log lines and progress reports beyond max_pending
 * waiting in the queue are dropped and counted (the UI is stalled, say in
 * a modal box); every other kind is always kept, so the screen never
 * misses an action starting or ending. All functions are thread-safe. */
#ifndef LANDFALL_EVQUEUE_H
#define LANDFALL_EVQUEUE_H

#include <stddef.h>

#include "events.h"

struct evqueue;

/* max_pending 0: 50,000. Never NULL. */
struct evqueue *evqueue_new(size_t max_pending);
/* Frees what is still queued. NULL is a no-op. No thread may push any
 * more. */
void evqueue_free(struct evqueue *q);

/* Queue a copy of ev. */
void evqueue_push(struct evqueue *q, const struct event *ev);
/* An observer (events_subscribe) that pushes into the queue `q`. */
void evqueue_observer(const struct event *ev, void *q);

/* Take everything queued now and hand each event, oldest first, to fn,
 * outside the lock (fn may push). Returns how many were handed over. */
size_t evqueue_drain(struct evqueue *q, event_fn fn, void *user);

/* Log lines and progress reports dropped so far. */
size_t evqueue_dropped(struct evqueue *q);

#endif
