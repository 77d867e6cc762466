/* Internal helpers shared by the CImageCodecs wrappers (not part of the public header). */
#ifndef CIMAGECODECS_COMMON_H
#define CIMAGECODECS_COMMON_H

#include <stddef.h>
#include <stdint.h>

/* Writes a printf-style message into a caller buffer (truncating) and returns `code`. */
int imagecodec_fail(int code, char *message, size_t capacity, const char *format, ...)
    __attribute__((format(printf, 4, 5)));

/* Multiplies the factors into *result; returns 0 when the product overflows size_t. */
int imagecodec_checked_size(size_t *result, size_t a, size_t b, size_t c, size_t d);

#endif
