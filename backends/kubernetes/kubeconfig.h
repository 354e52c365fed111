/* The user's kubeconfig, read the way kubectl reads it.
 *
 * Which files: the `paths` argument (the answers' kubeconfig, a list
 * separated by ':' like KUBECONFIG; every file in it must exist), else the
 * KUBECONFIG environment variable (missing files are skipped, as kubectl
 * does, but at least one must exist), else ~/.kube/config.
 *
 * Merging (client-go's rules): clusters, users and contexts are maps by
 * name and the first file to define a name wins the whole entry; within
 * one file a later entry of the same name replaces an earlier one.
 * current-context comes from the first file that sets it. Relative paths
 * (certificate-authority, client-certificate, client-key, tokenFile and an
 * exec command containing a '/') are resolved against the directory of the
 * file that defined the entry.
 *
 * What is refused, with a message naming the file, context and field:
 * insecure-skip-tls-verify (TLS is always verified), a server that is not
 * https://, both a file and -data for the same item, username/password,
 * auth-provider plugins, more than one of token and basic auth, an exec
 * plugin of an unknown apiVersion or without interactiveMode in v1, and an
 * exec plugin that needs a terminal (interactiveMode: Always).
 *
 * Exec credential plugins (client.authentication.k8s.io/v1 and v1beta1)
 * run without a shell (fork + execvp) with the process environment plus the
 * plugin's env list and KUBERNETES_EXEC_INFO (spec.interactive false, and
 * spec.cluster when provideClusterInfo is set), stdin from /dev/null and a
 * time limit. Their token or client certificate is cached until its
 * expirationTimestamp passes or kubeconfig_invalidate() is called (the
 * client calls it on a 401). */
#ifndef LANDFALL_KUBECONFIG_H
#define LANDFALL_KUBECONFIG_H

#include <stdbool.h>
#include <stddef.h>

struct kubeconfig_exec;
struct kubeconfig_cache;

/* Bytes read from a file or decoded from a -data field. */
struct kubeconfig_blob {
	char *data; /* NUL-terminated for convenience; NULL when absent */
	size_t len;
};

/* The resolved view of one context. Every string is owned by the struct
 * and lives until kubeconfig_free(); treat the fields as read-only. */
struct kubeconfig {
	char *context;		   /* context in use */
	char *context_file;	   /* file that defined it */
	char *cluster;		   /* cluster name */
	char *cluster_file;	   /* file that defined the cluster */
	char *user;		   /* user name */
	char *user_file;	   /* file that defined the user */
	char *namespace_;	   /* the context's namespace; NULL when unset */
	char *server;		   /* https://host[:port][/prefix], no trailing '/' */
	char *tls_server_name;	   /* NULL when unset */
	char *proxy_url;	   /* NULL when unset */
	struct kubeconfig_blob ca; /* PEM; data NULL: the system's roots */
	char *ca_origin;	   /* "FILE" or "certificate-authority-data of
				      cluster NAME", for messages; NULL with no CA */
	struct kubeconfig_blob client_cert, client_key; /* static, may be absent */
	char *token;					/* static token, NULL when unset */
	char *token_file;				/* absolute path, NULL when unset */
	struct kubeconfig_exec *exec;			/* NULL without an exec plugin */
	struct kubeconfig_cache *cache;			/* private */
};

/* Credentials for the next request. Pointers are borrowed from the
 * kubeconfig and stay valid until the next kubeconfig_credentials() or
 * kubeconfig_invalidate() call. */
struct kubeconfig_creds {
	const char *token;	/* NULL: no bearer token */
	const char *cert, *key; /* PEM; NULL: no client certificate */
	size_t cert_len, key_len;
	long long expires; /* Unix seconds; 0: no expiry */
	bool from_exec;	   /* the exec plugin supplied them */
};

/* Load and resolve. `paths` and `context` may be NULL (see above).
 * Returns 0 and *out (free with kubeconfig_free), or -1 with *cause. */
int kubeconfig_load(const char *paths, const char *context, struct kubeconfig **out, char **cause);
void kubeconfig_free(struct kubeconfig *kc);

/* The credentials to send now: the static ones, the token re-read from
 * tokenFile when that is how the user authenticates, or the exec plugin's
 * cached result, running the plugin when there is none or it expired.
 * Returns 0, or -1 with *cause (the plugin failed, tokenFile unreadable). */
int kubeconfig_credentials(struct kubeconfig *kc, struct kubeconfig_creds *out, char **cause);

/* The server refused the credentials (401): forget the cached exec
 * credential so the next kubeconfig_credentials() runs the plugin again,
 * and re-read tokenFile. Returns true when this can change what is sent
 * (an exec plugin or a tokenFile), that is when one retry is worthwhile. */
bool kubeconfig_invalidate(struct kubeconfig *kc);

/* How many times the exec plugin has run (for tests and debug logs). */
unsigned kubeconfig_exec_runs(const struct kubeconfig *kc);

/* One line describing where the connection comes from, for logs and
 * check results: "context C (file F), cluster S, user U". Caller frees. */
char *kubeconfig_describe(const struct kubeconfig *kc);

/* Time limit for one exec plugin run, in milliseconds (default 60000). */
void kubeconfig_set_exec_timeout(struct kubeconfig *kc, long ms);


/* RFC 3339 time ("2026-01-02T03:04:05Z", fractions and offsets allowed)
 * to Unix seconds; -1 when it does not parse. */
long long kubeconfig_parse_time(const char *s);

#endif
