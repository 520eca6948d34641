// Peak activation memory (SRAM) of a network run layer by layer, from
// tensor liveness along the execution order:
//  - a tensor occupies its own buffer from the layer that writes it (the
//    input: from the start) through the last layer that reads it; the
//    network output stays to the end;
//  - while a layer runs, its inputs and its output are co-resident, and so
//    is every tensor kept for a later reader (a residual add, a cell sum);
//  - an INPLACE layer writes into its input's buffer when that input has
//    the output's size and no later layer reads it ("add" may use either
//    input). Then the output costs no new bytes.
// Buffers are assumed perfectly packed (no fragmentation): the figure is a
// lower bound a good arena planner reaches on such chains.

public struct LiveTensor: Sendable, Hashable {
    public enum Role: Sendable, Hashable {
        case input, input2, output, outputInPlace
        /// Not used by this layer, kept alive for a later reader (layer index).
        case kept(untilLayer: Int)
    }
    public let tensor: Int
    public let shape: TensorShape
    public let bytes: Int64
    public let role: Role
}

/// Memory while one layer runs.
public struct LayerMemory: Sendable, Hashable {
    public let layer: Int
    public let bytes: Int64
    public let live: [LiveTensor]
}

public enum MemoryPlanner {
    /// The live tensors and their bytes at every layer, in execution order.
    public static func schedule(_ n: Network, bytesPerElement: Int64 = 1) -> [LayerMemory] {
        let last = lastUses(n)
        var alive: Set<Int> = [0]          // tensors holding their own buffer
        var steps: [LayerMemory] = []
        for (i, l) in n.layers.enumerated() {
            let outBytes = l.outShape.elements * bytesPerElement
            // In-place: reuse an input that dies here and has the output's size.
            var candidates = [l.input]
            if l.op == "add" && l.input2 != -1 { candidates.append(l.input2) }
            let reused = l.flags.contains(.inPlace)
                ? candidates.first { last[$0] == i && n.tensors[$0].elements * bytesPerElement == outBytes }
                : nil
            var live: [LiveTensor] = []
            for t in alive.sorted() {
                let role: LiveTensor.Role
                if t == l.input { role = .input } else if t == l.input2 { role = .input2 } else { role = .kept(untilLayer: last[t]) }
                live.append(LiveTensor(tensor: t, shape: n.tensors[t], bytes: n.tensors[t].elements * bytesPerElement, role: role))
            }
            if reused == nil {
                live.append(LiveTensor(tensor: l.output, shape: l.outShape, bytes: outBytes, role: .output))
            } else {
                live.append(LiveTensor(tensor: l.output, shape: l.outShape, bytes: 0, role: .outputInPlace))
            }
            steps.append(LayerMemory(layer: i, bytes: live.reduce(0) { $0 + $1.bytes }, live: live))
            // After the layer: free what nobody reads later; the output takes a buffer.
            if let r = reused { alive.remove(r) }
            alive.insert(l.output)
            alive = alive.filter { last[$0] > i }
        }
        return steps
    }

    /// The step with the most bytes live (the first such step), or nil for a
    /// network without layers.
    public static func peak(_ n: Network, bytesPerElement: Int64 = 1) -> LayerMemory? {
        schedule(n, bytesPerElement: bytesPerElement).reduce(nil) { best, s in
            guard let b = best else { return s }
            return s.bytes > b.bytes ? s : b
        }
    }

    /// Index of the last layer reading each tensor; the network output (and
    /// an input nobody reads) count as read by a layer past the end.
    static func lastUses(_ n: Network) -> [Int] {
        var last = Array(repeating: -1, count: n.tensors.count)
        for (i, l) in n.layers.enumerated() {
            last[l.output] = max(last[l.output], i)   // written, maybe never read
            last[l.input] = i
            if l.input2 != -1 { last[l.input2] = i }
        }
        last[n.outputTensor] = n.layers.count
        if n.layers.isEmpty { last[0] = 0 }
        return last
    }
}
