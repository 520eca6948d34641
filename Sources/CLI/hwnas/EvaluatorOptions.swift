// The evaluator flags shared by `search` and `correlate`: which evaluator,
// its KEY=VALUE options, and how many candidates it may score at once.
import ArgumentParser
import HwnasCore

struct EvaluatorOptions: ParsableArguments {
    @Option(help: "Evaluator plugin id (meco, naswot, table, command, ...).")
    var evaluator = SearchDefaults.evaluator
    @Option(name: .customLong("evaluator-option"), help: "Evaluator option KEY=VALUE (repeatable).")
    var evaluatorOptions: [String] = []
    @Option(help: "Candidates evaluated at once (passed to the evaluator as option parallel when it takes one).")
    var parallel = 1

    func validate() throws {
        guard parallel >= 1, parallel <= 4096 else { throw ValidationError("--parallel must be in 1...4096") }
    }

    /// The evaluator's options as given, plus `parallel` where the evaluator
    /// takes it (SearchConfiguration.evaluatorOptions).
    func resolved(_ registry: PluginRegistry) throws -> [String: String] {
        SearchConfiguration.evaluatorOptions(try keyValues(evaluatorOptions, flag: "--evaluator-option"), evaluator: evaluator,
                                             parallel: parallel, registry: registry)
    }
}
