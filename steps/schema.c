#include "schema.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "util.h"

#define STEP(id) extern const struct step step_##id;
#include "steps.def"
#undef STEP

static const struct step *const steps[] = {
#define STEP(id) &step_##id,
#include "steps.def"
#undef STEP
};

const struct step *const *schema_steps(size_t *n)
{
	if (n)
		*n = LF_ARRAY_LEN(steps);
	return steps;
}

/* The flat index of every field, built on first use. */
static const struct field *flat[128];
static size_t nflat;

static void index_fields(void)
{
	if (nflat)
		return;
	for (size_t s = 0; s < LF_ARRAY_LEN(steps); s++)
		for (size_t i = 0; i < steps[s]->nfields; i++) {
			if (nflat == LF_ARRAY_LEN(flat))
				abort(); /* grow the table */
			flat[nflat++] = &steps[s]->fields[i];
		}
}

size_t schema_nfields(void)
{
	index_fields();
	return nflat;
}

const struct field *schema_field(size_t i)
{
	index_fields();
	return i < nflat ? flat[i] : NULL;
}

const struct field *schema_find(const char *path)
{
	index_fields();
	for (size_t i = 0; i < nflat; i++)
		if (strcmp(flat[i]->path, path) == 0)
			return flat[i];
	return NULL;
}

const struct step *schema_step_of(const struct field *f)
{
	for (size_t s = 0; s < LF_ARRAY_LEN(steps); s++)
		if (f >= steps[s]->fields && f < steps[s]->fields + steps[s]->nfields)
			return steps[s];
	return NULL;
}

const char *field_type_name(enum field_type t)
{
	switch (t) {
	case FT_STRING: return "string";
	case FT_INT: return "integer";
	case FT_BOOL: return "boolean";
	case FT_ENUM: return "choice";
	case FT_LIST: return "list";
	case FT_SECRET: return "secret";
	case FT_OBJLIST: return "list of objects";
	}
	return "?";
}

const char *targets_names(unsigned targets)
{
	static char buf[32];
	snprintf(buf, sizeof buf, "%s%s%s%s%s",
	         targets & TGT_AWS ? "aws" : "",
	         (targets & TGT_AWS) && (targets & (TGT_UBUNTU | TGT_K8S)) ? ", " : "",
	         targets & TGT_UBUNTU ? "ubuntu" : "",
	         (targets & TGT_UBUNTU) && (targets & TGT_K8S) ? ", " : "",
	         targets & TGT_K8S ? "kubernetes" : "");
	return buf;
}

unsigned target_bit(const char *name)
{
	if (!name)
		return 0;
	if (strcmp(name, "aws") == 0)
		return TGT_AWS;
	if (strcmp(name, "ubuntu") == 0)
		return TGT_UBUNTU;
	if (strcmp(name, "kubernetes") == 0)
		return TGT_K8S;
	return 0;
}
