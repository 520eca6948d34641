"""hwnas.dnas: the expected cost is hwnas's cost model's, the derived
architecture meets its target as `hwnas cost` prices it, a sweep of targets
moves the cost monotonically, and bad input is one clear line."""
import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
import torch

import hwnas
from conftest import run_module
from hwnas.dnas import WINDOW, ArchitecturePolicy, CostLinearisation, derive_in_window, parse_target

REPO = Path(__file__).resolve().parents[2]
SPACE = ["--space", "micronas-1d", "--space-option", "input_channels=12", "--space-option", "length=29",
         "--space-option", "classes=9"]
OPTS = {"input_channels": "12", "length": "29", "classes": "9"}


def linearisation(metric="latency_ms"):
    host = hwnas.Host()
    info = host.space("micronas-1d", OPTS)
    choices = [len(c) for c in info["choices"]]
    return host, CostLinearisation(host.cost_model("stm32f746", "micronas-1d", OPTS), metric, choices), choices


def test_expected_cost_is_the_cost_models_figure():
    host, costs, choices = linearisation()
    ref = np.array([c // 2 for c in choices], np.int32)
    costs.update(ref)
    policy = ArchitecturePolicy(choices)
    with torch.no_grad():                       # all the mass on the reference: its exact cost
        for a, k in zip(policy.logits, ref):
            a.zero_()
            a[int(k)] = 60.0
        assert float(costs.expected(policy)) == pytest.approx(costs.exact(ref)[0], rel=1e-5)
        # All the mass on one neighbour (dimension 0 at its largest): that neighbour's exact cost.
        other = ref.copy()
        other[0] = choices[0] - 1
        policy.logits[0].zero_()
        policy.logits[0][choices[0] - 1] = 60.0
        assert float(costs.expected(policy)) == pytest.approx(costs.exact(other)[0], rel=1e-5)
        assert costs.exact(other)[0] > costs.exact(ref)[0]     # more channels cost more
    # The gradient of E[cost] pushes towards cheaper choices.
    uniform = ArchitecturePolicy(choices)
    costs.expected(uniform).backward()
    g0 = uniform.logits[0].grad
    assert g0[0] < 0 < g0[-1]           # the fewest channels' logit rises under gradient descent


@pytest.mark.parametrize("start", ["largest", "smallest"])
def test_derivation_lands_in_the_window(start):
    _, costs, choices = linearisation()
    g = np.array([c - 1 for c in choices] if start == "largest" else [0] * len(choices), np.int32)
    target = 3.0
    log_probs = [np.log(np.full(c, 1.0 / c)) for c in choices]
    derived, moves = derive_in_window(g, costs, log_probs, target)
    cost = costs.exact(derived)[0]
    assert WINDOW * target <= cost <= target and moves >= 1


def test_parse_target():
    assert parse_target("latency_ms=2") == ("latency_ms", 2.0)
    assert parse_target("peak_sram_kb<=64") == ("peak_sram_kb", 64.0)
    for bad, why in (("latency_ms", "expected METRIC=VALUE"), ("latency_ms=fast", "is not a number"),
                     ("latency_ms=-1", "positive"), ("latency_ms=nan", "positive")):
        with pytest.raises(ValueError, match=why):
            parse_target(bad)


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    ck = tmp_path_factory.mktemp("dnas") / "ck.pt"
    p = run_module("hwnas.supernet", "train", *SPACE, "--dataset", "japanesevowels", "--epochs", "2", "--threads", "1",
            "--batch-size", "32", "--random", "1", "--output", str(ck), "--quiet")
    assert p.returncode == 0, p.stderr[-3000:]
    return ck


def dnas(checkpoint, target, out, *extra):
    return run_module("hwnas.dnas", *SPACE, "--dataset", "japanesevowels", "--profile", "stm32f746", "--target", target,
               "--checkpoint", str(checkpoint), "--epochs", "2", "--batch-size", "32", "--threads", "1",
               "--derive-samples", "8", "--calibration", "200", "--output", str(out), "--quiet", *extra)


def test_dnas_meets_targets_and_a_sweep_is_monotonic(checkpoint, tmp_path, hwnas_bin):
    seen = []
    for target in (1.0, 2.5, 6.0):
        out = tmp_path / f"d{target}.json"
        p = dnas(checkpoint, f"latency_ms={target}", out)
        assert p.returncode == 0, p.stderr[-3000:]
        r = json.loads(out.read_text())
        assert json.loads(p.stdout)["arch"] == r["arch"]
        assert r["within_target"] and len(r["history"]) == 2 and 0 <= r["inherited_test_accuracy"] <= 1
        # `hwnas cost` prices the derived architecture within 10 % under the target.
        c = subprocess.run([hwnas_bin, "cost", *SPACE, "--profile", "stm32f746", "--arch", r["arch"]],
                           capture_output=True, text=True, timeout=120)
        assert c.returncode == 0, c.stderr
        latency = json.loads(c.stdout)["metrics"]["latency_ms"]
        assert WINDOW * target <= latency <= target, (target, latency, r["arch"])
        assert latency == pytest.approx(r["cost"]["latency_ms"], rel=1e-9)
        seen.append(latency)
    assert seen == sorted(seen)
    # Another metric: peak SRAM.
    out = tmp_path / "sram.json"
    p = dnas(checkpoint, "peak_sram_kb<=8", out)
    assert p.returncode == 0, p.stderr[-3000:]
    assert WINDOW * 8 <= json.loads(out.read_text())["cost"]["peak_sram_kb"] <= 8


def test_dnas_refuses_bad_input_in_one_line(checkpoint, tmp_path):
    cases = [
        ("latency_ms=0.0001", "no architecture of micronas-1d found under it on stm32f746"),
        ("speed=3", "--target speed: the profile's cost models give peak_sram_kb, flash_kb, latency_ms"),
        ("latency_ms=abc", "is not a number"),
    ]
    for target, why in cases:
        p = dnas(checkpoint, target, tmp_path / "x.json")
        last = p.stderr.strip().splitlines()[-1]
        assert p.returncode == 1 and last.startswith("hwnas.dnas: ") and why in last, p.stderr[-2000:]
    assert not (tmp_path / "x.json").exists()
    # An output that cannot be written: the result is printed instead, not lost.
    p = dnas(checkpoint, "latency_ms=2.5", "/proc/no-such-dir/r.json")
    assert p.returncode == 1 and p.stderr.strip().splitlines()[-1].startswith("hwnas.dnas: --output /proc/no-such-dir/r.json")
    assert json.loads(p.stdout)["within_target"]
    # A supernet of another space.
    p = run_module("hwnas.dnas", "--space", "micronas-1d", "--space-option", "input_channels=1", "--space-option", "length=40",
            "--space-option", "classes=10", "--dataset", "mnist1d", "--profile", "stm32f746", "--target",
            "latency_ms=2", "--checkpoint", str(checkpoint), "--epochs", "1", "--quiet")
    assert p.returncode == 1 and p.stderr.strip().splitlines()[-1].endswith(
        "the supernet was trained on micronas-1d classes=9 input_channels=12 length=29; give that space and its options"), \
        p.stderr[-2000:]
