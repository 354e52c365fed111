#include "bundle.h"

#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <libssh/libssh.h>
#include <libxml/xmlversion.h>
#include <ncurses.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>
#include <yaml.h>

#include "cli.h"
#include "flow.h"
#include "i18n.h"
#include "journal.h"

/* The versions of everything that matters to support. */
static char *versions_text(void)
{
	struct utsname u;
	uname(&u);
	const char *os = "";
	char *osr = lf_read_file("/etc/os-release", NULL, NULL);
	if (osr) {
		char *p = strstr(osr, "PRETTY_NAME=");
		if (p) {
			p += 12;
			p[strcspn(p, "\n")] = '\0';
			os = p;
		}
	}
	char *s = lf_asprintf("landfall %s\n%s\njansson %s\nlibyaml %s\nlibssh %s\nlibxml2 %s\n%s\nsystem %s %s %s\nos %s\n",
	                      LANDFALL_VERSION, curl_version(), JANSSON_VERSION,
	                      yaml_get_version_string(), ssh_version(0), LIBXML_DOTTED_VERSION,
	                      curses_version(), u.sysname, u.release, u.machine, os);
	free(osr);
	return s;
}

/* Run a program without a shell; true when it exits 0. */
static bool run_program(char *const argv[])
{
	pid_t pid = fork();
	if (pid == 0) {
		execvp(argv[0], argv);
		_exit(127);
	}
	int st = 0;
	return pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	       WEXITSTATUS(st) == 0;
}

/* Secrets that resolve now are masked in the bundle too, in case one ever
 * reached a file through a path Landfall does not control. */
static struct events *redactor_for(const char *state_dir)
{
	struct events *evs = events_new();
	char *apath = lf_asprintf("%s/answers.yaml", state_dir);
	struct diags d = { 0 };
	struct answers *a = answers_load(apath, &d);
	struct setup_opts so = { .resolve_secrets = true };
	struct setup setup;
	char *ignored = NULL;
	if (a && !d.n && flow_setup(a, &so, evs, &setup, &ignored) == 0)
		flow_setup_free(&setup);
	free(ignored);
	diags_clear(&d);
	answers_free(a);
	free(apath);
	return evs;
}

/* Copy a state file, masked, into the bundle directory if it exists. */
static int copy_masked(const char *from_dir, const char *name, const char *to_dir,
                       struct events *redactor, char **cause)
{
	char *src = lf_asprintf("%s/%s", from_dir, name);
	char *text = lf_read_file(src, NULL, NULL);
	free(src);
	if (!text)
		return 0;
	char *clean = events_redact(redactor, text);
	char *dst = lf_asprintf("%s/%s", to_dir, name);
	int rc = lf_write_file_atomic(dst, clean, strlen(clean), 0600, cause);
	free(dst);
	free(clean);
	free(text);
	return rc;
}

int bundle_write(const char *state_dir, const char *out_arg, char **written,
                 char **cause)
{
	*written = NULL;
	struct journal *j = journal_open(state_dir, NULL, NULL, cause);
	if (!j)
		return EXIT_ERROR;
	struct events *redactor = redactor_for(state_dir);
	char tmpl[] = "/tmp/landfall-bundle.XXXXXX";
	char *tmp = mkdtemp(tmpl);
	char *name = lf_asprintf("landfall-bundle-%s", journal_install_id(j));
	char *dir = tmp ? lf_asprintf("%s/%s", tmp, name) : NULL;
	int rc = 0;
	if (!dir) {
		lf_fail(cause, _("cannot make a temporary directory: %s"), strerror(errno));
		rc = EXIT_ERROR;
	} else if (lf_mkdir_p(dir, 0700, cause) != 0) {
		rc = EXIT_ERROR;
	}
	static const char *const files[] = { "answers.yaml", "journal.json", "landfall.log",
	                                     "checks.json", "outputs.json", "outputs.md" };
	for (size_t i = 0; !rc && i < LF_ARRAY_LEN(files); i++)
		if (copy_masked(state_dir, files[i], dir, redactor, cause) != 0)
			rc = EXIT_ERROR;
	if (!rc) {
		char *v = versions_text();
		char *vp = lf_asprintf("%s/versions.txt", dir);
		if (lf_write_file_atomic(vp, v, strlen(v), 0600, cause) != 0)
			rc = EXIT_ERROR;
		free(vp);
		free(v);
	}
	char *out = out_arg ? lf_xstrdup(out_arg)
	                    : lf_asprintf("%s/%s.tar.gz", state_dir, name);
	if (!rc) {
		char *argv[] = { "tar", "-czf", out, "-C", tmp, name, NULL };
		if (!run_program(argv)) {
			lf_fail(cause, _("tar could not write %s"), out);
			rc = EXIT_ERROR;
		} else {
			chmod(out, 0600);
			*written = out;
			out = NULL;
		}
	}
	if (tmp) {
		char *argv[] = { "rm", "-rf", "--", tmp, NULL };
		run_program(argv);
	}
	free(out);
	free(dir);
	free(name);
	events_free(redactor);
	journal_free(j);
	return rc;
}
