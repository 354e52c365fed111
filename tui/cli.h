/* The command line: parses arguments and runs one subcommand, or starts
 * the wizard when there is none. Returns the process exit status. */
#ifndef LANDFALL_CLI_H
#define LANDFALL_CLI_H

/* Exit statuses, documented in README.md and `landfall --help`. */
enum lf_exit {
	EXIT_OK_ = 0,
	EXIT_ERROR = 1,          /* unexpected: I/O, state file, internal */
	EXIT_USAGE = 2,          /* bad command line or invalid answers */
	EXIT_PREREQ = 3,         /* prerequisite checks failed */
	EXIT_APPLY_FAILED = 4,   /* apply failed; run it again to resume */
	EXIT_DESTROY_INCOMPLETE = 5, /* destroy could not remove everything */
	EXIT_INTERRUPTED = 130,  /* stopped by Ctrl-C; resumable */
};

int cli_main(int argc, char **argv);

#endif
