#!/usr/bin/env python3
"""Mitsuba 3.9.1's outputs for the principledthin fixtures in this folder (PrincipledThinTests.swift reads them):
  principledthin_mitsuba_spp64.npy   principledthin.xml rendered with seed 7 (same-seed comparison)
  principledthin_values.json         eval, pdf and sample of principledthin configurations at fixed directions
                                     and samples (both sides: '_flip' negates wi or wo)
Run (from this folder, which holds bsdf_evaluations.py): DRJIT_LIBLLVM_PATH=/usr/lib/x86_64-linux-gnu/libLLVM-19.so mitsuba-venv/bin/python make_principledthin.py"""
import json, os
import numpy as np
import mitsuba as mi
from bsdf_evaluations import evaluate

mi.set_variant('llvm_ad_rgb')
here = os.path.dirname(os.path.abspath(__file__))
scene = mi.load_file(os.path.join(here, 'principledthin.xml'))
image = mi.render(scene, spp=64, seed=7)
np.save(os.path.join(here, 'principledthin_mitsuba_spp64.npy'), np.array(image, dtype=np.float32))

rgb = lambda *v: {'type': 'rgb', 'value': list(v)}
leaf = {'type': 'principledthin', 'base_color': rgb(0.3, 0.7, 0.2), 'roughness': 0.45, 'diff_trans': 1.2,
        'sheen': 0.6, 'sheen_tint': 0.5, 'anisotropic': 0.4}
sheet = {'type': 'principledthin', 'base_color': rgb(0.8, 0.6, 0.9), 'roughness': 0.25, 'spec_trans': 0.7,
         'spec_tint': 0.5, 'flatness': 0.4, 'diff_trans': 0.3, 'eta': 1.4,
         'specular_transmittance_sampling_rate': 2.0}
BSDFS = {'thin': {'type': 'principledthin'}, 'thin_leaf': leaf, 'thin_leaf_back': dict(leaf, _flip='wi'),
         'thin_sheet': sheet, 'thin_sheet_back': dict(sheet, _flip='wi'), 'thin_sheet_through': dict(sheet, _flip='wo')}
values = {'bsdfs': {}}
rounded = lambda a: np.round(np.nan_to_num(np.asarray(a, dtype=np.float64)), 8).tolist()
for inputs, name, r in evaluate(BSDFS, seed=5):
    values.update({key: inputs[key].tolist() for key in ('wi', 'wo', 'u1', 'u2')})
    values['bsdfs'][name] = {key: rounded(r[key]) for key in ('eval', 'pdf', 'sample_wo', 'sample_pdf',
                                                              'sample_weight', 'sample_eta')}
    if 'wi' in r:
        values['bsdfs'][name].update({'wi': r['wi'].tolist(), 'wo': r['wo'].tolist()})
values = {key: values[key] for key in ('wi', 'wo', 'u1', 'u2', 'bsdfs')}
with open(os.path.join(here, 'principledthin_values.json'), 'w') as f:
    json.dump(values, f, separators=(',', ':'))
