// The exact-IR attributes of a layer (ABI 1.1, hwnas_layer after `cell`):
// window, stride, dilation, padding, activations, batch norm, channel
// shuffle and squeeze-excite widths. docs/network-ir.md is the reference:
// with these a third party rebuilds any network exactly.

/// HWNAS_ACT_*.
public enum Activation: Int32, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case none = 0, relu = 1, relu6 = 2, hswish = 3, hsigmoid = 4, sigmoid = 5, swish = 6

    public var description: String {
        switch self {
        case .none: return "none"
        case .relu: return "relu"
        case .relu6: return "relu6"
        case .hswish: return "hswish"
        case .hsigmoid: return "hsigmoid"
        case .sigmoid: return "sigmoid"
        case .swish: return "swish"
        }
    }

    public init?(name: String) {
        guard let a = Self.allCases.first(where: { $0.description == name }) else { return nil }
        self = a
    }
}

public struct LayerAttributes: Sendable, Hashable {
    public var kernelH, kernelW: Int
    public var strideH, strideW: Int
    public var dilationH, dilationW: Int
    /// Zero padding in elements on each side.
    public var padTop, padLeft, padBottom, padRight: Int
    /// Applied to the input before the op (nb201's ReLU-Conv-BN).
    public var preActivation: Activation
    /// Applied to the output, after the residual add.
    public var activation: Activation
    /// A BatchNorm follows the op (folded into its bias when deployed).
    public var batchNorm: Bool
    /// > 1: the output's channels are shuffled in this many groups.
    public var shuffleGroups: Int
    /// squeeze_excite: squeezed channels and the two activations.
    public var hiddenC: Int
    public var hiddenActivation: Activation
    public var gateActivation: Activation

    public init(kernelH: Int = 0, kernelW: Int = 0, strideH: Int = 1, strideW: Int = 1, dilationH: Int = 1,
                dilationW: Int = 1, padTop: Int = 0, padLeft: Int = 0, padBottom: Int = 0, padRight: Int = 0,
                preActivation: Activation = .none, activation: Activation = .none, batchNorm: Bool = false,
                shuffleGroups: Int = 0, hiddenC: Int = 0, hiddenActivation: Activation = .none,
                gateActivation: Activation = .none) {
        self.kernelH = kernelH; self.kernelW = kernelW; self.strideH = strideH; self.strideW = strideW
        self.dilationH = dilationH; self.dilationW = dilationW
        self.padTop = padTop; self.padLeft = padLeft; self.padBottom = padBottom; self.padRight = padRight
        self.preActivation = preActivation; self.activation = activation; self.batchNorm = batchNorm
        self.shuffleGroups = shuffleGroups; self.hiddenC = hiddenC
        self.hiddenActivation = hiddenActivation; self.gateActivation = gateActivation
    }

    /// "Same" padding for a k x k window: (k - 1) / 2 * dilation on every side.
    public static func square(kernel k: Int, stride s: Int) -> LayerAttributes {
        let p = k > 0 ? (k - 1) / 2 : 0
        return LayerAttributes(kernelH: k, kernelW: k, strideH: s, strideW: s, padTop: p, padLeft: p, padBottom: p, padRight: p)
    }
}
