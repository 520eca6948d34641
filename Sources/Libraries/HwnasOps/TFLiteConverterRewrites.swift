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
// Screening runs this for every candidate: each rewrite first checks with
// flat arrays whether it applies and leaves the network uncopied if not.

extension Network {
    /// Producers whose TFLite op carries a fused activation.
    static func fusesActivation(_ op: String) -> Bool {
        switch op {
        case "conv2d", "conv2d_nobias", "relu_conv_bn", "pwconv2d", "dwconv2d", "inverted_residual", "linear", "add",
             "avgpool", "maxpool", "concat": return true
        default: return false
        }
    }

    /// Parameter-free layers whose duplicates the converter merges.
    static func mergeable(_ op: String) -> Bool {
        switch op {
        case "avgpool", "maxpool", "global_avgpool", "identity": return true
        default: return false
        }
    }

    /// The network as TFLiteConverter rewrites it (see the file's header),
    /// and for each of its layers the layer of `self` it comes from.
    public func tfliteConverterRewritten() -> (network: Network, origin: [Int]) {
        var n = self
        var origin = Array(0..<layers.count)
        n.mergeDuplicateLayers(origin: &origin)
        n.shareAndFuseActivations(origin: &origin)
        n.orderAsConverted(origin: &origin)
        return (n, origin)
    }

    /// The same computation on the same inputs (names and labels aside).
    static func sameComputation(_ a: Layer, _ b: Layer) -> Bool {
        a.op == b.op && a.input == b.input && a.input2 == b.input2 && a.attrs == b.attrs && a.inShape == b.inShape
            && a.outShape == b.outShape && a.kernel == b.kernel && a.stride == b.stride && a.groups == b.groups
            && a.expansion == b.expansion && a.flags == b.flags
    }

    /// Rewrite 1: a parameter-free layer computing what an earlier one does
    /// is dropped; its readers read the earlier output.
    mutating func mergeDuplicateLayers(origin: inout [Int]) {
        var rename: [Int]? = nil            // tensor -> the tensor it duplicates (only once one is found)
        var dropped: [Bool]? = nil
        var lastReader = [Int](repeating: -1, count: tensors.count)   // latest mergeable layer reading a tensor
        var previous = [Int](repeating: -1, count: layers.count)      // the mergeable layer before it on that tensor
        let output = outputTensor
        for i in layers.indices {
            if let r = rename {     // reads of dropped layers' outputs move first
                layers[i].input = r[layers[i].input]
                if layers[i].input2 >= 0 { layers[i].input2 = r[layers[i].input2] }
            }
            guard layers[i].input2 < 0, Self.mergeable(layers[i].op) else { continue }
            let input = layers[i].input
            var k = lastReader[input]
            while k >= 0, !Self.sameComputation(layers[k], layers[i]) { k = previous[k] }
            if k >= 0, layers[i].output != output {
                if rename == nil { rename = Array(0..<tensors.count); dropped = [Bool](repeating: false, count: layers.count) }
                rename![layers[i].output] = layers[k].output
                dropped![i] = true
                continue
            }
            previous[i] = lastReader[input]
            lastReader[input] = i
        }
        guard let dropped else { return }
        origin = origin.indices.filter { !dropped[$0] }.map { origin[$0] }
        layers = layers.indices.filter { !dropped[$0] }.map { layers[$0] }
    }

    /// Rewrites 2 and 3.
    mutating func shareAndFuseActivations(origin: inout [Int]) {
        let count = tensors.count
        var readers = [Int](repeating: 0, count: count)
        var act = [Activation](repeating: .none, count: count)     // the first pre-activation applied to a tensor
        var same = [Int](repeating: 0, count: count)                // readers applying it
        var firstReader = [Int](repeating: -1, count: count)        // the first of those
        var producer = [Int](repeating: -1, count: count)
        var any = false
        for i in layers.indices {
            let input = layers[i].input, input2 = layers[i].input2
            producer[layers[i].output] = i
            readers[input] += 1
            if input2 >= 0 { readers[input2] += 1 }
            let a = layers[i].attrs.preActivation
            guard a != .none else { continue }
            any = true
            if act[input] == .none { act[input] = a; firstReader[input] = i }
            if act[input] == a { same[input] += 1 }
        }
        guard any else { return }
        let output = outputTensor
        var inserted: [(before: Int, layer: Layer)] = []
        for t in 0..<count where same[t] > 0 {
            let a = act[t], p = producer[t]
            let fuse = same[t] == readers[t] && t != output && p >= 0 && (a == .relu || a == .relu6)
                && layers[p].attrs.activation == .none && layers[p].attrs.shuffleGroups <= 1
                && Self.fusesActivation(layers[p].op)
            guard fuse || same[t] > 1 else { continue }
            var shared = t
            if !fuse {
                shared = tensors.count
                tensors.append(tensors[t])
                var op = Layer(op: "identity", input: t, output: shared, inShape: tensors[t], outShape: tensors[t],
                               cell: layers[firstReader[t]].cell)
                op.attrs.activation = a
                inserted.append((firstReader[t], op))
            } else {
                layers[p].attrs.activation = a
            }
            for r in firstReader[t]..<layers.count where layers[r].input == t && layers[r].attrs.preActivation == a {
                layers[r].attrs.preActivation = .none
                layers[r].input = shared
            }
        }
        guard !inserted.isEmpty else { return }
        inserted.sort { $0.before < $1.before }
        var out: [Layer] = [], from: [Int] = []
        out.reserveCapacity(layers.count + inserted.count)
        var next = 0
        for (i, l) in layers.enumerated() {
            while next < inserted.count && inserted[next].before == i {
                out.append(inserted[next].layer); from.append(origin[i]); next += 1
            }
            out.append(l); from.append(origin[i])
        }
        layers = out
        origin = from
    }

    /// Rewrite 4: the converter's op order. TensorFlow imports a graph in
    /// the reverse post-order of a depth-first walk that takes a node's
    /// readers in descending name order; with layers named in the IR's
    /// order, a block's first branch runs to its join before the next
    /// branch starts (a residual block's shortcut runs last, right before
    /// the add). A residual layer is two nodes, its op and its add (where
    /// the shortcut joins); it splits in two only where something runs
    /// between them.
    mutating func orderAsConverted(origin: inout [Int]) {
        let n = layers.count
        // Node 2i: layer i (its op, when split); node 2i + 1: a residual layer's add.
        var splittable = [Bool](repeating: false, count: n)
        var input = [Int](repeating: 0, count: n), input2 = input, output = input
        for i in 0..<n {
            input[i] = layers[i].input; input2[i] = layers[i].input2; output[i] = layers[i].output
            splittable[i] = input2[i] >= 0 && layers[i].flags.contains(.residual) && layers[i].op != "add"
        }
        // Readers of each tensor as nodes, ascending (CSR).
        var start = [Int](repeating: 0, count: tensors.count + 1)
        for i in 0..<n {
            start[input[i] + 1] += 1
            if input2[i] >= 0 && (input2[i] != input[i] || splittable[i]) { start[input2[i] + 1] += 1 }
        }
        for t in 0..<tensors.count { start[t + 1] += start[t] }
        var fill = start, list = [Int](repeating: 0, count: start[tensors.count])
        for i in 0..<n {
            list[fill[input[i]]] = 2 * i; fill[input[i]] += 1
            if input2[i] >= 0 && (input2[i] != input[i] || splittable[i]) {
                list[fill[input2[i]]] = splittable[i] ? 2 * i + 1 : 2 * i; fill[input2[i]] += 1
            }
        }
        // Iterative depth-first walk from the input; readers are pushed in
        // ascending order, so the last-named one is walked first.
        var visited = [Bool](repeating: false, count: 2 * n)
        var post: [Int] = []
        post.reserveCapacity(2 * n)
        var stack: [Int] = []          // 2 * node + (1: leaving)
        for k in start[0]..<start[1] { stack.append(2 * list[k]) }
        while let top = stack.popLast() {
            let node = top >> 1
            if top & 1 == 1 { post.append(node); continue }
            if visited[node] { continue }
            visited[node] = true
            stack.append(2 * node + 1)
            let i = node >> 1
            if node & 1 == 0 && splittable[i] {
                if !visited[node + 1] { stack.append(2 * (node + 1)) }
            } else {
                let t = output[i]
                for k in start[t]..<start[t + 1] where !visited[list[k]] { stack.append(2 * list[k]) }
            }
        }
        // The order as layers: a residual layer whose add directly follows its op stays whole.
        var order: [(layer: Int, part: Int)] = []      // part 0: whole, 1: op, 2: add
        order.reserveCapacity(n)
        var k = post.count - 1
        while k >= 0 {
            let node = post[k], i = node >> 1
            if node & 1 == 0 && splittable[i] {
                if k > 0 && post[k - 1] == node + 1 { order.append((i, 0)); k -= 2; continue }
                order.append((i, 1))
            } else {
                order.append((i, node & 1 == 1 ? 2 : 0))
            }
            k -= 1
        }
        for i in 0..<n where !visited[2 * i] { order.append((i, 0)) }   // unreachable from the input: kept, in place
        if order.count == n && order.enumerated().allSatisfy({ $0.offset == $0.element.layer && $0.element.part == 0 }) { return }
        var out: [Layer] = [], from: [Int] = []
        out.reserveCapacity(order.count)
        var branch = [Int](repeating: -1, count: n)     // a split layer's op output
        for (i, part) in order {
            let l = layers[i]
            switch part {
            case 1:
                branch[i] = tensors.count
                tensors.append(l.outShape)
                var op = l
                op.flags.remove(.residual)
                op.input2 = -1
                op.output = branch[i]
                op.attrs.activation = .none
                out.append(op)
            case 2:
                var add = Layer(op: "add", input: branch[i], input2: l.input2, output: l.output, inShape: l.outShape,
                                outShape: l.outShape, cell: l.cell)
                add.attrs.activation = l.attrs.activation
                out.append(add)
            default:
                out.append(l)
            }
            from.append(origin[i])
        }
        layers = out
        origin = from
    }
}
