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
        var steps: [LayerMemory] = []
        let last = lastUses(n)
        walk(n, last, bytesPerElement) { i, alive, reused, outBytes in
            steps.append(step(n, last, i, alive, reused, outBytes, bytesPerElement))
        }
        return steps
    }

    /// The step with the most bytes live (the first such step), or nil for a
    /// network without layers. Sums bytes only and details just the peak
    /// step: cost models call this for every candidate of a space.
    public static func peak(_ n: Network, bytesPerElement: Int64 = 1) -> LayerMemory? {
        let last = lastUses(n)
        var best: (layer: Int, alive: [Int], reused: Int?, outBytes: Int64)?
        var bestBytes: Int64 = -1
        walk(n, last, bytesPerElement) { i, alive, reused, outBytes in
            var b: Int64 = reused == nil ? outBytes : 0
            for t in alive { b += n.tensors[t].elements * bytesPerElement }
            if b > bestBytes { bestBytes = b; best = (i, alive, reused, outBytes) }
        }
        return best.map { step(n, last, $0.layer, $0.alive, $0.reused, $0.outBytes, bytesPerElement) }
    }

    /// Runs the liveness simulation, calling body(layer, tensors holding a
    /// buffer before it (ascending), the input reused in place, output bytes)
    /// for each layer. `last` is lastUses(n).
    static func walk(_ n: Network, _ last: [Int], _ bytesPerElement: Int64,
                     _ body: (Int, [Int], Int?, Int64) -> Void) {
        var alive: [Int] = [0]          // tensors holding their own buffer, ascending
        for (i, l) in n.layers.enumerated() {
            let outBytes = l.outShape.elements * bytesPerElement
            // In-place: reuse an input that dies here and has the output's size.
            var reused: Int?
            if l.flags.contains(.inPlace) {
                if last[l.input] == i && n.tensors[l.input].elements * bytesPerElement == outBytes { reused = l.input }
                else if l.op == "add", l.input2 != -1, last[l.input2] == i,
                        n.tensors[l.input2].elements * bytesPerElement == outBytes { reused = l.input2 }
            }
            body(i, alive, reused, outBytes)
            // After the layer: free what nobody reads later; the output takes a buffer.
            if let r = reused, let k = alive.firstIndex(of: r) { alive.remove(at: k) }
            if !alive.contains(l.output) {
                alive.insert(l.output, at: alive.firstIndex { $0 > l.output } ?? alive.count)
            }
            alive.removeAll { last[$0] <= i }
        }
    }

    static func step(_ n: Network, _ last: [Int], _ i: Int, _ alive: [Int], _ reused: Int?, _ outBytes: Int64,
                     _ bytesPerElement: Int64) -> LayerMemory {
        let l = n.layers[i]
        var live: [LiveTensor] = alive.map { t in
            let role: LiveTensor.Role = t == l.input ? .input : t == l.input2 ? .input2 : .kept(untilLayer: last[t])
            return LiveTensor(tensor: t, shape: n.tensors[t], bytes: n.tensors[t].elements * bytesPerElement, role: role)
        }
        live.append(reused == nil
            ? LiveTensor(tensor: l.output, shape: l.outShape, bytes: outBytes, role: .output)
            : LiveTensor(tensor: l.output, shape: l.outShape, bytes: 0, role: .outputInPlace))
        return LayerMemory(layer: i, bytes: live.reduce(0) { $0 + $1.bytes }, live: live)
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
