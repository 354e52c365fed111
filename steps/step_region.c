/* The AWS region. */
#include "answers.h"
#include "i18n.h"

static const struct field fields[] = {
	{ .path = "aws.region", .type = FT_STRING, .targets = TGT_AWS,
	  .flags = FF_REQUIRED, .def = "us-east-1", .check = v_aws_region,
	  .label = N_("Region"),
	  .help = N_("The AWS region to install in, e.g. eu-west-1. The guide requires at least 2 availability zones and recommends at least 3: fewer than 3 would prevent a high-availability setup later. F4 lists every region enabled for the account with its number of available zones; leaving the screen counts the zones of the region typed.") },
};

const struct step step_region = {
	.id = "region", .title = N_("Region"), .targets = TGT_AWS,
	.intro = N_("Pick the region: F4 lists every region enabled for the account with its number of available zones (at least 2 needed, 3 recommended)."),
	.fields = fields, .nfields = LF_ARRAY_LEN(fields),
};
