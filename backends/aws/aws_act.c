/* What every action of the aws backend does the same way: one call to a
 * service turned into the engine's result (ACT_OK, ACT_NOT_FOUND for the
 * codes the caller expects, ACT_RETRY for what may pass, ACT_FAILED with
 * the error in plain words), EC2 tags and filters, names and the ids other
 * actions recorded. */
#include <stdlib.h>
#include <string.h>

#include "../i18n.h"
#include "aws_internal.h"
#include "aws_xml.h"

struct aws_session *aws_sess(struct action_ctx *ctx)
{
	struct aws_session *s = ctx->session;
	aws_client_set_action(s->client, ctx->action->id);
	return s;
}

bool aws_code_in(const char *code, const char *list)
{
	if (!code || !list)
		return false;
	size_t n = strlen(code);
	for (const char *p = list; *p;) {
		size_t w = strcspn(p, " ");
		if (w == n && strncmp(p, code, n) == 0)
			return true;
		p += w;
		p += strspn(p, " ");
	}
	return false;
}

/* Codes that mean "something still holds on, or has not arrived yet":
 * a dependency being deleted, an IAM role not yet visible to EC2, a load
 * balancer still provisioning. The engine retries the action later. */
static const char later_codes[] =
	"DependencyViolation IncorrectState ResourceInUse ResourceInUseException "
	"OperationAbortedException OperationAborted ConflictingDomainExists "
	"PriorRequestNotComplete InvalidChangeBatch.PriorRequestNotComplete "
	"IncorrectInstanceState InvalidParameterValue.IamInstanceProfile";

enum action_rc aws_act_result(struct action_ctx *ctx, const char *action, enum aws_status st,
			      struct aws_error *err, const char *tolerate)
{
	enum action_rc rc;
	if (st == AWS_OK)
		rc = ACT_OK;
	else if (aws_code_in(err->code, tolerate))
		rc = ACT_NOT_FOUND;
	else if (aws_code_in(err->code, later_codes))
		rc = ctx_error(ctx, ACT_RETRY, err->hint, "%s: %s", action,
			       err->text ? err->text : "?");
	else
		rc = ctx_error(ctx, aws_action_rc(st), err->hint, "%s: %s", action,
			       err->text ? err->text : "?");
	aws_error_clear(err);
	return rc;
}

enum action_rc aws_act_query(struct action_ctx *ctx, enum aws_service svc, const char *action,
			     const struct aws_params *p, xmlDoc **out, const char *tolerate)
{
	struct aws_session *s = aws_sess(ctx);
	struct aws_error err = {0};
	xmlDoc *doc = NULL;
	enum aws_status st = aws_query(s->client, svc, action, p, &doc, &err);
	if (st == AWS_OK && out)
		*out = doc;
	else
		xmlFreeDoc(doc);
	return aws_act_result(ctx, action, st, &err, tolerate);
}

enum action_rc aws_ec2(struct action_ctx *ctx, const char *action, const struct aws_params *p,
		       xmlDoc **out, const char *tolerate)
{
	return aws_act_query(ctx, AWS_EC2, action, p, out, tolerate);
}

enum action_rc aws_act_json(struct action_ctx *ctx, enum aws_service svc, const char *op,
			    json_t *in, json_t **out, const char *tolerate)
{
	struct aws_session *s = aws_sess(ctx);
	struct aws_error err = {0};
	json_t *res = NULL;
	enum aws_status st = aws_json(s->client, svc, op, in, &res, &err);
	if (st == AWS_OK && out)
		*out = res;
	else
		json_decref(res);
	return aws_act_result(ctx, op, st, &err, tolerate);
}

enum action_rc aws_act_rest_xml(struct action_ctx *ctx, const struct aws_request *rq, xmlDoc **out,
				const char *tolerate)
{
	struct aws_session *s = aws_sess(ctx);
	struct aws_error err = {0};
	xmlDoc *doc = NULL;
	enum aws_status st = aws_rest_xml(s->client, rq, &doc, NULL, &err);
	if (st == AWS_OK && out)
		*out = doc;
	else
		xmlFreeDoc(doc);
	return aws_act_result(ctx, rq->operation ? rq->operation : rq->path, st, &err, tolerate);
}

enum action_rc aws_act_rest_json(struct action_ctx *ctx, const struct aws_request *rq, json_t *body,
				 json_t **out, const char *tolerate)
{
	struct aws_session *s = aws_sess(ctx);
	struct aws_error err = {0};
	json_t *res = NULL;
	enum aws_status st = aws_rest_json(s->client, rq, body, &res, &err);
	if (st == AWS_OK && out)
		*out = res;
	else
		json_decref(res);
	return aws_act_result(ctx, rq->operation ? rq->operation : rq->path, st, &err, tolerate);
}

void aws_tag_spec(struct aws_params *p, const char *rtype, const char *install, const char *name)
{
	aws_tag_spec_n(p, 1, rtype, install, name);
}

void aws_tag_spec_n(struct aws_params *p, int n, const char *rtype, const char *install,
		    const char *name)
{
	char *k = lf_asprintf("TagSpecification.%d.ResourceType", n);
	aws_params_set(p, k, rtype);
	free(k);
	k = lf_asprintf("TagSpecification.%d.Tag.1.Key", n);
	aws_params_set(p, k, AWS_TAG_INSTALL);
	free(k);
	k = lf_asprintf("TagSpecification.%d.Tag.1.Value", n);
	aws_params_set(p, k, install);
	free(k);
	k = lf_asprintf("TagSpecification.%d.Tag.2.Key", n);
	aws_params_set(p, k, "Name");
	free(k);
	k = lf_asprintf("TagSpecification.%d.Tag.2.Value", n);
	aws_params_set(p, k, name);
	free(k);
}

void aws_filter(struct aws_params *p, int *n, const char *name, const char *value)
{
	++*n;
	char *k = lf_asprintf("Filter.%d.Name", *n);
	aws_params_set(p, k, name);
	free(k);
	k = lf_asprintf("Filter.%d.Value.1", *n);
	aws_params_set(p, k, value);
	free(k);
}

enum action_rc aws_find_tagged(struct action_ctx *ctx, const char *describe, const char *id_path,
			       const char *name, const char *vpc, char **first, size_t *count)
{
	struct aws_session *s = ctx->session;
	struct aws_params *p = aws_params_new();
	int n = 0;
	aws_filter(p, &n, "tag:" AWS_TAG_INSTALL, s->cfg->install_id);
	if (name)
		aws_filter(p, &n, "tag:Name", name);
	if (vpc)
		aws_filter(p, &n, "vpc-id", vpc);
	xmlDoc *doc = NULL;
	enum action_rc rc = aws_ec2(ctx, describe, p, &doc, NULL);
	aws_params_free(p);
	*first = NULL;
	if (count)
		*count = 0;
	if (rc != ACT_OK)
		return rc;
	xmlNode **ids;
	size_t k = aws_xml_nodes(aws_xml_root(doc), id_path, &ids);
	if (k)
		*first = aws_xml_text_or(ids[0], "", "");
	if (k > 1)
		ctx_log(ctx, LOG_WARN, _("%zu resources carry the name %s; using %s"), k,
			name ? name : "?", *first);
	free(ids);
	xmlFreeDoc(doc);
	if (count)
		*count = k;
	return ACT_OK;
}

enum action_rc aws_act_query_1(struct action_ctx *ctx, enum aws_service svc, const char *action,
			       const char *key, const char *value, xmlDoc **out,
			       const char *tolerate)
{
	struct aws_params *p = aws_params_new();
	aws_params_set(p, key, value);
	enum action_rc rc = aws_act_query(ctx, svc, action, p, out, tolerate);
	aws_params_free(p);
	return rc;
}

enum action_rc aws_ec2_1(struct action_ctx *ctx, const char *action, const char *key,
			 const char *value, const char *tolerate)
{
	return aws_act_query_1(ctx, AWS_EC2, action, key, value, NULL, tolerate);
}

char *aws_name_of(const struct aws_config *c, const char *what)
{
	return lf_asprintf("%s-%s", c->install_id, what);
}

const char *aws_need(struct action_ctx *ctx, const char *action, const char *key)
{
	const char *v = ctx_resource_of(ctx, action, key);
	if (!v)
		ctx_error(ctx, ACT_FAILED, _("run apply again from the start of the plan"),
			  _("the %s of action \"%s\" is not in the journal"), key, action);
	return v;
}

const struct aws_config *aws_cfg(struct action_ctx *ctx)
{
	return ((struct aws_session *)ctx->session)->cfg;
}

/* "aws", "aws-cn", "aws-us-gov": the second field of the caller's ARN. */
char *aws_partition(const struct aws_session *s)
{
	const char *a = s->arn ? strchr(s->arn, ':') : NULL;
	const char *b = a ? strchr(a + 1, ':') : NULL;
	return a && b && b > a + 1 ? lf_xstrndup(a + 1, (size_t)(b - a - 1)) : lf_xstrdup("aws");
}

bool aws_poll(struct action_ctx *ctx, int i, long long t0, long long limit_ms)
{
	long long spent = lf_now_ms() - t0;
	if (spent >= limit_ms)
		return false;
	ctx_progress(ctx, (double)spent / (double)limit_ms);
	lf_sleep_ms(i < 3 ? 1000L << i : 5000L);
	return true;
}

bool aws_tags_hold(const xmlNode *from, const char *path, const char *key, const char *value)
{
	bool found = false;
	xmlNode **tags;
	size_t n = aws_xml_nodes(from, path, &tags);
	for (size_t i = 0; i < n && !found; i++) {
		char *k = aws_xml_text(tags[i], "Key"), *v = aws_xml_text(tags[i], "Value");
		found = k && v && strcmp(k, key) == 0 && (!value || strcmp(v, value) == 0);
		free(k);
		free(v);
	}
	free(tags);
	return found;
}
