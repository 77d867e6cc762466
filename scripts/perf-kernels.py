#!/usr/bin/env python3
"""Where the time goes inside JIT kernels: Linux perf samples mapped onto each kernel's disassembly.

    REFRACT_PERF_MAP=/tmp/kernels perf record -o perf.data .build/release/Tool render --scene FILE.xml ...
    python3 scripts/perf-kernels.py perf.data /tmp/kernels [--top 30]

With REFRACT_PERF_MAP set, the Tracer writes /tmp/perf-PID.map (so `perf report` names the kernels) and each
kernel's object file to the folder. This script prints each kernel's share of all samples, then for the busiest
kernel its hottest instructions (with the one before: a sample usually lands just after a slow instruction) and the
share of samples that follow divisions, square roots, gathers and stack accesses. Needs perf and objdump.
"""
import argparse, collections, glob, re, subprocess

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("data", help="perf.data from `perf record`")
parser.add_argument("objects", help="the REFRACT_PERF_MAP folder")
parser.add_argument("--top", type=int, default=30, help="hot instructions to list")
parser.add_argument("--kernel", help="the kernel to annotate (default: the busiest)")
arguments = parser.parse_args()

samples = subprocess.run(["perf", "script", "-i", arguments.data, "-F", "pid,ip"],
                         capture_output=True, text=True, check=True).stdout.splitlines()
maps = {}  # pid -> [(start, size, name)], from that process's /tmp/perf-PID.map


def kernels_of(pid):
    if pid not in maps:
        maps[pid] = []
        for line in open(f"/tmp/perf-{pid}.map") if glob.glob(f"/tmp/perf-{pid}.map") else []:
            start, size, name = line.split()
            if name.startswith("refract_kernel_"):
                maps[pid].append((int(start, 16), int(size, 16), name))
    return maps[pid]


hits, per_kernel = collections.Counter(), collections.Counter()
for line in samples:
    pid, ip = line.split()
    ip = int(ip, 16)
    for start, size, name in kernels_of(pid):
        if start <= ip < start + size:
            hits[(name, ip - start)] += 1
            per_kernel[name] += 1
            break
print(f"{len(samples)} samples, {sum(per_kernel.values())} in kernels")
for name, count in per_kernel.most_common(10):
    print(f"  {100 * count / len(samples):6.2f}%  {name}")
if not per_kernel:
    raise SystemExit("no samples in kernels: was REFRACT_PERF_MAP set, and the map of this run's process kept?")

kernel = arguments.kernel or per_kernel.most_common(1)[0][0]
listing = subprocess.run(["objdump", "-d", "--no-show-raw-insn", f"{arguments.objects}/{kernel}.o"],
                         capture_output=True, text=True, check=True).stdout
text, order = {}, []
for line in listing.splitlines():
    match = re.match(r"\s+([0-9a-f]+):\s+(.*)", line)
    if match:
        offset = int(match.group(1), 16)
        text[offset] = match.group(2).strip()
        order.append(offset)
previous = {offset: text[order[i - 1]] if i else "" for i, offset in enumerate(order)}
counts = {offset: count for (name, offset), count in hits.items() if name == kernel}
total = sum(counts.values())
print(f"\n{kernel}: {total} samples, {len(order)} instructions")
print(f"{'share':>6}  {'offset':>6}  instruction  (after)")
for offset, count in sorted(counts.items(), key=lambda item: -item[1])[:arguments.top]:
    print(f"{100 * count / total:5.2f}%  {offset:6x}  {text.get(offset, '?')[:56]:56s}  ({previous.get(offset, '?')[:44]})")
kinds = collections.Counter()
for offset, count in counts.items():
    before, here = previous.get(offset, ""), text.get(offset, "")
    kind = next((f"after {op}" for op in ("gather", "div", "sqrt", "scatter", "call") if op in before.split(" ")[0]),
                "stack access" if "(%rsp)" in here else "other")
    kinds[kind] += count
print("\nby the instruction before the sample:")
for kind, count in kinds.most_common():
    print(f"  {kind:14s} {100 * count / total:5.1f}%")
