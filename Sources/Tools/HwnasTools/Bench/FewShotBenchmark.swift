// `hwnas bench few-shot`: leave one device out of a latency table, learn
// from the others, "measure" N networks of it chosen as `hwnas profile
// sample` chooses them (among the rows the table has for it), fit as
// `hwnas profile fit` does, and score the prediction of every row.
import Foundation
import HwnasCore
import HwnasLUT

public struct FewShotBenchmark {
    public struct Row: Sendable {
        public let device: String
        public let count: Int
        public let seed: UInt64
        public let spearman: Double
        public let within10: Double
        public let mape: Double
        public let looMedian: Double
    }

    public let space: SearchSpace
    public let sourcesPath: String
    public let features: FeatureSetKind?
    public let mix: FewShotMix?

    public init(space: SearchSpace, sourcesPath: String, features: FeatureSetKind? = nil, mix: FewShotMix? = nil) {
        self.space = space; self.sourcesPath = sourcesPath; self.features = features; self.mix = mix
    }

    public func run(devices: [String]? = nil, counts: [Int], seeds: [UInt64], progress: (String) -> Void = { _ in }) throws -> [Row] {
        let everyDevice = FewShotJob(space: space, sourcesPath: sourcesPath, features: features)
        let all = try everyDevice.deviceColumns()
        // Each device's table is fitted once and serves as a source for
        // every other held-out device.
        let fitted = try everyDevice.fitTables(all)
        let reference = everyDevice.reference()
        var rows: [Row] = []
        for device in devices ?? all {
            let job = FewShotJob(space: space, sourcesPath: sourcesPath, exclude: [device], features: features)
            let sources = try job.sources(reference: reference, fitted: fitted)
            let truth = try LutFitJob(space: space, measurements: sourcesPath, column: device).load()
            let index = Dictionary(truth.genotypes.enumerated().map { (space.canonicalize($1), $0) }, uniquingKeysWith: { a, _ in a })
            for count in counts {
                for seed in seeds {
                    // The pool: up to 3,000 of the rows timed on this device.
                    var rng = SplitMix64(state: seed ^ 0xF00D)
                    var order = Array(index.values).sorted()
                    for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
                    let pool = order.prefix(3_000).map { space.canonicalize(truth.genotypes[$0]) }
                    let chosen = sources.select(count: count, pool: pool)
                    let y = chosen.map { truth.latencies[index[$0]!] }
                    let fit = try FewShotFitter.fit(sources: sources, genotypes: chosen, latencies: y,
                                                    mix: mix ?? .default(for: job.features), reference: reference)
                    let predicted = truth.genotypes.map(fit.predict)
                    let m = FitMetrics(predicted: predicted, measured: truth.latencies)
                    rows.append(Row(device: device, count: count, seed: seed, spearman: RankCorrelation.spearman(predicted, truth.latencies),
                                    within10: m.within10 / 100, mape: m.mape / 100, looMedian: fit.looSummary(y).medianRelativeError))
                }
            }
            progress("\(device) done")
        }
        return rows
    }

    /// Markdown: a row per device, a column per N: Spearman mean over seeds
    /// (lowest seed) / share within +-10 %; then the mean over devices.
    public static func markdown(_ rows: [Row]) -> String {
        var devices: [String] = []
        for r in rows where !devices.contains(r.device) { devices.append(r.device) }
        let counts = Array(Set(rows.map(\.count))).sorted()
        func mean(_ x: [Double]) -> Double { x.reduce(0, +) / Double(max(1, x.count)) }
        var out = "| device | " + counts.map { "N = \($0)" }.joined(separator: " | ") + " |\n"
        out += "|---|" + String(repeating: "---|", count: counts.count) + "\n"
        var means = [[Double]](repeating: [], count: counts.count), withins = [[Double]](repeating: [], count: counts.count)
        for d in devices {
            var cells: [String] = []
            for (k, n) in counts.enumerated() {
                let r = rows.filter { $0.device == d && $0.count == n }
                let s = mean(r.map(\.spearman)), w = mean(r.map(\.within10))
                means[k].append(s); withins[k].append(w)
                cells.append(String(format: "%.3f (%.3f) / %.1f %%", s, r.map(\.spearman).min() ?? .nan, 100 * w))
            }
            out += "| \(d) | " + cells.joined(separator: " | ") + " |\n"
        }
        out += "| **mean** | " + counts.indices.map { String(format: "**%.3f / %.1f %%**", mean(means[$0]), 100 * mean(withins[$0])) }
            .joined(separator: " | ") + " |\n"
        return out
    }
}
