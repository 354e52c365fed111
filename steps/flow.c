#include "flow.h"

#include <stdlib.h>
#include <string.h>

#include "i18n.h"

bool step_applies(const struct step *s, const struct answers *a)
{
	unsigned t = answers_target(a);
	if (t && !(s->targets & t))
		return false;
	for (size_t i = 0; i < s->nfields; i++)
		if (field_applies(&s->fields[i], a))
			return true;
	return false;
}

const struct backend_ops *flow_target_backend(const char *target)
{
	switch (target_bit(target)) {
	case TGT_AWS: return &aws_backend;
	case TGT_UBUNTU: return &ubuntu_backend;
	case TGT_K8S: return &kubernetes_backend;
	}
	return NULL;
}

/* A NULL-terminated vector of the strings of a list answer, borrowed from
 * the tree; stored in s->vectors so flow_setup_free releases it. */
static const char *const *strv(struct setup *s, const struct answers *a,
                               const char *path, size_t *n)
{
	json_t *arr = answers_get(a, path);
	*n = json_array_size(arr);
	const char **v = lf_xcalloc(*n + 1, sizeof *v);
	for (size_t i = 0; i < *n; i++)
		v[i] = json_string_value(json_array_get(arr, i));
	for (size_t i = 0; i < LF_ARRAY_LEN(s->vectors); i++)
		if (!s->vectors[i]) {
			s->vectors[i] = v;
			return v;
		}
	abort(); /* more lists than slots: grow vectors[] */
}

static const char *str(const struct answers *a, const char *path)
{
	const char *v = answers_str_or_default(a, path);
	return v && *v ? v : NULL;
}

/* Resolve one secret. Returns 0 with *value (NULL when unset and not
 * required), -1 + *cause. The value is kept in s->secrets. */
static int secret(struct setup *s, const struct answers *a,
                  const struct setup_opts *o, struct events *evs,
                  const char *path, bool required, const char **value,
                  char **cause)
{
	*value = NULL;
	if (!o->resolve_secrets)
		return 0;
	char *v = NULL;
	int rc = answers_secret(a, path, &v, cause);
	if (rc < 0)
		return -1;
	if (rc == 1 && o->ask_secret) {
		const struct field *f = schema_find(path);
		v = o->ask_secret(path, f ? _(f->label) : path, o->ask_user);
	}
	if (!v) {
		if (required)
			return lf_fail(cause, _("%s: a value is needed; give {env: NAME} or {file: PATH} in the answers file, or run in a terminal to type it"),
			               path);
		return 0;
	}
	s->secrets = lf_xrealloc(s->secrets, (s->nsecrets + 1) * sizeof(char *));
	s->secrets[s->nsecrets++] = v;
	events_add_secret(evs, v);
	*value = v;
	return 0;
}

/* The fixed users of server.admin_users, into s->users (passwords
 * resolved when the options ask for it; not required). */
static int server_users(struct setup *s, const struct answers *a, const struct setup_opts *o,
                        struct events *evs, char **cause)
{
	json_t *users = answers_get(a, "server.admin_users");
	s->nusers = json_array_size(users);
	s->users = lf_xcalloc(s->nusers + 1, sizeof *s->users);
	for (size_t i = 0; i < s->nusers; i++) {
		json_t *u = json_array_get(users, i);
		s->users[i].username = json_string_value(json_object_get(u, "username"));
		s->users[i].name = json_string_value(json_object_get(u, "name"));
		s->users[i].admin = json_is_true(json_object_get(u, "admin"));
		char *p = lf_asprintf("server.admin_users[%zu].password", i);
		int rc = secret(s, a, o, evs, p, false, &s->users[i].password, cause);
		free(p);
		if (rc)
			return -1;
	}
	return 0;
}

static int setup_aws(struct setup *s, const struct answers *a, const struct setup_opts *o,
                     struct events *evs, char **cause)
{
	struct aws_config *c = &s->aws;
	c->install_id = str(a, "install.name");
	c->profile = str(a, "aws.profile");
	c->endpoint_url = str(a, "aws.endpoint_url");
	c->region = str(a, "aws.region");
	c->vpc_existing = strcmp(answers_str_or_default(a, "aws.network.mode"), "existing") == 0;
	if (c->vpc_existing) {
		c->vpc_id = str(a, "aws.network.vpc_id");
		c->subnet_ids = strv(s, a, "aws.network.subnet_ids", &c->nsubnets);
	} else {
		c->zones = strv(s, a, "aws.zones", &c->nzones);
		c->vpc_cidr = str(a, "aws.network.vpc_cidr");
	}
	c->ipv6 = answers_bool(a, "aws.network.ipv6");
	c->trusted_cidrs = strv(s, a, "aws.network.trusted_cidrs", &c->ntrusted);
	c->instance_type = str(a, "aws.instance.type");
	c->key_pair = str(a, "aws.instance.key_pair");
	c->image = str(a, "aws.instance.image");
	struct { struct aws_disk *d; const char *name; } disks[] = {
		{ &c->root, "root" }, { &c->data, "data" },
		{ &c->fileserver, "fileserver" }, { &c->docker, "docker" },
	};
	for (size_t i = 0; i < LF_ARRAY_LEN(disks); i++) {
		char *p = lf_asprintf("aws.disks.%s.size_gb", disks[i].name);
		disks[i].d->size_gb = (int)answers_int(a, p);
		free(p);
		p = lf_asprintf("aws.disks.%s.type", disks[i].name);
		disks[i].d->type = str(a, p);
		free(p);
	}
	c->domain = str(a, "server.domain");
	c->cert_existing = strcmp(answers_str_or_default(a, "aws.certificate.mode"), "existing") == 0;
	c->cert_arn = str(a, "aws.certificate.arn");
	c->dns_route53 = strcmp(answers_str_or_default(a, "aws.dns.mode"), "route53") == 0;
	c->hosted_zone_id = str(a, "aws.dns.hosted_zone_id");
	c->backup_enabled = answers_bool(a, "backup.enabled");
	c->backup_bucket = str(a, "aws.backup.bucket");
	c->backup_retention_days = (int)answers_int(a, "aws.backup.retention_days");
	c->base_dir = str(a, "server.base_dir");
	c->registry = str(a, "server.registry.server");
	c->registry_user = str(a, "server.registry.username");
	/* Not required here: destroy needs no password; the instance action
	 * refuses to start without them. */
	if (c->registry_user && secret(s, a, o, evs, "server.registry.password", false,
	                               &c->registry_password, cause))
		return -1;
	if (server_users(s, a, o, evs, cause))
		return -1;
	c->users = s->users;
	c->nusers = s->nusers;
	s->config = c;
	return 0;
}

static int setup_ubuntu(struct setup *s, const struct answers *a,
                        const struct setup_opts *o, struct events *evs,
                        char **cause)
{
	struct ubuntu_config *c = &s->ubuntu;
	c->install_id = str(a, "install.name");
	c->host = str(a, "ubuntu.ssh.host");
	/* Unset port and user stay 0 and NULL so that ~/.ssh/config applies. */
	c->port = (int)answers_int(a, "ubuntu.ssh.port");
	c->user = str(a, "ubuntu.ssh.user");
	c->identity_file = str(a, "ubuntu.ssh.identity_file");
	c->host_key_sha256 = str(a, "ubuntu.ssh.host_key");
	c->base_dir = str(a, "server.base_dir");
	c->docker_dir = str(a, "ubuntu.docker_dir");
	/* The guide's minimum sizes. */
	c->min_root_gb = 30;
	c->min_docker_gb = 80;
	c->min_data_gb = 100;
	c->min_fileserver_gb = 1;
	c->domain = str(a, "server.domain");
	c->registry = str(a, "server.registry.server");
	c->registry_user = str(a, "server.registry.username");
	c->backup_cron = answers_bool(a, "backup.enabled");
	/* Valid answers hold the confirmation (the host, typed) with "remove". */
	const char *confirm = str(a, "ubuntu.remove_confirm");
	c->remove_existing = strcmp(answers_str_or_default(a, "ubuntu.existing"), "remove") == 0 &&
	                     confirm && c->host && strcmp(confirm, c->host) == 0;
	/* Test seams (see ubuntu.h): set only by tests that drive the binary
	 * against a local sshd with recording shims; unset in production. */
	c->root_prefix = getenv("LANDFALL_UBUNTU_ROOT_PREFIX");
	const char *off = getenv("LANDFALL_UBUNTU_PORT_OFFSET");
	c->port_offset = off ? atoi(off) : 0;
	if (secret(s, a, o, evs, "ubuntu.ssh.password", false, &c->password, cause) ||
	    secret(s, a, o, evs, "ubuntu.sudo_password", false, &c->sudo_password, cause) ||
	    (c->registry_user &&
	     secret(s, a, o, evs, "server.registry.password", true,
	            &c->registry_password, cause)))
		return -1;
	if (server_users(s, a, o, evs, cause))
		return -1;
	/* The ubuntu backend writes apiserver.conf with the checks' session
	 * open: every password is needed before anything runs. */
	for (size_t i = 0; o->resolve_secrets && i < s->nusers; i++)
		if (!s->users[i].password)
			return lf_fail(cause, _("server.admin_users[%zu].password: a value is needed; give {env: NAME} or {file: PATH} in the answers file, or run in a terminal to type it"), i);
	c->users = s->users;
	c->nusers = s->nusers;
	s->config = c;
	return 0;
}

static int setup_k8s(struct setup *s, const struct answers *a, const struct setup_opts *o,
                     struct events *evs, char **cause)
{
	struct k8s_config *c = &s->k8s;
	c->install_id = str(a, "install.name");
	c->kubeconfig = str(a, "kubernetes.kubeconfig");
	c->context = str(a, "kubernetes.context");
	c->namespace_ = str(a, "kubernetes.namespace");
	c->node = str(a, "kubernetes.node");
	c->storage = str(a, "kubernetes.storage");
	c->storage_class = str(a, "kubernetes.storage_class");
	c->base_dir = str(a, "server.base_dir");
	c->elastic_init = answers_bool(a, "kubernetes.elastic_init");
	c->domain = str(a, "server.domain");
	c->port_api = (int)answers_int(a, "kubernetes.ports.api");
	c->port_web = (int)answers_int(a, "kubernetes.ports.web");
	c->port_files = (int)answers_int(a, "kubernetes.ports.files");
	/* The fixed users for the Secret; passwords not required here:
	 * destroy needs none, and the checks fail before apply without them. */
	if (server_users(s, a, o, evs, cause))
		return -1;
	c->users = s->users;
	c->nusers = s->nusers;
	c->registry = str(a, "server.registry.server");
	c->registry_user = str(a, "server.registry.username");
	if (c->registry_user && secret(s, a, o, evs, "server.registry.password", false,
	                               &c->registry_password, cause))
		return -1;
	s->config = c;
	return 0;
}

int flow_setup(const struct answers *a, const struct setup_opts *o,
               struct events *evs, struct setup *out, char **cause)
{
	memset(out, 0, sizeof *out);
	const char *target = answers_str(a, "target");
	out->target = flow_target_backend(target);
	if (!out->target)
		return lf_fail(cause, _("target: must be one of: aws, ubuntu, kubernetes"));
	int rc;
	switch (target_bit(target)) {
	case TGT_AWS: rc = setup_aws(out, a, o, evs, cause); break;
	case TGT_UBUNTU: rc = setup_ubuntu(out, a, o, evs, cause); break;
	default: rc = setup_k8s(out, a, o, evs, cause); break;
	}
	if (rc != 0) {
		flow_setup_free(out);
		return -1;
	}
	out->ops = out->target;
	if (o->dry_run) {
		out->dry = (struct dryrun_config){ .target = out->target,
		                                   .target_config = out->config,
		                                   .ledger = o->ledger, .fail = o->fail,
		                                   .delay_ms = o->delay_ms };
		out->ops = &dryrun_backend;
		out->config = &out->dry;
	}
	return 0;
}

void flow_setup_free(struct setup *s)
{
	for (size_t i = 0; i < LF_ARRAY_LEN(s->vectors); i++)
		free(s->vectors[i]);
	for (size_t i = 0; i < s->nsecrets; i++) {
		memset(s->secrets[i], 0, strlen(s->secrets[i]));
		free(s->secrets[i]);
	}
	free(s->secrets);
	free(s->users);
	memset(s, 0, sizeof *s);
}
