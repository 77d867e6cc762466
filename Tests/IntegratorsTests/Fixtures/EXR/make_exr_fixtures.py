# Small OpenEXR files written by OpenEXR itself (PyPI's OpenEXR package), for EXRCompressionTests.swift: PIZ and RLE
# files next to NO_COMPRESSION twins of the same pixels, and PIZ files whose pixels follow a formula the test repeats.
# Run here with a virtual environment outside the project:
#   python3 -m venv /tmp/exrvenv && /tmp/exrvenv/bin/pip install OpenEXR numpy
#   /tmp/exrvenv/bin/python make_exr_fixtures.py
import os

import numpy as np
import OpenEXR

HERE = os.path.dirname(os.path.abspath(__file__))
PIZ_LINES = 32  # scanlines per PIZ chunk


def write(name, channels, compression):
    header = {"compression": compression, "type": OpenEXR.scanlineimage}
    path = os.path.join(HERE, name)
    with OpenEXR.File(header, dict(channels)) as f:  # File turns the values into Channel objects
        f.write(path)
    sizes = chunk_sizes(path, channels, compression)
    print(f"{name}: {os.path.getsize(path)} bytes, {len(sizes)} chunks, stored / uncompressed bytes "
          f"{sum(stored for stored, _ in sizes)} / {sum(raw for _, raw in sizes)}")
    if compression != OpenEXR.NO_COMPRESSION:
        # OpenEXR stores a chunk raw when compressing does not make it smaller; such a chunk tests nothing.
        assert all(stored < raw for stored, raw in sizes), f"{name} has a chunk stored uncompressed"


def chunk_sizes(path, channels, compression):
    """(stored, uncompressed) bytes of each chunk, read from the file's offset table."""
    data = open(path, "rb").read()
    height, width = next(iter(channels.values())).shape
    lines = {OpenEXR.NO_COMPRESSION: 1, OpenEXR.RLE_COMPRESSION: 1, OpenEXR.PIZ_COMPRESSION: PIZ_LINES}[compression]
    line_bytes = sum(plane.dtype.itemsize * width for plane in channels.values())
    count = (height + lines - 1) // lines
    header_end = header_length(data)
    offsets = np.frombuffer(data, np.uint64, count, header_end)
    sizes = []
    for index, offset in enumerate(offsets):
        stored = int(np.frombuffer(data, np.int32, 1, int(offset) + 4)[0])
        sizes.append((stored, min(lines, height - index * lines) * line_bytes))
    return sizes


def header_length(data):
    """Bytes up to the end of the header: magic, version, then attributes up to an empty name."""
    position = 8
    while data[position] != 0:
        name_end = data.index(b"\0", position)
        type_end = data.index(b"\0", name_end + 1)
        size = int(np.frombuffer(data, np.int32, 1, type_end + 1)[0])
        position = type_end + 5 + size
    return position + 1


def words_per_chunk(channels):
    """Distinct 16-bit words (zero included, as PIZ's table always holds it) of each PIZ chunk."""
    height = next(iter(channels.values())).shape[0]
    counts = []
    for top in range(0, height, PIZ_LINES):
        words = {0}
        for plane in channels.values():
            words |= set(np.ascontiguousarray(plane[top:top + PIZ_LINES]).view(np.uint16).ravel().tolist())
        counts.append(len(words))
    return counts


def with_twin(stem, channels, compressions):
    for prefix, compression in compressions:
        write(f"{prefix}_{stem}.exr", channels, compression)
    write(f"none_{stem}.exr", channels, OpenEXR.NO_COMPRESSION)


# PIZ stores, for each chunk, a bitmap of the 16-bit words it uses, one byte for every 8 values from the lowest to the
# highest: a chunk of these small images that mixes, say, positive and negative halves has a bitmap of several KB and
# is stored uncompressed. So each chunk keeps its words in a narrow band (chunk_sizes checks that every chunk is
# compressed), and the bands differ between chunks and files.

# HALF RGB, 37 x 45 (the second chunk has 13 lines): smooth positive values in [0.25, 4) in the first chunk, negative
# ones in the second.
height, width = 45, 37
y, x = np.mgrid[0:height, 0:width].astype(np.float32)
sign = np.where(y < PIZ_LINES, 1.0, -1.0)
half_rgb = {
    "R": sign * (2.0 + 1.5 * np.sin(x / 5.0) * np.cos(y / 7.0)),
    "G": sign * (0.25 + 3.5 * (x + y) / (width + height)),
    "B": sign * (1.0 + np.round(8 * np.abs(x - 18) / 18) / 4),
}
half_rgb = {name: plane.astype(np.float16) for name, plane in half_rgb.items()}
with_twin("half_rgb", half_rgb, [("piz", OpenEXR.PIZ_COMPRESSION), ("rle", OpenEXR.RLE_COMPRESSION)])

# FLOAT RGB, 17 x 41 (nine lines in the second chunk): every sample two 16-bit planes. Both words of a sample stay
# near one band (0x3F80 in the first chunk, 0xBF80 in the second: floats near 1.0 and -1.0) so the bitmaps stay small.
height, width = 41, 17
y, x = np.mgrid[0:height, 0:width].astype(np.uint32)
band = np.where(y < PIZ_LINES, 0x3F80, 0xBF80).astype(np.uint32)
low = {"R": 5 * (x + width * y) % 800, "G": (x * 37 + y * 11) % 500, "B": 3 * x * y % 700}
float_rgb = {name: ((band + x % 2) << 16 | (band - 300 + offsets)).astype(np.uint32).view(np.float32)
             for name, offsets in low.items()}
with_twin("float_rgb", float_rgb, [("piz", OpenEXR.PIZ_COMPRESSION)])

# HALF, FLOAT and UINT channels together, 19 x 40: one and two words per sample interleaved in a row, every word
# between 0x3C00 and 0x3E00.
height, width = 40, 19
index = np.arange(height * width, dtype=np.uint32).reshape(height, width)
mixed = {
    "R": (0x3C00 + index % 512).astype(np.uint16).view(np.float16),
    "G": (0x3C000000 + 0x10000 * (index % 3) + 0x3C00 + 7 * index % 512).astype(np.uint32).view(np.float32),
    "B": (0x3D003C00 + 0x10000 * (index % 5) + 11 * index % 512).astype(np.uint32),
}
with_twin("mixed", mixed, [("piz", OpenEXR.PIZ_COMPRESSION)])

# Known pixels (the test computes the same values).
# Few words: HALF RGB 37 x 45 taking five values, large and special ones (2048, 4096, 65504, infinity, NaN), in
# blocks: (row, column, channel) holds FEW[(row / 4 + column / 5 + channel) % 5].
FEW = np.array([0x6800, 0x6C00, 0x7BFF, 0x7C00, 0x7E00], dtype=np.uint16)
height, width = 45, 37
y, x = np.mgrid[0:height, 0:width]
few = {name: FEW[(y // 4 + x // 5 + c) % 5].view(np.float16) for c, name in enumerate("RGB")}
write("piz_few_words.exr", few, OpenEXR.PIZ_COMPRESSION)

# Many words: HALF Y 513 x 34 whose bits are 0x0400 + 513 row + column, all different, so the first chunk uses 16417
# words (with zero): more than 2^14, which selects the 16-bit wavelet; the two-line second chunk uses the 14-bit one.
height, width = 34, 513
many_bits = (0x0400 + np.arange(height * width).reshape(height, width)).astype(np.uint16)
many = {"Y": many_bits.view(np.float16)}
counts = words_per_chunk(many)
assert counts[0] > 1 << 14 and counts[1] <= 1 << 14, counts
print("many words per chunk:", counts)
write("piz_many_words.exr", many, OpenEXR.PIZ_COMPRESSION)

# Constant: HALF RGB 37 x 45, every sample 0.5; and all zeros (an empty bitmap).
height, width = 45, 37
write("piz_constant.exr", {name: np.full((height, width), 0.5, np.float16) for name in "RGB"},
      OpenEXR.PIZ_COMPRESSION)
write("piz_zero.exr", {name: np.zeros((height, width), np.float16) for name in "RGB"}, OpenEXR.PIZ_COMPRESSION)
