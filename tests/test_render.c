/* Unit tests for backends/render.c and the templates in assets/ (embedded by
 * cmake/EmbedAssets.cmake, found through backends/assets.c).
 *
 * The renderer: variables, dotted names, sections, inverted sections, comments,
 * standalone lines, partials, the quoting filters, and errors that name the
 * template, the line and the variable without ever showing a value.
 *
 * The assets: each one renders with a realistic variable set (the ubuntu one and
 * the AWS one), and what it renders is read back by a real reader where there is
 * one: libyaml for the compose files, jansson for the IAM documents, a small
 * HOCON reader with pyhocon's escape rules for apiserver.conf and secure.conf,
 * /bin/sh for the shell-quoted files inside the user-data and `bash -n` for the
 * scripts. The lines the guides give word for word are compared exactly. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>
#include <yaml.h>

#include "assets.h"
#include "gzip.h"
#include "render.h"
#include "util.h"

/* Passwords a user may well choose, and some nobody should. */
#define PW_QUOTES  "p\"a'ss`w$(o)r${d}\\"
#define PW_HOCON   "}],{ # // ${x} = \\n \\\" \\\\"
#define PW_LINES   "line1\nline2\r\ttab"
#define PW_UNICODE "caf\xc3\xa9 \xe2\x98\x83 \xe6\x97\xa5\xe6\x9c\xac \xe2\x80\xa8"

/* ---- variable sets ------------------------------------------------------------- */

static json_t *users(void)
{
	return json_pack("[{s:s, s:s, s:s, s:b}, {s:s, s:s, s:s, s:b}, {s:s, s:s, s:s, s:b},"
			 " {s:s, s:s, s:s, s:b}]",
			 "username", "support", "name", "allegro.ai Support User", "password",
			 PW_QUOTES, "admin", 1, "username", "jane", "name", "Jane \"JD\" O'Doe",
			 "password", PW_HOCON, "admin", 0, "username", "ops", "name", "Ops\tTeam",
			 "password", PW_LINES, "admin", 0, "username", "ren\xc3\xa9", "name",
			 "Ren\xc3\xa9", "password", PW_UNICODE, "admin", 1);
}

/* What the ubuntu backend passes: a host reached by address, no AWS. */
static json_t *vars_ubuntu(void)
{
	json_t *v = json_pack(
		"{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:b, s:b, s:b,"
		" s:s, s:s}",
		"base_dir", "/opt/allegro", "clearml_image", "allegroai/clearml", "clearml_version",
		"2.0.0", "elastic_version", "8.17.0", "mongo_version", "6.0.19", "redis_version",
		"7.4.1", "nginx_version", "1.27", "elastic_heap", "4g", "apiserver_workers",
		(json_int_t)8, "web_url", "http://10.0.0.5:8080", "api_url", "http://10.0.0.5:8008",
		"files_url", "http://10.0.0.5:8081", "custom_urls", 0, "aws", 0, "backup", 0,
		"token_secret", "tok-S3cr3t-\"x\"", "session_secret", "sess-S3cr3t");
	json_object_set_new(v, "users", users());
	return v;
}

/* What the aws backend passes: everything, with a domain and backups. */
static json_t *vars_aws(void)
{
	json_t *v = vars_ubuntu();
	json_object_set_new(v, "web_url", json_string("https://app.clearml.example.com"));
	json_object_set_new(v, "api_url", json_string("https://api.clearml.example.com"));
	json_object_set_new(v, "files_url", json_string("https://files.clearml.example.com"));
	json_object_set_new(
		v, "aws",
		json_pack("{s:s, s:s}", "region", "eu-west-1", "domain", "clearml.example.com"));
	json_object_set_new(
		v, "backup",
		json_pack("{s:s, s:s}", "bucket", "my-clearml-backups", "prefix", "mongo/daily"));
	json_object_set_new(
		v, "registry",
		json_pack("{s:s, s:s}", "server", "docker.io", "user", "clearml-customer"));
	json_object_set_new(v, "region", json_string("eu-west-1"));
	json_object_set_new(v, "partition", json_string("aws"));
	json_object_set_new(v, "account_id", json_string("123456789012"));
	json_object_set_new(v, "ssm_prefix", json_string("/landfall/demo"));
	json_object_set_new(v, "compose_version", json_string("2.29.7"));
	return v;
}

static char *render_ok(const char *asset, json_t *vars)
{
	char *cause = NULL;
	size_t len = 0;
	char *out = render_asset(asset, vars, &len, &cause);
	if (!out)
		fail_msg("%s: %s", asset, cause);
	assert_int_equal(strlen(out), len);
	assert_null(strstr(out, "{{"));
	return out;
}

static char *render_err(const char *name, const char *text, json_t *vars)
{
	char *cause = NULL;
	char *out = render_template(name, text, strlen(text), vars, NULL, &cause);
	if (out)
		fail_msg("%s rendered but should not have: [%s]", name, out);
	assert_non_null(cause);
	return cause;
}

static char *render_str(const char *text, json_t *vars)
{
	char *cause = NULL;
	char *out = render_template("t", text, strlen(text), vars, NULL, &cause);
	if (!out)
		fail_msg("%s", cause);
	return out;
}

/* True when `text` has `line` as one whole line. */
static bool has_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	for (const char *p = text; (p = strstr(p, line)) != NULL; p++)
		if ((p == text || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0'))
			return true;
	return false;
}

/* ---- running programs -------------------------------------------------------------- */

/* Run argv with `input` on stdin; return stdout (caller frees) and the status. */
static char *run(const char *const argv[], const char *input, int *status)
{
	int in[2], out[2];
	assert_int_equal(pipe(in), 0);
	assert_int_equal(pipe(out), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	size_t ilen = input ? strlen(input) : 0, off = 0;
	while (off < ilen) {
		ssize_t w = write(in[1], input + off, ilen - off);
		if (w < 0 && errno == EINTR)
			continue;
		assert_true(w > 0);
		off += (size_t)w;
	}
	close(in[1]);
	size_t cap = 1024, len = 0;
	char *buf = lf_xmalloc(cap);
	for (;;) {
		if (len + 512 > cap)
			buf = lf_xrealloc(buf, cap *= 2);
		ssize_t r = read(out[0], buf + len, cap - len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	buf[len] = '\0';
	close(out[0]);
	assert_int_equal(waitpid(pid, status, 0), pid);
	return buf;
}

static void bash_syntax_ok(const char *what, const char *script)
{
	if (access("/bin/bash", X_OK) != 0)
		return;
	const char *argv[] = {"/bin/bash", "-n", NULL};
	int st;
	free(run(argv, script, &st));
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail_msg("bash -n refuses %s", what);
}

/* ---- YAML, through libyaml ------------------------------------------------------------- */

struct ydoc {
	yaml_document_t doc;
	yaml_node_t *root;
};

static void yaml_load(struct ydoc *y, const char *text)
{
	yaml_parser_t p;
	assert_true(yaml_parser_initialize(&p));
	yaml_parser_set_input_string(&p, (const unsigned char *)text, strlen(text));
	if (!yaml_parser_load(&p, &y->doc))
		fail_msg("YAML error: %s at line %zu", p.problem ? p.problem : "?",
			 p.problem_mark.line + 1);
	yaml_parser_delete(&p);
	y->root = yaml_document_get_root_node(&y->doc);
	assert_non_null(y->root);
}

static yaml_node_t *yget(struct ydoc *y, yaml_node_t *map, const char *key)
{
	if (!map || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *pr = map->data.mapping.pairs.start; pr < map->data.mapping.pairs.top;
	     pr++) {
		yaml_node_t *k = yaml_document_get_node(&y->doc, pr->key);
		if (k->type == YAML_SCALAR_NODE && strlen(key) == k->data.scalar.length &&
		    memcmp(k->data.scalar.value, key, k->data.scalar.length) == 0)
			return yaml_document_get_node(&y->doc, pr->value);
	}
	return NULL;
}

/* A path of keys: "services.apiserver.ports". */
static yaml_node_t *ypath(struct ydoc *y, const char *path)
{
	char *dup = lf_xstrdup(path), *save = NULL;
	yaml_node_t *n = y->root;
	for (char *k = strtok_r(dup, ".", &save); k && n; k = strtok_r(NULL, ".", &save))
		n = yget(y, n, k);
	free(dup);
	return n;
}

static const char *yscalar(yaml_node_t *n)
{
	assert_non_null(n);
	assert_int_equal(n->type, YAML_SCALAR_NODE);
	return (const char *)n->data.scalar.value;
}

static size_t ymap_size(yaml_node_t *n)
{
	assert_non_null(n);
	assert_int_equal(n->type, YAML_MAPPING_NODE);
	return (size_t)(n->data.mapping.pairs.top - n->data.mapping.pairs.start);
}

static bool yseq_has(struct ydoc *y, yaml_node_t *seq, const char *value)
{
	assert_non_null(seq);
	assert_int_equal(seq->type, YAML_SEQUENCE_NODE);
	for (yaml_node_item_t *it = seq->data.sequence.items.start;
	     it < seq->data.sequence.items.top; it++) {
		yaml_node_t *n = yaml_document_get_node(&y->doc, *it);
		if (n->type == YAML_SCALAR_NODE &&
		    strcmp((const char *)n->data.scalar.value, value) == 0)
			return true;
	}
	return false;
}

/* ---- HOCON, the subset the server's files use, with pyhocon's escapes ------------------- */

struct hocon {
	const char *s;
	int err;
};

static void h_skip(struct hocon *h, bool newlines)
{
	for (;;) {
		char c = *h->s;
		if (c == ' ' || c == '\t' || c == '\r' || (newlines && (c == '\n' || c == ',')))
			h->s++;
		else if (c == '#' || (c == '/' && h->s[1] == '/'))
			while (*h->s && *h->s != '\n')
				h->s++;
		else
			return;
	}
}

/* pyhocon: a quoted string may not hold a raw newline; "\\." pairs are
 * replaced from its REPLACEMENTS table, anything else stays as written. */
static json_t *h_string(struct hocon *h)
{
	assert_int_equal(*h->s, '"');
	h->s++;
	struct {
		char *s;
		size_t n;
	} b = {lf_xmalloc(strlen(h->s) + 1), 0};
	while (*h->s && *h->s != '"') {
		if (*h->s == '\n') {
			h->err = 1;
			break;
		}
		if (*h->s == '\\' && h->s[1]) {
			char e = h->s[1], r;
			switch (e) {
			case '\\': r = '\\'; break;
			case '\n': r = '\n'; break;
			case 'n': r = '\n'; break;
			case 'r': r = '\r'; break;
			case 't': r = '\t'; break;
			case '=': r = '='; break;
			case '#': r = '#'; break;
			case '!': r = '!'; break;
			case '"': r = '"'; break;
			default: b.s[b.n++] = '\\'; r = e;
			}
			b.s[b.n++] = r;
			h->s += 2;
			continue;
		}
		b.s[b.n++] = *h->s++;
	}
	if (*h->s != '"')
		h->err = 1;
	else
		h->s++;
	json_t *v = json_stringn(b.s, b.n);
	free(b.s);
	if (!v)
		h->err = 1;
	return v;
}

static json_t *h_value(struct hocon *h);

static json_t *h_members(struct hocon *h, char end)
{
	json_t *o = json_object();
	for (;;) {
		h_skip(h, true);
		if (*h->s == end || !*h->s)
			break;
		json_t *key = NULL;
		if (*h->s == '"') {
			key = h_string(h);
		} else {
			const char *b = h->s;
			while (*h->s && strchr(" \t\r\n:={}[],#", *h->s) == NULL)
				h->s++;
			key = json_stringn(b, (size_t)(h->s - b));
		}
		h_skip(h, false);
		if (*h->s == ':' || *h->s == '=')
			h->s++;
		else if (*h->s != '{')
			h->err = 1;
		json_t *val = h_value(h);
		if (!key || !val || h->err) {
			json_decref(key);
			json_decref(val);
			h->err = 1;
			break;
		}
		json_object_set_new(o, json_string_value(key), val);
		json_decref(key);
	}
	return o;
}

static json_t *h_value(struct hocon *h)
{
	h_skip(h, false);
	if (*h->s == '{') {
		h->s++;
		json_t *o = h_members(h, '}');
		if (*h->s != '}')
			h->err = 1;
		else
			h->s++;
		return o;
	}
	if (*h->s == '[') {
		h->s++;
		json_t *a = json_array();
		for (;;) {
			h_skip(h, true);
			if (*h->s == ']' || !*h->s || h->err)
				break;
			json_array_append_new(a, h_value(h));
		}
		if (*h->s != ']')
			h->err = 1;
		else
			h->s++;
		return a;
	}
	if (*h->s == '"')
		return h_string(h);
	const char *b = h->s;
	while (*h->s && strchr("\n,}]#", *h->s) == NULL)
		h->s++;
	size_t n = (size_t)(h->s - b);
	while (n && (b[n - 1] == ' ' || b[n - 1] == '\t'))
		n--;
	if (n == 4 && memcmp(b, "true", 4) == 0)
		return json_true();
	if (n == 5 && memcmp(b, "false", 5) == 0)
		return json_false();
	return json_stringn(b, n);
}

static json_t *hocon_parse(const char *text)
{
	struct hocon h = {text, 0};
	json_t *o = h_members(&h, '\0');
	h_skip(&h, true);
	if (h.err || *h.s)
		fail_msg("HOCON error near [%.40s]", h.s);
	return o;
}

/* ---- the renderer ----------------------------------------------------------------------- */

static void test_variables(void **state)
{
	(void)state;
	json_t *v = json_pack("{s:s, s:I, s:b, s:f, s:{s:{s:s}}}", "name", "world", "n",
			      (json_int_t)42, "yes", 1, "pi", 2.5, "a", "b", "c", "deep");
	char *out = render_str("hello {{name}}, {{ n }} {{yes}} {{pi}} {{a.b.c}}!", v);
	assert_string_equal(out, "hello world, 42 true 2.5 deep!");
	free(out);
	/* No tags at all, and ${compose} or $host left alone. */
	out = render_str("plain ${VAR} $host { } }", v);
	assert_string_equal(out, "plain ${VAR} $host { } }");
	free(out);
	out = render_str("", v);
	assert_string_equal(out, "");
	free(out);
	json_decref(v);
}

static void test_sections(void **state)
{
	(void)state;
	json_t *v = json_pack("{s:[{s:s},{s:s}], s:[], s:b, s:b, s:{s:s}, s:s, s:s, s:I, s:s,"
			      " s:[s,s]}",
			      "users", "u", "a", "u", "b", "none", "on", 1, "off", 0, "aws",
			      "region", "eu-west-1", "str", "x", "empty", "", "zero", (json_int_t)0,
			      "outer", "O", "names", "n1", "n2");
	char *out = render_str("{{#users}}[{{u}}/{{outer}}]{{/users}}", v);
	assert_string_equal(out, "[a/O][b/O]");
	free(out);
	out = render_str("{{#none}}X{{/none}}{{^none}}empty{{/none}}", v);
	assert_string_equal(out, "empty");
	free(out);
	out = render_str("{{#on}}1{{/on}}{{#off}}2{{/off}}{{^off}}3{{/off}}{{^on}}4{{/on}}", v);
	assert_string_equal(out, "13");
	free(out);
	out = render_str("{{#aws}}{{region}}{{/aws}} {{aws.region}}", v);
	assert_string_equal(out, "eu-west-1 eu-west-1");
	free(out);
	out = render_str("{{#str}}s{{.}}{{/str}}{{#empty}}e{{/empty}}{{#zero}}z{{/zero}}"
			 "{{^zero}}Z{{/zero}}",
			 v);
	assert_string_equal(out, "sxZ");
	free(out);
	out = render_str("{{#names}}<{{.}}>{{/names}}", v);
	assert_string_equal(out, "<n1><n2>");
	free(out);
	/* Nested sections, the inner one reaching the outer context. */
	out = render_str("{{#users}}{{#aws}}{{u}}@{{region}};{{/aws}}{{/users}}", v);
	assert_string_equal(out, "a@eu-west-1;b@eu-west-1;");
	free(out);
	json_decref(v);
}

static void test_standalone_and_comments(void **state)
{
	(void)state;
	json_t *v = json_pack("{s:[s,s], s:b}", "l", "x", "y", "f", 0);
	char *out = render_str("a\n"
			       "  {{#l}}  \n"
			       "- {{.}}\n"
			       "{{/l}}\n"
			       "{{! a comment\n"
			       "    on two lines }}\n"
			       "{{^f}}\r\n"
			       "f is false\n"
			       "{{/f}}\n"
			       "b {{! inline }}c\n"
			       "{{#f}}never{{/f}}\n"
			       "end",
			       v);
	assert_string_equal(out, "a\n- x\n- y\nf is false\nb c\n\nend");
	free(out);
	/* Tags on one line with text are not standalone. */
	out = render_str("[{{#l}}{{.}}{{/l}}]\n", v);
	assert_string_equal(out, "[xy]\n");
	free(out);
	/* A standalone tag on the last line, without a newline. */
	out = render_str("a\n{{! end }}", v);
	assert_string_equal(out, "a\n");
	free(out);
	json_decref(v);
}

static void test_errors_name_line_and_variable(void **state)
{
	(void)state;
	json_t *v =
		json_pack("{s:s, s:[{s:s}], s:n, s:{}, s:s, s:s}", "name", "x", "users", "username",
			  "u", "nothing", "obj", "nl", "a\nb", "secret", "s3cr3t\x01");
	char *e;

	e = render_err("apiserver.conf", "line one\nline two\n  {{pasword}}\n", v);
	assert_string_equal(e, "template 'apiserver.conf' line 3: unknown variable 'pasword'");
	free(e);
	e = render_err("t", "{{#users}}\n{{username}} {{passwd}}\n{{/users}}", v);
	assert_string_equal(e, "template 't' line 2: unknown variable 'passwd'");
	free(e);
	e = render_err("t", "{{a.b}}", v);
	assert_string_equal(e, "template 't' line 1: unknown variable 'a.b'");
	free(e);
	e = render_err("t", "{{name.sub}}", v);
	assert_string_equal(e, "template 't' line 1: unknown variable 'name.sub'");
	free(e);
	e = render_err("t", "\n{{#missing}}x{{/missing}}", v);
	assert_string_equal(e, "template 't' line 2: unknown variable 'missing' (section)");
	free(e);
	e = render_err("t", "{{^missing}}x{{/missing}}", v);
	assert_non_null(strstr(e, "unknown variable 'missing'"));
	free(e);
	e = render_err("t", "{{nothing}}", v);
	assert_string_equal(e, "template 't' line 1: variable 'nothing' is null: it has no "
			       "value to insert");
	free(e);
	e = render_err("t", "{{users}}", v);
	assert_non_null(strstr(e, "variable 'users' is a list"));
	free(e);
	e = render_err("t", "{{obj}}", v);
	assert_non_null(strstr(e, "variable 'obj' is an object"));
	free(e);
	/* A plain value may not add lines. */
	e = render_err("t", "x={{nl}}", v);
	assert_non_null(strstr(e, "template 't' line 1: variable 'nl' holds a line break"));
	free(e);
	/* Errors never show the value, even when it is the problem. */
	e = render_err("secure.conf", "a\nk: \"{{secret|hocon}}\"\n", v);
	assert_non_null(strstr(e, "template 'secure.conf' line 2: variable 'secret'"));
	assert_null(strstr(e, "s3cr3t"));
	free(e);

	/* Broken templates. */
	e = render_err("t", "a {{name", v);
	assert_string_equal(e, "template 't' line 1: '{{' is never closed with '}}'");
	free(e);
	e = render_err("t", "\n\n{{#users}}x", v);
	assert_string_equal(e, "template 't' line 3: {{#users}} is never closed");
	free(e);
	e = render_err("t", "{{/users}}", v);
	assert_string_equal(e, "template 't' line 1: {{/users}} closes no section");
	free(e);
	e = render_err("t", "{{#users}}\n{{^name}}\n{{/users}}\n{{/name}}", v);
	assert_string_equal(e, "template 't' line 3: {{/users}} does not close {{^name}} opened "
			       "at line 2");
	free(e);
	e = render_err("t", "{{name|shell}}", v);
	assert_non_null(strstr(e, "unknown filter 'shell'"));
	free(e);
	e = render_err("t", "{{#users|sh}}{{/users}}", v);
	assert_non_null(strstr(e, "a filter only applies to a value"));
	free(e);
	e = render_err("t", "{{na me}}", v);
	assert_non_null(strstr(e, "is not a valid tag"));
	free(e);
	e = render_err("t", "{{a..b}}", v);
	assert_non_null(strstr(e, "is not a valid tag"));
	free(e);
	e = render_err("t", "{{}}", v);
	assert_non_null(strstr(e, "is not a valid tag"));
	free(e);

	/* A filtered tag must sit inside the quotes it escapes for. */
	e = render_err("t", "echo {{name|sh}}\n", v);
	assert_string_equal(e, "template 't' line 1: {{name|sh}} must sit inside single quotes "
			       "'...' on its line");
	free(e);
	e = render_err("t", "k: {{name|yaml}}\n", v);
	assert_non_null(strstr(e, "must sit inside double quotes"));
	free(e);
	e = render_err("t", "k: \"{{name|json}}\n\"", v);
	assert_non_null(strstr(e, "must sit inside double quotes"));
	free(e);
	e = render_err("t", "k: \"a\" {{name|hocon}}\"", v);
	assert_non_null(strstr(e, "must sit inside double quotes"));
	free(e);

	/* Partials: a missing asset, and an error inside an included one. */
	e = render_err("t", "{{> no-such-asset}}", v);
	assert_non_null(strstr(e, "no asset named 'no-such-asset'"));
	free(e);
	json_t *partial = vars_ubuntu();
	json_object_del(partial, "web_url");
	e = render_err("outer.sh", "#!/bin/sh\nx='{{> constants.env|sh}}'\n", partial);
	assert_non_null(strstr(e, "template 'constants.env' line "));
	assert_non_null(
		strstr(e, ": unknown variable 'web_url' (included from 'outer.sh' line 2)"));
	free(e);
	json_decref(partial);

	char *cause = NULL;
	assert_null(render_asset("nope.yml", v, NULL, &cause));
	assert_string_equal(cause, "no asset named 'nope.yml'");
	free(cause);
	cause = NULL;
	json_t *arr = json_array();
	assert_null(render_template("t", "x", 1, arr, NULL, &cause));
	assert_non_null(strstr(cause, "not an object"));
	free(cause);
	json_decref(arr);
	json_decref(v);
}

static void test_partials(void **state)
{
	(void)state;
	json_t *v = vars_ubuntu();
	char *direct = render_ok("99-clearml.conf", v);
	char *inc = render_str("before\n{{> 99-clearml.conf}}after\n", v);
	char *want = lf_asprintf("before\n%safter\n", direct);
	assert_string_equal(inc, want);
	free(want);
	free(inc);
	/* Filtered as a whole: as a JSON string it reads back unchanged. */
	inc = render_str("{\"f\": \"{{> 99-clearml.conf|json}}\"}", v);
	json_t *j = json_loads(inc, 0, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "f")), direct);
	json_decref(j);
	free(inc);
	free(direct);
	/* The included asset sees the section's context. */
	json_object_set_new(v, "backup", json_pack("{s:s, s:s}", "bucket", "bk", "prefix", "p"));
	inc = render_str("{{#backup}}{{> clearml.cron}}{{/backup}}", v);
	assert_true(has_line(inc, "0 2 * * * root /usr/local/sbin/clearml-mongo-backup 'bk' 'p'"));
	free(inc);
	json_decref(v);
}

static const char *const hostile[] = {
	"",
	"plain",
	"it's",
	"'",
	"\"",
	"\\",
	"$(id)",
	"`id`",
	"${HOME}",
	"$",
	"$$",
	"a;b && c | d",
	"line1\nline2",
	"\n",
	"tab\there",
	"cr\r",
	"\x01\x02\x1b\x7f",
	"# not a comment",
	"key: value",
	"- item",
	"[a, b]",
	"{a: b}",
	"&anchor *alias !tag",
	"%directive",
	"@at",
	"---",
	"...",
	"caf\xc3\xa9 \xe2\x98\x83",
	"nel\xc2\x85 ls\xe2\x80\xa8 ps\xe2\x80\xa9",
	"\xef\xbb\xbf"
	"bom",
	"  lead and trail  ",
	"yes",
	"null",
	"~",
	"0x1F",
	"1e3",
};

static void test_filter_yaml(void **state)
{
	(void)state;
	for (size_t i = 0; i < LF_ARRAY_LEN(hostile); i++) {
		json_t *v = json_pack("{s:s}", "x", hostile[i]);
		char *y = render_str("a: \"{{x|yaml}}\"\nb: \"{{x|compose}}\"\n", v);
		struct ydoc d;
		yaml_load(&d, y);
		assert_string_equal(yscalar(ypath(&d, "a")), hostile[i]);
		/* compose: the same, with every $ doubled for its interpolation. */
		struct {
			char *s;
			size_t n;
		} want = {lf_xmalloc(2 * strlen(hostile[i]) + 1), 0};
		for (const char *p = hostile[i]; *p; p++) {
			if (*p == '$')
				want.s[want.n++] = '$';
			want.s[want.n++] = *p;
		}
		want.s[want.n] = '\0';
		assert_string_equal(yscalar(ypath(&d, "b")), want.s);
		free(want.s);
		yaml_document_delete(&d.doc);
		free(y);
		json_decref(v);
	}
}

static void test_filter_json(void **state)
{
	(void)state;
	for (size_t i = 0; i < LF_ARRAY_LEN(hostile); i++) {
		json_t *v = json_pack("{s:s}", "x", hostile[i]);
		char *j = render_str("{\"a\": \"{{x|json}}\", \"b\": \"pre-{{x|json}}-post\"}", v);
		json_error_t err;
		json_t *back = json_loads(j, 0, &err);
		if (!back)
			fail_msg("value %zu: %s in [%s]", i, err.text, j);
		assert_string_equal(json_string_value(json_object_get(back, "a")), hostile[i]);
		char *b = lf_asprintf("pre-%s-post", hostile[i]);
		assert_string_equal(json_string_value(json_object_get(back, "b")), b);
		free(b);
		json_decref(back);
		free(j);
		json_decref(v);
	}
}

static void test_filter_hocon(void **state)
{
	(void)state;
	for (size_t i = 0; i < LF_ARRAY_LEN(hostile); i++) {
		json_t *v = json_pack("{s:s}", "x", hostile[i]);
		char *cause = NULL;
		const char *t = "k {\n  a: \"{{x|hocon}}\"\n}\n";
		char *h = render_template("t", t, strlen(t), v, NULL, &cause);
		bool control = false;
		for (const unsigned char *p = (const unsigned char *)hostile[i]; *p; p++)
			if ((*p < 0x20 && *p != '\n' && *p != '\r' && *p != '\t') || *p == 0x7f)
				control = true;
		if (control) {
			/* pyhocon has no \uXXXX: such a value is refused, by name. */
			assert_null(h);
			assert_non_null(strstr(cause, "variable 'x' holds a control character"));
			free(cause);
		} else {
			assert_non_null(h);
			json_t *back = hocon_parse(h);
			assert_string_equal(
				json_string_value(json_object_get(json_object_get(back, "k"), "a")),
				hostile[i]);
			json_decref(back);
			free(h);
		}
		json_decref(v);
	}
}

static void test_filter_sh(void **state)
{
	(void)state;
	if (access("/bin/sh", X_OK) != 0)
		skip();
	for (size_t i = 0; i < LF_ARRAY_LEN(hostile); i++) {
		json_t *v = json_pack("{s:s}", "x", hostile[i]);
		char *script = render_str("printf '%s|' '{{x|sh}}' 'pre{{x|sh}}post'", v);
		const char *argv[] = {"/bin/sh", "-c", script, NULL};
		int st;
		char *out = run(argv, NULL, &st);
		char *want = lf_asprintf("%s|pre%spost|", hostile[i], hostile[i]);
		assert_string_equal(out, want);
		free(want);
		free(out);
		free(script);
		json_decref(v);
	}
}

/* ---- the embedded assets -------------------------------------------------------------------- */

static void test_assets_embedded(void **state)
{
	(void)state;
	static const char *const expected[] = {
		"99-clearml.conf",
		"apiserver.conf",
		"clearml-elastic-backup.sh",
		"clearml-mongo-backup.sh",
		"clearml.cron",
		"constants.env",
		"disable-thp.service",
		"docker-compose.override.yml",
		"docker-compose.yml",
		"ec2-trust-policy.json",
		"edge-proxy.conf",
		"iam-backup-policy.json",
		"iam-secrets-policy.json",
		"k8s-deploy-apiserver.yaml",
		"k8s-deploy-elastic.yaml",
		"k8s-deploy-fileserver.yaml",
		"k8s-deploy-mongo.yaml",
		"k8s-deploy-redis.yaml",
		"k8s-deploy-webserver.yaml",
		"k8s-namespace.yaml",
		"k8s-purge-pod.yaml",
		"k8s-pvc.yaml",
		"k8s-secret.yaml",
		"k8s-services.yaml",
		"secure.conf",
		"user-data-al2023.sh",
	};
	assert_int_equal(asset_count(), LF_ARRAY_LEN(expected));
	size_t it = 0, i = 0, len;
	const char *name, *text, *prev = NULL;
	while (asset_next(&it, &name, &text, &len)) {
		assert_string_equal(name, expected[i++]);
		if (prev)
			assert_true(strcmp(prev, name) < 0);
		prev = name;
		/* Byte for byte the file in assets/, NUL-terminated. */
		char *path = lf_asprintf("%s/assets/%s", LANDFALL_SOURCE_DIR, name);
		char *cause = NULL;
		size_t flen;
		char *file = lf_read_file(path, &flen, &cause);
		if (!file)
			fail_msg("%s", cause);
		assert_int_equal(flen, len);
		assert_memory_equal(file, text, len);
		assert_int_equal(text[len], '\0');
		assert_int_equal(strlen(text), len);
		free(file);
		free(path);
		size_t l2;
		assert_ptr_equal(asset_get(name, &l2), text);
		assert_int_equal(l2, len);
		/* Described, and opening with a comment that says what it is. */
		const struct asset_info *info = asset_info(name);
		assert_non_null(info);
		assert_non_null(info->what);
		if (info->dest)
			assert_true(info->mode != 0);
		const char *first = text;
		if (strncmp(first, "#!", 2) == 0)
			first = strchr(first, '\n') + 1;
		assert_true(strncmp(first, "# ", 2) == 0 || strncmp(first, "{{! ", 4) == 0);
	}
	assert_int_equal(i, LF_ARRAY_LEN(expected));
	assert_null(asset_get("README.md", NULL));
	assert_null(asset_info("nope"));
	assert_true(asset_info("apiserver.conf")->secret);
	assert_int_equal(asset_info("apiserver.conf")->mode, 0600);
	assert_true(asset_info("secure.conf")->secret);
	assert_false(asset_info("constants.env")->secret);
}

/* Every asset renders with the AWS set (which has every variable); the
 * destinations render too. */
static void test_assets_all_render(void **state)
{
	(void)state;
	json_t *v = vars_aws();
	size_t it = 0;
	const char *name;
	while (asset_next(&it, &name, NULL, NULL)) {
		/* The Kubernetes manifests take the kubernetes backend's variables;
		 * tests/test_kubernetes.c renders and validates them. */
		if (strncmp(name, "k8s-", 4) == 0)
			continue;
		char *out = render_ok(name, v);
		assert_true(strlen(out) > 0);
		free(out);
		const struct asset_info *info = asset_info(name);
		if (info->dest) {
			char *cause = NULL;
			char *dest = render_template("dest", info->dest, strlen(info->dest), v,
						     NULL, &cause);
			assert_non_null(dest);
			assert_true(dest[0] == '/');
			free(dest);
		}
	}
	json_decref(v);
}

static void test_docker_compose(void **state)
{
	(void)state;
	json_t *v = vars_ubuntu();
	char *out = render_ok("docker-compose.yml", v);
	struct ydoc d;
	yaml_load(&d, out);

	static const char *const services[] = {"apiserver",	"webserver", "fileserver",  "mongo",
					       "elasticsearch", "redis",     "async_delete"};
	yaml_node_t *svc = ypath(&d, "services");
	assert_int_equal(ymap_size(svc), LF_ARRAY_LEN(services));
	for (size_t i = 0; i < LF_ARRAY_LEN(services); i++) {
		yaml_node_t *s = yget(&d, svc, services[i]);
		if (!s)
			fail_msg("no service %s", services[i]);
		assert_string_equal(yscalar(yget(&d, s, "restart")), "unless-stopped");
		assert_non_null(yget(&d, s, "image"));
		/* The logging alias resolved to the anchor's mapping. */
		assert_string_equal(yscalar(yget(&d, yget(&d, s, "logging"), "driver")),
				    "json-file");
	}
	/* The guide's ports. */
	assert_true(yseq_has(&d, ypath(&d, "services.apiserver.ports"), "8008:8008"));
	assert_true(yseq_has(&d, ypath(&d, "services.webserver.ports"), "8080:80"));
	assert_true(yseq_has(&d, ypath(&d, "services.fileserver.ports"), "8081:8081"));
	assert_null(ypath(&d, "services.mongo.ports"));
	assert_null(ypath(&d, "services.elasticsearch.ports"));
	/* The guide's directories under the base directory. */
	assert_true(yseq_has(&d, ypath(&d, "services.elasticsearch.volumes"),
			     "/opt/allegro/data/elastic7plus:/usr/share/elasticsearch/data"));
	assert_true(yseq_has(&d, ypath(&d, "services.mongo.volumes"),
			     "/opt/allegro/data/mongo_4/db:/data/db"));
	assert_true(yseq_has(&d, ypath(&d, "services.mongo.volumes"),
			     "/opt/allegro/data/mongo_4/configdb:/data/configdb"));
	assert_true(
		yseq_has(&d, ypath(&d, "services.redis.volumes"), "/opt/allegro/data/redis:/data"));
	assert_true(yseq_has(&d, ypath(&d, "services.fileserver.volumes"),
			     "/opt/allegro/data/fileserver:/mnt/fileserver"));
	assert_true(yseq_has(&d, ypath(&d, "services.apiserver.volumes"),
			     "/opt/allegro/logs/apiserver:/var/log/clearml"));
	assert_true(yseq_has(&d, ypath(&d, "services.apiserver.volumes"),
			     "/opt/allegro/config/onprem_poc:/opt/clearml/config"));
	/* Elasticsearch as the guides need it. */
	yaml_node_t *es = ypath(&d, "services.elasticsearch");
	yaml_node_t *env = yget(&d, es, "environment");
	assert_string_equal(yscalar(yget(&d, env, "discovery.type")), "single-node");
	assert_string_equal(yscalar(yget(&d, env, "bootstrap.memory_lock")), "true");
	assert_non_null(strstr(yscalar(yget(&d, env, "ES_JAVA_OPTS")), "-Xms${ELASTIC_HEAP"));
	assert_string_equal(yscalar(ypath(&d, "services.elasticsearch.ulimits.memlock.soft")),
			    "-1");
	assert_string_equal(yscalar(ypath(&d, "services.elasticsearch.ulimits.memlock.hard")),
			    "-1");
	assert_string_equal(yscalar(ypath(&d, "services.elasticsearch.ulimits.nofile.hard")),
			    "65536");
	/* Versions come from constants.env, and compose refuses to run without it. */
	assert_string_equal(yscalar(ypath(&d, "services.apiserver.image")),
			    "${CLEARML_IMAGE:?set in constants.env}:${CLEARML_VERSION:?set in "
			    "constants.env}");
	assert_string_equal(
		yscalar(ypath(&d, "services.apiserver.environment.CLEARML_GUNICORN_WORKERS")),
		"${APISERVER_WORKERS_NUMBER:-8}");
	yaml_document_delete(&d.doc);
	free(out);

	/* A base directory YAML and compose would misread stays one path. */
	json_object_set_new(v, "base_dir", json_string("/srv/my \"odd\" $dir: #x\\"));
	out = render_ok("docker-compose.yml", v);
	yaml_load(&d, out);
	assert_true(yseq_has(&d, ypath(&d, "services.redis.volumes"),
			     "/srv/my \"odd\" $$dir: #x\\/data/redis:/data"));
	yaml_document_delete(&d.doc);
	free(out);
	json_decref(v);
}

#define DISPLAYED_URLS                                                                             \
	"      - WEBSERVER__displayedServerUrls={\"apiServer\":\"$APISERVER_URL_FOR_EXTERNAL_"     \
	"WORKERS\",\"filesServer\":\"$FILESERVER_URL_FOR_EXTERNAL_WORKERS\"}"

static void test_override(void **state)
{
	(void)state;
	json_t *v = vars_ubuntu();
	char *out = render_ok("docker-compose.override.yml", v);
	assert_null(strstr(out, "displayedServerUrls"));
	struct ydoc d;
	yaml_load(&d, out);
	assert_int_equal(ymap_size(ypath(&d, "services")), 1);
	assert_string_equal(yscalar(ypath(&d, "services.webserver.restart")), "unless-stopped");
	yaml_document_delete(&d.doc);
	free(out);

	/* Names that do not begin with app/api/files: the guide's line, as given. */
	json_object_set_new(v, "custom_urls", json_true());
	out = render_ok("docker-compose.override.yml", v);
	assert_true(has_line(out, DISPLAYED_URLS));
	yaml_load(&d, out);
	assert_true(yseq_has(&d, ypath(&d, "services.webserver.environment"),
			     "WEBSERVER__displayedServerUrls={\"apiServer\":\"$APISERVER_URL_FOR_"
			     "EXTERNAL_WORKERS\",\"filesServer\":\"$FILESERVER_URL_FOR_EXTERNAL_"
			     "WORKERS\"}"));
	yaml_document_delete(&d.doc);
	free(out);
	json_decref(v);

	/* AWS: the edge proxy on port 10000 and the region's S3 endpoint. */
	v = vars_aws();
	out = render_ok("docker-compose.override.yml", v);
	yaml_load(&d, out);
	assert_int_equal(ymap_size(ypath(&d, "services")), 3);
	assert_true(yseq_has(&d, ypath(&d, "services.edge.ports"), "10000:10000"));
	assert_true(
		yseq_has(&d, ypath(&d, "services.edge.volumes"),
			 "/opt/allegro/config/edge-proxy.conf:/etc/nginx/conf.d/default.conf:ro"));
	assert_string_equal(yscalar(yget(&d, ypath(&d, "services.elasticsearch.environment"),
					 "s3.client.default.endpoint")),
			    "s3.eu-west-1.amazonaws.com");
	yaml_document_delete(&d.doc);
	free(out);
	json_decref(v);
}

static void test_constants_env(void **state)
{
	(void)state;
	json_t *v = vars_aws();
	char *out = render_ok("constants.env", v);
	assert_true(has_line(out,
			     "WEBSERVER_URL_FOR_EXTERNAL_WORKERS=https://app.clearml.example.com"));
	assert_true(has_line(out,
			     "APISERVER_URL_FOR_EXTERNAL_WORKERS=https://api.clearml.example.com"));
	assert_true(has_line(
		out, "FILESERVER_URL_FOR_EXTERNAL_WORKERS=https://files.clearml.example.com"));
	assert_true(has_line(out, "APISERVER_WORKERS_NUMBER=8"));
	assert_true(has_line(out, "CLEARML_IMAGE=allegroai/clearml"));
	assert_true(has_line(out, "CLEARML_VERSION=2.0.0"));
	assert_true(has_line(out, "ELASTIC_VERSION=8.17.0"));
	assert_true(has_line(out, "MONGO_VERSION=6.0.19"));
	assert_true(has_line(out, "REDIS_VERSION=7.4.1"));
	assert_true(has_line(out, "NGINX_VERSION=1.27"));
	assert_true(has_line(out, "ELASTIC_HEAP=4g"));
	/* No secret in it. */
	assert_null(strstr(out, "S3cr3t"));
	assert_null(strstr(out, "p\"a'ss"));
	/* Every line a comment or KEY=VALUE. */
	const char *p = out, *line;
	while (*p) {
		line = p;
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		p += n + (nl ? 1 : 0);
		if (n == 0 || line[0] == '#')
			continue;
		const char *eq = memchr(line, '=', n);
		assert_non_null(eq);
		for (const char *k = line; k < eq; k++)
			assert_true((*k >= 'A' && *k <= 'Z') || (*k >= '0' && *k <= '9') ||
				    *k == '_');
	}
	free(out);
	json_decref(v);

	/* Without AWS there is no NGINX_VERSION; the http URLs of a bare host. */
	v = vars_ubuntu();
	out = render_ok("constants.env", v);
	assert_null(strstr(out, "NGINX_VERSION"));
	assert_true(has_line(out, "WEBSERVER_URL_FOR_EXTERNAL_WORKERS=http://10.0.0.5:8080"));
	free(out);
	/* A value with a line break would add a line: refused. */
	json_object_set_new(v, "api_url", json_string("https://api.x\nEVIL=1"));
	char *cause = NULL;
	assert_null(render_asset("constants.env", v, NULL, &cause));
	assert_non_null(strstr(cause, "template 'constants.env' line "));
	assert_non_null(strstr(cause, "variable 'api_url' holds a line break"));
	free(cause);
	json_decref(v);
}

static void test_apiserver_conf(void **state)
{
	(void)state;
	json_t *v = vars_ubuntu();
	char *out = render_ok("apiserver.conf", v);
	json_t *conf = hocon_parse(out);
	json_t *fixed = json_object_get(json_object_get(conf, "auth"), "fixed_users");
	assert_true(json_is_true(json_object_get(fixed, "enabled")));
	assert_true(json_is_false(json_object_get(fixed, "pass_hashed")));
	json_t *got = json_object_get(fixed, "users");
	json_t *want = json_object_get(v, "users");
	assert_int_equal(json_array_size(got), json_array_size(want));
	for (size_t i = 0; i < json_array_size(want); i++) {
		json_t *g = json_array_get(got, i), *w = json_array_get(want, i);
		static const char *const keys[] = {"username", "password", "name"};
		for (size_t k = 0; k < LF_ARRAY_LEN(keys); k++) {
			const char *gs = json_string_value(json_object_get(g, keys[k]));
			assert_non_null(gs);
			assert_string_equal(gs, json_string_value(json_object_get(w, keys[k])));
		}
		assert_int_equal(json_is_true(json_object_get(g, "admin")),
				 json_is_true(json_object_get(w, "admin")));
	}
	/* The guide's shape: one user a line. */
	assert_non_null(
		strstr(out, "      {username: \"support\", password: \"p\\\"a'ss`w$(o)r${d}\\\\\", "
			    "admin: true, name: \"allegro.ai Support User\"},\n"));
	json_decref(conf);
	free(out);

	/* No users: an empty list, still valid. */
	json_object_set_new(v, "users", json_array());
	out = render_ok("apiserver.conf", v);
	conf = hocon_parse(out);
	assert_int_equal(
		json_array_size(json_object_get(
			json_object_get(json_object_get(conf, "auth"), "fixed_users"), "users")),
		0);
	json_decref(conf);
	free(out);

	/* A password with a control character pyhocon cannot carry: refused, by
	 * line and name, without the value. */
	json_object_set_new(v, "users",
			    json_pack("[{s:s, s:s, s:s, s:b}]", "username", "u", "name", "U",
				      "password", "bell\x07-s3cr3t", "admin", 0));
	char *cause = NULL;
	assert_null(render_asset("apiserver.conf", v, NULL, &cause));
	assert_non_null(strstr(cause,
			       "template 'apiserver.conf' line 15: variable 'password' holds "
			       "a control character"));
	assert_null(strstr(cause, "s3cr3t"));
	free(cause);
	/* A user without a password is an error, not an empty password. */
	json_object_set_new(
		v, "users",
		json_pack("[{s:s, s:s, s:b}]", "username", "u", "name", "U", "admin", 0));
	cause = NULL;
	assert_null(render_asset("apiserver.conf", v, NULL, &cause));
	assert_string_equal(cause,
			    "template 'apiserver.conf' line 15: unknown variable 'password'");
	free(cause);
	json_decref(v);
}

static void test_secure_conf(void **state)
{
	(void)state;
	json_t *v = vars_ubuntu();
	char *out = render_ok("secure.conf", v);
	json_t *conf = hocon_parse(out);
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(conf, "auth"), "token_secret")),
		"tok-S3cr3t-\"x\"");
	assert_string_equal(
		json_string_value(json_object_get(
			json_object_get(json_object_get(conf, "http"), "session_secret"),
			"apiserver")),
		"sess-S3cr3t");
	json_decref(conf);
	free(out);
	json_decref(v);
}

static void test_sysctl_and_thp(void **state)
{
	(void)state;
	json_t *v = vars_ubuntu();
	char *out = render_ok("99-clearml.conf", v);
	assert_true(has_line(out, "vm.max_map_count=262144"));
	assert_true(has_line(out, "vm.overcommit_memory=1"));
	assert_true(has_line(out, "fs.inotify.max_user_instances=256"));
	const char *p = strstr(out, "\nvm.max_map_count") + 1;
	assert_string_equal(p, "vm.max_map_count=262144\nvm.overcommit_memory=1\n"
			       "fs.inotify.max_user_instances=256\n");
	free(out);

	out = render_ok("disable-thp.service", v);
	/* The guide's unit, word for word, ExecStart on one line. */
	p = strstr(out, "[Unit]");
	assert_non_null(p);
	assert_string_equal(p, "[Unit]\n"
			       "Description=Disable Transparent Huge Pages (THP)\n"
			       "\n"
			       "[Service]\n"
			       "Type=simple\n"
			       "ExecStart=/bin/sh -c \"echo 'never' > "
			       "/sys/kernel/mm/transparent_hugepage/enabled && echo 'never' > "
			       "/sys/kernel/mm/transparent_hugepage/defrag\"\n"
			       "\n"
			       "[Install]\n"
			       "WantedBy=multi-user.target\n");
	free(out);
	json_decref(v);
}

static void test_cron(void **state)
{
	(void)state;
	static const char prune[] = "0 0 * * * root docker container prune --force --filter "
				    "\"until=96h\"";
	json_t *v = vars_ubuntu();
	char *out = render_ok("clearml.cron", v);
	assert_true(has_line(out, prune));
	assert_null(strstr(out, "backup"));
	free(out);
	json_decref(v);

	v = vars_aws();
	out = render_ok("clearml.cron", v);
	assert_true(has_line(out, prune));
	assert_true(has_line(out, "30 1 * * * root /usr/local/sbin/clearml-elastic-backup "
				  "'my-clearml-backups' daily 7"));
	assert_true(has_line(out, "15 * * * * root /usr/local/sbin/clearml-elastic-backup "
				  "'my-clearml-backups' hourly 1"));
	assert_true(has_line(out, "0 2 * * * root /usr/local/sbin/clearml-mongo-backup "
				  "'my-clearml-backups' 'mongo/daily'"));
	/* cron reads % as a line break: none may appear; every entry has its
	 * five times, a user and a command. */
	assert_null(strchr(out, '%'));
	const char *p = out;
	int entries = 0;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		char *line = lf_xstrndup(p, n);
		p += n + (nl ? 1 : 0);
		bool env = n && strspn(line, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_") == strcspn(line, "=");
		if (n && line[0] != '#' && !env) {
			char *save = NULL;
			int fields = 0;
			for (char *f = strtok_r(line, " ", &save); f;
			     f = strtok_r(NULL, " ", &save))
				fields++;
			assert_true(fields >= 7);
			entries++;
		}
		free(line);
	}
	assert_int_equal(entries, 4);
	free(out);
	json_decref(v);
}

static void test_scripts(void **state)
{
	(void)state;
	json_t *v = vars_aws();
	static const char *const scripts[] = {"clearml-elastic-backup.sh",
					      "clearml-mongo-backup.sh"};
	for (size_t i = 0; i < LF_ARRAY_LEN(scripts); i++) {
		char *out = render_ok(scripts[i], v);
		assert_true(strncmp(out, "#!/bin/bash\n", 12) == 0);
		assert_non_null(strstr(out, "set -euo pipefail"));
		bash_syntax_ok(scripts[i], out);
		free(out);
	}
	/* The container names the scripts use are the compose file's. */
	char *compose = render_ok("docker-compose.yml", v);
	assert_non_null(strstr(compose, "container_name: clearml-elastic\n"));
	assert_non_null(strstr(compose, "container_name: clearml-mongo\n"));
	free(compose);
	json_decref(v);
}

static void test_edge_proxy(void **state)
{
	(void)state;
	json_t *v = vars_aws();
	char *out = render_ok("edge-proxy.conf", v);
	assert_non_null(strstr(out, "\tlisten 10000 default_server;\n"));
	assert_non_null(strstr(out, "\tserver_name api.clearml.example.com;\n"));
	assert_non_null(strstr(out, "\tserver_name files.clearml.example.com;\n"));
	assert_non_null(strstr(out, "proxy_pass http://apiserver:8008;"));
	assert_non_null(strstr(out, "proxy_pass http://fileserver:8081;"));
	assert_non_null(strstr(out, "proxy_pass http://webserver:80;"));
	free(out);
	json_decref(v);
}

static json_t *load_json_asset(const char *name, json_t *v)
{
	char *out = render_ok(name, v);
	assert_true(out[0] == '{'); /* the {{! }} note is gone, line and all */
	json_error_t err;
	json_t *j = json_loads(out, 0, &err);
	if (!j)
		fail_msg("%s: %s line %d", name, err.text, err.line);
	free(out);
	return j;
}

static bool has_string(json_t *arr, const char *s)
{
	size_t i;
	json_t *x;
	json_array_foreach(arr, i, x) if (json_is_string(x) &&
					  strcmp(json_string_value(x), s) == 0) return true;
	return false;
}

static void test_iam_documents(void **state)
{
	(void)state;
	json_t *v = vars_aws();

	json_t *p = load_json_asset("iam-backup-policy.json", v);
	assert_string_equal(json_string_value(json_object_get(p, "Version")), "2012-10-17");
	json_t *st = json_object_get(p, "Statement");
	assert_int_equal(json_array_size(st), 2);
	json_t *bucket = json_array_get(st, 0), *objects = json_array_get(st, 1);
	assert_string_equal(json_string_value(json_object_get(bucket, "Resource")),
			    "arn:aws:s3:::my-clearml-backups");
	assert_true(has_string(json_object_get(bucket, "Action"), "s3:ListBucket"));
	assert_string_equal(json_string_value(json_object_get(objects, "Resource")),
			    "arn:aws:s3:::my-clearml-backups/*");
	assert_true(has_string(json_object_get(objects, "Action"), "s3:GetObject"));
	assert_true(has_string(json_object_get(objects, "Action"), "s3:PutObject"));
	assert_true(has_string(json_object_get(objects, "Action"), "s3:DeleteObject"));
	/* The bucket only: no wildcard action or resource anywhere. */
	size_t i;
	json_t *s;
	json_array_foreach(st, i, s)
	{
		assert_string_equal(json_string_value(json_object_get(s, "Effect")), "Allow");
		size_t k;
		json_t *a;
		json_array_foreach(json_object_get(s, "Action"), k, a)
		{
			assert_null(strchr(json_string_value(a), '*'));
			assert_true(strncmp(json_string_value(a), "s3:", 3) == 0);
		}
		assert_true(strstr(json_string_value(json_object_get(s, "Resource")),
				   "my-clearml-backups") != NULL);
	}
	json_decref(p);

	p = load_json_asset("ec2-trust-policy.json", v);
	json_t *t = json_array_get(json_object_get(p, "Statement"), 0);
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(t, "Principal"), "Service")),
		"ec2.amazonaws.com");
	assert_string_equal(json_string_value(json_object_get(t, "Action")), "sts:AssumeRole");
	json_decref(p);

	p = load_json_asset("iam-secrets-policy.json", v);
	t = json_array_get(json_object_get(p, "Statement"), 0);
	assert_string_equal(json_string_value(json_object_get(t, "Resource")),
			    "arn:aws:ssm:eu-west-1:123456789012:parameter/landfall/demo/*");
	assert_true(has_string(json_object_get(t, "Action"), "ssm:GetParameter"));
	assert_int_equal(json_array_size(json_object_get(t, "Action")), 1);
	json_decref(p);

	/* Without backups there is no bucket: the policy cannot be rendered. */
	json_object_set_new(v, "backup", json_false());
	char *cause = NULL;
	assert_null(render_asset("iam-backup-policy.json", v, NULL, &cause));
	assert_non_null(strstr(cause, "unknown variable 'backup.bucket'"));
	free(cause);
	json_decref(v);
}

/* The files the user-data carries in '...' come out of a real shell exactly as
 * rendered on their own. */
static void test_user_data_embeds_exactly(void **state)
{
	(void)state;
	if (access("/bin/sh", X_OK) != 0)
		skip();
	json_t *v = vars_aws();
	/* Make the embedded files as hostile as the variables allow. */
	json_object_set_new(v, "base_dir", json_string("/opt/it's \"here\" $(x)"));
	json_object_set_new(v, "custom_urls", json_true());
	static const char *const embedded[] = {
		"99-clearml.conf",
		"disable-thp.service",
		"docker-compose.yml",
		"docker-compose.override.yml",
		"constants.env",
		"edge-proxy.conf",
		"clearml-elastic-backup.sh",
		"clearml-mongo-backup.sh",
		"clearml.cron",
	};
	char *ud = render_ok("user-data-al2023.sh", v);
	for (size_t i = 0; i < LF_ARRAY_LEN(embedded); i++) {
		char *direct = render_ok(embedded[i], v);
		char *tpl = lf_asprintf("printf '%%s' '{{> %s|sh}}'", embedded[i]);
		char *script = render_str(tpl, v);
		/* The user-data holds exactly this quoted text. */
		assert_non_null(strstr(ud, strstr(script, "' '") + 2));
		const char *argv[] = {"/bin/sh", "-c", script, NULL};
		int st;
		char *out = run(argv, NULL, &st);
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
		assert_string_equal(out, direct);
		free(out);
		free(script);
		free(tpl);
		free(direct);
	}
	free(ud);
	json_decref(v);
}

static void test_user_data(void **state)
{
	(void)state;
	json_t *v = vars_aws();
	size_t len;
	char *cause = NULL;
	char *out = render_asset("user-data-al2023.sh", v, &len, &cause);
	assert_non_null(out);
	assert_true(strncmp(out, "#!/bin/bash\n# EC2 user-data for Amazon Linux 2023", 48) == 0);
	assert_true(has_line(out, "set -euo pipefail"));
	bash_syntax_ok("user-data-al2023.sh", out);
	assert_true(has_line(out, "BASE_DIR='/opt/allegro'"));
	assert_true(has_line(out, "mount_disk sdf \"$BASE_DIR/data\""));
	assert_true(has_line(out, "mount_disk sdg \"$BASE_DIR/data/fileserver\""));
	assert_true(has_line(out, "mount_disk sdh /var/lib/docker"));
	assert_true(has_line(out, "chmod 710 /var/lib/docker"));
	assert_true(has_line(out, "chown 1000:1000 \"$BASE_DIR/data/elastic7plus\""));
	assert_true(has_line(out, "retry 5 docker compose --env-file constants.env up -d"));
	assert_non_null(strstr(out, "defaults,nofail"));
	assert_non_null(strstr(out, "--password-stdin 'docker.io'"));
	assert_non_null(strstr(out, "--username 'clearml-customer'"));
	/* No secret of the variable set is in the user-data: they come from SSM. */
	assert_null(strstr(out, "S3cr3t"));
	assert_null(strstr(out, "w$(o)r"));
	assert_null(strstr(out, "line1"));
	assert_non_null(strstr(out, "ssm_get apiserver.conf"));
	/* EC2 takes at most 16 KB of user-data before base64: gzip'd, as
	 * cloud-init unpacks it, it fits with room to spare; gzip -d agrees. */
	unsigned char *gz, *back;
	size_t gzlen, backlen;
	assert_int_equal(lf_gzip(out, len, &gz, &gzlen, &cause), 0);
	print_message("user-data: %zu bytes, %zu gzip'd\n", len, gzlen);
	assert_true(gzlen < 16384 / 2);
	assert_int_equal(lf_gunzip(gz, gzlen, &back, &backlen, &cause), 0);
	assert_int_equal(backlen, len);
	assert_memory_equal(back, out, len);
	free(back);
	assert_int_equal(lf_gunzip(gz, gzlen / 2, &back, &backlen, &cause), -1);
	assert_non_null(strstr(cause, "gunzip"));
	free(cause);
	cause = NULL;
	if (access("/bin/gzip", X_OK) == 0) {
		/* run() writes a C string: gzip data may hold NUL bytes, so
		 * hand it over through a file. */
		char path[] = "/tmp/lf-test-render-XXXXXX";
		int fd = mkstemp(path);
		assert_true(fd >= 0);
		assert_int_equal(write(fd, gz, gzlen), (ssize_t)gzlen);
		close(fd);
		const char *argv[] = {"/bin/gzip", "-dc", path, NULL};
		int st;
		char *plain = run(argv, NULL, &st);
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
		assert_string_equal(plain, out);
		free(plain);
		unlink(path);
	}
	free(gz);
	free(out);

	/* Without a registry or backups, those steps are gone. */
	json_object_set_new(v, "registry", json_false());
	json_object_set_new(v, "backup", json_false());
	out = render_ok("user-data-al2023.sh", v);
	assert_null(strstr(out, "docker login"));
	assert_null(strstr(out, "clearml-elastic-backup"));
	assert_non_null(strstr(out, "/etc/cron.d/clearml"));
	bash_syntax_ok("user-data-al2023.sh without registry and backup", out);
	free(out);
	json_decref(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_variables),
		cmocka_unit_test(test_sections),
		cmocka_unit_test(test_standalone_and_comments),
		cmocka_unit_test(test_errors_name_line_and_variable),
		cmocka_unit_test(test_partials),
		cmocka_unit_test(test_filter_yaml),
		cmocka_unit_test(test_filter_json),
		cmocka_unit_test(test_filter_hocon),
		cmocka_unit_test(test_filter_sh),
		cmocka_unit_test(test_assets_embedded),
		cmocka_unit_test(test_assets_all_render),
		cmocka_unit_test(test_docker_compose),
		cmocka_unit_test(test_override),
		cmocka_unit_test(test_constants_env),
		cmocka_unit_test(test_apiserver_conf),
		cmocka_unit_test(test_secure_conf),
		cmocka_unit_test(test_sysctl_and_thp),
		cmocka_unit_test(test_cron),
		cmocka_unit_test(test_scripts),
		cmocka_unit_test(test_edge_proxy),
		cmocka_unit_test(test_iam_documents),
		cmocka_unit_test(test_user_data),
		cmocka_unit_test(test_user_data_embeds_exactly),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
