/* The signing set-up of the AWS client (aws_sigv4_setup: libcurl's SigV4
 * with an explicit scope) held against AWS's published Signature Version 4
 * test suite: the request libcurl really sends is captured by a loopback
 * listener (CURLOPT_CONNECT_TO sends example.amazonaws.com there) and its
 * Authorization header compared byte for byte with the suite's.
 *
 * The suite's fixed values: key AKIDEXAMPLE / wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY,
 * time 20150830T123600Z (given as the X-Amz-Date header, which libcurl then
 * uses), region us-east-1, service "service". The query of
 * get-vanilla-query-order-key-case is sent already sorted, as the client's
 * aws_params_encode() does (libcurl 7.88 signs the query as given). */
#define _GNU_SOURCE
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "../backends/aws/aws_http.h"

#define KEY "AKIDEXAMPLE"
#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define CRED "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "

struct listener {
	int fd, port;
	char request[8192];
};

static void *serve_one(void *arg)
{
	struct listener *l = arg;
	int c = accept(l->fd, NULL, NULL);
	if (c < 0)
		return NULL;
	size_t n = 0;
	while (n < sizeof l->request - 1) {
		ssize_t r = read(c, l->request + n, sizeof l->request - 1 - n);
		if (r <= 0)
			break;
		n += (size_t)r;
		l->request[n] = '\0';
		char *end = strstr(l->request, "\r\n\r\n");
		if (!end)
			continue;
		char *cl = strcasestr(l->request, "\r\nContent-Length:");
		size_t want = cl ? strtoul(cl + 17, NULL, 10) : 0;
		if (n >= (size_t)(end + 4 - l->request) + want)
			break;
	}
	static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
	ssize_t ignored = write(c, ok, sizeof ok - 1);
	(void)ignored;
	close(c);
	return NULL;
}

static size_t discard(char *p, size_t s, size_t n, void *u)
{
	(void)p;
	(void)u;
	return s * n;
}

/* Send METHOD http://example.amazonaws.com/PATH_QUERY with BODY (NULL: none)
 * and the extra header (may be NULL), signed; return the Authorization
 * header libcurl sent (caller frees). */
static char *signed_auth(const char *method, const char *path_query, const char *body,
			 const char *header)
{
	struct listener l = {0};
	l.fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(l.fd >= 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	assert_int_equal(bind(l.fd, (struct sockaddr *)&a, sizeof a), 0);
	socklen_t al = sizeof a;
	getsockname(l.fd, (struct sockaddr *)&a, &al);
	l.port = ntohs(a.sin_port);
	assert_int_equal(listen(l.fd, 1), 0);
	pthread_t t;
	pthread_create(&t, NULL, serve_one, &l);

	CURL *h = curl_easy_init();
	char url[256], connect_to[64];
	snprintf(url, sizeof url, "http://example.amazonaws.com%s", path_query);
	snprintf(connect_to, sizeof connect_to, "example.amazonaws.com:80:127.0.0.1:%d", l.port);
	struct curl_slist *to = curl_slist_append(NULL, connect_to);
	struct curl_slist *hdrs = curl_slist_append(NULL, "X-Amz-Date: 20150830T123600Z");
	if (header)
		hdrs = curl_slist_append(hdrs, header);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_CONNECT_TO, to);
	curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
	aws_sigv4_setup(h, "us-east-1", "service", KEY, SECRET);
	if (strcmp(method, "POST") == 0) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(body ? strlen(body) : 0));
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body ? body : "");
	}
	CURLcode rc = curl_easy_perform(h);
	pthread_join(t, NULL);
	close(l.fd);
	curl_easy_cleanup(h);
	curl_slist_free_all(to);
	curl_slist_free_all(hdrs);
	assert_int_equal(rc, CURLE_OK);
	char *p = strcasestr(l.request, "\r\nAuthorization: ");
	assert_non_null(p);
	p += 17;
	return strndup(p, strcspn(p, "\r\n"));
}

static void expect_auth(const char *method, const char *path_query, const char *body,
			const char *header, const char *want)
{
	char *got = signed_auth(method, path_query, body, header);
	if (strcmp(got, want) != 0)
		fail_msg("%s %s\n  got:  %s\n  want: %s", method, path_query, got, want);
	free(got);
}

/* get-vanilla */
static void test_get_vanilla(void **state)
{
	(void)state;
	expect_auth("GET", "/", NULL, NULL,
		    CRED "SignedHeaders=host;x-amz-date, "
			 "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

/* get-vanilla-query-order-key-case: Param2=value2&Param1=value1, sorted by
 * the client before signing. */
static void test_get_query_order(void **state)
{
	(void)state;
	struct aws_params *p = aws_params_new();
	aws_params_set(p, "Param2", "value2");
	aws_params_set(p, "Param1", "value1");
	char *q = aws_params_encode(p);
	char *pq = NULL;
	assert_true(asprintf(&pq, "/?%s", q) > 0);
	expect_auth("GET", pq, NULL, NULL,
		    CRED "SignedHeaders=host;x-amz-date, "
			 "Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500");
	free(pq);
	free(q);
	aws_params_free(p);
}

/* post-vanilla */
static void test_post_vanilla(void **state)
{
	(void)state;
	expect_auth("POST", "/", NULL, NULL,
		    CRED "SignedHeaders=host;x-amz-date, "
			 "Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b");
}

/* A changed byte anywhere changes the signature: the comparison can fail. */
static void test_tampered(void **state)
{
	(void)state;
	char *got = signed_auth("GET", "/?Param1=value2", NULL, NULL);
	assert_null(strstr(got, "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"));
	assert_null(strstr(got, "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"));
	free(got);
}

int main(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get_vanilla),
		cmocka_unit_test(test_get_query_order),
		cmocka_unit_test(test_post_vanilla),
		cmocka_unit_test(test_tampered),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	curl_global_cleanup();
	return rc;
}
