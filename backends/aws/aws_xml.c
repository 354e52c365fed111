#include "aws_xml.h"

#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/xmlerror.h>

#include "../i18n.h"
#include "../util.h"

xmlDoc *aws_xml_parse(const char *buf, size_t len, char **cause)
{
	if (!buf || len == 0) {
		lf_fail(cause, _("the answer is empty where XML was expected"));
		return NULL;
	}
	if (len > (size_t)0x7fffffff) {
		lf_fail(cause, _("the XML answer is too large"));
		return NULL;
	}
	xmlResetLastError();
	/* NONET: no external fetches; no NOENT: entities are not expanded. */
	xmlDoc *doc = xmlReadMemory(buf, (int)len, "answer.xml", NULL,
				    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
					    XML_PARSE_NOCDATA);
	if (!doc || !xmlDocGetRootElement(doc)) {
		const xmlError *e = xmlGetLastError();
		if (e && e->message) {
			char *msg = lf_xstrdup(e->message);
			size_t n = strlen(msg);
			while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
				msg[--n] = '\0';
			lf_fail(cause, _("the answer is not valid XML (line %d): %s"), e->line,
				msg);
			free(msg);
		} else {
			lf_fail(cause, _("the answer is not valid XML"));
		}
		xmlFreeDoc(doc);
		return NULL;
	}
	return doc;
}

xmlNode *aws_xml_root(const xmlDoc *doc)
{
	return doc ? xmlDocGetRootElement(doc) : NULL;
}

/* Does element `n` match the path component [name, name+len)? */
static bool name_matches(const xmlNode *n, const char *name, size_t len)
{
	if (n->type != XML_ELEMENT_NODE)
		return false;
	if (len == 1 && name[0] == '*')
		return true;
	const char *local = (const char *)n->name;
	return strlen(local) == len && memcmp(local, name, len) == 0;
}

/* Depth-first walk over every node matching `path` under `from`, in
 * document order. fn returns non-zero to stop; that value is returned. */
static int walk(const xmlNode *from, const char *path, int (*fn)(xmlNode *node, void *user),
		void *user)
{
	while (*path == '/')
		path++;
	if (*path == '\0')
		return fn((xmlNode *)from, user);
	size_t len = strcspn(path, "/");
	for (xmlNode *c = from->children; c; c = c->next) {
		if (!name_matches(c, path, len))
			continue;
		int rc = walk(c, path + len, fn, user);
		if (rc)
			return rc;
	}
	return 0;
}

static int take_first(xmlNode *node, void *user)
{
	*(xmlNode **)user = node;
	return 1;
}

xmlNode *aws_xml_node(const xmlNode *from, const char *path)
{
	if (!from || !path)
		return NULL;
	xmlNode *found = NULL;
	walk(from, path, take_first, &found);
	return found;
}

static char *node_text(const xmlNode *n)
{
	xmlChar *c = xmlNodeGetContent(n);
	const char *s = c ? (const char *)c : "";
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	size_t len = strlen(s);
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\n' ||
			   s[len - 1] == '\r'))
		len--;
	char *out = lf_xstrndup(s, len);
	xmlFree(c);
	return out;
}

char *aws_xml_text(const xmlNode *from, const char *path)
{
	xmlNode *n = aws_xml_node(from, path);
	return n ? node_text(n) : NULL;
}

char *aws_xml_text_or(const xmlNode *from, const char *path, const char *fallback)
{
	char *s = aws_xml_text(from, path);
	return s ? s : lf_xstrdup(fallback);
}

bool aws_xml_bool(const xmlNode *from, const char *path)
{
	char *s = aws_xml_text(from, path);
	bool v = s && strcmp(s, "true") == 0;
	free(s);
	return v;
}

struct collect {
	xmlNode **v;
	size_t n, cap;
};

static int collect_one(xmlNode *node, void *user)
{
	struct collect *c = user;
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 8;
		c->v = lf_xrealloc(c->v, c->cap * sizeof *c->v);
	}
	c->v[c->n++] = node;
	return 0;
}

size_t aws_xml_nodes(const xmlNode *from, const char *path, xmlNode ***out)
{
	struct collect c = {0};
	if (from && path)
		walk(from, path, collect_one, &c);
	*out = c.v;
	return c.n;
}

int aws_xml_each(const xmlNode *from, const char *path, int (*fn)(xmlNode *node, void *user),
		 void *user)
{
	if (!from || !path)
		return 0;
	return walk(from, path, fn, user);
}

xmlNode *aws_xml_find(const xmlNode *from, const char *name)
{
	if (!from || !name)
		return NULL;
	size_t len = strlen(name);
	for (xmlNode *c = from->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (name_matches(c, name, len))
			return c;
		xmlNode *deeper = aws_xml_find(c, name);
		if (deeper)
			return deeper;
	}
	return NULL;
}

char *aws_xml_find_text(const xmlNode *from, const char *name)
{
	xmlNode *n = aws_xml_find(from, name);
	return n ? node_text(n) : NULL;
}

char *aws_xml_escape(const char *s)
{
	if (!s)
		return lf_xstrdup("");
	size_t n = 0;
	for (const char *p = s; *p; p++)
		n += strchr("&<>\"'", *p) ? 6 : 1;
	char *out = lf_xmalloc(n + 1), *o = out;
	for (const char *p = s; *p; p++) {
		const char *rep = NULL;
		switch (*p) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&apos;"; break;
		default: *o++ = *p; continue;
		}
		size_t l = strlen(rep);
		memcpy(o, rep, l);
		o += l;
	}
	*o = '\0';
	return out;
}
