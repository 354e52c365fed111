/* Test helper around the STAND-IN API server. See k8s_peer.h. */
#include "k8s_peer.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

#ifndef LANDFALL_SOURCE_DIR
#error "LANDFALL_SOURCE_DIR must be defined"
#endif

static bool on_path(const char *prog)
{
	const char *path = getenv("PATH");
	if (!path)
		return false;
	char *copy = lf_xstrdup(path), *save = NULL;
	bool found = false;
	for (char *d = strtok_r(copy, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
		char *full = lf_asprintf("%s/%s", d, prog);
		found = access(full, X_OK) == 0;
		free(full);
	}
	free(copy);
	return found;
}

int k8s_peer_require(const char *const *tools, char **cause)
{
	for (size_t i = 0; tools[i]; i++)
		if (!on_path(tools[i]))
			return lf_fail(
				cause,
				"this test needs `%s`, which is not on PATH (install it: "
				"python3 and openssl are Debian packages, kubectl comes with the "
				"machine image)",
				tools[i]);
	return 0;
}

char *k8s_peer_path(const struct k8s_peer *p, const char *rel)
{
	return lf_asprintf("%s/%s", p->dir, rel);
}

static char *log_tail(const struct k8s_peer *p)
{
	char *path = k8s_peer_path(p, "standin.log");
	char *text = lf_read_file(path, NULL, NULL);
	free(path);
	if (!text)
		return lf_xstrdup("(no log)");
	size_t n = strlen(text);
	char *tail = lf_xstrdup(n > 1500 ? text + n - 1500 : text);
	free(text);
	return tail;
}

static int spawn(struct k8s_peer *p, char **cause)
{
	char *portfile = k8s_peer_path(p, "port");
	unlink(portfile);
	char *script = lf_xstrdup(LANDFALL_SOURCE_DIR "/tests/k8s_standin.py");
	char *port = lf_asprintf("%d", p->port);
	char *logpath = k8s_peer_path(p, "standin.log");
	size_t nargs = 0;
	while (p->args && p->args[nargs])
		nargs++;
	char **argv = lf_xcalloc(nargs + 8, sizeof *argv);
	size_t k = 0;
	argv[k++] = "python3";
	argv[k++] = script;
	argv[k++] = "--dir";
	argv[k++] = p->dir;
	argv[k++] = "--port";
	argv[k++] = port;
	for (size_t i = 0; i < nargs; i++)
		argv[k++] = p->args[i];
	argv[k] = NULL;
	pid_t pid = fork();
	if (pid == 0) {
		int fd = open(logpath, O_WRONLY | O_CREAT | O_APPEND, 0600);
		int null = open("/dev/null", O_RDONLY);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		if (null >= 0)
			dup2(null, 0);
		execvp("python3", argv);
		_exit(127);
	}
	free(argv);
	free(script);
	free(port);
	free(logpath);
	int rc = -1;
	if (pid < 0) {
		lf_fail(cause, "fork: %s", strerror(errno));
		goto out;
	}
	p->pid = pid;
	for (int i = 0; i < 600; i++) { /* 60 s: certificates are made on first start */
		char *text = lf_read_file(portfile, NULL, NULL);
		if (text) {
			p->port = atoi(text);
			free(text);
			rc = 0;
			goto out;
		}
		int status;
		if (waitpid(pid, &status, WNOHANG) == pid) {
			p->pid = 0;
			char *tail = log_tail(p);
			lf_fail(cause, "the stand-in API server exited at start: %s", tail);
			free(tail);
			goto out;
		}
		lf_sleep_ms(100);
	}
	char *tail = log_tail(p);
	lf_fail(cause, "the stand-in API server did not start within 60 s: %s", tail);
	free(tail);
	k8s_peer_stop(p);
out:
	free(portfile);
	return rc;
}

int k8s_peer_start(struct k8s_peer *p, const char *dir, const char *const *args, char **cause)
{
	memset(p, 0, sizeof *p);
	const char *need[] = {"python3", "openssl", NULL};
	if (k8s_peer_require(need, cause) != 0)
		return -1;
	if (lf_mkdir_p(dir, 0700, cause) != 0)
		return -1;
	p->dir = lf_xstrdup(dir);
	size_t n = 0;
	while (args && args[n])
		n++;
	p->args = lf_xcalloc(n + 1, sizeof *p->args);
	for (size_t i = 0; i < n; i++)
		p->args[i] = lf_xstrdup(args[i]);
	return spawn(p, cause);
}

void k8s_peer_stop(struct k8s_peer *p)
{
	if (p->pid <= 0)
		return;
	kill(p->pid, SIGTERM);
	for (int i = 0; i < 50; i++) {
		if (waitpid(p->pid, NULL, WNOHANG) == p->pid) {
			p->pid = 0;
			return;
		}
		lf_sleep_ms(100);
	}
	kill(p->pid, SIGKILL);
	waitpid(p->pid, NULL, 0);
	p->pid = 0;
}

int k8s_peer_restart(struct k8s_peer *p, char **cause)
{
	if (p->pid > 0) {
		kill(p->pid, SIGKILL);
		waitpid(p->pid, NULL, 0);
		p->pid = 0;
	}
	/* The port may linger briefly; the server sets SO_REUSEADDR. */
	return spawn(p, cause);
}

void k8s_peer_free(struct k8s_peer *p)
{
	if (!p)
		return;
	k8s_peer_stop(p);
	for (size_t i = 0; p->args && p->args[i]; i++)
		free(p->args[i]);
	free(p->args);
	free(p->dir);
	memset(p, 0, sizeof *p);
}

struct buf {
	char *data;
	size_t len;
};

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *user)
{
	struct buf *b = user;
	size_t n = size * nmemb;
	b->data = lf_xrealloc(b->data, b->len + n + 1);
	memcpy(b->data + b->len, ptr, n);
	b->len += n;
	b->data[b->len] = '\0';
	return n;
}

json_t *k8s_peer_control(const struct k8s_peer *p, const char *method, const char *what,
			 const char *body)
{
	CURL *h = curl_easy_init();
	if (!h)
		return NULL;
	char *url = lf_asprintf("https://127.0.0.1:%d/_standin/%s", p->port, what);
	char *ca = k8s_peer_path(p, "pki/ca.crt");
	struct buf b = {0};
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_CAINFO, ca);
	curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 30L);
	struct curl_slist *hdrs = curl_slist_append(NULL, "Content-Type: application/json");
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	if (body)
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	CURLcode cc = curl_easy_perform(h);
	json_t *doc = NULL;
	if (cc == CURLE_OK && b.data)
		doc = json_loads(b.data, 0, NULL);
	else
		fprintf(stderr, "k8s_peer_control %s: %s\n", what, curl_easy_strerror(cc));
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(h);
	free(b.data);
	free(url);
	free(ca);
	return doc;
}

json_t *k8s_peer_requests(const struct k8s_peer *p)
{
	json_t *doc = k8s_peer_control(p, "GET", "requests", NULL);
	json_t *list = json_incref(json_object_get(doc, "requests"));
	json_decref(doc);
	return list ? list : json_array();
}

int k8s_peer_run(char *const argv[], char **out)
{
	char path[] = "/tmp/lf-k8s-run.XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);
		if (null >= 0)
			dup2(null, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(fd);
	int status = -1;
	if (pid > 0)
		waitpid(pid, &status, 0);
	if (out)
		*out = lf_read_file(path, NULL, NULL);
	unlink(path);
	if (pid < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int k8s_peer_write(const char *path, const char *text, bool exec)
{
	unlink(path);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, exec ? 0700 : 0600);
	if (fd < 0)
		return -1;
	size_t n = strlen(text);
	ssize_t w = write(fd, text, n);
	close(fd);
	return w == (ssize_t)n ? 0 : -1;
}
