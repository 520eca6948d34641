#!/usr/bin/env python3
"""Writes hwnas's network IR (hwnas export --format json) as an int8 TFLite
flatbuffer, the file TensorFlow Lite Micro, STM32Cube.AI and Edge Impulse
consume, with the ops TFLite's converter emits for such a network.

usage: ir_to_tflite.py NET.json OUT.tflite [--seed S]

Layout NHWC (a 1-D network is 1 x W x C); weights int8 with per-channel
scales (as the converter quantizes convolutions), biases int32; the
quantisation parameters are synthetic (costs need shapes and types, not
trained values). Mapping, per IR layer (docs/network-ir.md order):
  pre_activation      RELU / RELU6 / HARD_SWISH / LOGISTIC (+ MUL for swish): an op of its own
  conv ops            CONV_2D (groups too), DEPTHWISE_CONV_2D when groups == in == out channels;
                      SAME / VALID padding when it gives the IR's output size, else PAD first;
                      relu / relu6 fused unless a residual follows
  inverted_residual   CONV_2D 1x1, DEPTHWISE_CONV_2D, CONV_2D 1x1
  residual, add       ADD (a buffer of its own, as TFLM has no in-place add)
  avgpool / maxpool   AVERAGE_POOL_2D / MAX_POOL_2D
  global_avgpool      MEAN over H and W (keep dims)
  linear              FULLY_CONNECTED (output [1, C]), per-channel weights
  1-D networks        input [1, W, C]; RESHAPE to [1, 1, W, C] before windows and back before
                      reductions (global pool, dense), as Keras's Conv1D converts
The IR is the one `hwnas export` gives it: TFLiteConverter's rewrites
(shared and fused activations, merged duplicates) already applied.
  batchnorm           MUL + ADD by per-channel constants
  squeeze_excite      MEAN, CONV_2D 1x1, CONV_2D 1x1, gate (LOGISTIC, or ADD/RELU6/MUL for hard sigmoid), MUL
  concat              CONCATENATION on channels
  shuffle_groups      RESHAPE, TRANSPOSE, RESHAPE
  zero                a constant zero tensor (flash, not arena)
  identity            nothing (its activation, if any)
"""
import json
import sys

import numpy as np
from tflite_micro.tensorflow.lite.micro.compression import model_editor as me
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as tfl

INT8, INT32 = tfl.TensorType.INT8, tfl.TensorType.INT32
ACT_SCALE = 0.05
OP = tfl.BuiltinOperator
AF = tfl.ActivationFunctionType


def window_padding(l):
    """How TFLite pads an IR layer's window: "valid", "same", or None when
    neither pads as the IR does and a PAD must come first. TFLite's SAME puts
    the odd cell at the bottom / right, so a PyTorch stride-2 window padded 1
    on both sides of an even input is not SAME."""
    ih, iw = l["in_h"], l["in_w"]
    kh, kw = l["kernel_h"] or 1, l["kernel_w"] or 1
    sh, sw = l["stride_h"] or 1, l["stride_w"] or 1
    dh, dw = l["dilation_h"] or 1, l["dilation_w"] or 1
    oh, ow = l["out_h"], l["out_w"]
    pads = (l["pad_top"], l["pad_left"], l["pad_bottom"], l["pad_right"])
    if not any(pads) and (oh, ow) == (-(-(ih - dh * (kh - 1)) // sh), -(-(iw - dw * (kw - 1)) // sw)):
        return "valid"
    th = max((oh - 1) * sh + dh * (kh - 1) + 1 - ih, 0)
    tw = max((ow - 1) * sw + dw * (kw - 1) + 1 - iw, 0)
    if (oh, ow) == (-(-ih // sh), -(-iw // sw)) and pads == (th // 2, tw // 2, th - th // 2, tw - tw // 2):
        return "same"
    return None


class Writer:
    description = "hwnas export (int8, synthetic quantization)"

    def __init__(self, net, seed):
        self.net = net
        self.rng = np.random.default_rng(seed)
        self.tensors, self.ops = [], []
        self.values = {}     # IR tensor id -> me.Tensor
        self.count = 0
        self.one_d = int(net.get("spatial_dims", 2)) == 1

    def act_tensor(self, shape, name, scale=ACT_SCALE, zero=0):
        t = me.Tensor(shape=tuple(shape), dtype=INT8, quantization=me.Quantization(scales=scale, zero_points=zero),
                      name=f"{name}_{len(self.tensors)}")
        self.tensors.append(t)
        return t

    def const(self, arr, dtype, name, scales=None, axis=None):
        q = None
        if scales is not None:
            q = me.Quantization(scales=list(scales), zero_points=[0] * len(scales), axis=axis)
        t = me.Tensor(shape=tuple(arr.shape), dtype=dtype, data=arr, quantization=q, name=f"{name}_{len(self.tensors)}")
        self.tensors.append(t)
        return t

    def int8(self, shape, name, per_channel_axis=None):
        arr = self.rng.integers(-127, 128, size=shape, dtype=np.int8)
        n = shape[per_channel_axis] if per_channel_axis is not None else 1
        return self.const(arr, INT8, name, scales=[0.01] * n, axis=per_channel_axis)

    def bias(self, n, name):
        return self.const(self.rng.integers(-1000, 1000, size=(n,), dtype=np.int32), INT32, name, scales=[ACT_SCALE * 0.01] * n)

    def op(self, code, inputs, outputs, options_type=None, options=None):
        o = me.Operator(opcode=code, inputs=inputs, outputs=outputs)
        if options is not None:
            o._fb.builtinOptionsType = options_type
            o._fb.builtinOptions = options
        self.ops.append(o)
        return outputs[0]

    def shape(self, t):
        return list(t.shape)

    # --- activations
    def activation(self, act, x, name):
        if act in ("none", None):
            return x
        s = self.shape(x)
        if act == "relu":
            return self.op(OP.RELU, [x], [self.act_tensor(s, name + "_relu")])
        if act == "relu6":
            return self.op(OP.RELU6, [x], [self.act_tensor(s, name + "_relu6")])
        if act == "hswish":
            return self.op(OP.HARD_SWISH, [x], [self.act_tensor(s, name + "_hswish")])
        if act == "sigmoid":
            return self.op(OP.LOGISTIC, [x], [self.act_tensor(s, name + "_sigmoid", scale=1 / 256, zero=-128)])
        if act == "hsigmoid":  # relu6(x + 3) / 6, as the converter writes it
            three = self.const(np.array([60], np.int8), INT8, "three", scales=[ACT_SCALE])
            y = self.op(OP.ADD, [x, three], [self.act_tensor(s, name + "_plus3")], tfl.BuiltinOptions.AddOptions, tfl.AddOptionsT())
            y = self.op(OP.RELU6, [y], [self.act_tensor(s, name + "_relu6")])
            sixth = self.const(np.array([21], np.int8), INT8, "sixth", scales=[0.008])
            return self.op(OP.MUL, [y, sixth], [self.act_tensor(s, name + "_div6")], tfl.BuiltinOptions.MulOptions, tfl.MulOptionsT())
        if act == "swish":
            g = self.op(OP.LOGISTIC, [x], [self.act_tensor(s, name + "_sigmoid", scale=1 / 256, zero=-128)])
            return self.op(OP.MUL, [x, g], [self.act_tensor(s, name + "_swish")], tfl.BuiltinOptions.MulOptions, tfl.MulOptionsT())
        raise ValueError(f"activation {act!r} has no TFLite form here")

    @staticmethod
    def fused(act):
        return {"relu": AF.RELU, "relu6": AF.RELU6}.get(act)

    # --- windows
    def padding(self, x, l, name):
        """SAME or VALID where it pads as the IR does (window_padding), else PAD then VALID."""
        mode = window_padding(l)
        if mode is not None:
            return x, tfl.Padding.VALID if mode == "valid" else tfl.Padding.SAME
        pads = (l["pad_top"], l["pad_left"], l["pad_bottom"], l["pad_right"])
        s = self.shape(x)
        p = self.const(np.array([[0, 0], [pads[0], pads[2]], [pads[1], pads[3]], [0, 0]], np.int32), INT32, "pads")
        y = self.act_tensor([s[0], s[1] + pads[0] + pads[2], s[2] + pads[1] + pads[3], s[3]], name + "_pad")
        self.op(OP.PAD, [x, p], [y], tfl.BuiltinOptions.PadOptions, tfl.PadOptionsT())
        return y, tfl.Padding.VALID

    def conv(self, x, cin, cout, groups, l, name, fused, bias=True):
        """`fused`: the ActivationFunctionType to fuse (None: none)."""
        x, pad = self.padding(x, l, name)
        kh, kw = l["kernel_h"] or 1, l["kernel_w"] or 1
        out = self.act_tensor([1, l["out_h"], l["out_w"], cout], name)
        b = self.bias(cout, name + "_b") if bias else None
        if groups > 1 and groups == cin and cout == cin:
            w = self.int8((1, kh, kw, cout), name + "_w", per_channel_axis=3)
            o = tfl.DepthwiseConv2DOptionsT()
            o.depthMultiplier = 1
            code, otype = OP.DEPTHWISE_CONV_2D, tfl.BuiltinOptions.DepthwiseConv2DOptions
        else:
            w = self.int8((cout, kh, kw, cin // groups), name + "_w", per_channel_axis=0)
            o = tfl.Conv2DOptionsT()
            code, otype = OP.CONV_2D, tfl.BuiltinOptions.Conv2DOptions
        o.padding = pad
        o.strideH, o.strideW = l["stride_h"] or 1, l["stride_w"] or 1
        o.dilationHFactor, o.dilationWFactor = l["dilation_h"] or 1, l["dilation_w"] or 1
        o.fusedActivationFunction = fused or AF.NONE
        return self.op(code, [x, w, b], [out], otype, o)

    # A 1-D network as Keras's Conv1D converts: [1, W, C] at the input and for
    # reductions, [1, 1, W, C] for windows, a RESHAPE between them.
    RANK4 = {"conv2d", "conv2d_nobias", "relu_conv_bn", "pwconv2d", "dwconv2d", "inverted_residual", "avgpool", "maxpool"}
    RANK3 = {"global_avgpool", "linear"}

    def reshape(self, x, shape, name):
        st = self.const(np.array(shape, np.int32), INT32, "shape")
        o = tfl.ReshapeOptionsT()
        o.newShape = list(shape)
        self.reshape_input = x
        return self.op(OP.RESHAPE, [x, st], [self.act_tensor(shape, name + "_reshape")], tfl.BuiltinOptions.ReshapeOptions, o)

    def rank_for(self, op, x, name):
        if not self.one_d:
            return x
        s = self.shape(x)
        if op in self.RANK4 and len(s) == 3:
            return self.reshape(x, [1, 1, s[1], s[2]], name)
        if op in self.RANK3 and len(s) == 4:
            return self.reshape(x, [1, s[2], s[3]], name)
        return x

    def layer(self, i, l):
        name = f"L{i}.{l['op']}"
        x = self.rank_for(l["op"], self.values[l["input"]], name)
        x = self.activation(l["pre_activation"], x, name + "_pre")
        op, act = l["op"], l["activation"]
        residual = l["residual"] and l["input2"] >= 0 and op != "add"
        fuse = None if residual or l["shuffle_groups"] > 1 else self.fused(act)
        cin, cout = l["in_c"], l["out_c"]
        if op in ("conv2d", "conv2d_nobias", "relu_conv_bn", "pwconv2d", "dwconv2d"):
            groups = cin if op == "dwconv2d" else max(l["groups"], 1)
            has_bias = op != "conv2d_nobias" or l["batch_norm"]
            y = self.conv(x, cin, cout, groups, l, name, fuse, bias=has_bias)
        elif op == "inverted_residual":
            mid = cin * max(l["expansion"], 1)
            one = dict(l, kernel_h=1, kernel_w=1, stride_h=1, stride_w=1, dilation_h=1, dilation_w=1,
                       pad_top=0, pad_left=0, pad_bottom=0, pad_right=0, out_h=l["in_h"], out_w=l["in_w"])
            y = self.conv(x, cin, mid, max(l["groups"], 1), one, name + "_expand", AF.RELU)
            y = self.conv(y, mid, mid, mid, dict(l, in_c=mid), name + "_dw", AF.RELU)
            proj = dict(one, in_h=l["out_h"], in_w=l["out_w"], out_h=l["out_h"], out_w=l["out_w"])
            y = self.conv(y, mid, cout, max(l["groups"], 1), proj, name + "_project", fuse)
        elif op in ("avgpool", "maxpool"):
            x, pad = self.padding(x, l, name)
            o = tfl.Pool2DOptionsT()
            o.padding = pad
            o.strideH, o.strideW = l["stride_h"] or 1, l["stride_w"] or 1
            o.filterHeight, o.filterWidth = l["kernel_h"] or 1, l["kernel_w"] or 1
            o.fusedActivationFunction = fuse or AF.NONE
            code = OP.AVERAGE_POOL_2D if op == "avgpool" else OP.MAX_POOL_2D
            y = self.op(code, [x], [self.act_tensor([1, l["out_h"], l["out_w"], cout], name)], tfl.BuiltinOptions.Pool2DOptions, o)
        elif op == "global_avgpool":
            y = self.mean(x, name)
            fuse = None
        elif op == "linear":
            fin = l["in_c"] * l["in_h"] * l["in_w"]
            w = self.int8((cout, fin), name + "_w", per_channel_axis=0)   # per channel, as TF >= 2.16 converts dense layers
            o = tfl.FullyConnectedOptionsT()
            o.fusedActivationFunction = fuse or AF.NONE
            y = self.op(OP.FULLY_CONNECTED, [x, w, self.bias(cout, name + "_b")], [self.act_tensor([1, cout], name)],
                        tfl.BuiltinOptions.FullyConnectedOptions, o)
        elif op == "add":
            o = tfl.AddOptionsT()
            o.fusedActivationFunction = fuse or AF.NONE
            y = self.op(OP.ADD, [x, self.values[l["input2"]]], [self.act_tensor(self.shape(x), name)], tfl.BuiltinOptions.AddOptions, o)
        elif op == "concat":
            o = tfl.ConcatenationOptionsT()
            o.axis = len(self.shape(x)) - 1
            s = self.shape(x)
            s[-1] = cout
            y = self.op(OP.CONCATENATION, [x, self.values[l["input2"]]], [self.act_tensor(s, name)],
                        tfl.BuiltinOptions.ConcatenationOptions, o)
            fuse = None
        elif op == "batchnorm":
            sc = self.int8((cout,), name + "_scale")
            y = self.op(OP.MUL, [x, sc], [self.act_tensor(self.shape(x), name + "_mul")], tfl.BuiltinOptions.MulOptions, tfl.MulOptionsT())
            o = tfl.AddOptionsT()
            o.fusedActivationFunction = fuse or AF.NONE
            sh = self.int8((cout,), name + "_shift")
            y = self.op(OP.ADD, [y, sh], [self.act_tensor(self.shape(x), name)], tfl.BuiltinOptions.AddOptions, o)
        elif op == "squeeze_excite":
            s = l["hidden_c"]
            z = self.mean(x, name + "_pool")
            one = dict(l, kernel_h=1, kernel_w=1, stride_h=1, stride_w=1, dilation_h=1, dilation_w=1,
                       pad_top=0, pad_left=0, pad_bottom=0, pad_right=0, in_h=1, in_w=1, out_h=1, out_w=1)
            hidden = l["hidden_activation"]
            z = self.conv(z, cin, s, 1, one, name + "_reduce", self.fused(hidden))
            if not self.fused(hidden):
                z = self.activation(hidden, z, name + "_hidden")
            z = self.conv(z, s, cin, 1, one, name + "_expand", None)
            z = self.activation(l["gate_activation"], z, name + "_gate")
            y = self.op(OP.MUL, [x, z], [self.act_tensor(self.shape(x), name)], tfl.BuiltinOptions.MulOptions, tfl.MulOptionsT())
            fuse = None
        elif op == "zero":
            y = self.const(np.zeros(self.shape(x), np.int8), INT8, name, scales=[ACT_SCALE])
            fuse = None
        elif op == "identity":
            y = x
            fuse = None
        else:
            raise ValueError(f"layer {i}: operator {op!r} has no TFLite form here")
        if residual:
            o = tfl.AddOptionsT()
            o.fusedActivationFunction = self.fused(act) or AF.NONE
            y = self.op(OP.ADD, [y, self.values[l["input2"]]], [self.act_tensor(self.shape(y), name + "_residual")],
                        tfl.BuiltinOptions.AddOptions, o)
            fuse = self.fused(act)
        if act not in ("none", None) and not fuse:
            y = self.activation(act, y, name + "_act")
        if l["shuffle_groups"] > 1:
            y = self.shuffle(y, l["shuffle_groups"], name)
        self.values[l["output"]] = y

    def mean(self, x, name):
        s = self.shape(x)
        axes = self.const(np.array([1, 2][:len(s) - 2], np.int32), INT32, "axes")
        o = tfl.ReducerOptionsT()
        o.keepDims = True
        return self.op(OP.MEAN, [x, axes], [self.act_tensor([s[0]] + [1] * (len(s) - 2) + [s[-1]], name)],
                       tfl.BuiltinOptions.ReducerOptions, o)

    def shuffle(self, x, g, name):
        s = self.shape(x)
        c = s[3]
        def reshape(t, shape, n):
            st = self.const(np.array(shape, np.int32), INT32, "shape")
            o = tfl.ReshapeOptionsT()
            o.newShape = list(shape)
            return self.op(OP.RESHAPE, [t, st], [self.act_tensor(shape, n)], tfl.BuiltinOptions.ReshapeOptions, o)
        y = reshape(x, [s[0], s[1] * s[2], g, c // g], name + "_split")
        perm = self.const(np.array([0, 1, 3, 2], np.int32), INT32, "perm")
        y = self.op(OP.TRANSPOSE, [y, perm], [self.act_tensor([s[0], s[1] * s[2], c // g, g], name + "_shuffle")],
                    tfl.BuiltinOptions.TransposeOptions, tfl.TransposeOptionsT())
        return reshape(y, s, name + "_merge")

    def model(self):
        t0 = self.net["tensors"][0]
        shape = [1, t0["w"], t0["c"]] if self.one_d else [1, t0["h"], t0["w"], t0["c"]]
        self.values[0] = self.act_tensor(shape, "input")
        for i, l in enumerate(self.net["layers"]):
            self.layer(i, l)
        out = self.values[self.net["layers"][-1]["output"]]
        sg = me.Subgraph(tensors=self.tensors, operators=self.ops, inputs=[self.values[0]], outputs=[out], name="main")
        return bytes(me.Model(subgraphs=[sg], description=self.description).build())


def main():
    args = sys.argv[1:]
    if len(args) < 2:
        sys.exit(__doc__.split("\n\n")[1])
    seed = int(args[args.index("--seed") + 1]) if "--seed" in args else 0
    net = json.load(open(args[0]))
    try:
        data = Writer(net, seed).model()
    except (ValueError, KeyError) as e:
        sys.exit(f"ir_to_tflite: {args[0]}: {e}")
    with open(args[1], "wb") as f:
        f.write(data)


if __name__ == "__main__":
    main()
