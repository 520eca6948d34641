#!/usr/bin/env python3
"""A "trainer" that replays recorded learning curves, speaking the hwnas
evaluator protocol (docs/evaluator-protocol.md) with an `epochs` fidelity.

Training architecture A for E epochs in benchmark run R answers the
validation accuracy that training seed s(R, A) reached after epoch E in the
curves table (columns arch, seed, epoch, val_accuracy), where

    s(R, A) = int(sha256(f"{R}:{A}"), 16) mod (number of training seeds)

so a candidate always follows one and the same curve within a run, and a
resumed training continues that curve.

Reply: objective = the observed accuracy, checkpoint = "ARCH@EPOCHS", and
metrics epochs (E) and epochs_trained (E minus the epochs of the resume
token; E without one). A request without a fidelity trains the curves'
last epoch (the full fidelity).

    python3 curve_trainer.py --curves bench/trained/japanesevowels-curves.csv --run-seed 3
"""
import argparse
import csv
import hashlib
import json
import sys


def training_seed(run_seed, arch, n_seeds):
    """The recorded training seed whose curve (run_seed, arch) follows."""
    digest = hashlib.sha256(f"{run_seed}:{arch}".encode()).hexdigest()
    return int(digest, 16) % n_seeds


def load_curves(path):
    """{arch: {seed: {epoch: accuracy}}}, the sorted seeds and the last epoch."""
    curves = {}
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            curves.setdefault(row["arch"], {}).setdefault(int(row["seed"]), {})[int(row["epoch"])] = float(row["val_accuracy"])
    seeds = sorted({s for per in curves.values() for s in per})
    last = max(e for per in curves.values() for c in per.values() for e in c)
    return curves, seeds, last


class CurveTrainer:
    def __init__(self, curves_path, run_seed):
        self.curves, self.seeds, self.max_epochs = load_curves(curves_path)
        self.run_seed = run_seed

    def accuracy(self, arch, epochs):
        seed = self.seeds[training_seed(self.run_seed, arch, len(self.seeds))]
        return self.curves[arch][seed][epochs]

    def answer(self, msg):
        """The reply to one evaluate request (a dict)."""
        rid, arch = msg["id"], msg["arch"]
        if arch not in self.curves:
            return {"id": rid, "error": f"no learning curve for {arch!r}"}
        fidelity = msg.get("fidelity") or {}
        raw = fidelity.get("epochs", self.max_epochs)
        epochs = int(round(float(raw)))
        if abs(epochs - float(raw)) > 1e-9 or not 1 <= epochs <= self.max_epochs:
            return {"id": rid, "error": f"epochs {raw!r}: the curves hold whole epochs 1..{self.max_epochs}"}
        start = 0
        resume = msg.get("resume")
        if resume is not None:
            token_arch, _, token_epochs = str(resume).rpartition("@")
            if token_arch != arch or not token_epochs.isdigit():
                return {"id": rid, "error": f"resume token {resume!r} is not a checkpoint of {arch!r}"}
            start = int(token_epochs)
            if start > epochs:
                return {"id": rid, "error": f"resume token {resume!r} is past the {epochs} epochs asked"}
        return {"id": rid, "objective": self.accuracy(arch, epochs), "checkpoint": f"{arch}@{epochs}",
                "metrics": {"epochs": epochs, "epochs_trained": epochs - start}}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--curves", required=True, help="CSV arch,seed,epoch,val_accuracy")
    ap.add_argument("--run-seed", type=int, required=True, help="the benchmark run: picks each arch's curve")
    args = ap.parse_args()
    trainer = CurveTrainer(args.curves, args.run_seed)
    out = sys.stdout
    for line in sys.stdin:
        if not line.strip():
            continue
        msg = json.loads(line)
        kind = msg.get("type")
        if kind == "hello":
            reply = {"type": "hello", "protocol": 1, "name": "curve_trainer", "fidelity": ["epochs"]}
        elif kind == "evaluate":
            reply = trainer.answer(msg)
        else:
            continue
        out.write(json.dumps(reply) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
