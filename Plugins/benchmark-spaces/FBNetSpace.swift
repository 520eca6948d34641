// FBNet (Wu et al. 2019, table 1), 22 searchable layers, each one of 9 blocks:
//   stem  3x3 conv 16, stride 2, BN, ReLU
//   (c, n, s): (16,1,1) (24,4,2) (32,4,2) (64,4,2) (112,4,1) (184,4,2) (352,1,1)
//              n layers of c output channels, the first of the group with stride s
//   head  1x1 conv 1984 + BN + ReLU, global average pool, linear
// For small inputs the first `dropped_strides` stride-2 positions (stem, 24-,
// 32-, 64-, 184-channel groups, in that order) run at stride 1 (default: 2
// for inputs up to 64 pixels, CIFAR style; 0 above, the FBNet table).
//
// A block k<k>_e<e>[_g2] is FBNet's IRF block, three layers so the expanded
// tensor is visible to the memory planner:
//   pwconv2d 1x1 -> inC*e (groups 1 or 2) + BN + ReLU (+ channel shuffle in 2 groups for _g2)
//   dwconv2d kxk (stride) + BN + ReLU
//   pwconv2d 1x1 -> outC (groups) + BN, plus the block input (RESIDUAL) when
//   stride is 1 and inC == outC.
// "skip" is no layer when shapes allow, else a 1x1 conv + BN + ReLU with the
// stride, as in FBNet's builder. Canonical string: the 22 block names joined
// by ",".
import CHwnasABI
import HwnasCoreOpNames
import HwnasPluginSupport

final class FBNetSpace: SearchSpaceDefinition, @unchecked Sendable {
    static let blocks = ["k3_e1", "k3_e1_g2", "k3_e3", "k3_e6", "k5_e1", "k5_e1_g2", "k5_e3", "k5_e6", "skip"]
    /// (kernel, expansion, groups) of each block but skip.
    static let shapes: [(k: Int, e: Int, g: Int)] = [(3, 1, 1), (3, 1, 2), (3, 3, 1), (3, 6, 1), (5, 1, 1), (5, 1, 2), (5, 3, 1), (5, 6, 1)]
    static let skip: Int32 = 8
    static let stages: [(channels: Int, layers: Int, stride: Int)] = [
        (16, 1, 1), (24, 4, 2), (32, 4, 2), (64, 4, 2), (112, 4, 1), (184, 4, 2), (352, 1, 1),
    ]
    static let layerCount = 22
    static let stemChannels = 16
    static let headChannels = 1984

    static let labels = (0..<FBNetSpace.layerCount).map { "layer\($0)" }
    let dimNames = FBNetSpace.labels
    let choiceNames = Array(repeating: FBNetSpace.blocks, count: FBNetSpace.layerCount)
    let operatorSet: String? = CoreOps.setID
    let options: BenchmarkSpaceOptions
    let droppedStrides: Int
    let format: ChoiceListFormat

    init(options: PluginOptions) throws {
        self.options = try BenchmarkSpaceOptions(options, space: "fbnet", classes: 100, extraKeys: ["dropped_strides"])
        droppedStrides = try options.int("dropped_strides", default: self.options.inputSize <= 64 ? 2 : 0)
        guard (0...5).contains(droppedStrides) else { throw PluginError("space fbnet: dropped_strides must be 0...5, got \(droppedStrides)") }
        format = try ChoiceListFormat(dimNames: dimNames, choiceNames: choiceNames, source: "fbnet")
    }

    func format(_ g: UnsafeBufferPointer<Int32>) -> String { format.format(g) }
    func parse(_ s: String) throws -> [Int32] { try format.parse(s, spaceName: "fbnet") }

    func build(_ g: UnsafeBufferPointer<Int32>, _ b: NetworkBuilder) throws {
        try b.setInput(c: options.inputChannels, h: options.inputSize, w: options.inputSize)
        var drops = droppedStrides
        func stride(_ s: Int) -> Int {
            guard s == 2, drops > 0 else { return s }
            drops -= 1
            return 1
        }
        var stem = LayerSpec(CoreOps.conv2d, 0, outC: Self.stemChannels, kernel: 3, stride: stride(2))
        stem.batchNorm = true; stem.activation = HWNAS_ACT_RELU; stem.cell = CoreOps.stem
        var x = try b.add(stem)
        var layer = 0
        for stage in Self.stages {
            let s = stride(stage.stride)
            for i in 0..<stage.layers {
                let input = x, choice = g[layer], st = i == 0 ? s : 1
                x = try b.block(key: SIMD8(choice, Int32(stage.channels), Int32(st), 0, 0, 0, 0, 0), cell: Self.labels[layer], input: input) {
                    try block(b, input, choice, outC: stage.channels, stride: st)
                }
                layer += 1
            }
        }
        var head = LayerSpec(CoreOps.conv2d, x, outC: Self.headChannels, kernel: 1)
        head.batchNorm = true; head.activation = HWNAS_ACT_RELU; head.cell = CoreOps.head
        try addClassifier(b, try b.add(head), classes: options.classes)
    }

    func block(_ b: NetworkBuilder, _ x: Int32, _ choice: Int32, outC: Int, stride: Int) throws -> Int32 {
        let inC = try b.shape(x).c
        let shapesMatch = stride == 1 && inC == outC
        guard choice != Self.skip else {
            if shapesMatch { return x }
            var c = LayerSpec(CoreOps.conv2d, x, outC: outC, kernel: 1, stride: stride)
            c.batchNorm = true; c.activation = HWNAS_ACT_RELU
            return try b.add(c)
        }
        let (k, e, g) = Self.shapes[Int(choice)]
        let mid = inC * e
        var expand = LayerSpec(CoreOps.pwconv2d, x, outC: mid, kernel: 1)
        expand.groups = g; expand.expansion = e; expand.batchNorm = true; expand.activation = HWNAS_ACT_RELU
        expand.shuffleGroups = g > 1 ? g : 0
        let h = try b.add(expand)
        var dw = LayerSpec(CoreOps.dwconv2d, h, outC: mid, kernel: k, stride: stride)
        dw.groups = mid; dw.expansion = e; dw.batchNorm = true; dw.activation = HWNAS_ACT_RELU
        let d = try b.add(dw)
        var project = LayerSpec(CoreOps.pwconv2d, d, outC: outC, kernel: 1)
        project.groups = g; project.expansion = e; project.batchNorm = true
        if shapesMatch { project.input2 = x; project.residual = true }
        return try b.add(project)
    }
}
