#!/usr/bin/env python3
"""Cost of pricing architectures from Python through hwnas.Host, against the
`hwnas cost` command, in the same run.

usage: binding_overhead.py [--space nb201] [--profile stm32f746] [--count 1000] [--cli 20]

Prints, per 1000 estimates: the binding with one batched call (fresh cost
model: nothing cached), the binding with one call per architecture, the
binding on cached architectures (the per-call overhead alone), and the
command (one process per architecture, measured on --cli of them)."""
import argparse
import os
import subprocess
import time

import numpy as np

import hwnas


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--space", default="nb201")
    ap.add_argument("--profile", default="stm32f746")
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--cli", type=int, default=20)
    ap.add_argument("--hwnas", default=os.environ.get("HWNAS_BIN", "hwnas"))
    a = ap.parse_args()
    host = hwnas.Host()
    space = host.space(a.space)
    rng = np.random.default_rng(1)
    g = np.stack([rng.integers(0, len(c), size=a.count) for c in space["choices"]], axis=1).astype(np.int32)
    archs = [host.arch(a.space, x) for x in g]
    per = 1000 / a.count

    cm = host.cost_model(a.profile, a.space)
    t = time.perf_counter(); cm.estimate(g); batched = (time.perf_counter() - t) * per
    cm = host.cost_model(a.profile, a.space)
    t = time.perf_counter()
    for s in archs:
        cm.estimate([s])
    single = (time.perf_counter() - t) * per
    t = time.perf_counter()
    for s in archs:
        cm.estimate([s])
    cached = (time.perf_counter() - t) * per
    t = time.perf_counter()
    for s in archs[:a.cli]:
        subprocess.run([a.hwnas, "cost", "--space", a.space, "--arch", s, "--profile", a.profile], capture_output=True, check=True)
    command = (time.perf_counter() - t) * 1000 / a.cli
    print(f"{a.space} on {a.profile}, seconds per 1000 estimates:")
    print(f"  binding, one batched call:      {batched:8.3f}")
    print(f"  binding, one call per arch:     {single:8.3f}")
    print(f"  binding, cached (call overhead): {cached:8.3f}")
    print(f"  hwnas cost, one process each:   {command:8.3f}  ({a.cli} measured)")
    print(f"  ratio command / batched binding: {command / batched:.0f}x; per call overhead {cached:.3f} ms")


if __name__ == "__main__":
    main()
