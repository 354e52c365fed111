/* Unit tests for backends/events.c: observers, redaction, events_log. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "events.h"

/* ---- a recording observer ------------------------------------------------ */

#define MAX_REC 32

struct rec_event {
	int observer;            /* which observer saw it */
	enum event_kind kind;
	long long ts_ms;
	char *action_id, *title, *message, *status, *hint;
	int index, total, attempt;
	enum log_level level;
	double fraction;
};

struct recorder {
	struct rec_event ev[MAX_REC];
	int n;
};

struct observer_tag {
	struct recorder *rec;
	int id;
};

static char *dup_or_null(const char *s)
{
	return s ? lf_xstrdup(s) : NULL;
}

static void record(const struct event *ev, void *user)
{
	struct observer_tag *tag = user;
	struct recorder *r = tag->rec;
	assert_true(r->n < MAX_REC);
	struct rec_event *e = &r->ev[r->n++];
	e->observer = tag->id;
	e->kind = ev->kind;
	e->ts_ms = ev->ts_ms;
	e->action_id = dup_or_null(ev->action_id);
	e->title = dup_or_null(ev->title);
	e->message = dup_or_null(ev->message);
	e->status = dup_or_null(ev->status);
	e->hint = dup_or_null(ev->hint);
	e->index = ev->index;
	e->total = ev->total;
	e->attempt = ev->attempt;
	e->level = ev->level;
	e->fraction = ev->fraction;
}

static void recorder_clear(struct recorder *r)
{
	for (int i = 0; i < r->n; i++) {
		free(r->ev[i].action_id);
		free(r->ev[i].title);
		free(r->ev[i].message);
		free(r->ev[i].status);
		free(r->ev[i].hint);
	}
	r->n = 0;
}

static long long wall_ms(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

/* Redact `text` with the given NULL-terminated list of secrets, registered
 * in that order; returns a caller-freed string. */
static char *redact_with(const char *const *secrets, const char *text)
{
	struct events *evs = events_new();
	for (size_t i = 0; secrets[i]; i++)
		events_add_secret(evs, secrets[i]);
	char *out = events_redact(evs, text);
	events_free(evs);
	return out;
}

#define SECRETS(...) ((const char *const[]){ __VA_ARGS__, NULL })

static void expect_redacted(const char *const *secrets, const char *text,
                            const char *want)
{
	char *got = redact_with(secrets, text);
	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

/* ---- observers ------------------------------------------------------------- */

static void test_observers_in_order_with_fields(void **state)
{
	(void)state;
	struct recorder rec = { 0 };
	struct observer_tag tags[3] = { { &rec, 1 }, { &rec, 2 }, { &rec, 3 } };
	struct events *evs = events_new();
	for (int i = 0; i < 3; i++)
		events_subscribe(evs, record, &tags[i]);

	struct event ev = {
		.kind = EV_FAILED, .ts_ms = 12345, .action_id = "vpc",
		.title = "Create the VPC", .index = 2, .total = 9, .attempt = 3,
		.level = LOG_ERROR, .fraction = 0.25, .message = "it broke",
		.status = "failed", .hint = "try again",
	};
	long long before = wall_ms();
	events_emit(evs, &ev);
	long long after = wall_ms();

	assert_int_equal(rec.n, 3);
	for (int i = 0; i < 3; i++) {
		struct rec_event *e = &rec.ev[i];
		assert_int_equal(e->observer, i + 1);
		assert_int_equal(e->kind, EV_FAILED);
		/* ts_ms is filled by emit from the wall clock. */
		assert_true(e->ts_ms >= before && e->ts_ms <= after);
		assert_string_equal(e->action_id, "vpc");
		assert_string_equal(e->title, "Create the VPC");
		assert_int_equal(e->index, 2);
		assert_int_equal(e->total, 9);
		assert_int_equal(e->attempt, 3);
		assert_int_equal(e->level, LOG_ERROR);
		assert_true(e->fraction == 0.25);
		assert_string_equal(e->message, "it broke");
		assert_string_equal(e->status, "failed");
		assert_string_equal(e->hint, "try again");
	}
	/* The caller's event is not modified. */
	assert_int_equal(ev.ts_ms, 12345);
	assert_string_equal(ev.message, "it broke");

	recorder_clear(&rec);
	events_free(evs);
}

static void test_null_fields_stay_null(void **state)
{
	(void)state;
	struct recorder rec = { 0 };
	struct observer_tag tag = { &rec, 1 };
	struct events *evs = events_new();
	events_subscribe(evs, record, &tag);
	events_add_secret(evs, "hunter22");
	events_emit(evs, &(struct event){ .kind = EV_PLAN, .total = 4 });
	assert_int_equal(rec.n, 1);
	assert_int_equal(rec.ev[0].kind, EV_PLAN);
	assert_int_equal(rec.ev[0].total, 4);
	assert_null(rec.ev[0].action_id);
	assert_null(rec.ev[0].message);
	assert_null(rec.ev[0].hint);
	assert_null(rec.ev[0].status);
	recorder_clear(&rec);
	events_free(evs);
}

static void test_no_observers(void **state)
{
	(void)state;
	struct events *evs = events_new();
	events_add_secret(evs, "s3cret");
	events_emit(evs, &(struct event){ .kind = EV_LOG, .message = "s3cret" });
	events_log(evs, NULL, LOG_INFO, "x %d", 1);
	events_free(evs);
	events_free(NULL);
}

static void test_eight_observers(void **state)
{
	(void)state;
	struct recorder rec = { 0 };
	struct observer_tag tags[8];
	struct events *evs = events_new();
	for (int i = 0; i < 8; i++) {
		tags[i] = (struct observer_tag){ &rec, i };
		events_subscribe(evs, record, &tags[i]);
	}
	events_emit(evs, &(struct event){ .kind = EV_DONE, .message = "m" });
	assert_int_equal(rec.n, 8);
	for (int i = 0; i < 8; i++)
		assert_int_equal(rec.ev[i].observer, i);
	recorder_clear(&rec);
	events_free(evs);
}

/* Observers see redacted text, and every observer sees the same text. */
static void test_emit_redacts_message_and_hint(void **state)
{
	(void)state;
	struct recorder rec = { 0 };
	struct observer_tag tags[2] = { { &rec, 1 }, { &rec, 2 } };
	struct events *evs = events_new();
	events_subscribe(evs, record, &tags[0]);
	events_subscribe(evs, record, &tags[1]);
	events_add_secret(evs, "AKIAXYZ123");
	events_add_secret(evs, "pa55word");

	events_emit(evs, &(struct event){
		.kind = EV_FAILED, .action_id = "iam-role",
		.title = "title is not redacted",
		.message = "key AKIAXYZ123 and pa55word; again AKIAXYZ123",
		.hint = "pa55word is wrong: use another than pa55word",
		.status = "failed" });
	assert_int_equal(rec.n, 2);
	for (int i = 0; i < 2; i++) {
		assert_string_equal(rec.ev[i].message,
		                    "key ******** and ********; again ********");
		assert_string_equal(rec.ev[i].hint,
		                    "******** is wrong: use another than ********");
		assert_null(strstr(rec.ev[i].message, "AKIA"));
	}
	recorder_clear(&rec);

	/* A secret added later masks later messages too. */
	events_add_secret(evs, "late-secret");
	events_emit(evs, &(struct event){ .kind = EV_LOG,
	                                  .message = "now late-secret" });
	assert_string_equal(rec.ev[0].message, "now ********");
	recorder_clear(&rec);
	events_free(evs);
}

/* ---- redaction ----------------------------------------------------------------- */

static void test_redact_positions(void **state)
{
	(void)state;
	expect_redacted(SECRETS("topsecret"), "topsecret", "********");
	expect_redacted(SECRETS("topsecret"), "topsecret at start",
	                "******** at start");
	expect_redacted(SECRETS("topsecret"), "at the end topsecret",
	                "at the end ********");
	expect_redacted(SECRETS("topsecret"), "a topsecret b topsecret c topsecret",
	                "a ******** b ******** c ********");
	expect_redacted(SECRETS("topsecret"), "topsecret,topsecret",
	                "********,********");
	expect_redacted(SECRETS("topsecret"), "nothing here", "nothing here");
	expect_redacted(SECRETS("topsecret"), "", "");
	expect_redacted(SECRETS("topsecret"), "topsecre", "topsecre");
}

static void test_redact_adjacent_occurrences(void **state)
{
	(void)state;
	/* Back to back: no character of the secret survives. */
	char *got = redact_with(SECRETS("abcd"), "abcdabcd");
	assert_null(strstr(got, "a"));
	assert_null(strstr(got, "d"));
	assert_true(strspn(got, "*") == strlen(got));
	free(got);
}

static void test_redact_several_secrets(void **state)
{
	(void)state;
	expect_redacted(SECRETS("alpha1", "bravo2"),
	                "bravo2 then alpha1 then bravo2",
	                "******** then ******** then ********");
}

/* One secret inside another: neither order of registration may leave a
 * piece of the longer secret visible. */
static void test_redact_secret_inside_another(void **state)
{
	(void)state;
	expect_redacted(SECRETS("password1", "pass"), "my password1 is",
	                "my ******** is");
	expect_redacted(SECRETS("pass", "password1"), "my password1 is",
	                "my ******** is");
	expect_redacted(SECRETS("pass", "password1"), "pass and password1",
	                "******** and ********");
}

/* Overlapping secrets "abcdef" and "defghi" in "abcdefghi": the whole run
 * must be hidden whatever the order. */
static void test_redact_overlapping_secrets(void **state)
{
	(void)state;
	expect_redacted(SECRETS("abcdef", "defghi"), "x abcdefghi y", "x ******** y");
	expect_redacted(SECRETS("defghi", "abcdef"), "x abcdefghi y", "x ******** y");
	/* Self-overlap: "aaaa" occurs overlapping in "aaaaaa". */
	char *got = redact_with(SECRETS("aaaa"), "xaaaaaay");
	assert_non_null(got);
	assert_int_equal(got[0], 'x');
	assert_int_equal(got[strlen(got) - 1], 'y');
	assert_null(strchr(got, 'a'));
	free(got);
}

/* A secret made of the mask's own characters, or one that matches inside
 * a mask already written, must not loop or corrupt the text. */
static void test_redact_secret_like_the_mask(void **state)
{
	(void)state;
	expect_redacted(SECRETS("****"), "a **** b", "a ******** b");
	expect_redacted(SECRETS("hunter2", "***"), "pw hunter2.", "pw ********.");
}

static void test_redact_short_and_empty_secrets(void **state)
{
	(void)state;
	/* Short values are masked too (documented). */
	expect_redacted(SECRETS("ab"), "ab cab", "******** c********");
	/* Empty values are ignored: no mask everywhere. */
	expect_redacted(SECRETS(""), "plain", "plain");
	struct events *evs = events_new();
	events_add_secret(evs, NULL);
	events_add_secret(evs, "");
	char *got = events_redact(evs, "text");
	assert_string_equal(got, "text");
	free(got);
	events_free(evs);
}

static void test_redact_duplicates_and_copies(void **state)
{
	(void)state;
	struct events *evs = events_new();
	char buf[16];
	strcpy(buf, "rotating");
	events_add_secret(evs, buf);
	events_add_secret(evs, buf); /* ignored: already there */
	/* The value was copied: changing the caller's buffer changes nothing. */
	strcpy(buf, "zzzzzzzz");
	char *got = events_redact(evs, "key rotating here");
	assert_string_equal(got, "key ******** here");
	free(got);
	got = events_redact(evs, "zzzzzzzz");
	assert_string_equal(got, "zzzzzzzz");
	free(got);
	events_free(evs);
}

static void test_redact_null(void **state)
{
	(void)state;
	struct events *evs = events_new();
	events_add_secret(evs, "secret");
	assert_null(events_redact(evs, NULL));
	events_free(evs);
	char *got = events_redact(NULL, "secret");
	assert_string_equal(got, "secret");
	free(got);
}

static void test_redact_long_text(void **state)
{
	(void)state;
	/* Many occurrences in a long message. */
	size_t reps = 500;
	char *text = lf_xstrdup("");
	char *want = lf_xstrdup("");
	for (size_t i = 0; i < reps; i++) {
		char *t = lf_asprintf("%s[tok-%zu S3CR3T]", text, i);
		char *w = lf_asprintf("%s[tok-%zu ********]", want, i);
		free(text);
		free(want);
		text = t;
		want = w;
	}
	expect_redacted(SECRETS("S3CR3T"), text, want);
	free(text);
	free(want);
}

/* ---- events_log ------------------------------------------------------------------ */

static void test_events_log(void **state)
{
	(void)state;
	struct recorder rec = { 0 };
	struct observer_tag tags[2] = { { &rec, 1 }, { &rec, 2 } };
	struct events *evs = events_new();
	events_subscribe(evs, record, &tags[0]);
	events_subscribe(evs, record, &tags[1]);
	events_add_secret(evs, "tok-9f8e7d");

	events_log(evs, "instance", LOG_WARN, "retry %d of %d with %s", 2, 5,
	           "tok-9f8e7d");
	assert_int_equal(rec.n, 2);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(rec.ev[i].observer, i + 1);
		assert_int_equal(rec.ev[i].kind, EV_LOG);
		assert_int_equal(rec.ev[i].level, LOG_WARN);
		assert_string_equal(rec.ev[i].action_id, "instance");
		assert_string_equal(rec.ev[i].message, "retry 2 of 5 with ********");
		assert_null(rec.ev[i].hint);
		assert_true(rec.ev[i].ts_ms > 0);
	}
	recorder_clear(&rec);

	events_log(evs, NULL, LOG_DEBUG, "%s", "run-wide");
	assert_int_equal(rec.n, 2);
	assert_null(rec.ev[0].action_id);
	assert_int_equal(rec.ev[0].level, LOG_DEBUG);
	assert_string_equal(rec.ev[0].message, "run-wide");
	recorder_clear(&rec);
	events_free(evs);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(event_kind_name(EV_PLAN), "plan");
	assert_string_equal(event_kind_name(EV_STARTED), "started");
	assert_string_equal(event_kind_name(EV_LOG), "log");
	assert_string_equal(event_kind_name(EV_PROGRESS), "progress");
	assert_string_equal(event_kind_name(EV_DONE), "done");
	assert_string_equal(event_kind_name(EV_FAILED), "failed");
	assert_string_equal(event_kind_name(EV_CHECK), "check");
	assert_string_equal(event_kind_name(EV_FINISHED), "finished");
	assert_string_equal(log_level_name(LOG_DEBUG), "debug");
	assert_string_equal(log_level_name(LOG_INFO), "info");
	assert_string_equal(log_level_name(LOG_WARN), "warn");
	assert_string_equal(log_level_name(LOG_ERROR), "error");
}

static void test_unsubscribe(void **state)
{
	(void)state;
	struct events *evs = events_new();
	struct recorder rec = { 0 };
	struct observer_tag a = { &rec, 1 }, b = { &rec, 2 }, c = { &rec, 3 };
	events_subscribe(evs, record, &a);
	events_subscribe(evs, record, &b);
	events_subscribe(evs, record, &c);
	events_unsubscribe(evs, record, &b);
	events_unsubscribe(evs, record, &b); /* absent now: no-op */
	events_log(evs, NULL, LOG_INFO, "one");
	assert_int_equal(rec.n, 2);
	assert_int_equal(rec.ev[0].observer, 1);
	assert_int_equal(rec.ev[1].observer, 3);
	/* Room is freed: subscribe up to 8 again without aborting. */
	struct observer_tag more[6];
	for (int i = 0; i < 6; i++) {
		more[i] = (struct observer_tag){ &rec, 10 + i };
		events_subscribe(evs, record, &more[i]);
	}
	recorder_clear(&rec);
	events_log(evs, NULL, LOG_INFO, "two");
	assert_int_equal(rec.n, 8);
	assert_int_equal(rec.ev[7].observer, 15);
	recorder_clear(&rec);
	events_free(evs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_observers_in_order_with_fields),
		cmocka_unit_test(test_null_fields_stay_null),
		cmocka_unit_test(test_no_observers),
		cmocka_unit_test(test_unsubscribe),
		cmocka_unit_test(test_eight_observers),
		cmocka_unit_test(test_emit_redacts_message_and_hint),
		cmocka_unit_test(test_redact_positions),
		cmocka_unit_test(test_redact_adjacent_occurrences),
		cmocka_unit_test(test_redact_several_secrets),
		cmocka_unit_test(test_redact_secret_inside_another),
		cmocka_unit_test(test_redact_overlapping_secrets),
		cmocka_unit_test(test_redact_secret_like_the_mask),
		cmocka_unit_test(test_redact_short_and_empty_secrets),
		cmocka_unit_test(test_redact_duplicates_and_copies),
		cmocka_unit_test(test_redact_null),
		cmocka_unit_test(test_redact_long_text),
		cmocka_unit_test(test_events_log),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
