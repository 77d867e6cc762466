#!/usr/bin/env python3
"""Mitsuba 3.9.1's renders of the volpath fixtures in this folder (VolumetricSceneTests.swift reads them):
  NAME_mitsuba_spp64.npy        NAME.xml rendered with seed 7 at 64 spp (same-seed comparison)
  VARIANT_mitsuba_spp64.npy     smoke.xml with the overrides of VARIANTS, rendered with seed 7 at 64 spp
  NAME_mitsuba_seeds.npy        NAME.xml at 64 spp with seeds 0..7, one image after another as rows, shape
                                (8 H, W, 3): Mitsuba's own seed-to-seed noise, which our images must stay within
Run from any folder: DRJIT_LIBLLVM_PATH=/usr/lib/x86_64-linux-gnu/libLLVM-19.so mitsuba-venv/bin/python make_volume_scenes.py"""
import os
import numpy as np
import mitsuba as mi

mi.set_variant('llvm_ad_rgb')
here = os.path.dirname(os.path.abspath(__file__))
SCENES = ['smoke.xml', 'glass_medium.xml', 'thin_boundaries.xml']
# Variants of smoke.xml through its defaults: NAME_mitsuba_spp64.npy for each, rendered with seed 7.
VARIANTS = {'smoke_hidden': {'hide': 'true'},
            'smoke_grey_weights': {'spectral': 'false', 'sigma': '0.5, 1, 0.75'},
            'smoke_roulette': {'depth': '-1', 'rr': '2'},
            'smoke_alpha': {'format': 'rgba', 'hide': 'true'}}
ONLY = os.environ.get('ONLY')  # a comma-separated list of scene files to redo (default: all)
for name in SCENES:
    if ONLY and name not in ONLY.split(','):
        continue
    stem = os.path.splitext(name)[0]
    scene = mi.load_file(os.path.join(here, name))
    image = mi.render(scene, spp=64, seed=7)
    np.save(os.path.join(here, f'{stem}_mitsuba_spp64.npy'), np.array(image, dtype=np.float32))
    seeds = [np.array(mi.render(scene, spp=64, seed=s), dtype=np.float32) for s in range(8)]
    np.save(os.path.join(here, f'{stem}_mitsuba_seeds.npy'), np.concatenate(seeds, axis=0))
for stem, overrides in VARIANTS.items():
    if ONLY and stem not in ONLY.split(','):
        continue
    scene = mi.load_file(os.path.join(here, 'smoke.xml'), **overrides)
    image = mi.render(scene, spp=64, seed=7)
    np.save(os.path.join(here, f'{stem}_mitsuba_spp64.npy'), np.array(image, dtype=np.float32))
