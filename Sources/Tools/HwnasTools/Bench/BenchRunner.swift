// Runs strategies on benchmark tasks through the real host: every run is a
// SearchRunner with plugins loaded from the registry, exactly what
// `hwnas search` does. The constrained optimum of a task is found by
// enumerating the space: screen everything through the profile's cost
// models, evaluate every feasible architecture with the task's evaluator
// (meant for tabular evaluators, where that is cheap).
import HwnasCore
import CHwnasABI
import Foundation

public struct BenchRun: Sendable {
    public let task: String
    public let strategy: String
    public let seed: UInt64
    /// Primary objective of each successful evaluation, in order.
    public let values: [Double]
    public let strategySeconds: Double
    public let evaluations: Int
    public init(task: String, strategy: String, seed: UInt64, values: [Double], strategySeconds: Double, evaluations: Int) {
        self.task = task; self.strategy = strategy; self.seed = seed; self.values = values
        self.strategySeconds = strategySeconds; self.evaluations = evaluations
    }
}

public struct BenchOptimum: Sendable {
    public let value: Double
    public let feasibleCount: Int
    public let spaceSize: Int
}

public final class BenchRunner {
    public let registry: PluginRegistry
    private var spaces: [String: SearchSpace] = [:]
    /// Every run's search events (the CLI prints evaluator errors from them).
    public var onEvent: (@Sendable (SearchEvent) -> Void)?

    public init(registry: PluginRegistry) { self.registry = registry }

    /// The task as a search; `strategy` is empty for the optimum's
    /// enumeration, which prices and evaluates without ever asking one.
    func configuration(_ task: BenchTask, strategy: String = "") throws -> SearchConfiguration {
        let space = try spaces[task.space] ?? SpaceCatalog.load(task.space, registry: registry)
        spaces[task.space] = space
        var c = SearchConfiguration(space: space, profile: try HardwareProfile.load(task.profile), strategy: strategy, evaluator: task.evaluator)
        c.constraints = task.constraints
        c.evaluator = task.evaluator
        c.evaluatorOptions = task.evaluatorOptions
        c.onEvent = onEvent
        return c
    }

    /// The best feasible objective value, by enumeration (maximisation).
    public func optimum(_ task: BenchTask) throws -> BenchOptimum {
        let config = try configuration(task)
        let space = config.space
        guard space.size <= 1_000_000 else { throw HwnasError("task \(task.name): space \(space.name) is too large to enumerate") }
        let runner = try SearchRunner(config: config, registry: registry)
        let all = (0..<Int(space.size)).map(space.genotype(at:))
        var feasible: [[Int32]] = []
        var start = 0
        while start < all.count {
            let chunk = Array(all[start..<min(start + 4096, all.count)])
            for (g, row) in zip(chunk, try runner.costs.costs(chunk)) where runner.feasible(row) { feasible.append(g) }
            start += chunk.count
        }
        let cspace = CSearchSpace(space)
        let (ed, elib) = try registry.lookup(.evaluator, task.evaluator)
        let evaluator = try LoadedEvaluator(ed, library: elib, space: cspace, options: task.evaluatorOptions)
        var best = -Double.infinity
        start = 0
        while start < feasible.count {
            let chunk = Array(feasible[start..<min(start + 4096, feasible.count)])
            let nets = try runner.costs.networks.map { f in try chunk.map { try f.build($0) } }
            let outcomes = try CandidateBatch(space: space, genotypes: chunk, networks: nets).with(minor: ed.abiMinor) {
                try evaluator.evaluate($0, onResult: nil)
            }
            for o in outcomes where o.ok { if let v = o.metrics.first, v.isFinite { best = max(best, v) } }
            start += chunk.count
        }
        guard best.isFinite else { throw HwnasError("task \(task.name): no feasible architecture has a value") }
        return BenchOptimum(value: best, feasibleCount: feasible.count, spaceSize: all.count)
    }

    /// One search run of `strategy` on `task`.
    public func run(_ task: BenchTask, strategy: String, options: [String: String] = [:], seed: UInt64, budget: Int) throws -> BenchRun {
        var config = try configuration(task, strategy: strategy)
        config.strategyOptions = options
        config.seed = seed
        config.budget = budget
        let runner = try SearchRunner(config: config, registry: registry)
        let r = try runner.run()
        let values = r.history.filter { $0.status == "ok" }.compactMap(\.objective)
        return BenchRun(task: task.name, strategy: strategy, seed: seed, values: values,
                        strategySeconds: r.strategy_seconds, evaluations: r.evaluations)
    }
}
