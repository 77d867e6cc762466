/* Message formatting, overflow-checked sizes and freeing for the CImageCodecs wrappers. */
#include "codec_common.h"
#include "CImageCodecs.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

int imagecodec_fail(int code, char *message, size_t capacity, const char *format, ...) {
    if (message != NULL && capacity > 0) {
        va_list arguments;
        va_start(arguments, format);
        vsnprintf(message, capacity, format, arguments);
        va_end(arguments);
    }
    return code;
}

int imagecodec_checked_size(size_t *result, size_t a, size_t b, size_t c, size_t d) {
    size_t product = a;
    if (__builtin_mul_overflow(product, b, &product)) return 0;
    if (__builtin_mul_overflow(product, c, &product)) return 0;
    if (__builtin_mul_overflow(product, d, &product)) return 0;
    *result = product;
    return 1;
}

void imagecodec_free(void *pointer) {
    free(pointer);
}
