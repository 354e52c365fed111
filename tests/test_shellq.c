/* Unit tests for backends/shellq.c: the quoted forms, and proof that real
 * shells give every hostile value back unchanged: each quoted value is run
 * through `/bin/sh -c "printf '%s\n' <quoted>"` (fork/exec, no system()) and
 * the output compared with the original, and the same with bash when present
 * (bash expands braces and history patterns that dash does not). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shellq.h"
#include "util.h"

static const char *const hostile[] = {
	"",
	" ",
	"plain",
	"two words",
	"it's",
	"'",
	"''",
	"'\\''",
	"\"double\"",
	"$(id)",
	"$(touch /tmp/landfall-shellq-pwned)",
	"`id`",
	"${HOME}",
	"$HOME",
	"$",
	"a;b",
	"; rm -rf /tmp/landfall-shellq-nothing",
	"a && b",
	"a || b",
	"a | b",
	"a & b",
	"line1\nline2",
	"\n",
	"trailing newline\n",
	"tab\there",
	"back\\slash",
	"\\",
	"*",
	"/*",
	"?",
	"[a-z]",
	"~",
	"~root",
	"a=b",
	"{a,b}",
	"{1..3}",
	"!",
	"!!",
	"!$",
	"^a^b",
	"#comment",
	"a #comment",
	"<in",
	">out",
	"2>&1",
	"(sub)",
	"%1",
	"-n",
	"--help",
	"-e \\n",
	"caf\xc3\xa9 \xe2\x98\x83 \xf0\x9f\x9a\x80",
	"\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e'$(x)'",
	"\x01\x02\x1b[31mred\x1b[0m\x7f",
	"\xff\xfe invalid UTF-8",
	"'; echo pwned; '",
	"\"; echo pwned; \"",
	"$(printf '%s' \"`echo nested`\")",
	"IFS=x",
	"\r\n",
};

/* Run `shell -c script` and return what it printed on stdout (caller frees). */
static char *run_shell(const char *shell, const char *script, int *status)
{
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execl(shell, shell, "-c", script, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	size_t cap = 256, len = 0;
	char *out = lf_xmalloc(cap);
	for (;;) {
		if (len + 128 > cap)
			out = lf_xrealloc(out, cap *= 2);
		ssize_t r = read(fds[0], out + len, cap - len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	out[len] = '\0';
	close(fds[0]);
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	*status = st;
	return out;
}

static void roundtrip(const char *shell)
{
	for (size_t i = 0; i < LF_ARRAY_LEN(hostile); i++) {
		char *q = shellq_quote(hostile[i]);
		char *script = lf_asprintf("printf '%%s\\n' %s", q);
		int st;
		char *out = run_shell(shell, script, &st);
		char *want = lf_asprintf("%s\n", hostile[i]);
		if (strcmp(out, want) != 0)
			fail_msg("%s: value %zu (quoted as [%s]) came back as [%s]", shell, i, q,
				 out);
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
		free(want);
		free(out);
		free(script);
		free(q);
	}
	assert_int_equal(access("/tmp/landfall-shellq-pwned", F_OK), -1);
}

static void test_roundtrip_sh(void **state)
{
	(void)state;
	roundtrip("/bin/sh");
}

static void test_roundtrip_bash(void **state)
{
	(void)state;
	if (access("/bin/bash", X_OK) != 0)
		skip();
	roundtrip("/bin/bash");
}

/* Every value as one argv, joined into one command line: the shell must see
 * exactly that many arguments, each unchanged. */
static void test_join_roundtrip(void **state)
{
	(void)state;
	size_t n = LF_ARRAY_LEN(hostile);
	const char **argv = lf_xcalloc(n + 3, sizeof *argv);
	argv[0] = "printf";
	argv[1] = "[%s]\\n";
	for (size_t i = 0; i < n; i++)
		argv[i + 2] = hostile[i];
	char *line = shellq_joinv(argv);
	/* argv[1] holds a backslash and brackets: quoted. */
	assert_non_null(strstr(line, "printf '[%s]\\n' "));

	struct {
		const char *shell;
	} shells[] = {{"/bin/sh"}, {"/bin/bash"}};
	for (size_t s = 0; s < LF_ARRAY_LEN(shells); s++) {
		if (access(shells[s].shell, X_OK) != 0)
			continue;
		int st;
		char *out = run_shell(shells[s].shell, line, &st);
		char *want = lf_xstrdup("");
		for (size_t i = 0; i < n; i++) {
			char *w = lf_asprintf("%s[%s]\n", want, hostile[i]);
			free(want);
			want = w;
		}
		assert_string_equal(out, want);
		free(want);
		free(out);
	}
	free(line);
	free(argv);
}

static void test_quote_forms(void **state)
{
	(void)state;
	struct {
		const char *in, *out;
	} cases[] = {
		{"docker", "docker"},
		{"/opt/allegro/data", "/opt/allegro/data"},
		{"--filter", "--filter"},
		{"until=96h", "'until=96h'"},
		{"", "''"},
		{"a b", "'a b'"},
		{"it's", "'it'\\''s'"},
		{"'", "''\\'''"},
		{"$(id)", "'$(id)'"},
		{"a\nb", "'a\nb'"},
		{"~", "'~'"},
		{"{a,b}", "'{a,b}'"},
		{"caf\xc3\xa9", "'caf\xc3\xa9'"},
		{"user@host:22", "user@host:22"},
		{"1.2.3+ds1", "1.2.3+ds1"},
		{"50%", "50%"},
	};
	for (size_t i = 0; i < LF_ARRAY_LEN(cases); i++) {
		char *q = shellq_quote(cases[i].in);
		assert_string_equal(q, cases[i].out);
		free(q);
	}
}

static void test_join_forms(void **state)
{
	(void)state;
	char *s = shellq_join(NULL, 0);
	assert_string_equal(s, "");
	free(s);

	const char *prune[] = {"docker",   "container", "prune", "--force",
			       "--filter", "until=96h", NULL};
	s = shellq_joinv(prune);
	assert_string_equal(s, "docker container prune --force --filter 'until=96h'");
	free(s);

	const char *mkdir[] = {"mkdir", "-pv", "/opt/my dir/data", ""};
	s = shellq_join(mkdir, 4);
	assert_string_equal(s, "mkdir -pv '/opt/my dir/data' ''");
	free(s);

	/* A first word with "=" must not become an assignment. */
	const char *assign[] = {"FOO=bar", NULL};
	s = shellq_joinv(assign);
	assert_string_equal(s, "'FOO=bar'");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quote_forms),    cmocka_unit_test(test_join_forms),
		cmocka_unit_test(test_roundtrip_sh),   cmocka_unit_test(test_roundtrip_bash),
		cmocka_unit_test(test_join_roundtrip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
