/* Product, target and install name: what is installed where. */
#include "answers.h"
#include "i18n.h"

static const char *const products[] = { "clearml", NULL };
static const char *const targets[] = { "aws", "ubuntu", "kubernetes", NULL };
static const char *const editions[] = { "enterprise", "open-source", NULL };

/* The AWS and Ubuntu guides install ClearML Enterprise; the Kubernetes
 * guide installs the open-source server. */
static const char *default_edition(const struct answers *a)
{
	const char *t = answers_str(a, "target");
	return t && t[0] == 'k' ? "open-source" : "enterprise";
}

static const struct field fields[] = {
	{ .path = "product", .type = FT_ENUM, .targets = TGT_ALL,
	  .flags = FF_REQUIRED, .choices = products, .def = "clearml",
	  .label = N_("Product"),
	  .help = N_("What to install. ClearML Server: apiserver, webserver, fileserver, MongoDB, Elasticsearch and Redis.") },
	{ .path = "target", .type = FT_ENUM, .targets = TGT_ALL,
	  .flags = FF_REQUIRED, .choices = targets,
	  .label = N_("Target"),
	  .help = N_("Where to install: aws (a new VPC, an EC2 instance with four disks, a load balancer with a TLS certificate, DNS and backups), ubuntu (one Ubuntu server reached over SSH, running docker compose) or kubernetes (an existing cluster, through its API).") },
	{ .path = "install.name", .type = FT_STRING, .targets = TGT_ALL,
	  .flags = FF_REQUIRED, .def = "clearml", .check = v_install_id,
	  .label = N_("Install name"),
	  .help = N_("A short name for this install: lowercase letters, digits and hyphens, starting with a letter. Every AWS resource is tagged with it (landfall:install) so resume and destroy find exactly their own, and the state directory is named after it.") },
	{ .path = "install.edition", .type = FT_ENUM, .targets = TGT_ALL,
	  .choices = editions, .def_fn = default_edition,
	  .label = N_("Edition"),
	  .help = N_("ClearML Enterprise (the AWS and Ubuntu guides; data under /opt/allegro) or the open-source server (the Kubernetes guide; data under /opt/clearml). Decides the default base directory.") },
};

const struct step step_target = {
	.id = "target", .title = N_("Product and target"), .targets = TGT_ALL,
	.intro = N_("Choose what to install and where. Only the screens that apply to the chosen target follow."),
	.fields = fields, .nfields = LF_ARRAY_LEN(fields),
};
