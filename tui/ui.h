/* Terminal basics shared by every screen: start and stop curses, colour
 * roles with a monochrome column, ASCII lines, the too-small guard, and
 * UTF-8 text clipped to a display width.
 *
 * Draw from state, every time: a screen's draw function paints the whole
 * screen from its model; KEY_RESIZE and Ctrl-L call the same function. */
#ifndef LANDFALL_UI_H
#define LANDFALL_UI_H

#include <stdbool.h>
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

#endif
