#!/usr/bin/env python3
"""Renders mitsuba-data's homogeneous-medium volpath test scenes (tests/scenes/participating_media/test_homo_*_volpath.xml,
a `moment` integrator around volpath) with Mitsuba 3.9.1 and with Refract's Tool at the same seed, and prints how far
the colour channels differ. Not a test (the scenes need mitsuba-data's meshes and museum.exr, too large to keep
here); the numbers it printed are in the commit that added it.
Run: DRJIT_LIBLLVM_PATH=/usr/lib/x86_64-linux-gnu/libLLVM-19.so mitsuba-venv/bin/python compare_mitsuba_data.py \
         MITSUBA_DATA TOOL [SPP]
where MITSUBA_DATA is a checkout of github.com/mitsuba-renderer/mitsuba-data and TOOL the built Tool."""
import glob, os, subprocess, sys, tempfile
import numpy as np
import mitsuba as mi

mi.set_variant('llvm_ad_rgb')
data, tool = sys.argv[1], sys.argv[2]
spp = sys.argv[3] if len(sys.argv) > 3 else '16'
folder = os.path.join(data, 'tests/scenes/participating_media')
for path in sorted(glob.glob(os.path.join(folder, 'test_homo_*_volpath.xml'))):
    theirs = np.array(mi.render(mi.load_file(path, spp=int(spp)), spp=int(spp), seed=7))[..., :3]
    with tempfile.TemporaryDirectory() as temporary:
        output = os.path.join(temporary, 'ours.npy')
        subprocess.run([tool, 'render', '--scene', path, '-D', f'spp={spp}', '--spp', spp, '--seed', '7',
                        '--output', output], check=True, capture_output=True)
        ours = np.load(output)[..., :3]
    difference = np.abs(ours - theirs)
    print(f'{os.path.basename(path)}: means {ours.mean((0, 1))} vs {theirs.mean((0, 1))}, largest difference '
          f'{difference.max():.3g}, values differing by more than 1e-3: {(difference > 1e-3).mean():.2%}')
