// `hwnas search`'s stderr lines from the search's events: a progress line at
// most every 2 s (and a last one at the end), an evaluator call's error once.
import Foundation
import HwnasCore

final class SearchProgressPrinter: @unchecked Sendable {
    private let constraints: [Constraint]
    private let showProgress: Bool
    private let lock = NSLock()
    private var lastTime = Date.distantPast
    private var lastPrinted = -1
    private var latest: SearchProgress?

    init(config: SearchConfiguration, showProgress: Bool) {
        constraints = config.constraints
        self.showProgress = showProgress
    }

    func handle(_ event: SearchEvent) {
        lock.lock(); defer { lock.unlock() }
        switch event {
        case .evaluatorError(let why):
            Self.reportEvaluatorError(why)
        case .round(let p):
            latest = p
            if Date().timeIntervalSince(lastTime) > 2 { print(p) }
        }
    }

    /// A failed evaluator call, once per distinct error (`hwnas search`, `hwnas bench`).
    static func reportEvaluatorError(_ why: String) {
        FileHandle.standardError.write(Data("hwnas: error: \(why)\n".utf8))
    }

    /// The last line, unless it would repeat one printed at the same count.
    func finish() {
        lock.lock(); defer { lock.unlock() }
        if let p = latest { print(p) }
    }

    private func print(_ p: SearchProgress) {
        guard showProgress, p.evaluations != lastPrinted else { return }
        lastTime = Date()
        lastPrinted = p.evaluations
        var line = String(format: "[%4d/%d] %.1fs", p.evaluations, p.budget, p.seconds)
        if let b = p.best, let o = b.objective {
            line += " best \(p.metric)=\(compactNumber(o))"
            let cs = constraints.map { c in "\(c.metric)=\(b.costs[c.metric].map(compactNumber) ?? "?")" }
            if !cs.isEmpty { line += " (" + cs.joined(separator: ", ") + ")" }
        }
        line += " skipped: \(p.infeasible) infeasible, \(p.duplicates) duplicate"
        if p.failed > 0 { line += ", \(p.failed) failed" }
        if let w = p.workers {
            line += "; workers \(w.busy) busy, \(w.total - w.busy) idle"
            if p.evaluations > 0 && p.evaluations < p.budget {
                line += String(format: ", ETA %.0fs", p.seconds / Double(p.evaluations) * Double(p.budget - p.evaluations))
            }
        }
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
