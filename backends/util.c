#define _GNU_SOURCE
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
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

/* Base64 digit values plus one; 0 marks a byte that is not a digit. */
static const signed char b64_table[256] = {
	['A'] = 1,  ['B'] = 2,	['C'] = 3,  ['D'] = 4,	['E'] = 5,  ['F'] = 6,	['G'] = 7,
	['H'] = 8,  ['I'] = 9,	['J'] = 10, ['K'] = 11, ['L'] = 12, ['M'] = 13, ['N'] = 14,
	['O'] = 15, ['P'] = 16, ['Q'] = 17, ['R'] = 18, ['S'] = 19, ['T'] = 20, ['U'] = 21,
	['V'] = 22, ['W'] = 23, ['X'] = 24, ['Y'] = 25, ['Z'] = 26, ['a'] = 27, ['b'] = 28,
	['c'] = 29, ['d'] = 30, ['e'] = 31, ['f'] = 32, ['g'] = 33, ['h'] = 34, ['i'] = 35,
	['j'] = 36, ['k'] = 37, ['l'] = 38, ['m'] = 39, ['n'] = 40, ['o'] = 41, ['p'] = 42,
	['q'] = 43, ['r'] = 44, ['s'] = 45, ['t'] = 46, ['u'] = 47, ['v'] = 48, ['w'] = 49,
	['x'] = 50, ['y'] = 51, ['z'] = 52, ['0'] = 53, ['1'] = 54, ['2'] = 55, ['3'] = 56,
	['4'] = 57, ['5'] = 58, ['6'] = 59, ['7'] = 60, ['8'] = 61, ['9'] = 62, ['+'] = 63,
	['/'] = 64,
};

char *lf_base64_decode(const char *in, size_t *len)
{
	size_t n = strlen(in);
	char *out = lf_xmalloc(n / 4 * 3 + 4);
	size_t o = 0, pad = 0;
	unsigned acc = 0, bits = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)in[i];
		if (ch == ' ' || ch == '\n' || ch == '\r' || ch == '\t')
			continue;
		if (ch == '=') {
			pad++;
			continue;
		}
		if (pad || b64_table[ch] == 0) { /* data after padding, or a stray byte */
			free(out);
			return NULL;
		}
		acc = (acc << 6) | (unsigned)(b64_table[ch] - 1);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (char)((acc >> bits) & 0xff);
		}
	}
	if (pad > 2 || bits >= 6 || (acc & ((1u << bits) - 1)) != 0) {
		free(out);
		return NULL;
	}
	out[o] = '\0';
	if (len)
		*len = o;
	return out;
}

char *lf_base64_encode(const void *in, size_t len)
{
	static const char alphabet[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *p = in;
	char *out = lf_xmalloc((len + 2) / 3 * 4 + 1);
	size_t o = 0;
	for (size_t i = 0; i < len; i += 3) {
		unsigned v = (unsigned)p[i] << 16;
		if (i + 1 < len)
			v |= (unsigned)p[i + 1] << 8;
		if (i + 2 < len)
			v |= p[i + 2];
		out[o++] = alphabet[(v >> 18) & 63];
		out[o++] = alphabet[(v >> 12) & 63];
		out[o++] = i + 1 < len ? alphabet[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < len ? alphabet[v & 63] : '=';
	}
	out[o] = '\0';
	return out;
}

/* 32 random bytes as 43 URL-safe base64 characters. */
char *lf_random_token(void)
{
	unsigned char b[32];
	size_t got = 0;
	while (got < sizeof b) {
		ssize_t n = getrandom(b + got, sizeof b - got, 0);
		if (n > 0)
			got += (size_t)n;
	}
	char *s = lf_base64_encode(b, sizeof b);
	explicit_bzero(b, sizeof b);
	for (char *p = s; *p; p++)
		*p = *p == '+' ? '-' : *p == '/' ? '_' : *p;
	s[strcspn(s, "=")] = '\0';
	return s;
}
