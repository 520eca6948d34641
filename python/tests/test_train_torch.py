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
    "mnist1d": ("mnist1d", ["--space", "micronas-1d", "--space-option", "input_channels=1",
                            "--space-option", "length=40", "--space-option", "classes=10"], 10, "--epochs 2"),
    "japanesevowels": ("aeon", ["--space", "micronas-1d", "--space-option", "input_channels=12",
                                "--space-option", "length=29", "--space-option", "classes=9"], 9, "--epochs 3"),
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


def _npz(path, x_train_shape, classes=3, n_test=12):
    import numpy as np
    rng = np.random.default_rng(0)
    y = np.arange(x_train_shape[0]) % classes
    x = rng.standard_normal(x_train_shape).astype(np.float32)
    x[np.arange(len(y)), 0, y] += 3.0               # a learnable signal: the class marks one position
    yt = np.arange(n_test) % classes
    xt = rng.standard_normal((n_test,) + tuple(x_train_shape[1:])).astype(np.float32)
    xt[np.arange(n_test), 0, yt] += 3.0
    np.savez(path, x_train=x, y_train=y, x_test=xt, y_test=yt)


def _search_on_file(hwnas_bin, tmp_path, data, channels, length, classes):
    env = dict(os.environ)
    env.setdefault("HWNAS_HOME", str(REPO))
    out = tmp_path / "result.json"
    command = f"{sys.executable} {TRAINER} --dataset {data} --epochs 3 --batch-size 8 --curve --threads 1"
    args = [hwnas_bin, "search", "--space", "micronas-1d", "--space-option", f"input_channels={channels}",
            "--space-option", f"length={length}", "--space-option", f"classes={classes}",
            "--evaluator", "command", "--evaluator-option", f"command={command}",
            "--evaluator-option", "extra_metrics=val_accuracy_epoch1,val_accuracy_epoch3",
            "--evaluator-option", "timeout=120",
            "--budget", "2", "--seed", "1", "--quiet", "--output", str(out)]
    return subprocess.run(args, env=env, capture_output=True, text=True, timeout=300), out


def test_trainer_takes_a_users_npz(hwnas_bin, tmp_path):
    """A user's .npz trains as it is, with the per-epoch curve reported."""
    data = tmp_path / "mine.npz"
    _npz(data, (48, 2, 16))
    p, out = _search_on_file(hwnas_bin, tmp_path, data, 2, 16, 3)
    assert p.returncode == 0, p.stderr[-3000:]
    for h in json.loads(out.read_text())["history"]:
        assert h["status"] == "ok", h
        m = h["metrics"]
        assert m["val_accuracy_epoch3"] == m["accuracy"]      # the last epoch's is the answer
        assert 0 <= m["val_accuracy_epoch1"] <= 1


def test_trainer_refuses_a_npz_of_another_shape_in_one_line(hwnas_bin, tmp_path):
    """The file's (C, W) is not the network's: every candidate's error names
    the file and both shapes; nothing is resized silently."""
    data = tmp_path / "mine.npz"
    _npz(data, (48, 2, 16))
    p, out = _search_on_file(hwnas_bin, tmp_path, data, 3, 16, 3)
    text = p.stdout + p.stderr
    assert "mine.npz: the data's input is (2, 16)" in text and "(3, 16)" in text, text[-3000:]
    history = json.loads(out.read_text())["history"] if out.exists() else []
    assert all(h["status"] != "ok" for h in history)


@pytest.mark.parametrize("bad, why", [
    ({"x_train": [[1.0]]}, "missing array(s) y_train, x_test, y_test"),
    ({"x_train": [[1.0, 2.0]], "y_train": [0], "x_test": [[1.0, 2.0]], "y_test": [0]}, "expected [N, C, W]"),
    ({"x_train": [[[1.0]], [[2.0]]], "y_train": [0.5, 1.0], "x_test": [[[1.0]], [[2.0]]], "y_test": [0, 1]},
     "class labels must be integers"),
    ({"x_train": [[[1.0]], [[2.0]]], "y_train": [0], "x_test": [[[1.0]], [[2.0]]], "y_test": [0, 1]},
     "one label per x_train row"),
])
def test_trainer_says_what_is_wrong_with_a_npz(tmp_path, bad, why):
    import numpy as np
    data = tmp_path / "bad.npz"
    np.savez(data, **{k: np.asarray(v) for k, v in bad.items()})
    p = subprocess.run([sys.executable, str(TRAINER), "--dataset", str(data)], input="", capture_output=True,
                       text=True, timeout=120)
    assert p.returncode != 0
    lines = [l for l in p.stderr.splitlines() if l.strip() and not l.startswith("[")]
    assert len(lines) == 1 and str(data) in lines[0] and why in lines[0], p.stderr


def test_trainer_pins_the_kernel_path(hwnas_bin, tmp_path):
    """The trainer's answers are those of PyTorch's AVX2 kernels, run after
    run, whatever the machine offers beyond AVX2: a search with the
    environment as is and one that pins AVX2 itself give the same accuracies
    to the last digit (on an AVX-512 machine, without the trainer's pinning
    oneDNN's AVX-512 kernels moved single ArrowHead accuracies by up to 0.08)."""
    def run(extra_env, name):
        env = {k: v for k, v in os.environ.items() if k not in ("ATEN_CPU_CAPABILITY", "ONEDNN_MAX_CPU_ISA")}
        env.setdefault("HWNAS_HOME", str(REPO))
        env.update(extra_env)
        out = tmp_path / f"{name}.json"
        command = f"{sys.executable} {TRAINER} --dataset arrowhead --epochs 10 --threads 1"
        p = subprocess.run([hwnas_bin, "search", "--space", "micronas-1d", "--space-option", "input_channels=1",
                            "--space-option", "length=251", "--space-option", "classes=3", "--profile", "stm32f746",
                            "--constraint", "peak_sram_kb<=64", "--evaluator", "command",
                            "--evaluator-option", f"command={command}", "--budget", "4", "--parallel", "2",
                            "--seed", "3", "--quiet", "--output", str(out)], env=env, capture_output=True, text=True,
                           timeout=600)
        assert p.returncode == 0, p.stderr[-3000:]
        return [(h["arch"], h["metrics"]["accuracy"]) for h in json.loads(out.read_text())["history"]]

    as_is = run({}, "as-is")
    assert len(as_is) == 4
    assert run({"ATEN_CPU_CAPABILITY": "avx2", "ONEDNN_MAX_CPU_ISA": "AVX2"}, "pinned") == as_is


def test_trainer_resumes_a_lower_fidelity_exactly(repo, tmp_path):
    """A multi-fidelity promotion: 3 epochs saved, then resumed to 9, answers
    what 9 epochs straight answer (the same schedule over --epochs, the same
    batches): resuming loses nothing and changes nothing."""
    from hwnas import Host
    arch = "c16:k5/c16:k3/c24:k3/c32:k3"
    network = Host().network("micronas-1d", arch, {"input_channels": "1", "length": "251", "classes": "3"})
    requests = [
        {"type": "evaluate", "id": 1, "arch": arch, "network": network, "fidelity": {"epochs": 9}},
        {"type": "evaluate", "id": 2, "arch": arch, "network": network, "fidelity": {"epochs": 3}},
    ]
    cmd = [sys.executable, str(TRAINER), "--dataset", "arrowhead", "--epochs", "27", "--checkpoint-dir", str(tmp_path)]

    def ask(messages):
        lines = [json.dumps({"type": "hello", "protocol": 1})] + [json.dumps(m) for m in messages]
        p = subprocess.run(cmd, input="\n".join(lines) + "\n", capture_output=True, text=True, timeout=600)
        assert p.returncode == 0, p.stderr[-3000:]
        return [json.loads(l) for l in p.stdout.splitlines() if l.startswith("{")]

    hello, straight, low = ask(requests)
    assert hello["fidelity"] == ["epochs"]
    assert low["metrics"]["epochs"] == 3 and os.path.isfile(low["checkpoint"])
    _, resumed = ask([{"type": "evaluate", "id": 3, "arch": arch, "network": network, "fidelity": {"epochs": 9},
                       "resume": low["checkpoint"]}])
    assert resumed["metrics"]["resumed_from"] == 3 and resumed["metrics"]["epochs"] == 9
    assert resumed["objective"] == straight["objective"] and resumed["metrics"]["val_loss"] == straight["metrics"]["val_loss"]
    # Another candidate's checkpoint is refused, not trained on.
    _, wrong = ask([{"type": "evaluate", "id": 4, "arch": "c8:k3/c16:k3/c24:k3/c32:k3", "fidelity": {"epochs": 9},
                     "network": Host().network("micronas-1d", "c8:k3/c16:k3/c24:k3/c32:k3",
                                               {"input_channels": "1", "length": "251", "classes": "3"}),
                     "resume": low["checkpoint"]}])
    assert "another candidate" in wrong["error"]
