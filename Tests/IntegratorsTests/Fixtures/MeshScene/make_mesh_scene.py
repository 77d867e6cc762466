# Writes the mesh scene fixture (OBJ walls, a binary PLY ball with normals, checker and sky PNGs; scene.xml,
# instances.xml, cornell.xml, lights.xml, envmap.xml, direct.xml, basic.xml, hidden.xml and aov.xml use them) and
# renders Mitsuba 3.9.1's references of the first eight as float32 NPY (H, W, 3): reference.npy (spp 4096) and
# mitsuba_spp256.npy (spp 256, Mitsuba's own error at the spp the test renders), prefixed by the scene's name
# except for scene.xml; and aov.xml's outputs. Run with the local Mitsuba (set-up: the header of
# shared/bench/mitsuba_bench.py):
#   DRJIT_LIBLLVM_PATH=/usr/lib/x86_64-linux-gnu/libLLVM-19.so mitsuba-venv/bin/python make_mesh_scene.py
import json
import numpy as np
from icosphere import icosphere, write_ply

def write_obj(name, quads, with_uv=True):
    # quads: list of 4 corners each (counter-clockwise seen from the lit side); one vt per corner.
    lines = [f"# {name}: quads as Mitsuba triangulates them (fans)"]
    for quad in quads:
        for p in quad:
            lines.append("v %g %g %g" % tuple(p))
    if with_uv:
        for _ in quads:
            lines += ["vt 0 0", "vt 2 0", "vt 2 2", "vt 0 2"]
    for q in range(len(quads)):
        a = 4 * q + 1
        if with_uv:
            lines.append("f " + " ".join(f"{a + i}/{a + i}" for i in range(4)))
        else:
            lines.append("f " + " ".join(f"{a + i}" for i in range(4)))
    open(name, "w").write("\n".join(lines) + "\n")

write_obj("room.obj", [
    [(-1, -1, 1), (1, -1, 1), (1, -1, -1), (-1, -1, -1)],   # floor (normal +y)
    [(-1, -1, -1), (1, -1, -1), (1, 1, -1), (-1, 1, -1)],   # back wall (normal +z)
])
write_obj("left.obj", [[(-1, -1, 1), (-1, -1, -1), (-1, 1, -1), (-1, 1, 1)]], with_uv=False)
# Wound the wrong way round (its normal points out of the room): the scene sets flip_normals.
open("right.obj", "w").write("v 1 -1 -1\nv 1 1 -1\nv 1 1 1\nv 1 -1 1\nf 1 2 3 4\n")

# The ball: written by icosphere.py (this folder), which scripts/side-by-side.sh's mid-size scene shares.
write_ply("ball.ply", *icosphere(2), comment="icosphere, 2 subdivisions")

import drjit as dr
import mitsuba as mi
mi.set_variant("llvm_ad_rgb")
checker = np.zeros((8, 8, 3), dtype=np.uint8)
for y in range(8):
    for x in range(8):
        checker[y, x] = (220, 200, 120) if (x + y) % 2 == 0 else (40, 60, 150)
mi.Bitmap(checker).write("checker.png")

# A 32 x 16 latitude-longitude sky: blue above, brown below the horizon, a small bright sun.
sky = np.zeros((16, 32, 3), dtype=np.uint8)
for y in range(16):
    for x in range(32):
        sky[y, x] = (90, 140, 220) if y < 8 else (110, 90, 70)
sky[3:5, 20:22] = (255, 250, 230)
mi.Bitmap(sky).write("sky.png")

# The reference uses its own seed, so that Mitsuba's spp-256 render (seed 7) is independent of it; a test renders
# seed 7 too and compares with Mitsuba's render of the same random numbers.
for file, prefix in [("scene.xml", ""), ("instances.xml", "instances_"), ("cornell.xml", "cornell_"),
                     ("lights.xml", "lights_"), ("envmap.xml", "envmap_"),
                     ("direct.xml", "direct_"), ("basic.xml", "basic_"),
                     ("hidden.xml", "hidden_")]:
    scene = mi.load_file(file)
    for spp, seed, name in [(4096, 1000, "reference.npy"), (256, 7, "mitsuba_spp256.npy")]:
        image = mi.render(scene, spp=spp, seed=seed)
        np.save(prefix + name, np.array(image, dtype=np.float32))
        print(prefix + name, float(np.mean(np.array(image))))

# The aov integrator's outputs of aov.xml at 24 x 24, spp 16, seed 7 (every output type but shape_index, which
# Mitsuba's vectorised variants number by creation order).
scene = mi.load_file("aov.xml", res=24)
np.save("aov_mitsuba_spp16.npy", np.array(mi.render(scene, spp=16, seed=7), dtype=np.float32))

# aov_nested.xml (two nested integrators) at 24 x 24, spp 16, seed 7: what `render` returns (the nested images'
# RGB, then the outputs), and the film's channels (names in aov_nested_channels.json, values developed).
scene = mi.load_file("aov_nested.xml", res=24)
np.save("aov_nested_mitsuba_spp16.npy", np.array(mi.render(scene, spp=16, seed=7), dtype=np.float32))
bitmap = scene.sensors()[0].film().bitmap()
np.save("aov_nested_film_mitsuba_spp16.npy", np.array(bitmap, dtype=np.float32))
with open("aov_nested_channels.json", "w") as file:
    json.dump([field.name for field in bitmap.struct_()], file)

# params.xml: every value mi.traverse lists, with its flags (0 differentiable, 1 not, 2 discontinuous) and type.
scene = mi.load_file("params.xml")
params = mi.traverse(scene)
listed = {}
for key in params.keys():
    if key == "allow_thread_reordering":
        continue
    value = params[key]
    matrix = value.matrix if type(value).__name__.startswith(("AffineTransform", "Transform")) else value
    listed[key] = {"flags": int(params.flags(key)), "type": type(value).__name__,
                   "values": np.array(matrix, dtype=np.float64).reshape(-1).tolist()}
with open("params_mitsuba.json", "w") as file:
    json.dump(listed, file)
