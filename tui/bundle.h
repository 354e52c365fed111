/* The support bundle: a tar.gz of a state directory's answers (secret
 * references only, never values), journal, log, check results and
 * outputs, plus versions.txt, with every secret that resolves now masked
 * once more. */
#ifndef LANDFALL_BUNDLE_H
#define LANDFALL_BUNDLE_H

/* Write the bundle to `out` (NULL: STATE/landfall-bundle-NAME.tar.gz,
 * mode 0600). *written gets the path (caller frees). Returns an exit
 * status of cli.h and *cause on failure. */
int bundle_write(const char *state_dir, const char *out, char **written,
                 char **cause);

#endif
