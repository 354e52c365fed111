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
#include <termios.h>
#include <unistd.h>


#include "engine.h"
#include "flow.h"
#include "i18n.h"
#include "observers.h"
#include "outputs.h"
#include "session.h"
#include "bundle.h"
#include "wizard.h"
#include "ui.h"

struct opts {
	const char *answers;
	const char *state;
	const char *format;
	const char *output;
	bool json, dry_run, yes;
	bool purge;             /* destroy --purge[=NAME] */
	const char *purge_name; /* NAME, the typed confirmation; may be NULL */
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
	struct answers *a = answers_load_checked(path, &d);
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

static void subscribe_output(struct session *s, const struct opts *o)
{
	if (!s->evs)
		return; /* the session did not get that far */
	if (o->json)
		events_subscribe(s->evs, observer_json, stdout);
	else
		events_subscribe(s->evs, observer_lines, stdout);
}

/* Print the cause of a failed step (if any) and pass the status on. */
static int report(int rc, char *cause)
{
	if (rc && cause)
		errorf("%s", cause);
	free(cause);
	return rc;
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

static struct answers *need_answers(struct opts *o)
{
	if (!o->answers && o->nargs)
		o->answers = o->args[0];
	if (!o->answers) {
		errorf(_("this command needs --answers FILE"));
		return NULL;
	}
	return load_valid(o->answers);
}

static void print_plan_json(const struct session *s)
{
	const struct plan *p = &s->plan;
	json_t *arr = json_array();
	for (size_t i = 0; i < p->n; i++)
		json_array_append_new(arr, json_pack("{s:s, s:s, s:s}", "id", p->actions[i].id,
		                                     "title", p->actions[i].title,
		                                     "detail", p->actions[i].detail));
	json_t *outs = json_array();
	for (size_t i = 0; i < p->nout; i++)
		json_array_append_new(outs, json_pack("{s:s, s:s, s:s}", "key", p->outputs[i].key,
		                                      "label", p->outputs[i].label,
		                                      "value", p->outputs[i].value));
	json_t *doc = json_pack("{s:s, s:s, s:o, s:o}", "target", s->setup.target->name,
	                        "install_id", answers_str_or_default(s->answers, "install.name"),
	                        "actions", arr, "outputs", outs);
	char *text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	printf("%s\n", text);
	free(text);
	json_decref(doc);
}

/* Load the answers and start a session from them, printing its events.
 * The caller frees the session whatever this returns. */
static int open_session(struct opts *o, struct session *s, bool resolve, char **cause)
{
	memset(s, 0, sizeof *s);
	struct answers *a = need_answers(o);
	if (!a)
		return EXIT_USAGE;
	struct setup_opts so = setup_opts_for(o, resolve);
	int rc = session_init(s, a, &so, cause);
	answers_free(a);
	subscribe_output(s, o);
	return rc;
}

static int cmd_plan(struct opts *o)
{
	struct session s;
	char *cause = NULL;
	int rc = open_session(o, &s, false, &cause);
	if (!rc && o->json) {
		print_plan_json(&s);
	} else if (!rc) {
		printf(_("Plan for %s on %s: %zu actions\n"),
		       answers_str_or_default(s.answers, "install.name"),
		       s.setup.target->name, s.plan.n);
		for (size_t i = 0; i < s.plan.n; i++)
			printf("%3zu. %s\n     %s\n", i + 1, s.plan.actions[i].title,
			       s.plan.actions[i].detail);
	}
	session_free(&s);
	return report(rc, cause);
}

static int cmd_check(struct opts *o)
{
	struct session s;
	char *cause = NULL;
	int rc = open_session(o, &s, true, &cause);
	if (!rc && o->state)
		rc = session_use_state(&s, o->state, &cause);
	if (!rc)
		rc = session_connect(&s, &cause);
	if (!rc)
		rc = session_check(&s, &cause);
	session_free(&s);
	return report(rc, cause);
}

static int cmd_apply(struct opts *o)
{
	struct session s;
	char *cause = NULL;
	int rc = open_session(o, &s, true, &cause);
	if (!rc)
		rc = session_use_state(&s, o->state, &cause);
	if (!rc)
		rc = session_connect(&s, &cause);
	if (!rc)
		rc = session_check(&s, &cause);
	if (!rc) {
		catch_sigint();
		rc = session_apply(&s, &interrupt_flag, &cause);
		if (rc == EXIT_OK_ && !o->json)
			printf(_("\nDone. Outputs: %s/%s and %s/%s\n"), s.state_dir, OUTPUTS_MD,
			       s.state_dir, OUTPUTS_JSON);
	}
	session_free(&s);
	return report(rc, cause);
}

/* Ask the person to type the install name before anything is deleted.
 * Purging (deleting the data and backups destroy keeps) always needs the
 * name typed, or given as --purge=NAME: --yes is not enough. */
static bool confirm_destroy(const struct opts *o, const char *install)
{
	if (o->purge && o->purge_name) {
		if (strcmp(o->purge_name, install) == 0)
			return true;
		errorf(_("--purge: the value must be the install name \"%s\", typed out to confirm deleting its data and backups; nothing was deleted"),
		       install);
		return false;
	}
	if (o->yes && !o->purge)
		return true;
	if (!isatty(STDIN_FILENO)) {
		if (o->purge)
			errorf(_("--purge deletes the data and backups of the install; with no terminal to ask, give the install name: --purge=%s"),
			       install);
		else
			errorf(_("destroy deletes what this install created; with no terminal to ask, pass --yes"));
		return false;
	}
	if (o->purge)
		fprintf(stderr, _("This deletes every resource install \"%s\" created, and also its data and backups, which destroy otherwise keeps. They cannot be recovered.\nType the install name to confirm: "),
		        install);
	else
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

static bool need_state(const struct opts *o)
{
	if (!o->state)
		errorf(_("this command needs --state DIR (the directory apply wrote)"));
	return o->state != NULL;
}

static int cmd_destroy(struct opts *o)
{
	if (!need_state(o))
		return EXIT_USAGE;
	struct session s;
	char *cause = NULL;
	struct setup_opts so = setup_opts_for(o, true);
	int rc = session_init_from_state(&s, o->state, &so, &cause);
	subscribe_output(&s, o);
	if (!rc && !confirm_destroy(o, journal_install_id(s.journal)))
		rc = EXIT_USAGE;
	if (!rc)
		rc = session_connect(&s, &cause);
	if (!rc) {
		catch_sigint();
		rc = session_destroy(&s, &interrupt_flag, o->purge, &cause);
	}
	session_free(&s);
	return report(rc, cause);
}

static int cmd_outputs(struct opts *o)
{
	if (!need_state(o))
		return EXIT_USAGE;
	char *cause = NULL;
	struct journal *j = journal_open(o->state, NULL, NULL, &cause);
	if (!j)
		return report(EXIT_ERROR, cause);
	const char *fmt = o->format ? o->format : o->json ? "json" : "md";
	int rc = 0;
	if (strcmp(fmt, "json") == 0) {
		json_t *js = outputs_json(j);
		char *text = json_dumps(js, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		printf("%s\n", text);
		free(text);
		json_decref(js);
	} else if (strcmp(fmt, "md") == 0) {
		char *md = outputs_markdown(j);
		fputs(md, stdout);
		free(md);
	} else {
		errorf(_("--format must be md or json"));
		rc = EXIT_USAGE;
	}
	journal_free(j);
	return rc;
}

static int cmd_bundle(struct opts *o)
{
	if (!need_state(o))
		return EXIT_USAGE;
	char *cause = NULL, *written = NULL;
	int rc = bundle_write(o->state, o->output, &written, &cause);
	if (!rc)
		printf(_("Support bundle: %s\n"), written);
	free(written);
	return report(rc, cause);
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
	{ "destroy", N_("--state DIR [--yes] [--purge[=NAME]]"), N_("undo what the journal says was created"), cmd_destroy },
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
	               "      --purge[=NAME]   destroy: also delete the data and backups it keeps;\n"
	               "                       NAME, the install name, confirms without a terminal\n"
	               "  -f, --format FMT     outputs: md or json\n"
	               "  -o, --output FILE    bundle: where to write the archive\n"
	               "  -h, --help           this help\n"
	               "  -V, --version        the version\n"
	               "\nExit status:\n"
	               "  0 success; 1 unexpected error; 2 usage or invalid answers;\n"
	               "  3 prerequisites failed; 4 apply failed (run again to resume);\n"
	               "  5 destroy incomplete; 130 interrupted (run again to resume)\n"));
	fputs(_("\nWizard options:\n"
	        "      --ascii          draw lines with ASCII characters (+ - |)\n"
	        "  The wizard honours NO_COLOR and works in monochrome terminals.\n"), out);
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
		{ "ascii", no_argument, NULL, 'A' },
		{ "yes", no_argument, NULL, 'y' },
		{ "purge", optional_argument, NULL, 'P' },
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
		case 'A': ui_set_ascii(true); break;
		case 'y': o.yes = true; break;
		case 'P': o.purge = true; o.purge_name = optarg; break;
		case 'h': usage(stdout); return EXIT_OK_;
		case 'V': printf("landfall %s\n", LANDFALL_VERSION); return EXIT_OK_;
		default:
			errorf(_("unknown option %s; see landfall --help"), argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc)
		return wizard_main(&(struct wizard_opts){ o.answers, o.state, o.dry_run });
	const char *name = argv[optind];
	o.args = argv + optind + 1;
	o.nargs = argc - optind - 1;
	for (size_t i = 0; i < LF_ARRAY_LEN(commands); i++)
		if (strcmp(commands[i].name, name) == 0) {
			if (o.purge && strcmp(name, "destroy") != 0) {
				errorf(_("--purge goes with destroy only"));
				return EXIT_USAGE;
			}
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
