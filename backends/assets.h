/* The templates installed on targets, from the top-level assets/ folder, built
 * into the binary (cmake/EmbedAssets.cmake), so landfall needs no installed asset
 * directory. Render them with render.h; this module only finds them.
 *
 * Every asset is text. The pointers returned here point into static storage and
 * live as long as the program; each text is NUL-terminated. */
#ifndef LANDFALL_ASSETS_H
#define LANDFALL_ASSETS_H

#include <stdbool.h>
#include <stddef.h>

/* The text of asset `name` (a file name in assets/, e.g. "docker-compose.yml"),
 * or NULL when there is none. *len (when len is not NULL) gets its length. */
const char *asset_get(const char *name, size_t *len);

/* Iterate over every asset in name order:
 *     size_t it = 0; const char *name, *text; size_t len;
 *     while (asset_next(&it, &name, &text, &len)) ...
 * Returns false when there are no more. text and len may be NULL. */
bool asset_next(size_t *iter, const char **name, const char **text, size_t *len);

/* Number of embedded assets. */
size_t asset_count(void);

/* Where an asset goes on the target and how. `dest` is itself a template over the
 * same variables (e.g. "{{base_dir}}/constants.env"); NULL for assets that are not
 * files on the target (EC2 user-data, IAM policy documents). `secret` marks files
 * that hold passwords or keys: upload them mode 0600, never log their text. */
struct asset_info {
	const char *name;
	const char *dest;
	unsigned mode;
	bool secret;
	const char *what; /* one line for logs and plans, not translated here */
};

/* The description of asset `name`, or NULL when it has none. Every embedded asset
 * has one (tests/test_render.c checks it). */
const struct asset_info *asset_info(const char *name);

#endif
