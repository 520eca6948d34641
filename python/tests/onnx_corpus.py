"""Hostile ONNX models for `hwnas cost --model` (test_onnx_fuzz.py).

Each case is (name, model bytes, expect): "refuse" when the file is invalid
or unsupported and hwnas must say so in one line, "any" when pricing it is
fine as long as nothing crashes. Models are built with onnx.helper but never
checked by it: the point is files no checker has seen.
"""
import random

import numpy as np
from onnx import TensorProto, helper, numpy_helper

BIG = [2**31, 2**40, 2**62, 2**63 - 1]
EDGE = [2**31 - 1, 2**20]


def _t(name, arr):
    return numpy_helper.from_array(np.asarray(arr, dtype=np.float32), name)


def model(nodes, inits, in_shape=(1, 3, 8, 8), out_name="y", opset=17, domain_opsets=None, inputs=None):
    graph_inputs = inputs if inputs is not None else [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(in_shape))]
    g = helper.make_graph(nodes, "g", graph_inputs, [helper.make_tensor_value_info(out_name, TensorProto.FLOAT, None)],
                          initializer=inits)
    ops = [helper.make_opsetid("", opset)] + [helper.make_opsetid(d, v) for d, v in (domain_opsets or [])]
    m = helper.make_model(g, opset_imports=ops, producer_name="fuzz")
    m.ir_version = 8
    return m.SerializeToString()


def conv_net(conv_attrs=None, w_shape=(4, 3, 3, 3), bias=True, in_shape=(1, 3, 8, 8), pool_attrs=None, **kw):
    """x -> Conv -> Relu -> MaxPool -> GlobalAveragePool -> Flatten -> Gemm -> y."""
    attrs = {"kernel_shape": [3, 3], "pads": [1, 1, 1, 1]} if conv_attrs is None else conv_attrs
    inits = [_t("w", np.random.default_rng(0).standard_normal(w_shape) * 0.1)]
    conv_in = ["x", "w"]
    if bias:
        inits.append(_t("b", np.zeros(w_shape[0])))
        conv_in.append("b")
    nodes = [helper.make_node("Conv", conv_in, ["c"], name="conv", **attrs),
             helper.make_node("Relu", ["c"], ["r"], name="relu"),
             helper.make_node("MaxPool", ["r"], ["p"], name="pool",
                              **({"kernel_shape": [2, 2], "strides": [2, 2]} if pool_attrs is None else pool_attrs)),
             helper.make_node("GlobalAveragePool", ["p"], ["g"], name="gap"),
             helper.make_node("Flatten", ["g"], ["f"], name="flat"),
             helper.make_node("Gemm", ["f", "fw", "fb"], ["y"], name="fc", transB=1)]
    inits += [_t("fw", np.zeros((10, w_shape[0]))), _t("fb", np.zeros(10))]
    return model(nodes, inits, in_shape=in_shape, **kw)


def _ints_attr_as_floats(name, values):
    return helper.make_attribute(name, [float(v) for v in values])


def cases():
    out = [("valid", conv_net(), "any")]
    # Input shapes: huge, zero, negative, batch 0, wrong rank.
    for i, d in enumerate(BIG):
        out.append((f"input-dim-{i}", conv_net(in_shape=(1, 3, d, 8)), "refuse"))
        out.append((f"input-channels-{i}", conv_net(in_shape=(1, d, 8, 8)), "refuse"))
    for i, d in enumerate(EDGE):          # in range on its own; what follows must still count it
        out.append((f"input-edge-{i}", conv_net(in_shape=(1, 3, d, 8)), "any"))
        out.append((f"input-edge-wide-{i}", conv_net(in_shape=(1, 3, d, d)), "any"))
    out += [("unknown-attribute", conv_net({"kernel_shape": [3, 3], "pads": [1, 1, 1, 1], "kerBel_shape": [3, 3]}), "refuse"),
            ("input-dim-zero", conv_net(in_shape=(1, 3, 0, 8)), "refuse"),
            ("input-dim-negative", conv_net(in_shape=(1, 3, -5, 8)), "refuse"),
            ("input-batch-zero", conv_net(in_shape=(0, 3, 8, 8)), "refuse"),
            ("input-rank-5", conv_net(in_shape=(1, 3, 8, 8, 8)), "refuse")]
    # Conv attributes out of range, of the wrong type, the wrong count.
    for key, base in (("strides", [1, 1]), ("dilations", [1, 1]), ("pads", [1, 1, 1, 1])):
        for i, v in enumerate(BIG):
            out.append((f"conv-{key}-big-{i}", conv_net({"kernel_shape": [3, 3], "pads": [1, 1, 1, 1], key: [v] * len(base)}), "refuse"))
        out.append((f"conv-{key}-negative", conv_net({"kernel_shape": [3, 3], "pads": [1, 1, 1, 1], key: [-1] * len(base)}), "refuse"))
        out.append((f"conv-{key}-count", conv_net({"kernel_shape": [3, 3], "pads": [1, 1, 1, 1], key: base + [1]}), "refuse"))
        node_attrs = {"kernel_shape": [3, 3], "pads": [1, 1, 1, 1]}
        node_attrs.pop(key, None)
        m = conv_net(node_attrs)
        from onnx import ModelProto
        mp = ModelProto()
        mp.ParseFromString(m)
        mp.graph.node[0].attribute.append(_ints_attr_as_floats(key, base))
        out.append((f"conv-{key}-floats", mp.SerializeToString(), "refuse"))
    out += [("conv-strides-zero", conv_net({"kernel_shape": [3, 3], "pads": [1, 1, 1, 1], "strides": [0, 0]}), "refuse"),
            ("conv-same-upper-stride-zero", conv_net({"kernel_shape": [3, 3], "auto_pad": "SAME_UPPER", "strides": [0, 0]}), "refuse"),
            ("conv-same-lower-big-stride", conv_net({"kernel_shape": [3, 3], "auto_pad": "SAME_LOWER", "strides": [2**62, 2**62]}), "refuse"),
            ("conv-kernel-shape-mismatch", conv_net({"kernel_shape": [5, 5], "pads": [2, 2, 2, 2]}), "refuse"),
            ("conv-kernel-shape-big", conv_net({"kernel_shape": [2**62, 3], "pads": [1, 1, 1, 1]}), "refuse"),
            ("conv-group-zero", conv_net({"kernel_shape": [3, 3], "pads": [1, 1, 1, 1], "group": 0}), "refuse"),
            ("conv-group-big", conv_net({"kernel_shape": [3, 3], "pads": [1, 1, 1, 1], "group": 2**62}), "refuse"),
            ("conv-auto-pad-unknown", conv_net({"kernel_shape": [3, 3], "auto_pad": "SIDEWAYS"}), "refuse"),
            ("conv-bias-wrong-length", _bias_wrong_length(), "refuse"),
            ("conv-weight-no-data", _weight_without_data(), "refuse"),
            ("conv-weight-raw-data-short", _raw_data_short(), "refuse"),
            ("conv-weight-float-data-count", _float_data_count(), "refuse"),
            ("conv-weight-string", _weight_of_type(TensorProto.STRING), "refuse"),
            ("conv-weight-int64", _weight_of_type(TensorProto.INT64), "refuse"),
            ("conv-weight-dims-overflow", _weight_dims([2**62, 4, 3, 3]), "refuse"),
            ("conv-weight-dims-negative", _weight_dims([-4, 3, 3, 3]), "refuse")]
    # Pools.
    out += [("maxpool-stride-zero-ceil", conv_net(pool_attrs={"kernel_shape": [2, 2], "strides": [0, 0], "ceil_mode": 1}), "refuse"),
            ("maxpool-stride-big-ceil", conv_net(pool_attrs={"kernel_shape": [2, 2], "strides": [2**62, 2**62], "ceil_mode": 1}), "refuse"),
            ("maxpool-kernel-zero", conv_net(pool_attrs={"kernel_shape": [0, 0]}), "refuse"),
            ("maxpool-kernel-big", conv_net(pool_attrs={"kernel_shape": [2**62, 2**62]}), "refuse"),
            ("maxpool-pads-big", conv_net(pool_attrs={"kernel_shape": [2, 2], "pads": [2**62] * 4}), "refuse"),
            ("maxpool-no-kernel", conv_net(pool_attrs={"strides": [2, 2]}), "refuse")]
    # Constants with dims that overflow, used by BatchNormalization, Mul, Reshape.
    out += [("batchnorm-dims-overflow", _batchnorm([2**62, 4]), "refuse"),
            ("mul-constant-dims-overflow", _mul_constant([2**62, 2**62]), "refuse"),
            ("reshape-shape-huge", _reshape([1, 2**62]), "refuse"),
            ("reshape-shape-dims-overflow", _reshape_dims_overflow(), "refuse")]
    # Graph structure.
    out += [("identity-cycle", _identity_cycle(feeds_weight=False), "refuse"),
            ("identity-cycle-weight", _identity_cycle(feeds_weight=True), "refuse"),
            ("identity-weight-chain-10000", _weight_through_identities(10000), "any"),
            ("identity-chain-10000", _identity_chain(10000), "any"),
            ("self-consuming-node", _self_consuming(), "refuse"),
            ("reversed-node-order", _reversed(), "refuse"),
            ("two-writers", _two_writers(), "refuse"),
            ("duplicate-initializer", _duplicate_initializer(), "refuse"),
            ("output-not-produced", conv_net(out_name="nowhere"), "refuse")]
    # Domains and opsets.
    out += [("op-unknown-domain", _domain("com.evil"), "refuse"),
            ("opset-99", conv_net(opset=99), "refuse"),
            ("opset-0", conv_net(opset=0), "refuse"),
            ("hardswish-opset-13", _hardswish(13), "refuse"),
            ("hardswish-opset-14", _hardswish(14), "any")]
    # Size: counted, never built (cost); measure has its own guard.
    out += [("conv-65536-channels", _wide_pointwise(), "any"),
            ("macs-past-2-64", _mac_overflow(), "refuse")]
    # Random byte damage of the valid model.
    rng = random.Random(7)
    good = conv_net()
    for i in range(60):
        b = bytearray(good)
        for _ in range(rng.randint(1, 8)):
            b[rng.randrange(len(b))] = rng.randrange(256)
        out.append((f"bytes-{i}", bytes(b), "any"))
    for i in range(20):
        out.append((f"truncated-{i}", good[:rng.randrange(1, len(good))], "any"))
    return out


def _swap_weight(make):
    from onnx import ModelProto
    mp = ModelProto()
    mp.ParseFromString(conv_net())
    w = next(t for t in mp.graph.initializer if t.name == "w")
    make(w)
    return mp.SerializeToString()


def _weight_without_data():
    def f(w):
        w.ClearField("raw_data")
        w.ClearField("float_data")
    return _swap_weight(f)


def _raw_data_short():
    return _swap_weight(lambda w: setattr(w, "raw_data", w.raw_data[:-4]))


def _float_data_count():
    def f(w):
        vals = numpy_helper.to_array(w).ravel().tolist()
        w.ClearField("raw_data")
        w.float_data.extend(vals[:-1])
    return _swap_weight(f)


def _weight_of_type(dtype):
    def f(w):
        n = int(np.prod(w.dims))
        w.ClearField("raw_data")
        w.data_type = dtype
        if dtype == TensorProto.STRING:
            w.string_data.extend([b"x"] * n)
        else:
            w.int64_data.extend([1] * n)
    return _swap_weight(f)


def _weight_dims(dims):
    def f(w):
        del w.dims[:]
        w.dims.extend(dims)
    return _swap_weight(f)


def _bias_wrong_length():
    from onnx import ModelProto
    mp = ModelProto()
    mp.ParseFromString(conv_net())
    for i, t in enumerate(mp.graph.initializer):
        if t.name == "b":
            mp.graph.initializer[i].CopyFrom(_t("b", np.zeros(7)))
    return mp.SerializeToString()


def _batchnorm(dims):
    nodes = [helper.make_node("BatchNormalization", ["x", "s", "b", "m", "v"], ["h"], name="bn"),
             helper.make_node("GlobalAveragePool", ["h"], ["y"], name="gap")]
    inits = [_t(n, np.ones(3)) for n in ("s", "b", "m", "v")]
    del inits[0].dims[:]
    inits[0].dims.extend(dims)
    return model(nodes, inits)


def _mul_constant(dims):
    nodes = [helper.make_node("Mul", ["x", "k"], ["h"], name="mul"),
             helper.make_node("GlobalAveragePool", ["h"], ["y"], name="gap")]
    k = _t("k", np.ones(3))
    del k.dims[:]
    k.dims.extend(dims)
    return model(nodes, [k])


def _reshape(shape):
    nodes = [helper.make_node("GlobalAveragePool", ["x"], ["g"], name="gap"),
             helper.make_node("Reshape", ["g", "s"], ["y"], name="reshape")]
    return model(nodes, [numpy_helper.from_array(np.array(shape, dtype=np.int64), "s")])


def _reshape_dims_overflow():
    nodes = [helper.make_node("GlobalAveragePool", ["x"], ["g"], name="gap"),
             helper.make_node("Reshape", ["g", "s"], ["y"], name="reshape")]
    s = numpy_helper.from_array(np.array([1, 3], dtype=np.int64), "s")
    del s.dims[:]
    s.dims.extend([2**62, 2**62])
    return model(nodes, [s])


def _identity_cycle(feeds_weight):
    if feeds_weight:
        nodes = [helper.make_node("Identity", ["w2"], ["w1"], name="i1"),
                 helper.make_node("Identity", ["w1"], ["w2"], name="i2"),
                 helper.make_node("Conv", ["x", "w1"], ["c"], name="conv", kernel_shape=[3, 3]),
                 helper.make_node("GlobalAveragePool", ["c"], ["y"], name="gap")]
        return model(nodes, [])
    nodes = [helper.make_node("Identity", ["b"], ["a"], name="i1"),
             helper.make_node("Identity", ["a"], ["b"], name="i2"),
             helper.make_node("Add", ["x", "a"], ["s"], name="add"),
             helper.make_node("GlobalAveragePool", ["s"], ["y"], name="gap")]
    return model(nodes, [])


def _weight_through_identities(n):
    nodes = [helper.make_node("Identity", ["w" if i == 0 else f"w{i}"], [f"w{i + 1}"], name=f"i{i}") for i in range(n)]
    nodes += [helper.make_node("Conv", ["x", f"w{n}"], ["c"], name="conv", kernel_shape=[3, 3]),
              helper.make_node("GlobalAveragePool", ["c"], ["y"], name="gap")]
    return model(nodes, [_t("w", np.zeros((4, 3, 3, 3)))])


def _identity_chain(n):
    nodes = [helper.make_node("Conv", ["x", "w"], ["t0"], name="conv", kernel_shape=[1, 1])]
    nodes += [helper.make_node("Identity", [f"t{i}"], [f"t{i + 1}"], name=f"i{i}") for i in range(n)]
    nodes += [helper.make_node("GlobalAveragePool", [f"t{n}"], ["y"], name="gap")]
    return model(nodes, [_t("w", np.zeros((4, 3, 1, 1)))])


def _self_consuming():
    nodes = [helper.make_node("Add", ["x", "s"], ["s"], name="add"),
             helper.make_node("GlobalAveragePool", ["s"], ["y"], name="gap")]
    return model(nodes, [])


def _reversed():
    from onnx import ModelProto
    mp = ModelProto()
    mp.ParseFromString(conv_net())
    nodes = list(mp.graph.node)[::-1]
    del mp.graph.node[:]
    mp.graph.node.extend(nodes)
    return mp.SerializeToString()


def _two_writers():
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], name="conv1", kernel_shape=[1, 1]),
             helper.make_node("Conv", ["x", "w"], ["c"], name="conv2", kernel_shape=[1, 1]),
             helper.make_node("GlobalAveragePool", ["c"], ["y"], name="gap")]
    return model(nodes, [_t("w", np.zeros((4, 3, 1, 1)))])


def _duplicate_initializer():
    from onnx import ModelProto
    mp = ModelProto()
    mp.ParseFromString(conv_net())
    mp.graph.initializer.append(_t("fw", np.zeros((10, 4))))
    return mp.SerializeToString()


def _domain(domain):
    nodes = [helper.make_node("Relu", ["x"], ["r"], name="relu", domain=domain),
             helper.make_node("GlobalAveragePool", ["r"], ["y"], name="gap")]
    return model(nodes, [], domain_opsets=[(domain, 1)])


def _hardswish(opset):
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], name="conv", kernel_shape=[1, 1]),
             helper.make_node("HardSwish", ["c"], ["h"], name="hs"),
             helper.make_node("GlobalAveragePool", ["h"], ["y"], name="gap")]
    return model(nodes, [_t("w", np.zeros((4, 3, 1, 1)))], opset=opset)


def _wide_pointwise():
    # 65,536 x 65,536 1x1 conv: 16 GiB of weights if they were there; as a
    # file only its dims... which a valid file cannot have without the data.
    # So: a 2048 x 2048 conv on a 1x1 input, priced by counting.
    nodes = [helper.make_node("Conv", ["x", "w"], ["y"], name="conv", kernel_shape=[1, 1])]
    return model(nodes, [_t("w", np.zeros((2048, 2048, 1, 1)))], in_shape=(1, 2048, 1, 1))


def _mac_overflow():
    # A 128 x 128 kernel over a 1 x 1 input padded by 2^19 on every side:
    # 2^40 outputs x 2^14 taps = 2^54 multiply-accumulates from a 64 KB file.
    nodes = [helper.make_node("Conv", ["x", "w"], ["y"], name="conv", kernel_shape=[128, 128], pads=[2**19] * 4)]
    return model(nodes, [_t("w", np.zeros((1, 1, 128, 128)))], in_shape=(1, 1, 1, 1))
