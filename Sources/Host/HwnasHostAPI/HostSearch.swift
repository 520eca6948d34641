// hwnas_host_search: the search `hwnas search` runs, configured by a JSON
// object with the command's options as keys; its evaluator a plugin or the
// caller's function (CallbackEvaluator).
import Foundation
import HwnasCore
import HwnasTools

enum HostSearch {
    static let keys = ["space", "space_options", "profile", "constraints", "objectives", "soft", "strategy", "strategy_options",
                       "evaluator", "evaluator_options", "evaluator_name", "evaluator_metrics", "budget", "seed", "parallel",
                       "schedule", "fidelity", "scheduler", "fidelity_budget", "journal", "reuse_journal", "keep_failed", "output", "plot"]

    /// The caller's progress function, called with each event as JSON.
    final class Progress: @unchecked Sendable {
        let function: ProgressFunction
        let data: UnsafeMutableRawPointer?
        let stop: StopFlag
        init(_ function: ProgressFunction, _ data: UnsafeMutableRawPointer?, _ stop: StopFlag) {
            self.function = function; self.data = data; self.stop = stop
        }

        func tell(_ event: SearchEvent) {
            var o: [String: Any]
            switch event {
            case .round(let p):
                o = ["event": "round", "evaluations": p.evaluations, "budget": p.budget, "seconds": p.seconds, "metric": p.metric,
                     "infeasible": p.infeasible, "duplicates": p.duplicates, "failed": p.failed,
                     "best": p.best?.objective ?? NSNull(), "best_arch": p.best?.arch ?? NSNull()]
                if let reward = p.best?.reward { o["best_reward"] = reward }
            case .evaluatorError(let message):
                o = ["event": "evaluator_error", "message": message]
            }
            guard let data = try? JSONSerialization.data(withJSONObject: o, options: [.sortedKeys]) else { return }
            let answer = String(decoding: data, as: UTF8.self).withCString { function(self.data, $0) }
            if answer != 0 { stop.raise() }
        }
    }

    /// The result document (what `hwnas search --output` writes).
    static func run(session: HostSession, json: String, evaluate: EvaluateFunction?, evaluateData: UnsafeMutableRawPointer?,
                    progress: ProgressFunction?, progressData: UnsafeMutableRawPointer?) throws -> Data {
        let c = try ConfigObject(json, what: "search config", known: keys)
        // Every output path is checked before any work, as the command does.
        let output = try c.string("output"), plot = try c.string("plot"), journal = try c.string("journal")
        if let output { try OutputFile.check(output, flag: "output") }
        if let plot {
            guard plot.lowercased().hasSuffix(".svg") else { throw HwnasError("search config: plot \(plot): only SVG is written; give a .svg file name") }
            try OutputFile.check(plot, flag: "plot")
        }
        if let journal { try OutputFile.check(journal, flag: "journal") }

        let stop = StopFlag()
        let parallel = Int(try c.integer("parallel", in: 1...4096) ?? 1)
        let given: CallbackEvaluator?
        let evaluatorID: String
        if let evaluate {
            guard try c.string("evaluator") == nil else {
                throw HwnasError("search config: give 'evaluator' (a plugin id) or an evaluator function, not both")
            }
            guard try c.options("evaluator_options").isEmpty else {
                throw HwnasError("search config: 'evaluator_options' are a plugin's; an evaluator function takes none")
            }
            evaluatorID = try c.string("evaluator_name") ?? "function"
            given = try CallbackEvaluator(name: evaluatorID, metricNames: try c.strings("evaluator_metrics"), function: evaluate,
                                          userData: evaluateData, stop: stop)
        } else {
            guard try c.string("evaluator_name") == nil, try c.strings("evaluator_metrics").isEmpty else {
                throw HwnasError("search config: 'evaluator_name' and 'evaluator_metrics' describe an evaluator function; none was given")
            }
            evaluatorID = try c.required("evaluator")
            given = nil
        }
        let space = try session.space(try c.required("space"), options: try c.options("space_options"))
        let profile = try HardwareProfile.load(try c.required("profile"), home: session.home)
        var config = SearchConfiguration(space: space, profile: profile, strategy: try c.required("strategy"), evaluator: evaluatorID)
        config.constraints = try c.strings("constraints").map(Constraint.init(parsing:))
        config.objectives = try c.strings("objectives").map(Objective.init(parsing:))
        config.softConstraints = try c.strings("soft").map(SoftConstraint.init(parsing:))
        config.strategyOptions = try c.options("strategy_options")
        config.evaluatorOptions = given == nil
            ? SearchConfiguration.evaluatorOptions(try c.options("evaluator_options"), evaluator: evaluatorID, parallel: parallel,
                                                   registry: session.registry)
            : [:]
        config.budget = Int(try c.integer("budget", in: 1...1_000_000_000) ?? 100)
        config.seed = try c.seed("seed") ?? 1
        config.parallel = parallel
        config.schedule = try c.choice("schedule", of: SearchSchedule.self) ?? .rounds
        config.fidelity = try c.string("fidelity").map(FidelitySpec.init(parsing:))
        let scheduler = try c.choice("scheduler", of: FidelityScheduler.self)
        config.scheduler = scheduler ?? .asha
        if let budget = try c.number("fidelity_budget") {
            guard budget > 0, budget.isFinite else { throw HwnasError("search config: 'fidelity_budget' must be a positive number") }
            config.fidelityBudget = budget
        }
        guard config.fidelity != nil || (scheduler == nil && config.fidelityBudget == nil) else {
            throw HwnasError("search config: 'scheduler' and 'fidelity_budget' need 'fidelity' (NAME=MIN:MAX:ETA)")
        }
        config.journalPath = journal
        config.reuseJournal = try c.bool("reuse_journal")
        config.keepFailed = try c.bool("keep_failed")
        config.shouldStop = { stop.isRaised }
        if let progress {
            let sink = Progress(progress, progressData, stop)
            config.onEvent = { sink.tell($0) }
        }
        let runner = try SearchRunner(config: config, registry: session.registry, evaluator: given)
        var result = try runner.run()
        result.pareto = try SearchFigures.pareto(result: result, objectives: config.objectives, constraints: config.constraints)
        if let output { try result.write(to: output, flag: "output") }
        if let plot { try SearchFigures.plot(result: result, config: config, path: plot) }
        return try result.jsonData()
    }
}
