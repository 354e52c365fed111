/* The answers schema: every question the wizard asks, once.
 *
 * A field has a dotted path ("aws.disks.data.size_gb") that is also its
 * place in the YAML answers file, a type, the step (screen) it belongs to,
 * the targets it applies to, an optional condition on another answer, a
 * default, constraints and help text taken from the installation guides.
 * The wizard's forms, the YAML loader, the validator and `landfall
 * validate` all read this one table. */
#ifndef LANDFALL_SCHEMA_H
#define LANDFALL_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>

#include "validate.h"

enum field_type {
	FT_STRING,
	FT_INT,
	FT_BOOL,
	FT_ENUM,
	FT_LIST,     /* list of strings, each checked by `check` */
	FT_SECRET,   /* {env: NAME} or {file: PATH}; never a clear value */
	FT_OBJLIST,  /* list of objects described by `items` */
};

/* Targets, as a bit set. */
#define TGT_AWS 0x1u
#define TGT_UBUNTU 0x2u
#define TGT_K8S 0x4u
#define TGT_ALL (TGT_AWS | TGT_UBUNTU | TGT_K8S)

#define FF_REQUIRED 0x1u   /* must have a value once defaults are applied */
#define FF_ADVANCED 0x2u   /* shown folded in the wizard */

struct answers;

struct field {
	const char *path;          /* dotted; for FT_OBJLIST items: the key */
	enum field_type type;
	unsigned targets;
	unsigned flags;
	const char *label;         /* N_(): short, shown next to the input */
	const char *help;          /* N_(): from the guides; F1 in the wizard */
	const char *def;           /* default as text; lists comma-separated */
	/* Default computed from other answers (wins over def when it returns
	 * non-NULL). Returns a static or answers-owned string. */
	const char *(*def_fn)(const struct answers *a);
	lf_validator check;        /* FT_STRING and FT_LIST items */
	long min, max;             /* FT_INT range; FT_LIST/FT_OBJLIST item count */
	const char *const *choices;/* FT_ENUM, NULL-terminated */
	const char *when;          /* "path=value" or "path!=value", or NULL */
	const struct field *items; /* FT_OBJLIST item fields */
	size_t nitems;
};

/* A step is one screen of the wizard and one group of the file. */
struct step {
	const char *id;
	const char *title;         /* N_() */
	const char *intro;         /* N_(): what this screen decides and why */
	unsigned targets;
	const struct field *fields;
	size_t nfields;
};

/* Every step in wizard order (see steps.def). */
const struct step *const *schema_steps(size_t *n);
/* The field with `path` (no list indexes), or NULL. */
const struct field *schema_find(const char *path);
/* The step that holds `f`, or NULL. */
const struct step *schema_step_of(const struct field *f);
/* Every top-level field, in wizard order: index 0..schema_nfields()-1. */
size_t schema_nfields(void);
const struct field *schema_field(size_t i);

const char *field_type_name(enum field_type t);
/* "aws, ubuntu" for a target set; static buffer. */
const char *targets_names(unsigned targets);
/* TGT_* for "aws"/"ubuntu"/"kubernetes", 0 for anything else. */
unsigned target_bit(const char *name);

#endif
