"""examples/trainer/train_torch.py end to end: a 2-candidate `hwnas search`
with the command evaluator running the real PyTorch trainer on a real data
set bundled in a package (aeon's BasicMotions on micronas-1d, scikit-learn's
digits on nb201 at 8x8), under MCU constraints. Both evaluations must be ok
with an accuracy above chance.

Needs the hwnas binary: env HWNAS_BIN (default <repo>/.build/release/hwnas,
else .build/debug/hwnas)
and HWNAS_HOME (default the repository root)."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TRAINER = REPO / "examples" / "trainer" / "train_torch.py"

import torch  # noqa: E402,F401  (the trainer needs it; CI installs it)

CASES = {
    # dataset: (module the loader needs, space and its options, classes, trainer flags)
    "basicmotions": ("aeon", ["--space", "micronas-1d", "--space-option", "input_channels=6",
                              "--space-option", "length=100", "--space-option", "classes=4"], 4, "--epochs 10"),
    "digits": ("sklearn", ["--space", "nb201", "--space-option", "input_size=8", "--space-option", "input_channels=1",
                           "--space-option", "classes=10"], 10, "--epochs 2"),
}


@pytest.fixture(scope="session")
def trainer_hwnas(hwnas_bin):
    return hwnas_bin


@pytest.mark.parametrize("dataset", sorted(CASES))
def test_search_with_torch_trainer(trainer_hwnas, tmp_path, dataset):
    module, space, classes, flags = CASES[dataset]
    __import__(module)      # a missing loader is a failure, not a skip (CI installs it)
    env = dict(os.environ)
    env.setdefault("HWNAS_HOME", str(REPO))
    out = tmp_path / "result.json"
    command = f"{sys.executable} {TRAINER} --dataset {dataset} {flags} --threads 1"
    args = [trainer_hwnas, "search", *space, "--profile", "stm32f746",
            "--constraint", "peak_sram_kb<=64", "--constraint", "flash_kb<=256",
            "--evaluator", "command", "--evaluator-option", f"command={command}",
            "--evaluator-option", "extra_metrics=train_seconds,epochs,trainable_params",
            "--evaluator-option", "timeout=120",
            "--budget", "2", "--parallel", "2", "--seed", "1", "--quiet", "--output", str(out)]
    p = subprocess.run(args, env=env, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, f"hwnas search failed ({p.returncode}):\n{p.stderr[-4000:]}"
    result = json.loads(out.read_text())
    history = result["history"]
    assert len(history) == 2, history
    for h in history:
        assert h["status"] == "ok", h
        acc = h["metrics"]["accuracy"]
        assert acc > 1.0 / classes, f"{h['arch']}: accuracy {acc} not above chance {1.0 / classes}"
        # the trainer trained the network the request described: BN unfolded, so
        # trainable params = deployed params + folded BN channels > deployed params
        assert h["metrics"]["trainable_params"] > h["costs"]["params"]
        assert h["metrics"]["epochs"] > 0 and h["metrics"]["train_seconds"] > 0
    assert result["feasible"] is True
