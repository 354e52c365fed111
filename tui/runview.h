/* The screens that watch the engine work: live checks, the run screen
 * (actions with status and elapsed time, overall progress, log pane) and
 * the outputs screen. The engine runs in a worker thread; its events cross
 * to the screen through a queue, so the screen never freezes.
 *
 * Each function returns an exit status of cli.h. */
#ifndef LANDFALL_RUNVIEW_H
#define LANDFALL_RUNVIEW_H

#include <stdbool.h>

#include "session.h"

/* Run session_connect() and session_check() in a worker while showing a
 * spinner and then the checklist (ok / warning / failed, reason, how to
 * fix). Esc cancels while running (the result is discarded). Returns 0
 * when the user goes on from a list without failures, EXIT_PREREQ when
 * checks failed (the user can only go back), EXIT_INTERRUPTED on cancel. */
int runview_checks(struct session *s);

/* Apply (or destroy) with the run screen. The session must have its state
 * directory and be connected. Ctrl-C asks, then stops after the action in
 * flight. On failure: the error in plain words and the choices retry,
 * show log, write a support bundle, quit (resumable). */
int runview_run(struct session *s, bool destroy);

/* The outputs as a table, with the paths of outputs.md and outputs.json. */
void runview_outputs(struct session *s);

#endif
