# Mitsuba 3.9.1's render of scene.xml (res 32, spp 16, seed 7) as float32 NPY (H, W, 3): PluginSceneTests.swift
# renders the same seed and compares. Run here with:
#   DRJIT_LIBLLVM_PATH=/usr/lib/x86_64-linux-gnu/libLLVM-19.so /work/mitsuba-venv/bin/python make_bsdf_scene.py
import numpy as np
import mitsuba as mi

mi.set_variant("llvm_ad_rgb")
scene = mi.load_file("scene.xml")
image = np.array(mi.render(scene, spp=16, seed=7), dtype=np.float32)
np.save("scene_mitsuba_spp16.npy", image)
print("mean", image.mean(), "max", image.max())
