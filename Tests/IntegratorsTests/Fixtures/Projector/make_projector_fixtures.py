#!/usr/bin/env python3
"""Mitsuba 3.9.1's outputs for the projector fixtures in this folder (ProjectorSceneTests.swift reads them):
  irradiance.exr                  the 6x4 RGB irradiance image projector_path.xml projects (float32)
  NAME_mitsuba_spp64.npy          NAME.xml rendered with seed 7 (same-seed comparison)
  projector_path_gradients.json   d mean(image) / d KEY with prb at spp 16, seeds 0..7 (seed_grad = seed + 100)
Run from anywhere: DRJIT_LIBLLVM_PATH=/usr/lib/x86_64-linux-gnu/libLLVM-19.so mitsuba-venv/bin/python make_projector_fixtures.py"""
import json, os
import numpy as np
import drjit as dr
import mitsuba as mi

mi.set_variant('llvm_ad_rgb')
here = os.path.dirname(os.path.abspath(__file__))

# Rows top to bottom, as the image is seen from the projector: a ramp in red, steps in green, one dark texel.
texels = np.zeros((4, 6, 3), dtype=np.float32)
for row in range(4):
    for column in range(6):
        texels[row, column] = [0.3 + 0.25 * column, 0.2 + 0.3 * row, 1.2 - 0.15 * (row + column)]
texels[2, 1] = 0
mi.Bitmap(texels).write(os.path.join(here, 'irradiance.exr'))

for name in ['projector_direct.xml', 'projector_path.xml']:
    scene = mi.load_file(os.path.join(here, name))
    image = mi.render(scene, spp=64, seed=7)
    np.save(os.path.join(here, name.replace('.xml', '_mitsuba_spp64.npy')), np.array(image, dtype=np.float32))

gradients = {}
for key in ['slide.scale', 'slide.irradiance.data', 'flood.irradiance.value']:
    per_seed = []
    for seed in range(8):
        xml = open(os.path.join(here, 'projector_path.xml')).read().replace('type="path"', 'type="prb"')
        scene = mi.load_string(xml.replace('value="irradiance.exr"', f'value="{here}/irradiance.exr"'))
        params = mi.traverse(scene)
        dr.enable_grad(params[key]); params.update()
        image = mi.render(scene, params, spp=16, seed=seed, seed_grad=seed + 100)
        dr.backward(dr.mean(image))
        per_seed.append([float('%.6g' % v) for v in np.array(dr.grad(params[key])).ravel()])
    gradients[key] = per_seed
with open(os.path.join(here, 'projector_path_gradients.json'), 'w') as f:
    json.dump(gradients, f)
