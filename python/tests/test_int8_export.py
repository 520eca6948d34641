"""`hwnas export --format tflite --weights-from W --calibration-data D`: a
trained network as the int8 file a board runs (tools/tflm/int8_export.py).

Networks are trained here for a few epochs on the bundled digits (2-D block
spaces, one with stride-2 convolutions) and JapaneseVowels (micronas-1d) tasks, in a child process with the
kernel path pinned (as examples/trainer/train_torch.py does), so weights,
quantisation and TFLite Micro's integer kernels give the same accuracies on
any x86-64 machine. Checks: the int8 file's accuracy in TFLite Micro is
within 1 point of the float network's on the test split; the graph (and so
the arena) is the synthetic export's; a state dict and hwnas's ONNX export
of the same weights give the same file; bad inputs are one line."""
import json
import os
import subprocess
import sys

import pytest

from conftest import HWNAS_BIN, REPO, checkout_env

TRAIN = r"""
import json, sys, torch
torch.manual_seed(0)
torch.use_deterministic_algorithms(True)
torch.set_num_threads(1)
from hwnas import torch as ht
from hwnas.data import load_dataset
net_json, dataset, out, onnx_graph, onnx_out, epochs, batch = sys.argv[1:8]
net = json.load(open(net_json))
m = ht.build(net, batch_norm="train")
d = load_dataset(dataset)
xt, _ = d.for_input(m.spatial_dims, m.input_shape)
opt = torch.optim.SGD(m.parameters(), lr=0.05, momentum=0.9)
g = torch.Generator().manual_seed(0)
for _ in range(int(epochs)):
    m.train()
    perm = torch.randperm(len(xt), generator=g)
    for s in range(0, len(xt), int(batch)):
        idx = perm[s:s + int(batch)]
        opt.zero_grad()
        torch.nn.functional.cross_entropy(m(xt[idx].float()), d.yt[idx]).backward()
        opt.step()
m.eval()
torch.save(m.state_dict(), out)
ht.save_onnx_weights(ht.fold_batch_norm(m, net), onnx_graph, onnx_out)
"""

TASKS = {
    "digits": (["--space", os.path.join(REPO, "bench", "digits-blocks.yaml")], "c16:k3/c32:k3/c64:k3", 10, 32, "digits"),
    "japanesevowels": (["--space", "micronas-1d", "--space-option", "input_channels=12", "--space-option", "length=29",
                        "--space-option", "classes=9"], "c16:k5/c32:k3/c48:k3/c96:k5", 15, 16, "japanesevowels"),
    # Stride-2 convolutions on even inputs, padded on both sides (PyTorch): TFLite's SAME pads only the
    # bottom / right, so the file needs PAD ops to compute what was trained (written with SAME: 19 %).
    "digits-stride2": (["--space", os.path.join(REPO, "Tests", "fixtures", "digits-stride2.yaml")], "c32:k3/c64:x,x", 15, 32,
                       "digits"),
}


def hwnas(*args):
    return subprocess.run([HWNAS_BIN, *args], capture_output=True, text=True, timeout=600, cwd=REPO)


def arena(path):
    r = subprocess.run([sys.executable, os.path.join(REPO, "tools", "tflm", "arena.py"), path], capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """Per task: the IR, a trained state dict and the same weights as hwnas's ONNX export."""
    out = {}
    for task, (space, arch, epochs, batch, data) in TASKS.items():
        d = tmp_path_factory.mktemp(task)
        net, graph = str(d / "net.json"), str(d / "graph.onnx")
        assert hwnas("export", *space, "--arch", arch, "--format", "json", "--output", net).returncode == 0
        assert hwnas("export", *space, "--arch", arch, "--format", "onnx", "--output", graph).returncode == 0
        env = dict(checkout_env(), ATEN_CPU_CAPABILITY="avx2", ONEDNN_MAX_CPU_ISA="AVX2")
        r = subprocess.run([sys.executable, "-c", TRAIN, net, data, str(d / "model.pt"), graph, str(d / "model.onnx"),
                            str(epochs), str(batch)], capture_output=True, text=True, timeout=600, env=env)
        assert r.returncode == 0, r.stderr[-2000:]
        out[task] = {"space": space, "arch": arch, "dir": d, "state": str(d / "model.pt"), "onnx": str(d / "model.onnx"),
                     "data": data}
    return out


def export(t, weights, output, data):
    return hwnas("export", *t["space"], "--arch", t["arch"], "--format", "tflite", "--weights-from", weights,
                 "--calibration-data", data, "--output", output)


def accuracies(stdout):
    # "... test accuracy: float 92.20 %, int8 in TFLite Micro 91.92 % (359 samples)"
    tail = stdout.split("test accuracy:")[1]
    f = float(tail.split("float")[1].split("%")[0])
    q = float(tail.split("Micro")[1].split("%")[0])
    return f, q


@pytest.mark.parametrize("task", list(TASKS))
def test_int8_file_keeps_the_float_accuracy_and_the_graph(trained, task):
    t = trained[task]
    out = str(t["dir"] / "net.tflite")
    r = export(t, t["state"], out, t["data"])
    assert r.returncode == 0, r.stderr
    print(r.stdout.strip())
    f, q = accuracies(r.stdout)
    assert f > 80, r.stdout                     # a trained network, not chance
    assert abs(f - q) <= 1.0, f"int8 {q} % against float {f} %"
    # The same graph as the synthetic export: the arena hwnas cost prices.
    synthetic = str(t["dir"] / "synthetic.tflite")
    assert hwnas("export", *t["space"], "--arch", t["arch"], "--format", "tflite", "--output", synthetic).returncode == 0
    a, b = arena(out), arena(synthetic)
    assert (a["head"], a["tail"]) == (b["head"], b["tail"])
    # hwnas's ONNX export of the same (folded) weights gives the same file.
    again = str(t["dir"] / "from-onnx.tflite")
    r2 = export(t, t["onnx"], again, t["data"])
    assert r2.returncode == 0, r2.stderr
    with open(out, "rb") as x, open(again, "rb") as y:
        assert x.read() == y.read()


def test_bad_inputs_are_one_line(trained, tmp_path):
    t = trained["digits"]
    out = str(tmp_path / "x.tflite")
    no_data = hwnas("export", *t["space"], "--arch", t["arch"], "--format", "tflite", "--weights-from", t["state"],
                    "--output", out)
    assert no_data.returncode != 0 and "--calibration-data" in no_data.stderr
    other = hwnas("export", *t["space"], "--arch", "c8:k5/c16:k3/c32:k3", "--format", "tflite", "--weights-from",
                  t["state"], "--calibration-data", "digits", "--output", out)
    assert other.returncode != 0 and "not the state dict of this network" in other.stderr, other.stderr
    assert len(other.stderr.strip().splitlines()) == 1, other.stderr
    nb201 = hwnas("export", "--space", "nb201", "--arch", "|nor_conv_3x3~0|+|none~0|nor_conv_1x1~1|+|nor_conv_1x1~0|"
                  "avg_pool_3x3~1|avg_pool_3x3~2|", "--format", "tflite", "--weights-from", t["state"],
                  "--calibration-data", "digits", "--output", out)
    assert nb201.returncode != 0 and "not written with trained int8 weights yet" in nb201.stderr
    missing = hwnas("export", *t["space"], "--arch", t["arch"], "--format", "tflite", "--weights-from",
                    str(tmp_path / "none.pt"), "--calibration-data", "digits", "--output", out)
    assert missing.returncode != 0 and "no such file" in missing.stderr
    assert not os.path.exists(out)
