"""Rebuild an hwnas network IR as a PyTorch module.

The network IR (docs/network-ir.md) is what ``hwnas export --format json``
writes and what the command evaluator sends in every request's ``network``
(docs/evaluator-protocol.md). :func:`build` turns it into an ``nn.Module``
layer for layer, following the IR's order of computation inside a layer::

    y = pre_activation(input)
    y = op(y)                 (batch_norm: a BatchNorm follows the op)
    y = y + input2            (residual layers)
    y = activation(y)
    y = channel_shuffle(y)    (shuffle_groups > 1)

Two forms:

* ``batch_norm="folded"`` (default): the deployed network, exactly as
  ``hwnas export --output net.onnx`` writes it. A layer with ``batch_norm``
  is one convolution with a bias (the folded BN's shift), so
  ``count_parameters(module) == hwnas cost``'s ``params``.
  :func:`load_onnx_weights` copies the initializers of hwnas's ONNX export
  into such a module; it then computes the same function as the ONNX model.
* ``batch_norm="train"``: the trainable form. A layer with ``batch_norm`` is
  a convolution *without* bias followed by ``nn.BatchNorm1d/2d`` (a scale and
  a shift per channel), so the parameter count is ``params`` plus one per
  folded BN channel (``params + sum(out_c of layers with batch_norm)``,
  hwnas's "training" count). Convolutions without BN keep the bias the IR
  gives them; the stand-alone ``batchnorm`` op becomes a real
  ``nn.BatchNorm`` (2 C parameters in both forms).

Choices and their reasons:

* 1-D networks (``spatial_dims == 1``) use ``nn.Conv1d`` and take inputs of
  shape ``[N, C, W]``, the layout of hwnas's ONNX export (its 1-D conv weights
  are ``[out, in/groups, k]``, as Conv1d's). An input of ``[N, C, 1, W]`` is
  accepted too. Pools have no parameters and are computed by the 2-D
  functional ops on a ``[N, C, 1, W]`` view, which is the same arithmetic.
* Padding is always explicit (``pad_top, pad_left, pad_bottom, pad_right``):
  symmetric pads go to the convolution, asymmetric ones through ``F.pad``
  first. ``maxpool`` pads with ``-inf`` (padding never wins), ``avgpool``
  divides each window's sum by the number of real cells it covers
  (``count_include_pad=0``, as hwnas's executor and ONNX export).
* Tensors are kept in their spatial form inside the module (a ``linear``
  output is ``[N, C, 1, 1]``); the module's output is ``[N, C]`` when the
  ONNX export's is (the last layer is a ``linear``, or element-wise layers
  after one), else ``[N, C, H, W]`` / ``[N, C, W]``.
* ``inverted_residual`` (one op for a whole FBNet block; no shipped space emits
  it, they emit its three layers) is expand 1x1 (groups) + bias, ReLU,
  depthwise k x k + bias, ReLU, project 1x1 (groups) + bias, as the ONNX
  export. Its train form puts a BatchNorm after each of the three convs:
  ``2 * mid + out_c`` BN parameters more than ``params`` where hwnas's
  training count (``Layer.foldedNormChannels``) adds only ``out_c``.
* Window dilation is honoured for pools too (``dilation_h/w``); hwnas's ONNX
  export writes no ``dilations`` attribute on pools (opset 17 has none for
  AveragePool), so a dilated pool would not match the ONNX file. No shipped
  space has one.

Extra inputs: a tensor read by a layer but written by none (other than
tensor 0; e.g. one layer cut out of a network) is an extra argument of
``forward``, in the order the ONNX export lists them (``input_<id>``).
"""
from __future__ import annotations

import json
import os
import re
from typing import Any, Dict, List, Optional, Union

import numpy as np

import torch
import torch.nn as nn
import torch.nn.functional as F

__all__ = ["build", "load_onnx_weights", "fold_batch_norm", "save_onnx_weights", "count_parameters",
           "folded_norm_channels", "HwnasNetwork", "ACTIVATIONS", "CONV_OPS"]

ACTIVATIONS = ("none", "relu", "relu6", "hswish", "hsigmoid", "sigmoid", "swish")
CONV_OPS = frozenset(["conv2d", "conv2d_nobias", "relu_conv_bn", "pwconv2d", "dwconv2d"])
# Ops reading a spatial feature map; the others are element-wise (or a linear).
WINDOW_OPS = CONV_OPS | {"inverted_residual", "avgpool", "maxpool", "global_avgpool", "squeeze_excite"}
RESIDUAL, INPLACE, EXPLICIT_PADDING = 1, 2, 4


# ---------------------------------------------------------------------------
# Reading the IR


def _load(network: Any) -> Dict[str, Any]:
    """The network dict from a dict, a JSON string, a path, or a request."""
    if isinstance(network, (str, os.PathLike)):
        s = os.fspath(network)
        if s.lstrip().startswith("{"):
            network = json.loads(s)
        else:
            with open(s, "r", encoding="utf-8") as f:
                network = json.load(f)
    if not isinstance(network, dict):
        raise TypeError(f"network: expected a dict, a JSON string or a path, got {type(network).__name__}")
    if "layers" not in network and isinstance(network.get("network"), dict):
        network = network["network"]          # a whole evaluate request
    if not network.get("layers") or not network.get("tensors"):
        raise ValueError("network: needs 'layers' and 'tensors' (docs/network-ir.md)")
    return network


def _act_name(a: Any) -> str:
    if a is None:
        return "none"
    if isinstance(a, int):
        if not 0 <= a < len(ACTIVATIONS):
            raise ValueError(f"unknown activation code {a}")
        return ACTIVATIONS[a]
    a = str(a).lower()
    if a not in ACTIVATIONS:
        raise ValueError(f"unknown activation '{a}' (known: {', '.join(ACTIVATIONS)})")
    return a


def _flag(v: Any) -> bool:
    if isinstance(v, str):
        return v.lower() in ("folded", "true", "1", "yes")
    return bool(v)


class _Spec:
    """One layer record with defaults for fields a 1.0 record lacks."""

    def __init__(self, i: int, l: Dict[str, Any], spatial_dims: int):
        self.index = i
        self.raw = l
        self.op = l["op"]
        self.input = int(l["input"])
        self.input2 = int(l.get("input2", -1))
        self.output = int(l["output"])
        self.in_c, self.in_h, self.in_w = int(l["in_c"]), int(l.get("in_h", 1)), int(l.get("in_w", 1))
        self.out_c, self.out_h, self.out_w = int(l["out_c"]), int(l.get("out_h", 1)), int(l.get("out_w", 1))
        k = int(l.get("kernel", 0) or 0)
        self.kh = int(l.get("kernel_h", k if spatial_dims == 2 else (1 if k else 0)) or 0)
        self.kw = int(l.get("kernel_w", k) or 0)
        s = int(l.get("stride", 1) or 1)
        self.sh = int(l.get("stride_h", s if spatial_dims == 2 else 1) or 1)
        self.sw = int(l.get("stride_w", s) or 1)
        self.dh = int(l.get("dilation_h", 1) or 1)
        self.dw = int(l.get("dilation_w", 1) or 1)
        flags = int(l.get("flags", 0) or 0)
        if "pad_top" in l:
            self.pads = (int(l["pad_top"]), int(l["pad_left"]), int(l["pad_bottom"]), int(l["pad_right"]))
        else:   # a 1.0 record: "same" padding
            ph = (self.kh - 1) // 2 * self.dh if self.kh else 0
            pw = (self.kw - 1) // 2 * self.dw if self.kw else 0
            self.pads = (ph, pw, ph, pw)
        self.groups = max(int(l.get("groups", 1) or 1), 1)
        self.expansion = int(l.get("expansion", 0) or 0)
        self.pre_activation = _act_name(l.get("pre_activation", "none"))
        self.activation = _act_name(l.get("activation", "none"))
        self.batch_norm = _flag(l.get("batch_norm", False))
        self.shuffle_groups = int(l.get("shuffle_groups", 0) or 0)
        self.hidden_c = int(l.get("hidden_c", 0) or 0)
        self.hidden_activation = _act_name(l.get("hidden_activation", "none"))
        self.gate_activation = _act_name(l.get("gate_activation", "none"))
        self.residual = bool(l["residual"]) if "residual" in l else bool(flags & RESIDUAL)
        self.params = l.get("params")
        self.bias_elems = l.get("bias_elems")

    def where(self) -> str:
        return f"layer {self.index} ({self.op}, cell {self.raw.get('cell', '?')})"


# ---------------------------------------------------------------------------
# Pieces


def activation(name: str, x: torch.Tensor) -> torch.Tensor:
    """Apply one of the IR's activations (docs/network-ir.md)."""
    if name == "none":
        return x
    if name == "relu":
        return F.relu(x)
    if name == "relu6":
        return torch.clamp(x, 0.0, 6.0)
    if name == "hswish":
        return F.hardswish(x)                  # x * relu6(x + 3) / 6
    if name == "hsigmoid":
        return F.hardsigmoid(x)                # relu6(x + 3) / 6
    if name == "sigmoid":
        return torch.sigmoid(x)
    if name == "swish":
        return x * torch.sigmoid(x)
    raise ValueError(f"unknown activation '{name}'")


def _conv_cls(spatial_dims: int):
    return nn.Conv1d if spatial_dims == 1 else nn.Conv2d


def _bn_cls(spatial_dims: int):
    return nn.BatchNorm1d if spatial_dims == 1 else nn.BatchNorm2d


class _Conv(nn.Module):
    """One convolution with explicit (possibly asymmetric) zero padding, an
    optional bias and, in the train form, an optional BatchNorm after it."""

    def __init__(self, spatial_dims, in_c, out_c, kh, kw, sh, sw, dh, dw, pads, groups, bias, bn):
        super().__init__()
        pt, pl, pb, pr = pads
        self.one_d = spatial_dims == 1
        if self.one_d:
            if kh > 1 or sh > 1 or pt or pb:
                raise ValueError("a 1-D network has a window with height")
            symmetric = pl == pr
            kernel, stride, dilation = kw, sw, dw
            padding = pl if symmetric else 0
            self.pad = None if symmetric else (pl, pr)
        else:
            symmetric = pt == pb and pl == pr
            kernel, stride, dilation = (kh, kw), (sh, sw), (dh, dw)
            padding = (pt, pl) if symmetric else 0
            self.pad = None if symmetric else (pl, pr, pt, pb)
        self.conv = _conv_cls(spatial_dims)(in_c, out_c, kernel, stride=stride, padding=padding,
                                            dilation=dilation, groups=groups, bias=bias)
        self.bn = _bn_cls(spatial_dims)(out_c) if bn else None

    def forward(self, x):
        if self.pad is not None:
            x = F.pad(x, self.pad)
        x = self.conv(x)
        return self.bn(x) if self.bn is not None else x

    def onnx_params(self, prefix=""):
        p = {prefix + "weight": self.conv.weight}
        if self.conv.bias is not None:
            p[prefix + "bias"] = self.conv.bias
        return p


class _ConvOp(nn.Module):
    def __init__(self, s: _Spec, spatial_dims: int, train: bool):
        super().__init__()
        if s.op == "dwconv2d":
            groups = s.in_c
        else:
            groups = s.groups
        kh, kw = max(s.kh, 1), max(s.kw, 1)
        if spatial_dims == 1:
            kh = 1
        if s.op == "pwconv2d" and (kh != 1 or kw != 1):
            raise ValueError(f"{s.where()}: pwconv2d with a {kh}x{kw} kernel")
        if s.op == "conv2d_nobias":
            has_bias = False
        elif s.bias_elems is not None:
            has_bias = int(s.bias_elems) > 0
        else:
            has_bias = True
        bn = train and s.batch_norm and s.op != "conv2d_nobias"
        self.body = _Conv(spatial_dims, s.in_c, s.out_c, kh, kw, s.sh, s.sw, s.dh, s.dw, s.pads, groups,
                          bias=has_bias and not bn, bn=bn)

    def forward(self, x):
        return self.body(x)

    def onnx_params(self):
        return self.body.onnx_params()


class _InvertedResidual(nn.Module):
    def __init__(self, s: _Spec, spatial_dims: int, train: bool):
        super().__init__()
        e = max(s.expansion, 1)
        mid, g = s.in_c * e, s.groups
        bn = train and s.batch_norm
        kh = 1 if spatial_dims == 1 else max(s.kh, 1)
        self.expand = _Conv(spatial_dims, s.in_c, mid, 1, 1, 1, 1, 1, 1, (0, 0, 0, 0), g, bias=not bn, bn=bn)
        self.depthwise = _Conv(spatial_dims, mid, mid, kh, max(s.kw, 1), s.sh, s.sw, s.dh, s.dw, s.pads, mid,
                               bias=not bn, bn=bn)
        self.project = _Conv(spatial_dims, mid, s.out_c, 1, 1, 1, 1, 1, 1, (0, 0, 0, 0), g, bias=not bn, bn=bn)

    def forward(self, x):
        return self.project(F.relu(self.depthwise(F.relu(self.expand(x)))))

    def onnx_params(self):
        p = {}
        for n in ("expand", "depthwise", "project"):
            p.update(getattr(self, n).onnx_params(n + "."))
        return p


class _SqueezeExcite(nn.Module):
    def __init__(self, s: _Spec, spatial_dims: int):
        super().__init__()
        if s.hidden_c <= 0:
            raise ValueError(f"{s.where()}: squeeze_excite needs hidden_c > 0")
        conv = _conv_cls(spatial_dims)
        self.one_d = spatial_dims == 1
        self.reduce = conv(s.in_c, s.hidden_c, 1)
        self.expand = conv(s.hidden_c, s.in_c, 1)
        self.hidden_activation, self.gate_activation = s.hidden_activation, s.gate_activation

    def forward(self, x):
        dims = tuple(range(2, x.dim()))
        z = x.mean(dim=dims, keepdim=True)
        z = activation(self.hidden_activation, self.reduce(z))
        z = activation(self.gate_activation, self.expand(z))
        return x * z

    def onnx_params(self):
        return {"reduce.weight": self.reduce.weight, "reduce.bias": self.reduce.bias,
                "expand.weight": self.expand.weight, "expand.bias": self.expand.bias}


class _Pool(nn.Module):
    """avgpool (padded cells not counted) or maxpool (padding never wins),
    explicit asymmetric padding and dilation, on a 2-D view."""

    def __init__(self, s: _Spec, spatial_dims: int):
        super().__init__()
        self.kind = s.op
        self.one_d = spatial_dims == 1
        kh = 1 if self.one_d else max(s.kh, 1)
        kw = max(s.kw, 1)
        pt, pl, pb, pr = s.pads
        if self.one_d:
            pt = pb = 0
        self.k, self.st, self.dil = (kh, kw), ((1 if self.one_d else s.sh), s.sw), ((1 if self.one_d else s.dh), s.dw)
        self.pad = (pl, pr, pt, pb)
        self.padded = any(self.pad)
        in_h = 1 if self.one_d else s.in_h
        if self.kind == "avgpool":
            # The number of real (unpadded) cells in every window: a constant of the shape.
            ones = F.pad(torch.ones(1, 1, in_h, s.in_w), self.pad)
            count = F.conv2d(ones, torch.ones(1, 1, kh, kw), stride=self.st, dilation=self.dil)
            if (count <= 0).any():
                raise ValueError(f"{s.where()}: a window covers only padding")
            self.register_buffer("count", count, persistent=False)
            self.full = not self.padded and self.dil == (1, 1)

    def forward(self, x):
        if self.one_d:
            x = x.unsqueeze(2)
        if self.kind == "maxpool":
            if self.padded:
                x = F.pad(x, self.pad, value=float("-inf"))
            y = F.max_pool2d(x, self.k, self.st, 0, self.dil)
        elif self.full:
            y = F.avg_pool2d(x, self.k, self.st)
        else:
            if self.padded:
                x = F.pad(x, self.pad)
            if self.dil == (1, 1):
                y = F.avg_pool2d(x, self.k, self.st, divisor_override=1)
            else:
                c = x.shape[1]
                w = torch.ones(c, 1, *self.k, dtype=x.dtype, device=x.device)
                y = F.conv2d(x, w, stride=self.st, dilation=self.dil, groups=c)
            y = y / self.count
        return y.squeeze(2) if self.one_d else y

    def onnx_params(self):
        return {}


class _GlobalAvgPool(nn.Module):
    def forward(self, x):
        return x.mean(dim=tuple(range(2, x.dim())), keepdim=True)

    def onnx_params(self):
        return {}


class _Linear(nn.Module):
    def __init__(self, s: _Spec, spatial_dims: int, train: bool):
        super().__init__()
        fin = s.in_c * s.in_h * s.in_w
        bn = train and s.batch_norm
        self.fc = nn.Linear(fin, s.out_c, bias=not bn)
        self.bn = nn.BatchNorm1d(s.out_c) if bn else None
        self.spatial_dims = spatial_dims

    def forward(self, x):
        y = self.fc(x.flatten(1))
        if self.bn is not None:
            y = self.bn(y)
        return y.reshape(y.shape[0], y.shape[1], *([1] * self.spatial_dims))

    def onnx_params(self):
        p = {"weight": self.fc.weight}
        if self.fc.bias is not None:
            p["bias"] = self.fc.bias
        return p


class _BatchNorm(nn.Module):
    """Stand-alone BN: a per-channel scale and shift (folded), or nn.BatchNorm (train)."""

    def __init__(self, s: _Spec, spatial_dims: int, train: bool):
        super().__init__()
        c = s.in_c
        if train:
            self.bn = _bn_cls(spatial_dims)(c)
        else:
            self.bn = None
            self.scale = nn.Parameter(torch.ones(c))
            self.shift = nn.Parameter(torch.zeros(c))

    def forward(self, x):
        if self.bn is not None:
            return self.bn(x)
        shape = (1, -1) + (1,) * (x.dim() - 2)
        return x * self.scale.view(shape) + self.shift.view(shape)

    def onnx_params(self):
        return {} if self.bn is not None else {"scale": self.scale, "shift": self.shift}


class _NoParams(nn.Module):
    def __init__(self, op: str, out_shape):
        super().__init__()
        self.op = op
        self.out_shape = out_shape

    def forward(self, x, x2=None):
        if self.op == "identity":
            return x
        if self.op == "relu":
            return F.relu(x)
        if self.op == "zero":
            return x.new_zeros((x.shape[0],) + self.out_shape)
        if self.op == "add":
            return x + x2
        if self.op == "concat":
            return torch.cat([x, x2], dim=1)
        raise ValueError(self.op)

    def onnx_params(self):
        return {}


class Layer(nn.Module):
    """One IR layer: pre-activation, op, residual add, activation, shuffle."""

    def __init__(self, s: _Spec, spatial_dims: int, train: bool):
        super().__init__()
        self.index = s.index
        self.op_name = s.op
        self.input, self.input2, self.output = s.input, s.input2, s.output
        self.pre_activation, self.activation = s.pre_activation, s.activation
        self.residual = s.residual and s.op != "add" and s.input2 >= 0
        self.shuffle_groups = s.shuffle_groups
        self.cell = s.raw.get("cell", "")
        out_shape = (s.out_c, s.out_w) if spatial_dims == 1 else (s.out_c, s.out_h, s.out_w)
        self.out_shape = out_shape
        op = s.op
        if op in CONV_OPS:
            self.op = _ConvOp(s, spatial_dims, train)
        elif op == "inverted_residual":
            self.op = _InvertedResidual(s, spatial_dims, train)
        elif op == "squeeze_excite":
            self.op = _SqueezeExcite(s, spatial_dims)
        elif op in ("avgpool", "maxpool"):
            self.op = _Pool(s, spatial_dims)
        elif op == "global_avgpool":
            self.op = _GlobalAvgPool()
        elif op == "linear":
            self.op = _Linear(s, spatial_dims, train)
        elif op == "batchnorm":
            self.op = _BatchNorm(s, spatial_dims, train)
        elif op in ("identity", "zero", "add", "concat", "relu"):
            if op in ("add", "concat") and s.input2 < 0:
                raise ValueError(f"{s.where()}: {op} needs input2")
            self.op = _NoParams(op, out_shape)
        else:
            raise ValueError(f"{s.where()}: operator '{op}' is not in the core operator set "
                             "(docs/network-ir.md); hwnas.torch cannot build it")
        self.two_inputs = op in ("add", "concat")
        if self.shuffle_groups > 1 and s.out_c % self.shuffle_groups:
            raise ValueError(f"{s.where()}: {s.out_c} channels do not split in {self.shuffle_groups} groups")

    def forward(self, x, x2=None):
        y = activation(self.pre_activation, x)
        y = self.op(y, x2) if self.two_inputs else self.op(y)
        if self.residual:
            y = y + x2
        y = activation(self.activation, y)
        g = self.shuffle_groups
        if g > 1:
            n, c = y.shape[0], y.shape[1]
            rest = y.shape[2:]
            y = y.reshape(n, g, c // g, *rest).transpose(1, 2).reshape(n, c, *rest)
        return y

    def extra_repr(self):
        bits = [f"{self.index}: {self.op_name} t{self.input}"]
        if self.input2 >= 0:
            bits.append(f"+t{self.input2}")
        bits.append(f"-> t{self.output}")
        if self.pre_activation != "none":
            bits.append(f"pre={self.pre_activation}")
        if self.residual:
            bits.append("residual")
        if self.activation != "none":
            bits.append(f"act={self.activation}")
        if self.shuffle_groups > 1:
            bits.append(f"shuffle={self.shuffle_groups}")
        return " ".join(bits)


class HwnasNetwork(nn.Module):
    """The whole network: layers in execution order over a table of tensors."""

    def __init__(self, network: Dict[str, Any], batch_norm: str, layer_cache: Optional[Dict] = None):
        super().__init__()
        self.spatial_dims = int(network.get("spatial_dims", 2))
        if self.spatial_dims not in (1, 2):
            raise ValueError(f"spatial_dims must be 1 or 2, got {self.spatial_dims}")
        self.batch_norm = batch_norm
        train = batch_norm == "train"
        tensors = network["tensors"]
        t0 = tensors[0]
        self.input_shape = (int(t0["c"]), int(t0["w"])) if self.spatial_dims == 1 else \
            (int(t0["c"]), int(t0["h"]), int(t0["w"]))
        specs = [_Spec(i, l, self.spatial_dims) for i, l in enumerate(network["layers"])]
        written = {0}
        self.extra_inputs: List[int] = []
        flat = set()
        for s in specs:
            for t in (s.input, s.input2):
                if t < -1 or t >= len(tensors):
                    raise ValueError(f"{s.where()}: tensor {t} out of range")
                if t > 0 and t not in written and t not in self.extra_inputs:
                    self.extra_inputs.append(t)
            if s.output >= len(tensors):
                raise ValueError(f"{s.where()}: output tensor {s.output} out of range")
            ti, to = tensors[s.input], tensors[s.output]
            if (ti["c"], ti["h"], ti["w"]) != (s.in_c, s.in_h, s.in_w) or \
                    (to["c"], to["h"], to["w"]) != (s.out_c, s.out_h, s.out_w):
                raise ValueError(f"{s.where()}: shapes disagree with the tensor table")
            written.add(s.output)
            out_flat = s.input in flat and s.op not in WINDOW_OPS
            if s.op == "linear":
                out_flat = True
            if out_flat:
                flat.add(s.output)
            else:
                flat.discard(s.output)
        if layer_cache is None:
            self.layers = nn.ModuleList([Layer(s, self.spatial_dims, train) for s in specs])
        else:   # the same layer record at the same position: the same module object
            layers = []
            for s in specs:
                key = (self.spatial_dims, train, s.index, json.dumps(s.raw, sort_keys=True))
                layer = layer_cache.get(key)
                if layer is None:
                    layer = layer_cache[key] = Layer(s, self.spatial_dims, train)
                layers.append(layer)
            self.layers = nn.ModuleList(layers)
        self.output_tensor = specs[-1].output
        self.output_flat = self.output_tensor in flat
        # Last reader of every tensor: free it after that layer.
        last = {}
        for i, s in enumerate(specs):
            for t in (s.input, s.input2):
                if t >= 0:
                    last[t] = i
        self._free_after = [[t for t, i in last.items() if i == j and t != self.output_tensor]
                            for j in range(len(specs))]
        self.n_tensors = len(tensors)
        self.folded_norm_channels = sum(s.out_c for s in specs if s.batch_norm)
        self.ir_params = sum(int(s.params) for s in specs if s.params is not None)

    def forward(self, x: torch.Tensor, *extra: torch.Tensor) -> torch.Tensor:
        if self.spatial_dims == 1 and x.dim() == 4 and x.shape[2] == 1:
            x = x.squeeze(2)
        if tuple(x.shape[1:]) != self.input_shape:
            raise ValueError(f"input of shape {tuple(x.shape)}; the network takes [N, {', '.join(map(str, self.input_shape))}]")
        if len(extra) != len(self.extra_inputs):
            raise ValueError(f"the network reads {len(self.extra_inputs)} extra input tensors "
                             f"{self.extra_inputs}, {len(extra)} given")
        t: Dict[int, torch.Tensor] = {0: x}
        for tid, v in zip(self.extra_inputs, extra):
            t[tid] = v
        for j, layer in enumerate(self.layers):
            x2 = t[layer.input2] if layer.input2 >= 0 else None
            t[layer.output] = layer(t[layer.input], x2)
            for tid in self._free_after[j]:
                t.pop(tid, None)
        y = t[self.output_tensor]
        return y.flatten(1) if self.output_flat else y


def build(network: Union[Dict[str, Any], str, os.PathLike], batch_norm: str = "folded",
          layer_cache: Optional[Dict] = None) -> HwnasNetwork:
    """Build the network of an hwnas IR as a PyTorch module.

    ``network``: the IR as a dict (``hwnas export --format json``'s file
    parsed, or the ``network`` of an evaluate request, or the request itself),
    a JSON string, or the path of a JSON file.

    ``batch_norm="folded"``: deployed form; every layer with ``batch_norm``
    is one convolution with a bias and the parameter count equals ``hwnas
    cost``'s ``params``. Load hwnas's exported weights with
    :func:`load_onnx_weights`.

    ``batch_norm="train"``: trainable form; a layer with ``batch_norm`` is a
    convolution without bias followed by ``nn.BatchNorm1d/2d``. The parameter
    count is ``params + folded BN channels`` (each folded BN channel is a
    bias in the deployed form and a scale and a shift here: 2 per channel
    instead of 1), i.e. ``params + sum(out_c of the layers with batch_norm)``
    (``module.folded_norm_channels``), hwnas's "training" count. (Exception:
    ``inverted_residual``, see the module doc.)

    Input: ``[N, C, H, W]`` (``[N, C, W]`` for ``spatial_dims == 1``).
    Output: ``[N, classes]`` when the network ends in a ``linear``, as the
    ONNX export.

    ``layer_cache``: a dict kept across calls by a caller that runs many
    networks of one space through functional calls (the supernet): a layer
    whose record and position were built before is that same module object,
    so its parameters and batch-norm buffers are shared between networks.
    Leave it out for a network of your own.
    """
    if batch_norm not in ("folded", "train"):
        raise ValueError(f"batch_norm must be 'folded' or 'train', got {batch_norm!r}")
    return HwnasNetwork(_load(network), batch_norm, layer_cache)


def count_parameters(module: nn.Module) -> int:
    """Number of parameter elements (as PyTorch counts them)."""
    return sum(p.numel() for p in module.parameters())


def folded_norm_channels(network: Any) -> int:
    """Sum of out_c over the layers with batch_norm: train params - deployed params."""
    net = _load(network)
    return sum(int(l["out_c"]) for l in net["layers"] if _flag(l.get("batch_norm", False)))


_INIT_NAME = re.compile(r"^layer(\d+)\.(.+)$")


def _onnx_parameters(module: HwnasNetwork) -> Dict[str, torch.Tensor]:
    """Every parameter of a folded module by the name of its ONNX initializer
    in hwnas's export (layer<i>.weight, layer<i>.expand.bias, ...)."""
    return {f"layer{i}.{name}": p for i, layer in enumerate(module.layers) for name, p in layer.op.onnx_params().items()}


def load_onnx_weights(module: HwnasNetwork, onnx_path: Any) -> HwnasNetwork:
    """Copy the initializers of hwnas's ONNX export into a folded module.

    ``onnx_path``: the file ``hwnas export --output net.onnx`` wrote (or an
    ``onnx.ModelProto``) for the same network. Initializers are named
    ``layer<i>.weight``, ``layer<i>.bias``, ``layer<i>.expand.weight``,
    ``layer<i>.scale`` ...; each is copied into the parameter of layer ``i``
    it belongs to. Every parameter of the module must be covered, and every
    initializer used. Afterwards the module computes what ONNX Runtime
    computes on the file. Returns the module.
    """
    import onnx
    from onnx import numpy_helper

    if not isinstance(module, HwnasNetwork):
        raise TypeError("load_onnx_weights: expected a module made by hwnas.torch.build")
    if module.batch_norm != "folded":
        raise ValueError("load_onnx_weights: the ONNX export is in deployed form; build the module with batch_norm='folded'")
    model = onnx_path if isinstance(onnx_path, onnx.ModelProto) else onnx.load(os.fspath(onnx_path))
    targets = _onnx_parameters(module)
    seen = set()
    with torch.no_grad():
        for init in model.graph.initializer:
            if init.data_type != onnx.TensorProto.FLOAT:
                continue
            if not _INIT_NAME.match(init.name):
                raise ValueError(f"{init.name}: not an hwnas layer initializer (layer<i>.<what>)")
            if init.name not in targets:
                raise ValueError(f"{init.name}: the module has no such parameter (built from another network?)")
            p = targets[init.name]
            a = torch.from_numpy(numpy_helper.to_array(init).copy())
            if a.numel() != p.numel():
                raise ValueError(f"{init.name}: {a.numel()} values for a parameter of shape {tuple(p.shape)}")
            p.copy_(a.reshape(p.shape).to(p.dtype))
            seen.add(init.name)
    missing = sorted(set(targets) - seen)
    if missing:
        raise ValueError(f"the ONNX file has no values for {len(missing)} parameters: {', '.join(missing[:5])}")
    return module


def fold_batch_norm(trained: HwnasNetwork, network: Any) -> HwnasNetwork:
    """The deployed (folded) form of a train-form module: every convolution
    followed by a BatchNorm becomes one convolution with a bias,
    W' = W * g / sqrt(var + eps), b' = beta + (b - mean) * g / sqrt(var + eps),
    with the BN's running statistics (eval mode). Computes what the trained
    module computes in eval mode, as hwnas's ONNX export's layout."""
    if not isinstance(trained, HwnasNetwork) or trained.batch_norm != "train":
        raise ValueError("fold_batch_norm: expected a module built with batch_norm='train'")
    folded = build(network, batch_norm="folded")
    if len(folded.layers) != len(trained.layers):
        raise ValueError("fold_batch_norm: the network is not the one the module was built from")
    with torch.no_grad():
        for i, (t, f) in enumerate(zip(trained.layers, folded.layers)):
            t_convs = [m for m in t.modules() if isinstance(m, _Conv)]
            f_convs = [m for m in f.modules() if isinstance(m, _Conv)]
            for tc, fc in zip(t_convs, f_convs):
                w = tc.conv.weight
                b = tc.conv.bias if tc.conv.bias is not None else torch.zeros(w.shape[0])
                if tc.bn is not None:
                    bn = tc.bn
                    scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
                    w = w * scale.reshape(-1, *([1] * (w.dim() - 1)))
                    b = bn.bias + (b - bn.running_mean) * scale
                fc.conv.weight.copy_(w)
                if fc.conv.bias is not None:
                    fc.conv.bias.copy_(b)
                elif tc.bn is not None or tc.conv.bias is not None:
                    raise ValueError(f"fold_batch_norm: layer {i} has no bias to take the folded shift")
            if isinstance(t.op, _Linear):
                w, b = t.op.fc.weight, t.op.fc.bias
                if t.op.bn is not None:
                    bn = t.op.bn
                    scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
                    b = bn.bias + ((b if b is not None else 0) - bn.running_mean) * scale
                    w = w * scale.reshape(-1, 1)
                f.op.fc.weight.copy_(w)
                if f.op.fc.bias is not None:
                    f.op.fc.bias.copy_(b)
            elif isinstance(t.op, _BatchNorm):
                bn = t.op.bn
                scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
                f.op.scale.copy_(scale)
                f.op.shift.copy_(bn.bias - bn.running_mean * scale)
            elif isinstance(t.op, _SqueezeExcite):
                f.op.load_state_dict(t.op.state_dict())
    return folded.eval()


def save_onnx_weights(module: HwnasNetwork, onnx_in: Any, onnx_out: Any) -> None:
    """Write hwnas's ONNX export `onnx_in` (the same network's graph, from
    ``hwnas export``) again as `onnx_out` with a folded module's weights in
    its initializers: the inverse of :func:`load_onnx_weights`."""
    import onnx
    from onnx import numpy_helper

    if not isinstance(module, HwnasNetwork) or module.batch_norm != "folded":
        raise ValueError("save_onnx_weights: expected a folded module (fold_batch_norm)")
    model = onnx_in if isinstance(onnx_in, onnx.ModelProto) else onnx.load(os.fspath(onnx_in))
    sources = _onnx_parameters(module)
    used = set()
    for k, init in enumerate(model.graph.initializer):
        if init.data_type != onnx.TensorProto.FLOAT:
            continue
        if init.name not in sources:
            raise ValueError(f"{init.name}: the module has no such parameter (built from another network?)")
        p = sources[init.name].detach().cpu().numpy().astype("float32")
        expected = int(np.prod(init.dims)) if len(init.dims) else 1
        if p.size != expected:
            raise ValueError(f"{init.name}: {p.size} values for an initializer of shape {list(init.dims)}")
        new = numpy_helper.from_array(p.reshape(tuple(init.dims)), init.name)
        model.graph.initializer[k].CopyFrom(new)
        used.add(init.name)
    missing = sorted(set(sources) - used)
    if missing:
        raise ValueError(f"the ONNX file has no initializers for {len(missing)} parameters: {', '.join(missing[:5])}")
    onnx.save(model, os.fspath(onnx_out))
