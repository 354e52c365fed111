/* bench_logpane: figures, not a test (no pass/fail).
 *
 * 1. Time to first screen: the real landfall binary under a pseudo-
 *    terminal (forkpty, 80x24, TERM=xterm), from fork to the first byte
 *    and to the end of the first frame (the last byte before the output
 *    goes quiet for QUIET_MS, which is not counted).
 * 2. Keystroke + full redraw with 100,000 lines in the log pane: curses
 *    draws for real (newterm on /dev/null, 80x24, xterm); each keystroke
 *    is logpane_key() + erase + title + pane + footer + refresh, timed
 *    with the monotonic clock. Mean, p99 and max per kind of key, plus
 *    memory: the process's peak RSS and the pane's own byte count.
 *
 * Usage: bench_logpane [-n RUNS] [-b LANDFALL] [-- ARGS for landfall]
 * (default: LANDFALL_BIN built with it, no arguments: the wizard). */
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "logpane.h"
#include "ui.h"
#include "util.h"

#define QUIET_MS 150
#define FIRST_SCREEN_TIMEOUT_MS 5000
#define LINES_IN_PANE 100000

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

struct stats {
	double mean, p50, p99, max;
};

static struct stats stats_of(double *v, size_t n)
{
	struct stats s = { 0 };
	if (!n)
		return s;
	qsort(v, n, sizeof *v, cmp_double);
	double sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += v[i];
	s.mean = sum / (double)n;
	s.p50 = v[n / 2];
	/* Nearest rank: the smallest value with 99% of the samples at or
	 * below it (the maximum below 100 samples). */
	size_t rank = (size_t)((double)n * 0.99);
	if ((double)rank < (double)n * 0.99)
		rank++;
	s.p99 = v[rank > 0 ? rank - 1 : 0];
	s.max = v[n - 1];
	return s;
}

/* ---- 1. time to first screen -------------------------------------------- */

/* Printable text of terminal output, escape sequences dropped. */
static void plain_text(const char *in, size_t n, char *out, size_t size)
{
	size_t o = 0;
	for (size_t i = 0; i < n && o + 1 < size; i++) {
		unsigned char c = (unsigned char)in[i];
		if (c == 0x1b) {
			/* CSI ... final byte, or ESC + one character. */
			if (i + 1 < n && in[i + 1] == '[') {
				i += 2;
				while (i < n && !((unsigned char)in[i] >= 0x40 && (unsigned char)in[i] <= 0x7e))
					i++;
			} else if (i + 1 < n && (in[i + 1] == '(' || in[i + 1] == ')')) {
				i += 2;
			} else {
				i++;
			}
			continue;
		}
		if (c >= 0x20 && c != 0x7f) {
			if (c == ' ' && o > 0 && out[o - 1] == ' ')
				continue;
			out[o++] = (char)c;
		}
	}
	out[o] = '\0';
}

struct first_screen {
	double first_byte_ms, frame_ms;
	size_t bytes;
	char text[4096];
	bool exited;
};

static int run_once(const char *bin, char **args, int nargs, struct first_screen *fs)
{
	memset(fs, 0, sizeof *fs);
	struct winsize ws = { .ws_row = 24, .ws_col = 80 };
	int master;
	char state[] = "/tmp/bench_logpane.XXXXXX";
	if (!mkdtemp(state))
		return -1;
	double t0 = now_us();
	pid_t pid = forkpty(&master, NULL, NULL, &ws);
	if (pid < 0) {
		perror("forkpty");
		return -1;
	}
	if (pid == 0) {
		setenv("TERM", "xterm", 1);
		setenv("XDG_STATE_HOME", state, 1);
		unsetenv("LINES");
		unsetenv("COLUMNS");
		char **argv = calloc((size_t)nargs + 2, sizeof *argv);
		argv[0] = (char *)bin;
		for (int i = 0; i < nargs; i++)
			argv[i + 1] = args[i];
		execv(bin, argv);
		_exit(127);
	}
	char *buf = lf_xmalloc(1 << 20);
	size_t len = 0;
	double last = 0;
	for (;;) {
		double now = now_us();
		if ((now - t0) / 1000 > FIRST_SCREEN_TIMEOUT_MS)
			break;
		if (fs->first_byte_ms > 0 && (now - last) / 1000 >= QUIET_MS)
			break;
		struct pollfd p = { .fd = master, .events = POLLIN };
		int r = poll(&p, 1, 10);
		if (r <= 0)
			continue;
		ssize_t n = read(master, buf + len, (1 << 20) - len - 1);
		if (n <= 0) {
			fs->exited = true;  /* EIO: the child closed the terminal */
			break;
		}
		last = now_us();
		if (len == 0)
			fs->first_byte_ms = (last - t0) / 1000;
		len += (size_t)n;
		if (len >= (1 << 20) - 1)
			break;
	}
	fs->frame_ms = last > 0 ? (last - t0) / 1000 : -1;
	fs->bytes = len;
	plain_text(buf, len, fs->text, sizeof fs->text);
	free(buf);
	kill(pid, SIGTERM);
	usleep(50000);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(master);
	char *rm = lf_asprintf("rm -rf '%s'", state);
	if (system(rm) != 0)
		fprintf(stderr, "could not remove %s\n", state);
	free(rm);
	return 0;
}

static void bench_first_screen(const char *bin, char **args, int nargs, int runs)
{
	printf("== 1. time to first screen: %s", bin);
	for (int i = 0; i < nargs; i++)
		printf(" %s", args[i]);
	printf(" (pty 80x24, TERM=xterm, %d runs)\n", runs);
	double *fb = lf_xcalloc((size_t)runs, sizeof *fb);
	double *fr = lf_xcalloc((size_t)runs, sizeof *fr);
	struct first_screen fs;
	int ok = 0;
	for (int i = 0; i < runs; i++) {
		if (run_once(bin, args, nargs, &fs) != 0 || fs.first_byte_ms <= 0)
			continue;
		fb[ok] = fs.first_byte_ms;
		fr[ok] = fs.frame_ms;
		ok++;
	}
	if (!ok) {
		printf("   no output from the binary within %d ms\n", FIRST_SCREEN_TIMEOUT_MS);
		free(fb);
		free(fr);
		return;
	}
	struct stats a = stats_of(fb, (size_t)ok), b = stats_of(fr, (size_t)ok);
	printf("   first byte:            median %7.2f ms  mean %7.2f  max %7.2f\n", a.p50, a.mean, a.max);
	printf("   first frame complete:  median %7.2f ms  mean %7.2f  max %7.2f"
	       "  (last byte before %d ms of quiet)\n", b.p50, b.mean, b.max, QUIET_MS);
	printf("   last run: %zu bytes%s; text: \"%.160s%s\"\n", fs.bytes,
	       fs.exited ? ", then the program exited" : "", fs.text,
	       strlen(fs.text) > 160 ? "..." : "");
	free(fb);
	free(fr);
}

/* ---- 2. keystrokes with 100,000 lines ----------------------------------- */

static long maxrss_kb(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static void redraw(struct logpane *lp)
{
	erase();
	ui_title("Landfall: installing clearml on kubernetes", "dry run  12:34");
	logpane_draw(lp, 1, 0, LINES - 2, COLS);
	ui_footer("q Stop  l Log  PgUp/PgDn Scroll  / Search  n/N Next  End Follow");
	refresh();
}

struct keyrun {
	const char *name;
	double *us;
	size_t n, cap;
};

static void keyrun_add(struct keyrun *k, double us)
{
	if (k->n == k->cap) {
		k->cap = k->cap ? k->cap * 2 : 256;
		k->us = lf_xrealloc(k->us, k->cap * sizeof *k->us);
	}
	k->us[k->n++] = us;
}

/* One keystroke and the redraw after it. */
static void press(struct logpane *lp, struct keyrun *k, struct keyrun *all, int key,
                  bool is_char)
{
	double t = now_us();
	logpane_key(lp, key, is_char);
	redraw(lp);
	double us = now_us() - t;
	keyrun_add(k, us);
	keyrun_add(all, us);
}

static void print_run(struct keyrun *k)
{
	size_t n = k->n;
	struct stats s = stats_of(k->us, n);
	printf("   %-30s %5zu keys  mean %8.1f us  p99 %8.1f us  max %8.1f us\n", k->name, n,
	       s.mean, s.p99, s.max);
}

static void bench_keys(void)
{
	printf("== 2. keystroke + full redraw, %d lines in the pane (curses on /dev/null, 80x24, xterm)\n",
	       LINES_IN_PANE);
	setenv("TERM", "xterm", 1);
	setenv("LINES", "24", 1);
	setenv("COLUMNS", "80", 1);
	FILE *out = fopen("/dev/null", "w");
	FILE *in = fopen("/dev/null", "r");
	SCREEN *scr = out && in ? newterm("xterm", out, in) : NULL;
	if (!scr) {
		printf("   newterm failed: no terminfo for xterm?\n");
		return;
	}
	set_term(scr);
	long rss0 = maxrss_kb();

	/* Held in full: a cap above the line count, 64 MiB of bytes. */
	struct logpane *lp = logpane_new(LINES_IN_PANE, 64u * 1024 * 1024);
	char line[256];
	double t = now_us();
	for (int i = 0; i < LINES_IN_PANE; i++) {
		snprintf(line, sizeof line,
		         "12:%02d:%02d [deploy-apiserver] rollout: %d of 3 replicas updated, %d available%s",
		         i / 60 % 60, i % 60, i % 3, i % 4,
		         i % 1000 == 500 ? "; warning: readiness probe failed (needle)" : "");
		logpane_append_role(lp, i % 1000 == 500 ? ROLE_WARN : ROLE_NORMAL, line);
	}
	double append_ms = (now_us() - t) / 1000;
	long rss1 = maxrss_kb();
	printf("   append %d lines: %.1f ms (%.2f us a line)\n", LINES_IN_PANE, append_ms,
	       append_ms * 1000 / LINES_IN_PANE);
	redraw(lp);

	struct keyrun all = { .name = "all 1,000 keystrokes" };
	struct keyrun pg = { .name = "PgUp x300 then PgDn x300" };
	struct keyrun hl = { .name = "Home / End x50" };
	struct keyrun nn = { .name = "search n / N x200 (hit)" };
	struct keyrun miss = { .name = "search, no match (full scan)" };
	struct keyrun prompt = { .name = "/ prompt: 6 chars + Enter" };
	for (int i = 0; i < 300; i++)
		press(lp, &pg, &all, KEY_PPAGE, false);
	for (int i = 0; i < 300; i++)
		press(lp, &pg, &all, KEY_NPAGE, false);
	for (int i = 0; i < 25; i++) {
		press(lp, &hl, &all, KEY_HOME, false);
		press(lp, &hl, &all, KEY_END, false);
	}
	const char *typed = "needle";
	press(lp, &prompt, &all, '/', true);
	for (const char *c = typed; *c; c++)
		press(lp, &prompt, &all, (unsigned char)*c, true);
	press(lp, &prompt, &all, '\n', true);
	for (int i = 0; i < 100; i++)
		press(lp, &nn, &all, 'n', true);
	for (int i = 0; i < 100; i++)
		press(lp, &nn, &all, 'N', true);
	/* A needle that is nowhere: every line is scanned, each time. */
	logpane_search(lp, "no such text anywhere", +1);
	for (size_t i = all.n; i < 1000; i++)
		press(lp, &miss, &all, 'n', true);

	print_run(&pg);
	print_run(&hl);
	print_run(&prompt);
	print_run(&nn);
	print_run(&miss);
	print_run(&all);
	long rss2 = maxrss_kb();
	printf("   memory: pane %zu lines, %.1f MiB by its own count (logpane_bytes);\n"
	       "           peak RSS %.1f MiB before the lines, %.1f MiB after appending, %.1f MiB after the keys\n",
	       logpane_count(lp), (double)logpane_bytes(lp) / (1024 * 1024),
	       (double)rss0 / 1024, (double)rss1 / 1024, (double)rss2 / 1024);
	logpane_free(lp);

	/* The run screen's own caps: 10,000 lines / 4 MiB, fed 100,000. */
	lp = logpane_new(LOGPANE_DEFAULT_LINES, LOGPANE_DEFAULT_BYTES);
	t = now_us();
	for (int i = 0; i < LINES_IN_PANE; i++) {
		snprintf(line, sizeof line,
		         "12:%02d:%02d [deploy-apiserver] rollout: %d of 3 replicas updated, %d available",
		         i / 60 % 60, i % 60, i % 3, i % 4);
		logpane_append(lp, line);
	}
	append_ms = (now_us() - t) / 1000;
	struct keyrun dpg = { .name = "default caps: PgUp/PgDn x200" };
	struct keyrun dall = { .name = "-" };
	for (int i = 0; i < 100; i++)
		press(lp, &dpg, &dall, KEY_PPAGE, false);
	for (int i = 0; i < 100; i++)
		press(lp, &dpg, &dall, KEY_NPAGE, false);
	printf("   with the run screen's caps (%d lines, %u MiB): %d lines appended in %.1f ms;"
	       " holds %zu lines, %.2f MiB\n", LOGPANE_DEFAULT_LINES,
	       LOGPANE_DEFAULT_BYTES / (1024 * 1024), LINES_IN_PANE, append_ms,
	       logpane_count(lp), (double)logpane_bytes(lp) / (1024 * 1024));
	print_run(&dpg);
	logpane_free(lp);

	free(all.us);
	free(pg.us);
	free(hl.us);
	free(nn.us);
	free(miss.us);
	free(prompt.us);
	free(dpg.us);
	free(dall.us);
	endwin();
	delscreen(scr);
	fclose(out);
	fclose(in);
}

int main(int argc, char **argv)
{
	setlocale(LC_ALL, "C.UTF-8");
	const char *bin = LANDFALL_BIN;
	int runs = 10, opt;
	while ((opt = getopt(argc, argv, "n:b:")) != -1) {
		switch (opt) {
		case 'n': runs = atoi(optarg) > 0 ? atoi(optarg) : 1; break;
		case 'b': bin = optarg; break;
		default:
			fprintf(stderr, "usage: bench_logpane [-n RUNS] [-b LANDFALL] [-- ARGS]\n");
			return 2;
		}
	}
	bench_first_screen(bin, argv + optind, argc - optind, runs);
	bench_keys();
	return 0;
}
