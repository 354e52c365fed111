#include "session.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "i18n.h"
#include "outputs.h"

char *session_default_state_dir(const struct answers *a)
{
	const char *name = answers_str_or_default(a, "install.name");
	const char *xdg = getenv("XDG_STATE_HOME");
	if (xdg && *xdg == '/')
		return lf_asprintf("%s/landfall/%s", xdg, name);
	const char *home = getenv("HOME");
	return lf_asprintf("%s/.local/state/landfall/%s", home ? home : ".", name);
}

int session_init(struct session *s, const struct answers *a,
                 const struct setup_opts *so, char **cause)
{
	memset(s, 0, sizeof *s);
	s->evs = events_new();
	s->answers = answers_copy(a);
	if (flow_setup(s->answers, so, s->evs, &s->setup, cause) != 0)
		return EXIT_USAGE;
	s->have_setup = true;
	if (s->setup.ops->plan(s->setup.config, &s->plan, cause) != 0)
		return EXIT_USAGE;
	return 0;
}

int session_init_from_state(struct session *s, const char *state_dir,
                            const struct setup_opts *so_in, char **cause)
{
	/* Cleared first: the caller frees the session whatever happens. */
	memset(s, 0, sizeof *s);
	char *path = lf_asprintf("%s/answers.yaml", state_dir);
	struct diags d = { 0 };
	struct answers *a = answers_load_checked(path, &d);
	int rc = 0;
	if (!a || d.n) {
		char *first = d.n ? diag_format(&d, 0) : lf_xstrdup(path);
		lf_fail(cause, _("%s is missing or damaged: %s"), path, first);
		free(first);
		rc = EXIT_ERROR;
	}
	diags_clear(&d);
	free(path);
	struct journal *j = NULL;
	if (!rc && !(j = journal_open(state_dir, NULL, NULL, cause)))
		rc = EXIT_ERROR;
	if (!rc && !journal_existed(j)) {
		lf_fail(cause, _("%s has no journal: nothing was applied from it"), state_dir);
		rc = EXIT_USAGE;
	}
	if (!rc) {
		struct setup_opts so = *so_in;
		so.dry_run = strcmp(journal_backend(j), "dry-run") == 0;
		rc = session_init(s, a, &so, cause);
	}
	journal_free(j);
	answers_free(a);
	if (!rc)
		rc = session_use_state(s, state_dir, cause);
	return rc;
}

/* A journal describes what one set of answers created: refuse to mix. */
static int bind_answers(struct session *s, char **cause)
{
	char *path = lf_asprintf("%s/answers.yaml", s->state_dir);
	struct stat st;
	int rc = 0;
	if (stat(path, &st) == 0) {
		struct diags d = { 0 };
		struct answers *saved = answers_load(path, &d);
		if (!saved || d.n) {
			lf_fail(cause, _("%s is damaged; restore it or choose another state directory"), path);
			rc = EXIT_ERROR;
		} else if (!answers_equal(saved, s->answers)) {
			lf_fail(cause, _("the answers differ from the ones the state directory %s was created with; apply those, destroy first, or choose another state directory"),
			        s->state_dir);
			rc = EXIT_USAGE;
		}
		answers_free(saved);
		diags_clear(&d);
	} else if (answers_save(s->answers, path, cause) != 0) {
		rc = EXIT_ERROR;
	}
	free(path);
	return rc;
}

int session_use_state(struct session *s, const char *state_dir, char **cause)
{
	s->state_dir = state_dir ? lf_xstrdup(state_dir)
	                         : session_default_state_dir(s->answers);
	if (lf_mkdir_p(s->state_dir, 0700, cause) != 0)
		return EXIT_ERROR;
	/* An existing directory keeps its mode: tighten it. */
	if (chmod(s->state_dir, 0700) != 0) {
		lf_fail(cause, _("cannot restrict %s to its owner: %s"), s->state_dir,
		        strerror(errno));
		return EXIT_ERROR;
	}
	char *log = lf_asprintf("%s/landfall.log", s->state_dir);
	s->log = log_file_open(log, cause);
	free(log);
	if (!s->log)
		return EXIT_ERROR;
	events_subscribe(s->evs, observer_log_file, s->log);
	int rc = bind_answers(s, cause);
	if (rc)
		return rc;
	s->journal = journal_open(s->state_dir, s->setup.ops->name,
	                          answers_str_or_default(s->answers, "install.name"),
	                          cause);
	return s->journal ? 0 : EXIT_ERROR;
}

int session_connect(struct session *s, char **cause)
{
	if (!s->setup.ops->open) {
		lf_fail(cause, _("the %s backend can plan but cannot reach its target in this version yet; use a dry run to rehearse the plan"),
		        s->setup.target->name);
		return EXIT_ERROR;
	}
	char *why = NULL;
	if (s->setup.ops->open(s->setup.config, s->evs, &s->backend, &why) != 0) {
		lf_fail(cause, _("cannot connect: %s"), why);
		free(why);
		return EXIT_PREREQ;
	}
	return 0;
}

int session_check(struct session *s, char **cause)
{
	check_list_clear(&s->checks);
	char *why = NULL;
	if (s->setup.ops->check(s->backend, &s->checks, &why) != 0) {
		lf_fail(cause, _("the checks could not run: %s"), why);
		free(why);
		return EXIT_PREREQ;
	}
	for (size_t i = 0; i < s->checks.n; i++) {
		const struct check_result *c = &s->checks.items[i];
		events_emit(s->evs, &(struct event){
			.kind = EV_CHECK, .action_id = c->id, .title = c->title,
			.status = check_status_name(c->status), .message = c->reason,
			.hint = c->hint });
	}
	if (s->state_dir) {
		json_t *js = check_list_to_json(&s->checks);
		char *text = json_dumps(js, JSON_INDENT(2));
		char *path = lf_asprintf("%s/checks.json", s->state_dir);
		int rc = lf_write_file_atomic(path, text, strlen(text), 0600, cause);
		free(path);
		free(text);
		json_decref(js);
		if (rc != 0)
			return EXIT_ERROR;
	}
	if (check_list_worst(&s->checks) == CHECK_FAILED) {
		lf_fail(cause, _("prerequisite checks failed; fix what is marked failed and run again"));
		return EXIT_PREREQ;
	}
	return 0;
}

static int engine_status(struct session *s, enum engine_rc rc, bool destroying,
                         char **cause)
{
	char *why = cause && *cause ? lf_xstrdup(*cause) : lf_xstrdup("");
	int status = 0;
	switch (rc) {
	case ENGINE_OK:
		break;
	case ENGINE_FAILED:
		lf_fail(cause, _("%s\nThe state is kept in %s: run the same command again to resume."),
		        why, s->state_dir);
		status = destroying ? EXIT_DESTROY_INCOMPLETE : EXIT_APPLY_FAILED;
		break;
	case ENGINE_INCOMPLETE:
		lf_fail(cause, _("%s; see %s/landfall.log, then run destroy again"), why,
		        s->state_dir);
		status = EXIT_DESTROY_INCOMPLETE;
		break;
	case ENGINE_INTERRUPTED:
		lf_fail(cause, _("interrupted; the state is kept in %s: run the same command again to resume"),
		        s->state_dir);
		status = EXIT_INTERRUPTED;
		break;
	case ENGINE_STATE_ERROR:
		lf_fail(cause, _("cannot write the state in %s: %s"), s->state_dir, why);
		status = EXIT_ERROR;
		break;
	}
	free(why);
	return status;
}

int session_apply(struct session *s, volatile sig_atomic_t *interrupt,
                  char **cause)
{
	if (journal_existed(s->journal))
		events_log(s->evs, NULL, LOG_INFO, _("resuming from %s"), journal_path(s->journal));
	struct engine_opts eo = { .interrupt = interrupt };
	enum engine_rc er = engine_apply(&s->plan, s->journal, s->backend, s->evs, &eo, cause);
	char *why = NULL;
	if (outputs_write(s->journal, s->state_dir, &why) != 0) {
		events_log(s->evs, NULL, LOG_ERROR, "%s", why);
		free(why);
	}
	return engine_status(s, er, false, cause);
}

int session_destroy(struct session *s, volatile sig_atomic_t *interrupt, bool purge,
                    char **cause)
{
	struct engine_opts eo = { .interrupt = interrupt, .purge = purge };
	enum engine_rc er = engine_destroy(&s->plan, s->journal, s->backend, s->evs, &eo, cause);
	return engine_status(s, er, true, cause);
}

void session_free(struct session *s)
{
	if (s->backend)
		s->setup.ops->close(s->backend);
	check_list_clear(&s->checks);
	plan_clear(&s->plan);
	journal_free(s->journal);
	if (s->have_setup)
		flow_setup_free(&s->setup);
	log_file_close(s->log);
	events_free(s->evs);
	answers_free(s->answers);
	free(s->state_dir);
	memset(s, 0, sizeof *s);
}
