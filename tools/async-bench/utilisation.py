#!/usr/bin/env python3
"""Worker utilisation of `hwnas search --parallel N` in rounds against
--schedule async, in the same run, with a trainer stub whose time varies 5x
between candidates (Tests/fixtures/fake_trainer.py --varied-delay: each
candidate sleeps base x 1..5 by its arch's hash and reports the seconds).

utilisation = (seconds the stub spent on candidates, summed) / (N x wall)

    python3 tools/async-bench/utilisation.py [--workers 2,4,8] [--per-worker 20] [--base 0.5]

Prints a table: workers, schedule, wall seconds, utilisation, and the
async/rounds wall-time ratio."""
import argparse
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run(hwnas, workers, schedule, budget, base, out):
    stub = os.path.join(ROOT, "Tests", "fixtures", "fake_trainer.py")
    cmd = [hwnas, "search", "--space", "nb201", "--strategy", "random", "--seed", "1", "--budget", str(budget),
           "--parallel", str(workers), "--schedule", schedule, "--evaluator", "command",
           "--evaluator-option", f"command={sys.executable} {stub} --varied-delay {base}",
           "--evaluator-option", "extra_metrics=seconds", "--evaluator-option", "stderr=null",
           "--quiet", "--output", out]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
    r = json.load(open(out))
    busy = sum(h["metrics"].get("seconds", 0.0) for h in r["history"])
    return r["wall_seconds"], busy / (workers * r["wall_seconds"])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hwnas", default=os.path.join(ROOT, ".build", "release", "hwnas"))
    ap.add_argument("--workers", default="2,4,8")
    ap.add_argument("--per-worker", type=int, default=20, help="candidates per worker (budget = workers x this)")
    ap.add_argument("--base", type=float, default=0.5, help="the fastest candidate's seconds (the slowest: 5x)")
    args = ap.parse_args()
    print("| workers | schedule | wall s | utilisation | async / rounds wall |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for n in [int(w) for w in args.workers.split(",")]:
            budget = n * args.per_worker
            rounds = run(args.hwnas, n, "rounds", budget, args.base, os.path.join(tmp, "r.json"))
            asynchronous = run(args.hwnas, n, "async", budget, args.base, os.path.join(tmp, "a.json"))
            print(f"| {n} | rounds | {rounds[0]:.2f} | {rounds[1]:.1%} | |")
            print(f"| {n} | async | {asynchronous[0]:.2f} | {asynchronous[1]:.1%} | {asynchronous[0] / rounds[0]:.2f} |")


if __name__ == "__main__":
    main()
