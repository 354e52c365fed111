/* AWS credentials, found the way the AWS CLI and SDKs find them.
 *
 * The chain, first match wins:
 *   1. environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and the
 *      optional AWS_SESSION_TOKEN. Skipped when a profile is named
 *      explicitly (opts.profile, the answers' field), as `--profile` does;
 *      AWS_PROFILE does not skip it.
 *   2. the shared credentials file (AWS_SHARED_CREDENTIALS_FILE, else
 *      ~/.aws/credentials), section [NAME];
 *   3. credential_process of the profile (either file), run without a
 *      shell; its JSON (Version 1) gives the keys and an expiry;
 *   4. static keys in the shared config file (AWS_CONFIG_FILE, else
 *      ~/.aws/config), section [profile NAME] ([default] for default);
 *   5. EC2 instance metadata, IMDSv2: PUT /latest/api/token, then
 *      GET /latest/meta-data/iam/security-credentials/ and the role.
 *      AWS_EC2_METADATA_DISABLED=true skips it;
 *      AWS_EC2_METADATA_SERVICE_ENDPOINT moves it (tests).
 * The profile is opts.profile, else AWS_PROFILE, else "default". A named
 * profile that neither file holds is an error, as with the AWS CLI.
 * Profiles that need assume-role or SSO are reported as unsupported rather
 * than skipped, so a user never runs with other credentials than meant.
 *
 * Secrets live only in struct aws_creds and struct aws_profile and are
 * wiped when those are freed. Nothing here logs or prints. */
#ifndef LANDFALL_AWS_CREDS_H
#define LANDFALL_AWS_CREDS_H

#include <stdbool.h>
#include <stddef.h>

enum aws_creds_source {
	AWS_CREDS_STATIC,	    /* given by the caller (aws_creds_new) */
	AWS_CREDS_ENV,		    /* environment variables */
	AWS_CREDS_CREDENTIALS_FILE, /* shared credentials file */
	AWS_CREDS_PROCESS,	    /* credential_process */
	AWS_CREDS_CONFIG_FILE,	    /* shared config file */
	AWS_CREDS_IMDS,		    /* EC2 instance metadata */
};

struct aws_creds_opts {
	const char *profile;	 /* explicit profile name, or NULL */
	long process_timeout_ms; /* credential_process; 0: 60 s */
	long imds_timeout_ms;	 /* per metadata request; 0: 1 s */
};

struct aws_creds;

/* Walk the chain. Returns 0 and a new *out (free with aws_creds_free), or
 * -1 with *cause naming what was tried and how to fix it. */
int aws_creds_load(const struct aws_creds_opts *opts, struct aws_creds **out, char **cause);

/* Credentials given directly (token may be NULL). Strings are copied. */
struct aws_creds *aws_creds_new(const char *key_id, const char *secret, const char *token);

/* Wipe the secret and token, then free. NULL is a no-op. */
void aws_creds_free(struct aws_creds *c);

const char *aws_creds_key_id(const struct aws_creds *c);
const char *aws_creds_secret(const struct aws_creds *c);
const char *aws_creds_token(const struct aws_creds *c); /* NULL: none */
/* Expiry in seconds since the epoch; 0 when the credentials do not expire. */
long long aws_creds_expiry(const struct aws_creds *c);
/* True when they expire within `margin_s` seconds of `now` (epoch s). */
bool aws_creds_expiring(const struct aws_creds *c, long long now, long margin_s);
enum aws_creds_source aws_creds_source(const struct aws_creds *c);
/* The profile they came from, NULL for environment, metadata and static. */
const char *aws_creds_profile(const struct aws_creds *c);
/* Where they came from, for the user, translated, never a secret:
 * "profile "dev" in /home/a/.aws/credentials", "instance metadata (role
 * "clearml-jump")". Lives as long as `c`. */
const char *aws_creds_describe(const struct aws_creds *c);
/* Stable name of a source for JSON: "environment", "credentials-file",
 * "credential-process", "config-file", "instance-metadata", "static". */
const char *aws_creds_source_name(enum aws_creds_source s);

/* ---- Shared config and credentials files ------------------------------- */

/* One profile, as the two files define it: keys of the credentials file's
 * [NAME] over those of the config file's [profile NAME]. Keys are lower
 * case; values trimmed, with comments (a '#' or ';' after white space)
 * removed. Nested settings (an indented block under "s3 =") are skipped. */
struct aws_profile;

/* Load `name` (NULL: AWS_PROFILE, else "default"). Missing files are fine;
 * a named profile (not "default") found in neither file is an error.
 * Returns 0 and *out, or -1 with *cause. */
int aws_profile_load(const char *name, struct aws_profile **out, char **cause);
void aws_profile_free(struct aws_profile *p);
const char *aws_profile_name(const struct aws_profile *p);
/* Value of `key` (credentials file first), or NULL. */
const char *aws_profile_get(const struct aws_profile *p, const char *key);
/* Value of `key` from one file only. */
const char *aws_profile_get_credentials(const struct aws_profile *p, const char *key);
const char *aws_profile_get_config(const struct aws_profile *p, const char *key);
/* True when either file has a section for the profile. */
bool aws_profile_exists(const struct aws_profile *p);
/* Paths of the two files (after AWS_* variables and ~ expansion). */
const char *aws_profile_credentials_path(const struct aws_profile *p);
const char *aws_profile_config_path(const struct aws_profile *p);

/* The region the AWS tools would use when none is given: AWS_REGION, then
 * AWS_DEFAULT_REGION, then the profile's `region`. Caller-freed, or NULL
 * when none is set. `profile` as for aws_profile_load(). */
char *aws_region_default(const char *profile);

/* ---- Pieces, exposed for tests ------------------------------------------ */

/* Split a credential_process command line into argv the way the AWS CLI
 * does (POSIX shell words, without any expansion): blanks separate words;
 * '...' is literal; "..." keeps blanks and honours \" \\ \$ \`; a
 * backslash outside quotes escapes the next character. Returns 0 and a
 * NULL-terminated caller-freed *argv (aws_argv_free), or -1 with *cause
 * (unterminated quote, empty command). */
int aws_split_command(const char *line, char ***argv, char **cause);
void aws_argv_free(char **argv);

/* Parse a credential_process answer (JSON, Version 1). */
int aws_creds_from_process_json(const char *json, size_t len, struct aws_creds **out, char **cause);

/* Parse an ISO 8601 UTC time ("2026-11-22T07:24:22Z", fractions and a
 * +00:00 offset allowed) into seconds since the epoch. Returns 0 or -1. */
int aws_parse_time(const char *s, long long *epoch);

#endif
