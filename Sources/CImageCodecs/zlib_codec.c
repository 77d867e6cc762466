/* zlib compress/inflate wrappers used by the EXR ZIP codec. */
#include "CImageCodecs.h"
#include "codec_common.h"

#include <stdlib.h>
#include <zlib.h>

int imagecodec_zlib_compress(const unsigned char *source, size_t length, int level,
                             imagecodec_buffer *out, char *message, size_t messageCapacity) {
    out->bytes = NULL;
    out->length = 0;
    if (level < -1 || level > 9) {
        return imagecodec_fail(IMAGECODEC_ERROR_ARGUMENT, message, messageCapacity,
                               "zlib level %d is outside -1...9", level);
    }
    if ((uLong)length != length) {
        return imagecodec_fail(IMAGECODEC_ERROR_ARGUMENT, message, messageCapacity,
                               "%zu bytes is too much for one zlib call", length);
    }
    uLongf capacity = compressBound((uLong)length);
    unsigned char *buffer = malloc(capacity > 0 ? capacity : 1);
    if (buffer == NULL) {
        return imagecodec_fail(IMAGECODEC_ERROR_MEMORY, message, messageCapacity,
                               "out of memory compressing %zu bytes", length);
    }
    int status = compress2(buffer, &capacity, source, (uLong)length, level);
    if (status != Z_OK) {
        free(buffer);
        return imagecodec_fail(IMAGECODEC_ERROR_CORRUPT, message, messageCapacity,
                               "zlib compress2 failed (%d)", status);
    }
    out->bytes = buffer;
    out->length = capacity;
    return IMAGECODEC_OK;
}

int imagecodec_zlib_decompress(const unsigned char *source, size_t length,
                               unsigned char *destination, size_t destinationLength,
                               char *message, size_t messageCapacity) {
    if ((uLong)length != length || (uLongf)destinationLength != destinationLength) {
        return imagecodec_fail(IMAGECODEC_ERROR_ARGUMENT, message, messageCapacity,
                               "zlib block too large");
    }
    uLongf written = (uLongf)destinationLength;
    int status = uncompress(destination, &written, source, (uLong)length);
    switch (status) {
    case Z_OK:
        if (written != destinationLength) {
            return imagecodec_fail(IMAGECODEC_ERROR_CORRUPT, message, messageCapacity,
                                   "zlib block expands to %lu bytes, expected %zu",
                                   (unsigned long)written, destinationLength);
        }
        return IMAGECODEC_OK;
    case Z_BUF_ERROR:
        return imagecodec_fail(IMAGECODEC_ERROR_CORRUPT, message, messageCapacity,
                               "zlib block is truncated or expands beyond %zu bytes",
                               destinationLength);
    case Z_MEM_ERROR:
        return imagecodec_fail(IMAGECODEC_ERROR_MEMORY, message, messageCapacity,
                               "out of memory inflating a zlib block");
    default:
        return imagecodec_fail(IMAGECODEC_ERROR_CORRUPT, message, messageCapacity,
                               "corrupt zlib data (%d)", status);
    }
}
