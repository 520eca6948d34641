// A network as TensorFlow Lite Micro runs it: the TFLite operators and
// tensors an int8 conversion of hwnas's IR holds, in the order the file
// holds them. The IR first goes through TFLiteConverter's rewrites
// (TFLiteConverterRewrites.swift: shared and fused activations, merged
// duplicates), so this is the converter's graph for the network built in
// Keras. It is the same lowering as tools/tflm/ir_to_tflite.py (the
// `hwnas export --format tflite` writer, which is given the rewritten IR),
// op for op and tensor for tensor, so the arena model prices exactly the
// file TFLM is checked on:
//   pre-activation        RELU / RELU6 / HARD_SWISH / LOGISTIC (swish: + MUL;
//                         hard sigmoid: ADD, RELU6, MUL), an op of its own
//   convolutions          CONV_2D, or DEPTHWISE_CONV_2D when groups == in == out
//                         channels; PAD first when SAME/VALID do not give the
//                         IR's output size; relu/relu6 fused unless a residual
//                         or a shuffle follows
//   inverted_residual     CONV_2D 1x1 (relu), DEPTHWISE_CONV_2D (relu), CONV_2D 1x1
//   residual, add         ADD with its own output (TFLM has no in-place add)
//   pools                 AVERAGE_POOL_2D / MAX_POOL_2D; global pool: MEAN
//   linear                FULLY_CONNECTED (per-channel weights);  batchnorm: MUL + ADD
//   1-D networks          RESHAPE at the input and between windows (rank 4)
//                         and reductions (rank 3), as Keras's Conv1D converts
//   squeeze_excite        MEAN, CONV_2D, [act], CONV_2D, gate, MUL
//   concat                CONCATENATION;  shuffle: RESHAPE, TRANSPOSE, RESHAPE
//   zero                  a constant (flash);  identity: nothing
import HwnasOps

public enum TFLMKernel: String, Sendable, CaseIterable {
    case conv2D = "CONV_2D", depthwiseConv2D = "DEPTHWISE_CONV_2D", fullyConnected = "FULLY_CONNECTED"
    case add = "ADD", mul = "MUL", relu = "RELU", relu6 = "RELU6", hardSwish = "HARD_SWISH", logistic = "LOGISTIC"
    case averagePool2D = "AVERAGE_POOL_2D", maxPool2D = "MAX_POOL_2D", mean = "MEAN", pad = "PAD"
    case concatenation = "CONCATENATION", reshape = "RESHAPE", transpose = "TRANSPOSE"

    /// Position in allCases (a table index for per-kernel figures).
    public var index: Int {
        switch self {
        case .conv2D: 0
        case .depthwiseConv2D: 1
        case .fullyConnected: 2
        case .add: 3
        case .mul: 4
        case .relu: 5
        case .relu6: 6
        case .hardSwish: 7
        case .logistic: 8
        case .averagePool2D: 9
        case .maxPool2D: 10
        case .mean: 11
        case .pad: 12
        case .concatenation: 13
        case .reshape: 14
        case .transpose: 15
        }
    }
}

public struct TFLMTensor: Sendable, Hashable {
    /// int8 activations: elements; constants: their data bytes.
    public var bytes: Int64
    /// Weights, biases and op parameters live in flash, not in the arena.
    public var constant: Bool
    /// Quantisation scales the file stores for it (per-channel: one per channel).
    public var scales: Int
}

public struct TFLMOp: Sendable, Hashable {
    public var kernel: TFLMKernel
    public var inputs: [Int]
    public var output: Int
    /// Output channels of a per-channel quantised convolution (TFLM keeps a
    /// multiplier and a shift per channel), else 0.
    public var perChannel: Int
    /// The IR layer this op comes from.
    public var layer: Int
    /// Scratch bytes CMSIS-NN's kernel for this op requests in the tensor
    /// arena on a Cortex-M with DSP extension (im2col of a convolution, a
    /// depthwise kernel other than 3x3 with padding <= 1); reference
    /// kernels request none.
    public var cmsisScratch: Int64 = 0
    /// A window op's geometry (convolutions and pools): what a runtime that
    /// generates its own kernels (TinyEngine) sizes its buffers by.
    public var window: TFLMWindow? = nil
}

/// A convolution's or pool's geometry as the IR gives it: the input before
/// any PAD op, the kernel and the stride.
public struct TFLMWindow: Sendable, Hashable {
    public var inH, inW, channels, kernelH, kernelW, strideH, strideW: Int32
}

public struct TFLMGraph: Sendable {
    public private(set) var tensors: [TFLMTensor] = []
    public private(set) var ops: [TFLMOp] = []
    public private(set) var input = 0
    public private(set) var output = 0

    /// Lowers `n`; throws OpError.unknownOp for an operator with no TFLite form here.
    public init(_ network: Network) throws {
        let (n, origin) = network.tfliteConverterRewritten()
        var values = [Int](repeating: -1, count: n.tensors.count)   // IR tensor -> TFLM tensor
        let t0 = n.tensors[0]
        input = activation(Int64(t0.c) * Int64(t0.h) * Int64(t0.w))
        values[0] = input
        var rank4 = n.spatialDims != 1          // a 1-D network's tensor is [1, W, C] until a RESHAPE
        for (k, l) in n.layers.enumerated() {
            let i = origin[k]
            func value(_ t: Int) -> Int? { values.indices.contains(t) && values[t] >= 0 ? values[t] : nil }
            guard var x = value(l.input), values.indices.contains(l.output) else {
                throw OpError.invalidShape("layer \(i) reads tensor \(l.input) before it is written")
            }
            if n.spatialDims == 1, let wants4 = Self.rank4(l.op), wants4 != rank4 {
                x = reshape(x, layer: i); rank4 = wants4
            }
            values[l.output] = try lower(i, l, x, l.input2 >= 0 ? value(l.input2) : nil)
        }
        output = values.indices.contains(n.outputTensor) && values[n.outputTensor] >= 0 ? values[n.outputTensor] : input
    }

    // MARK: tensors and ops

    private mutating func activation(_ elements: Int64) -> Int {
        tensors.append(TFLMTensor(bytes: elements, constant: false, scales: 1)); return tensors.count - 1
    }

    private mutating func constant(_ bytes: Int64, scales: Int) -> Int {
        tensors.append(TFLMTensor(bytes: bytes, constant: true, scales: scales)); return tensors.count - 1
    }

    @discardableResult
    private mutating func op(_ k: TFLMKernel, _ inputs: [Int], _ output: Int, layer: Int, perChannel: Int = 0,
                             cmsisScratch: Int64 = 0, window: Window? = nil) -> Int {
        let geometry = window.map {
            TFLMWindow(inH: Int32($0.inH), inW: Int32($0.inW), channels: Int32($0.channels), kernelH: Int32($0.kernelH),
                       kernelW: Int32($0.kernelW), strideH: Int32($0.strideH), strideW: Int32($0.strideW))
        }
        ops.append(TFLMOp(kernel: k, inputs: inputs, output: output, perChannel: perChannel, layer: layer, cmsisScratch: cmsisScratch,
                          window: geometry))
        return output
    }

    private func elements(_ t: Int) -> Int64 { tensors[t].bytes }

    // MARK: the lowering (ir_to_tflite.py's Writer.layer)

    private static func fused(_ a: Activation) -> Bool { a == .relu || a == .relu6 }

    /// A stand-alone activation of x (elements e), as the converter writes it.
    private mutating func activation(_ a: Activation, _ x: Int, layer i: Int) throws -> Int {
        let e = elements(x)
        switch a {
        case .none: return x
        case .relu: return op(.relu, [x], activation(e), layer: i)
        case .relu6: return op(.relu6, [x], activation(e), layer: i)
        case .hswish: return op(.hardSwish, [x], activation(e), layer: i)
        case .sigmoid: return op(.logistic, [x], activation(e), layer: i)
        case .hsigmoid:     // relu6(x + 3) / 6
            let three = constant(1, scales: 1)
            let y = op(.add, [x, three], activation(e), layer: i)
            let z = op(.relu6, [y], activation(e), layer: i)
            let sixth = constant(1, scales: 1)
            return op(.mul, [z, sixth], activation(e), layer: i)
        case .swish:
            let g = op(.logistic, [x], activation(e), layer: i)
            return op(.mul, [x, g], activation(e), layer: i)
        }
    }

    /// A window op's input: x itself (SAME or VALID gives the output size)
    /// or x zero-padded by a PAD op.
    /// Returns the input and whether the op pads it itself (SAME).
    private mutating func padded(_ x: Int, _ w: Window, layer i: Int) -> (Int, selfPadded: Bool) {
        func ceilDiv(_ a: Int, _ b: Int) -> Int { let q = a / b; return (a % b != 0 && (a < 0) == (b < 0)) ? q + 1 : q }
        let same = (ceilDiv(w.inH, w.strideH), ceilDiv(w.inW, w.strideW))
        let valid = (ceilDiv(w.inH - w.dilationH * (w.kernelH - 1), w.strideH), ceilDiv(w.inW - w.dilationW * (w.kernelW - 1), w.strideW))
        let noPads = w.padTop == 0 && w.padLeft == 0 && w.padBottom == 0 && w.padRight == 0
        if noPads && (w.outH, w.outW) == valid { return (x, false) }
        // SAME only where it pads as the IR does: TFLite puts the odd cell at the
        // bottom / right, so a stride-2 window padded 1 on both sides of an even
        // input (PyTorch's) needs a PAD to compute the same thing.
        let th = max((w.outH - 1) * w.strideH + w.dilationH * (w.kernelH - 1) + 1 - w.inH, 0)
        let tw = max((w.outW - 1) * w.strideW + w.dilationW * (w.kernelW - 1) + 1 - w.inW, 0)
        if (w.outH, w.outW) == same && (w.padTop, w.padBottom, w.padLeft, w.padRight) == (th / 2, th - th / 2, tw / 2, tw - tw / 2) {
            return (x, th > 0 || tw > 0)
        }
        let pads = constant(4 * 2 * 4, scales: 0)
        let h = Int64(w.inH + w.padTop + w.padBottom), wd = Int64(w.inW + w.padLeft + w.padRight)
        return (op(.pad, [x, pads], activation(h * wd * Int64(w.channels)), layer: i), false)
    }

    private mutating func conv(_ x: Int, cin: Int, cout: Int, groups: Int, _ w: Window, bias: Bool, layer i: Int) -> Int {
        let (xin, selfPadded) = padded(x, w, layer: i)
        let out = activation(Int64(w.outH) * Int64(w.outW) * Int64(cout))
        let b = bias ? constant(4 * Int64(cout), scales: cout) : -1
        let depthwise = groups > 1 && groups == cin && cout == cin
        let perOut = Int64(w.kernelH * w.kernelW) * Int64(depthwise ? 1 : cin / max(groups, 1))
        let weights = constant(Int64(cout) * perOut, scales: cout)
        return op(depthwise ? .depthwiseConv2D : .conv2D, b >= 0 ? [xin, weights, b] : [xin, weights], out, layer: i, perChannel: cout,
                  cmsisScratch: Self.cmsisScratch(w, cin: cin, groups: groups, depthwise: depthwise, selfPadded: selfPadded), window: w)
    }

    /// CMSIS-NN's scratch request for a convolution (arm_convolve_wrapper_s8
    /// and arm_depthwise_conv_wrapper_s8 buffer sizes on a DSP core): a 1x1
    /// unpadded convolution and a 3x3 depthwise one with padding <= 1 need
    /// none; other convolutions an int16 im2col of two columns; grouped and
    /// dilated ones fall back to reference kernels (none).
    static func cmsisScratch(_ w: Window, cin: Int, groups: Int, depthwise: Bool, selfPadded: Bool) -> Int64 {
        guard w.dilationH == 1 && w.dilationW == 1 else { return 0 }
        let window = Int64(w.kernelH * w.kernelW)
        if depthwise {
            let pad = selfPadded ? max(w.kernelH - 1, w.kernelW - 1) / 2 : 0
            return w.kernelH == 3 && w.kernelW == 3 && pad <= 1 ? 0 : 2 * Int64(cin) * window
        }
        guard groups == 1 else { return 0 }
        if window == 1 && !selfPadded { return 0 }
        return 4 * ((window * Int64(cin) + 3) / 4 * 4)
    }

    /// A 1-D network as Keras builds it (Conv1D, pooling 1-D): the converter
    /// runs windows on [1, 1, W, C] and reductions on [1, W, C], with a
    /// RESHAPE where one follows the other (and at the input).
    /// true: the op wants rank 4; false: rank 3; nil: either (elementwise).
    static func rank4(_ op: String) -> Bool? {
        switch op {
        case _ where BuiltinOperators.convolutionOps.contains(op): return true
        case "inverted_residual", "avgpool", "maxpool": return true
        case "global_avgpool", "linear": return false
        default: return nil
        }
    }

    private mutating func reshape(_ x: Int, layer i: Int) -> Int {
        op(.reshape, [x, constant(4 * 4, scales: 0)], activation(elements(x)), layer: i)
    }

    private mutating func mean(_ x: Int, channels c: Int, layer i: Int) -> Int {
        let axes = constant(2 * 4, scales: 0)
        return op(.mean, [x, axes], activation(Int64(c)), layer: i)
    }

    private mutating func lower(_ i: Int, _ l: Layer, _ input: Int, _ second: Int?) throws -> Int {
        let a = l.attrs
        let x = try activation(a.preActivation, input, layer: i)
        let residual = l.flags.contains(.residual) && second != nil && l.op != "add"
        var fuse = residual || a.shuffleGroups > 1 ? false : Self.fused(a.activation)
        let cin = l.inShape.c, cout = l.outShape.c
        let w = Window(l, channels: cin)
        var y: Int
        switch l.op {
        case _ where BuiltinOperators.convolutionOps.contains(l.op):
            let groups = l.op == "dwconv2d" ? cin : max(l.groups, 1)
            y = conv(x, cin: cin, cout: cout, groups: groups, w, bias: l.op != "conv2d_nobias" || a.batchNorm, layer: i)
        case "inverted_residual":
            let mid = cin * max(l.expansion, 1), g = max(l.groups, 1)
            y = conv(x, cin: cin, cout: mid, groups: g, .pointwise(l.inShape.h, l.inShape.w, channels: cin), bias: true, layer: i)
            y = conv(y, cin: mid, cout: mid, groups: mid, Window(l, channels: mid), bias: true, layer: i)
            y = conv(y, cin: mid, cout: cout, groups: g, .pointwise(l.outShape.h, l.outShape.w, channels: mid), bias: true, layer: i)
        case "avgpool", "maxpool":
            let xin = padded(x, w, layer: i).0
            y = op(l.op == "avgpool" ? .averagePool2D : .maxPool2D, [xin], activation(l.outShape.elements), layer: i, window: w)
        case "global_avgpool":
            y = mean(x, channels: cin, layer: i); fuse = false
        case "linear":
            // Per-channel weights: the converter's default for dense layers (TF >= 2.16).
            let weights = constant(Int64(cout) * l.inShape.elements, scales: cout)
            let b = constant(4 * Int64(cout), scales: cout)
            y = op(.fullyConnected, [x, weights, b], activation(Int64(cout)), layer: i, perChannel: cout)
        case "add":
            guard let s = second else { throw OpError.invalidShape("layer \(i): add needs a second input") }
            y = op(.add, [x, s], activation(elements(x)), layer: i)
        case "concat":
            guard let s = second else { throw OpError.invalidShape("layer \(i): concat needs a second input") }
            y = op(.concatenation, [x, s], activation(elements(x) / Int64(max(cin, 1)) * Int64(cout)), layer: i); fuse = false
        case "batchnorm":
            let scale = constant(Int64(cout), scales: 1)
            y = op(.mul, [x, scale], activation(elements(x)), layer: i)
            let shift = constant(Int64(cout), scales: 1)
            y = op(.add, [y, shift], activation(elements(x)), layer: i)
        case "squeeze_excite":
            let s = a.hiddenC
            var z = mean(x, channels: cin, layer: i)
            z = conv(z, cin: cin, cout: s, groups: 1, .pointwise(1, 1, channels: cin), bias: true, layer: i)
            if !Self.fused(a.hiddenActivation) { z = try activation(a.hiddenActivation, z, layer: i) }
            z = conv(z, cin: s, cout: cin, groups: 1, .pointwise(1, 1, channels: s), bias: true, layer: i)
            z = try activation(a.gateActivation, z, layer: i)
            y = op(.mul, [x, z], activation(elements(x)), layer: i); fuse = false
        case "zero":
            y = constant(elements(x), scales: 1); fuse = false
        case "identity":
            y = x; fuse = false
        default:
            throw OpError.unknownOp(l.op)
        }
        if residual, let s = second {
            y = op(.add, [y, s], activation(elements(y)), layer: i)
            fuse = Self.fused(a.activation)
        }
        if a.activation != .none && !fuse { y = try activation(a.activation, y, layer: i) }
        if a.shuffleGroups > 1 {
            let e = elements(y)
            y = op(.reshape, [y, constant(4 * 4, scales: 0)], activation(e), layer: i)    // to [1, h*w, g, c/g]
            y = op(.transpose, [y, constant(4 * 4, scales: 0)], activation(e), layer: i)
            y = op(.reshape, [y, constant(4 * 4, scales: 0)], activation(e), layer: i)    // back to [1, h, w, c]
        }
        return y
    }
}

/// A window op's geometry, with the defaults the writer applies (0 -> 1).
struct Window {
    var inH, inW, outH, outW, channels: Int
    var kernelH, kernelW, strideH, strideW, dilationH, dilationW: Int
    var padTop, padLeft, padBottom, padRight: Int

    init(_ l: Layer, channels: Int) {
        let a = l.attrs
        inH = l.inShape.h; inW = l.inShape.w; outH = l.outShape.h; outW = l.outShape.w; self.channels = channels
        kernelH = max(a.kernelH, 1); kernelW = max(a.kernelW, 1); strideH = max(a.strideH, 1); strideW = max(a.strideW, 1)
        dilationH = max(a.dilationH, 1); dilationW = max(a.dilationW, 1)
        padTop = a.padTop; padLeft = a.padLeft; padBottom = a.padBottom; padRight = a.padRight
    }

    /// A 1x1, stride 1, unpadded window over h x w.
    static func pointwise(_ h: Int, _ w: Int, channels: Int) -> Window {
        var p = Window(Layer(op: "pwconv2d", input: 0, output: 0, inShape: TensorShape(c: channels, h: h, w: w),
                             outShape: TensorShape(c: channels, h: h, w: w)), channels: channels)
        p.kernelH = 1; p.kernelW = 1; p.padTop = 0; p.padLeft = 0; p.padBottom = 0; p.padRight = 0
        return p
    }
}
