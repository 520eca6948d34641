// A search space as the host uses it: named dims and choices, the canonical
// string and genotype, and (through NetworkFactory) the network of a
// genotype. All of it comes from a search-space plugin; the host knows no
// space by name.
import CHwnasABI
import Foundation

public final class SearchSpace: @unchecked Sendable {
    /// The name strategies and results see (the space file's `name`).
    public let name: String
    public let description: String
    /// The space file, or "plugin <id>" for a plugin used directly.
    public let source: String
    public let plugin: PluginDescriptorInfo
    public let dimNames: [String]
    public let choices: [[String]]
    /// Operator set the networks are built with; nil: the space builds none.
    public let operatorSetID: String?
    /// The options the plugin was created with.
    public let options: [String: String]
    /// Feature set `hwnas lut fit` uses by default (the file's lut_features).
    public let lutFeatures: String?
    let loaded: LoadedSpace

    public var nDims: Int { dimNames.count }
    public var choiceCounts: [Int] { choices.map(\.count) }
    /// Number of genotypes (Double: block spaces exceed Int).
    public var size: Double { choices.reduce(1.0) { $0 * Double($1.count) } }
    /// log10 of the genotype count, finite where `size` overflows a Double.
    public var log10Size: Double { choices.reduce(0.0) { $0 + log10(Double(max($1.count, 1))) } }
    public var buildsNetworks: Bool { operatorSetID != nil }

    init(name: String, description: String, source: String, loaded: LoadedSpace, operatorSetID: String?,
         options: [String: String], lutFeatures: String?) throws {
        self.name = name; self.description = description; self.source = source
        self.loaded = loaded; plugin = loaded.descriptor
        dimNames = loaded.dimNames; choices = loaded.choices
        self.operatorSetID = operatorSetID; self.options = options; self.lutFeatures = lutFeatures
        try checkRoundTrip()
    }

    /// Throws naming the dim and value when `g` is not a genotype of this space.
    public func validate(_ g: [Int32]) throws {
        guard g.count == nDims else { throw HwnasError("genotype has \(g.count) values, space \(name) has \(nDims) dims") }
        for (d, v) in g.enumerated() where v < 0 || Int(v) >= choices[d].count {
            throw HwnasError("genotype value \(v) of dim \(dimNames[d]) is outside 0..<\(choices[d].count) (space \(name))")
        }
    }

    /// The canonical genotype: dims inactive for `g` set to 0. `g` must be valid.
    public func canonicalize(_ g: [Int32]) -> [Int32] {
        var c = g
        c.withUnsafeMutableBufferPointer { try? loaded.canonicalize($0.baseAddress!, count: 1) }
        return c
    }

    /// Canonical genotypes of many valid genotypes at once.
    public func canonicalize(_ gs: [[Int32]]) -> [[Int32]] {
        guard !gs.isEmpty else { return [] }
        var flat = gs.flatMap { $0 }
        flat.withUnsafeMutableBufferPointer { try? loaded.canonicalize($0.baseAddress!, count: gs.count) }
        return (0..<gs.count).map { Array(flat[($0 * nDims)..<(($0 + 1) * nDims)]) }
    }

    /// Which dims of `g` are active (a layer past the chosen depth is not).
    public func activeDims(_ g: [Int32]) -> [Bool] {
        var c = g
        var active = [UInt8](repeating: 1, count: nDims)
        c.withUnsafeMutableBufferPointer { cp in
            active.withUnsafeMutableBufferPointer { ap in try? loaded.canonicalize(cp.baseAddress!, count: 1, active: ap.baseAddress!) }
        }
        return active.map { $0 != 0 }
    }

    /// The canonical string of a valid genotype (canonicalized first).
    public func canonical(_ g: [Int32]) -> String { format(canonical: canonicalize(g)) }

    /// The string of a genotype already in canonical form.
    func format(canonical c: [Int32]) -> String {
        (try? c.withUnsafeBufferPointer { try loaded.format($0.baseAddress!) }) ?? c.map(String.init).joined(separator: ",")
    }

    /// Parses a canonical string; the error names the space and the reason.
    public func parse(_ s: String) throws -> [Int32] {
        let g: [Int32]
        do { g = try loaded.parse(s) } catch { throw HwnasError("space \(name): \(error)") }
        do { try validate(g) } catch { throw HwnasError("space \(name): '\(s)' parsed to an invalid genotype: \(error)") }
        return canonicalize(g)
    }

    /// The genotype of a mixed-radix index (for enumerable spaces).
    public func genotype(at index: Int) -> [Int32] {
        var g = [Int32](repeating: 0, count: nDims), r = index
        for d in stride(from: nDims - 1, through: 0, by: -1) { g[d] = Int32(r % choices[d].count); r /= choices[d].count }
        return g
    }

    /// A uniformly drawn genotype (one draw per dim, in order).
    public func randomGenotype(_ rng: inout SplitMix64) -> [Int32] {
        choiceCounts.map { Int32(rng.below($0)) }
    }

    /// A space whose strings do not round-trip gives two networks one
    /// journal key: refuse it at load (first, last and a few mixed genotypes).
    func checkRoundTrip() throws {
        var samples: [[Int32]] = [Array(repeating: 0, count: nDims), choiceCounts.map { Int32($0 - 1) }]
        var rng = SplitMix64(state: 0x5EED)
        for _ in 0..<16 { samples.append(randomGenotype(&rng)) }
        for g in samples {
            let c = canonicalize(g)
            let s = canonical(c)
            let back: [Int32]
            do { back = try loaded.parse(s) } catch {
                throw HwnasError("\(source): space \(name) cannot parse its own string '\(s)': \(error)")
            }
            guard canonicalize(back) == c else {
                throw HwnasError("\(source): space \(name): '\(s)' parses back to a different genotype (\(back) for \(c)); choice names must be unique and free of the separator")
            }
        }
    }
}

extension CSearchSpace {
    public convenience init(_ space: SearchSpace) { self.init(name: space.name, dimNames: space.dimNames, choices: space.choices) }
}
