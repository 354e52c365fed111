/* The kubernetes backend: ClearML Server in a cluster through its API, as
 * the Kubernetes guide (seed 004) describes. Strings are borrowed. */
#ifndef LANDFALL_KUBERNETES_H
#define LANDFALL_KUBERNETES_H

#include <stdbool.h>
#include <stddef.h>

#include "../backend.h"

struct k8s_config {
	const char *install_id;
	const char *kubeconfig;      /* path list as KUBECONFIG, may be NULL */
	const char *context;         /* may be NULL: current-context */
	const char *namespace_;
	const char *node;            /* node to label app=clearml, may be NULL */
	const char *storage;         /* "hostpath" or "pvc" */
	const char *storage_class;   /* pvc only, may be NULL: default class */
	const char *base_dir;        /* hostPath root on the node */
	bool elastic_init;           /* privileged init container for sysctl */
	const char *domain;          /* may be NULL */
	int port_api, port_web, port_files; /* 30008, 30080, 30081 */
};

extern const struct backend_ops kubernetes_backend;

int kubernetes_plan(const void *config, struct plan *out, char **cause);

#endif
