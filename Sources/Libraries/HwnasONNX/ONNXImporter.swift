// Reads an ONNX model into the network IR (core operator set), so that any
// profile's cost models price it like a candidate of a space. Layers come
// out in the form hwnas's own spaces use: a BatchNormalization after a
// convolution is folded into it, an activation or a residual Add right
// after a layer that nothing else reads joins that layer, a Relu read only
// by one convolution becomes its pre_activation (NAS-Bench-201's
// ReLU-Conv-BN), GlobalAveragePool-Conv-act-Conv-gate-Mul is one
// squeeze_excite layer. In a model hwnas exported, node names ("L<layer>.")
// say which nodes form one layer, and the network comes back layer for
// layer. Shapes are inferred here from the input's static shape; an
// unsupported op or a dynamic dimension is one error naming the node, its
// op type and the supported list.
import Foundation
import HwnasOps

public struct ImportedModel: Sendable {
    public var network: Network
    /// What a reader should know (a symbolic batch taken as 1, ...).
    public var notes: [String]
}

public enum ONNXImporter {
    public static let supportedOps = [
        "Conv", "Gemm", "MatMul", "BatchNormalization", "Relu", "Clip", "HardSwish", "HardSigmoid", "Sigmoid",
        "Mul", "Add", "Concat", "AveragePool", "MaxPool", "GlobalAveragePool", "ReduceMean", "Flatten", "Reshape", "Identity",
        "Dropout", "Constant", "Transpose (of a channel shuffle)",
    ]

    /// `directory`: the model's folder, where external weight files must lie.
    public static func read(_ data: Data, name: String, directory: String? = nil) throws -> ImportedModel {
        let model: Onnx_ModelProto
        do { model = try Onnx_ModelProto(serializedBytes: data) } catch {
            throw ONNXError("\(name): not an ONNX model (\(error))")
        }
        guard model.hasGraph else { throw ONNXError("\(name): not an ONNX model (no graph in it)") }
        guard let opset = model.opsetImport.first(where: { $0.domain.isEmpty || $0.domain == "ai.onnx" })?.version else {
            throw ONNXError("\(name): the model imports no default-domain opset (opset_import)")
        }
        var r = try GraphReader(model.graph, name: name, fromHwnas: model.producerName == "hwnas", directory: directory)
        try r.validateGraph(opset: opset)
        try r.run()
        return ImportedModel(network: try r.finish(), notes: r.notes)
    }
}

/// A value of the graph: an IR tensor, as a feature map or flattened.
struct GraphValue {
    var tensor: Int
    var flat: Bool
}

struct GraphReader {
    let graph: Onnx_GraphProto
    let name: String
    let directory: String?
    var notes: [String] = []
    var initializers: [String: Onnx_TensorProto] = [:]
    var values: [String: GraphValue] = [:]
    var tensors: [TensorShape] = []
    var layers: [Layer] = []
    var spatialDims = 2
    /// How many nodes (and graph outputs) read each value.
    var readers: [String: Int] = [:]
    /// The nodes reading each value.
    var consumers: [String: [Int]] = [:]
    var producer: [String: Int] = [:]
    /// Constant nodes' values, and constants passed on by Identity nodes,
    /// by the value they write (one pass in node order: no recursion).
    var nodeConstants: [String: Onnx_TensorProto] = [:]
    /// Relu outputs deferred into their one convolution's pre_activation.
    var deferred: [String: (input: String, act: Activation)] = [:]
    /// Nodes that are part of a squeeze-excite block, emitted at its Mul.
    var absorbed = Set<Int>()
    var squeezeAt: [Int: SqueezeExcite] = [:]
    /// The layer that wrote each tensor.
    var writer: [Int: Int] = [:]
    /// A model hwnas exported names its nodes "L<layer>.": which nodes form
    /// one IR layer is then known, not guessed (the layer index per node,
    /// and per IR layer the index of the node that made it).
    let nodeLayer: [Int?]
    var layerHint: [Int?] = []

    struct SqueezeExcite {
        var input: String
        var hidden: Int
        var hiddenAct: Activation
        var gateAct: Activation
    }

    init(_ graph: Onnx_GraphProto, name: String, fromHwnas: Bool = false, directory: String? = nil) throws {
        self.graph = graph
        self.name = name
        self.directory = directory
        nodeLayer = graph.node.map { n in
            guard fromHwnas, n.name.hasPrefix("L"), let dot = n.name.firstIndex(of: ".") else { return nil }
            return Int(n.name[n.name.index(after: n.name.startIndex)..<dot])
        }
        for t in graph.initializer { initializers[t.name] = t }
        for (k, n) in graph.node.enumerated() {
            // Every node the walk reads has an input and an output.
            guard n.opType == "Constant" || !(n.input.first ?? "").isEmpty, !(n.output.first ?? "").isEmpty else {
                throw ONNXError("\(name): node '\(n.name.isEmpty ? "#\(k)" : n.name)' (\(n.opType)): no input or no output")
            }
            for i in n.input where !i.isEmpty { readers[i, default: 0] += 1; consumers[i, default: []].append(k) }
            for o in n.output where !o.isEmpty { producer[o] = k }
            if n.opType == "Constant", let a = n.attribute.first(where: { $0.name == "value" }), let o = n.output.first {
                nodeConstants[o] = a.t
            } else if n.opType == "Identity", let i = n.input.first, let o = n.output.first,
                      let t = initializers[i] ?? nodeConstants[i] {
                nodeConstants[o] = t
            }
        }
        for o in graph.output { readers[o.name, default: 0] += 1 }
    }

    func fail(_ k: Int, _ why: String) -> ONNXError {
        let n = graph.node[k]
        return ONNXError("\(name): node '\(n.name.isEmpty ? "#\(k)" : n.name)' (\(n.opType)): \(why)")
    }

    // MARK: inputs

    mutating func declareInput() throws {
        let inputs = graph.input.filter { initializers[$0.name] == nil }
        guard inputs.count == 1, let input = inputs.first else {
            throw ONNXError("\(name): the graph has \(inputs.count) inputs (\(inputs.map(\.name).joined(separator: ", "))); hwnas reads models with one input")
        }
        let dims = input.type.tensorType.shape.dim
        guard (2...4).contains(dims.count) else {
            throw ONNXError("\(name): input '\(input.name)' has rank \(dims.count); expected [batch, channels, height, width], [batch, channels, length] or [batch, features]")
        }
        var shape: [Int] = []
        for (i, d) in dims.enumerated() {
            if case .dimValue(let v)? = d.value {
                guard v >= 1, v <= Int64(ONNXLimits.maxDim) else {
                    throw ONNXError("\(name): input '\(input.name)' dimension \(i) is \(v); sizes must be 1 to 2^31 - 1")
                }
                shape.append(Int(v))
                continue
            }
            guard i == 0 else {
                throw ONNXError("\(name): input '\(input.name)' dimension \(i) is dynamic ('\(d.dimParam)'); export the model with a static input shape")
            }
            notes.append("input '\(input.name)': batch dimension '\(d.dimParam)' is symbolic; costs are for batch 1")
            shape.append(1)
        }
        guard shape[0] == 1 else {
            throw ONNXError("\(name): input '\(input.name)' has batch \(shape[0]); costs are per sample: export with batch 1")
        }
        guard CheckedSize.product(Array(shape.dropFirst()), atMost: ONNXLimits.maxElements) != nil else {
            throw ONNXError("\(name): input '\(input.name)' \(shape) holds more than 2^40 elements")
        }
        // [batch, features] (an MLP): a flat input of c features, no feature map.
        spatialDims = dims.count - 2
        tensors = [dims.count == 2 ? TensorShape(c: shape[1], h: 1, w: 1)
                   : TensorShape(c: shape[1], h: dims.count == 3 ? 1 : shape[2], w: shape.last!)]
        values[input.name] = GraphValue(tensor: 0, flat: dims.count == 2)
    }

    // MARK: walking the nodes

    mutating func run() throws {
        try declareInput()
        findSqueezeExcite()
        for k in graph.node.indices where !absorbed.contains(k) {
            try node(k)
        }
    }

    func attr(_ n: Onnx_NodeProto, _ key: String) -> Onnx_AttributeProto? { n.attribute.first { $0.name == key } }

    /// A constant input: an initializer, a Constant node's value, or either
    /// through Identity nodes (exporters share one weight between users so).
    func constant(_ name: String) -> Onnx_TensorProto? { initializers[name] ?? nodeConstants[name] }

    func value(_ k: Int, _ input: String) throws -> GraphValue {
        guard let v = values[input] else {
            if constant(input) != nil { throw fail(k, "input '\(input)' is a constant; hwnas reads constants only as weights") }
            throw fail(k, "input '\(input)' is not produced by a supported node")
        }
        return v
    }

    mutating func alias(_ k: Int, _ v: GraphValue) { values[graph.node[k].output[0]] = v }

    /// Adds a layer reading `v`; returns its output value.
    @discardableResult
    mutating func addLayer(_ k: Int, _ op: String, input v: GraphValue, input2: Int = -1, out: TensorShape,
                           attrs: LayerAttributes = LayerAttributes(), groups: Int = 1, flat: Bool = false) -> GraphValue {
        let id = tensors.count
        tensors.append(out)
        var l = Layer(op: op, kernel: attrs.kernelW, stride: attrs.strideW, groups: groups, input: v.tensor, input2: input2,
                      output: id, inShape: tensors[v.tensor], outShape: out, cell: graph.node[k].name, attrs: attrs)
        l.flags = input2 >= 0 && op != "add" && op != "concat" ? [.residual] : []
        // Element-wise layers may write over an input that dies there, as
        // hwnas's spaces mark them (the memory planner decides).
        if Self.inPlaceOps.contains(op) { l.flags.insert(.inPlace) }
        writer[id] = layers.count
        layers.append(l)
        layerHint.append(nodeLayer[k])
        let r = GraphValue(tensor: id, flat: flat)
        values[graph.node[k].output[0]] = r
        return r
    }

    /// The layer that wrote `v` when node `k` may join it: its output is
    /// read by this node alone and not a graph output (and, in a model hwnas
    /// exported, the node belongs to that layer).
    func joinable(_ k: Int, _ input: String, _ v: GraphValue) -> Int? {
        guard readers[input] == 1, let j = writer[v.tensor], !graph.output.contains(where: { $0.name == input }) else { return nil }
        if let mine = nodeLayer[k], let theirs = layerHint[j], mine != theirs { return nil }
        return j
    }

    static func activation(_ n: Onnx_NodeProto, constant: (String) -> Onnx_TensorProto?) -> Activation? {
        switch n.opType {
        case "Relu": return .relu
        case "Sigmoid": return .sigmoid
        case "HardSwish": return .hswish
        case "HardSigmoid": return .hsigmoid
        case "Clip":
            // relu6 is Clip(0, 6); other bounds have no IR activation.
            let lo = n.input.count > 1 && !n.input[1].isEmpty ? constant(n.input[1]).flatMap { try? ONNXTensor.floats($0).first } : nil
            let hi = n.input.count > 2 && !n.input[2].isEmpty ? constant(n.input[2]).flatMap { try? ONNXTensor.floats($0).first } : nil
            let oldLo = n.attribute.first { $0.name == "min" }?.f, oldHi = n.attribute.first { $0.name == "max" }?.f
            return (lo ?? oldLo) == 0 && (hi ?? oldHi) == 6 ? .relu6 : nil
        default: return nil
        }
    }

    /// Ops that need a feature map, which a [batch, features] model has not.
    static let featureMapOps: Set<String> = ["Conv", "AveragePool", "MaxPool", "GlobalAveragePool", "ReduceMean"]

    mutating func node(_ k: Int) throws {
        let n = graph.node[k]
        if spatialDims == 0, Self.featureMapOps.contains(n.opType) {
            throw fail(k, "the input is [batch, features] (no feature map): \(n.opType) needs [batch, channels, length] or [batch, channels, height, width]")
        }
        switch n.opType {
        case "Constant":
            return
        case "Dropout":
            alias(k, try value(k, n.input[0]))
        case "Identity":
            if constant(n.input[0]) != nil { return }   // a shared weight
            // A layer of its own, as hwnas's spaces write skip edges.
            let v = try value(k, n.input[0])
            addLayer(k, "identity", input: v, out: tensors[v.tensor], flat: v.flat)
        case "Flatten":
            let v = try value(k, n.input[0])
            guard try int(k, "axis", 1) == 1 else { throw fail(k, "only axis 1 is supported (flattening to [batch, features])") }
            alias(k, GraphValue(tensor: v.tensor, flat: true))
        case "Reshape":
            try reshape(k)
        case "Relu", "Sigmoid", "HardSwish", "HardSigmoid", "Clip":
            try activationNode(k)
        case "BatchNormalization":
            try batchNorm(k)
        case "Conv":
            try conv(k)
        case "Gemm", "MatMul":
            try linear(k)
        case "Add":
            try add(k)
        case "Mul":
            try mul(k)
        case "Concat":
            try concat(k)
        case "AveragePool", "MaxPool":
            try pool(k)
        case "GlobalAveragePool":
            let v = try value(k, n.input[0])
            let s = tensors[v.tensor]
            addLayer(k, "global_avgpool", input: v, out: TensorShape(c: s.c, h: 1, w: 1))
        case "ReduceMean":
            try reduceMean(k)
        default:
            throw fail(k, "unsupported op type; supported: \(ONNXImporter.supportedOps.joined(separator: ", "))")
        }
    }

    mutating func activationNode(_ k: Int) throws {
        let n = graph.node[k]
        guard let act = Self.activation(n, constant: constant) else {
            throw fail(k, "Clip with bounds other than 0 and 6 (relu6) has no IR activation")
        }
        let v = try value(k, n.input[0])
        // After a layer nothing else reads: the layer's own activation.
        if let j = joinable(k, n.input[0], v), layers[j].attrs.activation == .none, layers[j].attrs.shuffleGroups <= 1 {
            layers[j].attrs.activation = act
            alias(k, v)
            return
        }
        // A ReLU read by one convolution alone: that convolution's pre_activation.
        let out = n.output[0]
        if act == .relu, readers[out] == 1, let c = consumers[out]?.first, graph.node[c].opType == "Conv",
           graph.node[c].input.first == out, !graph.output.contains(where: { $0.name == out }) {
            deferred[out] = (n.input[0], act)
            return
        }
        var a = LayerAttributes(); a.activation = act
        let s = tensors[v.tensor]
        addLayer(k, "identity", input: v, out: s, attrs: a, flat: v.flat)
    }

    mutating func batchNorm(_ k: Int) throws {
        let n = graph.node[k]
        let v = try value(k, n.input[0])
        let c = tensors[v.tensor].c
        for i in 1...4 {
            guard n.input.count > i, let t = constant(n.input[i]), elements(t) == c else {
                throw fail(k, "scale, bias, mean and variance must be constants of \(c) values")
            }
        }
        if let j = joinable(k, n.input[0], v), BuiltinOperators.convolutionOps.contains(layers[j].op), !layers[j].attrs.batchNorm,
           layers[j].attrs.activation == .none, !layers[j].flags.contains(.residual) {
            layers[j].attrs.batchNorm = true
            if layers[j].op == "conv2d_nobias" { layers[j].op = "conv2d" }
            alias(k, v)
            return
        }
        // After a Gemm / MatMul: folded into its weights and bias, as a
        // converter deploys it (a linear layer always has its bias).
        if let j = joinable(k, n.input[0], v), layers[j].op == "linear", layers[j].attrs.activation == .none,
           !layers[j].flags.contains(.residual) {
            alias(k, v)
            return
        }
        addLayer(k, "batchnorm", input: v, out: tensors[v.tensor], flat: v.flat)
    }

    static let inPlaceOps: Set<String> = ["add", "batchnorm", "squeeze_excite"]

    /// Kernel, strides, dilations and pads of a Conv or pool node for the
    /// input `s`, auto_pad resolved; pads grow at the end for ceil_mode.
    func window(_ k: Int, _ s: TensorShape, kernel: [Int]) throws -> LayerAttributes {
        let n = graph.node[k]
        let rank = spatialDims
        guard kernel.count == rank else { throw fail(k, "kernel_shape \(kernel) does not fit a \(rank)-D input") }
        let strides = try ints(k, "strides", count: rank, 1...ONNXLimits.maxDim) ?? Array(repeating: 1, count: rank)
        let dil = try ints(k, "dilations", count: rank, 1...ONNXLimits.maxDim) ?? Array(repeating: 1, count: rank)
        let ins = rank == 1 ? [s.w] : [s.h, s.w]
        var begin = Array(repeating: 0, count: rank), end = begin
        let autoPad = attr(n, "auto_pad").map { String(decoding: $0.s, as: UTF8.self) } ?? "NOTSET"
        guard kernel.allSatisfy({ $0 >= 1 && $0 <= ONNXLimits.maxDim }) else { throw fail(k, "kernel_shape \(kernel) must be positive sizes") }
        switch autoPad {
        case "NOTSET", "":
            if let p = try ints(k, "pads", count: 2 * rank, 0...ONNXLimits.maxDim) {
                begin = Array(p[0..<rank]); end = Array(p[rank...])
            }
        case "VALID": break
        case "SAME_UPPER", "SAME_LOWER":
            for i in 0..<rank {
                let out = (ins[i] + strides[i] - 1) / strides[i]
                let total = max((out - 1) * strides[i] + dil[i] * (kernel[i] - 1) + 1 - ins[i], 0)
                let small = total / 2
                (begin[i], end[i]) = autoPad == "SAME_UPPER" ? (small, total - small) : (total - small, small)
            }
        default: throw fail(k, "auto_pad '\(autoPad)' is not supported")
        }
        if try int(k, "ceil_mode", 0, 0...1) == 1 {
            for i in 0..<rank {
                let span = dil[i] * (kernel[i] - 1) + 1
                let rest = (ins[i] + begin[i] + end[i] - span) % strides[i]
                if rest != 0 { end[i] += strides[i] - rest }
            }
        }
        guard strides.allSatisfy({ $0 >= 1 }), dil.allSatisfy({ $0 >= 1 }), begin.allSatisfy({ $0 >= 0 }), end.allSatisfy({ $0 >= 0 }) else {
            throw fail(k, "strides, dilations and pads must be positive")
        }
        if rank == 1 {
            return LayerAttributes(kernelH: 1, kernelW: kernel[0], strideH: 1, strideW: strides[0], dilationH: 1, dilationW: dil[0],
                                   padLeft: begin[0], padRight: end[0])
        }
        return LayerAttributes(kernelH: kernel[0], kernelW: kernel[1], strideH: strides[0], strideW: strides[1],
                               dilationH: dil[0], dilationW: dil[1], padTop: begin[0], padLeft: begin[1],
                               padBottom: end[0], padRight: end[1])
    }

    func outputSize(_ s: TensorShape, _ a: LayerAttributes, _ k: Int) throws -> (Int, Int) {
        let spanH = a.dilationH * (a.kernelH - 1) + 1, spanW = a.dilationW * (a.kernelW - 1) + 1
        guard s.h + a.padTop + a.padBottom >= spanH, s.w + a.padLeft + a.padRight >= spanW else {
            throw fail(k, "window \(a.kernelH)x\(a.kernelW) is larger than its padded input \(s)")
        }
        return ((s.h + a.padTop + a.padBottom - spanH) / a.strideH + 1, (s.w + a.padLeft + a.padRight - spanW) / a.strideW + 1)
    }

    mutating func conv(_ k: Int) throws {
        let n = graph.node[k]
        var inputName = n.input[0]
        var pre = Activation.none
        if let d = deferred[inputName] { inputName = d.input; pre = d.act }
        let v = try value(k, inputName)
        let s = tensors[v.tensor]
        guard n.input.count > 1, let w = constant(n.input[1]) else { throw fail(k, "the weight must be a constant") }
        let wd = w.dims.map(Int.init)
        guard wd.count == spatialDims + 2, wd.allSatisfy({ $0 > 0 }) else {
            throw fail(k, "weight \(wd) does not fit a \(spatialDims)-D input (rank \(spatialDims + 2), positive sizes)")
        }
        guard ONNXTensor.floatTypes.contains(w.dataType) else {
            throw fail(k, "weight '\(n.input[1])' has data type \(w.dataType); Conv takes floating-point weights")
        }
        let groups = try int(k, "group", 1, 1...ONNXLimits.maxDim)
        guard groups >= 1, s.c % groups == 0, wd[1] * groups == s.c, wd[0] % groups == 0 else {
            throw fail(k, "weight \(wd) with group \(groups) does not fit \(s.c) input channels")
        }
        let kernel = try ints(k, "kernel_shape", count: spatialDims, 1...ONNXLimits.maxDim) ?? Array(wd[2...])
        guard kernel == Array(wd[2...]) else { throw fail(k, "kernel_shape \(kernel) disagrees with the weight's \(Array(wd[2...]))") }
        var a = try window(k, s, kernel: kernel)
        a.preActivation = pre
        let (oh, ow) = try outputSize(s, a, k)
        let outC = wd[0]
        let hasBias = n.input.count > 2 && !n.input[2].isEmpty
        if hasBias {
            guard let b = constant(n.input[2]), b.dims.count == 1, elements(b) == outC else {
                throw fail(k, "the bias must be a constant of \(outC) values, one per output channel")
            }
        }
        let op: String
        if groups == s.c && outC == s.c && groups > 1 { op = "dwconv2d" }
        else if a.kernelH == 1 && a.kernelW == 1 && hasBias { op = "pwconv2d" }
        else { op = hasBias ? "conv2d" : "conv2d_nobias" }
        addLayer(k, op, input: v, out: try shape(k, c: outC, h: oh, w: ow), attrs: a, groups: groups)
    }

    mutating func pool(_ k: Int) throws {
        let n = graph.node[k]
        let v = try value(k, n.input[0])
        let s = tensors[v.tensor]
        guard let kernel = try ints(k, "kernel_shape", count: spatialDims, 1...ONNXLimits.maxDim) else { throw fail(k, "needs kernel_shape") }
        let a = try window(k, s, kernel: kernel)
        guard a.dilationH == 1, a.dilationW == 1 else { throw fail(k, "pooling with dilation is not supported") }
        let (oh, ow) = try outputSize(s, a, k)
        if n.opType == "AveragePool", try int(k, "count_include_pad", 0, 0...1) == 1, a.padTop + a.padLeft + a.padBottom + a.padRight > 0 {
            notes.append("node '\(n.name)': AveragePool counts padded cells (count_include_pad=1); hwnas's avgpool does not (costs are the same)")
        }
        addLayer(k, n.opType == "MaxPool" ? "maxpool" : "avgpool", input: v, out: try shape(k, c: s.c, h: oh, w: ow), attrs: a)
    }

    mutating func reduceMean(_ k: Int) throws {
        let n = graph.node[k]
        let v = try value(k, n.input[0])
        var axes = try ints(k, "axes")
        if axes == nil, n.input.count > 1, let t = constant(n.input[1]) { axes = try ONNXTensor.ints(t).map(Int.init) }
        let rank = spatialDims + 2
        let spatial = Set((2..<rank).map { $0 })
        guard let axes, Set(axes.map { $0 < 0 ? $0 + rank : $0 }) == spatial, !v.flat else {
            throw fail(k, "only a mean over all spatial axes (a global average pool) is supported")
        }
        let s = tensors[v.tensor]
        addLayer(k, "global_avgpool", input: v, out: TensorShape(c: s.c, h: 1, w: 1), flat: try int(k, "keepdims", 1, 0...1) == 0)
    }

    mutating func reshape(_ k: Int) throws {
        let n = graph.node[k]
        let v = try value(k, n.input[0])
        guard n.input.count > 1, let t = constant(n.input[1]) else { throw fail(k, "the target shape must be a constant") }
        let target = try ONNXTensor.ints(t)
        guard target.allSatisfy({ $0 >= -1 && $0 <= Int64(ONNXLimits.maxDim) }) else {
            throw fail(k, "target shape \(target) holds a size below -1 or above 2^31 - 1")
        }
        let s = tensors[v.tensor]
        let elems = s.elements
        // [batch, features] with batch 1, 0 (copy) or -1.
        if target.count == 2, [1, 0, -1].contains(target[0]), target[1] == elems || (target[1] == -1 && target[0] != -1) {
            alias(k, GraphValue(tensor: v.tensor, flat: true))
            return
        }
        guard spatialDims > 0 else {
            throw fail(k, "reshape to \(target) of a [batch, features] tensor: only [batch, features] is supported without a feature map")
        }
        let spatial: [Int64] = spatialDims == 1 ? [1, Int64(s.c), Int64(s.w)] : [1, Int64(s.c), Int64(s.h), Int64(s.w)]
        if try channelShuffle(k, v, target: target, spatial: spatial) { return }
        if target.count == spatial.count, zip(target.dropFirst(), spatial.dropFirst()).allSatisfy({ $0 == $1 }) {
            alias(k, GraphValue(tensor: v.tensor, flat: false))
            return
        }
        throw fail(k, "reshape to \(target) of a \(s) tensor: only flattening to [batch, features] is supported")
    }

    /// Reshape [1, g, c/g, ...] -> Transpose(0, 2, 1, ...) -> Reshape back:
    /// a channel shuffle in g groups (ShuffleNet, FBNet's _g2 blocks).
    mutating func channelShuffle(_ k: Int, _ v: GraphValue, target: [Int64], spatial: [Int64]) throws -> Bool {
        let n = graph.node[k]
        guard target.count == spatial.count + 1, target[0] == 1, target[1] > 1, target[1] * target[2] == spatial[1],
              Array(target.dropFirst(3)) == Array(spatial.dropFirst(2)),
              readers[n.output[0]] == 1, let t = consumers[n.output[0]]?.first, graph.node[t].opType == "Transpose",
              (try? ints(t, "perm")) == [0, 2, 1] + Array(3..<target.count),
              readers[graph.node[t].output[0]] == 1, let r = consumers[graph.node[t].output[0]]?.first,
              graph.node[r].opType == "Reshape", graph.node[r].input.count > 1,
              let back = constant(graph.node[r].input[1]), try ONNXTensor.ints(back) == spatial else { return false }
        absorbed.formUnion([t, r])
        let groups = Int(target[1])
        if let j = joinable(k, n.input[0], v), layers[j].attrs.shuffleGroups <= 1 {
            layers[j].attrs.shuffleGroups = groups
            values[graph.node[r].output[0]] = v
        } else {
            var a = LayerAttributes(); a.shuffleGroups = groups
            addLayer(k, "identity", input: v, out: tensors[v.tensor], attrs: a)
            values[graph.node[r].output[0]] = values[n.output[0]]
        }
        return true
    }

    mutating func linear(_ k: Int) throws {
        let n = graph.node[k]
        let v = try value(k, n.input[0])
        guard n.input.count > 1, let w = constant(n.input[1]), w.dims.count == 2, w.dims.allSatisfy({ $0 > 0 }) else {
            throw fail(k, "the second input must be a constant 2-D weight")
        }
        guard ONNXTensor.floatTypes.contains(w.dataType) else {
            throw fail(k, "weight '\(n.input[1])' has data type \(w.dataType); \(n.opType) takes floating-point weights")
        }
        let transB = try n.opType == "Gemm" && int(k, "transB", 0, 0...1) == 1
        if try n.opType == "Gemm" && int(k, "transA", 0, 0...1) == 1 { throw fail(k, "transA = 1 is not supported") }
        let (fin, fout) = transB ? (Int(w.dims[1]), Int(w.dims[0])) : (Int(w.dims[0]), Int(w.dims[1]))
        let s = tensors[v.tensor]
        guard Int64(fin) == s.elements else {
            throw fail(k, "weight \(w.dims) takes \(fin) features, its input \(s) has \(s.elements)")
        }
        if !v.flat, s.h * s.w > 1 || n.opType == "Gemm" {
            throw fail(k, "\(n.opType) over a \(s) feature map: flatten it first (only [batch, features] inputs are supported)")
        }
        addLayer(k, "linear", input: v, out: try shape(k, c: fout, h: 1, w: 1), flat: true)
    }

    /// A two-input node's constant operand and the other input's name.
    func constantOperand(_ n: Onnx_NodeProto) -> (x: String, constant: Onnx_TensorProto)? {
        if let c = constant(n.input[1]) { return (n.input[0], c) }
        if let c = constant(n.input[0]) { return (n.input[1], c) }
        return nil
    }

    mutating func add(_ k: Int) throws {
        let n = graph.node[k]
        guard n.input.count == 2 else { throw fail(k, "needs two inputs") }
        // MatMul + bias: the bias joins the linear layer; a per-channel
        // shift after a per-channel scale: the batchnorm layer's shift.
        if let (x, b) = constantOperand(n) {
            let v = try value(k, x)
            guard let j = joinable(k, x, v), ["linear", "batchnorm"].contains(layers[j].op), !layers[j].flags.contains(.residual),
                  layers[j].attrs.activation == .none, elements(b) == layers[j].outShape.c else {
                throw fail(k, "adding a constant is supported only as the bias of a MatMul or the shift after a per-channel scale")
            }
            alias(k, v)
            return
        }
        let a = try value(k, n.input[0]), b = try value(k, n.input[1])
        guard tensors[a.tensor] == tensors[b.tensor] else {
            throw fail(k, "inputs \(tensors[a.tensor]) and \(tensors[b.tensor]) differ (broadcasting is not supported)")
        }
        // A residual, layer(x) + shortcut: the add joins the layer that wrote
        // the first operand when nothing else reads it, the shortcut was
        // written before it, and the layer is a convolution (how hwnas's
        // spaces and most exporters write residual blocks). Other sums
        // (nb201's node sums, shortcut + layer(x)) are add layers.
        if let j = joinable(k, n.input[0], a), BuiltinOperators.convolutionOps.contains(layers[j].op), !layers[j].flags.contains(.residual),
           layers[j].input2 < 0, layers[j].attrs.activation == .none, layers[j].attrs.shuffleGroups <= 1,
           (writer[b.tensor] ?? -1) < j {
            layers[j].input2 = b.tensor
            layers[j].flags.insert(.residual)
            alias(k, a)
            return
        }
        addLayer(k, "add", input: a, input2: b.tensor, out: tensors[a.tensor], flat: a.flat)
    }

    /// Concat along channels; more than two inputs chain as pairs.
    mutating func concat(_ k: Int) throws {
        let n = graph.node[k]
        let rank = spatialDims + 2
        let axis = try int(k, "axis", 1)
        guard axis == 1 || axis == 1 - rank, n.input.count >= 2 else {
            throw fail(k, "only a concatenation of two or more inputs along the channels (axis 1) is supported")
        }
        var acc = try value(k, n.input[0])
        for (i, name) in n.input.dropFirst().enumerated() {
            let b = try value(k, name)
            let sa = tensors[acc.tensor], sb = tensors[b.tensor]
            guard sa.h == sb.h, sa.w == sb.w, acc.flat == b.flat else {
                throw fail(k, "inputs \(sa) and \(sb) differ in size (only channels may differ)")
            }
            let out = try shape(k, c: sa.c + sb.c, h: sa.h, w: sa.w)
            if i + 2 < n.input.count {
                // An intermediate pair: a tensor of its own.
                let id = tensors.count
                tensors.append(out)
                writer[id] = layers.count
                layerHint.append(nodeLayer[k])
                layers.append(Layer(op: "concat", input: acc.tensor, input2: b.tensor, output: id, inShape: sa, outShape: out,
                                    cell: n.name, attrs: LayerAttributes()))
                acc = GraphValue(tensor: id, flat: acc.flat)
            } else {
                addLayer(k, "concat", input: acc, input2: b.tensor, out: out, flat: acc.flat)
            }
        }
    }

    mutating func mul(_ k: Int) throws {
        let n = graph.node[k]
        guard n.input.count == 2 else { throw fail(k, "needs two inputs") }
        if let se = squeezeAt[k] {
            let v = try value(k, se.input)
            var a = LayerAttributes()
            a.hiddenC = se.hidden; a.hiddenActivation = se.hiddenAct; a.gateActivation = se.gateAct
            addLayer(k, "squeeze_excite", input: v, out: tensors[v.tensor], attrs: a, flat: v.flat)
            return
        }
        // x * per-channel constant: a stand-alone batch norm's scale.
        if let (x, c) = constantOperand(n) {
            let v = try value(k, x)
            guard elements(c) == tensors[v.tensor].c else {
                throw fail(k, "multiplying by a constant is supported only per channel (\(tensors[v.tensor].c) values)")
            }
            addLayer(k, "batchnorm", input: v, out: tensors[v.tensor], flat: v.flat)
            return
        }
        // x * sigmoid(x): swish.
        for (x, g) in [(n.input[0], n.input[1]), (n.input[1], n.input[0])] {
            if swishGate(x: x, gate: g) != nil {
                let v = try value(k, x)
                var a = LayerAttributes(); a.activation = .swish
                if let j = joinable(k, x, v), readers[x] == 2, layers[j].attrs.activation == .none {
                    // x is read by the Sigmoid and this Mul only.
                    layers[j].attrs.activation = .swish
                    alias(k, v)
                } else {
                    addLayer(k, "identity", input: v, out: tensors[v.tensor], attrs: a, flat: v.flat)
                }
                return
            }
        }
        throw fail(k, "only squeeze-excite (x * gate(conv(act(conv(pool(x)))))) and swish (x * sigmoid(x)) multiplications are supported")
    }

    // MARK: squeeze-excite and swish patterns (found before the walk)

    /// Marks x * gate(conv(act(conv(pool(x))))) blocks so that the walk
    /// emits them as one squeeze_excite layer, and Sigmoids of a swish.
    mutating func findSqueezeExcite() {
        for (k, n) in graph.node.enumerated() where n.opType == "Mul" && n.input.count == 2 {
            for (x, g) in [(n.input[0], n.input[1]), (n.input[1], n.input[0])] {
                if let found = squeezeExcite(x: x, gate: g) {
                    absorbed.formUnion(found.nodes)
                    squeezeAt[k] = found.info
                    break
                }
                if let p = swishGate(x: x, gate: g) {
                    absorbed.insert(p)
                    break
                }
            }
        }
    }

    /// The Sigmoid node of x * sigmoid(x) when `gate` is sigmoid(x), read by the Mul alone.
    func swishGate(x: String, gate: String) -> Int? {
        guard let p = producer[gate], graph.node[p].opType == "Sigmoid", graph.node[p].input[0] == x, readers[gate] == 1 else { return nil }
        return p
    }

    func squeezeExcite(x: String, gate: String) -> (nodes: Set<Int>, info: SqueezeExcite)? {
        var nodes = Set<Int>()
        var cur = gate
        /// The node producing `cur`, read by its consumer alone.
        func step() -> Onnx_NodeProto? {
            guard readers[cur] == 1, let p = producer[cur] else { return nil }
            nodes.insert(p)
            return graph.node[p]
        }
        guard var n = step() else { return nil }
        var gateAct = Activation.none
        if n.opType != "Conv" {
            guard let a = Self.activation(n, constant: constant) else { return nil }
            gateAct = a; cur = n.input[0]
            guard let m = step() else { return nil }
            n = m
        }
        guard n.opType == "Conv", n.input.count > 2, let w2 = constant(n.input[1]), w2.dims.count >= 3 else { return nil }
        cur = n.input[0]
        guard var m = step() else { return nil }
        var hiddenAct = Activation.none
        if m.opType != "Conv" {
            guard let a = Self.activation(m, constant: constant) else { return nil }
            hiddenAct = a; cur = m.input[0]
            guard let c = step() else { return nil }
            m = c
        }
        guard m.opType == "Conv", m.input.count > 2, let w1 = constant(m.input[1]), w1.dims.count >= 3,
              w1.dims.dropFirst(2).allSatisfy({ $0 == 1 }), w2.dims.dropFirst(2).allSatisfy({ $0 == 1 }),
              w2.dims[1] == w1.dims[0], w2.dims[0] == w1.dims[1] else { return nil }
        cur = m.input[0]
        guard let pool = step(), pool.input.first == x,
              pool.opType == "GlobalAveragePool" || pool.opType == "ReduceMean" else { return nil }
        return (nodes, SqueezeExcite(input: x, hidden: Int(w1.dims[0]), hiddenAct: hiddenAct, gateAct: gateAct))
    }

    // MARK: the network

    /// Output: the value the graph names; its costs from the core operator
    /// set's formulas (the same as core-ops).
    mutating func finish() throws -> Network {
        guard graph.output.count == 1, let out = graph.output.first else {
            throw ONNXError("\(name): the graph has \(graph.output.count) outputs; hwnas reads models with one output")
        }
        guard let v = values[out.name], v.tensor > 0, let last = layers.last else {
            throw ONNXError("\(name): output '\(out.name)' is not computed by a supported layer")
        }
        guard last.output == v.tensor else {
            throw ONNXError("\(name): output '\(out.name)' is not written by the last layer (layers after it would be dead)")
        }
        let ops = BuiltinOperators()
        var totalMACs = 0
        for i in layers.indices {
            let l = layers[i], a = l.attrs
            // The operator formulas multiply sizes in Int: bound the work first.
            let out = [l.outShape.c, l.outShape.h, l.outShape.w], inp = [l.inShape.c, l.inShape.h, l.inShape.w]
            let work = l.op == "linear" ? inp + [l.outShape.c]
                : BuiltinOperators.convolutionOps.contains(l.op) ? out + [l.inShape.c / max(l.groups, 1), a.kernelH, a.kernelW]
                : [max(l.outShape.c, l.inShape.c, a.hiddenC), l.inShape.h, l.inShape.w, max(a.kernelH, 1), max(a.kernelW, 1), 2]
            guard let macs = CheckedSize.product(work, atMost: ONNXLimits.maxLayerMACs),
                  case let (sum, o) = totalMACs.addingReportingOverflow(macs), !o, sum <= ONNXLimits.maxNetworkMACs else {
                throw ONNXError("\(name): layer \(i) (\(l.op), node '\(l.cell)'): more multiply-accumulates than hwnas counts (2^52 per layer, 2^58 in all)")
            }
            totalMACs = sum
            var q = OpQuery(op: l.op, input: l.inShape, outC: l.outShape.c, kernel: a.kernelW, stride: a.strideW, groups: l.groups)
            q.kernelH = a.kernelH; q.kernelW = a.kernelW; q.strideH = a.strideH; q.strideW = a.strideW
            q.dilationH = a.dilationH; q.dilationW = a.dilationW
            q.padTop = a.padTop; q.padLeft = a.padLeft; q.padBottom = a.padBottom; q.padRight = a.padRight
            q.hiddenC = a.hiddenC
            let info: OpInfo
            do { info = try ops.infer(q) } catch { throw ONNXError("\(name): layer \(i) (\(l.op), node '\(l.cell)'): \(error)") }
            guard info.output == l.outShape else {
                throw ONNXError("\(name): layer \(i) (\(l.op), node '\(l.cell)'): output \(l.outShape) disagrees with the operator's \(info.output)")
            }
            layers[i].params = info.params; layers[i].macs = info.macs
            layers[i].weightElems = info.weightElems; layers[i].biasElems = info.biasElems
            layers[i].flags.insert(.explicitPadding)
        }
        let net = Network(tensors: tensors, layers: layers, spatialDims: spatialDims)
        do { try net.validate() } catch { throw ONNXError("\(name): \(error)") }
        return net
    }
}
