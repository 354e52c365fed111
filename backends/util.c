#define _GNU_SOURCE
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void out_of_memory(void)
{
	fputs("landfall: out of memory\n", stderr);
	abort();
}

void *lf_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		out_of_memory();
	return p;
}

void *lf_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		out_of_memory();
	return p;
}

void *lf_xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		out_of_memory();
	return p;
}

char *lf_xstrdup(const char *s)
{
	char *d = strdup(s ? s : "");
	if (!d)
		out_of_memory();
	return d;
}

char *lf_xstrndup(const char *s, size_t n)
{
	char *d = strndup(s, n);
	if (!d)
		out_of_memory();
	return d;
}

char *lf_vasprintf(const char *fmt, va_list ap)
{
	char *s;
	if (vasprintf(&s, fmt, ap) < 0)
		out_of_memory();
	return s;
}

char *lf_asprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = lf_vasprintf(fmt, ap);
	va_end(ap);
	return s;
}

int lf_fail(char **cause, const char *fmt, ...)
{
	if (!cause)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	char *s = lf_vasprintf(fmt, ap);
	va_end(ap);
	free(*cause);
	*cause = s;
	return -1;
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int lf_write_file_atomic(const char *path, const void *data, size_t len,
                         unsigned mode, char **cause)
{
	char *tmp = lf_asprintf("%s.tmp.%ld", path, (long)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0) {
		lf_fail(cause, "cannot create %s: %s", tmp, strerror(errno));
		free(tmp);
		return -1;
	}
	/* open() honours the umask; state files must be exactly `mode`. */
	(void)fchmod(fd, mode);
	size_t half = len / 2;
	int rc = write_all(fd, data, half);
	lf_fault_point("write.mid");
	if (rc == 0)
		rc = write_all(fd, (const char *)data + half, len - half);
	if (rc == 0)
		rc = fsync(fd);
	int saved = errno;
	if (close(fd) != 0 && rc == 0) {
		rc = -1;
		saved = errno;
	}
	if (rc != 0) {
		lf_fail(cause, "cannot write %s: %s", tmp, strerror(saved));
		unlink(tmp);
		free(tmp);
		return -1;
	}
	lf_fault_point("write.before-rename");
	if (rename(tmp, path) != 0) {
		lf_fail(cause, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
		unlink(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	/* Make the rename itself durable. */
	char *dir = lf_xstrdup(path);
	int dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
	free(dir);
	return 0;
}

char *lf_read_file(const char *path, size_t *len, char **cause)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		lf_fail(cause, "cannot open %s: %s", path, strerror(errno));
		return NULL;
	}
	size_t cap = 4096, n = 0;
	char *buf = lf_xmalloc(cap);
	for (;;) {
		if (cap - n < 2) {
			cap *= 2;
			buf = lf_xrealloc(buf, cap);
		}
		size_t got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
		if (got == 0)
			break;
	}
	int err = ferror(f);
	fclose(f);
	if (err) {
		free(buf);
		lf_fail(cause, "cannot read %s", path);
		return NULL;
	}
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

int lf_mkdir_p(const char *path, unsigned mode, char **cause)
{
	if (lf_str_empty(path))
		return lf_fail(cause, "cannot create a directory with an empty name");
	char *p = lf_xstrdup(path);
	for (char *s = p + 1;; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;
			*s = '\0';
			struct stat st;
			if (mkdir(p, mode) != 0 &&
			    (errno != EEXIST ||
			     (stat(p, &st) == 0 && !S_ISDIR(st.st_mode) &&
			      (errno = ENOTDIR)))) {
				lf_fail(cause, "cannot create directory %s: %s", p,
				        strerror(errno));
				free(p);
				return -1;
			}
			*s = c;
			if (c == '\0')
				break;
		}
	}
	free(p);
	return 0;
}

void lf_now_iso(char *buf, size_t size)
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

long long lf_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int lf_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	return nanosleep(&ts, NULL) == 0 ? 0 : -1;
}

void lf_fault_point(const char *name)
{
	static int hits;
	const char *spec = getenv("LANDFALL_FAULT");
	if (!spec)
		return;
	const char *colon = strrchr(spec, ':');
	if (!colon || (size_t)(colon - spec) != strlen(name) ||
	    strncmp(spec, name, (size_t)(colon - spec)) != 0)
		return;
	if (++hits == atoi(colon + 1))
		raise(SIGKILL);
}

bool lf_str_empty(const char *s)
{
	return !s || !*s;
}
