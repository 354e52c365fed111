/* Unit tests for backends/engine.c, driven by the dry-run backend (which
 * mirrors the AWS plan) and by small hand-made action_ops, plus the
 * crash/resume test: kill the process at every action boundary and in the
 * middle of every journal write, then resume. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine.h"
#include "journal.h"
#include "aws/aws.h"
#include "dryrun/dryrun.h"

/* ---- the AWS configuration mirrored by the dry run ------------------------- */

static const char *const zones[] = { "eu-west-1a", "eu-west-1b", "eu-west-1c" };
static const char *const trusted[] = { "203.0.113.0/24", "198.51.100.7/32" };

static const struct aws_config aws_cfg = {
	.install_id = "clearml-test",
	.region = "eu-west-1",
	.zones = zones,
	.nzones = 3,
	.vpc_cidr = "10.20.0.0/16",
	.ipv6 = true,
	.trusted_cidrs = trusted,
	.ntrusted = 2,
	.instance_type = "m6i.xlarge",
	.key_pair = "ops",
	.image = "al2023",
	.root = { 30, "gp3" },
	.data = { 100, "gp3" },
	.fileserver = { 200, "gp3" },
	.docker = { 50, "gp3" },
	.domain = "clearml.example.org",
	.dns_route53 = true,
	.backup_enabled = true,
	.backup_bucket = "clearml-backups",
	.backup_retention_days = 14,
	.base_dir = "/opt/clearml",
};

/* The AWS guide's order for the configuration above. */
static const char *const aws_ids[] = {
	"vpc", "subnets", "internet-gateway", "route-table", "sg-load-balancer",
	"sg-server", "backup-bucket", "iam-role", "instance-profile", "instance",
	"target-group", "certificate", "load-balancer", "listeners",
	"dns-records", "backup-vault", "backup-plan",
};
#define AWS_N LF_ARRAY_LEN(aws_ids)

/* ---- temporary directories -------------------------------------------------- */

/* The crash test writes the journal a few thousand times; tmpfs keeps the
 * fsyncs cheap, and SIGKILL (unlike a power cut) loses nothing that is in
 * the page cache, so nothing is lost by not using a disk. */
static const char *tmp_base(void)
{
	const char *t = getenv("TMPDIR");
	if (!lf_str_empty(t))
		return t;
	if (access("/dev/shm", W_OK | X_OK) == 0)
		return "/dev/shm";
	return "/tmp";
}

static char *make_tmpdir(void)
{
	char *dir = lf_asprintf("%s/lf-test-engine.XXXXXX", tmp_base());
	if (!mkdtemp(dir))
		fail_msg("mkdtemp %s: %s", dir, strerror(errno));
	return dir;
}

static void remove_tmpdir(char *dir)
{
	DIR *d = opendir(dir);
	if (d) {
		struct dirent *de;
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			char *p = lf_asprintf("%s/%s", dir, de->d_name);
			unlink(p);
			free(p);
		}
		closedir(d);
	}
	rmdir(dir);
	free(dir);
}

/* Names of journal.json.tmp.* files in dir. */
static int count_stale_temps(const char *dir, pid_t *pid_out)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	int n = 0;
	struct dirent *de;
	static const char prefix[] = JOURNAL_FILE ".tmp.";
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, prefix, sizeof prefix - 1) == 0) {
			n++;
			if (pid_out)
				*pid_out = (pid_t)atol(de->d_name + sizeof prefix - 1);
		}
	closedir(d);
	return n;
}

/* ---- the harness: events, sleeps, calls ------------------------------------- */

#define MAX_SLICES 4096
#define MAX_SEQ 512

struct harness {
	char *dir;
	struct events *evs;
	/* Compact event sequence, "kind id status" (logs and progress apart). */
	char *seq[MAX_SEQ];
	int nseq;
	int nlogs;
	/* Every message and hint any observer saw, concatenated. */
	char *seen;
	/* Calls of the hand-made ops, e.g. "apply:a find:b undo:c ". */
	char calls[4096];
	/* Sleep hook. */
	long slices[MAX_SLICES];
	int nslices;
	long slept;
	volatile sig_atomic_t interrupt;
	struct engine_opts opts;
};

static void observe(const struct event *ev, void *user)
{
	struct harness *h = user;
	char *more = lf_asprintf("%s|%s|%s", h->seen ? h->seen : "",
	                         ev->message ? ev->message : "",
	                         ev->hint ? ev->hint : "");
	free(h->seen);
	h->seen = more;
	if (ev->kind == EV_LOG) {
		h->nlogs++;
		return;
	}
	if (ev->kind == EV_PROGRESS)
		return;
	assert_true(h->nseq < MAX_SEQ);
	if (ev->kind == EV_PLAN)
		h->seq[h->nseq++] = lf_asprintf("plan %d", ev->total);
	else
		h->seq[h->nseq++] = lf_asprintf(
			"%s %s %s", event_kind_name(ev->kind),
			ev->action_id ? ev->action_id : "-",
			ev->status ? ev->status : "-");
}

static void record_sleep(long ms, void *user)
{
	struct harness *h = user;
	assert_true(h->nslices < MAX_SLICES);
	h->slices[h->nslices++] = ms;
	h->slept += ms;
}

static void harness_clear_events(struct harness *h)
{
	for (int i = 0; i < h->nseq; i++)
		free(h->seq[i]);
	h->nseq = 0;
	h->nlogs = 0;
	free(h->seen);
	h->seen = NULL;
	h->calls[0] = '\0';
}

static int setup(void **state)
{
	struct harness *h = lf_xcalloc(1, sizeof *h);
	h->dir = make_tmpdir();
	h->evs = events_new();
	events_subscribe(h->evs, observe, h);
	h->opts = (struct engine_opts){
		.max_attempts = 5, .base_delay_ms = 100, .max_delay_ms = 1000,
		.interrupt = &h->interrupt, .sleep_ms = record_sleep,
		.sleep_user = h, .seed = 12345,
	};
	*state = h;
	return 0;
}

static int teardown(void **state)
{
	struct harness *h = *state;
	harness_clear_events(h);
	events_free(h->evs);
	remove_tmpdir(h->dir);
	free(h);
	return 0;
}

static struct journal *jopen(struct harness *h, const char *backend)
{
	char *cause = NULL;
	struct journal *j = journal_open(h->dir, backend, "test-install", &cause);
	if (!j)
		fail_msg("journal_open: %s", cause);
	return j;
}

/* Index of the first event equal to `want` at or after `from`, or -1. */
static int seq_find(const struct harness *h, int from, const char *want)
{
	for (int i = from; i < h->nseq; i++)
		if (strcmp(h->seq[i], want) == 0)
			return i;
	return -1;
}

static int seq_count(const struct harness *h, const char *want)
{
	int n = 0;
	for (int i = 0; i < h->nseq; i++)
		n += strcmp(h->seq[i], want) == 0;
	return n;
}

static void expect_seq(const struct harness *h, const char *const *want,
                       size_t n)
{
	if ((size_t)h->nseq != n) {
		for (int i = 0; i < h->nseq; i++)
			print_message("  event %d: %s\n", i, h->seq[i]);
		fail_msg("%d events, expected %zu", h->nseq, n);
	}
	for (size_t i = 0; i < n; i++)
		assert_string_equal(h->seq[i], want[i]);
}

static const char *entry_str(json_t *e, const char *key)
{
	return json_string_value(json_object_get(e, key));
}

static json_int_t attempts_of(const struct journal *j, const char *id)
{
	json_t *e = journal_action(j, id);
	assert_non_null(e);
	return json_integer_value(json_object_get(e, "attempts"));
}

static json_t *load_disk(const char *path)
{
	json_error_t err;
	json_t *root = json_load_file(path, 0, &err);
	if (!root)
		fail_msg("%s does not parse: line %d: %s", path, err.line, err.text);
	return root;
}

static bool file_contains(const char *path, const char *needle)
{
	char *text = lf_read_file(path, NULL, NULL);
	assert_non_null(text);
	bool found = strstr(text, needle) != NULL;
	free(text);
	return found;
}

/* ---- hand-made actions --------------------------------------------------------- */

struct script {
	struct harness *h;
	bool found;                    /* find returns ACT_OK */
	enum action_rc find_rcs[8];    /* returned in turn before `found` */
	int nfind_rcs;
	enum action_rc apply_rcs[16];  /* returned in turn; then ACT_OK */
	int napply_rcs;
	enum action_rc undo_rcs[8];
	int nundo_rcs;
	const char *error;             /* message for failures */
	const char *hint;
	int interrupt_on_call;         /* set the flag in apply call N */
	const char *resource;          /* recorded by apply (and by find) */
	const char *output_key, *output_value;
	/* observed */
	int find_calls, apply_calls, undo_calls;
	long waits[16];                /* time slept before each apply call */
	long slept_mark;
};

static struct script *script_of(struct action_ctx *ctx)
{
	return ctx->action->data;
}

static void note(struct action_ctx *ctx, const char *what)
{
	struct harness *h = script_of(ctx)->h;
	size_t used = strlen(h->calls);
	snprintf(h->calls + used, sizeof h->calls - used, "%s:%s ", what,
	         ctx->action->id);
}

static enum action_rc fail_rc(struct action_ctx *ctx, enum action_rc rc, int n)
{
	struct script *s = script_of(ctx);
	if (rc == ACT_OK)
		return ACT_OK;
	return ctx_error(ctx, rc, s->hint, "%s (call %d)",
	                 s->error ? s->error : "scripted failure", n);
}

static enum action_rc op_find(struct action_ctx *ctx)
{
	struct script *s = script_of(ctx);
	int n = s->find_calls++;
	note(ctx, "find");
	if (n < s->nfind_rcs)
		return fail_rc(ctx, s->find_rcs[n], n + 1);
	if (!s->found)
		return ACT_NOT_FOUND;
	if (s->resource && ctx_set_resource(ctx, "id", s->resource) != 0)
		return ACT_FAILED;
	return ACT_OK;
}

static enum action_rc op_apply(struct action_ctx *ctx)
{
	struct script *s = script_of(ctx);
	struct harness *h = s->h;
	int n = s->apply_calls++;
	if (n < (int)LF_ARRAY_LEN(s->waits))
		s->waits[n] = h->slept - s->slept_mark;
	note(ctx, "apply");
	if (s->interrupt_on_call == n + 1)
		h->interrupt = 1;
	if (s->resource && ctx_set_resource(ctx, "id", s->resource) != 0)
		return ACT_FAILED;
	if (s->output_key &&
	    ctx_output(ctx, s->output_key, "An output", s->output_value) != 0)
		return ACT_FAILED;
	enum action_rc rc = n < s->napply_rcs ? s->apply_rcs[n] : ACT_OK;
	s->slept_mark = h->slept;
	return fail_rc(ctx, rc, n + 1);
}

static enum action_rc op_undo(struct action_ctx *ctx)
{
	struct script *s = script_of(ctx);
	int n = s->undo_calls++;
	note(ctx, "undo");
	enum action_rc rc = n < s->nundo_rcs ? s->undo_rcs[n] : ACT_OK;
	return fail_rc(ctx, rc, n + 1);
}

static const struct action_ops ops_full = { op_find, op_apply, op_undo };
static const struct action_ops ops_no_find = { NULL, op_apply, op_undo };
static const struct action_ops ops_no_undo = { op_find, op_apply, NULL };
static const struct action_ops ops_no_apply = { NULL, NULL, NULL };

/* A plan of the given ids over scripts[i]; the scripts belong to the
 * test, so free_data stays NULL. */
static void make_plan(struct plan *p, struct harness *h, const char *const *ids,
                      struct script *scripts, const struct action_ops *ops)
{
	memset(p, 0, sizeof *p);
	for (size_t i = 0; ids[i]; i++) {
		char *title = lf_asprintf("Title %s", ids[i]);
		struct action *a = plan_addf(p, ids[i], ops, title, "detail of %s", ids[i]);
		free(title);
		scripts[i].h = h;
		a->data = &scripts[i];
	}
}

#define IDS(...) ((const char *const[]){ __VA_ARGS__, NULL })

/* ---- dry-run environment ------------------------------------------------------- */

struct dry {
	struct dryrun_config cfg;
	struct plan plan;
	void *session;
	char *ledger;
};

static void dry_setup(struct dry *d, const char *dir, struct events *evs,
                      const char *fail)
{
	memset(d, 0, sizeof *d);
	d->ledger = lf_asprintf("%s/ledger", dir);
	d->cfg = (struct dryrun_config){ .target = &aws_backend,
	                                 .target_config = &aws_cfg,
	                                 .ledger = d->ledger, .fail = fail,
	                                 .delay_ms = 0 };
	char *cause = NULL;
	if (dryrun_backend.plan(&d->cfg, &d->plan, &cause) != 0)
		fail_msg("plan: %s", cause);
	if (dryrun_backend.open(&d->cfg, evs, &d->session, &cause) != 0)
		fail_msg("open: %s", cause);
	assert_int_equal(d->plan.n, AWS_N);
	for (size_t i = 0; i < AWS_N; i++)
		assert_string_equal(d->plan.actions[i].id, aws_ids[i]);
}

static void dry_free(struct dry *d)
{
	dryrun_backend.close(d->session);
	plan_clear(&d->plan);
	free(d->ledger);
}

/* The ledger holds exactly one "apply ID" per action, in plan order, and
 * nothing else. */
static void expect_ledger_applied_once(const char *ledger)
{
	char *text = lf_read_file(ledger, NULL, NULL);
	if (!text)
		fail_msg("no ledger %s", ledger);
	char *save = NULL;
	size_t i = 0;
	for (char *line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save), i++) {
		if (i >= AWS_N)
			fail_msg("extra ledger line %zu: %s", i, line);
		char *want = lf_asprintf("apply %s", aws_ids[i]);
		if (strcmp(line, want) != 0)
			fail_msg("ledger line %zu is \"%s\", expected \"%s\"", i,
			         line, want);
		free(want);
	}
	free(text);
	assert_int_equal(i, AWS_N);
}

static void expect_all_done(const struct journal *j)
{
	assert_int_equal(json_array_size(journal_actions(j)), AWS_N);
	assert_int_equal(journal_count(j, "done"), AWS_N);
	for (size_t i = 0; i < AWS_N; i++) {
		json_t *e = json_array_get(journal_actions(j), i);
		assert_string_equal(entry_str(e, "id"), aws_ids[i]);
		assert_string_equal(entry_str(e, "status"), "done");
		assert_true(json_is_null(json_object_get(e, "error")));
		assert_true(json_is_string(json_object_get(e, "finished")));
		assert_string_equal(journal_resource(j, aws_ids[i], "dry-run-id"),
		                    aws_ids[i]);
	}
}

/* ---- apply with the dry run ------------------------------------------------------ */

static void test_dryrun_apply_all_once_in_order(void **state)
{
	struct harness *h = *state;
	struct dry d;
	dry_setup(&d, h->dir, h->evs, NULL);
	struct journal *j = jopen(h, "dry-run");
	char *cause = NULL;

	assert_int_equal(engine_apply(&d.plan, j, d.session, h->evs, &h->opts, &cause),
	                 ENGINE_OK);
	assert_null(cause);
	expect_all_done(j);
	expect_ledger_applied_once(d.ledger);
	for (size_t i = 0; i < AWS_N; i++)
		assert_int_equal(attempts_of(j, aws_ids[i]), 1);
	assert_int_equal(h->nslices, 0);

	/* Events: plan, then started/done per action in order, then finished. */
	assert_int_equal(h->nseq, 2 + 2 * (int)AWS_N);
	char *want = lf_asprintf("plan %zu", AWS_N);
	assert_string_equal(h->seq[0], want);
	free(want);
	for (size_t i = 0; i < AWS_N; i++) {
		char *s = lf_asprintf("started %s -", aws_ids[i]);
		char *dn = lf_asprintf("done %s applied", aws_ids[i]);
		assert_string_equal(h->seq[1 + 2 * i], s);
		assert_string_equal(h->seq[2 + 2 * i], dn);
		free(s);
		free(dn);
	}
	assert_string_equal(h->seq[h->nseq - 1], "finished - done");

	/* Plan outputs are recorded once everything is done. */
	json_t *outs = journal_outputs(j);
	assert_int_equal(json_array_size(outs), d.plan.nout);
	assert_int_equal(d.plan.nout, 4);
	for (size_t i = 0; i < d.plan.nout; i++) {
		json_t *o = json_array_get(outs, i);
		assert_string_equal(entry_str(o, "key"), d.plan.outputs[i].key);
		assert_string_equal(entry_str(o, "label"), d.plan.outputs[i].label);
		assert_string_equal(entry_str(o, "value"), d.plan.outputs[i].value);
	}
	assert_string_equal(entry_str(json_array_get(outs, 0), "value"), "eu-west-1");
	assert_string_equal(entry_str(json_array_get(outs, 1), "value"),
	                    "https://app.clearml.example.org");

	/* The file on disk says the same. */
	json_t *root = load_disk(journal_path(j));
	assert_string_equal(entry_str(root, "backend"), "dry-run");
	assert_int_equal(json_array_size(json_object_get(root, "actions")), AWS_N);
	assert_true(json_equal(json_object_get(root, "actions"), journal_actions(j)));
	assert_true(json_equal(json_object_get(root, "outputs"), journal_outputs(j)));
	json_decref(root);
	assert_int_equal(count_stale_temps(h->dir, NULL), 0);

	journal_free(j);
	dry_free(&d);
}

static void test_dryrun_second_apply_skips_all(void **state)
{
	struct harness *h = *state;
	struct dry d;
	dry_setup(&d, h->dir, h->evs, NULL);
	struct journal *j = jopen(h, "dry-run");
	char *cause = NULL;
	assert_int_equal(engine_apply(&d.plan, j, d.session, h->evs, &h->opts, &cause),
	                 ENGINE_OK);
	journal_free(j);
	harness_clear_events(h);

	/* A fresh process would reopen the journal. */
	j = jopen(h, "dry-run");
	assert_true(journal_existed(j));
	assert_int_equal(engine_apply(&d.plan, j, d.session, h->evs, &h->opts, &cause),
	                 ENGINE_OK);
	assert_null(cause);
	expect_all_done(j);
	expect_ledger_applied_once(d.ledger);
	for (size_t i = 0; i < AWS_N; i++)
		assert_int_equal(attempts_of(j, aws_ids[i]), 1);
	assert_int_equal(seq_count(h, "started vpc -"), 0);
	for (size_t i = 0; i < AWS_N; i++) {
		char *s = lf_asprintf("done %s skipped", aws_ids[i]);
		assert_int_equal(seq_count(h, s), 1);
		free(s);
	}
	assert_string_equal(h->seq[h->nseq - 1], "finished - done");
	journal_free(j);
	dry_free(&d);
}

/* What the ledger already lists is found, not applied again. */
static void test_dryrun_find_existing(void **state)
{
	struct harness *h = *state;
	struct dry d;
	dry_setup(&d, h->dir, h->evs, NULL);
	FILE *f = fopen(d.ledger, "w");
	assert_non_null(f);
	fputs("apply vpc\n", f);
	fclose(f);
	struct journal *j = jopen(h, "dry-run");
	char *cause = NULL;
	assert_int_equal(engine_apply(&d.plan, j, d.session, h->evs, &h->opts, &cause),
	                 ENGINE_OK);
	expect_all_done(j);
	expect_ledger_applied_once(d.ledger);
	assert_int_equal(seq_count(h, "done vpc found"), 1);
	assert_int_equal(seq_count(h, "done subnets applied"), 1);
	journal_free(j);
	dry_free(&d);
}

static void test_dryrun_retry_then_success(void **state)
{
	struct harness *h = *state;
	struct dry d;
	dry_setup(&d, h->dir, h->evs, "instance:3");
	struct journal *j = jopen(h, "dry-run");
	char *cause = NULL;
	assert_int_equal(engine_apply(&d.plan, j, d.session, h->evs, &h->opts, &cause),
	                 ENGINE_OK);
	expect_all_done(j);
	expect_ledger_applied_once(d.ledger);
	/* Three backoffs: 100, 200, 400 ms before jitter. */
	assert_true(h->slept >= 50 + 100 + 200);
	assert_true(h->slept <= 100 + 200 + 400);
	/* Retries within one run are not journal attempts. */
	assert_int_equal(attempts_of(j, "instance"), 1);
	journal_free(j);
	dry_free(&d);
}

static void test_dryrun_fatal_then_resume(void **state)
{
	struct harness *h = *state;
	struct dry d;
	dry_setup(&d, h->dir, h->evs, "iam-role:fatal");
	struct journal *j = jopen(h, "dry-run");
	char *cause = NULL;
	assert_int_equal(engine_apply(&d.plan, j, d.session, h->evs, &h->opts, &cause),
	                 ENGINE_FAILED);
	assert_non_null(cause);
	assert_non_null(strstr(cause, "simulated permanent failure"));
	assert_non_null(strstr(cause, "Create the server's IAM role"));
	free(cause);
	cause = NULL;
	assert_string_equal(journal_status(j, "backup-bucket"), "done");
	assert_string_equal(journal_status(j, "iam-role"), "failed");
	assert_string_equal(entry_str(journal_action(j, "iam-role"), "error"),
	                    "simulated permanent failure");
	assert_string_equal(journal_status(j, "instance-profile"), "pending");
	assert_int_equal(journal_count(j, "done"), 7);
	assert_int_equal(journal_count(j, "pending"), AWS_N - 8);
	assert_int_equal(json_array_size(journal_outputs(j)), 0);
	assert_int_equal(h->nslices, 0); /* permanent: no retry */
	assert_string_equal(h->seq[h->nseq - 1], "finished - failed");
	assert_true(seq_find(h, 0, "failed iam-role failed") >= 0);
	journal_free(j);
	dryrun_backend.close(d.session);

	/* Resume with the failure gone. */
	d.cfg.fail = NULL;
	assert_int_equal(dryrun_backend.open(&d.cfg, h->evs, &d.session, &cause), 0);
	j = jopen(h, "dry-run");
	assert_int_equal(engine_apply(&d.plan, j, d.session, h->evs, &h->opts, &cause),
	                 ENGINE_OK);
	expect_all_done(j);
	expect_ledger_applied_once(d.ledger);
	assert_int_equal(attempts_of(j, "iam-role"), 2);
	assert_int_equal(attempts_of(j, "vpc"), 1);
	assert_int_equal(json_array_size(journal_outputs(j)), 4);
	journal_free(j);
	dry_free(&d);
}

/* ---- apply with hand-made actions ------------------------------------------------ */

static void test_apply_runs_each_once_in_order(void **state)
{
	struct harness *h = *state;
	struct script sc[3] = { { .resource = "r-a" }, { 0 }, { .resource = "r-c" } };
	struct plan p;
	make_plan(&p, h, IDS("a", "b", "c"), sc, &ops_full);
	plan_add_output(&p, "url", "URL", "https://x");
	struct journal *j = jopen(h, "hand");
	char *cause = NULL;
	assert_int_equal(engine_apply(&p, j, NULL, h->evs, &h->opts, &cause), ENGINE_OK);
	assert_string_equal(h->calls, "find:a apply:a find:b apply:b find:c apply:c ");
	for (int i = 0; i < 3; i++) {
		assert_int_equal(sc[i].find_calls, 1);
		assert_int_equal(sc[i].apply_calls, 1);
		assert_int_equal(sc[i].undo_calls, 0);
	}
	assert_string_equal(journal_resource(j, "a", "id"), "r-a");
	assert_null(journal_resource(j, "b", "id"));
	assert_string_equal(journal_resource(j, "c", "id"), "r-c");
	assert_int_equal(journal_count(j, "done"), 3);
	expect_seq(h, IDS("plan 3", "started a -", "done a applied", "started b -",
	                  "done b applied", "started c -", "done c applied",
	                  "finished - done"), 8);
	assert_string_equal(entry_str(json_array_get(journal_outputs(j), 0), "value"),
	                    "https://x");

	/* Again: all skipped, no op called. */
	harness_clear_events(h);
	assert_int_equal(engine_apply(&p, j, NULL, h->evs, &h->opts, &cause), ENGINE_OK);
	assert_string_equal(h->calls, "");
	expect_seq(h, IDS("plan 3", "done a skipped", "done b skipped",
	                  "done c skipped", "finished - done"), 5);
	for (int i = 0; i < 3; i++)
		assert_int_equal(sc[i].apply_calls, 1);
	assert_null(cause);
	journal_free(j);
	plan_clear(&p);
}

static void test_find_short_circuits_apply(void **state)
{
	struct harness *h = *state;
	struct script sc[3] = { { 0 }, { .found = true, .resource = "r-b" }, { 0 } };
	struct plan p;
	make_plan(&p, h, IDS("a", "b", "c"), sc, &ops_full);
	struct journal *j = jopen(h, "hand");
	char *cause = NULL;
	assert_int_equal(engine_apply(&p, j, NULL, h->evs, &h->opts, &cause), ENGINE_OK);
	assert_string_equal(h->calls, "find:a apply:a find:b find:c apply:c ");
	assert_int_equal(sc[1].apply_calls, 0);
	assert_string_equal(journal_status(j, "b"), "done");
	assert_string_equal(journal_resource(j, "b", "id"), "r-b");
	assert_true(seq_find(h, 0, "done b found") >= 0);
	journal_free(j);
	plan_clear(&p);
}

static void test_apply_without_find(void **state)
{
	struct harness *h = *state;
	struct script sc[2] = { { .found = true }, { 0 } };
	struct plan p;
	make_plan(&p, h, IDS("a", "b"), sc, &ops_no_find);
	struct journal *j = jopen(h, "hand");
	char *cause = NULL;
	assert_int_equal(engine_apply(&p, j, NULL, h->evs, &h->opts, &cause), ENGINE_OK);
	assert_string_equal(h->calls, "apply:a apply:b ");
	journal_free(j);
	plan_clear(&p);
}

static void test_action_without_apply_fails(void **state)
{
	struct harness *h = *state;
	struct script sc[2] = { { 0 }, { 0 } };
	struct plan p;
	make_plan(&p, h, IDS("a", "b"), sc, &ops_full);
	p.actions[1].ops = &ops_no_apply;
	struct journal *j = jopen(h, "hand");
	char *cause = NULL;
	assert_int_equal(engine_apply(&p, j, NULL, h->evs, &h->opts, &cause),
	                 ENGINE_FAILED);
	assert_non_null(cause);
	assert_non_null(strstr(cause, "Title b"));
	free(cause);
	assert_string_equal(journal_status(j, "a"), "done");
	assert_string_equal(journal_status(j, "b"), "pending");
	journal_free(j);
	plan_clear(&p);
}

/* ---- retries and backoff ----------------------------------------------------------- */

static void test_backoff_range_growth_and_cap(void **state)
{
	(void)state;
	struct engine_opts o = { .base_delay_ms = 1000, .max_delay_ms = 30000 };
	static const long d[] = { 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000 };
	for (int attempt = 1; attempt <= (int)LF_ARRAY_LEN(d); attempt++) {
		long min = d[attempt - 1], max = 0;
		unsigned seed = (unsigned)attempt * 7919u;
		for (int k = 0; k < 2000; k++) {
			long w = engine_backoff_ms(&o, attempt, &seed);
			if (w < d[attempt - 1] / 2 || w > d[attempt - 1])
				fail_msg("attempt %d: %ld outside [%ld, %ld]", attempt, w,
				         d[attempt - 1] / 2, d[attempt - 1]);
			if (w < min)
				min = w;
			if (w > max)
				max = w;
		}
		/* Jitter spreads over the whole range, not one value. */
		long span = d[attempt - 1] / 2;
		assert_true(min < d[attempt - 1] / 2 + span / 10);
		assert_true(max > d[attempt - 1] - span / 10);
	}
	/* Far beyond the cap: no overflow, still capped. */
	unsigned seed = 1;
	for (int attempt = 30; attempt < 200; attempt += 17) {
		long w = engine_backoff_ms(&o, attempt, &seed);
		assert_true(w >= 15000 && w <= 30000);
	}
	/* Tiny delays. */
	struct engine_opts tiny = { .base_delay_ms = 1, .max_delay_ms = 3 };
	for (int k = 0; k < 100; k++) {
		long w = engine_backoff_ms(&tiny, 1, &seed);
		assert_true(w >= 0 && w <= 1);
		w = engine_backoff_ms(&tiny, 5, &seed);
		assert_true(w >= 1 && w <= 3);
	}
	/* The same seed gives the same sequence. */
	unsigned s1 = 99, s2 = 99;
	for (int k = 1; k < 10; k++)
		assert_int_equal(engine_backoff_ms(&o, k, &s1), engine_backoff_ms(&o, k, &s2));
}

static void test_retry_with_backoff(void **state)
{
	struct harness *h = *state;
	struct script sc[2] = {
		{ .apply_rcs = { ACT_RETRY, ACT_RETRY, ACT_RETRY, ACT_RETRY, ACT_RETRY,
		                 ACT_RETRY },
		  .napply_rcs = 6, .error = "Throttling" },
		{ 0 },
	};
	struct plan p;
	make_plan(&p, h, IDS("a", "b"), sc, &ops_no_find);
	h->opts.max_attempts = 7;
	h->opts.base_delay_ms = 1000;
	h->opts.max_delay_ms = 10000;
	h->opts.seed = 4242;
	struct journal *j = jopen(h, "hand");
	char *cause = NULL;
	assert_int_equal(engine_apply(&p, j, NULL, h->evs, &h->opts, &cause), ENGINE_OK);
	assert_null(cause);
	assert_int_equal(sc[0].apply_calls, 7);
	assert_int_equal(sc[1].apply_calls, 1);
	assert_string_equal(journal_status(j, "a"), "done");
	assert_int_equal(attempts_of(j, "a"), 1);

	/* The waits before calls 2..7 follow the documented schedule: d grows
	 * 1, 2, 4, 8 s then is capped at 10 s; each wait is in [d/2, d] and is
	 * exactly the engine's jitter for that seed. */
	static const long d[] = { 1000, 2000, 4000, 8000, 10000, 10000 };
	struct engine_opts ref = h->opts;
	unsigned seed = ref.seed;
	long total = 0;
	assert_int_equal(sc[0].waits[0], 0);
	for (int k = 1; k <= 6; k++) {
		long w = sc[0].waits[k];
		assert_true(w >= d[k - 1] / 2);
		assert_true(w <= d[k - 1]);
		assert_int_equal(w, engine_backoff_ms(&ref, k, &seed));
		total += w;
	}
	assert_int_equal(h->slept, total);
	/* Slept in short slices so Ctrl-C is noticed promptly. */
	for (int i = 0; i < h->nslices; i++)
		assert_true(h->slices[i] > 0 && h->slices[i] <= 200);
	/* One warning per retry, naming the error; redacted events only. */
	assert_non_null(strstr(h->seen, "Throttling (call 1)"));
	assert_true(h->nlogs >= 6);
	journal_free(j);
	plan_clear(&p);
}

static void test_retry_exhausted_fails(void **state)
{
	struct harness *h = *state;
	struct script sc[3] = {
		{ 0 },
		{ .apply_rcs = { ACT_RETRY, ACT_RETRY, ACT_RETRY, ACT_RETRY },
		  .napply_rcs = 4, .error = "RequestLimitExceeded",
		  .hint = "wait a minute" },
		{ 0 },
	};
	struct plan p;
	make_plan(&p, h, IDS("a", "b", "c"), sc, &ops_full);
	h->opts.max_attempts = 3;
	struct journal *j = jopen(h, "hand");
	char *cause = NULL;
	assert_int_equal(engine_apply(&p, j, NULL, h->evs, &h->opts, &cause),
	                 ENGINE_FAILED);
	assert_int_equal(sc[1].apply_calls, 3);
	assert_int_equal(sc[2].find_calls + sc[2].apply_calls, 0);
	assert_non_null(cause);
	assert_non_null(strstr(cause, "Title b"));
	assert_non_null(strstr(cause, "RequestLimitExceeded (call 3)"));
	free(cause);
	json_t *e = journal_action(j, "b");
	assert_string_equal(entry_str(e, "status"), "failed");
	assert_string_equal(entry_str(e, "error"), "RequestLimitExceeded (call 3)");
	assert_true(json_is_string(json_object_get(e, "finished")));
	assert_string_equal(journal_status(j, "a"), "done");
	assert_string_equal(journal_status(j, "c"), "pending");
	assert_true(seq_find(h, 0, "failed b failed") >= 0);
	assert_string_equal(h->seq[h->nseq - 1], "finished - failed");
	assert_non_null(strstr(h->seen, "wait a minute"));
	/* Two waits between three attempts. */
	assert_true(h->slept >= 50 + 100 && h->slept <= 100 + 200);

	/* The journal on disk has the failure too. */
	journal_free(j);
	j = jopen(h, "hand");
	assert_string_equal(entry_str(journal_action(j, "b"), "error"),
	                    "RequestLimitExceeded (call 3)");
	journal_free(j);
	plan_clear(&p);
}

static void test_find_is_retried(void **state)
{
	struct harness *h = *state;
	/* find is retried like apply: a RETRY there backs off, then the
	 * answer of the next try counts. */
	struct script sc[2] = {
		{ .find_rcs = { ACT_RETRY, ACT_RETRY }, .nfind_rcs = 2, .found = true },
		{ .find_rcs = { ACT_RETRY }, .nfind_rcs = 1 },
	};
	struct plan p;
	make_plan(&p, h, IDS("a", "b"), sc, &ops_full);
	struct journal *j = jopen(h, "hand");
	char *cause = NULL;
	assert_int_equal(engine_apply(&p, j, NULL, h->evs, &h->opts, &cause), ENGINE_OK);
	assert_string_equal(h->calls, "find:a find:a find:a find:b find:b apply:b ");
	assert_true(seq_find(h, 0, "done a found") >= 0);
	assert_true(seq_find(h, 0, "done b applied") >= 0);
	/* Waits: 100 and 200 ms before jitter for a, 100 for b. */
	assert_true(h->slept >= 50 + 100 + 50 && h->slept <= 100 + 200 + 100);
	journal_free(j);
	plan_clear(&p);
}

/* ---- permanent failure and resume ------------------------------------------------ */

static void test_permanent_failure_then_resume(void **state)
{
	struct harness *h = *state;
	struct script sc[4] = {
		{ 0 },
		{ .apply_rcs = { ACT_FAILED }, .napply_rcs = 1, .error = "AccessDenied",
		  .hint = "grant ec2:CreateVpc" },
		{ 0 },
		{ 0 },
	};
	struct plan p;
	make_plan(&p, h, IDS("a", "b", "c", "d"), sc, &ops_full);
	plan_add_output(&p, "k", "K", "v");
	struct journal *j = jopen(h, "hand");
	char *cause = NULL;
	assert_int_equal(engine_apply(&p, j, NULL, h->evs, &h->opts, &cause),
	                 ENGINE_FAILED);
	free(cause);
	cause = NULL;
	assert_string_equal(h->calls, "find:a apply:a find:b apply:b ");
	assert_int_equal(h->nslices, 0);
	assert_string_equal(journal_status(j, "a"), "done");
	assert_string_equal(journal_status(j, "b"), "failed");
	assert_string_equal(journal_status(j, "c"), "pending");
	assert_string_equal(journal_status(j, "d"), "pending");
	assert_int_equal(json_array_size(journal_outputs(j)), 0);
	expect_seq(h, IDS("plan 4", "started a -", "done a applied", "started b -",
	                  "failed b failed", "finished - failed"), 6);
	journal_free(j);

	/* Resume in a "new process": continues from b. */
	harness_clear_events(h);
	j = jopen(h, "hand");
	assert_int_equal(engine_apply(&p, j, NULL, h->evs, &h->opts, &cause), ENGINE_OK);
	assert_null(cause);
	assert_string_equal(h->calls, "find:b apply:b find:c apply:c find:d apply:d ");
	assert_int_equal(sc[0].apply_calls, 1);
	assert_int_equal(sc[1].apply_calls, 2);
	assert_int_equal(attempts_of(j, "b"), 2);
	assert_int_equal(attempts_of(j, "a"), 1);
	assert_true(json_is_null(json_object_get(journal_action(j, "b"), "error")));
	assert_int_equal(journal_count(j, "done"), 4);
	assert_int_equal(json_array_size(journal_outputs(j)), 1);
	expect_seq(h, IDS("plan 4", "done a skipped", "started b -", "done b applied",
	                  "started c -", "done c applied", "started d -",
	                  "done d applied", "finished - done"), 9);
	journal_free(j);
	plan_clear(&p);
}

/* ---- interrupts ------------------------------------------------------------------- */

static void test_interrupt_inside_action_then_resume(void **state)
{
	struct harness *h = *state;
	struct script sc[4] = { { 0 }, { .interrupt_on_call = 1 }, { 0 }, { 0 } };
	struct plan p;
	make_plan(&p, h, IDS("a", "b", "c", "d"), sc, &ops_full);
	plan_add_output(&p, "k", "K", "v");
	struct journal *j = jopen(h, "hand");
	char *cause = NULL;
	assert_int_equal(engine_apply(&p, j, NULL, h->evs, &h->opts, &cause),
	                 ENGINE_INTERRUPTED);
	/* The action in flight finished; the next one never started. */
	assert_string_equal(h->calls, "find:a apply:a find:b apply:b ");
	assert_string_equal(journal_status(j, "b"), "done");
	assert_string_equal(journal_status(j, "c"), "pending");
	assert_int_equal(attempts_of(j, "c"), 0);
	assert_int_equal(json_array_size(journal_outputs(j)), 0);
	assert_string_equal(h->seq[h->nseq - 1], "finished - interrupted");
	assert_int_equal(seq_count(h, "started c -"), 0);
	journal_free(j);

	h->interrupt = 0;
	harness_clear_events(h);
	j = jopen(h, "hand");
	assert_int_equal(engine_apply(&p, j, NULL, h->evs, &h->opts, &cause), ENGINE_OK);
	assert_string_equal(h->calls, "find:c apply:c find:d apply:d ");
	for (int i = 0; i < 4; i++)
		assert_int_equal(sc[i].apply_calls, 1);
	assert_int_equal(journal_count(j, "done"), 4);
	assert_int_equal(json_array_size(journal_outputs(j)), 1);
	assert_null(cause);
	journal_free(j);
	plan_clear(&p);
}

static void test_interrupt_before_start(void **state)
{
	struct harness *h = *state;
	struct script sc[2] = { { 0 }, { 0 } };
	struct plan p;
	make_plan(&p, h, IDS("a", "b"), sc, &ops_full);
	h->interrupt = 1;
	struct journal *j = jopen(h, "hand");
	char *cause = NULL;
	assert_int_equal(engine_apply(&p, j, NULL, h->evs, &h->opts, &cause),
	                 ENGINE_INTERRUPTED);
	assert_string_equal(h->calls, "");
	assert_int_equal(journal_count(j, "pending"), 2);
	journal_free(j);
	plan_clear(&p);
}

/* Ctrl-C during a backoff: the action is not failed, and it is resumed. */
static void test_interrupt_during_backoff(void **state)
{
	struct harness *h = *state;
	struct script sc[2] = {
		{ .apply_rcs = { ACT_RETRY }, .napply_rcs = 1, .interrupt_on_call = 1 },
		{ 0 },
	};
	struct plan p;
	make_plan(&p, h, IDS("a", "b"), sc, &ops_no_find);
	struct journal *j = jopen(h, "hand");
	char *cause = NULL;
	assert_int_equal(engine_apply(&p, j, NULL, h->evs, &h->opts, &cause),
	                 ENGINE_INTERRUPTED);
	assert_int_equal(sc[0].apply_calls, 1);
	assert_int_equal(h->nslices, 0); /* no sleep once interrupted */
	assert_string_equal(journal_status(j, "a"), "pending");
	assert_true(json_is_null(json_object_get(journal_action(j, "a"), "error")));
	assert_int_equal(seq_count(h, "failed a failed"), 0);
	journal_free(j);

	h->interrupt = 0;
	j = jopen(h, "hand");
	assert_int_equal(engine_apply(&p, j, NULL, h->evs, &h->opts, &cause), ENGINE_OK);
	assert_int_equal(sc[0].apply_calls, 2);
	assert_int_equal(sc[1].apply_calls, 1);
	journal_free(j);
	plan_clear(&p);
}

/* An action that created (and recorded) something, then was interrupted
 * while waiting to retry, must still be undone by destroy. */
static void test_interrupted_action_with_resource_is_destroyed(void **state)
{
	struct harness *h = *state;
	struct script sc[2] = {
		{ .apply_rcs = { ACT_RETRY }, .napply_rcs = 1, .interrupt_on_call = 1,
		  .resource = "i-0123" },
		{ 0 },
	};
	struct plan p;
	make_plan(&p, h, IDS("a", "b"), sc, &ops_no_find);
	struct journal *j = jopen(h, "hand");
	char *cause = NULL;
	assert_int_equal(engine_apply(&p, j, NULL, h->evs, &h->opts, &cause),
	                 ENGINE_INTERRUPTED);
	assert_string_equal(journal_resource(j, "a", "id"), "i-0123");
	journal_free(j);

	h->interrupt = 0;
	h->calls[0] = '\0';
	j = jopen(h, "hand");
	assert_int_equal(engine_destroy(&p, j, NULL, h->evs, &h->opts, &cause), ENGINE_OK);
	assert_string_equal(h->calls, "undo:a ");
	assert_string_equal(journal_status(j, "a"), "undone");
	journal_free(j);
	plan_clear(&p);
}

/* ---- destroy ------------------------------------------------------------------------ */

static void set_statuses(struct journal *j, const char *const *ids,
                         const char *const *statuses)
{
	char *cause = NULL;
	for (size_t i = 0; ids[i]; i++)
		if (journal_set_status(j, ids[i], statuses[i], NULL, &cause) != 0)
			fail_msg("%s", cause);
}

static void test_destroy_reverse_only_what_may_exist(void **state)
{
	struct harness *h = *state;
	struct script sc[6] = { { 0 } };
	struct plan p;
	const char *const *ids = IDS("a", "b", "c", "d", "e", "f");
	make_plan(&p, h, ids, sc, &ops_full);
	struct journal *j = jopen(h, "hand");
	journal_sync_plan(j, &p);
	set_statuses(j, ids, IDS("done", "failed", "pending", "running", "undone",
	                         "done"));
	char *cause = NULL;
	assert_int_equal(engine_destroy(&p, j, NULL, h->evs, &h->opts, &cause), ENGINE_OK);
	assert_null(cause);
	assert_string_equal(h->calls, "undo:f undo:d undo:b undo:a ");
	assert_string_equal(journal_status(j, "a"), "undone");
	assert_string_equal(journal_status(j, "b"), "undone");
	assert_string_equal(journal_status(j, "c"), "pending");
	assert_string_equal(journal_status(j, "d"), "undone");
	assert_string_equal(journal_status(j, "e"), "undone");
	assert_string_equal(journal_status(j, "f"), "undone");
	for (int i = 0; i < 6; i++)
		assert_int_equal(sc[i].apply_calls + sc[i].find_calls, 0);
	expect_seq(h, IDS("plan 6", "started f -", "done f undone", "started d -",
	                  "done d undone", "started b -", "done b undone",
	                  "started a -", "done a undone", "finished - done"), 10);
	journal_free(j);

	/* Saved: a second destroy finds nothing to do. */
	h->calls[0] = '\0';
	j = jopen(h, "hand");
	assert_int_equal(engine_destroy(&p, j, NULL, h->evs, &h->opts, &cause), ENGINE_OK);
	assert_string_equal(h->calls, "");
	journal_free(j);
	plan_clear(&p);
}

static void test_destroy_undo_failure_incomplete(void **state)
{
	struct harness *h = *state;
	struct script sc[3] = {
		{ 0 },
		{ .undo_rcs = { ACT_FAILED }, .nundo_rcs = 1, .error = "DependencyViolation" },
		{ 0 },
	};
	struct plan p;
	const char *const *ids = IDS("a", "b", "c");
	make_plan(&p, h, ids, sc, &ops_full);
	struct journal *j = jopen(h, "hand");
	char *cause = NULL;
	assert_int_equal(engine_apply(&p, j, NULL, h->evs, &h->opts, &cause), ENGINE_OK);
	h->calls[0] = '\0';
	harness_clear_events(h);

	assert_int_equal(engine_destroy(&p, j, NULL, h->evs, &h->opts, &cause),
	                 ENGINE_INCOMPLETE);
	/* The failure does not stop the others being undone. */
	assert_string_equal(h->calls, "undo:c undo:b undo:a ");
	assert_non_null(cause);
	assert_non_null(strstr(cause, "1 action could not be undone"));
	free(cause);
	cause = NULL;
	assert_string_equal(journal_status(j, "c"), "undone");
	assert_string_equal(journal_status(j, "b"), "failed");
	assert_string_equal(entry_str(journal_action(j, "b"), "error"),
	                    "DependencyViolation (call 1)");
	assert_string_equal(journal_status(j, "a"), "undone");
	assert_true(seq_find(h, 0, "failed b failed") >= 0);
	assert_string_equal(h->seq[h->nseq - 1], "finished - incomplete");
	journal_free(j);

	/* Run destroy again: only b is left, and now it goes. */
	h->calls[0] = '\0';
	j = jopen(h, "hand");
	assert_int_equal(engine_destroy(&p, j, NULL, h->evs, &h->opts, &cause), ENGINE_OK);
	assert_string_equal(h->calls, "undo:b ");
	assert_int_equal(journal_count(j, "undone"), 3);
	journal_free(j);
	plan_clear(&p);
}

static void test_destroy_retries_undo(void **state)
{
	struct harness *h = *state;
	struct script sc[1] = {
		{ .undo_rcs = { ACT_RETRY, ACT_RETRY }, .nundo_rcs = 2 },
	};
	struct plan p;
	make_plan(&p, h, IDS("a"), sc, &ops_full);
	struct journal *j = jopen(h, "hand");
	set_statuses(j, IDS("a"), IDS("done"));
	char *cause = NULL;
	assert_int_equal(engine_destroy(&p, j, NULL, h->evs, &h->opts, &cause), ENGINE_OK);
	assert_int_equal(sc[0].undo_calls, 3);
	assert_true(h->slept >= 50 + 100);
	assert_string_equal(journal_status(j, "a"), "undone");
	journal_free(j);
	plan_clear(&p);
}

static void test_destroy_interrupt_before_start(void **state)
{
	struct harness *h = *state;
	struct script sc[2] = { { 0 }, { 0 } };
	struct plan p;
	make_plan(&p, h, IDS("a", "b"), sc, &ops_full);
	struct journal *j = jopen(h, "hand");
	set_statuses(j, IDS("a", "b"), IDS("done", "done"));
	h->interrupt = 1;
	char *cause = NULL;
	assert_int_equal(engine_destroy(&p, j, NULL, h->evs, &h->opts, &cause),
	                 ENGINE_INTERRUPTED);
	assert_string_equal(h->calls, "");
	assert_int_equal(journal_count(j, "done"), 2);
	assert_string_equal(h->seq[h->nseq - 1], "finished - interrupted");
	journal_free(j);
	plan_clear(&p);
}

/* Ctrl-C while an undo waits to retry: reported as an interruption (not
 * as "could not be undone"), and the action stays listed for the next
 * destroy. */
static enum action_rc op_undo_interrupting(struct action_ctx *ctx)
{
	struct script *s = script_of(ctx);
	s->undo_calls++;
	note(ctx, "undo");
	s->h->interrupt = 1;
	return ctx_error(ctx, ACT_RETRY, NULL, "still in use");
}

static void test_destroy_interrupt_in_last_undo(void **state)
{
	struct harness *h = *state;
	static const struct action_ops ops_interrupting = { op_find, op_apply,
	                                                    op_undo_interrupting };
	struct script sc[2] = { { 0 }, { 0 } };
	struct plan p;
	make_plan(&p, h, IDS("a", "b"), sc, &ops_full);
	/* a is undone last; its undo asks to retry while the user presses
	 * Ctrl-C. */
	p.actions[0].ops = &ops_interrupting;
	struct journal *j = jopen(h, "hand");
	set_statuses(j, IDS("a", "b"), IDS("done", "done"));
	char *cause = NULL;
	assert_int_equal(engine_destroy(&p, j, NULL, h->evs, &h->opts, &cause),
	                 ENGINE_INTERRUPTED);
	free(cause);
	cause = NULL;
	assert_string_equal(h->calls, "undo:b undo:a ");
	assert_int_equal(h->nslices, 0);
	assert_string_equal(journal_status(j, "b"), "undone");
	/* Not "undone", and still a candidate for the next destroy. */
	assert_string_not_equal(journal_status(j, "a"), "undone");
	assert_string_not_equal(journal_status(j, "a"), "pending");
	assert_int_equal(seq_count(h, "failed a failed"), 0);
	journal_free(j);

	h->interrupt = 0;
	h->calls[0] = '\0';
	p.actions[0].ops = &ops_full;
	j = jopen(h, "hand");
	assert_int_equal(engine_destroy(&p, j, NULL, h->evs, &h->opts, &cause), ENGINE_OK);
	assert_string_equal(h->calls, "undo:a ");
	assert_int_equal(journal_count(j, "undone"), 2);
	journal_free(j);
	plan_clear(&p);
}

static void test_destroy_unknown_entry_and_no_undo(void **state)
{
	struct harness *h = *state;
	struct script sc[2] = { { 0 }, { 0 } };
	struct plan p;
	make_plan(&p, h, IDS("a", "b"), sc, &ops_full);
	p.actions[1].ops = &ops_no_undo;
	struct journal *j = jopen(h, "hand");
	journal_sync_plan(j, &p);
	/* "gone" is in the journal, not in this plan; "gone2" never ran. */
	set_statuses(j, IDS("a", "b", "gone", "gone2"),
	             IDS("done", "done", "done", "pending"));
	char *cause = NULL;
	assert_int_equal(engine_destroy(&p, j, NULL, h->evs, &h->opts, &cause),
	                 ENGINE_INCOMPLETE);
	assert_non_null(cause);
	free(cause);
	/* b has no undo: nothing to remove, it is undone. */
	assert_string_equal(h->calls, "undo:a ");
	assert_string_equal(journal_status(j, "b"), "undone");
	assert_string_equal(journal_status(j, "a"), "undone");
	assert_string_equal(journal_status(j, "gone"), "done");
	assert_non_null(strstr(h->seen, "\"gone\""));
	assert_null(strstr(h->seen, "\"gone2\""));
	journal_free(j);
	plan_clear(&p);
}

static void test_dryrun_apply_then_destroy(void **state)
{
	struct harness *h = *state;
	struct dry d;
	dry_setup(&d, h->dir, h->evs, NULL);
	struct journal *j = jopen(h, "dry-run");
	char *cause = NULL;
	assert_int_equal(engine_apply(&d.plan, j, d.session, h->evs, &h->opts, &cause),
	                 ENGINE_OK);
	assert_int_equal(engine_destroy(&d.plan, j, d.session, h->evs, &h->opts, &cause),
	                 ENGINE_OK);
	assert_int_equal(journal_count(j, "undone"), AWS_N);
	char *text = lf_read_file(d.ledger, NULL, NULL);
	assert_non_null(text);
	/* Applies in order, then undos in reverse. */
	char *want = lf_xstrdup("");
	for (size_t i = 0; i < AWS_N; i++) {
		char *n = lf_asprintf("%sapply %s\n", want, aws_ids[i]);
		free(want);
		want = n;
	}
	for (size_t i = AWS_N; i-- > 0;) {
		char *n = lf_asprintf("%sundo %s\n", want, aws_ids[i]);
		free(want);
		want = n;
	}
	assert_string_equal(text, want);
	free(text);
	free(want);

	/* Apply after destroy creates everything again (find sees "undo"). */
	assert_int_equal(engine_apply(&d.plan, j, d.session, h->evs, &h->opts, &cause),
	                 ENGINE_OK);
	assert_int_equal(journal_count(j, "done"), AWS_N);
	assert_int_equal(attempts_of(j, "vpc"), 2);
	journal_free(j);
	dry_free(&d);
}

/* ---- journal errors ------------------------------------------------------------------- */

static void test_state_error(void **state)
{
	struct harness *h = *state;
	struct script sc[1] = { { 0 } };
	struct plan p;
	make_plan(&p, h, IDS("a"), sc, &ops_full);
	char *missing = lf_asprintf("%s/not-there", h->dir);
	char *cause = NULL;
	struct journal *j = journal_open(missing, "hand", "x", &cause);
	assert_non_null(j);
	assert_int_equal(engine_apply(&p, j, NULL, h->evs, &h->opts, &cause),
	                 ENGINE_STATE_ERROR);
	assert_non_null(cause);
	assert_non_null(strstr(cause, missing));
	free(cause);
	assert_int_equal(sc[0].apply_calls + sc[0].find_calls, 0);
	assert_non_null(strstr(h->seen, "cannot write the journal"));
	journal_free(j);
	free(missing);
	plan_clear(&p);
}

/* ---- context helpers and secrets ------------------------------------------------------- */

static enum action_rc op_ctx_helpers(struct action_ctx *ctx)
{
	struct script *s = script_of(ctx);
	s->apply_calls++;
	/* Another action's resource, and this one's. */
	assert_string_equal(ctx_resource_of(ctx, "a", "id"), "r-a");
	assert_null(ctx_resource(ctx, "id"));
	assert_int_equal(ctx_set_resource(ctx, "id", "r-b"), 0);
	assert_string_equal(ctx_resource(ctx, "id"), "r-b");
	assert_int_equal(ctx->index, 1);
	assert_int_equal(ctx->total, 2);
	assert_int_equal(ctx->attempt, 1);
	assert_ptr_equal(ctx->session, s->h);
	ctx_progress(ctx, -1.0);
	ctx_progress(ctx, 0.5);
	ctx_progress(ctx, 7.0);
	ctx_log(ctx, LOG_INFO, "value %d", 42);
	return ACT_OK;
}

static double progress_seen[8];
static int nprogress;

static void observe_progress(const struct event *ev, void *user)
{
	(void)user;
	if (ev->kind == EV_PROGRESS && nprogress < 8)
		progress_seen[nprogress++] = ev->fraction;
}

static void test_ctx_helpers(void **state)
{
	struct harness *h = *state;
	static const struct action_ops ops_helpers = { NULL, op_ctx_helpers, NULL };
	struct script sc[2] = { { .resource = "r-a" }, { 0 } };
	struct plan p;
	make_plan(&p, h, IDS("a", "b"), sc, &ops_full);
	p.actions[1].ops = &ops_helpers;
	events_subscribe(h->evs, observe_progress, NULL);
	nprogress = 0;
	struct journal *j = jopen(h, "hand");
	char *cause = NULL;
	assert_int_equal(engine_apply(&p, j, h, h->evs, &h->opts, &cause), ENGINE_OK);
	assert_int_equal(sc[1].apply_calls, 1);
	assert_int_equal(nprogress, 3);
	assert_true(progress_seen[0] == 0.0);
	assert_true(progress_seen[1] == 0.5);
	assert_true(progress_seen[2] == 1.0);
	assert_non_null(strstr(h->seen, "value 42"));
	journal_free(j);
	plan_clear(&p);
}

static void test_secrets_never_reach_journal(void **state)
{
	struct harness *h = *state;
	const char *secret = "Sup3r-S3cret-Pw";
	events_add_secret(h->evs, secret);
	struct script sc[2] = {
		{ .output_key = "admin", .output_value = "user admin, password Sup3r-S3cret-Pw" },
		{ .apply_rcs = { ACT_FAILED }, .napply_rcs = 1,
		  .error = "login with Sup3r-S3cret-Pw refused",
		  .hint = "check Sup3r-S3cret-Pw" },
	};
	struct plan p;
	make_plan(&p, h, IDS("a", "b"), sc, &ops_full);
	struct journal *j = jopen(h, "hand");
	char *cause = NULL;
	assert_int_equal(engine_apply(&p, j, NULL, h->evs, &h->opts, &cause),
	                 ENGINE_FAILED);

	/* The output is kept, masked. */
	json_t *o = json_array_get(journal_outputs(j), 0);
	assert_non_null(o);
	assert_string_equal(entry_str(o, "key"), "admin");
	assert_string_equal(entry_str(o, "action"), "a");
	assert_string_equal(entry_str(o, "value"), "user admin, password ********");
	/* The error is kept, masked, in the journal and in the cause. */
	assert_string_equal(entry_str(journal_action(j, "b"), "error"),
	                    "login with ******** refused (call 1)");
	assert_non_null(cause);
	assert_null(strstr(cause, secret));
	free(cause);
	/* Neither the file nor any event has it anywhere. */
	assert_false(file_contains(journal_path(j), secret));
	assert_true(file_contains(journal_path(j), "********"));
	assert_null(strstr(h->seen, secret));
	journal_free(j);
	plan_clear(&p);
}

/* ---- crash and resume ---------------------------------------------------------------------- */

static void no_sleep(long ms, void *user)
{
	(void)ms;
	(void)user;
}

/* Run engine_apply on the dry-run plan in a child with LANDFALL_FAULT set
 * to spec. Returns true when the child was killed, false when it ran to
 * completion (fewer fault points than N). */
static bool run_child(const char *dir, struct dry *d, const char *spec,
                      pid_t *child)
{
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (spec)
			setenv("LANDFALL_FAULT", spec, 1);
		char *cause = NULL;
		struct events *evs = events_new();
		struct journal *j = journal_open(dir, "dry-run", "crash-test", &cause);
		if (!j)
			_exit(3);
		struct engine_opts o = { .sleep_ms = no_sleep, .seed = 7 };
		enum engine_rc rc = engine_apply(&d->plan, j, d->session, evs, &o,
		                                 &cause);
		/* _exit: no leak report for what a killed process would not
		 * have freed either. */
		_exit(rc == ENGINE_OK ? 0 : 10 + (int)rc);
	}
	int st = 0;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (child)
		*child = pid;
	if (WIFSIGNALED(st)) {
		if (WTERMSIG(st) != SIGKILL)
			fail_msg("%s: child died of signal %d", spec, WTERMSIG(st));
		return true;
	}
	assert_true(WIFEXITED(st));
	if (WEXITSTATUS(st) != 0)
		fail_msg("%s: child exited with %d", spec, WEXITSTATUS(st));
	return false;
}

/* Resume in this process (which never has LANDFALL_FAULT set) and check
 * that every action is done exactly once. */
static void resume_and_check(const char *dir, struct dry *d, const char *spec)
{
	char *cause = NULL;
	struct events *evs = events_new();
	struct journal *j = journal_open(dir, "dry-run", "crash-test", &cause);
	if (!j)
		fail_msg("%s: resume cannot open the journal: %s", spec, cause);
	struct engine_opts o = { .sleep_ms = no_sleep, .seed = 7 };
	enum engine_rc rc = engine_apply(&d->plan, j, d->session, evs, &o, &cause);
	if (rc != ENGINE_OK)
		fail_msg("%s: resume gave %d: %s", spec, rc, cause ? cause : "");
	expect_all_done(j);
	assert_int_equal(json_array_size(journal_outputs(j)), d->plan.nout);
	journal_free(j);

	/* The file parses and agrees. */
	char *path = lf_asprintf("%s/%s", dir, JOURNAL_FILE);
	json_t *root = load_disk(path);
	json_t *acts = json_object_get(root, "actions");
	assert_int_equal(json_array_size(acts), AWS_N);
	for (size_t i = 0; i < AWS_N; i++)
		assert_string_equal(entry_str(json_array_get(acts, i), "status"), "done");
	json_decref(root);
	free(path);
	expect_ledger_applied_once(d->ledger);

	/* Once more: nothing left to do. */
	j = journal_open(dir, "dry-run", "crash-test", &cause);
	assert_non_null(j);
	assert_int_equal(engine_apply(&d->plan, j, d->session, evs, &o, &cause),
	                 ENGINE_OK);
	journal_free(j);
	expect_ledger_applied_once(d->ledger);
	events_free(evs);
}

/* Kill at the N-th `point` for N = 1, 2, ... until a run completes;
 * returns how many kills there were. */
static int crash_every(const char *point, int limit)
{
	int kills = 0;
	for (int n = 1; n <= limit; n++) {
		char *dir = make_tmpdir();
		struct dry d;
		struct events *evs = events_new();
		dry_setup(&d, dir, evs, NULL);
		char *spec = lf_asprintf("%s:%d", point, n);
		pid_t child = 0;
		bool killed = run_child(dir, &d, spec, &child);
		bool is_write = strncmp(point, "write.", 6) == 0;
		pid_t stale_pid = 0;
		int stale = count_stale_temps(dir, &stale_pid);
		if (killed && is_write) {
			/* The killed writer's temporary file stays behind until
			 * the next journal_open, which clears it. */
			assert_int_equal(stale, 1);
			assert_int_equal(stale_pid, child);
		} else {
			assert_int_equal(stale, 0);
		}
		if (killed) {
			kills++;
			resume_and_check(dir, &d, spec);
			/* The resume cleared the stale file and left none. */
			assert_int_equal(count_stale_temps(dir, NULL), 0);
		} else {
			/* Completed untouched: the same checks hold. */
			resume_and_check(dir, &d, spec);
		}
		free(spec);
		dry_free(&d);
		events_free(evs);
		remove_tmpdir(dir);
		if (!killed)
			return kills;
	}
	fail_msg("%s: still killed after %d runs", point, limit);
	return kills;
}

static void test_crash_at_every_boundary(void **state)
{
	(void)state;
	assert_null(getenv("LANDFALL_FAULT"));
	/* One boundary per action that has to run. */
	assert_int_equal(crash_every("engine.boundary", 100), AWS_N);
}

static void test_crash_after_side_effect(void **state)
{
	(void)state;
	/* Killed after the ledger line, before the journal hears of it: the
	 * resume finds it and does not apply it again. */
	assert_int_equal(crash_every("dryrun.applied", 100), AWS_N);
}

static void test_crash_mid_write(void **state)
{
	(void)state;
	/* Every journal write of a full run: the first save, then running,
	 * resource and done per action, then the outputs. */
	int kills = crash_every("write.mid", 200);
	assert_true(kills >= 1 + 3 * (int)AWS_N);
	print_message("  write.mid: killed in each of %d journal writes\n", kills);
}

static void test_crash_before_rename(void **state)
{
	(void)state;
	int kills = crash_every("write.before-rename", 200);
	assert_true(kills >= 1 + 3 * (int)AWS_N);
}

/* Crash after crash: successive runs (the resumes included) are killed at
 * different points, then a last resume finishes. (Killing every run at the
 * same N-th write could loop for ever once all actions are done: each run
 * rewrites the journal and the outputs, 1 + 4 writes, so the chains use
 * varying points.) */
static void test_repeated_crashes(void **state)
{
	(void)state;
	static const char *const chains[][5] = {
		{ "dryrun.applied:3", "write.mid:2", "write.before-rename:4",
		  "engine.boundary:1", NULL },
		{ "write.mid:7", "write.mid:7", "write.mid:7", "write.mid:7", NULL },
		{ "dryrun.applied:1", "dryrun.applied:1", "dryrun.applied:1", NULL },
		{ "write.before-rename:3", "engine.boundary:2", "write.mid:5",
		  "dryrun.applied:2", NULL },
		{ "engine.boundary:17", "write.mid:2", "write.mid:3", NULL },
	};
	for (size_t k = 0; k < LF_ARRAY_LEN(chains); k++) {
		char *dir = make_tmpdir();
		struct dry d;
		struct events *evs = events_new();
		dry_setup(&d, dir, evs, NULL);
		int kills = 0;
		for (size_t r = 0; chains[k][r]; r++)
			kills += run_child(dir, &d, chains[k][r], NULL);
		/* Every run in these chains has enough fault points to die. */
		size_t len = 0;
		while (chains[k][len])
			len++;
		assert_int_equal(kills, (int)len);
		resume_and_check(dir, &d, chains[k][0]);
		dry_free(&d);
		events_free(evs);
		remove_tmpdir(dir);
	}
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_dryrun_apply_all_once_in_order),
		T(test_dryrun_second_apply_skips_all),
		T(test_dryrun_find_existing),
		T(test_dryrun_retry_then_success),
		T(test_dryrun_fatal_then_resume),
		T(test_apply_runs_each_once_in_order),
		T(test_find_short_circuits_apply),
		T(test_apply_without_find),
		T(test_action_without_apply_fails),
		cmocka_unit_test(test_backoff_range_growth_and_cap),
		T(test_retry_with_backoff),
		T(test_retry_exhausted_fails),
		T(test_find_is_retried),
		T(test_permanent_failure_then_resume),
		T(test_interrupt_inside_action_then_resume),
		T(test_interrupt_before_start),
		T(test_interrupt_during_backoff),
		T(test_interrupted_action_with_resource_is_destroyed),
		T(test_destroy_reverse_only_what_may_exist),
		T(test_destroy_undo_failure_incomplete),
		T(test_destroy_retries_undo),
		T(test_destroy_interrupt_before_start),
		T(test_destroy_interrupt_in_last_undo),
		T(test_destroy_unknown_entry_and_no_undo),
		T(test_dryrun_apply_then_destroy),
		T(test_state_error),
		T(test_ctx_helpers),
		T(test_secrets_never_reach_journal),
		cmocka_unit_test(test_crash_at_every_boundary),
		cmocka_unit_test(test_crash_after_side_effect),
		cmocka_unit_test(test_crash_mid_write),
		cmocka_unit_test(test_crash_before_rename),
		cmocka_unit_test(test_repeated_crashes),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
