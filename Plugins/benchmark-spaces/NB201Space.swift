// NAS-Bench-201 (Dong & Yang 2020, TinyNetwork), the cell space:
//   stem   3x3 conv (16) + BN
//   stage1 5 cells at 16 channels            (32x32 for a 32x32 input)
//   reduce ResNet basic block 16->32 stride 2
//   stage2 5 cells at 32 channels            (16x16)
//   reduce ResNet basic block 32->64 stride 2
//   stage3 5 cells at 64 channels            (8x8)
//   head   BN + ReLU, global average pool, linear
// Cell: node j = sum over i < j of op_ij(node i), output node 3. Canonical
// string: |op~0|+|op~0|op~1|+|op~0|op~1|op~2| (edges 1<-0 | 2<-0 2<-1 | 3<-0
// 3<-1 3<-2). Every dim is always active: NAS-Bench-201 trained every
// genotype, so two genotypes of one network stay two candidates.
//
// How a cell becomes layers:
//  - skip_connect emits no layer: the edge reads node i's tensor itself.
//  - nor_conv_kxk is one "relu_conv_bn" layer (ReLU, conv, BN); avg_pool_3x3
//    one "avgpool" (padding excluded from the average).
//  - sums are accumulated as edges finish, one "add" (in-place capable) per
//    extra edge, which keeps fewer partial results alive than summing at the end.
//  - "none" edges contribute zeros and are dropped. A node whose incoming
//    edges are all none (or come only from such nodes) is identically zero;
//    edges leaving it are dropped too (a deployed model constant-folds them).
//  - Nodes that do not reach node 3 through a non-none path are dead code
//    and emit nothing. NB201's own parameter count keeps their weights.
//  - When node 3 itself is zero the cell emits one "zero" layer that writes
//    a zero tensor of the cell's shape; the following cells run on it.
import CHwnasABI
import HwnasCoreOpNames
import HwnasNB201
import HwnasPluginSupport

final class NB201Space: SearchSpaceDefinition, @unchecked Sendable {
    static let ops = NB201Cell.operations
    static let edges = NB201Cell.edges
    static let stemChannels = 16
    static let cellsPerStage = 5
    static let none: Int32 = 0, skip: Int32 = 1, conv1: Int32 = 2, conv3: Int32 = 3, pool: Int32 = 4

    let dimNames = NB201Cell.dimNames
    let choiceNames = Array(repeating: NB201Space.ops, count: 6)
    let operatorSet: String? = CoreOps.setID
    let options: BenchmarkSpaceOptions
    /// Block labels, made once: "stage2.cell3", "reduce1".
    static let cellLabels = (1...3).map { s in (1...cellsPerStage).map { "stage\(s).cell\($0)" } }
    static let reduceLabels = ["", "reduce1", "reduce2"]

    /// `dead_edges=keep`: every non-none edge is computed, as NAS-Bench-201's
    /// reference implementation runs the cell (and as the benchmark's
    /// devices were timed); the default prunes what cannot reach the output.
    let keepDeadEdges: Bool

    init(options: PluginOptions) throws {
        self.options = try BenchmarkSpaceOptions(options, space: "nb201", classes: 10, extraKeys: ["dead_edges"])
        switch options["dead_edges"] ?? "prune" {
        case "prune": keepDeadEdges = false
        case "keep": keepDeadEdges = true
        case let v: throw PluginError("space nb201: dead_edges must be prune or keep, got '\(v)'")
        }
    }

    func format(_ g: UnsafeBufferPointer<Int32>) -> String { NB201Cell.format(g) }

    func parse(_ s: String) throws -> [Int32] {
        do { return try NB201Cell.parse(s) } catch { throw PluginError(error.description) }
    }

    func build(_ g: UnsafeBufferPointer<Int32>, _ b: NetworkBuilder) throws {
        let cell = Array(g)
        let cellKey = SIMD8<Int32>(1, g[0], g[1], g[2], g[3], g[4], g[5], 0)
        try b.setInput(c: options.inputChannels, h: options.inputSize, w: options.inputSize)
        var stem = LayerSpec(CoreOps.conv2d, 0, outC: Self.stemChannels, kernel: 3)
        stem.batchNorm = true; stem.cell = CoreOps.stem
        var x = try b.add(stem)
        for stage in 0..<3 {
            let channels = Self.stemChannels << stage
            if stage > 0 {
                let input = x
                x = try b.block(key: SIMD8(0, Int32(channels), 0, 0, 0, 0, 0, 0), cell: Self.reduceLabels[stage], input: input) {
                    try reduction(b, input, channels: channels)
                }
            }
            for c in 0..<Self.cellsPerStage {
                let input = x
                x = try b.block(key: cellKey, cell: Self.cellLabels[stage][c], input: input) {
                    try self.cell(b, input, cell)
                }
            }
        }
        // lastact = BN + ReLU after the last cell's sum: nothing to fold it into.
        var bn = LayerSpec(CoreOps.batchnorm, x)
        bn.inPlace = true; bn.activation = HWNAS_ACT_RELU; bn.cell = CoreOps.head
        try addClassifier(b, try b.add(bn), classes: options.classes)
    }

    /// ResNet basic block with stride 2: ReLU-Conv3x3-BN (stride 2),
    /// ReLU-Conv3x3-BN, shortcut avgpool 2x2 + 1x1 conv (no BN, no bias); the
    /// residual add is fused into the shortcut conv (RESIDUAL flag).
    func reduction(_ b: NetworkBuilder, _ x: Int32, channels: Int) throws -> Int32 {
        var a = LayerSpec(CoreOps.reluConvBN, x, outC: channels, kernel: 3, stride: 2)
        a.preActivation = HWNAS_ACT_RELU; a.batchNorm = true
        let ta = try b.add(a)
        var c = LayerSpec(CoreOps.reluConvBN, ta, outC: channels, kernel: 3)
        c.preActivation = HWNAS_ACT_RELU; c.batchNorm = true
        let tc = try b.add(c)
        let p = try b.add(LayerSpec(CoreOps.avgpool, x, kernel: 2, stride: 2))
        var s = LayerSpec(CoreOps.conv2dNoBias, p, outC: channels, kernel: 1)
        s.input2 = tc; s.residual = true
        return try b.add(s)
    }

    func cell(_ b: NetworkBuilder, _ x: Int32, _ g: [Int32]) throws -> Int32 {
        if keepDeadEdges { return try referenceCell(b, x, g) }
        // Which nodes are identically zero, walking forwards.
        var zero = [false, true, true, true]
        for (e, (to, from)) in Self.edges.enumerated() where g[e] != Self.none && !zero[from] { zero[to] = false }
        let live = Self.edges.indices.filter { g[$0] != Self.none && !zero[Self.edges[$0].1] }
        // Which nodes feed node 3, walking backwards over live edges.
        var needed = [false, false, false, true]
        for e in live.reversed() where needed[Self.edges[e].0] { needed[Self.edges[e].1] = true }
        if zero[3] { return try b.add(LayerSpec(CoreOps.zero, x)) }
        var node: [Int32?] = [x, nil, nil, nil]
        for j in 1...3 where needed[j] && !zero[j] {
            var sum: Int32? = nil
            for e in live where Self.edges[e].0 == j {
                let t = try edge(b, node[Self.edges[e].1]!, g[e])
                if let s = sum {
                    var add = LayerSpec(CoreOps.add, s); add.input2 = t; add.inPlace = true
                    sum = try b.add(add)
                } else { sum = t }
            }
            node[j] = sum
        }
        return node[3]!
    }

    /// The cell as NAS-Bench-201's code runs it: node j sums op(node i) over
    /// every non-none edge, live or not; a node with only none edges is a
    /// zero tensor, and edges leaving it still run (on zeros).
    func referenceCell(_ b: NetworkBuilder, _ x: Int32, _ g: [Int32]) throws -> Int32 {
        var node: [Int32?] = [x, nil, nil, nil]
        for j in 1...3 {
            var sum: Int32? = nil
            for (e, (to, from)) in Self.edges.enumerated() where to == j && g[e] != Self.none {
                let source = try node[from] ?? b.add(LayerSpec(CoreOps.zero, x))
                node[from] = source
                let t = try edge(b, source, g[e])
                if let s = sum {
                    var add = LayerSpec(CoreOps.add, s); add.input2 = t; add.inPlace = true
                    sum = try b.add(add)
                } else { sum = t }
            }
            node[j] = sum
        }
        return try node[3] ?? b.add(LayerSpec(CoreOps.zero, x))
    }

    func edge(_ b: NetworkBuilder, _ t: Int32, _ op: Int32) throws -> Int32 {
        switch op {
        case Self.skip: return t
        case Self.conv1, Self.conv3:
            var l = LayerSpec(CoreOps.reluConvBN, t, kernel: op == Self.conv1 ? 1 : 3)
            l.preActivation = HWNAS_ACT_RELU; l.batchNorm = true
            return try b.add(l)
        case Self.pool: return try b.add(LayerSpec(CoreOps.avgpool, t, kernel: 3, stride: 1))
        default: throw PluginError("nb201: edge op \(op) emits no layer")
        }
    }
}
