// `hwnas search`: a hardware-constrained architecture search.
import ArgumentParser
import Foundation
import HwnasCore
import HwnasIsolation
import HwnasTools

struct SearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Search for the best architecture that satisfies hardware constraints.",
        discussion: """
        With no --space/--profile/--evaluator: NAS-Bench-201 on the stm32f746 MCU
        profile, scored by the training-free meco evaluator (a rank score, not
        an accuracy), e.g.
          hwnas search --constraint "peak_sram_kb<=320" --constraint "flash_kb<=1024" --parallel 2
        With benchmark accuracies and measured latency:
          hwnas search --space nb201 --profile raspi4 --constraint "latency_ms<=10" \\
            --evaluator table --evaluator-option file=../shared/benchmarks/nb201/nb201_hw.csv \\
            --evaluator-option column=cifar10_acc --strategy regularized-evolution \\
            --budget 200 --seed 1 --output result.json
        """)

    @OptionGroup var space: SpaceOptions
    @Option(help: "Hardware profile name (hardware-profiles/) or a .yaml path.")
    var profile = SearchDefaults.profile
    @Option(help: "Hard constraint METRIC<=X, <, >=, > (repeatable), e.g. latency_ms<=10.")
    var constraint: [String] = []
    @Option(help: "Objective METRIC:max|min (repeatable). Default: maximise the evaluator's metric.")
    var objective: [String] = []
    @Option(help: "Soft constraint METRIC<=TARGET:w=W or :alpha=A,beta=B (repeatable; MnasNet's reward, e.g. latency_ms<=80:w=-0.07): the first objective is told as value x (metric/target)^w.")
    var soft: [String] = []
    @OptionGroup var eval: EvaluatorOptions
    @Option(help: "Strategy plugin id.")
    var strategy = SearchDefaults.strategy
    @Option(name: .customLong("strategy-option"), help: "Strategy option KEY=VALUE (repeatable).")
    var strategyOptions: [String] = []
    @Option(help: "Number of evaluations (evaluator calls).")
    var budget = 100
    @Option(help: "With --parallel N: rounds (ask N, evaluate them in one call, tell, ask again) or async (one evaluator instance per worker; a candidate is asked whenever a worker frees up, results told as they arrive).")
    var schedule: SearchSchedule = .rounds
    @Option(help: "Multi-fidelity: NAME=MIN:MAX:ETA, e.g. epochs=1:27:3 (rungs 1, 3, 9, 27). Each candidate starts at MIN; the scheduler promotes the best 1/ETA of a rung to the next. Needs an evaluator that takes a fidelity (docs/evaluator-protocol.md); runs asynchronously.")
    var fidelity: String?
    @Option(help: "With --fidelity: asha (promote whenever a worker frees up), successive-halving (one bracket at a time, rung by rung) or hyperband (successive-halving brackets starting at ever higher rungs).")
    var scheduler: FidelityScheduler?
    @Option(name: .customLong("fidelity-budget"), help: "With --fidelity: the total fidelity the search may spend (e.g. 600 epochs; a resumed promotion costs the difference).")
    var fidelityBudget: Double?
    @Option(help: "Random seed; the same seed gives the same result.")
    var seed: UInt64 = 1
    @Option(help: "Write the result JSON here.")
    var output: String?
    @Option(help: "Append every evaluation to this JSON-lines file; rerunning with it resumes without re-evaluating.")
    var journal: String?
    @Flag(help: "Replay a journal written for another space, evaluator or profile (refused otherwise).")
    var reuseJournal = false
    @Flag(help: "Replay the journal's failed evaluations as failed instead of trying them again.")
    var keepFailed = false
    @Option(help: "Draw the evaluated points, the Pareto front and the constraint (SVG).")
    var plot: String?
    @Option(name: .customLong("export-best"), help: "Write the best architecture here when the search ends: .onnx (model, batch norm folded, initial weights), .json (its network IR) or .tflite (int8).")
    var exportBest: String?
    @Flag(help: "No progress lines.")
    var quiet = false
    @Option(help: "Seconds a strategy, space or cost-model call may take before the search ends as hung (0: no limit; evaluations are bounded by the evaluator's own timeouts).")
    var pluginTimeout: Double = 300
    @Flag(help: "Run the strategy and the evaluator in a child process: a crashing evaluator call becomes a failed evaluation, a crashing strategy ends the search with its result written.")
    var isolate = false
    @OptionGroup var paths: PluginPathOptions

    func validate() throws {
        guard budget >= 1, budget <= 1_000_000_000 else { throw ValidationError("--budget must be in 1...1000000000, got \(budget)") }
        guard pluginTimeout >= 0, pluginTimeout.isFinite else { throw ValidationError("--plugin-timeout must be a number of seconds >= 0") }
        if fidelity == nil && (scheduler != nil || fidelityBudget != nil) {
            throw ValidationError("--scheduler and --fidelity-budget schedule a multi-fidelity search: give --fidelity NAME=MIN:MAX:ETA too")
        }
        if let fidelityBudget, !(fidelityBudget > 0 && fidelityBudget.isFinite) {
            throw ValidationError("--fidelity-budget must be a positive number, got \(fidelityBudget)")
        }
        if let exportBest, ExportFormat(path: exportBest) == nil {
            throw ValidationError("--export-best \(exportBest): give a .onnx, .json or .tflite file name")
        }
    }

    func run() throws {
        let (result, searched, registry) = try reportingErrors { () -> (SearchResult, SearchSpace, PluginRegistry) in
            // Every output path is checked before any work.
            if let output { try OutputFile.check(output, flag: "--output") }
            if let plot { try OutputFile.check(plot, flag: "--plot") }
            if let journal { try OutputFile.check(journal, flag: "--journal") }
            if let exportBest { try OutputFile.check(exportBest, flag: "--export-best") }
            PluginCall.setSuffix(journal.map { "; every finished evaluation is in the journal \($0): rerun with it to resume" }
                                 ?? "; evaluations so far are lost (give --journal FILE to keep them)")
            PluginCall.startWatchdog(seconds: pluginTimeout)
            let registry = paths.registry()
            var config = SearchConfiguration(space: try space.load(registry), profile: try HardwareProfile.load(profile),
                                             strategy: strategy, evaluator: eval.evaluator)
            config.constraints = try constraint.map(Constraint.init(parsing:))
            config.objectives = try objective.map(Objective.init(parsing:))
            config.softConstraints = try soft.map(SoftConstraint.init(parsing:))
            config.evaluator = eval.evaluator
            config.evaluatorOptions = try eval.resolved(registry)
            config.strategy = strategy
            config.strategyOptions = try keyValues(strategyOptions, flag: "--strategy-option")
            config.budget = budget
            config.seed = seed
            config.parallel = eval.parallel
            config.schedule = schedule
            config.fidelity = try fidelity.map(FidelitySpec.init(parsing:))
            config.scheduler = scheduler ?? .asha
            config.fidelityBudget = fidelityBudget
            config.journalPath = journal
            config.reuseJournal = reuseJournal
            config.keepFailed = keepFailed
            if isolate { config.runner = IsolatedRunner(executable: URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path) }
            let printer = SearchProgressPrinter(config: config, showProgress: !quiet)
            config.onEvent = { printer.handle($0) }
            let runner = try SearchRunner(config: config, registry: registry)
            if !quiet {
                let cs = config.constraints.isEmpty ? "no constraints" : config.constraints.map(\.description).joined(separator: ", ")
                FileHandle.standardError.write(Data(("hwnas search: space \(config.space.name), profile \(config.profile.name) (\(config.profile.path)), \(cs); "
                    + "strategy \(strategy), evaluator \(eval.evaluator), budget \(budget), seed \(seed)"
                    + (schedule == .async && eval.parallel > 1 ? ", \(eval.parallel) asynchronous workers" : "") + "\n").utf8))
                if let note = SearchDefaults.evaluatorNote(evaluator: eval.evaluator, space: config.space.name,
                                                           chosen: commandLineGives("--evaluator")) {
                    FileHandle.standardError.write(Data((note + "\n").utf8))
                }
            }
            var r = try runner.run()
            printer.finish()
            r.pareto = try SearchFigures.pareto(result: r, objectives: config.objectives, constraints: config.constraints)
            if let output { try r.write(to: output) }
            if let plot { try SearchFigures.plot(result: r, config: config, path: plot) }
            return (r, config.space, registry)
        }
        SearchOutputs.printSummary(result, output: output, plot: plot)
        try exportBestArchitecture(result, space: searched, registry: registry)
        if !result.feasible { throw ExitCode(2) }
    }

    /// After the result is written: an export that fails loses nothing.
    func exportBestArchitecture(_ result: SearchResult, space: SearchSpace, registry: PluginRegistry) throws {
        guard let exportBest, let format = ExportFormat(path: exportBest) else { return }
        guard let best = result.best else {
            print("export: nothing to export (no feasible architecture was evaluated successfully)")
            return
        }
        try reportingErrors {
            let g = space.canonicalize(best.genotype)
            let net = try NetworkExport.network(g, space: space, registry: registry)
            let data = try NetworkExport().data(net, format: format, name: space.name, about: ["space": space.name, "arch": space.canonical(g)])
            try OutputFile.write(data, to: exportBest, flag: "--export-best")
            print("export: \(exportBest) (\(format.rawValue))")
        }
    }
}

extension SearchSchedule: ExpressibleByArgument {}
extension FidelityScheduler: ExpressibleByArgument {}
