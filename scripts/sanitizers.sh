#!/usr/bin/env bash
# Runs the whole test suite under AddressSanitizer and then ThreadSanitizer, each in a build folder of its own
# (.build-asan, .build-tsan), and prints how long each took. Usage: scripts/sanitizers.sh [address|thread]...
set -euo pipefail
cd "$(dirname "$0")/.."
kinds=("$@")
[ ${#kinds[@]} -gt 0 ] || kinds=(address thread)
for kind in "${kinds[@]}"; do
    case "$kind" in
        address) folder=.build-asan ;;
        thread) folder=.build-tsan ;;
        *) echo "sanitizers.sh: unknown sanitizer '$kind' (expected address or thread)" >&2; exit 2 ;;
    esac
    start=$(date +%s)
    # LSan's leak report at exit is on (the default); halt on the first error so a finding is never missed.
    ASAN_OPTIONS=halt_on_error=1:detect_leaks=1 LSAN_OPTIONS=suppressions="$PWD/scripts/lsan.supp" \
        TSAN_OPTIONS=halt_on_error=1 \
        swift test --sanitize="$kind" --scratch-path "$folder"
    echo "sanitizers.sh: $kind: clean in $(( $(date +%s) - start )) s"
done
