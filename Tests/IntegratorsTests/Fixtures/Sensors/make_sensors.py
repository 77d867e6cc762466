# Mitsuba 3.9.1 references for the thinlens and orthographic sensors and a crop window: renders of thinlens.xml,
# orthographic.xml, crop.xml and rgba.xml (H, W, 4)
# (spp 16, seed 7) as float32 NPY (H, W, 3), which SensorTests.swift compares with Refract's render of the same seed.
# Run here with:
#   DRJIT_LIBLLVM_PATH=/usr/lib/x86_64-linux-gnu/libLLVM-19.so /work/mitsuba-venv/bin/python make_sensors.py
import numpy as np
import mitsuba as mi

mi.set_variant("llvm_ad_rgb")

for name in ["thinlens", "orthographic", "crop", "rgba"]:
    scene = mi.load_file(f"{name}.xml")
    image = mi.render(scene, spp=16, seed=7)
    np.save(f"{name}_mitsuba_spp16.npy", np.array(image, dtype=np.float32))
    print(name, "mean", float(np.mean(np.array(image))))
