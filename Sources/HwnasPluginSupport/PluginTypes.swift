// Swift-side views of ABI data that plugin authors work with. Nothing here
// crosses the ABI: PluginExport converts to and from the C structs.
import CHwnasABI

/// A plugin-side failure; its message becomes the instance's last_error.
public struct PluginError: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// What `hwnas plugins list` shows for one creatable thing.
public struct PluginDescriptor: Sendable {
    public let id, name, vendor, version, description: String
    public init(id: String, name: String, vendor: String = "hwnas", version: String = "1.0.0", description: String) {
        self.id = id; self.name = name; self.vendor = vendor; self.version = version; self.description = description
    }
}

/// Key/value configuration with typed, error-reporting accessors.
public struct PluginOptions: Sendable {
    public let values: [String: String]
    public init(_ values: [String: String]) { self.values = values }

    init(_ raw: UnsafePointer<hwnas_options>?) {
        var dict: [String: String] = [:]
        if let raw, let items = raw.pointee.items {
            for i in 0..<Int(raw.pointee.count) {
                guard let k = items[i].key, let v = items[i].value else { continue }
                dict[String(cString: k)] = String(cString: v)
            }
        }
        values = dict
    }

    public subscript(_ key: String) -> String? { values[key] }

    public func require(_ key: String) throws -> String {
        guard let v = values[key], !v.isEmpty else { throw PluginError("missing option '\(key)'") }
        return v
    }

    public func int(_ key: String, default value: Int) throws -> Int {
        guard let s = values[key] else { return value }
        guard let v = Int(s) else { throw PluginError("option '\(key)' must be an integer, got '\(s)'") }
        return v
    }

    public func double(_ key: String, default value: Double) throws -> Double {
        guard let s = values[key] else { return value }
        guard let v = Double(s) else { throw PluginError("option '\(key)' must be a number, got '\(s)'") }
        return v
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

/// A candidate batch as seen by cost models and evaluators.
public struct CandidateBatch {
    public let genotypes: [[Int32]]
    public let archStrings: [String]
    /// Expanded networks (nil entries when the host expanded none).
    public let networks: [NetworkView?]
    /// The raw batch, for plugins that want to pass it on.
    public let raw: UnsafePointer<hwnas_candidate_batch>
    public var count: Int { genotypes.count }

    init(_ b: UnsafePointer<hwnas_candidate_batch>) {
        raw = b
        let p = b.pointee
        let n = Int(p.count), d = Int(p.n_dims)
        genotypes = (0..<n).map { i in (0..<d).map { p.genotypes[i * d + $0] } }
        archStrings = (0..<n).map { i in p.arch_strings?[i].map { String(cString: $0) } ?? "" }
        networks = (0..<n).map { i in p.networks?[i].map { NetworkView($0) } }
    }
}

/// A whole network (layers in execution order), copied out of hwnas_network.
public struct NetworkView {
    public struct Layer {
        public let op: String
        public let kernel, stride, groups, expansion: Int
        public let input, input2, output: Int
        public let inC, inH, inW, outC, outH, outW: Int
        public let flags: Int32
        public let params, macs, weightElems, biasElems: Int64
        public let cell: String
        public var isResidual: Bool { flags & 1 != 0 }
        public var isInPlace: Bool { flags & 2 != 0 }
    }
    public let layers: [Layer]
    /// (c, h, w) of every tensor; tensor 0 is the input.
    public let tensors: [(c: Int, h: Int, w: Int)]

    public init(_ n: UnsafePointer<hwnas_network>) {
        let p = n.pointee
        layers = (0..<Int(p.n_layers)).map { i in
            let l = p.layers[i]
            return Layer(op: l.op.map { String(cString: $0) } ?? "", kernel: Int(l.kernel), stride: Int(l.stride),
                         groups: Int(l.groups), expansion: Int(l.expansion), input: Int(l.input), input2: Int(l.input2),
                         output: Int(l.output), inC: Int(l.in_c), inH: Int(l.in_h), inW: Int(l.in_w),
                         outC: Int(l.out_c), outH: Int(l.out_h), outW: Int(l.out_w), flags: l.flags,
                         params: l.params, macs: l.macs, weightElems: l.weight_elems, biasElems: l.bias_elems,
                         cell: l.cell.map { String(cString: $0) } ?? "")
        }
        tensors = (0..<Int(p.n_tensors)).map { i in
            let t = p.tensors[i]; return (Int(t.c), Int(t.h), Int(t.w))
        }
    }
}
