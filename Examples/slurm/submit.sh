#!/usr/bin/env bash
# Refract on Slurm: submits one render as an array job (render-array.sbatch, one shard per task) and the merge
# job (merge.sbatch) that runs once every task has succeeded (--dependency=afterok), then prints both job ids.
#
#   REFRACT_SCENE=scene.xml REFRACT_SPP=1024 REFRACT_SHARDS=16 Examples/slurm/submit.sh [Tool render options]
#
# Prints "render array job: ID" and "merge job: ID". Options after the script name go to every `Tool render`
# (e.g. --res 512, -D key=value). Environment (defaults in brackets; relative paths are from here):
#   REFRACT_TOOL           [.build/release/Tool]  the Tool executable, at this path on every node
#   REFRACT_SCENE          [tutorial]             tutorial or a Mitsuba 3 XML file
#   REFRACT_SPP            [64]                   samples per pixel of the whole image
#   REFRACT_SEED           [0]                    random seed
#   REFRACT_SHARDS         [4]                    N: array tasks, each renders spp/N samples of every pixel
#   REFRACT_PARTS          [refract-parts]        folder for part-I-of-N.exr, shared by the nodes
#   REFRACT_OUTPUT         [refract-image.exr]    the merged image (.exr, .png or .npy)
#   REFRACT_LOG_DIR        [REFRACT_PARTS/logs]   job logs: render-ARRAYID_TASK.log, merge-JOBID.log
#   REFRACT_CPUS_PER_TASK  [8, from render-array.sbatch]  CPUs (and Tool threads) per render task
#   REFRACT_MAX_RUNNING    [no limit]             at most this many tasks at once (--array=...%M)
#   REFRACT_CACHE_DIR      [the Tool's default]   kernel cache, best on node-local disk (see README.md)
# Partition, account, time limit and so on: sbatch's own SBATCH_PARTITION, SBATCH_ACCOUNT, SBATCH_TIMELIMIT...
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
fail() { echo "submit.sh: error: $*" >&2; exit 2; }
# Absolute, so the jobs find the files whatever their working directory; a bare command name stays a PATH lookup.
absolute() { case $1 in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }

command -v sbatch >/dev/null || fail "sbatch not found: run this on a Slurm submit host"

export REFRACT_TOOL=${REFRACT_TOOL:-.build/release/Tool}
case $REFRACT_TOOL in */*) REFRACT_TOOL=$(absolute "$REFRACT_TOOL") ;; esac
export REFRACT_SCENE=${REFRACT_SCENE:-tutorial}
[ "$REFRACT_SCENE" = tutorial ] || REFRACT_SCENE=$(absolute "$REFRACT_SCENE")
export REFRACT_SPP=${REFRACT_SPP:-64}
export REFRACT_SEED=${REFRACT_SEED:-0}
export REFRACT_SHARDS=${REFRACT_SHARDS:-4}
export REFRACT_PARTS; REFRACT_PARTS=$(absolute "${REFRACT_PARTS:-refract-parts}")
export REFRACT_OUTPUT; REFRACT_OUTPUT=$(absolute "${REFRACT_OUTPUT:-refract-image.exr}")
logs=$(absolute "${REFRACT_LOG_DIR:-$REFRACT_PARTS/logs}")

[[ $REFRACT_SHARDS =~ ^[1-9][0-9]*$ ]] || fail "REFRACT_SHARDS must be a positive integer, got '$REFRACT_SHARDS'"
[[ $REFRACT_SPP =~ ^[1-9][0-9]*$ ]] || fail "REFRACT_SPP must be a positive integer, got '$REFRACT_SPP'"
case $REFRACT_TOOL in */*) [ -x "$REFRACT_TOOL" ] || fail "REFRACT_TOOL=$REFRACT_TOOL is not an executable" ;; esac
[ "$REFRACT_SCENE" = tutorial ] || [ -f "$REFRACT_SCENE" ] || fail "no scene file $REFRACT_SCENE"

mkdir -p "$REFRACT_PARTS" "$logs"   # Slurm does not create the folders of --output
shopt -s nullglob
old=("$REFRACT_PARTS"/part-*-of-"$REFRACT_SHARDS".exr)
if [ "${#old[@]}" -gt 0 ]; then
    # Harmless (every task rewrites its part before the merge runs), but usually a folder meant for another job.
    echo "submit.sh: note: $REFRACT_PARTS already holds ${#old[@]} parts; this job overwrites them" >&2
fi

array_opts=(--array="0-$((REFRACT_SHARDS - 1))${REFRACT_MAX_RUNNING:+%$REFRACT_MAX_RUNNING}")
array_opts+=(--output="$logs/render-%A_%a.log")
[ -z "${REFRACT_CPUS_PER_TASK:-}" ] || array_opts+=(--cpus-per-task="$REFRACT_CPUS_PER_TASK")

# --parsable prints "ID" or "ID;CLUSTER".
array_id=$(sbatch --parsable "${array_opts[@]}" "$here/render-array.sbatch" "$@")
array_id=${array_id%%;*}
# afterok on an array job waits for all of its tasks, and is never met if one fails; merge.sbatch then
# cancels itself (--kill-on-invalid-dep) rather than pending forever.
if ! merge_id=$(sbatch --parsable --dependency="afterok:$array_id" --output="$logs/merge-%j.log" \
    "$here/merge.sbatch"); then
    echo "submit.sh: error: render array job $array_id was submitted, the merge job was not;" \
        "cancel it (scancel $array_id) or submit merge.sbatch yourself with the same environment" >&2
    exit 1
fi
merge_id=${merge_id%%;*}

echo "render array job: $array_id"
echo "merge job: $merge_id"
echo "logs: $logs; image: $REFRACT_OUTPUT"
