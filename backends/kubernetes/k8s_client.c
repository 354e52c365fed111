/* Kubernetes API client over libcurl. See k8s_client.h for the contract. */
#include "k8s_client.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "../i18n.h"
#include "../util.h"

#define MAX_REPLY (64L * 1024 * 1024)

struct resource_entry {
	struct k8s_resource r;
	char *group, *version, *name, *kind; /* owned storage behind r */
};

struct k8s_client {
	struct kubeconfig *kc;
	struct k8s_client_options opt;
	CURL *curl;
	char *base;		       /* URL prefix for every path */
	struct curl_slist *connect_to; /* tls-server-name -> real address */
	char *host_header;	       /* "Host: real-host:port" with tls-server-name */
	long last_code;
	char *last_reason;
	unsigned requests;
	unsigned rand_state;
	char *registered_token; /* last token handed to the redactor */
	json_t *fetched_gv;	/* group versions whose resources are cached */
	struct resource_entry **res;
	size_t nres;
};

struct reply {
	char *data;
	size_t len;
	bool overflow;
	long retry_after; /* seconds, -1 when absent */
	char *content_type;
};

/* ---- status names ------------------------------------------------------- */

bool k8s_status_retryable(enum k8s_status st)
{
	return st == K8S_ERR_CONNECT || st == K8S_ERR_THROTTLED || st == K8S_ERR_SERVER;
}

const char *k8s_status_name(enum k8s_status st)
{
	switch (st) {
	case K8S_OK: return "ok";
	case K8S_ERR_CONFIG: return "config";
	case K8S_ERR_TLS: return "tls";
	case K8S_ERR_CONNECT: return "connect";
	case K8S_ERR_UNAUTHORIZED: return "unauthorized";
	case K8S_ERR_FORBIDDEN: return "forbidden";
	case K8S_ERR_NOT_FOUND: return "not-found";
	case K8S_ERR_CONFLICT: return "conflict";
	case K8S_ERR_INVALID: return "invalid";
	case K8S_ERR_THROTTLED: return "throttled";
	case K8S_ERR_SERVER: return "server";
	case K8S_ERR_PROTOCOL: return "protocol";
	case K8S_ERR_INTERRUPTED: return "interrupted";
	}
	return "unknown";
}

enum k8s_status k8s_status_from_http(long code)
{
	if (code >= 200 && code < 300)
		return K8S_OK;
	switch (code) {
	case 400:
	case 422: return K8S_ERR_INVALID;
	case 401: return K8S_ERR_UNAUTHORIZED;
	case 403: return K8S_ERR_FORBIDDEN;
	case 404: return K8S_ERR_NOT_FOUND;
	case 409: return K8S_ERR_CONFLICT;
	case 429: return K8S_ERR_THROTTLED;
	default: break;
	}
	if (code >= 500 && code < 600)
		return K8S_ERR_SERVER;
	return K8S_ERR_PROTOCOL;
}

/* ---- construction ------------------------------------------------------- */

static long or_default(long v, long def)
{
	return v > 0 ? v : def;
}

/* Work out the URL prefix, and with tls-server-name the CONNECT_TO mapping
 * and Host header that make libcurl check the certificate against that
 * name while connecting to the real address. */
static int setup_endpoint(struct k8s_client *c, char **cause)
{
	const struct kubeconfig *kc = c->kc;
	CURLU *u = curl_url();
	char *host = NULL, *port = NULL, *explicit_port = NULL, *path = NULL;
	int rc = -1;
	if (curl_url_set(u, CURLUPART_URL, kc->server, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PATH, &path, 0) != CURLUE_OK) {
		lf_fail(cause, _("kubeconfig %s, cluster \"%s\": server %s is not a valid URL"),
			kc->cluster_file, kc->cluster, kc->server);
		goto out;
	}
	curl_url_get(u, CURLUPART_PORT, &explicit_port, 0);
	size_t plen = strlen(path);
	while (plen > 0 && path[plen - 1] == '/')
		plen--;
	if (lf_str_empty(kc->tls_server_name)) {
		c->base = lf_asprintf("https://%s:%s%.*s", host, port, (int)plen, path);
	} else {
		c->base = lf_asprintf("https://%s:%s%.*s", kc->tls_server_name, port, (int)plen,
				      path);
		char *map = lf_asprintf("%s:%s:%s:%s", kc->tls_server_name, port, host, port);
		c->connect_to = curl_slist_append(NULL, map);
		free(map);
		c->host_header = explicit_port ? lf_asprintf("Host: %s:%s", host, explicit_port)
					       : lf_asprintf("Host: %s", host);
	}
	rc = 0;
out:
	curl_free(host);
	curl_free(port);
	curl_free(explicit_port);
	curl_free(path);
	curl_url_cleanup(u);
	return rc;
}

int k8s_client_new(struct kubeconfig *kc, const struct k8s_client_options *opts,
		   struct k8s_client **out, char **cause)
{
	*out = NULL;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		kubeconfig_free(kc);
		return lf_fail(cause, _("cannot initialise libcurl"));
	}
	struct k8s_client *c = lf_xcalloc(1, sizeof *c);
	c->kc = kc;
	if (opts)
		c->opt = *opts;
	c->opt.max_attempts = (int)or_default(c->opt.max_attempts, 5);
	c->opt.backoff_ms = or_default(c->opt.backoff_ms, 250);
	c->opt.max_backoff_ms = or_default(c->opt.max_backoff_ms, 8000);
	c->opt.timeout_ms = or_default(c->opt.timeout_ms, 60000);
	c->opt.connect_timeout_ms = or_default(c->opt.connect_timeout_ms, 10000);
	c->opt.page_size = (int)or_default(c->opt.page_size, 500);
	c->rand_state = (unsigned)time(NULL) ^ ((unsigned)getpid() << 16);
	c->fetched_gv = json_object();
	c->curl = curl_easy_init();
	if (!c->curl) {
		k8s_client_free(c);
		return lf_fail(cause, _("cannot initialise libcurl"));
	}
	if (setup_endpoint(c, cause) != 0) {
		k8s_client_free(c);
		return -1;
	}
	*out = c;
	return 0;
}

int k8s_client_open(const char *kubeconfig_paths, const char *context,
		    const struct k8s_client_options *opts, struct k8s_client **out, char **cause)
{
	struct kubeconfig *kc;
	*out = NULL;
	if (kubeconfig_load(kubeconfig_paths, context, &kc, cause) != 0)
		return -1;
	return k8s_client_new(kc, opts, out, cause);
}

void k8s_client_free(struct k8s_client *c)
{
	if (!c)
		return;
	if (c->curl)
		curl_easy_cleanup(c->curl);
	curl_slist_free_all(c->connect_to);
	free(c->base);
	free(c->host_header);
	free(c->last_reason);
	if (c->registered_token) {
		explicit_bzero(c->registered_token, strlen(c->registered_token));
		free(c->registered_token);
	}
	json_decref(c->fetched_gv);
	for (size_t i = 0; i < c->nres; i++) {
		free(c->res[i]->group);
		free(c->res[i]->version);
		free(c->res[i]->name);
		free(c->res[i]->kind);
		free(c->res[i]);
	}
	free(c->res);
	kubeconfig_free(c->kc);
	free(c);
	curl_global_cleanup();
}

struct kubeconfig *k8s_client_kubeconfig(struct k8s_client *c)
{
	return c->kc;
}

long k8s_client_last_code(const struct k8s_client *c)
{
	return c->last_code;
}

const char *k8s_client_last_reason(const struct k8s_client *c)
{
	return c->last_reason;
}

unsigned k8s_client_requests(const struct k8s_client *c)
{
	return c->requests;
}

/* ---- one HTTP exchange -------------------------------------------------- */

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct reply *r = userdata;
	size_t n = size * nmemb;
	if (r->len + n > (size_t)MAX_REPLY) {
		r->overflow = true;
		return 0;
	}
	r->data = lf_xrealloc(r->data, r->len + n + 1);
	memcpy(r->data + r->len, ptr, n);
	r->len += n;
	r->data[r->len] = '\0';
	return n;
}

static size_t on_header(char *buf, size_t size, size_t nitems, void *userdata)
{
	struct reply *r = userdata;
	size_t n = size * nitems;
	if (n > 12 && strncasecmp(buf, "Retry-After:", 12) == 0) {
		long v = strtol(buf + 12, NULL, 10);
		r->retry_after = v > 0 ? v : 0;
	} else if (n > 13 && strncasecmp(buf, "Content-Type:", 13) == 0) {
		const char *v = buf + 13;
		while (*v == ' ' && v < buf + n)
			v++;
		size_t len = (size_t)(buf + n - v);
		while (len > 0 && (v[len - 1] == '\r' || v[len - 1] == '\n' || v[len - 1] == ' '))
			len--;
		free(r->content_type);
		r->content_type = lf_xstrndup(v, len);
	}
	return n;
}

static unsigned next_rand(struct k8s_client *c)
{
	unsigned x = c->rand_state ? c->rand_state : 2463534242u;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	c->rand_state = x;
	return x;
}

static void set_reason(struct k8s_client *c, const char *reason)
{
	free(c->last_reason);
	c->last_reason = reason ? lf_xstrdup(reason) : NULL;
}

/* Plain words for an HTTP failure. */
static const char *code_words(long code, const char *reason)
{
	switch (code) {
	case 400: return _("the server refused the request as malformed");
	case 401: return _("the cluster did not accept the credentials");
	case 403: return _("permission denied");
	case 404: return _("not found");
	case 405: return _("the server does not allow this method here");
	case 409:
		return reason && strcmp(reason, "AlreadyExists") == 0
			       ? _("it already exists")
			       : _("it conflicts with the object's current state");
	case 410: return _("the listing expired");
	case 415: return _("the server does not accept this content type");
	case 422: return _("the object was rejected as invalid");
	case 429: return _("the API server is busy (too many requests)");
	case 500: return _("the API server had an internal error");
	case 502:
	case 503: return _("the API server is unavailable");
	case 504: return _("the API server timed out");
	default: return _("unexpected reply");
	}
}

static char *http_failure(struct k8s_client *c, const char *method, const char *path, long code,
			  const json_t *body, const struct reply *r)
{
	const char *reason = NULL, *message = NULL;
	char *causes = NULL;
	if (json_is_object(body)) {
		const char *kind = json_string_value(json_object_get(body, "kind"));
		if (kind && strcmp(kind, "Status") == 0) {
			reason = json_string_value(json_object_get(body, "reason"));
			message = json_string_value(json_object_get(body, "message"));
			json_t *list = json_object_get(json_object_get(body, "details"), "causes");
			size_t i;
			json_t *it;
			json_array_foreach(list, i, it)
			{
				const char *f = json_string_value(json_object_get(it, "field"));
				const char *m = json_string_value(json_object_get(it, "message"));
				if (!m)
					continue;
				char *n = lf_asprintf("%s; %s%s%s", causes ? causes : "",
						      f ? f : "", f ? ": " : "", m);
				free(causes);
				causes = n;
			}
		}
	}
	set_reason(c, reason);
	char *snippet = NULL;
	if (!message && r->data && r->len > 0)
		snippet = lf_asprintf("%.200s", r->data);
	char *who = NULL;
	if (code == 401)
		who = lf_asprintf(_(" of user %s (context %s)"), c->kc->user, c->kc->context);
	char *s = lf_asprintf("%s %s: %s%s (HTTP %ld%s%s)%s%s%s", method, path,
			      code_words(code, reason), who ? who : "", code, reason ? " " : "",
			      reason ? reason : "", message || snippet ? ": " : "",
			      message ? message : (snippet ? snippet : ""), causes ? causes : "");
	free(who);
	free(snippet);
	free(causes);
	return s;
}

static enum k8s_status curl_failure(struct k8s_client *c, CURLcode cc, const char *errbuf,
				    const char *method, const char *path, bool *maybe_sent,
				    char **cause)
{
	const char *detail = errbuf[0] ? errbuf : curl_easy_strerror(cc);
	const struct kubeconfig *kc = c->kc;
	*maybe_sent = true;
	/* A TLS alert from the server ("tlsv1 alert unknown ca", "alert
	 * certificate required") means it refused our client certificate:
	 * retrying cannot help. With TLS 1.3 it arrives on the first read. */
	if ((cc == CURLE_RECV_ERROR || cc == CURLE_SEND_ERROR || cc == CURLE_SSL_CONNECT_ERROR) &&
	    strstr(detail, " alert ")) {
		*maybe_sent = false;
		lf_fail(cause,
			_("%s %s: the API server refused the TLS connection (does it trust the "
			  "client certificate of user %s?): %s"),
			method, path, kc->user, detail);
		return K8S_ERR_TLS;
	}
	switch (cc) {
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
		*maybe_sent = false;
		lf_fail(cause,
			_("%s %s: the API server's certificate was not accepted (checked against "
			  "%s%s%s): %s"),
			method, path, kc->ca_origin ? kc->ca_origin : _("the system's CAs"),
			kc->tls_server_name ? _(" for the name ") : "",
			kc->tls_server_name ? kc->tls_server_name : "", detail);
		return K8S_ERR_TLS;
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_SSL_ENGINE_INITFAILED:
		*maybe_sent = false;
		lf_fail(cause,
			_("%s %s: the client certificate or key of user %s cannot be used: %s"),
			method, path, kc->user, detail);
		return K8S_ERR_TLS;
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL:
		*maybe_sent = false;
		lf_fail(cause, _("%s %s: bad server address %s: %s"), method, path, kc->server,
			detail);
		return K8S_ERR_CONFIG;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_CONNECT:
	case CURLE_SSL_CONNECT_ERROR:
		*maybe_sent = false;
		/* fall through */
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_GOT_NOTHING:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		lf_fail(cause, _("%s %s: cannot reach the API server at %s: %s"), method, path,
			kc->server, detail);
		return K8S_ERR_CONNECT;
	default:
		lf_fail(cause, _("%s %s: request failed: %s"), method, path, detail);
		return K8S_ERR_PROTOCOL;
	}
}

static void remember_token(struct k8s_client *c, const char *token)
{
	if (!c->opt.events || !token)
		return;
	if (c->registered_token && strcmp(c->registered_token, token) == 0)
		return;
	events_add_secret(c->opt.events, token);
	if (c->registered_token) {
		explicit_bzero(c->registered_token, strlen(c->registered_token));
		free(c->registered_token);
	}
	c->registered_token = lf_xstrdup(token);
}

/* One attempt. *maybe_sent tells whether the server may have seen it. */
static enum k8s_status exchange(struct k8s_client *c, const char *method, const char *path,
				const char *ctype, const char *body, bool idempotent, json_t **out,
				long *retry_after, bool *maybe_sent, char **cause)
{
	struct kubeconfig_creds cr;
	*maybe_sent = false;
	*retry_after = -1;
	c->last_code = 0;
	set_reason(c, NULL);
	if (kubeconfig_credentials(c->kc, &cr, cause) != 0)
		return K8S_ERR_CONFIG;
	remember_token(c, cr.token);

	CURL *h = c->curl;
	curl_easy_reset(h);
	char errbuf[CURL_ERROR_SIZE] = "";
	struct reply r = {.retry_after = -1};
	char *url = lf_asprintf("%s%s", c->base, path);
	struct curl_slist *hdrs = NULL;
	hdrs = curl_slist_append(hdrs, "Accept: application/json");
	char *auth = NULL;
	if (cr.token) {
		auth = lf_asprintf("Authorization: Bearer %s", cr.token);
		hdrs = curl_slist_append(hdrs, auth);
	}
	char *ct = NULL;
	if (body) {
		ct = lf_asprintf("Content-Type: %s", ctype ? ctype : "application/json");
		hdrs = curl_slist_append(hdrs, ct);
	}
	if (c->host_header)
		hdrs = curl_slist_append(hdrs, c->host_header);
	/* No "Expect: 100-continue" round trip for large bodies. */
	hdrs = curl_slist_append(hdrs, "Expect:");

	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "landfall/" LANDFALL_VERSION);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->opt.timeout_ms);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, c->opt.connect_timeout_ms);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &r);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, &r);
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
	/* libcurl quietly sends a request again when a reused connection
	 * turns out dead before any reply. For a create that may already have
	 * been done, use a fresh connection so nothing is sent twice. */
	if (!idempotent)
		curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, 1L);
	if (c->connect_to)
		curl_easy_setopt(h, CURLOPT_CONNECT_TO, c->connect_to);
	if (c->kc->proxy_url)
		curl_easy_setopt(h, CURLOPT_PROXY, c->kc->proxy_url);
	if (c->kc->ca.data) {
		struct curl_blob ca = {
			.data = c->kc->ca.data, .len = c->kc->ca.len, .flags = CURL_BLOB_COPY};
		curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &ca);
	}
	if (cr.cert && cr.key) {
		struct curl_blob cert = {
			.data = (void *)cr.cert, .len = cr.cert_len, .flags = CURL_BLOB_COPY};
		struct curl_blob key = {
			.data = (void *)cr.key, .len = cr.key_len, .flags = CURL_BLOB_COPY};
		curl_easy_setopt(h, CURLOPT_SSLCERT_BLOB, &cert);
		curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, "PEM");
		curl_easy_setopt(h, CURLOPT_SSLKEY_BLOB, &key);
		curl_easy_setopt(h, CURLOPT_SSLKEYTYPE, "PEM");
	}
	if (strcmp(method, "GET") == 0) {
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
	} else {
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
		if (body) {
			curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
			curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
		}
	}

	long long t0 = lf_now_ms();
	c->requests++;
	CURLcode cc = curl_easy_perform(h);
	long long took = lf_now_ms() - t0;
	enum k8s_status st;
	/* The header list and the token must not outlive the request. */
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(hdrs);
	if (auth) {
		explicit_bzero(auth, strlen(auth));
		free(auth);
	}
	free(ct);

	if (cc != CURLE_OK && !(cc == CURLE_WRITE_ERROR && r.overflow)) {
		st = curl_failure(c, cc, errbuf, method, path, maybe_sent, cause);
		if (c->opt.events)
			events_log(c->opt.events, NULL, LOG_DEBUG, "k8s %s %s: %s (%lld ms)",
				   method, path, k8s_status_name(st), took);
		goto out;
	}
	*maybe_sent = true;
	if (r.overflow) {
		lf_fail(cause, _("%s %s: the reply is larger than 64 MiB"), method, path);
		st = K8S_ERR_PROTOCOL;
		goto out;
	}
	long code = 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	c->last_code = code;
	*retry_after = r.retry_after;
	if (c->opt.events)
		events_log(c->opt.events, NULL, LOG_DEBUG, "k8s %s %s: %ld (%lld ms)", method, path,
			   code, took);
	json_t *doc = NULL;
	if (r.len > 0) {
		json_error_t jerr;
		doc = json_loadb(r.data, r.len, 0, &jerr);
	}
	st = k8s_status_from_http(code);
	if (st != K8S_OK) {
		char *msg = http_failure(c, method, path, code, doc, &r);
		lf_fail(cause, "%s", msg);
		free(msg);
		json_decref(doc);
		goto out;
	}
	if (r.len > 0 && !doc) {
		lf_fail(cause, _("%s %s: the reply is not JSON (Content-Type %s)"), method, path,
			r.content_type ? r.content_type : _("unknown"));
		st = K8S_ERR_PROTOCOL;
		goto out;
	}
	if (out)
		*out = doc ? doc : json_null();
	else
		json_decref(doc);
out:
	free(url);
	free(r.data);
	free(r.content_type);
	return st;
}

static enum k8s_status request_ex(struct k8s_client *c, const char *method, const char *path,
				  const char *ctype, const json_t *body, bool idempotent,
				  json_t **out, char **cause)
{
	if (out)
		*out = NULL;
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	bool refreshed = false;
	int attempt = 1;
	enum k8s_status st;
	for (;;) {
		long retry_after;
		bool maybe_sent;
		st = exchange(c, method, path, ctype, text, idempotent, out, &retry_after,
			      &maybe_sent, cause);
		if (st == K8S_ERR_UNAUTHORIZED && !refreshed && kubeconfig_invalidate(c->kc)) {
			refreshed = true;
			if (c->opt.events)
				events_log(
					c->opt.events, NULL, LOG_INFO,
					_("The API server refused the credentials; getting fresh "
					  "ones and trying again"));
			continue;
		}
		bool may_retry = idempotent || !maybe_sent || st == K8S_ERR_THROTTLED;
		if (!k8s_status_retryable(st) || !may_retry || attempt >= c->opt.max_attempts)
			break;
		long delay = c->opt.backoff_ms;
		for (int i = 1; i < attempt && delay < c->opt.max_backoff_ms; i++)
			delay *= 2;
		delay = delay / 2 + (long)(next_rand(c) % (unsigned long)(delay / 2 + 1));
		if (retry_after >= 0)
			delay = retry_after * 1000L;
		if (delay > c->opt.max_backoff_ms)
			delay = c->opt.max_backoff_ms;
		if (c->opt.events)
			events_log(c->opt.events, NULL, LOG_WARN,
				   _("%s; trying again in %ld ms (attempt %d of %d)"),
				   cause && *cause ? *cause : k8s_status_name(st), delay,
				   attempt + 1, c->opt.max_attempts);
		if (lf_sleep_ms(delay) != 0) {
			st = K8S_ERR_INTERRUPTED;
			lf_fail(cause, _("%s %s: interrupted"), method, path);
			break;
		}
		attempt++;
	}
	free(text);
	return st;
}

enum k8s_status k8s_request(struct k8s_client *c, const char *method, const char *path,
			    const char *content_type, const json_t *body, json_t **out,
			    char **cause)
{
	bool idempotent = strcmp(method, "POST") != 0;
	return request_ex(c, method, path, content_type, body, idempotent, out, cause);
}

enum k8s_status k8s_get(struct k8s_client *c, const char *path, json_t **out, char **cause)
{
	return request_ex(c, "GET", path, NULL, NULL, true, out, cause);
}

static char *with_query(const char *path, const char *query)
{
	return lf_asprintf("%s%c%s", path, strchr(path, '?') ? '&' : '?', query);
}

enum k8s_status k8s_list(struct k8s_client *c, const char *path, const char *selector, json_t **out,
			 char **cause)
{
	*out = NULL;
	char *limit = lf_asprintf("limit=%d", c->opt.page_size);
	char *base = with_query(path, limit);
	free(limit);
	if (!lf_str_empty(selector)) {
		char *esc = curl_easy_escape(c->curl, selector, 0);
		char *q = lf_asprintf("labelSelector=%s", esc);
		char *b = with_query(base, q);
		curl_free(esc);
		free(q);
		free(base);
		base = b;
	}
	json_t *result = NULL;
	char *cont = NULL;
	enum k8s_status st = K8S_OK;
	for (int page = 0; page < 10000; page++) {
		char *p = base;
		if (cont) {
			char *esc = curl_easy_escape(c->curl, cont, 0);
			char *q = lf_asprintf("continue=%s", esc);
			p = with_query(base, q);
			curl_free(esc);
			free(q);
		}
		json_t *doc = NULL;
		st = k8s_get(c, p, &doc, cause);
		if (p != base)
			free(p);
		free(cont);
		cont = NULL;
		if (st != K8S_OK)
			break;
		json_t *items = json_object_get(doc, "items");
		if (!json_is_object(doc) ||
		    (items && !json_is_array(items) && !json_is_null(items))) {
			json_decref(doc);
			st = K8S_ERR_PROTOCOL;
			lf_fail(cause, _("GET %s: the reply is not a list"), path);
			break;
		}
		const char *next = json_string_value(
			json_object_get(json_object_get(doc, "metadata"), "continue"));
		if (!lf_str_empty(next))
			cont = lf_xstrdup(next);
		if (!result) {
			result = doc;
			if (!json_is_array(items))
				json_object_set_new(result, "items", json_array());
		} else {
			if (json_is_array(items))
				json_array_extend(json_object_get(result, "items"), items);
			json_decref(doc);
		}
		if (!cont)
			break;
	}
	free(cont);
	free(base);
	if (st != K8S_OK) {
		json_decref(result);
		return st;
	}
	json_object_del(json_object_get(result, "metadata"), "continue");
	*out = result;
	return K8S_OK;
}

enum k8s_status k8s_create(struct k8s_client *c, const char *collection_path, const json_t *obj,
			   json_t **out, char **cause)
{
	return request_ex(c, "POST", collection_path, NULL, obj, false, out, cause);
}

enum k8s_status k8s_apply(struct k8s_client *c, const char *path, const json_t *obj, unsigned flags,
			  json_t **out, char **cause)
{
	char *p = with_query(path, (flags & K8S_APPLY_DRY_RUN) ? "fieldManager=" K8S_FIELD_MANAGER
								 "&force=true&dryRun=All"
							       : "fieldManager=" K8S_FIELD_MANAGER
								 "&force=true");
	enum k8s_status st =
		request_ex(c, "PATCH", p, "application/apply-patch+yaml", obj, true, out, cause);
	free(p);
	return st;
}

enum k8s_status k8s_merge_patch(struct k8s_client *c, const char *path, const json_t *patch,
				json_t **out, char **cause)
{
	char *p = with_query(path, "fieldManager=" K8S_FIELD_MANAGER);
	enum k8s_status st =
		request_ex(c, "PATCH", p, "application/merge-patch+json", patch, true, out, cause);
	free(p);
	return st;
}

enum k8s_status k8s_delete(struct k8s_client *c, const char *path, json_t **out, char **cause)
{
	json_t *opts = json_pack("{s:s, s:s, s:s}", "kind", "DeleteOptions", "apiVersion", "v1",
				 "propagationPolicy", "Foreground");
	enum k8s_status st = request_ex(c, "DELETE", path, NULL, opts, true, out, cause);
	json_decref(opts);
	return st;
}

enum k8s_status k8s_version(struct k8s_client *c, char **git_version, json_t **out, char **cause)
{
	json_t *doc = NULL;
	if (git_version)
		*git_version = NULL;
	if (out)
		*out = NULL;
	enum k8s_status st = k8s_get(c, "/version", &doc, cause);
	if (st != K8S_OK)
		return st;
	const char *v = json_string_value(json_object_get(doc, "gitVersion"));
	if (!v) {
		json_decref(doc);
		lf_fail(cause, _("GET /version: the reply has no gitVersion"));
		return K8S_ERR_PROTOCOL;
	}
	if (git_version)
		*git_version = lf_xstrdup(v);
	if (out)
		*out = doc;
	else
		json_decref(doc);
	return K8S_OK;
}

/* ---- access review ------------------------------------------------------ */

enum k8s_status k8s_access_review(struct k8s_client *c, const struct k8s_access *a, bool *allowed,
				  char **reason, char **cause)
{
	*allowed = false;
	if (reason)
		*reason = NULL;
	json_t *attrs = json_object();
	const struct {
		const char *key, *value;
	} fields[] = {
		{"verb", a->verb},
		{"group", a->group ? a->group : ""},
		{"resource", a->resource},
		{"subresource", a->subresource},
		{"namespace", a->namespace_},
		{"name", a->name},
	};
	for (size_t i = 0; i < LF_ARRAY_LEN(fields); i++)
		if (fields[i].value)
			json_object_set_new(attrs, fields[i].key, json_string(fields[i].value));
	json_t *review =
		json_pack("{s:s, s:s, s:{s:o}}", "kind", "SelfSubjectAccessReview", "apiVersion",
			  "authorization.k8s.io/v1", "spec", "resourceAttributes", attrs);
	json_t *doc = NULL;
	enum k8s_status st =
		request_ex(c, "POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
			   NULL, review, true, &doc, cause);
	json_decref(review);
	if (st != K8S_OK)
		return st;
	json_t *status = json_object_get(doc, "status");
	json_t *ok = json_object_get(status, "allowed");
	if (!json_is_boolean(ok)) {
		json_decref(doc);
		lf_fail(cause, _("SelfSubjectAccessReview: the reply has no status.allowed"));
		return K8S_ERR_PROTOCOL;
	}
	*allowed = json_is_true(ok) && !json_is_true(json_object_get(status, "denied"));
	if (reason) {
		const char *r = json_string_value(json_object_get(status, "reason"));
		const char *e = json_string_value(json_object_get(status, "evaluationError"));
		if (!lf_str_empty(r) && !lf_str_empty(e))
			*reason = lf_asprintf("%s (%s)", r, e);
		else if (!lf_str_empty(r) || !lf_str_empty(e))
			*reason = lf_xstrdup(!lf_str_empty(r) ? r : e);
	}
	json_decref(doc);
	return K8S_OK;
}

/* ---- discovery ---------------------------------------------------------- */

enum k8s_status k8s_api_versions(struct k8s_client *c, json_t **out, char **cause)
{
	*out = NULL;
	json_t *core = NULL, *groups = NULL;
	enum k8s_status st = k8s_get(c, "/api", &core, cause);
	if (st == K8S_OK)
		st = k8s_get(c, "/apis", &groups, cause);
	if (st != K8S_OK) {
		json_decref(core);
		return st;
	}
	json_t *list = json_array();
	size_t i, j;
	json_t *v, *g, *gv;
	json_array_foreach(json_object_get(core, "versions"), i, v)
	{
		if (json_is_string(v))
			json_array_append(list, v);
	}
	json_array_foreach(json_object_get(groups, "groups"), i, g)
	{
		json_array_foreach(json_object_get(g, "versions"), j, gv)
		{
			json_t *s = json_object_get(gv, "groupVersion");
			if (json_is_string(s))
				json_array_append(list, s);
		}
	}
	json_decref(core);
	json_decref(groups);
	*out = list;
	return K8S_OK;
}

static const struct k8s_resource *find_cached(struct k8s_client *c, const char *group,
					      const char *version, const char *kind)
{
	for (size_t i = 0; i < c->nres; i++) {
		const struct k8s_resource *r = &c->res[i]->r;
		if (strcmp(r->group, group) == 0 && strcmp(r->version, version) == 0 &&
		    strcmp(r->kind, kind) == 0)
			return r;
	}
	return NULL;
}

enum k8s_status k8s_discover(struct k8s_client *c, const char *api_version, const char *kind,
			     const struct k8s_resource **out, char **cause)
{
	*out = NULL;
	if (lf_str_empty(api_version) || lf_str_empty(kind)) {
		lf_fail(cause, _("discovery needs an apiVersion and a kind"));
		return K8S_ERR_INVALID;
	}
	const char *slash = strchr(api_version, '/');
	char *group =
		slash ? lf_xstrndup(api_version, (size_t)(slash - api_version)) : lf_xstrdup("");
	const char *version = slash ? slash + 1 : api_version;
	enum k8s_status st = K8S_OK;
	if (!json_object_get(c->fetched_gv, api_version)) {
		char *path = slash ? lf_asprintf("/apis/%s", api_version)
				   : lf_asprintf("/api/%s", api_version);
		json_t *doc = NULL;
		st = k8s_get(c, path, &doc, cause);
		free(path);
		if (st == K8S_ERR_NOT_FOUND)
			lf_fail(cause, _("the API server does not serve %s"), api_version);
		if (st != K8S_OK)
			goto out;
		size_t i;
		json_t *it;
		json_array_foreach(json_object_get(doc, "resources"), i, it)
		{
			const char *name = json_string_value(json_object_get(it, "name"));
			const char *k = json_string_value(json_object_get(it, "kind"));
			if (!name || !k || strchr(name, '/')) /* subresources */
				continue;
			struct resource_entry *e = lf_xcalloc(1, sizeof *e);
			e->group = lf_xstrdup(group);
			e->version = lf_xstrdup(version);
			e->name = lf_xstrdup(name);
			e->kind = lf_xstrdup(k);
			e->r = (struct k8s_resource){
				.group = e->group,
				.version = e->version,
				.name = e->name,
				.kind = e->kind,
				.namespaced = json_is_true(json_object_get(it, "namespaced"))};
			c->res = lf_xrealloc(c->res, (c->nres + 1) * sizeof *c->res);
			c->res[c->nres++] = e;
		}
		json_decref(doc);
		json_object_set_new(c->fetched_gv, api_version, json_true());
	}
	*out = find_cached(c, group, version, kind);
	if (!*out) {
		lf_fail(cause, _("the API server has no kind %s in %s"), kind, api_version);
		st = K8S_ERR_NOT_FOUND;
	}
out:
	free(group);
	return st;
}

char *k8s_resource_path(const struct k8s_resource *r, const char *ns, const char *name)
{
	char *gv = r->group[0] ? lf_asprintf("/apis/%s/%s", r->group, r->version)
			       : lf_asprintf("/api/%s", r->version);
	char *nsp = r->namespaced && !lf_str_empty(ns) ? lf_asprintf("/namespaces/%s", ns)
						       : lf_xstrdup("");
	char *p = lf_asprintf("%s%s/%s%s%s", gv, nsp, r->name, name ? "/" : "", name ? name : "");
	free(gv);
	free(nsp);
	return p;
}

/* Object names are DNS subdomains; refuse anything that could change the
 * path when pasted into it. */
static bool safe_name(const char *s)
{
	if (lf_str_empty(s) || strlen(s) > 253)
		return false;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' ||
		      *p == '.' || *p == ':'))
			return false;
	return strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
}

enum k8s_status k8s_object_path(struct k8s_client *c, const json_t *obj, const char *default_ns,
				char **path, char **cause)
{
	*path = NULL;
	const char *api = json_string_value(json_object_get(obj, "apiVersion"));
	const char *kind = json_string_value(json_object_get(obj, "kind"));
	json_t *meta = json_object_get(obj, "metadata");
	const char *name = json_string_value(json_object_get(meta, "name"));
	const char *ns = json_string_value(json_object_get(meta, "namespace"));
	if (!api || !kind || !name) {
		lf_fail(cause, _("the manifest lacks %s"),
			!api	? "apiVersion"
			: !kind ? "kind"
				: "metadata.name");
		return K8S_ERR_INVALID;
	}
	if (!safe_name(name) || (ns && !safe_name(ns))) {
		lf_fail(cause, _("%s %s: the name or namespace is not a valid object name"), kind,
			name);
		return K8S_ERR_INVALID;
	}
	const struct k8s_resource *r;
	enum k8s_status st = k8s_discover(c, api, kind, &r, cause);
	if (st != K8S_OK)
		return st;
	if (!ns)
		ns = default_ns;
	if (r->namespaced && lf_str_empty(ns)) {
		lf_fail(cause, _("%s %s: a namespace is needed"), kind, name);
		return K8S_ERR_INVALID;
	}
	*path = k8s_resource_path(r, ns, name);
	return K8S_OK;
}
