"""Runs an ONNX model that hwnas exported as a PyTorch module, so the same
export is timed in PyTorch (CUDA or CPU) as in ONNX Runtime.

It reads the small op set hwnas's exporter writes (docs/export.md): Conv
(1-D and 2-D), Relu, Clip, HardSwish, HardSigmoid, Sigmoid, Mul, Add,
Concat, AveragePool (padded cells not counted), MaxPool, GlobalAveragePool,
Flatten, Gemm, Reshape, Transpose, ConstantOfShape, Constant, Identity.
Anything else raises naming the node. The module holds the model's weights
and computes what ONNX Runtime computes (checked in
tools/timers/test_onnx_torch.py).
"""
import numpy as np
import onnx
import torch
import torch.nn.functional as F
from onnx import numpy_helper


def _attrs(node):
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


class OnnxModule(torch.nn.Module):
    def __init__(self, model):
        super().__init__()
        g = model.graph
        self.graph_inputs = [i.name for i in g.input if i.name not in {t.name for t in g.initializer}]
        self.graph_outputs = [o.name for o in g.output]
        self.consts = {}
        self.weights = torch.nn.ParameterDict()
        self.names = {}
        for t in g.initializer:
            key = "w%d" % len(self.names)
            self.names[t.name] = key
            arr = numpy_helper.to_array(t)
            if arr.dtype == np.float32:
                self.weights[key] = torch.nn.Parameter(torch.from_numpy(arr.copy()), requires_grad=False)
            else:
                self.consts[t.name] = torch.from_numpy(arr.copy())
        self.nodes = []
        for n in g.node:
            a = _attrs(n)
            if n.op_type == "Constant":
                self.consts[n.output[0]] = torch.from_numpy(numpy_helper.to_array(a["value"]).copy())
                continue
            if n.op_type not in _OPS:
                raise ValueError(f"node {n.name!r}: op {n.op_type} is not one hwnas exports")
            self.nodes.append((n.op_type, list(n.input), list(n.output), a))

    def _value(self, env, name):
        if name in env:
            return env[name]
        if name in self.names:
            return self.weights[self.names[name]]
        c = self.consts[name]
        return c.to(next(iter(self.weights.values())).device) if len(self.weights) and c.is_floating_point() else c

    def forward(self, *inputs):
        env = dict(zip(self.graph_inputs, inputs))
        for op, ins, outs, a in self.nodes:
            xs = [self._value(env, i) if i else None for i in ins]
            if op == "ConstantOfShape":   # made where the inputs are
                env[outs[0]] = torch.zeros([int(v) for v in xs[0].tolist()], device=inputs[0].device)
                continue
            env[outs[0]] = _OPS[op](xs, a)
        out = [env[o] for o in self.graph_outputs]
        return out[0] if len(out) == 1 else tuple(out)


def _conv(xs, a):
    x, w = xs[0], xs[1]
    b = xs[2] if len(xs) > 2 else None
    nd = w.dim() - 2
    pads = a.get("pads", [0] * (2 * nd))
    begin, end = pads[:nd], pads[nd:]
    if begin != end:  # asymmetric: pad explicitly (F.pad takes the last axis first)
        spec = []
        for i in reversed(range(nd)):
            spec += [begin[i], end[i]]
        x = F.pad(x, spec)
        padding = 0
    else:
        padding = tuple(begin)
    f = F.conv1d if nd == 1 else F.conv2d
    return f(x, w, b, stride=tuple(a.get("strides", [1] * nd)), padding=padding,
             dilation=tuple(a.get("dilations", [1] * nd)), groups=a.get("group", 1))


def _pool(xs, a, avg):
    x = xs[0]
    k = a["kernel_shape"]
    nd = len(k)
    pads = a.get("pads", [0] * (2 * nd))
    begin, end = pads[:nd], pads[nd:]
    strides = a.get("strides", [1] * nd)
    if avg:
        # Padded cells are not counted (count_include_pad=0): average the
        # zero-padded sum by the number of real cells under each window.
        spec = []
        for i in reversed(range(nd)):
            spec += [begin[i], end[i]]
        xp = F.pad(x, spec)
        ones = F.pad(torch.ones_like(x[:1, :1]), spec)
        f = F.avg_pool1d if nd == 1 else F.avg_pool2d
        s = f(xp, k, strides, 0)
        n = f(ones, k, strides, 0)
        return s / n
    spec = []
    for i in reversed(range(nd)):
        spec += [begin[i], end[i]]
    xp = F.pad(x, spec, value=float("-inf"))
    f = F.max_pool1d if nd == 1 else F.max_pool2d
    return f(xp, k, strides, 0)


def _gemm(xs, a):
    x, w = xs[0], xs[1]
    if a.get("transB", 0):
        w = w.t()
    y = x @ w
    if len(xs) > 2 and xs[2] is not None:
        y = y + xs[2]
    return y


_OPS = {
    "Conv": _conv,
    "Relu": lambda xs, a: torch.relu(xs[0]),
    "Clip": lambda xs, a: torch.clamp(xs[0], float(xs[1]), float(xs[2])),
    "HardSwish": lambda xs, a: F.hardswish(xs[0]),
    "HardSigmoid": lambda xs, a: torch.clamp(a.get("alpha", 0.2) * xs[0] + a.get("beta", 0.5), 0, 1),
    "Sigmoid": lambda xs, a: torch.sigmoid(xs[0]),
    "Mul": lambda xs, a: xs[0] * xs[1],
    "Add": lambda xs, a: xs[0] + xs[1],
    "Concat": lambda xs, a: torch.cat(xs, dim=a["axis"]),
    "AveragePool": lambda xs, a: _pool(xs, a, avg=True),
    "MaxPool": lambda xs, a: _pool(xs, a, avg=False),
    "GlobalAveragePool": lambda xs, a: xs[0].mean(dim=tuple(range(2, xs[0].dim())), keepdim=True),
    "Flatten": lambda xs, a: torch.flatten(xs[0], a.get("axis", 1)),
    "Gemm": _gemm,
    "Reshape": lambda xs, a: xs[0].reshape([int(v) for v in xs[1].tolist()]),
    "Transpose": lambda xs, a: xs[0].permute(*a["perm"]),
    "ConstantOfShape": lambda xs, a: torch.zeros([int(v) for v in xs[0].tolist()]),
    "Identity": lambda xs, a: xs[0],
}


def load(path):
    return OnnxModule(onnx.load(path)).eval()
