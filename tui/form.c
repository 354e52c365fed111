#include "form.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "util.h"
#include "validate.h"

#define LABEL_W 26   /* label column, clipped */
#define ROW_TOGGLE (-1)

enum row_kind { RK_TEXT, RK_SECRET, RK_ENUM, RK_BOOL, RK_PICK, RK_OBJLIST };

struct frow {
	const struct field *f;
	enum row_kind kind;
	char *path;      /* full answers path */
	char *pending;   /* refused text, kept for the user to fix */
	char *error;     /* shown under the row */
};

struct form {
	struct answers *a;
	const struct form_secrets *sec;
	struct frow *rows;
	size_t n;
	bool entry;              /* a form over one entry of a list */
	bool advanced_open;
	int focus;               /* row index or ROW_TOGGLE */
	int edit_row;            /* the row the editor holds, -2 for none */
	struct ui_edit edit;
	int pick;                /* RK_PICK: the item under the cursor */
	char *zones_region;      /* RK_PICK: the region `zones` belong to */
	char **zones;            /* its zones as AWS listed them */
	size_t nzones;
	int scroll;              /* first visual line shown */
};

static const char *const zone_letters = "abcdef";

/* ---- rows and slots ------------------------------------------------------ */

static enum row_kind kind_of(const struct field *f)
{
	switch (f->type) {
	case FT_SECRET: return RK_SECRET;
	case FT_ENUM: return RK_ENUM;
	case FT_BOOL: return RK_BOOL;
	case FT_OBJLIST: return RK_OBJLIST;
	case FT_LIST: return strcmp(f->path, "aws.zones") == 0 ? RK_PICK : RK_TEXT;
	default: return RK_TEXT;
	}
}

static bool row_is_text(const struct frow *r)
{
	return r->kind == RK_TEXT || r->kind == RK_SECRET;
}

static bool row_applies(const struct form *f, const struct frow *r)
{
	return f->entry || field_applies(r->f, f->a);
}

static bool row_advanced(const struct frow *r)
{
	return (r->f->flags & FF_ADVANCED) != 0;
}

/* The advanced rows open by themselves when one holds a value or a
 * problem: nothing the user set is ever hidden. */
static bool advanced_needed(const struct form *f)
{
	for (size_t i = 0; i < f->n; i++) {
		const struct frow *r = &f->rows[i];
		if (row_advanced(r) && row_applies(f, r) &&
		    (r->pending || r->error || answers_get(f->a, r->path)))
			return true;
	}
	return false;
}

/* The focusable slots in screen order: plain rows, the advanced toggle,
 * then the advanced rows when open. Returns the count; slots has room
 * for n + 1. */
static size_t build_slots(struct form *f, int *slots)
{
	size_t k = 0, nadv = 0;
	for (size_t i = 0; i < f->n; i++) {
		if (!row_applies(f, &f->rows[i]))
			continue;
		if (row_advanced(&f->rows[i]))
			nadv++;
		else
			slots[k++] = (int)i;
	}
	if (nadv) {
		if (advanced_needed(f))
			f->advanced_open = true;
		slots[k++] = ROW_TOGGLE;
		if (f->advanced_open)
			for (size_t i = 0; i < f->n; i++)
				if (row_applies(f, &f->rows[i]) && row_advanced(&f->rows[i]))
					slots[k++] = (int)i;
	}
	return k;
}

static int slot_index(const int *slots, size_t n, int row)
{
	for (size_t i = 0; i < n; i++)
		if (slots[i] == row)
			return (int)i;
	return -1;
}

static struct frow *focus_row(struct form *f)
{
	return f->focus >= 0 && (size_t)f->focus < f->n ? &f->rows[f->focus] : NULL;
}

/* ---- values ------------------------------------------------------------- */

static char *row_text(const struct form *f, const struct frow *r)
{
	if (r->pending)
		return lf_xstrdup(r->pending);
	return answers_text(f->a, r->path);
}

static char *trimmed(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return lf_xstrndup(s, n);
}

/* Parse, check and store text for a row. Returns 0 or -1 + *why. */
static int store_text(struct form *f, struct frow *r, const char *text,
                      char **why)
{
	if (!f->entry)
		return answers_set_text(f->a, r->path, text, why);
	if (!*text) {
		answers_put(f->a, r->path, NULL);
		return 0;
	}
	json_t *v = field_parse_text(r->f, text, why);
	if (!v)
		return -1;
	answers_put(f->a, r->path, v);
	return 0;
}

static void set_error(struct frow *r, char *why)
{
	free(r->error);
	r->error = why;
}

/* Load the editor with the focused row's text. */
static void load_edit(struct form *f)
{
	struct frow *r = focus_row(f);
	if (r && row_is_text(r)) {
		char *t = r->kind == RK_SECRET ? NULL : row_text(f, r);
		ui_edit_set(&f->edit, t);
		free(t);
	} else {
		ui_edit_set(&f->edit, NULL);
	}
	f->edit_row = f->focus;
	f->pick = 0;
}

void form_commit(struct form *f)
{
	struct frow *r = focus_row(f);
	if (!r || f->edit_row != f->focus || !row_is_text(r) || !f->edit.changed)
		return;
	f->edit.changed = false;
	if (r->kind == RK_SECRET) {
		/* A typed value replaces a reference; an emptied input forgets
		 * the typed value. Neither ever reaches the tree in clear. */
		if (f->edit.len) {
			f->sec->set(f->sec->user, r->path, f->edit.buf);
			answers_put(f->a, r->path, NULL);
		} else {
			f->sec->set(f->sec->user, r->path, NULL);
		}
		ui_edit_set(&f->edit, NULL);
		set_error(r, NULL);
		return;
	}
	char *text = trimmed(f->edit.buf);
	char *why = NULL;
	if (store_text(f, r, text, &why) == 0) {
		free(r->pending);
		r->pending = NULL;
		set_error(r, NULL);
		free(text);
	} else {
		free(r->pending);
		r->pending = text;
		set_error(r, why);
	}
}

static void move_focus(struct form *f, int row)
{
	form_commit(f);
	f->focus = row;
	load_edit(f);
}

/* Keep the focus on a shown row (answers may have hidden it). */
static void fix_focus(struct form *f, const int *slots, size_t ns)
{
	if (ns == 0 || slot_index(slots, ns, f->focus) >= 0) {
		if (f->edit_row != f->focus)
			load_edit(f);
		return;
	}
	int want = f->focus;
	for (size_t i = 0; i < ns; i++)
		if (slots[i] >= want) {
			f->focus = slots[i];
			load_edit(f);
			return;
		}
	f->focus = slots[ns - 1];
	load_edit(f);
}

/* ---- construction ------------------------------------------------------- */

static struct form *form_alloc(struct answers *a, const struct form_secrets *sec,
                               size_t n)
{
	if (n > 60)
		abort();  /* the slot tables hold 64: grow them */
	struct form *f = lf_xcalloc(1, sizeof *f);
	f->a = a;
	f->sec = sec;
	f->rows = lf_xcalloc(n ? n : 1, sizeof *f->rows);
	f->n = n;
	f->edit_row = -2;
	return f;
}

struct form *form_new(const struct step *s, struct answers *a,
                      const struct form_secrets *sec)
{
	struct form *f = form_alloc(a, sec, s->nfields);
	for (size_t i = 0; i < s->nfields; i++) {
		f->rows[i].f = &s->fields[i];
		f->rows[i].kind = kind_of(&s->fields[i]);
		f->rows[i].path = lf_xstrdup(s->fields[i].path);
	}
	form_enter(f);
	return f;
}

struct form *form_new_entry(const struct field *list, size_t index,
                            struct answers *a, const struct form_secrets *sec)
{
	struct form *f = form_alloc(a, sec, list->nitems);
	f->entry = true;
	for (size_t i = 0; i < list->nitems; i++) {
		f->rows[i].f = &list->items[i];
		f->rows[i].kind = kind_of(&list->items[i]);
		f->rows[i].path = lf_asprintf("%s[%zu].%s", list->path, index,
		                              list->items[i].path);
	}
	form_enter(f);
	return f;
}

void form_free(struct form *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n; i++) {
		free(f->rows[i].path);
		free(f->rows[i].pending);
		free(f->rows[i].error);
	}
	free(f->rows);
	ui_edit_free(&f->edit);
	form_set_zones(f, NULL, NULL, 0);
	free(f);
}

void form_set_zones(struct form *f, const char *region, char *const *zones, size_t n)
{
	for (size_t i = 0; i < f->nzones; i++)
		free(f->zones[i]);
	free(f->zones);
	free(f->zones_region);
	f->zones_region = region ? lf_xstrdup(region) : NULL;
	f->zones = region ? lf_xcalloc(n + 1, sizeof *f->zones) : NULL;
	f->nzones = region ? n : 0;
	for (size_t i = 0; i < f->nzones; i++)
		f->zones[i] = lf_xstrdup(zones[i]);
}

void form_enter(struct form *f)
{
	int slots[64];
	size_t ns = build_slots(f, slots);
	if (f->edit_row == -2 && ns)
		f->focus = slots[0];
	/* A value that loaded but breaks its rule shows the rule at once. */
	for (size_t i = 0; i < f->n; i++) {
		struct frow *r = &f->rows[i];
		if (r->pending || r->kind == RK_SECRET || r->kind == RK_OBJLIST ||
		    !answers_get(f->a, r->path))
			continue;
		char *t = answers_text(f->a, r->path), *why = NULL;
		json_t *v = field_parse_text(r->f, t, &why);
		if (v)
			json_decref(v);
		set_error(r, why);
		free(t);
	}
	load_edit(f);
	fix_focus(f, slots, ns);
}

const struct field *form_focused(const struct form *f)
{
	return f->focus >= 0 && (size_t)f->focus < f->n ? f->rows[f->focus].f : NULL;
}

bool form_takes_text(const struct form *f)
{
	return f->focus >= 0 && (size_t)f->focus < f->n &&
	       row_is_text(&f->rows[f->focus]);
}

/* ---- the zones multi-select ---------------------------------------------- */

/* The choices: the region's zones as AWS listed them (form_set_zones),
 * else its letters a-f; then any chosen zone that is not one of them
 * (another region's, a Local Zone). Caller frees. */
static size_t pick_items(const struct form *f, const struct frow *r,
                         char ***items)
{
	const char *region = answers_str_or_default(f->a, "aws.region");
	char *why = NULL;
	bool region_ok = region && v_aws_region(region, &why) == 0;
	free(why);
	bool listed = region_ok && f->zones_region && strcmp(f->zones_region, region) == 0;
	json_t *cur = answers_get(f->a, r->path);
	size_t n = 0, cap = strlen(zone_letters) + f->nzones + json_array_size(cur) + 1;
	char **v = lf_xcalloc(cap, sizeof *v);
	for (size_t i = 0; listed && i < f->nzones; i++)
		v[n++] = lf_xstrdup(f->zones[i]);
	for (size_t i = 0; region_ok && !listed && zone_letters[i]; i++)
		v[n++] = lf_asprintf("%s%c", region, zone_letters[i]);
	for (size_t i = 0; i < json_array_size(cur); i++) {
		const char *z = json_string_value(json_array_get(cur, i));
		bool seen = false;
		for (size_t k = 0; z && k < n && !seen; k++)
			seen = strcmp(v[k], z) == 0;
		if (z && !seen)
			v[n++] = lf_xstrdup(z);
	}
	*items = v;
	return n;
}

static bool pick_chosen(const struct form *f, const struct frow *r, const char *z)
{
	json_t *cur = answers_get(f->a, r->path);
	for (size_t i = 0; i < json_array_size(cur); i++)
		if (strcmp(json_string_value(json_array_get(cur, i)), z) == 0)
			return true;
	return false;
}

static void pick_toggle(struct form *f, struct frow *r)
{
	char **items;
	size_t n = pick_items(f, r, &items);
	if ((size_t)f->pick >= n) {
		for (size_t i = 0; i < n; i++)
			free(items[i]);
		free(items);
		return;
	}
	json_t *list = json_array();
	for (size_t i = 0; i < n; i++) {
		bool on = pick_chosen(f, r, items[i]);
		if ((int)i == f->pick)
			on = !on;
		if (on)
			json_array_append_new(list, json_string(items[i]));
	}
	for (size_t i = 0; i < n; i++)
		free(items[i]);
	free(items);
	/* Stored as chosen, even below the minimum: Next says what is missing. */
	answers_put(f->a, r->path, json_array_size(list) ? list : NULL);
	if (!json_array_size(list))
		json_decref(list);
	set_error(r, NULL);
}

/* ---- the list of objects (server.admin_users) ----------------------------- */

static json_t *list_of(struct form *f, const struct frow *r, bool create)
{
	json_t *arr = answers_get(f->a, r->path);
	if (!json_is_array(arr) && create) {
		answers_put(f->a, r->path, json_array());
		arr = answers_get(f->a, r->path);
	}
	return json_is_array(arr) ? arr : NULL;
}

/* Secret paths of entry i of a list, for re-keying after a delete. */
static char *entry_secret_path(const struct field *list, size_t i, const struct field *item)
{
	return lf_asprintf("%s[%zu].%s", list->path, i, item->path);
}

static void entry_delete(struct form *f, struct frow *r, size_t idx)
{
	json_t *arr = list_of(f, r, false);
	size_t n = json_array_size(arr);
	if (idx >= n)
		return;
	/* The typed secrets follow their entries down one place. */
	for (size_t k = 0; k < r->f->nitems; k++) {
		const struct field *it = &r->f->items[k];
		if (it->type != FT_SECRET)
			continue;
		for (size_t i = idx; i < n; i++) {
			char *to = entry_secret_path(r->f, i, it);
			char *from = i + 1 < n ? entry_secret_path(r->f, i + 1, it) : NULL;
			const char *v = from ? f->sec->get(f->sec->user, from) : NULL;
			char *copy = v ? lf_xstrdup(v) : NULL;
			f->sec->set(f->sec->user, to, copy);
			if (copy) {
				memset(copy, 0, strlen(copy));
				free(copy);
			}
			free(to);
			free(from);
		}
	}
	json_array_remove(arr, idx);
	if (!json_array_size(arr))
		answers_put(f->a, r->path, NULL);
}

static char *entry_summary(const struct form *f, const struct frow *r, size_t i)
{
	json_t *e = json_array_get(list_of((struct form *)f, r, false), i);
	const char *user = json_string_value(json_object_get(e, "username"));
	const char *name = json_string_value(json_object_get(e, "name"));
	bool admin = json_is_true(json_object_get(e, "admin"));
	char *pw_path = lf_asprintf("%s[%zu].password", r->f->path, i);
	const char *ref;
	enum secret_kind sk = answers_secret_ref(f->a, pw_path, &ref);
	const char *typed = f->sec->get(f->sec->user, pw_path);
	free(pw_path);
	char *pw = sk == SECRET_ENV ? lf_asprintf("{env: %s}", ref)
	         : sk == SECRET_FILE ? lf_asprintf("{file: %s}", ref)
	         : typed ? lf_xstrdup(_("typed"))
	         : lf_xstrdup(_("none"));
	char *s = lf_asprintf("%-14s %-20s %-5s %s", user ? user : "?",
	                      name ? name : "", admin ? _("yes") : _("no"), pw);
	free(pw);
	return s;
}

struct list_view {
	struct form *f;
	struct frow *r;
	int sel;
	const char *status;
};

static void list_draw(void *user)
{
	struct list_view *lv = user;
	struct form *f = lv->f;
	struct frow *r = lv->r;
	char *title = lf_asprintf(_("Landfall - %s"), _(r->f->label));
	ui_title(title, NULL);
	free(title);
	int y = 2;
	y += ui_wrap(y, 2, COLS - 4, 3, _(r->f->help));
	y++;
	json_t *arr = list_of(f, r, false);
	size_t n = json_array_size(arr);
	if (n) {
		/* The columns of entry_summary(), named once. */
		char *head = lf_asprintf("    %-14s %-20s %-5s %s", _("User name"), _("Full name"),
		                         _("Admin"), _("Password"));
		attrset(A_BOLD);
		ui_text(y++, 2, COLS - 4, head, false);
		attrset(A_NORMAL);
		free(head);
	}
	if (!n) {
		attrset(ui_attr(ROLE_DIM));
		ui_text(y, 4, COLS - 8, _("No entries yet: press a to add one."), false);
		attrset(A_NORMAL);
	}
	struct answers *copy = answers_copy(f->a);
	form_secret_placeholders(copy, f->sec);
	struct diags d = { 0 };
	answers_validate(copy, &d);
	for (size_t i = 0; i < n && y < LINES - 4; i++) {
		char *s = entry_summary(f, r, i);
		char *row = lf_asprintf("%2zu. %s", i + 1, s);
		attrset((int)i == lv->sel ? ui_attr(ROLE_SELECTED) : A_NORMAL);
		ui_text(y++, 2, COLS - 4, row, true);
		attrset(A_NORMAL);
		free(row);
		free(s);
		char *prefix = lf_asprintf("%s[%zu].", r->f->path, i);
		for (size_t k = 0; k < d.n && y < LINES - 4; k++)
			if (strncmp(d.items[k].path, prefix, strlen(prefix)) == 0) {
				char *msg = lf_asprintf("%s %s: %s", ui_utf8() ? "✗" : "!",
				                        d.items[k].path + strlen(prefix),
				                        d.items[k].msg);
				attrset(ui_attr(ROLE_ERROR));
				ui_text(y++, 7, COLS - 9, msg, false);
				attrset(A_NORMAL);
				free(msg);
			}
		free(prefix);
	}
	diags_clear(&d);
	answers_free(copy);
	if (lv->status) {
		attrset(ui_attr(ROLE_WARN));
		ui_text(LINES - 2, 1, COLS - 2, lv->status, false);
		attrset(A_NORMAL);
	}
	ui_footer(_("a Add  Enter Edit  d Delete  Up/Down Move  Esc Done"));
}

struct entry_view {
	struct form *ef;
	struct form_screen fs;
};

static void entry_draw(void *user)
{
	struct entry_view *ev = user;
	form_screen_draw(ev->ef, &ev->fs);
}

static void entry_run(struct form *f, struct frow *r, size_t idx)
{
	char *title = lf_asprintf(_("Landfall - %s: entry %zu"), _(r->f->label), idx + 1);
	struct entry_view ev = {
		.ef = form_new_entry(r->f, idx, f->a, f->sec),
		.fs = {
			.title = title,
			.intro = _(r->f->help),
			.footer = _("F1 Help  Enter Next field  Esc Done"),
			.status_role = ROLE_ERROR,
		},
	};
	struct ui_backdrop old = ui_set_backdrop(entry_draw, &ev);
	for (;;) {
		ui_frame_begin();
		if (!ui_guard_small())
			entry_draw(&ev);
		ui_frame_end();
		bool ch;
		int k = ui_getkey_wide(-1, &ch);
		ev.fs.status = NULL;
		if (k == KEY_RESIZE || k == UI_KEY_CTRL('l') || k == ERR)
			continue;
		if (k == KEY_F(1)) {
			const struct field *fl = form_focused(ev.ef);
			char *help = fl ? form_field_help(fl, f->a) : lf_xstrdup(_(r->f->help));
			ui_pager(_("Help"), help);
			free(help);
			continue;
		}
		enum form_result res = form_key(ev.ef, k, ch);
		if (res == FORM_BACK)
			break;
		if (res == FORM_NEXT) {
			if (form_validate(ev.ef) == 0)
				break;
			ev.fs.status = _("Fix the marked fields, or press Esc to finish later.");
		}
	}
	ui_set_backdrop(old.draw, old.user);
	free(title);
	form_free(ev.ef);
}

/* Add an entry and edit it; an entry left empty is dropped again.
 * Returns false when that leaves the list empty. */
static bool entry_add(struct form *f, struct frow *r, struct list_view *lv)
{
	size_t n = json_array_size(list_of(f, r, false));
	if (r->f->max && (long)n >= r->f->max) {
		lv->status = _("The list is full.");
		return true;
	}
	json_array_append_new(list_of(f, r, true), json_object());
	entry_run(f, r, n);
	json_t *e = json_array_get(list_of(f, r, false), n);
	bool typed = false;
	for (size_t k = 0; k < r->f->nitems && !typed; k++)
		if (r->f->items[k].type == FT_SECRET) {
			char *p = entry_secret_path(r->f, n, &r->f->items[k]);
			typed = f->sec->get(f->sec->user, p) != NULL;
			free(p);
		}
	if (e && !json_object_size(e) && !typed) {
		entry_delete(f, r, n);
		return json_array_size(list_of(f, r, false)) > 0;
	}
	lv->sel = (int)n;
	return true;
}

/* The sub-list of an FT_OBJLIST field: its entries, one a line, with add,
 * edit and delete. An empty list starts with adding the first entry. */
static void objlist_run(struct form *f, struct frow *r)
{
	struct list_view lv = { .f = f, .r = r };
	struct ui_backdrop old = ui_set_backdrop(list_draw, &lv);
	bool open = json_array_size(list_of(f, r, false)) > 0 || entry_add(f, r, &lv);
	while (open) {
		ui_frame_begin();
		if (!ui_guard_small())
			list_draw(&lv);
		ui_frame_end();
		bool ch;
		int k = ui_getkey_wide(-1, &ch);
		lv.status = NULL;
		size_t n = json_array_size(list_of(f, r, false));
		if (k == KEY_DOWN && lv.sel + 1 < (int)n) {
			lv.sel++;
		} else if (k == KEY_UP && lv.sel > 0) {
			lv.sel--;
		} else if ((ch && k == 27) || k == KEY_LEFT || (ch && k == 'q')) {
			break;
		} else if ((ch && (k == 'a' || k == '+')) || k == KEY_IC) {
			open = entry_add(f, r, &lv);
		} else if (n && (ui_key_is_enter(k) || (ch && k == 'e') || k == KEY_RIGHT)) {
			entry_run(f, r, (size_t)lv.sel);
		} else if (n && ((ch && k == 'd') || k == KEY_DC)) {
			char *s = entry_summary(f, r, (size_t)lv.sel);
			char *q = lf_asprintf(_("Delete entry %d (%s)?"), lv.sel + 1, s);
			if (ui_confirm(q)) {
				entry_delete(f, r, (size_t)lv.sel);
				if (lv.sel > 0 && lv.sel >= (int)n - 1)
					lv.sel--;
			}
			free(q);
			free(s);
		}
	}
	ui_set_backdrop(old.draw, old.user);
	set_error(r, NULL);
}

/* ---- secret references ---------------------------------------------------- */

/* Read "env:NAME", "{env: NAME}", "file:PATH" or "{file: PATH}". */
static json_t *parse_ref(const char *text, char **why)
{
	char *t = trimmed(text);
	char *s = t;
	size_t n = strlen(s);
	if (n >= 2 && s[0] == '{' && s[n - 1] == '}') {
		s[n - 1] = '\0';
		s++;
	}
	char *colon = strchr(s, ':');
	json_t *v = NULL;
	if (colon) {
		*colon = '\0';
		char *kind = trimmed(s), *val = trimmed(colon + 1);
		if (strcmp(kind, "env") == 0) {
			if (v_env_name(val, why) == 0)
				v = json_pack("{s:s}", "env", val);
		} else if (strcmp(kind, "file") == 0 && *val) {
			v = json_pack("{s:s}", "file", val);
		}
		free(kind);
		free(val);
	}
	if (!v && why && !*why)
		lf_fail(why, _("must be {env: NAME} or {file: PATH}"));
	free(t);
	return v;
}

static void secret_reference(struct form *f, struct frow *r)
{
	const char *ref;
	enum secret_kind k = answers_secret_ref(f->a, r->path, &ref);
	char *init = k == SECRET_ENV ? lf_asprintf("env:%s", ref)
	           : k == SECRET_FILE ? lf_asprintf("file:%s", ref)
	           : lf_xstrdup("env:");
	char *title = lf_asprintf(_("%s: env:NAME or file:PATH"), _(r->f->label));
	char *text = ui_prompt(title, init, false);
	free(title);
	free(init);
	if (!text)
		return;
	char *why = NULL;
	if (!*text) {
		answers_put(f->a, r->path, NULL);
		set_error(r, NULL);
	} else {
		json_t *v = parse_ref(text, &why);
		if (v) {
			answers_put(f->a, r->path, v);
			f->sec->set(f->sec->user, r->path, NULL);
			set_error(r, NULL);
			free(why);
		} else {
			set_error(r, why);
		}
	}
	free(text);
	ui_edit_set(&f->edit, NULL);
}

/* ---- keys ----------------------------------------------------------------- */

static void cycle_enum(struct form *f, struct frow *r, int dir)
{
	const char *cur = answers_str(f->a, r->path);
	if (!cur)
		cur = schema_default(r->f, f->a);
	size_t n = 0, at = 0;
	bool found = false;
	for (; r->f->choices[n]; n++)
		if (cur && strcmp(cur, r->f->choices[n]) == 0) {
			at = n;
			found = true;
		}
	if (!n)
		return;
	size_t next = !found ? (dir > 0 ? 0 : n - 1) : (at + n + (size_t)(dir > 0 ? 1 : n - 1)) % n;
	char *why = NULL;
	if (store_text(f, r, r->f->choices[next], &why) != 0)
		free(why);
	set_error(r, NULL);
}

static void toggle_bool(struct form *f, struct frow *r)
{
	bool cur = f->entry ? json_is_true(answers_get(f->a, r->path))
	                    : answers_bool(f->a, r->path);
	if (f->entry && !answers_get(f->a, r->path)) {
		const char *d = schema_default(r->f, f->a);
		cur = d && strcmp(d, "true") == 0;
	}
	char *why = NULL;
	if (store_text(f, r, cur ? "false" : "true", &why) != 0)
		free(why);
	set_error(r, NULL);
}

enum form_result form_key(struct form *f, int key, bool ch)
{
	int slots[64];
	size_t ns = build_slots(f, slots);
	fix_focus(f, slots, ns);
	if (!ns)
		return key == 27 ? FORM_BACK : ui_key_is_enter(key) || key == KEY_NPAGE
		                               ? FORM_NEXT : FORM_IGNORED;
	int si = slot_index(slots, ns, f->focus);
	bool last = si == (int)ns - 1;
	struct frow *r = focus_row(f);

	/* Moving between fields. */
	if (key == KEY_DOWN || (ch && key == '\t')) {
		if (si + 1 < (int)ns)
			move_focus(f, slots[si + 1]);
		else if (ch && key == '\t')
			move_focus(f, slots[0]);
		return FORM_HANDLED;
	}
	if (key == KEY_UP || key == KEY_BTAB) {
		if (si > 0)
			move_focus(f, slots[si - 1]);
		else if (key == KEY_BTAB)
			move_focus(f, slots[ns - 1]);
		return FORM_HANDLED;
	}
	if (key == KEY_NPAGE) {
		form_commit(f);
		return FORM_NEXT;
	}
	if (ch && key == 27) {
		form_commit(f);
		return FORM_BACK;
	}

	/* The advanced settings row. */
	if (!r) {
		if ((ch && key == ' ') || key == KEY_RIGHT || key == KEY_LEFT) {
			f->advanced_open = key == KEY_LEFT ? false : !f->advanced_open;
			if (advanced_needed(f))
				f->advanced_open = true;
			return FORM_HANDLED;
		}
		if (ui_key_is_enter(key)) {
			if (!f->advanced_open || last)
				return FORM_NEXT;
			move_focus(f, slots[si + 1]);
			return FORM_HANDLED;
		}
		return FORM_IGNORED;
	}

	if (ui_key_is_enter(key)) {
		if (r->kind == RK_OBJLIST) {
			objlist_run(f, r);
			if (!last)
				move_focus(f, slots[si + 1]);
			return FORM_HANDLED;
		}
		form_commit(f);
		if (last)
			return FORM_NEXT;
		/* The commit may have shown or hidden rows. */
		ns = build_slots(f, slots);
		si = slot_index(slots, ns, f->focus);
		if (si >= 0 && si + 1 < (int)ns)
			move_focus(f, slots[si + 1]);
		return FORM_HANDLED;
	}

	switch (r->kind) {
	case RK_SECRET:
		if (key == KEY_F(3) || (ch && key == UI_KEY_CTRL('r'))) {
			secret_reference(f, r);
			return FORM_HANDLED;
		}
		/* fall through */
	case RK_TEXT:
		if (ui_edit_key(&f->edit, key, ch)) {
			if (f->edit.changed && r->kind == RK_TEXT)
				set_error(r, NULL);
			return FORM_HANDLED;
		}
		return FORM_IGNORED;
	case RK_ENUM:
		if (key == KEY_RIGHT || (ch && key == ' ')) {
			cycle_enum(f, r, 1);
			return FORM_HANDLED;
		}
		if (key == KEY_LEFT) {
			cycle_enum(f, r, -1);
			return FORM_HANDLED;
		}
		return FORM_IGNORED;
	case RK_BOOL:
		if (key == KEY_RIGHT || key == KEY_LEFT || (ch && key == ' ')) {
			toggle_bool(f, r);
			return FORM_HANDLED;
		}
		return FORM_IGNORED;
	case RK_PICK: {
		char **items;
		size_t n = pick_items(f, r, &items);
		for (size_t i = 0; i < n; i++)
			free(items[i]);
		free(items);
		if (key == KEY_RIGHT) {
			if (f->pick + 1 < (int)n)
				f->pick++;
			return FORM_HANDLED;
		}
		if (key == KEY_LEFT) {
			if (f->pick > 0)
				f->pick--;
			return FORM_HANDLED;
		}
		if (ch && key == ' ') {
			pick_toggle(f, r);
			return FORM_HANDLED;
		}
		return FORM_IGNORED;
	}
	case RK_OBJLIST:
		if ((ch && key == ' ') || key == KEY_RIGHT) {
			objlist_run(f, r);
			return FORM_HANDLED;
		}
		return FORM_IGNORED;
	}
	return FORM_IGNORED;
}

/* ---- validation ----------------------------------------------------------- */

void form_secret_placeholders(struct answers *a, const struct form_secrets *sec)
{
	for (size_t i = 0; i < schema_nfields(); i++) {
		const struct field *fl = schema_field(i);
		if (fl->type == FT_SECRET) {
			if (!answers_get(a, fl->path) && sec->get(sec->user, fl->path))
				answers_put(a, fl->path, json_pack("{s:s}", "env", "LANDFALL_TYPED_SECRET"));
			continue;
		}
		if (fl->type != FT_OBJLIST)
			continue;
		size_t n = json_array_size(answers_get(a, fl->path));
		for (size_t e = 0; e < n; e++)
			for (size_t k = 0; k < fl->nitems; k++) {
				if (fl->items[k].type != FT_SECRET)
					continue;
				char *p = lf_asprintf("%s[%zu].%s", fl->path, e, fl->items[k].path);
				if (!answers_get(a, p) && sec->get(sec->user, p))
					answers_put(a, p, json_pack("{s:s}", "env", "LANDFALL_TYPED_SECRET"));
				free(p);
			}
	}
}

/* Whether diagnostic path p concerns row r: the same path, or inside it
 * (an entry of a list). */
static bool path_in_row(const char *p, const struct frow *r)
{
	size_t n = strlen(r->path);
	return strncmp(p, r->path, n) == 0 && (p[n] == '\0' || p[n] == '[' || p[n] == '.');
}

/* The message for row r of diagnostic g: an entry's problem names the
 * entry and its field. */
static char *row_message(const struct frow *r, const struct diag *g)
{
	const char *rest = g->path + strlen(r->path);
	if (!*rest || r->kind != RK_OBJLIST)
		return lf_xstrdup(g->msg);
	size_t idx = (size_t)strtoul(rest + 1, NULL, 10);
	const char *key = strchr(rest, '.');
	const char *label = key ? key + 1 : "";
	for (size_t k = 0; key && k < r->f->nitems; k++)
		if (strcmp(r->f->items[k].path, key + 1) == 0)
			label = _(r->f->items[k].label);
	return lf_asprintf(_("entry %zu, %s: %s"), idx + 1, label, g->msg);
}

size_t form_validate(struct form *f)
{
	form_commit(f);
	int slots[64];
	size_t ns = build_slots(f, slots);
	struct answers *copy = answers_copy(f->a);
	if (answers_target(copy))
		answers_apply_defaults(copy);
	form_secret_placeholders(copy, f->sec);
	struct diags d = { 0 };
	/* The rules across fields must block Next on their own screen even
	 * while another screen still holds a problem. */
	if (answers_validate(copy, &d))
		answers_validate_across(copy, &d);
	answers_free(copy);
	size_t bad = 0;
	int first = -2;
	for (size_t s = 0; s < ns; s++) {
		if (slots[s] < 0)
			continue;
		struct frow *r = &f->rows[slots[s]];
		if (!r->pending) {
			char *msg = NULL;
			for (size_t i = 0; i < d.n && !msg; i++)
				if (path_in_row(d.items[i].path, r))
					msg = row_message(r, &d.items[i]);
			set_error(r, msg);
		}
		if (r->error) {
			bad++;
			if (first == -2)
				first = slots[s];
		}
	}
	diags_clear(&d);
	if (first != -2 && first != f->focus) {
		f->focus = first;
		load_edit(f);
	}
	return bad;
}

bool form_focus_path(struct form *f, const char *path)
{
	int slots[64];
	size_t ns = build_slots(f, slots);
	for (size_t s = 0; s < ns; s++)
		if (slots[s] >= 0 && path_in_row(path, &f->rows[slots[s]])) {
			if (row_advanced(&f->rows[slots[s]]))
				f->advanced_open = true;
			move_focus(f, slots[s]);
			return true;
		}
	return false;
}

/* ---- drawing -------------------------------------------------------------- */

static const char *mark_error(void)
{
	return ui_utf8() ? "✗" : "!";
}

/* Lines a row takes: its own, plus up to two for its problem. */
static char **error_lines(const struct frow *r, int width, size_t *n)
{
	char **lines = NULL;
	*n = 0;
	if (!r || !r->error)
		return NULL;
	char *msg = lf_asprintf("%s %s", mark_error(), r->error);
	*n = ui_wrap_split(msg, width, &lines);
	free(msg);
	if (*n > 2) {
		for (size_t i = 2; i < *n; i++)
			free(lines[i]);
		*n = 2;
	}
	return lines;
}

static void draw_default(int y, int x, int w, const char *def)
{
	char *s = lf_asprintf("%s %s", def, _("(default)"));
	attrset(ui_attr(ROLE_DIM));
	ui_text(y, x, w, s, false);
	attrset(A_NORMAL);
	free(s);
}

static void draw_input(struct form *f, struct frow *r, int y, int x, int w,
                       bool focus)
{
	attr_t fa = ui_attr(focus ? ROLE_FIELD_FOCUS : ROLE_FIELD);
	const char *def = f->entry ? r->f->def : schema_default(r->f, f->a);
	switch (r->kind) {
	case RK_TEXT: {
		if (focus) {
			ui_edit_draw(&f->edit, y, x, w, fa, false, true);
			if (!f->edit.len && def) {
				attrset(fa | A_DIM);
				ui_text(y, x, w, def, false);
				attrset(A_NORMAL);
			}
			return;
		}
		char *t = row_text(f, r);
		if (!*t && def) {
			draw_default(y, x, w, def);
		} else if (!*t) {
			attrset(ui_attr(ROLE_DIM));
			ui_text(y, x, w, _("(not set)"), false);
			attrset(A_NORMAL);
		} else {
			attrset(fa);
			ui_text(y, x, w, t, false);
			attrset(A_NORMAL);
		}
		free(t);
		return;
	}
	case RK_SECRET: {
		const char *ref;
		enum secret_kind sk = answers_secret_ref(f->a, r->path, &ref);
		const char *typed = f->sec->get(f->sec->user, r->path);
		char *state = sk == SECRET_ENV ? lf_asprintf("{env: %s}", ref)
		            : sk == SECRET_FILE ? lf_asprintf("{file: %s}", ref)
		            : typed ? lf_asprintf("******** %s", _("(typed, kept in memory only)"))
		            : NULL;
		if (focus && f->edit.changed) {
			ui_edit_draw(&f->edit, y, x, w, fa, true, true);
		} else if (focus) {
			ui_edit_draw(&f->edit, y, x, w, fa, true, true);
			attrset(fa | A_DIM);
			ui_text(y, x, w, state ? state : _("type it, or F3 for {env:} / {file:}"), false);
			attrset(A_NORMAL);
		} else if (state) {
			attrset(fa);
			ui_text(y, x, w, state, false);
			attrset(A_NORMAL);
		} else {
			attrset(ui_attr(ROLE_DIM));
			ui_text(y, x, w, _("(not set)"), false);
			attrset(A_NORMAL);
		}
		free(state);
		return;
	}
	case RK_ENUM: {
		const char *cur = answers_str(f->a, r->path);
		bool dflt = !cur;
		if (!cur)
			cur = def;
		int used = 0;
		move(y, x);
		for (size_t i = 0; r->f->choices[i] && used < w; i++) {
			bool on = cur && strcmp(cur, r->f->choices[i]) == 0;
			char *s = lf_asprintf("(%c) %s", on ? '*' : ' ', r->f->choices[i]);
			attrset(focus && on ? fa : dflt ? ui_attr(ROLE_DIM) : A_NORMAL);
			used += ui_text(y, x + used, w - used, s, false);
			attrset(A_NORMAL);
			used += ui_text(y, x + used, w - used, "  ", false);
			free(s);
		}
		if (dflt && cur)
			ui_text(y, x + used, w - used, "", false);
		if (focus && !cur) {
			attrset(fa);
			ui_text(y, x + used, w - used, _("choose with Left/Right"), false);
			attrset(A_NORMAL);
		}
		return;
	}
	case RK_BOOL: {
		json_t *v = answers_get(f->a, r->path);
		bool on = v ? json_is_true(v) : (def && strcmp(def, "true") == 0);
		char *s = lf_asprintf("[%c] %s", on ? 'x' : ' ', on ? _("yes") : _("no"));
		if (!v && !focus) {
			draw_default(y, x, w, s);
		} else {
			attrset(focus ? fa : A_NORMAL);
			ui_text(y, x, ui_width(s), s, false);
			attrset(A_NORMAL);
		}
		free(s);
		return;
	}
	case RK_PICK: {
		char **items;
		size_t n = pick_items(f, r, &items);
		const char *region = answers_str_or_default(f->a, "aws.region");
		size_t rl = region ? strlen(region) : 0;
		int used = 0;
		for (size_t i = 0; i < n && used < w; i++) {
			bool on = pick_chosen(f, r, items[i]);
			/* The region's own zones by their letter; others in full. */
			const char *name = rl && strncmp(items[i], region, rl) == 0 &&
			                   strlen(items[i]) == rl + 1 ? items[i] + rl : items[i];
			char *s = lf_asprintf("[%c]%s", on ? 'x' : ' ', name);
			attrset(focus && (int)i == f->pick ? fa : A_NORMAL);
			used += ui_text(y, x + used, w - used, s, false);
			attrset(A_NORMAL);
			used += ui_text(y, x + used, w - used, " ", false);
			free(s);
			free(items[i]);
		}
		free(items);
		if (!n) {
			attrset(ui_attr(ROLE_DIM));
			ui_text(y, x, w, _("set a valid region first"), false);
			attrset(A_NORMAL);
		} else if (rl && used < w) {
			char *s = lf_asprintf("(%s)", region);
			attrset(ui_attr(ROLE_DIM));
			ui_text(y, x + used, w - used, s, false);
			attrset(A_NORMAL);
			free(s);
		}
		return;
	}
	case RK_OBJLIST: {
		json_t *arr = list_of(f, r, false);
		size_t n = json_array_size(arr);
		char *s = lf_xstrdup("");
		for (size_t i = 0; i < n; i++) {
			json_t *e = json_array_get(arr, i);
			const char *u = json_string_value(json_object_get(e, "username"));
			char *ns = lf_asprintf("%s%s%s%s", s, i ? ", " : "", u ? u : "?",
			                       json_is_true(json_object_get(e, "admin"))
			                       ? _(" (admin)") : "");
			free(s);
			s = ns;
		}
		char *line = n ? lf_asprintf("%s  [%s]", s, _("Enter: edit"))
		               : lf_asprintf("%s", _("none yet [Enter: add]"));
		attrset(focus ? fa : n ? A_NORMAL : ui_attr(ROLE_DIM));
		ui_text(y, x, w, line, false);
		attrset(A_NORMAL);
		free(line);
		free(s);
		return;
	}
	}
}

/* Draw the rows between lines y0 and y1 (exclusive). */
static void form_draw_rows(struct form *f, int y0, int y1, int width)
{
	int slots[64];
	size_t ns = build_slots(f, slots);
	fix_focus(f, slots, ns);
	int lw = LABEL_W;
	if (width < 60)
		lw = width / 3;
	int ix = 2 + lw + 2, iw = width - ix - 1;
	int ew = width - 6;
	/* Visual lines of every slot, to scroll the focus into view. */
	int heights[64], starts[64], total = 0, fstart = 0, fheight = 1;
	for (size_t s = 0; s < ns; s++) {
		size_t ne = 0;
		char **el = error_lines(slots[s] >= 0 ? &f->rows[slots[s]] : NULL, ew, &ne);
		ui_lines_free(el, ne);
		heights[s] = 1 + (int)ne;
		starts[s] = total;
		total += heights[s];
		if (slots[s] == f->focus) {
			fstart = starts[s];
			fheight = heights[s];
		}
	}
	int room = y1 - y0;
	if (fstart < f->scroll)
		f->scroll = fstart;
	if (fstart + fheight > f->scroll + room)
		f->scroll = fstart + fheight - room;
	if (f->scroll > total - room)
		f->scroll = total - room;
	if (f->scroll < 0)
		f->scroll = 0;
	for (size_t s = 0; s < ns; s++) {
		int y = y0 + starts[s] - f->scroll;
		if (y + heights[s] <= y0 || y >= y1)
			continue;
		bool focus = slots[s] == f->focus;
		if (slots[s] == ROW_TOGGLE) {
			if (y < y0)
				continue;
			int nadv = 0;
			for (size_t i = 0; i < f->n; i++)
				nadv += row_applies(f, &f->rows[i]) && row_advanced(&f->rows[i]);
			char *t = lf_asprintf(f->advanced_open ? _("[-] Advanced settings (%d)")
			                                       : _("[+] Advanced settings (%d)"), nadv);
			attrset(focus ? ui_attr(ROLE_FIELD_FOCUS) : ui_attr(ROLE_LABEL));
			ui_text(y, 2, width - 4, t, false);
			attrset(A_NORMAL);
			free(t);
			continue;
		}
		struct frow *r = &f->rows[slots[s]];
		if (y >= y0) {
			bool req = (r->f->flags & FF_REQUIRED) != 0 &&
			           !(f->entry ? r->f->def : schema_default(r->f, f->a));
			char *label = lf_asprintf("%s%s", _(r->f->label), req ? " *" : "");
			attrset(ui_attr(ROLE_LABEL) | (focus ? A_BOLD : 0));
			if (focus)
				ui_text(y, 0, 2, ui_utf8() ? "▸ " : "> ", false);
			ui_text(y, 2, lw, label, false);
			attrset(A_NORMAL);
			free(label);
			draw_input(f, r, y, ix, iw, focus);
		}
		size_t ne = 0;
		char **el = error_lines(r, ew, &ne);
		attrset(ui_attr(ROLE_ERROR));
		for (size_t i = 0; i < ne; i++)
			if (y + 1 + (int)i >= y0 && y + 1 + (int)i < y1)
				ui_text(y + 1 + (int)i, 4, ew, el[i], false);
		attrset(A_NORMAL);
		ui_lines_free(el, ne);
	}
	attrset(ui_attr(ROLE_DIM));
	if (f->scroll > 0)
		ui_text(y0, width - 3, 2, ui_utf8() ? "↑" : "^", false);
	if (total - f->scroll > room)
		ui_text(y1 - 1, width - 3, 2, ui_utf8() ? "↓" : "v", false);
	attrset(A_NORMAL);
}

static const char *focus_keys(const struct form *f)
{
	if (f->focus == ROW_TOGGLE)
		return _("Space Show/hide");
	const struct frow *r = f->focus >= 0 && (size_t)f->focus < f->n ? &f->rows[f->focus] : NULL;
	if (!r)
		return "";
	switch (r->kind) {
	case RK_ENUM: return _("Left/Right Choose");
	case RK_BOOL: return _("Space Toggle");
	case RK_PICK: return _("Left/Right Move  Space Pick");
	case RK_OBJLIST: return _("Enter Edit list");
	case RK_SECRET: return _("F3 Reference");
	default: return "";
	}
}

void form_screen_draw(struct form *f, const struct form_screen *fs)
{
	ui_title(fs->title, fs->right);
	int y = 2;
	if (fs->intro && *fs->intro) {
		attrset(ui_attr(ROLE_NORMAL));
		y += ui_wrap(y, 2, COLS - 4, 2, fs->intro);
		y++;
	}
	int bottom = LINES - 6;
	form_draw_rows(f, y, bottom, COLS);
	/* Keep the terminal cursor where the row put it: the help below is
	 * drawn after, so remember it now. */
	attrset(ui_attr(ROLE_DIM));
	ui_hline(bottom, 0, COLS);
	attrset(A_NORMAL);
	const struct field *fl = form_focused(f);
	const char *help = fl ? _(fl->help)
	                      : _("Settings most installs keep at their defaults: Space shows them.");
	attrset(ui_attr(ROLE_HELP));
	ui_wrap(bottom + 1, 1, COLS - 2, 3, help);
	attrset(A_NORMAL);
	if (fs->status) {
		attrset(ui_attr(fs->status_role));
		ui_text(LINES - 2, 1, COLS - 2, fs->status, false);
		attrset(A_NORMAL);
	}
	const char *fk = focus_keys(f);
	char *keys = *fk ? lf_asprintf("%s  %s", fk, fs->footer) : lf_xstrdup(fs->footer);
	ui_footer(keys);
	free(keys);
}

char *form_field_help(const struct field *fl, const struct answers *a)
{
	char *s = lf_asprintf("%s (%s)\n\n%s", _(fl->label), fl->path, _(fl->help));
	const char *def = schema_default(fl, a);
	char *extra = NULL;
	if (fl->type == FT_ENUM) {
		char *c = lf_xstrdup("");
		for (size_t i = 0; fl->choices[i]; i++) {
			char *n = lf_asprintf("%s%s%s", c, i ? ", " : "", fl->choices[i]);
			free(c);
			c = n;
		}
		extra = lf_asprintf(_("Choices: %s"), c);
		free(c);
	} else if (fl->type == FT_INT) {
		extra = lf_asprintf(_("Range: %ld to %ld"), fl->min, fl->max);
	} else if (fl->type == FT_LIST) {
		extra = lf_asprintf(_("A list: separate entries with commas (%ld to %ld entries)."),
		                    fl->min, fl->max);
	} else if (fl->type == FT_SECRET) {
		extra = lf_xstrdup(_("Typed values stay in memory for this run only and are never saved. F3 sets a reference instead ({env: NAME} or {file: PATH}), which is saved and replays headless."));
	}
	char *n = lf_asprintf("%s%s%s%s%s%s", s, def ? "\n\n" : "",
	                      def ? _("Default: ") : "", def ? def : "",
	                      extra ? "\n\n" : "", extra ? extra : "");
	free(s);
	free(extra);
	if (fl->flags & FF_REQUIRED) {
		s = lf_asprintf("%s\n\n%s", n, _("Required."));
		free(n);
		n = s;
	}
	return n;
}
