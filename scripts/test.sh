#!/usr/bin/env bash
# The test suite with the Debian packages its tests need: installs what is missing (as root, or through sudo),
# then runs `swift test` with this script's arguments (e.g. bash scripts/test.sh --filter Embree).
#
# Needed: libembree-dev, for Embree 3 (libembree3-3, opened at run time by the triangle-mesh tests, which are
# skipped with a message where it is missing). The Slurm farm test's slurm-wlm and munge are installed by
# scripts/slurm-test.sh itself, which keeps their daemons from starting while it does; `swift test` needs neither.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(libembree-dev)

missing=()
for package in "${PACKAGES[@]}"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
# Only when something is missing, so a machine that has everything (or has no network) is not touched.
if [ ${#missing[@]} -gt 0 ]; then
    SUDO=()
    if [ "$(id -u)" != 0 ]; then
        if ! command -v sudo >/dev/null; then
            echo "scripts/test.sh: ${missing[*]} missing and this is not root (no sudo): install them, or the tests that need them are skipped" >&2
            exec swift test "$@"
        fi
        SUDO=(sudo)
    fi
    echo "scripts/test.sh: installing ${missing[*]}" >&2
    "${SUDO[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

exec swift test "$@"
