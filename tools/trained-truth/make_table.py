#!/usr/bin/env python3
"""Train a sample of a search space for real and write a truth table.

The ground truth that evaluators, supernets and schedulers are judged
against on the user's kind of task, not only on NAS-Bench-201. For one
(space, data set) task:

1. sample: `--pool` random architectures of the space are priced by
   hwnas's own cost model (through the Python binding) and `--archs` of
   them are picked evenly spaced in log(params), so the table covers the
   space's size range, not just its crowded middle;
2. train: each one `--seeds` times from scratch by
   `examples/trainer/train_torch.py`'s recipe (the same `train()` the
   command evaluator runs; weights and batch order from (seed, arch)),
   `--jobs` processes at a time, one thread each;
3. write `<out>.csv` (arch, accuracy = mean over seeds, accuracy_seed<i>,
   train_seconds = mean, params, macs, peak_sram_kb, flash_kb on
   stm32f746) and `<out>-curves.csv` (arch, seed, epoch, val_accuracy after
   every epoch: the multi-fidelity schedulers' learning curves), and print
   the seed-to-seed Spearman (the noise ceiling of any ranking).

Every finished training is appended to `<out>.partial.jsonl` first, so a
killed run loses nothing: the same command resumes it (and refuses a
partial file made with other settings).

    python3 tools/trained-truth/make_table.py --task digits          # bench/trained/digits.csv
    python3 tools/trained-truth/make_table.py --task mnist1d --jobs 2
    python3 tools/trained-truth/make_table.py --dataset my.npz --space micronas-1d \\
        --space-option input_channels=3 --space-option length=64 --space-option classes=5 \\
        --epochs 8 --out my-truth
    .build/release/hwnas correlate --table bench/trained/digits.csv --space bench/digits-blocks.yaml \\
        --columns accuracy --sample 150 --evaluator meco
"""
import argparse
import csv
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "examples", "trainer"))
sys.path.insert(0, os.path.join(ROOT, "python"))     # this checkout's package, which finds its own build
import hwnas  # noqa: E402
from hwnas.host import space_options  # noqa: E402
from hwnas.ranks import spearman  # noqa: E402

# The bundled tasks: a 2-D block space on digits, and micronas-1d on two
# 1-D sets. Epochs are chosen so the networks separate (at the trainer's
# digits default of 6 every network reaches ~98 % and the order is noise).
TASKS = {
    "digits": {"space": os.path.join(ROOT, "bench", "digits-blocks.yaml"), "space_options": [],
               "dataset": "digits", "epochs": 2, "batch_size": 64, "seeds": 3},
    "mnist1d": {"space": "micronas-1d", "space_options": ["input_channels=1", "length=40", "classes=10"],
                "dataset": "mnist1d", "epochs": 4, "batch_size": 64, "seeds": 3},
    # 270 training series: 15 epochs are 255 steps. At 6 (100 steps) depth
    # alone decided (deep networks had not trained yet; params 0.11).
    "japanesevowels": {"space": "micronas-1d", "space_options": ["input_channels=12", "length=29", "classes=9"],
                       "dataset": "japanesevowels", "epochs": 15, "batch_size": 16, "seeds": 3},
}
PROFILE = "stm32f746"          # for the size columns; params and MACs do not depend on it


class TrainArgs:
    """The trainer's arguments (its argparse defaults) for `train()`."""

    def __init__(self, epochs, batch_size, seed):
        self.epochs, self.batch_size, self.seed = epochs, batch_size, seed
        self.optimizer, self.lr, self.weight_decay, self.clip = "sgd", 0.05, 0.0, 5.0
        self.max_seconds, self.curve = 0.0, True


_worker = {}


def _init_worker(dataset):
    import torch
    import train_torch
    torch.set_num_threads(1)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass
    _worker["data"] = train_torch.load_dataset(dataset)


def _train_one(arch, network, seed, epochs, batch_size):
    import train_torch
    acc, metrics, _ = train_torch.train({"arch": arch, "network": network}, _worker["data"],
                                     TrainArgs(epochs, batch_size, seed))
    curve = [metrics[f"val_accuracy_epoch{e + 1}"] for e in range(epochs)]
    return {"arch": arch, "seed": seed, "accuracy": acc, "train_seconds": metrics["train_seconds"], "curve": curve}


def sample_by_size(host, space, options, n, pool, seed):
    """n distinct architectures evenly spaced in log(params) among `pool`
    random ones (deterministic for a seed), with their size columns."""
    info = host.space(space, options)
    rng = np.random.default_rng(seed)
    choices = [len(c) for c in info["choices"]]
    g = np.stack([rng.integers(0, k, size=pool) for k in choices], axis=1).astype(np.int32)
    cm = host.cost_model(PROFILE, space, options)
    costs = cm.estimate(g)
    col = {m: i for i, m in enumerate(cm.metric_names)}
    seen, archs, rows = set(), [], []
    for i in range(pool):
        a = host.arch(space, g[i], options)
        if a not in seen:
            seen.add(a)
            archs.append(a)
            rows.append(costs[i])
    rows = np.array(rows)
    if len(archs) < n:
        sys.exit(f"make_table.py: the space has only {len(archs)} distinct architectures among {pool} random ones; "
                 f"ask for fewer --archs or a larger --pool")
    logp = np.log(rows[:, col["params"]])
    targets = np.linspace(logp.min(), logp.max(), n)
    order = np.argsort(logp, kind="stable")
    free = np.ones(len(archs), bool)
    picked = []
    for t in targets:                    # the nearest free architecture to each target size
        pos = int(np.searchsorted(logp[order], t))
        best, best_d = None, None
        for step in range(len(order)):
            for k in (pos - step, pos + step):
                if 0 <= k < len(order) and free[order[k]]:
                    d = abs(logp[order[k]] - t)
                    if best is None or d < best_d:
                        best, best_d = order[k], d
            if best is not None and step > 0:
                break
        free[best] = False
        picked.append(best)
    picked.sort(key=lambda i: logp[i])
    size = {a: {m: float(rows[i, col[m]]) for m in ("params", "macs", "peak_sram_kb", "flash_kb") if m in col}
            for a, i in ((archs[i], i) for i in picked)}
    return [archs[i] for i in picked], size


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("--task", choices=sorted(TASKS), help="a bundled task (space, data, epochs)")
    ap.add_argument("--dataset", help="instead of --task: a bundled data set name or a .npz file")
    ap.add_argument("--space", help="the space (with --dataset; overrides the task's)")
    ap.add_argument("--space-option", action="append", default=None, help="KEY=VALUE (overrides the task's)")
    ap.add_argument("--epochs", type=int, help="epochs per training (default: the task's, 10 with --dataset)")
    ap.add_argument("--batch-size", type=int, help="default: the task's, 32 with --dataset")
    ap.add_argument("--archs", type=int, default=150, help="architectures (default 150)")
    ap.add_argument("--pool", type=int, default=4000, help="random architectures to pick them from (default 4000)")
    ap.add_argument("--seed", type=int, default=1, help="sampling seed (default 1)")
    ap.add_argument("--seeds", type=int, help="trainings per architecture (default: the task's, 3 with --dataset)")
    ap.add_argument("--jobs", type=int, default=2, help="training processes (default 2)")
    ap.add_argument("--out", help="output stem (default bench/trained/<task>): <out>.csv, <out>-curves.csv")
    args = ap.parse_args()
    if (args.task is None) == (args.dataset is None):
        ap.error("give exactly one of --task or --dataset")
    if args.task:
        task = dict(TASKS[args.task])
    else:
        if not args.space:
            ap.error("--dataset needs --space")
        task = {"space": args.space, "space_options": [], "dataset": args.dataset, "epochs": 10, "batch_size": 32,
                "seeds": 3}
    if args.space:
        task["space"] = args.space
    if args.space_option is not None:
        task["space_options"] = args.space_option
    if args.epochs is not None:
        task["epochs"] = args.epochs
    if args.batch_size is not None:
        task["batch_size"] = args.batch_size
    if args.seeds is not None:
        task["seeds"] = args.seeds
    args.seeds = task["seeds"]
    if task["epochs"] < 1 or task["batch_size"] < 2 or args.archs < 2 or args.seeds < 1 or args.jobs < 1:
        ap.error("--epochs >= 1, --batch-size >= 2, --archs >= 2, --seeds >= 1 and --jobs >= 1")
    stem = args.out or os.path.join(ROOT, "bench", "trained", args.task or "table")
    os.makedirs(os.path.dirname(os.path.abspath(stem)), exist_ok=True)
    try:
        options = space_options(task["space_options"])
    except ValueError as e:
        sys.exit(f"make_table.py: {e}")

    # Fail on the data before hours of work: load it once and check one network.
    import train_torch
    try:
        data = train_torch.load_dataset(task["dataset"])
    except ValueError as e:
        sys.exit(f"make_table.py: {e}")
    host = hwnas.Host()
    archs, size = sample_by_size(host, task["space"], options, args.archs, args.pool, args.seed)
    networks = {a: host.network(task["space"], a, options) for a in archs}
    probe = train_torch.hwnas_torch.build(networks[archs[0]])
    try:
        data.for_input(probe.spatial_dims, probe.input_shape)
    except ValueError as e:
        sys.exit(f"make_table.py: {e}")
    out_shape = networks[archs[0]]["tensors"][networks[archs[0]]["layers"][-1]["output"]]
    if out_shape["c"] * out_shape["h"] * out_shape["w"] < data.classes:
        sys.exit(f"make_table.py: the space's networks have {out_shape['c']} outputs for {data.classes} classes "
                 f"of {data.name}: give the space's classes option")
    del data, probe

    config = {"space": task["space"], "space_options": task["space_options"], "dataset": task["dataset"],
              "epochs": task["epochs"], "batch_size": task["batch_size"], "archs": archs}
    partial = stem + ".partial.jsonl"
    done = {}
    if os.path.exists(partial):
        with open(partial) as f:
            lines = [l for l in f if l.strip()]
        try:
            header = json.loads(lines[0]) if lines else None
        except json.JSONDecodeError:
            header = None
        if header != {"config": config}:
            sys.exit(f"make_table.py: {partial} was made with other settings (space, data, epochs or sample); "
                     f"remove it or give another --out")
        for l in lines[1:]:
            try:
                r = json.loads(l)
            except json.JSONDecodeError:       # a line cut by a kill: trained again
                continue
            done[(r["arch"], r["seed"])] = r
    else:
        with open(partial, "w") as f:
            f.write(json.dumps({"config": config}) + "\n")
    todo = [(a, s) for s in range(args.seeds) for a in archs if (a, s) not in done]
    print(f"{task['dataset']} on {task['space']} {' '.join(task['space_options'])}: {len(archs)} architectures "
          f"({size[archs[0]]['params']:.0f}-{size[archs[-1]]['params']:.0f} params) x {args.seeds} seeds, "
          f"{task['epochs']} epochs; {len(done)} trainings from {partial}, {len(todo)} to go on {args.jobs} processes",
          file=sys.stderr, flush=True)
    start, last = time.time(), 0.0
    with open(partial, "a") as log, ProcessPoolExecutor(args.jobs, initializer=_init_worker,
                                                       initargs=(task["dataset"],)) as pool:
        futures = [pool.submit(_train_one, a, networks[a], s, task["epochs"], task["batch_size"]) for a, s in todo]
        for k, fut in enumerate(as_completed(futures), 1):
            r = fut.result()
            done[(r["arch"], r["seed"])] = r
            log.write(json.dumps(r) + "\n")
            log.flush()
            now = time.time()
            if now - last > 10 or k == len(todo):
                last = now
                eta = (now - start) / k * (len(todo) - k)
                print(f"  {k}/{len(todo)} trained, {now - start:.0f} s, ETA {eta:.0f} s", file=sys.stderr, flush=True)

    per_seed = [[done[(a, s)]["accuracy"] for a in archs] for s in range(args.seeds)]
    mean = np.mean(per_seed, axis=0)
    with open(stem + ".csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["arch", "accuracy"] + [f"accuracy_seed{s}" for s in range(args.seeds)]
                   + ["train_seconds", "params", "macs", "peak_sram_kb", "flash_kb"])
        for i, a in enumerate(archs):
            secs = np.mean([done[(a, s)]["train_seconds"] for s in range(args.seeds)])
            w.writerow([a, f"{mean[i]:.6f}"] + [f"{per_seed[s][i]:.6f}" for s in range(args.seeds)]
                       + [f"{secs:.3f}", f"{size[a]['params']:.0f}", f"{size[a]['macs']:.0f}",
                          f"{size[a]['peak_sram_kb']:.3f}", f"{size[a]['flash_kb']:.3f}"])
    with open(stem + "-curves.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["arch", "seed", "epoch", "val_accuracy"])
        for a in archs:
            for s in range(args.seeds):
                for e, v in enumerate(done[(a, s)]["curve"]):
                    w.writerow([a, s, e + 1, f"{v:.6f}"])
    os.remove(partial)
    pairs = [(i, j) for i in range(args.seeds) for j in range(i + 1, args.seeds)]
    rhos = [spearman(per_seed[i], per_seed[j]) for i, j in pairs]
    secs = [r["train_seconds"] for r in done.values()]
    print(f"{stem}.csv: {len(archs)} architectures, mean accuracy {mean.min():.3f}-{mean.max():.3f} "
          f"(median {np.median(mean):.3f}); training {np.mean(secs):.2f} s on average, {np.sum(secs) / 60:.1f} min in all",
          file=sys.stderr)
    if rhos:
        print("seed-to-seed Spearman (the noise ceiling of any ranking): "
              + ", ".join(f"{i}-{j} {r:.3f}" for (i, j), r in zip(pairs, rhos)) + f"; mean {np.mean(rhos):.3f}",
              file=sys.stderr)


if __name__ == "__main__":
    main()
