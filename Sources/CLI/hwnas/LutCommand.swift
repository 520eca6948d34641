// `hwnas lut fit`: fit a lookup-table latency model to end-to-end
// measurements by least squares and write it as a hardware profile.
import ArgumentParser
import Foundation
import HwnasCore
import HwnasTools
import HwnasLUT

struct LutCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lut", abstract: "Lookup-table latency models.", subcommands: [Fit.self])

    struct Fit: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fit per-layer block latencies from end-to-end measurements (LAPACK least squares).",
            discussion: """
            Prints MAPE and the share within +-10% / +-5% on a held-out split. --column all fits every
            *_ms column and prints one line per device (with --out, a folder receiving one profile each).
            """)

        @Option(help: "Search space (a name in search-spaces/, a .yaml path or a space plugin id).") var space: String
        @Option(help: "CSV of measurements: genotype columns (or 'arch') and latency columns.") var measurements: String
        @Option(help: "Latency column, e.g. pixel3_ms; 'all' for every *_ms column.") var column: String
        @Option(help: "Output profile (.yaml); its table is written next to it as <stem>.csv.") var out: String?
        @Option(help: "Share of rows held out for evaluation.") var holdout = 0.2
        @Option(help: "Seed of the held-out split.") var seed: UInt64 = 0
        @Option(help: "Feature set: additive or nb201-live (default: nb201-live for nb201 cells, else additive).")
        var features: String?
        @Option(help: "Row weighting: relative (minimise relative error) or none.") var weighting = "relative"
        @OptionGroup var paths: PluginPathOptions

        func run() throws {
            try reportingErrors {
                let s = try SpaceCatalog.load(space, registry: paths.registry())
                let kind = try features.map(FeatureSetKind.init(named:))
                guard let w = LutWeighting(rawValue: weighting) else { throw HwnasError("unknown weighting '\(weighting)' (relative, none)") }
                guard holdout >= 0, holdout < 1 else { throw HwnasError("--holdout must be in [0, 1)") }
                var columns = [column]
                if column == "all" {
                    columns = try LutFitJob.latencyColumns(of: measurements)
                    if let out { try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true) }
                } else if let out {
                    try OutputFile.check(out, flag: "--out")
                }
                for c in columns {
                    let job = LutFitJob(space: s, measurements: measurements, column: c, features: kind,
                                        holdout: holdout, seed: seed, weighting: w)
                    let (fit, rows, skipped) = try job.run()
                    let h = fit.holdout
                    print(String(format: "%@ %@ [%@]: rows %d (skipped %d), features %d (rank %d)  train MAPE %.2f%%  holdout MAPE %@  within10 %@  within5 %@",
                                 s.name, c, job.features.rawValue, rows, skipped, fit.table.features.names.count, fit.rank, fit.train.mape,
                                 h.map { String(format: "%.2f%%", $0.mape) } ?? "-", h.map { String(format: "%.1f%%", $0.within10) } ?? "-",
                                 h.map { String(format: "%.1f%%", $0.within5) } ?? "-"))
                    if let out {
                        let path = column == "all" ? (out as NSString).appendingPathComponent("\(s.name)-\(c).yaml") : out
                        try job.write(fit, rows: rows, to: path)
                        print("wrote \(path)")
                    }
                }
            }
        }
    }
}
