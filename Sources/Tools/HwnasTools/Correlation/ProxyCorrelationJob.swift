// How well does an evaluator rank architectures? Samples architectures from a
// benchmark table with real trained accuracies, scores them with an evaluator
// plugin (through the ABI, like a search does) and with the trivial proxies
// params and MACs, and reports Spearman and Kendall rank correlations per
// accuracy column.
import HwnasCore
import Foundation
import HwnasOps
import HwnasTabular

public struct ProxyCorrelationJob: Sendable {
    public var tablePath: String
    public var keyColumn = "arch"
    public var accuracyColumns: [String]
    public var sample: Int
    public var seed: UInt64 = 1
    public var evaluator: String
    public var evaluatorOptions: [String: String] = [:]
    /// Candidates per evaluator call: large enough for the evaluator's own
    /// parallelism, small enough for steady progress lines.
    public var batchSize = 32

    public init(tablePath: String, accuracyColumns: [String], sample: Int, evaluator: String) {
        self.tablePath = tablePath
        self.accuracyColumns = accuracyColumns
        self.sample = sample
        self.evaluator = evaluator
    }

    public func run(space: SearchSpace, registry: PluginRegistry,
                    progress: ((_ done: Int, _ total: Int, _ seconds: Double) -> Void)? = nil) throws -> ProxyCorrelationReport {
        guard sample >= 3 else { throw HwnasError("--sample must be at least 3") }
        let table = try CSVTable.read(tablePath)
        let keyIndex = try table.column(keyColumn)
        let keys = table.rows.map { $0[keyIndex] }
        let accuracy = try accuracyColumns.map { try table.numericColumn($0) }
        let rows = Self.sampleRows(count: table.rows.count, take: sample, seed: seed)
        let genotypes = try rows.map { r -> [Int32] in
            do { return try space.parse(keys[r]) } catch {
                throw HwnasError("\(tablePath):\(r + 2): '\(keys[r])' is not an architecture of space \(space.name): \(error)")
            }
        }

        let factory = try NetworkFactory(space: space, registry: registry)
        let (ed, lib) = try registry.lookup(.evaluator, evaluator)
        let loaded = try LoadedEvaluator(ed, library: lib, space: CSearchSpace(space), options: evaluatorOptions)
        var scores: [Double] = [], params: [Double] = [], macs: [Double] = []
        scores.reserveCapacity(rows.count)
        let start = Date()
        for lo in stride(from: 0, to: genotypes.count, by: max(1, batchSize)) {
            let chunk = Array(genotypes[lo..<min(genotypes.count, lo + max(1, batchSize))])
            let nets = try chunk.map { try factory.build($0) }
            let outcomes = try CandidateBatch(space: space, genotypes: chunk, networks: nets).with(minor: ed.abiMinor) {
                try loaded.evaluate($0, onResult: nil)
            }
            scores += outcomes.map { $0.ok ? $0.metrics[0] : .nan }
            // The batch's networks give the trivial proxies too.
            for n in nets.map(\.network) { params.append(Double(n.params)); macs.append(Double(n.macs)) }
            progress?(scores.count, genotypes.count, Date().timeIntervalSince(start))
        }
        let evalSeconds = Date().timeIntervalSince(start)

        let proxies: [(String, [Double])] = [
            (loaded.metricNames[0], scores),
            ("params", params),
            ("macs", macs),
        ]
        // Only architectures every proxy scored and every column knows.
        let keep = rows.indices.filter { i in
            proxies.allSatisfy { $0.1[i].isFinite } && accuracy.allSatisfy { $0[rows[i]].isFinite }
        }
        guard keep.count >= 3 else {
            throw HwnasError("only \(keep.count) of \(rows.count) sampled architectures have a score and all accuracies")
        }
        let acc = accuracy.map { col in keep.map { col[rows[$0]] } }
        let results = proxies.map { name, values -> ProxyCorrelationReport.Proxy in
            let v = keep.map { values[$0] }
            return .init(name: name,
                         spearman: acc.map { RankCorrelation.spearman(v, $0) },
                         kendall: acc.map { RankCorrelation.kendallTauB(v, $0) })
        }
        let points = keep.map { i in
            ProxyCorrelationReport.Point(arch: keys[rows[i]], proxies: proxies.map { $0.1[i] },
                                         accuracies: accuracy.map { $0[rows[i]] })
        }
        return ProxyCorrelationReport(
            table: tablePath, evaluator: ed.id, sampled: rows.count, scored: keep.count, seed: seed,
            columns: accuracyColumns, proxies: results, evaluatorSeconds: evalSeconds, points: points)
    }

    /// `take` distinct row indices, in a seeded random order (partial Fisher-Yates).
    static func sampleRows(count: Int, take: Int, seed: UInt64) -> [Int] {
        var idx = Array(0..<count)
        var rng = SplitMix64(state: seed ^ 0xC0BB)
        let k = min(take, count)
        for i in 0..<k { idx.swapAt(i, i + rng.below(count - i)) }
        return Array(idx[..<k])
    }
}
