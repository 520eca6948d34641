// `hwnas correlate`: how well an evaluator (e.g. the training-free meco
// proxy) ranks architectures against real trained accuracies, next to the
// trivial proxies params and MACs.
import ArgumentParser
import Foundation
import HwnasCore
import HwnasTools

struct CorrelateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "correlate",
        abstract: "Rank correlation (Spearman, Kendall) of an evaluator's score with benchmark accuracies.",
        discussion: """
        Samples architectures from a table with trained accuracies (by default
        ../shared/benchmarks/nb201/nb201_hw.csv), scores them with the evaluator
        and with params and MACs, and prints a Markdown table.
        Example:
          hwnas correlate --evaluator meco --sample 1000 --seed 1 --parallel 2 --csv meco.csv
        """)

    @OptionGroup var eval: EvaluatorOptions
    @Option(help: "Search space of the table's architectures.")
    var space = SearchDefaults.space
    @Option(name: .customLong("space-option"), help: "Option KEY=VALUE for the space's plugin (repeatable).")
    var spaceOptions: [String] = []
    @Option(help: "CSV with an architecture column and accuracy columns.")
    var table: String?
    @Option(help: "Architecture column of the table.")
    var key = "arch"
    @Option(help: "Comma-separated accuracy columns.")
    var columns = "cifar10_acc,cifar100_acc,imagenet16_acc"
    @Option(help: "Architectures to sample (without replacement).")
    var sample = 1000
    @Option(help: "Sampling seed.")
    var seed: UInt64 = 1
    @Option(help: "Write one row per scored architecture here.")
    var csv: String?
    @Flag(help: "No progress lines.")
    var quiet = false
    @OptionGroup var paths: PluginPathOptions

    func run() throws {
        let report = try reportingErrors { () -> ProxyCorrelationReport in
            guard let path = table ?? SearchDefaults.sharedBenchmark(SearchDefaults.accuracyTable) else {
                throw HwnasError("no --table given and ../shared/benchmarks/\(SearchDefaults.accuracyTable) not found")
            }
            if let csv { try OutputFile.check(csv, flag: "--csv") }
            let registry = paths.registry()
            let sp = try SpaceCatalog.load(space, registry: registry, overrides: try keyValues(spaceOptions, flag: "--space-option"))
            var job = ProxyCorrelationJob(tablePath: path, accuracyColumns: columns.split(separator: ",").map(String.init),
                                          sample: sample, evaluator: eval.evaluator)
            job.keyColumn = key
            job.seed = seed
            job.evaluatorOptions = try eval.resolved(registry)
            job.batchSize = max(32, 4 * eval.parallel)
            var last = Date.distantPast
            return try job.run(space: sp, registry: registry) { done, total, seconds in
                guard !quiet, done == total || Date().timeIntervalSince(last) > 5 else { return }
                last = Date()
                FileHandle.standardError.write(Data(String(format: "[%5d/%d] %.1fs\n", done, total, seconds).utf8))
            }
        }
        print(report.markdown())
        print("\n" + report.summary())
        if let csv {
            try reportingErrors {
                try OutputFile.write(report.csv(), to: csv, flag: "--csv")
            }
            print("points: \(csv)")
        }
    }
}
