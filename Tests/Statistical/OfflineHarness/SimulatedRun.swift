@testable import HwnasStrategies
import HwnasPluginSupport
// Drives an algorithm against a SimulatedTask the way the host's search loop
// does (ask, evaluate, tell) and records what a benchmark needs.
public struct SimulatedRun: Sendable {
    /// Objective of each evaluation, in order.
    public var values: [Double] = []
    /// Proposals that were repeats or broke a constraint (must stay 0).
    public var duplicates = 0
    public var infeasible = 0
    /// True when ask returned nothing before the budget was spent.
    public var exhausted = false
    public var algorithmSeconds = 0.0

    /// Best value after each number of evaluations (1-based).
    public func best(after n: Int) -> Double {
        values.prefix(n).max() ?? -.infinity
    }

    public static func run(_ algorithm: SearchAlgorithm, on task: SimulatedTask, budget: Int, batch: Int = 1) throws -> SimulatedRun {
        var r = SimulatedRun()
        var seen = Set<[Int32]>()
        while r.values.count < budget {
            let t0 = MonotonicClock.now()
            let asked = try algorithm.ask(maxCount: min(batch, budget - r.values.count))
            r.algorithmSeconds += MonotonicClock.now() - t0
            if asked.isEmpty { r.exhausted = true; break }
            var told: [Observation] = []
            for g in asked {
                let i = task.index(g)
                if !seen.insert(g).inserted || task.isEvaluated(g) { r.duplicates += 1 }
                if !task.isFeasible(i) {
                    r.infeasible += 1
                    told.append(Observation(genotype: g, evaluated: false, objectives: []))
                    continue
                }
                let o = task.evaluate(g)
                r.values.append(o.objectives[0])
                told.append(o)
            }
            let t1 = MonotonicClock.now()
            try algorithm.tell(told)
            r.algorithmSeconds += MonotonicClock.now() - t1
        }
        return r
    }
}
