#!/usr/bin/env python3
"""Builds hwnas's network IR (hwnas export --format json) in Keras layer for
layer, the way a user writes it (Conv2D without bias + BatchNormalization +
ReLU, DepthwiseConv2D, Add, pooling, Dense), and converts it as users ship
it: TensorFlow's TFLiteConverter, int8 post-training quantisation with
per-channel weights, calibrated on representative data, int8 input and
output. The file is what `runtime: tflm` must price (issue 36 part 1).

usage: keras_convert.py NET.json OUT.tflite [--seed S] [--samples N] [--keep-names] [--keras-names]
       keras_convert.py --ops MODEL.tflite      (its operators and tensors, as JSON)

The file's strings (tensor names: Keras's layer names, which depend on how
the user names layers and can be a third of a small model) are stripped by
TensorFlow's flatbuffer_utils.strip_strings unless --keep-names. Layers are
named in the IR's order (the converter's op order follows names);
--keras-names keeps Keras's default names (conv2d_3, re_lu_12, ...).
Weights, biases and batch-norm statistics are random (seeded): the converter's
graph depends on the network's shapes and operators, not on trained values.
Needs tensorflow-cpu.
"""
import contextlib
import io
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ir_to_tflite import window_padding  # noqa: E402  (the writers' padding rule, shared)


# Trained biases are not zero; a zero bias would be folded away by the converter.
BIAS = "random_normal"


def _tf():
    import tensorflow as tf
    return tf


class _Named:
    """keras.layers whose layers are named in creation order (n00001_conv2d,
    ...). The converter orders ops by a depth-first walk whose ties follow
    the layers' names; named this way, it keeps the IR's order."""

    def __init__(self, layers):
        self.layers, self.count = layers, 0

    def __getattr__(self, cls):
        make = getattr(self.layers, cls)

        def named(*args, **kwargs):
            self.count += 1
            kwargs.setdefault("name", f"n{self.count:05d}_{cls.lower()}")
            return make(*args, **kwargs)
        return named


class Builder:
    def __init__(self, net, seed, ordered_names=True):
        import numpy as np
        tf = _tf()
        self.tf, self.keras, self.np = tf, tf.keras, np
        self.L = _Named(tf.keras.layers) if ordered_names else tf.keras.layers
        self.net = net
        self.dims = int(net.get("spatial_dims", 2))
        self.one_d = self.dims == 1
        self.rng = np.random.default_rng(seed)
        tf.keras.utils.set_random_seed(seed)

    # -- shapes and layers -------------------------------------------------

    def shape(self, t):
        s = self.net["tensors"][t]
        if self.dims == 0:
            return (s["c"],)
        return (s["w"], s["c"]) if self.one_d else (s["h"], s["w"], s["c"])

    def bn(self, x):
        L = self.L
        b = L.BatchNormalization()
        y = b(x)
        c = x.shape[-1]
        # Trained-looking statistics, so folding them is not a no-op.
        b.set_weights([self.rng.uniform(0.5, 1.5, c), self.rng.normal(0, 0.1, c),
                       self.rng.normal(0, 0.1, c), self.rng.uniform(0.5, 1.5, c)])
        return y

    def act(self, name, x):
        L = self.L
        if name == "none":
            return x
        if name == "relu":
            return L.ReLU()(x)
        if name == "relu6":
            return L.ReLU(max_value=6.0)(x)
        if name == "hswish":
            return L.Activation("hard_swish")(x)
        if name == "hsigmoid":
            return L.Activation("hard_sigmoid")(x)
        if name == "sigmoid":
            return L.Activation("sigmoid")(x)
        if name == "swish":
            return L.Activation("swish")(x)
        raise SystemExit(f"keras_convert: unknown activation '{name}'")

    def padding(self, l, x):
        """'same' or 'valid' where either pads as the IR does (the way a Keras
        user writes it), else ZeroPadding first: Keras's 'same' puts the odd
        cell at the bottom / right, so porting a PyTorch stride-2 layer padded
        on both sides needs the ZeroPadding to compute the same thing."""
        mode = window_padding(l)
        if mode is not None:
            return x, mode
        pads = (l["pad_top"], l["pad_left"], l["pad_bottom"], l["pad_right"])
        L = self.L
        if self.one_d:
            return L.ZeroPadding1D((pads[1], pads[3]))(x), "valid"
        return L.ZeroPadding2D(((pads[0], pads[2]), (pads[1], pads[3])))(x), "valid"

    def conv(self, x, l, cout, groups, kernel=None, stride=None, window=True, bias=True, bn=False):
        L = self.L
        kh, kw = (max(l["kernel_h"], 1), max(l["kernel_w"], 1)) if kernel is None else kernel
        sh, sw = (max(l["stride_h"], 1), max(l["stride_w"], 1)) if stride is None else stride
        dil = (max(l["dilation_h"], 1), max(l["dilation_w"], 1)) if window else (1, 1)
        pad = "valid"
        if window:
            x, pad = self.padding(l, x)
        cin = x.shape[-1]
        use_bias = bias and not bn
        if self.one_d:
            if groups > 1 and groups == cin == cout:
                y = L.DepthwiseConv1D(kw, strides=sw, padding=pad, dilation_rate=dil[1], use_bias=use_bias,
                                        bias_initializer=BIAS)(x)
            else:
                y = L.Conv1D(cout, kw, strides=sw, padding=pad, dilation_rate=dil[1], groups=groups,
                             use_bias=use_bias, bias_initializer=BIAS)(x)
        elif groups > 1 and groups == cin == cout:
            y = L.DepthwiseConv2D((kh, kw), strides=(sh, sw), padding=pad, dilation_rate=dil, use_bias=use_bias,
                                       bias_initializer=BIAS)(x)
        else:
            y = L.Conv2D(cout, (kh, kw), strides=(sh, sw), padding=pad, dilation_rate=dil, groups=groups,
                         use_bias=use_bias, bias_initializer=BIAS)(x)
        return self.bn(y) if bn else y

    def pool(self, x, l):
        L = self.L
        k = (max(l["kernel_h"], 1), max(l["kernel_w"], 1))
        s = (max(l["stride_h"], 1), max(l["stride_w"], 1))
        x, pad = self.padding(l, x)
        if self.one_d:
            cls = L.AveragePooling1D if l["op"] == "avgpool" else L.MaxPooling1D
            return cls(k[1], s[1], padding=pad)(x)
        cls = L.AveragePooling2D if l["op"] == "avgpool" else L.MaxPooling2D
        return cls(k, s, padding=pad)(x)

    def layer(self, l, x, x2):
        L = self.L
        op = l["op"]
        x = self.act(l["pre_activation"], x)
        bn = bool(l.get("batch_norm"))
        cout = l["out_c"]
        if op in ("conv2d", "conv2d_nobias", "relu_conv_bn", "pwconv2d", "dwconv2d"):
            groups = l["in_c"] if op == "dwconv2d" else max(l["groups"], 1)
            y = self.conv(x, l, cout, groups, bias=op != "conv2d_nobias", bn=bn and op != "conv2d_nobias")
        elif op == "inverted_residual":
            mid, g = l["in_c"] * max(l["expansion"], 1), max(l["groups"], 1)
            y = L.ReLU()(self.conv(x, l, mid, g, kernel=(1, 1), stride=(1, 1), window=False, bn=bn))
            y = L.ReLU()(self.conv(y, l, mid, mid, bn=bn))
            y = self.conv(y, l, cout, g, kernel=(1, 1), stride=(1, 1), window=False, bn=bn)
        elif op == "squeeze_excite":
            z = L.GlobalAveragePooling1D(keepdims=True)(x) if self.one_d else L.GlobalAveragePooling2D(keepdims=True)(x)
            Conv = L.Conv1D if self.one_d else L.Conv2D
            z = self.act(l["hidden_activation"], Conv(l["hidden_c"], 1, bias_initializer=BIAS)(z))
            z = self.act(l["gate_activation"], Conv(l["in_c"], 1, bias_initializer=BIAS)(z))
            y = L.Multiply()([x, z])
        elif op in ("avgpool", "maxpool"):
            y = self.pool(x, l)
        elif op == "global_avgpool":
            y = L.GlobalAveragePooling1D(keepdims=True)(x) if self.one_d else L.GlobalAveragePooling2D(keepdims=True)(x)
        elif op == "linear":
            y = L.Dense(cout, use_bias=not bn, bias_initializer=BIAS)(x if self.dims == 0 else L.Flatten()(x))
            if bn:
                y = self.bn(y)
            if self.dims != 0:
                y = L.Reshape(self.shape(l["output"]))(y)
        elif op == "batchnorm":
            y = self.bn(x)
        elif op == "identity":
            y = x
        elif op == "relu":
            y = L.ReLU()(x)
        elif op == "add":
            y = L.Add()([x, x2])
        elif op == "concat":
            y = L.Concatenate()([x, x2])
        elif op == "zero":
            raise SystemExit("keras_convert: a 'zero' layer (a user's network has no such layer; drop the edge)")
        else:
            raise SystemExit(f"keras_convert: operator '{op}' has no Keras form here")
        if l.get("residual") and l.get("input2", -1) >= 0 and op != "add":
            y = L.Add()([y, x2])
        y = self.act(l["activation"], y)
        g = l.get("shuffle_groups", 0)
        if g > 1:
            shp = tuple(y.shape[1:-1])
            c = y.shape[-1]
            y = L.Reshape(shp + (g, c // g))(y)
            y = L.Permute(tuple(range(1, len(shp) + 1)) + (len(shp) + 2, len(shp) + 1))(y)
            y = L.Reshape(shp + (c,))(y)
        return y

    def model(self):
        keras = self.keras
        inp = keras.Input(self.shape(0), batch_size=1, name="input")
        values = {0: inp}
        for l in self.net["layers"]:
            x = values[l["input"]]
            x2 = values.get(l["input2"]) if l.get("input2", -1) >= 0 else None
            values[l["output"]] = self.layer(l, x, x2)
        out = values[self.net["layers"][-1]["output"]] if self.net["layers"] else inp
        return keras.Model(inp, out)


def convert(net, out_path, seed=0, samples=8, strip=True, ordered_names=True):
    tf = _tf()
    import numpy as np
    b = Builder(net, seed, ordered_names)
    model = b.model()
    shape = (1,) + b.shape(0)
    rng = np.random.default_rng(seed + 1)

    def representative():
        for _ in range(samples):
            yield [rng.normal(0, 1, shape).astype(np.float32)]

    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = representative
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    conv.inference_input_type = tf.int8
    conv.inference_output_type = tf.int8
    with contextlib.redirect_stdout(io.StringIO()):     # the converter's "Saved artifact" chatter
        data = conv.convert()
    if strip:
        # TensorFlow's own size tool: tensor names (Keras's layer names, up to
        # a third of a small model) and signatures go; TFLM needs neither.
        from tensorflow.lite.tools import flatbuffer_utils as fu
        model_obj = fu.convert_bytearray_to_object(data)
        fu.strip_strings(model_obj)
        data = bytes(fu.convert_object_to_bytearray(model_obj))
    tmp = out_path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, out_path)
    return len(data)


def ops(path):
    """The file's operators in order, with their tensors' shapes."""
    from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as tfl
    buf = open(path, "rb").read()
    m = tfl.ModelT.InitFromObj(tfl.Model.GetRootAsModel(buf, 0))
    names = {v: k for k, v in vars(tfl.BuiltinOperator).items() if not k.startswith("_")}
    g = m.subgraphs[0]
    def t(i):
        x = g.tensors[i]
        return {"shape": [int(d) for d in x.shape] if x.shape is not None else [],
                "const": m.buffers[x.buffer].data is not None}
    out = []
    for o in g.operators:
        code = m.operatorCodes[o.opcodeIndex]
        k = max(code.builtinCode, code.deprecatedBuiltinCode)
        out.append({"op": names.get(k, str(k)), "inputs": [t(i) for i in o.inputs if i >= 0],
                    "outputs": [t(i) for i in o.outputs]})
    return out


def main():
    args = sys.argv[1:]
    if len(args) == 2 and args[0] == "--ops":
        print(json.dumps(ops(args[1])))
        return
    if len(args) < 2:
        sys.exit(__doc__.strip().split("\n\n")[1])
    seed, samples, strip, ordered = 0, 8, True, True
    rest = args[2:]
    while rest:
        if rest[0] == "--seed" and len(rest) > 1:
            seed = int(rest[1]); rest = rest[2:]
        elif rest[0] == "--keep-names":
            strip = False; rest = rest[1:]
        elif rest[0] == "--keras-names":
            ordered = False; rest = rest[1:]
        elif rest[0] == "--samples" and len(rest) > 1:
            samples = int(rest[1]); rest = rest[2:]
        else:
            sys.exit(f"keras_convert: unknown argument '{rest[0]}'")
    with open(args[0]) as f:
        net = json.load(f)
    size = convert(net, args[1], seed, samples, strip, ordered)
    print(json.dumps({"model": args[1], "bytes": size}))


if __name__ == "__main__":
    main()
