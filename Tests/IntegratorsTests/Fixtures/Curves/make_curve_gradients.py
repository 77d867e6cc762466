# Mitsuba 3.9.1's PRB gradients of mean(image) of curves.xml (spp 64, max_depth 3) with respect to each curve
# shape's checkerboard colour, over eight seeds (seed s, seed_grad s + 100): the spread a Refract gradient should
# fall in (curve_gradients.json). Run here with:
#   DRJIT_LIBLLVM_PATH=/usr/lib/x86_64-linux-gnu/libLLVM-19.so /work/mitsuba-venv/bin/python make_curve_gradients.py
import json
import drjit as dr
import mitsuba as mi

mi.set_variant("llvm_ad_rgb")

scene = mi.load_file("curves.xml")
integrator = mi.load_dict({"type": "prb", "max_depth": 3})
result = {}
for key in ["hair.bsdf.reflectance.color0.value", "fur.bsdf.reflectance.color1.value"]:
    gradients = []
    for seed in range(8):
        params = mi.traverse(scene)
        dr.enable_grad(params[key])
        params.update()
        image = mi.render(scene, params, integrator=integrator, spp=64, seed=seed, seed_grad=seed + 100)
        dr.backward(dr.mean(image))
        gradient = dr.grad(params[key])
        gradients.append([float(gradient[0][0]), float(gradient[1][0]), float(gradient[2][0])])
        dr.disable_grad(params[key])
    result[key] = gradients
    print(key, gradients)
with open("curve_gradients.json", "w") as f:
    json.dump(result, f)
