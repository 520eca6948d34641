// The operator math interface. The expander asks an OperatorInference for
// every layer it emits, so the host can route the questions through the
// loaded operator-set plugin (the C ABI's hwnas_op_query / hwnas_op_info)
// while tests and plugins use BuiltinOperators directly.

/// Operator attributes in (mirrors hwnas_op_query).
public struct OpQuery: Sendable, Hashable {
    public var op: String
    public var inC, inH, inW: Int
    /// Requested output channels; 0 means "same as inC".
    public var outC: Int
    /// Square window and stride (== kernelW, strideW).
    public var kernel, stride, groups, expansion: Int
    public var kernelH, kernelW, strideH, strideW, dilationH, dilationW: Int
    /// Zero padding; -1 on every side means "same": (k - 1) / 2 * dilation.
    public var padTop, padLeft, padBottom, padRight: Int
    /// squeeze_excite: squeezed channels.
    public var hiddenC: Int

    public init(op: String, inC: Int, inH: Int, inW: Int, outC: Int = 0,
                kernel: Int = 0, stride: Int = 1, groups: Int = 1, expansion: Int = 0) {
        self.op = op; self.inC = inC; self.inH = inH; self.inW = inW; self.outC = outC
        self.kernel = kernel; self.stride = stride; self.groups = groups; self.expansion = expansion
        kernelH = kernel; kernelW = kernel; strideH = stride; strideW = stride; dilationH = 1; dilationW = 1
        padTop = -1; padLeft = -1; padBottom = -1; padRight = -1
        hiddenC = 0
    }

    public init(op: String, input: TensorShape, outC: Int = 0, kernel: Int = 0, stride: Int = 1,
                groups: Int = 1, expansion: Int = 0) {
        self.init(op: op, inC: input.c, inH: input.h, inW: input.w, outC: outC, kernel: kernel,
                  stride: stride, groups: groups, expansion: expansion)
    }

    public var input: TensorShape { TensorShape(c: inC, h: inH, w: inW) }

    /// True when every pad is -1 ("same" padding).
    public var autoPadding: Bool { padTop < 0 && padLeft < 0 && padBottom < 0 && padRight < 0 }

    /// The padding actually applied: explicit pads, or "same" for the window.
    public var resolvedPadding: (top: Int, left: Int, bottom: Int, right: Int) {
        guard autoPadding else { return (max(padTop, 0), max(padLeft, 0), max(padBottom, 0), max(padRight, 0)) }
        let ph = kernelH > 0 ? (kernelH - 1) / 2 * max(dilationH, 1) : 0
        let pw = kernelW > 0 ? (kernelW - 1) / 2 * max(dilationW, 1) : 0
        return (ph, pw, ph, pw)
    }
}

/// Shape and costs out (mirrors hwnas_op_info).
public struct OpInfo: Sendable, Hashable {
    public var outC, outH, outW: Int
    /// weightElems + biasElems.
    public var params: Int64
    public var macs: Int64
    public var weightElems: Int64
    public var biasElems: Int64
    /// float32 output tensor bytes (the ABI's definition).
    public var activationBytes: Int64

    public init(outC: Int, outH: Int, outW: Int, macs: Int64, weightElems: Int64, biasElems: Int64) {
        self.outC = outC; self.outH = outH; self.outW = outW; self.macs = macs
        self.weightElems = weightElems; self.biasElems = biasElems
        params = weightElems + biasElems
        activationBytes = Int64(outC) * Int64(outH) * Int64(outW) * 4
    }

    public init(outC: Int, outH: Int, outW: Int, params: Int64, macs: Int64, weightElems: Int64,
                biasElems: Int64, activationBytes: Int64) {
        self.outC = outC; self.outH = outH; self.outW = outW; self.params = params; self.macs = macs
        self.weightElems = weightElems; self.biasElems = biasElems; self.activationBytes = activationBytes
    }

    public var output: TensorShape { TensorShape(c: outC, h: outH, w: outW) }
}

public enum OpError: Error, Equatable, CustomStringConvertible {
    case unknownOp(String)
    case invalidShape(String)

    public var description: String {
        switch self {
        case .unknownOp(let op): return "unknown operator '\(op)'"
        case .invalidShape(let why): return "invalid operator shape: \(why)"
        }
    }
}

/// Shape inference and costs of operators. Implementations must be pure.
public protocol OperatorInference: Sendable {
    /// Throws OpError.unknownOp for an op it does not define and
    /// OpError.invalidShape for impossible attributes.
    func infer(_ q: OpQuery) throws -> OpInfo
}
