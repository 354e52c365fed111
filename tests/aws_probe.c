/* aws_probe: a test-only command line over the AWS client layer, so that
 * the end-to-end scripts can make real calls through backends/aws/ against
 * a local emulator and compare the answers with the aws CLI's.
 *
 *   aws_probe [options] creds
 *   aws_probe [options] query SERVICE ACTION [KEY=VALUE...]
 *   aws_probe [options] json SERVICE OPERATION [JSON]
 *   aws_probe [options] rest SERVICE METHOD PATH [QUERY [BODY|@FILE]]
 *
 * SERVICE is a signing name (ec2, iam, sts, elasticloadbalancing, acm,
 * route53, s3, backup, ssm, servicequotas). REST paths are given decoded
 * ("/backups/a b.gz") and encoded here; QUERY is "k=v&k2=v2", decoded.
 *
 * Options:
 *   --region R, --profile P, --endpoint URL   as the client takes them
 *   --bucket B          S3 bucket (REST)
 *   --checksum          S3: send x-amz-checksum-sha256
 *   --get PATH          print the first value at PATH (repeatable)
 *   --each PATH         print every value at PATH (repeatable)
 *                       XML: element path under the root ("vpcSet/item/vpcId");
 *                       JSON: dotted keys, '*' for every element ("A.*.B")
 *   --pages PARAM:ELEM  query: follow pages (NextToken:nextToken, Marker:Marker)
 *   --status            print "status=N" first
 *   --repeat N          make the call N times (timings)
 *   --stats             print call statistics to stderr
 * Without --get/--each the answer body is printed as it came.
 *
 * Exit: 0 ok, 3 AWS refused (permanent), 4 still failing after retries
 * (transient), 1 could not start (credentials, region), 2 usage. Errors go
 * to stderr as "error: TEXT" and "code: CODE". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/aws_http.h"
#include "aws/aws_xml.h"
#include "util.h"

#define MAX_PATHS 16

struct opts {
	const char *region, *profile, *endpoint, *bucket, *pages;
	const char *get[MAX_PATHS], *each[MAX_PATHS];
	int nget, neach;
	bool checksum, status, stats;
	int repeat;
};

static int usage(void)
{
	fputs("usage: aws_probe [options] creds | query SERVICE ACTION [K=V...] |\n"
	      "       json SERVICE OPERATION [JSON] | rest SERVICE METHOD PATH [QUERY [BODY]]\n",
	      stderr);
	return 2;
}

/* ---- printing ------------------------------------------------------------ */

static void print_xml(xmlDoc *doc, const struct opts *o)
{
	xmlNode *root = aws_xml_root(doc);
	for (int i = 0; i < o->nget; i++) {
		char *v = aws_xml_text(root, o->get[i]);
		printf("%s\n", v ? v : "");
		free(v);
	}
	for (int i = 0; i < o->neach; i++) {
		xmlNode **nodes;
		size_t n = aws_xml_nodes(root, o->each[i], &nodes);
		for (size_t k = 0; k < n; k++) {
			char *v = aws_xml_text(nodes[k], "");
			printf("%s\n", v);
			free(v);
		}
		free(nodes);
	}
}

/* Print the values at a dotted path; returns how many were printed.
 * `limit` 1 stops at the first. */
static int json_walk(json_t *v, const char *path, int limit, int printed)
{
	if (limit && printed >= limit)
		return printed;
	while (*path == '.')
		path++;
	if (*path == '\0') {
		if (json_is_string(v))
			printf("%s\n", json_string_value(v));
		else {
			char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
			printf("%s\n", s ? s : "");
			free(s);
		}
		return printed + 1;
	}
	size_t len = strcspn(path, ".");
	char *key = lf_xstrndup(path, len);
	const char *rest = path + len;
	if (strcmp(key, "*") == 0) {
		json_t *e;
		const char *k;
		if (json_is_array(v)) {
			size_t i;
			json_array_foreach(v, i, e)
			{
				printed = json_walk(e, rest, limit, printed);
			}
		} else if (json_is_object(v)) {
			json_object_foreach(v, k, e)
			{
				printed = json_walk(e, rest, limit, printed);
			}
		}
	} else if (json_is_array(v)) {
		char *end;
		long idx = strtol(key, &end, 10);
		json_t *e = *end == '\0' ? json_array_get(v, (size_t)idx) : NULL;
		if (e)
			printed = json_walk(e, rest, limit, printed);
	} else if (json_is_object(v)) {
		json_t *e = json_object_get(v, key);
		if (e)
			printed = json_walk(e, rest, limit, printed);
	}
	free(key);
	return printed;
}

static void print_json(json_t *j, const struct opts *o)
{
	for (int i = 0; i < o->nget; i++)
		if (json_walk(j, o->get[i], 1, 0) == 0)
			printf("\n");
	for (int i = 0; i < o->neach; i++)
		json_walk(j, o->each[i], 0, 0);
}

static bool want_paths(const struct opts *o)
{
	return o->nget > 0 || o->neach > 0;
}

static int page_print(xmlDoc *page, void *user)
{
	print_xml(page, user);
	return 0;
}

/* ---- calls --------------------------------------------------------------- */

static int report(enum aws_status st, const struct aws_error *err)
{
	if (st == AWS_OK)
		return 0;
	fprintf(stderr, "error: %s\n", err->text ? err->text : "unknown");
	if (err->code)
		fprintf(stderr, "code: %s\n", err->code);
	if (err->hint)
		fprintf(stderr, "hint: %s\n", err->hint);
	return st == AWS_TRANSIENT ? 4 : 3;
}

static int do_query(struct aws_client *c, int svc, const char *action, char **kv, int n,
		    const struct opts *o, bool print)
{
	struct aws_params *p = aws_params_new();
	for (int i = 0; i < n; i++) {
		char *eq = strchr(kv[i], '=');
		if (!eq) {
			aws_params_free(p);
			return usage();
		}
		char *key = lf_xstrndup(kv[i], (size_t)(eq - kv[i]));
		aws_params_set(p, key, eq + 1);
		free(key);
	}
	struct aws_error err = {0};
	enum aws_status st;
	if (o->pages) {
		char *tp = lf_xstrdup(o->pages);
		char *colon = strchr(tp, ':');
		if (!colon) {
			free(tp);
			aws_params_free(p);
			return usage();
		}
		*colon = '\0';
		st = aws_query_pages(c, svc, action, p, tp, colon + 1, page_print, (void *)o, &err);
		free(tp);
	} else {
		xmlDoc *doc = NULL;
		st = aws_query(c, svc, action, p, &doc, &err);
		if (st == AWS_OK && print) {
			if (want_paths(o)) {
				print_xml(doc, o);
			} else {
				xmlChar *mem;
				int len;
				xmlDocDumpMemory(doc, &mem, &len);
				fwrite(mem, 1, (size_t)len, stdout);
				xmlFree(mem);
			}
		}
		xmlFreeDoc(doc);
	}
	int rc = report(st, &err);
	aws_error_clear(&err);
	aws_params_free(p);
	return rc;
}

static int do_json(struct aws_client *c, int svc, const char *op, const char *input,
		   const struct opts *o, bool print)
{
	json_t *in = NULL;
	if (input) {
		json_error_t jerr;
		in = json_loads(input, 0, &jerr);
		if (!in) {
			fprintf(stderr, "aws_probe: bad JSON input: %s\n", jerr.text);
			return 2;
		}
	}
	json_t *out = NULL;
	struct aws_error err = {0};
	enum aws_status st = aws_json(c, svc, op, in, &out, &err);
	if (st == AWS_OK && print) {
		if (want_paths(o)) {
			print_json(out, o);
		} else {
			char *s = json_dumps(out, JSON_INDENT(1));
			printf("%s\n", s);
			free(s);
		}
	}
	json_decref(out);
	json_decref(in);
	int rc = report(st, &err);
	aws_error_clear(&err);
	return rc;
}

/* "k=v&k2" (decoded) → canonical query string. */
static char *canonical_query(const char *q)
{
	struct aws_params *p = aws_params_new();
	char *copy = lf_xstrdup(q), *save = NULL;
	for (char *t = strtok_r(copy, "&", &save); t; t = strtok_r(NULL, "&", &save)) {
		char *eq = strchr(t, '=');
		if (eq)
			*eq = '\0';
		aws_params_set(p, t, eq ? eq + 1 : "");
	}
	char *s = aws_params_encode(p);
	free(copy);
	aws_params_free(p);
	return s;
}

static int do_rest(struct aws_client *c, int svc, const char *method, const char *path,
		   const char *query, const char *body_arg, const struct opts *o, bool print)
{
	char *body = NULL;
	size_t body_len = 0;
	if (body_arg && body_arg[0] == '@') {
		char *cause = NULL;
		body = lf_read_file(body_arg + 1, &body_len, &cause);
		if (!body) {
			fprintf(stderr, "aws_probe: %s\n", cause);
			free(cause);
			return 2;
		}
	} else if (body_arg) {
		body = lf_xstrdup(body_arg);
		body_len = strlen(body);
	}
	char *epath = aws_uri_encode(path, true);
	char *q = query && *query ? canonical_query(query) : NULL;
	struct aws_request rq = {
		.service = svc,
		.method = method,
		.path = epath,
		.query = q,
		.bucket = o->bucket,
		.checksum = o->checksum,
	};
	struct aws_error err = {0};
	struct aws_response resp;
	enum aws_status st;
	if (aws_service_info(svc)->protocol == AWS_PROTO_REST_JSON) {
		json_t *in = NULL;
		if (body) {
			json_error_t jerr;
			in = json_loadb(body, body_len, 0, &jerr);
			if (!in) {
				fprintf(stderr, "aws_probe: bad JSON body: %s\n", jerr.text);
				free(body);
				free(epath);
				free(q);
				return 2;
			}
		}
		json_t *out = NULL;
		st = aws_rest_json(c, &rq, in, &out, &err);
		if (st == AWS_OK && print) {
			if (o->status)
				printf("status=ok\n");
			if (want_paths(o))
				print_json(out ? out : json_null(), o);
			else if (out) {
				char *s = json_dumps(out, JSON_INDENT(1));
				printf("%s\n", s);
				free(s);
			}
		}
		json_decref(out);
		json_decref(in);
	} else {
		rq.body = body;
		rq.body_len = body_len;
		xmlDoc *doc = NULL;
		/* Parse only when asked: S3 objects are not XML. */
		st = aws_rest_xml(c, &rq, want_paths(o) ? &doc : NULL, &resp, &err);
		if (print && (st == AWS_OK || o->status)) {
			if (o->status)
				printf("status=%ld\n", resp.status);
			if (st == AWS_OK && want_paths(o))
				print_xml(doc, o);
			else if (st == AWS_OK && resp.body_len)
				fwrite(resp.body, 1, resp.body_len, stdout);
		}
		xmlFreeDoc(doc);
		aws_response_clear(&resp);
	}
	free(body);
	free(epath);
	free(q);
	int rc = report(st, &err);
	aws_error_clear(&err);
	return rc;
}

int main(int argc, char **argv)
{
	struct opts o = {.repeat = 1};
	/* Options may come anywhere; the rest are positional. */
	char **pos = lf_xcalloc((size_t)argc + 1, sizeof *pos);
	int npos = 0;
	for (int k = 1; k < argc; k++) {
		const char *a = argv[k];
		const char *v = k + 1 < argc ? argv[k + 1] : NULL;
		if (strncmp(a, "--", 2) != 0) {
			pos[npos++] = argv[k];
			continue;
		}
		if (strcmp(a, "--checksum") == 0) {
			o.checksum = true;
			continue;
		}
		if (strcmp(a, "--status") == 0) {
			o.status = true;
			continue;
		}
		if (strcmp(a, "--stats") == 0) {
			o.stats = true;
			continue;
		}
		if (!v) {
			free(pos);
			return usage();
		}
		k++;
		if (strcmp(a, "--region") == 0)
			o.region = v;
		else if (strcmp(a, "--profile") == 0)
			o.profile = v;
		else if (strcmp(a, "--endpoint") == 0)
			o.endpoint = v;
		else if (strcmp(a, "--bucket") == 0)
			o.bucket = v;
		else if (strcmp(a, "--pages") == 0)
			o.pages = v;
		else if (strcmp(a, "--repeat") == 0)
			o.repeat = atoi(v) > 0 ? atoi(v) : 1;
		else if (strcmp(a, "--get") == 0 && o.nget < MAX_PATHS)
			o.get[o.nget++] = v;
		else if (strcmp(a, "--each") == 0 && o.neach < MAX_PATHS)
			o.each[o.neach++] = v;
		else {
			free(pos);
			return usage();
		}
	}
	argc = npos;
	argv = pos;
	int i = 0;
	if (i >= argc) {
		free(pos);
		return usage();
	}
	const char *kind = argv[i++];

	struct aws_client_opts co = {
		.region = o.region, .profile = o.profile, .endpoint_url = o.endpoint};
	struct aws_client *c = NULL;
	char *cause = NULL;
	if (aws_client_new(&co, &c, &cause) != 0) {
		fprintf(stderr, "error: %s\n", cause);
		free(cause);
		free(pos);
		return 1;
	}
	int rc = 0;
	if (strcmp(kind, "creds") == 0) {
		const struct aws_creds *cr = aws_client_creds(c);
		printf("source=%s\ndescribe=%s\nregion=%s\n",
		       aws_creds_source_name(aws_creds_source(cr)), aws_creds_describe(cr),
		       aws_client_region(c));
		aws_client_free(c);
		free(pos);
		return 0;
	}
	if (i + 1 >= argc) {
		aws_client_free(c);
		free(pos);
		return usage();
	}
	int svc = aws_service_by_name(argv[i]);
	if (svc < 0) {
		fprintf(stderr, "aws_probe: unknown service %s\n", argv[i]);
		aws_client_free(c);
		free(pos);
		return 2;
	}
	i++;
	long long t0 = lf_now_ms();
	for (int r = 0; r < o.repeat && rc == 0; r++) {
		bool print = r == o.repeat - 1;
		if (strcmp(kind, "query") == 0)
			rc = do_query(c, svc, argv[i], argv + i + 1, argc - i - 1, &o, print);
		else if (strcmp(kind, "json") == 0)
			rc = do_json(c, svc, argv[i], i + 1 < argc ? argv[i + 1] : NULL, &o, print);
		else if (strcmp(kind, "rest") == 0 && i + 1 < argc)
			rc = do_rest(c, svc, argv[i], argv[i + 1],
				     i + 2 < argc ? argv[i + 2] : NULL,
				     i + 3 < argc ? argv[i + 3] : NULL, &o, print);
		else
			rc = usage();
	}
	long long wall = lf_now_ms() - t0;
	if (o.stats) {
		struct aws_stats s;
		aws_client_stats(c, &s);
		fprintf(stderr,
			"stats: calls=%ld attempts=%ld retries=%ld failures=%ld ms=%lld "
			"avg_ms=%.2f wall_ms=%lld\n",
			s.calls, s.attempts, s.retries, s.failures, s.ms,
			s.calls ? (double)s.ms / (double)s.calls : 0.0, wall);
	}
	aws_client_free(c);
	free(pos);
	return rc;
}
