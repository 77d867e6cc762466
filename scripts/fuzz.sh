#!/usr/bin/env bash
# Builds the libFuzzer harness (Fuzz/) with the fuzzer and AddressSanitizer and runs one reader on its corpus.
#
#   scripts/fuzz.sh TARGET [SECONDS] [libFuzzer options...]   TARGET: a name of FuzzTargets.all (scene_xml, exr, ...)
#   scripts/fuzz.sh --build                                   only builds the harness
#
# Seeds come from Fuzz/Corpus/TARGET and the inputs that failed before (Fuzz/Regressions/TARGET). What libFuzzer
# finds grows a working corpus in .build-fuzz/corpus/TARGET, kept between runs and never committed. A crash, a leak,
# a hang (over 10 s) or an allocation over 1 GiB stops the run and leaves its input in .build-fuzz/artifacts/TARGET:
# fix the reader, copy the input to Fuzz/Regressions/TARGET (the replay test runs it from then on) and run again.
# The run ends with libFuzzer's "Done N runs in S second(s)" and its final stats; "cov:" and "ft:" are on the lines
# before. REFRACT_FUZZ_NO_BUILD=1 skips the build: two targets can run at once from one `--build`.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
scratch=$root/.build-fuzz

usage() { echo "usage: $0 TARGET [SECONDS] [libFuzzer options...] | --build" >&2; exit 2; }
[ $# -ge 1 ] || usage

# Coverage instrumentation and AddressSanitizer for the Swift code and for CImageCodecs' C code (the system's
# libpng, libjpeg, zlib and libxml2 are not instrumented: their code runs, but guides nothing).
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
[ -d "$root/Fuzz/Corpus/$target" ] || { echo "fuzz.sh: no seed folder Fuzz/Corpus/$target" >&2; usage; }

[ -n "${REFRACT_FUZZ_NO_BUILD:-}" ] || build
corpus=$scratch/corpus/$target
artifacts=$scratch/artifacts/$target
mkdir -p "$corpus" "$artifacts"
# Seeds and regressions are read, never written: new inputs go to the working corpus (the first folder).
seeds=("$root/Fuzz/Corpus/$target")
[ -d "$root/Fuzz/Regressions/$target" ] && seeds+=("$root/Fuzz/Regressions/$target")

# A small quarantine keeps AddressSanitizer's own memory from counting against the 1 GiB limit.
ASAN_OPTIONS="quarantine_size_mb=16:malloc_context_size=20${ASAN_OPTIONS:+:$ASAN_OPTIONS}" \
LSAN_OPTIONS="suppressions=$root/scripts/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}" \
"$scratch/release/refract-fuzz" "$target" "$corpus" "${seeds[@]}" -max_total_time="$seconds" \
    -rss_limit_mb=1024 -malloc_limit_mb=1024 -timeout=10 -max_len=16384 \
    -artifact_prefix="$artifacts/" -print_final_stats=1 "$@"
