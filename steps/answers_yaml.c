/* The answers file: YAML read and written with libyaml.
 *
 * Reading is two passes. The first turns the event stream into a raw
 * tree of strings, remembering where each value was (line:column). The
 * second walks the raw tree with the schema: unknown keys are refused
 * (with the closest known key), scalars become the field's type, and
 * secrets must be references. Nothing from a refused value is kept. */
#include "answers.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "i18n.h"

struct loader {
	yaml_parser_t parser;
	struct answers *a;
	struct diags *d;
	bool failed;      /* the YAML itself is broken: stop */
};

static void mark(struct loader *L, const char *path, const yaml_mark_t *m)
{
	answers_mark(L->a, path, (int)m->line + 1, (int)m->column + 1);
}

static void diag_at(struct loader *L, const char *path, const char *msg)
{
	int line, col;
	answers_where(L->a, path, &line, &col);
	diags_add(L->d, path, line, col, "%s", msg);
}

static bool next_event(struct loader *L, yaml_event_t *ev)
{
	if (yaml_parser_parse(&L->parser, ev))
		return true;
	diags_add(L->d, "", (int)L->parser.problem_mark.line + 1,
	          (int)L->parser.problem_mark.column + 1, _("not valid YAML: %s%s%s"),
	          L->parser.problem ? L->parser.problem : _("syntax error"),
	          L->parser.context ? ", " : "",
	          L->parser.context ? L->parser.context : "");
	L->failed = true;
	return false;
}

static bool is_null_scalar(const yaml_event_t *ev)
{
	if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	const char *v = (const char *)ev->data.scalar.value;
	return !*v || strcmp(v, "~") == 0 || strcasecmp(v, "null") == 0;
}

/* Build the raw node that starts with `ev` (consumed). Scalars become
 * strings (null for an empty plain scalar), mappings objects, sequences
 * arrays. Returns NULL after a syntax error. */
static json_t *raw_node(struct loader *L, yaml_event_t *ev, const char *path)
{
	mark(L, path, &ev->start_mark);
	switch (ev->type) {
	case YAML_SCALAR_EVENT: {
		json_t *v = is_null_scalar(ev) ? json_null()
		          : json_stringn((const char *)ev->data.scalar.value,
		                         ev->data.scalar.length);
		if (!v) {
			diag_at(L, path, _("is not valid UTF-8"));
			v = json_null();
		}
		yaml_event_delete(ev);
		return v;
	}
	case YAML_ALIAS_EVENT:
		yaml_event_delete(ev);
		diag_at(L, path, _("YAML aliases (*name) are not supported in answers files"));
		return json_null();
	case YAML_SEQUENCE_START_EVENT: {
		yaml_event_delete(ev);
		json_t *arr = json_array();
		for (size_t i = 0;; i++) {
			yaml_event_t e;
			if (!next_event(L, &e)) {
				json_decref(arr);
				return NULL;
			}
			if (e.type == YAML_SEQUENCE_END_EVENT) {
				yaml_event_delete(&e);
				return arr;
			}
			char *p = lf_asprintf("%s[%zu]", path, i);
			json_t *item = raw_node(L, &e, p);
			free(p);
			if (!item) {
				json_decref(arr);
				return NULL;
			}
			json_array_append_new(arr, item);
		}
	}
	case YAML_MAPPING_START_EVENT: {
		yaml_event_delete(ev);
		json_t *obj = json_object();
		for (;;) {
			yaml_event_t k;
			if (!next_event(L, &k)) {
				json_decref(obj);
				return NULL;
			}
			if (k.type == YAML_MAPPING_END_EVENT) {
				yaml_event_delete(&k);
				return obj;
			}
			char *key = k.type == YAML_SCALAR_EVENT
			            ? lf_xstrdup((const char *)k.data.scalar.value) : NULL;
			char *p = key ? (*path ? lf_asprintf("%s.%s", path, key) : lf_xstrdup(key))
			              : lf_asprintf("%s.?", path);
			mark(L, p, &k.start_mark);
			if (!key)
				diag_at(L, p, _("keys must be plain names"));
			else if (json_object_get(obj, key))
				diag_at(L, p, _("is given twice"));
			yaml_event_delete(&k);
			yaml_event_t v;
			json_t *val = NULL;
			if (next_event(L, &v)) {
				/* Keep the key's position: "region:" is where to look. */
				int line, col;
				answers_where(L->a, p, &line, &col);
				val = raw_node(L, &v, p);
				answers_mark(L->a, p, line, col);
			}
			if (!val) {
				free(key);
				free(p);
				json_decref(obj);
				return NULL;
			}
			if (key && !json_object_get(obj, key))
				json_object_set_new(obj, key, val);
			else
				json_decref(val);
			free(key);
			free(p);
		}
	}
	default:
		yaml_event_delete(ev);
		diags_add(L->d, path, 0, 0, _("unexpected YAML structure"));
		L->failed = true;
		return NULL;
	}
}

/* ---- second pass: the schema ------------------------------------------ */

static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 64 || lb > 64)
		return 99;
	size_t row[65];
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t prev = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t cur = row[j];
			size_t sub = prev + (a[i - 1] != b[j - 1]);
			size_t del = row[j] + 1, ins = row[j - 1] + 1;
			row[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
			prev = cur;
		}
	}
	return row[lb];
}

/* The keys allowed under schema prefix `prefix` ("" for the top):
 * calls fn for each distinct next segment. */
static void each_child_key(const char *prefix, const struct field *items,
                           size_t nitems, void (*fn)(const char *key, size_t len, void *u),
                           void *u)
{
	if (items) {
		for (size_t i = 0; i < nitems; i++)
			fn(items[i].path, strlen(items[i].path), u);
		return;
	}
	size_t pl = strlen(prefix);
	for (size_t i = 0; i < schema_nfields(); i++) {
		const char *p = schema_field(i)->path;
		if (pl && (strncmp(p, prefix, pl) != 0 || p[pl] != '.'))
			continue;
		const char *rest = pl ? p + pl + 1 : p;
		fn(rest, strcspn(rest, "."), u);
	}
	if (!pl)
		fn("version", 7, u);
}

struct suggest {
	const char *key;
	char best[64];
	size_t best_d;
	bool found;
};

static void suggest_fn(const char *key, size_t len, void *u)
{
	struct suggest *s = u;
	char k[64];
	snprintf(k, sizeof k, "%.*s", (int)len, key);
	if (strcmp(k, s->key) == 0)
		s->found = true;
	size_t d = edit_distance(s->key, k);
	if (d < s->best_d) {
		s->best_d = d;
		snprintf(s->best, sizeof s->best, "%s", k);
	}
}

static void unknown_key(struct loader *L, const char *real, const char *key,
                        const char *prefix, const struct field *items,
                        size_t nitems)
{
	struct suggest s = { .key = key, .best_d = 99 };
	each_child_key(prefix, items, nitems, suggest_fn, &s);
	size_t limit = strlen(key) / 3 + 1;
	char *msg = s.best_d <= limit && s.best_d > 0
	            ? lf_asprintf(_("unknown key \"%s\"; did you mean \"%s\"?"), key, s.best)
	            : lf_asprintf(_("unknown key \"%s\""), key);
	diag_at(L, real, msg);
	free(msg);
}

static bool is_group(const char *prefix)
{
	size_t pl = strlen(prefix);
	for (size_t i = 0; i < schema_nfields(); i++) {
		const char *p = schema_field(i)->path;
		if (strncmp(p, prefix, pl) == 0 && p[pl] == '.')
			return true;
	}
	return false;
}

static void load_object(struct loader *L, json_t *raw, const char *prefix,
                        const char *real, const struct field *items,
                        size_t nitems);

/* Turn the raw value of field f into its typed value and store it. */
static void load_field(struct loader *L, const struct field *f, json_t *raw,
                       const char *real)
{
	if (json_is_null(raw))
		return; /* "key:" with nothing: unset */
	json_t *v = NULL;
	char *why = NULL;
	switch (f->type) {
	case FT_STRING:
	case FT_ENUM:
		if (json_is_string(raw))
			v = json_incref(raw);
		else
			why = lf_xstrdup(_("must be a single value, not a list or a mapping"));
		break;
	case FT_INT:
	case FT_BOOL: {
		const char *s = json_string_value(raw);
		if (!s)
			why = lf_xstrdup(f->type == FT_INT ? _("must be a whole number")
			                                   : _("must be true or false"));
		else if (f->type == FT_BOOL && strcasecmp(s, "true") != 0 &&
		         strcasecmp(s, "false") != 0)
			why = lf_asprintf(_("must be true or false (got \"%s\")"), s);
		else
			v = field_parse_text(f, s, &why);
		break;
	}
	case FT_LIST:
		if (!json_is_array(raw)) {
			why = lf_xstrdup(_("must be a list (one \"- item\" per line, or [a, b])"));
			break;
		}
		v = json_array();
		for (size_t i = 0; i < json_array_size(raw); i++) {
			json_t *item = json_array_get(raw, i);
			if (!json_is_string(item)) {
				char *p = lf_asprintf("%s[%zu]", real, i);
				diag_at(L, p, _("must be a single value"));
				free(p);
				continue;
			}
			json_array_append(v, item);
		}
		break;
	case FT_SECRET:
		if (json_is_string(raw)) {
			why = lf_xstrdup(_("a secret is never written in clear: use {env: NAME} or {file: PATH}"));
		} else if (!json_is_object(raw) || json_object_size(raw) != 1 ||
		           !(json_is_string(json_object_get(raw, "env")) ||
		             json_is_string(json_object_get(raw, "file")))) {
			why = lf_xstrdup(_("must be {env: NAME} or {file: PATH}"));
		} else {
			v = json_incref(raw);
		}
		break;
	case FT_OBJLIST:
		if (!json_is_array(raw)) {
			why = lf_xstrdup(_("must be a list of mappings"));
			break;
		}
		answers_put(L->a, real, json_array());
		for (size_t i = 0; i < json_array_size(raw); i++) {
			char *p = lf_asprintf("%s[%zu]", real, i);
			json_t *item = json_array_get(raw, i);
			if (json_is_object(item))
				load_object(L, item, f->path, p, f->items, f->nitems);
			else
				diag_at(L, p, _("must be a mapping of the fields of one entry"));
			free(p);
		}
		return;
	}
	if (why) {
		diag_at(L, real, why);
		free(why);
		json_decref(v);
		return;
	}
	answers_put(L->a, real, v);
}

static void load_object(struct loader *L, json_t *raw, const char *prefix,
                        const char *real, const struct field *items,
                        size_t nitems)
{
	const char *key;
	json_t *val;
	json_object_foreach(raw, key, val) {
		char *full = *prefix && !items ? lf_asprintf("%s.%s", prefix, key)
		                               : lf_xstrdup(key);
		char *rp = *real ? lf_asprintf("%s.%s", real, key) : lf_xstrdup(key);
		const struct field *f = NULL;
		for (size_t i = 0; items && i < nitems; i++)
			if (strcmp(items[i].path, key) == 0)
				f = &items[i];
		if (!items)
			f = schema_find(full);
		if (f) {
			load_field(L, f, val, rp);
		} else if (!items && !*prefix && strcmp(key, "version") == 0) {
			const char *v = json_string_value(val);
			if (!v || strcmp(v, "1") != 0)
				diag_at(L, rp, _("must be 1: this Landfall reads answers files of version 1"));
		} else if (!items && is_group(full)) {
			if (json_is_object(val))
				load_object(L, val, full, rp, NULL, 0);
			else if (!json_is_null(val))
				diag_at(L, rp, _("must be a mapping of settings"));
		} else {
			unknown_key(L, rp, key, items ? "" : prefix, items, nitems);
		}
		free(full);
		free(rp);
	}
}

struct answers *answers_load_string(const char *text, size_t len,
                                    const char *name, struct diags *d)
{
	if (name && !d->file)
		d->file = lf_xstrdup(name);
	struct loader L = { .a = answers_new(), .d = d };
	yaml_parser_initialize(&L.parser);
	yaml_parser_set_input_string(&L.parser, (const unsigned char *)text, len);
	json_t *raw = NULL;
	yaml_event_t ev;
	while (!raw && next_event(&L, &ev)) {
		yaml_event_type_t t = ev.type;
		if (t == YAML_STREAM_END_EVENT) {
			yaml_event_delete(&ev);
			break;
		}
		if (t == YAML_STREAM_START_EVENT || t == YAML_DOCUMENT_START_EVENT) {
			yaml_event_delete(&ev);
			continue;
		}
		raw = raw_node(&L, &ev, "");
		if (!raw)
			break;
	}
	yaml_parser_delete(&L.parser);
	if (L.failed) {
		json_decref(raw);
		answers_free(L.a);
		return NULL;
	}
	if (!raw || json_is_null(raw)) {
		diags_add(d, "", 0, 0, _("the file is empty: an answers file starts with \"version: 1\""));
	} else if (!json_is_object(raw)) {
		diags_add(d, "", 1, 1, _("an answers file is a mapping of settings, starting with \"version: 1\""));
	} else {
		if (!json_object_get(raw, "version"))
			diags_add(d, "version", 1, 1, _("is missing: an answers file starts with \"version: 1\""));
		load_object(&L, raw, "", "", NULL, 0);
	}
	json_decref(raw);
	return L.a;
}

struct answers *answers_load(const char *path, struct diags *d)
{
	char *cause = NULL;
	size_t len;
	char *text = lf_read_file(path, &len, &cause);
	if (!text) {
		if (!d->file)
			d->file = lf_xstrdup(path);
		diags_add(d, "", 0, 0, "%s", cause);
		free(cause);
		return NULL;
	}
	struct answers *a = answers_load_string(text, len, path, d);
	free(text);
	return a;
}

struct answers *answers_load_checked(const char *path, struct diags *d)
{
	struct answers *a = answers_load(path, d);
	if (!a)
		return NULL;
	struct diags rules = { 0 };
	answers_validate(a, &rules);
	for (size_t i = 0; i < rules.n; i++) {
		const struct diag *r = &rules.items[i];
		bool seen = false;
		for (size_t k = 0; k < d->n && !seen; k++)
			seen = strcmp(d->items[k].path, r->path) == 0;
		if (!seen)
			diags_add(d, r->path, r->line, r->col, "%s", r->msg);
	}
	diags_clear(&rules);
	return a;
}

/* ---- writing ---------------------------------------------------------- */

struct buf {
	char *p;
	size_t n, cap;
};

static int buf_write(void *data, unsigned char *bytes, size_t size)
{
	struct buf *b = data;
	if (b->n + size + 1 > b->cap) {
		b->cap = (b->n + size + 1) * 2;
		b->p = lf_xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->n, bytes, size);
	b->n += size;
	b->p[b->n] = '\0';
	return 1;
}

/* A plain scalar a YAML reader could take for something other than text
 * (number, boolean, null, or YAML syntax) is written double-quoted. */
static bool needs_quotes(const char *s)
{
	static const char *const words[] = { "true", "false", "yes", "no", "on",
	                                      "off", "null", "~", "y", "n" };
	if (!*s)
		return true;
	for (size_t i = 0; i < LF_ARRAY_LEN(words); i++)
		if (strcasecmp(s, words[i]) == 0)
			return true;
	char *end;
	errno = 0;
	(void)strtod(s, &end);
	if (!*end)
		return true;
	return strchr("-?:,[]{}#&*!|>'\"%@`", s[0]) != NULL ||
	       strstr(s, ": ") || strstr(s, " #") || s[strlen(s) - 1] == ' ' ||
	       s[strlen(s) - 1] == ':';
}

static void emit(yaml_emitter_t *em, yaml_event_t *ev)
{
	if (!yaml_emitter_emit(em, ev))
		abort(); /* only on a programming error: our events are well formed */
}

static void emit_scalar(yaml_emitter_t *em, const char *s, bool plain)
{
	yaml_event_t ev;
	yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s, (int)strlen(s),
	                             1, 1, plain ? YAML_PLAIN_SCALAR_STYLE
	                                         : YAML_DOUBLE_QUOTED_SCALAR_STYLE);
	emit(em, &ev);
}

static void emit_json(yaml_emitter_t *em, json_t *v, bool flow)
{
	yaml_event_t ev;
	if (json_is_object(v)) {
		/* Secret references read best inline: {env: NAME}. */
		bool inner_flow = flow || (json_object_size(v) == 1 &&
		                           (json_object_get(v, "env") || json_object_get(v, "file")));
		yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
		                                    inner_flow ? YAML_FLOW_MAPPING_STYLE
		                                               : YAML_BLOCK_MAPPING_STYLE);
		emit(em, &ev);
		const char *k;
		json_t *c;
		json_object_foreach(v, k, c) {
			emit_scalar(em, k, true);
			emit_json(em, c, inner_flow);
		}
		yaml_mapping_end_event_initialize(&ev);
		emit(em, &ev);
	} else if (json_is_array(v)) {
		yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
		                                     flow ? YAML_FLOW_SEQUENCE_STYLE
		                                          : YAML_BLOCK_SEQUENCE_STYLE);
		emit(em, &ev);
		size_t i;
		json_t *c;
		json_array_foreach(v, i, c)
			emit_json(em, c, flow);
		yaml_sequence_end_event_initialize(&ev);
		emit(em, &ev);
	} else if (json_is_string(v)) {
		const char *s = json_string_value(v);
		emit_scalar(em, s, !needs_quotes(s));
	} else if (json_is_integer(v)) {
		char n[32];
		snprintf(n, sizeof n, "%lld", (long long)json_integer_value(v));
		emit_scalar(em, n, true);
	} else if (json_is_boolean(v)) {
		emit_scalar(em, json_is_true(v) ? "true" : "false", true);
	} else {
		emit_scalar(em, "", true);
	}
}

char *answers_to_yaml(const struct answers *a)
{
	/* Rebuild in wizard order, so the file reads like the screens. */
	struct answers *ordered = answers_new();
	for (size_t i = 0; i < schema_nfields(); i++) {
		const struct field *f = schema_field(i);
		json_t *v = answers_get(a, f->path);
		if (v)
			answers_put(ordered, f->path, json_deep_copy(v));
	}
	json_t *root = json_object();
	json_object_set_new(root, "version", json_integer(ANSWERS_VERSION));
	json_object_update(root, answers_root(ordered));
	answers_free(ordered);

	struct buf b = { 0 };
	static const char header[] =
		"# Landfall answers file. Replay with: landfall apply --answers FILE\n"
		"# Secrets are references, never values: {env: NAME} or {file: PATH}.\n";
	buf_write(&b, (unsigned char *)header, sizeof header - 1);
	yaml_emitter_t em;
	yaml_emitter_initialize(&em);
	yaml_emitter_set_output(&em, buf_write, &b);
	yaml_emitter_set_unicode(&em, 1);
	yaml_emitter_set_width(&em, 100);
	yaml_event_t ev;
	yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
	emit(&em, &ev);
	yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1);
	emit(&em, &ev);
	emit_json(&em, root, false);
	yaml_document_end_event_initialize(&ev, 1);
	emit(&em, &ev);
	yaml_stream_end_event_initialize(&ev);
	emit(&em, &ev);
	yaml_emitter_delete(&em);
	json_decref(root);
	return b.p;
}

int answers_save(const struct answers *a, const char *path, char **cause)
{
	char *text = answers_to_yaml(a);
	int rc = lf_write_file_atomic(path, text, strlen(text), 0600, cause);
	free(text);
	return rc;
}
