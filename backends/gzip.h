/* gzip (RFC 1952) compression of a buffer in memory, with zlib.
 *
 * For the EC2 user-data: EC2 takes at most 16 KB of it before base64, and the
 * rendered user-data-al2023.sh is larger; cloud-init (Amazon Linux 2023) sees
 * the gzip magic and unpacks it before running the script. */
#ifndef LANDFALL_GZIP_H
#define LANDFALL_GZIP_H

#include <stddef.h>

/* Compress data[0..len) into a caller-freed buffer (*out, *out_len). Returns 0,
 * or -1 with *cause set. */
int lf_gzip(const void *data, size_t len, unsigned char **out, size_t *out_len, char **cause);

/* The inverse, for tests and for reading back what was sent: the result is
 * NUL-terminated (not counted in *out_len). */
int lf_gunzip(const void *data, size_t len, unsigned char **out, size_t *out_len, char **cause);

#endif
