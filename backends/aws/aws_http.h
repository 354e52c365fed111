/* The AWS client: one signed HTTPS request, and the four protocols the
 * services Landfall uses speak on top of it.
 *
 * Signing is libcurl's own SigV4 (CURLOPT_AWS_SIGV4), always given the
 * explicit scope "aws:amz:REGION:SERVICE" and the keys through
 * CURLOPT_USERPWD; a session token travels (signed) as
 * x-amz-security-token. TLS verification is never turned off; AWS_CA_BUNDLE
 * names extra trust the way the AWS CLI reads it.
 *
 * What curl 7.88's signer does not do, the client does before handing the
 * request over, so that the signature is the one AWS computes:
 *   - the query string is canonical already: parameters sorted, RFC 3986
 *     encoded, "key=" written even for empty values (aws_params_encode);
 *   - the path is signed as sent, so outside S3 it may hold unreserved
 *     characters only (AWS would double-encode a '%'); such a request is
 *     refused with a clear message rather than sent with a bad signature;
 *   - S3 needs x-amz-content-sha256: the client hashes the body itself;
 *   - every header in aws_request.headers is signed: no header may be
 *     given twice, nor be a prefix of another ("x-a" and "x-a-b"), which
 *     curl would sort differently from AWS.
 *
 * Endpoints: https://PREFIX.REGION.amazonaws.com (IAM and Route53: their
 * global hosts, signed for us-east-1). Overrides, first set wins: the
 * explicit endpoint (the answers' field), AWS_ENDPOINT_URL_<SERVICE>,
 * AWS_ENDPOINT_URL, the profile's endpoint_url; the last three are ignored
 * when AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true. With an override, S3 is
 * addressed path-style. Plain http is accepted for loopback hosts only
 * (a local emulator), never to reach a remote host unencrypted.
 *
 * Retries: throttling codes, HTTP 429 and 5xx (but 501), and dropped
 * connections and timeouts are retried inside one call with exponential
 * backoff and jitter (4 attempts by default); whatever still fails is
 * AWS_TRANSIENT, which actions turn into ACT_RETRY so that the engine
 * retries the whole action later. Everything else is AWS_FAILED at once.
 *
 * A client is used by one thread at a time. It never logs a secret, an
 * Authorization header or a request body; with an event stream it logs
 * one debug line per call (service, operation, status, time, request id). */
#ifndef LANDFALL_AWS_HTTP_H
#define LANDFALL_AWS_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include <curl/curl.h>
#include <jansson.h>
#include <libxml/tree.h>

#include "../backend.h"
#include "../events.h"
#include "aws_creds.h"

enum aws_protocol {
	AWS_PROTO_QUERY,     /* Action=..&Version=.. form POST, XML answers */
	AWS_PROTO_JSON,	     /* JSON 1.1: POST /, X-Amz-Target */
	AWS_PROTO_REST_XML,  /* resources in the path, XML bodies */
	AWS_PROTO_REST_JSON, /* resources in the path, JSON bodies */
};

/* The services, once: X(id, signing name, host prefix, AWS_ENDPOINT_URL_
 * suffix, protocol, API version (query, REST paths), JSON target prefix,
 * global (one endpoint, signed for the partition's home region)). */
#define AWS_SERVICES(X)                                                                            \
	X(AWS_EC2, "ec2", "ec2", "EC2", AWS_PROTO_QUERY, "2016-11-15", NULL, false)                \
	X(AWS_IAM, "iam", "iam", "IAM", AWS_PROTO_QUERY, "2010-05-08", NULL, true)                 \
	X(AWS_STS, "sts", "sts", "STS", AWS_PROTO_QUERY, "2011-06-15", NULL, false)                \
	X(AWS_ELBV2, "elasticloadbalancing", "elasticloadbalancing", "ELASTIC_LOAD_BALANCING_V2",  \
	  AWS_PROTO_QUERY, "2015-12-01", NULL, false)                                              \
	X(AWS_ACM, "acm", "acm", "ACM", AWS_PROTO_JSON, NULL, "CertificateManager", false)         \
	X(AWS_ROUTE53, "route53", "route53", "ROUTE_53", AWS_PROTO_REST_XML, "2013-04-01", NULL,   \
	  true)                                                                                    \
	X(AWS_S3, "s3", "s3", "S3", AWS_PROTO_REST_XML, "2006-03-01", NULL, false)                 \
	X(AWS_BACKUP, "backup", "backup", "BACKUP", AWS_PROTO_REST_JSON, NULL, NULL, false)        \
	X(AWS_SSM, "ssm", "ssm", "SSM", AWS_PROTO_JSON, NULL, "AmazonSSM", false)                  \
	X(AWS_SERVICE_QUOTAS, "servicequotas", "servicequotas", "SERVICE_QUOTAS", AWS_PROTO_JSON,  \
	  NULL, "ServiceQuotasV20190624", false)

/* clang-format off */
enum aws_service {
#define AWS_SERVICE_ENUM(id, ...) id,
	AWS_SERVICES(AWS_SERVICE_ENUM)
#undef AWS_SERVICE_ENUM
	AWS_SERVICE_COUNT
};
/* clang-format on */

struct aws_service_info {
	const char *signing_name; /* credential scope: "elasticloadbalancing" */
	const char *host_prefix;  /* "elasticloadbalancing" in the host name */
	const char *env_suffix;	  /* AWS_ENDPOINT_URL_<this> */
	enum aws_protocol protocol;
	const char *version;	   /* query APIs' Version, or NULL */
	const char *target_prefix; /* JSON 1.1 X-Amz-Target prefix, or NULL */
	bool global;
};

const struct aws_service_info *aws_service_info(enum aws_service svc);
/* Look a service up by its signing name ("ec2", "s3"); -1 when unknown. */
int aws_service_by_name(const char *name);

/* ---- endpoints ---------------------------------------------------------- */

struct aws_endpoint {
	char *url;	      /* scheme://host[:port][/base], no trailing '/' */
	char *signing_region; /* region in the credential scope */
	bool custom;	      /* from an override: S3 goes path-style */
	const char *origin;   /* "default", "explicit", "AWS_ENDPOINT_URL_S3",
				 "AWS_ENDPOINT_URL", "profile" (static) */
};

/* Resolve the endpoint of `svc` in `region`. explicit_url and profile_url
 * may be NULL. Returns 0, or -1 with *cause (bad region, bad URL). */
int aws_endpoint_resolve(enum aws_service svc, const char *region, const char *explicit_url,
			 const char *profile_url, struct aws_endpoint *out, char **cause);
void aws_endpoint_clear(struct aws_endpoint *e);

/* Full URL of a request: S3 buckets go in the host (virtual-hosted) unless
 * the endpoint is custom or the name has a dot, then in the path. `path`
 * is encoded and starts with '/' (NULL: "/"); `query` is canonical (NULL:
 * none). Caller-freed. */
char *aws_endpoint_url(const struct aws_endpoint *e, enum aws_service svc, const char *bucket,
		       const char *path, const char *query);

/* ---- encoding ----------------------------------------------------------- */

/* RFC 3986 percent-encoding as SigV4 wants it: A-Z a-z 0-9 - _ . ~ kept,
 * every other byte %XX in upper case; '/' kept when keep_slash (paths).
 * Caller-freed. */
char *aws_uri_encode(const char *s, bool keep_slash);

/* Parameters of a query API call or of a REST query string. */
struct aws_params;
struct aws_params *aws_params_new(void);
void aws_params_free(struct aws_params *p);
/* Add a parameter (copied). Adding a key again replaces its value. */
void aws_params_set(struct aws_params *p, const char *key, const char *value);
void aws_params_setf(struct aws_params *p, const char *key, const char *fmt, ...) LF_PRINTF(3, 4);
void aws_params_remove(struct aws_params *p, const char *key);
const char *aws_params_get(const struct aws_params *p, const char *key);
/* "k1=v1&k2=v2", sorted by key (bytes), both encoded; "" when empty.
 * Caller-freed. */
char *aws_params_encode(const struct aws_params *p);

/* SHA-256 of data as 64 lower-case hex digits plus NUL, and as base64. */
void aws_sha256_hex(const void *data, size_t len, char out[65]);
void aws_sha256_base64(const void *data, size_t len, char out[45]);

/* ---- errors ------------------------------------------------------------- */

enum aws_status {
	AWS_OK = 0,
	AWS_FAILED,    /* permanent: AWS said no, or the request cannot be made */
	AWS_TRANSIENT, /* throttled, 5xx or connection lost on every attempt */
};

struct aws_error {
	long status;	  /* HTTP status, 0 when no answer came */
	int curl_code;	  /* CURLcode when no answer came, else 0 */
	char *code;	  /* AWS error code ("InvalidVpcID.NotFound"), or NULL */
	char *message;	  /* AWS's message, or NULL */
	char *request_id; /* for support, or NULL */
	char *text;	  /* plain words for the user: "Code: message" */
	const char *hint; /* translated remedy for common codes, or NULL */
	bool retryable;
};

void aws_error_clear(struct aws_error *e);
/* True when the error's AWS code is `code`. */
bool aws_error_is(const struct aws_error *e, const char *code);

/* Read an error answer: XML (<Error><Code>/<Message>, also inside
 * <Response><Errors> and <ErrorResponse>), JSON (__type / code / Code,
 * message / Message), and the x-amzn-ErrorType header (may be NULL).
 * Sets err->code, ->message, ->request_id (when present), ->text, ->hint,
 * ->retryable; `status` is the HTTP status. */
void aws_error_parse(long status, const char *body, size_t len, const char *error_type_header,
		     struct aws_error *err);

/* The retry rule: throttling and transient codes, HTTP 429, 500, 502, 503,
 * 504 and other 5xx but 501; and curl failures that mean the connection
 * dropped or timed out (curl_code != 0, status 0). */
bool aws_retryable(long status, const char *code, int curl_code);

/* The engine's view of a status: ACT_OK, ACT_RETRY, ACT_FAILED. */
enum action_rc aws_action_rc(enum aws_status st);

/* ---- the client --------------------------------------------------------- */

struct aws_client_opts {
	const char *region;	  /* NULL: aws_region_default(profile) */
	const char *profile;	  /* explicit profile (answers), or NULL */
	const char *endpoint_url; /* explicit override for every service */
	struct aws_creds *creds;  /* taken over by the client; NULL: the chain */
	struct events *evs;	  /* debug lines and secret masking; may be NULL */
	int max_attempts;	  /* per call, including the first; 0: 4 */
	long base_delay_ms;	  /* first backoff; 0: 200 */
	long max_delay_ms;	  /* backoff cap; 0: 5000 */
	long connect_timeout_ms;  /* 0: 10 s */
	long timeout_ms;	  /* a whole attempt; 0: 120 s */
	/* Backoff sleep; NULL: lf_sleep_ms. Tests count instead of waiting. */
	void (*sleep_ms)(long ms, void *user);
	void *sleep_user;
	unsigned seed; /* jitter seed; 0: from the clock */
};

struct aws_client;

/* Resolve region and credentials and prepare a connection. Returns 0 and
 * *out, or -1 with *cause (no region, no credentials). opts->creds is
 * owned by the client even on failure. */
int aws_client_new(const struct aws_client_opts *opts, struct aws_client **out, char **cause);
void aws_client_free(struct aws_client *c);

const char *aws_client_region(const struct aws_client *c);
const struct aws_creds *aws_client_creds(const struct aws_client *c);
/* Tie later log lines to an action (NULL: none). The id is borrowed. */
void aws_client_set_action(struct aws_client *c, const char *action_id);

struct aws_stats {
	long calls;			    /* logical calls (aws_request and the helpers) */
	long attempts;			    /* HTTP requests sent, retries included */
	long retries;			    /* attempts after the first */
	long failures;			    /* calls that ended AWS_FAILED or AWS_TRANSIENT */
	long long ms;			    /* time spent in calls, backoff included */
	long by_service[AWS_SERVICE_COUNT]; /* calls per service */
};
void aws_client_stats(const struct aws_client *c, struct aws_stats *out);

/* One request. Strings are borrowed for the call. */
struct aws_request {
	enum aws_service service;
	const char *operation;	    /* for logs and stats; NULL: "METHOD path" */
	const char *method;	    /* NULL: "GET" */
	const char *bucket;	    /* S3 only */
	const char *path;	    /* encoded, starts with '/'; NULL: "/" */
	const char *query;	    /* canonical (aws_params_encode), no '?' */
	const char *const *headers; /* "Name: value", NULL-terminated; signed */
	const char *content_type;   /* NULL: none (or the protocol's) */
	const void *body;
	size_t body_len;
	bool checksum; /* S3: add x-amz-checksum-sha256 of the body
			  (operations that require an integrity
			  check: lifecycle, public access block) */
};

struct aws_response {
	long status;
	char *body; /* NUL-terminated, may be "" */
	size_t body_len;
	char **headers; /* "Name: value" as received */
	size_t nheaders;
	int attempts;
	long long ms;
};

/* Send `rq`, retrying as described above. `resp` (may be NULL) gets the
 * last answer, error or not (it is overwritten: clear an earlier answer
 * first); `err` (may be NULL) gets the error when the
 * status is not AWS_OK. Non-2xx answers are errors. */
enum aws_status aws_request(struct aws_client *c, const struct aws_request *rq,
			    struct aws_response *resp, struct aws_error *err);
void aws_response_clear(struct aws_response *r);
/* Value of a response header (case-insensitive name), or NULL. */
const char *aws_response_header(const struct aws_response *r, const char *name);

/* Query protocol (EC2, IAM, STS, ELBv2): Action, the service's Version and
 * `params` (may be NULL) as a form POST. *out gets the parsed answer
 * (xmlFreeDoc) when AWS_OK. */
enum aws_status aws_query(struct aws_client *c, enum aws_service svc, const char *action,
			  const struct aws_params *params, xmlDoc **out, struct aws_error *err);

/* A page callback: return 0 for the next page, non-zero to stop. The
 * document is freed after the call. */
typedef int (*aws_xml_page_fn)(xmlDoc *page, void *user);

/* Follow a query API's pages: the token found in the answer's element
 * `token_element` ("nextToken" for EC2, "NextMarker" for ELBv2, "Marker"
 * for IAM, which also says IsTruncated) is sent back as `token_param`
 * ("NextToken", "Marker") until none comes. `params` (may be NULL) is changed (the
 * token) and left without it. At most 1000 pages; a repeated token stops. */
enum aws_status aws_query_pages(struct aws_client *c, enum aws_service svc, const char *action,
				struct aws_params *params, const char *token_param,
				const char *token_element, aws_xml_page_fn fn, void *user,
				struct aws_error *err);

/* JSON 1.1 (ACM, SSM, Service Quotas): POST / with X-Amz-Target
 * PREFIX.operation. `input` is borrowed (NULL: {}); *out gets a new
 * reference (json_decref) when AWS_OK. */
enum aws_status aws_json(struct aws_client *c, enum aws_service svc, const char *operation,
			 json_t *input, json_t **out, struct aws_error *err);

typedef int (*aws_json_page_fn)(json_t *page, void *user);

/* Follow JSON 1.1 pages: the answer's `token_key` ("NextToken") is put in
 * `input` (changed, and left without it) until none comes. */
enum aws_status aws_json_pages(struct aws_client *c, enum aws_service svc, const char *operation,
			       json_t *input, const char *token_key, aws_json_page_fn fn,
			       void *user, struct aws_error *err);

/* REST-XML (Route53, S3): `rq` as given (body: an XML document, content
 * type application/xml unless set). *out (may be NULL) gets the parsed
 * answer, or NULL for an empty one; `resp` (may be NULL) the raw answer. */
enum aws_status aws_rest_xml(struct aws_client *c, const struct aws_request *rq, xmlDoc **out,
			     struct aws_response *resp, struct aws_error *err);

/* REST-JSON (Backup): `body` (borrowed) is sent as application/json in
 * place of rq's body; with `body` NULL, rq is sent as given. *out (may be
 * NULL) gets the answer, or NULL when it is empty. */
enum aws_status aws_rest_json(struct aws_client *c, const struct aws_request *rq, json_t *body,
			      json_t **out, struct aws_error *err);

/* The signing set-up of every request: libcurl's SigV4 with the explicit
 * scope "aws:amz:REGION:SERVICE" and the keys as CURLOPT_USERPWD (wiped
 * here; curl keeps a copy until it is reset). Exposed for the tests that
 * hold it against AWS's published SigV4 test vectors. */
void aws_sigv4_setup(CURL *h, const char *region, const char *service, const char *key,
		     const char *secret);

#endif
