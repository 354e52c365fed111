/* The kubernetes backend: ClearML Server in a cluster through its API, as
 * the Kubernetes guide (seed 004) describes. Strings are borrowed. */
#ifndef LANDFALL_KUBERNETES_H
#define LANDFALL_KUBERNETES_H

#include "../clearml.h"
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "../backend.h"

/* A fixed user of the API server (apiserver.conf in the Secret). */
struct k8s_config {
	const char *install_id;
	const char *kubeconfig; /* path list as KUBECONFIG, may be NULL */
	const char *context;	/* may be NULL: current-context */
	const char *namespace_;
	const char *node;		    /* node to label app=clearml, may be NULL */
	const char *storage;		    /* "hostpath" or "pvc" */
	const char *storage_class;	    /* pvc only, may be NULL: default class */
	const char *base_dir;		    /* hostPath root on the node */
	bool elastic_init;		    /* privileged init container for sysctl */
	const char *domain;		    /* may be NULL */
	int port_api, port_web, port_files; /* 30008, 30080, 30081 */
	const struct server_user *users;
	size_t nusers;
	const char *registry;          /* may be NULL: docker.io */
	const char *registry_user;     /* NULL: no image pull secret */
	const char *registry_password; /* resolved secret; NULL when not resolved */
};

/* Image versions of the open-source ClearML Server that the manifests
 * deploy (the same as the compose files of the other backends). */
#define K8S_CLEARML_IMAGE CLEARML_IMAGE
#define K8S_CLEARML_VERSION CLEARML_VERSION
#define K8S_ELASTIC_VERSION CLEARML_ELASTIC_VERSION
#define K8S_MONGO_VERSION CLEARML_MONGO_VERSION
#define K8S_REDIS_VERSION CLEARML_REDIS_VERSION
#define K8S_INIT_IMAGE	    "busybox:1.36"

extern const struct backend_ops kubernetes_backend;

int kubernetes_plan(const void *config, struct plan *out, char **cause);

/* The install id and base directory with their defaults ("clearml",
 * "/opt/clearml"): what the manifests, the plan and the purge pod's label
 * and selector all use. */
const char *k8s_install_id(const struct k8s_config *c);
const char *k8s_base_dir(const struct k8s_config *c);

/* The template variables for the manifests (new reference). Users are
 * included only when `with_users` (their passwords must be resolved). */
json_t *k8s_manifest_vars(const struct k8s_config *c, bool with_users);

/* The objects plan action `action_id` applies, rendered from assets/k8s-*
 * and parsed: a JSON array (new reference, possibly empty) in *out.
 * Returns 0, or -1 with *cause (never holding a secret). */
int k8s_manifests(const struct k8s_config *c, const char *action_id, json_t **out, char **cause);

/* The Deployments of the plan, in order (NULL-terminated). */
extern const char *const k8s_deployments[];
/* With hostPath storage, the directories under base_dir that the
 * Deployments use (NULL-terminated): what destroy --purge deletes. */
extern const char *const k8s_data_paths[];

/* The one-off Pod of destroy --purge that deletes k8s_data_paths under
 * `base_dir` on `node` (NULL: the node labelled app=clearml); new
 * reference in *out. Returns 0, or -1 with *cause. */
int k8s_purge_pod(const struct k8s_config *c, const char *base_dir, const char *node,
		  const char *name, json_t **out, char **cause);

#endif
