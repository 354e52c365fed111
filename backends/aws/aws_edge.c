/* The edge of the AWS guide (seed 000): the envoy target group on port
 * 10000 ("Create Target Group"), the TLS certificate ("Create a
 * Certificate"), the application load balancer and its listeners ("Create
 * Load Balancer", "Listeners"), and the DNS records that point the domain
 * and its wildcard at it.
 *
 * Load balancer and target group names are unique per account and region
 * and CreateX with the same name and settings answers the existing one, so
 * they are found by name (and must carry our install tag). The certificate
 * is found by its domain and our tag. Without a Route53 zone for the domain,
 * the records are outputs for the user to create at their DNS provider. */
#include <stdlib.h>
#include <string.h>

#include "../i18n.h"
#include "aws_internal.h"
#include "aws_xml.h"

#define R53_NS	   "https://route53.amazonaws.com/doc/2013-04-01/"
#define TLS_POLICY "ELBSecurityPolicy-TLS13-1-2-Res-2021-06"
#define ENVOY_PORT "10000"
#define WAIT_MS	   (10 * 60000LL)

/* Load balancer and target group names: at most 32 characters, letters,
 * digits and '-', not ending in '-'. */
static char *elb_name(const struct aws_config *c, const char *suffix)
{
	size_t room = 32 - strlen(suffix) - 1;
	size_t n = strlen(c->install_id);
	if (n > room)
		n = room;
	while (n && c->install_id[n - 1] == '-')
		n--;
	return lf_asprintf("%.*s-%s", (int)n, c->install_id, suffix);
}

static void elb_tags(struct aws_params *p, const struct aws_config *c, const char *name)
{
	aws_params_set(p, "Tags.member.1.Key", AWS_TAG_INSTALL);
	aws_params_set(p, "Tags.member.1.Value", c->install_id);
	aws_params_set(p, "Tags.member.2.Key", "Name");
	aws_params_set(p, "Tags.member.2.Value", name);
}

/* ACT_OK when the ELBv2 resource `arn` carries our install tag. */
static enum action_rc elb_ours(struct action_ctx *ctx, const char *arn, const char *name)
{
	xmlDoc *doc = NULL;
	enum action_rc rc = aws_act_query_1(ctx, AWS_ELBV2, "DescribeTags", "ResourceArns.member.1",
					    arn, &doc, NULL);
	if (rc != ACT_OK)
		return rc;
	bool ours = aws_tags_hold(aws_xml_root(doc),
				  "DescribeTagsResult/TagDescriptions/member/Tags/member",
				  AWS_TAG_INSTALL, aws_cfg(ctx)->install_id);
	xmlFreeDoc(doc);
	if (!ours)
		return ctx_error(ctx, ACT_FAILED, _("delete it, or choose another install name"),
				 _("%s exists and was not created by this install"), name);
	return ACT_OK;
}

/* ======== target group ====================================================== */

static enum action_rc tg_register(struct action_ctx *ctx, const char *arn)
{
	const char *instance = aws_need(ctx, "instance", "instance_id");
	if (!instance)
		return ACT_FAILED;
	struct aws_params *p = aws_params_new();
	aws_params_set(p, "TargetGroupArn", arn);
	aws_params_set(p, "Targets.member.1.Id", instance);
	aws_params_set(p, "Targets.member.1.Port", ENVOY_PORT);
	enum action_rc rc = aws_act_query(ctx, AWS_ELBV2, "RegisterTargets", p, NULL, NULL);
	aws_params_free(p);
	if (rc == ACT_OK) {
		ctx_set_resource(ctx, "target_group_arn", arn);
		ctx_output(ctx, "target_group_arn", _("Target group"), arn);
		ctx_log(ctx, LOG_INFO, _("instance %s registered on port %s"), instance,
			ENVOY_PORT);
	}
	return rc;
}

/* The ELBv2 resource called "<install>-<suffix>" (DescribeX by name; the
 * ARN at arn_path), which must carry our tag: ACT_OK with *arn, or
 * ACT_NOT_FOUND (`missing` is DescribeX's code for no such name). */
static enum action_rc elb_lookup(struct action_ctx *ctx, const char *describe,
				 const char *suffix, const char *missing, const char *arn_path,
				 char **arn)
{
	char *name = elb_name(aws_cfg(ctx), suffix);
	xmlDoc *doc = NULL;
	*arn = NULL;
	enum action_rc rc = aws_act_query_1(ctx, AWS_ELBV2, describe, "Names.member.1", name,
					    &doc, missing);
	if (rc == ACT_OK) {
		*arn = aws_xml_text(aws_xml_root(doc), arn_path);
		rc = *arn ? elb_ours(ctx, *arn, name) : ACT_NOT_FOUND;
	}
	xmlFreeDoc(doc);
	free(name);
	return rc;
}

static enum action_rc tg_lookup(struct action_ctx *ctx, char **arn)
{
	return elb_lookup(ctx, "DescribeTargetGroups", "envoy", "TargetGroupNotFound",
			  "DescribeTargetGroupsResult/TargetGroups/member/TargetGroupArn", arn);
}

static enum action_rc tg_find(struct action_ctx *ctx)
{
	char *arn = NULL;
	enum action_rc rc = tg_lookup(ctx, &arn);
	if (rc == ACT_OK)
		rc = tg_register(ctx, arn);
	free(arn);
	return rc;
}

static enum action_rc tg_apply(struct action_ctx *ctx)
{
	const struct aws_config *c = aws_cfg(ctx);
	const char *vpc = aws_need(ctx, "vpc", "vpc_id");
	if (!vpc)
		return ACT_FAILED;
	char *name = elb_name(c, "envoy");
	struct aws_params *p = aws_params_new();
	aws_params_set(p, "Name", name);
	aws_params_set(p, "Protocol", "HTTP");
	aws_params_set(p, "Port", ENVOY_PORT);
	aws_params_set(p, "VpcId", vpc);
	aws_params_set(p, "TargetType", "instance");
	aws_params_set(p, "HealthCheckProtocol", "HTTP");
	aws_params_set(p, "HealthCheckPort", "traffic-port");
	aws_params_set(p, "HealthCheckPath", "/api/debug.ping");
	aws_params_set(p, "HealthCheckIntervalSeconds", "30");
	aws_params_set(p, "HealthCheckTimeoutSeconds", "10");
	/* The guide says 1; AWS takes 2 at least. */
	aws_params_set(p, "HealthyThresholdCount", "2");
	aws_params_set(p, "UnhealthyThresholdCount", "2");
	aws_params_set(p, "Matcher.HttpCode", "200");
	elb_tags(p, c, name);
	xmlDoc *doc = NULL;
	enum action_rc rc = aws_act_query(ctx, AWS_ELBV2, "CreateTargetGroup", p, &doc, NULL);
	aws_params_free(p);
	free(name);
	if (rc != ACT_OK)
		return rc;
	char *arn =
		aws_xml_text_or(aws_xml_root(doc),
				"CreateTargetGroupResult/TargetGroups/member/TargetGroupArn", "");
	xmlFreeDoc(doc);
	rc = tg_register(ctx, arn);
	free(arn);
	return rc;
}

static enum action_rc tg_undo(struct action_ctx *ctx)
{
	char *arn = NULL;
	enum action_rc rc = tg_lookup(ctx, &arn);
	if (rc == ACT_OK)
		rc = aws_act_query_1(ctx, AWS_ELBV2, "DeleteTargetGroup", "TargetGroupArn", arn,
				     NULL, "TargetGroupNotFound");
	free(arn);
	return rc == ACT_NOT_FOUND ? ACT_OK : rc;
}

const struct action_ops aws_target_group_ops = {
	.find = tg_find, .apply = tg_apply, .undo = tg_undo};

/* ======== Route53 =========================================================== */

/* One change of a record set in `zone`: action UPSERT or DELETE; `rrset` the
 * ResourceRecordSet's inner XML. A DELETE of a record that is not there
 * counts as done. */
static enum action_rc r53_change(struct action_ctx *ctx, const char *zone, const char *action,
				 const char *rrset)
{
	char *path = lf_asprintf("/2013-04-01/hostedzone/%s/rrset", zone);
	char *body =
		lf_asprintf("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
			    "<ChangeResourceRecordSetsRequest xmlns=\"" R53_NS "\"><ChangeBatch>"
			    "<Comment>landfall %s</Comment><Changes>%s</Changes></ChangeBatch>"
			    "</ChangeResourceRecordSetsRequest>",
			    aws_cfg(ctx)->install_id, rrset);
	struct aws_request rq = {.service = AWS_ROUTE53,
				 .operation = "ChangeResourceRecordSets",
				 .method = "POST",
				 .path = path,
				 .body = body,
				 .body_len = strlen(body)};
	enum action_rc rc = aws_act_rest_xml(
		ctx, &rq, NULL, strcmp(action, "DELETE") == 0 ? "InvalidChangeBatch" : NULL);
	free(path);
	free(body);
	return rc == ACT_NOT_FOUND ? ACT_OK : rc;
}

static char *change_cname(const char *action, const char *name, const char *value)
{
	char *n = aws_xml_escape(name), *v = aws_xml_escape(value);
	char *x = lf_asprintf("<Change><Action>%s</Action><ResourceRecordSet><Name>%s</Name>"
			      "<Type>CNAME</Type><TTL>300</TTL><ResourceRecords><ResourceRecord>"
			      "<Value>%s</Value></ResourceRecord></ResourceRecords>"
			      "</ResourceRecordSet></Change>",
			      action, n, v);
	free(n);
	free(v);
	return x;
}

static char *change_alias(const char *action, const char *name, const char *type, const char *zone,
			  const char *dns)
{
	char *n = aws_xml_escape(name), *d = aws_xml_escape(dns);
	char *x = lf_asprintf("<Change><Action>%s</Action><ResourceRecordSet><Name>%s</Name>"
			      "<Type>%s</Type><AliasTarget><HostedZoneId>%s</HostedZoneId>"
			      "<DNSName>%s</DNSName><EvaluateTargetHealth>false"
			      "</EvaluateTargetHealth></AliasTarget></ResourceRecordSet></Change>",
			      action, n, type, zone, d);
	free(n);
	free(d);
	return x;
}

/* The hosted zone for the domain when DNS is Route53's, else NULL. */
static enum action_rc zone_of(struct action_ctx *ctx, char **zone)
{
	const struct aws_config *c = aws_cfg(ctx);
	*zone = NULL;
	if (!c->dns_route53)
		return ACT_OK;
	if (!lf_str_empty(c->hosted_zone_id)) {
		*zone = lf_xstrdup(c->hosted_zone_id);
		return ACT_OK;
	}
	struct aws_error err = {0};
	enum aws_status st = aws_hosted_zone(aws_sess(ctx)->client, c->domain, zone, NULL, &err);
	return aws_act_result(ctx, "ListHostedZones", st, &err, NULL);
}

/* ======== certificate ======================================================= */

/* "name value,name value": the validation CNAMEs of the certificate. */
static enum action_rc cert_records(struct action_ctx *ctx, const char *arn, char **records,
				   char **status)
{
	json_t *in = json_pack("{s:s}", "CertificateArn", arn), *out = NULL;
	enum action_rc rc = aws_act_json(ctx, AWS_ACM, "DescribeCertificate", in, &out, NULL);
	json_decref(in);
	*records = NULL;
	*status = NULL;
	if (rc != ACT_OK)
		return rc;
	json_t *cert = json_object_get(out, "Certificate");
	*status = lf_xstrdup(json_string_value(json_object_get(cert, "Status"))
				     ? json_string_value(json_object_get(cert, "Status"))
				     : "?");
	char *list = lf_xstrdup("");
	json_t *opt;
	size_t i;
	json_array_foreach(json_object_get(cert, "DomainValidationOptions"), i, opt)
	{
		json_t *rr = json_object_get(opt, "ResourceRecord");
		const char *n = json_string_value(json_object_get(rr, "Name"));
		const char *v = json_string_value(json_object_get(rr, "Value"));
		if (!n || !v)
			continue;
		char *pair = lf_asprintf("%s %s", n, v);
		if (!strstr(list, pair)) {
			char *next = lf_asprintf("%s%s%s", list, *list ? "," : "", pair);
			free(list);
			list = next;
		}
		free(pair);
	}
	json_decref(out);
	if (*list)
		*records = list;
	else
		free(list);
	return ACT_OK;
}

/* Apply `fn` to each "name value" pair of a record list. */
static enum action_rc each_record(struct action_ctx *ctx, const char *records,
				  enum action_rc (*fn)(struct action_ctx *, const char *,
						       const char *, void *),
				  void *user)
{
	char *copy = lf_xstrdup(records), *save = NULL;
	enum action_rc rc = ACT_OK;
	for (char *r = strtok_r(copy, ",", &save); r && rc == ACT_OK;
	     r = strtok_r(NULL, ",", &save)) {
		char *sp = strchr(r, ' ');
		if (!sp)
			continue;
		*sp = '\0';
		rc = fn(ctx, r, sp + 1, user);
	}
	free(copy);
	return rc;
}

static enum action_rc record_upsert(struct action_ctx *ctx, const char *name, const char *value,
				    void *zone)
{
	char *ch = change_cname("UPSERT", name, value);
	enum action_rc rc = r53_change(ctx, zone, "UPSERT", ch);
	free(ch);
	return rc;
}

static enum action_rc record_delete(struct action_ctx *ctx, const char *name, const char *value,
				    void *zone)
{
	char *ch = change_cname("DELETE", name, value);
	enum action_rc rc = r53_change(ctx, zone, "DELETE", ch);
	free(ch);
	return rc;
}

static enum action_rc record_output(struct action_ctx *ctx, const char *name, const char *value,
				    void *n)
{
	int *k = n;
	char *key = lf_asprintf("cert_validation_%d", ++*k);
	char *text = lf_asprintf("%s CNAME %s", name, value);
	ctx_output(ctx, key, _("Certificate validation record (create it)"), text);
	free(key);
	free(text);
	return ACT_OK;
}

/* Our certificate for the domain: the newest one carrying our tag that is
 * pending or issued. */
static enum action_rc cert_lookup(struct action_ctx *ctx, char **arn)
{
	const struct aws_config *c = aws_cfg(ctx);
	*arn = NULL;
	json_t *in = json_pack("{s:[s, s], s:i}", "CertificateStatuses", "PENDING_VALIDATION",
			       "ISSUED", "MaxItems", 1000),
	       *out = NULL;
	enum action_rc rc = aws_act_json(ctx, AWS_ACM, "ListCertificates", in, &out, NULL);
	json_decref(in);
	if (rc != ACT_OK)
		return rc;
	json_t *sum;
	size_t i;
	json_array_foreach(json_object_get(out, "CertificateSummaryList"), i, sum)
	{
		const char *d = json_string_value(json_object_get(sum, "DomainName"));
		const char *a = json_string_value(json_object_get(sum, "CertificateArn"));
		if (!d || !a || strcmp(d, c->domain) != 0)
			continue;
		json_t *tin = json_pack("{s:s}", "CertificateArn", a), *tout = NULL;
		rc = aws_act_json(ctx, AWS_ACM, "ListTagsForCertificate", tin, &tout, NULL);
		json_decref(tin);
		if (rc != ACT_OK)
			break;
		json_t *t;
		size_t k;
		json_array_foreach(json_object_get(tout, "Tags"), k, t)
		{
			const char *key = json_string_value(json_object_get(t, "Key"));
			const char *val = json_string_value(json_object_get(t, "Value"));
			if (key && val && strcmp(key, AWS_TAG_INSTALL) == 0 &&
			    strcmp(val, c->install_id) == 0 && !*arn)
				*arn = lf_xstrdup(a);
		}
		json_decref(tout);
	}
	json_decref(out);
	if (rc != ACT_OK)
		return rc;
	return *arn ? ACT_OK : ACT_NOT_FOUND;
}

/* The existing certificate of the answers: issued, and for the domain and
 * its wildcard. */
static enum action_rc cert_existing(struct action_ctx *ctx)
{
	const struct aws_config *c = aws_cfg(ctx);
	json_t *in = json_pack("{s:s}", "CertificateArn", c->cert_arn), *out = NULL;
	enum action_rc rc = aws_act_json(ctx, AWS_ACM, "DescribeCertificate", in, &out, NULL);
	json_decref(in);
	if (rc != ACT_OK)
		return rc;
	json_t *cert = json_object_get(out, "Certificate");
	const char *status = json_string_value(json_object_get(cert, "Status"));
	char *wild = lf_asprintf("*.%s", c->domain);
	bool apex = false, sub = false;
	json_t *n;
	size_t i;
	json_array_foreach(json_object_get(cert, "SubjectAlternativeNames"), i, n)
	{
		const char *s = json_string_value(n);
		apex = apex || (s && strcmp(s, c->domain) == 0);
		sub = sub || (s && strcmp(s, wild) == 0);
	}
	if (!status || strcmp(status, "ISSUED") != 0)
		rc = ctx_error(ctx, ACT_FAILED, _("choose an issued certificate, or mode new"),
			       _("aws.certificate.arn: certificate %s is %s, not ISSUED"),
			       c->cert_arn, status ? status : "?");
	else if (!apex || !sub)
		rc = ctx_error(
			ctx, ACT_FAILED, _("choose a certificate for both names, or mode new"),
			_("aws.certificate.arn: certificate %s does not cover both %s and %s"),
			c->cert_arn, c->domain, wild);
	free(wild);
	json_decref(out);
	if (rc == ACT_OK) {
		ctx_set_resource(ctx, "certificate_arn", c->cert_arn);
		ctx_output(ctx, "certificate_arn", _("TLS certificate"), c->cert_arn);
	}
	return rc;
}

/* Validation records in place (Route53) or listed, then wait for ISSUED:
 * up to 45 minutes with Route53 (ACM takes up to 30), 15 without, after
 * which the apply stops and can be resumed once the records exist. */
static enum action_rc cert_issue(struct action_ctx *ctx, const char *arn)
{
	ctx_set_resource(ctx, "certificate_arn", arn);
	ctx_set_resource(ctx, "issued_by_us", "yes");
	ctx_output(ctx, "certificate_arn", _("TLS certificate"), arn);
	char *zone = NULL;
	enum action_rc rc = zone_of(ctx, &zone);
	if (rc != ACT_OK)
		return rc;
	char *records = NULL, *status = NULL;
	const long long limit = (zone ? 45 : 15) * 60000LL, t0 = lf_now_ms();
	bool placed = false;
	for (int i = 0; rc == ACT_OK; i++) {
		free(records);
		free(status);
		rc = cert_records(ctx, arn, &records, &status);
		if (rc != ACT_OK)
			break;
		if (strcmp(status, "ISSUED") == 0) {
			ctx_log(ctx, LOG_INFO, _("certificate %s is issued"), arn);
			break;
		}
		if (strcmp(status, "PENDING_VALIDATION") != 0) {
			rc = ctx_error(ctx, ACT_FAILED, _("see the certificate in the ACM console"),
				       _("certificate %s is %s"), arn, status);
			break;
		}
		if (records && !placed) {
			placed = true;
			if (zone) {
				rc = each_record(ctx, records, record_upsert, zone);
				if (rc == ACT_OK) {
					ctx_set_resource(ctx, "validation_records", records);
					ctx_log(ctx, LOG_INFO,
						_("validation records created in hosted zone %s"),
						zone);
				}
			} else {
				int n = 0;
				each_record(ctx, records, record_output, &n);
				ctx_log(ctx, LOG_WARN,
					_("create the certificate's validation records at your DNS "
					  "provider (see the outputs): %s"),
					records);
			}
		}
		if (i == 0 || i % 24 == 0)
			ctx_log(ctx, LOG_INFO, _("waiting for ACM to validate the certificate"));
		if (!aws_poll(ctx, i, t0, limit))
			break;
	}
	if (rc == ACT_OK && strcmp(status ? status : "", "ISSUED") != 0)
		rc = ctx_error(ctx, ACT_FAILED,
			       zone ? _("check the validation records in the hosted zone, then run "
					"apply again")
				    : _("create the validation records listed in the outputs, then "
					"run apply again"),
			       _("certificate %s is not issued yet"), arn);
	free(records);
	free(status);
	free(zone);
	return rc;
}

static enum action_rc cert_find(struct action_ctx *ctx)
{
	if (aws_cfg(ctx)->cert_existing)
		return cert_existing(ctx);
	char *arn = NULL;
	enum action_rc rc = cert_lookup(ctx, &arn);
	if (rc == ACT_OK)
		rc = cert_issue(ctx, arn);
	free(arn);
	return rc;
}

static enum action_rc cert_apply(struct action_ctx *ctx)
{
	const struct aws_config *c = aws_cfg(ctx);
	if (c->cert_existing)
		return cert_existing(ctx);
	char *wild = lf_asprintf("*.%s", c->domain);
	/* Same token, same request: ACM answers the certificate it made. */
	char *token = lf_asprintf("landfall%.24s", c->install_id);
	for (char *p = token; *p; p++)
		if (*p == '-')
			*p = '0';
	json_t *in = json_pack("{s:s, s:[s], s:s, s:s, s:[{s:s, s:s}, {s:s, s:s}]}", "DomainName",
			       c->domain, "SubjectAlternativeNames", wild, "ValidationMethod",
			       "DNS", "IdempotencyToken", token, "Tags", "Key", AWS_TAG_INSTALL,
			       "Value", c->install_id, "Key", "Name", "Value", c->domain),
	       *out = NULL;
	free(wild);
	free(token);
	enum action_rc rc = aws_act_json(ctx, AWS_ACM, "RequestCertificate", in, &out, NULL);
	json_decref(in);
	if (rc != ACT_OK)
		return rc;
	const char *got = json_string_value(json_object_get(out, "CertificateArn"));
	char *arn = lf_xstrdup(got ? got : "");
	json_decref(out);
	ctx_log(ctx, LOG_INFO, _("requested certificate %s"), arn);
	rc = cert_issue(ctx, arn);
	free(arn);
	return rc;
}

static enum action_rc cert_undo(struct action_ctx *ctx)
{
	const char *ours = ctx_resource(ctx, "issued_by_us");
	if (aws_cfg(ctx)->cert_existing || !ours)
		return ACT_OK; /* the user's certificate: not ours to delete */
	char *arn = NULL;
	enum action_rc rc = cert_lookup(ctx, &arn);
	const char *records = ctx_resource(ctx, "validation_records");
	if (rc == ACT_OK || rc == ACT_NOT_FOUND) {
		char *zone = NULL;
		rc = records ? zone_of(ctx, &zone) : ACT_OK;
		if (rc == ACT_OK && zone)
			rc = each_record(ctx, records, record_delete, zone);
		free(zone);
	}
	if (rc == ACT_OK && arn) {
		json_t *in = json_pack("{s:s}", "CertificateArn", arn);
		rc = aws_act_json(ctx, AWS_ACM, "DeleteCertificate", in, NULL,
				  "ResourceNotFoundException");
		json_decref(in);
	}
	free(arn);
	return rc == ACT_NOT_FOUND ? ACT_OK : rc;
}

const struct action_ops aws_certificate_ops = {
	.find = cert_find, .apply = cert_apply, .undo = cert_undo};

/* ======== load balancer ===================================================== */

/* Record the load balancer of a Describe/Create answer's member; wait
 * until it is active. */
static enum action_rc lb_wait(struct action_ctx *ctx, const char *arn)
{
	long long t0 = lf_now_ms();
	for (int i = 0;; i++) {
		xmlDoc *doc = NULL;
		enum action_rc rc = aws_act_query_1(ctx, AWS_ELBV2, "DescribeLoadBalancers",
						    "LoadBalancerArns.member.1", arn, &doc, NULL);
		if (rc != ACT_OK)
			return rc;
		xmlNode *lb = aws_xml_node(aws_xml_root(doc),
					   "DescribeLoadBalancersResult/LoadBalancers/member");
		char *state = aws_xml_text_or(lb, "State/Code", "?");
		bool active = strcmp(state, "active") == 0;
		if (active) {
			char *dns = aws_xml_text_or(lb, "DNSName", "");
			char *zone = aws_xml_text_or(lb, "CanonicalHostedZoneId", "");
			ctx_set_resource(ctx, "load_balancer_arn", arn);
			ctx_set_resource(ctx, "dns_name", dns);
			ctx_set_resource(ctx, "canonical_zone_id", zone);
			ctx_output(ctx, "load_balancer_dns", _("Load balancer DNS name"), dns);
			free(dns);
			free(zone);
		} else if (strcmp(state, "failed") == 0) {
			free(state);
			xmlFreeDoc(doc);
			return ctx_error(ctx, ACT_FAILED, NULL,
					 _("load balancer %s failed to provision"), arn);
		}
		free(state);
		xmlFreeDoc(doc);
		if (active)
			return ACT_OK;
		if (i % 12 == 0)
			ctx_log(ctx, LOG_INFO, _("waiting for the load balancer to become active"));
		if (!aws_poll(ctx, i, t0, WAIT_MS))
			break;
	}
	return ctx_error(ctx, ACT_RETRY, NULL, _("load balancer %s is not active after 10 minutes"),
			 arn);
}

static enum action_rc lb_attributes(struct action_ctx *ctx, const char *arn, bool protect)
{
	struct aws_params *p = aws_params_new();
	aws_params_set(p, "LoadBalancerArn", arn);
	aws_params_set(p, "Attributes.member.1.Key", "deletion_protection.enabled");
	aws_params_set(p, "Attributes.member.1.Value", protect ? "true" : "false");
	if (protect) {
		/* The guide: idle timeout 300 s (long uploads and API calls). */
		aws_params_set(p, "Attributes.member.2.Key", "idle_timeout.timeout_seconds");
		aws_params_set(p, "Attributes.member.2.Value", "300");
	}
	enum action_rc rc =
		aws_act_query(ctx, AWS_ELBV2, "ModifyLoadBalancerAttributes", p, NULL, NULL);
	aws_params_free(p);
	return rc;
}

static enum action_rc lb_lookup(struct action_ctx *ctx, char **arn)
{
	return elb_lookup(ctx, "DescribeLoadBalancers", "alb", "LoadBalancerNotFound",
			  "DescribeLoadBalancersResult/LoadBalancers/member/LoadBalancerArn", arn);
}

static enum action_rc lb_finish(struct action_ctx *ctx, const char *arn)
{
	enum action_rc rc = lb_attributes(ctx, arn, true);
	return rc == ACT_OK ? lb_wait(ctx, arn) : rc;
}

static enum action_rc lb_find(struct action_ctx *ctx)
{
	char *arn = NULL;
	enum action_rc rc = lb_lookup(ctx, &arn);
	if (rc == ACT_OK)
		rc = lb_finish(ctx, arn);
	free(arn);
	return rc;
}

static enum action_rc lb_apply(struct action_ctx *ctx)
{
	const struct aws_config *c = aws_cfg(ctx);
	const char *group = aws_need(ctx, "sg-load-balancer", "group_id");
	const char *subnets = ctx_resource_of(ctx, "subnets", "subnet_ids");
	if (!subnets && group)
		subnets = aws_need(ctx, "vpc", "subnet_ids");
	if (!group || !subnets)
		return ACT_FAILED;
	char *name = elb_name(c, "alb");
	struct aws_params *p = aws_params_new();
	aws_params_set(p, "Name", name);
	aws_params_set(p, "Type", "application");
	aws_params_set(p, "Scheme", "internet-facing");
	aws_params_set(p, "IpAddressType", c->ipv6 ? "dualstack" : "ipv4");
	aws_params_set(p, "SecurityGroups.member.1", group);
	char *copy = lf_xstrdup(subnets), *save = NULL;
	int n = 0;
	for (char *s = strtok_r(copy, ",", &save); s; s = strtok_r(NULL, ",", &save)) {
		char *k = lf_asprintf("Subnets.member.%d", ++n);
		aws_params_set(p, k, s);
		free(k);
	}
	free(copy);
	elb_tags(p, c, name);
	free(name);
	xmlDoc *doc = NULL;
	enum action_rc rc = aws_act_query(ctx, AWS_ELBV2, "CreateLoadBalancer", p, &doc, NULL);
	aws_params_free(p);
	if (rc != ACT_OK)
		return rc;
	char *arn = aws_xml_text_or(aws_xml_root(doc),
				    "CreateLoadBalancerResult/LoadBalancers/member/LoadBalancerArn",
				    "");
	xmlFreeDoc(doc);
	ctx_set_resource(ctx, "load_balancer_arn", arn);
	rc = lb_finish(ctx, arn);
	free(arn);
	return rc;
}

static enum action_rc lb_undo(struct action_ctx *ctx)
{
	char *arn = NULL;
	enum action_rc rc = lb_lookup(ctx, &arn);
	if (rc == ACT_OK)
		rc = lb_attributes(ctx, arn, false);
	if (rc == ACT_OK)
		rc = aws_act_query_1(ctx, AWS_ELBV2, "DeleteLoadBalancer", "LoadBalancerArn", arn,
				     NULL, "LoadBalancerNotFound");
	/* Gone from the API before its network interfaces are: the security
	 * groups' undo retries on DependencyViolation meanwhile. */
	long long t0 = lf_now_ms();
	for (int i = 0; rc == ACT_OK; i++) {
		rc = aws_act_query_1(ctx, AWS_ELBV2, "DescribeLoadBalancers",
				     "LoadBalancerArns.member.1", arn, NULL,
				     "LoadBalancerNotFound");
		if (rc == ACT_OK && !aws_poll(ctx, i, t0, WAIT_MS / 2))
			break;
	}
	free(arn);
	return rc == ACT_NOT_FOUND ? ACT_OK : rc;
}

const struct action_ops aws_load_balancer_ops = {
	.find = lb_find, .apply = lb_apply, .undo = lb_undo};

/* ======== listeners ========================================================= */

/* The ARNs of our load balancer's listeners on 80 and 443 (NULL: none). */
static enum action_rc listeners_of(struct action_ctx *ctx, const char *lb, char **http,
				   char **https)
{
	xmlDoc *doc = NULL;
	*http = *https = NULL;
	enum action_rc rc = aws_act_query_1(ctx, AWS_ELBV2, "DescribeListeners", "LoadBalancerArn",
					    lb, &doc, "LoadBalancerNotFound ListenerNotFound");
	if (rc != ACT_OK)
		return rc;
	xmlNode **ls;
	size_t n =
		aws_xml_nodes(aws_xml_root(doc), "DescribeListenersResult/Listeners/member", &ls);
	for (size_t i = 0; i < n; i++) {
		char *port = aws_xml_text_or(ls[i], "Port", "");
		char **slot = strcmp(port, "80") == 0	 ? http
			      : strcmp(port, "443") == 0 ? https
							 : NULL;
		if (slot && !*slot)
			*slot = aws_xml_text(ls[i], "ListenerArn");
		free(port);
	}
	free(ls);
	xmlFreeDoc(doc);
	return ACT_OK;
}

/* The forwarding rule on the HTTPS listener (the one that is not the
 * default), or NULL. */
static enum action_rc rule_of(struct action_ctx *ctx, const char *listener, char **rule)
{
	xmlDoc *doc = NULL;
	*rule = NULL;
	enum action_rc rc = aws_act_query_1(ctx, AWS_ELBV2, "DescribeRules", "ListenerArn",
					    listener, &doc, "ListenerNotFound");
	if (rc != ACT_OK)
		return rc;
	xmlNode **rs;
	size_t n = aws_xml_nodes(aws_xml_root(doc), "DescribeRulesResult/Rules/member", &rs);
	for (size_t i = 0; i < n && !*rule; i++)
		if (!aws_xml_bool(rs[i], "IsDefault"))
			*rule = aws_xml_text(rs[i], "RuleArn");
	free(rs);
	xmlFreeDoc(doc);
	return ACT_OK;
}

static enum action_rc listener_create(struct action_ctx *ctx, const char *lb, bool https,
				      char **arn)
{
	struct aws_params *p = aws_params_new();
	aws_params_set(p, "LoadBalancerArn", lb);
	if (https) {
		const char *cert = aws_need(ctx, "certificate", "certificate_arn");
		if (!cert) {
			aws_params_free(p);
			return ACT_FAILED;
		}
		aws_params_set(p, "Protocol", "HTTPS");
		aws_params_set(p, "Port", "443");
		aws_params_set(p, "SslPolicy", TLS_POLICY);
		aws_params_set(p, "Certificates.member.1.CertificateArn", cert);
		aws_params_set(p, "DefaultActions.member.1.Type", "fixed-response");
		aws_params_set(p, "DefaultActions.member.1.FixedResponseConfig.StatusCode", "404");
		aws_params_set(p, "DefaultActions.member.1.FixedResponseConfig.ContentType",
			       "text/plain");
		aws_params_set(p, "DefaultActions.member.1.FixedResponseConfig.MessageBody",
			       "Not found");
	} else {
		aws_params_set(p, "Protocol", "HTTP");
		aws_params_set(p, "Port", "80");
		aws_params_set(p, "DefaultActions.member.1.Type", "redirect");
		aws_params_set(p, "DefaultActions.member.1.RedirectConfig.Protocol", "HTTPS");
		aws_params_set(p, "DefaultActions.member.1.RedirectConfig.Port", "443");
		aws_params_set(p, "DefaultActions.member.1.RedirectConfig.StatusCode", "HTTP_301");
	}
	xmlDoc *doc = NULL;
	enum action_rc rc = aws_act_query(ctx, AWS_ELBV2, "CreateListener", p, &doc, NULL);
	aws_params_free(p);
	if (rc == ACT_OK)
		*arn = aws_xml_text_or(aws_xml_root(doc),
				       "CreateListenerResult/Listeners/member/ListenerArn", "");
	xmlFreeDoc(doc);
	return rc;
}

static enum action_rc rule_create(struct action_ctx *ctx, const char *listener, char **arn)
{
	const struct aws_config *c = aws_cfg(ctx);
	const char *tg = aws_need(ctx, "target-group", "target_group_arn");
	if (!tg)
		return ACT_FAILED;
	struct aws_params *p = aws_params_new();
	aws_params_set(p, "ListenerArn", listener);
	aws_params_set(p, "Priority", "10");
	aws_params_set(p, "Conditions.member.1.Field", "host-header");
	aws_params_set(p, "Conditions.member.1.HostHeaderConfig.Values.member.1", c->domain);
	aws_params_setf(p, "Conditions.member.1.HostHeaderConfig.Values.member.2", "*.%s",
			c->domain);
	aws_params_set(p, "Actions.member.1.Type", "forward");
	aws_params_set(p, "Actions.member.1.TargetGroupArn", tg);
	xmlDoc *doc = NULL;
	enum action_rc rc = aws_act_query(ctx, AWS_ELBV2, "CreateRule", p, &doc, NULL);
	aws_params_free(p);
	if (rc == ACT_OK)
		*arn = aws_xml_text_or(aws_xml_root(doc), "CreateRuleResult/Rules/member/RuleArn",
				       "");
	xmlFreeDoc(doc);
	return rc;
}

/* Create what is missing of the two listeners and the rule; with
 * `create` false, only report whether all of it is there. */
static enum action_rc listeners_ensure(struct action_ctx *ctx, bool create)
{
	const char *lb = aws_need(ctx, "load-balancer", "load_balancer_arn");
	if (!lb)
		return ACT_FAILED;
	char *http = NULL, *https = NULL, *rule = NULL;
	enum action_rc rc = listeners_of(ctx, lb, &http, &https);
	if (rc == ACT_OK && !create && !(http && https))
		rc = ACT_NOT_FOUND;
	if (rc == ACT_OK && !http)
		rc = listener_create(ctx, lb, false, &http);
	if (rc == ACT_OK && !https)
		rc = listener_create(ctx, lb, true, &https);
	if (rc == ACT_OK)
		rc = rule_of(ctx, https, &rule);
	if (rc == ACT_OK && !rule)
		rc = create ? rule_create(ctx, https, &rule) : ACT_NOT_FOUND;
	if (rc == ACT_OK) {
		ctx_set_resource(ctx, "http_listener_arn", http);
		ctx_set_resource(ctx, "https_listener_arn", https);
		ctx_set_resource(ctx, "rule_arn", rule);
	}
	free(http);
	free(https);
	free(rule);
	return rc;
}

static enum action_rc listeners_find(struct action_ctx *ctx)
{
	return listeners_ensure(ctx, false);
}

static enum action_rc listeners_apply(struct action_ctx *ctx)
{
	return listeners_ensure(ctx, true);
}

static enum action_rc listeners_undo(struct action_ctx *ctx)
{
	char *lb = NULL;
	enum action_rc rc = lb_lookup(ctx, &lb);
	char *http = NULL, *https = NULL, *rule = NULL;
	if (rc == ACT_OK)
		rc = listeners_of(ctx, lb, &http, &https);
	if (rc == ACT_OK && https)
		rc = rule_of(ctx, https, &rule);
	if (rc == ACT_OK && rule)
		rc = aws_act_query_1(ctx, AWS_ELBV2, "DeleteRule", "RuleArn", rule, NULL,
				     "RuleNotFound");
	if ((rc == ACT_OK || rc == ACT_NOT_FOUND) && https)
		rc = aws_act_query_1(ctx, AWS_ELBV2, "DeleteListener", "ListenerArn", https, NULL,
				     "ListenerNotFound");
	if ((rc == ACT_OK || rc == ACT_NOT_FOUND) && http)
		rc = aws_act_query_1(ctx, AWS_ELBV2, "DeleteListener", "ListenerArn", http, NULL,
				     "ListenerNotFound");
	free(lb);
	free(http);
	free(https);
	free(rule);
	return rc == ACT_NOT_FOUND ? ACT_OK : rc;
}

const struct action_ops aws_listeners_ops = {
	.find = listeners_find, .apply = listeners_apply, .undo = listeners_undo};

/* ======== DNS records ======================================================= */

/* The alias records of the domain and its wildcard (A, and AAAA with
 * IPv6) as one change batch. */
static char *alias_changes(struct action_ctx *ctx, const char *action, const char *zone,
			   const char *dns)
{
	const struct aws_config *c = aws_cfg(ctx);
	char *wild = lf_asprintf("*.%s", c->domain);
	const char *names[] = {c->domain, wild};
	const char *types[] = {"A", "AAAA"};
	char *all = lf_xstrdup("");
	for (size_t i = 0; i < 2; i++)
		for (size_t t = 0; t < (c->ipv6 ? 2u : 1u); t++) {
			char *ch = change_alias(action, names[i], types[t], zone, dns);
			char *next = lf_asprintf("%s%s", all, ch);
			free(all);
			free(ch);
			all = next;
		}
	free(wild);
	return all;
}

static enum action_rc dns_outputs(struct action_ctx *ctx, const char *dns)
{
	const struct aws_config *c = aws_cfg(ctx);
	char *a = lf_asprintf("%s CNAME (or ALIAS) %s", c->domain, dns);
	char *b = lf_asprintf("*.%s CNAME %s", c->domain, dns);
	ctx_output(ctx, "dns_record_domain", _("DNS record (create it)"), a);
	ctx_output(ctx, "dns_record_wildcard", _("DNS record (create it)"), b);
	free(a);
	free(b);
	return ACT_OK;
}

static enum action_rc dns_ensure(struct action_ctx *ctx, bool create)
{
	const struct aws_config *c = aws_cfg(ctx);
	const char *dns = aws_need(ctx, "load-balancer", "dns_name");
	const char *lbzone = dns ? aws_need(ctx, "load-balancer", "canonical_zone_id") : NULL;
	if (!lbzone)
		return ACT_FAILED;
	char *zone = NULL;
	enum action_rc rc = zone_of(ctx, &zone);
	if (rc == ACT_OK && !zone) {
		if (c->dns_route53)
			ctx_log(ctx, LOG_WARN,
				_("no Route53 hosted zone holds %s: create the records in the "
				  "outputs at your DNS provider"),
				c->domain);
		rc = dns_outputs(ctx, dns);
	} else if (rc == ACT_OK && !create) {
		rc = ACT_NOT_FOUND; /* UPSERT is idempotent: apply does it */
	} else if (rc == ACT_OK) {
		char *changes = alias_changes(ctx, "UPSERT", lbzone, dns);
		rc = r53_change(ctx, zone, "UPSERT", changes);
		free(changes);
		if (rc == ACT_OK) {
			ctx_set_resource(ctx, "hosted_zone_id", zone);
			char *rec = lf_asprintf("%s, *.%s -> %s", c->domain, c->domain, dns);
			ctx_output(ctx, "dns_records", _("DNS records (Route53 aliases)"), rec);
			free(rec);
		}
	}
	if (rc == ACT_OK) {
		char *url = lf_asprintf("https://app.%s", c->domain);
		ctx_output(ctx, "web_url", _("Web application"), url);
		free(url);
	}
	free(zone);
	return rc;
}

static enum action_rc dns_find(struct action_ctx *ctx)
{
	return dns_ensure(ctx, false);
}

static enum action_rc dns_apply(struct action_ctx *ctx)
{
	return dns_ensure(ctx, true);
}

static enum action_rc dns_undo(struct action_ctx *ctx)
{
	const char *zone = ctx_resource(ctx, "hosted_zone_id");
	const char *dns = ctx_resource_of(ctx, "load-balancer", "dns_name");
	const char *lbzone = ctx_resource_of(ctx, "load-balancer", "canonical_zone_id");
	if (!zone || !dns || !lbzone)
		return ACT_OK; /* nothing was created in Route53 */
	/* One change per record: a batch fails whole when one is gone. */
	const struct aws_config *c = aws_cfg(ctx);
	char *wild = lf_asprintf("*.%s", c->domain);
	const char *names[] = {c->domain, wild};
	const char *types[] = {"A", "AAAA"};
	enum action_rc rc = ACT_OK;
	for (size_t i = 0; i < 2 && rc == ACT_OK; i++)
		for (size_t t = 0; t < 2 && rc == ACT_OK; t++) {
			char *ch = change_alias("DELETE", names[i], types[t], lbzone, dns);
			rc = r53_change(ctx, zone, "DELETE", ch);
			free(ch);
		}
	free(wild);
	return rc;
}

const struct action_ops aws_dns_records_ops = {
	.find = dns_find, .apply = dns_apply, .undo = dns_undo};
