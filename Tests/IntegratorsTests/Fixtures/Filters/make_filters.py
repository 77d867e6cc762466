# Mitsuba 3.9.1 references for the reconstruction filters: (1) each filter's eval at fixed offsets, printed as the
# Swift literals FilterTests.swift embeds; (2) renders of scene.xml with each filter (and the box and gaussian as controls) (res 32, spp 16, seed 7) as
# float32 NPY (H, W, 3), which FilterTests.swift compares with Refract's render of the same seed. Run here with:
#   DRJIT_LIBLLVM_PATH=/usr/lib/x86_64-linux-gnu/libLLVM-19.so /work/mitsuba-venv/bin/python make_filters.py
import numpy as np
import drjit as dr
import mitsuba as mi

mi.set_variant("llvm_ad_rgb")

offsets = [0.0, 1e-8, -0.1, 0.25, -0.5, 0.75, 0.999, 1.0, -1.2, 1.5, 1.75, -1.999, 2.0, 2.3, 2.75, -3.0, 3.5, 4.2]
filters = {
    "tent": {"type": "tent"},
    "tent radius 1.6": {"type": "tent", "radius": 1.6},
    "mitchell": {"type": "mitchell"},
    "mitchell B 0.5 C 0.25": {"type": "mitchell", "B": 0.5, "C": 0.25},
    "catmullrom": {"type": "catmullrom"},
    "lanczos": {"type": "lanczos"},
    "lanczos lobes 2": {"type": "lanczos", "lobes": 2},
}
print("offsets:", ", ".join(repr(x) for x in offsets))
for name, props in filters.items():
    f = mi.load_dict(props)
    values = f.eval(mi.Float(offsets))
    print(f'"{name}": (radius {f.radius()}) [' + ", ".join("%.9g" % v for v in values) + "],")

for name in ["tent", "mitchell", "catmullrom", "lanczos", "box", "gaussian"]:
    scene = mi.load_file("scene.xml", rfilter=name)
    image = mi.render(scene, spp=16, seed=7)
    np.save(f"{name}_mitsuba_spp16.npy", np.array(image, dtype=np.float32))
    print(name, "mean", float(np.mean(np.array(image))))
