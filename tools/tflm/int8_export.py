#!/usr/bin/env python3
"""Writes a trained network as the int8 TFLite file a board runs: the
user's weights, batch norm folded, post-training quantisation calibrated on
real data, as TensorFlow's converter quantises (weights int8 symmetric, per
output channel for convolutions and dense layers; biases
int32 at input scale x weight scale; activations int8 asymmetric, one scale
and zero point per tensor from the calibration data's min and max). The
graph is ir_to_tflite.py's, op for op, for the converter's graph hwnas
gives with --graph, so its arena is what `hwnas cost` prices; only the
constants and quantisation parameters are real.

usage: int8_export.py NET.json OUT.tflite --weights W --calibration D
           [--samples 500] [--arch A --hwnas BIN] [--graph GRAPH.json]

NET.json  the network IR (hwnas export --format json)
W         .onnx: hwnas's ONNX export of the network with trained weights
          (hwnas export --weights-from ckpt.pt, or hwnas.torch.save_onnx_weights);
          else a PyTorch file: a state dict of hwnas.torch.build(NET,
          batch_norm="train") (or {"state_dict": ...} / {"model": ...}), or
          a supernet checkpoint (python -m hwnas.supernet train; then --arch
          and --hwnas are needed: the subnet is exported first, BN recalibrated)
D         a bundled data set name (hwnas.data) or a .npz (x_train, y_train,
          x_test, y_test) in the network's input shape; the first --samples
          training inputs calibrate, the test split is scored

Prints one JSON line: float_accuracy (the folded float network),
int8_accuracy (the written file in TFLite Micro's interpreter), their test
samples and the calibration samples. Supported layers: convolutions (plain,
grouped, depthwise, pointwise), residual adds, max / average pools, global
average pool, linear, identity, with relu / relu6 or no activation; any
other is refused in one line.
"""
import argparse
import contextlib
import io
import json
import os
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ir_to_tflite import INT8, INT32, Writer  # noqa: E402

SUPPORTED_OPS = {"conv2d", "conv2d_nobias", "pwconv2d", "dwconv2d", "maxpool", "avgpool", "global_avgpool", "linear",
                 "identity", "add"}
SUPPORTED_ACTS = {"none", "relu", "relu6"}


def fail(msg):
    sys.exit(f"int8_export: {msg}")


def quant_params(lo, hi):
    """int8 asymmetric over [lo, hi] widened to hold 0 (zero is exact)."""
    lo, hi = min(float(lo), 0.0), max(float(hi), 0.0)
    if hi - lo < 1e-8:
        hi = lo + 1e-8
    scale = (hi - lo) / 255.0
    zero = int(np.clip(round(-128 - lo / scale), -128, 127))
    return scale, zero


def check_supported(net):
    for i, l in enumerate(net["layers"]):
        if l["op"] not in SUPPORTED_OPS:
            raise ValueError(f"layer {i}: {l['op']} is not written with trained int8 weights yet "
                             f"(supported: {', '.join(sorted(SUPPORTED_OPS))})")
        for key in ("activation", "pre_activation"):
            if l[key] not in SUPPORTED_ACTS:
                raise ValueError(f"layer {i}: {key} {l[key]} is not written with trained int8 weights yet "
                                 f"(supported: {', '.join(sorted(SUPPORTED_ACTS))})")
        if l["shuffle_groups"] > 1:
            raise ValueError(f"layer {i}: channel shuffle is not written with trained int8 weights yet")


def folded_module(net, weights, arch, hwnas_bin):
    """The deployed (BN folded) float module of `net` with the trained weights."""
    import torch
    from hwnas import torch as hwnas_torch
    if weights.endswith(".onnx"):
        return hwnas_torch.load_onnx_weights(hwnas_torch.build(net, batch_norm="folded"), weights).eval()
    state = torch.load(weights, map_location="cpu", weights_only=False)
    if isinstance(state, dict) and isinstance(state.get("supernet"), dict) and "keys" in state["supernet"]:
        # A supernet checkpoint: export the subnet (BN recalibrated), then read that.
        if not arch or not hwnas_bin:
            raise ValueError("a supernet checkpoint needs --arch and --hwnas")
        from hwnas import supernet
        with tempfile.TemporaryDirectory() as tmp:
            onnx_path = os.path.join(tmp, "subnet.onnx")
            err = io.StringIO()
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
                rc = supernet.main(["export", "--checkpoint", weights, "--arch", arch, "--output", onnx_path,
                                    "--hwnas", hwnas_bin])
            if rc or not os.path.exists(onnx_path):
                lines = [l for l in err.getvalue().splitlines() if l.strip()]
                raise ValueError(f"{weights}: the supernet's subnet could not be exported: {lines[-1] if lines else '?'}")
            return hwnas_torch.load_onnx_weights(hwnas_torch.build(net, batch_norm="folded"), onnx_path).eval()
    if isinstance(state, dict):
        for key in ("state_dict", "model"):
            if isinstance(state.get(key), dict):
                state = state[key]
                break
    if not isinstance(state, dict) or not all(hasattr(v, "shape") for v in state.values()):
        raise ValueError(f"{weights}: not a state dict, an .onnx file or a supernet checkpoint")
    trained = hwnas_torch.build(net, batch_norm="train")
    try:
        trained.load_state_dict(state)
    except RuntimeError as e:
        raise ValueError(f"{weights}: not the state dict of this network's module: {str(e).splitlines()[0]}")
    return hwnas_torch.fold_batch_norm(trained.eval(), net)


def calibrate(module, x, batch=256):
    """Per layer: min/max of the op's own output (before a residual add and
    the activation) and of the layer's output; and of the input. Read by
    forward hooks on each layer and its op: the module computes as it does."""
    import torch
    ranges = {"input": [float(x.min()), float(x.max())], "main": {}, "out": {}}

    def widen(store, key):
        def hook(_module, _inputs, y):
            lo, hi = float(y.min()), float(y.max())
            old = store.get(key)
            store[key] = [lo, hi] if old is None else [min(old[0], lo), max(old[1], hi)]
        return hook

    hooks = [h for i, layer in enumerate(module.layers)
             for h in (layer.op.register_forward_hook(widen(ranges["main"], i)),
                       layer.register_forward_hook(widen(ranges["out"], i)))]
    try:
        with torch.no_grad():
            for start in range(0, len(x), batch):
                module(x[start:start + batch])
    finally:
        for h in hooks:
            h.remove()
    return ranges


class TrainedWriter(Writer):
    """ir_to_tflite's graph with the module's weights and calibrated quantisation.

    graph: the network to write: the converter's graph (--graph, from
    hwnas), whose layer k comes from the module's layer origin[k] (a shared
    activation, or a residual layer split into its op and its add), or the
    module's own network (origin: the identity)."""

    def __init__(self, graph, module, ranges, origin=None):
        super().__init__(graph, seed=0)
        self.module, self.ranges = module, ranges
        self.origin = origin if origin is not None else list(range(len(graph["layers"])))
        if len(self.origin) != len(graph["layers"]) or not all(0 <= o < len(module.layers) for o in self.origin):
            raise ValueError("--graph: its 'origin' does not map its layers onto the network's")
        self.current = None      # (layer index, layer dict, the module's layer index) being written

    @staticmethod
    def clipped(r, act):
        """A calibrated range through an activation the graph fused into the op."""
        lo, hi = r
        if act in ("relu", "relu6"):
            lo, hi = max(lo, 0.0), max(hi, 0.0)
        if act == "relu6":
            hi = min(hi, 6.0)
        return [lo, hi]

    def quant_of(self, t):
        q = t.quantization
        return float(np.atleast_1d(q.scales)[0]), int(np.atleast_1d(q.zero_points)[0])

    def act_tensor(self, shape, name, scale=None, zero=None):
        if name == "input":
            scale, zero = quant_params(*self.ranges["input"])
        elif name.endswith("_reshape"):
            scale, zero = self.quant_of(self.reshape_input)          # a RESHAPE keeps its input's
        else:
            i, l, o = self.current
            base = f"L{i}.{l['op']}"
            fused_out = not (l["residual"] and l["input2"] >= 0 and l["op"] != "add")
            # The op half of a residual layer the graph split in two: the module's op output.
            split_op = bool(self.module.layers[o].residual) and l["op"] != "add" and not l["residual"]
            if name.endswith("_pad") or (name == base and l["op"] in ("maxpool", "avgpool", "global_avgpool")):
                scale, zero = self.quant_of(self.window_input)   # padding and TFLite's pools keep their input's
            elif name.startswith(base + "_pre_") or (l["op"] == "identity" and name.startswith(base + "_act_")):
                s_in, z_in = self.quant_of(self.values[l["input"]])    # an activation of the input (shared or not)
                scale, zero = quant_params(0.0, (127 - z_in) * s_in)
            elif split_op:
                scale, zero = quant_params(*self.ranges["main"][o])
            elif name.startswith(base + "_act_") or name.endswith("_residual") or fused_out:
                scale, zero = quant_params(*self.clipped(self.ranges["out"][o], l["activation"]))
            else:
                scale, zero = quant_params(*self.ranges["main"][o])
        return super().act_tensor(shape, name, scale=scale, zero=zero)

    def padding(self, x, l, name):
        self.window_input = x
        return super().padding(x, l, name)

    def mean(self, x, name):
        self.window_input = x
        return super().mean(x, name)

    def layer(self, i, l):
        o = self.origin[i]
        self.current = (i, l, o)
        p = {k: v.detach().numpy().astype(np.float64) for k, v in self.module.layers[o].op.onnx_params().items()}
        self.weights = p
        super().layer(i, l)

    def conv(self, x, cin, cout, groups, l, name, fused, bias=True):
        # The bias is written before the weights: their scales first (per output channel).
        w = self.weights["weight"]
        self.w_scales = np.maximum(np.abs(w).reshape(w.shape[0], -1).max(axis=1), 1e-12) / 127.0
        self.conv_input = x
        return super().conv(x, cin, cout, groups, l, name, fused, bias=bias)

    def int8(self, shape, name, per_channel_axis=None):
        i, l, _ = self.current
        w = self.weights["weight"]
        if l["op"] == "linear":
            # torch flattens C, H, W; TFLite's dense layer reads NHWC: H, W, C.
            cout = w.shape[0]
            w = w.reshape(cout, l["in_c"], l["in_h"], l["in_w"]).transpose(0, 2, 3, 1).reshape(cout, -1)
            s = np.maximum(np.abs(w).max(axis=1), 1e-12) / 127.0     # per output channel, as the converter
            self.w_scales = s
            q = np.clip(np.round(w / s[:, None]), -127, 127).astype(np.int8)
            return self.const(q, INT8, name, scales=list(s), axis=0)
        if w.ndim == 3:                          # 1-D conv: [out, in/g, k] -> [out, 1, k, in/g]
            w = w[:, :, None, :]
        if per_channel_axis == 3:                # depthwise: [c, 1, kh, kw] -> [1, kh, kw, c]
            w = w.transpose(1, 2, 3, 0)
        else:                                    # [out, in/g, kh, kw] -> [out, kh, kw, in/g]
            w = w.transpose(0, 2, 3, 1)
        if tuple(w.shape) != tuple(shape):
            raise ValueError(f"layer {i}: weights of shape {w.shape}, the graph needs {shape}")
        axes = tuple(a for a in range(4) if a != per_channel_axis)
        s = self.w_scales
        q = np.clip(np.round(w / np.expand_dims(s, axes)), -127, 127).astype(np.int8)
        return self.const(q, INT8, name, scales=list(s), axis=per_channel_axis)

    def bias(self, n, name):
        i, l, _ = self.current
        b = self.weights.get("bias", np.zeros(n))
        x = self.conv_input if l["op"] != "linear" else self.values[l["input"]]
        in_scale, _ = self.quant_of(x)
        scales = in_scale * np.broadcast_to(self.w_scales, (n,))
        q = np.clip(np.round(b / scales), -2 ** 31, 2 ** 31 - 1).astype(np.int32)
        return self.const(q, INT32, name, scales=list(scales), axis=0)

    description = "hwnas export (int8, trained weights, calibrated quantization)"


def int8_accuracy(path, x, y):
    """Accuracy of the .tflite file in TFLite Micro's interpreter on NCHW / NCW inputs."""
    from tflite_micro.python.tflite_micro import runtime
    it = runtime.Interpreter.from_file(path, arena_size=16 << 20)
    details = it.get_input_details(0)
    scale, zero = details["quantization_parameters"]["scales"][0], details["quantization_parameters"]["zero_points"][0]
    shape = tuple(details["shape"])
    correct = 0
    for xi, yi in zip(x, y):
        nhwc = np.moveaxis(xi, 0, -1).reshape(shape)        # C, H, W -> H, W, C (a series: 1, W, C)
        q = np.clip(np.round(nhwc / scale) + zero, -128, 127).astype(np.int8)
        it.set_input(q, 0)
        it.invoke()
        correct += int(np.argmax(it.get_output(0).reshape(-1)) == int(yi))
    return correct / len(y)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("network")
    ap.add_argument("output")
    ap.add_argument("--weights", required=True)
    ap.add_argument("--calibration", required=True)
    ap.add_argument("--samples", type=int, default=500, help="training inputs that calibrate the activations")
    ap.add_argument("--arch", help="the architecture (for a supernet checkpoint)")
    ap.add_argument("--hwnas", help="the hwnas command (for a supernet checkpoint)")
    ap.add_argument("--graph", help="the graph to write (hwnas gives the converter's, with each layer's 'origin')")
    a = ap.parse_args(argv)
    import torch
    from hwnas.data import load_dataset
    torch.set_num_threads(1)
    with open(a.network) as f:
        net = json.load(f)
    graph = net
    if a.graph:
        try:
            with open(a.graph) as f:
                graph = json.load(f)
        except (OSError, ValueError) as e:
            fail(f"--graph {a.graph}: {e}")
    try:
        check_supported(net)
        if not os.path.exists(a.weights):
            raise ValueError(f"{a.weights}: no such file")
        module = folded_module(net, a.weights, a.arch, a.hwnas)
        data = load_dataset(a.calibration)
        xt, xv = data.for_input(module.spatial_dims, module.input_shape)
    except (ValueError, KeyError, OSError) as e:
        fail(str(e))
    calib = xt[:max(1, a.samples)].float()
    ranges = calibrate(module, calib)
    try:
        blob = TrainedWriter(graph, module, ranges, graph.get("origin") if a.graph else None).model()
    except (ValueError, KeyError) as e:
        fail(f"{a.network}: {e}")
    tmp = f"{a.output}.part-{os.getpid()}"
    with open(tmp, "wb") as f:
        f.write(blob)
    os.replace(tmp, a.output)
    with torch.no_grad():
        logits = torch.cat([module(xv[s:s + 256].float()) for s in range(0, len(xv), 256)])
    float_acc = float((logits.argmax(1) == data.yv).float().mean())
    int8_acc = int8_accuracy(a.output, xv.numpy(), data.yv.numpy())
    print(json.dumps({"output": a.output, "float_accuracy": float_acc, "int8_accuracy": int8_acc,
                      "test_samples": len(data.yv), "calibration_samples": len(calib)}), flush=True)


if __name__ == "__main__":
    main()
