#!/usr/bin/env bash
# Slurm farm test (run by .ci/run): starts a throw-away one-node Slurm cluster on this machine (munged,
# slurmctld, slurmd with 2 CPUs; every file in one temporary folder), submits the tutorial scene as a 4-task
# array plus its dependent merge through Examples/slurm/submit.sh, renders the same job once without --shard,
# and checks that the two images are the same bytes. Every daemon it started is stopped on exit, also on
# failure or Ctrl-C.
#
#   bash scripts/slurm-test.sh                  # the whole test
#   bash scripts/slurm-test.sh --cluster-only   # only the cluster: a 4-task array of shell commands and a
#                                               # dependent job (no Tool needed)
#
# Environment:
#   REFRACT_TOOL          the Tool executable (default .build/debug/Tool; built with `swift build --product
#                         Tool` if that default is missing)
#   SLURM_TEST_TIMEOUT    seconds to wait for the smoke jobs, then again for the render and merge jobs (default
#                         300)
#   SLURM_TEST_KEEP=1     keep the temporary folder (configuration, logs, images) for inspection; the daemons
#                         are stopped all the same
#   SLURM_TEST_PORT       first of the two TCP ports slurmctld and slurmd listen on (default: a free pair from
#                         16817 up), so a real Slurm on this machine (6817/6818) is left alone
set -euo pipefail

cd "$(dirname "$0")/.."
REPO=$(pwd)

MODE=full
case "${1:-}" in
    "") ;;
    --cluster-only) MODE=cluster ;;
    *) echo "usage: $0 [--cluster-only]" >&2; exit 2 ;;
esac

TIMEOUT=${SLURM_TEST_TIMEOUT:-300}
KEEP=${SLURM_TEST_KEEP:-0}
PORT=${SLURM_TEST_PORT:-}
# Run inside a Slurm job or with site defaults in the environment, sbatch and squeue would read SLURM_* and
# SBATCH_* input variables meant for another cluster; the test's cluster gets none of them. Likewise the
# REFRACT_* settings of submit.sh that the test does not set itself.
while read -r variable; do unset "$variable"; done < <(compgen -e | grep -E '^(SLURM|SBATCH|SQUEUE|SINFO|SCANCEL|SACCT)_' || true)
unset REFRACT_MAX_RUNNING
SHARDS=4
# A small job: 32x32 pixels at 8 spp, 2 samples per pixel per shard.
SCENE=tutorial
RENDER_ARGS=(--res 32)
SPP=8
SEED=7

log() { printf '[slurm-test %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "FAIL: $*"; exit 1; }
T0=$(date +%s.%N)
elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

# --- Packages --------------------------------------------------------------------------------------------------
# Only when something is missing, so a machine that has them (or has no network) is not touched.
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v sbatch >/dev/null \
    || ! command -v munged >/dev/null; then
    SUDO=()
    if [ "$(id -u)" != 0 ]; then
        command -v sudo >/dev/null || die "slurm-wlm and munge are missing and this is not root (no sudo)"
        SUDO=(sudo)
    fi
    log "installing slurm-wlm and munge"
    # The packages start their own munged (and try slurmd/slurmctld) from their init scripts, daemons this test
    # would leave running; a policy-rc.d that refuses every start, for the time of the install, prevents that
    # (most containers have one already, which is then left as it is).
    POLICY=/usr/sbin/policy-rc.d
    if [ ! -e "$POLICY" ]; then
        trap '"${SUDO[@]}" rm -f "$POLICY"' EXIT
        printf '#!/bin/sh\n# scripts/slurm-test.sh: no service starts while it installs slurm-wlm and munge\nexit 101\n' \
            | "${SUDO[@]}" tee "$POLICY" >/dev/null
        "${SUDO[@]}" chmod 755 "$POLICY"
    fi
    "${SUDO[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq --no-install-recommends slurm-wlm munge \
        >/dev/null
    if [ "$(trap -p EXIT)" != "" ]; then "${SUDO[@]}" rm -f "$POLICY"; trap - EXIT; fi
fi
# The daemons run as the current user (SlurmUser/SlurmdUser below), which must be root for slurmd to start
# jobs; a CI container is root.
[ "$(id -u)" = 0 ] || die "slurmd must run as root to start jobs; run this test as root (e.g. in the CI container)"

# --- The Tool --------------------------------------------------------------------------------------------------
if [ "$MODE" = full ]; then
    if [ -z "${REFRACT_TOOL:-}" ]; then
        REFRACT_TOOL=.build/debug/Tool
        if [ ! -x "$REFRACT_TOOL" ]; then
            log "building the Tool (swift build --product Tool)"
            swift build --product Tool
        fi
    fi
    [ -x "$REFRACT_TOOL" ] || die "REFRACT_TOOL=$REFRACT_TOOL is not an executable"
    # Absolute, because the jobs run from their own working directory.
    REFRACT_TOOL=$(cd "$(dirname "$REFRACT_TOOL")" && pwd)/$(basename "$REFRACT_TOOL")
fi

# --- Temporary folder and teardown -----------------------------------------------------------------------------
TMP=$(mktemp -d "${TMPDIR:-/tmp}/refract-slurm.XXXXXX")
# Not writable by others (munged refuses such folders), but searchable so clients can reach munged's socket.
chmod 755 "$TMP"
mkdir -p "$TMP"/{etc,munge,state,spool,run,log,work}
CONF=$TMP/etc/slurm.conf
export SLURM_CONF=$CONF
MUNGED_PID="" SLURMCTLD_PID="" SLURMD_PID=""
SUBMITTED=()

# Stops one daemon that runs in the foreground as our child: SIGTERM, up to 15 s, then SIGKILL.
stop_daemon() {
    local name=$1 pid=$2
    [ -n "$pid" ] || return 0
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 150); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        log "$name ($pid) ignored SIGTERM; killing it"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
}

# The slurmstepd processes of this cluster (and the job processes under them) outlive slurmd; they are the
# ones with files open in $TMP (their sockets in our SlurmdSpoolDir), so another cluster's are left alone.
our_stepds() {
    local pid fd
    for pid in $(pgrep -x slurmstepd 2>/dev/null || true); do
        for fd in "/proc/$pid/fd/"*; do
            case $(readlink "$fd" 2>/dev/null) in "$TMP"/*) echo "$pid"; break ;; esac
        done
    done
}

# Every descendant of the given processes.
descendants() {
    local pid child
    for pid in "$@"; do
        for child in $(pgrep -P "$pid" 2>/dev/null || true); do
            echo "$child"
            descendants "$child"
        done
    done
}

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    set +e
    if [ ${#SUBMITTED[@]} -gt 0 ] && [ -n "$SLURMCTLD_PID" ] && kill -0 "$SLURMCTLD_PID" 2>/dev/null; then
        # Jobs still running on failure or timeout: cancel them so slurmd's step daemons end their processes.
        scancel "${SUBMITTED[@]}" 2>/dev/null
        for _ in $(seq 100); do
            [ -z "$(squeue -h -o %i 2>/dev/null)" ] && break
            sleep 0.1
        done
    fi
    stop_daemon slurmd "$SLURMD_PID"
    stop_daemon slurmctld "$SLURMCTLD_PID"
    local stray
    stray=$(our_stepds)
    if [ -n "$stray" ]; then
        # Only after a failure that took slurmd down with jobs still running: their processes go too.
        # shellcheck disable=SC2086
        stray="$stray $(descendants $stray)"
        log "killing leftover job processes: $(xargs <<<"$stray")"
        # shellcheck disable=SC2086
        kill -KILL $stray 2>/dev/null
    fi
    stop_daemon munged "$MUNGED_PID"
    if [ "$KEEP" = 1 ]; then
        log "kept $TMP"
    else
        rm -rf "$TMP"
    fi
    if [ "$status" = 0 ]; then log "passed in $(elapsed "$T0") s"; else log "failed (exit $status)"; fi
    exit "$status"
}
trap cleanup EXIT
# A signal ends the script through the EXIT trap (128 + signal number, as a shell would).
trap 'exit 130' INT
trap 'exit 143' TERM

dump_logs() {
    log "---- jobs ----"
    local line
    scontrol -o show job 2>/dev/null | while read -r line; do
        grep -oE '^JobId=[^ ]*| (ArrayTaskId|JobName|JobState|Reason|ExitCode|NodeList)=[^ ]*' <<<"$line" | xargs
    done
    log "---- sinfo ----"
    sinfo -N -o '%N %T %E' 2>&1 || true
    local f lines
    for f in "$TMP"/work/logs/* "$TMP"/log/*; do
        [ -f "$f" ] || continue
        # The daemons' *.out is their stderr: the start-up errors before they open the *.log, then a copy of it.
        lines=40; case $f in *.out) lines=10 ;; esac
        log "---- $f (last $lines lines) ----"
        tail -n "$lines" "$f" >&2
    done
}

# --- Ports -----------------------------------------------------------------------------------------------------
port_free() { ! ss -Htln "sport = :$1" 2>/dev/null | grep -q .; }
if [ -z "$PORT" ]; then
    # Spread by our pid, so two tests started at the same moment do not both take the first free pair.
    PORT=$((16817 + 2 * ($$ % 1000)))
    while ! port_free "$PORT" || ! port_free $((PORT + 1)); do PORT=$((PORT + 2)); done
fi

# --- munge -----------------------------------------------------------------------------------------------------
# Its own key, socket, pid, seed and log files, so a munged that the machine already runs is left alone.
dd if=/dev/urandom of="$TMP/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$TMP/munge/munge.key"
MUNGE_SOCKET=$TMP/munge/munge.socket
T_START=$(date +%s.%N)
# -F: in the foreground, so it is our child and $! is its pid (it then logs to stderr); --force: run as root.
munged -F --force --key-file="$TMP/munge/munge.key" --socket="$MUNGE_SOCKET" \
    --pid-file="$TMP/run/munged.pid" --seed-file="$TMP/munge/munged.seed" >>"$TMP/log/munged.log" 2>&1 &
MUNGED_PID=$!
for _ in $(seq 100); do [ -S "$MUNGE_SOCKET" ] && break; sleep 0.1; done
[ -S "$MUNGE_SOCKET" ] || { dump_logs; die "munged did not start"; }

# --- Slurm -----------------------------------------------------------------------------------------------------
NODE=$(hostname -s)
cat >"$CONF" <<EOF
# Written by scripts/slurm-test.sh: a one-node test cluster, every file under $TMP.
ClusterName=refract-test
SlurmctldHost=$NODE(127.0.0.1)
SlurmctldPort=$PORT
SlurmdPort=$((PORT + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$MUNGE_SOCKET
StateSaveLocation=$TMP/state
SlurmdSpoolDir=$TMP/spool
SlurmctldPidFile=$TMP/run/slurmctld.pid
SlurmdPidFile=$TMP/run/slurmd.pid
SlurmctldLogFile=$TMP/log/slurmctld.log
SlurmdLogFile=$TMP/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
# Plugins that need neither cgroups nor systemd: this runs in containers and sandboxes.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SwitchType=switch/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
# The node comes back by itself after a restart; finished jobs stay visible to squeue for 10 minutes.
ReturnToService=2
MinJobAge=600
KillWait=5
MailProg=/bin/true
InactiveLimit=0
# The configured CPUs and memory count, whatever the machine has, so the node is never drained for them.
SlurmdParameters=config_overrides
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=2 RealMemory=1024 State=UNKNOWN
PartitionName=debug Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF

# -D: foreground (our children, so $! is the pid to stop); -i: ignore any saved state.
slurmctld -D -i -f "$CONF" >>"$TMP/log/slurmctld.out" 2>&1 &
SLURMCTLD_PID=$!
slurmd -D -f "$CONF" -N "$NODE" >>"$TMP/log/slurmd.out" 2>&1 &
SLURMD_PID=$!

# Wait for the node to be idle.
STATE=""
for _ in $(seq 600); do
    kill -0 "$SLURMCTLD_PID" 2>/dev/null || { dump_logs; die "slurmctld exited"; }
    kill -0 "$SLURMD_PID" 2>/dev/null || { dump_logs; die "slurmd exited"; }
    STATE=$(sinfo -h -n "$NODE" -o %T 2>/dev/null || true)
    [ "$STATE" = idle ] && break
    sleep 0.1
done
[ "$STATE" = idle ] || { dump_logs; die "node $NODE not idle after 60 s (state '${STATE}')"; }
log "cluster up in $(elapsed "$T_START") s: node $NODE idle, ports $PORT/$((PORT + 1)), $TMP"

# Waits until every given job has finished (squeue -t all shows finished jobs for MinJobAge); fails on a job
# that did not complete, or after TIMEOUT seconds.
wait_jobs() {
    local deadline=$(( $(date +%s) + TIMEOUT )) states bad
    while :; do
        kill -0 "$SLURMCTLD_PID" 2>/dev/null || { dump_logs; die "slurmctld exited"; }
        kill -0 "$SLURMD_PID" 2>/dev/null || { dump_logs; die "slurmd exited"; }
        # One line per job or array task: its state.
        states=$(squeue -h -t all -j "$(IFS=,; echo "$*")" -o %T 2>/dev/null || true)
        if [ -n "$states" ] && ! grep -qvE '^(COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY|BOOT_FAIL|DEADLINE|PREEMPTED)$' <<<"$states"; then
            break
        fi
        [ "$(date +%s)" -lt "$deadline" ] || { dump_logs; die "jobs $* not finished after $TIMEOUT s"; }
        sleep 0.5
    done
    bad=$(grep -cv '^COMPLETED$' <<<"$states" || true)
    [ "$bad" = 0 ] || { dump_logs; die "jobs $* did not all complete: $(sort <<<"$states" | uniq -c | xargs)"; }
}

WORK=$TMP/work
mkdir -p "$WORK/logs"

# --- Smoke test: the cluster alone ------------------------------------------------------------------------------
# A 4-task array of shell commands and a job that depends on it, as submit.sh does with the Tool; a failure
# here is the cluster's, not the renderer's.
T_SMOKE=$(date +%s.%N)
# shellcheck disable=SC2016  # the variables are the job's, expanded when it runs
ARRAY=$(sbatch --parsable --array=0-$((SHARDS - 1)) --output="$WORK/logs/smoke-%A_%a.out" --chdir="$WORK" \
    --wrap 'echo "$SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT" > smoke-$SLURM_ARRAY_TASK_ID.txt')
SUBMITTED+=("$ARRAY")
AFTER=$(sbatch --parsable --dependency="afterok:$ARRAY" --kill-on-invalid-dep=yes \
    --output="$WORK/logs/smoke-after-%j.out" --chdir="$WORK" --wrap 'cat smoke-*.txt > smoke-all.txt')
SUBMITTED+=("$AFTER")
wait_jobs "$ARRAY" "$AFTER"
EXPECTED=$(for i in $(seq 0 $((SHARDS - 1))); do echo "$i/$SHARDS"; done)
[ "$(cat "$WORK/smoke-all.txt")" = "$EXPECTED" ] || { dump_logs; die "smoke jobs wrote: $(cat "$WORK/smoke-all.txt")"; }
log "smoke test passed in $(elapsed "$T_SMOKE") s: array $ARRAY ($SHARDS tasks), then job $AFTER (afterok)"

[ "$MODE" = full ] || exit 0

# --- The render farm ---------------------------------------------------------------------------------------------
T_FARM=$(date +%s.%N)
export REFRACT_TOOL REFRACT_SCENE=$SCENE REFRACT_SPP=$SPP REFRACT_SEED=$SEED REFRACT_SHARDS=$SHARDS
export REFRACT_PARTS=$WORK/parts REFRACT_OUTPUT=$WORK/merged.npy REFRACT_LOG_DIR=$WORK/logs
# The jobs share one kernel cache in the test folder (a farm points it at node-local disk).
export REFRACT_CACHE_DIR=$WORK/kernel-cache
# One CPU per task: two tasks at once on the two CPUs, writing parts (and the kernel cache) side by side.
export REFRACT_CPUS_PER_TASK=1
SUBMIT_OUT=$(bash "$REPO/Examples/slurm/submit.sh" "${RENDER_ARGS[@]}") || { dump_logs; die "submit.sh failed"; }
printf '%s\n' "$SUBMIT_OUT" >&2
RENDER_JOB=$(sed -n 's/^render array job: *//p' <<<"$SUBMIT_OUT")
MERGE_JOB=$(sed -n 's/^merge job: *//p' <<<"$SUBMIT_OUT")
if [ -z "$RENDER_JOB" ] || [ -z "$MERGE_JOB" ]; then die "no job ids in submit.sh's output"; fi
SUBMITTED+=("$RENDER_JOB" "$MERGE_JOB")
wait_jobs "$RENDER_JOB" "$MERGE_JOB"
log "farm jobs done in $(elapsed "$T_FARM") s"
PARTS=$(find "$REFRACT_PARTS" -maxdepth 1 -name "part-*-of-$SHARDS.exr" | wc -l)
[ "$PARTS" = "$SHARDS" ] || { dump_logs; die "$PARTS parts in $REFRACT_PARTS, expected $SHARDS"; }
[ -f "$REFRACT_OUTPUT" ] || { dump_logs; die "the merge job wrote no $REFRACT_OUTPUT"; }

# The same job in one process, without --shard.
T_SINGLE=$(date +%s.%N)
"$REFRACT_TOOL" render --scene "$SCENE" --spp "$SPP" --seed "$SEED" "${RENDER_ARGS[@]}" \
    --output "$WORK/single.npy" </dev/null || die "the single render failed"
log "single render in $(elapsed "$T_SINGLE") s"

if ! cmp "$WORK/merged.npy" "$WORK/single.npy"; then
    dump_logs
    die "the merged image differs from the single render"
fi
log "merged image == single render, byte for byte ($(stat -c %s "$WORK/merged.npy") bytes)"
