// A layer in the loop-nest terms of accelerator models (Eyeriss, Timeloop):
// G groups of M output channels, each reading C input channels with an
// R x S filter, producing E x F outputs from H x W inputs.
public struct AcceleratorLayer: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// Convolutions of every kind and linear layers (MACs with weights).
        case conv
        /// Pooling: G = channels, C = M = 1, an R x S window, no weights.
        case pool(global: Bool)
        /// Element-wise layers: `inputs` tensors of `elements` read, one written.
        case eltwise(inputs: Int)
        /// A residual or branch sum, fused into the producer's write-back:
        /// only the other operand is read.
        case add
    }
    public var kind: Kind
    public var g = 1, c = 1, m = 1, r = 1, s = 1, e = 1, f = 1, h = 1, w = 1
    /// Elements of the output (element-wise layers).
    public var elements = 0

    public init(kind: Kind, g: Int = 1, c: Int = 1, m: Int = 1, r: Int = 1, s: Int = 1, e: Int = 1, f: Int = 1, h: Int = 1, w: Int = 1,
                elements: Int = 0) {
        self.kind = kind; self.g = g; self.c = c; self.m = m; self.r = r; self.s = s; self.e = e; self.f = f; self.h = h; self.w = w
        self.elements = elements
    }

    /// An hwnas IR layer in these terms, by its op name (core operator set).
    /// Every op prices: those without weights or windows as element-wise.
    public static func from(op: String, groups: Int, inC: Int, inH: Int, inW: Int, outC: Int, outH: Int, outW: Int,
                            kernelH: Int, kernelW: Int, hasSecondInput: Bool) -> AcceleratorLayer {
        switch op {
        case "conv2d", "conv2d_nobias", "relu_conv_bn", "pwconv2d", "dwconv2d", "conv1d", "dwconv1d":
            let g = max(1, groups)
            return AcceleratorLayer(kind: .conv, g: g, c: inC / g, m: outC / g, r: kernelH, s: kernelW, e: outH, f: outW, h: inH, w: inW)
        case "linear":
            return AcceleratorLayer(kind: .conv, c: inC * inH * inW, m: outC)
        case "global_avgpool", "global_maxpool":
            return AcceleratorLayer(kind: .pool(global: true), g: inC, r: inH, s: inW, e: 1, f: 1, h: inH, w: inW)
        case "avgpool", "maxpool":
            return AcceleratorLayer(kind: .pool(global: false), g: inC, r: kernelH, s: kernelW, e: outH, f: outW, h: inH, w: inW)
        case "add" where hasSecondInput:
            return AcceleratorLayer(kind: .add, elements: outC * outH * outW)
        case "zero":
            return AcceleratorLayer(kind: .eltwise(inputs: 0), elements: outC * outH * outW)
        default:
            return AcceleratorLayer(kind: .eltwise(inputs: hasSecondInput && op != "concat" ? 2 : 1), elements: outC * outH * outW)
        }
    }

    public var inputElements: Int { g * c * h * w }
    public var weightElements: Int { kind == .conv ? g * m * c * r * s : 0 }
    public var outputElements: Int { g * m * e * f }
    /// Multiply-accumulates (pools: window reads).
    public var macs: Int { g * m * c * r * s * e * f }
}
