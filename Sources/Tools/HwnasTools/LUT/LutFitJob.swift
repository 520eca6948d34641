// `hwnas lut fit`: reads end-to-end measurements (one row per architecture,
// genotype given either as one column per dimension or as an `arch` string
// in the space's canonical format), fits a lookup table and writes a hardware
// profile plus its table CSV. docs/lut-format.md describes the files.
import HwnasCore
import Foundation
import HwnasLUT
import HwnasTabular

public struct LutFitJob {
    public let space: SearchSpace
    public let measurements: String
    public let column: String
    public let features: FeatureSetKind
    public let holdout: Double
    public let seed: UInt64
    public let weighting: LutWeighting

    public init(space: SearchSpace, measurements: String, column: String, features: FeatureSetKind? = nil,
                holdout: Double = 0.2, seed: UInt64 = 0, weighting: LutWeighting = .relative) {
        self.space = space; self.measurements = measurements; self.column = column
        self.features = features ?? Self.defaultFeatures(space: space)
        self.holdout = holdout; self.seed = seed; self.weighting = weighting
    }

    /// The space file's lut_features (nb201's cells are DAGs whose dead
    /// edges deployed models drop: its file asks for the structure-aware
    /// set); otherwise the additive per-layer table.
    public static func defaultFeatures(space: SearchSpace) -> FeatureSetKind {
        space.lutFeatures.flatMap(FeatureSetKind.init(rawValue:)) ?? .additive
    }

    /// The latency columns (names ending in _ms) of a measurements file.
    public static func latencyColumns(of path: String) throws -> [String] {
        let header = try String(contentsOfFile: path, encoding: .utf8).split(whereSeparator: \.isNewline).first ?? ""
        return header.split(separator: ",").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { $0.hasSuffix("_ms") }
    }

    /// A written profile's name stem and its table's file name and path (<stem>.csv beside it).
    public static func tableFile(forProfile profilePath: String) -> (stem: String, name: String, path: String) {
        let url = URL(fileURLWithPath: profilePath)
        let stem = url.deletingPathExtension().lastPathComponent
        return (stem, "\(stem).csv", url.deletingLastPathComponent().appendingPathComponent("\(stem).csv").path)
    }

    /// Genotypes and latencies of the rows with a positive value in `column`.
    public func load() throws -> (genotypes: [[Int32]], latencies: [Double], skipped: Int) {
        let t = try CSVTable.read(measurements)
        let vc = try t.column(column)
        let dimCols = space.dimNames.map { t.header.firstIndex(of: $0) }
        let archCol = t.header.firstIndex(of: "arch")
        guard dimCols.allSatisfy({ $0 != nil }) || archCol != nil else {
            throw HwnasError("\(measurements): needs an 'arch' column or one column per dimension (\(space.dimNames.prefix(3).joined(separator: ", ")), ...)")
        }
        var gs: [[Int32]] = [], ys: [Double] = [], skipped = 0
        for (i, row) in t.rows.enumerated() {
            guard let y = Double(row[vc]), y > 0, y.isFinite else { skipped += 1; continue }
            let g: [Int32]
            do {
                if dimCols.allSatisfy({ $0 != nil }) {
                    g = try dimCols.enumerated().map { d, c in
                        guard let v = space.choices[d].firstIndex(of: row[c!]) else {
                            throw HwnasError("'\(row[c!])' is not a choice of \(space.dimNames[d])")
                        }
                        return Int32(v)
                    }
                } else {
                    g = try space.parse(row[archCol!])
                }
            } catch { throw HwnasError("\(measurements):\(i + 2): \(error)") }
            gs.append(g); ys.append(y)
        }
        if gs.isEmpty { throw HwnasError("\(measurements): column '\(column)' has no positive values") }
        return (gs, ys, skipped)
    }

    public func run() throws -> (result: LutFitResult, rows: Int, skipped: Int) {
        let (gs, ys, skipped) = try load()
        let f = try GenotypeFeatures(kind: features, dimNames: space.dimNames, choiceNames: space.choices)
        return (try LutFitter.fit(features: f, genotypes: gs, latencies: ys, holdout: holdout, seed: seed, weighting: weighting),
                gs.count, skipped)
    }

    /// Writes PROFILE (.yaml) and its table next to it (<stem>.csv). The
    /// shipped table is the one fitted on all rows; the held-out metrics in
    /// the provenance are those of the training-only fit.
    public func write(_ fit: LutFitResult, rows: Int, to profilePath: String, name: String? = nil) throws {
        let (stem, csvName, csvPath) = Self.tableFile(forProfile: profilePath)
        let additive = features == .additive
        try OutputFile.write(additive ? fit.fullTable.layerTableCSV : fit.fullTable.csv, to: csvPath, flag: "--out")
        let h = fit.holdout
        let iso = ISO8601DateFormatter().string(from: Date())
        var y = """
        # Written by `hwnas lut fit`; see docs/lut-format.md.
        name: \(name ?? stem)
        description: "\(space.name) latency fitted from \((measurements as NSString).lastPathComponent) [\(column)]"
        provenance:
          tool: hwnas lut fit
          date: "\(iso)"
          space: \(space.name)
          measurements: "\(measurements)"
          column: \(column)
          features: \(features.rawValue)
          weighting: \(weighting.rawValue)
          rows: \(rows)
          holdout_share: \(holdout)
          seed: \(seed)
          rank: \(fit.rank)
          train_mape_pct: \(String(format: "%.3f", fit.train.mape))

        """
        if let h {
            y += """
              holdout_mape_pct: \(String(format: "%.3f", h.mape))
              holdout_within10_pct: \(String(format: "%.2f", h.within10))
              holdout_within5_pct: \(String(format: "%.2f", h.within5))

            """
        }
        y += """
        latency:
          model: \(additive ? "layer-table" : "lut-features")
          file: \(csvName)
          metric: latency_ms

        """
        if !additive { y += "  features: \(features.rawValue)\n" }
        try OutputFile.write(y, to: profilePath, flag: "--out")
    }
}
