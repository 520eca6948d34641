// Aggregates benchmark runs per strategy: mean and median regret of the best
// value found after several budgets, the share of runs that found the exact
// constrained optimum, the median number of evaluations to reach it, and the
// strategy's own time per evaluation. Renders a Markdown table and CSV.
import HwnasCore
import Foundation
import HwnasTabular

public struct BenchSummary: Sendable {
    public let strategy: String
    public let runs: Int
    public let budgets: [Int]
    public let meanRegret: [Double]
    public let medianRegret: [Double]
    /// Share of runs whose best equals the optimum by each budget.
    public let hitRates: [Double]
    /// By the last budget.
    public var hitRate: Double { hitRates.last ?? 0 }
    /// Median evaluations to reach the optimum (nil when fewer than half did).
    public let medianEvaluationsToOptimum: Double?
    public let millisecondsPerEvaluation: Double
}

public enum BenchReport {
    /// Best value after n evaluations.
    static func best(_ values: [Double], after n: Int) -> Double { values.prefix(n).max() ?? -.infinity }

    static func median(_ v: [Double]) -> Double {
        let s = v.sorted()
        guard !s.isEmpty else { return .nan }
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    /// `optima[task]`: the task's constrained optimum. Runs that reach it
    /// within 1e-9 count as exact hits.
    public static func summarize(_ runs: [BenchRun], optima: [String: Double], budgets: [Int]) -> [BenchSummary] {
        var order: [String] = []
        for r in runs where !order.contains(r.strategy) { order.append(r.strategy) }
        return order.map { s in
            let mine = runs.filter { $0.strategy == s }
            let regrets = budgets.map { b in mine.map { r in max(0, optima[r.task]! - best(r.values, after: b)) } }
            let reach: [Double] = mine.map { r in
                guard let i = r.values.firstIndex(where: { $0 >= optima[r.task]! - 1e-9 }) else { return .infinity }
                return Double(i + 1)
            }
            let med = median(reach)
            let evals = mine.map(\.evaluations).reduce(0, +)
            return BenchSummary(strategy: s, runs: mine.count, budgets: budgets,
                                meanRegret: regrets.map { $0.reduce(0, +) / Double(max(1, $0.count)) },
                                medianRegret: regrets.map(median),
                                hitRates: budgets.map { b in Double(reach.filter { $0 <= Double(b) }.count) / Double(max(1, mine.count)) },
                                medianEvaluationsToOptimum: med.isFinite ? med : nil,
                                millisecondsPerEvaluation: 1000 * mine.map(\.strategySeconds).reduce(0, +) / Double(max(1, evals)))
        }
    }

    public static func markdown(_ summaries: [BenchSummary]) -> String {
        guard let budgets = summaries.first?.budgets else { return "" }
        var s = "| strategy | runs | " + budgets.map { "mean regret @\($0)" }.joined(separator: " | ")
            + " | " + budgets.map { "median @\($0)" }.joined(separator: " | ")
            + " | " + budgets.map { "exact optimum by \($0)" }.joined(separator: " | ") + " | median evals to optimum | strategy ms/eval |\n"
        s += "|---|---:|" + Array(repeating: "---:|", count: 3 * budgets.count + 2).joined() + "\n"
        for m in summaries {
            s += "| \(m.strategy) | \(m.runs) | " + m.meanRegret.map { String(format: "%.3f", $0) }.joined(separator: " | ")
                + " | " + m.medianRegret.map { String(format: "%.3f", $0) }.joined(separator: " | ")
                + " | " + m.hitRates.map { String(format: "%.0f%%", 100 * $0) }.joined(separator: " | ") + " | "
                + (m.medianEvaluationsToOptimum.map { String(Int($0)) } ?? "-")
                + String(format: " | %.3f |\n", m.millisecondsPerEvaluation)
        }
        return s
    }

    /// One row per run: task, strategy, seed, regret at each budget, evals to optimum.
    public static func csv(_ runs: [BenchRun], optima: [String: Double], budgets: [Int]) -> String {
        var s = CSVTable.line(["task", "strategy", "seed"] + budgets.map { "regret_at_\($0)" }
                              + ["evaluations_to_optimum", "strategy_ms_per_evaluation"])
        for r in runs {
            let opt = optima[r.task]!
            let reach = r.values.firstIndex { $0 >= opt - 1e-9 }.map { String($0 + 1) } ?? ""
            // Task names come from the user's YAML and may hold commas: quoted as needed.
            s += CSVTable.line([r.task, r.strategy, "\(r.seed)"]
                               + budgets.map { String(format: "%.4f", max(0, opt - best(r.values, after: $0))) }
                               + [reach, String(format: "%.4f", 1000 * r.strategySeconds / Double(max(1, r.evaluations)))])
        }
        return s
    }
}
