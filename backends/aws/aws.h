/* The aws backend: ClearML Server in a VPC, as the AWS guide (seed 000)
 * describes. Its configuration is filled by steps/ from the answers; the
 * strings are borrowed from the caller and must outlive the backend. */
#ifndef LANDFALL_AWS_H
#define LANDFALL_AWS_H

#include <stdbool.h>
#include <stddef.h>

#include "../backend.h"
#include "../clearml.h"

struct aws_disk {
	int size_gb;
	const char *type;    /* gp3, gp2, io1, io2, st1 */
};

struct aws_config {
	const char *install_id;      /* tag landfall:install on everything */
	const char *profile;         /* shared config profile, may be NULL */
	const char *endpoint_url;    /* AWS_ENDPOINT_URL override, may be NULL */
	const char *region;
	const char *const *zones;
	size_t nzones;

	bool vpc_existing;
	const char *vpc_id;          /* existing VPC */
	const char *const *subnet_ids; /* existing public subnets */
	size_t nsubnets;
	const char *vpc_cidr;        /* new VPC */
	bool ipv6;
	const char *const *trusted_cidrs;
	size_t ntrusted;

	const char *instance_type;
	const char *key_pair;
	const char *image;           /* "al2023" or "al2" */
	struct aws_disk root, data, fileserver, docker;

	const char *domain;
	bool cert_existing;
	const char *cert_arn;
	bool dns_route53;            /* else: records listed as outputs */
	const char *hosted_zone_id;  /* Route53 zone; NULL: found by the domain */

	bool backup_enabled;
	const char *backup_bucket;
	int backup_retention_days;

	const char *base_dir;        /* /opt/allegro or /opt/clearml */

	/* The server's settings; the secrets go to SSM SecureString
	 * parameters, never into the user-data. Passwords may be NULL when
	 * they were not resolved (destroy needs none). */
	const struct server_user *users;
	size_t nusers;
	const char *registry;          /* may be NULL: no login */
	const char *registry_user;
	const char *registry_password; /* resolved secret */
};

extern const struct backend_ops aws_backend;

/* Who the credentials are, as the connection screen shows it: STS
 * GetCallerIdentity with the profile (NULL: the usual chain), the endpoint
 * override (may be NULL) and the region (NULL: the profile's, else
 * us-east-1). *who gets "account A as ARN (credentials: SOURCE)". Returns
 * 0, or -1 with *cause in plain words. */
int aws_whoami(const char *profile, const char *endpoint_url, const char *region, char **who,
	       char **cause);

/* A region and its availability zones, as the region and zones screens
 * show them. */
struct aws_region_info {
	char *name;	     /* eu-west-1 */
	char **zones;	     /* the available zones' names, sorted */
	size_t nzones;
	size_t unavailable;  /* zones in another state (impaired, ...) */
	char *error;	     /* set when the zones could not be read */
};
void aws_region_info_clear(struct aws_region_info *r);
void aws_regions_free(struct aws_region_info *v, size_t n);

/* The region screen's probe: the zones of `region`. Same arguments as
 * aws_whoami. Returns 0, or -1 with *cause. */
int aws_region_zones(const char *profile, const char *endpoint_url, const char *region,
		     struct aws_region_info *out, char **cause);

/* Every region enabled for the account (EC2 DescribeRegions, asked in
 * `region`) with its zones, read in parallel; sorted by name. A region
 * whose zones cannot be read has .error set. `stop` (may be NULL) is
 * polled between regions: true gives up (-1, *cause says so). Returns 0,
 * or -1 with *cause when the list itself cannot be read. */
int aws_regions(const char *profile, const char *endpoint_url, const char *region,
		bool (*stop)(void *user), void *stop_user, struct aws_region_info **out,
		size_t *n, char **cause);

/* The plan of the guide, from the configuration alone. */
int aws_plan(const void *config, struct plan *out, char **cause);

#endif
