/* A session: one install being checked, applied or destroyed, shared by
 * the headless commands and the wizard. It owns the answers copy, the
 * backend set-up, the state directory (answers.yaml, journal.json,
 * landfall.log, checks.json, outputs.*), the event stream and the plan.
 *
 * Every function returns an exit status of cli.h (0 on success) and, on
 * failure, a caller-freed *cause in plain words; nothing here prints. */
#ifndef LANDFALL_SESSION_H
#define LANDFALL_SESSION_H

#include <signal.h>
#include <stdbool.h>

#include "engine.h"
#include "flow.h"
#include "observers.h"

struct session {
	struct answers *answers;     /* owned copy */
	struct setup setup;
	bool have_setup;
	struct events *evs;          /* subscribe observers before running */
	struct log_file *log;
	char *state_dir;
	struct journal *journal;
	void *backend;               /* the backend's session */
	struct plan plan;
	struct check_list checks;
};

/* The default state directory of an install:
 * $XDG_STATE_HOME/landfall/NAME or ~/.local/state/landfall/NAME. */
char *session_default_state_dir(const struct answers *a);

/* Start a session from answers (copied). Fills the backend set-up
 * (resolving secrets when so->resolve_secrets) and builds the plan. */
int session_init(struct session *s, const struct answers *a,
                 const struct setup_opts *so, char **cause);
/* Start from a state directory: its answers.yaml and journal. The
 * dry-run flag comes from the journal. */
int session_init_from_state(struct session *s, const char *state_dir,
                            const struct setup_opts *so, char **cause);

/* Create the state directory (0700), open the log, bind the answers to it
 * (a state directory serves one set of answers) and open the journal. */
int session_use_state(struct session *s, const char *state_dir, char **cause);

/* Connect the backend (ops->open). */
int session_connect(struct session *s, char **cause);
/* Run the checks into s->checks (emitting EV_CHECK for each) and save
 * checks.json when there is a state directory. EXIT_PREREQ when any
 * failed. */
int session_check(struct session *s, char **cause);
/* Apply or destroy through the engine; outputs are written after apply. */
int session_apply(struct session *s, volatile sig_atomic_t *interrupt,
                  char **cause);
int session_destroy(struct session *s, volatile sig_atomic_t *interrupt, bool purge,
                    char **cause);

void session_free(struct session *s);

#endif
