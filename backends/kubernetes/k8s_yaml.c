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

#define YAML_MAX_NODES 1000000L
#define YAML_MAX_DEPTH 200

struct conv {
	yaml_document_t *doc;
	const char *name;
	unsigned flags;
	long nodes;
	char **cause;
};

static bool is_tag(const yaml_node_t *n, const char *tag)
{
	return n->tag && strcmp((const char *)n->tag, tag) == 0;
}

/* Plain scalars that read as integers in the YAML 1.2 core schema:
 * [-+]?[0-9]+, 0o[0-7]+, 0x[0-9a-fA-F]+. */
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
		bool ok = base == 16   ? (*q >= '0' && *q <= '9') || (*q >= 'a' && *q <= 'f') ||
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

static json_t *scalar_to_json(const struct conv *c, const yaml_node_t *n)
{
	const char *s = (const char *)n->data.scalar.value;
	size_t len = n->data.scalar.length;
	json_t *str = json_stringn(s, len);
	if (!str) {
		lf_fail(c->cause, _("%s:%lu:%lu: the text is not valid UTF-8"), c->name,
			(unsigned long)n->start_mark.line + 1,
			(unsigned long)n->start_mark.column + 1);
		return NULL;
	}
	if ((c->flags & K8S_YAML_STRINGS) || is_tag(n, YAML_STR_TAG))
		return str;
	bool plain = n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	bool explicit_tag = n->tag && !is_tag(n, YAML_DEFAULT_SCALAR_TAG);
	if (!plain && !explicit_tag)
		return str;
	json_t *v = NULL;
	json_int_t i;
	double d;
	if (strlen(s) != len) {
		v = NULL; /* an embedded NUL: keep the string */
	} else if (strcmp(s, "") == 0 || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
		   strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0) {
		v = plain || is_tag(n, YAML_NULL_TAG) ? json_null() : NULL;
	} else if (strcmp(s, "true") == 0 || strcmp(s, "True") == 0 ||
		   strcmp(s, "TRUE") == 0) {
		v = json_true();
	} else if (strcmp(s, "false") == 0 || strcmp(s, "False") == 0 ||
		   strcmp(s, "FALSE") == 0) {
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

static json_t *node_to_json(struct conv *c, yaml_node_t *n, int depth)
{
	if (++c->nodes > YAML_MAX_NODES || depth > YAML_MAX_DEPTH) {
		lf_fail(c->cause, _("%s: the document is too large or too deeply nested"),
			c->name);
		return NULL;
	}
	switch (n->type) {
	case YAML_SCALAR_NODE:
		return scalar_to_json(c, n);
	case YAML_SEQUENCE_NODE: {
		json_t *arr = json_array();
		for (yaml_node_item_t *it = n->data.sequence.items.start;
		     it < n->data.sequence.items.top; it++) {
			json_t *v = node_to_json(c, yaml_document_get_node(c->doc, *it), depth + 1);
			if (!v) {
				json_decref(arr);
				return NULL;
			}
			json_array_append_new(arr, v);
		}
		return arr;
	}
	case YAML_MAPPING_NODE: {
		json_t *obj = json_object();
		for (yaml_node_pair_t *pr = n->data.mapping.pairs.start;
		     pr < n->data.mapping.pairs.top; pr++) {
			yaml_node_t *k = yaml_document_get_node(c->doc, pr->key);
			if (k->type != YAML_SCALAR_NODE) {
				lf_fail(c->cause, _("%s:%lu:%lu: a mapping key must be a plain value"),
					c->name, (unsigned long)k->start_mark.line + 1,
					(unsigned long)k->start_mark.column + 1);
				json_decref(obj);
				return NULL;
			}
			char *key = lf_xstrndup((const char *)k->data.scalar.value,
						k->data.scalar.length);
			json_t *v = node_to_json(c, yaml_document_get_node(c->doc, pr->value),
						 depth + 1);
			if (!v) {
				free(key);
				json_decref(obj);
				return NULL;
			}
			json_object_set_new(obj, key, v);
			free(key);
		}
		return obj;
	}
	default:
		lf_fail(c->cause, _("%s: unexpected YAML node"), c->name);
		return NULL;
	}
}

json_t *k8s_yaml_load(const char *text, size_t len, const char *name, unsigned flags,
		      char **cause)
{
	yaml_parser_t parser;
	if (!yaml_parser_initialize(&parser)) {
		lf_fail(cause, _("%s: cannot start the YAML parser"), name);
		return NULL;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	json_t *docs = json_array();
	for (;;) {
		yaml_document_t doc;
		if (!yaml_parser_load(&parser, &doc)) {
			lf_fail(cause, _("%s:%lu:%lu: %s"), name,
				(unsigned long)parser.problem_mark.line + 1,
				(unsigned long)parser.problem_mark.column + 1,
				parser.problem ? parser.problem : _("YAML syntax error"));
			json_decref(docs);
			docs = NULL;
			break;
		}
		yaml_node_t *root = yaml_document_get_root_node(&doc);
		if (!root) { /* end of the stream */
			yaml_document_delete(&doc);
			break;
		}
		struct conv c = {.doc = &doc, .name = name, .flags = flags, .cause = cause};
		json_t *v = node_to_json(&c, root, 0);
		yaml_document_delete(&doc);
		if (!v) {
			json_decref(docs);
			docs = NULL;
			break;
		}
		if (json_is_null(v))
			json_decref(v);
		else
			json_array_append_new(docs, v);
	}
	yaml_parser_delete(&parser);
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
