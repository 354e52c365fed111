/* The journal: the state file of one install, journal.json in the state
 * directory. It is the only memory Landfall has of what exists: apply
 * resumes from it, destroy undoes from it, outputs are read from it.
 *
 * Every change is written at once, atomically (lf_write_file_atomic, mode
 * 0600), so losing the process, the terminal or the power never leaves a
 * half-written or stale journal behind.
 *
 * Layout:
 *   { "version": 1, "backend": "aws", "install_id": "clearml-prod",
 *     "created": ISO8601, "updated": ISO8601,
 *     "actions": [ { "id", "title", "status", "attempts", "started",
 *                    "finished", "error", "resources": { key: id } } ],
 *     "outputs": [ { "key", "label", "value", "action" } ] }
 * Statuses: pending, running, done, failed, undoing, undone.
 * "attempts" counts the runs that started the action; retries within one
 * run are logged, not counted. */
#ifndef LANDFALL_JOURNAL_H
#define LANDFALL_JOURNAL_H

#include <jansson.h>
#include <stdbool.h>

#include "backend.h"

#define JOURNAL_FILE "journal.json"
#define JOURNAL_VERSION 1

struct journal;

/* Load STATE_DIR/journal.json, or start a new one in memory when the file
 * does not exist (nothing is written until the first change). When a
 * journal exists, its backend and install id must equal the given ones
 * (a state directory belongs to one install); NULL accepts any, which is
 * what destroy, outputs and bundle use. Returns NULL + *cause. */
struct journal *journal_open(const char *state_dir, const char *backend,
                             const char *install_id, char **cause);
void journal_free(struct journal *j);

/* True when the file existed when it was opened or has been saved since. */
bool journal_existed(const struct journal *j);
const char *journal_backend(const struct journal *j);
const char *journal_install_id(const struct journal *j);
const char *journal_path(const struct journal *j);

/* Write now (atomic, 0600). Returns 0 or -1 + *cause. */
int journal_save(struct journal *j, char **cause);

/* Make sure every action of the plan has an entry, in plan order, keeping
 * the entries of actions the plan no longer has (they may still hold
 * resources to destroy). Does not save. */
void journal_sync_plan(struct journal *j, const struct plan *p);

/* Status of an action ("pending" when unknown). */
const char *journal_status(const struct journal *j, const char *action_id);
/* Set status (and error, which may be NULL) and save. Timestamps and the
 * attempt counter follow the status: "running" bumps attempts and sets
 * started, "done"/"failed"/"undone" set finished. */
int journal_set_status(struct journal *j, const char *action_id,
                       const char *status, const char *error, char **cause);

int journal_set_resource(struct journal *j, const char *action_id,
                         const char *key, const char *value, char **cause);
/* Borrowed pointer valid until the next change, or NULL. */
const char *journal_resource(const struct journal *j, const char *action_id,
                             const char *key);

/* Record an output (replacing one with the same key) and save. */
int journal_set_output(struct journal *j, const char *action_id,
                       const char *key, const char *label, const char *value,
                       char **cause);

/* The same without saving, to record several at once; call journal_save()
 * after. */
void journal_put_output(struct journal *j, const char *action_id,
                        const char *key, const char *label, const char *value);

/* Borrowed views for readers (outputs, bundle, tests). */
json_t *journal_actions(const struct journal *j);
json_t *journal_outputs(const struct journal *j);
/* Entry of one action or NULL (borrowed). */
json_t *journal_action(const struct journal *j, const char *action_id);

/* Count of actions whose status is `status`. */
size_t journal_count(const struct journal *j, const char *status);

#endif
