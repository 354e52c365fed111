/* A small Kubernetes API client: HTTPS with libcurl, verified against the
 * cluster's CA, JSON through jansson, credentials from the kubeconfig.
 *
 * Every call returns an enum k8s_status and, on failure, a caller-freed
 * message in *cause that says in plain words what the server said, with
 * the method, path, HTTP code and the Status reason. JSON results are new
 * references the caller releases with json_decref().
 *
 * Retries: connection failures, 429 and 5xx are retried inside the call
 * with exponential backoff and jitter (Retry-After honoured, capped), up to
 * the configured attempts. A create (POST) is retried only on 429 or when
 * the request cannot have reached the server (refused, unresolved, TLS
 * handshake failed), and goes out on a fresh connection, because libcurl
 * would otherwise quietly send it again when a reused connection turns out
 * dead. Everything else Landfall sends (GET, apply, merge patch, DELETE,
 * access reviews) is idempotent. A 401 makes the client ask the kubeconfig
 * for fresh credentials (exec plugin re-run, tokenFile re-read) and retry
 * once. Other failures are returned at once.
 *
 * TLS: always verified. The CA is the kubeconfig's (or the system's roots
 * when it names none); tls-server-name is honoured by addressing the server
 * by that name and connecting to the real address (CURLOPT_CONNECT_TO), so
 * SNI and the certificate check both use it. Client certificates and keys
 * are handed to libcurl as in-memory blobs, never written to disk.
 *
 * A client is not thread-safe: one per thread. Tokens are registered with
 * the event stream's redactor when one is given. */
#ifndef LANDFALL_K8S_CLIENT_H
#define LANDFALL_K8S_CLIENT_H

#include <jansson.h>
#include <stdbool.h>

#include "../events.h"
#include "kubeconfig.h"

#define K8S_FIELD_MANAGER "landfall"

enum k8s_status {
	K8S_OK = 0,
	K8S_ERR_CONFIG,	      /* kubeconfig or credential plugin failure */
	K8S_ERR_TLS,	      /* the server's certificate is not trusted, or a
				 local certificate/key is unusable */
	K8S_ERR_CONNECT,      /* cannot connect, dropped, timed out (retryable) */
	K8S_ERR_UNAUTHORIZED, /* 401, even after refreshing credentials */
	K8S_ERR_FORBIDDEN,    /* 403 */
	K8S_ERR_NOT_FOUND,    /* 404 */
	K8S_ERR_CONFLICT,     /* 409: AlreadyExists or Conflict */
	K8S_ERR_INVALID,      /* 400 / 422: the request or object was rejected */
	K8S_ERR_THROTTLED,    /* 429 (retryable) */
	K8S_ERR_SERVER,	      /* 5xx (retryable) */
	K8S_ERR_PROTOCOL,     /* anything else: unexpected code or reply */
	K8S_ERR_INTERRUPTED,  /* a signal arrived while waiting to retry */
};

/* Worth trying again later: connection failures, 429, 5xx. */
bool k8s_status_retryable(enum k8s_status st);
/* Stable lower-case name, e.g. "not-found". */
const char *k8s_status_name(enum k8s_status st);
/* The status for an HTTP code (200..599). */
enum k8s_status k8s_status_from_http(long code);

struct k8s_client_options {
	struct events *events;	 /* debug logs and secret redaction; may be NULL */
	int max_attempts;	 /* per call, for retryable failures; 0: 5 */
	long backoff_ms;	 /* first retry delay; 0: 250 (doubles, jitter) */
	long max_backoff_ms;	 /* 0: 8000 */
	long timeout_ms;	 /* whole request; 0: 60000 */
	long connect_timeout_ms; /* 0: 10000 */
	int page_size;		 /* k8s_list page size; 0: 500 */
};

struct k8s_client;

/* Take ownership of `kc` (freed with the client, even on failure). opts may
 * be NULL for the defaults. Returns 0 and *out, or -1 with *cause. No
 * request is made here. */
int k8s_client_new(struct kubeconfig *kc, const struct k8s_client_options *opts,
		   struct k8s_client **out, char **cause);
/* Load the kubeconfig (see kubeconfig_load) and make a client. */
int k8s_client_open(const char *kubeconfig_paths, const char *context,
		    const struct k8s_client_options *opts, struct k8s_client **out, char **cause);
void k8s_client_free(struct k8s_client *c);

/* Borrowed; lives as long as the client. */
struct kubeconfig *k8s_client_kubeconfig(struct k8s_client *c);
/* HTTP code and Status reason ("AlreadyExists", may be NULL) of the last
 * reply; 0 and NULL when there was none. Borrowed until the next call. */
long k8s_client_last_code(const struct k8s_client *c);
const char *k8s_client_last_reason(const struct k8s_client *c);
/* Requests sent (each attempt counts), for tests and logs. */
unsigned k8s_client_requests(const struct k8s_client *c);

/* One request. `path` starts with '/' and may carry a query. `body` may be
 * NULL; it is sent as JSON with `content_type` (NULL: application/json).
 * On success *out (may be NULL to discard) holds the decoded JSON reply,
 * or JSON null for an empty one. */
enum k8s_status k8s_request(struct k8s_client *c, const char *method, const char *path,
			    const char *content_type, const json_t *body, json_t **out,
			    char **cause);

/* GET path. */
enum k8s_status k8s_get(struct k8s_client *c, const char *path, json_t **out, char **cause);

/* GET a collection, following `continue` tokens (pages of page_size). *out is
 * the list object with every item in "items". `selector` is a label
 * selector ("app=clearml") or NULL. */
enum k8s_status k8s_list(struct k8s_client *c, const char *path, const char *selector, json_t **out,
			 char **cause);

/* POST obj to a collection path. 409 (AlreadyExists) is returned as
 * K8S_ERR_CONFLICT. */
enum k8s_status k8s_create(struct k8s_client *c, const char *collection_path, const json_t *obj,
			   json_t **out, char **cause);

enum k8s_apply_flags {
	K8S_APPLY_DRY_RUN = 1u << 0, /* dryRun=All: validated, nothing stored */
};

/* Server-side apply: PATCH the object's path with Content-Type
 * application/apply-patch+yaml (the JSON text is valid YAML),
 * ?fieldManager=landfall&force=true. Creates the object when missing,
 * otherwise merges the fields Landfall manages. */
enum k8s_status k8s_apply(struct k8s_client *c, const char *path, const json_t *obj, unsigned flags,
			  json_t **out, char **cause);

/* JSON merge patch (RFC 7386), e.g. to add a label to a node. */
enum k8s_status k8s_merge_patch(struct k8s_client *c, const char *path, const json_t *patch,
				json_t **out, char **cause);

/* DELETE with propagationPolicy=Foreground: dependents go first; the
 * object may still be readable (with a deletionTimestamp) for a while. */
enum k8s_status k8s_delete(struct k8s_client *c, const char *path, json_t **out, char **cause);

/* GET /version; *git_version (caller frees) is e.g. "v1.30.2". */
enum k8s_status k8s_version(struct k8s_client *c, char **git_version, json_t **out, char **cause);

/* ---- access review -------------------------------------------------- */

struct k8s_access {
	const char *verb;	 /* "create", "patch", "get", ... */
	const char *group;	 /* "" or NULL for the core group */
	const char *resource;	 /* plural, "deployments" */
	const char *subresource; /* may be NULL */
	const char *namespace_;	 /* NULL for cluster-scoped or all namespaces */
	const char *name;	 /* may be NULL */
};

/* SelfSubjectAccessReview: may the current user do this? *allowed is the
 * answer; *reason (caller frees, may be NULL) is the authorizer's reason or
 * evaluation error. K8S_OK means the review itself worked. */
enum k8s_status k8s_access_review(struct k8s_client *c, const struct k8s_access *a, bool *allowed,
				  char **reason, char **cause);

/* ---- discovery ------------------------------------------------------ */

struct k8s_resource {
	const char *group;   /* "" for the core group */
	const char *version; /* "v1" */
	const char *name;    /* plural: "deployments" */
	const char *kind;    /* "Deployment" */
	bool namespaced;
};

/* The group versions the server offers ("v1", "apps/v1", ...), from /api
 * and /apis, as a JSON array of strings. */
enum k8s_status k8s_api_versions(struct k8s_client *c, json_t **out, char **cause);

/* Find the resource for apiVersion ("v1", "apps/v1") and kind through
 * discovery (/api/v1, /apis/GROUP/VERSION), cached per client. *out is
 * borrowed from the client. K8S_ERR_NOT_FOUND when the server does not
 * serve it. */
enum k8s_status k8s_discover(struct k8s_client *c, const char *api_version, const char *kind,
			     const struct k8s_resource **out, char **cause);

/* /api/v1/namespaces/NS/configmaps/NAME, /apis/apps/v1/deployments, ...:
 * `ns` is ignored for cluster-scoped resources and may be NULL (all
 * namespaces); `name` NULL gives the collection. Caller frees. */
char *k8s_resource_path(const struct k8s_resource *r, const char *ns, const char *name);

/* The path of the object a manifest describes (apiVersion, kind,
 * metadata.name, metadata.namespace or `default_ns`), through discovery.
 * Caller frees *path. */
enum k8s_status k8s_object_path(struct k8s_client *c, const json_t *obj, const char *default_ns,
				char **path, char **cause);

#endif
