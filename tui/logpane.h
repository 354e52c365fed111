/* The log pane: a scrollable, searchable window on a log that may grow
 * without end, in bounded memory.
 *
 * Lines live in a ring: once the pane holds max_lines lines, or their cost
 * (text + 1 + a small per-line record) passes max_bytes, the oldest are
 * dropped, and a note line ("older lines dropped; full log in ...") stands
 * where they were. Long lines wrap onto continuation rows indented by two
 * columns; a single line is cut at LOGPANE_LINE_MAX bytes.
 *
 * Follow mode (on at first) keeps the newest line at the bottom. Scrolling
 * up, Home and search leave it; End or F return to it, and so does
 * scrolling down to the last row.
 *
 * Keys (logpane_key): Up/Down or k/j one row, PgUp/PgDn (and Space) a page
 * less one row, Home/g the oldest line, End/G/F/f follow, `/` opens the
 * search prompt in the pane's header (Enter searches forward from the top
 * of the view, Esc closes; an empty Enter repeats the last search), n/N the
 * next/previous match, wrapping around. Search is ASCII case-insensitive
 * unless the needle has a capital letter (smart case). Matches on screen
 * are highlighted, the current one more strongly.
 *
 * Everything except logpane_draw works without a terminal, so the tests
 * can check layout, scrolling and search through logpane_layout(). The
 * pane is not thread-safe: one thread (the UI) appends and draws. */
#ifndef LANDFALL_LOGPANE_H
#define LANDFALL_LOGPANE_H

#include <stdbool.h>
#include <stddef.h>

#include "ui.h"

#define LOGPANE_DEFAULT_LINES 10000
#define LOGPANE_DEFAULT_BYTES (4u * 1024 * 1024)
#define LOGPANE_LINE_MAX 4096  /* bytes kept of one line */

struct logpane;

/* A pane keeping at most max_lines lines and max_bytes of line cost
 * (0: the defaults above). Never NULL. */
struct logpane *logpane_new(size_t max_lines, size_t max_bytes);
/* NULL is a no-op. */
void logpane_free(struct logpane *lp);

/* Append text (copied), one line per '\n'; a final '\n' does not start an
 * empty line, and a trailing '\r' is dropped. Lines are drawn with `role`;
 * logpane_append() uses ROLE_NORMAL. */
void logpane_append(struct logpane *lp, const char *text);
void logpane_append_role(struct logpane *lp, enum ui_role role,
                         const char *text);

/* The text shown in place of dropped lines (copied); the default says
 * "(older lines dropped)". */
void logpane_set_note(struct logpane *lp, const char *note);

/* Lines held now, lines ever appended, and lines dropped. Lines are
 * numbered from 0 in the order appended: the held ones are
 * [dropped, total). */
size_t logpane_count(const struct logpane *lp);
size_t logpane_total(const struct logpane *lp);
size_t logpane_dropped(const struct logpane *lp);
/* Heap bytes the pane holds: line text, line records, the ring. */
size_t logpane_bytes(const struct logpane *lp);
/* Text of line n (borrowed, valid until the next append), or NULL when it
 * was dropped or does not exist yet. */
const char *logpane_line(const struct logpane *lp, size_t n);

/* Geometry of the whole pane: one header row and h - 1 text rows of w
 * columns. logpane_draw() sets it too; keys page by it. */
void logpane_set_size(struct logpane *lp, int h, int w);

bool logpane_following(const struct logpane *lp);
void logpane_follow(struct logpane *lp);

/* Handle a key from ui_getkey_wide(). Returns true when the pane used it;
 * while the search prompt is open it takes every key but KEY_RESIZE and
 * ERR. */
bool logpane_key(struct logpane *lp, int key, bool is_char);
/* True while the search prompt is open. */
bool logpane_prompting(const struct logpane *lp);

/* Search for `needle` (copied; NULL: the last needle) in `direction` (+1
 * forward, -1 backward) from the current match, or from the top of the
 * view when there is none (forward includes the top line). Wraps around.
 * On a hit the view moves so that the match shows (leaving follow mode)
 * and true is returned; on a miss the view stays. */
bool logpane_search(struct logpane *lp, const char *needle, int direction);
/* The current match: line number and byte range. False when none. */
bool logpane_match(const struct logpane *lp, size_t *line, size_t *off,
                   size_t *len);

/* One text row of the view. */
struct logpane_row {
	size_t line;       /* line number; the note line is dropped - 1 */
	size_t off, len;   /* bytes of the line shown on this row */
	bool cont;         /* a continuation row of a wrapped line */
	bool note;         /* the "older lines dropped" note */
};

/* The text rows the pane would show now, top to bottom, into rows[]
 * (at most max). Returns how many. */
int logpane_layout(struct logpane *lp, struct logpane_row *rows, int max);
/* Text of a row (the note's text for the note row): a pointer into the
 * line (not NUL-terminated at the row's end; use row->len). */
const char *logpane_row_text(const struct logpane *lp,
                             const struct logpane_row *row);

/* Draw the pane at (y, x): a header row (title, follow state, position,
 * search prompt or result) and h - 1 rows of text. Needs curses. */
void logpane_draw(struct logpane *lp, int y, int x, int h, int w);

#endif
