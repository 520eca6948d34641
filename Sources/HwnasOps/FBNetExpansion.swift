// FBNet network (Wu et al. 2019, table 1), 22 searchable layers:
//   stem  3x3 conv 16, stride 2 (+BN+ReLU folded)
//   (c, n, s): (16,1,1) (24,4,2) (32,4,2) (64,4,2) (112,4,1) (184,4,2) (352,1,1)
//              n layers of c output channels, the first of the group with stride s
//   head  1x1 conv 1984 (+BN+ReLU), global average pool, linear
// For small inputs the first `droppedStrides` stride-2 positions (stem, 24-,
// 32-, 64-, 184-channel groups, in that order) run at stride 1.
//
// A block k<k>_e<e>[_g2] expands into its three layers so the expanded
// tensor is visible to the memory planner:
//   pwconv2d 1x1 -> inC*e (groups 1 or 2), dwconv2d kxk (stride), pwconv2d 1x1 -> outC
//   (groups), the last carrying RESIDUAL with the block input when stride is
//   1 and inC == outC. "skip" is no layer when shapes allow, else a 1x1
//   conv (+BN+ReLU) with the stride, as in FBNet's builder.

struct FBNetExpansion {
    static let choices = ["k3_e1", "k3_e1_g2", "k3_e3", "k3_e6", "k5_e1", "k5_e1_g2", "k5_e3", "k5_e6", "skip"]
    static let stages: [(channels: Int, layers: Int, stride: Int)] = [
        (16, 1, 1), (24, 4, 2), (32, 4, 2), (64, 4, 2), (112, 4, 1), (184, 4, 2), (352, 1, 1),
    ]
    static let layerCount = 22
    static let stemChannels = 16
    static let headChannels = 1984

    let ops: any OperatorInference
    let input: TensorShape
    let classes: Int
    let droppedStrides: Int

    /// (kernel, expansion, groups) of a block name, nil for "skip".
    static func block(_ name: String) throws -> (kernel: Int, expansion: Int, groups: Int)? {
        if name == "skip" { return nil }
        let parts = name.split(separator: "_")
        guard parts.count == 2 || (parts.count == 3 && parts[2] == "g2"),
              parts[0].first == "k", let k = Int(parts[0].dropFirst()),
              parts[1].first == "e", let e = Int(parts[1].dropFirst()), k >= 1, e >= 1 else {
            throw ExpansionError.badGenotype("fbnet: unknown block '\(name)'")
        }
        return (k, e, parts.count == 3 ? 2 : 1)
    }

    func expand(_ choices: [String]) throws -> Network {
        guard choices.count == Self.layerCount else {
            throw ExpansionError.badGenotype("fbnet needs \(Self.layerCount) layers, got \(choices.count)")
        }
        guard droppedStrides >= 0 else { throw ExpansionError.badGenotype("fbnet: dropped strides must be >= 0") }
        var drops = droppedStrides
        func stride(_ s: Int) -> Int {
            guard s == 2, drops > 0 else { return s }
            drops -= 1
            return 1
        }
        var b = NetworkBuilder(ops: ops, input: input)
        var x = try b.add("conv2d", 0, outC: Self.stemChannels, kernel: 3, stride: stride(2), cell: "stem", foldsNorm: true)
        var layer = 0
        for stage in Self.stages {
            let s = stride(stage.stride)
            for i in 0..<stage.layers {
                x = try block(&b, x, choices[layer], outC: stage.channels, stride: i == 0 ? s : 1, label: "layer\(layer)")
                layer += 1
            }
        }
        x = try b.add("conv2d", x, outC: Self.headChannels, kernel: 1, cell: "head", foldsNorm: true)
        x = try b.add("global_avgpool", x, cell: "head")
        _ = try b.add("linear", x, outC: classes, cell: "head")
        return b.network
    }

    func block(_ b: inout NetworkBuilder, _ x: Int, _ name: String, outC: Int, stride: Int, label: String) throws -> Int {
        let inC = b.shape(x).c
        let shapesMatch = stride == 1 && inC == outC
        guard let (k, e, g) = try Self.block(name) else {
            if shapesMatch { return x }
            return try b.add("conv2d", x, outC: outC, kernel: 1, stride: stride, cell: label, foldsNorm: true)
        }
        let mid = inC * e
        let h = try b.add("pwconv2d", x, outC: mid, kernel: 1, groups: g, expansion: e, cell: label, foldsNorm: true)
        let d = try b.add("dwconv2d", h, outC: mid, kernel: k, stride: stride, groups: mid, expansion: e,
                          cell: label, foldsNorm: true)
        return try b.add("pwconv2d", d, input2: shapesMatch ? x : -1, outC: outC, kernel: 1, groups: g, expansion: e,
                         flags: shapesMatch ? .residual : [], cell: label, foldsNorm: true)
    }
}
