/* libjpeg decode/encode in memory, with libjpeg's error_exit turned into a setjmp return. */
#include "CImageCodecs.h"
#include "codec_common.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

/* libjpeg's error manager extended with a jump target and the caller's message buffer. */
typedef struct {
    struct jpeg_error_mgr base;
    jmp_buf jump;
    int code;
    const char *errorPrefix;
    char *message;
    size_t messageCapacity;
} jpeg_codec_error;

static void jpeg_codec_fail_and_jump(j_common_ptr info, int code) {
    jpeg_codec_error *error = (jpeg_codec_error *)info->err;
    char reason[JMSG_LENGTH_MAX];
    (*info->err->format_message)(info, reason);
    error->code = imagecodec_fail(code, error->message, error->messageCapacity,
                                  "%s (%s)", error->errorPrefix, reason);
    longjmp(error->jump, 1);
}

static void jpeg_codec_on_error(j_common_ptr info) {
    jpeg_codec_fail_and_jump(info, IMAGECODEC_ERROR_CORRUPT);
}

/* Warnings are ignored except a premature end of data, which means the file is truncated. */
static void jpeg_codec_on_message(j_common_ptr info, int level) {
    if (level < 0 && info->err->msg_code == JWRN_JPEG_EOF) {
        jpeg_codec_error *error = (jpeg_codec_error *)info->err;
        error->errorPrefix = "file is truncated";
        jpeg_codec_fail_and_jump(info, IMAGECODEC_ERROR_TRUNCATED);
    }
}

/* A growing in-memory destination owned by this file, so the error path knows what to free. */
typedef struct {
    struct jpeg_destination_mgr base;
    JOCTET *bytes;
    size_t capacity;
} jpeg_codec_destination;

static void jpeg_codec_destination_start(j_compress_ptr info) {
    jpeg_codec_destination *destination = (jpeg_codec_destination *)info->dest;
    destination->base.next_output_byte = destination->bytes;
    destination->base.free_in_buffer = destination->capacity;
}

static boolean jpeg_codec_destination_grow(j_compress_ptr info) {
    jpeg_codec_destination *destination = (jpeg_codec_destination *)info->dest;
    size_t used = destination->capacity; /* libjpeg calls this only when the buffer is full */
    if (destination->capacity > SIZE_MAX / 2) ERREXIT(info, JERR_OUT_OF_MEMORY);
    JOCTET *grown = realloc(destination->bytes, destination->capacity * 2);
    if (grown == NULL) ERREXIT1(info, JERR_OUT_OF_MEMORY, 0);
    destination->bytes = grown;
    destination->capacity *= 2;
    destination->base.next_output_byte = grown + used;
    destination->base.free_in_buffer = destination->capacity - used;
    return TRUE;
}

static void jpeg_codec_destination_finish(j_compress_ptr info) {
    (void)info; /* the length is read from free_in_buffer after jpeg_finish_compress */
}

static void jpeg_codec_install(jpeg_codec_error *error, const char *prefix,
                               char *message, size_t messageCapacity) {
    jpeg_std_error(&error->base);
    error->base.error_exit = jpeg_codec_on_error;
    error->base.emit_message = jpeg_codec_on_message;
    error->code = IMAGECODEC_OK;
    error->errorPrefix = prefix;
    error->message = message;
    error->messageCapacity = messageCapacity;
}

int imagecodec_jpeg_decode(const unsigned char *bytes, size_t length, imagecodec_pixels *out,
                           char *message, size_t messageCapacity) {
    memset(out, 0, sizeof(*out));
    if (length < 3 || bytes[0] != 0xFF || bytes[1] != 0xD8 || bytes[2] != 0xFF) {
        return imagecodec_fail(IMAGECODEC_ERROR_SIGNATURE, message, messageCapacity,
                               "not a JPEG file (bad signature)");
    }
    if ((unsigned long)length != length) {
        return imagecodec_fail(IMAGECODEC_ERROR_ARGUMENT, message, messageCapacity,
                               "JPEG file too large");
    }
    struct jpeg_decompress_struct info;
    jpeg_codec_error error;
    unsigned char *volatile samples = NULL;
    memset(&info, 0, sizeof(info));
    jpeg_codec_install(&error, "corrupt JPEG data", message, messageCapacity);
    info.err = &error.base;
    if (setjmp(error.jump)) {
        free(samples);
        jpeg_destroy_decompress(&info);
        return error.code != IMAGECODEC_OK ? error.code : IMAGECODEC_ERROR_CORRUPT;
    }
    jpeg_create_decompress(&info);
    jpeg_mem_src(&info, bytes, (unsigned long)length);
    jpeg_read_header(&info, TRUE);

    if (info.jpeg_color_space == JCS_CMYK || info.jpeg_color_space == JCS_YCCK) {
        error.code = imagecodec_fail(IMAGECODEC_ERROR_UNSUPPORTED, message, messageCapacity,
                                     "CMYK JPEG is not supported (convert it to RGB)");
        longjmp(error.jump, 1);
    }
    info.out_color_space = info.num_components == 1 ? JCS_GRAYSCALE : JCS_RGB;
    /* Huffman coding spends at least one bit on every 8x8 block of the fully sampled component, so a file holds
       at most 512 pixels of 3 samples (1536 bytes) per byte: larger declared sizes are refused before libjpeg
       allocates its buffers (a progressive file's coefficients) and this function the samples. A few hundred bytes
       could otherwise declare 65500 x 65500 pixels (12 GB), whose rows libjpeg fills with gray once data run out.
       Arithmetic coding (rare) can go below a bit per block; such files are held to the same bound all the same, so
       a huge, nearly flat one is refused rather than risk the allocation. */
    size_t declared = 0;
    if (!imagecodec_checked_size(&declared, info.image_width, info.image_height,
                                 info.num_components == 1 ? 1 : 3, 1) || declared / 1536 > length) {
        error.code = imagecodec_fail(IMAGECODEC_ERROR_TRUNCATED, message, messageCapacity,
                                     "file is truncated or corrupt (%ux%u pixels declared in %zu bytes)",
                                     (unsigned)info.image_width, (unsigned)info.image_height, length);
        longjmp(error.jump, 1);
    }
    jpeg_start_decompress(&info);

    size_t total = 0;
    if (!imagecodec_checked_size(&total, info.output_width, info.output_height,
                                 (size_t)info.output_components, 1)) {
        error.code = imagecodec_fail(IMAGECODEC_ERROR_CORRUPT, message, messageCapacity,
                                     "JPEG dimensions overflow memory");
        longjmp(error.jump, 1);
    }
    samples = malloc(total > 0 ? total : 1);
    if (samples == NULL) {
        error.code = imagecodec_fail(IMAGECODEC_ERROR_MEMORY, message, messageCapacity,
                                     "out of memory for a %ux%u JPEG",
                                     (unsigned)info.output_width, (unsigned)info.output_height);
        longjmp(error.jump, 1);
    }
    size_t rowBytes = (size_t)info.output_width * (size_t)info.output_components;
    while (info.output_scanline < info.output_height) {
        JSAMPROW row = samples + (size_t)info.output_scanline * rowBytes;
        jpeg_read_scanlines(&info, &row, 1);
    }
    jpeg_finish_decompress(&info);

    out->width = info.output_width;
    out->height = info.output_height;
    out->channels = (uint32_t)info.output_components;
    out->bitDepth = 8;
    out->samples = samples;
    jpeg_destroy_decompress(&info);
    return IMAGECODEC_OK;
}

int imagecodec_jpeg_encode(const unsigned char *samples, uint32_t width, uint32_t height,
                           uint32_t channels, int quality, imagecodec_buffer *out,
                           char *message, size_t messageCapacity) {
    out->bytes = NULL;
    out->length = 0;
    if (channels != 1 && channels != 3) {
        return imagecodec_fail(IMAGECODEC_ERROR_ARGUMENT, message, messageCapacity,
                               "JPEG needs 1 (gray) or 3 (RGB) channels, got %u",
                               (unsigned)channels);
    }
    if (width == 0 || height == 0 || width > JPEG_MAX_DIMENSION || height > JPEG_MAX_DIMENSION) {
        return imagecodec_fail(IMAGECODEC_ERROR_ARGUMENT, message, messageCapacity,
                               "JPEG cannot hold a %ux%u image", (unsigned)width, (unsigned)height);
    }
    if (quality < 1 || quality > 100) {
        return imagecodec_fail(IMAGECODEC_ERROR_ARGUMENT, message, messageCapacity,
                               "JPEG quality must be 1...100, got %d", quality);
    }
    struct jpeg_compress_struct info;
    jpeg_codec_error error;
    jpeg_codec_destination destination;
    memset(&info, 0, sizeof(info));
    memset(&destination, 0, sizeof(destination));
    destination.capacity = 4096 + (size_t)width * height * channels / 4;
    destination.bytes = malloc(destination.capacity);
    if (destination.bytes == NULL) {
        return imagecodec_fail(IMAGECODEC_ERROR_MEMORY, message, messageCapacity,
                               "out of memory for the JPEG buffer");
    }
    destination.base.init_destination = jpeg_codec_destination_start;
    destination.base.empty_output_buffer = jpeg_codec_destination_grow;
    destination.base.term_destination = jpeg_codec_destination_finish;
    jpeg_codec_install(&error, "JPEG encoding failed", message, messageCapacity);
    info.err = &error.base;
    if (setjmp(error.jump)) {
        jpeg_destroy_compress(&info);
        free(destination.bytes);
        return error.code != IMAGECODEC_OK ? error.code : IMAGECODEC_ERROR_CORRUPT;
    }
    jpeg_create_compress(&info);
    info.dest = &destination.base;
    info.image_width = width;
    info.image_height = height;
    info.input_components = (int)channels;
    info.in_color_space = channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&info);
    jpeg_set_quality(&info, quality, TRUE);
    jpeg_start_compress(&info, TRUE);
    size_t rowBytes = (size_t)width * channels;
    while (info.next_scanline < info.image_height) {
        JSAMPROW row = (JSAMPROW)(samples + (size_t)info.next_scanline * rowBytes);
        jpeg_write_scanlines(&info, &row, 1);
    }
    jpeg_finish_compress(&info);
    out->length = destination.capacity - destination.base.free_in_buffer;
    out->bytes = destination.bytes;
    jpeg_destroy_compress(&info);
    return IMAGECODEC_OK;
}
