// A strategy plugin driven from outside a search (the host API, Python's
// ask/tell): it gets its own search context. query_costs answers from the
// profile's cost models when one is given (every candidate counts as
// feasible: there are no constraints here), is_evaluated from what was told.
import CHwnasABI
import HwnasCore

public final class HostedStrategy: @unchecked Sendable {
    public let space: SearchSpace
    private var strategy: LoadedStrategy?
    private let costs: HardwareCosts?
    /// The strategy's context (its metric names go with every tell).
    private var context: StrategyContext?
    private var told = Set<[Int32]>()
    /// The budget counts told results; asked-but-not-told ones are in
    /// `outstanding` (by genotype as asked, with multiplicity).
    private let budget: Int
    private var outstanding: [[Int32]: Int] = [:]
    private var toldCount = 0

    public init(registry: PluginRegistry, id: String, space: SearchSpace, seed: UInt64, budget: Int,
                options: [String: String], costs: HardwareCosts?) throws {
        self.space = space
        self.costs = costs
        self.budget = max(budget, 1)
        // Every candidate is feasible here (no constraints); metrics when there are costs.
        let context = StrategyContext(
            space: CSearchSpace(space), objectives: ["objective"], metricNames: costs?.metricNames ?? [], seed: seed,
            budget: max(budget, 1),
            queryCosts: { gs in
                let feasible = gs.map { _ in 1 }
                guard let costs else { return (feasible, []) }
                guard let rows = try? costs.costs(gs) else { return nil }
                return (feasible, rows.flatMap { $0 })
            },
            isEvaluated: { [unowned self] g in self.told.contains(space.canonicalize(g)) })
        let (d, lib) = try registry.lookup(.strategy, id)
        strategy = try LoadedStrategy(d, library: lib, context: context, options: options)
        self.context = context
    }

    public var dims: Int { space.nDims }

    /// Up to `max` genotypes; nil when the strategy has nothing left or the
    /// budget is spent (told plus asked and not yet told).
    public func ask(max: Int) throws -> [[Int32]]? {
        guard let s = strategy else { return nil }
        let remaining = budget - toldCount - outstanding.values.reduce(0, +)
        guard remaining > 0 else { return nil }
        guard max > 0 else { return [] }
        let gs = try s.ask(max: min(max, remaining), dims: space.nDims)
        for g in gs ?? [] { outstanding[g, default: 0] += 1 }
        return gs
    }

    /// Results of asked genotypes: one objective each, larger is better, NaN for a failure.
    public func tell(genotypes: [[Int32]], objectives: [Double]) throws {
        guard let s = strategy, let context else { return }
        guard genotypes.count == objectives.count else {
            throw HwnasError("tell: \(genotypes.count) genotypes but \(objectives.count) objectives")
        }
        for g in genotypes { try space.validate(g) }
        // Only what was asked, once: a result for anything else would teach
        // the strategy about a candidate it never proposed.
        var pending = outstanding
        for g in genotypes {
            guard let n = pending[g], n > 0 else {
                throw HwnasError("tell: genotype \(g) was not asked by this strategy, or its result was told already")
            }
            pending[g] = n == 1 ? nil : n - 1
        }
        outstanding = pending
        toldCount += genotypes.count
        let rows = try costs?.costs(genotypes) ?? []
        let m = costs?.metricNames.count ?? 0
        try s.tell(genotypes: genotypes.flatMap { $0 }, count: genotypes.count, dims: space.nDims,
                   outcomes: objectives.map { $0.isNaN ? HWNAS_OUTCOME_FAILED : HWNAS_OUTCOME_EVALUATED },
                   objectives: objectives, nObjectives: 1, metrics: rows.flatMap { $0 }, metricNames: context.metricNames, nMetrics: m)
        for (g, o) in zip(genotypes, objectives) where !o.isNaN { told.insert(space.canonicalize(g)) }
    }
}
