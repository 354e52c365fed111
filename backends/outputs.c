#include "outputs.h"

#include <stdlib.h>
#include <string.h>

#include "i18n.h"

json_t *outputs_json(const struct journal *j)
{
	json_t *list = json_array();
	size_t i;
	json_t *o;
	json_array_foreach(journal_outputs(j), i, o)
		json_array_append_new(list, json_pack("{s:O, s:O, s:O}", "key",
		                                      json_object_get(o, "key"), "label",
		                                      json_object_get(o, "label"), "value",
		                                      json_object_get(o, "value")));
	char now[32];
	lf_now_iso(now, sizeof now);
	return json_pack("{s:s, s:s, s:s, s:o}", "install_id", journal_install_id(j),
	                 "backend", journal_backend(j), "written", now, "outputs", list);
}

/* Markdown table cells must not break the table. */
static char *cell(const char *s)
{
	char *out = lf_xmalloc(strlen(s) * 2 + 1), *p = out;
	for (; *s; s++) {
		if (*s == '|')
			*p++ = '\\';
		*p++ = *s == '\n' ? ' ' : *s;
	}
	*p = '\0';
	return out;
}

static void append(char **buf, const char *fmt, ...) LF_PRINTF(2, 3);
static void append(char **buf, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *add = lf_vasprintf(fmt, ap);
	va_end(ap);
	char *n = lf_asprintf("%s%s", *buf, add);
	free(add);
	free(*buf);
	*buf = n;
}

char *outputs_markdown(const struct journal *j)
{
	char *md = lf_xstrdup("");
	char now[32];
	lf_now_iso(now, sizeof now);
	append(&md, "# %s: %s (%s)\n\n", _("Landfall outputs"), journal_install_id(j),
	       journal_backend(j));
	append(&md, "%s %s\n\n", _("Written"), now);
	append(&md, "| %s | %s |\n|---|---|\n", _("What"), _("Value"));
	size_t i;
	json_t *o;
	json_array_foreach(journal_outputs(j), i, o) {
		char *l = cell(json_string_value(json_object_get(o, "label")));
		char *v = cell(json_string_value(json_object_get(o, "value")));
		append(&md, "| %s | `%s` |\n", l, v);
		free(l);
		free(v);
	}
	append(&md, "\n## %s\n\n", _("Actions"));
	json_array_foreach(journal_actions(j), i, o)
		append(&md, "- %s: %s\n", json_string_value(json_object_get(o, "title")),
		       json_string_value(json_object_get(o, "status")));
	return md;
}

int outputs_write(const struct journal *j, const char *state_dir, char **cause)
{
	json_t *js = outputs_json(j);
	char *text = json_dumps(js, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(js);
	char *path = lf_asprintf("%s/%s", state_dir, OUTPUTS_JSON);
	char *withnl = lf_asprintf("%s\n", text);
	int rc = lf_write_file_atomic(path, withnl, strlen(withnl), 0600, cause);
	free(withnl);
	free(text);
	free(path);
	if (rc != 0)
		return rc;
	char *md = outputs_markdown(j);
	path = lf_asprintf("%s/%s", state_dir, OUTPUTS_MD);
	rc = lf_write_file_atomic(path, md, strlen(md), 0600, cause);
	free(md);
	free(path);
	return rc;
}
