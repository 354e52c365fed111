/* Backups of the fileserver volume and the databases. */
#include "answers.h"
#include "i18n.h"

static const struct field fields[] = {
	{ .path = "backup.enabled", .type = FT_BOOL, .targets = TGT_AWS | TGT_UBUNTU,
	  .def = "true",
	  .label = N_("Backups"),
	  .help = N_("On AWS: an S3 bucket the server may write to, an AWS Backup vault and a daily plan for the fileserver volume. On Ubuntu: the maintenance cron entries the guide recommends. The guide recommends at least a daily backup kept at least 2 days.") },
	{ .path = "aws.backup.bucket", .type = FT_STRING, .targets = TGT_AWS,
	  .flags = FF_REQUIRED, .check = v_s3_bucket, .when = "backup.enabled=true",
	  .label = N_("Backup bucket"),
	  .help = N_("A new S3 bucket for the Elasticsearch snapshots and MongoDB dumps; the server's IAM role gets read-write access to this bucket only. Bucket names are global: 3-63 lowercase letters, digits, dots and hyphens.") },
	{ .path = "aws.backup.retention_days", .type = FT_INT, .targets = TGT_AWS,
	  .def = "7", .min = 2, .max = 36500, .when = "backup.enabled=true",
	  .label = N_("Keep backups (days)"),
	  .help = N_("How long AWS Backup keeps each daily backup of the fileserver volume; the guide recommends at least 2 days.") },
};

const struct step step_backup = {
	.id = "backup", .title = N_("Backups"), .targets = TGT_AWS | TGT_UBUNTU,
	.intro = N_("What is backed up and for how long."),
	.fields = fields, .nfields = LF_ARRAY_LEN(fields),
};
