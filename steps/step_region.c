/* The AWS region. */
#include "answers.h"
#include "i18n.h"

static const struct field fields[] = {
	{ .path = "aws.region", .type = FT_STRING, .targets = TGT_AWS,
	  .flags = FF_REQUIRED, .def = "us-east-1", .check = v_aws_region,
	  .label = N_("Region"),
	  .help = N_("The AWS region to install in, e.g. eu-west-1. The guide requires at least 2 availability zones and recommends at least 3: fewer than 3 would prevent a high-availability setup later.") },
};

const struct step step_region = {
	.id = "region", .title = N_("Region"), .targets = TGT_AWS,
	.intro = N_("Pick the region. Each region is shown with its number of availability zones."),
	.fields = fields, .nfields = LF_ARRAY_LEN(fields),
};
