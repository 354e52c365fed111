/* The order of work in the Kubernetes guide (seed 004), as plan actions. */
#include "kubernetes.h"

#include <stdlib.h>
#include <string.h>

#include "../i18n.h"
#include "kubernetes_actions.h"

int kubernetes_plan(const void *config, struct plan *p, char **cause)
{
	const struct k8s_config *c = config;
	const char *ns = c->namespace_;
	if (lf_str_empty(ns))
		return lf_fail(cause, _("kubernetes.namespace: the namespace is not set"));
	bool pvc = c->storage && strcmp(c->storage, "pvc") == 0;

	plan_addf(p, "namespace", &k8s_apply_ops, _("Create the namespace"), _("namespace %s"), ns);
	if (!lf_str_empty(c->node))
		plan_addf(p, "node-label", &k8s_label_ops, _("Label the server node"),
			  _("node %s labelled app=clearml"), c->node);
	plan_addf(p, "secret", &k8s_apply_ops, _("Store the server credentials"),
		  _("Secret clearml-conf in %s with the fixed users"), ns);
	if (pvc)
		plan_addf(p, "storage", &k8s_apply_ops, _("Claim the storage"),
			  _("PersistentVolumeClaims for data and files (storage class %s)"),
			  lf_str_empty(c->storage_class) ? _("default") : c->storage_class);
	else
		plan_addf(p, "node-data", &k8s_node_data_ops, _("Keep the data on the node"),
			  _("%s on the node labelled app=clearml (hostPath): destroy keeps it, "
			    "destroy --purge deletes it with a one-off pod"),
			  k8s_base_dir(c));
	static const char *const services[] = {"mongo",	    "elastic",	  "redis",
					       "apiserver", "fileserver", "webserver"};
	for (size_t i = 0; i < LF_ARRAY_LEN(services); i++) {
		char *id = lf_asprintf("deploy-%s", services[i]);
		char *title = lf_asprintf(_("Deploy %s"), services[i]);
		plan_addf(p, id, &k8s_apply_ops, title,
			  _("Deployment %s/%s, node selector app=clearml, Recreate strategy%s%s"),
			  ns, services[i], pvc ? "" : _(", data on the node under "),
			  pvc ? "" : c->base_dir);
		free(id);
		free(title);
	}
	plan_addf(p, "services", &k8s_apply_ops, _("Expose the node ports"),
		  _("NodePort services: API %d, web %d, files %d"), c->port_api, c->port_web,
		  c->port_files);
	plan_addf(p, "rollout", &k8s_rollout_ops, _("Wait for the rollout"),
		  _("every Deployment updated and available"));

	plan_add_output(p, "namespace", _("Namespace"), ns);
	plan_add_outputf(p, "ports", _("Node ports"), "api %d, web %d, files %d", c->port_api,
			 c->port_web, c->port_files);
	if (!lf_str_empty(c->domain)) {
		plan_add_outputf(p, "web_url", _("Web application"), "https://app.%s", c->domain);
		plan_add_outputf(p, "api_url", _("API server"), "https://api.%s", c->domain);
		plan_add_outputf(p, "files_url", _("File server"), "https://files.%s", c->domain);
		plan_add_outputf(p, "dns_app", _("DNS record"),
				 "app.%s -> load balancer -> nodes:%d", c->domain, c->port_web);
		plan_add_outputf(p, "dns_files", _("DNS record"),
				 "files.%s -> load balancer -> nodes:%d", c->domain, c->port_files);
		plan_add_outputf(p, "dns_api", _("DNS record"),
				 "api.%s -> load balancer -> nodes:%d", c->domain, c->port_api);
	} else {
		plan_add_outputf(p, "web_url", _("Web application"), "http://NODE-ADDRESS:%d",
				 c->port_web);
		plan_add_outputf(p, "api_url", _("API server"), "http://NODE-ADDRESS:%d",
				 c->port_api);
		plan_add_outputf(p, "files_url", _("File server"), "http://NODE-ADDRESS:%d",
				 c->port_files);
	}
	return 0;
}
