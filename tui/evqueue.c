/* The event queue: a singly linked FIFO under one mutex. Draining swaps
 * the whole list out, so the lock is held for a pointer swap, never while
 * the UI works. */
#include "evqueue.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "util.h"

#define EVQUEUE_DEFAULT_PENDING 50000

struct evq_item {
	struct evq_item *next;
	struct event ev;  /* strings owned */
};

struct evqueue {
	pthread_mutex_t mu;
	struct evq_item *head, *tail;
	size_t pending;   /* droppable items queued */
	size_t max_pending;
	size_t dropped;
};

struct evqueue *evqueue_new(size_t max_pending)
{
	struct evqueue *q = lf_xcalloc(1, sizeof *q);
	pthread_mutex_init(&q->mu, NULL);
	q->max_pending = max_pending ? max_pending : EVQUEUE_DEFAULT_PENDING;
	return q;
}

static char *dup_or_null(const char *s)
{
	return s ? lf_xstrdup(s) : NULL;
}

static void item_free(struct evq_item *it)
{
	free((char *)it->ev.action_id);
	free((char *)it->ev.title);
	free((char *)it->ev.message);
	free((char *)it->ev.status);
	free((char *)it->ev.hint);
	free(it);
}

static void list_free(struct evq_item *it)
{
	while (it) {
		struct evq_item *next = it->next;
		item_free(it);
		it = next;
	}
}

void evqueue_free(struct evqueue *q)
{
	if (!q)
		return;
	list_free(q->head);
	pthread_mutex_destroy(&q->mu);
	free(q);
}

static bool droppable(enum event_kind k)
{
	return k == EV_LOG || k == EV_PROGRESS;
}

void evqueue_push(struct evqueue *q, const struct event *ev)
{
	pthread_mutex_lock(&q->mu);
	if (droppable(ev->kind) && q->pending >= q->max_pending) {
		q->dropped++;
		pthread_mutex_unlock(&q->mu);
		return;
	}
	pthread_mutex_unlock(&q->mu);

	/* Copy outside the lock: the UI may be draining. */
	struct evq_item *it = lf_xcalloc(1, sizeof *it);
	it->ev = *ev;
	it->ev.action_id = dup_or_null(ev->action_id);
	it->ev.title = dup_or_null(ev->title);
	it->ev.message = dup_or_null(ev->message);
	it->ev.status = dup_or_null(ev->status);
	it->ev.hint = dup_or_null(ev->hint);

	pthread_mutex_lock(&q->mu);
	if (q->tail)
		q->tail->next = it;
	else
		q->head = it;
	q->tail = it;
	if (droppable(ev->kind))
		q->pending++;
	pthread_mutex_unlock(&q->mu);
}

void evqueue_observer(const struct event *ev, void *q)
{
	evqueue_push(q, ev);
}

size_t evqueue_drain(struct evqueue *q, event_fn fn, void *user)
{
	pthread_mutex_lock(&q->mu);
	struct evq_item *list = q->head;
	q->head = q->tail = NULL;
	q->pending = 0;
	pthread_mutex_unlock(&q->mu);
	size_t n = 0;
	for (struct evq_item *it = list; it; it = it->next, n++)
		fn(&it->ev, user);
	list_free(list);
	return n;
}

size_t evqueue_dropped(struct evqueue *q)
{
	pthread_mutex_lock(&q->mu);
	size_t n = q->dropped;
	pthread_mutex_unlock(&q->mu);
	return n;
}
