/* The wizard's region and zone lists: every region enabled for the account
 * with its availability zones, and one region's zones. The AWS guide
 * refuses a region with fewer than 2 available zones and warns below 3;
 * the wizard shows the counts before the user picks. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "../i18n.h"
#include "aws_creds.h"
#include "aws_internal.h"
#include "aws_xml.h"

/* Regions read at once: DescribeAvailabilityZones is one small call per
 * region, so the list costs about one round trip per batch. */
#define REGION_THREADS 8

int aws_probe_client(const char *profile, const char *endpoint_url, const char *region,
		     struct aws_client **out, char **cause)
{
	char *def = lf_str_empty(region)
			    ? aws_region_default(lf_str_empty(profile) ? NULL : profile)
			    : NULL;
	struct aws_client_opts co = {
		.region = lf_str_empty(region) ? def : region,
		.profile = lf_str_empty(profile) ? NULL : profile,
		.endpoint_url = lf_str_empty(endpoint_url) ? NULL : endpoint_url,
		.max_attempts = 2,
		.timeout_ms = 20000,
	};
	if (!co.region)
		co.region = "us-east-1";
	int rc = aws_client_new(&co, out, cause);
	free(def);
	return rc;
}

void aws_zone_info_clear(struct aws_zone_info *z)
{
	for (size_t i = 0; i < z->n; i++) {
		free(z->names[i]);
		free(z->states[i]);
	}
	free(z->names);
	free(z->states);
	memset(z, 0, sizeof *z);
}

enum aws_status aws_zones_of(struct aws_client *client, struct aws_zone_info *zi, size_t *available,
			     struct aws_error *err)
{
	xmlDoc *doc = NULL;
	*available = 0;
	enum aws_status st =
		aws_query(client, AWS_EC2, "DescribeAvailabilityZones", NULL, &doc, err);
	if (st != AWS_OK)
		return st;
	xmlNode **items;
	size_t n = aws_xml_nodes(aws_xml_root(doc), "availabilityZoneInfo/item", &items);
	for (size_t i = 0; i < n; i++) {
		char *type = aws_xml_text(items[i], "zoneType");
		bool az = !type || strcmp(type, "availability-zone") == 0;
		free(type);
		if (!az)
			continue;
		zi->names = lf_xrealloc(zi->names, (zi->n + 1) * sizeof *zi->names);
		zi->states = lf_xrealloc(zi->states, (zi->n + 1) * sizeof *zi->states);
		zi->names[zi->n] = aws_xml_text_or(items[i], "zoneName", "?");
		zi->states[zi->n] = aws_xml_text_or(items[i], "zoneState", "?");
		if (strcmp(zi->states[zi->n], "available") == 0)
			++*available;
		zi->n++;
	}
	free(items);
	xmlFreeDoc(doc);
	return AWS_OK;
}

void aws_region_info_clear(struct aws_region_info *r)
{
	free(r->name);
	for (size_t i = 0; i < r->nzones; i++)
		free(r->zones[i]);
	free(r->zones);
	free(r->error);
	memset(r, 0, sizeof *r);
}

void aws_regions_free(struct aws_region_info *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		aws_region_info_clear(&v[i]);
	free(v);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int by_region(const void *a, const void *b)
{
	return strcmp(((const struct aws_region_info *)a)->name,
		      ((const struct aws_region_info *)b)->name);
}

/* The zones of the client's region into `r` (whose name is set). */
static void read_zones(struct aws_client *client, struct aws_region_info *r)
{
	struct aws_zone_info zi = {0};
	struct aws_error err = {0};
	size_t available;
	if (aws_zones_of(client, &zi, &available, &err) != AWS_OK) {
		r->error = lf_xstrdup(err.text ? err.text : "?");
	} else {
		r->zones = lf_xcalloc(available + 1, sizeof *r->zones);
		for (size_t i = 0; i < zi.n; i++) {
			if (strcmp(zi.states[i], "available") == 0)
				r->zones[r->nzones++] = lf_xstrdup(zi.names[i]);
			else
				r->unavailable++;
		}
		qsort(r->zones, r->nzones, sizeof *r->zones, by_name);
	}
	aws_zone_info_clear(&zi);
	aws_error_clear(&err);
}

int aws_region_zones(const char *profile, const char *endpoint_url, const char *region,
		     struct aws_region_info *out, char **cause)
{
	memset(out, 0, sizeof *out);
	struct aws_client *client = NULL;
	if (aws_probe_client(profile, endpoint_url, region, &client, cause) != 0)
		return -1;
	out->name = lf_xstrdup(aws_client_region(client));
	read_zones(client, out);
	aws_client_free(client);
	if (out->error) {
		lf_fail(cause, _("the zones of %s could not be read: %s"), out->name, out->error);
		aws_region_info_clear(out);
		return -1;
	}
	return 0;
}

/* ---- every region, in parallel ------------------------------------------- */

struct fetch {
	const struct aws_creds *creds; /* the home client's, copied per region */
	const char *endpoint_url;
	struct aws_region_info *v;
	size_t n;
	atomic_size_t next;
	atomic_bool stopped;
	bool (*stop)(void *user);
	void *stop_user;
};

static void fetch_one(struct fetch *f, struct aws_region_info *r)
{
	struct aws_client_opts co = {
		.region = r->name,
		.endpoint_url = f->endpoint_url,
		.creds = aws_creds_new(aws_creds_key_id(f->creds), aws_creds_secret(f->creds),
				       aws_creds_token(f->creds)),
		.max_attempts = 2,
		.timeout_ms = 20000,
	};
	struct aws_client *client = NULL;
	char *cause = NULL;
	if (aws_client_new(&co, &client, &cause) != 0) {
		r->error = cause;
		return;
	}
	read_zones(client, r);
	aws_client_free(client);
}

static void *fetch_main(void *arg)
{
	struct fetch *f = arg;
	for (;;) {
		size_t i = atomic_fetch_add(&f->next, 1);
		if (i >= f->n || atomic_load(&f->stopped))
			break;
		if (f->stop && f->stop(f->stop_user)) {
			atomic_store(&f->stopped, true);
			break;
		}
		fetch_one(f, &f->v[i]);
	}
	return NULL;
}

/* The names of the enabled regions, asked through `client`. */
static int region_names(struct aws_client *client, struct aws_region_info **v, size_t *n,
			char **cause)
{
	xmlDoc *doc = NULL;
	struct aws_error err = {0};
	if (aws_query(client, AWS_EC2, "DescribeRegions", NULL, &doc, &err) != AWS_OK) {
		lf_fail(cause, _("the regions could not be listed: %s%s%s"),
			err.text ? err.text : "?", err.hint ? "; " : "", err.hint ? err.hint : "");
		aws_error_clear(&err);
		return -1;
	}
	xmlNode **items;
	*n = aws_xml_nodes(aws_xml_root(doc), "regionInfo/item", &items);
	*v = lf_xcalloc(*n + 1, sizeof **v);
	for (size_t i = 0; i < *n; i++)
		(*v)[i].name = aws_xml_text_or(items[i], "regionName", "?");
	free(items);
	xmlFreeDoc(doc);
	return 0;
}

int aws_regions(const char *profile, const char *endpoint_url, const char *region,
		bool (*stop)(void *user), void *stop_user, struct aws_region_info **out, size_t *n,
		char **cause)
{
	*out = NULL;
	*n = 0;
	struct aws_client *client = NULL;
	if (aws_probe_client(profile, endpoint_url, region, &client, cause) != 0)
		return -1;
	struct fetch f = {
		.creds = aws_client_creds(client),
		.endpoint_url = lf_str_empty(endpoint_url) ? NULL : endpoint_url,
		.stop = stop,
		.stop_user = stop_user,
	};
	atomic_init(&f.next, 0);
	atomic_init(&f.stopped, false);
	if (region_names(client, &f.v, &f.n, cause) != 0) {
		aws_client_free(client);
		return -1;
	}
	pthread_t tids[REGION_THREADS];
	size_t nt = 0;
	for (; nt < REGION_THREADS && nt < f.n; nt++)
		if (pthread_create(&tids[nt], NULL, fetch_main, &f) != 0)
			break;
	if (nt == 0)
		fetch_main(&f);
	for (size_t i = 0; i < nt; i++)
		pthread_join(tids[i], NULL);
	aws_client_free(client);
	if (atomic_load(&f.stopped)) {
		aws_regions_free(f.v, f.n);
		return lf_fail(cause, _("the region list was stopped"));
	}
	qsort(f.v, f.n, sizeof *f.v, by_region);
	*out = f.v;
	*n = f.n;
	return 0;
}
