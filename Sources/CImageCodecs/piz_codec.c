/* OpenEXR PIZ chunk decoding: value bitmap and lookup table, canonical Huffman with a run code, inverse Haar wavelet.

   A PIZ chunk, as the OpenEXR file layout defines it (all integers little-endian):
     u16 minNonZero, u16 maxNonZero     byte range of the bitmap that is stored (empty when min > max)
     bitmap[minNonZero...maxNonZero]    bit v set: the 16-bit value v occurs in the chunk (0 always counts as used)
     u32 Huffman block size, then the Huffman block:
       u32 lowest symbol, u32 highest symbol (the highest is the run code), u32 table size (unused), u32 bit count,
       u32 reserved, code lengths (6 bits each, MSB first, with zero-run codes), padding to a byte, the code bits.
   Decoding: Huffman -> one 16-bit word per sample half, channel after channel (each channel a block of rows) ->
   inverse 2D wavelet per channel (32-bit samples are two interleaved 16-bit planes) -> table from compact index to
   value -> rows of the chunk, each the channels in order, in the file's little-endian sample layout. */
#include "CImageCodecs.h"
#include "codec_common.h"

#include <stdlib.h>
#include <string.h>

enum {
    PIZ_BITMAP_BYTES = 8192,     /* one bit for each 16-bit value */
    PIZ_VALUES = 65536,
    PIZ_SYMBOLS = 65537,         /* every 16-bit value, plus one above the largest for the run code */
    PIZ_MAX_CODE_LENGTH = 58,
    PIZ_FAST_BITS = 12,          /* codes up to this long are found with one table lookup */
    PIZ_HUFFMAN_HEADER = 20,
    PIZ_SHORT_ZERO_RUN = 59,     /* code-length values 59...62 stand for 2...5 unused symbols */
    PIZ_LONG_ZERO_RUN = 63,      /* 63, then 8 bits n: n + 6 unused symbols */
    PIZ_PADDING = 16             /* zero bytes after the code bits, so a 64-bit window never reads past them */
};

/* Everything one chunk's decoding needs besides its output: about 0.75 MB, allocated per call. */
typedef struct {
    uint8_t lengths[PIZ_SYMBOLS];                 /* code length of each symbol in `present` (others: unset) */
    uint32_t present[PIZ_SYMBOLS];                /* symbols with a code, by value */
    uint32_t presentCount;
    uint32_t sorted[PIZ_SYMBOLS];                 /* symbols with a code, by code length, then by value */
    uint32_t fast[1 << PIZ_FAST_BITS];            /* symbol << 8 | length of the code the top bits start; 0: longer */
    uint64_t first[PIZ_MAX_CODE_LENGTH + 2];      /* numerically lowest code of each length */
    uint32_t count[PIZ_MAX_CODE_LENGTH + 2];      /* codes of each length */
    uint32_t start[PIZ_MAX_CODE_LENGTH + 2];      /* index in `sorted` of the first code of each length */
    uint8_t bitmap[PIZ_BITMAP_BYTES];
    uint16_t values[PIZ_VALUES];                  /* compact index -> 16-bit value */
} piz_tables;

static uint32_t piz_load32(const unsigned char *bytes) {
    return (uint32_t)bytes[0] | (uint32_t)bytes[1] << 8 | (uint32_t)bytes[2] << 16 | (uint32_t)bytes[3] << 24;
}

/* Eight bytes as a big-endian integer. */
static inline uint64_t piz_load64_big(const unsigned char *bytes) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint64_t word;
    memcpy(&word, bytes, sizeof word);
    return __builtin_bswap64(word);
#else
    uint64_t word = 0;
    for (int index = 0; index < 8; ++index) word = word << 8 | bytes[index];
    return word;
#endif
}

/* The 64 bits starting at bit `position` (MSB first); `bytes` must hold 9 readable bytes from position / 8. */
static inline uint64_t piz_window(const unsigned char *bytes, uint64_t position) {
    const unsigned char *p = bytes + (position >> 3);
    uint64_t word = piz_load64_big(p);
    unsigned shift = (unsigned)(position & 7);
    return shift == 0 ? word : word << shift | (uint64_t)(p[8] >> (8 - shift));
}

/* Reads `count` (<= 8) bits MSB first from a bounded byte range; 0 when they are not all there. */
static int piz_read_bits(const unsigned char *bytes, size_t length, uint64_t *position, unsigned count,
                         uint32_t *value) {
    if (*position + count > (uint64_t)length * 8) return 0;
    uint32_t result = 0;
    for (unsigned index = 0; index < count; ++index, ++*position) {
        result = result << 1 | ((bytes[*position >> 3] >> (7 - (*position & 7))) & 1);
    }
    *value = result;
    return 1;
}

/* Phase 1: the used-value bitmap, and from it the table from compact index to value. */
static int piz_read_bitmap(const unsigned char *source, size_t length, size_t *offset, piz_tables *tables,
                           uint16_t *maxIndex, char *message, size_t capacity) {
    if (length < 4) {
        return imagecodec_fail(IMAGECODEC_ERROR_TRUNCATED, message, capacity,
                               "PIZ data is truncated (%zu bytes, the bitmap range needs 4)", length);
    }
    unsigned minNonZero = source[0] | (unsigned)source[1] << 8, maxNonZero = source[2] | (unsigned)source[3] << 8;
    *offset = 4;
    memset(tables->bitmap, 0, sizeof tables->bitmap);
    if (minNonZero <= maxNonZero) {
        if (maxNonZero >= PIZ_BITMAP_BYTES) {
            return imagecodec_fail(IMAGECODEC_ERROR_CORRUPT, message, capacity,
                                   "PIZ bitmap range %u...%u is corrupt (expected bytes below %d)",
                                   minNonZero, maxNonZero, PIZ_BITMAP_BYTES);
        }
        size_t size = maxNonZero - minNonZero + 1;
        if (size > length - *offset) {
            return imagecodec_fail(IMAGECODEC_ERROR_TRUNCATED, message, capacity,
                                   "PIZ data is truncated (the bitmap needs %zu bytes, %zu are left)",
                                   size, length - *offset);
        }
        memcpy(tables->bitmap + minNonZero, source + *offset, size);
        *offset += size;
    }
    uint32_t used = 0;
    for (uint32_t byte = 0; byte < PIZ_BITMAP_BYTES; ++byte) {
        unsigned bits = tables->bitmap[byte] | (byte == 0); /* 0 is always in the table */
        for (; bits != 0; bits &= bits - 1) {
            tables->values[used++] = (uint16_t)(byte * 8 + (unsigned)__builtin_ctz(bits));
        }
    }
    /* Indices above the largest are never made by valid data; corrupt data that makes them reads zeros. */
    memset(tables->values + used, 0, (PIZ_VALUES - used) * sizeof(uint16_t));
    *maxIndex = (uint16_t)(used - 1);
    return IMAGECODEC_OK;
}

/* Phase 2a: the code lengths of symbols low...high, packed with zero-run codes; `*used` gets the bytes read. Only the
   symbols with a code get a length, listed in `present`. */
static int piz_read_code_lengths(const unsigned char *table, size_t length, uint32_t low, uint32_t high,
                                 piz_tables *tables, size_t *used, char *message, size_t capacity) {
    uint64_t position = 0;
    tables->presentCount = 0;
    for (uint32_t symbol = low; symbol <= high;) {
        uint32_t value;
        if (!piz_read_bits(table, length, &position, 6, &value)) {
            return imagecodec_fail(IMAGECODEC_ERROR_TRUNCATED, message, capacity,
                                   "PIZ Huffman code table is truncated at symbol %u of %u...%u", symbol, low, high);
        }
        uint32_t zeros = 1;
        if (value == PIZ_LONG_ZERO_RUN) {
            uint32_t extra;
            if (!piz_read_bits(table, length, &position, 8, &extra)) {
                return imagecodec_fail(IMAGECODEC_ERROR_TRUNCATED, message, capacity,
                                       "PIZ Huffman code table is truncated at symbol %u", symbol);
            }
            zeros = extra + PIZ_LONG_ZERO_RUN - PIZ_SHORT_ZERO_RUN + 2;
        } else if (value >= PIZ_SHORT_ZERO_RUN) {
            zeros = value - PIZ_SHORT_ZERO_RUN + 2;
        } else if (value > 0) {
            tables->lengths[symbol] = (uint8_t)value;
            tables->present[tables->presentCount++] = symbol;
        }
        if (zeros > high - symbol + 1) {
            return imagecodec_fail(IMAGECODEC_ERROR_CORRUPT, message, capacity,
                                   "PIZ Huffman code table is corrupt (%u unused symbols from %u run past %u)",
                                   zeros, symbol, high);
        }
        symbol += zeros;
    }
    *used = (size_t)((position + 7) / 8);
    return IMAGECODEC_OK;
}

/* Phase 2b: the canonical codes of those lengths (longer codes are numerically lower; codes of one length increase
   with the symbol), as lookup tables; rejects lengths that do not make a prefix code. */
static int piz_build_decoder(piz_tables *tables, char *message, size_t capacity) {
    memset(tables->count, 0, sizeof tables->count);
    memset(tables->fast, 0, sizeof tables->fast);
    for (uint32_t index = 0; index < tables->presentCount; ++index) {
        tables->count[tables->lengths[tables->present[index]]] += 1;
    }
    uint64_t code = 0;
    for (int length = PIZ_MAX_CODE_LENGTH; length > 0; --length) {
        uint64_t next = (code + tables->count[length]) >> 1;
        tables->first[length] = code;
        code = next;
    }
    uint32_t position = 0;
    for (int length = 1; length <= PIZ_MAX_CODE_LENGTH; ++length) {
        tables->start[length] = position;
        position += tables->count[length];
    }
    uint64_t next[PIZ_MAX_CODE_LENGTH + 1];
    uint32_t filled[PIZ_MAX_CODE_LENGTH + 1];
    memcpy(next, tables->first, sizeof next);
    memset(filled, 0, sizeof filled);
    /* Short codes fill the fast table first, so that the long ones can be checked against them. */
    for (int pass = 0; pass < 2; ++pass) {
        for (uint32_t index = 0; index < tables->presentCount; ++index) {
            uint32_t symbol = tables->present[index];
            int length = tables->lengths[symbol];
            if ((pass == 0) != (length <= PIZ_FAST_BITS)) continue;
            uint64_t value = next[length]++;
            if (value >> length) {
                return imagecodec_fail(IMAGECODEC_ERROR_CORRUPT, message, capacity,
                                       "PIZ Huffman code lengths are corrupt (no %d-bit code is left for symbol %u)",
                                       length, symbol);
            }
            tables->sorted[tables->start[length] + filled[length]++] = symbol;
            if (length <= PIZ_FAST_BITS) {
                uint32_t *entry = tables->fast + (value << (PIZ_FAST_BITS - length));
                for (uint32_t slot = 0; slot < 1u << (PIZ_FAST_BITS - length); ++slot) {
                    if (entry[slot] != 0) {
                        return imagecodec_fail(IMAGECODEC_ERROR_CORRUPT, message, capacity,
                                               "PIZ Huffman code lengths are corrupt (codes overlap at symbol %u)",
                                               symbol);
                    }
                    entry[slot] = symbol << 8 | (uint32_t)length;
                }
            } else if (tables->fast[value >> (length - PIZ_FAST_BITS)] != 0) {
                return imagecodec_fail(IMAGECODEC_ERROR_CORRUPT, message, capacity,
                                       "PIZ Huffman code lengths are corrupt (a shorter code prefixes symbol %u's)",
                                       symbol);
            }
        }
    }
    return IMAGECODEC_OK;
}

/* A code longer than PIZ_FAST_BITS at the top of `window`: at each length, values at or above that length's first
   code are its codes (lower ones start a longer code). 0 when the bits are no code. */
static int piz_long_code(const piz_tables *tables, uint64_t window, uint32_t *symbol, uint32_t *length) {
    for (int bits = PIZ_FAST_BITS + 1; bits <= PIZ_MAX_CODE_LENGTH; ++bits) {
        uint64_t value = window >> (64 - bits);
        if (value < tables->first[bits]) continue;
        uint64_t index = value - tables->first[bits];
        if (index >= tables->count[bits]) return 0;
        *symbol = tables->sorted[tables->start[bits] + index];
        *length = (uint32_t)bits;
        return 1;
    }
    return 0;
}

/* The code bits, MSB first, read ahead into a 64-bit buffer. `position` counts the bits consumed; `buffer` holds the
   next `available` of them at its top (and more beyond, also from the stream), and position + available is a whole
   number of bytes: the next byte to load. */
typedef struct {
    const unsigned char *bytes; /* followed by PIZ_PADDING zero bytes */
    uint64_t position;
    uint64_t buffer;
    unsigned available;
} piz_bit_reader;

/* Tops the buffer up to at least 56 bits. Needs position < the bit count: the load then ends within the padding. */
static inline void piz_refill(piz_bit_reader *reader) {
    if (reader->available >= 32) return;
    const unsigned char *next = reader->bytes + ((reader->position + reader->available) >> 3);
    reader->buffer |= piz_load64_big(next) >> reader->available;
    reader->available |= 56; /* the whole bytes just loaded: the bit offset in a byte stays */
}

/* Consumes `count` bits; needs position + count <= the bit count. */
static inline void piz_consume(piz_bit_reader *reader, unsigned count) {
    reader->position += count;
    if (count <= reader->available) {
        reader->buffer <<= count;
        reader->available -= count;
    } else { /* a long code past the buffer: reload at the new position's byte */
        unsigned offset = (unsigned)(reader->position & 7);
        reader->buffer = piz_load64_big(reader->bytes + (reader->position >> 3)) << offset;
        reader->available = 56 - offset;
    }
}

/* Phase 2c: `count` words from `bitCount` code bits (padded with PIZ_PADDING zero bytes); the symbol `runSymbol` is
   followed by 8 bits n and repeats the previous word n more times. */
static int piz_decode_codes(const piz_tables *tables, const unsigned char *bits, uint64_t bitCount,
                            uint32_t runSymbol, uint16_t *words, size_t count, char *message, size_t capacity) {
    piz_bit_reader reader = {bits, 0, 0, 0};
    size_t produced = 0;
    while (produced < count) {
        if (reader.position >= bitCount) {
            return imagecodec_fail(IMAGECODEC_ERROR_TRUNCATED, message, capacity,
                                   "PIZ Huffman data ends after %zu of %zu values", produced, count);
        }
        piz_refill(&reader);
        uint32_t entry = tables->fast[reader.buffer >> (64 - PIZ_FAST_BITS)], symbol, length;
        if (entry != 0) {
            symbol = entry >> 8;
            length = entry & 0xFF;
        } else if (!piz_long_code(tables, piz_window(bits, reader.position), &symbol, &length)) {
            return imagecodec_fail(IMAGECODEC_ERROR_CORRUPT, message, capacity, "PIZ Huffman data is corrupt "
                                   "(no code at bit %llu)", (unsigned long long)reader.position);
        }
        if (length > bitCount - reader.position) {
            return imagecodec_fail(IMAGECODEC_ERROR_TRUNCATED, message, capacity,
                                   "PIZ Huffman data ends inside a code after %zu of %zu values", produced, count);
        }
        piz_consume(&reader, length);
        if (symbol != runSymbol) {
            words[produced++] = (uint16_t)symbol; /* below the run symbol, which is at most 65536 */
            continue;
        }
        if (8 > bitCount - reader.position) {
            return imagecodec_fail(IMAGECODEC_ERROR_TRUNCATED, message, capacity,
                                   "PIZ Huffman data ends inside a run after %zu of %zu values", produced, count);
        }
        piz_refill(&reader);
        size_t run = (size_t)(reader.buffer >> 56);
        piz_consume(&reader, 8);
        if (produced == 0 || run > count - produced) {
            return imagecodec_fail(IMAGECODEC_ERROR_CORRUPT, message, capacity,
                                   "PIZ Huffman data is corrupt (a run of %zu after %zu of %zu values)",
                                   run, produced, count);
        }
        uint16_t previous = words[produced - 1];
        for (size_t index = 0; index < run; ++index) words[produced++] = previous;
    }
    return IMAGECODEC_OK;
}

/* Phase 2: the Huffman block (header, code lengths, code bits) into `count` words. */
static int piz_decode_huffman(const unsigned char *block, size_t length, piz_tables *tables, uint16_t *words,
                              size_t count, char *message, size_t capacity) {
    if (length < PIZ_HUFFMAN_HEADER) {
        return imagecodec_fail(IMAGECODEC_ERROR_TRUNCATED, message, capacity,
                               "PIZ Huffman block of %zu bytes is truncated (its header alone is %d)",
                               length, PIZ_HUFFMAN_HEADER);
    }
    uint32_t low = piz_load32(block), high = piz_load32(block + 4), bitCount = piz_load32(block + 12);
    if (low > high || high >= PIZ_SYMBOLS) {
        return imagecodec_fail(IMAGECODEC_ERROR_CORRUPT, message, capacity,
                               "PIZ Huffman symbol range %u...%u is corrupt (expected low <= high <= %d)",
                               low, high, PIZ_SYMBOLS - 1);
    }
    size_t tableBytes = 0;
    int status = piz_read_code_lengths(block + PIZ_HUFFMAN_HEADER, length - PIZ_HUFFMAN_HEADER, low, high, tables,
                                       &tableBytes, message, capacity);
    if (status != IMAGECODEC_OK) return status;
    size_t left = length - PIZ_HUFFMAN_HEADER - tableBytes;
    size_t codeBytes = ((size_t)bitCount + 7) / 8;
    if (codeBytes > left) {
        return imagecodec_fail(IMAGECODEC_ERROR_TRUNCATED, message, capacity,
                               "PIZ Huffman data is truncated (%u bits need %zu bytes, %zu are left)",
                               bitCount, codeBytes, left);
    }
    status = piz_build_decoder(tables, message, capacity);
    if (status != IMAGECODEC_OK) return status;
    unsigned char *bits = calloc(codeBytes + PIZ_PADDING, 1);
    if (bits == NULL) {
        return imagecodec_fail(IMAGECODEC_ERROR_MEMORY, message, capacity,
                               "out of memory copying %zu bytes of PIZ Huffman data", codeBytes);
    }
    memcpy(bits, block + PIZ_HUFFMAN_HEADER + tableBytes, codeBytes);
    status = piz_decode_codes(tables, bits, bitCount, high, words, count, message, capacity);
    free(bits);
    return status;
}

/* One inverse step of the 14-bit wavelet: mean and difference without wrap-around (valid when values < 2^14). */
static inline void piz_inverse14(uint16_t mean, uint16_t difference, uint16_t *a, uint16_t *b) {
    int m = (int16_t)mean, d = (int16_t)difference;
    int first = m + (d & 1) + (d >> 1); /* >> on a negative int is an arithmetic shift with clang and gcc */
    *a = (uint16_t)(int16_t)first;
    *b = (uint16_t)(int16_t)(first - d);
}

/* One inverse step of the 16-bit wavelet, whose mean and difference wrap modulo 2^16. */
static inline void piz_inverse16(uint16_t mean, uint16_t difference, uint16_t *a, uint16_t *b) {
    int m = mean, d = difference;
    int second = (m - (d >> 1)) & 0xFFFF;
    *a = (uint16_t)((d + second - 0x8000) & 0xFFFF);
    *b = (uint16_t)second;
}

static inline void piz_inverse(int narrow, uint16_t mean, uint16_t difference, uint16_t *a, uint16_t *b) {
    if (narrow) piz_inverse14(mean, difference, a, b);
    else piz_inverse16(mean, difference, a, b);
}

/* Phase 3: the inverse 2D Haar wavelet of an nx x ny plane whose element (x, y) is data[x * ox + y * oy], from the
   coarsest level down: 2x2 blocks, then the odd column and the odd row a level leaves. */
static void piz_inverse_wavelet(uint16_t *data, size_t nx, size_t ox, size_t ny, size_t oy, int narrow) {
    size_t smaller = nx < ny ? nx : ny, step = 1;
    while (step <= smaller) step <<= 1;
    size_t stride = step >> 1, half = stride >> 1; /* block size and half of it at this level */
    for (; half >= 1; stride = half, half >>= 1) {
        size_t y = 0;
        for (; y + stride <= ny; y += stride) {
            size_t x = 0;
            for (; x + stride <= nx; x += stride) {
                uint16_t *p00 = data + x * ox + y * oy, *p01 = p00 + half * ox;
                uint16_t *p10 = p00 + half * oy, *p11 = p10 + half * ox;
                uint16_t i00, i01, i10, i11;
                piz_inverse(narrow, *p00, *p10, &i00, &i10);
                piz_inverse(narrow, *p01, *p11, &i01, &i11);
                piz_inverse(narrow, i00, i01, p00, p01);
                piz_inverse(narrow, i10, i11, p10, p11);
            }
            if (nx & half) { /* x < nx: nx mod stride >= half */
                uint16_t *p00 = data + x * ox + y * oy, *p10 = p00 + half * oy;
                piz_inverse(narrow, *p00, *p10, p00, p10);
            }
        }
        if (ny & half) { /* y < ny for the same reason */
            for (size_t x = 0; x + stride <= nx; x += stride) {
                uint16_t *p00 = data + x * ox + y * oy, *p01 = p00 + half * ox;
                piz_inverse(narrow, *p00, *p01, p00, p01);
            }
        }
    }
}

int imagecodec_piz_decompress(const unsigned char *source, size_t length, const uint32_t *wordsPerSample,
                              size_t channelCount, uint32_t width, uint32_t rows, unsigned char *destination,
                              size_t destinationLength, char *message, size_t messageCapacity) {
    size_t wordsPerPixel = 0;
    for (size_t channel = 0; channel < channelCount; ++channel) {
        if (wordsPerSample[channel] != 1 && wordsPerSample[channel] != 2) {
            return imagecodec_fail(IMAGECODEC_ERROR_ARGUMENT, message, messageCapacity,
                                   "channel %zu has %u 16-bit words per sample (expected 1 or 2)",
                                   channel, wordsPerSample[channel]);
        }
        wordsPerPixel += wordsPerSample[channel];
    }
    size_t wordCount;
    if (channelCount == 0 || width == 0 || rows == 0
        || !imagecodec_checked_size(&wordCount, wordsPerPixel, width, rows, 1)
        || wordCount > destinationLength / 2 || wordCount * 2 != destinationLength) {
        return imagecodec_fail(IMAGECODEC_ERROR_ARGUMENT, message, messageCapacity,
                               "a PIZ chunk of %u x %u pixels and %zu channels cannot fill %zu bytes",
                               width, rows, channelCount, destinationLength);
    }
    piz_tables *tables = malloc(sizeof(piz_tables));
    uint16_t *words = malloc(wordCount * sizeof(uint16_t));
    int status = IMAGECODEC_OK;
    if (tables == NULL || words == NULL) {
        status = imagecodec_fail(IMAGECODEC_ERROR_MEMORY, message, messageCapacity,
                                 "out of memory decoding a PIZ chunk of %zu bytes", destinationLength);
        goto done;
    }

    size_t offset = 0;
    uint16_t maxIndex = 0;
    status = piz_read_bitmap(source, length, &offset, tables, &maxIndex, message, messageCapacity);
    if (status != IMAGECODEC_OK) goto done;
    if (length - offset < 4) {
        status = imagecodec_fail(IMAGECODEC_ERROR_TRUNCATED, message, messageCapacity,
                                 "PIZ data is truncated (no Huffman block size after the bitmap)");
        goto done;
    }
    size_t blockSize = piz_load32(source + offset);
    offset += 4;
    if (blockSize > length - offset) {
        status = imagecodec_fail(IMAGECODEC_ERROR_TRUNCATED, message, messageCapacity,
                                 "PIZ data is truncated (the Huffman block needs %zu bytes, %zu are left)",
                                 blockSize, length - offset);
        goto done;
    }
    status = piz_decode_huffman(source + offset, blockSize, tables, words, wordCount, message, messageCapacity);
    if (status != IMAGECODEC_OK) goto done;

    /* Phase 3: each channel's block of rows, each 16-bit plane of it on its own. */
    int narrow = maxIndex < (1 << 14);
    uint16_t *plane = words;
    for (size_t channel = 0; channel < channelCount; ++channel) {
        size_t perSample = wordsPerSample[channel];
        for (size_t part = 0; part < perSample; ++part) {
            piz_inverse_wavelet(plane + part, width, perSample, rows, perSample * width, narrow);
        }
        plane += (size_t)width * rows * perSample;
    }

    /* Phase 4: compact indices back to values, written row by row, channel by channel, little-endian. */
    unsigned char *out = destination;
    for (size_t row = 0; row < rows; ++row) {
        const uint16_t *block = words;
        for (size_t channel = 0; channel < channelCount; ++channel) {
            size_t rowWords = (size_t)width * wordsPerSample[channel];
            const uint16_t *line = block + row * rowWords;
            for (size_t index = 0; index < rowWords; ++index) {
                uint16_t value = tables->values[line[index]];
                *out++ = (unsigned char)(value & 0xFF);
                *out++ = (unsigned char)(value >> 8);
            }
            block += rowWords * rows;
        }
    }

done:
    free(words);
    free(tables);
    return status;
}
