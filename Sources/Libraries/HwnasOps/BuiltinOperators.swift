// The built-in operator set: shape inference, parameter counts and MACs of
// the operators the nb201 and fbnet spaces are made of. Formulas are spelled
// out in docs/operators-and-mcu.md.
//
// Conventions (batch 1). A window of kh x kw with stride s, dilation d and
// padding (begin pb, end pe) gives
//   out = (in + pb + pe - d * (k - 1) - 1) / s + 1
// per spatial axis; "same" padding is pb = pe = (k - 1) / 2 * d, so 3x3
// stride 1 keeps the size and k x k stride 2 halves it, rounding up. A 1-D
// layer is the same with h = 1 and kh = 1.
// Convolutions are counted as deployed for inference: a BatchNorm after a
// conv is folded into the conv, leaving one bias per output channel (see
// Layer.foldedNormChannels for the training-time parameter count).
// MACs count multiply-accumulates of convs and linears, window reads of
// pools (k*k per output element), one multiply-add per element for a
// stand-alone BatchNorm, and nothing for add/identity/zero.

public struct BuiltinOperators: OperatorInference {
    public init() {}

    /// Every operator this set defines, in a fixed order.
    public static let opNames: [String] = [
        "conv2d", "conv2d_nobias", "relu_conv_bn", "dwconv2d", "pwconv2d", "inverted_residual",
        "avgpool", "maxpool", "global_avgpool", "linear", "identity", "zero", "add", "batchnorm",
        "squeeze_excite", "concat",
    ]

    /// The single convolutions (a window, groups, a bias or not): one
    /// computation under the names the spaces give it.
    public static let convolutionOps: Set<String> = ["conv2d", "conv2d_nobias", "relu_conv_bn", "pwconv2d", "dwconv2d"]

    public func infer(_ q: OpQuery) throws -> OpInfo {
        guard q.inC > 0, q.inH > 0, q.inW > 0 else { throw OpError.invalidShape("\(q.op): input \(q.input) must be positive") }
        try Self.checkSizes(q)
        switch q.op {
        case "conv2d", "relu_conv_bn":
            return try Self.conv(q, kernel: q.kernel, groups: max(q.groups, 1), bias: true)
        case "conv2d_nobias":
            return try Self.conv(q, kernel: q.kernel, groups: max(q.groups, 1), bias: false)
        case "pwconv2d":
            guard q.kernelH <= 1, q.kernelW <= 1 else { throw OpError.invalidShape("pwconv2d: kernel must be 1, got \(q.kernelH)x\(q.kernelW)") }
            var p = q; p.kernelH = 1; p.kernelW = 1
            return try Self.conv(p, kernel: 1, groups: max(q.groups, 1), bias: true)
        case "dwconv2d":
            return try Self.conv(q, kernel: q.kernel, groups: q.inC, bias: true)
        case "squeeze_excite":
            // Global average pool, 1x1 conv C -> S (+bias), activation, 1x1 conv
            // S -> C (+bias), gate, multiply: MACs count the pool's reads, both
            // convs and the multiply.
            guard q.hiddenC > 0 else { throw OpError.invalidShape("squeeze_excite: needs hidden_c > 0") }
            guard q.outC == 0 || q.outC == q.inC else { throw OpError.invalidShape("squeeze_excite: cannot change channels") }
            let c = Int64(q.inC), sq = Int64(q.hiddenC)
            return OpInfo(outC: q.inC, outH: q.inH, outW: q.inW, macs: 2 * q.input.elements + 2 * c * sq,
                          weightElems: 2 * c * sq, biasElems: sq + c)
        case "inverted_residual":
            return try Self.invertedResidual(q)
        case "avgpool", "maxpool":
            guard q.outC == 0 || q.outC == q.inC else { throw OpError.invalidShape("\(q.op): cannot change channels") }
            let (oh, ow) = try Self.spatial(q)
            return OpInfo(outC: q.inC, outH: oh, outW: ow,
                          macs: Int64(q.inC) * Int64(oh) * Int64(ow) * Int64(q.kernelH * q.kernelW),
                          weightElems: 0, biasElems: 0)
        case "global_avgpool":
            return OpInfo(outC: q.inC, outH: 1, outW: 1, macs: q.input.elements, weightElems: 0, biasElems: 0)
        case "linear":
            guard q.outC > 0 else { throw OpError.invalidShape("linear: needs out_c > 0") }
            let inFeatures = q.input.elements
            return OpInfo(outC: q.outC, outH: 1, outW: 1, macs: Int64(q.outC) * inFeatures,
                          weightElems: Int64(q.outC) * inFeatures, biasElems: Int64(q.outC))
        case "identity", "zero", "add":
            guard q.outC == 0 || q.outC == q.inC else { throw OpError.invalidShape("\(q.op): cannot change channels") }
            return OpInfo(outC: q.inC, outH: q.inH, outW: q.inW, macs: 0, weightElems: 0, biasElems: 0)
        case "concat":
            // input's channels, then input2's (outC - inC of them): a copy.
            guard q.outC > q.inC else { throw OpError.invalidShape("concat: out_c \(q.outC) must exceed in_c \(q.inC) (the second input's channels)") }
            return OpInfo(outC: q.outC, outH: q.inH, outW: q.inW, macs: 0, weightElems: 0, biasElems: 0)
        case "batchnorm":
            // Stand-alone per-channel scale and shift (BN + ReLU after an add).
            guard q.outC == 0 || q.outC == q.inC else { throw OpError.invalidShape("batchnorm: cannot change channels") }
            return OpInfo(outC: q.inC, outH: q.inH, outW: q.inW, macs: q.input.elements,
                          weightElems: Int64(q.inC), biasElems: Int64(q.inC))
        default:
            throw OpError.unknownOp(q.op)
        }
    }

    /// The formulas below multiply sizes in Int64: a query from any space or
    /// file is refused, in one line, before a product can overflow. Each
    /// size fits the ABI's int32; a bound on every product (output
    /// positions x channels in and out x window, with the expansion) stays
    /// under 2^62.
    static func checkSizes(_ q: OpQuery) throws {
        let limit = Int(Int32.max)
        let sizes = [q.inC, q.inH, q.inW, q.outC, q.kernel, q.stride, q.groups, q.expansion, q.kernelH, q.kernelW,
                     q.strideH, q.strideW, q.dilationH, q.dilationW, q.hiddenC]
        let pads = [q.padTop, q.padLeft, q.padBottom, q.padRight]
        guard sizes.allSatisfy({ $0 >= 0 && $0 <= limit }), pads.allSatisfy({ $0 >= -1 && $0 <= limit }) else {
            throw OpError.invalidShape("\(q.op): a size is negative or above 2^31 - 1 (input \(q.input), out_c \(q.outC), kernel \(q.kernelH)x\(q.kernelW))")
        }
        let p = q.resolvedPadding
        let factors = [max(q.outC, q.inC, 1), max(q.inC, 1), max(q.expansion, 1), q.inH + p.top + p.bottom,
                       q.inW + p.left + p.right, max(q.kernelH, 1), max(q.kernelW, 1)]
        guard CheckedSize.product(factors, atMost: (1 << 62) - 1) != nil else {
            throw OpError.invalidShape("\(q.op): input \(q.input), out_c \(q.outC), kernel \(q.kernelH)x\(q.kernelW) is too large to count")
        }
        guard CheckedSize.product([2, q.inC, q.hiddenC], atMost: 1 << 62) != nil else {
            throw OpError.invalidShape("\(q.op): hidden_c \(q.hiddenC) is too large to count")
        }
    }

    /// Output height and width of the query's window (padding resolved).
    static func spatial(_ q: OpQuery) throws -> (Int, Int) {
        let (kh, kw) = (q.kernelH, q.kernelW)
        guard kh >= 1, kw >= 1, q.strideH >= 1, q.strideW >= 1, q.dilationH >= 1, q.dilationW >= 1 else {
            throw OpError.invalidShape("\(q.op): kernel \(kh)x\(kw), stride \(q.strideH)x\(q.strideW) and dilation \(q.dilationH)x\(q.dilationW) must be >= 1")
        }
        let p = q.resolvedPadding
        let spanH = q.dilationH * (kh - 1) + 1, spanW = q.dilationW * (kw - 1) + 1
        guard q.inH + p.top + p.bottom >= spanH, q.inW + p.left + p.right >= spanW else {
            throw OpError.invalidShape("\(q.op): kernel \(kh)x\(kw) larger than input \(q.inH)x\(q.inW)")
        }
        let out = ((q.inH + p.top + p.bottom - spanH) / q.strideH + 1, (q.inW + p.left + p.right - spanW) / q.strideW + 1)
        guard out.0 <= Int(Int32.max), out.1 <= Int(Int32.max) else {
            throw OpError.invalidShape("\(q.op): output \(out.0)x\(out.1) is above 2^31 - 1 per side")
        }
        return out
    }

    /// Convolution with `groups` groups: each output channel sees inC/groups
    /// input channels through a kernelH x kernelW window (`kernel` only
    /// checks that a window was given).
    static func conv(_ q: OpQuery, kernel k: Int, groups g: Int, bias: Bool) throws -> OpInfo {
        let outC = q.outC == 0 ? q.inC : q.outC
        guard g >= 1, q.inC % g == 0, outC % g == 0 else {
            throw OpError.invalidShape("\(q.op): channels \(q.inC)->\(outC) not divisible by groups \(g)")
        }
        guard k >= 1 else { throw OpError.invalidShape("\(q.op): kernel must be >= 1") }
        let (oh, ow) = try spatial(q)
        let perOutput = Int64(q.inC / g) * Int64(q.kernelH * q.kernelW)   // weights of one output channel
        return OpInfo(outC: outC, outH: oh, outW: ow,
                      macs: Int64(oh) * Int64(ow) * Int64(outC) * perOutput,
                      weightElems: Int64(outC) * perOutput, biasElems: bias ? Int64(outC) : 0)
    }

    /// FBNet inverted residual as one operator: 1x1 expand (groups) to
    /// mid = inC * expansion, k x k depthwise with the stride, 1x1 project
    /// (groups) to outC; each conv carries a folded BN bias. The residual add
    /// (stride 1, inC == outC) costs no MACs. Channel shuffle of the grouped
    /// variant is a permutation folded into the weights.
    static func invertedResidual(_ q: OpQuery) throws -> OpInfo {
        guard q.expansion >= 1 else { throw OpError.invalidShape("inverted_residual: expansion must be >= 1") }
        let g = max(q.groups, 1)
        let mid = q.inC * q.expansion
        let outC = q.outC == 0 ? q.inC : q.outC
        let expand = OpQuery(op: "pwconv2d", input: q.input, outC: mid, kernel: 1, stride: 1, groups: g)
        let e = try conv(expand, kernel: 1, groups: g, bias: true)
        let dwq = OpQuery(op: "dwconv2d", input: e.output, outC: mid, kernel: q.kernel, stride: q.stride)
        let d = try conv(dwq, kernel: q.kernel, groups: mid, bias: true)
        let pq = OpQuery(op: "pwconv2d", input: d.output, outC: outC, kernel: 1, stride: 1, groups: g)
        let p = try conv(pq, kernel: 1, groups: g, bias: true)
        return OpInfo(outC: p.outC, outH: p.outH, outW: p.outW, macs: e.macs + d.macs + p.macs,
                      weightElems: e.weightElems + d.weightElems + p.weightElems,
                      biasElems: e.biasElems + d.biasElems + p.biasElems)
    }
}
