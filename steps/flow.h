/* The flow: which steps apply to the chosen target, and the bridge from
 * answers to a backend. Backends never see the answers tree: flow_setup()
 * fills the chosen backend's own configuration struct from it. */
#ifndef LANDFALL_FLOW_H
#define LANDFALL_FLOW_H

#include <stdbool.h>

#include "answers.h"
#include "aws/aws.h"
#include "dryrun/dryrun.h"
#include "kubernetes/kubernetes.h"
#include "ubuntu/ubuntu.h"

/* Whether a step has anything to ask for these answers. */
bool step_applies(const struct step *s, const struct answers *a);

/* The backend for a target name, or NULL. */
const struct backend_ops *flow_target_backend(const char *target);

struct setup_opts {
	bool dry_run;            /* drive the dry-run backend with the target's plan */
	const char *ledger;      /* dry-run knobs, see dryrun.h */
	const char *fail;
	long delay_ms;
	bool resolve_secrets;    /* read {env:}/{file:} now (apply, check) */
	/* Ask for a secret that has no reference (a terminal is present);
	 * NULL when headless, then a missing secret that is required fails.
	 * Returns a caller-freed value or NULL when the user gave none. */
	char *(*ask_secret)(const char *path, const char *label, void *user);
	void *ask_user;
};

/* A backend ready to open: ops + config, with the storage the config
 * points into. The answers must outlive it. */
struct setup {
	const struct backend_ops *ops;     /* what the engine drives */
	const struct backend_ops *target;  /* the real target's backend */
	const void *config;                /* config passed to ops */
	struct aws_config aws;
	struct ubuntu_config ubuntu;
	struct k8s_config k8s;
	struct dryrun_config dry;
	/* Owned storage. */
	const char **vectors[4];
	struct server_user *users;         /* server.admin_users */
	size_t nusers;
	char **secrets;
	size_t nsecrets;
};

/* Fill `out` from valid answers (defaults are read where unset). Secrets
 * resolved are registered with `evs` for redaction. Returns 0 or -1 +
 * *cause naming the answer at fault. */
int flow_setup(const struct answers *a, const struct setup_opts *o,
               struct events *evs, struct setup *out, char **cause);
/* Free the storage, wiping resolved secrets. */
void flow_setup_free(struct setup *s);

#endif
