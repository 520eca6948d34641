#!/usr/bin/env python3
"""Train a random sample of a search space for real and write a truth table.

A second source of truth for training-free evaluators, besides
NAS-Bench-201: `hwnas search --strategy random` proposes the architectures,
`examples/trainer/train_torch.py` trains each one (the evaluator protocol, as
in any search), once per training seed; the table holds the mean validation
accuracy per architecture and each seed's. `hwnas correlate --table` then
ranks any evaluator against it:

    python3 tools/trained-truth/make_table.py --out bench/digits-blocks-trained.csv
    .build/release/hwnas correlate --table bench/digits-blocks-trained.csv --columns accuracy \\
        --space bench/digits-blocks.yaml --sample 60 --evaluator meco

Defaults: 60 architectures of the 2-D block space bench/digits-blocks.yaml
on scikit-learn's digits (upsampled to 16x16), 2 epochs each (at the
trainer's 6 every network reaches ~98 % and the ranking is noise), two
training seeds. The sample is the random strategy's with --seed, so the same
command gives the same architectures. The two seeds' Spearman with each
other is the ceiling any proxy can reach on the table (0.60 on the shipped
one). `--dataset arrowhead` (micronas-1d on UCR ArrowHead, 36 training
series) was tried: its two seeds agree at 0.01, no truth at all.
"""
import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SPACES = {
    "digits": (os.path.join(ROOT, "bench", "digits-blocks.yaml"), []),
    "arrowhead": ("micronas-1d", ["input_channels=1", "length=251", "classes=3"]),
    "basicmotions": ("micronas-1d", []),
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dataset", choices=sorted(SPACES), default="digits")
    ap.add_argument("--epochs", type=int, help="epochs per training (default: 2 for digits, else the trainer's)")
    ap.add_argument("--space", help="space (default: the dataset's, micronas-1d)")
    ap.add_argument("--space-option", action="append", default=None, help="KEY=VALUE (default: the dataset's)")
    ap.add_argument("--n", type=int, default=60, help="architectures (default 60)")
    ap.add_argument("--seed", type=int, default=1, help="sampling seed (the random strategy's)")
    ap.add_argument("--train-seeds", type=int, default=2, help="trainings per architecture (default 2)")
    ap.add_argument("--parallel", type=int, default=2)
    ap.add_argument("--hwnas", default=os.path.join(ROOT, ".build", "release", "hwnas"))
    ap.add_argument("--out", required=True, help="CSV to write (arch, accuracy, accuracy_seed<i>...)")
    args = ap.parse_args()
    space, space_options = SPACES[args.dataset]
    space = args.space or space
    if args.epochs is None and args.dataset == "digits":
        args.epochs = 2
    space_options = args.space_option if args.space_option is not None else space_options
    if not os.path.exists(args.hwnas):
        sys.exit(f"make_table.py: {args.hwnas} not found; run `swift build -c release` first (or give --hwnas)")
    trainer = os.path.join(ROOT, "examples", "trainer", "train_torch.py")
    per_seed = []
    with tempfile.TemporaryDirectory() as tmp:
        for t in range(args.train_seeds):
            journal = os.path.join(tmp, f"seed{t}.jsonl")
            cmd = [args.hwnas, "search", "--space", space, "--strategy", "random", "--seed", str(args.seed),
                   "--budget", str(args.n), "--parallel", str(args.parallel), "--evaluator", "command",
                   "--evaluator-option", f"command=python3 {trainer} --dataset {args.dataset} --seed {t}"
                   + (f" --epochs {args.epochs}" if args.epochs else ""),
                   "--journal", journal, "--output", os.path.join(tmp, f"seed{t}.json")]
            for o in space_options:
                cmd += ["--space-option", o]
            print(f"training seed {t}: {args.n} architectures of {space}", file=sys.stderr, flush=True)
            subprocess.run(cmd, check=True, cwd=ROOT)
            per_seed.append(read_journal(journal))
    archs = list(per_seed[0])
    missing = [a for a in archs if any(a not in s for s in per_seed)]
    if missing:
        sys.exit(f"make_table.py: {len(missing)} architectures were not trained under every seed (e.g. {missing[0]})")
    with open(args.out, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["arch", "accuracy"] + [f"accuracy_seed{t}" for t in range(args.train_seeds)])
        for a in archs:
            accs = [s[a] for s in per_seed]
            w.writerow([a, f"{sum(accs) / len(accs):.6f}"] + [f"{v:.6f}" for v in accs])
    print(f"{args.out}: {len(archs)} architectures", file=sys.stderr)
    if len(per_seed) >= 2:
        a, b = ([s[x] for x in archs] for s in per_seed[:2])
        print(f"training seeds 0 and 1 agree at Spearman {spearman(a, b):.3f} (the ceiling for any proxy)", file=sys.stderr)


def spearman(a, b):
    """Spearman's rho with average ranks for ties."""
    def ranks(v):
        order = sorted(range(len(v)), key=lambda i: v[i])
        r = [0.0] * len(v)
        i = 0
        while i < len(v):
            j = i
            while j + 1 < len(v) and v[order[j + 1]] == v[order[i]]:
                j += 1
            for k in range(i, j + 1):
                r[order[k]] = (i + j) / 2
            i = j + 1
        return r
    ra, rb = ranks(a), ranks(b)
    ma, mb = sum(ra) / len(ra), sum(rb) / len(rb)
    cov = sum((x - ma) * (y - mb) for x, y in zip(ra, rb))
    va = sum((x - ma) ** 2 for x in ra) ** 0.5
    vb = sum((y - mb) ** 2 for y in rb) ** 0.5
    return cov / (va * vb) if va and vb else float("nan")


def read_journal(path):
    """arch -> accuracy of the evaluated (not failed) records of a journal."""
    out = {}
    with open(path) as f:
        for line in f:
            r = json.loads(line)
            if r.get("status") == "ok" and "arch" in r and "accuracy" in r.get("metrics", {}):
                out[r["arch"]] = float(r["metrics"]["accuracy"])
    return out


if __name__ == "__main__":
    main()
