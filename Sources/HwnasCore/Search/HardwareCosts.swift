// Prices candidates on one hardware profile: every cost-model section of the
// profile, loaded as plugins, merged into one named-metric row per candidate.
// Results are cached per genotype: strategies screen the same candidates often.
import CHwnasABI
import Foundation

public final class HardwareCosts: @unchecked Sendable {
    public let profile: HardwareProfile
    public let space: SearchSpace
    public let models: [LoadedCostModel]
    public let metricNames: [String]
    public let expander: NetworkExpanding?
    private var columns: [[Int]] = []      // per model: index into metricNames
    private var cache: [[Int32]: [Double]] = [:]
    private let lock = NSLock()

    public init(profile: HardwareProfile, space: CSearchSpace, registry: PluginRegistry, expander: NetworkExpanding?) throws {
        self.profile = profile
        self.space = space.space
        self.expander = expander
        var models: [LoadedCostModel] = []
        for s in profile.sections {
            let (d, lib): (PluginDescriptorInfo, PluginLibrary)
            do { (d, lib) = try registry.lookup(.costModel, s.model) } catch {
                throw HwnasError("\(profile.path): section '\(s.name)': \(error)")
            }
            do { models.append(try LoadedCostModel(d, library: lib, space: space, options: s.options)) } catch {
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
    }

    /// One row of metricNames.count values per genotype (NaN = unknown). A
    /// metric given by several models takes the first finite value.
    public func costs(_ genotypes: [[Int32]]) throws -> [[Double]] {
        lock.lock(); defer { lock.unlock() }
        var out = [[Double]](repeating: [], count: genotypes.count)
        var missing: [Int] = []
        for (i, g) in genotypes.enumerated() {
            if let c = cache[g] { out[i] = c } else { missing.append(i) }
        }
        if !missing.isEmpty {
            var seen = Set<[Int32]>()
            let todo = missing.map { genotypes[$0] }.filter { seen.insert($0).inserted }
            var rows = [[Double]](repeating: Array(repeating: .nan, count: metricNames.count), count: todo.count)
            let chunk = 256   // small enough that expanded networks stay in cache
            for start in stride(from: 0, to: todo.count, by: chunk) {
                let part = Array(todo[start..<min(todo.count, start + chunk)])
                try CandidateBatchBuilder.with(space: space, genotypes: part, expander: expander) { batch in
                    for (m, model) in models.enumerated() {
                        let values = try model.estimate(batch)
                        for (k, row) in values.enumerated() {
                            for (j, v) in row.enumerated() where !rows[start + k][columns[m][j]].isFinite {
                                rows[start + k][columns[m][j]] = v
                            }
                        }
                    }
                }
            }
            for (k, g) in todo.enumerated() { cache[g] = rows[k] }
            for i in missing { out[i] = cache[genotypes[i]]! }
        }
        return out
    }

    public func named(_ row: [Double]) -> [String: Double] {
        Dictionary(uniqueKeysWithValues: zip(metricNames, row).filter { $0.1.isFinite })
    }

    /// Human-readable notes of every model about one candidate.
    public func explain(_ genotype: [Int32]) throws -> [String: String] {
        var notes: [String: String] = [:]
        try CandidateBatchBuilder.with(space: space, genotypes: [genotype], expander: expander) { batch in
            for m in models { if let e = m.explain(batch) { notes[m.descriptor.id] = e } }
        }
        return notes
    }
}
