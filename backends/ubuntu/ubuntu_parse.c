/* Parsers for the ubuntu backend's checks, and the checks: see ubuntu_parse.h. */
#include "ubuntu_parse.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../i18n.h"
#include "../util.h"

#define GIB (1024.0 * 1024.0 * 1024.0)

/* Copy at most size-1 bytes of s[0..n) into dst, NUL-terminated. */
static void copy_n(char *dst, size_t size, const char *s, size_t n)
{
	if (n >= size)
		n = size - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

/* The next line of *p (without its newline); false at the end. */
static bool next_line(const char **p, const char **line, size_t *len)
{
	if (!**p)
		return false;
	const char *s = *p, *nl = strchr(s, '\n');
	*line = s;
	*len = nl ? (size_t)(nl - s) : strlen(s);
	*p = nl ? nl + 1 : s + *len;
	if (*len && s[*len - 1] == '\r')
		(*len)--;
	return true;
}

static bool all_digits(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* Text of s without leading and trailing white space, as a pointer and length. */
static void strip(const char **s, size_t *n)
{
	while (*n && isspace((unsigned char)**s))
		(*s)++, (*n)--;
	while (*n && isspace((unsigned char)(*s)[*n - 1]))
		(*n)--;
}

static void add(struct check_list *cl, const char *id, const char *title, enum check_status st,
		char *reason, const char *hint)
{
	check_list_add(cl, id, title, st, reason, st == CHECK_OK ? NULL : hint);
	free(reason);
}

/* ---- /etc/os-release ------------------------------------------------------ */

/* The value of an os-release assignment: bare, "double" with \" \\ \$ \`
 * escapes, or 'single'. */
static void os_value(const char *v, size_t n, char *dst, size_t size)
{
	char *tmp = lf_xmalloc(n + 1);
	size_t o = 0;
	if (n && v[0] == '"') {
		for (size_t i = 1; i < n && v[i] != '"'; i++) {
			if (v[i] == '\\' && i + 1 < n && strchr("\"\\$`", v[i + 1]))
				i++;
			tmp[o++] = v[i];
		}
	} else if (n && v[0] == '\'') {
		for (size_t i = 1; i < n && v[i] != '\''; i++)
			tmp[o++] = v[i];
	} else {
		memcpy(tmp, v, n);
		o = n;
	}
	copy_n(dst, size, tmp, o);
	free(tmp);
}

int ubuntu_parse_os_release(const char *text, struct os_release *out)
{
	memset(out, 0, sizeof *out);
	out->major = out->minor = -1;
	const char *p = text ? text : "", *line;
	size_t len;
	while (next_line(&p, &line, &len)) {
		strip(&line, &len);
		if (len == 0 || line[0] == '#')
			continue;
		const char *eq = memchr(line, '=', len);
		if (!eq)
			continue;
		size_t klen = (size_t)(eq - line);
		const char *v = eq + 1;
		size_t vlen = len - klen - 1;
#define KEY(k) (klen == strlen(k) && memcmp(line, k, klen) == 0)
		if (KEY("ID"))
			os_value(v, vlen, out->id, sizeof out->id);
		else if (KEY("ID_LIKE"))
			os_value(v, vlen, out->id_like, sizeof out->id_like);
		else if (KEY("VERSION_ID"))
			os_value(v, vlen, out->version_id, sizeof out->version_id);
		else if (KEY("PRETTY_NAME"))
			os_value(v, vlen, out->pretty_name, sizeof out->pretty_name);
#undef KEY
	}
	if (out->version_id[0]) {
		char *end;
		long maj = strtol(out->version_id, &end, 10);
		if (end != out->version_id) {
			out->major = (int)maj;
			out->minor = *end == '.' ? (int)strtol(end + 1, NULL, 10) : 0;
		}
	}
	return out->id[0] ? 0 : -1;
}

void ubuntu_check_os(const struct os_release *r, bool parsed, struct check_list *cl)
{
	const char *id = "ubuntu.os", *title = _("Operating system");
	const char *upgrade = _("Use Ubuntu 22.04 or 24.04 LTS: upgrade with "
				"\"sudo do-release-upgrade\" or install a fresh server.");
	if (!parsed || !r->id[0]) {
		add(cl, id, title, CHECK_FAILED, lf_xstrdup(_("Could not read /etc/os-release.")),
		    _("Check that the server runs Ubuntu and that /etc/os-release is readable."));
		return;
	}
	const char *name = r->pretty_name[0] ? r->pretty_name : r->id;
	if (strcmp(r->id, "ubuntu") != 0) {
		bool derived = strstr(r->id_like, "ubuntu") != NULL;
		add(cl, id, title, CHECK_FAILED,
		    lf_asprintf(
			    derived ? _("%s is derived from Ubuntu but is not Ubuntu; the guide "
					"supports Ubuntu only.")
				    : _("%s is not Ubuntu; the guide supports Ubuntu only."),
			    name),
		    _("Install on an Ubuntu 22.04 or 24.04 LTS server."));
		return;
	}
	int maj = r->major, min = r->minor;
	if (maj < 0) {
		add(cl, id, title, CHECK_FAILED,
		    lf_xstrdup(_("Ubuntu, but /etc/os-release has no VERSION_ID.")), upgrade);
		return;
	}
	if (maj < 20 || (maj == 20 && min < 4)) {
		add(cl, id, title, CHECK_FAILED,
		    lf_asprintf(_("%s is older than Ubuntu 20.04, the oldest release the guide "
				  "accepts."),
				name),
		    upgrade);
	} else if (maj == 20 && min == 4) {
		add(cl, id, title, CHECK_WARNING,
		    lf_asprintf(_("%s: Ubuntu 20.04's standard support ended in May 2025."), name),
		    upgrade);
	} else if (min == 4 && maj % 2 == 0) {
		add(cl, id, title, CHECK_OK,
		    lf_asprintf(_("%s, a long-term support release."), name), NULL);
	} else {
		add(cl, id, title, CHECK_WARNING,
		    lf_asprintf(_("%s is an interim release with nine months of support, not a "
				  "long-term support release."),
				name),
		    upgrade);
	}
}

/* ---- memory and CPUs ------------------------------------------------------- */

int ubuntu_parse_meminfo(const char *text, struct meminfo *out)
{
	long long total = -1, avail = -1, freekb = -1, buffers = -1, cached = -1;
	const char *p = text ? text : "", *line;
	size_t len;
	while (next_line(&p, &line, &len)) {
		const char *colon = memchr(line, ':', len);
		if (!colon)
			continue;
		size_t klen = (size_t)(colon - line);
		char buf[32];
		copy_n(buf, sizeof buf, colon + 1, len - klen - 1);
		char *end;
		long long v = strtoll(buf, &end, 10);
		if (end == buf)
			continue;
		while (*end == ' ' || *end == '\t')
			end++;
		/* Values are in kB ("kB" is printed, meaning KiB); a bare count
		 * (HugePages_Total) is not a size. */
		if (strncmp(end, "kB", 2) != 0)
			continue;
#define KEY(k) (klen == strlen(k) && memcmp(line, k, klen) == 0)
		if (KEY("MemTotal"))
			total = v;
		else if (KEY("MemAvailable"))
			avail = v;
		else if (KEY("MemFree"))
			freekb = v;
		else if (KEY("Buffers"))
			buffers = v;
		else if (KEY("Cached"))
			cached = v;
#undef KEY
	}
	if (avail < 0 && freekb >= 0)
		avail = freekb + (buffers > 0 ? buffers : 0) + (cached > 0 ? cached : 0);
	out->total_kb = total;
	out->available_kb = avail;
	return total >= 0 ? 0 : -1;
}

void ubuntu_check_memory(const struct meminfo *m, bool parsed, struct check_list *cl)
{
	const char *title = _("Memory");
	if (!parsed || m->total_kb < 0) {
		add(cl, "ubuntu.memory", title, CHECK_FAILED,
		    lf_xstrdup(_("Could not read /proc/meminfo.")),
		    _("Check that /proc/meminfo is readable on the server."));
		return;
	}
	double total_gb = (double)m->total_kb * 1024.0 / GIB;
	long long min_kb = (long long)UBUNTU_MIN_RAM_GB * 1024 * 1024 * 94 / 100;
	if (m->total_kb >= min_kb)
		add(cl, "ubuntu.memory", title, CHECK_OK,
		    lf_asprintf(_("%.1f GB of RAM."), total_gb), NULL);
	else
		add(cl, "ubuntu.memory", title, CHECK_FAILED,
		    lf_asprintf(_("%.1f GB of RAM; the guide asks for at least %d GB."), total_gb,
				UBUNTU_MIN_RAM_GB),
		    _("Give the server at least 32 GB of RAM."));

	const char *ftitle = _("Free memory");
	if (m->available_kb < 0) {
		add(cl, "ubuntu.memory_free", ftitle, CHECK_WARNING,
		    lf_xstrdup(_("Could not read the available memory.")),
		    _("Check with \"vmstat -s\" that at least 8 GB are available."));
		return;
	}
	double avail_gb = (double)m->available_kb * 1024.0 / GIB;
	if (m->available_kb >= (long long)UBUNTU_MIN_FREE_RAM_GB * 1024 * 1024)
		add(cl, "ubuntu.memory_free", ftitle, CHECK_OK,
		    lf_asprintf(_("%.1f GB available."), avail_gb), NULL);
	else
		add(cl, "ubuntu.memory_free", ftitle, CHECK_WARNING,
		    lf_asprintf(_("Only %.1f GB available; the guide recommends %d GB free on top "
				  "of the server's normal use."),
				avail_gb, UBUNTU_MIN_FREE_RAM_GB),
		    _("Stop what uses the memory (see \"top\"), or add RAM."));
}

int ubuntu_parse_nproc(const char *text)
{
	const char *s = text ? text : "";
	size_t n = strlen(s);
	strip(&s, &n);
	if (!all_digits(s, n) || n > 6)
		return -1;
	int v = atoi(s);
	return v > 0 ? v : -1;
}

int ubuntu_parse_cpuinfo(const char *text)
{
	int count = 0;
	const char *p = text ? text : "", *line;
	size_t len;
	while (next_line(&p, &line, &len)) {
		if (len < 9 || memcmp(line, "processor", 9) != 0)
			continue;
		size_t i = 9;
		while (i < len && (line[i] == ' ' || line[i] == '\t'))
			i++;
		if (i < len && line[i] == ':')
			count++;
	}
	return count > 0 ? count : -1;
}

void ubuntu_check_cpus(int cpus, struct check_list *cl)
{
	const char *title = _("CPUs");
	if (cpus < 0)
		add(cl, "ubuntu.cpu", title, CHECK_FAILED,
		    lf_xstrdup(_("Could not read the number of CPUs.")),
		    _("Check that \"nproc\" works on the server."));
	else if (cpus < UBUNTU_MIN_CPUS)
		add(cl, "ubuntu.cpu", title, CHECK_FAILED,
		    lf_asprintf(_("%d CPUs; the guide asks for at least %d."), cpus,
				UBUNTU_MIN_CPUS),
		    _("Give the server at least 8 CPUs (cores or vCPUs)."));
	else
		add(cl, "ubuntu.cpu", title, CHECK_OK, lf_asprintf(_("%d CPUs."), cpus), NULL);
}

/* ---- disks ------------------------------------------------------------------- */

struct span {
	const char *s;
	size_t n;
};

int ubuntu_parse_df(const char *text, struct df_entry *out)
{
	memset(out, 0, sizeof *out);
	const char *p = text ? text : "", *line;
	size_t len;
	while (next_line(&p, &line, &len)) {
		if (len == 0)
			continue;
		/* Split into words, keeping where each one is. */
		struct span w[64];
		size_t nw = 0;
		for (size_t i = 0; i < len && nw < LF_ARRAY_LEN(w);) {
			while (i < len && isspace((unsigned char)line[i]))
				i++;
			if (i == len)
				break;
			size_t b = i;
			while (i < len && !isspace((unsigned char)line[i]))
				i++;
			w[nw].s = line + b;
			w[nw++].n = i - b;
		}
		/* FILESYSTEM... SIZE USED AVAIL CAPACITY MOUNTPOINT...: the three
		 * numbers and the "NN%" that come first after at least one word. */
		for (size_t k = 4; k + 1 < nw; k++) {
			const struct span *cap = &w[k];
			bool pct = (cap->n >= 2 && cap->s[cap->n - 1] == '%' &&
				    all_digits(cap->s, cap->n - 1)) ||
				   (cap->n == 1 && cap->s[0] == '-');
			if (!pct || !all_digits(w[k - 3].s, w[k - 3].n) ||
			    !all_digits(w[k - 2].s, w[k - 2].n) ||
			    !all_digits(w[k - 1].s, w[k - 1].n))
				continue;
			const char *fs = line;
			size_t fsn = (size_t)(w[k - 3].s - line);
			strip(&fs, &fsn);
			copy_n(out->filesystem, sizeof out->filesystem, fs, fsn);
			const char *mp = w[k + 1].s;
			size_t mpn = (size_t)(line + len - mp);
			strip(&mp, &mpn);
			copy_n(out->mount_point, sizeof out->mount_point, mp, mpn);
			out->size_bytes = strtoull(w[k - 3].s, NULL, 10);
			out->used_bytes = strtoull(w[k - 2].s, NULL, 10);
			out->avail_bytes = strtoull(w[k - 1].s, NULL, 10);
			return 0;
		}
		/* Not a data line (a header in another language?): go on. */
	}
	return -1;
}

bool ubuntu_df_own_mount(const struct df_entry *e, const char *dir)
{
	size_t n = strlen(dir), m = strlen(e->mount_point);
	while (n > 1 && dir[n - 1] == '/')
		n--;
	while (m > 1 && e->mount_point[m - 1] == '/')
		m--;
	return n == m && memcmp(dir, e->mount_point, n) == 0;
}

void ubuntu_check_disk(enum ubuntu_disk which, const char *dir, const struct df_entry *e,
		       bool parsed, int min_gb, struct check_list *cl)
{
	const char *id, *title, *hint;
	switch (which) {
	case UBUNTU_DISK_DATA:
		id = "ubuntu.disk.data";
		title = _("Data disk");
		hint = _("Mount a disk of its own for Elasticsearch and MongoDB at this directory "
			 "(recommended: 100 GB or more), add it to /etc/fstab, and check again.");
		break;
	case UBUNTU_DISK_FILESERVER:
		id = "ubuntu.disk.fileserver";
		title = _("File server disk");
		hint = _("Mount a disk of its own for the file server's models and debug samples "
			 "at this directory, sized for your use, add it to /etc/fstab, and check "
			 "again.");
		break;
	case UBUNTU_DISK_DOCKER:
		id = "ubuntu.disk.docker";
		title = _("Docker disk");
		hint = _("Mount a disk of its own (recommended: 80 GB or more) at /var/lib/docker "
			 "with permissions 710, add it to /etc/fstab, restart docker, and check "
			 "again.");
		break;
	case UBUNTU_DISK_ROOT:
	default:
		id = "ubuntu.disk.root";
		title = _("Root disk");
		hint = _("Grow the root disk to at least 30 GB.");
		break;
	}
	if (!parsed) {
		add(cl, id, title, CHECK_FAILED,
		    lf_asprintf(_("Could not read the disk that holds %s."), dir),
		    _("Check that \"df -P -B1\" works on the server."));
		return;
	}
	double gb = (double)e->size_bytes / GIB;
	bool small = (double)e->size_bytes < (double)min_gb * GIB * 0.95;
	bool own = which == UBUNTU_DISK_ROOT || ubuntu_df_own_mount(e, dir);
	if (!own)
		add(cl, id, title, CHECK_WARNING,
		    small ? lf_asprintf(
				    _("%s is not on a disk of its own but on %s (mounted at %s), "
				      "%.0f GB, below the recommended %d GB."),
				    dir, e->filesystem, e->mount_point, gb, min_gb)
			  : lf_asprintf(_("%s is not on a disk of its own but on %s (mounted at "
					  "%s); the guide mounts a separate disk there."),
					dir, e->filesystem, e->mount_point),
		    hint);
	else if (small)
		add(cl, id, title, CHECK_WARNING,
		    lf_asprintf(_("%s: %.0f GB, below the recommended %d GB."), dir, gb, min_gb),
		    which == UBUNTU_DISK_ROOT
			    ? hint
			    : _("Grow the disk and its filesystem (e.g. \"sudo xfs_growfs\" or "
				"\"sudo resize2fs\"), or mount a larger one."));
	else
		add(cl, id, title, CHECK_OK,
		    lf_asprintf(_("%s: %.0f GB on %s."), dir, gb, e->filesystem), NULL);
}

int ubuntu_parse_stat_mode(const char *text)
{
	const char *s = text ? text : "";
	size_t n = strlen(s);
	strip(&s, &n);
	if (n < 1 || n > 4)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '7')
			return -1;
	char buf[8];
	copy_n(buf, sizeof buf, s, n);
	return (int)strtol(buf, NULL, 8);
}

void ubuntu_check_docker_dir_mode(const char *dir, int mode, struct check_list *cl)
{
	const char *id = "ubuntu.docker_dir_mode", *title = _("Docker directory permissions");
	char *fix = lf_asprintf(_("sudo chmod 710 %s"), dir);
	if (mode < 0)
		add(cl, id, title, CHECK_WARNING,
		    lf_asprintf(_("Could not read the permissions of %s (is docker installed?)."),
				dir),
		    fix);
	else if (mode & ~0710)
		add(cl, id, title, CHECK_FAILED,
		    lf_asprintf(_("%s has permissions %o; the guide asks for 710."), dir,
				(unsigned)mode),
		    fix);
	else if (mode != 0710)
		add(cl, id, title, CHECK_WARNING,
		    lf_asprintf(_("%s has permissions %o, stricter than the guide's 710."), dir,
				(unsigned)mode),
		    fix);
	else
		add(cl, id, title, CHECK_OK, lf_asprintf(_("%s has permissions 710."), dir), NULL);
	free(fix);
}

/* ---- ports ------------------------------------------------------------------------ */

int ubuntu_parse_ss(const char *text, struct listeners *out)
{
	out->v = NULL;
	out->n = 0;
	const char *p = text ? text : "", *line;
	size_t len;
	while (next_line(&p, &line, &len)) {
		const char *s = line;
		size_t n = len;
		strip(&s, &n);
		if (n == 0)
			continue;
		if ((n >= 5 && memcmp(s, "State", 5) == 0) ||
		    (n >= 5 && memcmp(s, "Netid", 5) == 0) ||
		    (n >= 6 && memcmp(s, "Recv-Q", 6) == 0))
			continue;
		/* The local address is the first word with a colon and a numeric
		 * port after its last colon; the peer ("*" port) and the process
		 * column come after it. */
		bool found = false;
		for (size_t i = 0; i < n && !found;) {
			while (i < n && isspace((unsigned char)s[i]))
				i++;
			size_t b = i;
			while (i < n && !isspace((unsigned char)s[i]))
				i++;
			const char *wd = s + b;
			size_t wn = i - b;
			const char *colon = NULL;
			for (size_t j = 0; j < wn; j++)
				if (wd[j] == ':')
					colon = wd + j;
			if (!colon || colon == wd)
				continue;
			size_t pn = wn - (size_t)(colon - wd) - 1;
			if (!all_digits(colon + 1, pn) || pn > 5)
				continue;
			char pbuf[8];
			copy_n(pbuf, sizeof pbuf, colon + 1, pn);
			out->v = lf_xrealloc(out->v, (out->n + 1) * sizeof *out->v);
			struct listener *l = &out->v[out->n++];
			copy_n(l->addr, sizeof l->addr, wd, (size_t)(colon - wd));
			l->port = atoi(pbuf);
			found = true;
		}
		if (!found) {
			ubuntu_listeners_free(out);
			return -1;
		}
	}
	return 0;
}

void ubuntu_listeners_free(struct listeners *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

const struct listener *ubuntu_listener_on(const struct listeners *l, int port)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].port == port)
			return &l->v[i];
	return NULL;
}

void ubuntu_check_ports(const struct listeners *l, bool parsed, bool ours, struct check_list *cl)
{
	const char *id = "ubuntu.ports", *title = _("Ports 8080, 8081, 8008");
	if (!parsed) {
		add(cl, id, title, CHECK_FAILED,
		    lf_xstrdup(_("Could not read the listening ports.")),
		    _("Check that \"ss -H -ltn\" works on the server (package iproute2)."));
		return;
	}
	static const int ports[] = {8080, 8081, 8008}; /* the guide's */
	char busy[256] = "";
	int first = 0;
	for (size_t i = 0; i < LF_ARRAY_LEN(ports); i++) {
		const struct listener *x = ubuntu_listener_on(l, ports[i]);
		if (!x)
			continue;
		if (!first)
			first = ports[i];
		size_t used = strlen(busy);
		snprintf(busy + used, sizeof busy - used, "%s%d (%s:%d)", used ? ", " : "",
			 ports[i], x->addr, x->port);
	}
	if (!first) {
		add(cl, id, title, CHECK_OK, lf_xstrdup(_("Ports 8080, 8081 and 8008 are free.")),
		    NULL);
		return;
	}
	char *hint = lf_asprintf(_("See which program listens with \"sudo ss -ltnp 'sport = :%d'\" "
				   "and stop or move it: ClearML needs ports 8080, 8081 and 8008."),
				 first);
	if (ours)
		add(cl, id, title, CHECK_WARNING,
		    lf_asprintf(_("In use, presumably by the installation being upgraded: %s."),
				busy),
		    hint);
	else
		add(cl, id, title, CHECK_FAILED, lf_asprintf(_("In use: %s."), busy), hint);
	free(hint);
}

/* ---- docker ----------------------------------------------------------------------- */

static bool contains(const char *text, const char *needle)
{
	size_t n = strlen(needle);
	for (const char *s = text; *s; s++)
		if (strncasecmp(s, needle, n) == 0)
			return true;
	return false;
}

/* Classify the errors docker prints; DOCKER_OK when none. */
static enum docker_state docker_error(const char *text)
{
	if (contains(text, "Cannot connect to the Docker daemon") ||
	    contains(text, "Is the docker daemon running"))
		return DOCKER_NOT_RUNNING;
	if (contains(text, "permission denied"))
		return DOCKER_NO_PERMISSION;
	if (contains(text, "command not found") || contains(text, "not found") ||
	    contains(text, "is not a docker command") || contains(text, "unknown command") ||
	    contains(text, "No such file or directory"))
		return DOCKER_MISSING;
	return DOCKER_OK;
}

/* The first word that reads as a version: [v]N.N[.N][suffix]. */
static int find_version(const char *text, struct docker_version *out)
{
	const char *s = text;
	while (*s) {
		while (*s && isspace((unsigned char)*s))
			s++;
		const char *b = s;
		while (*s && !isspace((unsigned char)*s))
			s++;
		const char *w = b;
		size_t n = (size_t)(s - b);
		if (n && (*w == 'v' || *w == 'V'))
			w++, n--;
		while (n && (w[n - 1] == ',' || w[n - 1] == '.'))
			n--;
		if (n < 3 || !isdigit((unsigned char)w[0]))
			continue;
		char buf[64];
		copy_n(buf, sizeof buf, w, n);
		int maj = 0, min = 0, pat = 0;
		int got = sscanf(buf, "%d.%d.%d", &maj, &min, &pat);
		if (got < 2)
			continue;
		out->major = maj;
		out->minor = min;
		out->patch = got == 3 ? pat : 0;
		copy_n(out->text, sizeof out->text, w, n);
		out->state = DOCKER_OK;
		return 0;
	}
	return -1;
}

static int parse_version_output(const char *text, struct docker_version *out)
{
	memset(out, 0, sizeof *out);
	const char *t = text ? text : "";
	enum docker_state err = docker_error(t);
	if (err != DOCKER_OK) {
		out->state = err;
		return 0;
	}
	if (find_version(t, out) == 0)
		return 0;
	out->state = DOCKER_UNKNOWN;
	const char *line;
	size_t len;
	const char *p = t;
	if (next_line(&p, &line, &len))
		copy_n(out->text, sizeof out->text, line, len);
	return -1;
}

int ubuntu_parse_docker_version(const char *text, struct docker_version *out)
{
	return parse_version_output(text, out);
}

int ubuntu_parse_compose_version(const char *text, struct docker_version *out)
{
	return parse_version_output(text, out);
}

static const char *install_docker_hint(void)
{
	return _("Install Docker CE as the guide says: "
		 "https://docs.docker.com/engine/install/ubuntu/");
}

void ubuntu_check_docker(const struct docker_version *v, struct check_list *cl)
{
	const char *id = "ubuntu.docker", *title = _("Docker engine");
	switch (v->state) {
	case DOCKER_OK:
		if (v->major > 20 || (v->major == 20 && v->minor >= 10))
			add(cl, id, title, CHECK_OK,
			    lf_asprintf(_("Docker %s is running."), v->text), NULL);
		else
			add(cl, id, title, CHECK_WARNING,
			    lf_asprintf(_("Docker %s is older than 20.10."), v->text),
			    install_docker_hint());
		return;
	case DOCKER_MISSING:
		add(cl, id, title, CHECK_FAILED, lf_xstrdup(_("Docker is not installed.")),
		    install_docker_hint());
		return;
	case DOCKER_NOT_RUNNING:
		add(cl, id, title, CHECK_FAILED, lf_xstrdup(_("The Docker daemon is not running.")),
		    _("sudo systemctl enable --now docker"));
		return;
	case DOCKER_NO_PERMISSION:
		add(cl, id, title, CHECK_FAILED,
		    lf_xstrdup(_("This user may not talk to the Docker daemon.")),
		    _("Run docker through sudo, or add the user to the docker group: "
		      "sudo usermod -aG docker $USER"));
		return;
	case DOCKER_UNKNOWN:
	default:
		add(cl, id, title, CHECK_FAILED,
		    lf_asprintf(_("Could not read the Docker version: %s"), v->text),
		    _("Check that \"sudo docker version\" works on the server."));
		return;
	}
}

void ubuntu_check_compose(const struct docker_version *v, struct check_list *cl)
{
	const char *id = "ubuntu.compose", *title = _("Docker Compose");
	const char *hint = _("Install the compose plugin: \"sudo apt-get install "
			     "docker-compose-plugin\" (Docker's repository) or "
			     "\"sudo apt-get install docker-compose-v2\" (Ubuntu's).");
	switch (v->state) {
	case DOCKER_OK:
		if (v->major >= 2)
			add(cl, id, title, CHECK_OK, lf_asprintf(_("Docker Compose %s."), v->text),
			    NULL);
		else
			add(cl, id, title, CHECK_FAILED,
			    lf_asprintf(_("Docker Compose %s is version 1, long deprecated; the "
					  "\"docker compose\" plugin (version 2) is needed."),
					v->text),
			    hint);
		return;
	case DOCKER_MISSING:
		add(cl, id, title, CHECK_FAILED,
		    lf_xstrdup(_("The \"docker compose\" plugin is not installed.")), hint);
		return;
	case DOCKER_NOT_RUNNING:
	case DOCKER_NO_PERMISSION:
	case DOCKER_UNKNOWN:
	default:
		add(cl, id, title, CHECK_FAILED,
		    lf_asprintf(_("Could not read the Docker Compose version%s%s"),
				v->text[0] ? ": " : ".", v->text),
		    _("Check that \"sudo docker compose version\" works on the server."));
		return;
	}
}
