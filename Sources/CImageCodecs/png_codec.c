/* libpng decode/encode in memory, with libpng's longjmp errors caught by setjmp here. */
#include "CImageCodecs.h"
#include "codec_common.h"

#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

/* State shared with libpng's callbacks through the error/io pointers. */
typedef struct {
    const unsigned char *bytes;  /* decode: input */
    size_t length;
    size_t position;
    unsigned char *output;       /* encode: growing output */
    size_t outputLength;
    size_t outputCapacity;
    const char *errorPrefix;     /* words put before libpng's own error text */
    int code;                    /* error code already reported, with its message */
    char *message;
    size_t messageCapacity;
} png_codec_context;

static void png_codec_on_error(png_structp png, png_const_charp reason) {
    png_codec_context *context = (png_codec_context *)png_get_error_ptr(png);
    if (context->code == IMAGECODEC_OK) {
        imagecodec_fail(IMAGECODEC_ERROR_CORRUPT, context->message, context->messageCapacity,
                        "%s (%s)", context->errorPrefix, reason);
        context->code = IMAGECODEC_ERROR_CORRUPT;
    }
    png_longjmp(png, 1);
}

static void png_codec_on_warning(png_structp png, png_const_charp reason) {
    (void)png;
    (void)reason; /* warnings (e.g. odd color profiles) do not stop decoding */
}

static void png_codec_read(png_structp png, png_bytep destination, size_t count) {
    png_codec_context *context = (png_codec_context *)png_get_io_ptr(png);
    if (count > context->length - context->position) {
        imagecodec_fail(IMAGECODEC_ERROR_TRUNCATED, context->message, context->messageCapacity,
                        "file is truncated (needed %zu more bytes at offset %zu of %zu)",
                        count, context->position, context->length);
        context->code = IMAGECODEC_ERROR_TRUNCATED;
        png_longjmp(png, 1);
    }
    memcpy(destination, context->bytes + context->position, count);
    context->position += count;
}

static void png_codec_write(png_structp png, png_bytep source, size_t count) {
    png_codec_context *context = (png_codec_context *)png_get_io_ptr(png);
    if (count > context->outputCapacity - context->outputLength) {
        size_t capacity = context->outputCapacity > 0 ? context->outputCapacity : 4096;
        while (count > capacity - context->outputLength) {
            if (capacity > SIZE_MAX / 2) png_error(png, "encoded PNG too large");
            capacity *= 2;
        }
        unsigned char *grown = realloc(context->output, capacity);
        if (grown == NULL) png_error(png, "out of memory growing the PNG buffer");
        context->output = grown;
        context->outputCapacity = capacity;
    }
    memcpy(context->output + context->outputLength, source, count);
    context->outputLength += count;
}

static void png_codec_flush(png_structp png) {
    (void)png;
}

static int png_codec_is_little_endian(void) {
    const uint16_t probe = 1;
    return *(const unsigned char *)&probe == 1;
}

int imagecodec_png_decode(const unsigned char *bytes, size_t length, imagecodec_pixels *out,
                          char *message, size_t messageCapacity) {
    memset(out, 0, sizeof(*out));
    if (length < 8 || png_sig_cmp(bytes, 0, 8) != 0) {
        return imagecodec_fail(IMAGECODEC_ERROR_SIGNATURE, message, messageCapacity,
                               "not a PNG file (bad signature)");
    }
    png_codec_context context = {0};
    context.bytes = bytes;
    context.length = length;
    context.errorPrefix = "corrupt PNG data";
    context.message = message;
    context.messageCapacity = messageCapacity;

    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &context,
                                             png_codec_on_error, png_codec_on_warning);
    if (png == NULL) {
        return imagecodec_fail(IMAGECODEC_ERROR_MEMORY, message, messageCapacity,
                               "cannot create a libpng reader");
    }
    png_infop info = png_create_info_struct(png);
    if (info == NULL) {
        png_destroy_read_struct(&png, NULL, NULL);
        return imagecodec_fail(IMAGECODEC_ERROR_MEMORY, message, messageCapacity,
                               "cannot create libpng info");
    }
    unsigned char *volatile samples = NULL;
    png_bytep *volatile rows = NULL;
    if (setjmp(png_jmpbuf(png))) {
        free(rows);
        free(samples);
        png_destroy_read_struct(&png, &info, NULL);
        return context.code != IMAGECODEC_OK ? context.code : IMAGECODEC_ERROR_CORRUPT;
    }
    png_set_read_fn(png, &context, png_codec_read);
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
    /* Fuzzing builds only (scripts/fuzz.sh): a wrong CRC does not stop decoding, so mutated files get past it. */
    png_set_crc_action(png, PNG_CRC_QUIET_USE, PNG_CRC_QUIET_USE);
#endif
    png_read_info(png, info);

    png_byte colorType = png_get_color_type(png, info);
    png_byte bitDepth = png_get_bit_depth(png, info);
    if (colorType == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (colorType == PNG_COLOR_TYPE_GRAY && bitDepth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
    if (bitDepth == 16 && png_codec_is_little_endian()) png_set_swap(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);

    png_uint_32 width = png_get_image_width(png, info);
    png_uint_32 height = png_get_image_height(png, info);
    png_byte channels = png_get_channels(png, info);
    png_byte outputDepth = png_get_bit_depth(png, info);
    size_t rowBytes = png_get_rowbytes(png, info);
    size_t total = 0;
    if (outputDepth != 8 && outputDepth != 16) {
        context.code = imagecodec_fail(IMAGECODEC_ERROR_UNSUPPORTED, message, messageCapacity,
                                       "unsupported PNG bit depth %d", outputDepth);
        png_longjmp(png, 1);
    }
    if (!imagecodec_checked_size(&total, width, height, channels, outputDepth / 8) ||
        rowBytes != (size_t)width * channels * (outputDepth / 8)) {
        png_error(png, "image dimensions overflow memory");
    }
    /* Deflate expands at most ~1032:1 (palette expansion adds 4x), so reject sizes the
       file cannot hold before allocating them. */
    if (total / (1032 * 4) > length) {
        context.code = imagecodec_fail(IMAGECODEC_ERROR_TRUNCATED, message, messageCapacity,
                                       "file is truncated or corrupt (%ux%u pixels declared in "
                                       "%zu bytes)", (unsigned)width, (unsigned)height, length);
        png_longjmp(png, 1);
    }
    samples = malloc(total > 0 ? total : 1);
    rows = malloc(sizeof(png_bytep) * (height > 0 ? height : 1));
    if (samples == NULL || rows == NULL) {
        context.code = imagecodec_fail(IMAGECODEC_ERROR_MEMORY, message, messageCapacity,
                                       "out of memory for a %ux%u image",
                                       (unsigned)width, (unsigned)height);
        png_longjmp(png, 1);
    }
    for (png_uint_32 row = 0; row < height; row++) rows[row] = samples + row * rowBytes;
    png_read_image(png, rows);
    png_read_end(png, NULL);

    free(rows);
    png_destroy_read_struct(&png, &info, NULL);
    out->width = width;
    out->height = height;
    out->channels = channels;
    out->bitDepth = outputDepth;
    out->samples = samples;
    return IMAGECODEC_OK;
}

int imagecodec_png_encode(const void *samples, uint32_t width, uint32_t height, uint32_t channels,
                          uint32_t bitDepth, imagecodec_buffer *out,
                          char *message, size_t messageCapacity) {
    out->bytes = NULL;
    out->length = 0;
    static const int colorTypes[] = {PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA,
                                     PNG_COLOR_TYPE_RGB, PNG_COLOR_TYPE_RGB_ALPHA};
    if (channels < 1 || channels > 4) {
        return imagecodec_fail(IMAGECODEC_ERROR_ARGUMENT, message, messageCapacity,
                               "PNG needs 1 to 4 channels, got %u", (unsigned)channels);
    }
    if (bitDepth != 8 && bitDepth != 16) {
        return imagecodec_fail(IMAGECODEC_ERROR_ARGUMENT, message, messageCapacity,
                               "PNG bit depth must be 8 or 16, got %u", (unsigned)bitDepth);
    }
    if (width == 0 || height == 0) {
        return imagecodec_fail(IMAGECODEC_ERROR_ARGUMENT, message, messageCapacity,
                               "PNG cannot hold an empty %ux%u image",
                               (unsigned)width, (unsigned)height);
    }
    png_codec_context context = {0};
    context.message = message;
    context.messageCapacity = messageCapacity;
    context.errorPrefix = "PNG encoding failed";
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &context,
                                              png_codec_on_error, png_codec_on_warning);
    if (png == NULL) {
        return imagecodec_fail(IMAGECODEC_ERROR_MEMORY, message, messageCapacity,
                               "cannot create a libpng writer");
    }
    png_infop info = png_create_info_struct(png);
    if (info == NULL) {
        png_destroy_write_struct(&png, NULL);
        return imagecodec_fail(IMAGECODEC_ERROR_MEMORY, message, messageCapacity,
                               "cannot create libpng info");
    }
    png_bytep *volatile rows = NULL;
    if (setjmp(png_jmpbuf(png))) {
        free(rows);
        free(context.output);
        png_destroy_write_struct(&png, &info);
        return context.code != IMAGECODEC_OK ? context.code : IMAGECODEC_ERROR_CORRUPT;
    }
    png_set_write_fn(png, &context, png_codec_write, png_codec_flush);
    png_set_IHDR(png, info, width, height, (int)bitDepth, colorTypes[channels - 1],
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    if (bitDepth == 16 && png_codec_is_little_endian()) png_set_swap(png);

    size_t rowBytes = (size_t)width * channels * (bitDepth / 8);
    rows = malloc(sizeof(png_bytep) * height);
    if (rows == NULL) png_error(png, "out of memory for row pointers");
    for (uint32_t row = 0; row < height; row++) {
        rows[row] = (png_bytep)samples + row * rowBytes;
    }
    png_write_image(png, rows);
    png_write_end(png, NULL);

    free(rows);
    png_destroy_write_struct(&png, &info);
    out->bytes = context.output;
    out->length = context.outputLength;
    return IMAGECODEC_OK;
}
