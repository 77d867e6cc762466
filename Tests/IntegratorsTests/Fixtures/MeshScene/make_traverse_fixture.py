# Writes all_plugins_mitsuba.json: every value mi.traverse lists for all_plugins.xml, in its order, with its flags
# (bit 0: not differentiable, bit 1: discontinuous), Python type name and values. Run with the local Mitsuba 3.9.1:
#   DRJIT_LIBLLVM_PATH=/usr/lib/x86_64-linux-gnu/libLLVM-19.so mitsuba-venv/bin/python make_traverse_fixture.py
import json
import mitsuba as mi
import numpy as np

mi.set_variant("llvm_ad_rgb")
params = mi.traverse(mi.load_file("all_plugins.xml"))
listed = []
for key in params.keys():
    value = params[key]
    matrix = value.matrix if type(value).__name__.lstrip("Scalar").startswith(("AffineTransform", "Transform")) else value
    listed.append({"key": key, "flags": int(params.flags(key)), "type": type(value).__name__,
                   "values": np.array(matrix, dtype=np.float64).reshape(-1).tolist()})
with open("all_plugins_mitsuba.json", "w") as file:
    json.dump(listed, file)
