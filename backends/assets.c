/* Lookup in the generated asset table, and where each asset goes. */
#include "assets.h"

#include <string.h>

#include "assets_data.h"

/* Destinations follow the guides: the compose files and constants.env in the base
 * directory (Ubuntu guide: "Copy the following ClearML configuration files to
 * /opt/allegro"), apiserver.conf in config/onprem_poc, sysctl and the THP unit in
 * /etc, the backup scripts in /usr/local/sbin where /etc/cron.d/clearml calls them. */
static const struct asset_info infos[] = {
	{"99-clearml.conf", "/etc/sysctl.d/99-clearml.conf", 0644, false,
	 "kernel settings for Elasticsearch"},
	{"apiserver.conf", "{{base_dir}}/config/onprem_poc/apiserver.conf", 0600, true,
	 "API server fixed users"},
	{"clearml-elastic-backup.sh", "/usr/local/sbin/clearml-elastic-backup", 0755, false,
	 "Elasticsearch snapshot script"},
	{"clearml-mongo-backup.sh", "/usr/local/sbin/clearml-mongo-backup", 0755, false,
	 "MongoDB dump script"},
	{"clearml.cron", "/etc/cron.d/clearml", 0644, false, "maintenance and backup cron entries"},
	{"constants.env", "{{base_dir}}/constants.env", 0644, false,
	 "compose values: versions and external URLs"},
	{"disable-thp.service", "/etc/systemd/system/disable-thp.service", 0644, false,
	 "unit that disables transparent huge pages"},
	{"docker-compose.override.yml", "{{base_dir}}/docker-compose.override.yml", 0644, false,
	 "server-specific compose additions"},
	{"docker-compose.yml", "{{base_dir}}/docker-compose.yml", 0644, false,
	 "ClearML Server services"},
	{"ec2-trust-policy.json", NULL, 0, false, "instance role trust policy"},
	{"edge-proxy.conf", "{{base_dir}}/config/edge-proxy.conf", 0644, false,
	 "port 10000 proxy behind the AWS load balancer"},
	{"iam-backup-policy.json", NULL, 0, false, "instance role policy: backup bucket"},
	{"iam-secrets-policy.json", NULL, 0, false, "instance role policy: install secrets"},
	{"k8s-deploy-apiserver.yaml", NULL, 0, false, "Kubernetes Deployment: API server"},
	{"k8s-deploy-elastic.yaml", NULL, 0, false, "Kubernetes Deployment: Elasticsearch"},
	{"k8s-deploy-fileserver.yaml", NULL, 0, false, "Kubernetes Deployment: file server"},
	{"k8s-deploy-mongo.yaml", NULL, 0, false, "Kubernetes Deployment: MongoDB"},
	{"k8s-deploy-redis.yaml", NULL, 0, false, "Kubernetes Deployment: Redis"},
	{"k8s-deploy-webserver.yaml", NULL, 0, false, "Kubernetes Deployment: web application"},
	{"k8s-namespace.yaml", NULL, 0, false, "Kubernetes Namespace"},
	{"k8s-purge-pod.yaml", NULL, 0, false, "Kubernetes one-off Pod deleting the node data (destroy --purge, storage: hostpath)"},
	{"k8s-pvc.yaml", NULL, 0, false, "Kubernetes PersistentVolumeClaims (storage: pvc)"},
	{"k8s-secret.yaml", NULL, 0, true, "Kubernetes Secret: API server fixed users"},
	{"k8s-services.yaml", NULL, 0, false, "Kubernetes Services: cluster and node ports"},
	{"secure.conf", "{{base_dir}}/config/onprem_poc/secure.conf", 0600, true,
	 "API server signing secrets"},
	{"user-data-al2023.sh", NULL, 0, false, "EC2 user-data (Amazon Linux 2023)"},
};

const char *asset_get(const char *name, size_t *len)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < lf_asset_blob_count; i++) {
		const struct asset_blob *b = &lf_asset_blobs[i];
		if (b->name && strcmp(b->name, name) == 0) {
			if (len)
				*len = b->len;
			return (const char *)b->data;
		}
	}
	return NULL;
}

bool asset_next(size_t *iter, const char **name, const char **text, size_t *len)
{
	if (*iter >= lf_asset_blob_count)
		return false;
	const struct asset_blob *b = &lf_asset_blobs[(*iter)++];
	if (name)
		*name = b->name;
	if (text)
		*text = (const char *)b->data;
	if (len)
		*len = b->len;
	return true;
}

size_t asset_count(void)
{
	return lf_asset_blob_count;
}

const struct asset_info *asset_info(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < sizeof infos / sizeof infos[0]; i++)
		if (strcmp(infos[i].name, name) == 0)
			return &infos[i];
	return NULL;
}
