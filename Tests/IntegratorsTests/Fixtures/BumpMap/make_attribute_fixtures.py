#!/usr/bin/env python3
"""Mitsuba 3.9.1's image of attributes.xml (AttributeSceneTests in BumpMapTests.swift reads it):
  attributes.ply               the input (written here once): extra vertex and face properties
  attributes_mitsuba_spp64.npy attributes.xml rendered with seed 7 (same-seed comparison)
Run: DRJIT_LIBLLVM_PATH=/usr/lib/x86_64-linux-gnu/libLLVM-19.so mitsuba-venv/bin/python make_attribute_fixtures.py"""
import os
import numpy as np
import mitsuba as mi

mi.set_variant('llvm_ad_rgb')
here = os.path.dirname(os.path.abspath(__file__))
# A fan of 4 triangles around the centre of a unit square. Vertex properties: weight_x (one channel), tint_r/g/b
# (uchar: Mitsuba keeps the values 0-255), note (no suffix: ignored), pair_x/pair_y (two channels:
# ignored). Face properties: label_0 (one channel), red/green/blue (the face colour).
if not os.path.exists(os.path.join(here, 'attributes.ply')):
    with open(os.path.join(here, 'attributes.ply'), 'w') as f:
        f.write('ply\nformat ascii 1.0\nelement vertex 5\nproperty float x\nproperty float y\nproperty float z\n'
                'property float weight_x\nproperty uchar tint_r\nproperty uchar tint_g\nproperty uchar tint_b\n'
                'property float note\nproperty float pair_x\nproperty float pair_y\n'
                'element face 4\nproperty list uchar int vertex_indices\nproperty float label_0\n'
                'property float red\nproperty float green\nproperty float blue\nend_header\n'
                '-1 -1 0 0.1 255 30 0 5 1 2\n1 -1 0 0.9 20 200 40 5 1 2\n1 1 0 0.5 0 60 250 5 1 2\n'
                '-1 1 0 0.3 128 128 128 5 1 2\n0 0 0 1.0 250 250 10 5 1 2\n'
                '3 0 1 4 0.2 0.9 0.1 0.1\n3 1 2 4 0.4 0.1 0.9 0.1\n3 2 3 4 0.6 0.1 0.1 0.9\n'
                '3 3 0 4 0.9 0.8 0.8 0.2\n')
scene = mi.load_file(os.path.join(here, 'attributes.xml'))
image = mi.render(scene, spp=64, seed=7)
np.save(os.path.join(here, 'attributes_mitsuba_spp64.npy'), np.array(image, dtype=np.float32))
shape = [s for s in scene.shapes() if s.id() == 'weight'][0]
print(sorted(k for k in mi.traverse(shape).keys()))
