/* The template renderer of render.h: the template is cut into tokens once
 * (text, variable, section, inverted, close, partial), sections are matched,
 * then the tokens are rendered against a stack of contexts. */
#include "render.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assets.h"
#include "util.h"

#define MAX_PARTIAL_DEPTH 8

enum filter { F_NONE, F_SH, F_HOCON, F_JSON, F_YAML, F_COMPOSE };

static const struct {
	const char *name;
	enum filter f;
} filters[] = {
	{"sh", F_SH},	  {"hocon", F_HOCON},	  {"json", F_JSON},
	{"yaml", F_YAML}, {"compose", F_COMPOSE},
};

enum tok_kind { T_TEXT, T_VAR, T_SECTION, T_INVERTED, T_CLOSE, T_PARTIAL };

struct tok {
	enum tok_kind kind;
	size_t start, len; /* T_TEXT: the slice of the template */
	char *name;	   /* tags: variable, section or asset name */
	enum filter filter;
	int line;		   /* of the tag's "{{" */
	size_t tag_start, tag_end; /* offsets of "{{" and just after "}}" */
	size_t match;		   /* T_SECTION, T_INVERTED: index of the T_CLOSE */
};

struct toks {
	struct tok *v;
	size_t n, cap;
};

/* One template being rendered; `parent` is the template that included it. */
struct tpl {
	const char *name;
	const char *text;
	size_t len;
	const struct tpl *parent;
	int parent_line;
	int depth;
};

struct ctx {
	json_t *value;
	const struct ctx *up;
};

struct buf {
	char *s;
	size_t len, cap;
};

static void buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n + 1)
			cap *= 2;
		b->s = lf_xrealloc(b->s, cap);
		b->cap = cap;
	}
	if (n)
		memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

static void buf_addc(struct buf *b, char c)
{
	buf_add(b, &c, 1);
}

static void buf_addf(struct buf *b, const char *fmt, ...) LF_PRINTF(2, 3);
static void buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = lf_vasprintf(fmt, ap);
	va_end(ap);
	buf_add(b, s, strlen(s));
	free(s);
}

/* "template 'NAME' line L: MESSAGE (included from 'P' line PL)..." */
static int fail_at(const struct tpl *t, int line, char **cause, const char *fmt, ...)
	LF_PRINTF(4, 5);
static int fail_at(const struct tpl *t, int line, char **cause, const char *fmt, ...)
{
	struct buf b = {0};
	buf_addf(&b, "template '%s' line %d: ", t->name, line);
	va_list ap;
	va_start(ap, fmt);
	char *msg = lf_vasprintf(fmt, ap);
	va_end(ap);
	buf_add(&b, msg, strlen(msg));
	free(msg);
	for (const struct tpl *p = t; p->parent; p = p->parent)
		buf_addf(&b, " (included from '%s' line %d)", p->parent->name, p->parent_line);
	lf_fail(cause, "%s", b.s);
	free(b.s);
	return -1;
}

static void toks_free(struct toks *ts)
{
	for (size_t i = 0; i < ts->n; i++)
		free(ts->v[i].name);
	free(ts->v);
	ts->v = NULL;
	ts->n = ts->cap = 0;
}

static struct tok *toks_add(struct toks *ts, enum tok_kind kind)
{
	if (ts->n == ts->cap) {
		ts->cap = ts->cap ? ts->cap * 2 : 64;
		ts->v = lf_xrealloc(ts->v, ts->cap * sizeof *ts->v);
	}
	struct tok *t = &ts->v[ts->n++];
	memset(t, 0, sizeof *t);
	t->kind = kind;
	return t;
}

static void add_text(struct toks *ts, size_t start, size_t end)
{
	if (end > start) {
		struct tok *t = toks_add(ts, T_TEXT);
		t->start = start;
		t->len = end - start;
	}
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static bool name_ok(const char *s, size_t n, bool partial)
{
	if (n == 0)
		return false;
	if (!partial && n == 1 && s[0] == '.')
		return true;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
		if (!ok)
			return false;
		/* A variable path has no empty part: "a..b", ".a", "a." */
		if (!partial && c == '.' && (i == 0 || i == n - 1 || s[i + 1] == '.'))
			return false;
	}
	return true;
}

static void trim(const char **s, size_t *n)
{
	while (*n && (**s == ' ' || **s == '\t'))
		(*s)++, (*n)--;
	while (*n && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
		(*n)--;
}

/* Cut the template into tokens and match sections. */
static int tokenize(const struct tpl *t, struct toks *ts, char **cause)
{
	const char *s = t->text;
	size_t n = t->len, pos = 0, text_start = 0;
	int line = 1;
	size_t line_pos = 0; /* where `line` was counted up to */
	size_t *stack = NULL, depth = 0;
	int rc = -1;

	for (;;) {
		const char *open = NULL;
		for (size_t i = pos; i + 1 < n; i++)
			if (s[i] == '{' && s[i + 1] == '{') {
				open = s + i;
				break;
			}
		if (!open)
			break;
		size_t tag_start = (size_t)(open - s);
		for (; line_pos < tag_start; line_pos++)
			if (s[line_pos] == '\n')
				line++;
		int tag_line = line;

		const char *close = NULL;
		for (size_t i = tag_start + 2; i + 1 < n; i++)
			if (s[i] == '}' && s[i + 1] == '}') {
				close = s + i;
				break;
			}
		if (!close) {
			fail_at(t, tag_line, cause, "'{{' is never closed with '}}'");
			goto out;
		}
		size_t tag_end = (size_t)(close - s) + 2;
		const char *in = s + tag_start + 2;
		size_t in_len = (size_t)(close - in);
		trim(&in, &in_len);

		char sigil = in_len ? in[0] : '\0';
		enum tok_kind kind = T_VAR;
		bool comment = false;
		switch (sigil) {
		case '#': kind = T_SECTION; break;
		case '^': kind = T_INVERTED; break;
		case '/': kind = T_CLOSE; break;
		case '>': kind = T_PARTIAL; break;
		case '!': comment = true; break;
		default: break;
		}
		if (kind != T_VAR || comment) {
			in++, in_len--;
			trim(&in, &in_len);
		}

		/* A section, close or comment tag alone on its line takes the line. */
		size_t cut_text_end = tag_start, next = tag_end;
		if (comment || kind == T_SECTION || kind == T_INVERTED || kind == T_CLOSE) {
			size_t ls = tag_start;
			while (ls > 0 && s[ls - 1] != '\n')
				ls--;
			bool before = true;
			for (size_t i = ls; i < tag_start; i++)
				if (!is_blank(s[i]))
					before = false;
			size_t le = tag_end;
			while (le < n && is_blank(s[le]))
				le++;
			if (before && (le == n || s[le] == '\n')) {
				cut_text_end = ls;
				next = le < n ? le + 1 : n;
			}
		}
		add_text(ts, text_start, cut_text_end < text_start ? text_start : cut_text_end);

		if (!comment) {
			const char *name = in, *fname = NULL;
			size_t name_len = in_len, flen = 0;
			const char *bar = memchr(in, '|', in_len);
			if (bar) {
				name_len = (size_t)(bar - in);
				fname = bar + 1;
				flen = in_len - name_len - 1;
				trim(&name, &name_len);
				trim(&fname, &flen);
			}
			if (!name_ok(name, name_len, kind == T_PARTIAL)) {
				fail_at(t, tag_line, cause, "'%.*s' is not a valid tag",
					(int)(tag_end - tag_start), s + tag_start);
				goto out;
			}
			enum filter f = F_NONE;
			if (bar) {
				if (kind != T_VAR && kind != T_PARTIAL) {
					fail_at(t, tag_line, cause,
						"a filter only applies to a value: '%.*s'",
						(int)(tag_end - tag_start), s + tag_start);
					goto out;
				}
				size_t k;
				for (k = 0; k < LF_ARRAY_LEN(filters); k++)
					if (strlen(filters[k].name) == flen &&
					    memcmp(filters[k].name, fname, flen) == 0)
						break;
				if (k == LF_ARRAY_LEN(filters)) {
					fail_at(t, tag_line, cause,
						"unknown filter '%.*s' (sh, hocon, json, yaml, "
						"compose)",
						(int)flen, fname);
					goto out;
				}
				f = filters[k].f;
			}
			struct tok *tk = toks_add(ts, kind);
			tk->name = lf_xstrndup(name, name_len);
			tk->filter = f;
			tk->line = tag_line;
			tk->tag_start = tag_start;
			tk->tag_end = tag_end;

			if (kind == T_SECTION || kind == T_INVERTED) {
				stack = lf_xrealloc(stack, (depth + 1) * sizeof *stack);
				stack[depth++] = ts->n - 1;
			} else if (kind == T_CLOSE) {
				if (depth == 0) {
					fail_at(t, tag_line, cause, "{{/%s}} closes no section",
						tk->name);
					goto out;
				}
				struct tok *o = &ts->v[stack[depth - 1]];
				if (strcmp(o->name, tk->name) != 0) {
					fail_at(t, tag_line, cause,
						"{{/%s}} does not close {{%c%s}} opened at line %d",
						tk->name, o->kind == T_SECTION ? '#' : '^', o->name,
						o->line);
					goto out;
				}
				o->match = ts->n - 1;
				depth--;
			}
		}
		pos = text_start = next;
	}
	if (depth) {
		struct tok *o = &ts->v[stack[depth - 1]];
		fail_at(t, o->line, cause, "{{%c%s}} is never closed",
			o->kind == T_SECTION ? '#' : '^', o->name);
		goto out;
	}
	add_text(ts, text_start, n);
	rc = 0;
out:
	free(stack);
	return rc;
}

/* ---- values ------------------------------------------------------------- */

static json_t *lookup(const struct ctx *c, const char *name)
{
	if (strcmp(name, ".") == 0)
		return c->value;
	const char *dot = strchr(name, '.');
	size_t first = dot ? (size_t)(dot - name) : strlen(name);
	char *seg = lf_xstrndup(name, first);
	json_t *v = NULL;
	for (const struct ctx *p = c; p && !v; p = p->up)
		if (json_is_object(p->value))
			v = json_object_get(p->value, seg);
	free(seg);
	while (v && dot) {
		const char *part = dot + 1;
		dot = strchr(part, '.');
		size_t len = dot ? (size_t)(dot - part) : strlen(part);
		seg = lf_xstrndup(part, len);
		v = json_is_object(v) ? json_object_get(v, seg) : NULL;
		free(seg);
	}
	return v;
}

/* The text of a scalar (caller frees), or NULL with *why saying what is wrong. */
static char *scalar_text(json_t *v, size_t *len, const char **why)
{
	char *s;
	switch (json_typeof(v)) {
	case JSON_STRING: {
		size_t n = json_string_length(v);
		if (memchr(json_string_value(v), '\0', n)) {
			*why = "holds a NUL character";
			return NULL;
		}
		s = lf_xstrndup(json_string_value(v), n);
		break;
	}
	case JSON_INTEGER: s = lf_asprintf("%" JSON_INTEGER_FORMAT, json_integer_value(v)); break;
	case JSON_REAL: s = lf_asprintf("%.15g", json_real_value(v)); break;
	case JSON_TRUE: s = lf_xstrdup("true"); break;
	case JSON_FALSE: s = lf_xstrdup("false"); break;
	case JSON_NULL: *why = "is null: it has no value to insert"; return NULL;
	case JSON_OBJECT: *why = "is an object, not a value (use it as a section)"; return NULL;
	case JSON_ARRAY: *why = "is a list, not a value (use it as a section)"; return NULL;
	default: *why = "has an unknown type"; return NULL;
	}
	*len = strlen(s);
	return s;
}

/* Append s[0..n) to out through filter f. Returns NULL, or what is wrong. */
static const char *apply_filter(enum filter f, const char *s, size_t n, struct buf *out)
{
	const unsigned char *u = (const unsigned char *)s;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = u[i];
		switch (f) {
		case F_NONE:
			if ((c < 0x20 && c != '\t') || c == 0x7f)
				return "holds a line break or control character, which a plain "
				       "value may not (quote it with a filter)";
			buf_addc(out, (char)c);
			break;
		case F_SH:
			if (c == '\'')
				buf_add(out, "'\\''", 4);
			else
				buf_addc(out, (char)c);
			break;
		case F_HOCON:
			switch (c) {
			case '\\': buf_add(out, "\\\\", 2); break;
			case '"': buf_add(out, "\\\"", 2); break;
			case '\n': buf_add(out, "\\n", 2); break;
			case '\r': buf_add(out, "\\r", 2); break;
			case '\t': buf_add(out, "\\t", 2); break;
			default:
				if (c < 0x20 || c == 0x7f)
					return "holds a control character that a HOCON string "
					       "cannot carry";
				buf_addc(out, (char)c);
			}
			break;
		case F_JSON:
			switch (c) {
			case '\\': buf_add(out, "\\\\", 2); break;
			case '"': buf_add(out, "\\\"", 2); break;
			case '\b': buf_add(out, "\\b", 2); break;
			case '\f': buf_add(out, "\\f", 2); break;
			case '\n': buf_add(out, "\\n", 2); break;
			case '\r': buf_add(out, "\\r", 2); break;
			case '\t': buf_add(out, "\\t", 2); break;
			default:
				if (c < 0x20)
					buf_addf(out, "\\u%04x", c);
				else
					buf_addc(out, (char)c);
			}
			break;
		case F_YAML:
		case F_COMPOSE:
			if (f == F_COMPOSE && c == '$') {
				buf_add(out, "$$", 2);
				break;
			}
			switch (c) {
			case '\\': buf_add(out, "\\\\", 2); break;
			case '"': buf_add(out, "\\\"", 2); break;
			case '\n': buf_add(out, "\\n", 2); break;
			case '\r': buf_add(out, "\\r", 2); break;
			case '\t': buf_add(out, "\\t", 2); break;
			default:
				/* YAML escapes what it does not allow raw in a
				 * double-quoted scalar, and the line breaks U+0085,
				 * U+2028, U+2029 and the BOM U+FEFF, which readers
				 * would fold or drop. */
				if (c < 0x20 || c == 0x7f) {
					buf_addf(out, "\\x%02x", c);
				} else if (c == 0xc2 && i + 1 < n && u[i + 1] == 0x85) {
					buf_add(out, "\\N", 2);
					i++;
				} else if (c == 0xe2 && i + 2 < n && u[i + 1] == 0x80 &&
					   (u[i + 2] == 0xa8 || u[i + 2] == 0xa9)) {
					buf_add(out, u[i + 2] == 0xa8 ? "\\L" : "\\P", 2);
					i += 2;
				} else if (c == 0xef && i + 2 < n && u[i + 1] == 0xbb &&
					   u[i + 2] == 0xbf) {
					buf_add(out, "\\uFEFF", 6);
					i += 2;
				} else {
					buf_addc(out, (char)c);
				}
			}
			break;
		}
	}
	return NULL;
}

/* A filtered tag must sit inside the quotes its filter escapes for: an odd
 * number of them before it on its line, and one after it on that line. */
static bool quoted_in_line(const struct tpl *t, const struct tok *k)
{
	char q = k->filter == F_SH ? '\'' : '"';
	const char *s = t->text;
	size_t ls = k->tag_start, le = k->tag_end;
	while (ls > 0 && s[ls - 1] != '\n')
		ls--;
	while (le < t->len && s[le] != '\n')
		le++;
	size_t count = 0;
	for (size_t i = ls; i < k->tag_start; i++)
		if (s[i] == q && (q == '\'' || i == ls || s[i - 1] != '\\'))
			count++;
	if (count % 2 == 0)
		return false;
	for (size_t i = k->tag_end; i < le; i++)
		if (s[i] == q)
			return true;
	return false;
}

static const char *filter_name(enum filter f)
{
	for (size_t k = 0; k < LF_ARRAY_LEN(filters); k++)
		if (filters[k].f == f)
			return filters[k].name;
	return "";
}

static bool truthy(json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_FALSE:
	case JSON_NULL: return false;
	case JSON_ARRAY: return json_array_size(v) > 0;
	case JSON_STRING: return json_string_length(v) > 0;
	case JSON_INTEGER: return json_integer_value(v) != 0;
	case JSON_REAL: return json_real_value(v) != 0.0;
	default: return true;
	}
}

static int render_text(const struct tpl *t, const struct ctx *c, struct buf *out, char **cause);

static int render_range(const struct tpl *t, const struct toks *ts, size_t from, size_t to,
			const struct ctx *c, struct buf *out, char **cause)
{
	for (size_t i = from; i < to; i++) {
		const struct tok *k = &ts->v[i];
		if (k->kind == T_TEXT) {
			buf_add(out, t->text + k->start, k->len);
			continue;
		}
		if (k->filter != F_NONE && !quoted_in_line(t, k))
			return fail_at(
				t, k->line, cause, "{{%s%s|%s}} must sit inside %s on its line",
				k->kind == T_PARTIAL ? "> " : "", k->name, filter_name(k->filter),
				k->filter == F_SH ? "single quotes '...'"
						  : "double quotes \"...\"");
		if (k->kind == T_PARTIAL) {
			if (t->depth + 1 > MAX_PARTIAL_DEPTH)
				return fail_at(t, k->line, cause,
					       "assets included more than %d deep (a loop?)",
					       MAX_PARTIAL_DEPTH);
			size_t plen;
			const char *ptext = asset_get(k->name, &plen);
			if (!ptext)
				return fail_at(t, k->line, cause, "no asset named '%s' to include",
					       k->name);
			struct tpl sub = {k->name, ptext, plen, t, k->line, t->depth + 1};
			struct buf inner = {0};
			if (render_text(&sub, c, &inner, cause) < 0) {
				free(inner.s);
				return -1;
			}
			const char *why = NULL;
			if (k->filter == F_NONE)
				buf_add(out, inner.s ? inner.s : "", inner.len);
			else
				why = apply_filter(k->filter, inner.s ? inner.s : "", inner.len,
						   out);
			free(inner.s);
			if (why)
				return fail_at(t, k->line, cause, "included asset '%s' %s", k->name,
					       why);
			continue;
		}
		json_t *v = lookup(c, k->name);
		if (k->kind == T_VAR) {
			if (!v)
				return fail_at(t, k->line, cause, "unknown variable '%s'", k->name);
			const char *why = NULL;
			size_t len = 0;
			char *text = scalar_text(v, &len, &why);
			if (!text)
				return fail_at(t, k->line, cause, "variable '%s' %s", k->name, why);
			why = apply_filter(k->filter, text, len, out);
			free(text);
			if (why)
				return fail_at(t, k->line, cause, "variable '%s' %s", k->name, why);
			continue;
		}
		/* T_SECTION or T_INVERTED: the tokens up to the matching close. */
		if (!v)
			return fail_at(t, k->line, cause, "unknown variable '%s' (section)",
				       k->name);
		size_t end = k->match;
		if (k->kind == T_INVERTED) {
			if (!truthy(v) && render_range(t, ts, i + 1, end, c, out, cause) < 0)
				return -1;
		} else if (json_is_array(v)) {
			for (size_t j = 0; j < json_array_size(v); j++) {
				struct ctx item = {json_array_get(v, j), c};
				if (render_range(t, ts, i + 1, end, &item, out, cause) < 0)
					return -1;
			}
		} else if (truthy(v)) {
			struct ctx item = {v, c};
			if (render_range(t, ts, i + 1, end, &item, out, cause) < 0)
				return -1;
		}
		i = end; /* the close tag itself renders nothing */
	}
	return 0;
}

static int render_text(const struct tpl *t, const struct ctx *c, struct buf *out, char **cause)
{
	struct toks ts = {0};
	int rc = tokenize(t, &ts, cause);
	if (rc == 0)
		rc = render_range(t, &ts, 0, ts.n, c, out, cause);
	toks_free(&ts);
	return rc;
}

char *render_template(const char *name, const char *text, size_t len, json_t *vars, size_t *out_len,
		      char **cause)
{
	if (!json_is_object(vars)) {
		lf_fail(cause, "template '%s': the variables are not an object", name);
		return NULL;
	}
	if (memchr(text, '\0', len)) {
		lf_fail(cause, "template '%s': holds a NUL byte", name);
		return NULL;
	}
	struct tpl t = {name, text, len, NULL, 0, 0};
	struct ctx root = {vars, NULL};
	struct buf out = {0};
	buf_add(&out, "", 0);
	if (render_text(&t, &root, &out, cause) < 0) {
		free(out.s);
		return NULL;
	}
	if (out_len)
		*out_len = out.len;
	return out.s;
}

char *render_asset(const char *name, json_t *vars, size_t *out_len, char **cause)
{
	size_t len;
	const char *text = asset_get(name, &len);
	if (!text) {
		lf_fail(cause, "no asset named '%s'", name);
		return NULL;
	}
	return render_template(name, text, len, vars, out_len, cause);
}
