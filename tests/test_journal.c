/* Unit tests for backends/journal.c: the state file of an install. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "journal.h"

/* ---- helpers ------------------------------------------------------------ */

struct fixture {
	char dir[64];
	char *path;   /* dir/journal.json */
};

static int setup(void **state)
{
	struct fixture *f = lf_xcalloc(1, sizeof *f);
	snprintf(f->dir, sizeof f->dir, "/tmp/lf-test-journal.XXXXXX");
	if (!mkdtemp(f->dir)) {
		free(f);
		return -1;
	}
	f->path = lf_asprintf("%s/%s", f->dir, JOURNAL_FILE);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	DIR *d = opendir(f->dir);
	if (d) {
		struct dirent *de;
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			char *p = lf_asprintf("%s/%s", f->dir, de->d_name);
			unlink(p);
			free(p);
		}
		closedir(d);
	}
	rmdir(f->dir);
	free(f->path);
	free(f);
	return 0;
}

static bool exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

static void write_text(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

/* Parse the file on disk independently of the journal code. */
static json_t *load_disk(const char *path)
{
	json_error_t err;
	json_t *root = json_load_file(path, 0, &err);
	if (!root)
		fail_msg("%s does not parse: line %d: %s", path, err.line, err.text);
	assert_true(json_is_object(root));
	return root;
}

static struct journal *open_ok(const char *dir, const char *backend,
                               const char *install_id)
{
	char *cause = NULL;
	struct journal *j = journal_open(dir, backend, install_id, &cause);
	if (!j)
		fail_msg("journal_open: %s", cause ? cause : "(no cause)");
	assert_null(cause);
	return j;
}

static const char *entry_str(json_t *entry, const char *key)
{
	return json_string_value(json_object_get(entry, key));
}

static json_int_t entry_int(json_t *entry, const char *key)
{
	json_t *v = json_object_get(entry, key);
	assert_true(json_is_integer(v));
	return json_integer_value(v);
}

static void make_plan(struct plan *p, const char *const *ids)
{
	memset(p, 0, sizeof *p);
	for (size_t i = 0; ids[i]; i++) {
		char *title = lf_asprintf("Title of %s", ids[i]);
		plan_add(p, ids[i], NULL, title, "detail");
		free(title);
	}
}

static const char *id_at(const struct journal *j, size_t i)
{
	return entry_str(json_array_get(journal_actions(j), i), "id");
}

/* ---- new journals ---------------------------------------------------------- */

static void test_new_journal_not_written_until_change(void **state)
{
	struct fixture *f = *state;
	struct journal *j = open_ok(f->dir, "aws", "clearml-prod");
	assert_false(journal_existed(j));
	assert_false(exists(f->path));
	assert_string_equal(journal_path(j), f->path);
	assert_string_equal(journal_backend(j), "aws");
	assert_string_equal(journal_install_id(j), "clearml-prod");
	assert_string_equal(journal_status(j, "vpc"), "pending");
	assert_null(journal_action(j, "vpc"));
	assert_null(journal_resource(j, "vpc", "id"));
	assert_int_equal(json_array_size(journal_actions(j)), 0);
	assert_int_equal(json_array_size(journal_outputs(j)), 0);
	assert_int_equal(journal_count(j, "pending"), 0);

	/* Syncing a plan is not a change on disk either. */
	struct plan p;
	make_plan(&p, (const char *const[]){ "vpc", "subnets", NULL });
	journal_sync_plan(j, &p);
	assert_false(exists(f->path));
	assert_int_equal(journal_count(j, "pending"), 2);

	/* The first change writes it. */
	char *cause = NULL;
	assert_int_equal(journal_set_status(j, "vpc", "running", NULL, &cause), 0);
	assert_true(exists(f->path));
	plan_clear(&p);
	journal_free(j);
}

static void test_save_mode_and_json(void **state)
{
	struct fixture *f = *state;
	struct journal *j = open_ok(f->dir, "aws", "clearml-prod");
	char *cause = NULL;
	mode_t old = umask(022);
	int rc = journal_save(j, &cause);
	umask(old);
	assert_int_equal(rc, 0);
	assert_null(cause);

	struct stat st;
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);

	/* Ends with a newline, parses, carries the documented layout. */
	size_t len = 0;
	char *text = lf_read_file(f->path, &len, &cause);
	assert_non_null(text);
	assert_true(len > 0);
	assert_int_equal(text[len - 1], '\n');
	free(text);

	json_t *root = load_disk(f->path);
	assert_int_equal(json_integer_value(json_object_get(root, "version")),
	                 JOURNAL_VERSION);
	assert_string_equal(entry_str(root, "backend"), "aws");
	assert_string_equal(entry_str(root, "install_id"), "clearml-prod");
	assert_true(json_is_string(json_object_get(root, "created")));
	assert_true(json_is_string(json_object_get(root, "updated")));
	assert_int_equal(strlen(entry_str(root, "created")), 20);
	assert_true(json_is_array(json_object_get(root, "actions")));
	assert_true(json_is_array(json_object_get(root, "outputs")));
	json_decref(root);

	/* Only the journal in the directory: no temporary file left. */
	DIR *d = opendir(f->dir);
	int n = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	assert_int_equal(n, 1);
	journal_free(j);
}

static void test_save_fails_without_directory(void **state)
{
	struct fixture *f = *state;
	char *gone = lf_asprintf("%s/missing", f->dir);
	struct journal *j = open_ok(gone, "aws", "x");
	char *cause = NULL;
	assert_int_equal(journal_set_status(j, "vpc", "running", NULL, &cause), -1);
	assert_non_null(cause);
	assert_non_null(strstr(cause, gone));
	free(cause);
	cause = NULL;
	assert_int_equal(journal_set_resource(j, "vpc", "k", "v", &cause), -1);
	free(cause);
	cause = NULL;
	assert_int_equal(journal_set_output(j, NULL, "k", "l", "v", &cause), -1);
	free(cause);
	journal_free(j);
	free(gone);
}

/* ---- reopening -------------------------------------------------------------- */

static void test_reopen_round_trip(void **state)
{
	struct fixture *f = *state;
	struct journal *j = open_ok(f->dir, "aws", "clearml-prod");
	struct plan p;
	make_plan(&p, (const char *const[]){ "vpc", "subnets", "instance", NULL });
	journal_sync_plan(j, &p);
	char *cause = NULL;
	assert_int_equal(journal_set_status(j, "vpc", "running", NULL, &cause), 0);
	assert_int_equal(journal_set_resource(j, "vpc", "vpc_id", "vpc-0abc", &cause), 0);
	assert_int_equal(journal_set_status(j, "vpc", "done", NULL, &cause), 0);
	assert_int_equal(journal_set_status(j, "subnets", "running", NULL, &cause), 0);
	assert_int_equal(journal_set_resource(j, "subnets", "a", "subnet-1", &cause), 0);
	assert_int_equal(journal_set_resource(j, "subnets", "b", "subnet-2", &cause), 0);
	assert_int_equal(journal_set_status(j, "subnets", "failed", "quota \"exceeded\"\n", &cause), 0);
	assert_int_equal(journal_set_output(j, "vpc", "region", "Region", "eu-west-1", &cause), 0);
	assert_int_equal(journal_set_output(j, NULL, "web_url", "Web", "https://app.example.org", &cause), 0);
	assert_null(cause);
	json_t *actions = json_deep_copy(journal_actions(j));
	json_t *outputs = json_deep_copy(journal_outputs(j));
	journal_free(j);

	j = open_ok(f->dir, "aws", "clearml-prod");
	assert_true(journal_existed(j));
	assert_true(json_equal(journal_actions(j), actions));
	assert_true(json_equal(journal_outputs(j), outputs));
	assert_string_equal(journal_status(j, "vpc"), "done");
	assert_string_equal(journal_status(j, "subnets"), "failed");
	assert_string_equal(journal_status(j, "instance"), "pending");
	assert_string_equal(journal_resource(j, "vpc", "vpc_id"), "vpc-0abc");
	assert_string_equal(journal_resource(j, "subnets", "a"), "subnet-1");
	assert_string_equal(journal_resource(j, "subnets", "b"), "subnet-2");
	assert_null(journal_resource(j, "subnets", "c"));
	assert_string_equal(entry_str(journal_action(j, "subnets"), "error"),
	                    "quota \"exceeded\"\n");
	assert_int_equal(json_array_size(journal_outputs(j)), 2);
	json_t *o = json_array_get(journal_outputs(j), 0);
	assert_string_equal(entry_str(o, "key"), "region");
	assert_string_equal(entry_str(o, "label"), "Region");
	assert_string_equal(entry_str(o, "value"), "eu-west-1");
	assert_string_equal(entry_str(o, "action"), "vpc");
	o = json_array_get(journal_outputs(j), 1);
	assert_string_equal(entry_str(o, "key"), "web_url");
	assert_string_equal(entry_str(o, "action"), "");
	/* Order on disk is plan order. */
	assert_string_equal(id_at(j, 0), "vpc");
	assert_string_equal(id_at(j, 1), "subnets");
	assert_string_equal(id_at(j, 2), "instance");
	journal_free(j);

	/* NULL backend and install id accept any journal (destroy, outputs). */
	j = open_ok(f->dir, NULL, NULL);
	assert_string_equal(journal_backend(j), "aws");
	assert_string_equal(journal_install_id(j), "clearml-prod");
	assert_true(json_equal(journal_actions(j), actions));
	journal_free(j);

	json_decref(actions);
	json_decref(outputs);
	plan_clear(&p);
}

static void test_created_kept_updated_moves(void **state)
{
	struct fixture *f = *state;
	/* A journal written "long ago". */
	write_text(f->path,
	           "{\"version\": 1, \"backend\": \"aws\", \"install_id\": \"x\","
	           " \"created\": \"2000-01-01T00:00:00Z\","
	           " \"updated\": \"2000-01-01T00:00:00Z\","
	           " \"actions\": [], \"outputs\": []}");
	struct journal *j = open_ok(f->dir, "aws", "x");
	char *cause = NULL;
	assert_int_equal(journal_set_status(j, "vpc", "running", NULL, &cause), 0);
	journal_free(j);
	json_t *root = load_disk(f->path);
	assert_string_equal(entry_str(root, "created"), "2000-01-01T00:00:00Z");
	assert_true(strcmp(entry_str(root, "updated"), "2020") > 0);
	json_decref(root);
}

/* ---- refusals -------------------------------------------------------------- */

static void save_one(const char *dir, const char *backend, const char *id)
{
	struct journal *j = open_ok(dir, backend, id);
	char *cause = NULL;
	assert_int_equal(journal_save(j, &cause), 0);
	journal_free(j);
}

static void test_backend_mismatch_refused(void **state)
{
	struct fixture *f = *state;
	save_one(f->dir, "aws", "clearml-prod");
	char *cause = NULL;
	assert_null(journal_open(f->dir, "ubuntu", "clearml-prod", &cause));
	assert_non_null(cause);
	assert_non_null(strstr(cause, "aws"));
	assert_non_null(strstr(cause, "ubuntu"));
	assert_non_null(strstr(cause, f->dir));
	free(cause);
	/* Nothing was changed by the refusal. */
	struct journal *j = open_ok(f->dir, "aws", "clearml-prod");
	journal_free(j);
}

static void test_install_id_mismatch_refused(void **state)
{
	struct fixture *f = *state;
	save_one(f->dir, "aws", "clearml-prod");
	char *cause = NULL;
	assert_null(journal_open(f->dir, "aws", "clearml-staging", &cause));
	assert_non_null(cause);
	assert_non_null(strstr(cause, "\"clearml-prod\""));
	assert_non_null(strstr(cause, "\"clearml-staging\""));
	free(cause);
	/* Backend NULL still checks the install id, and vice versa. */
	cause = NULL;
	assert_null(journal_open(f->dir, NULL, "other", &cause));
	assert_non_null(strstr(cause, "other"));
	free(cause);
	cause = NULL;
	assert_null(journal_open(f->dir, "kubernetes", NULL, &cause));
	assert_non_null(strstr(cause, "kubernetes"));
	free(cause);
	/* NULL for both accepts. */
	journal_free(open_ok(f->dir, NULL, NULL));
}

static void expect_refused(const char *dir, const char *want1,
                           const char *want2)
{
	char *cause = NULL;
	struct journal *j = journal_open(dir, "aws", "x", &cause);
	assert_null(j);
	assert_non_null(cause);
	if (want1 && !strstr(cause, want1))
		fail_msg("cause \"%s\" lacks \"%s\"", cause, want1);
	if (want2 && !strstr(cause, want2))
		fail_msg("cause \"%s\" lacks \"%s\"", cause, want2);
	free(cause);
	/* A NULL cause is allowed too. */
	assert_null(journal_open(dir, "aws", "x", NULL));
}

static void test_corrupt_refused(void **state)
{
	struct fixture *f = *state;
	static const char *const bad[] = {
		"",
		"{",
		"{\"version\": 1, \"backend\": \"aws\", \"install_id\": \"x\", \"actions\": [",
		"not json at all",
		"[]",
		"42",
		"{\"version\": 1, \"backend\": \"aws\", \"install_id\": \"x\"}",
		"{\"version\": 1, \"backend\": \"aws\", \"install_id\": \"x\", \"actions\": {}, \"outputs\": []}",
		"{\"version\": 1, \"backend\": \"aws\", \"install_id\": \"x\", \"actions\": [], \"outputs\": null}",
	};
	for (size_t i = 0; i < LF_ARRAY_LEN(bad); i++) {
		write_text(f->path, bad[i]);
		expect_refused(f->dir, f->path, "not a Landfall journal");
	}
	/* The refused file is left as it was, for a person to look at. */
	char *text = lf_read_file(f->path, NULL, NULL);
	assert_string_equal(text, bad[LF_ARRAY_LEN(bad) - 1]);
	free(text);
}

static void test_version_mismatch_refused(void **state)
{
	struct fixture *f = *state;
	write_text(f->path,
	           "{\"version\": 2, \"backend\": \"aws\", \"install_id\": \"x\","
	           " \"actions\": [], \"outputs\": []}");
	expect_refused(f->dir, "version 2", "version 1");
	write_text(f->path,
	           "{\"backend\": \"aws\", \"install_id\": \"x\","
	           " \"actions\": [], \"outputs\": []}");
	expect_refused(f->dir, "version 0", "version 1");
	write_text(f->path,
	           "{\"version\": \"1\", \"backend\": \"aws\", \"install_id\": \"x\","
	           " \"actions\": [], \"outputs\": []}");
	expect_refused(f->dir, "version", NULL);
}

static void test_unreadable_state_dir_refused(void **state)
{
	struct fixture *f = *state;
	/* The "state directory" is a regular file: stat fails with ENOTDIR,
	 * which is not "no journal yet". */
	char *file = lf_asprintf("%s/plainfile", f->dir);
	write_text(file, "x");
	char *cause = NULL;
	assert_null(journal_open(file, "aws", "x", &cause));
	assert_non_null(cause);
	assert_non_null(strstr(cause, strerror(ENOTDIR)));
	free(cause);
	free(file);
}

/* ---- journal_sync_plan ------------------------------------------------------- */

static void test_sync_plan_order_and_leftovers(void **state)
{
	struct fixture *f = *state;
	struct journal *j = open_ok(f->dir, "aws", "x");
	char *cause = NULL;
	/* Entries in an order unlike the plan, two of them not in it. */
	assert_int_equal(journal_set_status(j, "c", "done", NULL, &cause), 0);
	assert_int_equal(journal_set_status(j, "old1", "done", NULL, &cause), 0);
	assert_int_equal(journal_set_resource(j, "old1", "bucket", "b-1", &cause), 0);
	assert_int_equal(journal_set_status(j, "a", "failed", "boom", &cause), 0);
	assert_int_equal(journal_set_status(j, "old2", "running", NULL, &cause), 0);
	assert_int_equal(journal_set_resource(j, "a", "k", "v", &cause), 0);

	struct plan p;
	make_plan(&p, (const char *const[]){ "a", "b", "c", "d", NULL });
	journal_sync_plan(j, &p);
	assert_int_equal(json_array_size(journal_actions(j)), 6);
	static const char *const want[] = { "a", "b", "c", "d", "old1", "old2" };
	for (size_t i = 0; i < LF_ARRAY_LEN(want); i++)
		assert_string_equal(id_at(j, i), want[i]);

	/* Existing entries keep their state, take the plan's title. */
	json_t *a = journal_action(j, "a");
	assert_string_equal(entry_str(a, "status"), "failed");
	assert_string_equal(entry_str(a, "error"), "boom");
	assert_string_equal(entry_str(a, "title"), "Title of a");
	assert_string_equal(journal_resource(j, "a", "k"), "v");
	assert_string_equal(journal_status(j, "c"), "done");
	/* New ones start pending with no attempts. */
	json_t *b = journal_action(j, "b");
	assert_string_equal(entry_str(b, "status"), "pending");
	assert_string_equal(entry_str(b, "title"), "Title of b");
	assert_int_equal(entry_int(b, "attempts"), 0);
	assert_true(json_is_null(json_object_get(b, "started")));
	assert_true(json_is_null(json_object_get(b, "finished")));
	assert_true(json_is_null(json_object_get(b, "error")));
	assert_true(json_is_object(json_object_get(b, "resources")));
	assert_int_equal(json_object_size(json_object_get(b, "resources")), 0);
	/* Leftovers keep their resources for destroy. */
	assert_string_equal(journal_resource(j, "old1", "bucket"), "b-1");
	assert_string_equal(journal_status(j, "old2"), "running");

	/* Syncing again is stable. */
	json_t *snap = json_deep_copy(journal_actions(j));
	journal_sync_plan(j, &p);
	assert_true(json_equal(snap, journal_actions(j)));
	json_decref(snap);

	/* Sync does not save: on disk the old order is still there. */
	json_t *root = load_disk(f->path);
	json_t *disk = json_object_get(root, "actions");
	assert_int_equal(json_array_size(disk), 4);
	assert_string_equal(entry_str(json_array_get(disk, 0), "id"), "c");
	json_decref(root);

	/* After a save the new order survives a reopen. */
	assert_int_equal(journal_save(j, &cause), 0);
	journal_free(j);
	j = open_ok(f->dir, "aws", "x");
	for (size_t i = 0; i < LF_ARRAY_LEN(want); i++)
		assert_string_equal(id_at(j, i), want[i]);
	journal_free(j);
	plan_clear(&p);
}

static void test_sync_plan_shrinking_plan(void **state)
{
	struct fixture *f = *state;
	struct journal *j = open_ok(f->dir, "aws", "x");
	struct plan p;
	make_plan(&p, (const char *const[]){ "a", "b", "c", NULL });
	journal_sync_plan(j, &p);
	plan_clear(&p);
	make_plan(&p, (const char *const[]){ "c", NULL });
	journal_sync_plan(j, &p);
	assert_int_equal(json_array_size(journal_actions(j)), 3);
	assert_string_equal(id_at(j, 0), "c");
	assert_string_equal(id_at(j, 1), "a");
	assert_string_equal(id_at(j, 2), "b");
	plan_clear(&p);
	/* An empty plan keeps everything. */
	journal_sync_plan(j, &p);
	assert_int_equal(json_array_size(journal_actions(j)), 3);
	journal_free(j);
}

/* ---- status transitions -------------------------------------------------------- */

static void test_status_transitions(void **state)
{
	struct fixture *f = *state;
	struct journal *j = open_ok(f->dir, "aws", "x");
	struct plan p;
	make_plan(&p, (const char *const[]){ "vpc", NULL });
	journal_sync_plan(j, &p);
	char *cause = NULL;
	json_t *e = journal_action(j, "vpc");
	assert_int_equal(entry_int(e, "attempts"), 0);

	assert_int_equal(journal_set_status(j, "vpc", "running", NULL, &cause), 0);
	e = journal_action(j, "vpc");
	assert_string_equal(entry_str(e, "status"), "running");
	assert_int_equal(entry_int(e, "attempts"), 1);
	assert_true(json_is_string(json_object_get(e, "started")));
	assert_true(json_is_null(json_object_get(e, "finished")));

	assert_int_equal(journal_set_status(j, "vpc", "failed", "throttled", &cause), 0);
	e = journal_action(j, "vpc");
	assert_string_equal(entry_str(e, "status"), "failed");
	assert_string_equal(entry_str(e, "error"), "throttled");
	assert_int_equal(entry_int(e, "attempts"), 1);
	assert_true(json_is_string(json_object_get(e, "finished")));

	/* A new run: attempts go up, finished is cleared. */
	assert_int_equal(journal_set_status(j, "vpc", "running", NULL, &cause), 0);
	e = journal_action(j, "vpc");
	assert_int_equal(entry_int(e, "attempts"), 2);
	assert_true(json_is_null(json_object_get(e, "finished")));
	assert_true(json_is_null(json_object_get(e, "error")));

	assert_int_equal(journal_set_status(j, "vpc", "done", NULL, &cause), 0);
	e = journal_action(j, "vpc");
	assert_string_equal(entry_str(e, "status"), "done");
	assert_true(json_is_null(json_object_get(e, "error")));
	assert_true(json_is_string(json_object_get(e, "finished")));
	assert_int_equal(entry_int(e, "attempts"), 2);
	assert_int_equal(journal_count(j, "done"), 1);

	/* undoing keeps attempts and does not set finished... */
	assert_int_equal(journal_set_status(j, "vpc", "undoing", NULL, &cause), 0);
	e = journal_action(j, "vpc");
	assert_string_equal(entry_str(e, "status"), "undoing");
	assert_int_equal(entry_int(e, "attempts"), 2);
	/* ...undone does. */
	json_object_set_new(e, "finished", json_null());
	assert_int_equal(journal_set_status(j, "vpc", "undone", NULL, &cause), 0);
	e = journal_action(j, "vpc");
	assert_string_equal(entry_str(e, "status"), "undone");
	assert_true(json_is_string(json_object_get(e, "finished")));

	/* pending leaves finished alone. */
	json_object_set_new(e, "finished", json_null());
	assert_int_equal(journal_set_status(j, "vpc", "pending", NULL, &cause), 0);
	assert_true(json_is_null(json_object_get(journal_action(j, "vpc"), "finished")));
	assert_null(cause);

	/* Every change was saved: the file agrees. */
	json_t *root = load_disk(f->path);
	json_t *disk = json_array_get(json_object_get(root, "actions"), 0);
	assert_string_equal(entry_str(disk, "status"), "pending");
	assert_int_equal(entry_int(disk, "attempts"), 2);
	json_decref(root);
	journal_free(j);
	plan_clear(&p);
}

static void test_status_of_unknown_action_creates_entry(void **state)
{
	struct fixture *f = *state;
	struct journal *j = open_ok(f->dir, "aws", "x");
	char *cause = NULL;
	assert_int_equal(journal_set_status(j, "orphan", "running", NULL, &cause), 0);
	json_t *e = journal_action(j, "orphan");
	assert_non_null(e);
	assert_string_equal(entry_str(e, "title"), "orphan");
	assert_int_equal(entry_int(e, "attempts"), 1);
	journal_free(j);
}

/* ---- resources and outputs --------------------------------------------------------- */

static void test_resources(void **state)
{
	struct fixture *f = *state;
	struct journal *j = open_ok(f->dir, "aws", "x");
	char *cause = NULL;
	assert_int_equal(journal_set_resource(j, "vpc", "vpc_id", "vpc-1", &cause), 0);
	assert_int_equal(journal_set_resource(j, "vpc", "igw", "igw-1", &cause), 0);
	assert_int_equal(journal_set_resource(j, "vpc", "vpc_id", "vpc-2", &cause), 0);
	assert_string_equal(journal_resource(j, "vpc", "vpc_id"), "vpc-2");
	assert_string_equal(journal_resource(j, "vpc", "igw"), "igw-1");
	assert_null(journal_resource(j, "other", "vpc_id"));
	/* NULL value removes the key. */
	assert_int_equal(journal_set_resource(j, "vpc", "igw", NULL, &cause), 0);
	assert_null(journal_resource(j, "vpc", "igw"));
	assert_int_equal(json_object_size(json_object_get(journal_action(j, "vpc"),
	                                                  "resources")), 1);
	/* A resource on an unknown action creates a pending entry. */
	assert_string_equal(journal_status(j, "vpc"), "pending");
	journal_free(j);
	j = open_ok(f->dir, "aws", "x");
	assert_string_equal(journal_resource(j, "vpc", "vpc_id"), "vpc-2");
	assert_null(journal_resource(j, "vpc", "igw"));
	journal_free(j);
	assert_null(cause);
}

static void test_outputs_replace_by_key(void **state)
{
	struct fixture *f = *state;
	struct journal *j = open_ok(f->dir, "aws", "x");
	char *cause = NULL;
	assert_int_equal(journal_set_output(j, "a1", "k1", "Label 1", "v1", &cause), 0);
	assert_int_equal(journal_set_output(j, "a2", "k2", "Label 2", "v2", &cause), 0);
	assert_int_equal(journal_set_output(j, "a3", "k1", "Label 1b", "v1b", &cause), 0);
	assert_int_equal(journal_set_output(j, NULL, "k3", "Label 3", NULL, &cause), 0);
	json_t *outs = journal_outputs(j);
	assert_int_equal(json_array_size(outs), 3);
	/* Replaced in place: k1 keeps the first position. */
	json_t *o = json_array_get(outs, 0);
	assert_string_equal(entry_str(o, "key"), "k1");
	assert_string_equal(entry_str(o, "label"), "Label 1b");
	assert_string_equal(entry_str(o, "value"), "v1b");
	assert_string_equal(entry_str(o, "action"), "a3");
	o = json_array_get(outs, 1);
	assert_string_equal(entry_str(o, "key"), "k2");
	assert_string_equal(entry_str(o, "value"), "v2");
	o = json_array_get(outs, 2);
	assert_string_equal(entry_str(o, "key"), "k3");
	assert_string_equal(entry_str(o, "value"), "");
	assert_string_equal(entry_str(o, "action"), "");
	journal_free(j);

	json_t *root = load_disk(f->path);
	outs = json_object_get(root, "outputs");
	assert_int_equal(json_array_size(outs), 3);
	assert_string_equal(entry_str(json_array_get(outs, 0), "value"), "v1b");
	json_decref(root);
	assert_null(cause);
}

static void test_count(void **state)
{
	struct fixture *f = *state;
	struct journal *j = open_ok(f->dir, "aws", "x");
	struct plan p;
	make_plan(&p, (const char *const[]){ "a", "b", "c", "d", NULL });
	journal_sync_plan(j, &p);
	char *cause = NULL;
	assert_int_equal(journal_set_status(j, "a", "done", NULL, &cause), 0);
	assert_int_equal(journal_set_status(j, "b", "done", NULL, &cause), 0);
	assert_int_equal(journal_set_status(j, "c", "failed", "x", &cause), 0);
	assert_int_equal(journal_count(j, "done"), 2);
	assert_int_equal(journal_count(j, "failed"), 1);
	assert_int_equal(journal_count(j, "pending"), 1);
	assert_int_equal(journal_count(j, "undone"), 0);
	journal_free(j);
	plan_clear(&p);
}

/* A journal edited by hand may hold entries without an id or with a
 * repeated id; reading it must not crash and must count what is there. */
static void test_count_odd_entries(void **state)
{
	struct fixture *f = *state;
	write_text(f->path,
	           "{\"version\": 1, \"backend\": \"aws\", \"install_id\": \"x\","
	           " \"actions\": ["
	           "  {\"id\": \"a\", \"status\": \"done\"},"
	           "  {\"status\": \"done\"},"
	           "  {\"id\": \"b\"}"
	           " ], \"outputs\": []}");
	struct journal *j = open_ok(f->dir, "aws", "x");
	assert_int_equal(journal_count(j, "done"), 2);
	assert_int_equal(journal_count(j, "pending"), 1);
	assert_string_equal(journal_status(j, "b"), "pending");
	struct plan p;
	make_plan(&p, (const char *const[]){ "b", NULL });
	journal_sync_plan(j, &p);
	assert_int_equal(json_array_size(journal_actions(j)), 3);
	assert_string_equal(id_at(j, 0), "b");
	journal_free(j);
	plan_clear(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_new_journal_not_written_until_change, setup, teardown),
		cmocka_unit_test_setup_teardown(test_save_mode_and_json, setup, teardown),
		cmocka_unit_test_setup_teardown(test_save_fails_without_directory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reopen_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_created_kept_updated_moves, setup, teardown),
		cmocka_unit_test_setup_teardown(test_backend_mismatch_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_install_id_mismatch_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_version_mismatch_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unreadable_state_dir_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sync_plan_order_and_leftovers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sync_plan_shrinking_plan, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status_transitions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status_of_unknown_action_creates_entry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resources, setup, teardown),
		cmocka_unit_test_setup_teardown(test_outputs_replace_by_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_count, setup, teardown),
		cmocka_unit_test_setup_teardown(test_count_odd_entries, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
