/* Answers: schema, YAML load/save round trip, diagnostics, validation
 * rules across fields, defaults, secrets and the answers -> backend
 * configuration bridge. */
#define _GNU_SOURCE /* asprintf */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "answers.h"
#include "flow.h"

/* A valid sample value, as YAML text, for every field of the schema. The
 * round-trip test fails when a field is added without a sample here. */
static const struct { const char *path, *yaml; } samples[] = {
	{ "product", "clearml" },
	{ "target", "aws" },
	{ "install.name", "clearml-prod" },
	{ "install.edition", "enterprise" },
	{ "aws.profile", "prod-admin" },
	{ "aws.endpoint_url", "http://127.0.0.1:5000" },
	{ "ubuntu.ssh.host", "clearml.example.com" },
	{ "ubuntu.ssh.port", "2222" },
	{ "ubuntu.ssh.user", "deploy" },
	{ "ubuntu.ssh.identity_file", "~/.ssh/id_ed25519" },
	{ "ubuntu.ssh.password", "{env: SSH_PASSWORD}" },
	{ "ubuntu.ssh.host_key", "SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s" },
	{ "ubuntu.sudo_password", "{file: /run/secrets/sudo}" },
	{ "kubernetes.kubeconfig", "/home/me/.kube/config:/home/me/.kube/other" },
	{ "kubernetes.context", "prod" },
	{ "aws.region", "eu-west-1" },
	{ "aws.zones", "[eu-west-1a, eu-west-1b, eu-west-1c]" },
	{ "aws.network.mode", "new" },
	{ "aws.network.vpc_cidr", "10.20.0.0/16" },
	{ "aws.network.vpc_id", "vpc-0123456789abcdef0" },
	{ "aws.network.subnet_ids", "[subnet-0123456789abcdef0, subnet-0123456789abcdef1]" },
	{ "aws.network.ipv6", "false" },
	{ "aws.network.trusted_cidrs", "[203.0.113.0/24, \"2001:db8::/56\"]" },
	{ "aws.network.allow_anywhere", "true" },
	{ "aws.instance.type", "m6i.4xlarge" },
	{ "aws.instance.key_pair", "admin key" },
	{ "aws.instance.image", "al2" },
	{ "aws.disks.root.size_gb", "60" },
	{ "aws.disks.root.type", "gp2" },
	{ "aws.disks.data.size_gb", "200" },
	{ "aws.disks.data.type", "io2" },
	{ "aws.disks.fileserver.size_gb", "800" },
	{ "aws.disks.fileserver.type", "st1" },
	{ "aws.disks.docker.size_gb", "40" },
	{ "aws.disks.docker.type", "gp3" },
	{ "ubuntu.docker_dir", "/data/docker" },
	{ "ubuntu.existing", "upgrade" },
	{ "ubuntu.remove_confirm", "clearml.example.com" },
	{ "kubernetes.namespace", "ml-server" },
	{ "kubernetes.node", "worker-3.example.internal" },
	{ "kubernetes.storage", "pvc" },
	{ "kubernetes.storage_class", "fast-ssd" },
	{ "kubernetes.elastic_init", "false" },
	{ "kubernetes.ports.api", "31008" },
	{ "kubernetes.ports.web", "31080" },
	{ "kubernetes.ports.files", "31081" },
	{ "server.domain", "clearml.example.com" },
	{ "aws.dns.mode", "external" },
	{ "aws.dns.hosted_zone_id", "Z0123456789ABCDEFGHIJ" },
	{ "aws.certificate.mode", "existing" },
	{ "aws.certificate.arn", "arn:aws:acm:eu-west-1:123456789012:certificate/12345678-1234-1234-1234-123456789012" },
	{ "backup.enabled", "true" },
	{ "aws.backup.bucket", "example-clearml-backups" },
	{ "aws.backup.retention_days", "14" },
	{ "server.base_dir", "/srv/clearml" },
	{ "server.admin_users", "[{username: support, name: \"Support: \\\"Ops\\\" Team\", password: {env: SUPPORT_PW}, admin: true}, {username: alice, password: {file: /run/secrets/alice}}]" },
	{ "server.registry.server", "registry.example.com" },
	{ "server.registry.username", "customer-42" },
	{ "server.registry.password", "{env: REGISTRY_TOKEN}" },
};

/* One line of YAML per sample: "a.b.c" = v becomes "a: {b: {c: v}}". */
static char *yaml_of_samples(void)
{
	char *out = strdup("");
	for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
		char *line = strdup("");
		int opened = 0;
		const char *p = samples[i].path;
		for (const char *dot; (dot = strchr(p, '.')); p = dot + 1) {
			char *n;
			if (asprintf(&n, "%s%.*s: {", line, (int)(dot - p), p) < 0)
				abort();
			free(line);
			line = n;
			opened++;
		}
		char *n;
		if (asprintf(&n, "%s%s%s: %s%.*s\n", out, line, p, samples[i].yaml, opened,
		             "}}}}}}}}") < 0)
			abort();
		free(out);
		free(line);
		out = n;
	}
	return out;
}

/* Load one "key: {sub: value}" fragment per sample and merge the trees,
 * since YAML forbids repeating the top-level keys in one document. */
static struct answers *load_samples(void)
{
	struct answers *all = answers_new();
	char *text = yaml_of_samples();
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *doc;
		if (asprintf(&doc, "version: 1\n%s\n", line) < 0)
			abort();
		struct diags d = { 0 };
		struct answers *one = answers_load_string(doc, strlen(doc), "sample", &d);
		for (size_t i = 0; i < d.n; i++) {
			char *m = diag_format(&d, i);
			print_error("%s (from %s)\n", m, line);
			free(m);
		}
		assert_non_null(one);
		assert_int_equal(d.n, 0);
		json_t *root = answers_root(one);
		json_object_update_recursive(answers_root(all), root);
		answers_free(one);
		diags_clear(&d);
		free(doc);
	}
	free(text);
	return all;
}

static void test_every_field_has_a_sample(void **state)
{
	(void)state;
	for (size_t i = 0; i < schema_nfields(); i++) {
		const char *p = schema_field(i)->path;
		bool found = false;
		for (size_t k = 0; k < sizeof samples / sizeof samples[0]; k++)
			found |= strcmp(samples[k].path, p) == 0;
		if (!found)
			print_error("no sample for %s\n", p);
		assert_true(found);
		assert_non_null(schema_field(i)->label);
		assert_non_null(schema_field(i)->help);
		assert_true(strlen(schema_field(i)->help) > 10);
	}
	assert_int_equal(schema_nfields(), sizeof samples / sizeof samples[0]);
}

static void test_round_trip_every_field(void **state)
{
	(void)state;
	struct answers *a = load_samples();
	for (size_t i = 0; i < schema_nfields(); i++)
		assert_non_null(answers_get(a, schema_field(i)->path));

	char dir[] = "/tmp/lf-answers.XXXXXX";
	assert_non_null(mkdtemp(dir));
	char path[128];
	snprintf(path, sizeof path, "%s/a.yaml", dir);
	char *cause = NULL;
	assert_int_equal(answers_save(a, path, &cause), 0);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);

	struct diags d = { 0 };
	struct answers *b = answers_load(path, &d);
	assert_non_null(b);
	for (size_t i = 0; i < d.n; i++) {
		char *m = diag_format(&d, i);
		print_error("%s\n", m);
		free(m);
	}
	assert_int_equal(d.n, 0);
	assert_true(answers_equal(a, b));
	/* Typed values survive: numbers stay numbers, strings that look like
	 * numbers or booleans stay strings. */
	assert_true(json_is_integer(answers_get(b, "ubuntu.ssh.port")));
	assert_true(json_is_false(answers_get(b, "aws.network.ipv6")));
	assert_string_equal(answers_str(b, "server.admin_users[0].name"), "Support: \"Ops\" Team");

	/* Saving again gives the same bytes. */
	char *y1 = answers_to_yaml(a), *y2 = answers_to_yaml(b);
	assert_string_equal(y1, y2);
	assert_non_null(strstr(y1, "version: 1"));
	assert_non_null(strstr(y1, "{env: SUPPORT_PW}"));
	free(y1);
	free(y2);
	answers_free(a);
	answers_free(b);
	diags_clear(&d);
	unlink(path);
	rmdir(dir);
}

static void test_string_that_looks_like_number_round_trips(void **state)
{
	(void)state;
	struct answers *a = answers_new();
	assert_int_equal(answers_set_text(a, "aws.instance.key_pair", "123", NULL), 0);
	assert_int_equal(answers_set_text(a, "kubernetes.context", "true", NULL), 0);
	assert_int_equal(answers_set_text(a, "aws.profile", "no", NULL), 0);
	char *y = answers_to_yaml(a);
	struct diags d = { 0 };
	struct answers *b = answers_load_string(y, strlen(y), "x", &d);
	assert_int_equal(d.n, 0);
	assert_true(answers_equal(a, b));
	free(y);
	answers_free(a);
	answers_free(b);
	diags_clear(&d);
}

/* Load text and return the diagnostics joined by newlines. */
static char *problems_of(const char *text)
{
	struct diags d = { 0 };
	struct answers *a = answers_load_string(text, strlen(text), "f.yaml", &d);
	if (a && d.n == 0)
		answers_validate(a, &d);
	char *all = strdup("");
	for (size_t i = 0; i < d.n; i++) {
		char *m = diag_format(&d, i), *n;
		if (asprintf(&n, "%s%s\n", all, m) < 0)
			abort();
		free(all);
		free(m);
		all = n;
	}
	answers_free(a);
	diags_clear(&d);
	return all;
}

static void expect_problem(const char *text, const char *needle)
{
	char *p = problems_of(text);
	if (!strstr(p, needle))
		print_error("expected \"%s\" in:\n%s\n", needle, p);
	assert_non_null(strstr(p, needle));
	free(p);
}

static const char base_aws[] =
	"version: 1\ntarget: aws\n"
	"aws:\n  region: eu-west-1\n  zones: [eu-west-1a, eu-west-1b]\n"
	"  network: {trusted_cidrs: [203.0.113.0/24]}\n"
	"  instance: {key_pair: admin}\n"
	"  backup: {bucket: my-clearml-backups}\n"
	"server:\n  domain: clearml.example.com\n"
	"  admin_users: [{username: support, password: {env: PW}}]\n";

static void test_base_aws_is_valid(void **state)
{
	(void)state;
	char *p = problems_of(base_aws);
	if (*p)
		print_error("%s", p);
	assert_string_equal(p, "");
	free(p);
}

static char *with(const char *base, const char *from, const char *to)
{
	const char *at = strstr(base, from);
	assert_non_null(at);
	char *s;
	if (asprintf(&s, "%.*s%s%s", (int)(at - base), base, to, at + strlen(from)) < 0)
		abort();
	return s;
}

static void test_diagnostics(void **state)
{
	(void)state;
	char *t;
	/* Unknown key, with position and suggestion. */
	t = with(base_aws, "  region:", "  regoin:");
	expect_problem(t, "f.yaml:4:3: aws.regoin: unknown key \"regoin\"; did you mean \"region\"?");
	free(t);
	t = with(base_aws, "target: aws", "target: aws\ncolour: blue");
	expect_problem(t, "f.yaml:3:1: colour: unknown key \"colour\"");
	free(t);
	/* Wrong types. */
	t = with(base_aws, "key_pair: admin", "key_pair: admin, type: [a, b]");
	expect_problem(t, "aws.instance.type: must be a single value");
	free(t);
	t = with(base_aws, "key_pair: admin", "key_pair: admin, image: debian");
	expect_problem(t, "aws.instance.image: must be one of: al2023, al2");
	free(t);
	t = with(base_aws, "  region: eu-west-1", "  region: eu-west-1\n  disks: {root: {size_gb: big}}");
	expect_problem(t, "aws.disks.root.size_gb: must be a whole number");
	free(t);
	t = with(base_aws, "  region: eu-west-1", "  region: eu-west-1\n  disks: {root: {size_gb: 20}}");
	expect_problem(t, "aws.disks.root.size_gb: must be between 50 and 16384 (got 20)");
	free(t);
	t = with(base_aws, "  network: {", "  network: {ipv6: yes, ");
	expect_problem(t, "aws.network.ipv6: must be true or false (got \"yes\")");
	free(t);
	/* A secret in clear is refused, and its value is not echoed. */
	t = with(base_aws, "password: {env: PW}", "password: hunter2-secret");
	char *p = problems_of(t);
	assert_non_null(strstr(p, "server.admin_users[0].password: a secret is never written in clear"));
	assert_null(strstr(p, "hunter2-secret"));
	free(p);
	free(t);
	t = with(base_aws, "password: {env: PW}", "password: {env: 9PW}");
	expect_problem(t, "server.admin_users[0].password:");
	free(t);
	/* Version. */
	expect_problem("target: aws\n", "version: is missing");
	expect_problem("version: 2\ntarget: aws\n", "f.yaml:1:1: version: must be 1");
	/* Broken YAML carries its position. */
	expect_problem("version: 1\ntarget: [aws\n", "f.yaml:3:1: not valid YAML");
	expect_problem("version: 1\ntarget: aws\ntarget: ubuntu\n", "f.yaml:3:1: target: is given twice");
	expect_problem("", "the file is empty");
	expect_problem("- a\n- b\n", "an answers file is a mapping");
	/* Field rules name the field and the rule. */
	t = with(base_aws, "region: eu-west-1", "region: eu-west-1a");
	expect_problem(t, "aws.region: ");
	free(t);
	t = with(base_aws, "203.0.113.0/24", "10.0.0.1/16");
	expect_problem(t, "aws.network.trusted_cidrs: entry 1 \"10.0.0.1/16\": host bits must be zero");
	free(t);
}

static void test_rules_across_fields(void **state)
{
	(void)state;
	char *t;
	t = with(base_aws, "[eu-west-1a, eu-west-1b]", "[eu-west-1a, us-east-1b]");
	expect_problem(t, "aws.zones: entry 2 \"us-east-1b\" is not a zone of region eu-west-1");
	free(t);
	t = with(base_aws, "[eu-west-1a, eu-west-1b]", "[eu-west-1a]");
	expect_problem(t, "aws.zones: needs at least 2 entries");
	free(t);
	t = with(base_aws, "[eu-west-1a, eu-west-1b]", "[eu-west-1a, eu-west-1a]");
	expect_problem(t, "is listed twice");
	free(t);
	t = with(base_aws, "  region: eu-west-1", "  region: eu-west-1\n  disks: {fileserver: {type: st1, size_gb: 100}}");
	expect_problem(t, "aws.disks.fileserver.size_gb: ");
	char *p = problems_of(t);
	assert_non_null(strstr(p, "500"));
	free(p);
	free(t);
	t = with(base_aws, "203.0.113.0/24", "0.0.0.0/0");
	expect_problem(t, "set aws.network.allow_anywhere: true to mean it");
	free(t);
	t = with(base_aws, "203.0.113.0/24]}", "0.0.0.0/0], allow_anywhere: true}");
	p = problems_of(t);
	assert_string_equal(p, "");
	free(p);
	free(t);
	t = with(base_aws, "server:\n  domain: clearml.example.com\n", "server:\n");
	expect_problem(t, "server.domain: is required on AWS");
	free(t);
	/* `when`: an existing VPC needs its id and subnets, not zones. */
	t = with(base_aws, "  network: {", "  network: {mode: existing, ");
	expect_problem(t, "aws.network.vpc_id: is required");
	expect_problem(t, "aws.network.subnet_ids: is required");
	p = problems_of(t);
	assert_null(strstr(p, "aws.zones"));
	free(p);
	free(t);
	t = with(base_aws, "  admin_users: [{username: support, password: {env: PW}}]",
	         "  admin_users: [{username: support, password: {env: PW}}, {username: support, password: {env: PW2}}]");
	expect_problem(t, "server.admin_users[1].username: \"support\" is listed twice");
	free(t);
	t = with(base_aws, "  admin_users: [{username: support, password: {env: PW}}]", "  admin_users: []");
	expect_problem(t, "server.admin_users: needs at least 1 entry");
	free(t);
	t = with(base_aws, "  domain: clearml.example.com\n", "  domain: clearml.example.com\n  registry: {username: me}\n");
	expect_problem(t, "server.registry.password: is required");
	free(t);

	/* Removing an earlier ubuntu installation takes the host, typed. */
	static const char ub[] =
		"version: 1\ntarget: ubuntu\nubuntu:\n  ssh: {host: srv1.example.com}\n"
		"  existing: remove\n"
		"server:\n  admin_users: [{username: support, password: {env: PW}}]\n";
	expect_problem(ub, "ubuntu.remove_confirm: is required");
	t = with(ub, "  existing: remove\n", "  existing: remove\n  remove_confirm: srv2.example.com\n");
	expect_problem(t, "ubuntu.remove_confirm: must be the SSH host (ubuntu.ssh.host) typed exactly");
	free(t);
	t = with(ub, "  existing: remove\n", "  existing: remove\n  remove_confirm: srv1.example.com\n");
	p = problems_of(t);
	assert_string_equal(p, "");
	free(p);
	free(t);
}

static void test_set_text_refuses_without_change(void **state)
{
	(void)state;
	struct answers *a = answers_new();
	char *why = NULL;
	assert_int_equal(answers_set_text(a, "aws.region", "eu-central-1", &why), 0);
	assert_int_equal(answers_set_text(a, "aws.region", "Frankfurt", &why), -1);
	assert_non_null(why);
	assert_string_equal(answers_str(a, "aws.region"), "eu-central-1");
	free(why);
	why = NULL;
	assert_int_equal(answers_set_text(a, "ubuntu.ssh.port", "70000", &why), -1);
	assert_non_null(strstr(why, "between 1 and 65535"));
	free(why);
	why = NULL;
	assert_int_equal(answers_set_text(a, "aws.zones", "eu-central-1a, eu-central-1b", &why), 0);
	assert_int_equal(json_array_size(answers_get(a, "aws.zones")), 2);
	char *t = answers_text(a, "aws.zones");
	assert_string_equal(t, "eu-central-1a, eu-central-1b");
	free(t);
	assert_int_equal(answers_set_text(a, "ubuntu.sudo_password", "x", &why), -1);
	free(why);
	why = NULL;
	assert_int_equal(answers_set_text(a, "no.such.field", "x", &why), -1);
	free(why);
	/* Empty text removes the answer. */
	assert_int_equal(answers_set_text(a, "aws.region", "", NULL), 0);
	assert_null(answers_get(a, "aws.region"));
	answers_free(a);
}

static void test_defaults(void **state)
{
	(void)state;
	struct answers *a = answers_new();
	answers_set_text(a, "target", "kubernetes", NULL);
	assert_string_equal(answers_str_or_default(a, "server.base_dir"), "/opt/clearml");
	assert_int_equal(answers_int(a, "kubernetes.ports.api"), 30008);
	assert_int_equal(answers_int(a, "kubernetes.ports.web"), 30080);
	assert_int_equal(answers_int(a, "kubernetes.ports.files"), 30081);
	answers_set_text(a, "target", "ubuntu", NULL);
	assert_string_equal(answers_str_or_default(a, "server.base_dir"), "/opt/allegro");
	answers_set_text(a, "install.edition", "open-source", NULL);
	assert_string_equal(answers_str_or_default(a, "server.base_dir"), "/opt/clearml");
	answers_set_text(a, "target", "aws", NULL);
	answers_apply_defaults(a);
	assert_int_equal(answers_int(a, "aws.disks.root.size_gb"), 50);
	assert_int_equal(answers_int(a, "aws.disks.data.size_gb"), 100);
	assert_int_equal(answers_int(a, "aws.disks.docker.size_gb"), 30);
	assert_string_equal(answers_str(a, "aws.disks.fileserver.type"), "gp3");
	assert_string_equal(answers_str(a, "aws.instance.image"), "al2023");
	assert_true(answers_bool(a, "aws.network.ipv6"));
	/* Defaults of other targets are not filled in. */
	assert_null(answers_get(a, "ubuntu.ssh.port"));
	assert_null(answers_get(a, "aws.network.vpc_id"));
	answers_free(a);
}

static void test_secrets(void **state)
{
	(void)state;
	const char *text = "version: 1\nubuntu: {sudo_password: {env: LF_T_SUDO}}\n"
	                   "server: {registry: {password: {file: /tmp/lf-test-secret}}}\n";
	struct diags d = { 0 };
	struct answers *a = answers_load_string(text, strlen(text), "s", &d);
	assert_int_equal(d.n, 0);
	char *v = NULL, *cause = NULL;
	unsetenv("LF_T_SUDO");
	assert_int_equal(answers_secret(a, "ubuntu.sudo_password", &v, &cause), -1);
	assert_non_null(strstr(cause, "LF_T_SUDO is not set"));
	free(cause);
	cause = NULL;
	setenv("LF_T_SUDO", "pa ss", 1);
	assert_int_equal(answers_secret(a, "ubuntu.sudo_password", &v, &cause), 0);
	assert_string_equal(v, "pa ss");
	free(v);
	FILE *f = fopen("/tmp/lf-test-secret", "w");
	fputs("token-from-file\n", f);
	fclose(f);
	assert_int_equal(answers_secret(a, "server.registry.password", &v, &cause), 0);
	assert_string_equal(v, "token-from-file");
	free(v);
	unlink("/tmp/lf-test-secret");
	assert_int_equal(answers_secret(a, "ubuntu.ssh.password", &v, &cause), 1);
	answers_free(a);
	diags_clear(&d);
}

static struct answers *load_file(const char *name)
{
	char path[512];
	snprintf(path, sizeof path, "%s/tests/answers/%s", LANDFALL_SOURCE_DIR, name);
	struct diags d = { 0 };
	struct answers *a = answers_load(path, &d);
	assert_non_null(a);
	answers_validate(a, &d);
	assert_int_equal(d.n, 0);
	diags_clear(&d);
	return a;
}

static void test_flow_setup(void **state)
{
	(void)state;
	struct answers *a = load_file("aws.yaml");
	struct events *evs = events_new();
	struct setup s;
	struct setup_opts so = { 0 };
	char *cause = NULL;
	assert_int_equal(flow_setup(a, &so, evs, &s, &cause), 0);
	assert_ptr_equal(s.ops, &aws_backend);
	assert_int_equal(s.aws.nzones, 3);
	assert_string_equal(s.aws.zones[2], "eu-west-1c");
	assert_int_equal(s.aws.fileserver.size_gb, 500);
	assert_string_equal(s.aws.fileserver.type, "st1");
	assert_int_equal(s.aws.root.size_gb, 50);
	assert_true(s.aws.ipv6);
	assert_true(s.aws.dns_route53);
	assert_string_equal(s.aws.base_dir, "/opt/allegro");
	struct plan p = { 0 };
	assert_int_equal(s.ops->plan(s.config, &p, &cause), 0);
	assert_true(p.n >= 15);
	assert_string_equal(p.actions[0].id, "vpc");
	plan_clear(&p);
	flow_setup_free(&s);

	/* Dry run wraps the same plan. */
	so.dry_run = true;
	assert_int_equal(flow_setup(a, &so, evs, &s, &cause), 0);
	assert_ptr_equal(s.ops, &dryrun_backend);
	assert_ptr_equal(s.target, &aws_backend);
	flow_setup_free(&s);
	answers_free(a);

	/* Ubuntu: secrets resolved and registered for redaction. */
	a = load_file("ubuntu.yaml");
	setenv("LANDFALL_TEST_SUDO_PASSWORD", "sudo-secret-1", 1);
	setenv("LANDFALL_TEST_ALICE_PASSWORD", "alice-secret-2", 1);
	setenv("LANDFALL_TEST_REGISTRY_PASSWORD", "registry-secret-3", 1);
	char home[] = "/tmp/lf-home.XXXXXX";
	assert_non_null(mkdtemp(home));
	char path[256];
	snprintf(path, sizeof path, "%s/.config", home);
	mkdir(path, 0700);
	snprintf(path, sizeof path, "%s/.config/landfall", home);
	mkdir(path, 0700);
	snprintf(path, sizeof path, "%s/.config/landfall/support-password", home);
	FILE *f = fopen(path, "w");
	fputs("support-secret-4\n", f);
	fclose(f);
	setenv("HOME", home, 1);
	so = (struct setup_opts){ .resolve_secrets = true };
	assert_int_equal(flow_setup(a, &so, evs, &s, &cause), 0);
	assert_string_equal(s.ubuntu.sudo_password, "sudo-secret-1");
	assert_int_equal(s.ubuntu.nusers, 2);
	assert_string_equal(s.ubuntu.users[0].password, "support-secret-4");
	assert_true(s.ubuntu.users[0].admin);
	assert_false(s.ubuntu.users[1].admin);
	assert_int_equal(s.ubuntu.port, 22);
	assert_false(s.ubuntu.remove_existing); /* the default: upgrade in place */
	char *r = events_redact(evs, "pw=sudo-secret-1 and support-secret-4");
	assert_string_equal(r, "pw=******** and ********");
	free(r);
	flow_setup_free(&s);

	/* A missing required secret, headless, names the field. */
	unsetenv("LANDFALL_TEST_ALICE_PASSWORD");
	assert_int_equal(flow_setup(a, &so, evs, &s, &cause), -1);
	assert_non_null(strstr(cause, "server.admin_users[1].password"));
	assert_non_null(strstr(cause, "LANDFALL_TEST_ALICE_PASSWORD"));
	free(cause);
	unlink(path);
	snprintf(path, sizeof path, "%s/.config/landfall", home);
	rmdir(path);
	snprintf(path, sizeof path, "%s/.config", home);
	rmdir(path);
	rmdir(home);
	answers_free(a);
	events_free(evs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_field_has_a_sample),
		cmocka_unit_test(test_round_trip_every_field),
		cmocka_unit_test(test_string_that_looks_like_number_round_trips),
		cmocka_unit_test(test_base_aws_is_valid),
		cmocka_unit_test(test_diagnostics),
		cmocka_unit_test(test_rules_across_fields),
		cmocka_unit_test(test_set_text_refuses_without_change),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_secrets),
		cmocka_unit_test(test_flow_setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
