#!/usr/bin/env python3
"""Mitsuba 3.9.1's outputs for textured_slots.xml (TexturedSlotTests.swift reads them), and its textures:
  roughness_gray.exr, roughness_rgb.exr, emission.exr   the scene's bitmaps (float32, uncompressed scanlines,
                                                         which both Mitsuba and Refract read exactly)
  textured_slots_mitsuba_spp64.npy                       the scene rendered with seed 7 (same-seed comparison)
  textured_slots_gradients.json                          d mean(image) / d KEY with prb at spp 16, seeds 0..7
                                                         (seed_grad = seed + 100)
Run from this folder: DRJIT_LIBLLVM_PATH=/usr/lib/x86_64-linux-gnu/libLLVM-19.so mitsuba-venv/bin/python \
    make_textured_slots.py"""
import json, os, struct, sys
import numpy as np
import drjit as dr
import mitsuba as mi

mi.set_variant('llvm_ad_rgb')
here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, '..', 'BSDFScenes'))
from bsdf_evaluations import prb_gradients


def write_exr(path, image):
    """An (H, W, C) float32 image (C = 1: Y, C = 3: R, G, B) as a single-part scanline EXR without compression."""
    image = np.asarray(image, dtype=np.float32)
    height, width, channels = image.shape
    names = {1: ['Y'], 3: ['R', 'G', 'B']}[channels]
    order = sorted(range(channels), key=lambda c: names[c])   # the file lists channels alphabetically

    def attribute(name, kind, value):
        return name.encode() + b'\0' + kind.encode() + b'\0' + struct.pack('<i', len(value)) + value

    chlist = b''.join(names[c].encode() + b'\0' + struct.pack('<iB3xii', 2, 0, 1, 1) for c in order) + b'\0'
    box = struct.pack('<iiii', 0, 0, width - 1, height - 1)
    header = (attribute('channels', 'chlist', chlist) + attribute('compression', 'compression', b'\0')
              + attribute('dataWindow', 'box2i', box) + attribute('displayWindow', 'box2i', box)
              + attribute('lineOrder', 'lineOrder', b'\0') + attribute('pixelAspectRatio', 'float', struct.pack('<f', 1))
              + attribute('screenWindowCenter', 'v2f', struct.pack('<ff', 0, 0))
              + attribute('screenWindowWidth', 'float', struct.pack('<f', 1)) + b'\0')
    start = 8 + len(header) + 8 * height
    line = 8 + 4 * width * channels
    offsets = b''.join(struct.pack('<Q', start + y * line) for y in range(height))
    blocks = b''.join(struct.pack('<ii', y, 4 * width * channels)
                      + b''.join(image[y, :, c].astype('<f4').tobytes() for c in order) for y in range(height))
    with open(path, 'wb') as f:
        f.write(b'\x76\x2f\x31\x01' + struct.pack('<i', 2) + header + offsets + blocks)


rng = np.random.default_rng(11)
textures = {
    # Glass roughness, 8 x 4 gray: from nearly smooth to rough.
    'roughness_gray.exr': rng.uniform(0.02, 0.5, size=(4, 8, 1)),
    # Brushed metal's alpha_u, 4 x 4 RGB (its luminance is read).
    'roughness_rgb.exr': rng.uniform(0.01, 0.6, size=(4, 4, 3)),
    # Ceiling light, 4 x 6 RGB with a black texel (no mass: never sampled).
    'emission.exr': rng.uniform(0.5, 9.0, size=(4, 6, 3)),
}
textures['emission.exr'][1, 2] = 0
for name, image in textures.items():
    path = os.path.join(here, name)
    write_exr(path, image)
    back = np.array(mi.Bitmap(path), dtype=np.float32)
    assert np.array_equal(back.reshape(image.shape), image.astype(np.float32)), name

os.chdir(here)   # the scene names its files relative to this folder
path = os.path.join(here, 'textured_slots.xml')
scene = mi.load_file(path)
image = mi.render(scene, spp=64, seed=7)
np.save(os.path.join(here, 'textured_slots_mitsuba_spp64.npy'), np.array(image, dtype=np.float32))
keys = ['plate.bsdf.alpha.color0.value', 'glass.bsdf.alpha.data', 'brushed.bsdf.alpha_u.data',
        'light.emitter.radiance.data', 'panel.emitter.radiance.color1.value']
with open(os.path.join(here, 'textured_slots_gradients.json'), 'w') as f:
    json.dump(prb_gradients(path, keys, here), f, indent=1)
