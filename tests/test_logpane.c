/* Unit tests for tui/logpane.c and tui/evqueue.c: ring eviction, memory
 * cap, line splitting, wrapping, follow mode, paging, search, the search
 * prompt, and the event queue's copies and caps. No terminal needed: the
 * view is read through logpane_layout(). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <locale.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evqueue.h"
#include "logpane.h"
#include "util.h"

/* ---- helpers ------------------------------------------------------------ */

/* The rows on view, joined with '|'; continuation rows start with '+'
 * and the note row with '#'. Caller frees. */
static char *view(struct logpane *lp)
{
	struct logpane_row rows[64];
	int n = logpane_layout(lp, rows, 64);
	size_t cap = 64, len = 0;
	char *out = lf_xmalloc(cap);
	out[0] = '\0';
	for (int i = 0; i < n; i++) {
		const char *t = logpane_row_text(lp, &rows[i]);
		size_t need = len + rows[i].len + 3;
		if (need >= cap) {
			cap = need * 2;
			out = lf_xrealloc(out, cap);
		}
		if (i)
			out[len++] = '|';
		if (rows[i].cont)
			out[len++] = '+';
		if (rows[i].note)
			out[len++] = '#';
		memcpy(out + len, t, rows[i].len);
		len += rows[i].len;
		out[len] = '\0';
	}
	return out;
}

static void assert_view(struct logpane *lp, const char *want)
{
	char *got = view(lp);
	assert_string_equal(got, want);
	free(got);
}

/* Line number of the first row on view. */
static size_t top_line(struct logpane *lp)
{
	struct logpane_row rows[64];
	int n = logpane_layout(lp, rows, 64);
	assert_true(n > 0);
	return rows[0].line;
}

static void append_numbered(struct logpane *lp, int from, int to)
{
	char buf[32];
	for (int i = from; i < to; i++) {
		snprintf(buf, sizeof buf, "L%d", i);
		logpane_append(lp, buf);
	}
}

static bool key(struct logpane *lp, int k)
{
	/* Function keys (KEY_*) are above 0xff; everything else here is a
	 * character. */
	return logpane_key(lp, k, k < KEY_MIN);
}

static void type(struct logpane *lp, const char *s)
{
	for (; *s; s++)
		key(lp, (unsigned char)*s);
}

/* ---- appending and the ring --------------------------------------------- */

static void test_append_splits_lines(void **state)
{
	(void)state;
	struct logpane *lp = logpane_new(100, 0);
	logpane_append(lp, "one\ntwo\n");
	assert_int_equal(logpane_count(lp), 2);
	assert_string_equal(logpane_line(lp, 0), "one");
	assert_string_equal(logpane_line(lp, 1), "two");
	logpane_append(lp, "");              /* an empty message is a line */
	logpane_append(lp, "a\n\nb\r");      /* inner empty line kept, \r dropped */
	assert_int_equal(logpane_count(lp), 6);
	assert_string_equal(logpane_line(lp, 2), "");
	assert_string_equal(logpane_line(lp, 3), "a");
	assert_string_equal(logpane_line(lp, 4), "");
	assert_string_equal(logpane_line(lp, 5), "b");
	assert_null(logpane_line(lp, 6));
	logpane_append(lp, NULL);
	assert_int_equal(logpane_count(lp), 7);
	logpane_free(lp);
	logpane_free(NULL);
}

static void test_ring_evicts_oldest_lines(void **state)
{
	(void)state;
	struct logpane *lp = logpane_new(100, 0);
	append_numbered(lp, 0, 250);
	assert_int_equal(logpane_count(lp), 100);
	assert_int_equal(logpane_total(lp), 250);
	assert_int_equal(logpane_dropped(lp), 150);
	assert_null(logpane_line(lp, 149));
	assert_string_equal(logpane_line(lp, 150), "L150");
	assert_string_equal(logpane_line(lp, 249), "L249");
	/* Every held line is intact and in order after the ring wrapped. */
	char buf[32];
	for (size_t i = 150; i < 250; i++) {
		snprintf(buf, sizeof buf, "L%zu", i);
		assert_string_equal(logpane_line(lp, i), buf);
	}
	logpane_free(lp);
}

static void test_byte_cap_bounds_memory(void **state)
{
	(void)state;
	const size_t cap = 64 * 1024;
	struct logpane *lp = logpane_new(1000000, cap);
	char line[201];
	memset(line, 'x', 200);
	line[200] = '\0';
	size_t before = logpane_bytes(lp);
	for (int i = 0; i < 20000; i++)
		logpane_append(lp, line);
	/* Each line costs 201 bytes + a record: far fewer than 20,000 fit. */
	assert_true(logpane_count(lp) < cap / 201);
	assert_true(logpane_count(lp) > cap / 201 / 2);
	assert_int_equal(logpane_total(lp), 20000);
	/* Text and records stay under the cap; the ring array is sized by
	 * the lines held (at most doubled), not by max_lines. */
	size_t ring = logpane_count(lp) * 2 * 64;
	assert_true(logpane_bytes(lp) <= before + cap + ring);
	logpane_free(lp);
}

static void test_long_line_is_cut(void **state)
{
	(void)state;
	struct logpane *lp = logpane_new(10, 0);
	size_t n = LOGPANE_LINE_MAX * 3;
	char *big = lf_xmalloc(n + 1);
	/* Multi-byte characters so the cut has to find a boundary. */
	for (size_t i = 0; i + 1 < n; i += 2)
		memcpy(big + i, "\xc3\xa9", 2);  /* é */
	big[n] = '\0';
	logpane_append(lp, big);
	const char *kept = logpane_line(lp, 0);
	assert_non_null(kept);
	assert_true(strlen(kept) <= LOGPANE_LINE_MAX);
	assert_true(strlen(kept) > LOGPANE_LINE_MAX - 8);
	assert_string_equal(kept + strlen(kept) - 4, " ...");
	/* No split character before the marker. */
	const char *end = kept + strlen(kept) - 4;
	assert_int_equal((unsigned char)end[-2], 0xc3);
	free(big);
	logpane_free(lp);
}

/* ---- layout ------------------------------------------------------------- */

static void test_wrap_rows(void **state)
{
	(void)state;
	struct logpane *lp = logpane_new(10, 0);
	logpane_set_size(lp, 10, 10);  /* 9 text rows of 10 columns */
	logpane_append(lp, "abcdefghijklmnopqrstuvwxy");  /* 25 columns */
	/* 10, then continuation rows of 8 behind a 2-column indent. */
	assert_view(lp, "abcdefghij|+klmnopqr|+stuvwxy");
	/* Wide characters count two columns and are never split. */
	logpane_append(lp, "日本語の文字です");  /* 8 characters, 16 columns */
	assert_view(lp, "abcdefghij|+klmnopqr|+stuvwxy|日本語の文|+字です");
	logpane_free(lp);

	/* Words stay whole when the row's last space is in its second half. */
	lp = logpane_new(10, 0);
	logpane_set_size(lp, 10, 20);
	logpane_append(lp, "alpha beta gamma delta epsilon");
	assert_view(lp, "alpha beta gamma |+delta epsilon");
	logpane_append(lp, "a verylongwordthatdoesnotfit");
	assert_view(lp, "alpha beta gamma |+delta epsilon|a verylongwordthatdo|+esnotfit");
	logpane_free(lp);
}

/* ---- follow mode and paging --------------------------------------------- */

static void test_follow_mode(void **state)
{
	(void)state;
	struct logpane *lp = logpane_new(1000, 0);
	logpane_set_size(lp, 6, 40);  /* 5 text rows */
	assert_int_equal(logpane_layout(lp, NULL, 0), 0);
	assert_true(logpane_following(lp));
	append_numbered(lp, 0, 20);
	assert_view(lp, "L15|L16|L17|L18|L19");
	logpane_append(lp, "L20");
	assert_view(lp, "L16|L17|L18|L19|L20");

	/* Scrolling up leaves follow mode: new lines do not move the view. */
	assert_true(key(lp, KEY_UP));
	assert_false(logpane_following(lp));
	assert_view(lp, "L15|L16|L17|L18|L19");
	append_numbered(lp, 21, 30);
	assert_view(lp, "L15|L16|L17|L18|L19");

	/* End returns to it; so does F. */
	assert_true(key(lp, KEY_END));
	assert_true(logpane_following(lp));
	assert_view(lp, "L25|L26|L27|L28|L29");
	key(lp, 'k');
	assert_false(logpane_following(lp));
	key(lp, 'F');
	assert_true(logpane_following(lp));

	/* Scrolling down onto the last row follows again. */
	key(lp, KEY_UP);
	key(lp, KEY_UP);
	assert_false(logpane_following(lp));
	key(lp, KEY_DOWN);
	assert_false(logpane_following(lp));
	key(lp, KEY_DOWN);
	assert_true(logpane_following(lp));
	assert_view(lp, "L25|L26|L27|L28|L29");
	logpane_free(lp);
}

static void test_paging_home_end(void **state)
{
	(void)state;
	struct logpane *lp = logpane_new(1000, 0);
	logpane_set_size(lp, 6, 40);  /* 5 rows; a page keeps one row: 4 */
	append_numbered(lp, 0, 100);
	assert_true(key(lp, KEY_HOME));
	assert_false(logpane_following(lp));
	assert_view(lp, "L0|L1|L2|L3|L4");
	key(lp, KEY_NPAGE);
	assert_int_equal(top_line(lp), 4);
	key(lp, KEY_NPAGE);
	assert_int_equal(top_line(lp), 8);
	key(lp, KEY_PPAGE);
	assert_int_equal(top_line(lp), 4);
	key(lp, KEY_PPAGE);
	key(lp, KEY_PPAGE);  /* stops at the top */
	assert_int_equal(top_line(lp), 0);
	key(lp, KEY_END);
	key(lp, KEY_PPAGE);
	assert_false(logpane_following(lp));
	assert_int_equal(top_line(lp), 91);
	for (int i = 0; i < 5; i++)
		key(lp, KEY_NPAGE);
	assert_true(logpane_following(lp));
	assert_int_equal(top_line(lp), 95);
	/* g is Home, G is End; Space and Ctrl-B page too. */
	key(lp, 'g');
	assert_int_equal(top_line(lp), 0);
	key(lp, ' ');
	assert_int_equal(top_line(lp), 4);
	key(lp, UI_KEY_CTRL('b'));
	assert_int_equal(top_line(lp), 0);
	key(lp, 'G');
	assert_true(logpane_following(lp));
	/* Keys the pane does not use are left to the screen. */
	assert_false(key(lp, 'q'));
	assert_false(key(lp, 'r'));
	assert_false(logpane_key(lp, ERR, false));
	assert_false(logpane_key(lp, KEY_RESIZE, false));
	logpane_free(lp);
}

static void test_paging_counts_wrapped_rows(void **state)
{
	(void)state;
	struct logpane *lp = logpane_new(1000, 0);
	logpane_set_size(lp, 4, 10);  /* 3 rows of 10 */
	logpane_append(lp, "short");
	logpane_append(lp, "0123456789abcdefghijKLMNOPQR");  /* 3 rows */
	logpane_append(lp, "end");
	/* Line 1 is 28 columns: rows of 10, 8, 8 and 2. */
	assert_view(lp, "+ijKLMNOP|+QR|end");
	key(lp, KEY_UP);
	assert_view(lp, "+abcdefgh|+ijKLMNOP|+QR");
	key(lp, KEY_PPAGE);  /* a page is 2 rows here */
	assert_view(lp, "short|0123456789|+abcdefgh");
	key(lp, KEY_NPAGE);
	assert_view(lp, "+abcdefgh|+ijKLMNOP|+QR");
	key(lp, KEY_NPAGE);  /* past the last row: back to following */
	assert_true(logpane_following(lp));
	assert_view(lp, "+ijKLMNOP|+QR|end");
	/* A wider pane wraps less; the view stays at the bottom. */
	logpane_set_size(lp, 4, 40);
	assert_view(lp, "short|0123456789abcdefghijKLMNOPQR|end");
	logpane_free(lp);
}

static void test_note_replaces_dropped_lines(void **state)
{
	(void)state;
	struct logpane *lp = logpane_new(10, 0);
	logpane_set_size(lp, 4, 60);
	logpane_set_note(lp, "(older lines dropped; full log in /s/landfall.log)");
	append_numbered(lp, 0, 25);
	key(lp, KEY_HOME);
	assert_view(lp, "#(older lines dropped; full log in /s/landfall.log)|L15|L16");
	/* While the view sits at the top, eviction keeps it at the top. */
	append_numbered(lp, 25, 30);
	assert_view(lp, "#(older lines dropped; full log in /s/landfall.log)|L20|L21");
	/* A view further down that gets dropped under it moves up to the
	 * oldest line left. */
	key(lp, KEY_DOWN);
	key(lp, KEY_DOWN);
	assert_view(lp, "L21|L22|L23");
	append_numbered(lp, 30, 33);
	assert_view(lp, "#(older lines dropped; full log in /s/landfall.log)|L23|L24");
	logpane_free(lp);
}

/* ---- search ------------------------------------------------------------- */

static struct logpane *search_fixture(void)
{
	struct logpane *lp = logpane_new(1000, 0);
	logpane_set_size(lp, 6, 60);  /* 5 rows */
	for (int i = 0; i < 60; i++) {
		char buf[64];
		if (i == 10)
			snprintf(buf, sizeof buf, "L%d error: disk full; error again", i);
		else if (i == 30 || i == 55)
			snprintf(buf, sizeof buf, "L%d Error: timeout", i);
		else
			snprintf(buf, sizeof buf, "L%d fine", i);
		logpane_append(lp, buf);
	}
	return lp;
}

static void assert_match(struct logpane *lp, size_t line, size_t off)
{
	size_t l, o, n;
	assert_true(logpane_match(lp, &l, &o, &n));
	assert_int_equal(l, line);
	assert_int_equal(o, off);
}

static void test_search_forward_and_wrap(void **state)
{
	(void)state;
	struct logpane *lp = search_fixture();
	key(lp, KEY_HOME);
	/* Lower case ignores case. Forward from the top of the view. */
	assert_true(logpane_search(lp, "error", +1));
	assert_match(lp, 10, 4);
	assert_false(logpane_following(lp));
	/* n finds the second match in the same line, then the next lines. */
	assert_true(key(lp, 'n'));
	assert_match(lp, 10, 22);
	key(lp, 'n');
	assert_match(lp, 30, 4);
	key(lp, 'n');
	assert_match(lp, 55, 4);
	/* ... and wraps around to the first. */
	key(lp, 'n');
	assert_match(lp, 10, 4);
	/* N goes back, wrapping the other way. */
	key(lp, 'N');
	assert_match(lp, 55, 4);
	key(lp, 'N');
	assert_match(lp, 30, 4);
	key(lp, 'N');
	assert_match(lp, 10, 22);
	logpane_free(lp);
}

static void test_search_smart_case_and_miss(void **state)
{
	(void)state;
	struct logpane *lp = search_fixture();
	key(lp, KEY_HOME);
	/* A capital letter makes the search case-sensitive. */
	assert_true(logpane_search(lp, "Error", +1));
	assert_match(lp, 30, 4);
	key(lp, 'n');
	assert_match(lp, 55, 4);
	key(lp, 'n');
	assert_match(lp, 30, 4);
	/* A miss keeps the view where it is and reports false. */
	size_t top = top_line(lp);
	assert_false(logpane_search(lp, "no such text", +1));
	assert_int_equal(top_line(lp), top);
	size_t l, o, n;
	assert_false(logpane_match(lp, &l, &o, &n));
	/* Only match: n wraps onto itself. */
	assert_true(logpane_search(lp, "disk full", +1));
	assert_match(lp, 10, 11);
	key(lp, 'n');
	assert_match(lp, 10, 11);
	key(lp, 'N');
	assert_match(lp, 10, 11);
	logpane_free(lp);
}

static void test_search_reveals_match(void **state)
{
	(void)state;
	struct logpane *lp = search_fixture();
	/* Following at the bottom; the match is far above. */
	assert_true(logpane_following(lp));
	assert_true(logpane_search(lp, "disk", +1));
	assert_false(logpane_following(lp));
	struct logpane_row rows[8];
	int n = logpane_layout(lp, rows, 8);
	bool shown = false;
	for (int i = 0; i < n; i++)
		shown |= rows[i].line == 10;
	assert_true(shown);
	/* A third of the way down the view (5 rows: one row of context). */
	assert_int_equal(rows[0].line, 9);
	/* A match already on view does not move it. */
	key(lp, KEY_UP);
	size_t top = top_line(lp);
	assert_true(logpane_search(lp, "L9 ", +1));
	assert_int_equal(top_line(lp), top);
	logpane_free(lp);
}

static void test_search_prompt_keys(void **state)
{
	(void)state;
	struct logpane *lp = search_fixture();
	key(lp, KEY_HOME);
	assert_true(key(lp, '/'));
	assert_true(logpane_prompting(lp));
	/* While the prompt is open every key is the prompt's, q included. */
	type(lp, "timeoux");
	assert_true(logpane_key(lp, KEY_BACKSPACE, false));
	assert_true(key(lp, 't'));
	assert_true(key(lp, '\n'));
	assert_false(logpane_prompting(lp));
	assert_match(lp, 30, 11);
	/* An empty Enter repeats the last search. */
	key(lp, '/');
	key(lp, '\r');
	assert_match(lp, 55, 11);
	/* Esc closes the prompt without searching. */
	key(lp, '/');
	type(lp, "fine");
	key(lp, 27);
	assert_false(logpane_prompting(lp));
	assert_match(lp, 55, 11);
	logpane_free(lp);
}

static void test_search_after_eviction(void **state)
{
	(void)state;
	struct logpane *lp = logpane_new(20, 0);
	logpane_set_size(lp, 6, 60);
	logpane_append(lp, "needle 0");
	append_numbered(lp, 1, 10);
	assert_true(logpane_search(lp, "needle", +1));
	assert_match(lp, 0, 0);
	/* The matched line is dropped: the match goes with it. */
	append_numbered(lp, 10, 25);
	size_t l, o, n;
	assert_false(logpane_match(lp, &l, &o, &n));
	assert_false(logpane_search(lp, NULL, +1));
	/* A later occurrence is found again from the view. */
	logpane_append(lp, "needle 25");
	assert_true(logpane_search(lp, NULL, +1));
	assert_match(lp, 25, 0);
	logpane_free(lp);
}

static void test_hundred_thousand_lines(void **state)
{
	(void)state;
	struct logpane *lp = logpane_new(LOGPANE_DEFAULT_LINES, LOGPANE_DEFAULT_BYTES);
	logpane_set_size(lp, 12, 80);
	char buf[128];
	for (int i = 0; i < 100000; i++) {
		snprintf(buf, sizeof buf, "%08d [engine] applying step %d of the install, all fine", i, i);
		logpane_append(lp, buf);
	}
	assert_int_equal(logpane_count(lp), LOGPANE_DEFAULT_LINES);
	assert_int_equal(logpane_dropped(lp), 100000 - LOGPANE_DEFAULT_LINES);
	assert_true(logpane_bytes(lp) < 2 * 1024 * 1024);
	assert_true(logpane_search(lp, "00090000", +1));
	assert_match(lp, 90000, 0);
	assert_false(logpane_search(lp, "00000001", +1));  /* dropped */
	key(lp, KEY_HOME);
	assert_true(logpane_layout(lp, (struct logpane_row[12]){ 0 }, 12) == 11);
	logpane_free(lp);
}

/* ---- the event queue ---------------------------------------------------- */

struct seen {
	int n;
	char titles[8][32];
	enum event_kind kinds[8];
};

static void collect(const struct event *ev, void *user)
{
	struct seen *s = user;
	if (s->n < 8) {
		snprintf(s->titles[s->n], 32, "%s", ev->title ? ev->title : "-");
		s->kinds[s->n] = ev->kind;
	}
	s->n++;
}

static void test_evqueue_copies_in_order(void **state)
{
	(void)state;
	struct evqueue *q = evqueue_new(0);
	char title[16] = "first";
	evqueue_push(q, &(struct event){ .kind = EV_STARTED, .title = title,
	                                  .message = "m", .action_id = "a" });
	strcpy(title, "CHANGED");  /* the queue holds its own copy */
	evqueue_observer(&(struct event){ .kind = EV_DONE, .title = "second",
	                                  .status = "applied" }, q);
	struct seen s = { 0 };
	assert_int_equal(evqueue_drain(q, collect, &s), 2);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.titles[0], "first");
	assert_string_equal(s.titles[1], "second");
	assert_int_equal(evqueue_drain(q, collect, &s), 0);
	evqueue_free(q);
	evqueue_free(NULL);
}

static void test_evqueue_drops_only_logs(void **state)
{
	(void)state;
	struct evqueue *q = evqueue_new(3);
	for (int i = 0; i < 5; i++)
		evqueue_push(q, &(struct event){ .kind = EV_LOG, .message = "x" });
	evqueue_push(q, &(struct event){ .kind = EV_FAILED, .title = "kept" });
	assert_int_equal(evqueue_dropped(q), 2);
	struct seen s = { 0 };
	assert_int_equal(evqueue_drain(q, collect, &s), 4);
	assert_int_equal(s.kinds[3], EV_FAILED);
	/* Draining makes room again. */
	evqueue_push(q, &(struct event){ .kind = EV_LOG, .message = "y" });
	assert_int_equal(evqueue_dropped(q), 2);
	evqueue_free(q);
}

struct producer {
	struct evqueue *q;
	int n;
};

static void *produce(void *arg)
{
	struct producer *p = arg;
	for (int i = 0; i < p->n; i++)
		evqueue_push(p->q, &(struct event){ .kind = EV_PROGRESS, .index = i,
		                                    .message = "progress" });
	return NULL;
}

static void count_in_order(const struct event *ev, void *user)
{
	int *next = user;
	assert_int_equal(ev->index, *next);
	(*next)++;
}

static void test_evqueue_threads(void **state)
{
	(void)state;
	struct evqueue *q = evqueue_new(1000000);
	struct producer p = { q, 20000 };
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, produce, &p), 0);
	int next = 0;
	while (next < p.n)
		evqueue_drain(q, count_in_order, &next);
	pthread_join(t, NULL);
	assert_int_equal(next, p.n);
	evqueue_free(q);
}

int main(void)
{
	setlocale(LC_ALL, "C.UTF-8");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_append_splits_lines),
		cmocka_unit_test(test_ring_evicts_oldest_lines),
		cmocka_unit_test(test_byte_cap_bounds_memory),
		cmocka_unit_test(test_long_line_is_cut),
		cmocka_unit_test(test_wrap_rows),
		cmocka_unit_test(test_follow_mode),
		cmocka_unit_test(test_paging_home_end),
		cmocka_unit_test(test_paging_counts_wrapped_rows),
		cmocka_unit_test(test_note_replaces_dropped_lines),
		cmocka_unit_test(test_search_forward_and_wrap),
		cmocka_unit_test(test_search_smart_case_and_miss),
		cmocka_unit_test(test_search_reveals_match),
		cmocka_unit_test(test_search_prompt_keys),
		cmocka_unit_test(test_search_after_eviction),
		cmocka_unit_test(test_hundred_thousand_lines),
		cmocka_unit_test(test_evqueue_copies_in_order),
		cmocka_unit_test(test_evqueue_drops_only_logs),
		cmocka_unit_test(test_evqueue_threads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
