"""hwnas.supernet: a subnet is exactly hwnas.torch.build's network for its
architecture with weights shared by slicing; batch-norm recalibration; a
tiny supernet trained and used as the evaluator of an `hwnas search`."""
import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

import hwnas
from conftest import checkout_env, run_module
import hwnas.torch as ht
from hwnas.supernet import Subnet, Supernet, layer_slots, recalibrate_batch_norm

REPO = Path(__file__).resolve().parents[2]
SPACES = {
    # space, options, input shape
    "digits-blocks": (str(REPO / "bench" / "digits-blocks.yaml"), {}),
    "micronas-1d": ("micronas-1d", {"input_channels": "1", "length": "40", "classes": "10"}),
    "mcunet-mbv2": ("mcunet-mbv2", {"resolution": "48", "classes": "10"}),
    "ofa-mbv3": ("ofa-mbv3", {"resolution": "112", "classes": "10"}),
}


def networks(name, n=12, seed=0):
    import numpy as np
    space, opts = SPACES[name]
    host = hwnas.Host()
    info = host.space(space, opts)
    rng = np.random.default_rng(seed)
    archs = []
    for _ in range(n):
        g = np.array([rng.integers(0, len(c)) for c in info["choices"]], np.int32)
        archs.append(host.arch(space, g, opts))
    return [host.network(space, a, opts) for a in dict.fromkeys(archs)]


@pytest.mark.parametrize("name", sorted(SPACES))
def test_subnet_is_hwnas_torch_build(name):
    nets = networks(name)
    supernet = Supernet(Supernet.shapes_of(nets), {"space": name})
    for net in nets:
        sub = Subnet(supernet, net)
        ref = ht.build(net, batch_norm="train")
        module = sub.materialize()
        # Same layers and parameter shapes as hwnas.torch.build's, hence its counts.
        assert {k: v.shape for k, v in module.state_dict().items()} == {k: v.shape for k, v in ref.state_dict().items()}
        assert ht.count_parameters(module) == net["params"] + ht.folded_norm_channels(net)
        # Given the same weights, the same outputs: the reference with the
        # inherited weights loaded, against the subnet's sliced views.
        ref.load_state_dict(module.state_dict())
        torch.manual_seed(0)
        x = torch.randn(4, *sub.input_shape)
        ref.eval(), module.eval(), sub.module.eval()
        with torch.no_grad():
            assert torch.allclose(ref(x), sub(x), atol=1e-5), net["arch"]


def supernet_of(*archs):
    """micronas-1d (1 x 40) networks of these archs and a supernet sized for them."""
    space, opts = SPACES["micronas-1d"]
    host = hwnas.Host()
    nets = [host.network(space, a, opts) for a in archs]
    return Supernet(Supernet.shapes_of(nets), {}), nets


def test_windows_share_their_centre_and_channels_their_lead():
    supernet, (a, b) = supernet_of("c16:k3/c16:k3/c24:k3/c32:k3", "c32:k9/c16:k3/c24:k3/c32:k3")
    pa, pb = Subnet(supernet, a).parameters(), Subnet(supernet, b).parameters()
    wa, wb = pa["layers.0.op.body.conv.weight"], pb["layers.0.op.body.conv.weight"]
    assert wa.shape == (16, 1, 3) and wb.shape == (32, 1, 9)
    assert torch.equal(wa, wb[:16, :, 3:6])         # the 3 taps are the centre of the 9, the 16 channels the first 16
    assert layer_slots(a)[0] == layer_slots(b)[0]


def test_gradients_reach_only_the_subnets_slice():
    supernet, (small, _) = supernet_of("c8:k3/c16:k3/c24:k3/c32:k3", "c32:k9,k9/c48:k9,k9/c64:k7,k7/c96:k7,k7,k7")
    sub = Subnet(supernet, small)
    sub(torch.randn(8, 1, 40)).sum().backward()
    first = supernet.shared[supernet.index[[k for k in supernet.keys if k.startswith(layer_slots(small)[0])
                                            and k.endswith("conv.weight")][0]]]
    assert first.grad[:8, :, 3:6].abs().sum() > 0
    outside = first.grad.clone()
    outside[:8, :, 3:6] = 0
    assert outside.abs().sum() == 0


def test_fine_tuning_changes_copies_not_the_supernet():
    from hwnas.supernet import fine_tuned
    supernet, (net, _) = supernet_of("c8:k3/c16:k3/c24:k3/c32:k3", "c32:k9,k9/c48:k9,k9/c64:k7,k7/c96:k7,k7,k7")
    sub = Subnet(supernet, net)
    before = [p.detach().clone() for p in supernet.shared]
    torch.manual_seed(0)
    x, y = torch.randn(64, 1, 40), torch.randint(0, 10, (64,))
    tuned = fine_tuned(sub, x, y, steps=5, lr=0.1)
    assert all(torch.equal(a, b) for a, b in zip(before, supernet.shared))
    inherited = sub.parameters()
    assert any(not torch.equal(tuned[k], inherited[k]) for k in tuned)
    assert all(torch.equal(a, b) for a, b in zip(fine_tuned(sub, x, y, steps=5, lr=0.1).values(), tuned.values()))


def test_the_seed_decides_the_initial_weights():
    nets = networks("micronas-1d", n=3)
    shapes = Supernet.shapes_of(nets)
    a, b, c = Supernet(shapes, {}, seed=0), Supernet(shapes, {}, seed=0), Supernet(shapes, {}, seed=1)
    assert all(torch.equal(x, y) for x, y in zip(a.shared, b.shared))
    assert any(not torch.equal(x, y) for x, y in zip(a.shared, c.shared))


def test_subnets_share_identical_layers_but_materialize_their_own():
    supernet, (a, b) = supernet_of("c16:k3/c16:k3/c24:k3/c32:k3", "c16:k3/c16:k3/c24:k3/c32:k5")
    sa, sb = Subnet(supernet, a), Subnet(supernet, b)
    # The same first layer record at the same position: one module object.
    assert sa.module.layers[0] is sb.module.layers[0]
    # A layer whose record differs (the last stage's kernel) is its own.
    differ = [i for i, (la, lb) in enumerate(zip(a["layers"], b["layers"])) if la != lb]
    assert differ and all(sa.module.layers[i] is not sb.module.layers[i] for i in differ)
    # A materialized subnet owns its modules: another subnet's BN recalibration leaves it alone.
    torch.manual_seed(0)
    x = torch.randn(32, 1, 40)
    recalibrate_batch_norm(sa, x)
    own = sa.materialize()
    assert all(own.layers[0] is not m for m in sb.module.layers)
    bn = next(m for m in own.modules() if isinstance(m, torch.nn.BatchNorm1d))
    mean = bn.running_mean.clone()
    recalibrate_batch_norm(sb, x * 3 + 1)
    assert torch.equal(bn.running_mean, mean)
    # And it computes what the subnet computes once the subnet is recalibrated on the same data.
    recalibrate_batch_norm(sa, x)
    own.eval(), sa.module.eval()
    with torch.no_grad():
        assert torch.allclose(own(x[:4]), sa(x[:4]), atol=1e-5)


def test_batch_norm_recalibration_changes_the_output():
    nets = networks("digits-blocks", n=3)
    supernet = Supernet(Supernet.shapes_of(nets), {})
    sub = Subnet(supernet, nets[0])
    torch.manual_seed(1)
    x = torch.randn(64, *sub.input_shape) * 3 + 1
    sub.module.eval()
    with torch.no_grad():
        before = sub(x[:4]).clone()
    recalibrate_batch_norm(sub, x)
    sub.module.eval()
    with torch.no_grad():
        after = sub(x[:4])
    assert not torch.allclose(before, after, atol=1e-4)
    bn = next(m for m in sub.module.modules() if isinstance(m, torch.nn.BatchNorm2d))
    with torch.no_grad():     # the first BN's statistics are its input's exact mean over x
        conv = next(m for m in sub.module.modules() if isinstance(m, torch.nn.Conv2d))
        w = sub.parameters()["layers.0.op.body.conv.weight"]
        y = torch.nn.functional.conv2d(x, w, padding=conv.padding)
    assert torch.allclose(bn.running_mean, y.mean(dim=(0, 2, 3)), atol=1e-4)


def run_supernet(*args):
    return run_module("hwnas.supernet", *args, timeout=600)


TINY = ["--space", "micronas-1d", "--space-option", "input_channels=12", "--space-option", "length=29",
        "--space-option", "classes=9", "--dataset", "japanesevowels", "--epochs", "1", "--threads", "1",
        "--batch-size", "32", "--random", "1"]


def test_train_then_search_with_the_supernet_evaluator(tmp_path, hwnas_bin):
    ck = tmp_path / "ck.pt"
    p = run_supernet("train", *TINY, "--output", str(ck))
    assert p.returncode == 0, p.stderr[-3000:]
    assert "epoch 1/1" in p.stderr and ck.exists()
    # Refused: an existing checkpoint without --resume, and --resume with other settings.
    p = run_supernet("train", *TINY, "--output", str(ck))
    assert p.returncode == 1 and p.stderr.strip().splitlines()[-1] == \
        f"hwnas.supernet: {ck} exists: give --resume to continue it, or another --output"
    p = run_supernet("train", *[a if a != "32" else "16" for a in TINY], "--output", str(ck), "--resume")
    assert p.returncode == 1 and "made with other settings (batch_size)" in p.stderr.splitlines()[-1], p.stderr
    # The search: every candidate answered with its inherited accuracy.
    out = tmp_path / "r.json"
    env = checkout_env()
    search = [hwnas_bin, "search", "--space", "micronas-1d", "--space-option", "input_channels=12",
              "--space-option", "length=29", "--space-option", "classes=9", "--profile", "stm32f746",
              "--constraint", "flash_kb<=256", "--evaluator", "supernet", "--evaluator-option", f"python={sys.executable}",
              "--evaluator-option", "calibration=200", "--evaluator-option", "finetune_steps=3", "--budget", "4", "--seed", "2",
              "--quiet"]
    r = subprocess.run(search + ["--evaluator-option", f"checkpoint={ck}", "--output", str(out)],
                       capture_output=True, text=True, timeout=600, env=env)
    assert r.returncode == 0, r.stderr[-3000:]
    # A checkpoint that is not there: one line naming the option, before any evaluation.
    bad = subprocess.run(search + ["--evaluator-option", f"checkpoint={tmp_path / 'none.pt'}",
                                   "--output", str(tmp_path / "bad.json")], capture_output=True, text=True, timeout=600, env=env)
    assert bad.returncode != 0 and f"option 'checkpoint': no such file {tmp_path / 'none.pt'}" in bad.stderr, bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1, bad.stderr
    history = json.loads(out.read_text())["history"]
    assert len(history) == 4
    for h in history:
        assert h["status"] == "ok", h
        assert 0 <= h["metrics"]["accuracy"] <= 1
    # The same number from `evaluate`.
    arch = history[0]["arch"]
    p = run_supernet("evaluate", "--checkpoint", str(ck), "--calibration", "200", "--finetune-steps", "3", "--arch", arch)
    assert p.returncode == 0, p.stderr[-2000:]
    assert json.loads(p.stdout)["accuracy"] == pytest.approx(history[0]["metrics"]["accuracy"], abs=1e-9)
    # Without fine-tuning the evaluation is deterministic too.
    plain = [json.loads(run_supernet("evaluate", "--checkpoint", str(ck), "--calibration", "200", "--arch", arch).stdout)
             ["accuracy"] for _ in range(2)]
    assert plain[0] == plain[1]
    # Exported with its inherited weights: ONNX Runtime scores the test split as the evaluator does.
    onnx_path = tmp_path / "sub.onnx"
    p = run_supernet("export", "--checkpoint", str(ck), "--calibration", "200", "--finetune-steps", "3", "--arch", arch,
                     "--output", str(onnx_path), "--hwnas", hwnas_bin)
    assert p.returncode == 0, p.stderr[-2000:]
    # The CLI writes the same file (500 calibration samples by default: its own accuracy line).
    cli_path = tmp_path / "cli.onnx"
    r = subprocess.run([hwnas_bin, "export", "--weights-from", str(ck), "--arch", arch, "--output", str(cli_path)],
                       capture_output=True, text=True, timeout=600, env=env)
    assert r.returncode == 0 and cli_path.exists() and "inherited weights from" in r.stdout, r.stderr
    onnx_acc = float(r.stdout.split("test accuracy ")[1].split()[0])
    # As an int8 TFLite file: the same subnet (same float accuracy), quantised on the training inputs.
    space = ["--space", "micronas-1d", "--space-option", "input_channels=12", "--space-option", "length=29",
             "--space-option", "classes=9"]
    r = subprocess.run([hwnas_bin, "export", "--weights-from", str(ck), *space, "--arch", arch, "--format", "tflite",
                        "--calibration-data", "japanesevowels", "--output", str(tmp_path / "sub.tflite")],
                       capture_output=True, text=True, timeout=600, env=env)
    assert r.returncode == 0 and (tmp_path / "sub.tflite").exists(), r.stderr
    assert float(r.stdout.split("float ")[1].split()[0]) == pytest.approx(100 * onnx_acc, abs=0.01), r.stdout
    r = subprocess.run([hwnas_bin, "export", "--weights-from", str(ck), "--space", "micronas-1d", "--arch", arch,
                        "--output", str(tmp_path / "x.onnx")], capture_output=True, text=True, timeout=600, env=env)
    assert r.returncode == 1 and r.stderr.strip().endswith(
        "the supernet was trained on micronas-1d classes=9 input_channels=12 length=29; give that space and its "
        "options, or none"), r.stderr
    assert not (tmp_path / "x.onnx").exists()
    import numpy as np
    import onnxruntime as ort
    from hwnas.data import load_dataset
    data = load_dataset("japanesevowels")
    x = data.for_input(1, (12, 29))[1].numpy()
    session = ort.InferenceSession(str(onnx_path))
    pred = np.array([session.run(None, {"input": x[i:i + 1]})[0].reshape(-1).argmax() for i in range(len(x))])
    assert (pred == data.yv.numpy()).mean() == pytest.approx(history[0]["metrics"]["accuracy"], abs=0.005)


@pytest.mark.parametrize("name", ["micronas-1d", "ofa-mbv3"])
def test_folding_batch_norm_keeps_the_function(name):
    net = networks(name, n=1, seed=3)[0]
    trained = ht.build(net, batch_norm="train")
    torch.manual_seed(2)
    for m in trained.modules():          # statistics and affine terms far from the defaults
        if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
            m.running_mean.uniform_(-1, 1)
            m.running_var.uniform_(0.5, 2)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.5, 0.5)
    trained.eval()
    folded = ht.fold_batch_norm(trained, net)
    assert ht.count_parameters(folded) == net["params"]
    x = torch.randn(2, *trained.input_shape)
    with torch.no_grad():
        assert torch.allclose(trained(x), folded(x), atol=1e-4, rtol=1e-4)
