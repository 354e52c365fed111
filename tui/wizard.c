#include "wizard.h"

#include <stdio.h>
#include <unistd.h>

#include "cli.h"
#include "i18n.h"

int wizard_main(const char *answers_path, const char *state_dir)
{
	(void)answers_path;
	(void)state_dir;
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, _("landfall: the wizard needs a terminal; for headless runs use a command (landfall --help)\n"));
		return EXIT_USAGE;
	}
	fprintf(stderr, _("landfall: the interactive wizard is not part of this build yet; use the commands in landfall --help\n"));
	return EXIT_USAGE;
}
