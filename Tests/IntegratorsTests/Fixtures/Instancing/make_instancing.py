# Mitsuba 3.9.1 references for analytic shapes in shape groups: a render of shapes.xml (spp 16, seed 3) as float32
# NPY (H, W, 3), and the parameter keys mi.traverse lists (printed for InstancingTests.swift), which compares them
# with Refract's. Run here with:
#   DRJIT_LIBLLVM_PATH=/usr/lib/x86_64-linux-gnu/libLLVM-19.so /work/mitsuba-venv/bin/python make_instancing.py
import numpy as np
import mitsuba as mi

mi.set_variant("llvm_ad_rgb")

scene = mi.load_file("shapes.xml")
image = mi.render(scene, spp=16, seed=3)
np.save("shapes_mitsuba_spp16.npy", np.array(image, dtype=np.float32))
print("mean", float(np.mean(np.array(image))))
print([k for k in mi.traverse(scene).keys() if k.startswith(("group.", "plain.", "turned.", "mirrored."))])
