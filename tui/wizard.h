/* The ncurses wizard: `landfall` with no subcommand. */
#ifndef LANDFALL_WIZARD_H
#define LANDFALL_WIZARD_H

#include <stdbool.h>

struct wizard_opts {
	const char *answers_path;  /* --answers: prefill from this file; NULL: none */
	const char *state_dir;     /* --state; NULL: the default for the install name */
	bool dry_run;              /* --dry-run: run with the dry-run backend */
};

/* Run the wizard. Returns an exit status of cli.h: 0 when the user quits
 * before running or the install succeeds, the run's status otherwise,
 * EXIT_USAGE without a terminal. */
int wizard_main(const struct wizard_opts *o);

#endif
