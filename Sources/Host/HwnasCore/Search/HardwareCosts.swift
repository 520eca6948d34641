// Prices candidates on one hardware profile: every cost-model section of the
// profile, loaded as plugins, merged into one named-metric row per candidate.
// Rows are cached per canonical genotype: strategies screen the same
// candidates often. Networks are built per chunk and dropped after it, so
// screening a large space holds only the rows.
import CHwnasABI
import Foundation

public final class HardwareCosts: @unchecked Sendable {
    public let profile: HardwareProfile
    /// nil when pricing networks that come from no space (imported models).
    public let space: SearchSpace?
    public let models: [LoadedCostModel]
    public let metricNames: [String]
    public let networks: NetworkFactory?
    private var columns: [[Int]] = []      // per model: index into metricNames
    private var cache: [GenotypeKey: [Double]] = [:]
    private let lock = NSLock()
    /// Values a cost model returned that no cost can take (negative or
    /// infinite): each was treated as unknown; one line per model and metric.
    public private(set) var warnings: [String] = []
    private var warned = Set<String>()

    public init(profile: HardwareProfile, space: SearchSpace?, cspace: CSearchSpace, registry: PluginRegistry,
                networks: NetworkFactory?) throws {
        self.profile = profile
        self.space = space
        self.networks = networks
        var models: [LoadedCostModel] = []
        for s in profile.sections {
            let (d, lib): (PluginDescriptorInfo, PluginLibrary)
            do { (d, lib) = try registry.lookup(.costModel, s.model) } catch {
                throw HwnasError("\(profile.path): section '\(s.name)': \(error)")
            }
            do { models.append(try LoadedCostModel(d, library: lib, space: cspace, options: s.options)) } catch {
                throw HwnasError("\(profile.path): section '\(s.name)': \(error)")
            }
        }
        self.models = models
        var names: [String] = []
        for m in models {
            columns.append(m.metricNames.map { n in
                if let i = names.firstIndex(of: n) { return i }
                names.append(n); return names.count - 1
            })
        }
        metricNames = names
        try checkInput()
    }

    /// A profile measured for one input (a lookup table) cannot price
    /// networks of another: say so before any search.
    func checkInput() throws {
        guard let want = profile.input, let networks, let space else { return }
        for g in [Array(repeating: Int32(0), count: space.nDims), space.choiceCounts.map { Int32($0 - 1) }] {
            let t = try networks.build(g).tensor(0)
            if t.c != want.channels || t.h != want.height || t.w != want.width {
                throw HwnasError("\(profile.path): profile '\(profile.name)' was made for input \(want.channels)x\(want.height)x\(want.width), but space \(space.name) builds \(t.c)x\(t.h)x\(t.w) networks (e.g. \(space.canonical(g))); measure a profile for this space (hwnas profile cpu --space \(space.name))")
            }
        }
    }

    /// One row of metricNames.count values per valid genotype (NaN =
    /// unknown). A metric given by several models takes the first finite value.
    public func costs(_ genotypes: [[Int32]]) throws -> [[Double]] {
        guard let space else { preconditionFailure("HardwareCosts without a space prices networks only (costs(networks:labels:))") }
        return try costs(canonical: space.canonicalize(genotypes))
    }

    /// The same for genotypes already canonical (no second canonicalize call).
    public func costs(canonical genotypes: [[Int32]]) throws -> [[Double]] {
        let keys = genotypes.map(GenotypeKey.init)
        lock.lock(); defer { lock.unlock() }
        var out = [[Double]](repeating: [], count: keys.count)
        var missing: [Int] = []
        for (i, k) in keys.enumerated() {
            if let c = cache[k] { out[i] = c } else { missing.append(i) }
        }
        if !missing.isEmpty {
            var seen = Set<GenotypeKey>()
            let todo = missing.map { keys[$0] }.filter { seen.insert($0).inserted }
            let chunk = 256   // small enough that built networks stay in cache
            for start in stride(from: 0, to: todo.count, by: chunk) {
                let part = Array(todo[start..<min(todo.count, start + chunk)])
                let rows = try price(part.map(\.values))
                for (k, r) in zip(part, rows) { cache[k] = r }
            }
            for i in missing { out[i] = cache[keys[i]]! }
        }
        return out
    }

    /// Rows of canonical genotypes, uncached.
    func price(_ genotypes: [[Int32]]) throws -> [[Double]] {
        let space = space!
        let nets = try networks.map { f in try genotypes.map { try f.build(canonical: $0) } }
        return try price(CandidateBatch(space: space, genotypes: genotypes, networks: nets)) { space.format(canonical: genotypes[$0]) }
    }

    /// Rows of networks from no space (HardwareCosts made with space nil,
    /// e.g. an imported ONNX model), one per label; uncached.
    public func costs(networks: [CNetwork], labels: [String]) throws -> [[Double]] {
        try price(CandidateBatch(labels: labels, networks: networks)) { labels[$0] }
    }

    /// Rows of a batch; `describe(k)` names candidate k in warnings.
    func price(_ batch: CandidateBatch, describe: (Int) -> String) throws -> [[Double]] {
        var rows = [[Double]](repeating: Array(repeating: .nan, count: metricNames.count), count: batch.count)
        for (m, model) in models.enumerated() {
            let values = try batch.with(minor: model.descriptor.abiMinor) { try model.estimate($0) }
            for (k, row) in values.enumerated() {
                for (j, v) in row.enumerated() where !rows[k][columns[m][j]].isFinite {
                    // NaN means unknown; a negative or infinite cost is a
                    // model's bug, never a candidate's strength.
                    if Self.isImpossibleCost(v) {
                        let key = "\(model.descriptor.id)/\(model.metricNames[j])"
                        if warned.insert(key).inserted {
                            warnings.append("cost model '\(model.descriptor.id)' returned \(model.metricNames[j]) = \(v) for \(describe(k)); such values are treated as unknown (the candidate is infeasible under a constraint on it)")
                        }
                        continue
                    }
                    rows[k][columns[m][j]] = v
                }
            }
        }
        return rows
    }

    /// No cost is negative or infinite (NaN is "unknown", and allowed).
    public static func isImpossibleCost(_ v: Double) -> Bool { v.isInfinite || v < 0 }

    public func named(_ row: [Double]) -> [String: Double] {
        Dictionary(uniqueKeysWithValues: zip(metricNames, row).filter { $0.1.isFinite })
    }
}
