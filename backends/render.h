/* A small template renderer for the files in assets/: a strict subset of
 * Mustache with quoting filters. Pure: no I/O but the embedded assets.
 *
 * Syntax (tags are "{{" ... "}}", spaces inside them are ignored):
 *   {{name}}           the value of a variable; dotted names walk into objects
 *                      ("aws.region"); {{.}} is the current list item.
 *   {{name|FILTER}}    the value escaped for the quotes the template writes
 *                      around the tag (the filter adds no quotes itself, so
 *                      '{{base_dir|sh}}/data' and "arn:...:{{bucket|json}}/..."
 *                      compose). The renderer checks that the tag does sit
 *                      inside such quotes on its line, and refuses otherwise:
 *        sh       inside '...': ' becomes '\''             (POSIX shell)
 *        hocon    inside "...": \ " newline CR tab escaped as pyhocon, the
 *                 ClearML server's reader, undoes them; other control
 *                 characters are refused (pyhocon has no \uXXXX)
 *        json     inside "...": JSON string escapes, \u00XX for controls
 *        yaml     inside "...": YAML double-quoted escapes (\x.., \N, \L, \P)
 *        compose  yaml, and $ doubled, for docker compose files, which
 *                 interpolate ${VAR} in every value
 *   {{#name}}...{{/name}}  a section: once per element of a list (each element
 *                      becomes the current context), once for an object (the
 *                      context) or a true / non-empty / non-zero value; not at
 *                      all for false, null, "", 0 or an empty list.
 *   {{^name}}...{{/name}}  the inverse: only when the section would not render.
 *   {{! comment }}     dropped; may span lines. Used for the notes a reviewer
 *                      reads in the template and in formats without comments.
 *   {{> asset}}, {{> asset|FILTER}}
 *                      another asset rendered with the current context and
 *                      inserted (filtered as a whole when a filter is given).
 * A section, inverted, closing or comment tag alone on its line removes the
 * whole line, so templates can put them on lines of their own.
 *
 * Values with no filter are inserted as they are, and must not hold control
 * characters (a line break in a plain value could add lines to a config file).
 * Lookup follows Mustache: the first part of a name is searched from the
 * innermost context outwards; the rest must be found inside it.
 *
 * Nothing is ever rendered silently empty: an unknown variable, a list or object
 * where text is expected, null, an unbalanced section, an unknown filter or
 * asset are errors that name the template, the line and the variable, e.g.
 *   template 'apiserver.conf' line 14: unknown variable 'pasword'
 * and, inside an included asset,
 *   template 'constants.env' line 12: unknown variable 'web_url' (included from
 *   'user-data-al2023.sh' line 150)
 * No error message contains a value: values may be secrets. */
#ifndef LANDFALL_RENDER_H
#define LANDFALL_RENDER_H

#include <jansson.h>
#include <stddef.h>

/* Render `text` (len bytes; `name` is used in messages) with the variables in
 * the object `vars` (borrowed). Returns the caller-freed, NUL-terminated result
 * (*out_len, when not NULL, gets its length), or NULL with *cause set. */
char *render_template(const char *name, const char *text, size_t len, json_t *vars, size_t *out_len,
		      char **cause);

/* render_template() of the embedded asset `name` (see assets.h). */
char *render_asset(const char *name, json_t *vars, size_t *out_len, char **cause);

#endif
