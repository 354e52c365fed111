#include "events.h"

#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#define MAX_OBSERVERS 8

struct observer {
	event_fn fn;
	void *user;
};

struct events {
	struct observer obs[MAX_OBSERVERS];
	int nobs;
	char **secrets;
	size_t nsecrets;
};

struct events *events_new(void)
{
	return lf_xcalloc(1, sizeof(struct events));
}

void events_free(struct events *evs)
{
	if (!evs)
		return;
	for (size_t i = 0; i < evs->nsecrets; i++) {
		/* Do not leave secrets lying around in freed memory. */
		memset(evs->secrets[i], 0, strlen(evs->secrets[i]));
		free(evs->secrets[i]);
	}
	free(evs->secrets);
	free(evs);
}

void events_subscribe(struct events *evs, event_fn fn, void *user)
{
	if (evs->nobs == MAX_OBSERVERS)
		abort(); /* a programming error, not a runtime condition */
	evs->obs[evs->nobs++] = (struct observer){ fn, user };
}

void events_unsubscribe(struct events *evs, event_fn fn, void *user)
{
	for (int i = 0; i < evs->nobs; i++)
		if (evs->obs[i].fn == fn && evs->obs[i].user == user) {
			memmove(&evs->obs[i], &evs->obs[i + 1],
			        (size_t)(evs->nobs - i - 1) * sizeof(evs->obs[0]));
			evs->nobs--;
			return;
		}
}

void events_add_secret(struct events *evs, const char *value)
{
	if (lf_str_empty(value))
		return;
	for (size_t i = 0; i < evs->nsecrets; i++)
		if (strcmp(evs->secrets[i], value) == 0)
			return;
	evs->secrets = lf_xrealloc(evs->secrets,
	                           (evs->nsecrets + 1) * sizeof(char *));
	evs->secrets[evs->nsecrets++] = lf_xstrdup(value);
}

char *events_redact(const struct events *evs, const char *text)
{
	static const char mask[] = "********";
	if (!text)
		return NULL;
	if (!evs || evs->nsecrets == 0)
		return lf_xstrdup(text);
	/* Mark every byte covered by an occurrence of any secret in the
	 * original text first, then mask each covered run once. Replacing one
	 * secret at a time would leave pieces of a secret that overlaps or
	 * contains another one registered earlier ("pass" + "password1"), and
	 * could match secrets inside masks already written. */
	size_t len = strlen(text);
	bool *hidden = lf_xcalloc(len + 1, sizeof *hidden);
	for (size_t i = 0; i < evs->nsecrets; i++) {
		const char *secret = evs->secrets[i];
		size_t sl = strlen(secret);
		for (const char *hit = strstr(text, secret); hit;
		     hit = strstr(hit + 1, secret))
			memset(hidden + (hit - text), true, sl);
	}
	char *out = lf_xmalloc(len * (sizeof(mask) - 1) + 1);
	size_t o = 0;
	for (size_t k = 0; k < len;) {
		if (!hidden[k]) {
			out[o++] = text[k++];
			continue;
		}
		memcpy(out + o, mask, sizeof(mask) - 1);
		o += sizeof(mask) - 1;
		while (k < len && hidden[k])
			k++;
	}
	out[o] = '\0';
	free(hidden);
	return out;
}

void events_emit(struct events *evs, const struct event *ev)
{
	struct event copy = *ev;
	struct timeval tv;
	gettimeofday(&tv, NULL);
	copy.ts_ms = (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000;
	char *msg = events_redact(evs, ev->message);
	char *hint = events_redact(evs, ev->hint);
	copy.message = msg;
	copy.hint = hint;
	for (int i = 0; i < evs->nobs; i++)
		evs->obs[i].fn(&copy, evs->obs[i].user);
	free(msg);
	free(hint);
}

void events_log(struct events *evs, const char *action_id, enum log_level lvl,
                const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = lf_vasprintf(fmt, ap);
	va_end(ap);
	events_emit(evs, &(struct event){ .kind = EV_LOG, .action_id = action_id,
	                                  .level = lvl, .message = msg });
	free(msg);
}

const char *event_kind_name(enum event_kind k)
{
	static const char *const names[] = {
		[EV_PLAN] = "plan",         [EV_STARTED] = "started",
		[EV_LOG] = "log",           [EV_PROGRESS] = "progress",
		[EV_DONE] = "done",         [EV_FAILED] = "failed",
		[EV_CHECK] = "check",       [EV_FINISHED] = "finished",
	};
	return names[k];
}

const char *log_level_name(enum log_level l)
{
	static const char *const names[] = { "debug", "info", "warn", "error" };
	return names[l];
}
