/* CImageCodecs: setjmp-guarded wrappers around libpng, libjpeg and zlib, and an OpenEXR PIZ decoder, for Swift. */
#ifndef CIMAGECODECS_H
#define CIMAGECODECS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Every function returns IMAGECODEC_OK (0) on success, or one of the other codes with a
   human-readable reason written into `message` (always NUL-terminated when capacity > 0).
   No function ever lets a longjmp escape: libpng and libjpeg errors are caught inside. */
enum {
    IMAGECODEC_OK = 0,
    IMAGECODEC_ERROR_SIGNATURE = 1,   /* the bytes are not this format at all */
    IMAGECODEC_ERROR_TRUNCATED = 2,   /* the data ends before the image does */
    IMAGECODEC_ERROR_CORRUPT = 3,     /* the codec rejected the data */
    IMAGECODEC_ERROR_UNSUPPORTED = 4, /* valid data of a kind this library does not handle */
    IMAGECODEC_ERROR_ARGUMENT = 5,    /* the caller passed impossible sizes */
    IMAGECODEC_ERROR_MEMORY = 6       /* an allocation failed */
};

/* Recommended size of the message buffer passed to every function. */
#define IMAGECODEC_MESSAGE_CAPACITY 512

/* Decoded pixels: row-major (row 0 at the top), channels interleaved.
   bitDepth is 8 (uint8_t samples) or 16 (uint16_t samples in native byte order).
   `samples` is allocated with malloc; release it with imagecodec_free. */
typedef struct {
    uint32_t width;
    uint32_t height;
    uint32_t channels;
    uint32_t bitDepth;
    void *samples;
} imagecodec_pixels;

/* An encoded byte buffer allocated with malloc; release `bytes` with imagecodec_free. */
typedef struct {
    unsigned char *bytes;
    size_t length;
} imagecodec_buffer;

/* Decodes a PNG held in memory. Palette images become RGB(A), tRNS becomes an alpha channel,
   bit depths 1/2/4 are expanded to 8, 16-bit samples are returned in native byte order.
   Result channels: 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA. */
int imagecodec_png_decode(const unsigned char *bytes, size_t length, imagecodec_pixels *out,
                          char *message, size_t messageCapacity);

/* Encodes interleaved samples (1-4 channels; bitDepth 8 = uint8_t, 16 = native uint16_t) as PNG. */
int imagecodec_png_encode(const void *samples, uint32_t width, uint32_t height, uint32_t channels,
                          uint32_t bitDepth, imagecodec_buffer *out,
                          char *message, size_t messageCapacity);

/* Decodes a baseline or progressive JPEG held in memory to 8-bit gray (1 channel) or RGB
   (3 channels). CMYK/YCCK files are rejected with IMAGECODEC_ERROR_UNSUPPORTED. */
int imagecodec_jpeg_decode(const unsigned char *bytes, size_t length, imagecodec_pixels *out,
                           char *message, size_t messageCapacity);

/* Encodes 8-bit gray (1 channel) or RGB (3 channels) samples as JPEG with quality 1-100. */
int imagecodec_jpeg_encode(const unsigned char *samples, uint32_t width, uint32_t height,
                           uint32_t channels, int quality, imagecodec_buffer *out,
                           char *message, size_t messageCapacity);

/* Compresses bytes into a zlib stream (level 0-9, or -1 for zlib's default). */
int imagecodec_zlib_compress(const unsigned char *source, size_t length, int level,
                             imagecodec_buffer *out, char *message, size_t messageCapacity);

/* Inflates a zlib stream that must expand to exactly `destinationLength` bytes. */
int imagecodec_zlib_decompress(const unsigned char *source, size_t length,
                               unsigned char *destination, size_t destinationLength,
                               char *message, size_t messageCapacity);

/* A zlib stream inflated piece by piece, for readers that learn how much to read from the data itself
   (Mitsuba's serialized meshes). The source bytes must outlive the inflater. */
typedef struct imagecodec_inflater imagecodec_inflater;

/* Starts inflating the zlib stream in source[0..<length]; NULL when out of memory. */
imagecodec_inflater *imagecodec_inflater_create(const unsigned char *source, size_t length);

/* Inflates up to `length` bytes into `destination` and stores how many in `*produced`, which is less than
   `length` only when the stream ended. Fails on corrupt or truncated data. */
int imagecodec_inflater_read(imagecodec_inflater *inflater, unsigned char *destination, size_t length,
                             size_t *produced, char *message, size_t messageCapacity);

/* Ends an inflater (NULL is allowed). */
void imagecodec_inflater_destroy(imagecodec_inflater *inflater);

/* Decodes one OpenEXR PIZ chunk of `rows` scanlines of `width` pixels into `destination`, which must be exactly
   rows * width * 2 * (sum of wordsPerSample) bytes: the chunk's uncompressed layout (each row holds the channels in
   file order, samples little-endian). wordsPerSample[c] is 1 for HALF channels and 2 for FLOAT and UINT ones.
   Every read of `source` is bounds-checked; truncated or corrupt data fails with a reason. */
int imagecodec_piz_decompress(const unsigned char *source, size_t length, const uint32_t *wordsPerSample,
                              size_t channelCount, uint32_t width, uint32_t rows, unsigned char *destination,
                              size_t destinationLength, char *message, size_t messageCapacity);

/* Releases memory returned by any function above. */
void imagecodec_free(void *pointer);

#ifdef __cplusplus
}
#endif

#endif /* CIMAGECODECS_H */
