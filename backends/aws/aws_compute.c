/* The server of the AWS guide (seed 000): the backup bucket ("Backups"),
 * the IAM role and instance profile ("Create an IAM Role for the Server"),
 * and the instance with its four disks ("Create Instance") whose user-data
 * does the guide's installation steps on first boot.
 *
 * Idempotence: S3 bucket names and IAM names are unique, so the names
 * themselves are looked up (and must carry our install tag before they are
 * adopted); the instance is launched with a client token derived from the
 * install id and found again by its tags. Secrets never travel in the
 * user-data (anyone allowed ec2:DescribeInstanceAttribute reads it): they
 * go to SSM SecureString parameters under /landfall/<install id>/, which
 * only the instance's role may read. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../gzip.h"
#include "../i18n.h"
#include "../render.h"
#include "aws_internal.h"
#include "aws_xml.h"

#define S3_NS		"http://s3.amazonaws.com/doc/2006-03-01/"
#define COMPOSE_VERSION "2.29.7"
#define WAIT_MS		(10 * 60000LL)

/* The SSM parameters of an install (under aws_ssm_prefix()). */
static const char *const ssm_names[] = {"apiserver.conf", "secure.conf", "registry-password", NULL};

static char *ssm_prefix(const struct aws_config *c)
{
	return lf_asprintf("/landfall/%s", c->install_id);
}

/* ======== the backup bucket ================================================= */

/* 200 with the bucket's tag set, 404 when there is none, or another
 * status (403: not ours). *tagged: it carries an install tag; *ours: this
 * install's. */
static enum action_rc bucket_probe(struct action_ctx *ctx, long *status, bool *tagged, bool *ours)
{
	const struct aws_config *c = aws_cfg(ctx);
	struct aws_session *s = aws_sess(ctx);
	*tagged = *ours = false;
	struct aws_request head = {.service = AWS_S3,
				   .operation = "HeadBucket",
				   .method = "HEAD",
				   .bucket = c->backup_bucket};
	struct aws_response resp = {0};
	struct aws_error err = {0};
	enum aws_status st = aws_rest_xml(s->client, &head, NULL, &resp, &err);
	*status = resp.status;
	aws_response_clear(&resp);
	if (st != AWS_OK) {
		if (*status == 404 || *status == 403 || *status == 301) {
			aws_error_clear(&err);
			return ACT_OK;
		}
		return aws_act_result(ctx, "HeadBucket", st, &err, NULL);
	}
	struct aws_request rq = {.service = AWS_S3,
				 .operation = "GetBucketTagging",
				 .bucket = c->backup_bucket,
				 .query = "tagging="};
	xmlDoc *doc = NULL;
	enum action_rc rc = aws_act_rest_xml(ctx, &rq, &doc, "NoSuchTagSet NoSuchTagSetError");
	if (rc == ACT_NOT_FOUND)
		return ACT_OK;
	if (rc != ACT_OK)
		return rc;
	*tagged = aws_tags_hold(aws_xml_root(doc), "TagSet/Tag", AWS_TAG_INSTALL, NULL);
	*ours = aws_tags_hold(aws_xml_root(doc), "TagSet/Tag", AWS_TAG_INSTALL, c->install_id);
	xmlFreeDoc(doc);
	return ACT_OK;
}

static enum action_rc s3_put(struct action_ctx *ctx, const char *op, const char *query,
			     const char *body, bool checksum, const char *tolerate)
{
	const struct aws_config *c = aws_cfg(ctx);
	struct aws_request rq = {.service = AWS_S3,
				 .operation = op,
				 .method = "PUT",
				 .bucket = c->backup_bucket,
				 .query = query,
				 .body = body,
				 .body_len = body ? strlen(body) : 0,
				 .checksum = checksum};
	return aws_act_rest_xml(ctx, &rq, NULL, tolerate);
}

/* Everything the guide and the issue ask of the bucket, each call
 * idempotent: tags, default encryption, public access blocked, and the
 * expiry of the MongoDB dumps. Elasticsearch snapshots are incremental
 * (later ones share the files of earlier ones), so an expiry rule must not
 * touch them: the snapshot script deletes old snapshots itself. */
static enum action_rc bucket_settings(struct action_ctx *ctx)
{
	const struct aws_config *c = aws_cfg(ctx);
	char *name = aws_name_of(c, "backups");
	char *tagging =
		lf_asprintf("<Tagging xmlns=\"" S3_NS "\"><TagSet><Tag><Key>" AWS_TAG_INSTALL
			    "</Key><Value>%s</Value></Tag><Tag><Key>Name</Key><Value>%s"
			    "</Value></Tag></TagSet></Tagging>",
			    c->install_id, name);
	free(name);
	enum action_rc rc = s3_put(ctx, "PutBucketTagging", "tagging=", tagging, true, NULL);
	free(tagging);
	if (rc != ACT_OK)
		return rc;
	rc = s3_put(ctx, "PutBucketEncryption", "encryption=",
		    "<ServerSideEncryptionConfiguration xmlns=\"" S3_NS "\"><Rule>"
		    "<ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm>"
		    "</ApplyServerSideEncryptionByDefault><BucketKeyEnabled>true</BucketKeyEnabled>"
		    "</Rule></ServerSideEncryptionConfiguration>",
		    true, NULL);
	if (rc != ACT_OK)
		return rc;
	rc = s3_put(
		ctx, "PutPublicAccessBlock", "publicAccessBlock=",
		"<PublicAccessBlockConfiguration xmlns=\"" S3_NS "\">"
		"<BlockPublicAcls>true</BlockPublicAcls><IgnorePublicAcls>true</IgnorePublicAcls>"
		"<BlockPublicPolicy>true</BlockPublicPolicy>"
		"<RestrictPublicBuckets>true</RestrictPublicBuckets>"
		"</PublicAccessBlockConfiguration>",
		true, NULL);
	if (rc != ACT_OK)
		return rc;
	char *lifecycle = lf_asprintf(
		"<LifecycleConfiguration xmlns=\"" S3_NS "\"><Rule><ID>landfall-mongo-expiry</ID>"
		"<Filter><Prefix>" AWS_BACKUP_MONGO_PREFIX
		"/</Prefix></Filter><Status>Enabled</Status>"
		"<Expiration><Days>%d</Days></Expiration></Rule><Rule>"
		"<ID>landfall-abort-uploads</ID><Filter><Prefix></Prefix></Filter>"
		"<Status>Enabled</Status><AbortIncompleteMultipartUpload><DaysAfterInitiation>7"
		"</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>"
		"</LifecycleConfiguration>",
		c->backup_retention_days > 0 ? c->backup_retention_days : 7);
	rc = s3_put(ctx, "PutBucketLifecycleConfiguration", "lifecycle=", lifecycle, true, NULL);
	free(lifecycle);
	if (rc != ACT_OK)
		return rc;
	ctx_set_resource(ctx, "bucket", c->backup_bucket);
	ctx_output(ctx, "backup_bucket", _("Backup bucket"), c->backup_bucket);
	return ACT_OK;
}

static enum action_rc bucket_find(struct action_ctx *ctx)
{
	const struct aws_config *c = aws_cfg(ctx);
	long status = 0;
	bool tagged, ours;
	enum action_rc rc = bucket_probe(ctx, &status, &tagged, &ours);
	if (rc != ACT_OK)
		return rc;
	if (status == 404)
		return ACT_NOT_FOUND;
	/* Created by an earlier run of this action that stopped before the
	 * tags were written: the journal says the action was under way. */
	bool interrupted = status == 200 && !tagged &&
			   strcmp(journal_status(ctx->journal, ctx->action->id), "running") == 0;
	if (status != 200 || !(ours || interrupted))
		return ctx_error(ctx, ACT_FAILED,
				 _("bucket names are global to all of AWS: choose another name"),
				 _("bucket %s exists and was not created by this install"),
				 c->backup_bucket);
	return bucket_settings(ctx);
}

static enum action_rc bucket_apply(struct action_ctx *ctx)
{
	const struct aws_config *c = aws_cfg(ctx);
	const char *region = aws_client_region(aws_sess(ctx)->client);
	char *body = strcmp(region, "us-east-1") == 0
			     ? NULL
			     : lf_asprintf("<CreateBucketConfiguration xmlns=\"" S3_NS
					   "\"><LocationConstraint>%s</LocationConstraint>"
					   "</CreateBucketConfiguration>",
					   region);
	enum action_rc rc =
		s3_put(ctx, "CreateBucket", NULL, body, false, "BucketAlreadyOwnedByYou");
	free(body);
	if (rc == ACT_NOT_FOUND)
		return bucket_find(ctx);
	if (rc != ACT_OK)
		return rc;
	ctx_log(ctx, LOG_INFO, _("created bucket %s"), c->backup_bucket);
	return bucket_settings(ctx);
}

/* Delete every object version and delete marker, a page at a time. */
static enum action_rc bucket_empty(struct action_ctx *ctx)
{
	const struct aws_config *c = aws_cfg(ctx);
	for (int page = 0; page < 10000; page++) {
		struct aws_request list = {.service = AWS_S3,
					   .operation = "ListObjectVersions",
					   .bucket = c->backup_bucket,
					   .query = "max-keys=1000&versions="};
		xmlDoc *doc = NULL;
		enum action_rc rc = aws_act_rest_xml(ctx, &list, &doc, NULL);
		if (rc != ACT_OK)
			return rc;
		xmlNode *root = aws_xml_root(doc);
		char *del = lf_xstrdup("<Delete xmlns=\"" S3_NS "\"><Quiet>true</Quiet>");
		size_t total = 0;
		static const char *const kinds[] = {"Version", "DeleteMarker"};
		for (size_t k = 0; k < 2; k++) {
			xmlNode **items;
			size_t n = aws_xml_nodes(root, kinds[k], &items);
			for (size_t i = 0; i < n; i++) {
				char *key = aws_xml_text_or(items[i], "Key", "");
				char *vid = aws_xml_text_or(items[i], "VersionId", "null");
				char *ek = aws_xml_escape(key), *ev = aws_xml_escape(vid);
				char *next = lf_asprintf("%s<Object><Key>%s</Key><VersionId>%s"
							 "</VersionId></Object>",
							 del, ek, ev);
				free(del);
				del = next;
				free(key);
				free(vid);
				free(ek);
				free(ev);
			}
			total += n;
			free(items);
		}
		xmlFreeDoc(doc);
		if (total == 0) {
			free(del);
			return ACT_OK;
		}
		char *body = lf_asprintf("%s</Delete>", del);
		free(del);
		struct aws_request rq = {.service = AWS_S3,
					 .operation = "DeleteObjects",
					 .method = "POST",
					 .bucket = c->backup_bucket,
					 .query = "delete=",
					 .body = body,
					 .body_len = strlen(body),
					 .checksum = true};
		rc = aws_act_rest_xml(ctx, &rq, NULL, NULL);
		free(body);
		if (rc != ACT_OK)
			return rc;
		ctx_log(ctx, LOG_INFO,
			ngettext("deleted %zu object from bucket %s",
				 "deleted %zu objects from bucket %s", total),
			total, c->backup_bucket);
	}
	return ctx_error(ctx, ACT_FAILED, NULL, _("bucket %s: too many objects to delete"),
			 c->backup_bucket);
}

static enum action_rc bucket_undo(struct action_ctx *ctx)
{
	const struct aws_config *c = aws_cfg(ctx);
	if (!ctx->purge) {
		ctx_log(ctx, LOG_INFO,
			_("keeping bucket %s and the backups in it (destroy --purge deletes them)"),
			c->backup_bucket);
		ctx_keep(ctx);
		return ACT_OK;
	}
	long status = 0;
	bool tagged, ours;
	enum action_rc rc = bucket_probe(ctx, &status, &tagged, &ours);
	if (rc != ACT_OK || status == 404)
		return rc;
	if (!ours)
		return ctx_error(ctx, ACT_FAILED, NULL,
				 _("bucket %s does not carry this install's tag; not deleting it"),
				 c->backup_bucket);
	rc = bucket_empty(ctx);
	if (rc != ACT_OK)
		return rc;
	struct aws_request rq = {.service = AWS_S3,
				 .operation = "DeleteBucket",
				 .method = "DELETE",
				 .bucket = c->backup_bucket};
	rc = aws_act_rest_xml(ctx, &rq, NULL, "NoSuchBucket");
	if (rc == ACT_OK)
		ctx_log(ctx, LOG_WARN, _("deleted bucket %s and its backups, as confirmed"),
			c->backup_bucket);
	return rc == ACT_NOT_FOUND ? ACT_OK : rc;
}

const struct action_ops aws_bucket_ops = {
	.find = bucket_find, .apply = bucket_apply, .undo = bucket_undo};

/* ======== IAM =============================================================== */

static void iam_tags(struct aws_params *p, const struct aws_config *c, const char *name)
{
	aws_params_set(p, "Tags.member.1.Key", AWS_TAG_INSTALL);
	aws_params_set(p, "Tags.member.1.Value", c->install_id);
	aws_params_set(p, "Tags.member.2.Key", "Name");
	aws_params_set(p, "Tags.member.2.Value", name);
}

/* ACT_OK when the IAM entity (the Role or InstanceProfile element of a
 * Get answer, which carries its tags) holds our install tag, else the
 * error. */
static enum action_rc iam_ours(struct action_ctx *ctx, xmlNode *entity, const char *name)
{
	if (!aws_tags_hold(entity, "Tags/member", AWS_TAG_INSTALL, aws_cfg(ctx)->install_id))
		return ctx_error(ctx, ACT_FAILED, _("delete it, or choose another install name"),
				 _("IAM %s exists and was not created by this install"), name);
	return ACT_OK;
}

static char *role_name(const struct aws_config *c)
{
	return aws_name_of(c, "server");
}

static char *render_json_asset(struct action_ctx *ctx, const char *asset, json_t *vars)
{
	char *cause = NULL;
	char *doc = render_asset(asset, vars, NULL, &cause);
	if (!doc) {
		ctx_error(ctx, ACT_FAILED, NULL, "%s", cause);
		free(cause);
	}
	return doc;
}

/* The role's inline policies: the backup bucket (when backups are on) and
 * the install's SSM parameters. PutRolePolicy replaces: idempotent. */
static enum action_rc role_policies(struct action_ctx *ctx, const char *role)
{
	const struct aws_config *c = aws_cfg(ctx);
	struct aws_session *s = ctx->session;
	char *partition = aws_partition(s), *prefix = ssm_prefix(c);
	json_t *vars = json_pack("{s:s, s:s, s:s, s:s, s:{s:s}}", "partition", partition, "region",
				 aws_client_region(s->client), "account_id",
				 s->account ? s->account : "", "ssm_prefix", prefix, "backup",
				 "bucket", c->backup_bucket ? c->backup_bucket : "");
	free(partition);
	free(prefix);
	struct {
		const char *asset, *policy;
		bool want;
	} pol[] = {
		{"iam-secrets-policy.json", "landfall-secrets", true},
		{"iam-backup-policy.json", "landfall-backup-bucket", c->backup_enabled},
	};
	enum action_rc rc = ACT_OK;
	for (size_t i = 0; i < LF_ARRAY_LEN(pol) && rc == ACT_OK; i++) {
		if (!pol[i].want)
			continue;
		char *doc = render_json_asset(ctx, pol[i].asset, vars);
		if (!doc) {
			rc = ACT_FAILED;
			break;
		}
		struct aws_params *p = aws_params_new();
		aws_params_set(p, "RoleName", role);
		aws_params_set(p, "PolicyName", pol[i].policy);
		aws_params_set(p, "PolicyDocument", doc);
		rc = aws_act_query(ctx, AWS_IAM, "PutRolePolicy", p, NULL, NULL);
		aws_params_free(p);
		free(doc);
	}
	json_decref(vars);
	return rc;
}

static enum action_rc role_record(struct action_ctx *ctx, const char *role, xmlDoc *doc,
				  const char *result)
{
	char *path = lf_asprintf("%s/Role/Arn", result);
	char *arn = aws_xml_text_or(aws_xml_root(doc), path, "");
	free(path);
	ctx_set_resource(ctx, "role_name", role);
	ctx_set_resource(ctx, "role_arn", arn);
	ctx_output(ctx, "role_arn", _("Server IAM role"), arn);
	free(arn);
	return role_policies(ctx, role);
}

static enum action_rc role_find(struct action_ctx *ctx)
{
	char *role = role_name(aws_cfg(ctx));
	xmlDoc *doc = NULL;
	enum action_rc rc =
		aws_act_query_1(ctx, AWS_IAM, "GetRole", "RoleName", role, &doc, "NoSuchEntity");
	if (rc == ACT_OK)
		rc = iam_ours(ctx, aws_xml_node(aws_xml_root(doc), "GetRoleResult/Role"), role);
	if (rc == ACT_OK)
		rc = role_record(ctx, role, doc, "GetRoleResult");
	xmlFreeDoc(doc);
	free(role);
	return rc;
}

static enum action_rc role_apply(struct action_ctx *ctx)
{
	const struct aws_config *c = aws_cfg(ctx);
	json_t *none = json_object();
	char *trust = render_json_asset(ctx, "ec2-trust-policy.json", none);
	json_decref(none);
	if (!trust)
		return ACT_FAILED;
	char *role = role_name(c);
	struct aws_params *p = aws_params_new();
	aws_params_set(p, "RoleName", role);
	aws_params_set(p, "Path", "/landfall/");
	aws_params_set(p, "AssumeRolePolicyDocument", trust);
	aws_params_setf(p, "Description", "ClearML Server of Landfall install %s", c->install_id);
	iam_tags(p, c, role);
	xmlDoc *doc = NULL;
	enum action_rc rc =
		aws_act_query(ctx, AWS_IAM, "CreateRole", p, &doc, "EntityAlreadyExists");
	aws_params_free(p);
	free(trust);
	if (rc == ACT_NOT_FOUND)
		rc = role_find(ctx);
	else if (rc == ACT_OK)
		rc = role_record(ctx, role, doc, "CreateRoleResult");
	xmlFreeDoc(doc);
	free(role);
	return rc;
}

static enum action_rc role_undo(struct action_ctx *ctx)
{
	char *role = role_name(aws_cfg(ctx));
	xmlDoc *doc = NULL;
	enum action_rc rc = aws_act_query_1(ctx, AWS_IAM, "ListRolePolicies", "RoleName", role,
					    &doc, "NoSuchEntity");
	if (rc == ACT_OK) {
		xmlNode **names;
		size_t n = aws_xml_nodes(aws_xml_root(doc),
					 "ListRolePoliciesResult/PolicyNames/member", &names);
		for (size_t i = 0; i < n && rc == ACT_OK; i++) {
			char *pol = aws_xml_text_or(names[i], "", "");
			struct aws_params *p = aws_params_new();
			aws_params_set(p, "RoleName", role);
			aws_params_set(p, "PolicyName", pol);
			rc = aws_act_query(ctx, AWS_IAM, "DeleteRolePolicy", p, NULL,
					   "NoSuchEntity");
			if (rc == ACT_NOT_FOUND)
				rc = ACT_OK;
			aws_params_free(p);
			free(pol);
		}
		free(names);
		if (rc == ACT_OK)
			rc = aws_act_query_1(ctx, AWS_IAM, "DeleteRole", "RoleName", role, NULL,
					     "NoSuchEntity");
	}
	xmlFreeDoc(doc);
	free(role);
	return rc == ACT_NOT_FOUND ? ACT_OK : rc;
}

const struct action_ops aws_iam_role_ops = {
	.find = role_find, .apply = role_apply, .undo = role_undo};

/* ---- instance profile ---------------------------------------------------- */

/* The profile exists: make sure it holds the role, record it. */
static enum action_rc profile_finish(struct action_ctx *ctx, const char *name)
{
	const char *role = aws_need(ctx, "iam-role", "role_name");
	if (!role)
		return ACT_FAILED;
	xmlDoc *doc = NULL;
	enum action_rc rc = aws_act_query_1(ctx, AWS_IAM, "GetInstanceProfile",
					    "InstanceProfileName", name, &doc, NULL);
	if (rc != ACT_OK)
		return rc;
	xmlNode *ip = aws_xml_node(aws_xml_root(doc), "GetInstanceProfileResult/InstanceProfile");
	char *arn = aws_xml_text_or(ip, "Arn", "");
	xmlNode **roles;
	size_t n = aws_xml_nodes(ip, "Roles/member", &roles);
	bool has = false;
	for (size_t i = 0; i < n && !has; i++) {
		char *r = aws_xml_text(roles[i], "RoleName");
		has = r && strcmp(r, role) == 0;
		free(r);
	}
	free(roles);
	xmlFreeDoc(doc);
	if (!has) {
		struct aws_params *p = aws_params_new();
		aws_params_set(p, "InstanceProfileName", name);
		aws_params_set(p, "RoleName", role);
		rc = aws_act_query(ctx, AWS_IAM, "AddRoleToInstanceProfile", p, NULL, NULL);
		aws_params_free(p);
	}
	if (rc == ACT_OK) {
		ctx_set_resource(ctx, "profile_name", name);
		ctx_set_resource(ctx, "profile_arn", arn);
	}
	free(arn);
	return rc;
}

static enum action_rc profile_find(struct action_ctx *ctx)
{
	char *name = role_name(aws_cfg(ctx));
	xmlDoc *doc = NULL;
	enum action_rc rc = aws_act_query_1(ctx, AWS_IAM, "GetInstanceProfile",
					    "InstanceProfileName", name, &doc, "NoSuchEntity");
	if (rc == ACT_OK)
		rc = iam_ours(
			ctx,
			aws_xml_node(aws_xml_root(doc), "GetInstanceProfileResult/InstanceProfile"),
			name);
	xmlFreeDoc(doc);
	if (rc == ACT_OK)
		rc = profile_finish(ctx, name);
	free(name);
	return rc;
}

static enum action_rc profile_apply(struct action_ctx *ctx)
{
	const struct aws_config *c = aws_cfg(ctx);
	char *name = role_name(c);
	struct aws_params *p = aws_params_new();
	aws_params_set(p, "InstanceProfileName", name);
	aws_params_set(p, "Path", "/landfall/");
	iam_tags(p, c, name);
	enum action_rc rc = aws_act_query(ctx, AWS_IAM, "CreateInstanceProfile", p, NULL,
					  "EntityAlreadyExists");
	aws_params_free(p);
	if (rc == ACT_NOT_FOUND)
		rc = profile_find(ctx);
	else if (rc == ACT_OK)
		rc = profile_finish(ctx, name);
	free(name);
	return rc;
}

static enum action_rc profile_undo(struct action_ctx *ctx)
{
	const struct aws_config *c = aws_cfg(ctx);
	char *name = role_name(c);
	struct aws_params *p = aws_params_new();
	aws_params_set(p, "InstanceProfileName", name);
	aws_params_set(p, "RoleName", name);
	enum action_rc rc = aws_act_query(ctx, AWS_IAM, "RemoveRoleFromInstanceProfile", p, NULL,
					  "NoSuchEntity");
	aws_params_free(p);
	if (rc == ACT_OK || rc == ACT_NOT_FOUND)
		rc = aws_act_query_1(ctx, AWS_IAM, "DeleteInstanceProfile", "InstanceProfileName",
				     name, NULL, "NoSuchEntity");
	free(name);
	return rc == ACT_NOT_FOUND ? ACT_OK : rc;
}

const struct action_ops aws_instance_profile_ops = {
	.find = profile_find, .apply = profile_apply, .undo = profile_undo};

/* ======== the instance ====================================================== */

json_t *aws_render_vars(const struct aws_config *c, const char *region, const char *partition,
			const char *account)
{
	char *web = lf_asprintf("https://app.%s", c->domain ? c->domain : "");
	char *api = lf_asprintf("https://api.%s", c->domain ? c->domain : "");
	char *files = lf_asprintf("https://files.%s", c->domain ? c->domain : "");
	char *prefix = ssm_prefix(c);
	json_t *v = json_pack(
		"{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:s, s:b, s:{s:s, s:s},"
		" s:s, s:s, s:s, s:s, s:s}",
		"base_dir", c->base_dir ? c->base_dir : "/opt/clearml", "clearml_image",
		CLEARML_IMAGE, "clearml_version", CLEARML_VERSION, "elastic_version",
		CLEARML_ELASTIC_VERSION, "mongo_version", CLEARML_MONGO_VERSION, "redis_version",
		CLEARML_REDIS_VERSION, "nginx_version", "1.27", "elastic_heap", "4g",
		"apiserver_workers", (json_int_t)8, "web_url", web, "api_url", api, "files_url",
		files,
		/* The names start with app/api/files: no displayedServerUrls. */
		"custom_urls", 0, "aws", "region", region, "domain", c->domain ? c->domain : "",
		"region", region, "partition", partition, "account_id", account, "ssm_prefix",
		prefix, "compose_version", COMPOSE_VERSION);
	free(web);
	free(api);
	free(files);
	free(prefix);
	json_object_set_new(v, "backup",
			    c->backup_enabled ? json_pack("{s:s, s:s}", "bucket", c->backup_bucket,
							  "prefix", AWS_BACKUP_MONGO_PREFIX)
					      : json_false());
	json_object_set_new(v, "registry",
			    !lf_str_empty(c->registry_user)
				    ? json_pack("{s:s, s:s}", "server",
						c->registry ? c->registry : "docker.io", "user",
						c->registry_user)
				    : json_false());
	return v;
}

static void wipe_free(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

/* PutParameter of one SecureString. `replace`: overwrite a value that is
 * there (the fixed users change with the answers); otherwise a value that is
 * there is kept (secure.conf's random secrets: changing them logs everyone
 * out). New parameters are tagged. */
static enum action_rc ssm_put(struct action_ctx *ctx, const char *name, const char *value,
			      bool replace)
{
	const struct aws_config *c = aws_cfg(ctx);
	char *prefix = ssm_prefix(c);
	char *full = lf_asprintf("%s/%s", prefix, name);
	free(prefix);
	json_t *in = json_pack("{s:s, s:s, s:s, s:s, s:b, s:[{s:s, s:s}]}", "Name", full, "Value",
			       value, "Type", "SecureString", "Tier",
			       strlen(value) > 4096 ? "Advanced" : "Standard", "Overwrite", 0,
			       "Tags", "Key", AWS_TAG_INSTALL, "Value", c->install_id);
	enum action_rc rc =
		aws_act_json(ctx, AWS_SSM, "PutParameter", in, NULL, "ParameterAlreadyExists");
	if (rc == ACT_NOT_FOUND && replace) {
		/* AWS refuses tags together with Overwrite. */
		json_object_del(in, "Tags");
		json_object_set_new(in, "Overwrite", json_true());
		rc = aws_act_json(ctx, AWS_SSM, "PutParameter", in, NULL, NULL);
	} else if (rc == ACT_NOT_FOUND) {
		rc = ACT_OK;
	}
	/* The value is in the request object: wipe it. */
	json_t *val = json_object_get(in, "Value");
	if (val)
		explicit_bzero((char *)json_string_value(val), strlen(json_string_value(val)));
	json_decref(in);
	free(full);
	return rc;
}

static enum action_rc secrets_store(struct action_ctx *ctx, json_t *vars)
{
	const struct aws_config *c = aws_cfg(ctx);
	for (size_t i = 0; i < c->nusers; i++)
		if (!c->users[i].password)
			return ctx_error(ctx, ACT_FAILED,
					 _("give it as {env: NAME} or {file: PATH}, or run in a "
					   "terminal to type it"),
					 _("server.admin_users[%zu].password: needed to create the "
					   "server"),
					 i);
	if (!lf_str_empty(c->registry_user) && !c->registry_password)
		return ctx_error(ctx, ACT_FAILED, NULL,
				 _("server.registry.password: needed to create the server"));

	json_t *users = json_array();
	for (size_t i = 0; i < c->nusers; i++) {
		const struct server_user *u = &c->users[i];
		json_array_append_new(users, json_pack("{s:s, s:s, s:s, s:b}", "username",
						       u->username, "password", u->password, "name",
						       u->name ? u->name : u->username, "admin",
						       u->admin));
	}
	json_t *sv = json_deep_copy(vars);
	json_object_set_new(sv, "users", users);
	char *token = lf_random_token(), *session = lf_random_token();
	json_object_set_new(sv, "token_secret", json_string(token));
	json_object_set_new(sv, "session_secret", json_string(session));
	wipe_free(token);
	wipe_free(session);

	enum action_rc rc = ACT_OK;
	static const struct {
		const char *asset;
		bool replace;
	} files[] = {{"apiserver.conf", true}, {"secure.conf", false}};
	for (size_t i = 0; i < LF_ARRAY_LEN(files) && rc == ACT_OK; i++) {
		char *cause = NULL;
		char *text = render_asset(files[i].asset, sv, NULL, &cause);
		if (!text) {
			rc = ctx_error(ctx, ACT_FAILED, NULL, "%s", cause);
			free(cause);
			break;
		}
		rc = ssm_put(ctx, files[i].asset, text, files[i].replace);
		wipe_free(text);
	}
	if (rc == ACT_OK && c->registry_password)
		rc = ssm_put(ctx, "registry-password", c->registry_password, true);
	/* Wipe the copies of the secrets in the variables. */
	json_t *u;
	size_t k;
	json_array_foreach(users, k, u)
	{
		const char *pw = json_string_value(json_object_get(u, "password"));
		explicit_bzero((char *)pw, strlen(pw));
	}
	static const char *const keys[] = {"token_secret", "session_secret"};
	for (size_t i = 0; i < 2; i++) {
		const char *v = json_string_value(json_object_get(sv, keys[i]));
		explicit_bzero((char *)v, strlen(v));
	}
	json_decref(sv);
	if (rc == ACT_OK)
		ctx_log(ctx, LOG_INFO,
			_("the server's secrets are in SSM Parameter Store under "
			  "/landfall/%s/"),
			c->install_id);
	return rc;
}

static enum action_rc secrets_delete(struct action_ctx *ctx)
{
	const struct aws_config *c = aws_cfg(ctx);
	char *prefix = ssm_prefix(c);
	json_t *names = json_array();
	for (size_t i = 0; ssm_names[i]; i++)
		json_array_append_new(names, json_sprintf("%s/%s", prefix, ssm_names[i]));
	free(prefix);
	json_t *in = json_pack("{s:o}", "Names", names);
	enum action_rc rc = aws_act_json(ctx, AWS_SSM, "DeleteParameters", in, NULL, NULL);
	json_decref(in);
	return rc;
}

/* The image: the public SSM parameter AWS keeps for the newest Amazon Linux,
 * then DescribeImages for its root device name and architecture. */
static enum action_rc image_lookup(struct action_ctx *ctx, char **image, char **root_dev)
{
	const struct aws_config *c = aws_cfg(ctx);
	bool al2 = c->image && strcmp(c->image, "al2") == 0;
	if (al2)
		ctx_log(ctx, LOG_WARN,
			_("Amazon Linux 2 left standard support on 2026-06-30; Amazon Linux 2023 "
			  "is "
			  "the default"));
	const char *param = al2 ? "/aws/service/ami-amazon-linux-latest/amzn2-ami-hvm-x86_64-gp2"
				: "/aws/service/ami-amazon-linux-latest/"
				  "al2023-ami-kernel-default-x86_64";
	json_t *in = json_pack("{s:s}", "Name", param), *out = NULL;
	enum action_rc rc = aws_act_json(ctx, AWS_SSM, "GetParameter", in, &out, NULL);
	json_decref(in);
	if (rc != ACT_OK)
		return rc;
	const char *id =
		json_string_value(json_object_get(json_object_get(out, "Parameter"), "Value"));
	*image = id ? lf_xstrdup(id) : NULL;
	json_decref(out);
	if (!*image)
		return ctx_error(ctx, ACT_FAILED, NULL, _("%s has no image id"), param);
	xmlDoc *doc = NULL;
	struct aws_params *p = aws_params_new();
	aws_params_set(p, "ImageId.1", *image);
	rc = aws_ec2(ctx, "DescribeImages", p, &doc, NULL);
	aws_params_free(p);
	if (rc != ACT_OK)
		return rc;
	xmlNode *img = aws_xml_node(aws_xml_root(doc), "imagesSet/item");
	char *arch = aws_xml_text_or(img, "architecture", "");
	*root_dev = aws_xml_text_or(img, "rootDeviceName", "/dev/xvda");
	char *name = aws_xml_text_or(img, "name", "?");
	xmlFreeDoc(doc);
	if (!img || strcmp(arch, "x86_64") != 0)
		rc = ctx_error(ctx, ACT_FAILED, NULL, _("image %s (%s) is not an x86_64 image"),
			       *image, name);
	else
		ctx_log(ctx, LOG_INFO, _("image %s (%s)"), *image, name);
	free(arch);
	free(name);
	return rc;
}

/* The user-data: rendered without any secret in the variables, so that a
 * template that names one fails instead of leaking it; gzip'd (EC2 takes
 * 16 KB) and base64'd. */
static char *user_data(struct action_ctx *ctx, json_t *vars)
{
	char *cause = NULL;
	size_t len = 0;
	char *script = render_asset("user-data-al2023.sh", vars, &len, &cause);
	if (!script) {
		ctx_error(ctx, ACT_FAILED, NULL, "%s", cause);
		free(cause);
		return NULL;
	}
	unsigned char *gz = NULL;
	size_t gzlen = 0;
	int rc = lf_gzip(script, len, &gz, &gzlen, &cause);
	free(script);
	if (rc != 0) {
		ctx_error(ctx, ACT_FAILED, NULL, "%s", cause);
		free(cause);
		return NULL;
	}
	if (gzlen > 16384) {
		free(gz);
		ctx_error(ctx, ACT_FAILED, NULL,
			  _("the user-data is %zu bytes compressed; EC2 takes 16384"), gzlen);
		return NULL;
	}
	char *b64 = lf_base64_encode(gz, gzlen);
	free(gz);
	return b64;
}

static void disk(struct aws_params *p, int n, const char *device, const struct aws_disk *d)
{
	char *k = lf_asprintf("BlockDeviceMapping.%d.", n);
	char *key;
#define SET(suffix, ...)                                                                           \
	do {                                                                                       \
		key = lf_asprintf("%s%s", k, suffix);                                              \
		aws_params_setf(p, key, __VA_ARGS__);                                              \
		free(key);                                                                         \
	} while (0)
	SET("DeviceName", "%s", device);
	SET("Ebs.VolumeSize", "%d", d->size_gb);
	SET("Ebs.VolumeType", "%s", d->type ? d->type : "gp3");
	SET("Ebs.Encrypted", "true");
	SET("Ebs.DeleteOnTermination", "true");
#undef SET
	free(k);
}

/* The instance described by `item` (DescribeInstances / RunInstances item):
 * record ids, volumes and addresses. */
static void instance_record(struct action_ctx *ctx, xmlNode *item)
{
	const struct aws_config *c = aws_cfg(ctx);
	char *id = aws_xml_text_or(item, "instanceId", "");
	char *root = aws_xml_text_or(item, "rootDeviceName", "/dev/xvda");
	ctx_set_resource(ctx, "instance_id", id);
	ctx_output(ctx, "instance_id", _("Server instance"), id);
	static const struct {
		const char *dev, *key, *label;
	} vols[] = {
		{"/dev/sdf", "data_volume_id", N_("Data volume (/dev/sdf)")},
		{"/dev/sdg", "fileserver_volume_id", N_("Fileserver volume (/dev/sdg)")},
		{"/dev/sdh", "docker_volume_id", N_("Docker volume (/dev/sdh)")},
	};
	xmlNode **maps;
	size_t n = aws_xml_nodes(item, "blockDeviceMapping/item", &maps);
	for (size_t i = 0; i < n; i++) {
		char *dev = aws_xml_text_or(maps[i], "deviceName", "");
		char *vol = aws_xml_text_or(maps[i], "ebs/volumeId", "");
		if (strcmp(dev, root) == 0)
			ctx_set_resource(ctx, "root_volume_id", vol);
		for (size_t k = 0; k < LF_ARRAY_LEN(vols); k++)
			if (strcmp(dev, vols[k].dev) == 0) {
				ctx_set_resource(ctx, vols[k].key, vol);
				ctx_output(ctx, vols[k].key, _(vols[k].label), vol);
			}
		free(dev);
		free(vol);
	}
	free(maps);
	char *priv = aws_xml_text(item, "privateIpAddress");
	char *pub = aws_xml_text(item, "ipAddress");
	if (priv) {
		ctx_set_resource(ctx, "private_ip", priv);
		ctx_output(ctx, "private_ip", _("Server private IP"), priv);
	}
	if (pub) {
		ctx_set_resource(ctx, "public_ip", pub);
		ctx_output(ctx, "public_ip", _("Server public IP"), pub);
		char *ssh = lf_asprintf("ssh -i %s.pem ec2-user@%s", c->key_pair, pub);
		ctx_output(ctx, "ssh_command", _("SSH to the server"), ssh);
		free(ssh);
	}
	free(priv);
	free(pub);
	free(root);
	free(id);
}

/* DescribeInstances of ours that are not terminated (or of `id`). *item_doc
 * gets the answer and *item its instance (NULL when none). */
static enum action_rc instance_describe(struct action_ctx *ctx, const char *id, xmlDoc **doc,
					xmlNode **item)
{
	const struct aws_config *c = aws_cfg(ctx);
	struct aws_params *p = aws_params_new();
	int n = 0;
	if (id) {
		aws_params_set(p, "InstanceId.1", id);
	} else {
		char *name = aws_name_of(c, "server");
		aws_filter(p, &n, "tag:" AWS_TAG_INSTALL, c->install_id);
		aws_filter(p, &n, "tag:Name", name);
		free(name);
		aws_params_set(p, "Filter.3.Name", "instance-state-name");
		aws_params_set(p, "Filter.3.Value.1", "pending");
		aws_params_set(p, "Filter.3.Value.2", "running");
		aws_params_set(p, "Filter.3.Value.3", "stopping");
		aws_params_set(p, "Filter.3.Value.4", "stopped");
	}
	*doc = NULL;
	*item = NULL;
	enum action_rc rc = aws_ec2(ctx, "DescribeInstances", p, doc, "InvalidInstanceID.NotFound");
	aws_params_free(p);
	if (rc == ACT_OK)
		*item = aws_xml_node(aws_xml_root(*doc), "reservationSet/item/instancesSet/item");
	return rc;
}

/* Poll until the instance is in `state` ("running", "terminated"). */
static enum action_rc instance_wait(struct action_ctx *ctx, const char *id, const char *state)
{
	long long t0 = lf_now_ms();
	for (int i = 0;; i++) {
		xmlDoc *doc = NULL;
		xmlNode *item = NULL;
		enum action_rc rc = instance_describe(ctx, id, &doc, &item);
		if (rc == ACT_NOT_FOUND && strcmp(state, "terminated") == 0)
			return ACT_OK;
		if (rc != ACT_OK)
			return rc;
		char *now = aws_xml_text_or(item, "instanceState/name", "?");
		bool there = !item || strcmp(now, state) == 0;
		if (there && strcmp(state, "running") == 0 && item)
			instance_record(ctx, item);
		if (!there && (i == 0 || i % 12 == 0))
			ctx_log(ctx, LOG_INFO, _("instance %s is %s; waiting for %s"), id, now,
				state);
		free(now);
		xmlFreeDoc(doc);
		if (there)
			return ACT_OK;
		if (!aws_poll(ctx, i, t0, WAIT_MS))
			break;
	}
	return ctx_error(ctx, ACT_RETRY, NULL, _("instance %s is not %s after 10 minutes"), id,
			 state);
}

static enum action_rc instance_find(struct action_ctx *ctx)
{
	xmlDoc *doc = NULL;
	xmlNode *item = NULL;
	enum action_rc rc = instance_describe(ctx, NULL, &doc, &item);
	if (rc == ACT_OK && !item)
		rc = ACT_NOT_FOUND;
	char *id = rc == ACT_OK ? aws_xml_text_or(item, "instanceId", "") : NULL;
	xmlFreeDoc(doc);
	if (rc == ACT_OK)
		rc = instance_wait(ctx, id, "running");
	free(id);
	return rc;
}

/* The first subnet the network part recorded (or the user's). */
static char *first_subnet(struct action_ctx *ctx)
{
	const char *ids = ctx_resource_of(ctx, "subnets", "subnet_ids");
	if (!ids)
		ids = aws_need(ctx, "vpc", "subnet_ids");
	return ids ? lf_xstrndup(ids, strcspn(ids, ",")) : NULL;
}

static enum action_rc instance_launch(struct action_ctx *ctx, const char *image,
				      const char *root_dev, const char *data)
{
	const struct aws_config *c = aws_cfg(ctx);
	const char *group = aws_need(ctx, "sg-server", "group_id");
	const char *profile = group ? aws_need(ctx, "instance-profile", "profile_arn") : NULL;
	char *subnet = profile ? first_subnet(ctx) : NULL;
	if (!subnet)
		return ACT_FAILED;
	char *name = aws_name_of(c, "server");
	struct aws_params *p = aws_params_new();
	aws_params_set(p, "ImageId", image);
	aws_params_set(p, "InstanceType", c->instance_type);
	aws_params_set(p, "KeyName", c->key_pair);
	aws_params_set(p, "MinCount", "1");
	aws_params_set(p, "MaxCount", "1");
	aws_params_setf(p, "ClientToken", "landfall-%s-server", c->install_id);
	aws_params_set(p, "SubnetId", subnet);
	aws_params_set(p, "SecurityGroupId.1", group);
	aws_params_set(p, "IamInstanceProfile.Arn", profile);
	aws_params_set(p, "UserData", data);
	/* IMDSv2 only; hop limit 2 so that the containers (Elasticsearch's S3
	 * repository) reach the role's credentials too. */
	aws_params_set(p, "MetadataOptions.HttpTokens", "required");
	aws_params_set(p, "MetadataOptions.HttpEndpoint", "enabled");
	aws_params_set(p, "MetadataOptions.HttpPutResponseHopLimit", "2");
	disk(p, 1, root_dev, &c->root);
	disk(p, 2, "/dev/sdf", &c->data);
	disk(p, 3, "/dev/sdg", &c->fileserver);
	disk(p, 4, "/dev/sdh", &c->docker);
	aws_tag_spec_n(p, 1, "instance", c->install_id, name);
	aws_tag_spec_n(p, 2, "volume", c->install_id, name);
	free(name);
	free(subnet);
	xmlDoc *doc = NULL;
	enum action_rc rc = aws_ec2(ctx, "RunInstances", p, &doc, NULL);
	aws_params_free(p);
	if (rc != ACT_OK)
		return rc;
	char *id = aws_xml_text_or(aws_xml_root(doc), "instancesSet/item/instanceId", "");
	xmlFreeDoc(doc);
	ctx_set_resource(ctx, "instance_id", id);
	ctx_log(ctx, LOG_INFO, _("launched instance %s"), id);
	rc = instance_wait(ctx, id, "running");
	free(id);
	return rc;
}

static enum action_rc instance_apply(struct action_ctx *ctx)
{
	struct aws_session *s = aws_sess(ctx);
	const struct aws_config *c = s->cfg;
	char *partition = aws_partition(s);
	json_t *vars = aws_render_vars(c, aws_client_region(s->client), partition,
				       s->account ? s->account : "");
	free(partition);
	char *image = NULL, *root_dev = NULL, *data = NULL;
	enum action_rc rc = secrets_store(ctx, vars);
	if (rc == ACT_OK)
		rc = image_lookup(ctx, &image, &root_dev);
	if (rc == ACT_OK && !(data = user_data(ctx, vars)))
		rc = ACT_FAILED;
	if (rc == ACT_OK)
		rc = instance_launch(ctx, image, root_dev, data);
	json_decref(vars);
	free(image);
	free(root_dev);
	free(data);
	return rc;
}

static enum action_rc instance_undo(struct action_ctx *ctx)
{
	xmlDoc *doc = NULL;
	xmlNode *item = NULL;
	enum action_rc rc = instance_describe(ctx, NULL, &doc, &item);
	char *id = rc == ACT_OK && item ? aws_xml_text_or(item, "instanceId", "") : NULL;
	xmlFreeDoc(doc);
	if (rc == ACT_NOT_FOUND)
		rc = ACT_OK;
	if (rc == ACT_OK && id) {
		rc = aws_ec2_1(ctx, "TerminateInstances", "InstanceId.1", id,
			       "InvalidInstanceID.NotFound");
		if (rc == ACT_OK) {
			ctx_log(ctx, LOG_INFO, _("terminating instance %s and its disks"), id);
			rc = instance_wait(ctx, id, "terminated");
		} else if (rc == ACT_NOT_FOUND) {
			rc = ACT_OK;
		}
	}
	free(id);
	if (rc == ACT_OK)
		rc = secrets_delete(ctx);
	return rc;
}

const struct action_ops aws_instance_ops = {
	.find = instance_find, .apply = instance_apply, .undo = instance_undo};
