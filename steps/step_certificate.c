/* The TLS certificate of the load balancer. */
#include "answers.h"
#include "i18n.h"

static const char *const modes[] = { "new", "existing", NULL };

static const struct field fields[] = {
	{ .path = "aws.certificate.mode", .type = FT_ENUM, .targets = TGT_AWS,
	  .choices = modes, .def = "new",
	  .label = N_("Certificate"),
	  .help = N_("new: an ACM certificate for <domain> and *.<domain>, validated through DNS (the records are created in Route53 or listed for you). existing: an ACM certificate you already have in the region.") },
	{ .path = "aws.certificate.arn", .type = FT_STRING, .targets = TGT_AWS,
	  .flags = FF_REQUIRED, .check = v_acm_arn, .when = "aws.certificate.mode=existing",
	  .label = N_("Certificate ARN"),
	  .help = N_("The ARN of the existing ACM certificate; it must cover <domain> and *.<domain>.") },
};

const struct step step_certificate = {
	.id = "certificate", .title = N_("Certificate"), .targets = TGT_AWS,
	.intro = N_("The HTTPS listener (port 443, policy ELBSecurityPolicy-TLS13-1-2-Res-2021-06) needs a certificate for the domain."),
	.fields = fields, .nfields = LF_ARRAY_LEN(fields),
};
