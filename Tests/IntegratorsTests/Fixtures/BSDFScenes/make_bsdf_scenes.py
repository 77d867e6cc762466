#!/usr/bin/env python3
"""Mitsuba 3.9.1's outputs for the BSDF fixtures in this folder (BSDFSceneTests.swift reads them):
  NAME_mitsuba_spp64.npy   NAME.xml rendered with seed 7 (same-seed comparison)
  NAME_gradients.json      d mean(image) / d KEY with prb at spp 16, seeds 0..7 (seed_grad = seed + 100)
  bsdf_values.json         eval, pdf and sample of BSDF dictionaries at fixed directions and samples
(principled's fixtures come from make_principled.py, next to this script.)
Run (from this folder, which holds bsdf_evaluations.py): DRJIT_LIBLLVM_PATH=/usr/lib/x86_64-linux-gnu/libLLVM-19.so mitsuba-venv/bin/python make_bsdf_scenes.py"""
import json, os
import numpy as np
import drjit as dr
import mitsuba as mi
from bsdf_evaluations import evaluate, prb_gradients

mi.set_variant('llvm_ad_rgb')
here = os.path.dirname(os.path.abspath(__file__))
# Keys Mitsuba's prb differentiates (it gives nothing for a factor on Dirac lobes, such as plastic's
# specular_reflectance: its replay differentiates BSDF evaluations only).
SCENES = {'plastic.xml': ['coloured.bsdf.diffuse_reflectance.value', 'plain.bsdf.diffuse_reflectance.value'],
          'plastic_textured.xml': [],
          'roughdielectric.xml': ['plain.bsdf.alpha.value', 'aniso.bsdf.alpha_v.value',
                                  'tinted.bsdf.specular_transmittance.value', 'plain.bsdf.eta'],
          'roughconductor.xml': ['plain.bsdf.alpha.value', 'aniso.bsdf.alpha_v.value'],
          'roughplastic.xml': ['plain.bsdf.alpha', 'coloured.bsdf.alpha', 'coloured.bsdf.diffuse_reflectance.value',
                               'tinted.bsdf.diffuse_reflectance.value', 'plain.bsdf.eta'],
          'spot.xml': ['spot.cutoff_angle', 'spot.beam_width', 'projector.intensity.value']}

ONLY = os.environ.get('ONLY')  # a comma-separated list of scene files to redo (default: all)
for name, keys in SCENES.items():
    if ONLY and name not in ONLY.split(','):
        continue
    path = os.path.join(here, name)
    stem = os.path.splitext(name)[0]
    scene = mi.load_file(path)
    image = mi.render(scene, spp=64, seed=7)
    np.save(os.path.join(here, f'{stem}_mitsuba_spp64.npy'), np.array(image, dtype=np.float32))
    gradients = prb_gradients(path, keys, here)
    if gradients:
        with open(os.path.join(here, f'{stem}_gradients.json'), 'w') as f:
            json.dump(gradients, f, indent=1)

# Per-BSDF values: (wi, wo) pairs for eval/pdf and (wi, u1, u2) for sample, in the local frame.
BSDFS = {
    'plastic': {'type': 'plastic'},
    'plastic_nonlinear': {'type': 'plastic', 'diffuse_reflectance': {'type': 'rgb', 'value': [0.1, 0.27, 0.36]},
                          'int_ior': 1.9, 'nonlinear': True},
    'plastic_specular': {'type': 'plastic', 'diffuse_reflectance': {'type': 'rgb', 'value': [0.2, 0.6, 0.3]},
                         'specular_reflectance': {'type': 'rgb', 'value': [0.5, 0.3, 0.8]}, 'ext_ior': 1.2},
    'conductor': {'type': 'conductor'},
    'conductor_au': {'type': 'conductor', 'material': 'Au'},
    'conductor_eta_k': {'type': 'conductor', 'eta': {'type': 'rgb', 'value': [0.2, 0.9, 1.1]},
                        'k': {'type': 'rgb', 'value': [3.9, 2.4, 2.2]},
                        'specular_reflectance': {'type': 'rgb', 'value': [0.8, 0.9, 1.0]}},
    'roughconductor': {'type': 'roughconductor'},
    'roughconductor_ggx_au': {'type': 'roughconductor', 'distribution': 'ggx', 'alpha': 0.3, 'material': 'Au'},
    'roughconductor_aniso': {'type': 'roughconductor', 'distribution': 'beckmann', 'alpha_u': 0.05, 'alpha_v': 0.4,
                             'sample_visible': False},
    'roughconductor_ggx_aniso': {'type': 'roughconductor', 'distribution': 'ggx', 'alpha_u': 0.2, 'alpha_v': 0.6,
                                 'material': 'Cu'},
    # Rough glass, with '_flip' (not Mitsuba's) negating wi ('wi': seen from inside, mostly transmission out of it)
    # or wo ('wo': mostly transmission into it) for that configuration; its entry then stores its own wi and wo.
    'roughdielectric': {'type': 'roughdielectric'},
    'roughdielectric_inside': {'type': 'roughdielectric', '_flip': 'wi'},
    'roughdielectric_into': {'type': 'roughdielectric', '_flip': 'wo'},
    'roughdielectric_ggx': {'type': 'roughdielectric', 'distribution': 'ggx', 'alpha': 0.3, 'int_ior': 1.33},
    'roughdielectric_ggx_inside': {'type': 'roughdielectric', 'distribution': 'ggx', 'alpha': 0.3, 'int_ior': 1.33,
                                   '_flip': 'wi'},
    'roughdielectric_ggx_into': {'type': 'roughdielectric', 'distribution': 'ggx', 'alpha': 0.3, 'int_ior': 1.33,
                                 '_flip': 'wo'},
    'roughdielectric_ggx_aniso': {'type': 'roughdielectric', 'distribution': 'ggx', 'alpha_u': 0.1, 'alpha_v': 0.4},
    'roughdielectric_ggx_aniso_inside': {'type': 'roughdielectric', 'distribution': 'ggx', 'alpha_u': 0.1,
                                         'alpha_v': 0.4, '_flip': 'wi'},
    'roughdielectric_hidden': {'type': 'roughdielectric', 'distribution': 'ggx', 'alpha': 0.2,
                               'sample_visible': False, '_flip': 'wo'},
    'roughdielectric_hidden_inside': {'type': 'roughdielectric', 'alpha_u': 0.3, 'alpha_v': 0.15,
                                      'sample_visible': False, '_flip': 'wi'},
    'roughdielectric_tinted': {'type': 'roughdielectric', 'distribution': 'ggx', 'alpha': 0.25,
                               'specular_transmittance': 0.5,
                               'specular_reflectance': {'type': 'rgb', 'value': [0.9, 0.6, 0.3]}, '_flip': 'wo'},
    'roughdielectric_tinted_inside': {'type': 'roughdielectric', 'distribution': 'ggx', 'alpha': 0.25,
                                      'specular_transmittance': 0.5,
                                      'specular_reflectance': {'type': 'rgb', 'value': [0.9, 0.6, 0.3]},
                                      '_flip': 'wi'},
    'roughplastic': {'type': 'roughplastic'},
    'roughplastic_ggx': {'type': 'roughplastic', 'distribution': 'ggx', 'alpha': 0.3, 'int_ior': 1.7},
    'roughplastic_hidden': {'type': 'roughplastic', 'alpha': 0.2, 'sample_visible': False},
    'roughplastic_ggx_hidden_nonlinear': {'type': 'roughplastic', 'distribution': 'ggx', 'alpha': 0.15,
                                          'sample_visible': False, 'nonlinear': True,
                                          'diffuse_reflectance': {'type': 'rgb', 'value': [0.1, 0.27, 0.36]}},
    'roughplastic_tinted': {'type': 'roughplastic', 'distribution': 'ggx', 'alpha': 0.5, 'ext_ior': 1.2,
                            'diffuse_reflectance': {'type': 'rgb', 'value': [0.2, 0.6, 0.3]},
                            'specular_reflectance': {'type': 'rgb', 'value': [0.5, 0.3, 0.8]}},
    'roughplastic_rough': {'type': 'roughplastic', 'alpha': 0.8, 'int_ior': 'water'},
}
values = {'bsdfs': {}}
for inputs, name, r in evaluate(BSDFS, seed=3):
    values.update({key: inputs[key].tolist() for key in ('wi', 'wo', 'u1', 'u2')})
    # (Mitsuba's pdf of an invalid sample can be NaN, which JSON cannot hold: it is written as 0.)
    values['bsdfs'][name] = {'eval': r['eval'].tolist(), 'pdf': r['pdf'].tolist(), 'sample_wo': r['sample_wo'].tolist(),
                             'sample_pdf': np.nan_to_num(r['sample_pdf']).tolist(),
                             'sample_weight': r['sample_weight'].tolist(), 'sample_delta': r['sample_delta'].tolist()}
    if 'wi' in r:
        values['bsdfs'][name].update({'wi': r['wi'].tolist(), 'wo': r['wo'].tolist()})
values = {key: values[key] for key in ('wi', 'wo', 'u1', 'u2', 'bsdfs')}
with open(os.path.join(here, 'bsdf_values.json'), 'w') as f:
    json.dump(values, f, indent=1)

# roughplastic's rough-interface tables (computed in parameters_changed, not exposed): recovered from the diffuse
# component's eval, rho/(1 - rho R) T(mu_i) T(mu_o) mu_o / (pi eta^2) with nonlinear=true, at the table's nodes;
# two albedos (channels) give R, then wo along the normal gives T(1) and every T(mu_i).
tables = {}
rho = np.array([0.5, 0.9, 0.2])
for name, d in [('beckmann', {'alpha': 0.1}), ('ggx_1.7', {'distribution': 'ggx', 'alpha': 0.3, 'int_ior': 1.7}),
                ('beckmann_water_0.8', {'alpha': 0.8, 'int_ior': 1.333}),
                ('ggx_inverted_0.05', {'distribution': 'ggx', 'alpha': 0.05, 'int_ior': 1.0, 'ext_ior': 1.6})]:
    bsdf = mi.load_dict(dict(type='roughplastic', nonlinear=True,
                             diffuse_reflectance={'type': 'rgb', 'value': rho.tolist()}, **d))
    ctx = mi.BSDFContext(); ctx.component = 1
    mu = np.maximum(1e-6, np.arange(64, dtype=np.float32) * np.float32(1 / 63)).astype(np.float32)
    mu[0] = 1e-30   # lerp_gather's weight of the next entry is then 0 in float
    n = len(mu)
    si = dr.zeros(mi.SurfaceInteraction3f, n)
    si.wi = mi.Vector3f(np.sqrt(1 - mu.astype(np.float64) ** 2), np.zeros(n), mu)
    si.sh_frame = mi.Frame3f(mi.Vector3f(0, 0, 1))
    e = np.array(bsdf.eval(ctx, si, mi.Vector3f(0, 0, 1)), dtype=np.float64).reshape(3, -1)
    eta = float(np.float32(np.float32(d.get('int_ior', 1.49)) / np.float32(d.get('ext_ior', 1.000277))))
    q, r = rho[0] / rho[1], e[0, -1] / e[1, -1]
    R = (q - r) / (q * rho[1] - r * rho[0])
    t1 = np.sqrt(e[0, -1] * (1 - rho[0] * R) / rho[0] * np.pi * eta * eta)
    tables[name] = {'external_transmittance': (e[0] / e[0, -1] * t1).tolist(), 'internal_reflectance': R}
with open(os.path.join(here, 'roughplastic_tables.json'), 'w') as f:
    json.dump(tables, f, indent=1)
