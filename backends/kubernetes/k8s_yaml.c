/* YAML documents to jansson trees, through libyaml's document loader. */
#include "k8s_yaml.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "../i18n.h"
#include "../util.h"

#define YAML_MAX_NODES 1000000L /* aliases counted expanded */
#define YAML_MAX_DEPTH 200

struct conv {
	yaml_parser_t *parser;
	const char *name;
	unsigned flags;
	json_t *anchors; /* name -> {"v": value, "w": node count} */
	long nodes;	 /* nodes so far, aliases counted expanded */
	char **cause;
};

static bool tag_is(const yaml_char_t *tag, const char *want)
{
	return tag && strcmp((const char *)tag, want) == 0;
}

static bool parse_int(const char *s, json_int_t *out)
{
	int base = 10;
	const char *p = s;
	if (strncmp(s, "0o", 2) == 0) {
		base = 8;
		p = s + 2;
	} else if (strncmp(s, "0x", 2) == 0) {
		base = 16;
		p = s + 2;
	} else if (*p == '-' || *p == '+') {
		p++;
	}
	if (*p == '\0')
		return false;
	for (const char *q = p; *q; q++) {
		bool ok = base == 16 ? (*q >= '0' && *q <= '9') || (*q >= 'a' && *q <= 'f') ||
					       (*q >= 'A' && *q <= 'F')
			  : base == 8 ? *q >= '0' && *q <= '7'
				      : *q >= '0' && *q <= '9';
		if (!ok)
			return false;
	}
	errno = 0;
	char *end;
	long long v = strtoll(base == 10 ? s : p, &end, base);
	if (errno != 0 || *end != '\0')
		return false;
	*out = (json_int_t)v;
	return true;
}

/* [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? */
static bool parse_float(const char *s, double *out)
{
	const char *p = s;
	if (*p == '-' || *p == '+')
		p++;
	bool digits = false;
	while (*p >= '0' && *p <= '9') {
		p++;
		digits = true;
	}
	if (*p == '.') {
		p++;
		while (*p >= '0' && *p <= '9') {
			p++;
			digits = true;
		}
	}
	if (!digits)
		return false;
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '-' || *p == '+')
			p++;
		if (!(*p >= '0' && *p <= '9'))
			return false;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p != '\0')
		return false;
	char *end;
	double v = strtod(s, &end);
	if (*end != '\0' || !isfinite(v))
		return false;
	*out = v;
	return true;
}

static int fail_at(struct conv *c, const yaml_mark_t *m, const char *what)
{
	return lf_fail(c->cause, "%s:%lu:%lu: %s", c->name, (unsigned long)m->line + 1,
		       (unsigned long)m->column + 1, what);
}

static json_t *scalar_to_json(struct conv *c, const yaml_event_t *ev)
{
	const char *s = (const char *)ev->data.scalar.value;
	size_t len = ev->data.scalar.length;
	json_t *str = json_stringn(s, len);
	if (!str) {
		fail_at(c, &ev->start_mark, _("the text is not valid UTF-8"));
		return NULL;
	}
	const yaml_char_t *tag = ev->data.scalar.tag;
	if ((c->flags & K8S_YAML_STRINGS) || tag_is(tag, YAML_STR_TAG) || tag_is(tag, "!"))
		return str;
	/* Untagged: only plain scalars are resolved; quoted ones are strings.
	 * Tagged !!null/!!bool/!!int/!!float: resolved (left a string when the
	 * text does not fit). Other tags are ignored. */
	if (!tag && !ev->data.scalar.plain_implicit)
		return str;
	if (tag && !tag_is(tag, YAML_NULL_TAG) && !tag_is(tag, YAML_BOOL_TAG) &&
	    !tag_is(tag, YAML_INT_TAG) && !tag_is(tag, YAML_FLOAT_TAG))
		return str;
	json_t *v = NULL;
	json_int_t i;
	double d;
	if (strlen(s) != len) {
		v = NULL; /* an embedded NUL: keep the string */
	} else if (strcmp(s, "") == 0 || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
		   strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0) {
		v = !tag || tag_is(tag, YAML_NULL_TAG) ? json_null() : NULL;
	} else if (strcmp(s, "true") == 0 || strcmp(s, "True") == 0 || strcmp(s, "TRUE") == 0) {
		v = json_true();
	} else if (strcmp(s, "false") == 0 || strcmp(s, "False") == 0 || strcmp(s, "FALSE") == 0) {
		v = json_false();
	} else if (parse_int(s, &i)) {
		v = json_integer(i);
	} else if (parse_float(s, &d)) {
		v = json_real(d);
	}
	if (v) {
		json_decref(str);
		return v;
	}
	return str;
}

static bool next_event(struct conv *c, yaml_event_t *ev)
{
	if (yaml_parser_parse(c->parser, ev))
		return true;
	fail_at(c, &c->parser->problem_mark,
		c->parser->problem ? c->parser->problem : _("YAML syntax error"));
	return false;
}

static bool count(struct conv *c, long n, const yaml_mark_t *m)
{
	c->nodes += n;
	if (c->nodes <= YAML_MAX_NODES)
		return true;
	fail_at(c, m,
		_("the document is too large (aliases expanding to more than a million "
		  "nodes)"));
	return false;
}

/* The node that starts with *ev (which this function deletes). *weight
 * gets the node count, aliases expanded. */
static json_t *parse_node(struct conv *c, yaml_event_t *ev, long *weight, int depth)
{
	json_t *v = NULL;
	const yaml_char_t *anchor = NULL;
	long w = 1;
	yaml_mark_t mark = ev->start_mark;
	if (depth > YAML_MAX_DEPTH) {
		fail_at(c, &mark, _("the document is nested too deeply"));
		yaml_event_delete(ev);
		return NULL;
	}
	switch (ev->type) {
	case YAML_ALIAS_EVENT: {
		json_t *a = json_object_get(c->anchors, (const char *)ev->data.alias.anchor);
		if (!a) {
			fail_at(c, &mark, _("an alias names an unknown anchor"));
			break;
		}
		w = (long)json_integer_value(json_object_get(a, "w"));
		if (count(c, w, &mark))
			v = json_incref(json_object_get(a, "v"));
		break;
	}
	case YAML_SCALAR_EVENT:
		anchor = ev->data.scalar.anchor;
		if (count(c, 1, &mark))
			v = scalar_to_json(c, ev);
		break;
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT: {
		bool map = ev->type == YAML_MAPPING_START_EVENT;
		anchor = map ? ev->data.mapping_start.anchor : ev->data.sequence_start.anchor;
		if (!count(c, 1, &mark))
			break;
		v = map ? json_object() : json_array();
		for (;;) {
			yaml_event_t item;
			if (!next_event(c, &item)) {
				json_decref(v);
				v = NULL;
				break;
			}
			if (item.type == (map ? YAML_MAPPING_END_EVENT : YAML_SEQUENCE_END_EVENT)) {
				yaml_event_delete(&item);
				break;
			}
			char *key = NULL;
			if (map) {
				if (item.type != YAML_SCALAR_EVENT) {
					fail_at(c, &item.start_mark,
						_("a mapping key must be a plain value"));
					yaml_event_delete(&item);
					json_decref(v);
					v = NULL;
					break;
				}
				key = lf_xstrndup((const char *)item.data.scalar.value,
						  item.data.scalar.length);
				yaml_event_delete(&item);
				if (!next_event(c, &item)) {
					free(key);
					json_decref(v);
					v = NULL;
					break;
				}
			}
			long cw = 0;
			json_t *child = parse_node(c, &item, &cw, depth + 1);
			if (!child) {
				free(key);
				json_decref(v);
				v = NULL;
				break;
			}
			w += cw;
			if (map)
				json_object_set_new(v, key, child); /* a repeated key: last wins */
			else
				json_array_append_new(v, child);
			free(key);
		}
		break;
	}
	default: fail_at(c, &mark, _("unexpected YAML event")); break;
	}
	if (v && anchor)
		json_object_set_new(c->anchors, (const char *)anchor,
				    json_pack("{s:O, s:I}", "v", v, "w", (json_int_t)w));
	yaml_event_delete(ev);
	*weight = w;
	return v;
}

json_t *k8s_yaml_load(const char *text, size_t len, const char *name, unsigned flags, char **cause)
{
	yaml_parser_t parser;
	if (!yaml_parser_initialize(&parser)) {
		lf_fail(cause, _("%s: cannot start the YAML parser"), name);
		return NULL;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	struct conv c = {.parser = &parser, .name = name, .flags = flags, .cause = cause};
	json_t *docs = json_array();
	bool ok = true;
	for (bool done = false; ok && !done;) {
		yaml_event_t ev;
		if (!next_event(&c, &ev)) {
			ok = false;
			break;
		}
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = true;
			yaml_event_delete(&ev);
			break;
		case YAML_DOCUMENT_START_EVENT: {
			yaml_event_delete(&ev);
			json_decref(c.anchors); /* anchors do not cross documents */
			c.anchors = json_object();
			yaml_event_t root;
			long w;
			json_t *v = next_event(&c, &root) ? parse_node(&c, &root, &w, 0) : NULL;
			yaml_event_t end;
			if (!v || !next_event(&c, &end)) {
				json_decref(v);
				ok = false;
				break;
			}
			yaml_event_delete(&end);
			if (json_is_null(v))
				json_decref(v);
			else
				json_array_append_new(docs, v);
			break;
		}
		default: /* stream start */ yaml_event_delete(&ev); break;
		}
	}
	json_decref(c.anchors);
	yaml_parser_delete(&parser);
	if (!ok) {
		json_decref(docs);
		return NULL;
	}
	return docs;
}

json_t *k8s_yaml_load_file(const char *path, unsigned flags, char **cause)
{
	size_t len;
	char *text = lf_read_file(path, &len, cause);
	if (!text)
		return NULL;
	json_t *docs = k8s_yaml_load(text, len, path, flags, cause);
	free(text);
	return docs;
}
