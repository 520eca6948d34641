"""Hostile ONNX files (onnx_corpus.py) through `hwnas cost --model` and
`hwnas measure --model`: no crash, no hang, bounded memory, exit 1 with one
line naming the file where it refuses, and never a price for a file ONNX
Runtime refuses to load."""
import resource
import subprocess

import onnxruntime as ort
import pytest

from onnx_corpus import cases

ort.set_default_logger_severity(4)
CASES = cases()


def _limit_memory():
    resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))


def _ort_loads(path):
    try:
        ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        return True
    except Exception:
        return False


def run(hwnas_bin, *args):
    return subprocess.run([hwnas_bin, *args], capture_output=True, text=True, timeout=60, preexec_fn=_limit_memory)


def test_the_corpus_is_large_and_mixed():
    assert len(CASES) >= 150
    assert sum(e == "refuse" for _, _, e in CASES) >= 70


def test_every_hostile_file_is_priced_or_refused_in_one_line(hwnas_bin, tmp_path):
    problems = []
    for name, data, expect in CASES:
        path = tmp_path / f"{name}.onnx"
        path.write_bytes(data)
        r = run(hwnas_bin, "cost", "--model", str(path))
        lines = r.stderr.strip().splitlines()
        if r.returncode == 0:
            if expect == "refuse":
                problems.append(f"{name}: priced, must be refused")
            elif not _ort_loads(path):
                problems.append(f"{name}: priced, but ONNX Runtime refuses the file")
        elif r.returncode != 1:
            problems.append(f"{name}: exit {r.returncode} (a crash?): {r.stderr[-300:]}")
        elif len(lines) != 1 or not lines[0].startswith(f"hwnas: error: {path}: "):
            problems.append(f"{name}: not one line naming the file: {r.stderr[-300:]}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("name", ["input-edge-0", "conv-pads-big-0", "identity-chain-10000", "valid"])
def test_measure_refuses_what_it_cannot_hold_and_runs_the_rest(hwnas_bin, tmp_path, name):
    data = next(d for n, d, _ in CASES if n == name)
    path = tmp_path / f"{name}.onnx"
    path.write_bytes(data)
    r = run(hwnas_bin, "measure", "--model", str(path), "--repeats", "3", "--warmup", "1")
    if name == "input-edge-0":      # 3 x 2^31 x 8 floats in and out: hundreds of GB
        assert r.returncode == 1 and "GB (weights, activations, im2col buffers)" in r.stderr, r.stderr
        assert len(r.stderr.strip().splitlines()) == 1
    elif name == "conv-pads-big-0":
        assert r.returncode == 1 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    else:
        assert r.returncode == 0 and "ms median" in r.stdout, r.stderr
