#!/usr/bin/env bash
# Refract against Mitsuba 3 on this machine, in one window: Mitsuba's figures (../shared/bench/mitsuba_bench.py)
# first, then `Benchmarks --compare` on the same scene files, and optionally the cbox inverse-rendering loop of
# both (scripts/mitsuba_optimize.py, then `Tool optimize --scene`). Local only: it needs a Python with Mitsuba 3.9.1
# (the bench script's header says how to install it); nothing in the project or CI runs it.
#
#   bash scripts/side-by-side.sh --python mitsuba-venv/bin/python --out DIR [--runs N] [--optimize]
#
# Each figure is taken in a pair, Mitsuba's right before ours (the tutorial's three figures, then each scene's),
# because this machine's speed drifts by 10-30% within minutes: run as two whole suites, one after the other, the
# two halves of a ratio were measured in different states. Writes DIR/mitsuba.json and DIR/mitsuba.txt (Mitsuba's
# figures, every pair's), DIR/refract.txt (ours, each shared figure's ratio on a line ending in "x"),
# DIR/refract.json, DIR/report.txt (the rest of `Benchmarks`: memory copy, threads, tutorial iteration), DIR/pairs/
# (each pair's own files), DIR/window (start and end, UTC), and with --optimize DIR/optimize/ (both loops'
# per-iteration seconds and errors). The scene files and the parameter each backward is taken with are listed
# below; the scale scene (1,000 PLY files) is written to DIR/scale by `Benchmarks` itself, and a mid-size mesh scene
# (cornell_5120) to DIR/midsize by this script. The release build is brought up to date first, so the figures are
# the checkout's.
set -euo pipefail

python="" out="" runs=3 optimize=false
while [ $# -gt 0 ]; do
    case "$1" in
        --python) python="${2:?--python needs the path of a Python with Mitsuba 3.9.1}"; shift 2 ;;
        --out) out="${2:?--out needs a folder}"; shift 2 ;;
        --runs) runs="${2:?--runs needs a count}"; shift 2 ;;
        --optimize) optimize=true; shift ;;
        *) echo "side-by-side.sh: unknown argument '$1' (expected --python, --out, --runs or --optimize)" >&2; exit 2 ;;
    esac
done
[ -n "$python" ] && [ -n "$out" ] || { echo "usage: side-by-side.sh --python PYTHON --out DIR [--runs N] [--optimize]" >&2; exit 2; }
# Paths are the caller's; the rest runs from the repository's root.
[[ "$python" == */* ]] && python=$(realpath -s -m "$python")  # -s: a venv's python is a symlink
out=$(realpath -s -m "$out")
cd "$(dirname "$0")/.."
"$python" -c 'import mitsuba' 2>/dev/null || { echo "side-by-side.sh: $python cannot import mitsuba (see ../shared/bench/mitsuba_bench.py's header)" >&2; exit 2; }
bench=../shared/bench/mitsuba_bench.py
[ -f "$bench" ] || { echo "side-by-side.sh: $bench is missing" >&2; exit 2; }
# Dr.Jit 1.5 needs LLVM 16 or later (Debian's libllvm19); the bench script finds it, the optimize script does not.
if [ -z "${DRJIT_LIBLLVM_PATH:-}" ]; then
    for library in /usr/lib/x86_64-linux-gnu/libLLVM-19.so /usr/lib/x86_64-linux-gnu/libLLVM-19.so.1; do
        [ -f "$library" ] && export DRJIT_LIBLLVM_PATH="$library" && break
    done
fi
mkdir -p "$out"
swift build -c release --product Benchmarks >/dev/null
swift build -c release --product Tool >/dev/null

fixtures=Tests/IntegratorsTests/Fixtures
# One scene per line: file, then the parameter key of its backward figure. 256x256 at spp 64 each.
scenes=(
    "$fixtures/MeshScene/cornell.xml light.emitter.radiance.value"
    "$fixtures/MeshScene/lights.xml lamp.intensity.value"
    "$fixtures/MeshScene/scene.xml white.reflectance.value"
    "$fixtures/BSDFScenes/roughconductor.xml plain.bsdf.alpha.value"
    "$fixtures/BSDFScenes/roughdielectric.xml plain.bsdf.alpha.value"
    "$fixtures/BSDFScenes/roughplastic.xml plain.bsdf.diffuse_reflectance.value"
    "$fixtures/BSDFScenes/plastic.xml plain.bsdf.diffuse_reflectance.value"
    "Examples/InverseRendering/Scenes/cbox.xml red.reflectance.value"
)
.build/release/Benchmarks --write-scale-scene "$out/scale" >/dev/null
# A mid-size mesh scene: the cornell fixture with its 320-triangle ball replaced by one of 5,120 (an icosphere of 4
# subdivisions, smooth normals), above the clusters' old limit of 512 triangles and below their present one.
"$python" - "$fixtures/MeshScene" "$out/midsize" <<'PYTHON'
import os, re, sys
fixtures, folder = os.path.abspath(sys.argv[1]), sys.argv[2]
sys.path.insert(0, fixtures)
sys.dont_write_bytecode = True  # no __pycache__ in the test fixtures
from icosphere import icosphere, write_ply
os.makedirs(folder, exist_ok=True)
write_ply(os.path.join(folder, 'ball_5120.ply'), *icosphere(4))
scene = open(os.path.join(fixtures, 'cornell.xml')).read()
scene = re.sub(r'value="(\w+\.obj)"', lambda m: f'value="{os.path.join(fixtures, m.group(1))}"', scene)
open(os.path.join(folder, 'cornell_5120.xml'), 'w').write(scene.replace('value="ball.ply"', 'value="ball_5120.ply"'))
PYTHON
scenes+=("$out/midsize/cornell_5120.xml light.emitter.radiance.value")
mkdir -p "$out/pairs"
rm -f "$out/refract.txt" "$out/mitsuba.txt"

# One pair: Mitsuba's figures (bench arguments before "--"), then ours (Benchmarks arguments after it) compared.
pair() {
    local name="$1"; shift
    local mitsuba=() ours=()
    while [ $# -gt 0 ] && [ "$1" != "--" ]; do mitsuba+=("$1"); shift; done
    shift
    ours=("$@")
    "$python" "$bench" --out "$out/pairs/$name.mitsuba.json" --runs "$runs" "${mitsuba[@]}" \
        >"$out/pairs/$name.mitsuba.txt" 2>&1
    .build/release/Benchmarks --json "$out/pairs/$name.refract.json" --compare "$out/pairs/$name.mitsuba.json" \
        "${ours[@]}" >"$out/pairs/$name.refract.txt" 2>&1
    cat "$out/pairs/$name.mitsuba.txt" >>"$out/mitsuba.txt"
    grep -E 'x$' "$out/pairs/$name.refract.txt" >>"$out/refract.txt" || true
}

date -u +%H:%M:%S >"$out/window"
# "render_" selects render_fwd, render_bwd and tutorial_render_step (and their variants), no scene.
pair tutorial -- --filter render_
for entry in "${scenes[@]}"; do
    read -r file key <<<"$entry"
    name=$(basename "$file" .xml)
    pair "$name" --skip-tutorial --scene "$file" --spp 64 --res 256 --param "$key" \
        -- --filter scene_ --scene "$file" --spp 64 --res 256 --param "$key"
done
# The scale benchmark of `Benchmarks` renders its own copy of the scale scene as scene_scale.
pair scale --skip-tutorial --scene "$out/scale/scale.xml" -- --filter scale
"$python" - "$out" <<'PYTHON'
import glob, json, sys
out = sys.argv[1]
# Mitsuba's files are {..., "figures": [...]}, ours are lists of figures: each merged in its own form.
mitsuba, refract = None, []
for path in sorted(glob.glob(f'{out}/pairs/*.mitsuba.json')):
    document = json.load(open(path))
    if mitsuba is None:
        mitsuba = document
    else:
        mitsuba['figures'] += document['figures']
for path in sorted(glob.glob(f'{out}/pairs/*.refract.json')):
    refract += json.load(open(path))
json.dump(mitsuba, open(f'{out}/mitsuba.json', 'w'), indent=1)
json.dump(refract, open(f'{out}/refract.json', 'w'), indent=2)
PYTHON
# Everything else `Benchmarks` reports (memory copy, threads, the tutorial's iteration), without Mitsuba.
.build/release/Benchmarks >"$out/report.txt" 2>&1
grep -E 'copy_gbps' "$out/report.txt" >>"$out/refract.txt" || true
if $optimize; then
    mkdir -p "$out/optimize"
    "$python" scripts/mitsuba_optimize.py --scene Examples/InverseRendering/Scenes/cbox.xml \
        --out "$out/optimize/mitsuba.json" --runs 1 >"$out/optimize/mitsuba.txt" 2>&1
    .build/release/Tool optimize --scene Examples/InverseRendering/Scenes/cbox.xml \
        --parameter red.reflectance.value --reference-spp 512 --initial red.reflectance.value=0.01,0.2,0.9 \
        --lr 0.05 --iterations 50 --spp 4 --output "$out/optimize/refract" >"$out/optimize/refract.txt" 2>&1
fi
date -u +%H:%M:%S >>"$out/window"
grep -E 'x$|copy_gbps' "$out/refract.txt"
if $optimize; then
    grep -E 'median of run medians|squared parameter error' "$out/optimize/mitsuba.txt" | sed 's/^/Mitsuba: /'
    "$python" - "$out/optimize/refract/metrics.json" <<'PYTHON'
import json, statistics, sys
iterations = json.load(open(sys.argv[1]))['iterations']
median = statistics.median(i['seconds']['total'] for i in iterations[1:])
print('Refract: %.2f ms/iteration (median after the first)' % (1000 * median))
PYTHON
fi
