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

/* The network part of the plan (aws_network.c): each one looks for what it
 * would create by the tags landfall:install and Name, creates what is
 * missing, and undoes in reverse, taking "already gone" as success. */
extern const struct action_ops aws_vpc_ops;
extern const struct action_ops aws_subnets_ops;
extern const struct action_ops aws_igw_ops;
extern const struct action_ops aws_route_table_ops;
extern const struct action_ops aws_sg_lb_ops;
extern const struct action_ops aws_sg_server_ops;

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

/* Subnet `index` of `count` carved from an IPv4 CIDR: the smallest power of
 * two of equal blocks that holds `count`. Returns a caller-freed
 * "a.b.c.d/len", or NULL when the block is too small (beyond /28) or the
 * CIDR is not IPv4. */
char *aws_cidr4_subnet(const char *cidr, size_t index, size_t count);
/* The /64 number `index` of an IPv6 block of /64 or larger
 * ("2600:1f18:1::/56"), caller-freed, or NULL. */
char *aws_cidr6_subnet(const char *cidr, size_t index);

#endif
