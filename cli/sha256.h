/* sha256.h - SHA-256 of a buffer (FIPS 180-4), for the model file's hash
 * in HDF5 output: the same hex text `sha256sum` prints. */
#ifndef ODESOLVE_SHA256_H
#define ODESOLVE_SHA256_H

#include <stddef.h>

/* Hex length of a digest, without the terminating NUL. */
#define SHA256_HEX_LEN 64

/* Writes the SHA-256 digest of data[0 .. len-1] into hex as 64 lower-case
   hex digits and a NUL. */
void sha256_hex(const void *data, size_t len, char hex[SHA256_HEX_LEN + 1]);

#endif
