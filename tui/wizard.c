/* The wizard: welcome, one screen per step that applies to the chosen
 * target, the checks, the review of the plan, the run and the outputs.
 *
 * One loop (wizard_main) draws the current screen from the model, reads
 * a key and hands it to the screen's handler, which only says what should
 * happen next (struct result); apply() alone changes screens. The checks,
 * run and outputs screens are runview's, called from apply(). */
#include "wizard.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../backends/aws/aws.h"
#include "../backends/kubernetes/k8s_client.h"
#include "../backends/kubernetes/kubeconfig.h"
#include "../backends/ubuntu/ssh.h"
#include "answers.h"
#include "cli.h"
#include "flow.h"
#include "form.h"
#include "i18n.h"
#include "runview.h"
#include "session.h"
#include "ui.h"

#define MAX_STEPS 32
#define DEFAULT_SAVE "landfall-answers.yaml"

enum wscreen { SCR_WELCOME, SCR_STEP, SCR_REVIEW, SCR_DONE };

enum act {
	ACT_NONE,      /* nothing changes but the screen's own state */
	ACT_NEXT,
	ACT_BACK,
	ACT_QUIT,
	ACT_SAVE,
	ACT_HELP,
	ACT_JUMP,      /* arg: index in schema_steps() */
	ACT_EDIT,      /* review: choose a step to edit */
	ACT_RUN,
	ACT_NEW,
	ACT_CONTINUE,
	ACT_LOAD,
	ACT_RESUME,
	ACT_REGIONS,   /* the region screen's list of regions */
};

struct result {
	enum act act;
	int arg;
};

struct secret {
	char *path;
	char *value;
};

struct wizard {
	const struct wizard_opts *opts;
	struct answers *a;
	char *saved_yaml;            /* the answers as last loaded or saved */
	char *save_path;
	struct secret *secrets;      /* typed in the wizard; memory only */
	size_t nsecrets;
	unsigned secrets_gen;        /* bumped on every change */
	struct form_secrets fsec;
	bool resuming;               /* ask for secrets the state lacks */

	enum wscreen scr;
	size_t step;                 /* index in schema_steps() */
	struct form *forms[MAX_STEPS];
	bool jump;                   /* a step opened from the review */
	int welcome_sel;
	int review_top;
	char *status;
	enum ui_role status_role;

	/* What AWS said about regions: the F4 list, or one region probed. */
	struct aws_region_info *regions;
	size_t nregions;
	char *regions_from;          /* the profile and endpoint asked */
	bool regions_all;            /* they are the whole list */
	struct region_fetch *fetch;  /* the list being read in the background */
	int tick;                    /* the background spinner's */

	struct session sess;
	bool have_sess;              /* initialised and checked */
	char *sess_yaml;             /* the answers it was built from */
	unsigned sess_gen;

	int exit_code;
};

/* ---- the secret store -------------------------------------------------- */

static void wipe_free(char *s)
{
	if (s) {
		memset(s, 0, strlen(s));
		free(s);
	}
}

static const char *secret_get(void *user, const char *path)
{
	struct wizard *w = user;
	for (size_t i = 0; i < w->nsecrets; i++)
		if (strcmp(w->secrets[i].path, path) == 0)
			return w->secrets[i].value;
	return NULL;
}

static void secret_set(void *user, const char *path, const char *value)
{
	struct wizard *w = user;
	w->secrets_gen++;
	for (size_t i = 0; i < w->nsecrets; i++)
		if (strcmp(w->secrets[i].path, path) == 0) {
			wipe_free(w->secrets[i].value);
			if (value) {
				w->secrets[i].value = lf_xstrdup(value);
			} else {
				free(w->secrets[i].path);
				w->secrets[i] = w->secrets[--w->nsecrets];
			}
			return;
		}
	if (!value)
		return;
	w->secrets = lf_xrealloc(w->secrets, (w->nsecrets + 1) * sizeof *w->secrets);
	w->secrets[w->nsecrets++] = (struct secret){ lf_xstrdup(path), lf_xstrdup(value) };
}

static void secrets_clear(struct wizard *w)
{
	for (size_t i = 0; i < w->nsecrets; i++) {
		free(w->secrets[i].path);
		wipe_free(w->secrets[i].value);
	}
	free(w->secrets);
	w->secrets = NULL;
	w->nsecrets = 0;
	w->secrets_gen++;
}

/* setup_opts.ask_secret: the value typed in a form; when resuming from a
 * state directory (which never holds typed secrets), ask for it. */
static char *ask_secret(const char *path, const char *label, void *user)
{
	struct wizard *w = user;
	const char *v = secret_get(w, path);
	if (v)
		return lf_xstrdup(v);
	if (!w->resuming || !ui_active())
		return NULL;
	char *title = lf_asprintf(_("%s (%s); Enter for none"), label, path);
	char *typed = ui_prompt(title, NULL, true);
	free(title);
	if (typed && *typed) {
		secret_set(w, path, typed);
		return typed;
	}
	wipe_free(typed);
	return NULL;
}

/* ---- answers ------------------------------------------------------------ */

static void set_status(struct wizard *w, enum ui_role role, const char *fmt, ...)
	LF_PRINTF(3, 4);
static void set_status(struct wizard *w, enum ui_role role, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	free(w->status);
	w->status = lf_vasprintf(fmt, ap);
	w->status_role = role;
	va_end(ap);
}

static void forms_free(struct wizard *w)
{
	for (size_t i = 0; i < MAX_STEPS; i++) {
		form_free(w->forms[i]);
		w->forms[i] = NULL;
	}
}

static void forms_commit(struct wizard *w)
{
	for (size_t i = 0; i < MAX_STEPS; i++)
		if (w->forms[i])
			form_commit(w->forms[i]);
}

/* What is saved and what a session is built from: once a target is
 * chosen, only the fields that apply to it, with every default filled in
 * (so a saved file replays exactly, whatever later versions default to),
 * in the canonical shape a file loads back to. */
static struct answers *effective_answers(const struct wizard *w)
{
	struct answers *e = answers_copy(w->a);
	if (answers_target(e)) {
		for (size_t i = 0; i < schema_nfields(); i++) {
			const struct field *f = schema_field(i);
			if (!field_applies(f, e))
				answers_put(e, f->path, NULL);
		}
		answers_apply_defaults(e);
	}
	char *yaml = answers_to_yaml(e);
	struct diags d = { 0 };
	struct answers *c = answers_load_string(yaml, strlen(yaml), NULL, &d);
	diags_clear(&d);
	free(yaml);
	if (c) {
		answers_free(e);
		return c;
	}
	return e;
}

static bool unsaved(const struct wizard *w)
{
	char *now = answers_to_yaml(w->a);
	bool diff = strcmp(now, w->saved_yaml) != 0;
	free(now);
	return diff;
}

static void mark_saved(struct wizard *w)
{
	free(w->saved_yaml);
	w->saved_yaml = answers_to_yaml(w->a);
}

static void replace_answers(struct wizard *w, struct answers *a)
{
	forms_free(w);
	answers_free(w->a);
	w->a = a;
	secrets_clear(w);
	mark_saved(w);
}

/* Load an answers file into the wizard. Every problem is shown with its
 * file:line:col; what loaded is kept. Returns false when nothing could. */
static bool load_answers(struct wizard *w, const char *path)
{
	struct diags d = { 0 };
	struct answers *a = answers_load_checked(path, &d);
	char *text = lf_xstrdup("");
	for (size_t i = 0; i < d.n; i++) {
		char *line = diag_format(&d, i);
		char *n = lf_asprintf("%s%s\n", text, line);
		free(text);
		free(line);
		text = n;
	}
	if (!a) {
		ui_message(_("Cannot load the answers"), text);
	} else {
		replace_answers(w, a);
		free(w->save_path);
		w->save_path = lf_xstrdup(path);
		if (d.n) {
			char *msg = lf_asprintf(_("%s\nThe wizard opens with what loaded; the fields at fault are marked."),
			                        text);
			ui_message(_("Problems in the answers file"), msg);
			free(msg);
			set_status(w, ROLE_WARN, _("Loaded %s with %zu problems."), path, d.n);
		} else {
			set_status(w, ROLE_OK, _("Loaded %s."), path);
		}
	}
	free(text);
	diags_clear(&d);
	return a != NULL;
}

static bool file_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

/* F2: save the answers. Returns true when saved. */
static bool save_answers(struct wizard *w)
{
	forms_commit(w);
	const char *def = w->save_path ? w->save_path : DEFAULT_SAVE;
	char *path = ui_prompt(_("Save the answers to"), def, false);
	if (!path)
		return false;
	if (!*path) {
		free(path);
		return false;
	}
	if (file_exists(path) && (!w->save_path || strcmp(path, w->save_path) != 0)) {
		char *q = lf_asprintf(_("%s exists. Replace it?"), path);
		bool yes = ui_confirm(q);
		free(q);
		if (!yes) {
			free(path);
			return false;
		}
	}
	struct answers *e = effective_answers(w);
	char *cause = NULL;
	bool ok = answers_save(e, path, &cause) == 0;
	answers_free(e);
	if (!ok) {
		ui_message(_("Cannot save the answers"), cause);
		free(cause);
		free(path);
		return false;
	}
	mark_saved(w);
	free(w->save_path);
	w->save_path = path;
	if (w->nsecrets)
		set_status(w, ROLE_WARN,
		           _("Typed secrets are left out (F3 sets a reference). Saved to %s."),
		           path);
	else
		set_status(w, ROLE_OK, _("Saved to %s."), path);
	return true;
}

/* ---- steps -------------------------------------------------------------- */

static const struct step *step_at(size_t i)
{
	size_t n;
	const struct step *const *steps = schema_steps(&n);
	return i < n ? steps[i] : NULL;
}

static size_t nsteps(void)
{
	size_t n;
	schema_steps(&n);
	return n;
}

static bool applies(const struct wizard *w, size_t i)
{
	const struct step *s = step_at(i);
	return s && step_applies(s, w->a);
}

/* Position of step i among those that apply (1-based) and their count. */
static size_t step_number(const struct wizard *w, size_t i, size_t *total)
{
	size_t k = 0, pos = 0;
	for (size_t s = 0; s < nsteps(); s++)
		if (applies(w, s)) {
			k++;
			if (s == i)
				pos = k;
		}
	*total = k;
	return pos;
}

static struct form *form_of(struct wizard *w, size_t i)
{
	if (!w->forms[i])
		w->forms[i] = form_new(step_at(i), w->a, &w->fsec);
	return w->forms[i];
}

static void offer_zones(struct wizard *w, struct form *f);
static void fetch_start(struct wizard *w);

static void show_step(struct wizard *w, size_t i)
{
	w->scr = SCR_STEP;
	w->step = i;
	if (strcmp(step_at(i)->id, "zones") == 0)
		offer_zones(w, form_of(w, i));
	if (strcmp(step_at(i)->id, "region") == 0)
		fetch_start(w);
	form_enter(form_of(w, i));
}

static int last_step(const struct wizard *w)
{
	int last = 0;
	for (size_t s = 0; s < nsteps(); s++)
		if (applies(w, s))
			last = (int)s;
	return last;
}

static int first_step(const struct wizard *w)
{
	for (size_t s = 0; s < nsteps(); s++)
		if (applies(w, s))
			return (int)s;
	return 0;
}

/* The step that holds the field of a diagnostic path ("a.b[0].c"). */
static int step_of_path(const char *path)
{
	char *base = lf_xstrndup(path, strcspn(path, "["));
	const struct field *f = schema_find(base);
	free(base);
	const struct step *s = f ? schema_step_of(f) : NULL;
	for (size_t i = 0; s && i < nsteps(); i++)
		if (step_at(i) == s)
			return (int)i;
	return -1;
}

/* ---- session: checks, run ---------------------------------------------- */

static struct setup_opts setup_opts_for(struct wizard *w)
{
	const char *delay = getenv("LANDFALL_DRYRUN_DELAY_MS");
	return (struct setup_opts){
		.dry_run = w->opts->dry_run,
		.ledger = getenv("LANDFALL_DRYRUN_LEDGER"),
		.fail = getenv("LANDFALL_DRYRUN_FAIL"),
		.delay_ms = delay ? atol(delay) : 0,
		.resolve_secrets = true,
		.ask_secret = ask_secret,
		.ask_user = w,
	};
}

static void drop_session(struct wizard *w)
{
	if (w->have_sess)
		session_free(&w->sess);
	w->have_sess = false;
	free(w->sess_yaml);
	w->sess_yaml = NULL;
}

/* Leave the last step (or a step opened from the review) for the review:
 * every answer valid, a session built from them, the checks passed. When
 * the answers are those the checks already passed with, go straight
 * there. */
static void go_review(struct wizard *w)
{
	forms_commit(w);
	struct answers *e = effective_answers(w);
	struct answers *v = answers_copy(e);
	form_secret_placeholders(v, &w->fsec);
	struct diags d = { 0 };
	answers_validate(v, &d);
	answers_free(v);
	if (d.n) {
		int s = step_of_path(d.items[0].path);
		if (s >= 0) {
			show_step(w, (size_t)s);
			form_validate(form_of(w, (size_t)s));
			form_focus_path(form_of(w, (size_t)s), d.items[0].path);
			char *line = diag_format(&d, 0);
			set_status(w, ROLE_ERROR, _("Fix this first: %s"), line);
			free(line);
		} else {
			char *line = diag_format(&d, 0);
			ui_message(_("The answers are not complete"), line);
			free(line);
		}
		diags_clear(&d);
		answers_free(e);
		return;
	}
	diags_clear(&d);
	char *yaml = answers_to_yaml(e);
	if (w->have_sess && w->sess_gen == w->secrets_gen &&
	    strcmp(yaml, w->sess_yaml) == 0) {
		free(yaml);
		answers_free(e);
		w->scr = SCR_REVIEW;
		return;
	}
	drop_session(w);
	struct setup_opts so = setup_opts_for(w);
	char *cause = NULL;
	int rc = session_init(&w->sess, e, &so, &cause);
	answers_free(e);
	if (rc) {
		session_free(&w->sess);
		free(yaml);
		ui_message(_("The install cannot be prepared"), cause ? cause : "");
		/* A cause naming an answer ("path: why") opens its screen. */
		char *path = cause ? lf_xstrndup(cause, strcspn(cause, ": ")) : NULL;
		int s = path ? step_of_path(path) : -1;
		if (s >= 0) {
			show_step(w, (size_t)s);
			form_focus_path(form_of(w, (size_t)s), path);
			set_status(w, ROLE_ERROR, "%s", cause);
		}
		free(path);
		free(cause);
		return;
	}
	rc = runview_checks(&w->sess);
	if (rc) {
		session_free(&w->sess);
		free(yaml);
		if (rc == EXIT_INTERRUPTED)
			set_status(w, ROLE_WARN, "%s", _("Checks cancelled."));
		else
			set_status(w, ROLE_ERROR, "%s",
			           _("The checks did not pass: fix what they name, then go on again."));
		return;
	}
	w->have_sess = true;
	w->sess_yaml = yaml;
	w->sess_gen = w->secrets_gen;
	w->review_top = 0;
	w->scr = SCR_REVIEW;
}

static void run_install(struct wizard *w)
{
	struct plan *p = &w->sess.plan;
	char *q = lf_asprintf(_("Run the %zu actions on %s now?"), p->n,
	                      w->sess.setup.target->name);
	bool yes = ui_confirm(q);
	free(q);
	if (!yes)
		return;
	char *cause = NULL;
	int rc = session_use_state(&w->sess, w->opts->state_dir, &cause);
	if (rc) {
		ui_message(_("Cannot use the state directory"), cause ? cause : "");
		free(cause);
		drop_session(w);
		show_step(w, (size_t)last_step(w));
		set_status(w, ROLE_ERROR, "%s",
		           _("Nothing ran. Change the install name or the state directory, then go on again."));
		return;
	}
	rc = runview_run(&w->sess, false);
	if (rc == 0)
		runview_outputs(&w->sess);
	w->exit_code = rc;
	w->scr = SCR_DONE;
}

static void resume(struct wizard *w)
{
	char *def;
	const char *xdg = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");
	if (answers_str(w->a, "install.name"))
		def = session_default_state_dir(w->a);
	else if (xdg && *xdg == '/')
		def = lf_asprintf("%s/landfall/", xdg);
	else
		def = lf_asprintf("%s/.local/state/landfall/", home ? home : ".");
	char *dir = ui_prompt(_("Resume from the state directory"), w->opts->state_dir ? w->opts->state_dir : def, false);
	free(def);
	if (!dir)
		return;
	drop_session(w);
	struct setup_opts so = setup_opts_for(w);
	char *cause = NULL;
	w->resuming = true;
	int rc = session_init_from_state(&w->sess, dir, &so, &cause);
	w->resuming = false;
	free(dir);
	if (rc) {
		session_free(&w->sess);
		ui_message(_("Cannot resume"), cause ? cause : "");
		free(cause);
		return;
	}
	rc = runview_checks(&w->sess);
	if (rc == 0) {
		rc = runview_run(&w->sess, false);
		if (rc == 0)
			runview_outputs(&w->sess);
		w->exit_code = rc;
		w->scr = SCR_DONE;
	} else {
		set_status(w, ROLE_ERROR, "%s", _("The checks did not pass; nothing ran."));
	}
	session_free(&w->sess);
}

/* ---- drawing ------------------------------------------------------------ */

static const char *dry_tag(const struct wizard *w)
{
	return w->opts->dry_run ? _("dry run") : "";
}

static void draw_status(const struct wizard *w)
{
	if (!w->status)
		return;
	attrset(ui_attr(w->status_role));
	ui_text(LINES - 2, 1, COLS - 2, w->status, false);
	attrset(A_NORMAL);
}

struct welcome_item {
	enum act act;
	const char *label;
};

static size_t welcome_items(const struct wizard *w, struct welcome_item *it)
{
	size_t n = 0;
	bool have = json_object_size(answers_root(w->a)) > 0;
	if (have)
		it[n++] = (struct welcome_item){ ACT_CONTINUE, _("Continue with the current answers") };
	it[n++] = (struct welcome_item){ ACT_NEW, _("Start a new install") };
	it[n++] = (struct welcome_item){ ACT_LOAD, _("Load an answers file") };
	it[n++] = (struct welcome_item){ ACT_RESUME, _("Resume from a state directory") };
	return n;
}

static void draw_welcome(struct wizard *w)
{
	char *title = lf_asprintf("Landfall %s", LANDFALL_VERSION);
	ui_title(title, dry_tag(w));
	free(title);
	int y = 2;
	y += ui_wrap(y, 2, COLS - 4, 4,
	             _("Landfall installs ClearML Server (apiserver, webserver, fileserver, MongoDB, Elasticsearch and Redis). It asks what it needs screen by screen, checks the prerequisites, shows the plan, and changes nothing before you confirm."));
	y++;
	attrset(A_BOLD);
	ui_text(y++, 2, COLS - 4, _("Have at hand:"), false);
	attrset(A_NORMAL);
	static const struct { const char *name, *needs; } targets[] = {
		{ "aws", N_("AWS credentials (a profile or keys) allowed to create VPC, EC2, load balancer, ACM, Route53, S3 and Backup resources; an EC2 key pair; a domain.") },
		{ "ubuntu", N_("An Ubuntu server reachable over SSH by a user with sudo, its data disks mounted as the guide says; the registry login from ClearML.") },
		{ "kubernetes", N_("A kubeconfig for the cluster with rights to create namespaces, deployments and services; a node for the server.") },
	};
	for (size_t i = 0; i < LF_ARRAY_LEN(targets); i++) {
		attrset(ui_attr(ROLE_LABEL) | A_BOLD);
		ui_text(y, 4, 12, targets[i].name, false);
		attrset(A_NORMAL);
		y += ui_wrap(y, 17, COLS - 19, 3, _(targets[i].needs));
	}
	y++;
	struct welcome_item it[4];
	size_t n = welcome_items(w, it);
	if (w->welcome_sel >= (int)n)
		w->welcome_sel = 0;
	/* The choices always fit: a long text (a translation) gives way. */
	if (y > LINES - 3 - (int)n)
		y = LINES - 3 - (int)n;
	for (int r = y; r < y + (int)n; r++)
		ui_text(r, 0, COLS, "", true);
	for (size_t i = 0; i < n && y < LINES - 2; i++) {
		char *row = lf_asprintf("%s %zu  %s", (int)i == w->welcome_sel ? (ui_utf8() ? "▸" : ">") : " ",
		                        i + 1, it[i].label);
		attrset((int)i == w->welcome_sel ? ui_attr(ROLE_SELECTED) : A_NORMAL);
		ui_text(y++, 4, 50, row, true);
		attrset(A_NORMAL);
		free(row);
	}
	draw_status(w);
	ui_footer(_("Up/Down Choose  Enter Select  F1 Help  F10 Quit"));
}

static void draw_step(struct wizard *w)
{
	const struct step *s = step_at(w->step);
	size_t total, pos = step_number(w, w->step, &total);
	char *title = lf_asprintf(_("Landfall - %s"), _(s->title));
	char *right = *dry_tag(w) ? lf_asprintf(_("Step %zu of %zu, %s"), pos, total, dry_tag(w))
	                          : lf_asprintf(_("Step %zu of %zu"), pos, total);
	if (w->fetch && strcmp(s->id, "region") == 0) {
		char *r2 = lf_asprintf(_("%s Reading the regions  %s"), runview_spinner(w->tick), right);
		free(right);
		right = r2;
	}
	struct form_screen fs = {
		.title = title,
		.right = right,
		.intro = _(s->intro),
		.status = w->status,
		.status_role = w->status_role,
		.footer = strcmp(s->id, "region") == 0
		                  ? (w->jump ? _("F4 Regions  F1 Help  F2 Save  Esc/PgDn Review  F10 Quit")
		                             : _("F4 Regions  F1 Help  F2 Save  Esc Back  PgDn Next  F10 Quit"))
		          : w->jump ? _("F1 Help  F2 Save  Esc/PgDn Review  F10 Quit")
		                    : _("F1 Help  F2 Save  Esc Back  PgDn Next  F10 Quit"),
	};
	form_screen_draw(form_of(w, w->step), &fs);
	free(title);
	free(right);
}

/* The review's text: every action with its detail, wrapped. */
static size_t review_lines(const struct wizard *w, char ***out)
{
	const struct plan *p = &w->sess.plan;
	size_t n = 0, cap = 16;
	char **lines = lf_xmalloc(cap * sizeof *lines);
	for (size_t i = 0; i < p->n; i++) {
		char *head = lf_asprintf("%3zu. %s", i + 1, p->actions[i].title);
		char **dl;
		size_t nd = ui_wrap_split(p->actions[i].detail, COLS - 10, &dl);
		if (n + nd + 1 >= cap) {
			cap = (n + nd + 1) * 2;
			lines = lf_xrealloc(lines, cap * sizeof *lines);
		}
		lines[n++] = head;
		for (size_t k = 0; k < nd; k++) {
			lines[n++] = lf_asprintf("     %s", dl[k]);
		}
		ui_lines_free(dl, nd);
	}
	*out = lines;
	return n;
}

static void draw_review(struct wizard *w)
{
	const struct plan *p = &w->sess.plan;
	ui_title(_("Landfall - Review"), dry_tag(w));
	char *head = lf_asprintf(_("Plan for %s on %s: %zu actions. Nothing has run yet."),
	                         answers_str_or_default(w->sess.answers, "install.name"),
	                         w->sess.setup.target->name, p->n);
	attrset(A_BOLD);
	ui_text(2, 2, COLS - 4, head, false);
	attrset(A_NORMAL);
	free(head);
	char *sd = w->opts->state_dir ? lf_xstrdup(w->opts->state_dir)
	                              : session_default_state_dir(w->sess.answers);
	char *where = lf_asprintf(_("State directory: %s"), sd);
	attrset(ui_attr(ROLE_DIM));
	ui_text(3, 2, COLS - 4, where, false);
	attrset(A_NORMAL);
	free(where);
	free(sd);
	char **lines;
	size_t n = review_lines(w, &lines);
	int top = 5, room = LINES - 3 - top;
	if (w->review_top > (int)n - room)
		w->review_top = (int)n - room;
	if (w->review_top < 0)
		w->review_top = 0;
	for (int i = 0; i < room && w->review_top + i < (int)n; i++) {
		const char *l = lines[w->review_top + i];
		attrset(l[3] == '.' ? A_NORMAL : ui_attr(ROLE_DIM));
		ui_text(top + i, 1, COLS - 2, l, false);
	}
	attrset(ui_attr(ROLE_DIM));
	ui_hline(LINES - 3, 0, COLS);
	if (w->review_top > 0)
		ui_text(top, COLS - 3, 2, ui_utf8() ? "↑" : "^", false);
	if ((int)n - w->review_top > room)
		ui_text(LINES - 4, COLS - 3, 2, ui_utf8() ? "↓" : "v", false);
	attrset(A_NORMAL);
	ui_lines_free(lines, n);
	draw_status(w);
	ui_footer(_("Enter Run  e Edit a step  1-9 Step  s Save  Esc Back  F1 Help  F10 Quit"));
}

static void draw_screen(void *user)
{
	struct wizard *w = user;
	switch (w->scr) {
	case SCR_WELCOME: draw_welcome(w); break;
	case SCR_STEP: draw_step(w); break;
	case SCR_REVIEW: draw_review(w); break;
	case SCR_DONE: break;
	}
}

/* ---- keys --------------------------------------------------------------- */

static struct result key_welcome(struct wizard *w, int k, bool ch)
{
	struct welcome_item it[4];
	int n = (int)welcome_items(w, it);
	if (k == KEY_DOWN || (ch && k == '\t'))
		w->welcome_sel = (w->welcome_sel + 1) % n;
	else if (k == KEY_UP || k == KEY_BTAB)
		w->welcome_sel = (w->welcome_sel + n - 1) % n;
	else if (ui_key_is_enter(k) || k == KEY_NPAGE)
		return (struct result){ it[w->welcome_sel].act, 0 };
	else if (ch && k >= '1' && k < '1' + n)
		return (struct result){ it[k - '1'].act, 0 };
	else if (ch && k == 'q')
		return (struct result){ ACT_QUIT, 0 };
	return (struct result){ ACT_NONE, 0 };
}

static struct result key_step(struct wizard *w, int k, bool ch)
{
	struct form *f = form_of(w, w->step);
	switch (form_key(f, k, ch)) {
	case FORM_HANDLED: return (struct result){ ACT_NONE, 0 };
	case FORM_NEXT: return (struct result){ ACT_NEXT, 0 };
	case FORM_BACK: return (struct result){ ACT_BACK, 0 };
	case FORM_IGNORED: break;
	}
	if (ch && k == 'q' && !form_takes_text(f))
		return (struct result){ ACT_QUIT, 0 };
	if (k == KEY_F(4) && strcmp(step_at(w->step)->id, "region") == 0)
		return (struct result){ ACT_REGIONS, 0 };
	return (struct result){ ACT_NONE, 0 };
}

/* The n-th applicable step (1-based), or -1. */
static int nth_step(const struct wizard *w, int n)
{
	for (size_t s = 0; s < nsteps(); s++)
		if (applies(w, s) && --n == 0)
			return (int)s;
	return -1;
}

static struct result key_review(struct wizard *w, int k, bool ch)
{
	int page = LINES - 8;
	if (ui_key_is_enter(k) || (ch && k == 'r'))
		return (struct result){ ACT_RUN, 0 };
	if (ch && (k == 'e' || k == '\t'))
		return (struct result){ ACT_EDIT, 0 };
	if (ch && k == 's')
		return (struct result){ ACT_SAVE, 0 };
	if (ch && k >= '1' && k <= '9') {
		int s = nth_step(w, k - '0');
		return s >= 0 ? (struct result){ ACT_JUMP, s } : (struct result){ ACT_NONE, 0 };
	}
	if (ch && k == 27)
		return (struct result){ ACT_BACK, 0 };
	if (ch && k == 'q')
		return (struct result){ ACT_QUIT, 0 };
	if (k == KEY_DOWN || (ch && k == 'j'))
		w->review_top++;
	else if (k == KEY_UP || (ch && k == 'k'))
		w->review_top--;
	else if (k == KEY_NPAGE || (ch && k == ' '))
		w->review_top += page;
	else if (k == KEY_PPAGE)
		w->review_top -= page;
	else if (k == KEY_HOME)
		w->review_top = 0;
	else if (k == KEY_END)
		w->review_top = 1 << 20;
	return (struct result){ ACT_NONE, 0 };
}

/* Keys every screen shares, after the screen's own handler. */
static struct result key_global(int k, bool ch)
{
	if (k == KEY_F(1))
		return (struct result){ ACT_HELP, 0 };
	if (k == KEY_F(2) || (ch && k == UI_KEY_CTRL('s')))
		return (struct result){ ACT_SAVE, 0 };
	if (k == KEY_F(10))
		return (struct result){ ACT_QUIT, 0 };
	return (struct result){ ACT_NONE, 0 };
}

static struct result handle_key(struct wizard *w, int k, bool ch)
{
	struct result r = key_global(k, ch);
	if (r.act != ACT_NONE)
		return r;
	switch (w->scr) {
	case SCR_WELCOME: return key_welcome(w, k, ch);
	case SCR_STEP: return key_step(w, k, ch);
	case SCR_REVIEW: return key_review(w, k, ch);
	case SCR_DONE: break;
	}
	return (struct result){ ACT_NONE, 0 };
}

/* ---- what happens next -------------------------------------------------- */

static void show_help(struct wizard *w)
{
	char *text;
	if (w->scr == SCR_STEP) {
		const struct step *s = step_at(w->step);
		const struct field *f = form_focused(form_of(w, w->step));
		char *fh = f ? form_field_help(f, w->a) : lf_xstrdup("");
		text = lf_asprintf("%s\n\n%s\n\n%s\n\n%s", _(s->title), _(s->intro), fh,
		                   _("Keys: Tab/Down and Up move between fields; Enter goes to the next field, and on the last one to the next screen; PgDn next screen; Esc back (nothing typed is lost); F2 or Ctrl-S save the answers; F10 quit; Ctrl-L redraw."));
		free(fh);
	} else if (w->scr == SCR_REVIEW) {
		text = lf_xstrdup(_("The review lists every action of the plan in order. Nothing has run yet.\n\nEnter or r runs the plan (after one more question). e or 1-9 open a step to change it; Esc or PgDn there come back here. s or F2 save the answers: the file replays headless with landfall apply --answers FILE."));
	} else {
		text = lf_xstrdup(_("Start a new install to answer the questions screen by screen, load an answers file saved before (landfall --answers FILE does the same), or resume an install from its state directory.\n\nLandfall works in any terminal of at least 80x24; NO_COLOR=1 turns colours off and --ascii uses plain ASCII lines."));
	}
	ui_pager(_("Help"), text);
	free(text);
}

static void quit(struct wizard *w)
{
	forms_commit(w);
	if (!unsaved(w)) {
		if (ui_confirm(_("Quit Landfall?")))
			w->scr = SCR_DONE;
		return;
	}
	const char *items[] = {
		_("Save the answers, then quit"),
		_("Quit without saving"),
		_("Cancel"),
	};
	switch (ui_menu(_("Quit Landfall? The answers have unsaved changes."), items, 3, 0)) {
	case 0:
		if (save_answers(w))
			w->scr = SCR_DONE;
		break;
	case 1:
		w->scr = SCR_DONE;
		break;
	default:
		break;
	}
}

/* ---- the connection and region screens' live probes ------------------ */

struct probe {
	struct answers *e;     /* the answers so far, effective */
	struct setup setup;    /* from them, secrets unresolved */
	struct ussh *ssh;
	enum ussh_status st;
	char *who;             /* AWS identity */
	struct aws_region_info region;     /* one region's zones */
	struct aws_region_info *regions;   /* every region's */
	size_t nregions;
	struct check_list disks;           /* what the Ubuntu server has */
};

/* The probe's setup from the answers so far (no secret resolved: only the
 * connection's, by the probe itself). 0, or -1 with *cause. */
static int probe_open(struct wizard *w, struct probe *p, char **cause)
{
	forms_commit(w);
	p->e = effective_answers(w);
	struct setup_opts so = { 0 };
	struct events *evs = events_new();
	int rc = flow_setup(p->e, &so, evs, &p->setup, cause);
	events_free(evs);
	return rc;
}

static void regions_forget(struct wizard *w);
static char *regions_key(const struct aws_config *c);

/* A probe with other AWS connection answers than the cached regions'
 * forgets them. */
static void regions_check_key(struct wizard *w, const struct probe *p)
{
	if (!w->regions_from || answers_target(p->e) != TGT_AWS)
		return;
	char *key = regions_key(&p->setup.aws);
	if (strcmp(key, w->regions_from) != 0)
		regions_forget(w);
	free(key);
}

static void probe_close(struct probe *p, bool setup_done)
{
	if (setup_done)
		flow_setup_free(&p->setup);
	ussh_free(p->ssh);
	free(p->who);
	aws_region_info_clear(&p->region);
	aws_regions_free(p->regions, p->nregions);
	check_list_clear(&p->disks);
	answers_free(p->e);
}

/* The AWS answers are cached for: a change of profile or endpoint forgets
 * them. Caller frees. */
static char *regions_key(const struct aws_config *c)
{
	return lf_asprintf("%s|%s", c->profile ? c->profile : "", c->endpoint_url ? c->endpoint_url : "");
}

static void regions_forget(struct wizard *w)
{
	w->regions_all = false;
	aws_regions_free(w->regions, w->nregions);
	w->regions = NULL;
	w->nregions = 0;
	free(w->regions_from);
	w->regions_from = NULL;
}

/* Keep what AWS said about region `r` (taken over), replacing older news. */
static void regions_remember(struct wizard *w, const struct aws_config *c, struct aws_region_info *r)
{
	char *key = regions_key(c);
	if (w->regions_from && strcmp(w->regions_from, key) != 0)
		regions_forget(w);
	free(w->regions_from);
	w->regions_from = key;
	for (size_t i = 0; i < w->nregions; i++)
		if (strcmp(w->regions[i].name, r->name) == 0) {
			aws_region_info_clear(&w->regions[i]);
			w->regions[i] = *r;
			memset(r, 0, sizeof *r);
			return;
		}
	w->regions = lf_xrealloc(w->regions, (w->nregions + 1) * sizeof *w->regions);
	w->regions[w->nregions++] = *r;
	memset(r, 0, sizeof *r);
}

/* What AWS said about `region` (whose zones could be read), or NULL. */
static const struct aws_region_info *region_read(const struct wizard *w, const char *region)
{
	for (size_t i = 0; region && i < w->nregions; i++)
		if (strcmp(w->regions[i].name, region) == 0 && !w->regions[i].error)
			return &w->regions[i];
	return NULL;
}

/* The same, when read with these connection answers. */
static const struct aws_region_info *region_known(const struct wizard *w, const struct aws_config *c,
                                                  const char *region)
{
	char *key = regions_key(c);
	bool same = w->regions_from && strcmp(w->regions_from, key) == 0;
	free(key);
	return same ? region_read(w, region) : NULL;
}

/* The zones screen offers the zones AWS listed for the region chosen (the
 * cache follows the connection answers: leaving the connection screen
 * forgets it when they change). */
static void offer_zones(struct wizard *w, struct form *f)
{
	const struct aws_region_info *r = region_read(w, answers_str_or_default(w->a, "aws.region"));
	if (!r)
		return;
	form_set_zones(f, r->name, r->zones, r->nzones);
	/* Zones chosen before (another region's) are let go, and said so. */
	json_t *cur = answers_get(w->a, "aws.zones");
	json_t *keep = json_array();
	char *dropped = NULL;
	for (size_t i = 0; i < json_array_size(cur); i++) {
		const char *z = json_string_value(json_array_get(cur, i));
		bool listed = false;
		for (size_t k = 0; z && k < r->nzones && !listed; k++)
			listed = strcmp(r->zones[k], z) == 0;
		if (listed) {
			json_array_append_new(keep, json_string(z));
		} else if (z) {
			char *next = lf_asprintf("%s%s%s", dropped ? dropped : "", dropped ? ", " : "", z);
			free(dropped);
			dropped = next;
		}
	}
	if (dropped) {
		answers_put(w->a, "aws.zones", json_array_size(keep) ? json_incref(keep) : NULL);
		set_status(w, ROLE_WARN, _("Unselected, not in %s: %s"), r->name, dropped);
	}
	json_decref(keep);
	free(dropped);
}

/* "a, b, c" for eu-west-1a, eu-west-1b, eu-west-1c (other names in
 * full). Caller frees. */
static char *zone_names(const struct aws_region_info *r)
{
	char *s = lf_xstrdup("");
	size_t rl = strlen(r->name);
	for (size_t i = 0; i < r->nzones; i++) {
		const char *z = r->zones[i];
		if (strncmp(z, r->name, rl) == 0 && z[rl])
			z += rl;
		char *next = lf_asprintf("%s%s%s", s, i ? ", " : "", z);
		free(s);
		s = next;
	}
	return s;
}

static int probe_zones(void *user, char **cause)
{
	struct probe *p = user;
	const struct aws_config *c = &p->setup.aws;
	return aws_region_zones(c->profile, c->endpoint_url, c->region, &p->region, cause);
}

/* A region's available zones, as the AWS guide asks: fewer than 2 refused
 * (the load balancer needs two), fewer than 3 warned. */
static bool region_verdict(struct wizard *w, const struct aws_region_info *r)
{
	char *names = zone_names(r);
	bool ok = true;
	if (r->nzones < 2) {
		char *m = lf_asprintf(
			ngettext("%s has %zu available zone; the load balancer needs at least 2. Choose another region.",
			         "%s has %zu available zones; the load balancer needs at least 2. Choose another region.",
			         r->nzones),
			r->name, r->nzones);
		ui_message(_("Region"), m);
		free(m);
		ok = false;
	} else if (r->nzones < 3) {
		char *q = lf_asprintf(_("%s has only 2 available zones (%s); the guide recommends 3, for high availability later. Use it anyway?"),
		                      r->name, names);
		ok = ui_confirm(q);
		free(q);
	} else {
		set_status(w, ROLE_OK, _("%s: %zu available zones (%s)"), r->name, r->nzones, names);
	}
	free(names);
	return ok;
}

/* The region list, read in the background from when the region screen
 * shows, so that the user can type meanwhile; F4 waits for it. */
struct region_fetch {
	pthread_t tid;
	atomic_bool done;
	atomic_bool stop;
	struct probe p;
	int rc;
	char *cause;
};

static bool fetch_stopped(void *user)
{
	struct region_fetch *f = user;
	return atomic_load(&f->stop);
}

static void *fetch_main(void *arg)
{
	struct region_fetch *f = arg;
	const struct aws_config *c = &f->p.setup.aws;
	f->rc = aws_regions(c->profile, c->endpoint_url, c->region, fetch_stopped, f, &f->p.regions,
	                    &f->p.nregions, &f->cause);
	atomic_store(&f->done, true);
	return NULL;
}

static bool on_region_screen(const struct wizard *w)
{
	return w->scr == SCR_STEP && strcmp(step_at(w->step)->id, "region") == 0;
}

/* Start reading the list unless it is known, being read, or out of reach
 * (a dry run, another target, answers that cannot make a client). */
static void fetch_start(struct wizard *w)
{
	if (w->fetch || w->opts->dry_run || answers_target(w->a) != TGT_AWS)
		return;
	struct region_fetch *f = lf_xcalloc(1, sizeof *f);
	char *cause = NULL;
	bool setup = probe_open(w, &f->p, &cause) == 0;
	free(cause);
	if (setup)
		regions_check_key(w, &f->p);
	if (setup && !w->regions_all) {
		atomic_init(&f->done, false);
		atomic_init(&f->stop, false);
		if (runview_thread(&f->tid, fetch_main, f) == 0) {
			w->fetch = f;
			return;
		}
	}
	probe_close(&f->p, setup);
	free(f);
}

/* Take a finished list in (or wait for it when `wait`). */
static void fetch_collect(struct wizard *w, bool wait)
{
	struct region_fetch *f = w->fetch;
	if (!f || (!wait && !atomic_load(&f->done)))
		return;
	pthread_join(f->tid, NULL);
	w->fetch = NULL;
	if (f->rc == 0) {
		regions_forget(w);
		for (size_t i = 0; i < f->p.nregions; i++)
			regions_remember(w, &f->p.setup.aws, &f->p.regions[i]);
		w->regions_all = true;
		if (on_region_screen(w) && (!w->status || w->status_role == ROLE_OK))
			set_status(w, ROLE_OK,
			           ngettext("%zu region read: F4 lists it with its zones.",
			                    "%zu regions read: F4 lists them with their zones.", w->nregions),
			           w->nregions);
	} else if (on_region_screen(w) && !atomic_load(&f->stop)) {
		set_status(w, ROLE_ERROR, _("The regions cannot be listed: %s (F4 tries again)"),
		           f->cause ? f->cause : "?");
	}
	probe_close(&f->p, true);
	free(f->cause);
	free(f);
}

static void fetch_cancel(struct wizard *w)
{
	if (w->fetch) {
		atomic_store(&w->fetch->stop, true);
		fetch_collect(w, true);
	}
}

/* runview_task's worker while F4 waits for the list. */
static int fetch_wait(void *user, char **cause)
{
	struct region_fetch *f = user;
	(void)cause;
	while (!atomic_load(&f->done) && !runview_task_stopping())
		lf_sleep_ms(50);
	return 0;
}

/* One row of the region list: name, zone count and what it means. */
static char *region_row(const struct aws_region_info *r)
{
	if (r->error)
		return lf_asprintf(_("%-16s  zones unknown: %s"), r->name, r->error);
	char *count = lf_asprintf(ngettext("%zu zone", "%zu zones", r->nzones), r->nzones);
	const char *note = r->nzones < 2   ? _("  (cannot be used: fewer than 2)")
	                   : r->nzones < 3 ? _("  (fewer than 3: warned)")
	                                   : "";
	char *row = lf_asprintf("%-16s  %-9s%s", r->name, count, note);
	free(count);
	return row;
}

/* F4 on the region screen: every region enabled for the account with its
 * zone count, read live (once; then from memory), to pick from. */
static void choose_region(struct wizard *w)
{
	if (w->opts->dry_run) {
		set_status(w, ROLE_WARN, "%s",
		           _("A dry run asks AWS nothing: type the region (its zones are checked in a real run)."));
		return;
	}
	forms_commit(w);
	fetch_start(w);
	if (w->fetch) {
		char *cause = NULL;
		int rc = runview_task(_("Listing the regions and counting their zones"), fetch_wait,
		                      w->fetch, &cause);
		free(cause);
		if (rc == EXIT_INTERRUPTED) {
			set_status(w, ROLE_WARN, "%s",
			           _("Stopped waiting: type the region, or F4 again later."));
			return;
		}
		fetch_collect(w, true);
	}
	if (!w->regions_all) {
		if (!w->status)
			set_status(w, ROLE_ERROR, "%s",
			           _("The regions cannot be listed with these connection answers."));
		return;
	}
	const char *cur = answers_str_or_default(w->a, "aws.region");
	const char **rows = lf_xcalloc(w->nregions + 1, sizeof *rows);
	int initial = 0;
	for (size_t i = 0; i < w->nregions; i++) {
		rows[i] = region_row(&w->regions[i]);
		if (cur && strcmp(cur, w->regions[i].name) == 0)
			initial = (int)i;
	}
	char *title = lf_asprintf(ngettext("%zu region enabled for this account: choose one",
	                                   "%zu regions enabled for this account: choose one",
	                                   w->nregions),
	                          w->nregions);
	int sel = ui_menu(title, rows, (int)w->nregions, initial);
	free(title);
	for (size_t i = 0; i < w->nregions; i++)
		free((char *)rows[i]);
	free(rows);
	if (sel < 0)
		return;
	const struct aws_region_info *r = &w->regions[sel];
	if (r->error) {
		set_status(w, ROLE_ERROR, _("%s: its zones cannot be read (%s); choose another region."),
		           r->name, r->error);
	} else if (region_verdict(w, r)) {
		answers_set_text(w->a, "aws.region", r->name, NULL);
		form_enter(form_of(w, w->step));
		if (r->nzones < 3)
			set_status(w, ROLE_WARN, _("%s: only 2 available zones"), r->name);
	}
}

static int probe_aws(void *user, char **cause)
{
	struct probe *p = user;
	const struct aws_config *c = &p->setup.aws;
	return aws_whoami(c->profile, c->endpoint_url, c->region, &p->who, cause);
}

/* The API server the kubeconfig and context lead to: its version, and
 * where the credentials come from. */
static int probe_k8s(void *user, char **cause)
{
	struct probe *p = user;
	const struct k8s_config *c = &p->setup.k8s;
	struct k8s_client_options o = { .max_attempts = 2, .timeout_ms = 15000 };
	struct k8s_client *kc = NULL;
	if (k8s_client_open(c->kubeconfig, c->context, &o, &kc, cause) != 0)
		return -1;
	char *ver = NULL;
	enum k8s_status st = k8s_version(kc, &ver, NULL, cause);
	if (st == K8S_OK) {
		char *d = kubeconfig_describe(k8s_client_kubeconfig(kc));
		p->who = lf_asprintf(_("Kubernetes %s; %s"), ver, d);
		free(d);
	}
	free(ver);
	k8s_client_free(kc);
	return st == K8S_OK ? 0 : -1;
}

static int probe_ssh(void *user, char **cause)
{
	struct probe *p = user;
	p->st = ussh_connect(p->ssh, cause);
	return p->st == USSH_OK ? 0 : 1;
}

static int probe_accept(void *user, char **cause)
{
	struct probe *p = user;
	p->st = ussh_accept_host_key(p->ssh, cause);
	return p->st == USSH_OK ? 0 : 1;
}

/* A secret of the connection: typed in the wizard, else the answers'
 * reference ({env:}, {file:}). Caller wipes and frees; NULL when unset. */
static char *connection_secret(struct wizard *w, const struct answers *e, const char *path)
{
	const char *typed = secret_get(w, path);
	if (typed)
		return lf_xstrdup(typed);
	char *v = NULL, *cause = NULL;
	if (answers_secret(e, path, &v, &cause) != 0)
		v = NULL;
	free(cause);
	return v;
}

/* "Go on anyway?" after a failed probe: true to leave the screen. */
static bool go_on_anyway(const char *what, const char *cause)
{
	char *q = lf_asprintf(_("%s: %s\n\nGo on anyway? The checks before the install try again."),
	                      what, cause ? cause : "?");
	bool yes = ui_confirm(q);
	free(q);
	return yes;
}

/* The SSH server's host key: known, or shown to be accepted (then recorded
 * in known_hosts and pinned in the answers), or changed and refused. */
static bool probe_ubuntu(struct wizard *w, struct probe *p, const struct answers *e)
{
	const struct ubuntu_config *c = &p->setup.ubuntu;
	char *pw = connection_secret(w, e, "ubuntu.ssh.password");
	struct ussh_options o = { .host = c->host, .port = c->port, .user = c->user,
		                  .identity_file = c->identity_file, .password = pw,
		                  .host_key_sha256 = c->host_key_sha256, .timeout_ms = 15000 };
	p->ssh = ussh_new(&o);
	wipe_free(pw);
	char *cause = NULL;
	int rc = runview_task(_("Connecting over SSH"), probe_ssh, p, &cause);
	bool ok = false;
	if (rc == EXIT_INTERRUPTED) {
		set_status(w, ROLE_WARN, "%s", _("Connection test stopped."));
	} else if (p->st == USSH_OK) {
		set_status(w, ROLE_OK, _("SSH: connected to %s, host key %s"), ussh_target(p->ssh),
		           ussh_fingerprint(p->ssh));
		ok = true;
	} else if (p->st == USSH_ERR_HOSTKEY_UNKNOWN) {
		const char *fp = ussh_fingerprint(p->ssh);
		char *q = lf_asprintf(
			_("%s offers a host key that ~/.ssh/known_hosts does not know:\n\n  %s\n\n"
			  "Compare it with what `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` prints "
			  "on the server. Accept it, record it in known_hosts and pin it in the answers?"),
			ussh_target(p->ssh), fp);
		char *pin = lf_xstrdup(fp);
		if (ui_confirm(q)) {
			free(cause);
			cause = NULL;
			rc = runview_task(_("Recording the host key and logging in"), probe_accept, p,
			                  &cause);
			answers_set_text(w->a, "ubuntu.ssh.host_key", pin, NULL);
			if (p->st == USSH_OK) {
				set_status(w, ROLE_OK, _("SSH: host key %s accepted and pinned; logged in"), pin);
				ok = true;
			} else if (rc != EXIT_INTERRUPTED) {
				ok = go_on_anyway(_("The host key was recorded, but logging in failed"), cause);
			}
		} else {
			set_status(w, ROLE_WARN, "%s",
			           _("The host key was not accepted: Landfall will not connect to this server."));
		}
		free(pin);
		free(q);
	} else if (p->st == USSH_ERR_HOSTKEY_CHANGED || p->st == USSH_ERR_HOSTKEY_PIN) {
		char *m = lf_asprintf(
			_("The server now offers %s, but %s was recorded for it. This is what a "
			  "man-in-the-middle attack looks like; Landfall refuses to connect.\n\nIf the "
			  "server was reinstalled, check the new key on its console, then remove the old "
			  "one with `ssh-keygen -R HOST` (or change the pin in the answers)."),
			ussh_fingerprint(p->ssh) ? ussh_fingerprint(p->ssh) : "?",
			p->st == USSH_ERR_HOSTKEY_PIN ? c->host_key_sha256
			                              : ussh_known_fingerprints(p->ssh)
			                                        ? ussh_known_fingerprints(p->ssh)
			                                        : "?");
		ui_message(_("The host key has changed"), m);
		free(m);
	} else {
		ok = go_on_anyway(_("SSH"), cause);
	}
	free(cause);
	return ok;
}

static int probe_disks(void *user, char **cause)
{
	struct probe *p = user;
	struct events *evs = events_new();
	void *sess = NULL;
	int rc = ubuntu_backend.open(&p->setup.ubuntu, evs, &sess, cause);
	if (rc == 0) {
		ubuntu_disk_checks(sess, &p->disks);
		ubuntu_backend.close(sess);
	}
	events_free(evs);
	return rc;
}

/* Leaving the disks screen of an Ubuntu install: what is mounted where the
 * guide wants its disks, and how large; anything short of the guide is
 * shown and asked about (the checks before the install look again). */
static bool probe_ubuntu_disks(struct wizard *w, struct probe *p)
{
	char *pw = connection_secret(w, p->e, "ubuntu.ssh.password");
	p->setup.ubuntu.password = pw;
	char *cause = NULL;
	int rc = runview_task(_("Looking at the server's disks"), probe_disks, p, &cause);
	p->setup.ubuntu.password = NULL;
	wipe_free(pw);
	bool ok = true;
	if (rc == EXIT_INTERRUPTED) {
		ok = false;
	} else if (rc != 0) {
		ok = go_on_anyway(_("The disks cannot be looked at"), cause);
	} else if (check_list_worst(&p->disks) == CHECK_OK) {
		set_status(w, ROLE_OK, "%s", _("Disks: each where the guide wants it, large enough."));
	} else {
		/* The question first: the list below it may be cut on a small screen. */
		char *text = lf_xstrdup(_("Not every disk on the server is where and as large as the guide wants it. Go on anyway? The checks before the install look again."));
		for (size_t i = 0; i < p->disks.n; i++) {
			const struct check_result *c = &p->disks.items[i];
			if (c->status == CHECK_OK)
				continue;
			char *next = lf_asprintf("%s\n\n%s: %s", text, c->title, c->reason ? c->reason : "");
			free(text);
			text = next;
		}
		ok = ui_confirm(text);
		free(text);
	}
	free(cause);
	return ok;
}

/* Leaving the connection screen: who the AWS credentials are, the SSH
 * server and its host key, or the Kubernetes API server; leaving the
 * region screen: its zones; leaving an Ubuntu install's disks screen: what
 * the server has mounted. Not in a
 * dry run, which reaches nothing. False keeps the user on the screen. */
static bool live_probe(struct wizard *w)
{
	bool region = strcmp(step_at(w->step)->id, "region") == 0;
	bool disks = strcmp(step_at(w->step)->id, "disks") == 0;
	unsigned t = answers_target(w->a);
	if (w->opts->dry_run || !t || (region && t != TGT_AWS) || (disks && t != TGT_UBUNTU))
		return true;
	struct probe p = { 0 };
	char *cause = NULL;
	bool ok = true, setup = probe_open(w, &p, &cause) == 0;
	if (setup)
		regions_check_key(w, &p);
	if (!setup) {
		ok = go_on_anyway(_("The connection cannot be tested"), cause);
	} else if (t == TGT_AWS && region) {
		const struct aws_region_info *known = region_known(w, &p.setup.aws, p.setup.aws.region);
		int rc = known ? 0
		               : runview_task(_("Counting the region's availability zones"), probe_zones,
		                              &p, &cause);
		if (rc == 0 && !known) {
			regions_remember(w, &p.setup.aws, &p.region);
			known = region_known(w, &p.setup.aws, p.setup.aws.region);
		}
		if (known)
			ok = region_verdict(w, known);
		else if (rc != EXIT_INTERRUPTED)
			ok = go_on_anyway(_("Region"), cause);
		else
			ok = false;
	} else if (t == TGT_AWS) {
		int rc = runview_task(_("Asking AWS who these credentials are"), probe_aws, &p, &cause);
		if (rc == 0)
			set_status(w, ROLE_OK, _("AWS: %s"), p.who);
		else if (rc != EXIT_INTERRUPTED)
			ok = go_on_anyway(_("AWS"), cause);
		else
			ok = false;
	} else if (disks) {
		ok = probe_ubuntu_disks(w, &p);
	} else if (t == TGT_K8S) {
		int rc = runview_task(_("Asking the Kubernetes API server"), probe_k8s, &p, &cause);
		if (rc == 0)
			set_status(w, ROLE_OK, "%s", p.who);
		else if (rc != EXIT_INTERRUPTED)
			ok = go_on_anyway(_("Kubernetes"), cause);
		else
			ok = false;
	} else {
		ok = probe_ubuntu(w, &p, p.e);
	}
	probe_close(&p, setup);
	free(cause);
	return ok;
}

static void step_next(struct wizard *w)
{
	struct form *f = form_of(w, w->step);
	size_t bad = form_validate(f);
	if (bad) {
		set_status(w, ROLE_ERROR,
		           ngettext("%zu field needs fixing before going on.",
		                    "%zu fields need fixing before going on.", bad), bad);
		return;
	}
	const char *id = step_at(w->step)->id;
	if ((strcmp(id, "connection") == 0 || strcmp(id, "region") == 0 ||
	     strcmp(id, "disks") == 0) &&
	    !live_probe(w))
		return;
	if (w->jump) {
		go_review(w);
		return;
	}
	for (size_t s = w->step + 1; s < nsteps(); s++)
		if (applies(w, s)) {
			show_step(w, s);
			return;
		}
	go_review(w);
}

static void step_back(struct wizard *w)
{
	if (w->jump) {
		go_review(w);
		return;
	}
	for (size_t s = w->step; s-- > 0;)
		if (applies(w, s)) {
			show_step(w, s);
			return;
		}
	w->scr = SCR_WELCOME;
}

static void edit_step(struct wizard *w)
{
	const char *items[MAX_STEPS];
	int idx[MAX_STEPS], n = 0;
	for (size_t s = 0; s < nsteps() && n < MAX_STEPS; s++)
		if (applies(w, s)) {
			idx[n] = (int)s;
			items[n++] = _(step_at(s)->title);
		}
	int c = ui_menu(_("Edit a step"), items, n, 0);
	if (c >= 0) {
		w->jump = true;
		show_step(w, (size_t)idx[c]);
	}
}

static void apply(struct wizard *w, struct result r)
{
	switch (r.act) {
	case ACT_NONE:
		break;
	case ACT_HELP:
		show_help(w);
		break;
	case ACT_SAVE:
		save_answers(w);
		break;
	case ACT_QUIT:
		quit(w);
		break;
	case ACT_NEXT:
		if (w->scr == SCR_STEP)
			step_next(w);
		break;
	case ACT_BACK:
		if (w->scr == SCR_STEP) {
			step_back(w);
		} else if (w->scr == SCR_REVIEW) {
			w->jump = false;
			show_step(w, (size_t)last_step(w));
		}
		break;
	case ACT_JUMP:
		w->jump = true;
		show_step(w, (size_t)r.arg);
		break;
	case ACT_EDIT:
		edit_step(w);
		break;
	case ACT_RUN:
		run_install(w);
		break;
	case ACT_CONTINUE:
		w->jump = false;
		show_step(w, (size_t)first_step(w));
		break;
	case ACT_NEW:
		if (unsaved(w) && !ui_confirm(_("Start over? The answers given so far are dropped.")))
			break;
		replace_answers(w, answers_new());
		free(w->save_path);
		w->save_path = w->opts->answers_path ? lf_xstrdup(w->opts->answers_path) : NULL;
		w->jump = false;
		show_step(w, (size_t)first_step(w));
		break;
	case ACT_LOAD: {
		char *path = ui_prompt(_("Load answers from"),
		                       w->save_path ? w->save_path : DEFAULT_SAVE, false);
		if (path && *path && load_answers(w, path)) {
			w->jump = false;
			show_step(w, (size_t)first_step(w));
		}
		free(path);
		break;
	}
	case ACT_RESUME:
		resume(w);
		break;
	case ACT_REGIONS:
		choose_region(w);
		break;
	}
}

/* ---- main --------------------------------------------------------------- */

int wizard_main(const struct wizard_opts *o)
{
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, _("landfall: the wizard needs a terminal; for headless runs use a command (landfall --help)\n"));
		return EXIT_USAGE;
	}
	if (nsteps() > MAX_STEPS)
		abort();  /* more steps than forms[]: grow MAX_STEPS */
	struct wizard w = { .opts = o, .a = answers_new() };
	w.fsec = (struct form_secrets){ secret_get, secret_set, &w };
	mark_saved(&w);
	if (ui_init(&(struct ui_opts){ 0 }) != 0) {
		fprintf(stderr, _("landfall: cannot start the terminal interface (is TERM set?)\n"));
		answers_free(w.a);
		free(w.saved_yaml);
		return EXIT_ERROR;
	}
	ui_set_backdrop(draw_screen, &w);
	if (o->answers_path) {
		w.save_path = lf_xstrdup(o->answers_path);
		ui_frame_begin();
		if (!ui_guard_small())
			draw_welcome(&w);
		ui_frame_end();
		load_answers(&w, o->answers_path);
	}
	while (w.scr != SCR_DONE) {
		ui_frame_begin();
		if (!ui_guard_small())
			draw_screen(&w);
		ui_frame_end();
		bool ch;
		int k = ui_getkey_wide(w.fetch ? 120 : -1, &ch);
		if (w.fetch) {
			w.tick++;
			fetch_collect(&w, false);
		}
		if (k == ERR || k == KEY_RESIZE || (ch && k == UI_KEY_CTRL('l')))
			continue;
		free(w.status);
		w.status = NULL;
		if (LINES < UI_MIN_LINES || COLS < UI_MIN_COLS) {
			if ((ch && k == 'q') || k == KEY_F(10))
				w.scr = SCR_DONE;
			continue;
		}
		apply(&w, handle_key(&w, k, ch));
	}
	fetch_cancel(&w);
	ui_set_backdrop(NULL, NULL);
	ui_end();
	drop_session(&w);
	forms_free(&w);
	secrets_clear(&w);
	answers_free(w.a);
	regions_forget(&w);
	free(w.saved_yaml);
	free(w.save_path);
	free(w.status);
	return w.exit_code;
}
