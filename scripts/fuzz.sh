#!/usr/bin/env bash
# Builds the libFuzzer harnesses (Fuzz/) with the fuzzer and AddressSanitizer and runs one on a copy of its corpus.
#
#   scripts/fuzz.sh TARGET [SECONDS] [libFuzzer options...]   TARGET: scene_xml, exr, png, jpeg, npy, safetensors
#   scripts/fuzz.sh --build                                   only builds every harness
#
# Seeds come from Fuzz/corpus/TARGET and the inputs that failed before (Fuzz/crashes/TARGET); the inputs libFuzzer
# finds grow a working corpus in .build-fuzz/corpus/TARGET (kept between runs, never committed). A crash, a leak, a
# hang (over 10 s) or an allocation over 1 GiB stops the run and its input is saved in Fuzz/crashes/TARGET: fix the
# reader, keep the input there (the replay test in Tests/FuzzTargetsTests runs it from then on) and run again.
# The last lines of the run are libFuzzer's: "Done N runs in S second(s)", and the "cov:" / "ft:" of the final stats.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
scratch=$root/.build-fuzz
targets=(scene_xml exr png jpeg npy safetensors)

usage() { echo "usage: $0 TARGET [SECONDS] [libFuzzer options...] | --build   (TARGET: ${targets[*]})" >&2; exit 2; }
[ $# -ge 1 ] || usage

# The fuzzer's coverage instrumentation and AddressSanitizer for the Swift code and for CImageCodecs' C code (the
# system's libpng, libjpeg and zlib are not instrumented: their code is exercised, not traced).
# FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION (the usual macro) makes CImageCodecs ignore PNG CRCs.
build() {
    swift build -c release --package-path Fuzz --scratch-path "$scratch" \
        -Xswiftc -sanitize=fuzzer,address -Xcc -fsanitize=fuzzer-no-link,address \
        -Xcc -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
}

if [ "$1" = "--build" ]; then build; exit 0; fi
target=$1
seconds=${2:-600}
shift $(( $# >= 2 ? 2 : 1 ))
[[ " ${targets[*]} " == *" $target "* ]] || usage

case "$target" in
    scene_xml) max_len=8192 ;;
    *) max_len=16384 ;;
esac

build
binary=$scratch/release/fuzz_$target
corpus=$scratch/corpus/$target
crashes=$root/Fuzz/crashes/$target
mkdir -p "$corpus" "$crashes"
cp -n "$root/Fuzz/corpus/$target"/* "$corpus"/ 2>/dev/null || true
cp -n "$crashes"/* "$corpus"/ 2>/dev/null || true

LSAN_OPTIONS="suppressions=$root/Fuzz/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}" \
"$binary" "$corpus" -max_total_time="$seconds" -rss_limit_mb=2048 -malloc_limit_mb=1024 -timeout=10 \
    -max_len="$max_len" -artifact_prefix="$crashes/" -print_final_stats=1 "$@"
