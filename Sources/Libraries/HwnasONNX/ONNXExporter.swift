// Writes a network of the `core` operator set as an ONNX model in deployed
// form: batch norm folded into the convolution before it, static shapes,
// one named input ("input") and output ("output"). Every float initializer
// is a weight or bias, so their element count is the network's `params`;
// shapes and scalars (Reshape targets, Clip bounds) are Constant nodes.
// docs/export.md lists what each IR field becomes.
import Foundation
import HwnasOps

public enum ONNXExporter {
    public static let opset: Int64 = 17
    public static let inputName = "input", outputName = "output"

    /// The model of `network`; `parameters[i]` are layer i's deployed
    /// parameters (CPUExecutor.deployedParameters' order). Throws naming the
    /// layer when an op has no ONNX form here.
    public static func model(_ network: Network, parameters: [[[Float]]], name: String,
                             producerVersion: String, docString: String = "") throws -> Onnx_ModelProto {
        var g = GraphWriter(network: network)
        // A tensor read but written by no layer is an input too (a single
        // layer cut out of a network, timed alone, reads its residual this way).
        let written = Set(network.layers.map(\.output))
        var extraInputs: [Int] = []
        for l in network.layers {
            for t in [l.input, l.input2] where t > 0 && !written.contains(t) && g.names[t] == nil {
                g.names[t] = "input_\(t)"
                extraInputs.append(t)
            }
        }
        for (i, l) in network.layers.enumerated() {
            try g.layer(i, l, parameters: i < parameters.count ? parameters[i] : [])
        }
        try g.finish()
        var graph = Onnx_GraphProto()
        graph.name = name
        graph.node = g.nodes
        graph.initializer = g.initializers
        graph.input = [valueInfo(inputName, shape: g.spatialShape(network.tensors[0]))]
            + extraInputs.map { valueInfo("input_\($0)", shape: g.spatialShape(network.tensors[$0])) }
        graph.output = [valueInfo(outputName, shape: g.outputShape)]
        var m = Onnx_ModelProto()
        m.irVersion = 8   // the IR version ONNX pairs with opset 17
        var op = Onnx_OperatorSetIdProto()
        op.domain = ""; op.version = opset
        m.opsetImport = [op]
        m.producerName = "hwnas"
        m.producerVersion = producerVersion
        m.graph = graph
        if !docString.isEmpty { m.docString = docString }
        return m
    }

    /// A serialized TensorProto of `values` with the name and shape of a
    /// graph input or output (ONNX's test_data_set files).
    public static func tensorFile(_ values: [Float], like v: Onnx_ValueInfoProto) throws -> Data {
        let dims = v.type.tensorType.shape.dim.map { Int($0.dimValue) }
        guard dims.reduce(1, *) == values.count else {
            throw ONNXError("\(v.name): \(values.count) values for shape \(dims)")
        }
        return try ONNXTensor.float(name: v.name, dims: dims, values: values).serializedData()
    }

    static func valueInfo(_ name: String, shape: [Int]) -> Onnx_ValueInfoProto {
        var t = Onnx_TypeProto.Tensor()
        t.elemType = Int32(Onnx_TensorProto.DataType.float.rawValue)
        var s = Onnx_TensorShapeProto()
        s.dim = shape.map { d in var x = Onnx_TensorShapeProto.Dimension(); x.dimValue = Int64(d); return x }
        t.shape = s
        var type = Onnx_TypeProto()
        type.tensorType = t
        var v = Onnx_ValueInfoProto()
        v.name = name; v.type = type
        return v
    }
}

/// The graph under construction: nodes, initializers, and for every IR
/// tensor its ONNX name and whether it is flat ([1, c] after a Gemm) or
/// spatial ([1, c, h, w], or [1, c, w] in a 1-D network).
struct GraphWriter {
    let network: Network
    var nodes: [Onnx_NodeProto] = []
    var initializers: [Onnx_TensorProto] = []
    var names: [Int: String] = [:]
    var flat = Set<Int>()
    private var counter = 0
    private var constants: [String: String] = [:]
    var outputShape: [Int] = []

    init(network: Network) {
        self.network = network
        names[0] = ONNXExporter.inputName
        // A [batch, features] network (an imported MLP) starts flat.
        if network.spatialDims == 0 { flat.insert(0) }
    }

    var oneD: Bool { network.spatialDims == 1 }

    func spatialShape(_ t: TensorShape) -> [Int] {
        network.spatialDims == 0 ? [1, t.c] : oneD ? [1, t.c, t.w] : [1, t.c, t.h, t.w]
    }

    /// Nodes are named "L<layer>.<what>_<n>": a runtime's profile (ONNX
    /// Runtime keeps the name on fused nodes) maps back to IR layers.
    var layerIndex = -1
    mutating func fresh(_ hint: String) -> String {
        counter += 1
        return layerIndex >= 0 ? "L\(layerIndex).\(hint)_\(counter)" : "\(hint)_\(counter)"
    }

    @discardableResult
    mutating func node(_ op: String, _ inputs: [String], _ hint: String, _ attrs: [Onnx_AttributeProto] = []) -> String {
        var n = Onnx_NodeProto()
        n.opType = op
        n.input = inputs
        let out = fresh(hint)
        n.output = [out]
        n.name = out
        n.attribute = attrs
        nodes.append(n)
        return out
    }

    mutating func weight(_ name: String, _ dims: [Int], _ values: [Float]) -> String {
        initializers.append(ONNXTensor.float(name: name, dims: dims, values: values))
        return name
    }

    /// A Constant node (one per distinct value), never an initializer.
    mutating func constant(_ key: String, _ tensor: Onnx_TensorProto) -> String {
        if let n = constants[key] { return n }
        let n = node("Constant", [], "const", [ONNXAttr.tensor("value", tensor)])
        constants[key] = n
        return n
    }

    mutating func shapeConstant(_ dims: [Int]) -> String {
        constant("shape:\(dims)", ONNXTensor.int64(name: "", dims: [dims.count], values: dims.map(Int64.init)))
    }

    mutating func scalarConstant(_ v: Float) -> String {
        constant("float:\(v)", ONNXTensor.float(name: "", dims: [], values: [v]))
    }

    /// Tensor `id` as the spatial (rank 3 or 4) value a convolution reads.
    mutating func spatial(_ id: Int) -> String {
        let n = names[id]!
        guard flat.contains(id) else { return n }
        return node("Reshape", [n, shapeConstant(spatialShape(network.tensors[id]))], "unflatten")
    }

    mutating func activation(_ a: Activation, _ x: String) throws -> String {
        switch a {
        case .none: return x
        case .relu: return node("Relu", [x], "relu")
        case .relu6: return node("Clip", [x, scalarConstant(0), scalarConstant(6)], "relu6")
        case .hswish: return node("HardSwish", [x], "hswish")
        case .hsigmoid:
            return node("HardSigmoid", [x], "hsigmoid", [ONNXAttr.float("alpha", 1.0 / 6.0), ONNXAttr.float("beta", 0.5)])
        case .sigmoid: return node("Sigmoid", [x], "sigmoid")
        case .swish: return node("Mul", [x, node("Sigmoid", [x], "swish_gate")], "swish")
        }
    }

    /// Conv attributes of a window: kernel, strides, dilations, pads.
    func convAttributes(kh: Int, kw: Int, sh: Int, sw: Int, dh: Int, dw: Int,
                        pads: (Int, Int, Int, Int), groups: Int?) -> [Onnx_AttributeProto] {
        let (pt, pl, pb, pr) = pads
        var a = oneD
            ? [ONNXAttr.ints("kernel_shape", [kw]), ONNXAttr.ints("strides", [sw]), ONNXAttr.ints("pads", [pl, pr])]
            : [ONNXAttr.ints("kernel_shape", [kh, kw]), ONNXAttr.ints("strides", [sh, sw]), ONNXAttr.ints("pads", [pt, pl, pb, pr])]
        if let groups {
            a.append(ONNXAttr.ints("dilations", oneD ? [dw] : [dh, dw]))
            a.append(ONNXAttr.int("group", groups))
        }
        return a
    }

    mutating func conv(_ x: String, _ prefix: String, inC: Int, outC: Int, groups: Int, kh: Int, kw: Int,
                       attrs: [Onnx_AttributeProto], weight: [Float], bias: [Float]?) throws -> String {
        let dims = oneD ? [outC, inC / groups, kw] : [outC, inC / groups, kh, kw]
        guard weight.count == dims.reduce(1, *), bias == nil || bias!.count == outC else {
            throw ONNXError("\(prefix): \(weight.count) weights and \(bias?.count ?? 0) biases do not fit a \(dims) convolution")
        }
        var inputs = [x, self.weight("\(prefix).weight", dims, weight)]
        if let bias { inputs.append(self.weight("\(prefix).bias", [outC], bias)) }
        return node("Conv", inputs, "conv", attrs)
    }

    mutating func layer(_ i: Int, _ l: Layer, parameters p: [[Float]]) throws {
        layerIndex = i
        defer { layerIndex = -1 }
        let a = l.attrs
        let prefix = "layer\(i)"
        func need(_ n: Int) throws {
            guard p.count >= n else { throw ONNXError("layer \(i) (\(l.op)): \(p.count) parameter arrays, expected \(n)") }
        }
        let window = convAttributes(kh: a.kernelH, kw: a.kernelW, sh: a.strideH, sw: a.strideW, dh: a.dilationH,
                                    dw: a.dilationW, pads: (a.padTop, a.padLeft, a.padBottom, a.padRight), groups: nil)
        // Windows read [1, c, h, w]; element-wise ops and Gemm take the input as it is.
        var x = Self.windowOps.contains(l.op) ? spatial(l.input) : names[l.input]!
        let start = nodes.count
        x = try activation(a.preActivation, x)
        var outFlat = flat.contains(l.input) && !Self.windowOps.contains(l.op)
        switch l.op {
        case let op where BuiltinOperators.convolutionOps.contains(op):
            try need(1)
            let groups = l.op == "dwconv2d" ? l.inShape.c : max(l.groups, 1)
            let attrs = convAttributes(kh: a.kernelH, kw: a.kernelW, sh: a.strideH, sw: a.strideW, dh: a.dilationH, dw: a.dilationW,
                                       pads: (a.padTop, a.padLeft, a.padBottom, a.padRight), groups: groups)
            x = try conv(x, prefix, inC: l.inShape.c, outC: l.outShape.c, groups: groups, kh: a.kernelH, kw: a.kernelW,
                         attrs: attrs, weight: p[0], bias: p.count > 1 ? p[1] : nil)
        case "inverted_residual":
            try need(6)
            let mid = l.inShape.c * max(l.expansion, 1), g = max(l.groups, 1)
            let pw = convAttributes(kh: 1, kw: 1, sh: 1, sw: 1, dh: 1, dw: 1, pads: (0, 0, 0, 0), groups: g)
            let dw = convAttributes(kh: a.kernelH, kw: a.kernelW, sh: a.strideH, sw: a.strideW, dh: a.dilationH, dw: a.dilationW,
                                    pads: (a.padTop, a.padLeft, a.padBottom, a.padRight), groups: mid)
            x = try conv(x, prefix + ".expand", inC: l.inShape.c, outC: mid, groups: g, kh: 1, kw: 1, attrs: pw, weight: p[0], bias: p[1])
            x = node("Relu", [x], "relu")
            x = try conv(x, prefix + ".depthwise", inC: mid, outC: mid, groups: mid, kh: a.kernelH, kw: a.kernelW, attrs: dw,
                         weight: p[2], bias: p[3])
            x = node("Relu", [x], "relu")
            x = try conv(x, prefix + ".project", inC: mid, outC: l.outShape.c, groups: g, kh: 1, kw: 1, attrs: pw,
                         weight: p[4], bias: p[5])
        case "avgpool":
            x = node("AveragePool", [x], "avgpool", window + [ONNXAttr.int("count_include_pad", 0)])
        case "maxpool":
            x = node("MaxPool", [x], "maxpool", window)
        case "global_avgpool":
            x = node("GlobalAveragePool", [x], "gap")
        case "linear":
            try need(2)
            let fin = Int(l.inShape.elements)
            guard p[0].count == fin * l.outShape.c, p[1].count == l.outShape.c else {
                throw ONNXError("layer \(i) (linear): parameters do not fit \(fin) -> \(l.outShape.c)")
            }
            if !flat.contains(l.input) { x = node("Flatten", [x], "flatten", [ONNXAttr.int("axis", 1)]) }
            x = node("Gemm", [x, weight(prefix + ".weight", [l.outShape.c, fin], p[0]), weight(prefix + ".bias", [l.outShape.c], p[1])],
                     "gemm", [ONNXAttr.int("transB", 1)])
            outFlat = true
        case "identity":
            break
        case "zero":
            x = node("ConstantOfShape", [shapeConstant(outFlat ? [1, l.outShape.c] : spatialShape(l.outShape))], "zero")
        case "add":
            x = node("Add", [x, matching(l.input2, flat: outFlat)], "add")
        case "concat":
            x = node("Concat", [x, matching(l.input2, flat: outFlat)], "concat", [ONNXAttr.int("axis", 1)])
        case "batchnorm":
            try need(2)
            let dims = outFlat ? [l.outShape.c] : (oneD ? [l.outShape.c, 1] : [l.outShape.c, 1, 1])
            x = node("Mul", [x, weight(prefix + ".scale", dims, p[0])], "bn_scale")
            x = node("Add", [x, weight(prefix + ".shift", dims, p[1])], "bn_shift")
        case "relu":
            x = node("Relu", [x], "relu")
        case "squeeze_excite":
            try need(4)
            let c = l.inShape.c, s = a.hiddenC
            let one = convAttributes(kh: 1, kw: 1, sh: 1, sw: 1, dh: 1, dw: 1, pads: (0, 0, 0, 0), groups: 1)
            var z = node("GlobalAveragePool", [x], "se_pool")
            z = try conv(z, prefix + ".reduce", inC: c, outC: s, groups: 1, kh: 1, kw: 1, attrs: one, weight: p[0], bias: p[1])
            z = try activation(a.hiddenActivation, z)
            z = try conv(z, prefix + ".expand", inC: s, outC: c, groups: 1, kh: 1, kw: 1, attrs: one, weight: p[2], bias: p[3])
            z = try activation(a.gateActivation, z)
            x = node("Mul", [x, z], "se_scale")
        default:
            throw ONNXError("layer \(i): operator '\(l.op)' has no ONNX form (exportable: \(Self.exportableOps.joined(separator: ", ")))")
        }
        if l.flags.contains(.residual), l.op != "add", l.input2 >= 0 {
            x = node("Add", [x, matching(l.input2, flat: outFlat)], "residual")
        }
        x = try activation(a.activation, x)
        if a.shuffleGroups > 1 {
            let c = l.outShape.c, g = a.shuffleGroups
            let grouped = oneD ? [1, g, c / g, l.outShape.w] : [1, g, c / g, l.outShape.h, l.outShape.w]
            let perm = oneD ? [0, 2, 1, 3] : [0, 2, 1, 3, 4]
            x = node("Reshape", [x, shapeConstant(grouped)], "shuffle_split")
            x = node("Transpose", [x], "shuffle", [ONNXAttr.ints("perm", perm)])
            x = node("Reshape", [x, shapeConstant(spatialShape(l.outShape))], "shuffle_merge")
        }
        if nodes.count == start || nodes.last!.output[0] != x {
            x = node("Identity", [x], "identity")
        }
        if outFlat { flat.insert(l.output) } else { flat.remove(l.output) }
        names[l.output] = x
    }

    /// Tensor `id` in the same form (flat or spatial) as the value it meets.
    mutating func matching(_ id: Int, flat wantFlat: Bool) -> String {
        if wantFlat == flat.contains(id) { return names[id]! }
        if wantFlat { return node("Flatten", [names[id]!], "flatten", [ONNXAttr.int("axis", 1)]) }
        return spatial(id)
    }

    /// Ops that read a [1, c, h, w] feature map (a flattened input is reshaped back).
    static let windowOps = BuiltinOperators.convolutionOps.union(["inverted_residual", "avgpool", "maxpool", "global_avgpool",
                                                                  "squeeze_excite"])
    /// The core operator set, and the executor's stand-alone `relu`.
    static let exportableOps = BuiltinOperators.opNames + ["relu"]

    /// Renames the output tensor's producer to "output".
    mutating func finish() throws {
        let out = network.outputTensor
        guard let name = names[out] else { throw ONNXError("the network has no output tensor") }
        guard out != 0, let k = nodes.lastIndex(where: { $0.output.first == name }) else {
            throw ONNXError("the network has no layers")
        }
        nodes[k].output[0] = ONNXExporter.outputName
        for j in nodes.indices { nodes[j].input = nodes[j].input.map { $0 == name ? ONNXExporter.outputName : $0 } }
        let shape = network.tensors[out]
        outputShape = flat.contains(out) ? [1, shape.c] : spatialShape(shape)
    }
}
