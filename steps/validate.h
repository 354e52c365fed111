/* Field validators. Each checks one value and, when it is refused, sets
 * *why to a caller-freed, translated sentence stating the rule the value
 * breaks, e.g. "must be a CIDR block like 10.0.0.0/16 (prefix 0-32)". The
 * caller puts the field's name in front: "aws.network.vpc_cidr: ...".
 *
 * Every validator returns 0 when the value is accepted (leaving *why
 * untouched) and -1 otherwise. None performs I/O. */
#ifndef LANDFALL_VALIDATE_H
#define LANDFALL_VALIDATE_H

#include <stdbool.h>

typedef int (*lf_validator)(const char *value, char **why);

int v_cidr(const char *v, char **why);          /* IPv4 or IPv6 CIDR */
int v_cidr4(const char *v, char **why);         /* 10.0.0.0/16; host bits must be zero */
int v_cidr6(const char *v, char **why);         /* 2001:db8::/56 */
int v_ip(const char *v, char **why);            /* IPv4 or IPv6 address */
int v_dns_name(const char *v, char **why);      /* FQDN, RFC 1123 labels, <= 253 */
int v_dns_wildcard(const char *v, char **why);  /* DNS name, optionally "*." in front */
int v_host(const char *v, char **why);          /* DNS name, single-label host or IP (IPv6 bare) */
int v_aws_region(const char *v, char **why);    /* eu-west-1, us-gov-west-1, cn-north-1 */
int v_aws_zone(const char *v, char **why);      /* eu-west-1a, us-east-1-bos-1a (local) */
int v_port(const char *v, char **why);          /* 1..65535, digits only */
int v_user_name(const char *v, char **why);     /* POSIX login: [a-z_][a-z0-9_-]{0,31} */
int v_s3_bucket(const char *v, char **why);     /* S3 naming rules (3-63, no IP form, ...) */
int v_k8s_name(const char *v, char **why);      /* DNS-1123 label, <= 63 */
int v_instance_type(const char *v, char **why); /* x86_64 EC2 type: m6i.2xlarge (no Graviton) */
int v_disk_type(const char *v, char **why);     /* gp3 gp2 io1 io2 st1 */
int v_size(const char *v, char **why);          /* "100", "100G", "100GB", "1T", "1.5TiB" */
int v_abs_path(const char *v, char **why);      /* absolute, no "..", no NUL/newline */
int v_install_id(const char *v, char **why);    /* lowercase DNS label, 1-32 chars */
int v_env_name(const char *v, char **why);      /* environment variable name */
int v_sha256_fp(const char *v, char **why);     /* "SHA256:" + 43 base64 chars */
int v_acm_arn(const char *v, char **why);       /* arn:aws:acm:REGION:ACCOUNT:certificate/ID */
int v_vpc_id(const char *v, char **why);        /* vpc- + 8 or 17 hex */
int v_subnet_id(const char *v, char **why);     /* subnet- + 8 or 17 hex */
int v_key_pair(const char *v, char **why);      /* 1-255 printable ASCII */
int v_url(const char *v, char **why);           /* http:// or https:// URL with a host */
int v_hosted_zone_id(const char *v, char **why);/* Z + 1-32 uppercase alnum */

/* Cross-field rule for a disk: the size must be within the type's range:
 * gp2/gp3 1-16384, io1 4-16384, io2 4-65536, st1 500-16384 (AWS allows
 * 125, the guide asks for at least 500). */
int v_disk(const char *type, long size_gb, char **why);

/* Parse a size into whole GB. EBS counts in GiB and calls it GB, so "G",
 * "GB" and "GiB" all mean that unit, and "T", "TB", "TiB" mean 1000 of
 * it ("1.5TiB" is 1500). Returns -1 when invalid. */
long lf_parse_size_gb(const char *v);

/* Return true when `v` is a CIDR that covers every address (0.0.0.0/0
 * or ::/0). */
bool lf_cidr_is_anywhere(const char *v);

#endif
