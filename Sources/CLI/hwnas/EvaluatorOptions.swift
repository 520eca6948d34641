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

    /// The evaluator's options as given, plus `parallel` when the evaluator
    /// declares that option (or declares none, as a 1.0 plugin) and the user
    /// did not set it directly. Nothing else is filled in: the plugin's
    /// declared defaults apply, and the host checks every key.
    func resolved(_ registry: PluginRegistry) throws -> [String: String] {
        var o = try keyValues(evaluatorOptions, flag: "--evaluator-option")
        if parallel > 1 && o["parallel"] == nil {
            let declared = (try? registry.lookup(.evaluator, evaluator))?.0.options
            if declared == nil || declared!.contains(where: { $0.key == "parallel" }) { o["parallel"] = String(parallel) }
        }
        return o
    }
}
