// The human-facing summary of a search (its Pareto data and plot are
// HwnasTools' SearchFigures, shared with the host API).
import Foundation
import HwnasCore
import HwnasTools

enum SearchOutputs {
    static func printSummary(_ r: SearchResult, output: String?, plot: String?) {
        var lines: [String] = []
        if let b = r.best {
            let costs = b.costs.sorted { $0.key < $1.key }.map { "\($0.key)=\(format($0.value))" }.joined(separator: " ")
            lines.append("best: \(b.arch)")
            lines.append("      \((r.objectives.first ?? "objective").split(separator: ":").first.map(String.init) ?? "objective") = \(format(b.objective))   \(costs)")
            if let reward = b.reward { lines.append("      reward = \(format(reward)) under \((r.soft_constraints ?? []).joined(separator: ", "))") }
        } else {
            lines.append("no feasible architecture was evaluated successfully")
        }
        lines.append("evaluations: \(r.evaluations) (\(r.failed_evaluations) failed, \(r.replayed_evaluations) from journal); "
                     + "skipped \(r.infeasible_skipped) infeasible and \(r.duplicates_skipped) duplicate proposals; stop: \(r.stop_reason)")
        lines.append(String(format: "time: %.2f s (strategy %.3f s)", r.wall_seconds, r.strategy_seconds))
        if let f = r.fidelity {
            let rungs = Dictionary(grouping: r.history.compactMap { $0.fidelity?.values.first }, by: { $0 }).sorted { $0.key < $1.key }
            lines.append("fidelity \(f), \(r.scheduler ?? ""): evaluations per rung " + rungs.map { "\(compactNumber($0.key)): \($0.value.count)" }.joined(separator: ", ")
                         + "; spent \(compactNumber(r.fidelity_spent ?? 0))")
        }
        if let w = r.workers {
            lines.append(String(format: "workers: %d asynchronous, busy %.0f%% of the time (%.1f s evaluating)", w.count, 100 * w.utilisation, w.busy_seconds))
        }
        if let p = r.pareto {
            lines.append("pareto front: \(p.front.count) points, hypervolume \(format(p.hypervolume)) (reference point \(p.reference_point.map(format)))")
        }
        for n in r.notes { lines.append("note: \(n)") }
        if let output { lines.append("result: \(output)") }
        if let plot { lines.append("plot: \(plot)") }
        print(lines.joined(separator: "\n"))
    }

    static func format(_ x: Double) -> String {
        if x == x.rounded() && abs(x) < 1e12 { return String(Int(x)) }
        return String(format: abs(x) >= 100 ? "%.1f" : "%.4g", x)
    }
}
