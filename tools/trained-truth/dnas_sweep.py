#!/usr/bin/env python3
"""hwnas.dnas against a truth table: a sweep of cost targets, each derived
architecture trained from scratch by the table's recipe.

For every target the cost-aware differentiable search (python -m hwnas.dnas)
derives an architecture on one supernet; the sweep prices it with hwnas's
cost model, trains it --seeds times from scratch exactly as the table's
networks were trained, and sets its mean accuracy beside the best and the
median network of the table that cost no more on the same device.

    python3 tools/trained-truth/dnas_sweep.py --task mnist1d --metric latency_ms --targets 1,2,4,8
"""
import argparse
import csv
import json
import os
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from make_table import PROFILE, TASKS, ROOT, _init_worker, _train_one, hwnas, space_options  # noqa: E402  (puts this checkout's python/ and the trainer on the path)
from hwnas import dnas  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("--task", choices=sorted(TASKS), default="mnist1d")
    ap.add_argument("--table", help="default: bench/trained/<task>.csv")
    ap.add_argument("--metric", default="latency_ms")
    ap.add_argument("--targets", required=True, help="comma-separated values of --metric, e.g. 1,2,4,8")
    ap.add_argument("--profile", default=PROFILE)
    ap.add_argument("--checkpoint", help="a supernet of the task (default: one trained for --supernet-epochs)")
    ap.add_argument("--supernet-epochs", type=int, default=10)
    ap.add_argument("--epochs", type=int, default=5, help="architecture-search epochs per target")
    ap.add_argument("--seeds", type=int, help="from-scratch trainings per derived network (default: the table's)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", help="the sweep as JSON (default: print only)")
    args = ap.parse_args()
    task = TASKS[args.task]
    seeds = args.seeds or task["seeds"]
    targets = [float(t) for t in args.targets.split(",")]
    options = space_options(task["space_options"])
    table_path = args.table or os.path.join(ROOT, "bench", "trained", f"{args.task}.csv")
    with open(table_path, newline="") as f:
        rows = list(csv.DictReader(f))
    host = hwnas.Host()
    cm = host.cost_model(args.profile, task["space"], options)
    if args.metric not in cm.metric_names:
        sys.exit(f"dnas_sweep.py: --metric {args.metric}: {args.profile} gives {', '.join(cm.metric_names)}")
    col = cm.metric_names.index(args.metric)
    table_cost = cm.estimate([r["arch"] for r in rows])[:, col]
    table_acc = np.array([float(r["accuracy"]) for r in rows])

    work = tempfile.mkdtemp(prefix="dnas-sweep-")
    checkpoint = args.checkpoint or os.path.join(work, "supernet.pt")
    common = ["--space", task["space"], "--dataset", task["dataset"], "--profile", args.profile,
              "--epochs", str(args.epochs), "--threads", str(args.threads), "--checkpoint", checkpoint, "--quiet"]
    for o in task["space_options"]:
        common += ["--space-option", o]
    if not args.checkpoint:
        t = time.time()
        from hwnas import supernet
        supernet.main(["train", "--space", task["space"], *sum((["--space-option", o] for o in task["space_options"]), []),
                       "--dataset", task["dataset"], "--epochs", str(args.supernet_epochs), "--threads",
                       str(args.threads), "--output", checkpoint, "--quiet"])
        print(f"supernet: {args.supernet_epochs} epochs in {time.time() - t:.0f} s", file=sys.stderr, flush=True)
    results = []
    for target in targets:
        out = os.path.join(work, f"dnas-{target:g}.json")
        t = time.time()
        if dnas.main(common + ["--target", f"{args.metric}={target:g}", "--output", out]) != 0:
            sys.exit(f"dnas_sweep.py: hwnas.dnas failed at {args.metric}={target:g}")
        with open(out) as f:
            r = json.load(f)
        r["search_seconds"] = time.time() - t
        results.append(r)
        print(f"{args.metric}={target:g}: {r['arch']} at {r['cost'][args.metric]:.4g} ({r['search_seconds']:.0f} s)",
              file=sys.stderr, flush=True)

    archs = list(dict.fromkeys(r["arch"] for r in results))
    networks = {a: host.network(task["space"], a, options) for a in archs}
    with ProcessPoolExecutor(args.jobs, initializer=_init_worker, initargs=(task["dataset"],)) as pool:
        futures = {(a, s): pool.submit(_train_one, a, networks[a], s, task["epochs"], task["batch_size"])
                   for a in archs for s in range(seeds)}
        scratch = {a: float(np.mean([futures[(a, s)].result()["accuracy"] for s in range(seeds)])) for a in archs}

    lines = [f"| {args.metric} target | derived architecture | {args.metric} | inherited | from scratch "
             f"(mean of {seeds}) | table best at <= cost | table median at <= cost | gap to best (points) |",
             "| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    report = []
    for target, r in zip(targets, results):
        cost = r["cost"][args.metric]
        under = table_cost <= cost
        best = float(table_acc[under].max()) if under.any() else float("nan")
        median = float(np.median(table_acc[under])) if under.any() else float("nan")
        acc = scratch[r["arch"]]
        report.append({"target": target, "arch": r["arch"], "cost": cost, "within_target": r["within_target"],
                       "inherited_test_accuracy": r["inherited_test_accuracy"], "from_scratch": acc,
                       "table_best_at_cost": best, "table_median_at_cost": median, "table_networks_at_cost": int(under.sum()),
                       "search_seconds": r["search_seconds"]})
        lines.append(f"| {target:g} | `{r['arch']}` | {cost:.3f} | {r['inherited_test_accuracy']:.3f} | {acc:.3f} | "
                     f"{best:.3f} ({int(under.sum())} networks) | {median:.3f} | {100 * (acc - best):+.2f} |")
    costs = [x["cost"] for x in report]
    summary = {"task": args.task, "metric": args.metric, "profile": args.profile, "seeds": seeds,
               "monotonic": all(a <= b for a, b in zip(costs, costs[1:])),
               "all_within_10_percent": all(x["within_target"] for x in report), "sweep": report}
    print("\n".join(lines))
    print(f"\ncost rises with the target: {summary['monotonic']}; every one within 10 % under its target: "
          f"{summary['all_within_10_percent']}")
    if args.out:
        with open(args.out, "w") as f:
            json.dump(summary, f, indent=1)


if __name__ == "__main__":
    main()
