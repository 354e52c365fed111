/* The aws backend's session and its live prerequisite checks, as the AWS
 * guide (seed 000) states the prerequisites: an account, a region with at
 * least two (better three) availability zones, the key pair, the instance
 * type in the chosen zones, a free backup bucket name, the domain's hosted
 * zone, an existing certificate when one was chosen, and room in the vCPU
 * quota. Checks report; they never change anything. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "../i18n.h"
#include "aws_internal.h"
#include "aws_xml.h"

/* ---- open / close ------------------------------------------------------- */

static int aws_open(const void *config, struct events *evs, void **session, char **cause)
{
	const struct aws_config *c = config;
	struct aws_client_opts co = {
		.region = c->region,
		.profile = lf_str_empty(c->profile) ? NULL : c->profile,
		.endpoint_url = lf_str_empty(c->endpoint_url) ? NULL : c->endpoint_url,
		.evs = evs,
	};
	struct aws_client *client = NULL;
	if (aws_client_new(&co, &client, cause) != 0)
		return -1;
	xmlDoc *doc = NULL;
	struct aws_error err = {0};
	enum aws_status st = aws_query(client, AWS_STS, "GetCallerIdentity", NULL, &doc, &err);
	if (st != AWS_OK) {
		lf_fail(cause, _("the AWS credentials (%s) were refused: %s%s%s"),
			aws_creds_describe(aws_client_creds(client)), err.text ? err.text : "?",
			err.hint ? "; " : "", err.hint ? err.hint : "");
		aws_error_clear(&err);
		aws_client_free(client);
		return -1;
	}
	struct aws_session *s = lf_xcalloc(1, sizeof *s);
	s->cfg = c;
	s->evs = evs;
	s->client = client;
	xmlNode *root = aws_xml_root(doc);
	s->account = aws_xml_text_or(root, "GetCallerIdentityResult/Account", "?");
	s->arn = aws_xml_text_or(root, "GetCallerIdentityResult/Arn", "?");
	xmlFreeDoc(doc);
	events_log(evs, NULL, LOG_INFO, _("AWS account %s as %s (credentials: %s), region %s"),
		   s->account, s->arn, aws_creds_describe(aws_client_creds(client)),
		   aws_client_region(client));
	*session = s;
	return 0;
}

int aws_whoami(const char *profile, const char *endpoint_url, const char *region, char **who,
	       char **cause)
{
	struct aws_client *client = NULL;
	if (aws_probe_client(profile, endpoint_url, region, &client, cause) != 0)
		return -1;
	xmlDoc *doc = NULL;
	struct aws_error err = {0};
	int rc = 0;
	if (aws_query(client, AWS_STS, "GetCallerIdentity", NULL, &doc, &err) != AWS_OK) {
		rc = lf_fail(cause, _("the AWS credentials (%s) were refused: %s%s%s"),
			     aws_creds_describe(aws_client_creds(client)), err.text ? err.text : "?",
			     err.hint ? "; " : "", err.hint ? err.hint : "");
	} else {
		xmlNode *root = aws_xml_root(doc);
		char *account = aws_xml_text_or(root, "GetCallerIdentityResult/Account", "?");
		char *arn = aws_xml_text_or(root, "GetCallerIdentityResult/Arn", "?");
		*who = lf_asprintf(_("account %s as %s (credentials: %s)"), account, arn,
				   aws_creds_describe(aws_client_creds(client)));
		free(account);
		free(arn);
	}
	xmlFreeDoc(doc);
	aws_error_clear(&err);
	aws_client_free(client);
	return rc;
}

static void aws_close(void *session)
{
	struct aws_session *s = session;
	if (!s)
		return;
	aws_client_free(s->client);
	free(s->account);
	free(s->arn);
	free(s);
}

/* ---- checks ------------------------------------------------------------- */

static void addf(struct check_list *out, const char *id, const char *title,
		 enum check_status st, const char *hint, const char *fmt, ...) LF_PRINTF(6, 7);

static void addf(struct check_list *out, const char *id, const char *title,
		 enum check_status st, const char *hint, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *reason = lf_vasprintf(fmt, ap);
	va_end(ap);
	check_list_add(out, id, title, st, reason, st == CHECK_OK ? NULL : hint);
	free(reason);
}

/* A call that could not be made: the check fails with AWS's words. */
static void add_call_failed(struct check_list *out, const char *id, const char *title,
			    const struct aws_error *err)
{
	addf(out, id, title, CHECK_FAILED, err->hint ? err->hint : _("see the AWS error above and retry"),
	     _("could not ask AWS: %s"), err->text ? err->text : "?");
}

static bool in_list(const char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

static void check_region(struct aws_session *s, struct check_list *out, struct aws_zone_info *zi)
{
	const struct aws_config *c = s->cfg;
	const char *region = aws_client_region(s->client);
	struct aws_params *p = aws_params_new();
	aws_params_set(p, "AllRegions", "true");
	xmlDoc *doc = NULL;
	struct aws_error err = {0};
	enum aws_status st = aws_query(s->client, AWS_EC2, "DescribeRegions", p, &doc, &err);
	aws_params_free(p);
	if (st != AWS_OK) {
		add_call_failed(out, "aws.region", _("Region"), &err);
		aws_error_clear(&err);
		return;
	}
	bool found = false;
	xmlNode **items;
	size_t n = aws_xml_nodes(aws_xml_root(doc), "regionInfo/item", &items);
	for (size_t i = 0; i < n && !found; i++) {
		char *name = aws_xml_text(items[i], "regionName");
		found = name && strcmp(name, region) == 0;
		free(name);
	}
	free(items);
	xmlFreeDoc(doc);
	if (!found) {
		addf(out, "aws.region", _("Region"), CHECK_FAILED,
		     _("choose a region your account can use, like eu-west-1"),
		     _("%s is not a region of this account"), region);
		return;
	}

	size_t available = 0;
	st = aws_zones_of(s->client, zi, &available, &err);
	if (st != AWS_OK) {
		add_call_failed(out, "aws.region", _("Region"), &err);
		aws_error_clear(&err);
		return;
	}
	if (available < 2)
		addf(out, "aws.region", _("Region"), CHECK_FAILED,
		     _("the guide needs at least 2 availability zones: choose another region"),
		     _("%s has %zu available zone(s)"), region, available);
	else if (available < 3)
		addf(out, "aws.region", _("Region"), CHECK_WARNING,
		     _("the guide recommends a region with 3 zones, for high availability later"),
		     _("%s has only %zu available zones"), region, available);
	else
		addf(out, "aws.region", _("Region"), CHECK_OK, NULL,
		     _("%s has %zu available zones"), region, available);

	if (c->vpc_existing)
		return;
	for (size_t i = 0; i < c->nzones; i++) {
		size_t k;
		for (k = 0; k < zi->n && strcmp(zi->names[k], c->zones[i]) != 0; k++)
			;
		if (k == zi->n) {
			addf(out, "aws.zones", _("Availability zones"), CHECK_FAILED,
			     _("choose zones of the region"), _("%s is not a zone of %s"),
			     c->zones[i], region);
			return;
		}
		if (strcmp(zi->states[k], "available") != 0) {
			addf(out, "aws.zones", _("Availability zones"), CHECK_FAILED,
			     _("choose zones that are available"), _("zone %s is %s"), c->zones[i],
			     zi->states[k]);
			return;
		}
	}
	addf(out, "aws.zones", _("Availability zones"), CHECK_OK, NULL,
	     _("%zu chosen zones, all available"), c->nzones);
}

/* The zones the server may land in: the chosen ones, or those of the
 * existing subnets (read here). Caller frees the array and its strings. */
static size_t target_zones(struct aws_session *s, struct check_list *out, char ***zones)
{
	const struct aws_config *c = s->cfg;
	*zones = NULL;
	if (!c->vpc_existing) {
		*zones = lf_xcalloc(c->nzones + 1, sizeof **zones);
		for (size_t i = 0; i < c->nzones; i++)
			(*zones)[i] = lf_xstrdup(c->zones[i]);
		return c->nzones;
	}
	struct aws_params *p = aws_params_new();
	for (size_t i = 0; i < c->nsubnets; i++) {
		char *key = lf_asprintf("SubnetId.%zu", i + 1);
		aws_params_set(p, key, c->subnet_ids[i]);
		free(key);
	}
	xmlDoc *doc = NULL;
	struct aws_error err = {0};
	enum aws_status st = aws_query(s->client, AWS_EC2, "DescribeSubnets", p, &doc, &err);
	aws_params_free(p);
	if (st != AWS_OK) {
		addf(out, "aws.network", _("Existing VPC"), CHECK_FAILED,
		     _("give public subnets of the VPC, in the chosen region"),
		     _("the subnets cannot be read: %s"), err.text ? err.text : "?");
		aws_error_clear(&err);
		return 0;
	}
	xmlNode **items;
	size_t n = aws_xml_nodes(aws_xml_root(doc), "subnetSet/item", &items);
	size_t nz = 0;
	*zones = lf_xcalloc(n + 1, sizeof **zones);
	bool wrong_vpc = false;
	for (size_t i = 0; i < n; i++) {
		char *vpc = aws_xml_text(items[i], "vpcId");
		if (!vpc || strcmp(vpc, c->vpc_id) != 0)
			wrong_vpc = true;
		free(vpc);
		char *z = aws_xml_text_or(items[i], "availabilityZone", "?");
		if (in_list((const char *const *)*zones, nz, z))
			free(z);
		else
			(*zones)[nz++] = z;
	}
	free(items);
	xmlFreeDoc(doc);
	if (wrong_vpc)
		addf(out, "aws.network", _("Existing VPC"), CHECK_FAILED,
		     _("give subnets of the chosen VPC"), _("some subnets are not in %s"), c->vpc_id);
	else if (nz < 2)
		addf(out, "aws.network", _("Existing VPC"), CHECK_FAILED,
		     _("the load balancer needs public subnets in two different zones"),
		     _("the subnets cover %zu zone(s)"), nz);
	else
		addf(out, "aws.network", _("Existing VPC"), CHECK_OK, NULL,
		     _("%s with %zu subnets in %zu zones"), c->vpc_id, n, nz);
	return nz;
}

static void check_key_pair(struct aws_session *s, struct check_list *out)
{
	const struct aws_config *c = s->cfg;
	if (lf_str_empty(c->key_pair))
		return;
	struct aws_params *p = aws_params_new();
	aws_params_set(p, "KeyName.1", c->key_pair);
	xmlDoc *doc = NULL;
	struct aws_error err = {0};
	enum aws_status st = aws_query(s->client, AWS_EC2, "DescribeKeyPairs", p, &doc, &err);
	aws_params_free(p);
	if (st == AWS_OK)
		addf(out, "aws.key_pair", _("Key pair"), CHECK_OK, NULL, _("key pair %s exists in %s"),
		     c->key_pair, aws_client_region(s->client));
	else if (aws_error_is(&err, "InvalidKeyPair.NotFound"))
		addf(out, "aws.key_pair", _("Key pair"), CHECK_FAILED,
		     _("create or import it in the EC2 console (Key pairs), or choose another"),
		     _("key pair %s does not exist in %s"), c->key_pair,
		     aws_client_region(s->client));
	else
		add_call_failed(out, "aws.key_pair", _("Key pair"), &err);
	aws_error_clear(&err);
	xmlFreeDoc(doc);
}

static void check_instance_type(struct aws_session *s, struct check_list *out,
				char *const *zones, size_t nz)
{
	const struct aws_config *c = s->cfg;
	if (nz == 0)
		return;
	struct aws_params *p = aws_params_new();
	aws_params_set(p, "LocationType", "availability-zone");
	aws_params_set(p, "Filter.1.Name", "instance-type");
	aws_params_set(p, "Filter.1.Value.1", c->instance_type);
	xmlDoc *doc = NULL;
	struct aws_error err = {0};
	enum aws_status st =
		aws_query(s->client, AWS_EC2, "DescribeInstanceTypeOfferings", p, &doc, &err);
	aws_params_free(p);
	if (st != AWS_OK) {
		add_call_failed(out, "aws.instance_type", _("Instance type"), &err);
		aws_error_clear(&err);
		return;
	}
	xmlNode **items;
	size_t n = aws_xml_nodes(aws_xml_root(doc), "instanceTypeOfferingSet/item/location", &items);
	char **offered = lf_xcalloc(n + 1, sizeof *offered);
	for (size_t i = 0; i < n; i++)
		offered[i] = aws_xml_text_or(items[i], "", "");
	free(items);
	xmlFreeDoc(doc);
	const char *missing = NULL;
	for (size_t i = 0; i < nz && !missing; i++)
		if (!in_list((const char *const *)offered, n, zones[i]))
			missing = zones[i];
	if (missing)
		addf(out, "aws.instance_type", _("Instance type"), CHECK_FAILED,
		     _("choose another instance type, or other zones"),
		     _("%s is not offered in %s"), c->instance_type, missing);
	else
		addf(out, "aws.instance_type", _("Instance type"), CHECK_OK, NULL,
		     _("%s is offered in every zone used"), c->instance_type);
	for (size_t i = 0; i < n; i++)
		free(offered[i]);
	free(offered);
}

/* The bucket carries this install's tag (an apply that ran before). */
static bool bucket_is_ours(struct aws_session *s)
{
	const struct aws_config *c = s->cfg;
	struct aws_request rq = {.service = AWS_S3, .operation = "GetBucketTagging",
				 .bucket = c->backup_bucket, .query = "tagging="};
	xmlDoc *doc = NULL;
	if (aws_rest_xml(s->client, &rq, &doc, NULL, NULL) != AWS_OK)
		return false;
	bool ours = aws_tags_hold(aws_xml_root(doc), "TagSet/Tag", AWS_TAG_INSTALL, c->install_id);
	xmlFreeDoc(doc);
	return ours;
}

static void check_bucket(struct aws_session *s, struct check_list *out)
{
	const struct aws_config *c = s->cfg;
	if (!c->backup_enabled || lf_str_empty(c->backup_bucket))
		return;
	struct aws_request rq = {
		.service = AWS_S3,
		.operation = "HeadBucket",
		.method = "HEAD",
		.bucket = c->backup_bucket,
	};
	struct aws_response resp = {0};
	struct aws_error err = {0};
	enum aws_status st = aws_rest_xml(s->client, &rq, NULL, &resp, &err);
	long status = resp.status;
	aws_response_clear(&resp);
	if (st == AWS_OK && bucket_is_ours(s))
		addf(out, "aws.backup_bucket", _("Backup bucket"), CHECK_OK, NULL,
		     _("bucket %s was created by this install"), c->backup_bucket);
	else if (st == AWS_OK || status == 403 || status == 301)
		addf(out, "aws.backup_bucket", _("Backup bucket"), CHECK_FAILED,
		     _("bucket names are global to all of AWS: choose another name"),
		     _("bucket name %s is taken%s"), c->backup_bucket,
		     st == AWS_OK ? _(" (by this account: Landfall creates its own bucket)") : "");
	else if (status == 404)
		addf(out, "aws.backup_bucket", _("Backup bucket"), CHECK_OK, NULL,
		     _("bucket name %s is free"), c->backup_bucket);
	else
		add_call_failed(out, "aws.backup_bucket", _("Backup bucket"), &err);
	aws_error_clear(&err);
}

/* The hosted zone whose name is the domain or its closest parent. */
enum aws_status aws_hosted_zone(struct aws_client *client, const char *domain, char **zone_id,
				char **zone_name, struct aws_error *err)
{
	char *best = NULL, *best_id = NULL;
	char *marker = NULL;
	enum aws_status st = AWS_OK;
	for (int page = 0; page < 100; page++) {
		char *q = NULL;
		if (marker) {
			char *m = aws_uri_encode(marker, false);
			q = lf_asprintf("marker=%s", m);
			free(m);
		}
		struct aws_request rq = {
			.service = AWS_ROUTE53,
			.operation = "ListHostedZones",
			.path = "/2013-04-01/hostedzone",
			.query = q,
		};
		xmlDoc *doc = NULL;
		st = aws_rest_xml(client, &rq, &doc, NULL, err);
		free(q);
		if (st != AWS_OK)
			break;
		xmlNode *root = aws_xml_root(doc);
		xmlNode **zones;
		size_t n = aws_xml_nodes(root, "HostedZones/HostedZone", &zones);
		for (size_t i = 0; i < n; i++) {
			char *name = aws_xml_text_or(zones[i], "Name", "");
			size_t len = strlen(name);
			if (len && name[len - 1] == '.')
				name[--len] = '\0';
			size_t dl = strlen(domain);
			bool match = len && dl >= len && strcmp(domain + dl - len, name) == 0 &&
				     (dl == len || domain[dl - len - 1] == '.');
			char *priv = aws_xml_text(zones[i], "Config/PrivateZone");
			if (priv && strcmp(priv, "true") == 0)
				match = false;
			free(priv);
			if (match && (!best || strlen(best) < len)) {
				free(best);
				free(best_id);
				best = name;
				best_id = aws_xml_text_or(zones[i], "Id", "");
			} else {
				free(name);
			}
		}
		free(zones);
		free(marker);
		marker = aws_xml_bool(root, "IsTruncated") ? aws_xml_text(root, "NextMarker") : NULL;
		xmlFreeDoc(doc);
		if (!marker)
			break;
	}
	free(marker);
	if (st != AWS_OK) {
		free(best);
		free(best_id);
		best = best_id = NULL;
	}
	/* "/hostedzone/Z123" -> "Z123" */
	if (best_id && strrchr(best_id, '/')) {
		char *id = lf_xstrdup(strrchr(best_id, '/') + 1);
		free(best_id);
		best_id = id;
	}
	*zone_id = best_id;
	if (zone_name)
		*zone_name = best;
	else
		free(best);
	return st;
}

static void check_hosted_zone(struct aws_session *s, struct check_list *out)
{
	const struct aws_config *c = s->cfg;
	if (!c->dns_route53 || lf_str_empty(c->domain))
		return;
	char *best = NULL, *id = NULL;
	struct aws_error err = {0};
	enum aws_status st = aws_hosted_zone(s->client, c->domain, &id, &best, &err);
	if (st != AWS_OK)
		addf(out, "aws.dns", _("DNS zone"), CHECK_WARNING,
		     _("the records will be listed for you to create"),
		     _("the Route53 zones could not be read: %s"), err.text ? err.text : "?");
	else if (best)
		addf(out, "aws.dns", _("DNS zone"), CHECK_OK, NULL,
		     _("Route53 hosted zone %s holds %s"), best, c->domain);
	else
		addf(out, "aws.dns", _("DNS zone"), CHECK_WARNING,
		     _("create a public hosted zone for the domain, or create the listed records at your DNS provider"),
		     _("no Route53 hosted zone for %s: the DNS records will be listed for you to create"),
		     c->domain);
	free(best);
	free(id);
	aws_error_clear(&err);
}

static void check_certificate(struct aws_session *s, struct check_list *out)
{
	const struct aws_config *c = s->cfg;
	if (!c->cert_existing || lf_str_empty(c->cert_arn))
		return;
	json_t *in = json_pack("{s:s}", "CertificateArn", c->cert_arn);
	json_t *res = NULL;
	struct aws_error err = {0};
	enum aws_status st = aws_json(s->client, AWS_ACM, "DescribeCertificate", in, &res, &err);
	json_decref(in);
	if (st == AWS_OK) {
		json_t *cert = json_object_get(res, "Certificate");
		const char *status = json_string_value(json_object_get(cert, "Status"));
		const char *dom = json_string_value(json_object_get(cert, "DomainName"));
		if (status && strcmp(status, "ISSUED") == 0)
			addf(out, "aws.certificate", _("Certificate"), CHECK_OK, NULL,
			     _("certificate for %s is issued"), dom ? dom : "?");
		else
			addf(out, "aws.certificate", _("Certificate"), CHECK_WARNING,
			     _("the load balancer needs an issued certificate: complete its validation"),
			     _("certificate for %s is %s"), dom ? dom : "?", status ? status : "?");
	} else if (aws_error_is(&err, "ResourceNotFoundException")) {
		addf(out, "aws.certificate", _("Certificate"), CHECK_FAILED,
		     _("give the ARN of a certificate in this account and region"),
		     _("certificate %s does not exist in %s"), c->cert_arn,
		     aws_client_region(s->client));
	} else {
		add_call_failed(out, "aws.certificate", _("Certificate"), &err);
	}
	json_decref(res);
	aws_error_clear(&err);
}

/* Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances, vCPUs. */
#define VCPU_QUOTA_CODE "L-1216C47A"

static void check_vcpu_quota(struct aws_session *s, struct check_list *out)
{
	const struct aws_config *c = s->cfg;
	json_t *in = json_pack("{s:s, s:s}", "ServiceCode", "ec2", "QuotaCode", VCPU_QUOTA_CODE);
	json_t *res = NULL;
	struct aws_error err = {0};
	enum aws_status st = aws_json(s->client, AWS_SERVICE_QUOTAS, "GetServiceQuota", in, &res, &err);
	json_decref(in);
	if (st != AWS_OK) {
		addf(out, "aws.vcpu_quota", _("vCPU quota"), CHECK_WARNING,
		     _("check the EC2 On-Demand vCPU quota in the Service Quotas console"),
		     _("could not check: %s"), err.text ? err.text : "?");
		aws_error_clear(&err);
		return;
	}
	double quota = json_number_value(
		json_object_get(json_object_get(res, "Quota"), "Value"));
	json_decref(res);

	struct aws_params *p = aws_params_new();
	aws_params_set(p, "InstanceType.1", c->instance_type);
	xmlDoc *doc = NULL;
	st = aws_query(s->client, AWS_EC2, "DescribeInstanceTypes", p, &doc, &err);
	aws_params_free(p);
	char *vc = st == AWS_OK ? aws_xml_text(aws_xml_root(doc),
					       "instanceTypeSet/item/vCpuInfo/defaultVCpus")
				: NULL;
	xmlFreeDoc(doc);
	long need = vc ? strtol(vc, NULL, 10) : 0;
	free(vc);
	if (need <= 0)
		addf(out, "aws.vcpu_quota", _("vCPU quota"), CHECK_WARNING,
		     _("check the EC2 On-Demand vCPU quota in the Service Quotas console"),
		     _("could not check: the vCPUs of %s are unknown"), c->instance_type);
	else if (quota < (double)need)
		addf(out, "aws.vcpu_quota", _("vCPU quota"), CHECK_WARNING,
		     _("ask for a higher quota in the Service Quotas console"),
		     _("the On-Demand vCPU quota is %.0f, %s needs %ld"), quota,
		     c->instance_type, need);
	else
		addf(out, "aws.vcpu_quota", _("vCPU quota"), CHECK_OK, NULL,
		     _("the On-Demand vCPU quota is %.0f; %s needs %ld"), quota, c->instance_type,
		     need);
	aws_error_clear(&err);
}

static int aws_check(void *session, struct check_list *out, char **cause)
{
	(void)cause;
	struct aws_session *s = session;
	aws_client_set_action(s->client, NULL);
	addf(out, "aws.identity", _("AWS account"), CHECK_OK, NULL, _("account %s, signed in as %s"),
	     s->account, s->arn);
	struct aws_zone_info zi = {0};
	check_region(s, out, &zi);
	aws_zone_info_clear(&zi);
	char **zones = NULL;
	size_t nz = target_zones(s, out, &zones);
	check_key_pair(s, out);
	check_instance_type(s, out, zones, nz);
	for (size_t i = 0; i < nz; i++)
		free(zones[i]);
	free(zones);
	check_bucket(s, out);
	check_hosted_zone(s, out);
	check_certificate(s, out);
	check_vcpu_quota(s, out);
	return 0;
}

const struct backend_ops aws_backend = {
	.name = "aws",
	.open = aws_open,
	.close = aws_close,
	.check = aws_check,
	.plan = aws_plan,
};
