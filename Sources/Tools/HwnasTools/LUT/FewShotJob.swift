// `hwnas profile sample|fit` and `hwnas bench few-shot`: the source devices
// read from a CSV of measured latencies (one *_ms column per device, rows
// by arch or by dim columns, e.g. ../shared/benchmarks/nb201/nb201_hw.csv),
// the networks to measure, the fitted profile.
import Foundation
import HwnasCore
import HwnasLUT

public struct FewShotJob {
    public let space: SearchSpace
    public let features: FeatureSetKind
    public let sourcesPath: String
    /// Source columns left out (the device being fitted, when it is in the file).
    public let exclude: Set<String>

    public init(space: SearchSpace, sourcesPath: String, exclude: Set<String> = [], features: FeatureSetKind? = nil) {
        self.space = space; self.sourcesPath = sourcesPath; self.exclude = exclude
        self.features = features ?? LutFitJob.defaultFeatures(space: space)
    }

    /// The device columns of the sources file.
    public func deviceColumns() throws -> [String] {
        let all = try LutFitJob.latencyColumns(of: sourcesPath)
        if let unknown = exclude.first(where: { !all.contains($0) }) {
            throw HwnasError("--exclude \(unknown): \(sourcesPath) has no such column (its devices: \(all.joined(separator: ", ")))")
        }
        return all
    }

    /// Networks the sources are standardised over: the whole space up to
    /// 20,000, else 5,000 drawn with a fixed seed.
    public func reference() -> [[Int32]] {
        if space.size <= 20_000 { return (0..<Int(space.size)).map(space.genotype(at:)) }
        var rng = SplitMix64(state: 0x5EED)
        return (0..<5_000).map { _ in space.randomGenotype(&rng) }
    }

    /// Up to `count` distinct random networks (canonical), seeded.
    public func pool(count: Int = 3_000, seed: UInt64) -> [[Int32]] {
        var rng = SplitMix64(state: seed ^ 0xF00D)
        var seen = Set<[Int32]>(), out: [[Int32]] = []
        var tries = 0
        while out.count < min(count, Int(min(space.size, 1e9))), tries < 20 * count {
            tries += 1
            let g = space.canonicalize(space.randomGenotype(&rng))
            if seen.insert(g).inserted { out.append(g) }
        }
        return out
    }

    /// One additive table per device column, fitted on all its rows.
    public func fitTables(_ columns: [String]) throws -> [String: FeatureTable] {
        var tables: [String: FeatureTable] = [:]
        for c in columns {
            tables[c] = try LutFitJob(space: space, measurements: sourcesPath, column: c, features: features, holdout: 0).run().result.fullTable
        }
        return tables
    }

    /// The source devices (every column less --exclude), their tables taken
    /// from `fitted` when given (the benchmark fits each device once), else fitted.
    public func sources(reference: [[Int32]], fitted: [String: FeatureTable]? = nil) throws -> FewShotSources {
        let columns = try deviceColumns().filter { !exclude.contains($0) }
        guard !columns.isEmpty else { throw HwnasError("\(sourcesPath): no source devices left (columns ending in _ms, less --exclude)") }
        let f = try GenotypeFeatures(kind: features, dimNames: space.dimNames, choiceNames: space.choices)
        let tables = try fitted ?? fitTables(columns)
        return try FewShotSources(features: f, names: columns, tables: try columns.map { c in
            guard let t = tables[c] else { throw HwnasError("few-shot: no fitted table for \(c)") }
            return t
        }, reference: reference)
    }

    /// Writes PROFILE (.yaml) and its table (<stem>.csv) next to it.
    public func write(_ fit: FewShotFit, sources: FewShotSources, measured: String, count: Int, looMedian: Double, looWithin10: Double,
                      to profilePath: String, name: String?) throws {
        let (stem, csvName, csvPath) = LutFitJob.tableFile(forProfile: profilePath)
        try OutputFile.write(fit.table.csv, to: csvPath, flag: "--out")
        let weights = zip(sources.names, fit.sourceWeights).map { "\($0): \(String(format: "%.4g", $1))" }.joined(separator: ", ")
        let y = """
        # Written by `hwnas profile fit` (docs/new-device.md): the devices of the
        # sources file as a prior, adapted to \(count) measured networks.
        name: \(name ?? stem)
        description: "\(space.name) latency fitted from \(count) measurements (\((measured as NSString).lastPathComponent)) and \(sources.names.count) source devices"
        provenance:
          tool: hwnas profile fit
          date: "\(ISO8601DateFormatter().string(from: Date()))"
          space: \(space.name)
          measured: "\(measured)"
          measured_networks: \(count)
          sources: "\(sourcesPath)"
          source_devices: "\(sources.names.joined(separator: ", "))"
          source_weights: "\(weights)"
          mix: \(fit.mix.rawValue)
          features: \(features.rawValue)
          loo_median_error_pct: \(String(format: "%.2f", 100 * looMedian))
          loo_within10_pct: \(String(format: "%.1f", 100 * looWithin10))
        latency:
          model: lut-features
          file: \(csvName)
          features: \(features.rawValue)
          metric: latency_ms
          floor: \(fit.floor)

        """
        try OutputFile.write(y, to: profilePath, flag: "--out")
    }
}
