/* The domain the users reach the server at. */
#include "answers.h"
#include "i18n.h"

static const char *const dns_modes[] = { "route53", "external", NULL };

static const struct field fields[] = {
	{ .path = "server.domain", .type = FT_STRING, .targets = TGT_ALL,
	  .check = v_dns_name,
	  .label = N_("Domain"),
	  .help = N_("The domain of the server, e.g. clearml.example.com. Users open app.<domain>; the API is api.<domain> and files files.<domain>. Required on AWS; optional elsewhere (then the server is reached by address and port).") },
	{ .path = "aws.dns.mode", .type = FT_ENUM, .targets = TGT_AWS,
	  .choices = dns_modes, .def = "route53",
	  .label = N_("DNS"),
	  .help = N_("route53: alias A records for <domain> and *.<domain> are created in the domain's Route53 hosted zone, as the guide recommends. external: the records are listed for you to create at your DNS provider.") },
	{ .path = "aws.dns.hosted_zone_id", .type = FT_STRING, .targets = TGT_AWS,
	  .check = v_hosted_zone_id, .when = "aws.dns.mode=route53", .flags = FF_ADVANCED,
	  .label = N_("Hosted zone id"),
	  .help = N_("The Route53 hosted zone. Empty: looked up by the domain name.") },
};

const struct step step_domain = {
	.id = "domain", .title = N_("Domain"), .targets = TGT_ALL,
	.intro = N_("The name users type to reach the server, and who serves its DNS records."),
	.fields = fields, .nfields = LF_ARRAY_LEN(fields),
};
