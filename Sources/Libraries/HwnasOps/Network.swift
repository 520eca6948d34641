// A whole network expanded from a genotype: tensors and layers in execution
// order. Mirrors hwnas_network / hwnas_layer of the C ABI (HwnasCore's
// CNetwork converts), so cost models see the same thing either way.

public struct LayerFlags: OptionSet, Sendable, Hashable {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    /// output = op(input) + input2 (HWNAS_LAYER_RESIDUAL).
    public static let residual = LayerFlags(rawValue: 1)
    /// May overwrite its input buffer when nothing reads it later (HWNAS_LAYER_INPLACE).
    public static let inPlace = LayerFlags(rawValue: 2)
    /// The padding fields hold the padding (HWNAS_LAYER_EXPLICIT_PADDING).
    public static let explicitPadding = LayerFlags(rawValue: 4)
}

public struct Layer: Sendable, Hashable {
    public var op: String
    public var kernel, stride, groups, expansion: Int
    /// Tensor ids (indices into Network.tensors); input2 is -1 when absent.
    public var input, input2, output: Int
    public var inShape, outShape: TensorShape
    public var flags: LayerFlags
    public var params, macs, weightElems, biasElems: Int64
    /// Grouping label, e.g. "stage1.cell2".
    public var cell: String
    /// Window, padding, activations, batch norm, shuffle, squeeze-excite.
    public var attrs: LayerAttributes

    public init(op: String, kernel: Int = 0, stride: Int = 1, groups: Int = 1, expansion: Int = 0,
                input: Int, input2: Int = -1, output: Int, inShape: TensorShape, outShape: TensorShape,
                flags: LayerFlags = [], params: Int64 = 0, macs: Int64 = 0, weightElems: Int64 = 0,
                biasElems: Int64 = 0, cell: String = "", attrs: LayerAttributes? = nil) {
        self.op = op; self.kernel = kernel; self.stride = stride; self.groups = groups; self.expansion = expansion
        self.input = input; self.input2 = input2; self.output = output
        self.inShape = inShape; self.outShape = outShape; self.flags = flags
        self.params = params; self.macs = macs; self.weightElems = weightElems; self.biasElems = biasElems
        self.cell = cell; self.attrs = attrs ?? .square(kernel: kernel, stride: stride)
    }

    /// BatchNorm channels folded into this layer's bias. A trained model has
    /// 2 BN parameters per channel where the folded layer has 1 bias, so the
    /// training-time count is params + foldedNormChannels.
    public var foldedNormChannels: Int { attrs.batchNorm ? outShape.c : 0 }
}

public struct Network: Sendable, Hashable {
    /// Tensor 0 is the network input.
    public var tensors: [TensorShape]
    public var layers: [Layer]
    /// 2: images (c, h, w); 1: sequences (c, 1, w); 0: features (c, 1, 1),
    /// a [batch, features] input (an imported MLP: linear layers, no feature map).
    public var spatialDims: Int

    public init(tensors: [TensorShape], layers: [Layer], spatialDims: Int = 2) {
        self.tensors = tensors; self.layers = layers; self.spatialDims = spatialDims
    }

    /// Weights + biases as deployed (BN folded).
    public var params: Int64 { layers.reduce(0) { $0 + $1.params } }
    /// Parameters of the trainable model (BN unfolded: 2 per channel).
    public var trainingParams: Int64 { layers.reduce(0) { $0 + $1.params + Int64($1.foldedNormChannels) } }
    public var macs: Int64 { layers.reduce(0) { $0 + $1.macs } }
    public var weightElems: Int64 { layers.reduce(0) { $0 + $1.weightElems } }
    public var biasElems: Int64 { layers.reduce(0) { $0 + $1.biasElems } }
    /// The tensor the last layer writes (the logits), or the input if empty.
    public var outputTensor: Int { layers.last?.output ?? 0 }

    /// Checks ids and shapes are consistent; throws a readable message.
    public func validate() throws {
        guard !tensors.isEmpty else { throw OpError.invalidShape("network has no tensors") }
        var written = Set([0])
        for (i, l) in layers.enumerated() {
            for t in [l.input, l.input2] where t != -1 {
                guard t >= 0, t < tensors.count else { throw OpError.invalidShape("layer \(i): tensor \(t) out of range") }
                guard written.contains(t) else { throw OpError.invalidShape("layer \(i) reads tensor \(t) before it is written") }
            }
            guard l.output > 0, l.output < tensors.count else { throw OpError.invalidShape("layer \(i): output \(l.output) out of range") }
            guard !written.contains(l.output) else { throw OpError.invalidShape("layer \(i): tensor \(l.output) written twice") }
            guard tensors[l.input] == l.inShape, tensors[l.output] == l.outShape else {
                throw OpError.invalidShape("layer \(i) (\(l.op)): shapes disagree with its tensors")
            }
            written.insert(l.output)
        }
    }
}
