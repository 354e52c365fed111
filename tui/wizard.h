/* The ncurses wizard: `landfall` with no subcommand. */
#ifndef LANDFALL_WIZARD_H
#define LANDFALL_WIZARD_H

/* Run the wizard, prefilled from `answers_path` when not NULL, keeping
 * state in `state_dir` (NULL: the default for the install name). Returns
 * an exit status of cli.h. */
int wizard_main(const char *answers_path, const char *state_dir);

#endif
