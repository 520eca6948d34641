// NAS-Bench-201 network (Dong & Yang 2020, TinyNetwork):
//   stem   3x3 conv (16) + BN
//   stage1 5 cells at 16 channels            (32x32 for a 32x32 input)
//   reduce ResNet basic block 16->32 stride 2
//   stage2 5 cells at 32 channels            (16x16)
//   reduce ResNet basic block 32->64 stride 2
//   stage3 5 cells at 64 channels            (8x8)
//   head   BN + ReLU, global average pool, linear
// Cell: node j = sum over i < j of op_ij(node i), output node 3.
//
// How a cell becomes layers:
//  - skip_connect emits no layer: the edge reads node i's tensor itself.
//  - nor_conv_kxk is one fused "relu_conv_bn" layer; avg_pool_3x3 one "avgpool".
//  - sums are accumulated as edges finish, one "add" (in-place capable) per
//    extra edge, which keeps fewer partial results alive than summing at the end.
//  - "none" edges contribute zeros and are dropped. A node whose incoming
//    edges are all none (or come only from such nodes) is identically zero;
//    edges leaving it are dropped too (a deployed model constant-folds them).
//  - Nodes that do not reach node 3 through a non-none path are dead code
//    and emit nothing. NB201's own parameter count keeps their weights.
//  - When node 3 itself is zero the cell emits one "zero" layer that writes
//    a zero tensor of the cell's shape; the following cells run on it.

struct NB201Expansion {
    static let choices = ["none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"]
    /// (to, from) of the 6 edges, in genotype / arch-string order.
    static let edges = [(1, 0), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2)]
    static let stemChannels = 16
    static let cellsPerStage = 5

    let ops: any OperatorInference
    let input: TensorShape
    let classes: Int

    func expand(_ choices: [String]) throws -> Network {
        guard choices.count == Self.edges.count else {
            throw ExpansionError.badGenotype("nb201 needs 6 edges, got \(choices.count)")
        }
        for c in choices where !Self.choices.contains(c) {
            throw ExpansionError.badGenotype("nb201: unknown edge op '\(c)'")
        }
        var b = NetworkBuilder(ops: ops, input: input)
        var x = try b.add("conv2d", 0, outC: Self.stemChannels, kernel: 3, cell: "stem", foldsNorm: true)
        for stage in 0..<3 {
            let channels = Self.stemChannels << stage
            if stage > 0 { x = try reduction(&b, x, channels: channels, label: "reduce\(stage)") }
            for cell in 0..<Self.cellsPerStage {
                x = try self.cell(&b, x, choices, label: "stage\(stage + 1).cell\(cell + 1)")
            }
        }
        // lastact = BN + ReLU after the last cell's sum: nothing to fold it into.
        x = try b.add("batchnorm", x, flags: .inPlace, cell: "head")
        x = try b.add("global_avgpool", x, cell: "head")
        _ = try b.add("linear", x, outC: classes, cell: "head")
        return b.network
    }

    /// ResNet basic block with stride 2: ReLU-Conv3x3-BN (stride 2),
    /// ReLU-Conv3x3-BN, shortcut avgpool 2x2 + 1x1 conv (no BN, no bias); the
    /// residual add is fused into the shortcut conv (RESIDUAL flag).
    func reduction(_ b: inout NetworkBuilder, _ x: Int, channels: Int, label: String) throws -> Int {
        let a = try b.add("relu_conv_bn", x, outC: channels, kernel: 3, stride: 2, cell: label, foldsNorm: true)
        let c = try b.add("relu_conv_bn", a, outC: channels, kernel: 3, cell: label, foldsNorm: true)
        let p = try b.add("avgpool", x, kernel: 2, stride: 2, cell: label)
        return try b.add("conv2d_nobias", p, input2: c, outC: channels, kernel: 1, flags: .residual, cell: label)
    }

    func cell(_ b: inout NetworkBuilder, _ x: Int, _ choices: [String], label: String) throws -> Int {
        // Which nodes are identically zero, walking forwards.
        var zero = [false, true, true, true]
        for (e, (to, from)) in Self.edges.enumerated() where choices[e] != "none" && !zero[from] {
            zero[to] = false
        }
        let live = Self.edges.indices.filter { choices[$0] != "none" && !zero[Self.edges[$0].1] }
        // Which nodes feed node 3, walking backwards over live edges.
        var needed = [false, false, false, true]
        for e in live.reversed() where needed[Self.edges[e].0] { needed[Self.edges[e].1] = true }
        if zero[3] {
            return try b.add("zero", x, cell: label)
        }
        var node: [Int?] = [x, nil, nil, nil]
        for j in 1...3 where needed[j] && !zero[j] {
            var sum: Int? = nil
            for e in live where Self.edges[e].0 == j {
                let t = try edge(&b, node[Self.edges[e].1]!, choices[e], label: label)
                sum = try sum.map { try b.add("add", $0, input2: t, flags: .inPlace, cell: label) } ?? t
            }
            node[j] = sum
        }
        return node[3]!
    }

    func edge(_ b: inout NetworkBuilder, _ t: Int, _ op: String, label: String) throws -> Int {
        switch op {
        case "skip_connect": return t
        case "nor_conv_1x1": return try b.add("relu_conv_bn", t, kernel: 1, cell: label, foldsNorm: true)
        case "nor_conv_3x3": return try b.add("relu_conv_bn", t, kernel: 3, cell: label, foldsNorm: true)
        case "avg_pool_3x3": return try b.add("avgpool", t, kernel: 3, stride: 1, cell: label)
        default: throw ExpansionError.badGenotype("nb201: edge op '\(op)' emits no layer")
        }
    }
}
