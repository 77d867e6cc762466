# Mitsuba 3.9.1's PRB gradients d mean(image) / d parameter for scene.xml at spp 16, seeds 0 to 5 (seed_grad =
# seed + 100), printed as the Swift literals PluginSceneTests.swift embeds. Run here with:
#   DRJIT_LIBLLVM_PATH=/usr/lib/x86_64-linux-gnu/libLLVM-19.so /work/mitsuba-venv/bin/python make_bsdf_gradients.py
import drjit as dr
import mitsuba as mi

mi.set_variant("llvm_ad_rgb")
scene = mi.load_file("scene.xml")
integrator = mi.load_dict({"type": "prb", "max_depth": 5})
params = mi.traverse(scene)
keys = ["panel.bsdf.weight.value", "floor.bsdf.reflectance.color0.value", "fence.bsdf.opacity.color1.value",
        "fence.bsdf.nested_bsdf.brdf_0.reflectance.value"]
for key in keys:
    rows = []
    for seed in range(6):
        params = mi.traverse(scene)
        value = params[key]
        dr.enable_grad(value)
        params.update()
        image = mi.render(scene, params, integrator=integrator, spp=16, seed=seed, seed_grad=seed + 100)
        dr.backward(dr.mean(image, axis=None))
        rows.append([float(g) for g in dr.ravel(dr.grad(value))] if hasattr(dr, "ravel") else list(dr.grad(value)))
        dr.disable_grad(value)
    print(f'        "{key}": [')
    for row in rows:
        print("            [" + ", ".join("%.7g" % g for g in row) + "],")
    print("        ],")
