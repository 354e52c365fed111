/* Outputs: what a person must record and share, read from the journal
 * and written as outputs.json and a readable outputs.md in the state
 * directory (both 0600, atomic). Secrets never reach them: ctx_output()
 * redacts on the way into the journal. */
#ifndef LANDFALL_OUTPUTS_H
#define LANDFALL_OUTPUTS_H

#include <jansson.h>

#include "journal.h"

#define OUTPUTS_JSON "outputs.json"
#define OUTPUTS_MD "outputs.md"

/* {"install_id", "backend", "updated", "outputs": [{key, label, value}]}.
 * New reference. */
json_t *outputs_json(const struct journal *j);
/* Markdown: a heading, a table of label | value, and the action summary.
 * Caller frees. */
char *outputs_markdown(const struct journal *j);
/* Write both files into state_dir. Returns 0 or -1 + *cause. */
int outputs_write(const struct journal *j, const char *state_dir, char **cause);

#endif
