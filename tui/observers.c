#include "observers.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "i18n.h"

void observer_lines(const struct event *ev, void *user)
{
	FILE *out = user;
	const char *msg = ev->message ? ev->message : "";
	switch (ev->kind) {
	case EV_PLAN:
		fprintf(out, ngettext("Plan: %d action\n", "Plan: %d actions\n", ev->total),
		        ev->total);
		break;
	case EV_STARTED:
		fprintf(out, "[%2d/%d] %s%s%s\n", ev->index + 1, ev->total, ev->title,
		        *msg ? ": " : "", msg);
		break;
	case EV_LOG:
		if (ev->level >= LOG_INFO)
			fprintf(out, "        %s%s\n",
			        ev->level == LOG_WARN ? _("warning: ")
			        : ev->level == LOG_ERROR ? _("error: ") : "", msg);
		break;
	case EV_PROGRESS:
		break;
	case EV_DONE:
		fprintf(out, "[%2d/%d] %s: %s\n", ev->index + 1, ev->total, ev->title,
		        strcmp(ev->status, "found") == 0 ? _("already there")
		        : strcmp(ev->status, "skipped") == 0 ? _("done earlier")
		        : strcmp(ev->status, "undone") == 0 ? _("removed")
		        : strcmp(ev->status, "kept") == 0 ? _("kept") : _("done"));
		break;
	case EV_FAILED:
		fprintf(out, "[%2d/%d] %s: %s %s\n", ev->index + 1, ev->total, ev->title,
		        _("FAILED:"), msg);
		if (ev->hint)
			fprintf(out, "        %s %s\n", _("how to fix:"), ev->hint);
		break;
	case EV_CHECK:
		fprintf(out, "  [%-7s] %s: %s\n",
		        strcmp(ev->status, "ok") == 0 ? _("ok")
		        : strcmp(ev->status, "warning") == 0 ? _("warning") : _("FAILED"),
		        ev->title, msg);
		if (ev->hint)
			fprintf(out, "            %s %s\n", _("how to fix:"), ev->hint);
		break;
	case EV_FINISHED:
		break;
	}
	fflush(out);
}

static void set_str(json_t *o, const char *k, const char *v)
{
	if (v)
		json_object_set_new(o, k, json_string(v));
}

void observer_json(const struct event *ev, void *user)
{
	FILE *out = user;
	json_t *o = json_object();
	json_object_set_new(o, "event", json_string(event_kind_name(ev->kind)));
	json_object_set_new(o, "ts_ms", json_integer(ev->ts_ms));
	set_str(o, "action", ev->action_id);
	set_str(o, "title", ev->title);
	if (ev->kind != EV_LOG && ev->kind != EV_CHECK && ev->kind != EV_FINISHED) {
		json_object_set_new(o, "index", json_integer(ev->index));
		json_object_set_new(o, "total", json_integer(ev->total));
	}
	if (ev->attempt)
		json_object_set_new(o, "attempt", json_integer(ev->attempt));
	if (ev->kind == EV_LOG)
		json_object_set_new(o, "level", json_string(log_level_name(ev->level)));
	if (ev->kind == EV_PROGRESS)
		json_object_set_new(o, "fraction", json_real(ev->fraction));
	set_str(o, "status", ev->status);
	set_str(o, "message", ev->message);
	set_str(o, "hint", ev->hint);
	char *line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	fprintf(out, "%s\n", line);
	fflush(out);
	free(line);
	json_decref(o);
}

struct log_file {
	FILE *f;
};

struct log_file *log_file_open(const char *path, char **cause)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd < 0) {
		lf_fail(cause, _("cannot open the log %s: %s"), path, strerror(errno));
		return NULL;
	}
	(void)fchmod(fd, 0600);
	struct log_file *lf = lf_xcalloc(1, sizeof *lf);
	lf->f = fdopen(fd, "a");
	return lf;
}

void log_file_close(struct log_file *lf)
{
	if (!lf)
		return;
	fclose(lf->f);
	free(lf);
}

void observer_log_file(const struct event *ev, void *user)
{
	struct log_file *lf = user;
	time_t t = (time_t)(ev->ts_ms / 1000);
	struct tm tm;
	char ts[32];
	gmtime_r(&t, &tm);
	strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(lf->f, "%s.%03dZ %-8s %-5s %s", ts, (int)(ev->ts_ms % 1000),
	        event_kind_name(ev->kind),
	        ev->kind == EV_LOG ? log_level_name(ev->level) : "",
	        ev->action_id ? ev->action_id : "-");
	if (ev->status)
		fprintf(lf->f, " [%s]", ev->status);
	if (ev->message)
		fprintf(lf->f, " %s", ev->message);
	if (ev->hint)
		fprintf(lf->f, " (hint: %s)", ev->hint);
	fputc('\n', lf->f);
	fflush(lf->f);
}
