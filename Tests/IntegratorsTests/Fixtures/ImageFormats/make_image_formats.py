#!/usr/bin/env python3
"""Small BMP, TGA, PPM/PGM and PFM files (written byte by byte here), and what Mitsuba 3.9.1's Bitmap reads from
them (mitsuba_values.json: per file, height, width, channels and the values, 8-bit files as integers 0-255),
for ImageFormatReaderTests.swift. Files Mitsuba does not read (P5 gray, a coloured BMP palette, 16-bit PPM,
which Mitsuba reads in the machine's byte order) are listed with the values the formats define.
Run from this folder: DRJIT_LIBLLVM_PATH=/usr/lib/x86_64-linux-gnu/libLLVM-19.so mitsuba-venv/bin/python \
    make_image_formats.py"""
import json
import struct
import numpy as np
import mitsuba as mi

mi.set_variant('scalar_rgb')
rng = np.random.default_rng(7)


def bmp(name, pixels, bits, top_down=False, palette=None):
    """pixels: (H, W, C) uint8 in R, G, B(, A) order, or (H, W) indices for 8 bits."""
    h, w = pixels.shape[:2]
    row = (w * bits // 8 + 3) // 4 * 4
    colors = b''.join(bytes([b, g, r, 0]) for r, g, b in palette) if palette is not None else b''
    offset = 14 + 40 + len(colors)
    rows = []
    for y in (range(h) if top_down else reversed(range(h))):
        if bits == 8:
            line = bytes(pixels[y])
        else:
            line = b''.join(bytes([p[2], p[1], p[0]] + ([p[3]] if bits == 32 else [])) for p in pixels[y])
        rows.append(line + b'\0' * (row - len(line)))
    data = b''.join(rows)
    header = b'BM' + struct.pack('<IHHI', offset + len(data), 0, 0, offset)
    info = struct.pack('<IiiHHIIiiII', 40, w, -h if top_down else h, 1, bits, 0, len(data), 2835, 2835,
                       len(palette) if palette is not None else 0, 0)
    open(name, 'wb').write(header + info + colors + data)


def tga(name, pixels, rle, top_down=False):
    h, w = pixels.shape[:2]
    gray = pixels.ndim == 2
    channels = 1 if gray else pixels.shape[2]
    kind = (3 if gray else 2) + (8 if rle else 0)
    header = struct.pack('<BBBHHBHHHHBB', 3, 0, kind, 0, 0, 0, 0, 0, w, h, 8 * channels, 0x20 if top_down else 0)
    ident = b'abc'
    order = range(h) if top_down else reversed(range(h))
    flat = []
    for y in order:
        for x in range(w):
            p = pixels[y, x]
            flat.append(bytes([p]) if gray else bytes([p[2], p[1], p[0]] + ([p[3]] if channels == 4 else [])))
    if not rle:
        body = b''.join(flat)
    else:
        body, i = b'', 0
        while i < len(flat):
            run = 1
            while i + run < len(flat) and run < 128 and flat[i + run] == flat[i]:
                run += 1
            if run > 1:
                body += bytes([0x80 | (run - 1)]) + flat[i]
                i += run
            else:
                raw = 1
                while i + raw < len(flat) and raw < 128 and flat[i + raw] != flat[i + raw - 1]:
                    raw += 1
                body += bytes([raw - 1]) + b''.join(flat[i:i + raw])
                i += raw
    footer = b'\0' * 8 + b'TRUEVISION-XFILE.\0'   # a TGA 2.0 footer: Mitsuba detects TGA files by it
    open(name, 'wb').write(header + ident + body + footer)


values = {}


def record(name, array, integers):
    a = np.asarray(array)
    if a.ndim == 2:
        a = a[:, :, None]
    values[name] = {'height': a.shape[0], 'width': a.shape[1], 'channels': a.shape[2],
                    'values': [int(v) if integers else float(v) for v in a.reshape(-1)]}


def mitsuba(name, integers=True):
    record(name, np.array(mi.Bitmap(name)), integers)


rgb = rng.integers(0, 256, (2, 3, 3), dtype=np.uint8)
bmp('rgb24.bmp', rgb, 24); mitsuba('rgb24.bmp')
rgba = rng.integers(0, 256, (2, 2, 4), dtype=np.uint8)
bmp('rgba32_topdown.bmp', rgba, 32, top_down=True); mitsuba('rgba32_topdown.bmp')
gray = rng.integers(0, 256, (3, 5), dtype=np.uint8)
bmp('gray8.bmp', gray, 8, palette=[(i, i, i) for i in range(256)]); mitsuba('gray8.bmp')
palette = [tuple(int(v) for v in rng.integers(0, 256, 3)) for _ in range(4)]
indices = rng.integers(0, 4, (2, 3), dtype=np.uint8)
bmp('palette8.bmp', indices, 8, palette=palette)
record('palette8.bmp', np.array([[palette[i] for i in row] for row in indices]), True)

tga('rgb24.tga', rng.integers(0, 256, (3, 4, 3), dtype=np.uint8), rle=False); mitsuba('rgb24.tga')
runs = np.repeat(rng.integers(0, 256, (1, 3, 4), dtype=np.uint8), 2, axis=1).repeat(2, axis=0)
tga('rgba32_rle_topdown.tga', runs, rle=True, top_down=True); mitsuba('rgba32_rle_topdown.tga')
tga('gray8_rle.tga', np.array([[5, 5, 5, 9], [1, 2, 3, 3]], dtype=np.uint8), rle=True); mitsuba('gray8_rle.tga')

ppm = rng.integers(0, 256, (2, 3, 3), dtype=np.uint8)
open('rgb8.ppm', 'wb').write(b'P6\n3 2\n255\n' + ppm.tobytes()); mitsuba('rgb8.ppm')
# Netpbm allows comments in the header; Mitsuba's reader does not.
open('rgb8_comment.ppm', 'wb').write(b'P6\n# a comment\n3 2\n255\n' + ppm.tobytes())
record('rgb8_comment.ppm', ppm, True)
deep = rng.integers(0, 65536, (2, 2, 3), dtype=np.uint16)
open('rgb16.ppm', 'wb').write(b'P6 2 2 65535\n' + deep.astype('>u2').tobytes())
record('rgb16.ppm', deep, True)
pgm = rng.integers(0, 256, (2, 3), dtype=np.uint8)
open('gray8.pgm', 'wb').write(b'P5\n3 2\n255\n' + pgm.tobytes())
record('gray8.pgm', pgm, True)

floats = rng.normal(size=(2, 3, 3)).astype(np.float32)
open('rgb_scale2.pfm', 'wb').write(b'PF\n3 2\n-2.0\n' + floats[::-1].astype('<f4').tobytes()); mitsuba('rgb_scale2.pfm', False)
mono = rng.normal(size=(3, 2)).astype(np.float32)
open('gray_bigendian.pfm', 'wb').write(b'Pf\n2 3\n1\n' + mono[::-1].astype('>f4').tobytes()); mitsuba('gray_bigendian.pfm', False)

json.dump(values, open('mitsuba_values.json', 'w'), indent=1)
print(sorted(values))
