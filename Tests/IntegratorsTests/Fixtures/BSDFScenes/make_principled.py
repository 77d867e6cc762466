#!/usr/bin/env python3
"""Mitsuba 3.9.1's outputs for the principled fixtures in this folder (PrincipledTests.swift reads them):
  principled_mitsuba_spp64.npy   principled.xml rendered with seed 7 (same-seed comparison)
  principled_gradients.json      d mean(image) / d KEY with prb at spp 16, seeds 0..7 (seed_grad = seed + 100)
  principled_values.json         eval, pdf and sample of principled configurations at fixed directions and samples
Kept apart from make_bsdf_scenes.py so that bsdf_values.json stays as it is (it is already over 100 KB).
Run (from this folder, which holds bsdf_evaluations.py): DRJIT_LIBLLVM_PATH=/usr/lib/x86_64-linux-gnu/libLLVM-19.so mitsuba-venv/bin/python make_principled.py"""
import json, os
import numpy as np
import drjit as dr
import mitsuba as mi
from bsdf_evaluations import evaluate, prb_gradients

mi.set_variant('llvm_ad_rgb')
here = os.path.dirname(os.path.abspath(__file__))
path = os.path.join(here, 'principled.xml')
KEYS = ['coated.bsdf.base_color.value', 'coated.bsdf.roughness.value', 'metal.bsdf.roughness.value',
        'glass.bsdf.roughness.value', 'metal.bsdf.metallic.value', 'metal.bsdf.anisotropic.value',
        'coated.bsdf.clearcoat.value', 'coated.bsdf.sheen.value', 'glass.bsdf.spec_trans.value']
# Not 'eta' nor 'specular': Mitsuba 3.9.1 gives them a zero gradient (even for a single eval, its
# parameters_changed rebuilds eta as an opaque value), where Refract differentiates them.

scene = mi.load_file(path)
image = mi.render(scene, spp=64, seed=7)
np.save(os.path.join(here, 'principled_mitsuba_spp64.npy'), np.array(image, dtype=np.float32))
gradients = prb_gradients(path, KEYS, here)
with open(os.path.join(here, 'principled_gradients.json'), 'w') as f:
    json.dump(gradients, f, indent=1)

# '_flip' (not Mitsuba's) negates wi ('wi': seen from inside) or wo ('wo': towards the inside) for that
# configuration, whose entry then stores its own directions.
rgb = lambda *v: {'type': 'rgb', 'value': list(v)}
BSDFS = {
    'principled': {'type': 'principled'},
    'principled_metallic': {'type': 'principled', 'base_color': rgb(0.9, 0.6, 0.3), 'metallic': 0.8,
                            'roughness': 0.3, 'spec_tint': 0.5},
    'principled_anisotropic': {'type': 'principled', 'base_color': rgb(0.3, 0.7, 0.5), 'metallic': 0.5,
                               'roughness': 0.4, 'anisotropic': 0.7},
    'principled_clearcoat': {'type': 'principled', 'base_color': rgb(0.2, 0.5, 0.7), 'roughness': 0.6,
                             'clearcoat': 0.8, 'clearcoat_gloss': 0.6, 'specular': 0.3},
    'principled_sheen': {'type': 'principled', 'base_color': rgb(0.7, 0.2, 0.4), 'roughness': 0.45,
                         'sheen': 0.8, 'sheen_tint': 0.5, 'flatness': 0.4, 'specular': 0.7},
    'principled_rates': {'type': 'principled', 'base_color': rgb(0.5, 0.4, 0.3), 'clearcoat': 0.5,
                         'main_specular_sampling_rate': 0.5, 'clearcoat_sampling_rate': 2.0,
                         'diffuse_reflectance_sampling_rate': 1.5},
    'principled_trans': {'type': 'principled', 'base_color': rgb(0.8, 0.9, 0.7), 'spec_trans': 0.7,
                         'roughness': 0.25, 'eta': 1.45},
    'principled_trans_inside': {'type': 'principled', 'base_color': rgb(0.8, 0.9, 0.7), 'spec_trans': 0.7,
                                'roughness': 0.25, 'eta': 1.45, '_flip': 'wi'},
    'principled_trans_into': {'type': 'principled', 'base_color': rgb(0.8, 0.9, 0.7), 'spec_trans': 0.7,
                              'roughness': 0.25, 'eta': 1.45, '_flip': 'wo'},
    'principled_all': {'type': 'principled', 'base_color': rgb(1.0, 0.8, 0.6), 'metallic': 0.3, 'specular': 0.6,
                       'roughness': 0.2, 'spec_tint': 0.4, 'anisotropic': 0.5, 'sheen': 0.3, 'sheen_tint': 0.2,
                       'clearcoat': 0.6, 'clearcoat_gloss': 0.3, 'spec_trans': 0.4, 'flatness': 0.2},
    'principled_all_inside': {'type': 'principled', 'base_color': rgb(1.0, 0.8, 0.6), 'metallic': 0.3,
                              'specular': 0.6, 'roughness': 0.2, 'spec_tint': 0.4, 'anisotropic': 0.5, 'sheen': 0.3,
                              'sheen_tint': 0.2, 'clearcoat': 0.6, 'clearcoat_gloss': 0.3, 'spec_trans': 0.4,
                              'flatness': 0.2, '_flip': 'wi'},
    'principled_opaque_inside': {'type': 'principled', 'base_color': rgb(0.5, 0.6, 0.7), 'roughness': 0.3,
                                 '_flip': 'wi'},
}
values = {'bsdfs': {}}
rounded = lambda a: np.round(np.nan_to_num(np.asarray(a, dtype=np.float64)), 8).tolist()
for inputs, name, r in evaluate(BSDFS, seed=5):
    values.update({key: inputs[key].tolist() for key in ('wi', 'wo', 'u1', 'u2')})
    values['bsdfs'][name] = {key: rounded(r[key]) for key in ('eval', 'pdf', 'sample_wo', 'sample_pdf',
                                                              'sample_weight', 'sample_eta')}
    if 'wi' in r:
        values['bsdfs'][name].update({'wi': r['wi'].tolist(), 'wo': r['wo'].tolist()})
values = {key: values[key] for key in ('wi', 'wo', 'u1', 'u2', 'bsdfs')}
with open(os.path.join(here, 'principled_values.json'), 'w') as f:
    json.dump(values, f, separators=(',', ':'))
