"""What make_bsdf_scenes.py and make_principled.py both ask of Mitsuba: eval, pdf and sample of BSDF dictionaries
at 16 random directions and samples (each script writes its own JSON layout), and PRB gradients of a scene file."""
import numpy as np
import drjit as dr
import mitsuba as mi


def evaluate(bsdfs, seed):
    """Yields (inputs, name, record) per dictionary: inputs holds the shared wi, wo, u1, u2 (16 each, drawn from
    `seed`); record holds numpy arrays eval (16x3), pdf, sample_wo, sample_pdf, sample_weight, sample_delta,
    sample_eta and, for a '_flip' configuration ('wi' or 'wo' negated), its own wi and wo. Lanes 0-7 of a flipped
    configuration evaluate at Mitsuba's own sampled wo where that sample is valid, so that narrow lobes
    (transmission in particular) get nonzero values."""
    rng = np.random.default_rng(seed)
    def directions(n):
        v = rng.normal(size=(n, 3)); v /= np.linalg.norm(v, axis=1, keepdims=True); return v
    wi = directions(16); wi[:12, 2] = np.abs(wi[:12, 2])
    wo = directions(16); wo[:12, 2] = np.abs(wo[:12, 2])
    u1 = rng.random(16); u2 = rng.random((16, 2))
    inputs = {'wi': wi, 'wo': wo, 'u1': u1, 'u2': u2}
    ctx = mi.BSDFContext()
    lanes = lambda a: np.broadcast_to(np.array(a).ravel(), (16,))
    vectors = lambda a: np.broadcast_to(np.array(a).reshape(3, -1), (3, 16)).T
    for name, d in bsdfs.items():
        d = dict(d); flip = d.pop('_flip', None)
        bsdf = mi.load_dict(d)
        wi_, wo_ = (-wi if flip == 'wi' else wi), (-wo if flip == 'wo' else wo)
        si = dr.zeros(mi.SurfaceInteraction3f, 16)
        si.wi = mi.Vector3f(wi_.T)
        si.sh_frame = mi.Frame3f(mi.Vector3f(0, 0, 1))
        if flip:
            bs, w = bsdf.sample(ctx, si, mi.Float(u1), mi.Point2f(u2.T))
            sampled, ok = np.array(bs.wo).reshape(3, -1).T, np.array(w).reshape(3, -1).T.any(axis=1)
            wo_ = wo_.copy()
            for lane in range(8):
                if ok[lane]:
                    wo_[lane] = sampled[lane]
        # A Dirac-only BSDF returns scalar zeros (width 1): broadcast them to every lane.
        f = np.broadcast_to(np.array(bsdf.eval(ctx, si, mi.Vector3f(wo_.T))).reshape(3, -1), (3, 16))
        p = np.broadcast_to(np.array(bsdf.pdf(ctx, si, mi.Vector3f(wo_.T))).ravel(), (16,))
        bs, w = bsdf.sample(ctx, si, mi.Float(u1), mi.Point2f(u2.T))
        record = {'eval': f.T, 'pdf': p, 'sample_wo': vectors(bs.wo), 'sample_pdf': lanes(bs.pdf),
                  'sample_weight': vectors(w), 'sample_eta': lanes(bs.eta),
                  'sample_delta': lanes(np.array(bs.sampled_type) & int(mi.BSDFFlags.Delta)) != 0}
        if flip:
            record.update({'wi': wi_, 'wo': wo_})
        yield inputs, name, record


def prb_gradients(path, keys, here):
    """d mean(image) / d key with prb at spp 16 for seeds 0..7 (seed_grad = seed + 100), per key: the scene file at
    `path` with its path integrator replaced by prb, its relative '../' file names resolved against `here`."""
    gradients = {}
    for key in keys:
        g = []
        for seed in range(8):
            xml = open(path).read().replace('type="path"', 'type="prb"')
            scene = mi.load_string(xml.replace('value="../', f'value="{here}/../'))
            params = mi.traverse(scene)
            dr.enable_grad(params[key]); params.update()
            img = mi.render(scene, params, spp=16, seed=seed, seed_grad=seed + 100)
            dr.backward(dr.mean(img))
            g.append([float(v) for v in np.array(dr.grad(params[key])).ravel()])
        gradients[key] = g
    return gradients
