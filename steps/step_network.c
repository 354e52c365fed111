/* VPC and who may reach the server. */
#include "answers.h"
#include "i18n.h"

static const char *const modes[] = { "new", "existing", NULL };

static const struct field fields[] = {
	{ .path = "aws.network.mode", .type = FT_ENUM, .targets = TGT_AWS,
	  .choices = modes, .def = "new",
	  .label = N_("VPC"),
	  .help = N_("new: a VPC with a public subnet in each chosen zone, an internet gateway and a route table. existing: your VPC, with at least two public subnets in different zones.") },
	{ .path = "aws.network.vpc_cidr", .type = FT_STRING, .targets = TGT_AWS,
	  .def = "10.0.0.0/16", .check = v_cidr4, .when = "aws.network.mode=new",
	  .label = N_("VPC CIDR"),
	  .help = N_("The IPv4 range of the new VPC, /16 to /24. Each subnet gets an equal share.") },
	{ .path = "aws.network.vpc_id", .type = FT_STRING, .targets = TGT_AWS,
	  .flags = FF_REQUIRED, .check = v_vpc_id, .when = "aws.network.mode=existing",
	  .label = N_("VPC id"), .help = N_("The existing VPC, e.g. vpc-0123456789abcdef0.") },
	{ .path = "aws.network.subnet_ids", .type = FT_LIST, .targets = TGT_AWS,
	  .flags = FF_REQUIRED, .check = v_subnet_id, .min = 2, .max = 6,
	  .when = "aws.network.mode=existing",
	  .label = N_("Public subnets"),
	  .help = N_("At least two public subnets of the VPC in different zones, for the load balancer. The guide recommends that one of them also holds the instance (the first is used for it).") },
	{ .path = "aws.network.ipv6", .type = FT_BOOL, .targets = TGT_AWS,
	  .def = "true",
	  .label = N_("IPv6"),
	  .help = N_("The guide recommends a VPC with IPv6 enabled for future expansion; the load balancer is then dualstack.") },
	{ .path = "aws.network.trusted_cidrs", .type = FT_LIST, .targets = TGT_AWS,
	  .flags = FF_REQUIRED, .check = v_cidr, .min = 1, .max = 50,
	  .label = N_("Trusted addresses"),
	  .help = N_("The addresses allowed in at first, as CIDR blocks (your office or VPN, e.g. 203.0.113.0/24): TCP 80 and 443 to the load balancer, TCP 22 to the server. The guide recommends opening to the internet only after the initial setup.") },
	{ .path = "aws.network.allow_anywhere", .type = FT_BOOL, .targets = TGT_AWS,
	  .def = "false", .flags = FF_ADVANCED,
	  .label = N_("Allow 0.0.0.0/0"),
	  .help = N_("Must be true for a trusted address of 0.0.0.0/0 or ::/0 to be accepted: opening the server to the whole internet is a deliberate choice.") },
};

const struct step step_network = {
	.id = "network", .title = N_("Network"), .targets = TGT_AWS,
	.intro = N_("The VPC to install into and the addresses trusted during the initial setup."),
	.fields = fields, .nfields = LF_ARRAY_LEN(fields),
};
