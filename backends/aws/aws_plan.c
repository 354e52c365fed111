/* The order of work in the AWS guide (seed 000), as plan actions. Ids are
 * stable: the journal refers to them across versions. */
#include "aws.h"

#include <stdlib.h>
#include <string.h>

#include "../i18n.h"
#include "aws_internal.h"

static char *joined(const char *const *v, size_t n)
{
	char *s = lf_xstrdup("");
	for (size_t i = 0; i < n; i++) {
		char *next = lf_asprintf("%s%s%s", s, i ? ", " : "", v[i]);
		free(s);
		s = next;
	}
	return s;
}

int aws_plan(const void *config, struct plan *p, char **cause)
{
	const struct aws_config *c = config;
	if (!c->vpc_existing && c->nzones < 2)
		return lf_fail(cause, _("aws.zones: at least 2 availability zones are needed for "
					"the load balancer"));

	char *zones = joined(c->zones, c->nzones);
	char *trusted = joined(c->trusted_cidrs, c->ntrusted);
	if (c->vpc_existing) {
		char *subnets = joined(c->subnet_ids, c->nsubnets);
		plan_addf(p, "vpc", &aws_vpc_ops, _("Use the existing VPC"),
			  _("VPC %s with public subnets %s in %s"), c->vpc_id, subnets, c->region);
		free(subnets);
	} else {
		plan_addf(p, "vpc", &aws_vpc_ops, _("Create the VPC"), _("VPC %s%s in %s"), c->vpc_cidr,
			  c->ipv6 ? _(" with an IPv6 block") : "", c->region);
		plan_addf(p, "subnets", &aws_subnets_ops, _("Create the public subnets"),
			  _("one public subnet in each of %s"), zones);
		plan_addf(p, "internet-gateway", &aws_igw_ops, _("Attach an internet gateway"),
			  _("internet gateway attached to the VPC"));
		plan_addf(p, "route-table", &aws_route_table_ops, _("Route the subnets to the internet"),
			  _("route table with 0.0.0.0/0%s to the gateway, associated with every "
			    "subnet"),
			  c->ipv6 ? " and ::/0" : "");
	}
	plan_addf(p, "sg-load-balancer", &aws_sg_lb_ops, _("Create the load balancer security group"),
		  _("ingress TCP 80 and 443 from %s; egress open"), trusted);
	plan_addf(p, "sg-server", &aws_sg_server_ops, _("Create the server security group (clearml-main)"),
		  _("ingress TCP 10000 from the load balancer group, TCP 22 from %s; egress open"),
		  trusted);
	if (c->backup_enabled)
		plan_addf(p, "backup-bucket", &aws_bucket_ops, _("Create the backup bucket"),
			  _("S3 bucket %s, public access blocked, encrypted"), c->backup_bucket);
	plan_addf(p, "iam-role", &aws_iam_role_ops, _("Create the server's IAM role"),
		  c->backup_enabled ? _("role for EC2 with read-write access to bucket %s only")
				    : _("role for EC2%s"),
		  c->backup_enabled ? c->backup_bucket : "");
	plan_addf(p, "instance-profile", &aws_instance_profile_ops, _("Create the instance profile"),
		  _("instance profile holding the server's role"));
	plan_addf(p, "instance", &aws_instance_ops, _("Launch the server instance"),
		  _("%s, %s, key pair %s; disks: root %d GB %s, data %d GB %s on /dev/sdf, "
		    "fileserver %d GB %s on /dev/sdg, docker %d GB %s on /dev/sdh"),
		  c->instance_type,
		  c->image && strcmp(c->image, "al2") == 0 ? "Amazon Linux 2" : "Amazon Linux 2023",
		  c->key_pair, c->root.size_gb, c->root.type, c->data.size_gb, c->data.type,
		  c->fileserver.size_gb, c->fileserver.type, c->docker.size_gb, c->docker.type);
	plan_addf(p, "target-group", &aws_target_group_ops, _("Create the envoy target group"),
		  _("HTTP port 10000, health check /api/debug.ping (200, timeout 10 s, healthy 2, "
		    "unhealthy 2), the instance registered"));
	if (c->cert_existing)
		plan_addf(p, "certificate", &aws_certificate_ops, _("Use the existing certificate"),
			  _("ACM certificate %s"), c->cert_arn);
	else
		plan_addf(p, "certificate", &aws_certificate_ops, _("Request the TLS certificate"),
			  _("ACM certificate for %s and *.%s, DNS validation%s"), c->domain,
			  c->domain,
			  c->dns_route53 ? _(" (records created in Route53)")
					 : _(" (records listed for you to create)"));
	plan_addf(p, "load-balancer", &aws_load_balancer_ops, _("Create the application load balancer"),
		  _("internet-facing, %s, idle timeout 300 s, deletion protection on"),
		  c->ipv6 ? _("dualstack") : _("IPv4"));
	plan_addf(p, "listeners", &aws_listeners_ops, _("Create the listeners"),
		  _("HTTP 80 redirects (301) to HTTPS; HTTPS 443 with "
		    "ELBSecurityPolicy-TLS13-1-2-Res-2021-06, default 404, forward %s and *.%s to "
		    "the target group"),
		  c->domain, c->domain);
	plan_addf(p, "dns-records", &aws_dns_records_ops,
		  c->dns_route53 ? _("Create the DNS records")
				 : _("List the DNS records to create"),
		  _("alias A records %s and *.%s to the load balancer"), c->domain, c->domain);
	if (c->backup_enabled) {
		plan_addf(p, "backup-vault", &aws_backup_vault_ops, _("Create the backup vault"),
			  _("AWS Backup vault for the fileserver volume"));
		plan_addf(p, "backup-plan", &aws_backup_plan_ops, _("Create the backup plan"),
			  _("daily backup of the fileserver volume, kept %d days"),
			  c->backup_retention_days);
	}
	free(zones);
	free(trusted);

	plan_add_output(p, "region", _("Region"), c->region);
	plan_add_outputf(p, "web_url", _("Web application"), "https://app.%s", c->domain);
	plan_add_outputf(p, "api_url", _("API server"), "https://api.%s", c->domain);
	plan_add_outputf(p, "files_url", _("File server"), "https://files.%s", c->domain);
	return 0;
}

