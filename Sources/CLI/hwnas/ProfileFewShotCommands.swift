// `hwnas profile sample` and `hwnas profile fit`: a latency profile for a
// device hwnas cannot run on, from a few networks timed with the user's own
// tools, learning from the devices a sources file already has
// (docs/new-device.md).
import ArgumentParser
import Foundation
import HwnasCore
import HwnasLUT
import HwnasTools
import HwnasTabular

extension ProfileCommand {
    /// What both subcommands take.
    struct FewShotOptions: ParsableArguments {
        @Option(help: "Search space: a name in search-spaces/, a .yaml path, or a space plugin id.") var space: String
        @Option(help: "CSV of other devices' latencies: an arch column (or one per dim) and one *_ms column per device, e.g. ../shared/benchmarks/nb201/nb201_hw.csv.")
        var sources: String
        @Option(help: "Comma-separated source columns to leave out (e.g. the device itself, when the file has it).") var exclude: String?
        @Option(help: "Feature set of the tables: additive or nb201-live (default: the space file's lut_features, else additive).") var features: String?
        @OptionGroup var paths: PluginPathOptions

        func job() throws -> FewShotJob {
            let s = try SpaceCatalog.load(space, registry: paths.registry())
            let kind = try features.map(FeatureSetKind.init(named:))
            let excluded = Set((exclude ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
            return FewShotJob(space: s, sourcesPath: sources, exclude: excluded, features: kind)
        }
    }

    struct Sample: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Choose the networks most worth timing on a new device (for `hwnas profile fit`).",
            discussion: """
            Greedy D-optimal design over the source devices' predicted latencies: the N networks spread
            over the directions in which devices differ. One arch per line; time each with your own tools
            and write arch,latency_ms rows, e.g.
              hwnas profile sample --space nb201 --sources ../shared/benchmarks/nb201/nb201_hw.csv --count 10 --out archs.txt
            """)
        @OptionGroup var options: FewShotOptions
        @Option(help: "Networks to choose.") var count = 10
        @Option(help: "Seed of the candidate pool.") var seed: UInt64 = 1
        @Option(help: "Write the archs here (one per line) instead of stdout.") var out: String?
        @Option(help: "Also export each chosen network into this folder (net-01.onnx, ...), to time on the device.") var exportDir: String?
        @Option(help: "Format of --export-dir: onnx (float32, BN folded) or tflite (int8).") var format: ExportFormat = .onnx

        func validate() throws {
            guard (2...10_000).contains(count) else { throw ValidationError("--count must be in 2...10000, got \(count)") }
        }

        func run() throws {
            try reportingErrors {
                if let out { try OutputFile.check(out, flag: "--out") }
                let job = try options.job()
                let sources = try job.sources(reference: job.reference())
                let chosen = sources.select(count: count, pool: job.pool(seed: seed))
                let archs = chosen.map(job.space.canonical)
                let text = archs.joined(separator: "\n") + "\n"
                if let exportDir {
                    var isDir: ObjCBool = false
                    guard FileManager.default.fileExists(atPath: exportDir, isDirectory: &isDir), isDir.boolValue else {
                        throw HwnasError("--export-dir \(exportDir): no such folder")
                    }
                    let registry = options.paths.registry()
                    let files = chosen.indices.map { String(format: "net-%02d.%@", $0 + 1, format.rawValue) }
                    for (g, (file, arch)) in zip(chosen, zip(files, archs)) {
                        let net = try NetworkExport.network(g, space: job.space, registry: registry)
                        let data = try NetworkExport().data(net, format: format, name: job.space.name, about: ["space": job.space.name, "arch": arch])
                        try OutputFile.write(data, to: (exportDir as NSString).appendingPathComponent(file), flag: "--export-dir")
                    }
                    try OutputFile.write(CSVTable.line(["file", "arch"]) + zip(files, archs).map { CSVTable.line([$0, $1]) }.joined(),
                                         to: (exportDir as NSString).appendingPathComponent("networks.csv"), flag: "--export-dir")
                    print("exported \(chosen.count) networks to \(exportDir) (networks.csv maps files to archs)")
                }
                if let out {
                    try OutputFile.write(text, to: out, flag: "--out")
                    print("wrote \(chosen.count) architectures to \(out) (learnt from \(sources.names.joined(separator: ", ")))")
                } else {
                    print(text, terminator: "")
                }
            }
        }
    }

    struct Fit: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fit a latency profile for a new device from a few measured networks.",
            discussion: """
            --measured is a CSV with an arch column and a latency column (latency_ms by default): the networks
            `hwnas profile sample` chose, timed on the device with any runtime. Writes a profile (.yaml) and
            its table (<stem>.csv), and prints the fit's own leave-one-out error on the measured networks, e.g.
              hwnas profile fit --space nb201 --sources ../shared/benchmarks/nb201/nb201_hw.csv --measured m.csv --out my-npu.yaml
            """)
        @OptionGroup var options: FewShotOptions
        @Option(help: "CSV of the timed networks: arch and the latency column.") var measured: String
        @Option(help: "The latency column of --measured.") var column = "latency_ms"
        @Option(help: "Output profile (.yaml); its table goes next to it as <stem>.csv.") var out: String
        @Option(help: "Profile name (default: the file's stem).") var name: String?
        @Option(help: "How sources combine: nnls-counts or ridge (default: nnls-counts for nb201-live tables, else ridge).") var mix: String?

        func run() throws {
            try reportingErrors {
                try OutputFile.check(out, flag: "--out")
                let job = try options.job()
                let m = try mix.map(FewShotMix.init(named:)) ?? .default(for: job.features)
                let (genotypes, latencies, skipped) = try LutFitJob(space: job.space, measurements: measured, column: column).load()
                if skipped > 0 { throw HwnasError("\(measured): \(skipped) row(s) have no positive '\(column)' value; remove them or time them") }
                guard Set(genotypes.map(job.space.canonicalize)).count == genotypes.count else {
                    throw HwnasError("\(measured): an architecture is listed twice (give each network once, e.g. its median time)")
                }
                let reference = job.reference()
                let sources = try job.sources(reference: reference)
                let fit = try FewShotFitter.fit(sources: sources, genotypes: genotypes, latencies: latencies, mix: m, reference: reference)
                let loo = fit.looSummary(latencies)
                try job.write(fit, sources: sources, measured: measured, count: genotypes.count, looMedian: loo.medianRelativeError,
                              looWithin10: loo.within10, to: out, name: name)
                print(String(format: "%@: fitted on %d networks from %d source devices (%@); leave-one-out on the measured networks: median error %.1f%%, %.0f%% within +-10%%",
                             job.space.name, genotypes.count, sources.names.count, m.rawValue, 100 * loo.medianRelativeError, 100 * loo.within10))
                print("wrote \(out)")
            }
        }
    }
}
