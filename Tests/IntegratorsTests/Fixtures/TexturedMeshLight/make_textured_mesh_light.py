#!/usr/bin/env python3
"""A textured area light on a triangle mesh, rendered by Mitsuba 3.9.1 (TexturedMeshLightTests.swift reads it):
  strip.obj                         a curved strip (a quarter of a cylinder, 8 x 2 quads) whose texture coordinates
                                    cover u in [0, 0.8] only, so texture samples with u > 0.8 find no point
  scene.xml                         the strip emitting ../TexturedSlots/emission.exr over a diffuse floor
  scene_mitsuba_spp32.npy           scene.xml rendered with seed 5 (same-seed comparison)
Run from this folder: DRJIT_LIBLLVM_PATH=/usr/lib/x86_64-linux-gnu/libLLVM-19.so mitsuba-venv/bin/python \
    make_textured_mesh_light.py"""
import math
import numpy as np
import mitsuba as mi

mi.set_variant('llvm_ad_rgb')

columns, rows = 8, 2
lines = ["# a quarter cylinder strip of radius 1 and height 1, uv u in [0, 0.8], v in [0, 1]"]
for j in range(rows + 1):
    for i in range(columns + 1):
        phi = 0.5 * math.pi * i / columns
        lines.append(f"v {math.cos(phi):.6f} {j / rows:.6f} {math.sin(phi):.6f}")
for j in range(rows + 1):
    for i in range(columns + 1):
        lines.append(f"vt {0.8 * i / columns:.6f} {j / rows:.6f}")
for j in range(rows):
    for i in range(columns):
        a = j * (columns + 1) + i + 1
        b, c, d = a + 1, a + columns + 2, a + columns + 1
        lines.append(f"f {a}/{a} {d}/{d} {c}/{c} {b}/{b}")
open("strip.obj", "w").write("\n".join(lines) + "\n")

scene = mi.load_file("scene.xml")
image = mi.render(scene, spp=32, seed=5)
np.save("scene_mitsuba_spp32.npy", np.array(image, dtype=np.float32))
print("mean", float(np.mean(np.array(image))))
