/* The screens that watch the engine work: live checks, the run screen
 * (actions with status and elapsed time, overall progress, log pane) and
 * the outputs screen. The engine runs in a worker thread; its events cross
 * to the screen through a queue, so the screen never freezes.
 *
 * Each function needs ui_init() done (the int ones return an exit status
 * of cli.h, EXIT_USAGE without curses) and returns only once its worker
 * has ended: the session is the caller's again, whatever happened. Ctrl-C
 * is caught while a screen is up. The first call on a session subscribes one relay
 * observer to s->evs (later calls reuse it); each call logs one debug line
 * ("screen attached") to find out whether it is there. */
#ifndef LANDFALL_RUNVIEW_H
#define LANDFALL_RUNVIEW_H

#include <pthread.h>
#include <stdbool.h>

#include "session.h"

/* Run session_connect() (unless connected) and session_check() in a
 * worker while showing a spinner and the newest log line, then the
 * checklist (ok / warning / failed, reason, how to fix; a failed connect
 * is one failed item with its message). r runs them again. Returns 0 when
 * the user goes on (Enter) from a list without failures; EXIT_PREREQ when
 * the list has a failure and the user goes back (Esc, q); EXIT_INTERRUPTED
 * on Esc/q/Ctrl-C while running (the worker is waited for, "cancelling",
 * and its result discarded) or on going back from a list without
 * failures. */
int runview_checks(struct session *s);

/* One live call (a connection probe) in a worker thread, while a box over
 * the current screen shows `title`, a spinner and how to give up: Esc, q or
 * Ctrl-C stop waiting (the call is let finish and its result discarded).
 * Returns fn's result and *cause, or EXIT_INTERRUPTED when given up. */
int runview_task(const char *title, int (*fn)(void *user, char **cause), void *user,
                 char **cause);
/* For a task's worker: whether the user gave up waiting, so that a long
 * task can stop early. */
bool runview_task_stopping(void);
/* Start fn(arg) in a thread with SIGINT and SIGWINCH blocked, so that
 * they reach the UI thread and never cut a backend's system call short.
 * pthread_create's result. */
int runview_thread(pthread_t *tid, void *(*fn)(void *), void *arg);
/* The spinner's frame for a tick (ASCII without UTF-8 or with --ascii). */
const char *runview_spinner(int tick);

/* Apply (or destroy) with the run screen. The session must have its state
 * directory (else EXIT_ERROR after a message); it is connected first if it
 * is not. q, Esc or Ctrl-C while running ask, then stop after the action
 * in flight. On success the last frame shows briefly and 0 is returned:
 * the caller shows the outputs. On failure or stop: the error in plain
 * words and the choices r retry/resume (apply again on the same session:
 * the journal resumes), l show log (the pane fills the screen), b write a
 * support bundle (its path is shown), q quit: returns the run's status
 * (EXIT_APPLY_FAILED, EXIT_DESTROY_INCOMPLETE, EXIT_INTERRUPTED or
 * EXIT_ERROR), the state resumable. */
int runview_run(struct session *s, bool destroy);

/* The recorded outputs (label | value) as a table, with the paths of
 * outputs.md and outputs.json; scrolls when long. Any other key leaves. */
void runview_outputs(struct session *s);

#endif
