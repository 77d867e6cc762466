#!/usr/bin/env python3
"""Mitsuba 3's gradient-based optimisation tutorial on a scene file, timed per iteration: Mitsuba's side of a
side-by-side with `Tool optimize --scene`.

Set-up (local only; nothing in the project or CI may need it):
    apt-get install -y libllvm19
    python3 -m venv mitsuba-venv && mitsuba-venv/bin/pip install mitsuba==3.9.1 drjit==1.5.0 numpy
Use:
    mitsuba-venv/bin/python scripts/mitsuba_optimize.py --scene Examples/InverseRendering/Scenes/cbox.xml
        [--parameter red.reflectance.value] [--initial 0.01,0.2,0.9] [--lr 0.05] [--iterations 50] [--spp 4]
        [--reference-spp 512] [--res N] [--out FILE.json] [--runs K] [--skip S]
What it does (variant llvm_ad_rgb, all threads, the scene's own integrator):
    reference = render(scene, spp=reference_spp, seed=0); the parameter is set to --initial; Adam(lr) then runs
    --iterations steps of: render(spp, seed=it) -> mean squared error to the reference -> backward -> step ->
    clip to [0, 1] -> update. Each iteration is timed from the render to the evaluated loss and squared parameter
    error (Dr.Jit runs kernels asynchronously, so the timing ends with dr.eval + dr.sync_thread()).
Figures: per iteration loss, squared parameter error and seconds; per run the median seconds over iterations
S+1..N (the first S, default 1, compile or load kernels), the first iteration's seconds, the initial and final
squared errors and their ratio, the final value; with --runs K the whole loop is repeated K times (fresh
optimiser, same scene and seeds) and the median of the per-run medians is reported. Compare ratios measured
on the same quiet machine on the same day, never absolute times from another day."""
import argparse, glob, json, os, platform, statistics, time


def find_llvm():
    if os.environ.get('DRJIT_LIBLLVM_PATH'):
        return
    for p in sorted(glob.glob('/usr/lib/x86_64-linux-gnu/libLLVM*.so*'), reverse=True):
        if any(v in p for v in ('19', '20', '21', '22', '18', '17', '16')):  # Dr.Jit 1.5 rejects LLVM 15's x86 back end
            os.environ['DRJIT_LIBLLVM_PATH'] = p
            return


find_llvm()
import drjit as dr
import mitsuba as mi
mi.set_variant('llvm_ad_rgb')


def value_of(param, values):
    """--initial's numbers as the parameter's own type (one number is broadcast)."""
    kind = type(param)
    return kind(values[0]) if len(values) == 1 else kind(*values)


def as_list(x):
    """A small Dr.Jit value (Float, Color3f, ...) as a flat list of Python floats."""
    try:
        import numpy as np
        return [float(v) for v in np.array(x).ravel()]
    except Exception:
        return [float(x)]


def optimise(scene, key, initial, image_ref, a):
    """One whole tutorial loop with a fresh optimiser; returns the run's record."""
    params = mi.traverse(scene)
    param_ref = type(params[key])(params[key])  # a copy, not a reference to the scene's value
    params[key] = value_of(params[key], initial)
    params.update()
    err0 = dr.sum(dr.square(param_ref - params[key]))
    dr.eval(err0); dr.sync_thread()
    err_initial = as_list(err0)[0]

    opt = mi.ad.Adam(lr=a.lr)
    opt[key] = params[key]
    params.update(opt)
    rows = []
    for it in range(a.iterations):
        t0 = time.perf_counter()
        image = mi.render(scene, params, spp=a.spp, seed=it)
        loss = dr.mean(dr.square(image - image_ref))
        dr.backward(loss)
        opt.step()
        opt[key] = dr.clip(opt[key], 0.0, 1.0)
        params.update(opt)
        err = dr.sum(dr.square(param_ref - params[key]))
        dr.eval(loss, err)
        dr.sync_thread()
        seconds = time.perf_counter() - t0
        rows.append({'iteration': it, 'loss': as_list(loss)[0], 'param_sq_error': as_list(err)[0],
                     'seconds': seconds})
        if a.verbose:
            print(f'  it {it:3d}  loss {rows[-1]["loss"]:.6g}  err {rows[-1]["param_sq_error"]:.6g}  '
                  f'{seconds * 1e3:8.2f} ms', flush=True)
    timed = [r['seconds'] for r in rows[a.skip:]] or [r['seconds'] for r in rows]
    final = as_list(params[key])
    # Put the scene back for the next run.
    params[key] = param_ref
    params.update()
    err_final = rows[-1]['param_sq_error'] if rows else err_initial
    return {'median_s': statistics.median(timed), 'first_s': rows[0]['seconds'] if rows else None,
            'param_sq_error_initial': err_initial, 'param_sq_error_final': err_final,
            'error_ratio': err_initial / err_final if err_final > 0 else float('inf'),
            'final_value': final, 'reference_value': as_list(param_ref), 'iterations': rows}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--scene', required=True)
    p.add_argument('--parameter', default='red.reflectance.value')
    p.add_argument('--initial', default='0.01,0.2,0.9')
    p.add_argument('--lr', type=float, default=0.05)
    p.add_argument('--iterations', type=int, default=50)
    p.add_argument('--spp', type=int, default=4)
    p.add_argument('--reference-spp', type=int, default=512)
    p.add_argument('--res', type=int, help='passed to the scene as $res (only when given)')
    p.add_argument('--out', help='write the figures as JSON')
    p.add_argument('--runs', type=int, default=1)
    p.add_argument('--skip', type=int, default=1, help='first iterations left out of the median (kernel compilation)')
    p.add_argument('--verbose', action='store_true', help='print every iteration')
    a = p.parse_args()
    initial = [float(v) for v in a.initial.split(',')]
    key = a.parameter

    kw = {} if a.res is None else {'res': a.res}
    t = time.perf_counter()
    scene = mi.load_file(a.scene, **kw)
    load_s = time.perf_counter() - t
    params = mi.traverse(scene)
    if key not in params:
        raise SystemExit(f'{key!r} is not a parameter of {a.scene}; mi.traverse lists:\n{params}')
    w, h = (int(v) for v in scene.sensors()[0].film().crop_size())
    t = time.perf_counter()
    image_ref = mi.render(scene, spp=a.reference_spp, seed=0)
    dr.eval(image_ref); dr.sync_thread()
    reference_s = time.perf_counter() - t

    print(f'mitsuba {mi.__version__}, drjit {dr.__version__}, {mi.variant()}, {dr.thread_count()} threads, '
          f'{os.cpu_count()} CPUs')
    print(f'scene {a.scene} ({w}x{h}), load {load_s:.3f} s, reference {a.reference_spp} spp in {reference_s:.3f} s')
    print(f'optimising {key} from {initial}, Adam lr {a.lr}, {a.iterations} iterations at {a.spp} spp, '
          f'{a.runs} run(s); median over iterations {a.skip + 1}..{a.iterations} (skipping {a.skip})')
    runs = []
    for r in range(a.runs):
        run = optimise(scene, key, initial, image_ref, a)
        runs.append(run)
        print(f'run {r + 1}: median {run["median_s"] * 1e3:.2f} ms/iteration, first {run["first_s"] * 1e3:.1f} ms, '
              f'squared error {run["param_sq_error_initial"]:.6g} -> {run["param_sq_error_final"]:.6g} '
              f'(/{run["error_ratio"]:.1f}), final {[round(v, 4) for v in run["final_value"]]}', flush=True)
    last = runs[-1]
    print('\nlast run, per iteration:')
    print(f'{"it":>4} {"loss":>12} {"sq. error":>12} {"ms":>9}')
    for row in last['iterations']:
        print(f'{row["iteration"]:4d} {row["loss"]:12.6g} {row["param_sq_error"]:12.6g} {row["seconds"] * 1e3:9.2f}')
    summary = {
        'median_s_per_iteration': statistics.median(r['median_s'] for r in runs),
        'run_medians_s': [r['median_s'] for r in runs],
        'first_iteration_s': [r['first_s'] for r in runs],
        'skipped_iterations': a.skip,
        'param_sq_error_initial': last['param_sq_error_initial'],
        'param_sq_error_final': [r['param_sq_error_final'] for r in runs],
        'error_ratio': [r['error_ratio'] for r in runs],
        'error_fell_100_fold': [r['error_ratio'] >= 100 for r in runs],
        'final_value': [r['final_value'] for r in runs],
        'reference_value': last['reference_value'],
    }
    print(f'\nmedian of run medians: {summary["median_s_per_iteration"] * 1e3:.2f} ms/iteration '
          f'(runs {[round(m * 1e3, 2) for m in summary["run_medians_s"]]} ms); first iteration '
          f'{[round(f * 1e3, 1) for f in summary["first_iteration_s"]]} ms')
    print(f'squared parameter error {summary["param_sq_error_initial"]:.6g} -> '
          f'{[float(f"{e:.4g}") for e in summary["param_sq_error_final"]]} '
          f'(ratio {[round(x, 1) for x in summary["error_ratio"]]}; 100-fold: {summary["error_fell_100_fold"]})')
    if a.out:
        json.dump({'system': 'mitsuba', 'mitsuba': mi.__version__, 'drjit': dr.__version__, 'variant': mi.variant(),
                   'threads': dr.thread_count(), 'host': platform.node(), 'cpu_count': os.cpu_count(),
                   'date_utc': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()),
                   'scene': a.scene, 'parameter': key, 'initial': initial, 'lr': a.lr,
                   'iterations': a.iterations, 'spp': a.spp, 'reference_spp': a.reference_spp,
                   'width': w, 'height': h, 'runs': a.runs, 'load_s': load_s, 'reference_render_s': reference_s,
                   'summary': summary, 'per_run': runs}, open(a.out, 'w'), indent=1)
        print(f'wrote {a.out}')


if __name__ == '__main__':
    main()
