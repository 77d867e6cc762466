# Mitsuba 3.9.1 references for linearcurve and bsplinecurve: a same-seed render of curves.xml (spp 16, seed 5) as
# float32 NPY (H, W, 3), and the surface interactions of a fixed set of rays against each curve file alone
# (curve_hits.json: rays, validity, t, p, n, uv, dp_du, dp_dv, sh_frame.s, prim_index), with the parameter keys
# mi.traverse lists for the curves. Run here with:
#   DRJIT_LIBLLVM_PATH=/usr/lib/x86_64-linux-gnu/libLLVM-19.so /work/mitsuba-venv/bin/python make_curves.py
import json
import numpy as np
import mitsuba as mi

mi.set_variant("llvm_ad_rgb")

scene = mi.load_file("curves.xml")
image = mi.render(scene, spp=16, seed=5)
np.save("curves_mitsuba_spp16.npy", np.array(image, dtype=np.float32))
print("mean", float(np.mean(np.array(image))))
keys = [k for k in mi.traverse(scene).keys() if k.startswith(("hair.", "fur."))]
print(keys)

# Rays from points around the curves toward points near them: many hit, some graze or miss, and a few start
# inside a tube (which the curves cull).
rng = np.random.default_rng(11)
count = 48
origins = np.zeros((count, 3))
targets = np.zeros((count, 3))
for i in range(count):
    direction = rng.normal(size=3)
    direction /= np.linalg.norm(direction)
    targets[i] = rng.uniform(-0.9, 0.9, size=3) * [1.0, 0.8, 0.3]
    origins[i] = targets[i] + 3.0 * direction
# Rays from on a curve's axis (inside the tube) outward.
origins[-3:] = [[-0.2, -0.1, 0.3], [0.0, -0.4, 0.0], [0.55, 0.3, -0.2]]
targets[-3:] = [[-0.2, 1.0, 0.3], [0.0, -0.4, 1.0], [0.55, 0.3, 1.0]]
dirs = targets - origins
dirs /= np.linalg.norm(dirs, axis=1, keepdims=True)

def hits(kind, filename):
    curve = mi.load_dict({"type": "scene", "curve": {"type": kind, "filename": filename}})
    ray = mi.Ray3f(mi.Point3f(*[origins[:, k].astype(np.float32) for k in range(3)]),
                   mi.Vector3f(*[dirs[:, k].astype(np.float32) for k in range(3)]))
    si = curve.ray_intersect(ray)
    # Misses carry NaN and inf, which JSON lacks: written as 0 and 1e30.
    def clean(a):
        return np.nan_to_num(np.array(a, dtype=np.float64), nan=0.0, posinf=1e30, neginf=-1e30)
    def vec(v):
        return clean(np.stack([np.array(v.x), np.array(v.y), np.array(v.z)], axis=1)).tolist()
    return {
        "valid": np.array(si.is_valid()).tolist(),
        "t": clean(si.t).tolist(),
        "p": vec(si.p), "n": vec(si.n), "s": vec(si.sh_frame.s),
        "dp_du": vec(si.dp_du), "dp_dv": vec(si.dp_dv),
        "uv": clean(np.stack([np.array(si.uv.x), np.array(si.uv.y)], axis=1)).tolist(),
        "prim_index": np.array(si.prim_index).tolist(),
    }

result = {
    "origins": origins.astype(np.float32).tolist(),
    "directions": dirs.astype(np.float32).tolist(),
    "linearcurve": hits("linearcurve", "linear.txt"),
    "bsplinecurve": hits("bsplinecurve", "bspline.txt"),
    "keys": keys,
}
for kind in ("linearcurve", "bsplinecurve"):
    print(kind, sum(result[kind]["valid"]), "of", count, "rays hit")
with open("curve_hits.json", "w") as f:
    json.dump(result, f)
