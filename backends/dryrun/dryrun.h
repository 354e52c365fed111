/* The dry-run backend: the plan of a real target, carried out by logging
 * what would be done. For demos, the wizard's run screen and tests.
 *
 * Test knobs, all optional:
 *   ledger  a file where every apply and undo appends "apply ID" or
 *           "undo ID"; find reads it back, so a dry run is idempotent the
 *           way a real backend is, and a test can count what ran.
 *   fail    "ID:N" makes action ID fail N times with a retryable error
 *           before succeeding; "ID:fatal" makes it (and its undo) fail for good.
 *   delay_ms time each action takes, reported as progress. */
#ifndef LANDFALL_DRYRUN_H
#define LANDFALL_DRYRUN_H

#include "../backend.h"

struct dryrun_config {
	const struct backend_ops *target;  /* whose plan is mirrored */
	const void *target_config;
	const char *ledger;
	const char *fail;
	long delay_ms;
};

extern const struct backend_ops dryrun_backend;

#endif
