"""hwnas.torch.build against hwnas itself: parameter counts against `hwnas
cost`, outputs against ONNX Runtime on hwnas's ONNX export (weights copied
with load_onnx_weights) and against hwnas's own executor (--test-data).

Needs the hwnas binary: env HWNAS_BIN (default <repo>/.build/release/hwnas,
else .build/debug/hwnas)
and HWNAS_HOME (default the repository root, for search-spaces/)."""
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "python"))

import onnx  # noqa: E402
import onnxruntime as ort  # noqa: E402
import torch  # noqa: E402

from onnx import TensorProto, helper, numpy_helper  # noqa: E402

import hwnas.torch as ht  # noqa: E402

torch.set_num_threads(1)   # small tensors: one thread is as fast, and steady on a busy machine

SPACES = ["nb201", "fbnet", "mcunet-mbv2", "micronas-1d", "ofa-mbv3"]


@pytest.fixture(scope="session")
def hwnas(hwnas_bin):
    """Runs the build conftest.py found (HWNAS_BIN, else .build/debug, else .build/release)."""
    binary = hwnas_bin
    env = dict(os.environ)
    env.setdefault("HWNAS_HOME", str(REPO))

    def run(*args):
        p = subprocess.run([binary, *args], env=env, capture_output=True, text=True, timeout=120)
        if p.returncode != 0:
            raise AssertionError(f"hwnas {' '.join(args)} failed ({p.returncode}): {p.stderr}")
        return p.stdout
    return run


def sample_arch(hwnas, space, seed):
    for line in hwnas("spaces", "show", space, "--seed", str(seed)).splitlines():
        if line.startswith("sample: "):
            return line[len("sample: "):]
    raise AssertionError(f"no sample line for {space}")


def tolerance(ref):
    return 1e-4 * max(1.0, float(np.abs(ref).max()))


def ort_run(path, x):
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    sess = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
    return sess.run(None, {"input": x})[0], sess.get_inputs()[0].shape


def torch_run(module, x):
    with torch.no_grad():
        return module(torch.from_numpy(np.ascontiguousarray(x).copy())).numpy()


def read_pb(path):
    t = TensorProto()
    t.ParseFromString(Path(path).read_bytes())
    return numpy_helper.to_array(t)


def check_against_export(hwnas, tmp_path, space, arch, seed):
    """Counts, ORT parity on a random input, and hwnas's test data."""
    args = ["--space", space, "--arch", arch]
    net_json, net_onnx, td = tmp_path / "net.json", tmp_path / "net.onnx", tmp_path / "td"
    td.mkdir()
    hwnas("export", *args, "--output", str(net_json))
    hwnas("export", *args, "--output", str(net_onnx), "--test-data", str(td))
    params = json.loads(hwnas("cost", *args))["metrics"]["params"]
    net = json.loads(net_json.read_text())

    folded = ht.build(net)
    trained = ht.build(net, batch_norm="train")
    bn_channels = sum(l["out_c"] for l in net["layers"] if l["batch_norm"])
    assert ht.count_parameters(folded) == params
    assert ht.count_parameters(trained) == params + bn_channels
    assert folded.folded_norm_channels == bn_channels == ht.folded_norm_channels(net)

    ht.load_onnx_weights(folded, net_onnx)
    folded.eval()
    shape = onnx.load(str(net_onnx), load_external_data=False).graph.input[0].type.tensor_type.shape
    dims = [d.dim_value for d in shape.dim]
    x = np.random.default_rng(seed).standard_normal(dims).astype(np.float32)
    ref, _ = ort_run(net_onnx, x)
    out = torch_run(folded, x)
    assert out.shape == ref.shape
    diff = float(np.abs(out - ref).max())
    print(f"{space} {arch}: params {params}, max|out| {np.abs(ref).max():.4g}, max diff vs ORT {diff:.3g}")
    assert diff <= tolerance(ref), f"max abs diff {diff} vs ORT (max |out| {np.abs(ref).max()})"

    # hwnas's own executor: its input and output
    x0, y0 = read_pb(td / "input_0.pb"), read_pb(td / "output_0.pb")
    out0 = torch_run(folded, x0)
    assert float(np.abs(out0 - y0).max()) <= tolerance(y0)
    # a batch computes per sample what batch 1 does
    xb = np.concatenate([x, x0]).astype(np.float32)
    outb = torch_run(folded, xb)
    assert float(np.abs(outb[0] - out[0]).max()) <= tolerance(ref)
    # the trainable form runs forward and backward (small networks: keep the test quick)
    if net.get("macs", 0) <= 50_000_000:
        trained.train()
        trained(torch.from_numpy(np.concatenate([x, x0]))).pow(2).mean().backward()


@pytest.mark.parametrize("space", SPACES)
@pytest.mark.parametrize("seed", [1, 2])
def test_sampled_networks(hwnas, tmp_path, space, seed):
    check_against_export(hwnas, tmp_path, space, sample_arch(hwnas, space, seed), seed)


@pytest.mark.parametrize("arch", [
    "|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|",       # unreachable output: zero layers
    "|skip_connect~0|+|skip_connect~0|nor_conv_1x1~1|+|avg_pool_3x3~0|skip_connect~1|nor_conv_3x3~2|",  # adds
])
def test_nb201_zero_and_add(hwnas, tmp_path, arch):
    check_against_export(hwnas, tmp_path, "nb201", arch, 3)


# ---------------------------------------------------------------------------
# IR fields no shipped space produces: a hand-written ONNX model read by
# hwnas's importer (dilation, groups, asymmetric pads on convs and pools,
# swish, sigmoid, hswish, hsigmoid, relu6, identity, concat with a channel
# shuffle, stand-alone batchnorm, squeeze-excite, residual), written back
# with hwnas's weights.


def handmade_model(one_d):
    rng = np.random.default_rng(0)
    inits, nodes = [], []

    def W(name, *shape):
        inits.append(numpy_helper.from_array((rng.standard_normal(shape) * 0.3).astype(np.float32), name))
        return name

    def N(op, ins, out, **kw):
        nodes.append(helper.make_node(op, ins, [out], name=out, **kw))
        return out

    def C(name, vals, dt=np.int64):
        nodes.append(helper.make_node("Constant", [], [name], name=name,
                                      value=numpy_helper.from_array(np.array(vals, dtype=dt), name + "_v")))
        return name

    if one_d:
        shape, rest = [1, 4, 40], [19]
        a = N("Conv", ["input", W("w1", 8, 2, 3), W("b1", 8)], "c1", kernel_shape=[3], pads=[2, 0],
              dilations=[2], group=2, strides=[1])
        a = N("HardSwish", [a], "a1")
        b = N("Conv", [a, W("w2", 8, 8, 5), W("b2", 8)], "c2", kernel_shape=[5], pads=[1, 3], strides=[2])
        p = N("AveragePool", [a], "ap", kernel_shape=[3], pads=[1, 1], strides=[2], count_include_pad=0)
        q = N("MaxPool", [a], "mp", kernel_shape=[2], pads=[1, 0], strides=[2])
    else:
        shape, rest = [1, 4, 20, 18], [10, 9]
        a = N("Conv", ["input", W("w1", 8, 2, 3, 3), W("b1", 8)], "c1", kernel_shape=[3, 3], pads=[1, 2, 3, 0],
              dilations=[2, 1], group=2, strides=[1, 1])
        a = N("HardSwish", [a], "a1")
        b = N("Conv", [a, W("w2", 8, 8, 3, 5), W("b2", 8)], "c2", kernel_shape=[3, 5], pads=[0, 1, 2, 3],
              strides=[2, 2])
        p = N("AveragePool", [a], "ap", kernel_shape=[3, 3], pads=[0, 1, 2, 1], strides=[2, 2], count_include_pad=0)
        q = N("MaxPool", [a], "mp", kernel_shape=[2, 3], pads=[1, 1, 0, 1], strides=[2, 2])
    one, three = [1] * len(rest), [3] * len(rest)
    b = N("Mul", [b, N("Sigmoid", [b], "sg2")], "sw2")
    s = N("Add", [b, p], "add1")
    cat = N("Concat", [s, q], "cat", axis=1)
    r = N("Reshape", [cat, C("sh1", [1, 2, 8] + rest)], "r1")
    t = N("Transpose", [r], "tr", perm=[0, 2, 1] + list(range(3, 3 + len(rest))))
    sh = N("Reshape", [t, C("sh2", [1, 16] + rest)], "r2")
    var = C("var", (np.abs(rng.standard_normal(16)) + 0.5).astype(np.float32), np.float32)
    bn = N("BatchNormalization", [sh, W("g", 16), W("be", 16), W("mu", 16), var], "bn", epsilon=1e-5)
    sg = N("Sigmoid", [bn], "sig")
    dw = N("Conv", [sg, W("w3", 16, 1, *three), W("b3", 16)], "dw", kernel_shape=three, pads=[1] * (2 * len(rest)),
           group=16)
    dw = N("Clip", [dw, C("lo", 0.0, np.float32), C("hi", 6.0, np.float32)], "relu6")
    z = N("GlobalAveragePool", [dw], "se_pool")
    z = N("Relu", [N("Conv", [z, W("w4", 4, 16, *one), W("b4", 4)], "se1", kernel_shape=one)], "se_relu")
    z = N("Conv", [z, W("w5", 16, 4, *one), W("b5", 16)], "se2", kernel_shape=one)
    z = N("HardSigmoid", [z], "se_gate", alpha=1 / 6, beta=0.5)
    se = N("Mul", [dw, z], "se_mul")
    res = N("Conv", [se, W("w6", 16, 16, *one), W("b6", 16)], "pw", kernel_shape=one)
    res = N("Relu", [N("Add", [res, sh], "resadd")], "res_relu")
    f = N("Flatten", [N("GlobalAveragePool", [res], "gap")], "flat", axis=1)
    N("Gemm", [f, W("wf", 5, 16), W("bf", 5)], "output", transB=1)
    graph = helper.make_graph(nodes, "handmade", [helper.make_tensor_value_info("input", TensorProto.FLOAT, shape)],
                              [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 5])], inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    m.ir_version = 8
    return m


@pytest.mark.parametrize("one_d", [False, True], ids=["2d", "1d"])
def test_handmade_ir_fields(hwnas, tmp_path, one_d):
    src, net_json, again = tmp_path / "hand.onnx", tmp_path / "hand.json", tmp_path / "again.onnx"
    onnx.save(handmade_model(one_d), str(src))
    hwnas("export", "--model", str(src), "--output", str(net_json))
    hwnas("export", "--model", str(src), "--output", str(again))
    net = json.loads(net_json.read_text())
    assert net["spatial_dims"] == (1 if one_d else 2)
    layers = net["layers"]
    ops = {l["op"] for l in layers}
    assert {"conv2d", "avgpool", "maxpool", "identity", "add", "concat", "batchnorm", "dwconv2d",
            "squeeze_excite", "pwconv2d", "global_avgpool", "linear"} <= ops
    assert any(l["groups"] == 2 and max(l["dilation_h"], l["dilation_w"]) == 2 for l in layers)
    assert any(l["pad_left"] != l["pad_right"] for l in layers if l["op"] == "avgpool" or l["op"] == "maxpool"
               or l["op"] == "conv2d")
    assert any(l["shuffle_groups"] == 2 for l in layers)
    assert any(l["residual"] for l in layers)
    assert {l["activation"] for l in layers} >= {"hswish", "swish", "sigmoid", "relu6", "relu"}

    m = ht.load_onnx_weights(ht.build(net_json), again).eval()
    assert ht.count_parameters(m) == net["params"]
    assert ht.count_parameters(ht.build(net, batch_norm="train")) == net["params"]   # no folded BN here
    x = np.random.default_rng(0).standard_normal([1, 4, 40] if one_d else [1, 4, 20, 18]).astype(np.float32)
    ref, _ = ort_run(again, x)
    out = torch_run(m, x)
    assert out.shape == ref.shape == (1, 5)
    assert float(np.abs(out - ref).max()) <= tolerance(ref)


# ---------------------------------------------------------------------------
# Ops no exportable model reaches: inverted_residual, zero, relu, and
# element-wise layers on a linear's flat output, against a functional reference.


def _layer(op, inp, out, ishape, oshape, **kw):
    l = {"op": op, "input": inp, "input2": -1, "output": out,
         "in_c": ishape[0], "in_h": ishape[1], "in_w": ishape[2],
         "out_c": oshape[0], "out_h": oshape[1], "out_w": oshape[2],
         "kernel_h": 0, "kernel_w": 0, "stride_h": 1, "stride_w": 1, "dilation_h": 1, "dilation_w": 1,
         "pad_top": 0, "pad_left": 0, "pad_bottom": 0, "pad_right": 0, "groups": 1, "expansion": 0,
         "pre_activation": "none", "activation": "none", "batch_norm": False, "shuffle_groups": 0,
         "hidden_c": 0, "hidden_activation": "none", "gate_activation": "none", "residual": False,
         "inplace": False, "cell": "t"}
    l.update(kw)
    return l


def synthetic_network():
    F = (4, 6, 6)
    tensors = [F, F, F, F, F, (4, 1, 1), (3, 1, 1), (3, 1, 1), (3, 1, 1), (3, 1, 1)]
    layers = [
        _layer("inverted_residual", 0, 1, F, F, input2=0, residual=True, expansion=2, groups=2, kernel_h=3,
               kernel_w=3, pad_top=1, pad_left=0, pad_bottom=1, pad_right=2, batch_norm=True,
               pre_activation="relu6"),
        _layer("relu", 1, 2, F, F),
        _layer("zero", 2, 3, F, F),
        _layer("add", 3, 4, F, F, input2=2, activation="relu6"),
        _layer("global_avgpool", 4, 5, F, (4, 1, 1)),
        _layer("linear", 5, 6, (4, 1, 1), (3, 1, 1)),
        _layer("linear", 5, 7, (4, 1, 1), (3, 1, 1)),
        _layer("add", 6, 8, (3, 1, 1), (3, 1, 1), input2=7, activation="hsigmoid"),
        _layer("batchnorm", 8, 9, (3, 1, 1), (3, 1, 1), activation="swish"),
    ]
    return {"spatial_dims": 2, "layers": layers, "tensors": [{"c": c, "h": h, "w": w} for c, h, w in tensors]}


def test_synthetic_ops_against_reference():
    import torch.nn.functional as F
    net = synthetic_network()
    m = ht.build(net).eval()
    g = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for p in m.parameters():
            p.copy_(torch.randn(p.shape, generator=g) * 0.5)
    P = dict(m.named_parameters())
    x = torch.randn(2, 4, 6, 6, generator=g)

    def ir(p, y):   # inverted residual by hand: expand (groups 2), relu, dw 3x3, relu, project
        ex, dw, pr = "layers.0.op.expand.conv.", "layers.0.op.depthwise.conv.", "layers.0.op.project.conv."
        z = F.relu(F.conv2d(y, P[ex + "weight"], P[ex + "bias"], groups=2))
        z = F.pad(z, (0, 2, 1, 1))
        z = F.relu(F.conv2d(z, P[dw + "weight"], P[dw + "bias"], groups=8))
        return F.conv2d(z, P[pr + "weight"], P[pr + "bias"], groups=2)

    with torch.no_grad():
        t1 = ir(P, torch.clamp(x, 0, 6)) + x
        t2 = F.relu(t1)
        t4 = torch.clamp(torch.zeros_like(t2) + t2, 0, 6)
        t5 = t4.mean(dim=(2, 3))
        t6 = F.linear(t5, P["layers.5.op.fc.weight"], P["layers.5.op.fc.bias"])
        t7 = F.linear(t5, P["layers.6.op.fc.weight"], P["layers.6.op.fc.bias"])
        t8 = torch.clamp(t6 + t7 + 3, 0, 6) / 6
        t9 = t8 * P["layers.8.op.scale"] + P["layers.8.op.shift"]
        ref = t9 * torch.sigmoid(t9)
        out = m(x)
    assert out.shape == (2, 3)
    assert torch.allclose(out, ref, atol=1e-5, rtol=1e-5)
    # parameters: expand 4->8 g2 (16 + 8), dw 8 3x3 (72 + 8), project 8->4 g2 (16 + 4), 2 linears 4->3 (15 each), bn 6
    assert ht.count_parameters(m) == 24 + 80 + 20 + 30 + 6
    t = ht.build(net, batch_norm="train")
    # train form: the three convs lose their biases (8 + 8 + 4) and get BNs (16 + 16 + 8)
    assert ht.count_parameters(t) == ht.count_parameters(m) + 8 + 8 + 4
    t.train()
    t(x).sum().backward()


def test_1d_input_forms_and_errors():
    net = synthetic_network()
    bad = json.loads(json.dumps(net))
    bad["layers"][1]["op"] = "softmax"
    with pytest.raises(ValueError, match="softmax"):
        ht.build(bad)
    with pytest.raises(ValueError):
        ht.build(net, batch_norm="fused")
    m = ht.build(net)
    with pytest.raises(ValueError, match="input of shape"):
        m(torch.zeros(1, 3, 6, 6))
    # a request dict and a JSON string build too
    assert ht.count_parameters(ht.build({"type": "evaluate", "network": net})) == ht.count_parameters(m)
    assert ht.count_parameters(ht.build(json.dumps(net))) == ht.count_parameters(m)
