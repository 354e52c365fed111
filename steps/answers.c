#include "answers.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "i18n.h"

struct answers {
	json_t *root;
	json_t *marks;   /* path -> [line, col] */
};

/* ---- diagnostics ------------------------------------------------------ */

void diags_add(struct diags *d, const char *path, int line, int col,
               const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = lf_vasprintf(fmt, ap);
	va_end(ap);
	d->items = lf_xrealloc(d->items, (d->n + 1) * sizeof(*d->items));
	d->items[d->n++] = (struct diag){ lf_xstrdup(path ? path : ""), line,
	                                  col, msg };
}

void diags_clear(struct diags *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->items[i].path);
		free(d->items[i].msg);
	}
	free(d->items);
	free(d->file);
	*d = (struct diags){ 0 };
}

char *diag_format(const struct diags *d, size_t i)
{
	const struct diag *g = &d->items[i];
	char *where = d->file ? (g->line ? lf_asprintf("%s:%d:%d: ", d->file, g->line, g->col)
	                                 : lf_asprintf("%s: ", d->file))
	                      : lf_xstrdup("");
	char *s = *g->path ? lf_asprintf("%s%s: %s", where, g->path, g->msg)
	                   : lf_asprintf("%s%s", where, g->msg);
	free(where);
	return s;
}

/* ---- the tree --------------------------------------------------------- */

struct answers *answers_new(void)
{
	struct answers *a = lf_xcalloc(1, sizeof *a);
	a->root = json_object();
	a->marks = json_object();
	return a;
}

void answers_free(struct answers *a)
{
	if (!a)
		return;
	json_decref(a->root);
	json_decref(a->marks);
	free(a);
}

struct answers *answers_copy(const struct answers *a)
{
	struct answers *c = lf_xcalloc(1, sizeof *c);
	c->root = json_deep_copy(a->root);
	c->marks = json_deep_copy(a->marks);
	return c;
}

bool answers_equal(const struct answers *a, const struct answers *b)
{
	return json_equal(a->root, b->root);
}

json_t *answers_root(const struct answers *a)
{
	return a->root;
}

/* Split "a.b[2].c" into the next key (into buf) and index (-1 when none);
 * returns the rest of the path after the segment, or NULL at the end. */
static const char *next_segment(const char *path, char *buf, size_t size,
                                long *index)
{
	size_t n = strcspn(path, ".[");
	if (n >= size)
		n = size - 1;
	memcpy(buf, path, n);
	buf[n] = '\0';
	path += strcspn(path, ".[");
	*index = -1;
	if (*path == '[') {
		*index = strtol(path + 1, NULL, 10);
		path = strchr(path, ']');
		path = path ? path + 1 : "";
	}
	if (*path == '.')
		return path + 1;
	return *path ? path : NULL;
}

json_t *answers_get(const struct answers *a, const char *path)
{
	json_t *node = a->root;
	char key[128];
	long idx;
	while (path && node) {
		path = next_segment(path, key, sizeof key, &idx);
		node = json_object_get(node, key);
		if (idx >= 0)
			node = json_array_get(node, (size_t)idx);
	}
	return node;
}

void answers_put(struct answers *a, const char *path, json_t *value)
{
	json_t *node = a->root;
	char key[128];
	long idx;
	for (;;) {
		const char *rest = next_segment(path, key, sizeof key, &idx);
		if (idx < 0 && !rest) {
			if (value)
				json_object_set_new(node, key, value);
			else
				json_object_del(node, key);
			return;
		}
		json_t *child = json_object_get(node, key);
		if (idx >= 0) {
			if (!json_is_array(child)) {
				child = json_array();
				json_object_set_new(node, key, child);
			}
			if (!rest) {
				if ((size_t)idx < json_array_size(child))
					value ? json_array_set_new(child, (size_t)idx, value)
					      : json_array_remove(child, (size_t)idx);
				else if (value)
					json_array_append_new(child, value);
				return;
			}
			json_t *item = json_array_get(child, (size_t)idx);
			if (!json_is_object(item)) {
				item = json_object();
				if ((size_t)idx < json_array_size(child))
					json_array_set_new(child, (size_t)idx, item);
				else
					json_array_append_new(child, item);
			}
			child = item;
		} else if (!json_is_object(child)) {
			child = json_object();
			json_object_set_new(node, key, child);
		}
		node = child;
		path = rest;
	}
}

const char *answers_str(const struct answers *a, const char *path)
{
	return json_string_value(answers_get(a, path));
}

const char *answers_str_or_default(const struct answers *a, const char *path)
{
	const char *s = answers_str(a, path);
	return s ? s : schema_default(schema_find(path), a);
}

long answers_int(const struct answers *a, const char *path)
{
	json_t *v = answers_get(a, path);
	if (json_is_integer(v))
		return (long)json_integer_value(v);
	const char *d = schema_default(schema_find(path), a);
	return d ? strtol(d, NULL, 10) : 0;
}

bool answers_bool(const struct answers *a, const char *path)
{
	json_t *v = answers_get(a, path);
	if (json_is_boolean(v))
		return json_is_true(v);
	const char *d = schema_default(schema_find(path), a);
	return d && strcmp(d, "true") == 0;
}

unsigned answers_target(const struct answers *a)
{
	return target_bit(answers_str(a, "target"));
}

void answers_mark(struct answers *a, const char *path, int line, int col)
{
	json_object_set_new(a->marks, path, json_pack("[i,i]", line, col));
}

void answers_where(const struct answers *a, const char *path, int *line,
                   int *col)
{
	json_t *m = json_object_get(a->marks, path);
	*line = (int)json_integer_value(json_array_get(m, 0));
	*col = (int)json_integer_value(json_array_get(m, 1));
}

/* ---- schema semantics ------------------------------------------------- */

const char *schema_default(const struct field *f, const struct answers *a)
{
	if (!f)
		return NULL;
	if (f->def_fn) {
		const char *d = f->def_fn(a);
		if (d)
			return d;
	}
	return f->def;
}

/* The effective value of a field as text for `when` conditions. */
static char *effective_text(const struct answers *a, const char *path)
{
	json_t *v = answers_get(a, path);
	if (json_is_string(v))
		return lf_xstrdup(json_string_value(v));
	if (json_is_boolean(v))
		return lf_xstrdup(json_is_true(v) ? "true" : "false");
	if (json_is_integer(v))
		return lf_asprintf("%lld", (long long)json_integer_value(v));
	const char *d = schema_default(schema_find(path), a);
	return lf_xstrdup(d ? d : "");
}

bool field_applies(const struct field *f, const struct answers *a)
{
	unsigned t = answers_target(a);
	if (t && !(f->targets & t))
		return false;
	if (!f->when)
		return true;
	const char *op = strstr(f->when, "!=");
	bool negate = op != NULL;
	if (!op)
		op = strchr(f->when, '=');
	char *lhs = lf_xstrndup(f->when, (size_t)(op - f->when));
	const char *rhs = op + (negate ? 2 : 1);
	char *val = effective_text(a, lhs);
	bool eq = strcmp(val, rhs) == 0;
	free(lhs);
	free(val);
	return negate ? !eq : eq;
}

/* Parse a whole decimal integer; false on junk or overflow. */
static bool parse_long(const char *s, long *out)
{
	if (!s || !*s)
		return false;
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || *end || isspace((unsigned char)*s))
		return false;
	*out = v;
	return true;
}

static bool parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "true", "yes", "on", "y", "1" };
	static const char *const no[] = { "false", "no", "off", "n", "0" };
	for (size_t i = 0; i < LF_ARRAY_LEN(yes); i++) {
		if (strcasecmp(s, yes[i]) == 0)
			return *out = true, true;
		if (strcasecmp(s, no[i]) == 0)
			return *out = false, true;
	}
	return false;
}

static char *choices_text(const char *const *choices)
{
	char *s = lf_xstrdup("");
	for (size_t i = 0; choices[i]; i++) {
		char *n = lf_asprintf("%s%s%s", s, i ? ", " : "", choices[i]);
		free(s);
		s = n;
	}
	return s;
}

/* Check one scalar value of a field given as JSON. Returns 0 or -1 +
 * *why (the rule). */
static int check_value(const struct field *f, json_t *v, char **why)
{
	switch (f->type) {
	case FT_STRING:
		if (!json_is_string(v))
			return lf_fail(why, _("must be text"));
		return f->check ? f->check(json_string_value(v), why) : 0;
	case FT_INT: {
		if (!json_is_integer(v))
			return lf_fail(why, _("must be a whole number"));
		long n = (long)json_integer_value(v);
		if (n < f->min || n > f->max)
			return lf_fail(why, _("must be between %ld and %ld (got %ld)"),
			               f->min, f->max, n);
		return 0;
	}
	case FT_BOOL:
		return json_is_boolean(v) ? 0 : lf_fail(why, _("must be true or false"));
	case FT_ENUM: {
		const char *s = json_string_value(v);
		for (size_t i = 0; s && f->choices[i]; i++)
			if (strcmp(s, f->choices[i]) == 0)
				return 0;
		char *all = choices_text(f->choices);
		lf_fail(why, _("must be one of: %s"), all);
		free(all);
		return -1;
	}
	case FT_LIST: {
		if (!json_is_array(v))
			return lf_fail(why, _("must be a list"));
		size_t n = json_array_size(v);
		if ((long)n < f->min)
			return lf_fail(why, ngettext("needs at least %ld entry",
			                             "needs at least %ld entries", f->min),
			               f->min);
		if (f->max && (long)n > f->max)
			return lf_fail(why, _("takes at most %ld entries"), f->max);
		for (size_t i = 0; i < n; i++) {
			const char *s = json_string_value(json_array_get(v, i));
			if (!s)
				return lf_fail(why, _("entry %zu must be text"), i + 1);
			char *inner = NULL;
			if (f->check && f->check(s, &inner) != 0) {
				lf_fail(why, _("entry %zu \"%s\": %s"), i + 1, s, inner);
				free(inner);
				return -1;
			}
			for (size_t k = 0; k < i; k++)
				if (strcmp(s, json_string_value(json_array_get(v, k))) == 0)
					return lf_fail(why, _("entry %zu \"%s\" is listed twice"),
					               i + 1, s);
		}
		return 0;
	}
	case FT_SECRET: {
		if (json_is_string(v))
			return lf_fail(why, _("a secret is never written in clear: use {env: NAME} or {file: PATH}"));
		if (!json_is_object(v) || json_object_size(v) != 1)
			return lf_fail(why, _("must be {env: NAME} or {file: PATH}"));
		const char *env = json_string_value(json_object_get(v, "env"));
		const char *file = json_string_value(json_object_get(v, "file"));
		if (env)
			return v_env_name(env, why);
		if (file && *file)
			return 0;
		return lf_fail(why, _("must be {env: NAME} or {file: PATH}"));
	}
	case FT_OBJLIST:
		if (!json_is_array(v))
			return lf_fail(why, _("must be a list"));
		if ((long)json_array_size(v) < f->min)
			return lf_fail(why, ngettext("needs at least %ld entry",
			                             "needs at least %ld entries", f->min),
			               f->min);
		if (f->max && (long)json_array_size(v) > f->max)
			return lf_fail(why, _("takes at most %ld entries"), f->max);
		return 0;
	}
	return 0;
}

static void add_diag(const struct answers *a, struct diags *d,
                     const char *path, const char *msg)
{
	int line, col;
	answers_where(a, path, &line, &col);
	diags_add(d, path, line, col, "%s", msg);
}

static void validate_field(const struct answers *a, const struct field *f,
                           const char *path, struct diags *d)
{
	json_t *v = answers_get(a, path);
	if (!v) {
		if ((f->flags & FF_REQUIRED) && !schema_default(f, a)) {
			char *msg = lf_asprintf(_("is required (%s)"), _(f->label));
			add_diag(a, d, path, msg);
			free(msg);
		}
		return;
	}
	char *why = NULL;
	if (check_value(f, v, &why) != 0) {
		add_diag(a, d, path, why);
		free(why);
		return;
	}
	if (f->type != FT_OBJLIST)
		return;
	for (size_t i = 0; i < json_array_size(v); i++)
		for (size_t k = 0; k < f->nitems; k++) {
			char *sub = lf_asprintf("%s[%zu].%s", path, i, f->items[k].path);
			validate_field(a, &f->items[k], sub, d);
			free(sub);
		}
}

size_t answers_validate_across(const struct answers *a, struct diags *d)
{
	size_t before = d->n;
	unsigned t = answers_target(a);
	char *why = NULL;
	if (t == TGT_AWS) {
		static const char *const disks[] = { "root", "data", "fileserver", "docker" };
		for (size_t i = 0; i < LF_ARRAY_LEN(disks); i++) {
			char *tp = lf_asprintf("aws.disks.%s.type", disks[i]);
			char *sp = lf_asprintf("aws.disks.%s.size_gb", disks[i]);
			const char *type = answers_str_or_default(a, tp);
			if (type && v_disk(type, answers_int(a, sp), &why) != 0) {
				add_diag(a, d, answers_get(a, sp) ? sp : tp, why);
				free(why);
				why = NULL;
			}
			free(tp);
			free(sp);
		}
		const char *region = answers_str_or_default(a, "aws.region");
		json_t *zones = answers_get(a, "aws.zones");
		size_t i;
		json_t *z;
		json_array_foreach(zones, i, z) {
			const char *zone = json_string_value(z);
			size_t rl = region ? strlen(region) : 0;
			if (zone && region && field_applies(schema_find("aws.zones"), a) &&
			    (strncmp(zone, region, rl) != 0 || !zone[rl])) {
				char *msg = lf_asprintf(_("entry %zu \"%s\" is not a zone of region %s"),
				                        i + 1, zone, region);
				add_diag(a, d, "aws.zones", msg);
				free(msg);
			}
		}
		json_array_foreach(answers_get(a, "aws.network.trusted_cidrs"), i, z) {
			if (json_is_string(z) && lf_cidr_is_anywhere(json_string_value(z)) &&
			    !answers_bool(a, "aws.network.allow_anywhere")) {
				char *msg = lf_asprintf(_("entry %zu \"%s\" opens the server to the whole internet; set aws.network.allow_anywhere: true to mean it"),
				                        i + 1, json_string_value(z));
				add_diag(a, d, "aws.network.trusted_cidrs", msg);
				free(msg);
			}
		}
		if (!answers_get(a, "server.domain"))
			add_diag(a, d, "server.domain",
			         _("is required on AWS: the certificate and the load balancer rules are made for it"));
	}
	const char *confirm = answers_str(a, "ubuntu.remove_confirm");
	if (t == TGT_UBUNTU && confirm && field_applies(schema_find("ubuntu.remove_confirm"), a)) {
		const char *host = answers_str(a, "ubuntu.ssh.host");
		if (!host || strcmp(confirm, host) != 0)
			add_diag(a, d, "ubuntu.remove_confirm",
			         _("must be the SSH host (ubuntu.ssh.host) typed exactly, to confirm deleting the earlier installation"));
	}
	json_t *users = answers_get(a, "server.admin_users");
	for (size_t i = 0; i < json_array_size(users); i++)
		for (size_t k = 0; k < i; k++) {
			const char *u1 = json_string_value(json_object_get(json_array_get(users, i), "username"));
			const char *u2 = json_string_value(json_object_get(json_array_get(users, k), "username"));
			if (u1 && u2 && strcmp(u1, u2) == 0) {
				char *p = lf_asprintf("server.admin_users[%zu].username", i);
				char *msg = lf_asprintf(_("\"%s\" is listed twice"), u1);
				add_diag(a, d, p, msg);
				free(p);
				free(msg);
			}
		}
	return d->n - before;
}

size_t answers_validate(const struct answers *a, struct diags *d)
{
	size_t before = d->n;
	for (size_t i = 0; i < schema_nfields(); i++) {
		const struct field *f = schema_field(i);
		if (field_applies(f, a))
			validate_field(a, f, f->path, d);
	}
	if (d->n == before)
		answers_validate_across(a, d);
	return d->n - before;
}

void answers_apply_defaults(struct answers *a)
{
	/* In schema order: a computed default (base_dir) reads the fields
	 * before it (edition, target), which are settled by then. */
	for (size_t i = 0; i < schema_nfields(); i++) {
		const struct field *f = schema_field(i);
		if (answers_get(a, f->path) || !field_applies(f, a))
			continue;
		const char *d = schema_default(f, a);
		if (d)
			answers_set_text(a, f->path, d, NULL);
	}
}

/* ---- text in and out (the wizard's input fields) ---------------------- */

static json_t *parse_list(const char *text)
{
	json_t *arr = json_array();
	const char *p = text;
	while (*p) {
		p += strspn(p, ", \t\n");
		size_t n = strcspn(p, ", \t\n");
		if (n)
			json_array_append_new(arr, json_stringn(p, n));
		p += n;
	}
	return arr;
}

json_t *field_parse_text(const struct field *f, const char *text, char **why)
{
	json_t *v = NULL;
	switch (f->type) {
	case FT_STRING:
	case FT_ENUM:
		v = json_string(text);
		break;
	case FT_INT: {
		long n;
		if (!parse_long(text, &n)) {
			lf_fail(why, _("must be a whole number"));
			return NULL;
		}
		v = json_integer(n);
		break;
	}
	case FT_BOOL: {
		bool b;
		if (!parse_bool(text, &b)) {
			lf_fail(why, _("must be true or false"));
			return NULL;
		}
		v = json_boolean(b);
		break;
	}
	case FT_LIST:
		v = parse_list(text);
		break;
	case FT_SECRET:
	case FT_OBJLIST:
		lf_fail(why, _("cannot be set from text"));
		return NULL;
	}
	if (!v) {
		lf_fail(why, _("must be valid UTF-8 text"));
		return NULL;
	}
	if (check_value(f, v, why) != 0) {
		json_decref(v);
		return NULL;
	}
	return v;
}

int answers_set_text(struct answers *a, const char *path, const char *text,
                     char **why)
{
	const struct field *f = schema_find(path);
	if (!f)
		return lf_fail(why, _("unknown field"));
	if (!text || !*text) {
		answers_put(a, path, NULL);
		return 0;
	}
	json_t *v = field_parse_text(f, text, why);
	if (!v)
		return -1;
	answers_put(a, path, v);
	return 0;
}

char *answers_text(const struct answers *a, const char *path)
{
	json_t *v = answers_get(a, path);
	if (json_is_string(v))
		return lf_xstrdup(json_string_value(v));
	if (json_is_integer(v))
		return lf_asprintf("%lld", (long long)json_integer_value(v));
	if (json_is_boolean(v))
		return lf_xstrdup(json_is_true(v) ? "true" : "false");
	if (json_is_array(v)) {
		char *s = lf_xstrdup("");
		for (size_t i = 0; i < json_array_size(v); i++) {
			const char *item = json_string_value(json_array_get(v, i));
			char *n = lf_asprintf("%s%s%s", s, i ? ", " : "", item ? item : "");
			free(s);
			s = n;
		}
		return s;
	}
	return lf_xstrdup("");
}

/* ---- secrets ---------------------------------------------------------- */

enum secret_kind answers_secret_ref(const struct answers *a, const char *path,
                                    const char **ref)
{
	json_t *v = answers_get(a, path);
	const char *s;
	if ((s = json_string_value(json_object_get(v, "env")))) {
		*ref = s;
		return SECRET_ENV;
	}
	if ((s = json_string_value(json_object_get(v, "file")))) {
		*ref = s;
		return SECRET_FILE;
	}
	*ref = NULL;
	return SECRET_NONE;
}

int answers_secret(const struct answers *a, const char *path, char **value,
                   char **cause)
{
	const char *ref;
	*value = NULL;
	switch (answers_secret_ref(a, path, &ref)) {
	case SECRET_NONE:
		return 1;
	case SECRET_ENV: {
		const char *v = getenv(ref);
		if (!v)
			return lf_fail(cause, _("%s: the environment variable %s is not set"),
			               path, ref);
		*value = lf_xstrdup(v);
		return 0;
	}
	case SECRET_FILE: {
		char *why = NULL;
		char *expanded = ref[0] == '~' && ref[1] == '/' && getenv("HOME")
		                 ? lf_asprintf("%s%s", getenv("HOME"), ref + 1)
		                 : lf_xstrdup(ref);
		size_t len;
		char *v = lf_read_file(expanded, &len, &why);
		free(expanded);
		if (!v) {
			lf_fail(cause, _("%s: %s"), path, why);
			free(why);
			return -1;
		}
		if (len && v[len - 1] == '\n')
			v[--len] = '\0';
		if (len && v[len - 1] == '\r')
			v[--len] = '\0';
		*value = v;
		return 0;
	}
	}
	return 1;
}
