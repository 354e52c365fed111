/* landfall: entry point. Locale and library set-up, then the CLI. */
#include <curl/curl.h>
#include <limits.h>
#include <locale.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "i18n.h"
#include "util.h"

/* Translations next to the binary (a build tree: build/locale) win over
 * the installed ones, so `./build/landfall` speaks German uninstalled. */
static void bind_translations(void)
{
	const char *dir = getenv("LANDFALL_LOCALEDIR");
	char exe[PATH_MAX];
	char *local = NULL;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (!dir && n > 0) {
		exe[n] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			local = lf_asprintf("%s/locale", exe);
			struct stat st;
			if (stat(local, &st) == 0 && S_ISDIR(st.st_mode))
				dir = local;
		}
	}
	bindtextdomain("landfall", dir ? dir : LANDFALL_LOCALEDIR);
	bind_textdomain_codeset("landfall", "UTF-8");
	textdomain("landfall");
	free(local);
}

int main(int argc, char **argv)
{
	/* A closed pipe or lost terminal must not kill an install half-way:
	 * writes fail instead, and the journal carries on. */
	signal(SIGPIPE, SIG_IGN);
	setlocale(LC_ALL, "");
	bind_translations();
	curl_global_init(CURL_GLOBAL_DEFAULT);
	int rc = cli_main(argc, argv);
	curl_global_cleanup();
	return rc;
}
