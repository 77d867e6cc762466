/* zlib compress/inflate wrappers used by the EXR ZIP codec and the serialized mesh reader. */
#include "CImageCodecs.h"
#include "codec_common.h"

#include <limits.h>
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

struct imagecodec_inflater {
    z_stream stream;
    const unsigned char *next;  /* source bytes not yet handed to zlib */
    size_t left;
    int finished;
};

imagecodec_inflater *imagecodec_inflater_create(const unsigned char *source, size_t length) {
    imagecodec_inflater *inflater = calloc(1, sizeof(imagecodec_inflater));
    if (inflater == NULL) return NULL;
    if (inflateInit(&inflater->stream) != Z_OK) {
        free(inflater);
        return NULL;
    }
    inflater->next = source;
    inflater->left = length;
    return inflater;
}

int imagecodec_inflater_read(imagecodec_inflater *inflater, unsigned char *destination, size_t length,
                             size_t *produced, char *message, size_t messageCapacity) {
    *produced = 0;
    z_stream *stream = &inflater->stream;
    while (*produced < length && !inflater->finished) {
        /* zlib counts in uInt, so large sources and destinations are fed in pieces. */
        if (stream->avail_in == 0 && inflater->left > 0) {
            uInt piece = inflater->left > UINT_MAX ? UINT_MAX : (uInt)inflater->left;
            stream->next_in = (unsigned char *)inflater->next;
            stream->avail_in = piece;
            inflater->next += piece;
            inflater->left -= piece;
        }
        size_t want = length - *produced;
        uInt room = want > UINT_MAX ? UINT_MAX : (uInt)want;
        stream->next_out = destination + *produced;
        stream->avail_out = room;
        int status = inflate(stream, Z_NO_FLUSH);
        *produced += room - stream->avail_out;
        if (status == Z_STREAM_END) {
            inflater->finished = 1;
        } else if (status == Z_BUF_ERROR && stream->avail_in == 0 && inflater->left == 0) {
            return imagecodec_fail(IMAGECODEC_ERROR_TRUNCATED, message, messageCapacity,
                                   "the zlib stream is truncated");
        } else if (status == Z_BUF_ERROR && stream->avail_in != 0) {
            /* No progress with both input and room left: never loop on it. */
            return imagecodec_fail(IMAGECODEC_ERROR_CORRUPT, message, messageCapacity,
                                   "corrupt zlib data (no progress)");
        } else if (status == Z_MEM_ERROR) {
            return imagecodec_fail(IMAGECODEC_ERROR_MEMORY, message, messageCapacity,
                                   "out of memory inflating a zlib stream");
        } else if (status != Z_OK && status != Z_BUF_ERROR) {
            return imagecodec_fail(IMAGECODEC_ERROR_CORRUPT, message, messageCapacity,
                                   "corrupt zlib data (%s)", stream->msg ? stream->msg : "unknown error");
        }
    }
    return IMAGECODEC_OK;
}

void imagecodec_inflater_destroy(imagecodec_inflater *inflater) {
    if (inflater == NULL) return;
    inflateEnd(&inflater->stream);
    free(inflater);
}
