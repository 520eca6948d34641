// Appends layers to a Swift Network, asking an OperatorInference for each
// layer's shape and costs: small hand-made networks for tests and tools.
// Search spaces build theirs through the ABI's network builder instead.

public struct NetworkBuilder {
    public let ops: any OperatorInference
    public private(set) var network: Network

    public init(ops: any OperatorInference, input: TensorShape) {
        self.ops = ops
        network = Network(tensors: [input], layers: [])
    }

    public func shape(_ t: Int) -> TensorShape { network.tensors[t] }

    /// Emits one layer reading `input` (and `input2`), returns the new tensor id.
    @discardableResult
    public mutating func add(_ op: String, _ input: Int, input2: Int = -1, outC: Int = 0, kernel: Int = 0, stride: Int = 1,
                      groups: Int = 1, expansion: Int = 0, flags: LayerFlags = [], cell: String = "",
                      foldsNorm: Bool = false) throws -> Int {
        let inShape = shape(input)
        let info = try ops.infer(OpQuery(op: op, input: inShape, outC: outC, kernel: kernel, stride: stride,
                                         groups: groups, expansion: expansion))
        if input2 != -1 && shape(input2) != info.output {
            throw OpError.invalidShape("\(op) in \(cell): second input \(shape(input2)) does not match output \(info.output)")
        }
        let out = network.tensors.count
        network.tensors.append(info.output)
        network.layers.append(Layer(op: op, kernel: kernel, stride: stride, groups: groups, expansion: expansion,
                                    input: input, input2: input2, output: out, inShape: inShape, outShape: info.output,
                                    flags: flags, params: info.params, macs: info.macs, weightElems: info.weightElems,
                                    biasElems: info.biasElems, cell: cell,
                                    attrs: { var a = LayerAttributes.square(kernel: kernel, stride: stride); a.batchNorm = foldsNorm; return a }()))
        return out
    }
}
