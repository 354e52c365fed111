/* Unit tests for backends/util.c: atomic writes, file reading, mkdir -p,
 * formatted strings, lf_fail and the crash-test fault point. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

/* ---- helpers ------------------------------------------------------------ */

struct tmpdir {
	char path[64];
};

static int setup_tmpdir(void **state)
{
	struct tmpdir *t = lf_xcalloc(1, sizeof *t);
	snprintf(t->path, sizeof t->path, "/tmp/lf-test-util.XXXXXX");
	if (!mkdtemp(t->path)) {
		free(t);
		return -1;
	}
	*state = t;
	return 0;
}

static void rm_rf(const char *path)
{
	struct stat st;
	if (lstat(path, &st) != 0)
		return;
	if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(path);
		if (d) {
			struct dirent *de;
			while ((de = readdir(d)) != NULL) {
				if (strcmp(de->d_name, ".") == 0 ||
				    strcmp(de->d_name, "..") == 0)
					continue;
				char *sub = lf_asprintf("%s/%s", path, de->d_name);
				rm_rf(sub);
				free(sub);
			}
			closedir(d);
		}
		rmdir(path);
	} else {
		unlink(path);
	}
}

static int teardown_tmpdir(void **state)
{
	struct tmpdir *t = *state;
	rm_rf(t->path);
	free(t);
	return 0;
}

/* Number of entries in a directory, not counting . and .. */
static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	int n = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static unsigned file_mode(const char *path)
{
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	return (unsigned)(st.st_mode & 07777);
}

/* ---- lf_write_file_atomic ----------------------------------------------- */

static void test_write_atomic_content_and_mode(void **state)
{
	struct tmpdir *t = *state;
	char *path = lf_asprintf("%s/state.json", t->path);
	char *cause = NULL;
	mode_t old = umask(022);
	int rc = lf_write_file_atomic(path, "hello\n", 6, 0600, &cause);
	umask(old);
	assert_int_equal(rc, 0);
	assert_null(cause);
	assert_int_equal(file_mode(path), 0600);

	size_t len = 0;
	char *back = lf_read_file(path, &len, &cause);
	assert_non_null(back);
	assert_int_equal(len, 6);
	assert_string_equal(back, "hello\n");
	free(back);

	/* Only the target is left: no temporary file behind. */
	assert_int_equal(count_entries(t->path), 1);
	free(path);
}

static void test_write_atomic_mode_not_widened_or_narrowed_by_umask(void **state)
{
	struct tmpdir *t = *state;
	char *path = lf_asprintf("%s/f", t->path);
	char *cause = NULL;
	/* A strict umask must not strip bits the caller asked for... */
	mode_t old = umask(077);
	assert_int_equal(lf_write_file_atomic(path, "x", 1, 0640, &cause), 0);
	assert_int_equal(file_mode(path), 0640);
	/* ...and a lax one must not add any. */
	umask(0);
	assert_int_equal(lf_write_file_atomic(path, "y", 1, 0600, &cause), 0);
	umask(old);
	assert_int_equal(file_mode(path), 0600);
	assert_null(cause);
	free(path);
}

static void test_write_atomic_overwrites(void **state)
{
	struct tmpdir *t = *state;
	char *path = lf_asprintf("%s/f", t->path);
	char *cause = NULL;

	/* An existing, world-readable, longer file. */
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	for (int i = 0; i < 1000; i++)
		fputs("old content that is much longer\n", f);
	fclose(f);
	assert_int_equal(chmod(path, 0644), 0);
	struct stat before;
	assert_int_equal(stat(path, &before), 0);

	mode_t old = umask(022);
	assert_int_equal(lf_write_file_atomic(path, "new", 3, 0600, &cause), 0);
	umask(old);

	size_t len = 0;
	char *back = lf_read_file(path, &len, &cause);
	assert_non_null(back);
	assert_int_equal(len, 3);
	assert_string_equal(back, "new");
	free(back);
	assert_int_equal(file_mode(path), 0600);
	/* Replaced by rename: a new inode, not rewritten in place. */
	struct stat after;
	assert_int_equal(stat(path, &after), 0);
	assert_true(after.st_ino != before.st_ino);
	assert_int_equal(count_entries(t->path), 1);

	/* Overwrite again with the same name. */
	assert_int_equal(lf_write_file_atomic(path, "third!", 6, 0600, &cause), 0);
	back = lf_read_file(path, &len, &cause);
	assert_string_equal(back, "third!");
	free(back);
	assert_int_equal(count_entries(t->path), 1);
	assert_null(cause);
	free(path);
}

static void test_write_atomic_binary_and_empty(void **state)
{
	struct tmpdir *t = *state;
	char *path = lf_asprintf("%s/bin", t->path);
	char *cause = NULL;
	unsigned char data[3000];
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (unsigned char)(i * 7);
	assert_int_equal(lf_write_file_atomic(path, data, sizeof data, 0600, &cause), 0);
	size_t len = 0;
	char *back = lf_read_file(path, &len, &cause);
	assert_non_null(back);
	assert_int_equal(len, sizeof data);
	assert_memory_equal(back, data, sizeof data);
	assert_int_equal(back[len], '\0');
	free(back);

	assert_int_equal(lf_write_file_atomic(path, "", 0, 0600, &cause), 0);
	back = lf_read_file(path, &len, &cause);
	assert_non_null(back);
	assert_int_equal(len, 0);
	assert_string_equal(back, "");
	free(back);
	assert_int_equal(count_entries(t->path), 1);
	assert_null(cause);
	free(path);
}

static void test_write_atomic_relative_path(void **state)
{
	struct tmpdir *t = *state;
	char cwd[4096];
	assert_non_null(getcwd(cwd, sizeof cwd));
	assert_int_equal(chdir(t->path), 0);
	char *cause = NULL;
	int rc = lf_write_file_atomic("plain", "abc", 3, 0600, &cause);
	assert_int_equal(chdir(cwd), 0);
	assert_int_equal(rc, 0);
	char *path = lf_asprintf("%s/plain", t->path);
	char *back = lf_read_file(path, NULL, &cause);
	assert_non_null(back);
	assert_string_equal(back, "abc");
	free(back);
	free(path);
	assert_int_equal(count_entries(t->path), 1);
}

static void test_write_atomic_missing_dir_fails(void **state)
{
	struct tmpdir *t = *state;
	char *path = lf_asprintf("%s/no/such/dir/f", t->path);
	char *cause = lf_xstrdup("an earlier message that must be freed");
	assert_int_equal(lf_write_file_atomic(path, "x", 1, 0600, &cause), -1);
	assert_non_null(cause);
	assert_non_null(strstr(cause, t->path));
	assert_non_null(strstr(cause, strerror(ENOENT)));
	free(cause);
	/* cause may be NULL: still -1, nothing to report into. */
	assert_int_equal(lf_write_file_atomic(path, "x", 1, 0600, NULL), -1);
	assert_int_equal(count_entries(t->path), 0);
	free(path);
}

static void test_write_atomic_target_is_directory(void **state)
{
	struct tmpdir *t = *state;
	char *path = lf_asprintf("%s/d", t->path);
	assert_int_equal(mkdir(path, 0700), 0);
	char *cause = NULL;
	assert_int_equal(lf_write_file_atomic(path, "x", 1, 0600, &cause), -1);
	assert_non_null(cause);
	assert_non_null(strstr(cause, "rename"));
	free(cause);
	/* The failed attempt cleans up its temporary file. */
	assert_int_equal(count_entries(t->path), 1);
	free(path);
}

/* ---- lf_read_file --------------------------------------------------------- */

static void test_read_file_large(void **state)
{
	struct tmpdir *t = *state;
	char *path = lf_asprintf("%s/big", t->path);
	size_t n = 100000 + 17; /* several times the initial buffer */
	char *data = lf_xmalloc(n);
	for (size_t i = 0; i < n; i++)
		data[i] = (char)('a' + i % 26);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, n, f), n);
	fclose(f);

	char *cause = NULL;
	size_t len = 0;
	char *back = lf_read_file(path, &len, &cause);
	assert_non_null(back);
	assert_null(cause);
	assert_int_equal(len, n);
	assert_memory_equal(back, data, n);
	assert_int_equal(back[n], '\0');
	free(back);
	free(data);
	free(path);
}

static void test_read_file_exact_buffer_boundaries(void **state)
{
	struct tmpdir *t = *state;
	static const size_t sizes[] = { 1, 4094, 4095, 4096, 4097, 8191, 8192 };
	for (size_t k = 0; k < LF_ARRAY_LEN(sizes); k++) {
		char *path = lf_asprintf("%s/f%zu", t->path, sizes[k]);
		char *data = lf_xmalloc(sizes[k]);
		memset(data, 'z', sizes[k]);
		char *cause = NULL;
		assert_int_equal(lf_write_file_atomic(path, data, sizes[k], 0600,
		                                      &cause), 0);
		size_t len = 0;
		char *back = lf_read_file(path, &len, &cause);
		assert_non_null(back);
		assert_int_equal(len, sizes[k]);
		assert_memory_equal(back, data, sizes[k]);
		assert_int_equal(back[len], '\0');
		free(back);
		free(data);
		free(path);
	}
}

static void test_read_file_empty_and_null_len(void **state)
{
	struct tmpdir *t = *state;
	char *path = lf_asprintf("%s/empty", t->path);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	char *cause = NULL;
	size_t len = 99;
	char *back = lf_read_file(path, &len, &cause);
	assert_non_null(back);
	assert_int_equal(len, 0);
	assert_string_equal(back, "");
	free(back);
	back = lf_read_file(path, NULL, &cause);
	assert_non_null(back);
	free(back);
	assert_null(cause);
	free(path);
}

static void test_read_file_missing(void **state)
{
	struct tmpdir *t = *state;
	char *path = lf_asprintf("%s/missing", t->path);
	char *cause = NULL;
	size_t len = 42;
	assert_null(lf_read_file(path, &len, &cause));
	assert_int_equal(len, 42); /* untouched on failure */
	assert_non_null(cause);
	assert_non_null(strstr(cause, path));
	assert_non_null(strstr(cause, strerror(ENOENT)));
	free(cause);
	assert_null(lf_read_file(path, NULL, NULL));
	free(path);
}

static void test_read_file_directory(void **state)
{
	struct tmpdir *t = *state;
	char *cause = NULL;
	assert_null(lf_read_file(t->path, NULL, &cause));
	assert_non_null(cause);
	assert_non_null(strstr(cause, t->path));
	free(cause);
}

/* ---- lf_mkdir_p ----------------------------------------------------------- */

static void test_mkdir_p_nested(void **state)
{
	struct tmpdir *t = *state;
	char *path = lf_asprintf("%s/a/b/c", t->path);
	char *cause = NULL;
	mode_t old = umask(022);
	int rc = lf_mkdir_p(path, 0700, &cause);
	umask(old);
	assert_int_equal(rc, 0);
	assert_null(cause);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0700);
	char *mid = lf_asprintf("%s/a/b", t->path);
	assert_int_equal(file_mode(mid), 0700);
	free(mid);

	/* Existing directories are fine, with or without a trailing slash. */
	assert_int_equal(lf_mkdir_p(path, 0700, &cause), 0);
	char *slash = lf_asprintf("%s/a/b/c/d/", t->path);
	assert_int_equal(lf_mkdir_p(slash, 0700, &cause), 0);
	char *d = lf_asprintf("%s/a/b/c/d", t->path);
	assert_int_equal(stat(d, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(lf_mkdir_p("/", 0700, &cause), 0);
	assert_null(cause);
	free(d);
	free(slash);
	free(path);
}

static void test_mkdir_p_keeps_existing_mode(void **state)
{
	struct tmpdir *t = *state;
	char *a = lf_asprintf("%s/a", t->path);
	assert_int_equal(mkdir(a, 0755), 0);
	assert_int_equal(chmod(a, 0755), 0);
	char *ab = lf_asprintf("%s/a/b", t->path);
	char *cause = NULL;
	assert_int_equal(lf_mkdir_p(ab, 0700, &cause), 0);
	assert_int_equal(file_mode(a), 0755); /* not created: not changed */
	assert_int_equal(file_mode(ab), 0700);
	free(ab);
	free(a);
}

static void test_mkdir_p_relative(void **state)
{
	struct tmpdir *t = *state;
	char cwd[4096];
	assert_non_null(getcwd(cwd, sizeof cwd));
	assert_int_equal(chdir(t->path), 0);
	char *cause = NULL;
	int rc = lf_mkdir_p("x/y", 0700, &cause);
	struct stat st;
	int src = stat("x/y", &st);
	assert_int_equal(chdir(cwd), 0);
	assert_int_equal(rc, 0);
	assert_int_equal(src, 0);
	assert_true(S_ISDIR(st.st_mode));
}

static void test_mkdir_p_through_a_file_fails(void **state)
{
	struct tmpdir *t = *state;
	char *file = lf_asprintf("%s/file", t->path);
	FILE *f = fopen(file, "w");
	assert_non_null(f);
	fclose(f);
	char *cause = NULL;

	/* A component below a regular file. */
	char *below = lf_asprintf("%s/file/sub", t->path);
	assert_int_equal(lf_mkdir_p(below, 0700, &cause), -1);
	assert_non_null(cause);
	/* The message names the component that is in the way. */
	assert_non_null(strstr(cause, file));
	assert_non_null(strstr(cause, strerror(ENOTDIR)));
	free(cause);
	cause = NULL;

	/* The path itself is a regular file: it is not a directory, so
	 * mkdir -p must not report success. */
	assert_int_equal(lf_mkdir_p(file, 0700, &cause), -1);
	assert_non_null(cause);
	assert_non_null(strstr(cause, file));
	assert_non_null(strstr(cause, strerror(ENOTDIR)));
	free(cause);
	free(below);
	free(file);
}

static void test_mkdir_p_empty_path_fails(void **state)
{
	(void)state;
	char *cause = NULL;
	assert_int_equal(lf_mkdir_p("", 0700, &cause), -1);
	assert_non_null(cause);
	free(cause);
}

/* ---- strings -------------------------------------------------------------- */

static void test_asprintf(void **state)
{
	(void)state;
	char *s = lf_asprintf("%s-%d-%05.1f-%c", "ab", -42, 3.14159, 'z');
	assert_string_equal(s, "ab--42-003.1-z");
	free(s);

	s = lf_asprintf("%s", "");
	assert_non_null(s);
	assert_string_equal(s, "");
	free(s);

	/* Longer than any fixed buffer. */
	char *big = lf_xmalloc(20001);
	memset(big, 'q', 20000);
	big[20000] = '\0';
	s = lf_asprintf("<%s>", big);
	assert_int_equal(strlen(s), 20002);
	assert_int_equal(s[0], '<');
	assert_int_equal(s[20001], '>');
	assert_memory_equal(s + 1, big, 20000);
	free(s);
	free(big);

	s = lf_asprintf("%zu%%", (size_t)100);
	assert_string_equal(s, "100%");
	free(s);
}

static char *vwrap(const char *fmt, ...) LF_PRINTF(1, 2);
static char *vwrap(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = lf_vasprintf(fmt, ap);
	va_end(ap);
	return s;
}

static void test_vasprintf(void **state)
{
	(void)state;
	char *s = vwrap("%s=%ld", "n", 123456789L);
	assert_string_equal(s, "n=123456789");
	free(s);
}

static void test_xstrdup_xstrndup(void **state)
{
	(void)state;
	char *s = lf_xstrdup(NULL); /* documented by use: NULL gives "" */
	assert_string_equal(s, "");
	free(s);
	s = lf_xstrdup("abc");
	assert_string_equal(s, "abc");
	free(s);
	s = lf_xstrndup("abcdef", 3);
	assert_string_equal(s, "abc");
	free(s);
	s = lf_xstrndup("ab", 10);
	assert_string_equal(s, "ab");
	free(s);
}

static void test_alloc_zero(void **state)
{
	(void)state;
	/* Zero-size requests return a usable, freeable pointer. */
	void *p = lf_xmalloc(0);
	assert_non_null(p);
	p = lf_xrealloc(p, 0);
	assert_non_null(p);
	free(p);
	int *z = lf_xcalloc(4, sizeof(int));
	for (int i = 0; i < 4; i++)
		assert_int_equal(z[i], 0);
	free(z);
}

/* ---- lf_fail ---------------------------------------------------------------- */

static int fails_through(char **cause, int code)
{
	return lf_fail(cause, "step %d failed: %s", code, "boom");
}

static void test_lf_fail(void **state)
{
	(void)state;
	char *cause = NULL;
	assert_int_equal(fails_through(&cause, 7), -1);
	assert_non_null(cause);
	assert_string_equal(cause, "step 7 failed: boom");

	/* A second failure replaces (and frees) the first message; ASan would
	 * report the old one as leaked otherwise. */
	assert_int_equal(lf_fail(&cause, "second %s", "message"), -1);
	assert_string_equal(cause, "second message");
	free(cause);

	/* No place to report: still -1, nothing allocated. */
	assert_int_equal(lf_fail(NULL, "ignored %d", 1), -1);
}

/* ---- small helpers ---------------------------------------------------------- */

static void test_str_empty(void **state)
{
	(void)state;
	assert_true(lf_str_empty(NULL));
	assert_true(lf_str_empty(""));
	assert_false(lf_str_empty(" "));
	assert_false(lf_str_empty("x"));
}

static void test_now_iso(void **state)
{
	(void)state;
	char buf[32];
	lf_now_iso(buf, sizeof buf);
	assert_int_equal(strlen(buf), 20);
	/* YYYY-MM-DDTHH:MM:SSZ */
	for (int i = 0; i < 20; i++) {
		if (i == 4 || i == 7)
			assert_int_equal(buf[i], '-');
		else if (i == 10)
			assert_int_equal(buf[i], 'T');
		else if (i == 13 || i == 16)
			assert_int_equal(buf[i], ':');
		else if (i == 19)
			assert_int_equal(buf[i], 'Z');
		else
			assert_true(buf[i] >= '0' && buf[i] <= '9');
	}
	assert_true(strncmp(buf, "2020", 4) > 0);
}

static void test_now_ms_and_sleep(void **state)
{
	(void)state;
	long long a = lf_now_ms();
	assert_int_equal(lf_sleep_ms(30), 0);
	long long b = lf_now_ms();
	assert_true(b - a >= 29);
	assert_true(b - a < 2000);
	assert_int_equal(lf_sleep_ms(0), 0);
}

/* ---- lf_fault_point ----------------------------------------------------------- */

/* Run `hits` calls of lf_fault_point(name) in a child with LANDFALL_FAULT
 * set to spec; returns the wait status. The parent never sets the variable,
 * so each child starts counting from zero. */
static int fault_child(const char *spec, const char *name, int hits)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		setenv("LANDFALL_FAULT", spec, 1);
		for (int i = 0; i < hits; i++)
			lf_fault_point(name);
		_exit(0);
	}
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static void test_fault_point(void **state)
{
	(void)state;
	assert_null(getenv("LANDFALL_FAULT"));
	/* Without the variable it is a no-op. */
	for (int i = 0; i < 10; i++)
		lf_fault_point("engine.boundary");

	int st = fault_child("engine.boundary:3", "engine.boundary", 3);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGKILL);

	/* Fewer hits than N: the child finishes. */
	st = fault_child("engine.boundary:3", "engine.boundary", 2);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);

	/* Other names neither count nor fire, prefixes included. */
	st = fault_child("engine.boundary:1", "engine", 5);
	assert_true(WIFEXITED(st));
	st = fault_child("write.mid:1", "write.mid.x", 5);
	assert_true(WIFEXITED(st));
	st = fault_child("write.mid:1", "write.mid", 1);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGKILL);
}

static void test_fault_point_mid_write_leaves_old_file(void **state)
{
	struct tmpdir *t = *state;
	char *path = lf_asprintf("%s/j", t->path);
	char *cause = NULL;
	assert_int_equal(lf_write_file_atomic(path, "old", 3, 0600, &cause), 0);

	static const char *const specs[] = { "write.mid:1", "write.before-rename:1" };
	for (size_t k = 0; k < LF_ARRAY_LEN(specs); k++) {
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			setenv("LANDFALL_FAULT", specs[k], 1);
			lf_write_file_atomic(path, "new content", 11, 0600, NULL);
			_exit(0);
		}
		int st = 0;
		assert_int_equal(waitpid(pid, &st, 0), pid);
		assert_true(WIFSIGNALED(st));
		assert_int_equal(WTERMSIG(st), SIGKILL);
		/* The target is untouched; the killed writer's temporary file
		 * stays behind (nothing could remove it). */
		char *back = lf_read_file(path, NULL, &cause);
		assert_non_null(back);
		assert_string_equal(back, "old");
		free(back);
		char *tmp = lf_asprintf("%s.tmp.%ld", path, (long)pid);
		struct stat sb;
		assert_int_equal(stat(tmp, &sb), 0);
		assert_int_equal(sb.st_mode & 07777, 0600);
		unlink(tmp);
		free(tmp);
	}
	assert_null(cause);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_write_atomic_content_and_mode, setup_tmpdir, teardown_tmpdir),
		cmocka_unit_test_setup_teardown(test_write_atomic_mode_not_widened_or_narrowed_by_umask, setup_tmpdir, teardown_tmpdir),
		cmocka_unit_test_setup_teardown(test_write_atomic_overwrites, setup_tmpdir, teardown_tmpdir),
		cmocka_unit_test_setup_teardown(test_write_atomic_binary_and_empty, setup_tmpdir, teardown_tmpdir),
		cmocka_unit_test_setup_teardown(test_write_atomic_relative_path, setup_tmpdir, teardown_tmpdir),
		cmocka_unit_test_setup_teardown(test_write_atomic_missing_dir_fails, setup_tmpdir, teardown_tmpdir),
		cmocka_unit_test_setup_teardown(test_write_atomic_target_is_directory, setup_tmpdir, teardown_tmpdir),
		cmocka_unit_test_setup_teardown(test_read_file_large, setup_tmpdir, teardown_tmpdir),
		cmocka_unit_test_setup_teardown(test_read_file_exact_buffer_boundaries, setup_tmpdir, teardown_tmpdir),
		cmocka_unit_test_setup_teardown(test_read_file_empty_and_null_len, setup_tmpdir, teardown_tmpdir),
		cmocka_unit_test_setup_teardown(test_read_file_missing, setup_tmpdir, teardown_tmpdir),
		cmocka_unit_test_setup_teardown(test_read_file_directory, setup_tmpdir, teardown_tmpdir),
		cmocka_unit_test_setup_teardown(test_mkdir_p_nested, setup_tmpdir, teardown_tmpdir),
		cmocka_unit_test_setup_teardown(test_mkdir_p_keeps_existing_mode, setup_tmpdir, teardown_tmpdir),
		cmocka_unit_test_setup_teardown(test_mkdir_p_relative, setup_tmpdir, teardown_tmpdir),
		cmocka_unit_test_setup_teardown(test_mkdir_p_through_a_file_fails, setup_tmpdir, teardown_tmpdir),
		cmocka_unit_test(test_mkdir_p_empty_path_fails),
		cmocka_unit_test(test_asprintf),
		cmocka_unit_test(test_vasprintf),
		cmocka_unit_test(test_xstrdup_xstrndup),
		cmocka_unit_test(test_alloc_zero),
		cmocka_unit_test(test_lf_fail),
		cmocka_unit_test(test_str_empty),
		cmocka_unit_test(test_now_iso),
		cmocka_unit_test(test_now_ms_and_sleep),
		cmocka_unit_test(test_fault_point),
		cmocka_unit_test_setup_teardown(test_fault_point_mid_write_leaves_old_file, setup_tmpdir, teardown_tmpdir),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
