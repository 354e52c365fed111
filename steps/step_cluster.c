/* Where in the cluster the server runs. */
#include "answers.h"
#include "i18n.h"

static const char *const storages[] = { "hostpath", "pvc", NULL };

static const struct field fields[] = {
	{ .path = "kubernetes.namespace", .type = FT_STRING, .targets = TGT_K8S,
	  .def = "clearml", .check = v_k8s_name,
	  .label = N_("Namespace"),
	  .help = N_("The namespace for the server's deployments and services (the guide's is clearml).") },
	{ .path = "kubernetes.node", .type = FT_STRING, .targets = TGT_K8S,
	  .check = v_host,
	  .label = N_("Node to label"),
	  .help = N_("The server runs on the one node labelled app=clearml. Empty: a node must already carry the label. Name a node to have Landfall label it. The guide warns: with more than one labelled node the server may not find all of its data after a redeploy.") },
	{ .path = "kubernetes.storage", .type = FT_ENUM, .targets = TGT_K8S,
	  .choices = storages, .def = "hostpath",
	  .label = N_("Storage"),
	  .help = N_("hostpath: data in directories of the labelled node under the base directory, as the guide's deployment does. pvc: PersistentVolumeClaims of a storage class.") },
	{ .path = "kubernetes.storage_class", .type = FT_STRING, .targets = TGT_K8S,
	  .check = v_k8s_name, .when = "kubernetes.storage=pvc",
	  .label = N_("Storage class"), .help = N_("Empty: the cluster's default storage class.") },
	{ .path = "kubernetes.elastic_init", .type = FT_BOOL, .targets = TGT_K8S,
	  .def = "true",
	  .label = N_("Set vm.max_map_count"),
	  .help = N_("Elasticsearch needs vm.max_map_count of at least 262144 on the node. true: a privileged init container sets it. false: you do it on the node as the guide shows (sysctl and /etc/docker/daemon.json ulimits); the steps are listed.") },
	{ .path = "kubernetes.ports.api", .type = FT_INT, .targets = TGT_K8S,
	  .def = "30008", .min = 30000, .max = 32767, .flags = FF_ADVANCED,
	  .label = N_("API node port"), .help = N_("Node port of the API server (the guide's is 30008).") },
	{ .path = "kubernetes.ports.web", .type = FT_INT, .targets = TGT_K8S,
	  .def = "30080", .min = 30000, .max = 32767, .flags = FF_ADVANCED,
	  .label = N_("Web node port"), .help = N_("Node port of the web server (the guide's is 30080).") },
	{ .path = "kubernetes.ports.files", .type = FT_INT, .targets = TGT_K8S,
	  .def = "30081", .min = 30000, .max = 32767, .flags = FF_ADVANCED,
	  .label = N_("Files node port"), .help = N_("Node port of the file server (the guide's is 30081).") },
};

const struct step step_cluster = {
	.id = "cluster", .title = N_("Cluster"), .targets = TGT_K8S,
	.intro = N_("Where in the cluster the server runs and keeps its data."),
	.fields = fields, .nfields = LF_ARRAY_LEN(fields),
};
