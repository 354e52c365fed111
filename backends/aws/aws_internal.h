/* Pieces shared by the files of the aws backend (not for other modules):
 * the session that ops->open returns, and the action operations that
 * aws_plan() puts in the plan. */
#ifndef LANDFALL_AWS_INTERNAL_H
#define LANDFALL_AWS_INTERNAL_H

#include "../engine.h"
#include "aws.h"
#include "aws_http.h"

/* What ops->open returns; every later call gets it. */
struct aws_session {
	const struct aws_config *cfg; /* borrowed from the caller */
	struct events *evs;	      /* borrowed */
	struct aws_client *client;
	char *account; /* STS GetCallerIdentity, for the user */
	char *arn;
};

/* The tag every resource of an install carries, with its install id. */
#define AWS_TAG_INSTALL "landfall:install"

/* ---- helpers of the actions (aws_act.c) ----------------------------------- */

/* The session, with later log lines tied to the action. */
struct aws_session *aws_sess(struct action_ctx *ctx);
const struct aws_config *aws_cfg(struct action_ctx *ctx);
/* True when `code` is one of the space-separated codes in `list`. */
bool aws_code_in(const char *code, const char *list);
/* The engine's result of a call: ACT_OK; ACT_NOT_FOUND when AWS answered
 * one of the `tolerate` codes (space separated, may be NULL); ACT_RETRY
 * for "still in use / not there yet" codes; else the error set in ctx.
 * Clears *err. */
enum action_rc aws_act_result(struct action_ctx *ctx, const char *action, enum aws_status st,
			      struct aws_error *err, const char *tolerate);
/* One call of each protocol, as aws_act_result() sees it. *out (may be
 * NULL: not wanted) gets the answer on ACT_OK. */
enum action_rc aws_act_query(struct action_ctx *ctx, enum aws_service svc, const char *action,
			     const struct aws_params *p, xmlDoc **out, const char *tolerate);
enum action_rc aws_ec2(struct action_ctx *ctx, const char *action, const struct aws_params *p,
		       xmlDoc **out, const char *tolerate);
/* A one-parameter query call: Key=value. */
enum action_rc aws_act_query_1(struct action_ctx *ctx, enum aws_service svc, const char *action,
			       const char *key, const char *value, xmlDoc **out,
			       const char *tolerate);
/* A one-parameter EC2 call: Key=value. */
enum action_rc aws_ec2_1(struct action_ctx *ctx, const char *action, const char *key,
			 const char *value, const char *tolerate);
enum action_rc aws_act_json(struct action_ctx *ctx, enum aws_service svc, const char *op,
			    json_t *in, json_t **out, const char *tolerate);
enum action_rc aws_act_rest_xml(struct action_ctx *ctx, const struct aws_request *rq,
				xmlDoc **out, const char *tolerate);
enum action_rc aws_act_rest_json(struct action_ctx *ctx, const struct aws_request *rq,
				 json_t *body, json_t **out, const char *tolerate);
/* EC2 TagSpecification number n (aws_tag_spec: 1) with the install tag
 * and a Name. */
void aws_tag_spec(struct aws_params *p, const char *rtype, const char *install, const char *name);
void aws_tag_spec_n(struct aws_params *p, int n, const char *rtype, const char *install,
		    const char *name);
/* Append Filter.N.Name=name, Filter.N.Value.1=value. */
void aws_filter(struct aws_params *p, int *n, const char *name, const char *value);
/* The ids (at `id_path` under the answer's root, e.g. "vpcSet/item/vpcId")
 * of what DescribeX finds with our install tag, the Name `name` (NULL: any)
 * and in `vpc` (NULL: anywhere). *first gets the first id (caller-freed) or
 * NULL; `count` (may be NULL) how many. */
enum action_rc aws_find_tagged(struct action_ctx *ctx, const char *describe, const char *id_path,
			       const char *name, const char *vpc, char **first, size_t *count);
/* Between two polls of a wait that began at t0 (lf_now_ms) and may last
 * limit_ms: progress, then a sleep of 1, 2, 4 s, then 5 s each. False
 * (no sleep) once the limit has passed. */
bool aws_poll(struct action_ctx *ctx, int i, long long t0, long long limit_ms);
/* The partition of the caller's ARN: "aws", "aws-cn", "aws-us-gov";
 * caller-freed. */
char *aws_partition(const struct aws_session *s);
/* The Key/Value elements at `path` under `from` (e.g. "TagSet/Tag",
 * "Tags/member") hold key=value (value NULL: any value). */
bool aws_tags_hold(const xmlNode *from, const char *path, const char *key, const char *value);
/* "<install id>-<what>", caller-freed. */
char *aws_name_of(const struct aws_config *c, const char *what);
/* The `key` another action recorded, or NULL with the error set in ctx. */
const char *aws_need(struct action_ctx *ctx, const char *action, const char *key);

/* The network part of the plan (aws_network.c): each one looks for what it
 * would create by the tags landfall:install and Name, creates what is
 * missing, and undoes in reverse, taking "already gone" as success. */
extern const struct action_ops aws_vpc_ops;
extern const struct action_ops aws_subnets_ops;
extern const struct action_ops aws_igw_ops;
extern const struct action_ops aws_route_table_ops;
extern const struct action_ops aws_sg_lb_ops;
extern const struct action_ops aws_sg_server_ops;

/* The public Route53 hosted zone that holds `domain` (the longest match):
 * *zone_id ("Z123...") and *zone_name (may be NULL: not wanted), both
 * caller-freed and NULL when there is none. */
enum aws_status aws_hosted_zone(struct aws_client *client, const char *domain, char **zone_id,
				char **zone_name, struct aws_error *err);

/* The key prefix of the MongoDB dumps in the backup bucket; the bucket's
 * expiry rule covers it only. */
#define AWS_BACKUP_MONGO_PREFIX "mongo"

/* The variables of the server's templates (user-data and the files it
 * carries), without any secret. Caller json_decref()s. */
json_t *aws_render_vars(const struct aws_config *c, const char *region, const char *partition,
			const char *account);

/* The server (aws_compute.c): backup bucket, IAM role and instance profile,
 * the instance with its disks and user-data. */
extern const struct action_ops aws_bucket_ops;
extern const struct action_ops aws_iam_role_ops;
extern const struct action_ops aws_instance_profile_ops;
extern const struct action_ops aws_instance_ops;

/* The edge (aws_edge.c): target group, certificate, load balancer,
 * listeners and DNS records. */
extern const struct action_ops aws_target_group_ops;
extern const struct action_ops aws_certificate_ops;
extern const struct action_ops aws_load_balancer_ops;
extern const struct action_ops aws_listeners_ops;
extern const struct action_ops aws_dns_records_ops;

/* AWS Backup (aws_backup.c): vault, plan and the fileserver selection. */
extern const struct action_ops aws_backup_vault_ops;
extern const struct action_ops aws_backup_plan_ops;

/* The wizard's probes and the region list (aws_regions.c). */
/* A short-lived client: the profile (NULL: the chain), the endpoint
 * override, the region (NULL: the profile's, else us-east-1); quick to
 * give up. */
int aws_probe_client(const char *profile, const char *endpoint_url, const char *region,
		     struct aws_client **out, char **cause);
/* The client's region's availability zones (local and wavelength zones do
 * not count), every state, and how many are available. */
struct aws_zone_info {
	char **names;
	char **states;
	size_t n;
};
void aws_zone_info_clear(struct aws_zone_info *z);
enum aws_status aws_zones_of(struct aws_client *client, struct aws_zone_info *zi,
			     size_t *available, struct aws_error *err);

/* Subnet `index` of `count` carved from an IPv4 CIDR: the smallest power of
 * two of equal blocks that holds `count`. Returns a caller-freed
 * "a.b.c.d/len", or NULL when the block is too small (beyond /28) or the
 * CIDR is not IPv4. */
char *aws_cidr4_subnet(const char *cidr, size_t index, size_t count);
/* The /64 number `index` of an IPv6 block of /64 or larger
 * ("2600:1f18:1::/56"), caller-freed, or NULL. */
char *aws_cidr6_subnet(const char *cidr, size_t index);

#endif
