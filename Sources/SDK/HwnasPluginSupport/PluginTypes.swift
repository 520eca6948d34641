// Swift-side views of ABI data that plugin authors work with. Nothing here
// crosses the ABI: PluginExport converts to and from the C structs.
import CHwnasABI
@_exported import HwnasOptionSpecs

/// A plugin-side failure; its message becomes the instance's last_error.
public struct PluginError: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// What `hwnas plugins list` shows for one creatable thing, and the options
/// it understands (declared through the ABI: the host and this SDK refuse
/// anything else before the plugin's code runs).
public struct PluginDescriptor: Sendable {
    public let id, name, vendor, version, description: String
    public let options: [OptionSpec]
    public init(id: String, name: String, vendor: String = "hwnas", version: String = "1.0.0", description: String,
                options: [OptionSpec] = []) {
        self.id = id; self.name = name; self.vendor = vendor; self.version = version; self.description = description
        self.options = options
    }
}

/// Key/value configuration checked against the declared options, with typed
/// accessors whose defaults are the declared ones.
public struct PluginOptions: Sendable {
    public let values: [String: String]
    public let specs: [OptionSpec]

    /// Unchecked options (tests, direct use of a plugin's types).
    public init(_ values: [String: String], specs: [OptionSpec] = []) { self.values = values; self.specs = specs }

    /// Options handed in through the ABI, checked against `specs`.
    init(_ raw: UnsafePointer<hwnas_options>?, specs: [OptionSpec], owner: String) throws {
        var dict: [String: String] = [:]
        if let raw, let items = raw.pointee.items {
            for i in 0..<Int(raw.pointee.count) {
                guard let k = items[i].key, let v = items[i].value else { continue }
                dict[String(cString: k)] = String(cString: v)
            }
        }
        let problems = OptionCheck.problems(dict, specs, owner: owner)
        if let first = problems.first { throw PluginError(first) }
        values = dict
        self.specs = specs
    }

    public subscript(_ key: String) -> String? { values[key] }

    func declaredDefault(_ key: String) -> String? { specs.first { $0.key == key }?.defaultValue }

    public func require(_ key: String) throws -> String {
        guard let v = values[key], !v.isEmpty else { throw PluginError("missing option '\(key)'") }
        return v
    }

    /// The value, else the declared default, else nil.
    public func string(_ key: String) -> String? { values[key] ?? declaredDefault(key) }

    public func int(_ key: String, default value: Int) throws -> Int {
        guard let s = values[key] else { return value }
        guard let v = OptionSpec.int(s) else { throw PluginError("option '\(key)' must be an integer, got '\(s)'") }
        return v
    }

    public func double(_ key: String, default value: Double) throws -> Double {
        guard let s = values[key] else { return value }
        guard let v = OptionSpec.double(s) else { throw PluginError("option '\(key)' must be a finite number, got '\(s)'") }
        return v
    }

    public func bool(_ key: String, default value: Bool) throws -> Bool {
        guard let s = values[key] else { return value }
        guard let v = OptionSpec.bool(s) else { throw PluginError("option '\(key)' must be true or false, got '\(s)'") }
        return v
    }

    /// Typed readers whose default is the declared one (the declaration and
    /// the code cannot drift apart).
    public func int(_ key: String) throws -> Int {
        guard let d = declaredDefault(key).flatMap(OptionSpec.int) else { return try int(key, default: 0) }
        return try int(key, default: d)
    }
    public func double(_ key: String) throws -> Double {
        guard let d = declaredDefault(key).flatMap(OptionSpec.double) else { return try double(key, default: 0) }
        return try double(key, default: d)
    }
    public func bool(_ key: String) throws -> Bool {
        try bool(key, default: declaredDefault(key).flatMap(OptionSpec.bool) ?? false)
    }
}

/// The search space, copied out of hwnas_search_space.
public struct SearchSpaceView: Sendable {
    public let name: String
    public let choiceCounts: [Int]
    public let dimNames: [String]
    public let choiceNames: [[String]]
    public var nDims: Int { choiceCounts.count }
    /// Number of architectures; Double because fbnet's 9^22 overflows Int.
    public var size: Double { choiceCounts.reduce(1.0) { $0 * Double($1) } }

    public init(name: String, choiceCounts: [Int], dimNames: [String], choiceNames: [[String]]) {
        self.name = name; self.choiceCounts = choiceCounts; self.dimNames = dimNames; self.choiceNames = choiceNames
    }

    init(_ s: UnsafePointer<hwnas_search_space>) {
        let p = s.pointee
        let n = Int(p.n_dims)
        name = p.name.map { String(cString: $0) } ?? ""
        choiceCounts = (0..<n).map { Int(p.choice_counts[$0]) }
        dimNames = (0..<n).map { d in p.dim_names?[d].map { String(cString: $0) } ?? "d\(d)" }
        var choices: [[String]] = []
        for d in 0..<n {
            let off = Int(p.choice_offsets[d])
            choices.append((0..<Int(p.choice_counts[d])).map { c in
                p.choice_names[off + c].map { String(cString: $0) } ?? "\(c)"
            })
        }
        choiceNames = choices
    }
}

/// Logging back into the host (thread-safe).
public struct HostLogger: @unchecked Sendable {
    let host: UnsafePointer<hwnas_host>?
    public func log(_ level: Int32, _ message: String) {
        guard let host, let log = host.pointee.log else { return }
        log(host, level, message)
    }
    public func info(_ m: String) { log(HWNAS_LOG_INFO, m) }
    public func warning(_ m: String) { log(HWNAS_LOG_WARNING, m) }
}

/// A candidate batch as seen by cost models and evaluators. Genotypes,
/// strings and network views are made when first asked for: a cost model
/// that reads `raw` directly pays for none of them.
public final class CandidateBatch {
    /// The raw batch, for plugins that read the C layout or pass it on.
    public let raw: UnsafePointer<hwnas_candidate_batch>
    public var count: Int { Int(raw.pointee.count) }

    init(_ b: UnsafePointer<hwnas_candidate_batch>) { raw = b }

    public lazy var genotypes: [[Int32]] = {
        let p = raw.pointee, d = Int(p.n_dims)
        return (0..<count).map { i in (0..<d).map { p.genotypes[i * d + $0] } }
    }()

    public lazy var archStrings: [String] = (0..<count).map(archString)

    /// Expanded networks (nil entries when the host built none).
    public lazy var networks: [NetworkView?] = (0..<count).map { i in raw.pointee.networks?[i].map { NetworkView($0) } }

    /// Candidate i's canonical string.
    public func archString(_ i: Int) -> String { raw.pointee.arch_strings?[i].map { String(cString: $0) } ?? "" }

    /// Candidate i's request beyond its genotype (ABI 1.2: "fidelity",
    /// "resume"), as the JSON object's text; nil when the host sent none.
    public func request(_ i: Int) -> String? {
        guard abiHasField(raw.pointee.struct_size, \hwnas_candidate_batch.requests), let r = raw.pointee.requests else { return nil }
        return r[i].map { String(cString: $0) }
    }
}

/// A whole network (layers in execution order), copied out of hwnas_network.
/// Layers are walked with the network's layer_size, so records larger than
/// this plugin's hwnas_layer (a newer host) are read correctly; fields a
/// record does not have (an older host) read as their defaults.
public struct NetworkView {
    public struct Layer {
        public let op: String
        public let kernel, stride, groups, expansion: Int
        public let input, input2, output: Int
        public let inC, inH, inW, outC, outH, outW: Int
        public let flags: Int32
        public let params, macs, weightElems, biasElems: Int64
        public let cell: String
        public var isResidual: Bool { flags & HWNAS_LAYER_RESIDUAL != 0 }
        public var isInPlace: Bool { flags & HWNAS_LAYER_INPLACE != 0 }
        // ABI 1.1: the exact IR (HWNAS_ACT_* / HWNAS_BN_* values).
        public let kernelH, kernelW, strideH, strideW, dilationH, dilationW: Int
        public let padTop, padLeft, padBottom, padRight: Int
        public let preActivation, activation, batchNorm: Int32
        public let shuffleGroups, hiddenC: Int
        public let hiddenActivation, gateActivation: Int32
        /// False for a 1.0 record: the attributes above are defaults.
        public let hasAttributes: Bool
    }
    public let layers: [Layer]
    /// (c, h, w) of every tensor; tensor 0 is the input.
    public let tensors: [(c: Int, h: Int, w: Int)]
    /// 2: images, 1: sequences (h == 1), 0: features (c, 1, 1; 1.2).
    public let spatialDims: Int

    /// Bytes from one layer record to the next in `n` (HWNAS_NETWORK_LAYER_SIZE).
    public static func layerSize(_ n: UnsafePointer<hwnas_network>) -> Int {
        abiHasField(n.pointee.struct_size, \hwnas_network.layer_size) ? Int(n.pointee.layer_size) : layerSize10
    }

    /// Layer `i` of `n` (HWNAS_NETWORK_LAYER).
    public static func layer(_ n: UnsafePointer<hwnas_network>, _ i: Int) -> UnsafePointer<hwnas_layer> {
        UnsafeRawPointer(n.pointee.layers!).advanced(by: i * layerSize(n)).assumingMemoryBound(to: hwnas_layer.self)
    }

    public init(_ n: UnsafePointer<hwnas_network>) {
        let p = n.pointee
        layers = (0..<Int(p.n_layers)).map { i in
            let lp = Self.layer(n, i)
            let l = lp.pointee
            // A 1.0 record is 112 bytes: read only what it has.
            let full = abiHasField(l.struct_size, \hwnas_layer.reserved2) && Self.layerSize(n) >= MemoryLayout<hwnas_layer>.size
            let a: hwnas_layer = full ? l : hwnas_layer()
            return Layer(op: l.op.map { String(cString: $0) } ?? "", kernel: Int(l.kernel), stride: Int(l.stride),
                         groups: Int(l.groups), expansion: Int(l.expansion), input: Int(l.input), input2: Int(l.input2),
                         output: Int(l.output), inC: Int(l.in_c), inH: Int(l.in_h), inW: Int(l.in_w),
                         outC: Int(l.out_c), outH: Int(l.out_h), outW: Int(l.out_w), flags: l.flags,
                         params: l.params, macs: l.macs, weightElems: l.weight_elems, biasElems: l.bias_elems,
                         cell: l.cell.map { String(cString: $0) } ?? "",
                         kernelH: full ? Int(a.kernel_h) : Int(l.kernel), kernelW: full ? Int(a.kernel_w) : Int(l.kernel),
                         strideH: full ? Int(a.stride_h) : Int(l.stride), strideW: full ? Int(a.stride_w) : Int(l.stride),
                         dilationH: full ? Int(a.dilation_h) : 1, dilationW: full ? Int(a.dilation_w) : 1,
                         padTop: Int(a.pad_top), padLeft: Int(a.pad_left), padBottom: Int(a.pad_bottom), padRight: Int(a.pad_right),
                         preActivation: a.pre_activation, activation: a.activation, batchNorm: a.batch_norm,
                         shuffleGroups: Int(a.shuffle_groups), hiddenC: Int(a.hidden_c),
                         hiddenActivation: a.hidden_activation, gateActivation: a.gate_activation, hasAttributes: full)
        }
        tensors = (0..<Int(p.n_tensors)).map { i in
            let t = p.tensors[i]; return (Int(t.c), Int(t.h), Int(t.w))
        }
        // 0: a [batch, features] network (1.2); anything else but 1 reads as images.
        spatialDims = !abiHasField(p.struct_size, \hwnas_network.spatial_dims) ? 2 : p.spatial_dims <= 1 ? Int(p.spatial_dims) : 2
    }
}

/// HWNAS_LAYER_SIZE_1_0: a 1.0 layer record ends where kernel_h starts.
let layerSize10 = MemoryLayout<hwnas_layer>.offset(of: \hwnas_layer.kernel_h)!
