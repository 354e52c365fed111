/* The field form: one row per field of a wizard step that applies to the
 * current answers (re-evaluated on every draw, since `when` conditions
 * depend on other answers), each with its label, its input and the
 * default shown dim while unset.
 *
 * Inputs by type: text for FT_STRING, FT_INT and FT_LIST (comma-separated;
 * aws.zones is a multi-select of the region's zones), a cycling choice for
 * FT_ENUM, a check box for FT_BOOL, a masked input for FT_SECRET and a
 * sub-list editor for FT_OBJLIST.
 *
 * The answers tree is the model: a value is stored as the user leaves its
 * field, through the schema's parser and rule (answers_set_text); refused
 * text stays in the field with the rule under it and the tree unchanged.
 * Typed secrets never enter the tree: they go to the caller's secret
 * store through struct form_secrets. */
#ifndef LANDFALL_FORM_H
#define LANDFALL_FORM_H

#include <stdbool.h>
#include <stddef.h>

#include "answers.h"
#include "ui.h"

/* Where typed secrets live (memory only). Paths are answers paths with
 * indexes, e.g. "server.admin_users[0].password". */
struct form_secrets {
	/* The typed value or NULL; borrowed until the next set. */
	const char *(*get)(void *user, const char *path);
	/* Store a copy of value; NULL forgets (and wipes) it. */
	void (*set)(void *user, const char *path, const char *value);
	void *user;
};

struct form;

/* A form over the fields of a step. `a` and `sec` are borrowed and must
 * outlive the form. */
struct form *form_new(const struct step *s, struct answers *a,
                      const struct form_secrets *sec);
/* A form over entry `index` of the FT_OBJLIST field `list`. */
struct form *form_new_entry(const struct field *list, size_t index,
                            struct answers *a, const struct form_secrets *sec);
void form_free(struct form *f);

/* The screen is shown (again): reload the focused input from the answers,
 * which may have changed meanwhile (loaded file, another screen). */
void form_enter(struct form *f);

/* What a key did. The caller's loop decides what happens next. */
enum form_result {
	FORM_HANDLED,  /* the form changed: redraw */
	FORM_IGNORED,  /* not a form key: the caller may use it */
	FORM_NEXT,     /* Enter on the last field, or PgDn: go forwards */
	FORM_BACK,     /* Esc: go back (input is kept) */
};
enum form_result form_key(struct form *f, int key, bool is_char);

/* The zones AWS lists for `region`, offered by the aws.zones multi-select
 * while the answers' region is that one (copied; NULL region forgets).
 * Without them the choices are the region's letters a-f. */
void form_set_zones(struct form *f, const char *region, char *const *zones, size_t n);

/* Store the focused input in the answers (leaving the screen). */
void form_commit(struct form *f);

/* Commit, then check every field shown: type and rule, required fields,
 * and the rules across fields that concern this form. Each problem is
 * shown under its field and the first one gets the focus. Returns the
 * number of fields with problems. */
size_t form_validate(struct form *f);

/* Focus the row of `path` (a diagnostic's path; list indexes allowed).
 * Returns false when no shown row holds it. */
bool form_focus_path(struct form *f, const char *path);

/* The field with the focus; NULL on the "advanced settings" row. */
const struct field *form_focused(const struct form *f);
/* Whether the focused input takes text, so letters are typed into it. */
bool form_takes_text(const struct form *f);

/* The whole standard screen around a form: title bar, intro, the rows,
 * the focused field's help, a status line and the footer (the focused
 * input's own keys are put in front of `footer`). Draws, no refresh. */
struct form_screen {
	const char *title;
	const char *right;
	const char *intro;
	const char *status;
	enum ui_role status_role;
	const char *footer;
};
void form_screen_draw(struct form *f, const struct form_screen *fs);

/* The full help of a field (F1): label, path, help, default, choices or
 * range. Caller frees. */
char *form_field_help(const struct field *fl, const struct answers *a);

/* Put a placeholder reference in `a` for every secret typed into `sec`,
 * so that a copy of the answers can be validated as if they were set. */
void form_secret_placeholders(struct answers *a, const struct form_secrets *sec);

#endif
