// Co-design: a network space composed with hardware dims. Any space made
// with this SDK takes the option `hardware`, e.g.
//   hardware: "pe_rows=8|12|16; pe_cols=8|14|16; glb_kb=54|108|216; dataflow=rs|ws|os"
// which appends one dim per entry, named "hw.<name>", whose choices are the
// listed values. The network is built from the network dims alone; a cost
// model that prices hardware (the accelerator model) reads the "hw." dims of
// the candidate. Arch strings are NETWORK@hw:name=value,name=value.
// The host knows nothing of this: it sees an ordinary space.

/// The hardware part of a composed space, as parsed from the option.
public struct HardwareDims: Sendable, Equatable {
    public static let option = "hardware"
    public static let dimPrefix = "hw."
    public static let archSeparator = "@hw:"
    public let names: [String]
    public let choices: [[String]]

    public init(names: [String], choices: [[String]]) { self.names = names; self.choices = choices }

    public static func parse(_ text: String) throws -> HardwareDims {
        func bad(_ why: String) -> PluginError {
            PluginError("option hardware '\(text)': \(why) (expected NAME=V1|V2|...; NAME=...; e.g. pe_rows=8|12|16; dataflow=rs|ws)")
        }
        var names: [String] = [], choices: [[String]] = []
        for entry in text.split(separator: ";").map({ $0.filter { !$0.isWhitespace } }) where !entry.isEmpty {
            let kv = entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard kv.count == 2, isToken(kv[0]) else { throw bad("'\(entry)' is not NAME=V1|V2|...") }
            guard !names.contains(kv[0]) else { throw bad("'\(kv[0])' is given twice") }
            let values = kv[1].split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            guard values.allSatisfy(isToken) else { throw bad("'\(kv[0])' has an empty or malformed value (letters, digits, '.', '_', '-')") }
            guard Set(values).count == values.count else { throw bad("'\(kv[0])' lists a value twice") }
            names.append(kv[0]); choices.append(values)
        }
        guard !names.isEmpty else { throw bad("no hardware dims") }
        return HardwareDims(names: names, choices: choices)
    }

    static func isToken(_ s: String) -> Bool {
        !s.isEmpty && s.utf8.count <= 64 && s.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || "._-".unicodeScalars.contains($0)
        }
    }

    /// The network part of a composed arch string (the whole string otherwise).
    public static func networkPart(_ arch: String) -> String {
        guard let r = arch.range(of: archSeparator, options: .backwards) else { return arch }
        return String(arch[..<r.lowerBound])
    }
}

/// A network space with hardware dims after its own.
final class HardwareComposedSpace: SearchSpaceDefinition, @unchecked Sendable {
    let network: SearchSpaceDefinition
    let hardware: HardwareDims
    let networkDims: Int
    let dimNames: [String]
    let choiceNames: [[String]]
    var operatorSet: String? { network.operatorSet }

    init(network: SearchSpaceDefinition, hardware: HardwareDims) throws {
        self.network = network; self.hardware = hardware
        networkDims = network.dimNames.count
        dimNames = network.dimNames + hardware.names.map { HardwareDims.dimPrefix + $0 }
        choiceNames = network.choiceNames + hardware.choices
        if let clash = hardware.names.first(where: { network.dimNames.contains(HardwareDims.dimPrefix + $0) }) {
            throw PluginError("option hardware: the space already has a dim '\(HardwareDims.dimPrefix)\(clash)'")
        }
    }

    func canonicalize(_ genotype: UnsafeMutableBufferPointer<Int32>, active: UnsafeMutableBufferPointer<UInt8>?) {
        network.canonicalize(UnsafeMutableBufferPointer(rebasing: genotype[0..<networkDims]),
                             active: active.map { UnsafeMutableBufferPointer(rebasing: $0[0..<networkDims]) })
    }

    func format(_ g: UnsafeBufferPointer<Int32>) -> String {
        let hw = hardware.names.indices.map { k in "\(hardware.names[k])=\(hardware.choices[k][Int(g[networkDims + k])])" }
        return network.format(UnsafeBufferPointer(rebasing: g[0..<networkDims])) + HardwareDims.archSeparator + hw.joined(separator: ",")
    }

    func parse(_ text: String) throws -> [Int32] {
        guard let r = text.range(of: HardwareDims.archSeparator, options: .backwards) else {
            throw PluginError("'\(text)': a co-design arch ends in \(HardwareDims.archSeparator)\(hardware.names.map { "\($0)=..." }.joined(separator: ","))")
        }
        var g = try network.parse(String(text[..<r.lowerBound]))
        var values: [String: String] = [:]
        for part in text[r.upperBound...].split(separator: ",", omittingEmptySubsequences: false) {
            let kv = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            guard kv.count == 2, hardware.names.contains(kv[0]), values[kv[0]] == nil else {
                throw PluginError("'\(text)': hardware part '\(part)' is not one of \(hardware.names.map { "\($0)=..." }.joined(separator: ","))")
            }
            values[kv[0]] = kv[1]
        }
        for (k, name) in hardware.names.enumerated() {
            guard let v = values[name] else { throw PluginError("'\(text)': hardware value '\(name)' is missing") }
            guard let c = hardware.choices[k].firstIndex(of: v) else {
                throw PluginError("'\(text)': \(name)=\(v) is not a choice (\(hardware.choices[k].joined(separator: "|")))")
            }
            g.append(Int32(c))
        }
        return g
    }

    func build(_ g: UnsafeBufferPointer<Int32>, _ builder: NetworkBuilder) throws {
        try network.build(UnsafeBufferPointer(rebasing: g[0..<networkDims]), builder)
    }
}

extension SpaceKind {
    /// The kind's descriptor with the `hardware` option declared (unless it
    /// declares one itself), and its make composing when the option is set.
    func withHardwareDims() -> SpaceKind {
        guard !descriptor.options.contains(where: { $0.key == HardwareDims.option }) else { return self }
        let d = descriptor
        let declared = PluginDescriptor(id: d.id, name: d.name, vendor: d.vendor, version: d.version, description: d.description,
                                        options: d.options + [.string(HardwareDims.option, nil,
                                            "co-design: hardware dims appended to the space, NAME=V1|V2;... (dims hw.NAME; docs/codesign.md)")])
        let make = self.make
        return SpaceKind(declared) { options, logger in
            var values = options.values
            guard let text = values.removeValue(forKey: HardwareDims.option) else { return try make(options, logger) }
            let network = try make(PluginOptions(values, specs: d.options), logger)
            return try HardwareComposedSpace(network: network, hardware: try HardwareDims.parse(text))
        }
    }
}

extension CandidateBatch {
    /// Candidate i's arch string without a co-design space's hardware part
    /// (what a table of network accuracies is keyed by).
    public func networkArchString(_ i: Int) -> String { HardwareDims.networkPart(archString(i)) }
}
