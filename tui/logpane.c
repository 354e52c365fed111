/* The log pane. The ring holds lines in append order; a position in the
 * view is (line number, wrapped row of that line), worked out afresh from
 * the current width every time, so only the rows on screen (and a page
 * around them when scrolling) are ever measured, however long the log. */
#include "logpane.h"

#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "i18n.h"
#include "util.h"

#define INDENT 2  /* continuation rows of a wrapped line */

struct lp_line {
	char *text;
	size_t len;
	unsigned char role;
};

/* A row of the view: `row` is the wrapped row within `line`. */
struct pos {
	size_t line;
	int row;
};

enum lp_msg { MSG_NONE, MSG_NOT_FOUND, MSG_WRAPPED };

struct logpane {
	struct lp_line *ring;
	size_t cap, head, count;
	size_t first;            /* number of the oldest held line = dropped */
	size_t max_lines, max_bytes;
	size_t cost;             /* sum of len + 1 + sizeof(struct lp_line) */
	char *note;
	int h, w;                /* whole pane, header included */
	bool follow;
	struct pos top;          /* when not following */
	char *needle;
	bool have_match;
	size_t match_line, match_off;
	bool prompting;
	struct ui_edit edit;
	enum lp_msg msg;         /* shown in the header until the next key */
};

/* ---- UTF-8 -------------------------------------------------------------- */

/* The same decoding and widths as ui_text(), so that rows measured here
 * are drawn in exactly the columns counted. */
static size_t u8_next(const char *s, size_t n, unsigned *cp)
{
	const unsigned char *u = (const unsigned char *)s;
	if (u[0] < 0x80) {
		*cp = u[0];
		return 1;
	}
	size_t len = u[0] >= 0xf0 ? 4 : u[0] >= 0xe0 ? 3 : u[0] >= 0xc0 ? 2 : 0;
	if (!len || len > n) {
		*cp = 0xfffd;
		return 1;
	}
	unsigned c = u[0] & (0x7f >> len);
	for (size_t i = 1; i < len; i++) {
		if ((u[i] & 0xc0) != 0x80) {
			*cp = 0xfffd;
			return 1;
		}
		c = (c << 6) | (u[i] & 0x3f);
	}
	*cp = c;
	return len;
}

static int cp_cols(unsigned cp)
{
	if (cp < 0x20 || cp == 0x7f)
		return 1;
	int w = wcwidth((wchar_t)cp);
	return w < 0 ? 1 : w;
}

/* ---- the ring ----------------------------------------------------------- */

struct logpane *logpane_new(size_t max_lines, size_t max_bytes)
{
	struct logpane *lp = lf_xcalloc(1, sizeof *lp);
	lp->max_lines = max_lines ? max_lines : LOGPANE_DEFAULT_LINES;
	lp->max_bytes = max_bytes ? max_bytes : LOGPANE_DEFAULT_BYTES;
	lp->follow = true;
	lp->h = 12;
	lp->w = 80;
	return lp;
}

void logpane_free(struct logpane *lp)
{
	if (!lp)
		return;
	for (size_t i = 0; i < lp->count; i++)
		free(lp->ring[(lp->head + i) % lp->cap].text);
	free(lp->ring);
	free(lp->note);
	free(lp->needle);
	ui_edit_free(&lp->edit);
	free(lp);
}

static bool has_note(const struct logpane *lp)
{
	return lp->first > 0;
}

/* First and one-past-last line of the view, the note line included. */
static size_t lo_line(const struct logpane *lp)
{
	return has_note(lp) ? lp->first - 1 : lp->first;
}

static size_t hi_line(const struct logpane *lp)
{
	return lp->first + lp->count;
}

static const char *note_text(const struct logpane *lp)
{
	return lp->note ? lp->note : _("(older lines dropped)");
}

static bool is_note(const struct logpane *lp, size_t n)
{
	return has_note(lp) && n == lp->first - 1;
}

/* Text of a line of the view (the note included) and its length. */
static const char *text_of(const struct logpane *lp, size_t n, size_t *len)
{
	if (is_note(lp, n)) {
		const char *t = note_text(lp);
		*len = strlen(t);
		return t;
	}
	const struct lp_line *l = &lp->ring[(lp->head + (n - lp->first)) % lp->cap];
	*len = l->len;
	return l->text;
}

static void evict_oldest(struct logpane *lp)
{
	struct lp_line *l = &lp->ring[lp->head];
	lp->cost -= l->len + 1 + sizeof *l;
	free(l->text);
	l->text = NULL;
	lp->head = (lp->head + 1) % lp->cap;
	lp->count--;
	lp->first++;
	if (lp->have_match && lp->match_line < lp->first)
		lp->have_match = false;
}

static void grow_ring(struct logpane *lp)
{
	size_t cap = lp->cap ? lp->cap * 2 : 64;
	if (cap > lp->max_lines)
		cap = lp->max_lines;
	struct lp_line *ring = lf_xcalloc(cap, sizeof *ring);
	for (size_t i = 0; i < lp->count; i++)
		ring[i] = lp->ring[(lp->head + i) % lp->cap];
	free(lp->ring);
	lp->ring = ring;
	lp->cap = cap;
	lp->head = 0;
}

static void push_line(struct logpane *lp, const char *s, size_t len,
                      enum ui_role role)
{
	if (len && s[len - 1] == '\r')
		len--;
	char *text;
	if (len > LOGPANE_LINE_MAX) {
		/* Cut on a character boundary and say so. */
		size_t keep = LOGPANE_LINE_MAX - 4;
		while (keep > 0 && ((unsigned char)s[keep] & 0xc0) == 0x80)
			keep--;
		text = lf_xmalloc(keep + 5);
		memcpy(text, s, keep);
		memcpy(text + keep, " ...", 5);
		len = keep + 4;
	} else {
		text = lf_xstrndup(s, len);
	}
	size_t cost = len + 1 + sizeof(struct lp_line);
	while (lp->count > 0 &&
	       (lp->count >= lp->max_lines || lp->cost + cost > lp->max_bytes))
		evict_oldest(lp);
	if (lp->count == lp->cap)
		grow_ring(lp);
	lp->ring[(lp->head + lp->count) % lp->cap] =
		(struct lp_line){ text, len, (unsigned char)role };
	lp->count++;
	lp->cost += cost;
}

void logpane_append_role(struct logpane *lp, enum ui_role role,
                         const char *text)
{
	const char *s = text ? text : "";
	for (;;) {
		const char *nl = strchr(s, '\n');
		if (!nl) {
			if (*s || s == text || !text)
				push_line(lp, s, strlen(s), role);
			break;
		}
		push_line(lp, s, (size_t)(nl - s), role);
		s = nl + 1;
		if (!*s)
			break;
	}
}

void logpane_append(struct logpane *lp, const char *text)
{
	logpane_append_role(lp, ROLE_NORMAL, text);
}

void logpane_set_note(struct logpane *lp, const char *note)
{
	free(lp->note);
	lp->note = note ? lf_xstrdup(note) : NULL;
}

size_t logpane_count(const struct logpane *lp)
{
	return lp->count;
}

size_t logpane_total(const struct logpane *lp)
{
	return lp->first + lp->count;
}

size_t logpane_dropped(const struct logpane *lp)
{
	return lp->first;
}

size_t logpane_bytes(const struct logpane *lp)
{
	size_t text = lp->cost - lp->count * sizeof(struct lp_line);
	return sizeof *lp + text + lp->cap * sizeof(struct lp_line) +
	       (lp->note ? strlen(lp->note) + 1 : 0) +
	       (lp->needle ? strlen(lp->needle) + 1 : 0) + lp->edit.cap;
}

const char *logpane_line(const struct logpane *lp, size_t n)
{
	if (n < lp->first || n >= hi_line(lp))
		return NULL;
	size_t len;
	return text_of(lp, n, &len);
}

/* ---- geometry ----------------------------------------------------------- */

void logpane_set_size(struct logpane *lp, int h, int w)
{
	lp->h = h < 2 ? 2 : h;
	lp->w = w < 1 ? 1 : w;
}

static int text_h(const struct logpane *lp)
{
	return lp->h - 1;
}

static int indent_of(const struct logpane *lp, int row)
{
	return row > 0 && lp->w > 2 * INDENT + 4 ? INDENT : 0;
}

static int row_width(const struct logpane *lp, int row)
{
	return lp->w - indent_of(lp, row);
}

/* End of the row starting at byte `start`: as many characters as fit in
 * `width` columns, and at least one. A row that does not end the line
 * breaks after its last space when that space is in the row's second
 * half, so words stay whole where they reasonably can. */
static size_t row_end(const char *s, size_t len, size_t start, int width)
{
	int used = 0;
	size_t i = start, after_space = 0;
	while (i < len) {
		unsigned cp;
		size_t n = u8_next(s + i, len - i, &cp);
		int cw = cp_cols(cp);
		if (used + cw > width && i > start)
			return after_space ? after_space : i;
		used += cw;
		i += n;
		if (cp == ' ' && used * 2 >= width && i < len)
			after_space = i;
	}
	return i;
}

static int rows_in(const struct logpane *lp, size_t n)
{
	size_t len;
	const char *s = text_of(lp, n, &len);
	int rows = 0;
	size_t off = 0;
	do {
		off = row_end(s, len, off, row_width(lp, rows));
		rows++;
	} while (off < len);
	return rows;
}

/* Byte range of row `row` of line n. */
static void row_range(const struct logpane *lp, size_t n, int row,
                      size_t *off, size_t *len)
{
	size_t tl;
	const char *s = text_of(lp, n, &tl);
	size_t start = 0, end = row_end(s, tl, 0, row_width(lp, 0));
	for (int r = 1; r <= row && end < tl; r++) {
		start = end;
		end = row_end(s, tl, start, row_width(lp, r));
	}
	*off = start;
	*len = end - start;
}

/* The row of line n holding byte `at`. */
static int row_of(const struct logpane *lp, size_t n, size_t at)
{
	size_t tl;
	const char *s = text_of(lp, n, &tl);
	size_t end = row_end(s, tl, 0, row_width(lp, 0));
	int r = 0;
	while (at >= end && end < tl) {
		r++;
		end = row_end(s, tl, end, row_width(lp, r));
	}
	return r;
}

static int pos_cmp(struct pos a, struct pos b)
{
	if (a.line != b.line)
		return a.line < b.line ? -1 : 1;
	return a.row < b.row ? -1 : a.row > b.row;
}

static struct pos pos_up(const struct logpane *lp, struct pos p, int k)
{
	while (k > 0) {
		if (p.row > 0) {
			int d = p.row < k ? p.row : k;
			p.row -= d;
			k -= d;
			continue;
		}
		if (p.line <= lo_line(lp))
			break;
		p.line--;
		p.row = rows_in(lp, p.line) - 1;
		k--;
	}
	return p;
}

static struct pos pos_down(const struct logpane *lp, struct pos p, int k)
{
	while (k > 0) {
		int rows = rows_in(lp, p.line);
		if (p.row + 1 < rows) {
			int d = rows - 1 - p.row < k ? rows - 1 - p.row : k;
			p.row += d;
			k -= d;
			continue;
		}
		if (p.line + 1 >= hi_line(lp))
			break;
		p.line++;
		p.row = 0;
		k--;
	}
	return p;
}

/* The top of the view when the last row is at the bottom. */
static struct pos bottom_top(const struct logpane *lp)
{
	size_t lo = lo_line(lp), hi = hi_line(lp);
	if (hi == lo)
		return (struct pos){ lo, 0 };
	struct pos last = { hi - 1, rows_in(lp, hi - 1) - 1 };
	return pos_up(lp, last, text_h(lp) - 1);
}

/* The top of the view now: the follow position, or the remembered one
 * kept inside what the ring still holds and what the width allows. */
static struct pos view_top(const struct logpane *lp)
{
	struct pos b = bottom_top(lp);
	if (lp->follow)
		return b;
	struct pos t = lp->top;
	if (t.line < lo_line(lp))
		t = (struct pos){ lo_line(lp), 0 };
	if (t.line >= hi_line(lp))
		return b;
	int rows = rows_in(lp, t.line);
	if (t.row >= rows)
		t.row = rows - 1;
	return pos_cmp(t, b) > 0 ? b : t;
}

static void scroll_by(struct logpane *lp, int delta)
{
	if (hi_line(lp) == lo_line(lp)) {
		lp->follow = delta > 0;
		return;
	}
	struct pos t = view_top(lp);
	if (delta < 0) {
		t = pos_up(lp, t, -delta);
		lp->follow = false;
	} else {
		struct pos b = bottom_top(lp);
		t = pos_down(lp, t, delta);
		if (pos_cmp(t, b) >= 0) {
			t = b;
			lp->follow = true;
		}
	}
	lp->top = t;
}

bool logpane_following(const struct logpane *lp)
{
	return lp->follow;
}

void logpane_follow(struct logpane *lp)
{
	lp->follow = true;
}

int logpane_layout(struct logpane *lp, struct logpane_row *rows, int max)
{
	int n = 0, h = text_h(lp) < max ? text_h(lp) : max;
	if (hi_line(lp) == lo_line(lp))
		return 0;
	struct pos p = view_top(lp);
	while (n < h) {
		struct logpane_row *r = &rows[n++];
		r->line = p.line;
		r->cont = p.row > 0;
		r->note = is_note(lp, p.line);
		row_range(lp, p.line, p.row, &r->off, &r->len);
		struct pos next = pos_down(lp, p, 1);
		if (pos_cmp(next, p) == 0)
			break;
		p = next;
	}
	return n;
}

const char *logpane_row_text(const struct logpane *lp,
                             const struct logpane_row *row)
{
	size_t len;
	return text_of(lp, row->line, &len) + row->off;
}

/* ---- search ------------------------------------------------------------- */

static bool smart_case(const char *needle)
{
	for (const char *p = needle; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			return true;
	return false;
}

static char fold(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Next byte in [p, end) equal to c, or NULL. */
static const char *next_of(const char *p, const char *end, char c)
{
	return p < end ? memchr(p, c, (size_t)(end - p)) : NULL;
}

/* First occurrence of the needle in s[from, len), or -1. Without case,
 * the needle is already folded; candidates are found with memchr on both
 * cases of its first byte, which is what keeps a search through 100,000
 * lines in milliseconds. */
static long find_from(const char *s, size_t len, size_t from,
                      const char *nd, size_t nl, bool cs)
{
	if (nl == 0 || len < nl || from > len - nl)
		return -1;
	const char *end = s + len - nl + 1;  /* candidates start before this */
	char lo = nd[0];
	char up = !cs && lo >= 'a' && lo <= 'z' ? (char)(lo - 'a' + 'A') : lo;
	const char *pl = next_of(s + from, end, lo);
	const char *pu = up != lo ? next_of(s + from, end, up) : NULL;
	while (pl || pu) {
		const char *p = !pu || (pl && pl < pu) ? pl : pu;
		size_t k = 1;
		if (cs)
			k = memcmp(p + 1, nd + 1, nl - 1) == 0 ? nl : 0;
		else
			while (k < nl && fold(p[k]) == nd[k])
				k++;
		if (k == nl)
			return (long)(p - s);
		if (p == pl)
			pl = next_of(pl + 1, end, lo);
		else
			pu = next_of(pu + 1, end, up);
	}
	return -1;
}

/* Last occurrence starting in [from, before), or -1. */
static long find_last(const char *s, size_t len, size_t from, size_t before,
                      const char *nd, size_t nl, bool cs)
{
	long last = -1;
	for (long at = find_from(s, len, from, nd, nl, cs);
	     at >= 0 && (size_t)at < before;
	     at = find_from(s, len, (size_t)at + 1, nd, nl, cs))
		last = at;
	return last;
}

/* Make the current match show, leaving follow mode. */
static void reveal_match(struct logpane *lp)
{
	struct pos t = view_top(lp);
	struct pos m = { lp->match_line, row_of(lp, lp->match_line, lp->match_off) };
	struct pos last = pos_down(lp, t, text_h(lp) - 1);
	lp->follow = false;
	if (pos_cmp(m, t) >= 0 && pos_cmp(m, last) <= 0) {
		lp->top = t;
		return;
	}
	/* A third of the way down, for some context above it. */
	t = pos_up(lp, m, text_h(lp) / 3);
	struct pos b = bottom_top(lp);
	lp->top = pos_cmp(t, b) > 0 ? b : t;
}

bool logpane_search(struct logpane *lp, const char *needle, int direction)
{
	if (needle && (!lp->needle || strcmp(needle, lp->needle) != 0)) {
		free(lp->needle);
		lp->needle = *needle ? lf_xstrdup(needle) : NULL;
		lp->have_match = false;
	}
	lp->msg = MSG_NONE;
	if (!lp->needle || lp->count == 0) {
		if (lp->needle)
			lp->msg = MSG_NOT_FOUND;
		return false;
	}
	/* Fold the needle once when the search ignores case. */
	char *nd = lf_xstrdup(lp->needle);
	bool cs = smart_case(nd);
	size_t nl = strlen(nd);
	if (!cs)
		for (size_t i = 0; i < nl; i++)
			nd[i] = fold(nd[i]);

	size_t start, from;
	if (lp->have_match) {
		start = lp->match_line;
		from = direction > 0 ? lp->match_off + 1 : lp->match_off;
	} else {
		struct pos t = view_top(lp);
		start = t.line < lp->first ? lp->first : t.line;
		from = 0;
	}
	bool found = false, wrapped = false;
	size_t line = start;
	long at = -1;
	/* count + 1 steps: every line once, then the start line again for
	 * the part on the other side of `from`. */
	for (size_t i = 0; i <= lp->count && !found; i++) {
		size_t len;
		if (direction > 0) {
			line = lp->first + (start - lp->first + i) % lp->count;
			const char *s = text_of(lp, line, &len);
			at = find_from(s, len, i == 0 ? from : 0, nd, nl, cs);
			if (i == lp->count && at >= 0 && (size_t)at >= from)
				at = -1;  /* back at the start line: only before `from` */
			wrapped = line < start || i == lp->count;
		} else {
			size_t back = (start - lp->first + lp->count * 2 - i) % lp->count;
			line = lp->first + back;
			const char *s = text_of(lp, line, &len);
			if (i == 0)
				at = find_last(s, len, 0, from, nd, nl, cs);
			else if (i == lp->count)
				at = find_last(s, len, from, len + 1, nd, nl, cs);
			else
				at = find_last(s, len, 0, len + 1, nd, nl, cs);
			wrapped = line > start || i == lp->count;
		}
		found = at >= 0;
	}
	free(nd);
	if (!found) {
		lp->msg = MSG_NOT_FOUND;
		return false;
	}
	lp->have_match = true;
	lp->match_line = line;
	lp->match_off = (size_t)at;
	lp->msg = wrapped ? MSG_WRAPPED : MSG_NONE;
	reveal_match(lp);
	return true;
}

bool logpane_match(const struct logpane *lp, size_t *line, size_t *off,
                   size_t *len)
{
	if (!lp->have_match)
		return false;
	*line = lp->match_line;
	*off = lp->match_off;
	*len = strlen(lp->needle);
	return true;
}

/* ---- keys --------------------------------------------------------------- */

bool logpane_prompting(const struct logpane *lp)
{
	return lp->prompting;
}

static int page(const struct logpane *lp)
{
	return text_h(lp) > 1 ? text_h(lp) - 1 : 1;
}

bool logpane_key(struct logpane *lp, int key, bool is_char)
{
	if (key == ERR || key == KEY_RESIZE)
		return false;
	if (lp->prompting) {
		if (ui_key_is_enter(key)) {
			lp->prompting = false;
			if (lp->edit.buf && *lp->edit.buf) {
				/* A new search starts from the top of the view. */
				lp->have_match = false;
				logpane_search(lp, lp->edit.buf, +1);
			} else if (lp->needle) {
				logpane_search(lp, NULL, +1);
			}
		} else if (is_char && key == 27) {
			lp->prompting = false;
		} else {
			ui_edit_key(&lp->edit, key, is_char);
		}
		return true;
	}
	lp->msg = MSG_NONE;
	if (!is_char) {
		switch (key) {
		case KEY_UP: scroll_by(lp, -1); return true;
		case KEY_DOWN: scroll_by(lp, 1); return true;
		case KEY_PPAGE: scroll_by(lp, -page(lp)); return true;
		case KEY_NPAGE: scroll_by(lp, page(lp)); return true;
		case KEY_HOME:
			lp->follow = false;
			lp->top = (struct pos){ lo_line(lp), 0 };
			return true;
		case KEY_END: lp->follow = true; return true;
		}
		return false;
	}
	switch (key) {
	case 'k': scroll_by(lp, -1); return true;
	case 'j': scroll_by(lp, 1); return true;
	case UI_KEY_CTRL('b'): scroll_by(lp, -page(lp)); return true;
	case ' ':
	case UI_KEY_CTRL('f'): scroll_by(lp, page(lp)); return true;
	case 'g':
		lp->follow = false;
		lp->top = (struct pos){ lo_line(lp), 0 };
		return true;
	case 'G':
	case 'F':
	case 'f': lp->follow = true; return true;
	case '/':
		lp->prompting = true;
		ui_edit_set(&lp->edit, NULL);
		return true;
	case 'n': logpane_search(lp, NULL, +1); return true;
	case 'N': logpane_search(lp, NULL, -1); return true;
	}
	return false;
}

/* ---- drawing ------------------------------------------------------------ */

static attr_t role_attr(unsigned char role)
{
	return ui_attr(role < ROLE_COUNT ? (enum ui_role)role : ROLE_NORMAL);
}

/* Mark the bytes of row [off, off + len) covered by a match: 1 for any
 * match, 2 for the current one. */
static void mark_matches(const struct logpane *lp, const struct logpane_row *row,
                         const char *s, size_t tl, unsigned char *mark)
{
	memset(mark, 0, row->len);
	if (!lp->needle || row->note)
		return;
	char *nd = lf_xstrdup(lp->needle);
	bool cs = smart_case(nd);
	size_t nl = strlen(nd);
	if (!cs)
		for (size_t i = 0; i < nl; i++)
			nd[i] = fold(nd[i]);
	size_t from = row->off >= nl ? row->off - nl + 1 : 0;
	for (long at = find_from(s, tl, from, nd, nl, cs);
	     at >= 0 && (size_t)at < row->off + row->len;
	     at = find_from(s, tl, (size_t)at + 1, nd, nl, cs)) {
		bool cur = lp->have_match && lp->match_line == row->line &&
		           lp->match_off == (size_t)at;
		for (size_t k = (size_t)at; k < (size_t)at + nl; k++)
			if (k >= row->off && k < row->off + row->len &&
			    mark[k - row->off] < (cur ? 2 : 1))
				mark[k - row->off] = cur ? 2 : 1;
	}
	free(nd);
}

static void draw_row(const struct logpane *lp, const struct logpane_row *row,
                     int y, int x, int w)
{
	size_t tl;
	const char *s = text_of(lp, row->line, &tl);
	attr_t base = row->note ? ui_attr(ROLE_DIM)
	            : role_attr(lp->ring[(lp->head + (row->line - lp->first)) % lp->cap].role);
	attr_t hit = ui_attr(ROLE_SELECTED);
	attr_t cur = ui_attr(ROLE_FIELD_FOCUS) | A_BOLD;
	int col = 0;
	attrset(base);
	if (row->cont) {
		col = indent_of(lp, 1);
		ui_text(y, x, col, "", true);
	}
	unsigned char *mark = lf_xmalloc(row->len + 1);
	char *piece = lf_xmalloc(row->len + 1);
	mark_matches(lp, row, s, tl, mark);
	for (size_t i = 0; i < row->len && col < w;) {
		size_t j = i;
		while (j < row->len && mark[j] == mark[i])
			j++;
		memcpy(piece, s + row->off + i, j - i);
		piece[j - i] = '\0';
		attrset(mark[i] == 2 ? cur : mark[i] == 1 ? hit : base);
		col += ui_text(y, x + col, w - col, piece, false);
		i = j;
	}
	attrset(base);
	if (col < w)
		ui_text(y, x + col, w - col, "", true);
	attrset(A_NORMAL);
	free(piece);
	free(mark);
}

static void draw_header(struct logpane *lp, int y, int x, int w,
                        const struct logpane_row *rows, int n)
{
	attrset(ui_attr(ROLE_DIM));
	ui_hline(y, x, w);
	attrset(A_NORMAL);
	if (w < 12)
		return;
	if (lp->prompting) {
		const char *label = _(" Search: ");
		attrset(A_BOLD);
		int lw = ui_text(y, x + 1, w - 2, label, false);
		attrset(A_NORMAL);
		if (w - 3 - lw > 2)
			ui_edit_draw(&lp->edit, y, x + 1 + lw, w - 3 - lw,
			             ui_attr(ROLE_FIELD_FOCUS), false, true);
		return;
	}
	char *state;
	if (lp->follow || lp->count == 0) {
		state = lf_asprintf(_(" Log: following, %zu lines "), lp->first + lp->count);
	} else {
		size_t a = 0, b = 0;
		for (int i = 0; i < n; i++) {
			if (rows[i].note)
				continue;
			if (!a)
				a = rows[i].line + 1;
			b = rows[i].line + 1;
		}
		state = lf_asprintf(_(" Log: lines %zu-%zu of %zu (End: follow) "), a, b,
		                    lp->first + lp->count);
	}
	attrset(A_BOLD);
	int used = ui_text(y, x + 1, w - 2, state, false);
	attrset(A_NORMAL);
	free(state);
	char *right = NULL;
	attr_t ra = ui_attr(ROLE_NORMAL);
	if (lp->msg == MSG_NOT_FOUND && lp->needle) {
		right = lf_asprintf(_(" not found: %s "), lp->needle);
		ra = ui_attr(ROLE_WARN);
	} else if (lp->msg == MSG_WRAPPED && lp->needle) {
		right = lf_asprintf(_(" /%s (search wrapped) "), lp->needle);
	} else if (lp->needle) {
		right = lf_asprintf(" /%s ", lp->needle);
	}
	if (right) {
		int room = w - 3 - used;
		int rw = ui_width(right);
		if (rw > room)
			rw = room;
		if (rw > 0) {
			attrset(ra);
			ui_text(y, x + w - 1 - rw, rw, right, false);
			attrset(A_NORMAL);
		}
		free(right);
	}
}

void logpane_draw(struct logpane *lp, int y, int x, int h, int w)
{
	if (h < 1 || w < 1)
		return;
	logpane_set_size(lp, h, w);
	struct logpane_row *rows = lf_xmalloc((size_t)h * sizeof *rows);
	int n = h > 1 ? logpane_layout(lp, rows, h - 1) : 0;
	draw_header(lp, y, x, w, rows, n);
	for (int i = 0; i < n; i++)
		draw_row(lp, &rows[i], y + 1 + i, x, w);
	for (int i = n; i < h - 1; i++)
		ui_text(y + 1 + i, x, w, "", true);
	free(rows);
}
