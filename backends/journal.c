#include "journal.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "i18n.h"

struct journal {
	char *path;
	json_t *root;
	bool existed;
};

static json_t *new_root(const char *backend, const char *install_id)
{
	char now[32];
	lf_now_iso(now, sizeof now);
	return json_pack("{s:i, s:s, s:s, s:s, s:s, s:[], s:[]}", "version",
	                 JOURNAL_VERSION, "backend", backend ? backend : "",
	                 "install_id", install_id ? install_id : "", "created",
	                 now, "updated", now, "actions", "outputs");
}

static const char *root_str(const struct journal *j, const char *key)
{
	const char *s = json_string_value(json_object_get(j->root, key));
	return s ? s : "";
}

/* A write cut off by a crash leaves journal.json.tmp.PID behind (the
 * journal itself is intact: the rename never happened). Clear them. */
static void remove_stale_temps(const char *state_dir)
{
	DIR *d = opendir(state_dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d)) != NULL)
		if (strncmp(e->d_name, JOURNAL_FILE ".tmp.", sizeof JOURNAL_FILE + 4) == 0) {
			char *p = lf_asprintf("%s/%s", state_dir, e->d_name);
			unlink(p);
			free(p);
		}
	closedir(d);
}

struct journal *journal_open(const char *state_dir, const char *backend,
                             const char *install_id, char **cause)
{
	struct journal *j = lf_xcalloc(1, sizeof *j);
	j->path = lf_asprintf("%s/%s", state_dir, JOURNAL_FILE);
	struct stat st;
	if (stat(j->path, &st) != 0) {
		if (errno != ENOENT) {
			lf_fail(cause, _("cannot read %s: %s"), j->path,
			        strerror(errno));
			journal_free(j);
			return NULL;
		}
		j->root = new_root(backend, install_id);
		return j;
	}
	remove_stale_temps(state_dir);
	json_error_t err;
	j->root = json_load_file(j->path, 0, &err);
	if (!j->root || !json_is_object(j->root) ||
	    !json_is_array(json_object_get(j->root, "actions")) ||
	    !json_is_array(json_object_get(j->root, "outputs"))) {
		lf_fail(cause, _("%s is not a Landfall journal (line %d: %s)"),
		        j->path, err.line, j->root ? _("missing fields") : err.text);
		journal_free(j);
		return NULL;
	}
	if (json_integer_value(json_object_get(j->root, "version")) !=
	    JOURNAL_VERSION) {
		lf_fail(cause, _("%s has journal version %lld; this Landfall reads version %d"),
		        j->path,
		        (long long)json_integer_value(json_object_get(j->root, "version")),
		        JOURNAL_VERSION);
		journal_free(j);
		return NULL;
	}
	j->existed = true;
	if (backend && strcmp(root_str(j, "backend"), backend) != 0) {
		lf_fail(cause, _("the state directory %s belongs to a %s install, not %s; choose another --state"),
		        state_dir, root_str(j, "backend"), backend);
		journal_free(j);
		return NULL;
	}
	if (install_id && strcmp(root_str(j, "install_id"), install_id) != 0) {
		lf_fail(cause, _("the state directory %s belongs to install \"%s\", not \"%s\"; choose another --state"),
		        state_dir, root_str(j, "install_id"), install_id);
		journal_free(j);
		return NULL;
	}
	return j;
}

void journal_free(struct journal *j)
{
	if (!j)
		return;
	json_decref(j->root);
	free(j->path);
	free(j);
}

bool journal_existed(const struct journal *j) { return j->existed; }
const char *journal_backend(const struct journal *j) { return root_str(j, "backend"); }
const char *journal_install_id(const struct journal *j) { return root_str(j, "install_id"); }
const char *journal_path(const struct journal *j) { return j->path; }
json_t *journal_actions(const struct journal *j) { return json_object_get(j->root, "actions"); }
json_t *journal_outputs(const struct journal *j) { return json_object_get(j->root, "outputs"); }

int journal_save(struct journal *j, char **cause)
{
	char now[32];
	lf_now_iso(now, sizeof now);
	json_object_set_new(j->root, "updated", json_string(now));
	char *text = json_dumps(j->root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (!text)
		return lf_fail(cause, _("cannot encode the journal"));
	size_t len = strlen(text);
	text = lf_xrealloc(text, len + 2);
	text[len++] = '\n';
	text[len] = '\0';
	int rc = lf_write_file_atomic(j->path, text, len, 0600, cause);
	free(text);
	if (rc == 0)
		j->existed = true;
	return rc;
}

json_t *journal_action(const struct journal *j, const char *action_id)
{
	size_t i;
	json_t *a;
	json_array_foreach(journal_actions(j), i, a) {
		const char *id = json_string_value(json_object_get(a, "id"));
		if (id && strcmp(id, action_id) == 0)
			return a;
	}
	return NULL;
}

static json_t *new_entry(const char *id, const char *title)
{
	return json_pack("{s:s, s:s, s:s, s:i, s:n, s:n, s:n, s:{}}", "id", id,
	                 "title", title, "status", "pending", "attempts", 0,
	                 "started", "finished", "error", "resources");
}

void journal_sync_plan(struct journal *j, const struct plan *p)
{
	json_t *old = journal_actions(j);
	json_t *fresh = json_array();
	for (size_t i = 0; i < p->n; i++) {
		json_t *e = journal_action(j, p->actions[i].id);
		if (e) {
			json_object_set_new(e, "title",
			                    json_string(p->actions[i].title));
			json_array_append(fresh, e);
		} else {
			json_array_append_new(fresh, new_entry(p->actions[i].id,
			                                            p->actions[i].title));
		}
	}
	/* Entries the plan no longer names keep their place at the end, so
	 * destroy still sees what they created. */
	size_t i;
	json_t *e;
	json_array_foreach(old, i, e) {
		const char *id = json_string_value(json_object_get(e, "id"));
		if (!id || plan_find(p, id) < 0)
			json_array_append(fresh, e);
	}
	json_object_set_new(j->root, "actions", fresh);
}

const char *journal_status(const struct journal *j, const char *action_id)
{
	json_t *e = journal_action(j, action_id);
	const char *s = e ? json_string_value(json_object_get(e, "status")) : NULL;
	return s ? s : "pending";
}

static json_t *entry_for(struct journal *j, const char *action_id)
{
	json_t *e = journal_action(j, action_id);
	if (!e) {
		e = new_entry(action_id, action_id);
		json_array_append_new(journal_actions(j), e);
	}
	return e;
}

int journal_set_status(struct journal *j, const char *action_id,
                       const char *status, const char *error, char **cause)
{
	json_t *e = entry_for(j, action_id);
	char now[32];
	lf_now_iso(now, sizeof now);
	json_object_set_new(e, "status", json_string(status));
	json_object_set_new(e, "error", error ? json_string(error) : json_null());
	if (strcmp(status, "running") == 0) {
		json_int_t n = json_integer_value(json_object_get(e, "attempts"));
		json_object_set_new(e, "attempts", json_integer(n + 1));
		json_object_set_new(e, "started", json_string(now));
		json_object_set_new(e, "finished", json_null());
	} else if (strcmp(status, "done") == 0 || strcmp(status, "failed") == 0 ||
	           strcmp(status, "undone") == 0 || strcmp(status, "kept") == 0) {
		json_object_set_new(e, "finished", json_string(now));
	}
	return journal_save(j, cause);
}

int journal_set_resource(struct journal *j, const char *action_id,
                         const char *key, const char *value, char **cause)
{
	json_t *e = entry_for(j, action_id);
	json_t *res = json_object_get(e, "resources");
	if (!json_is_object(res)) {
		res = json_object();
		json_object_set_new(e, "resources", res);
	}
	if (value)
		json_object_set_new(res, key, json_string(value));
	else
		json_object_del(res, key);
	return journal_save(j, cause);
}

const char *journal_resource(const struct journal *j, const char *action_id,
                             const char *key)
{
	json_t *e = journal_action(j, action_id);
	return e ? json_string_value(json_object_get(json_object_get(e, "resources"), key))
	         : NULL;
}

void journal_put_output(struct journal *j, const char *action_id,
                        const char *key, const char *label, const char *value)
{
	json_t *outs = journal_outputs(j);
	json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "key", key, "label", label,
	                      "value", value ? value : "", "action",
	                      action_id ? action_id : "");
	if (!o)
		return; /* not UTF-8: json_pack refuses it */
	size_t i;
	json_t *e;
	json_array_foreach(outs, i, e) {
		const char *k = json_string_value(json_object_get(e, "key"));
		if (k && strcmp(k, key) == 0) {
			json_array_set_new(outs, i, o);
			return;
		}
	}
	json_array_append_new(outs, o);
}

int journal_set_output(struct journal *j, const char *action_id,
                       const char *key, const char *label, const char *value,
                       char **cause)
{
	journal_put_output(j, action_id, key, label, value);
	return journal_save(j, cause);
}

size_t journal_count(const struct journal *j, const char *status)
{
	size_t n = 0, i;
	json_t *e;
	json_array_foreach(journal_actions(j), i, e) {
		/* The entry's own status: looking it up again by id would crash
		 * on an entry without one and count a repeated id twice. */
		const char *s = json_string_value(json_object_get(e, "status"));
		if (strcmp(s ? s : "pending", status) == 0)
			n++;
	}
	return n;
}
