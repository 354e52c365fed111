/* The availability zones for the public subnets. */
#include "answers.h"
#include "i18n.h"

static const struct field fields[] = {
	{ .path = "aws.zones", .type = FT_LIST, .targets = TGT_AWS,
	  .flags = FF_REQUIRED, .check = v_aws_zone, .min = 2, .max = 6,
	  .when = "aws.network.mode=new",
	  .label = N_("Availability zones"),
	  .help = N_("At least 2 zones of the region: the load balancer needs public subnets in two zones. One public subnet is created in each zone chosen. The choices are the zones AWS lists as available in the region (read when the region was chosen); Space toggles the zone under the cursor.") },
};

const struct step step_zones = {
	.id = "zones", .title = N_("Availability zones"), .targets = TGT_AWS,
	.intro = N_("Choose two or more zones for the public subnets of the load balancer and the server."),
	.fields = fields, .nfields = LF_ARRAY_LEN(fields),
};
