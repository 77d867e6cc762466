"""Writes mitsuba_draws.json: the draws of Mitsuba 3.9.1's stratified, multijitter, ldsampler and orthogonal samplers
(llvm_ad_rgb),
seeded as a render seeds them (samples per wavefront = sample count, seed 3, three pixels), for SamplerTests.
Run with a local Mitsuba: python make_sampler_draws.py (not needed by the tests)."""
import json
import mitsuba as mi
import numpy as np

mi.set_variant('llvm_ad_rgb')
out = {}
for name, count, jitter in [('stratified', 16, True), ('stratified', 9, True), ('multijitter', 12, True),
                            ('multijitter', 16, False), ('ldsampler', 16, None), ('ldsampler', 10, None),
                            ('orthogonal', 25, True), ('orthogonal', 10, False), ('orthogonal3', 9, True)]:
    plugin = {'type': name, 'sample_count': count}
    if name == 'orthogonal3':
        plugin = {'type': 'orthogonal', 'sample_count': count, 'strength': 3}
    if jitter is not None:
        plugin['jitter'] = jitter
    sampler = mi.load_dict(plugin)
    spp = sampler.sample_count()
    lanes = spp * 3
    sampler.set_samples_per_wavefront(spp)
    sampler.seed(3, lanes)
    draws = []
    for kind in ['2', '1', '2', '1', '2']:
        if kind == '1':
            draws.append([np.array(sampler.next_1d()).tolist()])
        else:
            p = sampler.next_2d()
            draws.append([np.array(p.x).tolist(), np.array(p.y).tolist()])
    out[f'{name}-{count}-{"jitter" if jitter else "centred" if jitter is not None else "ld"}'] = {'spp': spp, 'lanes': lanes, 'draws': draws}
with open('mitsuba_draws.json', 'w') as f:
    json.dump(out, f)
