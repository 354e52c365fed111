/* The screens that watch the engine: live checks, the run screen and the
 * outputs screen.
 *
 * Threads: the session is handed to one worker thread at a time (connect
 * and checks, or apply/destroy). While it runs, the UI thread touches
 * nothing of the session but the plan (read-only) and reads events from
 * a queue; it joins the worker before it reads the results, the journal
 * or the check list, and before it returns: no screen ever returns with a
 * worker still using the session. Only the UI thread calls curses.
 *
 * Events reach the screen's queue through a relay observer subscribed
 * while the screen is up and unsubscribed, with the worker joined, before
 * it returns. */
#include "runview.h"

#include <jansson.h>
#include <langinfo.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bundle.h"
#include "cli.h"
#include "evqueue.h"
#include "i18n.h"
#include "logpane.h"
#include "outputs.h"
#include "ui.h"

#define TICK_MS 80  /* UI refresh while a worker runs */

/* ---- small helpers ------------------------------------------------------ */

static long long wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* "0:42", "12:05", "1:02:03". */
static void fmt_clock(char *buf, size_t size, long long ms)
{
	long long s = ms < 0 ? 0 : ms / 1000;
	if (s >= 3600)
		snprintf(buf, size, "%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
	else
		snprintf(buf, size, "%lld:%02lld", s / 60, s % 60);
}

/* An action's duration: "0.4s", "12s", then as a clock. */
static void fmt_duration(char *buf, size_t size, long long ms)
{
	if (ms < 0)
		ms = 0;
	if (ms < 10000)
		snprintf(buf, size, "%lld.%llds", ms / 1000, ms / 100 % 10);
	else if (ms < 60000)
		snprintf(buf, size, "%llds", ms / 1000);
	else
		fmt_clock(buf, size, ms);
}

/* Unicode symbols when the locale is UTF-8 and lines are not ASCII. */
static bool fancy(void)
{
	const char *cs = nl_langinfo(CODESET);
	return !ui_ascii() && cs && strcmp(cs, "UTF-8") == 0;
}

const char *runview_spinner(int tick)
{
	static const char *const uni[] = { "⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏" };
	static const char *const asc[] = { "|", "/", "-", "\\" };
	return fancy() ? uni[tick % 10] : asc[tick % 4];
}

static const char *glyph(const char *uni, const char *asc)
{
	return fancy() ? uni : asc;
}

static const char *ellipsis(void)
{
	return fancy() ? "…" : "...";
}

static void text_at(int y, int x, int width, attr_t attr, const char *s)
{
	if (width <= 0)
		return;
	attrset(attr);
	ui_text(y, x, width, s, false);
	attrset(A_NORMAL);
}

/* ---- Ctrl-C ------------------------------------------------------------- */

/* While a screen here is up, Ctrl-C is a request the loop handles, never
 * the end of the program. */
static volatile sig_atomic_t sigint_seen;

static void on_sigint(int sig)
{
	(void)sig;
	sigint_seen = 1;
}

static void sigint_catch(struct sigaction *old)
{
	struct sigaction sa = { .sa_handler = on_sigint };
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigint_seen = 0;
	sigaction(SIGINT, &sa, old);
}

static void sigint_restore(const struct sigaction *old)
{
	sigaction(SIGINT, old, NULL);
}

/* Ctrl-C pressed (signal or, in raw mode, the key itself). */
static bool take_sigint(int key, bool is_char)
{
	if (is_char && key == UI_KEY_CTRL('c'))
		return true;
	if (sigint_seen) {
		sigint_seen = 0;
		return true;
	}
	return false;
}

/* ---- the relay ---------------------------------------------------------- */

/* Copies each event into the screen's queue (called on the worker). */
static void relay_fn(const struct event *ev, void *q)
{
	evqueue_push(q, ev);
}

/* Route the session's events into q from now on. UI thread, no worker
 * running. */
static void relay_attach(struct session *s, struct evqueue *q)
{
	events_subscribe(s->evs, relay_fn, q);
}

/* After this no thread pushes into the queue any more. UI thread, the
 * worker joined. */
static void relay_detach(struct session *s, struct evqueue *q)
{
	events_unsubscribe(s->evs, relay_fn, q);
}

/* ---- the worker --------------------------------------------------------- */

enum { PHASE_CONNECT, PHASE_CHECK, PHASE_RUN };

struct worker {
	pthread_t tid;
	bool running;               /* started, not yet joined (UI thread) */
	atomic_bool done;
	atomic_int phase;
	struct session *s;
	bool destroy;
	volatile sig_atomic_t *interrupt;
	/* Results, read by the UI thread after the join. */
	int rc;
	char *cause;
	bool connect_failed;
};

static void *checks_main(void *arg)
{
	struct worker *w = arg;
	w->rc = 0;
	if (!w->s->backend) {
		atomic_store(&w->phase, PHASE_CONNECT);
		w->rc = session_connect(w->s, &w->cause);
		w->connect_failed = w->rc != 0;
	}
	if (!w->rc) {
		atomic_store(&w->phase, PHASE_CHECK);
		w->rc = session_check(w->s, &w->cause);
	}
	atomic_store(&w->done, true);
	return NULL;
}

static void *run_main(void *arg)
{
	struct worker *w = arg;
	w->rc = 0;
	if (!w->s->backend) {
		atomic_store(&w->phase, PHASE_CONNECT);
		w->rc = session_connect(w->s, &w->cause);
		w->connect_failed = w->rc != 0;
	}
	if (!w->rc) {
		atomic_store(&w->phase, PHASE_RUN);
		w->rc = w->destroy ? session_destroy(w->s, w->interrupt, false, &w->cause)
		                   : session_apply(w->s, w->interrupt, &w->cause);
	}
	atomic_store(&w->done, true);
	return NULL;
}

int runview_thread(pthread_t *tid, void *(*fn)(void *), void *arg)
{
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGWINCH);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	int rc = pthread_create(tid, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

static int worker_start(struct worker *w, void *(*fn)(void *))
{
	free(w->cause);
	w->cause = NULL;
	w->rc = 0;
	w->connect_failed = false;
	atomic_store(&w->done, false);
	atomic_store(&w->phase, PHASE_CONNECT);
	if (runview_thread(&w->tid, fn, w) != 0) {
		w->rc = EXIT_ERROR;
		w->cause = lf_xstrdup(_("cannot start a worker thread"));
		atomic_store(&w->done, true);
		return -1;
	}
	w->running = true;
	return 0;
}

/* Join when finished; true once the results may be read. */
static bool worker_finished(struct worker *w)
{
	if (w->running && atomic_load(&w->done)) {
		pthread_join(w->tid, NULL);
		w->running = false;
	}
	return !w->running;
}

static void worker_wait(struct worker *w)
{
	if (w->running) {
		pthread_join(w->tid, NULL);
		w->running = false;
	}
}

/* ---- rows of text (checks list, outputs table) -------------------------- */

/* One screen row: up to three cells. A cell with x < 0 is right-aligned
 * to the row's width. */
struct trow {
	char *cell[3];
	int x[3];
	attr_t attr[3];
	bool rule;  /* a horizontal line instead */
};

struct trows {
	struct trow *v;
	size_t n, cap;
};

static struct trow *trows_add(struct trows *t)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 32;
		t->v = lf_xrealloc(t->v, t->cap * sizeof *t->v);
	}
	struct trow *r = &t->v[t->n++];
	memset(r, 0, sizeof *r);
	return r;
}

static void trows_cell(struct trow *r, int i, int x, attr_t attr, const char *text)
{
	free(r->cell[i]);
	r->cell[i] = lf_xstrdup(text ? text : "");
	r->x[i] = x;
	r->attr[i] = attr;
}

/* Text wrapped to `width` columns at column x, one row per line. */
static void trows_wrap(struct trows *t, int x, int width, attr_t attr,
                       const char *text)
{
	char **lines;
	size_t n = ui_wrap_split(text, width, &lines);
	for (size_t i = 0; i < n; i++)
		trows_cell(trows_add(t), 0, x, attr, lines[i]);
	ui_lines_free(lines, n);
}

static void trows_free(struct trows *t)
{
	for (size_t i = 0; i < t->n; i++)
		for (int c = 0; c < 3; c++)
			free(t->v[i].cell[c]);
	free(t->v);
	memset(t, 0, sizeof *t);
}

static void trows_draw(const struct trows *t, size_t top, int y, int h, int w)
{
	for (int i = 0; i < h && top + (size_t)i < t->n; i++) {
		const struct trow *r = &t->v[top + (size_t)i];
		if (r->rule) {
			attrset(ui_attr(ROLE_DIM));
			ui_hline(y + i, 1, w - 2);
			attrset(A_NORMAL);
			continue;
		}
		/* Right-aligned cells first: left cells are clipped before them. */
		int right_edge = w;
		for (int c = 0; c < 3; c++)
			if (r->cell[c] && r->x[c] < 0) {
				int cw = ui_width(r->cell[c]);
				right_edge = w - 1 - cw;
				text_at(y + i, right_edge, cw, r->attr[c], r->cell[c]);
			}
		for (int c = 0; c < 3; c++)
			if (r->cell[c] && r->x[c] >= 0)
				text_at(y + i, r->x[c], right_edge - 1 - r->x[c], r->attr[c],
				        r->cell[c]);
	}
}

/* Scroll keys for a list of n rows shown h at a time. True when used. */
static bool scroll_key(size_t *top, size_t n, int h, int key, bool is_char)
{
	size_t max = n > (size_t)h ? n - (size_t)h : 0;
	size_t page = h > 1 ? (size_t)h - 1 : 1;
	if (!is_char) {
		switch (key) {
		case KEY_UP: *top = *top > 0 ? *top - 1 : 0; break;
		case KEY_DOWN: *top = *top < max ? *top + 1 : max; break;
		case KEY_PPAGE: *top = *top > page ? *top - page : 0; break;
		case KEY_NPAGE: *top = *top + page < max ? *top + page : max; break;
		case KEY_HOME: *top = 0; break;
		case KEY_END: *top = max; break;
		default: return false;
		}
		return true;
	}
	switch (key) {
	case 'k': *top = *top > 0 ? *top - 1 : 0; return true;
	case 'j': *top = *top < max ? *top + 1 : max; return true;
	case ' ': *top = *top + page < max ? *top + page : max; return true;
	}
	return false;
}

static bool redraw_key(int key)
{
	return key == ERR || key == KEY_RESIZE || key == UI_KEY_CTRL('l');
}

/* ---- live checks -------------------------------------------------------- */

struct checks_view {
	struct session *s;
	struct evqueue *q;
	struct worker w;
	int tick;
	bool cancelling;
	char *last_log;       /* newest log line while the worker runs */
	struct check_list shown;  /* s->checks, or one made-up failed item */
	size_t top;
	int list_h;               /* rows of the list at the last draw */
	size_t nrows;
	long long t0;
};

static void checks_event(const struct event *ev, void *user)
{
	struct checks_view *v = user;
	if (ev->kind == EV_LOG && ev->level >= LOG_INFO && ev->message) {
		free(v->last_log);
		v->last_log = lf_xstrdup(ev->message);
	}
}

static const char *check_word(enum check_status st)
{
	switch (st) {
	case CHECK_OK: return _("ok");
	case CHECK_WARNING: return _("warning");
	case CHECK_FAILED: break;
	}
	return _("failed");
}

static enum ui_role check_role(enum check_status st)
{
	return st == CHECK_OK ? ROLE_OK : st == CHECK_WARNING ? ROLE_WARN : ROLE_ERROR;
}

static void checks_collect(struct checks_view *v)
{
	check_list_clear(&v->shown);
	struct worker *w = &v->w;
	if (w->connect_failed) {
		/* A backend of this version that cannot connect yet says so in
		 * the cause: show it plainly and point at the dry run. */
		check_list_add(&v->shown, "connect", _("Connect to the target"), CHECK_FAILED,
		               w->cause ? w->cause : _("cannot connect"),
		               v->s->setup.ops->open
		               ? _("Check the connection settings and credentials, then press r to try again; or start Landfall with --dry-run to rehearse the install without touching anything.")
		               : _("Start Landfall with --dry-run to rehearse the whole install without touching anything."));
		return;
	}
	struct check_list *cl = &v->s->checks;
	for (size_t i = 0; i < cl->n; i++)
		check_list_add(&v->shown, cl->items[i].id, cl->items[i].title,
		               cl->items[i].status, cl->items[i].reason, cl->items[i].hint);
	/* The checks could not run, or their results not be saved: a failure
	 * too, though no check says so. */
	if (w->rc && check_list_worst(cl) != CHECK_FAILED)
		check_list_add(&v->shown, "checks", _("Run the checks"), CHECK_FAILED,
		               w->cause ? w->cause : _("the checks could not run"),
		               _("Press r to try again."));
}

static void checks_rows(const struct checks_view *v, struct trows *t, int w)
{
	for (size_t i = 0; i < v->shown.n; i++) {
		const struct check_result *c = &v->shown.items[i];
		struct trow *r = trows_add(t);
		const char *mark = c->status == CHECK_OK ? glyph("✓", "+")
		                 : c->status == CHECK_WARNING ? "!" : glyph("✗", "x");
		trows_cell(r, 0, 1, ui_attr(check_role(c->status)) | A_BOLD, mark);
		trows_cell(r, 1, 3, A_BOLD, c->title);
		trows_cell(r, 2, -1, ui_attr(check_role(c->status)), check_word(c->status));
		if (!lf_str_empty(c->reason))
			trows_wrap(t, 5, w - 6, ui_attr(ROLE_NORMAL), c->reason);
		if (c->status != CHECK_OK && !lf_str_empty(c->hint)) {
			char *hint = lf_asprintf(_("How to fix: %s"), c->hint);
			trows_wrap(t, 5, w - 6, ui_attr(ROLE_HELP), hint);
			free(hint);
		}
	}
}

static void checks_draw(void *user)
{
	struct checks_view *v = user;
	struct session *s = v->s;
	int w = COLS;
	char *title = lf_asprintf(_("Landfall - Checks for %s"),
	                          answers_str_or_default(s->answers, "install.name"));
	bool dry = s->setup.ops && strcmp(s->setup.ops->name, "dry-run") == 0;
	char *right = dry ? lf_asprintf(_("%s, dry run"), s->setup.target ? s->setup.target->name : "")
	                  : lf_xstrdup(s->setup.target ? s->setup.target->name : "");
	ui_title(title, right);
	free(right);
	free(title);
	if (v->w.running) {
		int phase = atomic_load(&v->w.phase);
		const char *what = v->cancelling
			? _("Cancelling: waiting for the attempt in flight to end")
			: phase == PHASE_CONNECT ? _("Connecting to the target")
			: _("Running the prerequisite checks");
		char elapsed[32];
		fmt_clock(elapsed, sizeof elapsed, wall_ms() - v->t0);
		char *line = lf_asprintf("%s %s%s  %s", runview_spinner(v->tick), what, ellipsis(), elapsed);
		text_at(3, 2, w - 4, v->cancelling ? ui_attr(ROLE_WARN) : A_BOLD, line);
		free(line);
		if (v->last_log) {
			attrset(ui_attr(ROLE_DIM));
			ui_wrap(5, 4, w - 6, 3, v->last_log);
			attrset(A_NORMAL);
		}
		ui_footer(v->cancelling ? "" : _("Esc Cancel"));
		return;
	}
	size_t ok = 0, warn = 0, bad = 0;
	for (size_t i = 0; i < v->shown.n; i++) {
		enum check_status st = v->shown.items[i].status;
		ok += st == CHECK_OK;
		warn += st == CHECK_WARNING;
		bad += st == CHECK_FAILED;
	}
	char *summary;
	attr_t sattr;
	if (bad) {
		summary = lf_asprintf(ngettext("%zu of %zu check failed: fix what is marked failed, then press r to check again.",
		                               "%zu of %zu checks failed: fix what is marked failed, then press r to check again.",
		                               ok + warn + bad),
		                      bad, ok + warn + bad);
		sattr = ui_attr(ROLE_ERROR);
	} else if (warn) {
		summary = lf_asprintf(ngettext("%zu warning (%zu ok): you can go on; read the warning first.",
		                               "%zu warnings (%zu ok): you can go on; read the warnings first.", warn),
		                      warn, ok);
		sattr = ui_attr(ROLE_WARN);
	} else {
		summary = lf_asprintf(ngettext("%zu check passed.", "All %zu checks passed.", ok), ok);
		sattr = ui_attr(ROLE_OK);
	}
	attrset(sattr);
	int used = ui_wrap(2, 1, w - 2, 2, summary);
	attrset(A_NORMAL);
	free(summary);
	int y = 2 + used + 1;
	struct trows t = { 0 };
	checks_rows(v, &t, w);
	v->nrows = t.n;
	v->list_h = LINES - 1 - y;
	if (v->list_h < 1)
		v->list_h = 1;
	size_t max = t.n > (size_t)v->list_h ? t.n - (size_t)v->list_h : 0;
	if (v->top > max)
		v->top = max;
	trows_draw(&t, v->top, y, v->list_h, w);
	if (t.n > (size_t)v->list_h) {
		char *more = lf_asprintf(_(" rows %zu-%zu of %zu "), v->top + 1,
		                         v->top + (size_t)v->list_h < t.n ? v->top + (size_t)v->list_h : t.n,
		                         t.n);
		text_at(y - 1, w - 1 - ui_width(more), ui_width(more), ui_attr(ROLE_DIM), more);
		free(more);
	}
	trows_free(&t);
	ui_footer(bad ? _("r Check again  Up/Down Scroll  Esc Back")
	              : _("Enter Continue  r Check again  Up/Down Scroll  Esc Back"));
}

static void checks_start(struct checks_view *v)
{
	v->t0 = wall_ms();
	v->cancelling = false;
	v->top = 0;
	free(v->last_log);
	v->last_log = NULL;
	if (worker_start(&v->w, checks_main) != 0)
		checks_collect(v);
}

static void frame(ui_draw_fn draw, void *user)
{
	ui_frame_begin();
	if (!ui_guard_small())
		draw(user);
	ui_frame_end();
}

struct task {
	pthread_t tid;
	atomic_bool done;
	int (*fn)(void *user, char **cause);
	void *user;
	int rc;
	char *cause;
	const char *title;
	int tick;
	bool cancelling;
};

static void *task_main(void *arg)
{
	struct task *t = arg;
	t->rc = t->fn(t->user, &t->cause);
	atomic_store(&t->done, true);
	return NULL;
}

static void task_draw(void *user)
{
	struct task *t = user;
	ui_draw_backdrop();
	int w = COLS - 8 < 60 ? COLS - 8 : 60, y = LINES / 2 - 2, x = (COLS - w) / 2;
	for (int i = 0; i < 5; i++)
		ui_text(y + i, x, w, "", true);
	ui_box(y, x, 5, w);
	char *line = lf_asprintf("%s %s", runview_spinner(t->tick), t->title);
	attrset(ui_attr(ROLE_NORMAL));
	ui_text(y + 1, x + 2, w - 4, line, false);
	free(line);
	attrset(ui_attr(ROLE_DIM));
	ui_text(y + 3, x + 2, w - 4,
	        t->cancelling ? _("Giving up when the call returns...") : _("Esc: stop waiting"),
	        false);
	attrset(ui_attr(ROLE_NORMAL));
}

/* Set while the task on screen is being given up: its worker may poll it. */
static atomic_bool task_stop;

bool runview_task_stopping(void)
{
	return atomic_load(&task_stop);
}

int runview_task(const char *title, int (*fn)(void *user, char **cause), void *user,
                 char **cause)
{
	struct task t = { .fn = fn, .user = user, .title = title };
	atomic_store(&t.done, false);
	atomic_store(&task_stop, false);
	*cause = NULL;
	int prc = runview_thread(&t.tid, task_main, &t);
	if (prc != 0) {
		*cause = lf_xstrdup(_("cannot start a worker thread"));
		return EXIT_ERROR;
	}
	struct sigaction old_int;
	sigint_catch(&old_int);
	while (!atomic_load(&t.done)) {
		if (ui_active())
			frame(task_draw, &t);
		t.tick++;
		bool is_char = false;
		int key = ui_active() ? ui_getkey_wide(TICK_MS, &is_char) : (lf_sleep_ms(TICK_MS), ERR);
		if (take_sigint(key, is_char) || (is_char && (key == 27 || key == 'q'))) {
			t.cancelling = true;
			atomic_store(&task_stop, true);
		}
	}
	pthread_join(t.tid, NULL);
	atomic_store(&task_stop, false);
	sigint_restore(&old_int);
	if (t.cancelling) {
		free(t.cause);
		return EXIT_INTERRUPTED;
	}
	*cause = t.cause;
	return t.rc;
}

int runview_checks(struct session *s)
{
	if (!ui_active())
		return EXIT_USAGE;
	struct checks_view v = { .s = s, .q = evqueue_new(0) };
	v.w.s = s;
	struct sigaction old_int;
	sigint_catch(&old_int);
	struct ui_backdrop old_bd = ui_set_backdrop(checks_draw, &v);
	relay_attach(s, v.q);
	checks_start(&v);
	int rc = 0;
	for (;;) {
		evqueue_drain(v.q, checks_event, &v);
		bool was_running = v.w.running;
		if (worker_finished(&v.w) && was_running) {
			if (v.cancelling) {
				/* The result is discarded. */
				check_list_clear(&s->checks);
				rc = EXIT_INTERRUPTED;
				break;
			}
			checks_collect(&v);
		}
		frame(checks_draw, &v);
		v.tick++;
		bool is_char;
		int key = ui_getkey_wide(v.w.running ? TICK_MS : 500, &is_char);
		bool cancel = take_sigint(key, is_char) || (is_char && (key == 27 || key == 'q'));
		if (v.w.running) {
			if (cancel)
				v.cancelling = true;
			continue;
		}
		bool failed = check_list_worst(&v.shown) == CHECK_FAILED;
		if (cancel) {
			rc = failed ? EXIT_PREREQ : EXIT_INTERRUPTED;
			break;
		}
		if (redraw_key(key))
			continue;
		if (ui_key_is_enter(key) && !failed) {
			rc = 0;
			break;
		}
		if (is_char && (key == 'r' || key == 'R')) {
			checks_start(&v);
			continue;
		}
		scroll_key(&v.top, v.nrows, v.list_h, key, is_char);
	}
	worker_wait(&v.w);
	relay_detach(s, v.q);
	evqueue_free(v.q);
	ui_set_backdrop(old_bd.draw, old_bd.user);
	sigint_restore(&old_int);
	check_list_clear(&v.shown);
	free(v.last_log);
	free(v.w.cause);
	return rc;
}

/* ---- the run screen ----------------------------------------------------- */

enum act_state {
	ST_PENDING,
	ST_RUNNING,
	ST_DONE,
	ST_FOUND,     /* it existed already */
	ST_SKIPPED,   /* done in an earlier run */
	ST_UNDONE,    /* destroy: removed */
	ST_KEPT,      /* destroy: kept on purpose (data, backups) */
	ST_FAILED,
	ST_IDLE,      /* destroy: nothing to remove */
};

struct act_view {
	enum act_state st;
	long long t0, t1;   /* wall clock ms of start and end; 0 unknown */
	double fraction;
};

enum run_phase { PH_RUNNING, PH_DONE, PH_FAILED, PH_STOPPED };

struct run_view {
	struct session *s;
	bool destroy;
	struct act_view *acts;   /* one per plan action */
	int focus;               /* action to keep in sight */
	struct logpane *log;
	struct evqueue *q;
	size_t q_dropped;
	struct worker w;
	volatile sig_atomic_t interrupt;
	enum run_phase phase;
	bool stop_asked;
	bool log_only;           /* the pane fills the screen */
	char *fail_title, *fail_msg, *fail_hint;
	long long t0, t1;
	int tick;
};

static const char *state_word(const struct run_view *v, enum act_state st)
{
	switch (st) {
	case ST_PENDING: return _("pending");
	case ST_RUNNING: return v->destroy ? _("removing") : _("running");
	case ST_DONE: return _("done");
	case ST_FOUND: return _("already there");
	case ST_SKIPPED: return _("done earlier");
	case ST_UNDONE: return _("removed");
	case ST_KEPT: return _("kept");
	case ST_FAILED: return _("failed");
	case ST_IDLE: break;
	}
	return _("nothing to remove");
}

static enum ui_role state_role(enum act_state st)
{
	switch (st) {
	case ST_RUNNING: return ROLE_NORMAL;
	case ST_DONE:
	case ST_FOUND:
	case ST_UNDONE:
	case ST_KEPT: return ROLE_OK;
	case ST_FAILED: return ROLE_ERROR;
	default: return ROLE_DIM;
	}
}

static const char *state_mark(const struct run_view *v, enum act_state st)
{
	switch (st) {
	case ST_PENDING: return glyph("·", ".");
	case ST_RUNNING: return runview_spinner(v->tick);
	case ST_DONE:
	case ST_FOUND:
	case ST_UNDONE:
	case ST_KEPT: return glyph("✓", "+");
	case ST_SKIPPED: return glyph("✓", "=");
	case ST_FAILED: return glyph("✗", "x");
	case ST_IDLE: break;
	}
	return "-";
}

static bool state_complete(enum act_state st)
{
	return st == ST_DONE || st == ST_FOUND || st == ST_SKIPPED || st == ST_UNDONE ||
	       st == ST_KEPT;
}

/* Whether destroy will touch the action, as the engine decides it: not
 * undone, and either past pending or holding ids recorded before a stop. */
static bool may_exist(json_t *entry)
{
	const char *st = json_string_value(json_object_get(entry, "status"));
	if (!st || strcmp(st, "undone") == 0)
		return false;
	if (strcmp(st, "pending") == 0)
		return json_object_size(json_object_get(entry, "resources")) > 0;
	return true;
}

/* Statuses from the journal. Only while no worker runs. */
static void run_reset_states(struct run_view *v)
{
	const struct plan *p = &v->s->plan;
	for (size_t i = 0; i < p->n; i++) {
		struct act_view *a = &v->acts[i];
		*a = (struct act_view){ .st = ST_PENDING };
		if (v->destroy) {
			json_t *e = journal_action(v->s->journal, p->actions[i].id);
			a->st = e && may_exist(e) ? ST_PENDING : ST_IDLE;
		} else if (strcmp(journal_status(v->s->journal, p->actions[i].id), "done") == 0) {
			a->st = ST_SKIPPED;
		}
	}
	v->focus = 0;
}

static void run_log(struct run_view *v, long long ts, enum ui_role role,
                    const char *action, const char *fmt, ...) LF_PRINTF(5, 6);
static void run_log(struct run_view *v, long long ts, enum ui_role role,
                    const char *action, const char *fmt, ...)
{
	char when[16] = "";
	time_t t = (time_t)((ts ? ts : wall_ms()) / 1000);
	struct tm tm;
	if (localtime_r(&t, &tm))
		strftime(when, sizeof when, "%H:%M:%S", &tm);
	va_list ap;
	va_start(ap, fmt);
	char *msg = lf_vasprintf(fmt, ap);
	va_end(ap);
	char *line = action ? lf_asprintf("%s [%s] %s", when, action, msg)
	                    : lf_asprintf("%s %s", when, msg);
	logpane_append_role(v->log, role, line);
	free(line);
	free(msg);
}

static void set_str(char **dst, const char *src)
{
	free(*dst);
	*dst = src ? lf_xstrdup(src) : NULL;
}

static void run_event(const struct event *ev, void *user)
{
	struct run_view *v = user;
	const struct plan *p = &v->s->plan;
	int i = ev->action_id ? plan_find(p, ev->action_id) : -1;
	struct act_view *a = i >= 0 ? &v->acts[i] : NULL;
	const char *msg = ev->message ? ev->message : "";
	const char *title = ev->title ? ev->title : ev->action_id ? ev->action_id : "";
	switch (ev->kind) {
	case EV_PLAN:
	case EV_FINISHED:
		break;
	case EV_STARTED:
		if (a) {
			*a = (struct act_view){ .st = ST_RUNNING, .t0 = ev->ts_ms };
			v->focus = i;
		}
		run_log(v, ev->ts_ms, ROLE_NORMAL, NULL, "%s %s%s%s", glyph("▶", ">"), title,
		        *msg ? ": " : "", msg);
		break;
	case EV_PROGRESS:
		if (a)
			a->fraction = ev->fraction < 0 ? 0 : ev->fraction > 1 ? 1 : ev->fraction;
		break;
	case EV_DONE: {
		enum act_state st = ST_DONE;
		if (ev->status && strcmp(ev->status, "found") == 0)
			st = ST_FOUND;
		else if (ev->status && strcmp(ev->status, "skipped") == 0)
			st = ST_SKIPPED;
		else if (ev->status && strcmp(ev->status, "undone") == 0)
			st = ST_UNDONE;
		else if (ev->status && strcmp(ev->status, "kept") == 0)
			st = ST_KEPT;
		if (a) {
			a->st = st;
			a->t1 = ev->ts_ms;
			a->fraction = 1;
		}
		run_log(v, ev->ts_ms, st == ST_SKIPPED ? ROLE_DIM : ROLE_OK, NULL, "%s %s: %s",
		        glyph("✓", "+"), title, state_word(v, st));
		break;
	}
	case EV_FAILED:
		if (a) {
			a->st = ST_FAILED;
			a->t1 = ev->ts_ms;
			v->focus = i;
		}
		set_str(&v->fail_title, title);
		set_str(&v->fail_msg, msg);
		set_str(&v->fail_hint, ev->hint);
		run_log(v, ev->ts_ms, ROLE_ERROR, NULL, "%s %s: %s", glyph("✗", "x"), title, msg);
		if (ev->hint)
			run_log(v, ev->ts_ms, ROLE_HELP, NULL, _("  how to fix: %s"), ev->hint);
		break;
	case EV_LOG:
		run_log(v, ev->ts_ms,
		        ev->level == LOG_ERROR ? ROLE_ERROR : ev->level == LOG_WARN ? ROLE_WARN
		        : ev->level == LOG_DEBUG ? ROLE_DIM : ROLE_NORMAL,
		        ev->action_id, "%s", msg);
		break;
	case EV_CHECK: {
		enum check_status st = !ev->status || strcmp(ev->status, "ok") == 0 ? CHECK_OK
		                     : strcmp(ev->status, "warning") == 0 ? CHECK_WARNING
		                     : CHECK_FAILED;
		run_log(v, ev->ts_ms, check_role(st), ev->action_id, "%s: %s (%s)", title, msg,
		        check_word(st));
		break;
	}
	}
}

static void run_start(struct run_view *v)
{
	run_reset_states(v);
	v->phase = PH_RUNNING;
	v->stop_asked = false;
	v->interrupt = 0;
	v->t0 = wall_ms();
	v->t1 = 0;
	set_str(&v->fail_title, NULL);
	set_str(&v->fail_msg, NULL);
	set_str(&v->fail_hint, NULL);
	worker_start(&v->w, run_main);
}

/* The worker ended: read its result. */
static void run_finish(struct run_view *v)
{
	v->t1 = wall_ms();
	int rc = v->w.rc;
	if (rc == 0) {
		v->phase = PH_DONE;
		run_log(v, 0, ROLE_OK, NULL, "%s", v->destroy ? _("Everything this install created is removed.")
		                                              : _("The install is complete."));
		return;
	}
	v->phase = rc == EXIT_INTERRUPTED ? PH_STOPPED : PH_FAILED;
	/* An action's failure is in the log already; say what else ended
	 * the run (the session's cause is worded for the command line). */
	if (v->phase == PH_STOPPED)
		run_log(v, 0, ROLE_WARN, NULL, _("stopped; the state is kept in %s"),
		        v->s->state_dir);
	else if (!v->fail_msg && v->w.cause)
		run_log(v, 0, ROLE_ERROR, NULL, "%s", v->w.cause);
	/* A failure that is no action's (connect, state file): its cause is
	 * the message. */
	if (v->phase == PH_FAILED && !v->fail_msg) {
		set_str(&v->fail_title, v->w.connect_failed ? _("Connect to the target")
		                                            : _("The run stopped"));
		set_str(&v->fail_msg, v->w.cause ? v->w.cause : _("no detail"));
		if (v->w.connect_failed)
			set_str(&v->fail_hint, _("Check the connection settings and credentials, then retry; or start Landfall with --dry-run to rehearse the install."));
	}
}

static double run_progress(const struct run_view *v, size_t *done, size_t *total)
{
	double sum = 0;
	*done = *total = 0;
	for (size_t i = 0; i < v->s->plan.n; i++) {
		const struct act_view *a = &v->acts[i];
		if (a->st == ST_IDLE)
			continue;
		(*total)++;
		if (state_complete(a->st)) {
			(*done)++;
			sum += 1;
		} else if (a->st == ST_RUNNING) {
			sum += a->fraction;
		}
	}
	return *total ? sum / (double)*total : 1;
}

static void draw_progress(const struct run_view *v, int y, int w)
{
	size_t done, total;
	double f = run_progress(v, &done, &total);
	char *right = lf_asprintf(_(" %zu of %zu  %3d%% "), done, total, (int)(f * 100 + 0.5));
	int rw = ui_width(right);
	int bw = w - 4 - rw;
	if (bw < 4) {
		text_at(y, 1, w - 2, A_NORMAL, right);
		free(right);
		return;
	}
	int fill = (int)(f * bw + 0.5);
	mvaddch(y, 1, '[');
	attrset(ui_attr(ROLE_PROGRESS));
	for (int i = 0; i < fill; i++)
		mvaddch(y, 2 + i, ui_ascii() ? '#' : ' ');
	attrset(ui_attr(ROLE_DIM));
	for (int i = fill; i < bw; i++)
		ui_text(y, 2 + i, 1, glyph("·", "."), false);
	attrset(A_NORMAL);
	mvaddch(y, 2 + bw, ']');
	text_at(y, 3 + bw, rw, A_BOLD, right);
	free(right);
}

/* The status sentence under the bar. */
static void draw_status(const struct run_view *v, int y, int w)
{
	char *line = NULL;
	attr_t attr = A_BOLD;
	char el[32];
	fmt_clock(el, sizeof el, (v->t1 ? v->t1 : wall_ms()) - v->t0);
	switch (v->phase) {
	case PH_RUNNING:
		if (v->stop_asked) {
			line = lf_asprintf(_("%s Stopping after the current action%s"), runview_spinner(v->tick),
			                   ellipsis());
			attr = ui_attr(ROLE_WARN);
		} else if (atomic_load(&v->w.phase) == PHASE_CONNECT) {
			line = lf_asprintf(_("%s Connecting to the target%s"), runview_spinner(v->tick), ellipsis());
		} else {
			const struct act_view *a = &v->acts[v->focus];
			line = a->st == ST_RUNNING
				? lf_asprintf("%s %s", runview_spinner(v->tick), v->s->plan.actions[v->focus].title)
				: lf_asprintf("%s %s", runview_spinner(v->tick), ellipsis());
		}
		break;
	case PH_DONE:
		line = lf_asprintf(v->destroy ? _("%s Removed, in %s.") : _("%s Installed, in %s."),
		                   glyph("✓", "+"), el);
		attr = ui_attr(ROLE_OK) | A_BOLD;
		break;
	case PH_FAILED:
		line = lf_asprintf(_("%s Failed: %s"), glyph("✗", "x"),
		                   v->fail_title ? v->fail_title : "");
		attr = ui_attr(ROLE_ERROR);
		break;
	case PH_STOPPED:
		line = lf_asprintf(_("Stopped at your request after %s."), el);
		attr = ui_attr(ROLE_WARN);
		break;
	}
	text_at(y, 1, w - 2, attr, line);
	free(line);
}

static void draw_actions(const struct run_view *v, int y, int h, int w)
{
	const struct plan *p = &v->s->plan;
	int n = (int)p->n;
	int first = 0;
	if (n > h) {
		first = v->focus - h / 3;
		if (first > n - h)
			first = n - h;
		if (first < 0)
			first = 0;
	}
	/* The status column fits the words this kind of run can show. */
	static const enum act_state apply_states[] = { ST_PENDING, ST_DONE, ST_FOUND,
	                                               ST_SKIPPED, ST_FAILED };
	static const enum act_state destroy_states[] = { ST_PENDING, ST_UNDONE, ST_KEPT,
	                                                 ST_FAILED, ST_IDLE };
	const enum act_state *sts = v->destroy ? destroy_states : apply_states;
	size_t nst = v->destroy ? LF_ARRAY_LEN(destroy_states) : LF_ARRAY_LEN(apply_states);
	int sw = ui_width(state_word(v, ST_RUNNING)) + 5;  /* " 100%" */
	for (size_t k = 0; k < nst; k++)
		if (ui_width(state_word(v, sts[k])) > sw)
			sw = ui_width(state_word(v, sts[k]));
	if (sw > 18)
		sw = 18;
	const int tw = 8;  /* elapsed column */
	long long now = wall_ms();
	for (int r = 0; r < h && first + r < n; r++) {
		int i = first + r;
		const struct act_view *a = &v->acts[i];
		attr_t ra = ui_attr(state_role(a->st));
		text_at(y + r, 1, 1, ra | A_BOLD, state_mark(v, a->st));
		int title_w = w - 3 - sw - tw - 3;
		text_at(y + r, 3, title_w, a->st == ST_RUNNING ? A_BOLD
		        : a->st == ST_IDLE || a->st == ST_SKIPPED ? ui_attr(ROLE_DIM) : A_NORMAL,
		        p->actions[i].title);
		char word[64];
		if (a->st == ST_RUNNING && a->fraction > 0 && a->fraction < 1)
			snprintf(word, sizeof word, "%s %d%%", state_word(v, a->st),
			         (int)(a->fraction * 100));
		else
			snprintf(word, sizeof word, "%s", state_word(v, a->st));
		text_at(y + r, w - 2 - tw - sw, sw + 1, ra, word);
		char el[32] = "";
		if (a->st == ST_RUNNING && a->t0)
			fmt_duration(el, sizeof el, now - a->t0);
		else if (a->t0 && a->t1)
			fmt_duration(el, sizeof el, a->t1 - a->t0);
		int ew = ui_width(el);
		text_at(y + r, w - 1 - ew, ew, ui_attr(ROLE_DIM), el);
	}
}

/* The error in plain words and the choices, in at most h rows. Returns
 * the rows used. The choices always show; the rest gives way. */
static int draw_failure(const struct run_view *v, int y, int h, int w)
{
	int used = 0, room, tw = w - 5;
	if (v->phase == PH_FAILED && v->fail_msg && (room = h - used - 1) > 0)
		used += ui_wrap(y + used, 3, tw, room < 3 ? room : 3, v->fail_msg);
	if (v->phase == PH_FAILED && v->fail_hint && (room = h - used - 1) > 0) {
		char *hint = lf_asprintf(_("How to fix: %s"), v->fail_hint);
		attrset(ui_attr(ROLE_HELP));
		used += ui_wrap(y + used, 3, tw, room < 2 ? room : 2, hint);
		attrset(A_NORMAL);
		free(hint);
	}
	if ((room = h - used - 1) > 0) {
		char *kept = lf_asprintf(v->phase == PH_STOPPED
		                         ? _("The state is kept in %s: Resume carries on where it stopped.")
		                         : _("The state is kept in %s: Retry resumes where it stopped."),
		                         v->s->state_dir);
		attrset(ui_attr(ROLE_DIM));
		used += ui_wrap(y + used, 3, tw, room < 2 ? room : 2, kept);
		attrset(A_NORMAL);
		free(kept);
	}
	if (h - used > 1)
		used++;
	if (h - used > 0) {
		text_at(y + used, 3, tw, A_BOLD, v->phase == PH_STOPPED
		        ? _("r Resume    l Show log    b Support bundle    q Quit")
		        : _("r Retry    l Show log    b Support bundle    q Quit"));
		used++;
	}
	return used;
}

static void run_draw(void *user)
{
	struct run_view *v = user;
	struct session *s = v->s;
	int w = COLS, H = LINES;
	const char *name = answers_str_or_default(s->answers, "install.name");
	const char *target = s->setup.target ? s->setup.target->name : "?";
	char *title = v->destroy ? lf_asprintf(_("Landfall - Removing %s from %s"), name, target)
	                         : lf_asprintf(_("Landfall - Installing %s on %s"), name, target);
	char el[32];
	fmt_clock(el, sizeof el, (v->t1 ? v->t1 : wall_ms()) - v->t0);
	bool dry = s->setup.ops && strcmp(s->setup.ops->name, "dry-run") == 0;
	char *right = dry ? lf_asprintf(_("dry run  %s"), el) : lf_xstrdup(el);
	ui_title(title, right);
	free(title);
	free(right);

	const char *keys = "";
	if (v->log_only) {
		logpane_draw(v->log, 1, 0, H - 2, w);
		keys = _("l/Esc Back  PgUp/PgDn Scroll  / Search  n/N Next/prev  End Follow");
	} else {
		draw_progress(v, 1, w);
		draw_status(v, 2, w);
		int avail = H - 4;  /* title, bar, status, footer */
		int cap = avail * 2 / 5 > 4 ? avail * 2 / 5 : 4;
		int top_h;
		if (v->phase == PH_FAILED || v->phase == PH_STOPPED) {
			top_h = draw_failure(v, 3, cap > 9 ? 9 : cap, w);
			/* A tall window has room for the actions as well. */
			int list_h = (int)s->plan.n < cap ? (int)s->plan.n : cap;
			if (avail - top_h - 1 - list_h >= 12) {
				draw_actions(v, 3 + top_h + 1, list_h, w);
				top_h += 1 + list_h;
			}
		} else {
			top_h = (int)s->plan.n < cap ? (int)s->plan.n : cap;
			draw_actions(v, 3, top_h, w);
		}
		logpane_draw(v->log, 3 + top_h, 0, avail - top_h, w);
		switch (v->phase) {
		case PH_RUNNING:
			keys = _("q Stop  l Log  PgUp/PgDn Scroll  / Search  n/N Next  End Follow");
			break;
		case PH_DONE:
			keys = "";
			break;
		case PH_STOPPED:
			keys = _("r Resume  l Log  b Bundle  q Quit  PgUp/PgDn Scroll  / Search");
			break;
		case PH_FAILED:
			keys = _("r Retry  l Log  b Bundle  q Quit  PgUp/PgDn Scroll  / Search");
			break;
		}
	}
	ui_footer(keys);
}

static void run_ask_stop(struct run_view *v)
{
	if (v->stop_asked || v->phase != PH_RUNNING)
		return;
	if (ui_confirm(_("Stop after the current action? The state stays resumable."))) {
		v->interrupt = 1;
		v->stop_asked = true;
		run_log(v, 0, ROLE_WARN, NULL, "%s", _("stop requested: stopping after the current action"));
	}
}

static void run_bundle(struct run_view *v)
{
	char *written = NULL, *cause = NULL;
	if (bundle_write(v->s->state_dir, NULL, &written, &cause) == 0) {
		char *text = lf_asprintf(_("The support bundle is written to\n\n%s\n\nSecrets are masked in it. Send this file to support."),
		                         written);
		run_log(v, 0, ROLE_NORMAL, NULL, _("support bundle: %s"), written);
		ui_message(_("Support bundle"), text);
		free(text);
	} else {
		char *text = lf_asprintf(_("The support bundle could not be written: %s"),
		                         cause ? cause : "?");
		ui_message(_("Support bundle"), text);
		free(text);
	}
	free(written);
	free(cause);
}

int runview_run(struct session *s, bool destroy)
{
	if (!ui_active())
		return EXIT_USAGE;
	if (!s->state_dir || !s->journal) {
		ui_message(_("Cannot run"), _("The install has no state directory yet."));
		return EXIT_ERROR;
	}
	struct run_view v = {
		.s = s, .destroy = destroy,
		.acts = lf_xcalloc(s->plan.n ? s->plan.n : 1, sizeof *v.acts),
		.log = logpane_new(LOGPANE_DEFAULT_LINES, LOGPANE_DEFAULT_BYTES),
		.q = evqueue_new(0),
	};
	v.w.s = s;
	v.w.destroy = destroy;
	v.w.interrupt = &v.interrupt;
	char *note = lf_asprintf(_("(older lines dropped; the full log is in %s/landfall.log)"),
	                         s->state_dir);
	logpane_set_note(v.log, note);
	free(note);

	struct sigaction old_int;
	sigint_catch(&old_int);
	struct ui_backdrop old_bd = ui_set_backdrop(run_draw, &v);
	relay_attach(s, v.q);
	run_start(&v);
	int rc = 0;
	for (;;) {
		evqueue_drain(v.q, run_event, &v);
		size_t dropped = evqueue_dropped(v.q);
		if (dropped > v.q_dropped) {
			run_log(&v, 0, ROLE_WARN, NULL,
			        ngettext("(%zu log line skipped while the screen was busy; landfall.log has it)",
			                 "(%zu log lines skipped while the screen was busy; landfall.log has them)",
			                 dropped - v.q_dropped),
			        dropped - v.q_dropped);
			v.q_dropped = dropped;
		}
		bool was_running = v.w.running;
		if (worker_finished(&v.w) && was_running) {
			/* Events emitted just before the end are in the queue. */
			evqueue_drain(v.q, run_event, &v);
			run_finish(&v);
		}
		frame(run_draw, &v);
		if (v.phase == PH_DONE) {
			/* Success: let the last tick show, then the caller shows
			 * the outputs. Keys typed meanwhile wait for the next
			 * screen. */
			napms(600);
			rc = 0;
			break;
		}
		v.tick++;
		bool is_char;
		int key = ui_getkey_wide(v.phase == PH_RUNNING ? TICK_MS : 1000, &is_char);
		bool ctrl_c = take_sigint(key, is_char);
		if (logpane_prompting(v.log) && !ctrl_c) {
			logpane_key(v.log, key, is_char);
			continue;
		}
		if (ctrl_c || (is_char && (key == 'q' || key == 27))) {
			if (v.log_only && !ctrl_c) {
				v.log_only = false;
				continue;
			}
			if (v.phase == PH_RUNNING) {
				run_ask_stop(&v);
				continue;
			}
			if (key == 27 && !ctrl_c)
				continue;  /* after a failure only q quits */
			rc = v.w.rc;
			break;
		}
		if (redraw_key(key))
			continue;
		if (is_char && key == 'l') {
			v.log_only = !v.log_only;
			continue;
		}
		if (v.phase != PH_RUNNING && is_char && key == 'b') {
			run_bundle(&v);
			continue;
		}
		if ((v.phase == PH_FAILED || v.phase == PH_STOPPED) && is_char && key == 'r') {
			run_log(&v, 0, ROLE_NORMAL, NULL, "%s",
			        v.phase == PH_STOPPED ? _("resuming") : _("retrying"));
			v.log_only = false;
			run_start(&v);
			continue;
		}
		logpane_key(v.log, key, is_char);
	}
	worker_wait(&v.w);
	relay_detach(s, v.q);
	evqueue_free(v.q);
	ui_set_backdrop(old_bd.draw, old_bd.user);
	sigint_restore(&old_int);
	logpane_free(v.log);
	free(v.acts);
	free(v.fail_title);
	free(v.fail_msg);
	free(v.fail_hint);
	free(v.w.cause);
	return rc;
}

/* ---- outputs ------------------------------------------------------------ */

struct outputs_view {
	struct session *s;
	size_t top;
	int list_h;
	size_t nrows;
};

static void outputs_rows(const struct outputs_view *v, struct trows *t, int w)
{
	json_t *outs = v->s->journal ? journal_outputs(v->s->journal) : NULL;
	size_t i;
	json_t *o;
	int lw = ui_width(_("Label"));
	json_array_foreach(outs, i, o) {
		int l = ui_width(json_string_value(json_object_get(o, "label")));
		if (l > lw)
			lw = l;
	}
	if (lw > w / 3)
		lw = w / 3;
	int vx = 1 + lw + 3, vw = w - vx - 1;
	struct trow *h = trows_add(t);
	trows_cell(h, 0, 1, A_BOLD, _("Label"));
	trows_cell(h, 1, vx, A_BOLD, _("Value"));
	trows_add(t)->rule = true;
	if (json_array_size(outs) == 0)
		trows_cell(trows_add(t), 0, 1, ui_attr(ROLE_DIM),
		           _("No outputs are recorded yet."));
	json_array_foreach(outs, i, o) {
		const char *label = json_string_value(json_object_get(o, "label"));
		const char *value = json_string_value(json_object_get(o, "value"));
		char **ll, **vl;
		size_t nl = ui_wrap_split(label ? label : "", lw, &ll);
		size_t nv = ui_wrap_split(value ? value : "", vw, &vl);
		for (size_t k = 0; k < nl || k < nv; k++) {
			struct trow *r = trows_add(t);
			if (k < nl)
				trows_cell(r, 0, 1, ui_attr(ROLE_LABEL), ll[k]);
			if (k < nv)
				trows_cell(r, 1, vx, ui_attr(ROLE_FIELD), vl[k]);
		}
		ui_lines_free(ll, nl);
		ui_lines_free(vl, nv);
	}
	trows_add(t);
	trows_cell(trows_add(t), 0, 1, A_BOLD, _("Saved in:"));
	char *md = lf_asprintf("%s/%s", v->s->state_dir ? v->s->state_dir : ".", OUTPUTS_MD);
	char *js = lf_asprintf("%s/%s", v->s->state_dir ? v->s->state_dir : ".", OUTPUTS_JSON);
	trows_wrap(t, 3, w - 4, A_NORMAL, md);
	trows_wrap(t, 3, w - 4, A_NORMAL, js);
	free(md);
	free(js);
}

static void outputs_draw(void *user)
{
	struct outputs_view *v = user;
	int w = COLS;
	char *title = lf_asprintf(_("Landfall - Outputs of %s"),
	                          answers_str_or_default(v->s->answers, "install.name"));
	ui_title(title, NULL);
	free(title);
	attrset(ui_attr(ROLE_HELP));
	int used = ui_wrap(2, 1, w - 2, 2,
	                   _("Record these values and share them with support. Secrets are never included."));
	attrset(A_NORMAL);
	int y = 2 + used + 1;
	struct trows t = { 0 };
	outputs_rows(v, &t, w);
	v->nrows = t.n;
	v->list_h = LINES - 1 - y;
	if (v->list_h < 1)
		v->list_h = 1;
	size_t max = t.n > (size_t)v->list_h ? t.n - (size_t)v->list_h : 0;
	if (v->top > max)
		v->top = max;
	trows_draw(&t, v->top, y, v->list_h, w);
	trows_free(&t);
	ui_footer(v->nrows > (size_t)v->list_h || v->top
	          ? _("Up/Down PgUp/PgDn Scroll  q Continue")
	          : _("Any key Continue"));
}

void runview_outputs(struct session *s)
{
	if (!ui_active())
		return;
	struct outputs_view v = { .s = s };
	struct sigaction old_int;
	sigint_catch(&old_int);
	struct ui_backdrop old_bd = ui_set_backdrop(outputs_draw, &v);
	for (;;) {
		frame(outputs_draw, &v);
		bool is_char;
		int key = ui_getkey_wide(1000, &is_char);
		if (take_sigint(key, is_char))
			break;
		if (redraw_key(key))
			continue;
		bool scrollable = v.nrows > (size_t)v.list_h;
		if (scrollable && scroll_key(&v.top, v.nrows, v.list_h, key, is_char))
			continue;
		break;
	}
	ui_set_backdrop(old_bd.draw, old_bd.user);
	sigint_restore(&old_int);
}
