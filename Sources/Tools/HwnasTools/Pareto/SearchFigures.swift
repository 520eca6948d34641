// A finished search's figures: its Pareto front with hypervolume and its
// SVG plot, for the CLI (`hwnas search --plot`) and the host API alike.
import Foundation
import HwnasCore

public enum SearchFigures {
    /// The value of `metric` for one evaluation: objective, cost or evaluator metric.
    public static func value(_ r: EvaluationRecord, _ metric: String) -> Double? {
        r.objectives[metric] ?? r.costs[metric] ?? r.metrics[metric]
    }

    /// With two or more objectives: the non-dominated evaluations and their
    /// hypervolume. The reference point is, per objective, the constraint
    /// bound on that metric when there is one (the natural "worst acceptable"
    /// value), otherwise the worst value seen pushed out by 10% of the range.
    public static func pareto(result: SearchResult, objectives: [Objective], constraints: [Constraint] = []) throws -> ParetoSummary? {
        guard objectives.count >= 2 else { return nil }
        let ok = result.history.filter { $0.status == "ok" }
        let rows = ok.map { r in objectives.map { value(r, $0.metric) ?? .nan } }
        let directions = objectives.map { $0.maximize ? ObjectiveDirection.maximize : .minimize }
        let reference = objectives.enumerated().map { k, o in
            referenceCoordinate(o, column: rows.map { $0[k] }, constraints: constraints)
        }
        let front = ParetoFront.indices(rows, directions).map { ok[$0] }
        let hv = Hypervolume.compute(rows, reference: reference, directions: directions)
        return ParetoSummary(objectives: objectives.map(\.description), reference_point: reference, hypervolume: hv, front: front)
    }

    public static func referenceCoordinate(_ o: Objective, column: [Double], constraints: [Constraint]) -> Double {
        let bound = constraints.first { c in
            c.metric == o.metric && (o.maximize ? (c.op == .ge || c.op == .gt) : (c.op == .le || c.op == .lt))
        }
        if let bound { return bound.bound }
        let finite = column.filter(\.isFinite)
        guard let lo = finite.min(), let hi = finite.max() else { return o.maximize ? 0 : 1 }
        let pad = hi > lo ? 0.1 * (hi - lo) : max(abs(hi) * 0.1, 1e-9)
        return o.maximize ? lo - pad : hi + pad
    }

    /// Objective (y) against cost (x): the second objective when there are
    /// two, otherwise the first constrained metric, else latency_ms.
    public static func plot(result: SearchResult, config: SearchConfiguration, path: String) throws {
        guard path.lowercased().hasSuffix(".svg") else {
            throw HwnasError("--plot \(path): only SVG output is supported; use a .svg file name")
        }
        let objectives = config.objectives.isEmpty
            ? result.objectives.compactMap { try? Objective(parsing: $0) } : config.objectives
        guard let yObjective = objectives.first else { throw HwnasError("--plot: the search has no objective") }
        let ok = result.history.filter { $0.status == "ok" }
        let xMetric: String, xDirection: ObjectiveDirection
        if objectives.count >= 2 {
            xMetric = objectives[1].metric
            xDirection = objectives[1].maximize ? .maximize : .minimize
        } else if let c = config.constraints.first(where: { c in ok.contains { value($0, c.metric) != nil } }) {
            xMetric = c.metric
            xDirection = (c.op == .ge || c.op == .gt) ? .maximize : .minimize
        } else if let m = ok.first.flatMap({ r in r.costs["latency_ms"] != nil ? "latency_ms" : r.costs.keys.sorted().first }) {
            xMetric = m
            xDirection = .minimize
        } else {
            throw HwnasError("--plot: no cost metric to plot against (the cost model reported none)")
        }
        let points = ok.compactMap { r -> (x: Double, y: Double)? in
            guard let x = value(r, xMetric), let y = value(r, yObjective.metric) else { return nil }
            return (x, y)
        }
        var plot = ParetoPlot(title: "\(config.space.name) on \(config.profile.name): \(yObjective.metric) vs \(xMetric) (\(result.strategy), \(result.evaluations) evaluations)",
                              xLabel: xMetric, yLabel: yObjective.metric,
                              xDirection: xDirection, yDirection: yObjective.maximize ? .maximize : .minimize, points: points)
        plot.xLimits = config.constraints.filter { $0.metric == xMetric }.map { ($0.bound, $0.description) }
        plot.yLimits = config.constraints.filter { $0.metric == yObjective.metric }.map { ($0.bound, $0.description) }
        try OutputFile.write(plot.svg(), to: path, flag: "--plot")
    }
}
