#include "backend.h"

#include <stdlib.h>
#include <string.h>


void check_list_add(struct check_list *cl, const char *id, const char *title,
                    enum check_status st, const char *reason,
                    const char *hint)
{
	cl->items = lf_xrealloc(cl->items, (cl->n + 1) * sizeof(*cl->items));
	struct check_result *r = &cl->items[cl->n++];
	r->id = lf_xstrdup(id);
	r->title = lf_xstrdup(title);
	r->status = st;
	r->reason = lf_xstrdup(reason);
	r->hint = hint ? lf_xstrdup(hint) : NULL;
}

void check_list_clear(struct check_list *cl)
{
	for (size_t i = 0; i < cl->n; i++) {
		free(cl->items[i].id);
		free(cl->items[i].title);
		free(cl->items[i].reason);
		free(cl->items[i].hint);
	}
	free(cl->items);
	cl->items = NULL;
	cl->n = 0;
}

enum check_status check_list_worst(const struct check_list *cl)
{
	enum check_status worst = CHECK_OK;
	for (size_t i = 0; i < cl->n; i++)
		if (cl->items[i].status > worst)
			worst = cl->items[i].status;
	return worst;
}

const char *check_status_name(enum check_status st)
{
	switch (st) {
	case CHECK_OK: return "ok";
	case CHECK_WARNING: return "warning";
	case CHECK_FAILED: return "failed";
	}
	return "?";
}

json_t *check_list_to_json(const struct check_list *cl)
{
	json_t *arr = json_array();
	for (size_t i = 0; i < cl->n; i++) {
		const struct check_result *r = &cl->items[i];
		json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "id", r->id,
		                      "title", r->title, "status",
		                      check_status_name(r->status), "reason",
		                      r->reason);
		if (r->hint)
			json_object_set_new(o, "hint", json_string(r->hint));
		json_array_append_new(arr, o);
	}
	return arr;
}

struct action *plan_add(struct plan *p, const char *id,
                        const struct action_ops *ops, const char *title,
                        const char *detail)
{
	p->actions = lf_xrealloc(p->actions, (p->n + 1) * sizeof(*p->actions));
	struct action *a = &p->actions[p->n++];
	memset(a, 0, sizeof(*a));
	a->id = lf_xstrdup(id);
	a->ops = ops;
	a->title = lf_xstrdup(title);
	a->detail = lf_xstrdup(detail ? detail : "");
	return a;
}

struct action *plan_addf(struct plan *p, const char *id,
                         const struct action_ops *ops, const char *title,
                         const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *detail = lf_vasprintf(fmt, ap);
	va_end(ap);
	struct action *a = plan_add(p, id, ops, title, detail);
	free(detail);
	return a;
}

void plan_add_output(struct plan *p, const char *key, const char *label,
                     const char *value)
{
	p->outputs = lf_xrealloc(p->outputs, (p->nout + 1) * sizeof(*p->outputs));
	p->outputs[p->nout++] = (struct plan_output){
		lf_xstrdup(key), lf_xstrdup(label), lf_xstrdup(value) };
}

void plan_add_outputf(struct plan *p, const char *key, const char *label,
                      const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *v = lf_vasprintf(fmt, ap);
	va_end(ap);
	plan_add_output(p, key, label, v);
	free(v);
}

void plan_clear(struct plan *p)
{
	for (size_t i = 0; i < p->nout; i++) {
		free(p->outputs[i].key);
		free(p->outputs[i].label);
		free(p->outputs[i].value);
	}
	free(p->outputs);
	p->outputs = NULL;
	p->nout = 0;
	for (size_t i = 0; i < p->n; i++) {
		struct action *a = &p->actions[i];
		free(a->id);
		free(a->title);
		free(a->detail);
		if (a->free_data)
			a->free_data(a->data);
	}
	free(p->actions);
	p->actions = NULL;
	p->n = 0;
}

int plan_find(const struct plan *p, const char *id)
{
	for (size_t i = 0; i < p->n; i++)
		if (strcmp(p->actions[i].id, id) == 0)
			return (int)i;
	return -1;
}
