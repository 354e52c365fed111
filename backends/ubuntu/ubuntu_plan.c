/* The order of work in the on-premises guide (seed 001), as plan actions. */
#include "ubuntu_internal.h"

#include <stdlib.h>

#include "../i18n.h"

int ubuntu_plan(const void *config, struct plan *p, char **cause)
{
	const struct ubuntu_config *c = config;
	if (lf_str_empty(c->host))
		return lf_fail(cause, _("ubuntu.ssh.host: the server to install on is not set"));
	const char *b = c->base_dir;

	if (c->remove_existing)
		plan_addf(p, "remove-existing", &ubuntu_act_remove_existing, _("Remove the previous installation"),
			  _("delete %s after stopping its containers (confirmed)"), b);
	plan_addf(p, "sysctl", &ubuntu_act_sysctl, _("Set the kernel settings for Elasticsearch"),
		  _("/etc/sysctl.d/99-clearml.conf: vm.max_map_count=262144, "
		    "vm.overcommit_memory=1, fs.inotify.max_user_instances=256; applied now"));
	plan_addf(p, "disable-thp", &ubuntu_act_disable_thp, _("Disable transparent huge pages"),
		  _("/etc/systemd/system/disable-thp.service enabled and started"));
	plan_addf(p, "directories", &ubuntu_act_directories, _("Create the data, log and config directories"),
		  _("%s/data/{elastic7plus,mongo_4,redis,fileserver,fluentd}, %s/logs, %s/config; "
		    "elastic7plus owned by 1000:1000"),
		  b, b, b);
	plan_addf(p, "config-files", &ubuntu_act_config_files, _("Write the server configuration"),
		  _("%s/docker-compose.yml, docker-compose.override.yml, constants.env, "
		    "config/onprem_poc/apiserver.conf with %zu fixed user(s) and secure.conf "
		    "(both mode 0600)"),
		  b, c->nusers);
	if (!lf_str_empty(c->registry_user))
		plan_addf(p, "registry-login", &ubuntu_act_registry_login, _("Log in to the image registry"),
			  _("docker login %s as %s, password on stdin"),
			  lf_str_empty(c->registry) ? "docker.io" : c->registry, c->registry_user);
	plan_addf(p, "compose-up", &ubuntu_act_compose_up, _("Start the server"),
		  _("docker compose --env-file constants.env up -d in %s"), b);
	plan_addf(p, "health", &ubuntu_act_health, _("Check the services answer"),
		  _("api :8008/api/debug.ping 200, webserver :8080 200, fileserver :8081 200 or "
		    "405"));
	if (c->backup_cron)
		plan_addf(p, "cron", &ubuntu_act_cron, _("Install the maintenance cron entries"),
			  _("/etc/cron.d/clearml: daily container prune older than 96 h"));

	plan_add_output(p, "host", _("Server"), c->host);
	if (!lf_str_empty(c->domain)) {
		plan_add_outputf(p, "web_url", _("Web application"), "https://app.%s", c->domain);
		plan_add_outputf(p, "api_url", _("API server"), "https://api.%s", c->domain);
		plan_add_outputf(p, "files_url", _("File server"), "https://files.%s", c->domain);
	} else {
		plan_add_outputf(p, "web_url", _("Web application"), "http://%s:8080", c->host);
		plan_add_outputf(p, "api_url", _("API server"), "http://%s:8008", c->host);
		plan_add_outputf(p, "files_url", _("File server"), "http://%s:8081", c->host);
	}
	plan_add_output(p, "base_dir", _("Data and configuration"), b);
	plan_add_outputf(p, "ports", _("Ports"), "%d (web), %d (API), %d (files)", UBUNTU_PORT_WEB,
			 UBUNTU_PORT_API, UBUNTU_PORT_FILES);
	plan_add_outputf(p, "data_dir", _("Databases and stored files"), "%s/data", b);
	plan_add_output(p, "docker_dir", _("Docker data"),
			lf_str_empty(c->docker_dir) ? "/var/lib/docker" : c->docker_dir);
	plan_add_outputf(p, "compose_file", _("Compose file (start from this directory)"),
			 "%s/docker-compose.yml", b);
	plan_add_outputf(p, "users_file", _("Users (mode 0600)"), "%s/config/onprem_poc/apiserver.conf", b);
	plan_add_outputf(p, "logs_dir", _("Service logs"), "%s/logs", b);
	plan_add_output(p, "containers", _("List the running services"), "sudo docker ps");
	plan_add_outputf(p, "health_check", _("Check the API"),
			 "curl http://localhost:8008/api/debug.ping");
	plan_add_outputf(p, "apiserver_log", _("API server log"), "%s/logs/apiserver/apiserver.log",
			 b);
	return 0;
}


