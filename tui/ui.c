/* Terminal basics: curses set-up, colour roles, UTF-8 text, modal boxes
 * and the one-line editor. Every modal box redraws the screen behind it
 * from the current backdrop, so KEY_RESIZE and Ctrl-L work everywhere. */
#include "ui.h"

#include <langinfo.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <wchar.h>
#include <wctype.h>

#include "i18n.h"
#include "util.h"

static struct {
	bool active;
	bool ascii;
	bool color;
	SCREEN *screen;
	struct ui_backdrop backdrop;
	bool want_cursor;
	int cy, cx;
} ui;

/* Role -> colour pair (foreground, background; -1 is the terminal's own)
 * with an extra attribute, and the attribute-only column used in
 * monochrome (NO_COLOR, no colours, or --no-color). */
static const struct {
	short fg, bg;
	attr_t color_attr;
	attr_t mono;
} roles[ROLE_COUNT] = {
	[ROLE_NORMAL]      = { -1, -1, A_NORMAL, A_NORMAL },
	[ROLE_TITLE]       = { COLOR_WHITE, COLOR_BLUE, A_BOLD, A_REVERSE | A_BOLD },
	[ROLE_FOOTER]      = { COLOR_BLACK, COLOR_CYAN, A_NORMAL, A_REVERSE },
	[ROLE_LABEL]       = { -1, -1, A_NORMAL, A_NORMAL },
	[ROLE_FIELD]       = { COLOR_CYAN, -1, A_NORMAL, A_UNDERLINE },
	[ROLE_FIELD_FOCUS] = { COLOR_BLACK, COLOR_YELLOW, A_NORMAL, A_REVERSE },
	[ROLE_HELP]        = { COLOR_CYAN, -1, A_NORMAL, A_NORMAL },
	[ROLE_ERROR]       = { COLOR_RED, -1, A_BOLD, A_BOLD },
	[ROLE_WARN]        = { COLOR_YELLOW, -1, A_BOLD, A_BOLD },
	[ROLE_OK]          = { COLOR_GREEN, -1, A_NORMAL, A_NORMAL },
	[ROLE_DIM]         = { -1, -1, A_DIM, A_DIM },
	[ROLE_SELECTED]    = { COLOR_BLACK, COLOR_CYAN, A_NORMAL, A_REVERSE },
	[ROLE_PROGRESS]    = { COLOR_BLACK, COLOR_GREEN, A_NORMAL, A_REVERSE },
};

static bool want_ascii;
static bool utf8_locale(void);

void ui_set_ascii(bool on)
{
	want_ascii = on;
	ui.ascii = on;
}

/* Ctrl-S and Ctrl-Q are keys here (save), not terminal flow control. */
static void no_flow_control(void)
{
	struct termios t;
	if (tcgetattr(STDIN_FILENO, &t) == 0) {
		t.c_iflag &= ~(tcflag_t)(IXON | IXOFF);
		tcsetattr(STDIN_FILENO, TCSANOW, &t);
		def_prog_mode();
	}
}

int ui_init(const struct ui_opts *o)
{
	if (ui.active)
		return 0;
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return -1;
	ui.screen = newterm(NULL, stdout, stdin);
	if (!ui.screen)
		return -1;
	set_term(ui.screen);
	ui.active = true;
	ui.ascii = want_ascii || (o && o->ascii_lines);
	/* Line drawing needs either a UTF-8 locale or the terminal's ACS. */
	cbreak();
	noecho();
	keypad(stdscr, TRUE);
	set_escdelay(40);
	curs_set(0);
	no_flow_control();
	/* Home and End as terminals send them whatever TERM says (tmux and
	 * screen: ESC [1~ and ESC [4~; rxvt: ESC [7~ and ESC [8~), so that
	 * a stray ESC never reaches the screens as Back. */
	static const struct { const char *seq; int key; } extra[] = {
		{ "\033[1~", KEY_HOME }, { "\033[4~", KEY_END },
		{ "\033[7~", KEY_HOME }, { "\033[8~", KEY_END },
		{ "\033[H", KEY_HOME }, { "\033[F", KEY_END },
		{ "\033OH", KEY_HOME }, { "\033OF", KEY_END },
	};
	for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++)
		if (key_defined(extra[i].seq) == 0)
			define_key(extra[i].seq, extra[i].key);
	const char *nc = getenv("NO_COLOR");
	bool no_color = (o && o->no_color) || (nc && *nc);
	ui.color = !no_color && has_colors();
	if (ui.color) {
		start_color();
		use_default_colors();
		for (int r = 1; r < ROLE_COUNT; r++)
			init_pair((short)r, roles[r].fg, roles[r].bg);
	}
	return 0;
}

void ui_end(void)
{
	if (!ui.active)
		return;
	curs_set(1);
	endwin();
	delscreen(ui.screen);
	ui.screen = NULL;
	ui.active = false;
}

bool ui_active(void)
{
	return ui.active;
}

attr_t ui_attr(enum ui_role r)
{
	if (r < 0 || r >= ROLE_COUNT)
		r = ROLE_NORMAL;
	if (!ui.color)
		return roles[r].mono;
	return (r == ROLE_NORMAL ? 0 : COLOR_PAIR(r)) | roles[r].color_attr;
}

bool ui_ascii(void)
{
	return ui.ascii;
}

bool ui_utf8(void)
{
	return !ui.ascii && utf8_locale();
}

/* ---- UTF-8 text --------------------------------------------------------- */

/* Decode one UTF-8 character at s (n bytes left). Returns its length (at
 * least 1) and the code point in *cp, U+FFFD for a bad sequence. */
static size_t utf8_next(const char *s, size_t n, unsigned *cp)
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

/* Display columns of one code point: control characters count (and are
 * shown) as one '?'. */
static int cp_width(unsigned cp)
{
	if (cp < 0x20 || cp == 0x7f)
		return 1;
	int w = wcwidth((wchar_t)cp);
	return w < 0 ? 1 : w;
}

static bool cp_printable(unsigned cp)
{
	return !(cp < 0x20 || cp == 0x7f || cp == 0xfffd) &&
	       wcwidth((wchar_t)cp) >= 0;
}

int ui_width(const char *utf8)
{
	int w = 0;
	size_t n = utf8 ? strlen(utf8) : 0;
	for (size_t i = 0; i < n;) {
		unsigned cp;
		i += utf8_next(utf8 + i, n - i, &cp);
		w += cp_width(cp);
	}
	return w;
}

int ui_text(int y, int x, int width, const char *utf8, bool pad)
{
	int used = 0;
	size_t n = utf8 ? strlen(utf8) : 0;
	move(y, x);
	for (size_t i = 0; i < n && used < width;) {
		unsigned cp;
		size_t len = utf8_next(utf8 + i, n - i, &cp);
		int w = cp_width(cp);
		if (used + w > width)
			break;
		if (cp_printable(cp))
			addnstr(utf8 + i, (int)len);
		else
			addch(cp == '\t' ? ' ' : '?');
		used += w;
		i += len;
	}
	if (pad)
		for (; used < width; used++)
			addch(' ');
	return used;
}

size_t ui_wrap_split(const char *utf8, int width, char ***lines)
{
	size_t nl = 0, cap = 8;
	char **out = lf_xmalloc(cap * sizeof *out);
	const char *s = utf8 ? utf8 : "";
	if (width < 1)
		width = 1;
	for (;;) {
		/* One line: up to '\n' or the width, breaking after a space. */
		size_t n = strlen(s), i = 0, brk = 0;
		int w = 0;
		bool hard = false;
		while (i < n) {
			if (s[i] == '\n') {
				hard = true;
				break;
			}
			unsigned cp;
			size_t len = utf8_next(s + i, n - i, &cp);
			int cw = cp_width(cp);
			if (w + cw > width)
				break;
			w += cw;
			i += len;
			if (cp == ' ')
				brk = i;
		}
		size_t take = i, skip = i;
		if (!hard && i < n && brk > 0) {
			take = brk;
			skip = brk;
		}
		while (take > 0 && s[take - 1] == ' ')
			take--;
		if (i == 0 && !hard && n > 0) {
			/* Not even one character fits: take it anyway. */
			unsigned cp;
			take = skip = utf8_next(s, n, &cp);
		}
		if (nl == cap)
			out = lf_xrealloc(out, (cap *= 2) * sizeof *out);
		out[nl++] = lf_xstrndup(s, take);
		s += skip;
		if (hard && *s == '\n') {
			s++;
			continue;
		}
		while (*s == ' ')
			s++;
		if (!*s)
			break;
	}
	*lines = out;
	return nl;
}

void ui_lines_free(char **lines, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
}

int ui_wrap(int y, int x, int width, int max_lines, const char *utf8)
{
	char **lines;
	size_t n = ui_wrap_split(utf8, width, &lines);
	int used = 0;
	for (size_t i = 0; i < n && used < max_lines; i++) {
		bool last = used == max_lines - 1 && i + 1 < n;
		if (last) {
			/* More text than room: end the last line with an ellipsis. */
			const char *ell = ui_utf8() ? "…" : "...";
			int room = width - ui_width(ell);
			int w = ui_text(y + used, x, room, lines[i], false);
			ui_text(y + used, x + w, width - w, ell, false);
		} else {
			ui_text(y + used, x, width, lines[i], false);
		}
		used++;
	}
	ui_lines_free(lines, n);
	return used;
}

/* ---- frame, lines, bars ------------------------------------------------- */

void ui_frame_begin(void)
{
	erase();
	ui.want_cursor = false;
}

void ui_cursor_at(int y, int x)
{
	ui.want_cursor = true;
	ui.cy = y;
	ui.cx = x;
}

void ui_frame_end(void)
{
	if (ui.want_cursor) {
		curs_set(1);
		move(ui.cy, ui.cx);
	} else {
		curs_set(0);
	}
	refresh();
}

bool ui_guard_small(void)
{
	if (LINES >= UI_MIN_LINES && COLS >= UI_MIN_COLS)
		return false;
	erase();
	ui.want_cursor = false;
	char *msg = lf_asprintf(_("Landfall needs a window of at least %dx%d; this one is %dx%d. Please make it bigger (q quits)."),
	                        UI_MIN_COLS, UI_MIN_LINES, COLS, LINES);
	int w = COLS > 4 ? COLS - 2 : COLS;
	attrset(ui_attr(ROLE_WARN));
	ui_wrap(LINES > 3 ? LINES / 2 - 1 : 0, COLS > 4 ? 1 : 0, w,
	        LINES > 1 ? LINES - 1 : 1, msg);
	attrset(A_NORMAL);
	free(msg);
	return true;
}

void ui_title(const char *left, const char *right)
{
	attrset(ui_attr(ROLE_TITLE));
	move(0, 0);
	for (int i = 0; i < COLS; i++)
		addch(' ');
	int rw = right ? ui_width(right) : 0;
	if (rw > COLS / 2)
		rw = COLS / 2;
	ui_text(0, 1, COLS - rw - 3, left, false);
	if (right)
		ui_text(0, COLS - rw - 1, rw, right, false);
	attrset(A_NORMAL);
}

void ui_footer(const char *keys)
{
	attrset(ui_attr(ROLE_FOOTER));
	move(LINES - 1, 0);
	ui_text(LINES - 1, 0, COLS, "", true);
	ui_text(LINES - 1, 1, COLS - 1, keys, false);
	attrset(A_NORMAL);
}

/* Line drawing: Unicode box characters in a UTF-8 locale (what a screen
 * dump shows, too), the terminal's alternate character set otherwise,
 * '+', '-' and '|' with --ascii. */
static bool utf8_locale(void)
{
	const char *cs = nl_langinfo(CODESET);
	return cs && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);
}

static void line_char(int y, int x, const char *utf8, chtype acs, char ascii)
{
	if (ui.ascii)
		mvaddch(y, x, (chtype)(unsigned char)ascii);
	else if (utf8_locale())
		mvaddstr(y, x, utf8);
	else
		mvaddch(y, x, acs);
}

void ui_hline(int y, int x, int width)
{
	for (int i = 0; i < width; i++)
		line_char(y, x + i, "─", ACS_HLINE, '-');
}

void ui_box(int y, int x, int h, int w)
{
	if (h < 2 || w < 2)
		return;
	line_char(y, x, "┌", ACS_ULCORNER, '+');
	line_char(y, x + w - 1, "┐", ACS_URCORNER, '+');
	line_char(y + h - 1, x, "└", ACS_LLCORNER, '+');
	line_char(y + h - 1, x + w - 1, "┘", ACS_LRCORNER, '+');
	ui_hline(y, x + 1, w - 2);
	ui_hline(y + h - 1, x + 1, w - 2);
	for (int i = 1; i < h - 1; i++) {
		line_char(y + i, x, "│", ACS_VLINE, '|');
		line_char(y + i, x + w - 1, "│", ACS_VLINE, '|');
	}
}

/* ---- keys --------------------------------------------------------------- */

int ui_getkey_wide(int timeout_ms, bool *is_char)
{
	wint_t wc;
	timeout(timeout_ms);
	int r = get_wch(&wc);
	*is_char = false;
	if (r == ERR)
		return ERR;
	if (r == KEY_CODE_YES)
		return (int)wc;
	if (wc == UI_KEY_CTRL('l'))
		clearok(curscr, TRUE);
	*is_char = true;
	return (int)wc;
}

int ui_getkey(int timeout_ms)
{
	bool is_char;
	return ui_getkey_wide(timeout_ms, &is_char);
}

bool ui_key_is_enter(int key)
{
	return key == '\n' || key == '\r' || key == KEY_ENTER;
}

bool ui_key_is_backspace(int key)
{
	return key == KEY_BACKSPACE || key == 127 || key == 8;
}

/* ---- backdrop and modal boxes ------------------------------------------- */

struct ui_backdrop ui_set_backdrop(ui_draw_fn draw, void *user)
{
	struct ui_backdrop old = ui.backdrop;
	ui.backdrop = (struct ui_backdrop){ draw, user };
	return old;
}

void ui_draw_backdrop(void)
{
	erase();
	if (ui.backdrop.draw && !ui_guard_small())
		ui.backdrop.draw(ui.backdrop.user);
	ui.want_cursor = false;
}

/* A box centered on the screen with a title in its top border; the
 * inside is cleared. Sets *y, *x to the inner top-left corner. */
static void modal_box(int h, int w, const char *title, int *y, int *x)
{
	int by = (LINES - h) / 2, bx = (COLS - w) / 2;
	if (by < 0)
		by = 0;
	if (bx < 0)
		bx = 0;
	attrset(ui_attr(ROLE_NORMAL));
	for (int i = 0; i < h; i++)
		ui_text(by + i, bx, w, "", true);
	ui_box(by, bx, h, w);
	if (title && *title) {
		attrset(ui_attr(ROLE_NORMAL) | A_BOLD);
		mvaddch(by, bx + 2, ' ');
		ui_text(by, bx + 3, w - 6, title, false);
		addch(' ');
	}
	attrset(A_NORMAL);
	*y = by + 1;
	*x = bx + 2;
}

/* Whether a key means "yes" / "no" in this language as well as English. */
static bool key_is_initial(int key, const char *word)
{
	unsigned cp;
	utf8_next(word, strlen(word), &cp);
	return key < 128 && cp < 128 && (unsigned)towlower((wint_t)key) == (unsigned)towlower((wint_t)cp);
}

/* Redraw everything behind a modal: true when the window is too small
 * (the guard is showing and the modal must not draw). */
static bool modal_backdrop(void)
{
	ui_draw_backdrop();
	return ui_guard_small();
}

bool ui_confirm(const char *question)
{
	bool yes_focus = true;
	const char *yes = _("Yes"), *no = _("No");
	for (;;) {
		if (!modal_backdrop()) {
			int w = ui_width(question) + 6;
			if (w < 40)
				w = 40;
			if (w > COLS - 4)
				w = COLS - 4;
			char **lines;
			size_t n = ui_wrap_split(question, w - 4, &lines);
			if ((int)n > LINES - 6)
				n = (size_t)(LINES - 6);
			int y, x;
			modal_box((int)n + 4, w, NULL, &y, &x);
			for (size_t i = 0; i < n; i++)
				ui_text(y + (int)i, x, w - 4, lines[i], false);
			ui_lines_free(lines, n);
			char *by = lf_asprintf("[ %s ]", yes), *bn = lf_asprintf("[ %s ]", no);
			int bw = ui_width(by) + 3 + ui_width(bn);
			int bx = x + (w - 4 - bw) / 2;
			attrset(yes_focus ? ui_attr(ROLE_SELECTED) : A_NORMAL);
			int used = ui_text(y + (int)n + 1, bx, ui_width(by), by, false);
			attrset(!yes_focus ? ui_attr(ROLE_SELECTED) : A_NORMAL);
			ui_text(y + (int)n + 1, bx + used + 3, ui_width(bn), bn, false);
			attrset(A_NORMAL);
			free(by);
			free(bn);
		}
		ui_frame_end();
		bool ch;
		int k = ui_getkey_wide(-1, &ch);
		if (ch && (k == 'y' || k == 'Y' || key_is_initial(k, yes)))
			return true;
		if ((ch && (k == 'n' || k == 'N' || key_is_initial(k, no))) || k == 27)
			return false;
		if (ui_key_is_enter(k))
			return yes_focus;
		if (k == KEY_LEFT || k == KEY_RIGHT || k == '\t' || k == KEY_BTAB)
			yes_focus = !yes_focus;
	}
}

void ui_pager(const char *title, const char *text)
{
	int top = 0;
	for (;;) {
		if (!modal_backdrop()) {
			int w = COLS - 8 > 96 ? 96 : COLS - 8;
			char **lines;
			size_t n = ui_wrap_split(text, w - 4, &lines);
			int room = LINES - 6;
			int h = (int)n < room ? (int)n : room;
			if (top > (int)n - h)
				top = (int)n - h;
			if (top < 0)
				top = 0;
			int y, x;
			modal_box(h + 3, w, title, &y, &x);
			for (int i = 0; i < h; i++)
				ui_text(y + i, x, w - 4, lines[top + i], false);
			attrset(ui_attr(ROLE_DIM));
			const char *hint = (int)n > h ? _("Up/Down scroll, Enter close")
			                             : _("Enter close");
			ui_text(y + h, x + w - 5 - ui_width(hint), ui_width(hint), hint, false);
			attrset(A_NORMAL);
			ui_lines_free(lines, n);
		}
		ui_frame_end();
		bool ch;
		int k = ui_getkey_wide(-1, &ch);
		if (k == KEY_DOWN || k == 'j')
			top++;
		else if (k == KEY_UP || k == 'k')
			top = top > 0 ? top - 1 : 0;
		else if (k == KEY_NPAGE || k == ' ')
			top += LINES - 8;
		else if (k == KEY_PPAGE)
			top = top > LINES - 8 ? top - (LINES - 8) : 0;
		else if (k == KEY_RESIZE || k == UI_KEY_CTRL('l') || k == ERR)
			continue;
		else
			return;
	}
}

void ui_message(const char *title, const char *text)
{
	ui_pager(title, text);
}

int ui_menu(const char *title, const char *const *items, int n, int initial)
{
	if (n <= 0)
		return -1;
	int sel = initial >= 0 && initial < n ? initial : 0;
	int top = 0;
	for (;;) {
		if (!modal_backdrop()) {
			int w = ui_width(title) + 8;
			for (int i = 0; i < n; i++)
				if (ui_width(items[i]) + 10 > w)
					w = ui_width(items[i]) + 10;
			if (w > COLS - 4)
				w = COLS - 4;
			int room = LINES - 6;
			int h = n < room ? n : room;
			if (sel < top)
				top = sel;
			if (sel >= top + h)
				top = sel - h + 1;
			int y, x;
			modal_box(h + 2, w, title, &y, &x);
			for (int i = 0; i < h; i++) {
				int idx = top + i;
				char *row = idx < 9 ? lf_asprintf("%d  %s", idx + 1, items[idx])
				                    : lf_asprintf("   %s", items[idx]);
				attrset(idx == sel ? ui_attr(ROLE_SELECTED) : A_NORMAL);
				ui_text(y + i, x, w - 4, row, true);
				free(row);
			}
			attrset(A_NORMAL);
		}
		ui_frame_end();
		bool ch;
		int k = ui_getkey_wide(-1, &ch);
		if (k == KEY_DOWN || k == '\t')
			sel = (sel + 1) % n;
		else if (k == KEY_UP || k == KEY_BTAB)
			sel = (sel + n - 1) % n;
		else if (k == KEY_HOME)
			sel = 0;
		else if (k == KEY_END)
			sel = n - 1;
		else if (ui_key_is_enter(k))
			return sel;
		else if (k == 27)
			return -1;
		else if (ch && k >= '1' && k <= '9' && k - '1' < n)
			return k - '1';
	}
}

char *ui_prompt(const char *title, const char *initial, bool secret)
{
	struct ui_edit e = { 0 };
	ui_edit_set(&e, initial);
	char *result = NULL;
	for (;;) {
		if (!modal_backdrop()) {
			int w = COLS - 8 > 72 ? 72 : COLS - 8;
			int y, x;
			modal_box(5, w, title, &y, &x);
			ui_edit_draw(&e, y + 1, x, w - 4, ui_attr(ROLE_FIELD_FOCUS), secret, true);
			attrset(ui_attr(ROLE_DIM));
			const char *hint = _("Enter OK  Esc Cancel");
			ui_text(y + 2, x + w - 5 - ui_width(hint), ui_width(hint), hint, false);
			attrset(A_NORMAL);
		}
		ui_frame_end();
		bool ch;
		int k = ui_getkey_wide(-1, &ch);
		if (ui_key_is_enter(k)) {
			result = lf_xstrdup(e.buf);
			break;
		}
		if (k == 27)
			break;
		ui_edit_key(&e, k, ch);
	}
	ui_edit_free(&e);
	curs_set(0);
	return result;
}

/* ---- the one-line editor ------------------------------------------------ */

void ui_edit_set(struct ui_edit *e, const char *text)
{
	size_t n = text ? strlen(text) : 0;
	if (e->cap < n + 1) {
		ui_edit_free(e);
		e->cap = n + 32;
		e->buf = lf_xmalloc(e->cap);
	}
	/* What was there may have been a secret. */
	memset(e->buf, 0, e->cap);
	memcpy(e->buf, text ? text : "", n);
	e->buf[n] = '\0';
	e->len = n;
	e->cur = n;
	e->scroll = 0;
	e->changed = false;
}

void ui_edit_free(struct ui_edit *e)
{
	if (e->buf) {
		memset(e->buf, 0, e->cap);
		free(e->buf);
	}
	*e = (struct ui_edit){ 0 };
}

static size_t prev_char(const char *s, size_t at)
{
	if (at == 0)
		return 0;
	at--;
	while (at > 0 && ((unsigned char)s[at] & 0xc0) == 0x80)
		at--;
	return at;
}

static size_t next_char(const char *s, size_t len, size_t at)
{
	if (at >= len)
		return len;
	unsigned cp;
	return at + utf8_next(s + at, len - at, &cp);
}

static void edit_delete(struct ui_edit *e, size_t from, size_t to)
{
	if (to <= from)
		return;
	memmove(e->buf + from, e->buf + to, e->len - to + 1);
	e->len -= to - from;
	/* Wipe the tail: the buffer may hold a secret. */
	memset(e->buf + e->len + 1, 0, to - from);
	e->changed = true;
}

static void edit_insert(struct ui_edit *e, unsigned cp)
{
	char enc[4];
	size_t n;
	if (cp < 0x80) {
		enc[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		enc[0] = (char)(0xc0 | (cp >> 6));
		enc[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		enc[0] = (char)(0xe0 | (cp >> 12));
		enc[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		enc[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		enc[0] = (char)(0xf0 | (cp >> 18));
		enc[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		enc[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		enc[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	if (e->len + n + 1 > e->cap) {
		/* Grow by copying, so no stale copy of a secret stays behind. */
		size_t cap = (e->len + n + 1) * 2;
		char *nb = lf_xmalloc(cap);
		memcpy(nb, e->buf ? e->buf : "", e->len + 1);
		if (e->buf) {
			memset(e->buf, 0, e->cap);
			free(e->buf);
		}
		e->buf = nb;
		e->cap = cap;
	}
	memmove(e->buf + e->cur + n, e->buf + e->cur, e->len - e->cur + 1);
	memcpy(e->buf + e->cur, enc, n);
	e->len += n;
	e->cur += n;
	e->changed = true;
}

bool ui_edit_key(struct ui_edit *e, int key, bool is_char)
{
	if (!e->buf)
		ui_edit_set(e, NULL);
	if (!is_char) {
		switch (key) {
		case KEY_LEFT: e->cur = prev_char(e->buf, e->cur); return true;
		case KEY_RIGHT: e->cur = next_char(e->buf, e->len, e->cur); return true;
		case KEY_HOME: e->cur = 0; return true;
		case KEY_END: e->cur = e->len; return true;
		case KEY_BACKSPACE: {
			size_t p = prev_char(e->buf, e->cur);
			edit_delete(e, p, e->cur);
			e->cur = p;
			return true;
		}
		case KEY_DC:
			edit_delete(e, e->cur, next_char(e->buf, e->len, e->cur));
			return true;
		}
		return false;
	}
	if (ui_key_is_backspace(key)) {
		size_t p = prev_char(e->buf, e->cur);
		edit_delete(e, p, e->cur);
		e->cur = p;
		return true;
	}
	switch (key) {
	case UI_KEY_CTRL('a'): e->cur = 0; return true;
	case UI_KEY_CTRL('e'): e->cur = e->len; return true;
	case UI_KEY_CTRL('b'): e->cur = prev_char(e->buf, e->cur); return true;
	case UI_KEY_CTRL('f'): e->cur = next_char(e->buf, e->len, e->cur); return true;
	case UI_KEY_CTRL('d'):
		edit_delete(e, e->cur, next_char(e->buf, e->len, e->cur));
		return true;
	case UI_KEY_CTRL('u'):
		edit_delete(e, 0, e->len);
		e->cur = 0;
		return true;
	case UI_KEY_CTRL('k'):
		edit_delete(e, e->cur, e->len);
		return true;
	}
	if (key < 0x20 || key == 0x7f || key > 0x10ffff ||
	    !cp_printable((unsigned)key))
		return false;
	edit_insert(e, (unsigned)key);
	return true;
}

/* Display column of byte offset `at` (masked: one column a character). */
static int edit_col(const struct ui_edit *e, size_t at, bool masked)
{
	int w = 0;
	for (size_t i = 0; i < at && i < e->len;) {
		unsigned cp;
		i += utf8_next(e->buf + i, e->len - i, &cp);
		w += masked ? 1 : cp_width(cp);
	}
	return w;
}

void ui_edit_draw(struct ui_edit *e, int y, int x, int width, attr_t attr,
                  bool masked, bool cursor)
{
	if (width < 2)
		return;
	const char *buf = e->buf ? e->buf : "";
	int ccol = edit_col(e, e->cur, masked);
	if (cursor) {
		if (ccol < e->scroll)
			e->scroll = ccol;
		if (ccol >= e->scroll + width)
			e->scroll = ccol - width + 1;
	} else {
		e->scroll = 0;
	}
	attrset(attr);
	move(y, x);
	int col = 0, drawn = 0;
	size_t len = strlen(buf);
	for (size_t i = 0; i < len && drawn < width;) {
		unsigned cp;
		size_t n = utf8_next(buf + i, len - i, &cp);
		int w = masked ? 1 : cp_width(cp);
		if (col >= e->scroll) {
			if (drawn + w > width)
				break;
			if (masked)
				addch('*');
			else if (cp_printable(cp))
				addnstr(buf + i, (int)n);
			else
				addch('?');
			drawn += w;
		} else if (col + w > e->scroll) {
			/* A wide character cut by the left edge. */
			addch(' ');
			drawn += col + w - e->scroll;
		}
		col += w;
		i += n;
	}
	for (; drawn < width; drawn++)
		addch(' ');
	attrset(A_NORMAL);
	if (cursor)
		ui_cursor_at(y, x + ccol - e->scroll);
}
