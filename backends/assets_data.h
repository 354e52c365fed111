/* The table that cmake/EmbedAssets.cmake generates from assets/ (one entry per
 * file, sorted by name). Private to assets.c and the generated source: everyone
 * else goes through assets.h. */
#ifndef LANDFALL_ASSETS_DATA_H
#define LANDFALL_ASSETS_DATA_H

#include <stddef.h>

struct asset_blob {
	const char *name;
	const unsigned char *data; /* len bytes, then a NUL not counted in len */
	size_t len;
};

extern const struct asset_blob lf_asset_blobs[];
extern const size_t lf_asset_blob_count;

#endif
