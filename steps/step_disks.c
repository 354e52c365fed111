/* The four disks of the guides. */
#include "answers.h"
#include "i18n.h"

static const char *const ssd[] = { "gp3", "gp2", "io1", "io2", NULL };
static const char *const fs_types[] = { "gp3", "st1", "gp2", "io1", "io2", NULL };
static const char *const existing[] = { "upgrade", "remove", NULL };

static const struct field fields[] = {
	{ .path = "aws.disks.root.size_gb", .type = FT_INT, .targets = TGT_AWS,
	  .def = "50", .min = 50, .max = 16384,
	  .label = N_("Root disk (GB)"),
	  .help = N_("Root disk: 50 GB gp3, or one with higher volume or performance.") },
	{ .path = "aws.disks.root.type", .type = FT_ENUM, .targets = TGT_AWS,
	  .choices = ssd, .def = "gp3", .label = N_("Root disk type"),
	  .help = N_("gp3, or a type with higher performance.") },
	{ .path = "aws.disks.data.size_gb", .type = FT_INT, .targets = TGT_AWS,
	  .def = "100", .min = 1, .max = 16384,
	  .label = N_("Data disk (GB)"),
	  .help = N_("Data disk on /dev/sdf, mounted at <base>/data: Elasticsearch and MongoDB, where metadata and events are saved. Recommended initial size: 100 GB.") },
	{ .path = "aws.disks.data.type", .type = FT_ENUM, .targets = TGT_AWS,
	  .choices = ssd, .def = "gp3", .label = N_("Data disk type"),
	  .help = N_("gp3, or a type with higher random-access performance.") },
	{ .path = "aws.disks.fileserver.size_gb", .type = FT_INT, .targets = TGT_AWS,
	  .def = "100", .min = 1, .max = 16384,
	  .label = N_("Fileserver disk (GB)"),
	  .help = N_("Fileserver disk on /dev/sdg, mounted at <base>/data/fileserver: debug images and models. Its size should be estimated by the users of the system; st1 needs at least 500 GB.") },
	{ .path = "aws.disks.fileserver.type", .type = FT_ENUM, .targets = TGT_AWS,
	  .choices = fs_types, .def = "gp3", .label = N_("Fileserver disk type"),
	  .help = N_("st1 for a large amount of data used by few users or experiments (minimum 500 GB); gp3 for every other case. The type can be changed after creation.") },
	{ .path = "aws.disks.docker.size_gb", .type = FT_INT, .targets = TGT_AWS,
	  .def = "30", .min = 1, .max = 16384,
	  .label = N_("Docker disk (GB)"),
	  .help = N_("Docker data disk on /dev/sdh, mounted at /var/lib/docker. Recommended initial size: 30 GB.") },
	{ .path = "aws.disks.docker.type", .type = FT_ENUM, .targets = TGT_AWS,
	  .choices = ssd, .def = "gp3", .label = N_("Docker disk type"),
	  .help = N_("gp3, as the guide says.") },
	{ .path = "ubuntu.docker_dir", .type = FT_STRING, .targets = TGT_UBUNTU,
	  .def = "/var/lib/docker", .check = v_abs_path,
	  .label = N_("Docker directory"),
	  .help = N_("Where Docker keeps its data: its own disk of at least 80 GB, with permissions 710. The data disk (at least 100 GB) must be mounted at <base>/data and the fileserver disk at <base>/data/fileserver; the root disk should have at least 30 GB.") },
	{ .path = "ubuntu.existing", .type = FT_ENUM, .targets = TGT_UBUNTU,
	  .choices = existing, .def = "upgrade",
	  .label = N_("An earlier installation"),
	  .help = N_("What to do when the server already has ClearML under the base directory. upgrade: keep its data and configuration and update it in place (the default). remove: stop it and delete the whole base directory, databases and files included, before installing (the guide's rm -R); it needs the typed confirmation below.") },
	{ .path = "ubuntu.remove_confirm", .type = FT_STRING, .targets = TGT_UBUNTU,
	  .flags = FF_REQUIRED, .when = "ubuntu.existing=remove",
	  .label = N_("Type the SSH host to confirm removal"),
	  .help = N_("Deleting an earlier installation cannot be undone: type the SSH host exactly as above to confirm it. Kept in the answers so that a headless run replays the same decision.") },
};

const struct step step_disks = {
	.id = "disks", .title = N_("Disks"), .targets = TGT_AWS | TGT_UBUNTU,
	.intro = N_("The four disks of the guide: root, data (databases), fileserver (files and models) and Docker."),
	.fields = fields, .nfields = LF_ARRAY_LEN(fields),
};
