#!/usr/bin/env python3
"""Smoke test of the fidelity benchmark, tools/fidelity-bench (seconds):

1. curve_trainer.py speaks the evaluator protocol: its hello lists the
   `epochs` fidelity; it answers the recorded curve; a request resumed from
   "ARCH@3" to 9 epochs costs 6 (epochs_trained) and hands back "ARCH@9";
   no fidelity trains the last epoch; a foreign resume token is an error;
2. anchors.py --seeds 1 --methods full,asha,hyperband,optuna,dehb on the
   default table (japanesevowels): every run spent epochs, ASHA's and
   Hyperband's runs reached the target (Hyperband's only once a strategy with
   no new candidates no longer ends a bracket), and a second run of ASHA
   gives the same figures (deterministic).
"""
import json
import os
import subprocess
import sys
import tempfile

from conftest import HWNAS_BIN, REPO as ROOT

HERE = os.path.join(ROOT, "tools", "fidelity-bench")
TABLE = os.path.join(ROOT, "bench", "trained", "japanesevowels.csv")
CURVES = os.path.join(ROOT, "bench", "trained", "japanesevowels-curves.csv")
sys.path.insert(0, HERE)
from curve_trainer import load_curves, training_seed  # noqa: E402

ARCH = "c8:k3/c16:k5,k7/c24:k3/c48:k3"   # ',' ':' '/' in one arch string


def converse(requests, run_seed=4):
    """Sends hello + requests to one curve_trainer process; its replies."""
    hello = {"type": "hello", "protocol": 1, "host": "hwnas", "worker": 0, "metrics": ["accuracy"],
             "space": {"name": "t", "dims": ["arch"], "choices": [[ARCH]]}}
    lines = [json.dumps(hello)] + [json.dumps(r) for r in requests]
    done = subprocess.run([sys.executable, os.path.join(HERE, "curve_trainer.py"), "--curves", CURVES,
                           "--run-seed", str(run_seed)], input="\n".join(lines) + "\n",
                          capture_output=True, text=True, timeout=60, check=True)
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def test_curve_trainer_protocol_and_cost():
    curves, seeds, last = load_curves(CURVES)
    assert last == 15
    seed = seeds[training_seed(4, ARCH, len(seeds))]
    replies = converse([
        {"type": "evaluate", "id": 1, "arch": ARCH, "genotype": [1], "choices": [ARCH], "network": None,
         "fidelity": {"epochs": 3}},
        {"type": "evaluate", "id": 2, "arch": ARCH, "genotype": [1], "choices": [ARCH], "network": None,
         "fidelity": {"epochs": 9}, "resume": f"{ARCH}@3"},
        {"type": "evaluate", "id": 3, "arch": ARCH, "genotype": [1], "choices": [ARCH], "network": None},
        {"type": "evaluate", "id": 4, "arch": ARCH, "genotype": [1], "choices": [ARCH], "network": None,
         "fidelity": {"epochs": 9}, "resume": "c8:k7/c16:k3/c24:k3/c48:k7@3"},
    ])
    hello, fresh, resumed, full, foreign = replies
    assert hello["type"] == "hello" and hello["protocol"] == 1 and hello["fidelity"] == ["epochs"]
    assert fresh["id"] == 1 and fresh["checkpoint"] == f"{ARCH}@3"
    assert fresh["metrics"] == {"epochs": 3, "epochs_trained": 3}
    assert fresh["objective"] == curves[ARCH][seed][3]
    # The promotion resumed at 3 epochs pays 9 - 3 and continues the same curve.
    assert resumed["id"] == 2 and resumed["checkpoint"] == f"{ARCH}@9"
    assert resumed["metrics"] == {"epochs": 9, "epochs_trained": 6}
    assert resumed["objective"] == curves[ARCH][seed][9]
    assert full["metrics"] == {"epochs": 15, "epochs_trained": 15}
    assert full["objective"] == curves[ARCH][seed][15]
    assert foreign["id"] == 4 and "error" in foreign


def run_anchors(methods, tmp, name):
    out = os.path.join(tmp, name)
    cmd = [sys.executable, os.path.join(HERE, "anchors.py"), "--seeds", "1", "--methods", methods,
           "--hwnas", HWNAS_BIN, "--json", out]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "| method |" in done.stdout
    return json.load(open(out))


def test_anchors_smoke():
    with tempfile.TemporaryDirectory() as tmp:
        first = run_anchors("full,asha,hyperband,optuna,dehb", tmp, "a.json")
        assert first["curve_check"]["mismatches"] == 0
        assert first["feasible"] == 77 and first["targets"]
        runs = {r["method"]: r for r in first["runs"]}
        assert sorted(runs) == ["asha", "dehb", "full", "hyperband", "optuna"]
        for r in first["runs"]:
            assert r["epochs_spent"] > 0 and r["epochs_spent"] <= first["max_epochs"], r
            assert not r.get("problems"), r
            if r["reached"]:
                assert 0 < r["epochs_to_target"] <= r["epochs_spent"], r
        asha = runs["asha"]
        assert asha["reached"] and runs["hyperband"]["reached"], (asha, runs["hyperband"])
        assert asha["evaluations_per_rung"].keys() == {"1", "3", "9", "15"}
        # Fewer epochs than one full training of every feasible arch: the rungs did prune.
        assert asha["epochs_spent"] < 77 * 15
        assert runs["full"]["evaluations_per_rung"] == {"15": runs["full"]["evaluations"]}
        again = run_anchors("asha", tmp, "b.json")
        assert again["runs"] == [asha]
