// What the MCU cost model needs of a network, as flat values: per layer its
// operator class, tensor ids, flags and counts; per tensor its elements.
// Cheap to fill from a C hwnas_network without a single string, so the
// model screens thousands of candidates a second; filled from a Swift
// Network it gives the very same numbers (one set of formulas).
import HwnasOps

public struct MCULayerSummary: Sendable, Hashable {
    public var opClass: OpClass
    /// An "add": in place it may write over either input.
    public var isAdd: Bool
    public var input, input2, output: Int32
    public var inPlace, residual: Bool
    public var macs, outElements, params, weightElems, biasElems: Int64

    public init(opClass: OpClass, isAdd: Bool, input: Int32, input2: Int32, output: Int32, inPlace: Bool, residual: Bool,
                macs: Int64, outElements: Int64, params: Int64, weightElems: Int64, biasElems: Int64) {
        self.opClass = opClass; self.isAdd = isAdd; self.input = input; self.input2 = input2; self.output = output
        self.inPlace = inPlace; self.residual = residual; self.macs = macs; self.outElements = outElements
        self.params = params; self.weightElems = weightElems; self.biasElems = biasElems
    }
}

public struct MCUNetworkSummary: Sendable {
    public var tensorElements: [Int64] = []
    public var layers: [MCULayerSummary] = []
    /// Scratch of the liveness walk, kept to avoid allocations per network.
    var lastUse: [Int32] = []
    var alive: [Bool] = []

    public init() {}

    public init(_ n: Network) {
        tensorElements = n.tensors.map(\.elements)
        layers = n.layers.map { l in
            MCULayerSummary(opClass: MCUCostModel.opClass(l), isAdd: l.op == "add", input: Int32(l.input), input2: Int32(l.input2),
                            output: Int32(l.output), inPlace: l.flags.contains(.inPlace), residual: l.flags.contains(.residual),
                            macs: l.macs, outElements: l.outShape.elements, params: l.params, weightElems: l.weightElems,
                            biasElems: l.biasElems)
        }
    }

    public mutating func removeAll() {
        tensorElements.removeAll(keepingCapacity: true)
        layers.removeAll(keepingCapacity: true)
    }

    /// Peak live activation bytes (MemoryPlanner's rules, in one pass that
    /// keeps a running sum): a tensor holds a buffer from its writer to its
    /// last reader, an in-place layer writes over an input that dies there
    /// and has the output's size. Equal to MemoryPlanner.peak(_:)?.bytes.
    public mutating func peakBytes(bytesPerElement: Int64 = 1) -> Int64 {
        guard !layers.isEmpty else { return (tensorElements.first ?? 0) * bytesPerElement }
        let nt = tensorElements.count
        lastUse.removeAll(keepingCapacity: true); lastUse.append(contentsOf: repeatElement(-1, count: nt))
        alive.removeAll(keepingCapacity: true); alive.append(contentsOf: repeatElement(false, count: nt))
        for (i, l) in layers.enumerated() {
            let i32 = Int32(i)
            if lastUse[Int(l.output)] < i32 { lastUse[Int(l.output)] = i32 }
            lastUse[Int(l.input)] = i32
            if l.input2 != -1 { lastUse[Int(l.input2)] = i32 }
        }
        lastUse[Int(layers[layers.count - 1].output)] = Int32(layers.count)
        alive[0] = true
        var sum = tensorElements[0] * bytesPerElement, peak: Int64 = -1
        for (i, l) in layers.enumerated() {
            let i32 = Int32(i)
            let outBytes = l.outElements * bytesPerElement
            var reused: Int32 = -1
            if l.inPlace {
                if lastUse[Int(l.input)] == i32 && tensorElements[Int(l.input)] * bytesPerElement == outBytes { reused = l.input }
                else if l.isAdd, l.input2 != -1, lastUse[Int(l.input2)] == i32,
                        tensorElements[Int(l.input2)] * bytesPerElement == outBytes { reused = l.input2 }
            }
            let step = sum + (reused == -1 ? outBytes : 0)
            if step > peak { peak = step }
            if reused != -1, alive[Int(reused)] { alive[Int(reused)] = false; sum -= tensorElements[Int(reused)] * bytesPerElement }
            if !alive[Int(l.output)] { alive[Int(l.output)] = true; sum += tensorElements[Int(l.output)] * bytesPerElement }
            // Only this layer's inputs and output can end here.
            func release(_ t: Int32) {
                if t != -1 && alive[Int(t)] && lastUse[Int(t)] <= i32 { alive[Int(t)] = false; sum -= tensorElements[Int(t)] * bytesPerElement }
            }
            release(l.input); release(l.input2); release(l.output)
        }
        return peak
    }
}
