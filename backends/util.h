/* Small helpers used by every layer: allocation that cannot fail silently,
 * formatted strings, atomic file writes. Keep this file free of any
 * knowledge of answers, screens or backends. */
#ifndef LANDFALL_UTIL_H
#define LANDFALL_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdbool.h>

#define LF_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#if defined(__GNUC__)
#define LF_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define LF_PRINTF(f, a)
#endif

/* Abort with a message when memory runs out: there is no useful recovery
 * for an installer that cannot allocate a few bytes. */
void *lf_xmalloc(size_t n);
void *lf_xcalloc(size_t n, size_t size);
void *lf_xrealloc(void *p, size_t n);
char *lf_xstrdup(const char *s);
char *lf_xstrndup(const char *s, size_t n);
/* Returns a newly allocated string; the caller frees it. */
char *lf_asprintf(const char *fmt, ...) LF_PRINTF(1, 2);
char *lf_vasprintf(const char *fmt, va_list ap);

/* Set *cause (when cause is not NULL) to a formatted, caller-freed message.
 * Any earlier message in *cause is freed. Always returns -1 so a caller can
 * write `return lf_fail(cause, ...)`. */
int lf_fail(char **cause, const char *fmt, ...) LF_PRINTF(2, 3);

/* Write `len` bytes to `path` atomically: a temporary file in the same
 * directory, fsync, rename over the target, fsync of the directory. The
 * file gets `mode` (0600 for every state file). Returns 0 or -1 with
 * *cause set. */
int lf_write_file_atomic(const char *path, const void *data, size_t len,
                         unsigned mode, char **cause);

/* Read a whole file; returns a NUL-terminated caller-freed buffer or NULL
 * with *cause set. *len (if not NULL) gets the length without the NUL. */
char *lf_read_file(const char *path, size_t *len, char **cause);

/* mkdir -p with `mode` for every directory it creates. */
int lf_mkdir_p(const char *path, unsigned mode, char **cause);

/* Current time as an ISO 8601 UTC string "2026-11-22T07:24:22Z" into buf. */
void lf_now_iso(char *buf, size_t size);

/* Monotonic clock in milliseconds. */
long long lf_now_ms(void);

/* Sleep for ms milliseconds; returns early (with -1) when interrupted by a
 * signal so that Ctrl-C is noticed promptly. */
int lf_sleep_ms(long ms);

/* Test hook for crash-resume tests. When LANDFALL_FAULT is "NAME:N" the
 * N-th call of lf_fault_point(NAME) kills the process with SIGKILL, as a
 * power cut or `kill -9` would. Costs one getenv per call otherwise. */
void lf_fault_point(const char *name);

/* True for NULL or "". */
bool lf_str_empty(const char *s);

/* Standard base64 (RFC 4648), whitespace ignored. Return a caller-freed
 * NUL-terminated buffer (its length in *len), or NULL on bad input. */
char *lf_base64_decode(const char *in, size_t *len);
char *lf_base64_encode(const void *in, size_t len);

/* A fresh secret: 32 random bytes (getrandom) as 43 URL-safe base64
 * characters. Caller wipes and frees. */
char *lf_random_token(void);

#endif
