/* Terminal basics shared by every screen: start and stop curses, colour
 * roles with a monochrome column, ASCII lines, the too-small guard, and
 * UTF-8 text clipped to a display width.
 *
 * Draw from state, every time: a screen's draw function paints the whole
 * screen from its model; KEY_RESIZE and Ctrl-L call the same function. */
#ifndef LANDFALL_UI_H
#define LANDFALL_UI_H

#include <stdbool.h>
#include <stddef.h>
#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#include <ncurses.h>

#define UI_MIN_COLS 80
#define UI_MIN_LINES 24
#define UI_KEY_CTRL(c) ((c) & 0x1f)

/* Colour roles. Each has a colour and a monochrome attribute. */
enum ui_role {
	ROLE_NORMAL,
	ROLE_TITLE,        /* top bar */
	ROLE_FOOTER,       /* key help bar */
	ROLE_LABEL,
	ROLE_FIELD,        /* an input */
	ROLE_FIELD_FOCUS,  /* the input with the cursor */
	ROLE_HELP,         /* help line / F1 text */
	ROLE_ERROR,        /* validation message, failed check */
	ROLE_WARN,
	ROLE_OK,
	ROLE_DIM,          /* defaults, disabled */
	ROLE_SELECTED,     /* highlighted list row */
	ROLE_PROGRESS,     /* filled part of a progress bar */
	ROLE_COUNT
};

struct ui_opts {
	bool ascii_lines;  /* --ascii: + - | instead of line drawing */
	bool no_color;     /* forced monochrome (NO_COLOR is read too) */
};

/* initscr and friends; colours when the terminal has them and NO_COLOR
 * is unset or empty. Returns 0, or -1 when there is no usable terminal. */
int ui_init(const struct ui_opts *o);
void ui_end(void);
bool ui_active(void);

/* The attribute for a role (colour pair, or bold/reverse/underline in
 * monochrome). */
attr_t ui_attr(enum ui_role r);
bool ui_ascii(void);

/* Below 80x24: draw a guard screen asking for a bigger window and return
 * true; the caller draws nothing else. */
bool ui_guard_small(void);

/* The top bar (product, step title, "step 3 of 11") and the footer of key
 * hints, e.g. "F1 Help  F2 Save  Esc Back  Enter Next  q Quit". */
void ui_title(const char *left, const char *right);
void ui_footer(const char *keys);

/* A horizontal line and a box, in line drawing or ASCII. */
void ui_hline(int y, int x, int width);
void ui_box(int y, int x, int h, int w);

/* Print UTF-8 text at (y, x) clipped to `width` display columns (wide
 * characters counted as two); pads with spaces to width when pad is true.
 * Returns the columns used. */
int ui_text(int y, int x, int width, const char *utf8, bool pad);
/* Display columns of a UTF-8 string. */
int ui_width(const char *utf8);

/* Wrap UTF-8 text into at most max_lines lines of `width` columns at
 * (y, x). Returns the number of lines used. */
int ui_wrap(int y, int x, int width, int max_lines, const char *utf8);

/* Wait up to timeout_ms (-1: forever) for a key. Returns ERR on timeout.
 * KEY_RESIZE and Ctrl-L are returned as they are for the caller to
 * redraw; Ctrl-L also clears the screen first (clearok). */
int ui_getkey(int timeout_ms);

/* A centered yes/no question; returns true for yes. Esc is no. */
bool ui_confirm(const char *question);
/* A centered message box, dismissed by any key. */
void ui_message(const char *title, const char *text);
/* A centered one-line input (masked when secret); returns a caller-freed
 * string, or NULL on Esc. `initial` may be NULL. */
char *ui_prompt(const char *title, const char *initial, bool secret);

/* ---- additions used by the wizard (and free for any screen) ---------- */

/* --ascii: set before ui_init (cli_main) or at any time; ui_init keeps it
 * when its own opts do not ask for ASCII. */
void ui_set_ascii(bool on);

/* Whether symbols beyond ASCII (arrows, marks, ellipsis) may be drawn:
 * a UTF-8 locale and no --ascii. */
bool ui_utf8(void);

/* Modal boxes (confirm, message, prompt, menu) repaint what is behind them
 * on KEY_RESIZE and Ctrl-L by calling the current backdrop: the screen's
 * own draw function, which paints the whole screen from its model and
 * does not refresh. NULL: the modal clears the screen instead. Returns the
 * previous backdrop so a nested screen can restore it. */
typedef void (*ui_draw_fn)(void *user);
struct ui_backdrop {
	ui_draw_fn draw;
	void *user;
};
struct ui_backdrop ui_set_backdrop(ui_draw_fn draw, void *user);
/* Paint the current backdrop (or clear the screen). */
void ui_draw_backdrop(void);

/* A frame: ui_frame_begin() erases and forgets the cursor position;
 * draw functions may ask for the terminal cursor with ui_cursor_at();
 * ui_frame_end() shows it there (or hides it) and refreshes. */
void ui_frame_begin(void);
void ui_cursor_at(int y, int x);
void ui_frame_end(void);

/* Like ui_getkey(), telling characters from function keys: *is_char is
 * true when the result is a Unicode code point (including control
 * characters such as '\t' or 27), false for KEY_* codes and ERR. */
int ui_getkey_wide(int timeout_ms, bool *is_char);
/* Enter, in every spelling terminals use. */
bool ui_key_is_enter(int key);
/* Backspace, in every spelling terminals use. */
bool ui_key_is_backspace(int key);

/* Split UTF-8 text into lines of at most `width` columns, breaking at
 * spaces where possible and at '\n' always. Returns the number of lines;
 * *lines is a caller-freed vector (ui_lines_free). */
size_t ui_wrap_split(const char *utf8, int width, char ***lines);
void ui_lines_free(char **lines, size_t n);

/* A scrollable text box (long help, lists of problems). Up/Down/PgUp/PgDn
 * scroll; Enter, Esc, q or F1 close it. */
void ui_pager(const char *title, const char *text);

/* A centered list to pick from; returns the index chosen with Enter, or
 * -1 on Esc. Digits 1-9 pick directly. */
int ui_menu(const char *title, const char *const *items, int n, int initial);

/* A one-line UTF-8 text editor: the buffer, the cursor (a byte offset on
 * a character boundary) and the first display column shown. */
struct ui_edit {
	char *buf;        /* owned, NUL-terminated */
	size_t len, cap;
	size_t cur;
	int scroll;
	bool changed;     /* set by any edit since ui_edit_set */
};
/* Replace the text (NULL: empty) with the cursor at its end. */
void ui_edit_set(struct ui_edit *e, const char *text);
/* Wipe and free the buffer (it may have held a secret). */
void ui_edit_free(struct ui_edit *e);
/* Apply an editing key: printable characters, Left/Right, Home/End
 * (Ctrl-A/Ctrl-E), Backspace, Delete, Ctrl-U (clear), Ctrl-K (to end).
 * Returns true when the key was an editing key. */
bool ui_edit_key(struct ui_edit *e, int key, bool is_char);
/* Draw in `width` columns at (y, x); masked shows one '*' per character.
 * With `cursor`, scrolls to keep it visible and asks for the terminal
 * cursor there. */
void ui_edit_draw(struct ui_edit *e, int y, int x, int width, attr_t attr,
                  bool masked, bool cursor);

#endif
