// What TensorFlow's TFLiteConverter does to a network's graph before it
// writes ops, expressed on hwnas's IR, so that the TFLite lowering (the
// `tflm` memory model and `hwnas export --format tflite`) prices and
// writes the converter's graph rather than a literal one (issue 36 part 1;
// measured on TF 2.21 against the same networks built in Keras,
// tools/tflm/keras_convert.py):
//   1. common subexpressions: parameter-free layers (pools) with the same
//      input and geometry are computed once;
//   2. one activation per tensor: consumers that each apply the same
//      pre-activation to a tensor share one op (nb201's ReLU-Conv-BN edges
//      leaving one node);
//   3. activation fusion: when every consumer of a tensor applies the same
//      ReLU / ReLU6 and nothing else reads it, the producer (convolution,
//      dense, add, pool, concat) computes it as its fused activation;
//   4. op order: the reverse post-order of a depth-first walk, as
//      TensorFlow imports the graph (with the Keras layers named in the
//      IR's order: a block's first branch runs to its join first).
// Each rewrite keeps the network's function; only buffers and ops change.

extension Network {
    /// Producers whose TFLite op carries a fused activation.
    static let fusesActivation: Set<String> = BuiltinOperators.convolutionOps.union(
        ["inverted_residual", "linear", "add", "avgpool", "maxpool", "concat"])
    /// Parameter-free layers whose duplicates the converter merges.
    static let mergeable: Set<String> = ["avgpool", "maxpool", "global_avgpool", "identity"]

    /// The network as TFLiteConverter rewrites it (see the file's header),
    /// and for each of its layers the layer of `self` it comes from.
    public func tfliteConverterRewritten() -> (network: Network, origin: [Int]) {
        var (n, origin) = mergingDuplicateLayers()
        n.shareAndFuseActivations(origin: &origin)
        n.orderAsConverted(origin: &origin)
        return (n, origin)
    }

    /// Rewrite 4: the converter's op order. TensorFlow imports a graph in
    /// the reverse post-order of a depth-first walk that takes a node's
    /// readers in descending name order; with layers named in the IR's
    /// order, a block's first branch runs to its join before the next
    /// branch starts (a residual block's shortcut runs last, right before
    /// the add). A residual layer splits into its op and an add, the add
    /// being where the shortcut joins.
    mutating func orderAsConverted(origin: inout [Int]) {
        var split: [Layer] = [], from: [Int] = []
        for (i, l) in layers.enumerated() {
            guard l.flags.contains(.residual), l.op != "add", l.input2 >= 0 else {
                split.append(l); from.append(origin[i]); continue
            }
            let branch = tensors.count
            tensors.append(l.outShape)
            var op = l
            op.flags.remove(.residual)
            op.input2 = -1
            op.output = branch
            op.attrs.activation = .none
            var add = Layer(op: "add", input: branch, input2: l.input2, output: l.output, inShape: l.outShape,
                            outShape: l.outShape, cell: l.cell)
            add.attrs.activation = l.attrs.activation
            split += [op, add]
            from += [origin[i], origin[i]]
        }
        var readers = [[Int]](repeating: [], count: tensors.count)
        for (i, l) in split.enumerated() {
            readers[l.input].append(i)
            if l.input2 >= 0 && l.input2 != l.input { readers[l.input2].append(i) }
        }
        // Iterative depth-first walk from the input; a node's readers are
        // pushed in ascending order, so the last-named one is walked first.
        var visited = [Bool](repeating: false, count: split.count)
        var post: [Int] = []
        post.reserveCapacity(split.count)
        var stack: [(node: Int, leave: Bool)] = readers[0].map { ($0, false) }
        while let (n, leave) = stack.popLast() {
            if leave { post.append(n); continue }
            if visited[n] { continue }
            visited[n] = true
            stack.append((n, true))
            for r in readers[split[n].output] where !visited[r] { stack.append((r, false)) }
        }
        // Layers the walk cannot reach from the input (none in a valid network) keep their place at the end.
        let order = post.reversed() + split.indices.filter { !visited[$0] }
        layers = order.map { split[$0] }
        origin = order.map { from[$0] }
    }

    /// Rewrite 1: a parameter-free layer identical to an earlier one (same
    /// input, op and attributes) is dropped; its readers read the earlier output.
    func mergingDuplicateLayers() -> (Network, [Int]) {
        var n = self
        var origin: [Int] = []
        var rename = Array(0..<tensors.count)
        var seen: [Layer: Int] = [:]      // layer with output -1 -> its output
        var kept: [Layer] = []
        for (i, var l) in layers.enumerated() {
            l.input = rename[l.input]
            if l.input2 >= 0 { l.input2 = rename[l.input2] }
            if Self.mergeable.contains(l.op) && l.input2 < 0 {
                var key = l
                key.output = -1
                if let earlier = seen[key], l.output != outputTensor {
                    rename[l.output] = earlier
                    continue
                }
                seen[key] = l.output
            }
            kept.append(l)
            origin.append(i)
        }
        n.layers = kept
        return (n, origin)
    }

    /// Rewrites 2 and 3.
    mutating func shareAndFuseActivations(origin: inout [Int]) {
        // Readers of each tensor: (layer, reads it through its pre-activation).
        var readers = [[(layer: Int, activated: Bool)]](repeating: [], count: tensors.count)
        for (i, l) in layers.enumerated() {
            readers[l.input].append((i, l.attrs.preActivation != .none))
            if l.input2 >= 0 { readers[l.input2].append((i, false)) }
        }
        var producer = [Int](repeating: -1, count: tensors.count)
        for (i, l) in layers.enumerated() { producer[l.output] = i }
        let output = outputTensor
        var inserted: [(before: Int, layer: Layer)] = []
        for t in 0..<readers.count {
            let activated = readers[t].filter(\.activated)
            guard !activated.isEmpty else { continue }
            // One activation per (tensor, function); a second function applied to the same tensor stays.
            let a = layers[activated[0].layer].attrs.preActivation
            let same = activated.filter { layers[$0.layer].attrs.preActivation == a }
            let p = producer[t]
            if same.count == readers[t].count, t != output, p >= 0, a == .relu || a == .relu6,
               layers[p].attrs.activation == .none, layers[p].attrs.shuffleGroups <= 1,
               Self.fusesActivation.contains(layers[p].op) {
                layers[p].attrs.activation = a
                for r in same { layers[r.layer].attrs.preActivation = .none }
            } else if same.count > 1 {
                let shared = tensors.count
                tensors.append(tensors[t])
                var act = Layer(op: "identity", input: t, output: shared, inShape: tensors[t], outShape: tensors[t],
                                cell: layers[same[0].layer].cell)
                act.attrs.activation = a
                inserted.append((same[0].layer, act))
                for r in same {
                    layers[r.layer].attrs.preActivation = .none
                    layers[r.layer].input = shared
                }
            }
        }
        guard !inserted.isEmpty else { return }
        var at = [Int: [Layer]]()
        for (before, l) in inserted { at[before, default: []].append(l) }
        var out: [Layer] = [], from: [Int] = []
        out.reserveCapacity(layers.count + inserted.count)
        for (i, l) in layers.enumerated() {
            for a in at[i] ?? [] { out.append(a); from.append(origin[i]) }
            out.append(l); from.append(origin[i])
        }
        layers = out
        origin = from
    }
}
