// The schema of a declarative block space (docs/search-spaces.md): input,
// stem, stages of blocks, head. A key holding a list is a searchable dim; a
// plain value is fixed. Parsed once, checked fully, immutable after.
import CHwnasABI
import Foundation
import HwnasPluginSupport
import HwnasYAML

enum BlockKind: String, CaseIterable {
    /// k x k conv + BN + activation.
    case conv
    /// Depthwise k x k + BN + act, pointwise 1x1 + BN + act (MobileNetV1).
    case dwsep
    /// Inverted residual: [1x1 expand + BN + act], depthwise k x k + BN + act,
    /// [squeeze-excite], 1x1 project + BN, + input when shapes allow.
    case mbconv
    /// Residual basic block: k x k conv + BN + act, k x k conv + BN, + shortcut
    /// (identity, or 1x1 conv + BN when the shape changes), then act.
    case resblock
}

let activationNames: [String: Int32] = [
    "none": HWNAS_ACT_NONE, "relu": HWNAS_ACT_RELU, "relu6": HWNAS_ACT_RELU6, "hswish": HWNAS_ACT_HSWISH,
    "hsigmoid": HWNAS_ACT_HSIGMOID, "sigmoid": HWNAS_ACT_SIGMOID, "swish": HWNAS_ACT_SWISH,
]

struct PoolSpec: Hashable { let isMax: Bool; let kernel: Int; let stride: Int }

struct StageSpec {
    let kind: BlockKind
    let channels: [Int]
    let width: [Double]
    let stride: Int
    let depth: [Int]
    let kernel: [Int]
    let expansion: [Int]
    let se: [Bool]
    let activation: Int32
    let seRatio: Double
    let seActivation: Int32
    let seGate: Int32
    let pool: PoolSpec?
    var maxDepth: Int { depth.max()! }
}

struct StemSpec { let channels: Int; let kernel: Int; let stride: Int; let activation: Int32 }

struct HeadSpec {
    /// 1x1 conv + BN + activation before pooling (nil: none).
    let channels: Int?
    let activation: Int32
    /// Scale `channels` by the global width (else fixed).
    let scaled: Bool
    /// A layer after pooling (1x1 conv, no BN) with its activation (nil: none).
    let hidden: Int?
    let hiddenActivation: Int32
    let hiddenBias: Bool
}

private typealias L = BlockSpaceLimits

struct BlockSpaceSpec {
    let name: String
    let inputChannels: Int
    /// 2: images (resolution x resolution, or height x width), 1: sequences (length).
    let spatialDims: Int
    /// Resolution or length choices (the width, for a fixed height x width input).
    let sizes: [Int]
    /// A fixed height of a non-square image input (height x width); nil: square.
    let fixedHeight: Int?
    let width: [Double]
    let classes: Int
    let round: Int
    let stem: StemSpec?
    let stages: [StageSpec]
    let head: HeadSpec

    static let topKeys: Set<String> = ["name", "description", "plugin", "operator_set", "lut_features", HardwareDims.option,
                                       "input", "classes", "width", "round_channels", "stem", "stages", "head"]
    /// Options that may override the file (from --space-option).
    static let overrideKeys: Set<String> = ["classes", "input_channels", "resolution", "length", "round_channels"]

    init(file: String, text: String, overrides: [String: String]) throws {
        let doc: Any?
        do { doc = try SafeYAML.load(text, path: file) } catch { throw PluginError("\(error)") }
        let root = try YAMLNode(value: doc ?? [:] as [String: Any], path: "", file: file).mapping(allowed: Self.topKeys)
        name = (try root.child("name")?.string()) ?? "blocks"
        func opt(_ key: String, max: Int) throws -> [Int]? {
            guard let s = overrides[key] else { return nil }
            let parts = s.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !parts.isEmpty, parts.allSatisfy({ $0 != nil && $0! >= 1 && $0! <= max }) else {
                throw PluginError("option \(key)=\(YAMLNode.printable(s)): expected integers from 1 to \(max), one or a comma-separated list")
            }
            guard Set(parts).count == parts.count else { throw PluginError("option \(key)=\(s): a value is listed twice") }
            return parts.map { $0! }
        }

        guard let input = try root.child("input")?.mapping(allowed: ["channels", "resolution", "length", "height", "width"]) else {
            throw root.fail("missing 'input' ({channels, resolution} for images or {channels, length} for sequences)")
        }
        inputChannels = try opt("input_channels", max: L.channels)?.first ?? (try input.child("channels")?.int(min: 1, max: L.channels) ?? 3)
        var res = input.child("resolution"), len = input.child("length")
        let given = [res, len].compactMap { $0 }.count + (input.child("height") != nil || input.child("width") != nil ? 1 : 0)
        guard given == 1 else {
            throw input.fail("give exactly one of 'resolution' (square images), 'height' and 'width' (fixed images) or 'length' (sequences)")
        }
        if let h = input.child("height") {
            guard let w = input.child("width") else { throw input.fail("'height' needs 'width'") }
            fixedHeight = try h.int(min: 1, max: L.resolution)
            res = YAMLNode(value: try w.int(min: 1, max: L.resolution), path: w.path, file: w.file)
        } else if input.child("width") != nil {
            throw input.fail("'width' needs 'height'")
        } else { fixedHeight = nil }
        spatialDims = res != nil ? 2 : 1
        let maxSize = spatialDims == 2 ? L.resolution : L.length
        let fileSizes = try (res ?? len)!.choices { try $0.int(min: 1, max: maxSize) }
        sizes = try opt(spatialDims == 2 ? "resolution" : "length", max: maxSize) ?? fileSizes
        if fixedHeight != nil && overrides["resolution"] != nil { throw PluginError("option resolution: this space's input is a fixed height x width") }
        if overrides[spatialDims == 2 ? "length" : "resolution"] != nil {
            throw PluginError("option \(spatialDims == 2 ? "length" : "resolution"): this is a \(spatialDims == 2 ? "2-D (image)" : "1-D (sequence)") space")
        }
        width = try root.child("width")?.choices(Self.widthMultiplier) ?? [1.0]
        classes = try opt("classes", max: L.channels)?.first ?? (try root.child("classes")?.int(min: 1, max: L.channels) ?? 10)
        round = try opt("round_channels", max: L.round)?.first ?? (try root.child("round_channels")?.int(min: 1, max: L.round) ?? 8)

        func activation(_ n: YAMLNode?, default d: Int32) throws -> Int32 {
            guard let n else { return d }
            let s = try n.string()
            guard let a = activationNames[s] else { throw n.fail("unknown activation '\(s)' (known: \(activationNames.keys.sorted().joined(separator: ", ")))") }
            return a
        }
        func kernel(_ n: YAMLNode) throws -> Int {
            let k = try n.int(min: 1, max: L.kernel)
            guard k % 2 == 1 else { throw n.fail("kernel \(k) is even: blocks pad \"same\", which needs odd kernels") }
            return k
        }

        if let s = try root.child("stem")?.mapping(allowed: ["kind", "channels", "kernel", "stride", "activation"]) {
            if let k = s.child("kind"), try k.string() != "conv" { throw k.fail("the stem is one conv (kind: conv)") }
            guard let c = s.child("channels") else { throw s.fail("missing 'channels'") }
            stem = StemSpec(channels: try c.int(min: 1, max: L.channels), kernel: try s.child("kernel").map(kernel) ?? 3,
                            stride: try s.child("stride")?.int(min: 1, max: L.stride) ?? 1, activation: try activation(s.child("activation"), default: HWNAS_ACT_RELU))
        } else { stem = nil }

        guard let stageList = try root.child("stages")?.list(), !stageList.isEmpty else { throw root.fail("missing 'stages' (a list of stages)") }
        guard stageList.count <= L.stages else { throw root.child("stages")!.fail("\(stageList.count) stages; at most \(L.stages)") }
        let stageKeys: Set<String> = ["kind", "channels", "width", "stride", "depth", "kernel", "expansion", "se", "activation",
                                      "se_ratio", "se_activation", "se_gate", "pool"]
        var stages: [StageSpec] = []
        for node in stageList {
            let s = try node.mapping(allowed: stageKeys)
            guard let kn = s.child("kind") else { throw s.fail("missing 'kind' (\(BlockKind.allCases.map(\.rawValue).joined(separator: ", ")))") }
            guard let kind = BlockKind(rawValue: try kn.string()) else {
                throw kn.fail("unknown block kind '\(try kn.string())' (known: \(BlockKind.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            guard let cn = s.child("channels") else { throw s.fail("missing 'channels'") }
            if kind != .mbconv {
                for k in ["expansion", "se", "se_ratio", "se_activation", "se_gate"] where s.child(k) != nil {
                    throw s.child(k)!.fail("only mbconv blocks have \(k)")
                }
            }
            var pool: PoolSpec? = nil
            if let p = try s.child("pool")?.mapping(allowed: ["kind", "kernel", "stride"]) {
                let pk = try p.child("kind")?.string() ?? "max"
                guard pk == "max" || pk == "avg" else { throw p.child("kind")!.fail("pool kind is max or avg, got '\(pk)'") }
                let k = try p.child("kernel")?.int(min: 1, max: L.kernel) ?? 2
                pool = PoolSpec(isMax: pk == "max", kernel: k, stride: try p.child("stride")?.int(min: 1, max: L.kernel) ?? k)
            }
            let seRatio = try s.child("se_ratio")?.double() ?? 0.25
            guard seRatio > 0, seRatio <= 1 else { throw s.child("se_ratio")!.fail("must be in (0, 1]") }
            stages.append(StageSpec(
                kind: kind, channels: try cn.choices { try $0.int(min: 1, max: L.channels) },
                width: try s.child("width")?.choices(Self.widthMultiplier) ?? [1.0],
                stride: try s.child("stride")?.int(min: 1, max: L.stride) ?? 1,
                depth: try s.child("depth")?.choices { try $0.int(min: 1, max: L.depth) } ?? [1],
                kernel: try s.child("kernel")?.choices(kernel) ?? [3],
                expansion: try s.child("expansion")?.choices { try $0.int(min: 1, max: L.expansion) } ?? [1],
                se: try s.child("se")?.choices { try $0.bool() } ?? [false],
                activation: try activation(s.child("activation"), default: HWNAS_ACT_RELU),
                seRatio: seRatio, seActivation: try activation(s.child("se_activation"), default: HWNAS_ACT_RELU),
                seGate: try activation(s.child("se_gate"), default: HWNAS_ACT_HSIGMOID), pool: pool))
        }
        self.stages = stages

        if let h = try root.child("head")?.mapping(allowed: ["channels", "activation", "scaled", "hidden", "hidden_activation", "hidden_bias"]) {
            head = HeadSpec(channels: try h.child("channels")?.int(min: 1, max: L.channels), activation: try activation(h.child("activation"), default: HWNAS_ACT_RELU),
                            scaled: try h.child("scaled")?.bool() ?? false, hidden: try h.child("hidden")?.int(min: 1, max: L.channels),
                            hiddenActivation: try activation(h.child("hidden_activation"), default: HWNAS_ACT_RELU),
                            hiddenBias: try h.child("hidden_bias")?.bool() ?? true)
        } else {
            head = HeadSpec(channels: nil, activation: HWNAS_ACT_NONE, scaled: false, hidden: nil, hiddenActivation: HWNAS_ACT_NONE, hiddenBias: true)
        }
        try checkShapes(file: file)
    }

    /// A width multiplier: finite, in BlockSpaceLimits.width.
    static func widthMultiplier(_ n: YAMLNode) throws -> Double {
        let w = try n.double()
        guard L.width.contains(w) else { throw n.fail("width multiplier must be in [1/64, 16], got \(w)") }
        return w
    }

    /// Every size choice must survive the strides and pools: a pool needs
    /// at least its kernel (a stride-k conv with "same" padding never
    /// shrinks below 1). The largest choices must give channel counts and
    /// tensors hwnas can count (BlockSpaceLimits).
    func checkShapes(file: String) throws {
        let maxWidth = width.max()!
        func largest(_ c: Int, _ w: Double, _ what: String) throws -> Int {
            let v = Double(c) * maxWidth * w
            guard v <= Double(L.channels) else {
                throw PluginError("\(file): \(what): \(c) channels x width \(maxWidth * w) = \(Int(v)), above \(L.channels)")
            }
            return channels(v)
        }
        var inC = try stem.map { try largest($0.channels, 1, "stem") } ?? inputChannels
        var widest = max(inputChannels, inC)
        for (i, st) in stages.enumerated() {
            let c = try largest(st.channels.max()!, st.width.max()!, "stages[\(i)]")
            // An inverted residual expands its input (the previous stage's channels, or its own past layer 1).
            let mid = st.kind == .mbconv ? max(inC, c) * st.expansion.max()! : 0
            widest = max(widest, c, mid)
            inC = c
        }
        for size in sizes + (fixedHeight.map { [$0] } ?? []) {
            let area = spatialDims == 2 ? (fixedHeight ?? size) * size : size
            guard widest <= L.tensorElements / area else {
                throw PluginError("\(file): the largest network's widest layer (\(widest) channels) at \(spatialDims == 2 ? "resolution" : "length") \(size) holds more than 2^40 elements")
            }
        }
        for size in sizes + (fixedHeight.map { [$0] } ?? []) {
            var s = size
            if let stem { s = (s + stem.stride - 1) / stem.stride }
            for (i, st) in stages.enumerated() {
                s = (s + st.stride - 1) / st.stride
                if let p = st.pool {
                    guard s >= p.kernel else {
                        throw PluginError("\(file): stages[\(i)].pool: \(spatialDims == 2 ? "input size" : "length") \(size) is \(s) wide here, smaller than the pool's kernel \(p.kernel)")
                    }
                    s = (s - p.kernel) / p.stride + 1
                }
            }
        }
    }

    /// torchvision's _make_divisible: the nearest multiple of `round`, never
    /// more than 10% below `v`.
    func channels(_ v: Double) -> Int {
        var c = max(round, Int(v + Double(round) / 2) / round * round)
        if Double(c) < 0.9 * v { c += round }
        return c
    }
}
