/* The EC2 instance. */
#include "answers.h"
#include "i18n.h"

static const char *const images[] = { "al2023", "al2", NULL };

static const struct field fields[] = {
	{ .path = "aws.instance.type", .type = FT_STRING, .targets = TGT_AWS,
	  .flags = FF_REQUIRED, .def = "m6i.2xlarge", .check = v_instance_type,
	  .label = N_("Instance type"),
	  .help = N_("An x86_64 instance type (the guide requires x86_64; Graviton types are refused). The default, m6i.2xlarge, has 8 vCPUs and 32 GiB, the minimum of the on-premises guide.") },
	{ .path = "aws.instance.key_pair", .type = FT_STRING, .targets = TGT_AWS,
	  .flags = FF_REQUIRED, .check = v_key_pair,
	  .label = N_("Key pair"),
	  .help = N_("The EC2 key pair for SSH access to the server (port 22, from the trusted addresses only). It must exist in the region.") },
	{ .path = "aws.instance.image", .type = FT_ENUM, .targets = TGT_AWS,
	  .choices = images, .def = "al2023",
	  .label = N_("Operating system"),
	  .help = N_("al2023: Amazon Linux 2023, the default. al2: Amazon Linux 2, which the guide names but which left standard support on 2026-06-30; choose it only if you must. The image is looked up in the region, never hard-coded.") },
};

const struct step step_instance = {
	.id = "instance", .title = N_("Instance"), .targets = TGT_AWS,
	.intro = N_("The server instance: type, key pair and operating system."),
	.fields = fields, .nfields = LF_ARRAY_LEN(fields),
};
