// The built-in operator set: shape inference, parameter counts and MACs of
// the operators the nb201 and fbnet spaces are made of. Formulas are spelled
// out in docs/operators-and-mcu.md.
//
// Conventions (batch 1, "same" padding p = (k - 1) / 2, so 3x3 stride 1 keeps
// the size and k x k stride 2 halves it, rounding up):
//   out = (in + 2p - k) / s + 1
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
    ]

    public func infer(_ q: OpQuery) throws -> OpInfo {
        guard q.inC > 0, q.inH > 0, q.inW > 0 else { throw OpError.invalidShape("\(q.op): input \(q.input) must be positive") }
        switch q.op {
        case "conv2d", "relu_conv_bn":
            return try Self.conv(q, kernel: q.kernel, groups: max(q.groups, 1), bias: true)
        case "conv2d_nobias":
            return try Self.conv(q, kernel: q.kernel, groups: max(q.groups, 1), bias: false)
        case "pwconv2d":
            guard q.kernel <= 1 else { throw OpError.invalidShape("pwconv2d: kernel must be 1, got \(q.kernel)") }
            return try Self.conv(q, kernel: 1, groups: max(q.groups, 1), bias: true)
        case "dwconv2d":
            return try Self.conv(q, kernel: q.kernel, groups: q.inC, bias: true)
        case "inverted_residual":
            return try Self.invertedResidual(q)
        case "avgpool", "maxpool":
            guard q.outC == 0 || q.outC == q.inC else { throw OpError.invalidShape("\(q.op): cannot change channels") }
            let (oh, ow) = try Self.spatial(q, kernel: q.kernel)
            return OpInfo(outC: q.inC, outH: oh, outW: ow,
                          macs: Int64(q.inC) * Int64(oh) * Int64(ow) * Int64(q.kernel * q.kernel),
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
        case "batchnorm":
            // Stand-alone per-channel scale and shift (BN + ReLU after an add).
            guard q.outC == 0 || q.outC == q.inC else { throw OpError.invalidShape("batchnorm: cannot change channels") }
            return OpInfo(outC: q.inC, outH: q.inH, outW: q.inW, macs: q.input.elements,
                          weightElems: Int64(q.inC), biasElems: Int64(q.inC))
        default:
            throw OpError.unknownOp(q.op)
        }
    }

    /// Output height and width for a k x k window with "same" padding.
    static func spatial(_ q: OpQuery, kernel k: Int) throws -> (Int, Int) {
        guard k >= 1, q.stride >= 1 else {
            throw OpError.invalidShape("\(q.op): kernel \(k) and stride \(q.stride) must be >= 1")
        }
        let p = (k - 1) / 2
        guard q.inH + 2 * p >= k, q.inW + 2 * p >= k else {
            throw OpError.invalidShape("\(q.op): kernel \(k) larger than input \(q.inH)x\(q.inW)")
        }
        return ((q.inH + 2 * p - k) / q.stride + 1, (q.inW + 2 * p - k) / q.stride + 1)
    }

    /// k x k convolution with `groups` groups: each output channel sees
    /// inC/groups input channels.
    static func conv(_ q: OpQuery, kernel k: Int, groups g: Int, bias: Bool) throws -> OpInfo {
        let outC = q.outC == 0 ? q.inC : q.outC
        guard q.inC % g == 0, outC % g == 0 else {
            throw OpError.invalidShape("\(q.op): channels \(q.inC)->\(outC) not divisible by groups \(g)")
        }
        let (oh, ow) = try spatial(q, kernel: k)
        let perOutput = Int64(q.inC / g) * Int64(k * k)       // weights of one output channel
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
        var expand = q; expand.op = "pwconv2d"; expand.outC = mid; expand.kernel = 1; expand.stride = 1; expand.groups = g
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
