/* The answers tree: the user's choices, typed by the schema.
 *
 * Internally a jansson object nested as the YAML file is (strings,
 * integers, booleans, lists of strings, lists of objects, and secret
 * references {env: NAME} / {file: PATH}). Secrets are never held in clear
 * here: answers_secret() resolves a reference when a backend needs it.
 *
 * Paths are dotted with optional list indexes: "server.admin_users[0].name". */
#ifndef LANDFALL_ANSWERS_H
#define LANDFALL_ANSWERS_H

#include <jansson.h>
#include <stdbool.h>

#include "schema.h"
#include "util.h"

#define ANSWERS_VERSION 1

struct answers;

/* One problem found in an answers file or tree. */
struct diag {
	char *path;     /* field path, "" for the file as a whole */
	int line, col;  /* 1-based; 0 when unknown (built in memory) */
	char *msg;      /* translated: the rule that was broken */
};

struct diags {
	struct diag *items;
	size_t n;
	char *file;     /* for formatting; may be NULL */
};

void diags_add(struct diags *d, const char *path, int line, int col,
               const char *fmt, ...) LF_PRINTF(5, 6);
void diags_clear(struct diags *d);
/* "FILE:LINE:COL: PATH: MESSAGE" (parts omitted when unknown); caller frees. */
char *diag_format(const struct diags *d, size_t i);

struct answers *answers_new(void);
void answers_free(struct answers *a);
struct answers *answers_copy(const struct answers *a);
bool answers_equal(const struct answers *a, const struct answers *b);

/* The whole tree (borrowed), for readers such as the YAML writer. */
json_t *answers_root(const struct answers *a);

/* Value at path, or NULL (borrowed). */
json_t *answers_get(const struct answers *a, const char *path);
/* Replace the value at path (steals `value`; NULL removes it). Creates
 * the intermediate objects. Does not validate. */
void answers_put(struct answers *a, const char *path, json_t *value);
/* The string at path, or NULL when unset or not a string. */
const char *answers_str(const struct answers *a, const char *path);
/* Effective values: the answer, else the schema default. */
const char *answers_str_or_default(const struct answers *a, const char *path);
long answers_int(const struct answers *a, const char *path);
bool answers_bool(const struct answers *a, const char *path);

/* The target's TGT_* bit, 0 when unset. */
unsigned answers_target(const struct answers *a);

/* Parse `text` as the field's type and check it (type, range, choices and
 * the field's own rule; lists are comma- or space-separated; booleans
 * true/false/yes/no) and store it. On error nothing changes and *why says
 * which rule failed. Empty text removes the answer. Not for secrets. */
int answers_set_text(struct answers *a, const char *path, const char *text,
                     char **why);
/* The typed, checked value of `text` for field f (new reference), or NULL
 * + *why. Empty text is refused. */
json_t *field_parse_text(const struct field *f, const char *text, char **why);
/* The value as the wizard shows it in an input field (caller frees). */
char *answers_text(const struct answers *a, const char *path);

/* Whether a field is asked for these answers: its target matches and its
 * `when` condition holds. */
bool field_applies(const struct field *f, const struct answers *a);
/* The default of a field for these answers as text, or NULL. */
const char *schema_default(const struct field *f, const struct answers *a);

/* Fill every applicable, unset field that has a default. */
void answers_apply_defaults(struct answers *a);

/* Check every applicable field and the rules across fields. Appends to
 * `d` (which may already carry line numbers through answers_mark()).
 * Returns the number of problems added. */
size_t answers_validate(const struct answers *a, struct diags *d);

/* Only the rules across fields (disk type and size, zones of the region,
 * 0.0.0.0/0 needs allow_anywhere, the domain on AWS, unique user names).
 * answers_validate() runs them only when every field is valid; a form that
 * shows one screen at a time runs them itself. */
size_t answers_validate_across(const struct answers *a, struct diags *d);

/* Where the value of `path` was read from (set by the YAML loader). */
void answers_mark(struct answers *a, const char *path, int line, int col);
void answers_where(const struct answers *a, const char *path, int *line,
                   int *col);

/* ---- the YAML file (answers_yaml.c) ---- */

/* Read an answers file. Returns NULL with a diagnostic when the file
 * cannot be read or is not YAML; otherwise the answers, with every
 * problem of shape (unknown keys, wrong types, clear secrets, version) in
 * `d`, each with line and column. Call answers_validate() for the rules. */
struct answers *answers_load(const char *path, struct diags *d);
struct answers *answers_load_string(const char *text, size_t len,
                                    const char *name, struct diags *d);
/* answers_load() then answers_validate(), keeping only the rule problems
 * of fields whose value was not already refused while loading, so a file
 * gets every problem reported at once, each once. Returns NULL only when
 * the file could not be read or parsed; check d->n for problems. */
struct answers *answers_load_checked(const char *path, struct diags *d);
/* The YAML text of the answers, `version:` first, fields in wizard order.
 * Caller frees. */
char *answers_to_yaml(const struct answers *a);
/* Write the YAML atomically (temp file + rename, mode 0600). */
int answers_save(const struct answers *a, const char *path, char **cause);

/* Secret references. */
enum secret_kind { SECRET_NONE, SECRET_ENV, SECRET_FILE };
enum secret_kind answers_secret_ref(const struct answers *a, const char *path,
                                    const char **ref);
/* Resolve a secret reference into a caller-freed string (a file's final
 * newline is dropped). Returns 0, 1 when unset, -1 + *cause on failure. */
int answers_secret(const struct answers *a, const char *path, char **value,
                   char **cause);

#endif
