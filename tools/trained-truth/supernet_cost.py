#!/usr/bin/env python3
"""What a supernet costs against training one network, and how well it ranks.

For a task of make_table.py (its truth table in bench/trained/):
1. trains the table's median network (by parameter count) from scratch
   with the table's recipe, `--seeds` times before and `--seeds` times after
   the supernets, one thread: the median training time is the unit;
2. trains a supernet (`python -m hwnas.supernet train`, one thread) with the
   given epochs and random subnets per step, timing its training loop (the
   checkpoint's history) and the whole command (start-up and the scan of
   the space included);
3. ranks the table with it (`correlate`): Spearman against the mean and the
   table's seed-to-seed Spearman (the noise ceiling; the target is 0.8 x it).
   One supernet per `--supernet-seeds` seed: a supernet's ranking varies
   with its seed, so one figure is not evidence.

    python3 tools/trained-truth/supernet_cost.py --task japanesevowels --epochs 12 --random 2 --supernet-seeds 0,1,2
"""
import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "examples", "trainer"))
sys.path.insert(0, os.path.join(ROOT, "python"))
from make_table import TASKS, TrainArgs  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--task", default="japanesevowels", choices=sorted(TASKS))
    ap.add_argument("--epochs", type=int, default=12, help="supernet epochs")
    ap.add_argument("--random", type=int, default=2, help="random subnets per step")
    ap.add_argument("--batch-size", type=int, help="supernet batch (default: the table's)")
    ap.add_argument("--seeds", type=int, default=3, help="from-scratch trainings of the median network")
    ap.add_argument("--finetune-steps", type=int, default=0, help="passed to correlate")
    ap.add_argument("--supernet-seeds", default="0", help="comma-separated: one supernet per seed")
    ap.add_argument("--keep", help="keep the (last) checkpoint here")
    a = ap.parse_args()
    task = TASKS[a.task]
    table = os.path.join(ROOT, "bench", "trained", a.task + ".csv")
    with open(table, newline="") as f:
        rows = sorted(csv.DictReader(f), key=lambda r: float(r["params"]))
    mid = rows[len(rows) // 2]

    import torch
    import hwnas
    import train_torch
    torch.set_num_threads(1)
    host = hwnas.Host()
    opts = dict(o.split("=", 1) for o in task["space_options"])
    network = host.network(task["space"], mid["arch"], opts)
    data = train_torch.load_dataset(task["dataset"])

    def from_scratch():
        """The median network's training times, one per seed (this machine's
        speed drifts: the unit is measured before and after the supernets)."""
        out = []
        for seed in range(a.seeds):
            _, metrics, _ = train_torch.train({"arch": mid["arch"], "network": network}, data,
                                              TrainArgs(task["epochs"], task["batch_size"], seed))
            out.append(metrics["train_seconds"])
        print(f"median network {mid['arch']} ({int(float(mid['params']))} params), {task['epochs']} epochs from scratch: "
              f"{', '.join(f'{t:.2f}' for t in out)} s", flush=True)
        return out

    times = from_scratch()

    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "python") + os.pathsep + os.environ.get("PYTHONPATH", ""))
    runs = []
    for seed in [int(x) for x in a.supernet_seeds.split(",")]:
        with tempfile.TemporaryDirectory() as tmp:
            ckpt = a.keep or os.path.join(tmp, "supernet.pt")
            if os.path.exists(ckpt):
                os.remove(ckpt)
            cmd = [sys.executable, "-m", "hwnas.supernet", "train", "--space", task["space"], "--dataset", task["dataset"],
                   "--epochs", str(a.epochs), "--random", str(a.random), "--threads", "1", "--quiet",
                   "--batch-size", str(a.batch_size or task["batch_size"]), "--seed", str(seed), "--output", ckpt]
            for o in task["space_options"]:
                cmd += ["--space-option", o]
            t0 = time.perf_counter()
            r = subprocess.run(cmd, env=env, capture_output=True, text=True)
            wall = time.perf_counter() - t0
            if r.returncode != 0:
                sys.exit(f"supernet_cost.py: supernet training failed: {r.stderr.strip()[-2000:]}")
            loop = torch.load(ckpt, weights_only=False)["history"][-1]["seconds"]
            corr = subprocess.run([sys.executable, "-m", "hwnas.supernet", "correlate", "--checkpoint", ckpt, "--table", table,
                                   "--threads", "1", "--quiet", "--finetune-steps", str(a.finetune_steps)],
                                  env=env, capture_output=True, text=True)
            if corr.returncode != 0:
                sys.exit(f"supernet_cost.py: correlate failed: {corr.stderr.strip()[-2000:]}")
            c = json.loads(corr.stdout)
        runs.append({"seed": seed, "training_seconds": loop, "command_seconds": wall, "spearman_mean": c["spearman_mean"],
                     "seconds_per_subnet": c["seconds_per_subnet"]})
        print(json.dumps(runs[-1]), flush=True)
    times += from_scratch()
    unit = statistics.median(times)
    for r in runs:
        r["ratio_training"], r["ratio_command"] = r["training_seconds"] / unit, r["command_seconds"] / unit
    sp = [r["spearman_mean"] for r in runs]
    out = {"task": a.task, "median_network": mid["arch"], "from_scratch_seconds": unit,
           "runs": [{k: round(v, 4) if isinstance(v, float) else v for k, v in r.items()} for r in runs],
           "supernet": {"epochs": a.epochs, "random": a.random, "finetune_steps": a.finetune_steps},
           "ratio_training": statistics.median([r["ratio_training"] for r in runs]),
           "ratio_command": statistics.median([r["ratio_command"] for r in runs]),
           "spearman_mean_over_seeds": sum(sp) / len(sp), "spearman_min": min(sp),
           "seed_to_seed": c["seed_to_seed"], "target": 0.8 * c["seed_to_seed"]}
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
