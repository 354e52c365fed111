/* SHA-256 (FIPS 180-4), for comparing a file Landfall would write with the
 * one already on the server (`sha256sum` there) without sending it. Pure. */
#ifndef LANDFALL_UBUNTU_SHA256_H
#define LANDFALL_UBUNTU_SHA256_H

#include <stddef.h>

/* The digest of data[0..len) as 64 lower-case hex digits and a NUL in out. */
void ubuntu_sha256_hex(const void *data, size_t len, char out[65]);

#endif
