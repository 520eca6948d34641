// The evaluator flags shared by `search` and `correlate`: which evaluator,
// its KEY=VALUE options, and how many candidates it may score at once.
import ArgumentParser
import HwnasCore

struct EvaluatorOptions: ParsableArguments {
    @Option(help: "Evaluator plugin id (naswot, table, command, ...).")
    var evaluator = SearchDefaults.evaluator
    @Option(name: .customLong("evaluator-option"), help: "Evaluator option KEY=VALUE (repeatable).")
    var evaluatorOptions: [String] = []
    @Option(help: "Candidates evaluated at once (passed to the evaluator as option parallel).")
    var parallel = 1

    /// The evaluator's options: the user's, the defaults it needs, and
    /// `parallel` unless the user set that option directly.
    func resolved() throws -> [String: String] {
        guard parallel >= 1 else { throw HwnasError("--parallel must be at least 1") }
        var o = try SearchDefaults.evaluatorOptions(evaluator, try keyValues(evaluatorOptions, flag: "--evaluator-option"))
        if parallel > 1 && o["parallel"] == nil { o["parallel"] = String(parallel) }
        return o
    }
}
