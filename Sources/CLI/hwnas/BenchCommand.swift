// `hwnas bench`: runs strategies on benchmark tasks through the real plugin
// path and reports regret against each task's enumerated constrained optimum.
import ArgumentParser
import Foundation
import HwnasCore
import HwnasTools
import HwnasLUT

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Benchmarks: strategies' regret, and screening speed.",
        subcommands: [Regret.self, Screening.self, FewShot.self], defaultSubcommand: Regret.self)
}

extension BenchCommand {
struct Regret: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "regret",
        abstract: "Benchmark search strategies on constrained tabular tasks (the default).",
        discussion: """
        Example:
          hwnas bench --tasks bench/nb201-tasks.yaml --strategies random,regularized-evolution,predictor \\
            --seeds 30 --budget 300 --csv bench.csv
        """)

    @Option(help: "YAML task file (see bench/nb201-tasks.yaml).")
    var tasks: String
    @Option(help: "Comma-separated strategy plugin ids.")
    var strategies = "random,regularized-evolution,local-search,predictor"
    @Option(help: "Seeds per task and strategy (seeds 1...N).")
    var seeds = 10
    @Option(help: "Evaluations per run.")
    var budget = 300
    @Option(help: "Comma-separated budgets to report regret at (default: 50,100,200,300 capped at --budget).")
    var at: String?
    @Option(name: .customLong("strategy-option"), help: "STRATEGY:KEY=VALUE passed to one strategy (repeatable).")
    var strategyOptions: [String] = []
    @Option(help: "Write one CSV row per run here.")
    var csv: String?
    @Flag(help: "No per-task progress lines.")
    var quiet = false
    @OptionGroup var paths: PluginPathOptions

    func run() throws {
        try reportingErrors {
            guard seeds >= 1, budget >= 1 else { throw HwnasError("--seeds and --budget must be at least 1") }
            if let csv { try OutputFile.check(csv, flag: "--csv") }
            let budgets = try at.map { s in
                try s.split(separator: ",").map { t -> Int in
                    guard let v = Int(t), v >= 1, v <= budget else { throw HwnasError("--at '\(t)': expected budgets in 1...\(budget)") }
                    return v
                }
            } ?? Array(Set([50, 100, 200, 300].filter { $0 < budget } + [budget])).sorted()
            var perStrategy: [String: [String: String]] = [:]
            for item in strategyOptions {
                guard let colon = item.firstIndex(of: ":"), let eq = item.firstIndex(of: "="), colon < eq else {
                    throw HwnasError("--strategy-option '\(item)': expected STRATEGY:KEY=VALUE")
                }
                perStrategy[String(item[..<colon]), default: [:]][String(item[item.index(after: colon)..<eq])] = String(item[item.index(after: eq)...])
            }
            let list = try BenchTask.load(tasks)
            let ids = strategies.split(separator: ",").map(String.init)
            let registry = paths.registry()
            for id in ids where !registry.ids(of: .strategy).contains(id) {
                throw HwnasError("no strategy plugin '\(id)' (have: \(registry.ids(of: .strategy).joined(separator: ", ")))")
            }
            let bench = BenchRunner(registry: registry)
            // A failing evaluator call is said, as in `hwnas search`.
            bench.onEvent = { event in
                if case .evaluatorError(let why) = event { SearchProgressPrinter.reportEvaluatorError(why) }
            }
            var optima: [String: Double] = [:]
            var runs: [BenchRun] = []
            for task in list {
                let opt = try bench.optimum(task)
                optima[task.name] = opt.value
                if !quiet {
                    FileHandle.standardError.write(Data("\(task.name): optimum \(opt.value) over \(opt.feasibleCount) feasible of \(opt.spaceSize)\n".utf8))
                }
                for id in ids {
                    for seed in 1...seeds {
                        runs.append(try bench.run(task, strategy: id, options: perStrategy[id] ?? [:], seed: UInt64(seed), budget: budget))
                    }
                }
            }
            print("\(list.count) tasks x \(seeds) seeds, budget \(budget); regret in objective points against each task's constrained optimum\n")
            print(BenchReport.markdown(BenchReport.summarize(runs, optima: optima, budgets: budgets)), terminator: "")
            if let csv { try OutputFile.write(BenchReport.csv(runs, optima: optima, budgets: budgets), to: csv, flag: "--csv") }
        }
    }
}
}

extension BenchCommand {
    /// Leave-one-device-out fidelity of `hwnas profile sample` + `profile fit`.
    struct FewShot: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "few-shot",
            abstract: "How well a new device is priced from N timed networks: leave each device of a latency table out.",
            discussion: """
            Example:
              hwnas bench few-shot --space nb201 --sources ../shared/benchmarks/nb201/nb201_hw.csv --counts 10,20 --seeds 3
            """)
        @OptionGroup var options: ProfileCommand.FewShotOptions
        @Option(help: "Comma-separated numbers of measured networks.") var counts = "10"
        @Option(help: "Seeds of the candidate pool per device and N (1...N).") var seeds = 3
        @Option(help: "Comma-separated devices to leave out (default: every *_ms column).") var devices: String?
        @Option(help: "How sources combine: nnls-counts or ridge (default: by feature set).") var mix: String?

        func run() throws {
            try reportingErrors {
                let ns = try counts.split(separator: ",").map { t -> Int in
                    guard let v = Int(t), (3...10_000).contains(v) else { throw HwnasError("--counts '\(t)': expected numbers in 3...10000") }
                    return v
                }
                guard seeds >= 1 else { throw HwnasError("--seeds must be at least 1") }
                let job = try options.job()
                let m = try mix.map(FewShotMix.init(named:))
                let bench = FewShotBenchmark(space: job.space, sourcesPath: job.sourcesPath, features: job.features, mix: m)
                let rows = try bench.run(devices: devices.map { $0.split(separator: ",").map(String.init) }, counts: ns,
                                         seeds: (1...seeds).map(UInt64.init)) { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
                print("\(job.space.name): leave one device out, N networks measured (D-optimal), \(seeds) seed(s); Spearman mean (lowest seed) / share within ±10 %, over all rows of the table\n")
                print(FewShotBenchmark.markdown(rows), terminator: "")
            }
        }
    }
}
