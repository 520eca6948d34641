// Options of the `command` evaluator (from --evaluator-option k=v and --parallel).
import Foundation
import HwnasPluginSupport

struct CommandConfig: Sendable {
    let commandText: String
    let argv: [String]
    /// Candidates evaluated at once (the host's --parallel).
    let parallel: Int
    /// Worker processes; default one per parallel slot. A worker may accept
    /// several requests at once (hello max_in_flight), e.g. the Ray bridge.
    let workers: Int
    let timeout: Double          // seconds per evaluation, 0 = none
    let startupTimeout: Double   // seconds for spawn + hello
    let shutdownGrace: Double    // seconds between stdin EOF and SIGTERM
    let metric: String
    let extraMetrics: [String]
    let stderr: StderrTarget
    let space: SearchSpaceView

    var metricNames: [String] { [metric] + extraMetrics }

    /// `argv`: the program to run when the caller built it (the `supernet`
    /// evaluator); otherwise it comes from option `command`.
    init(options o: PluginOptions, space: SearchSpaceView, argv given: [String]? = nil) throws {
        if let given {
            commandText = given.joined(separator: " ")
            argv = given
        } else {
            commandText = try o.require("command")
            argv = try CommandLineSplitter.argv(for: commandText)
        }
        parallel = try o.int("parallel", default: 1)
        guard parallel >= 1 else { throw PluginError("option 'parallel' must be at least 1") }
        workers = try o.int("workers", default: parallel)
        guard workers >= 1 else { throw PluginError("option 'workers' must be at least 1") }
        timeout = try o.double("timeout", default: 0)
        startupTimeout = try o.double("startup_timeout", default: 120)
        shutdownGrace = try o.double("shutdown_grace", default: 10)
        guard timeout >= 0, startupTimeout >= 0, shutdownGrace >= 0 else { throw PluginError("timeouts must not be negative") }
        let objective = o["metric"].flatMap { $0.isEmpty ? nil : $0 } ?? "accuracy"
        let extras = (o["extra_metrics"] ?? "").split(separator: ",")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if extras.contains(objective) { throw PluginError("extra metric '\(objective)' repeats the objective") }
        if Set(extras).count != extras.count { throw PluginError("option 'extra_metrics' names a metric twice") }
        metric = objective
        extraMetrics = extras
        switch o["stderr"] ?? "inherit" {
        case "inherit", "": stderr = .inherit
        case "null": stderr = .discard
        case let path: stderr = .file(path)
        }
        self.space = space
    }

    func helloLine(worker: Int) -> String {
        EvaluatorProtocol.helloLine(worker: worker, space: space, metricNames: metricNames)
    }
}

/// Turns the `command` option into argv: plain words and quotes are split
/// like a shell does; anything needing a real shell (pipes, &&, $VAR,
/// redirections, globs) runs under /bin/sh -c.
enum CommandLineSplitter {
    static func argv(for command: String) throws -> [String] {
        if command.contains(where: { "|&;<>()$`*?[]{}~#\n".contains($0) }) { return ["/bin/sh", "-c", command] }
        var words: [String] = [], current = "", inWord = false
        var quote: Character? = nil, escaped = false
        for ch in command {
            if escaped { current.append(ch); escaped = false; inWord = true; continue }
            if let q = quote {
                if ch == q { quote = nil } else if ch == "\\" && q == "\"" { escaped = true } else { current.append(ch) }
                continue
            }
            switch ch {
            case "\\": escaped = true
            case "'", "\"": quote = ch; inWord = true
            case " ", "\t":
                if inWord { words.append(current); current = ""; inWord = false }
            default: current.append(ch); inWord = true
            }
        }
        if quote != nil || escaped { throw PluginError("option 'command' has an unterminated quote or escape: \(command)") }
        if inWord { words.append(current) }
        guard !words.isEmpty else { throw PluginError("option 'command' is empty") }
        return words
    }
}
