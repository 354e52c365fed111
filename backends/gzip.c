/* gzip in memory: see gzip.h. */
#include "gzip.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "util.h"

int lf_gzip(const void *data, size_t len, unsigned char **out, size_t *out_len, char **cause)
{
	if (len > UINT_MAX)
		return lf_fail(cause, "gzip: %zu bytes is too much", len);
	z_stream z;
	memset(&z, 0, sizeof z);
	/* windowBits 15 + 16: a gzip header and trailer, not zlib's. */
	if (deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) !=
	    Z_OK)
		return lf_fail(cause, "gzip: cannot start the compressor");
	uLong bound = deflateBound(&z, (uLong)len);
	unsigned char *buf = lf_xmalloc(bound);
	z.next_in = (Bytef *)(uintptr_t)data;
	z.avail_in = (uInt)len;
	z.next_out = buf;
	z.avail_out = (uInt)bound;
	int rc = deflate(&z, Z_FINISH);
	size_t n = z.total_out;
	deflateEnd(&z);
	if (rc != Z_STREAM_END) {
		free(buf);
		return lf_fail(cause, "gzip: compression failed (%d)", rc);
	}
	*out = buf;
	*out_len = n;
	return 0;
}

int lf_gunzip(const void *data, size_t len, unsigned char **out, size_t *out_len, char **cause)
{
	if (len > UINT_MAX)
		return lf_fail(cause, "gunzip: %zu bytes is too much", len);
	z_stream z;
	memset(&z, 0, sizeof z);
	if (inflateInit2(&z, 15 + 16) != Z_OK)
		return lf_fail(cause, "gunzip: cannot start the decompressor");
	size_t cap = len * 4 + 64, n = 0;
	unsigned char *buf = lf_xmalloc(cap);
	z.next_in = (Bytef *)(uintptr_t)data;
	z.avail_in = (uInt)len;
	int rc;
	do {
		if (cap - n < 1024) {
			cap *= 2;
			buf = lf_xrealloc(buf, cap);
		}
		z.next_out = buf + n;
		z.avail_out = (uInt)(cap - n - 1);
		rc = inflate(&z, Z_NO_FLUSH);
		n = z.total_out;
	} while (rc == Z_OK);
	inflateEnd(&z);
	if (rc != Z_STREAM_END) {
		free(buf);
		return lf_fail(cause, "gunzip: not gzip data, or truncated (%d)", rc);
	}
	buf[n] = '\0';
	*out = buf;
	*out_len = n;
	return 0;
}
