/* Headless subcommands. Every one reads the answers or the state
 * directory, drives steps/ and backends/ and prints through observers;
 * the wizard (no subcommand) is the same machinery behind screens. */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <curl/curl.h>
#include <libssh/libssh.h>
#include <libxml/xmlversion.h>
#include <ncurses.h>
#include <yaml.h>

#include "engine.h"
#include "flow.h"
#include "i18n.h"
#include "observers.h"
#include "outputs.h"
#include "wizard.h"

struct opts {
	const char *answers;
	const char *state;
	const char *format;
	const char *output;
	bool json, dry_run, yes;
	char **args;
	int nargs;
};

static volatile sig_atomic_t interrupt_flag;

static void on_sigint(int sig)
{
	(void)sig;
	if (interrupt_flag) {
		/* Second Ctrl-C: stop now. The journal is consistent anyway. */
		signal(SIGINT, SIG_DFL);
		raise(SIGINT);
	}
	interrupt_flag = 1;
	static const char msg[] = "\nlandfall: stopping after the current action "
	                          "(Ctrl-C again to stop at once)\n";
	ssize_t ignored = write(STDERR_FILENO, msg, sizeof msg - 1);
	(void)ignored;
}

static void catch_sigint(void)
{
	struct sigaction sa = { .sa_handler = on_sigint };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static void errorf(const char *fmt, ...) LF_PRINTF(1, 2);
static void errorf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("landfall: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* ---- answers ---------------------------------------------------------- */

/* Load and validate; print every problem. NULL when anything is wrong. */
static struct answers *load_valid(const char *path)
{
	struct diags d = { 0 };
	struct answers *a = answers_load(path, &d);
	if (a && d.n == 0)
		answers_validate(a, &d);
	for (size_t i = 0; i < d.n; i++) {
		char *line = diag_format(&d, i);
		fprintf(stderr, "%s\n", line);
		free(line);
	}
	size_t n = d.n;
	diags_clear(&d);
	if (n) {
		fprintf(stderr, ngettext("landfall: %zu problem in the answers\n",
		                         "landfall: %zu problems in the answers\n", n), n);
		answers_free(a);
		return NULL;
	}
	return a;
}

/* Read a secret from the terminal without echo. */
static char *ask_secret_tty(const char *path, const char *label, void *user)
{
	(void)user;
	FILE *tty = fopen("/dev/tty", "r+");
	if (!tty)
		return NULL;
	fprintf(tty, _("%s (%s): "), label, path);
	fflush(tty);
	struct termios old, quiet;
	bool restore = tcgetattr(fileno(tty), &old) == 0;
	if (restore) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(fileno(tty), TCSAFLUSH, &quiet);
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t n = getline(&line, &cap, tty);
	if (restore)
		tcsetattr(fileno(tty), TCSAFLUSH, &old);
	fputc('\n', tty);
	fclose(tty);
	if (n <= 0) {
		free(line);
		return NULL;
	}
	line[strcspn(line, "\r\n")] = '\0';
	if (!*line) {
		free(line);
		return NULL;
	}
	return line;
}

/* ---- state directory -------------------------------------------------- */

static char *default_state_dir(const struct answers *a)
{
	const char *name = answers_str_or_default(a, "install.name");
	const char *xdg = getenv("XDG_STATE_HOME");
	if (xdg && *xdg == '/')
		return lf_asprintf("%s/landfall/%s", xdg, name);
	const char *home = getenv("HOME");
	return lf_asprintf("%s/.local/state/landfall/%s", home ? home : ".", name);
}

/* Everything a run needs, torn down by run_free(). */
struct run {
	struct opts *o;
	struct answers *answers;
	struct setup setup;
	bool have_setup;
	struct events *evs;
	struct log_file *log;
	char *state_dir;
	struct journal *journal;
	void *session;
	struct plan plan;
};

static void run_free(struct run *r)
{
	if (r->session)
		r->setup.ops->close(r->session);
	plan_clear(&r->plan);
	journal_free(r->journal);
	if (r->have_setup)
		flow_setup_free(&r->setup);
	log_file_close(r->log);
	events_free(r->evs);
	answers_free(r->answers);
	free(r->state_dir);
}

static void subscribe_output(struct run *r)
{
	if (r->o->json)
		events_subscribe(r->evs, observer_json, stdout);
	else
		events_subscribe(r->evs, observer_lines, stdout);
}

static int open_log(struct run *r)
{
	char *cause = NULL;
	char *path = lf_asprintf("%s/landfall.log", r->state_dir);
	r->log = log_file_open(path, &cause);
	free(path);
	if (!r->log) {
		errorf("%s", cause);
		free(cause);
		return -1;
	}
	events_subscribe(r->evs, observer_log_file, r->log);
	return 0;
}

static struct setup_opts setup_opts_for(const struct opts *o, bool resolve)
{
	const char *delay = getenv("LANDFALL_DRYRUN_DELAY_MS");
	return (struct setup_opts){
		.dry_run = o->dry_run,
		.ledger = getenv("LANDFALL_DRYRUN_LEDGER"),
		.fail = getenv("LANDFALL_DRYRUN_FAIL"),
		.delay_ms = delay ? atol(delay) : 0,
		.resolve_secrets = resolve,
		.ask_secret = isatty(STDIN_FILENO) && !o->json ? ask_secret_tty : NULL,
	};
}

static int make_setup(struct run *r, bool resolve)
{
	char *cause = NULL;
	struct setup_opts so = setup_opts_for(r->o, resolve);
	if (flow_setup(r->answers, &so, r->evs, &r->setup, &cause) != 0) {
		errorf("%s", cause);
		free(cause);
		return EXIT_USAGE;
	}
	r->have_setup = true;
	if (!r->setup.ops->open) {
		errorf(_("the %s backend can plan but cannot reach its target in this version yet; run with --dry-run to rehearse the plan"),
		       r->setup.target->name);
		return EXIT_ERROR;
	}
	return 0;
}

static int open_backend(struct run *r)
{
	char *cause = NULL;
	if (r->setup.ops->open(r->setup.config, r->evs, &r->session, &cause) != 0) {
		errorf(_("cannot connect: %s"), cause);
		free(cause);
		return EXIT_PREREQ;
	}
	return 0;
}

static int build_plan(struct run *r)
{
	char *cause = NULL;
	if (r->setup.ops->plan(r->setup.config, &r->plan, &cause) != 0) {
		errorf("%s", cause);
		free(cause);
		return EXIT_USAGE;
	}
	return 0;
}

/* Run the checks, save checks.json (when there is a state directory) and
 * say whether they allow going on. */
static int run_checks(struct run *r)
{
	struct check_list cl = { 0 };
	char *cause = NULL;
	int rc = 0;
	if (r->setup.ops->check(r->session, &cl, &cause) != 0) {
		errorf(_("the checks could not run: %s"), cause);
		free(cause);
		check_list_clear(&cl);
		return EXIT_PREREQ;
	}
	for (size_t i = 0; i < cl.n; i++) {
		const struct check_result *c = &cl.items[i];
		events_emit(r->evs, &(struct event){
			.kind = EV_CHECK, .action_id = c->id, .title = c->title,
			.status = check_status_name(c->status), .message = c->reason,
			.hint = c->hint });
	}
	if (r->state_dir) {
		json_t *js = check_list_to_json(&cl);
		char *text = json_dumps(js, JSON_INDENT(2));
		char *path = lf_asprintf("%s/checks.json", r->state_dir);
		if (lf_write_file_atomic(path, text, strlen(text), 0600, &cause) != 0) {
			errorf("%s", cause);
			free(cause);
			rc = EXIT_ERROR;
		}
		free(path);
		free(text);
		json_decref(js);
	}
	if (rc == 0 && check_list_worst(&cl) == CHECK_FAILED) {
		errorf(_("prerequisite checks failed; fix what is marked FAILED and run again"));
		rc = EXIT_PREREQ;
	}
	check_list_clear(&cl);
	return rc;
}

/* The answers saved with the state must be the ones being applied: a
 * journal describes what one set of answers created. */
static int bind_answers_to_state(struct run *r)
{
	char *cause = NULL;
	char *path = lf_asprintf("%s/answers.yaml", r->state_dir);
	struct stat st;
	int rc = 0;
	if (stat(path, &st) == 0) {
		struct diags d = { 0 };
		struct answers *saved = answers_load(path, &d);
		if (!saved || d.n) {
			errorf(_("%s is damaged; restore it or choose another --state"), path);
			rc = EXIT_ERROR;
		} else if (!answers_equal(saved, r->answers)) {
			errorf(_("the answers differ from the ones this state directory was created with (%s); apply those, destroy first, or choose another --state"),
			       path);
			rc = EXIT_USAGE;
		}
		answers_free(saved);
		diags_clear(&d);
	} else if (answers_save(r->answers, path, &cause) != 0) {
		errorf("%s", cause);
		free(cause);
		rc = EXIT_ERROR;
	}
	free(path);
	return rc;
}

static int open_journal(struct run *r, const char *backend, const char *install)
{
	char *cause = NULL;
	r->journal = journal_open(r->state_dir, backend, install, &cause);
	if (!r->journal) {
		errorf("%s", cause);
		free(cause);
		return EXIT_ERROR;
	}
	return 0;
}

static int make_state_dir(struct run *r)
{
	char *cause = NULL;
	if (!r->state_dir)
		r->state_dir = r->o->state ? lf_xstrdup(r->o->state)
		                           : default_state_dir(r->answers);
	if (lf_mkdir_p(r->state_dir, 0700, &cause) != 0) {
		errorf("%s", cause);
		free(cause);
		return EXIT_ERROR;
	}
	return 0;
}

static int engine_exit(enum engine_rc rc, const char *cause, bool destroying,
                       const char *state_dir)
{
	switch (rc) {
	case ENGINE_OK:
		return EXIT_OK_;
	case ENGINE_FAILED:
		errorf(_("%s\nThe state is kept in %s: run the same command again to resume."),
		       cause ? cause : "", state_dir);
		return destroying ? EXIT_DESTROY_INCOMPLETE : EXIT_APPLY_FAILED;
	case ENGINE_INCOMPLETE:
		errorf(_("%s; see %s/landfall.log, then run destroy again"), cause ? cause : "",
		       state_dir);
		return EXIT_DESTROY_INCOMPLETE;
	case ENGINE_INTERRUPTED:
		errorf(_("interrupted; the state is kept in %s: run the same command again to resume"),
		       state_dir);
		return EXIT_INTERRUPTED;
	case ENGINE_STATE_ERROR:
		errorf(_("cannot write the state in %s: %s"), state_dir, cause ? cause : "");
		return EXIT_ERROR;
	}
	return EXIT_ERROR;
}

/* ---- subcommands ------------------------------------------------------ */

static int cmd_validate(struct opts *o)
{
	const char *file = o->nargs ? o->args[0] : o->answers;
	if (!file) {
		errorf(_("validate needs an answers file: landfall validate FILE"));
		return EXIT_USAGE;
	}
	struct answers *a = load_valid(file);
	if (!a)
		return EXIT_USAGE;
	printf(_("%s: valid answers for target %s\n"), file, answers_str(a, "target"));
	answers_free(a);
	return EXIT_OK_;
}

static int need_answers(struct opts *o, struct run *r)
{
	if (!o->answers && o->nargs)
		o->answers = o->args[0];
	if (!o->answers) {
		errorf(_("this command needs --answers FILE"));
		return EXIT_USAGE;
	}
	r->answers = load_valid(o->answers);
	return r->answers ? 0 : EXIT_USAGE;
}

static int cmd_plan(struct opts *o)
{
	struct run r = { .o = o, .evs = events_new() };
	int rc = need_answers(o, &r);
	char *cause = NULL;
	struct setup_opts so = setup_opts_for(o, false);
	if (!rc && flow_setup(r.answers, &so, r.evs, &r.setup, &cause) != 0) {
		errorf("%s", cause);
		free(cause);
		rc = EXIT_USAGE;
	}
	r.have_setup = !rc;
	if (!rc)
		rc = build_plan(&r);
	if (!rc && o->json) {
		json_t *arr = json_array();
		for (size_t i = 0; i < r.plan.n; i++)
			json_array_append_new(arr, json_pack("{s:s, s:s, s:s}", "id",
			                      r.plan.actions[i].id, "title", r.plan.actions[i].title,
			                      "detail", r.plan.actions[i].detail));
		json_t *outs = json_array();
		for (size_t i = 0; i < r.plan.nout; i++)
			json_array_append_new(outs, json_pack("{s:s, s:s, s:s}", "key",
			                      r.plan.outputs[i].key, "label", r.plan.outputs[i].label,
			                      "value", r.plan.outputs[i].value));
		json_t *doc = json_pack("{s:s, s:s, s:o, s:o}", "target",
		                        r.setup.target->name, "install_id",
		                        answers_str_or_default(r.answers, "install.name"),
		                        "actions", arr, "outputs", outs);
		char *text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		printf("%s\n", text);
		free(text);
		json_decref(doc);
	} else if (!rc) {
		printf(_("Plan for %s on %s: %zu actions\n"),
		       answers_str_or_default(r.answers, "install.name"),
		       r.setup.target->name, r.plan.n);
		for (size_t i = 0; i < r.plan.n; i++)
			printf("%3zu. %s\n     %s\n", i + 1, r.plan.actions[i].title,
			       r.plan.actions[i].detail);
	}
	run_free(&r);
	return rc;
}

static int cmd_check(struct opts *o)
{
	struct run r = { .o = o, .evs = events_new() };
	int rc = need_answers(o, &r);
	if (!rc && o->state)
		rc = make_state_dir(&r);
	subscribe_output(&r);
	if (!rc)
		rc = make_setup(&r, true);
	if (!rc)
		rc = open_backend(&r);
	if (!rc)
		rc = run_checks(&r);
	run_free(&r);
	return rc;
}

static int cmd_apply(struct opts *o)
{
	struct run r = { .o = o, .evs = events_new() };
	int rc = need_answers(o, &r);
	if (!rc)
		rc = make_state_dir(&r);
	if (!rc)
		rc = open_log(&r);
	subscribe_output(&r);
	if (!rc)
		rc = make_setup(&r, true);
	if (!rc)
		rc = bind_answers_to_state(&r);
	if (!rc)
		rc = open_journal(&r, r.setup.ops->name,
		                  answers_str_or_default(r.answers, "install.name"));
	if (!rc)
		rc = build_plan(&r);
	if (!rc)
		rc = open_backend(&r);
	if (!rc)
		rc = run_checks(&r);
	if (!rc) {
		if (journal_existed(r.journal))
			events_log(r.evs, NULL, LOG_INFO, _("resuming from %s"),
			           journal_path(r.journal));
		catch_sigint();
		char *cause = NULL;
		struct engine_opts eo = { .interrupt = &interrupt_flag };
		enum engine_rc er = engine_apply(&r.plan, r.journal, r.session, r.evs, &eo, &cause);
		char *ocause = NULL;
		if (outputs_write(r.journal, r.state_dir, &ocause) != 0) {
			errorf("%s", ocause);
			free(ocause);
		}
		rc = engine_exit(er, cause, false, r.state_dir);
		free(cause);
		if (rc == EXIT_OK_ && !o->json)
			printf(_("\nDone. Outputs: %s/%s and %s/%s\n"), r.state_dir, OUTPUTS_MD,
			       r.state_dir, OUTPUTS_JSON);
	}
	run_free(&r);
	return rc;
}

/* Ask the person to type the install name before anything is deleted. */
static bool confirm_destroy(const struct opts *o, const char *install)
{
	if (o->yes)
		return true;
	if (!isatty(STDIN_FILENO)) {
		errorf(_("destroy deletes what this install created; with no terminal to ask, pass --yes"));
		return false;
	}
	fprintf(stderr, _("This deletes every resource install \"%s\" created.\nType the install name to confirm: "),
	        install);
	char line[256];
	if (!fgets(line, sizeof line, stdin))
		return false;
	line[strcspn(line, "\r\n")] = '\0';
	if (strcmp(line, install) != 0) {
		errorf(_("not confirmed; nothing was deleted"));
		return false;
	}
	return true;
}

/* destroy, outputs and bundle start from a state directory. */
static int need_state(struct opts *o, struct run *r)
{
	if (!o->state) {
		errorf(_("this command needs --state DIR (the directory apply wrote)"));
		return EXIT_USAGE;
	}
	r->state_dir = lf_xstrdup(o->state);
	return open_journal(r, NULL, NULL);
}

static int cmd_destroy(struct opts *o)
{
	struct run r = { .o = o, .evs = events_new() };
	int rc = need_state(o, &r);
	if (!rc) {
		char *path = lf_asprintf("%s/answers.yaml", r.state_dir);
		r.answers = load_valid(path);
		free(path);
		if (!r.answers)
			rc = EXIT_ERROR;
	}
	if (!rc) {
		/* The journal knows whether this state was a dry run. */
		o->dry_run = strcmp(journal_backend(r.journal), "dry-run") == 0;
		rc = open_log(&r);
	}
	subscribe_output(&r);
	if (!rc)
		rc = make_setup(&r, true);
	if (!rc && !confirm_destroy(o, journal_install_id(r.journal)))
		rc = EXIT_USAGE;
	if (!rc)
		rc = build_plan(&r);
	if (!rc)
		rc = open_backend(&r);
	if (!rc) {
		catch_sigint();
		char *cause = NULL;
		struct engine_opts eo = { .interrupt = &interrupt_flag };
		enum engine_rc er = engine_destroy(&r.plan, r.journal, r.session, r.evs, &eo, &cause);
		rc = engine_exit(er, cause, true, r.state_dir);
		free(cause);
	}
	run_free(&r);
	return rc;
}

static int cmd_outputs(struct opts *o)
{
	struct run r = { .o = o };
	int rc = need_state(o, &r);
	const char *fmt = o->format ? o->format : o->json ? "json" : "md";
	if (!rc && strcmp(fmt, "json") == 0) {
		json_t *js = outputs_json(r.journal);
		char *text = json_dumps(js, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		printf("%s\n", text);
		free(text);
		json_decref(js);
	} else if (!rc && strcmp(fmt, "md") == 0) {
		char *md = outputs_markdown(r.journal);
		fputs(md, stdout);
		free(md);
	} else if (!rc) {
		errorf(_("--format must be md or json"));
		rc = EXIT_USAGE;
	}
	run_free(&r);
	return rc;
}

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

/* Copy a state file into the bundle directory if it exists. */
static int bundle_copy(const char *from_dir, const char *name, const char *to_dir,
                       struct events *redactor)
{
	char *src = lf_asprintf("%s/%s", from_dir, name);
	char *text = lf_read_file(src, NULL, NULL);
	free(src);
	if (!text)
		return 0;
	char *clean = events_redact(redactor, text);
	char *dst = lf_asprintf("%s/%s", to_dir, name);
	char *cause = NULL;
	int rc = lf_write_file_atomic(dst, clean, strlen(clean), 0600, &cause);
	if (rc)
		errorf("%s", cause);
	free(cause);
	free(dst);
	free(clean);
	free(text);
	return rc;
}

static int cmd_bundle(struct opts *o)
{
	struct run r = { .o = o, .evs = events_new() };
	int rc = need_state(o, &r);
	if (rc) {
		run_free(&r);
		return rc;
	}
	/* Secrets that resolve now are masked too, in case one ever reached
	 * a log line through a path Landfall does not control. */
	char *apath = lf_asprintf("%s/answers.yaml", r.state_dir);
	struct diags d = { 0 };
	r.answers = answers_load(apath, &d);
	diags_clear(&d);
	free(apath);
	if (r.answers) {
		struct setup_opts so = { .resolve_secrets = true };
		char *ignored = NULL;
		if (flow_setup(r.answers, &so, r.evs, &r.setup, &ignored) == 0)
			r.have_setup = true;
		free(ignored);
	}
	char tmpl[] = "/tmp/landfall-bundle.XXXXXX";
	char *tmp = mkdtemp(tmpl);
	char *name = lf_asprintf("landfall-bundle-%s", journal_install_id(r.journal));
	char *dir = tmp ? lf_asprintf("%s/%s", tmp, name) : NULL;
	char *cause = NULL;
	if (!dir || lf_mkdir_p(dir, 0700, &cause) != 0) {
		errorf(_("cannot make a temporary directory: %s"), cause ? cause : strerror(errno));
		rc = EXIT_ERROR;
	}
	static const char *const files[] = { "answers.yaml", "journal.json", "landfall.log",
	                                     "checks.json", "outputs.json", "outputs.md" };
	for (size_t i = 0; !rc && i < LF_ARRAY_LEN(files); i++)
		if (bundle_copy(r.state_dir, files[i], dir, r.evs) != 0)
			rc = EXIT_ERROR;
	if (!rc) {
		char *v = versions_text();
		char *vp = lf_asprintf("%s/versions.txt", dir);
		if (lf_write_file_atomic(vp, v, strlen(v), 0600, &cause) != 0) {
			errorf("%s", cause);
			rc = EXIT_ERROR;
		}
		free(vp);
		free(v);
	}
	char *out = o->output ? lf_xstrdup(o->output)
	                      : lf_asprintf("%s/%s.tar.gz", r.state_dir, name);
	if (!rc) {
		/* tar without a shell: arguments go to execvp as they are. */
		pid_t pid = fork();
		if (pid == 0) {
			execlp("tar", "tar", "-czf", out, "-C", tmp, name, (char *)NULL);
			_exit(127);
		}
		int st = 0;
		if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st)) {
			errorf(_("tar could not write %s"), out);
			rc = EXIT_ERROR;
		} else {
			chmod(out, 0600);
			printf(_("Support bundle: %s\n"), out);
		}
	}
	if (tmp) {
		pid_t pid = fork();
		if (pid == 0) {
			execlp("rm", "rm", "-rf", "--", tmp, (char *)NULL);
			_exit(127);
		}
		if (pid > 0)
			waitpid(pid, NULL, 0);
	}
	free(cause);
	free(out);
	free(dir);
	free(name);
	run_free(&r);
	return rc;
}

/* ---- dispatch --------------------------------------------------------- */

struct command {
	const char *name;
	const char *args;     /* N_() */
	const char *summary;  /* N_() */
	int (*run)(struct opts *o);
};

static const struct command commands[] = {
	{ "validate", N_("FILE"), N_("check an answers file offline"), cmd_validate },
	{ "plan", N_("--answers FILE"), N_("show what apply would do; changes nothing"), cmd_plan },
	{ "check", N_("--answers FILE"), N_("run the live prerequisite checks only"), cmd_check },
	{ "apply", N_("--answers FILE [--state DIR]"), N_("install headless; resumes from the state directory"), cmd_apply },
	{ "destroy", N_("--state DIR [--yes]"), N_("undo what the journal says was created"), cmd_destroy },
	{ "outputs", N_("--state DIR [--format md|json]"), N_("print the recorded outputs"), cmd_outputs },
	{ "bundle", N_("--state DIR [-o FILE]"), N_("write a redacted support bundle (tar.gz)"), cmd_bundle },
};

static void usage(FILE *out)
{
	fprintf(out, _("Usage: landfall [--answers FILE]            start the wizard\n"
	               "       landfall COMMAND [OPTIONS]\n\nCommands:\n"));
	for (size_t i = 0; i < LF_ARRAY_LEN(commands); i++) {
		char *left = lf_asprintf("%s %s", commands[i].name, _(commands[i].args));
		fprintf(out, "  %-40s %s\n", left, _(commands[i].summary));
		free(left);
	}
	fprintf(out, _("\nOptions:\n"
	               "  -a, --answers FILE   the answers file (YAML)\n"
	               "  -s, --state DIR      state directory (default ~/.local/state/landfall/NAME)\n"
	               "      --dry-run        carry out the plan by logging only\n"
	               "      --json           events as JSON, one object per line, on stdout\n"
	               "  -y, --yes            do not ask before destroy\n"
	               "  -f, --format FMT     outputs: md or json\n"
	               "  -o, --output FILE    bundle: where to write the archive\n"
	               "  -h, --help           this help\n"
	               "  -V, --version        the version\n"
	               "\nExit status:\n"
	               "  0 success; 1 unexpected error; 2 usage or invalid answers;\n"
	               "  3 prerequisites failed; 4 apply failed (run again to resume);\n"
	               "  5 destroy incomplete; 130 interrupted (run again to resume)\n"));
}

int cli_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "answers", required_argument, NULL, 'a' },
		{ "state", required_argument, NULL, 's' },
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "json", no_argument, NULL, 'j' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "yes", no_argument, NULL, 'y' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { 0 };
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "a:s:f:o:yhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'a': o.answers = optarg; break;
		case 's': o.state = optarg; break;
		case 'f': o.format = optarg; break;
		case 'o': o.output = optarg; break;
		case 'j': o.json = true; break;
		case 'n': o.dry_run = true; break;
		case 'y': o.yes = true; break;
		case 'h': usage(stdout); return EXIT_OK_;
		case 'V': printf("landfall %s\n", LANDFALL_VERSION); return EXIT_OK_;
		default:
			errorf(_("unknown option %s; see landfall --help"), argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc)
		return wizard_main(o.answers, o.state);
	const char *name = argv[optind];
	o.args = argv + optind + 1;
	o.nargs = argc - optind - 1;
	for (size_t i = 0; i < LF_ARRAY_LEN(commands); i++)
		if (strcmp(commands[i].name, name) == 0) {
			if (o.nargs > 1 || (o.nargs == 1 && strcmp(name, "validate") != 0 &&
			                    o.answers)) {
				errorf(_("%s takes no extra arguments; see landfall --help"), name);
				return EXIT_USAGE;
			}
			return commands[i].run(&o);
		}
	errorf(_("unknown command \"%s\"; see landfall --help"), name);
	return EXIT_USAGE;
}
