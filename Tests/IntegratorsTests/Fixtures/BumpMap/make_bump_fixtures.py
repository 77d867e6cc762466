#!/usr/bin/env python3
"""Mitsuba 3.9.1's outputs for the bumpmap / normalmap / mesh_attribute fixtures (BumpMapTests.swift reads them):
  height.png, normals.png, colors.ply   the inputs (written here once, deterministic)
  bump_values.json                      eval, pdf and sample of bumpmap and normalmap configurations at fixed hits
  scene_mitsuba_spp64.npy               scene.xml rendered with seed 7 (same-seed comparison)
  scene_gradients.json                  d mean(image) / d KEY with prb at spp 16, seeds 0..7 (seed_grad = seed + 100)
Run: DRJIT_LIBLLVM_PATH=/usr/lib/x86_64-linux-gnu/libLLVM-19.so mitsuba-venv/bin/python make_bump_fixtures.py"""
import json, os
import numpy as np
import drjit as dr
import mitsuba as mi

mi.set_variant('llvm_ad_rgb')
here = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(11)

# Inputs: an 8x8 RGB height map, an 8x8 RGB normal map (normals leaning at most ~40 degrees), a quad with colours.
if not os.path.exists(os.path.join(here, 'height.png')):
    h = rng.integers(0, 256, size=(8, 8, 3), dtype=np.uint8)
    mi.Bitmap(h).write(os.path.join(here, 'height.png'))
    d = rng.normal(size=(8, 8, 3)) * [0.4, 0.4, 0]; d[..., 2] = 1
    d /= np.linalg.norm(d, axis=2, keepdims=True)
    mi.Bitmap(np.round((d * 0.5 + 0.5) * 255).astype(np.uint8)).write(os.path.join(here, 'normals.png'))
    with open(os.path.join(here, 'colors.ply'), 'w') as f:
        f.write('ply\nformat ascii 1.0\nelement vertex 4\nproperty float x\nproperty float y\nproperty float z\n'
                'property float r\nproperty float g\nproperty float b\nelement face 2\n'
                'property list uchar int vertex_indices\nend_header\n'
                '-1 -1 0 0.9 0.1 0.1\n1 -1 0 0.1 0.9 0.1\n1 1 0 0.1 0.1 0.9\n-1 1 0 0.9 0.9 0.2\n'
                '3 0 1 2\n3 0 2 3\n')

def bitmap(name, **extra):
    return dict({'type': 'bitmap', 'filename': os.path.join(here, name), 'raw': True}, **extra)

ROUGH = {'type': 'roughconductor', 'distribution': 'ggx', 'alpha_u': 0.1, 'alpha_v': 0.4}
DIFFUSE = {'type': 'diffuse', 'reflectance': {'type': 'rgb', 'value': [0.7, 0.5, 0.3]}}
BSDFS = {
    'bump_diffuse': {'type': 'bumpmap', 'h': bitmap('height.png'), 'b': DIFFUSE},
    'bump_rough_scaled': {'type': 'bumpmap', 'h': bitmap('height.png'), 'b': ROUGH, 'scale': 0.3},
    'bump_plastic_plain': {'type': 'bumpmap', 'h': bitmap('height.png', wrap_mode='clamp'), 'b': {'type': 'plastic'},
                           'scale': 0.5, 'use_shadowing_function': False, 'flip_invalid_normals': False},
    'bump_nearest': {'type': 'bumpmap', 'h': bitmap('height.png', filter_type='nearest'), 'b': ROUGH},
    'bump_dielectric': {'type': 'bumpmap', 'h': bitmap('height.png'), 'b': {'type': 'dielectric'}, 'scale': 0.2},
    'normal_diffuse': {'type': 'normalmap', 'normalmap': bitmap('normals.png'), 'b': DIFFUSE},
    'normal_rough': {'type': 'normalmap', 'normalmap': bitmap('normals.png'), 'b': ROUGH},
    'normal_plain': {'type': 'normalmap', 'normalmap': bitmap('normals.png', filter_type='nearest'),
                     'b': {'type': 'plastic'}, 'use_shadowing_function': False, 'flip_invalid_normals': False},
    'normal_dielectric': {'type': 'normalmap', 'normalmap': bitmap('normals.png'), 'b': {'type': 'dielectric'}},
}

def unit(v): return v / np.linalg.norm(v, axis=1, keepdims=True)
N = 16
# Hits on a tilted surface: dp/du, dp/dv of different lengths, a shading normal leaning off the geometric one.
dpdu = rng.normal(size=(N, 3)) * 2; dpdv = rng.normal(size=(N, 3)) * 1.5
n = unit(np.cross(dpdu, dpdv))
ns = unit(n + 0.2 * rng.normal(size=(N, 3)))
s = unit(dpdu - ns * np.sum(ns * dpdu, axis=1, keepdims=True)); t = np.cross(ns, s)
uv = rng.random((N, 2))
wi = unit(rng.normal(size=(N, 3))); wi[:12, 2] = np.abs(wi[:12, 2])
wo = unit(rng.normal(size=(N, 3))); wo[:12, 2] = np.abs(wo[:12, 2])
u1 = rng.random(N); u2 = rng.random((N, 2))
values = {'dpdu': dpdu.tolist(), 'dpdv': dpdv.tolist(), 'n': n.tolist(), 's': s.tolist(), 't': t.tolist(),
          'ns': ns.tolist(), 'uv': uv.tolist(), 'wi': wi.tolist(), 'wo': wo.tolist(), 'u1': u1.tolist(),
          'u2': u2.tolist(), 'bsdfs': {}}
V = lambda a: mi.Vector3f(np.ascontiguousarray(a.T))
ctx = mi.BSDFContext()
for name, d in BSDFS.items():
    bsdf = mi.load_dict(d)
    si = dr.zeros(mi.SurfaceInteraction3f, N)
    si.n = V(n); si.dp_du = V(dpdu); si.dp_dv = V(dpdv); si.uv = mi.Point2f(np.ascontiguousarray(uv.T))
    si.sh_frame = mi.Frame3f(V(s), V(t), V(ns)); si.wi = V(wi)
    lanes = lambda a: np.broadcast_to(np.array(a).ravel(), (N,))
    vectors = lambda a: np.broadcast_to(np.array(a).reshape(3, -1), (3, N)).T
    f = vectors(bsdf.eval(ctx, si, V(wo))); p = lanes(bsdf.pdf(ctx, si, V(wo)))
    bs, w = bsdf.sample(ctx, si, mi.Float(u1), mi.Point2f(np.ascontiguousarray(u2.T)))
    delta = lanes(np.array(bs.sampled_type) & int(mi.BSDFFlags.Delta)) != 0
    values['bsdfs'][name] = {'eval': f.tolist(), 'pdf': p.tolist(), 'sample_wo': vectors(bs.wo).tolist(),
                             'sample_pdf': lanes(bs.pdf).tolist(), 'sample_weight': vectors(w).tolist(),
                             'sample_delta': delta.tolist(), 'flags': int(bsdf.flags())}
    values['bsdfs'][name]['keys'] = sorted(k for k in mi.traverse(bsdf).keys())
with open(os.path.join(here, 'bump_values.json'), 'w') as f:
    json.dump(values, f, indent=1)

KEYS = ['floor.bsdf.nested_bsdf.reflectance.value', 'ball.bsdf.nested_bsdf.reflectance.value',
        'floor.bsdf.nested_texture.data', 'ball.bsdf.normalmap.data']
path = os.path.join(here, 'scene.xml')
scene = mi.load_file(path)
print(sorted(mi.traverse(scene).keys()))
image = mi.render(scene, spp=64, seed=7)
np.save(os.path.join(here, 'scene_mitsuba_spp64.npy'), np.array(image, dtype=np.float32))
gradients = {}
for key in KEYS:
    g = []
    for seed in range(8):
        scene = mi.load_file(path, integrator='prb')
        params = mi.traverse(scene)
        value = type(params[key])(params[key]); dr.enable_grad(value); params[key] = value; params.update()
        img = mi.render(scene, params, spp=16, seed=seed, seed_grad=seed + 100)
        dr.backward(dr.mean(img))
        g.append([float(v) for v in np.array(dr.grad(value)).ravel()])
    gradients[key] = g
with open(os.path.join(here, 'scene_gradients.json'), 'w') as f:
    json.dump(gradients, f, indent=1)
