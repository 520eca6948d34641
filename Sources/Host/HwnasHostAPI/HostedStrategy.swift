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
    private let cspace: CSearchSpace
    private let objectiveNames: CStringArray
    private let metricNames: CStringArray
    /// Heap-allocated: the strategy may keep the pointer it was created with.
    private let context = UnsafeMutablePointer<hwnas_search_context>.allocate(capacity: 1)
    private var told = Set<[Int32]>()

    public init(registry: PluginRegistry, id: String, space: SearchSpace, seed: UInt64, budget: Int,
                options: [String: String], costs: HardwareCosts?) throws {
        self.space = space
        self.costs = costs
        cspace = CSearchSpace(space)
        objectiveNames = CStringArray(["objective"])
        let names = costs?.metricNames ?? []
        metricNames = CStringArray(names)
        context.initialize(to: hwnas_search_context(
            struct_size: UInt32(MemoryLayout<hwnas_search_context>.size), n_objectives: 1,
            space: UnsafePointer(cspace.raw), objective_names: objectiveNames.base, seed: seed,
            budget: UInt32(max(budget, 1)), n_metrics: UInt32(names.count), metric_names: names.isEmpty ? nil : metricNames.base,
            host_ctx: nil,
            query_costs: { ctx, count, genotypes, feasibleOut, metricsOut in
                let me = Unmanaged<HostedStrategy>.fromOpaque(ctx!).takeUnretainedValue()
                return me.queryCosts(Int(count), genotypes, feasibleOut, metricsOut)
            },
            is_evaluated: { ctx, g in
                let me = Unmanaged<HostedStrategy>.fromOpaque(ctx!).takeUnretainedValue()
                guard let g else { return 0 }
                let genotype = (0..<me.space.nDims).map { g[$0] }
                return (try? me.space.validate(genotype)) != nil && me.told.contains(me.space.canonicalize(genotype)) ? 1 : 0
            }))
        context.pointee.host_ctx = Unmanaged.passUnretained(self).toOpaque()
        // Every stored property is set: a throw from here on runs deinit, which frees the context.
        let (d, lib) = try registry.lookup(.strategy, id)
        strategy = try LoadedStrategy(d, library: lib, context: UnsafePointer(context), options: options)
    }

    deinit {
        strategy = nil          // destroyed while its context is alive
        context.deallocate()
    }

    public var dims: Int { space.nDims }

    /// Up to `max` genotypes; nil when the strategy has nothing left.
    public func ask(max: Int) throws -> [[Int32]]? {
        guard let s = strategy else { return nil }
        return try s.ask(max: max, dims: space.nDims)
    }

    /// Results of asked genotypes: one objective each, larger is better, NaN for a failure.
    public func tell(genotypes: [[Int32]], objectives: [Double]) throws {
        guard let s = strategy else { return }
        guard genotypes.count == objectives.count else {
            throw HwnasError("tell: \(genotypes.count) genotypes but \(objectives.count) objectives")
        }
        for g in genotypes { try space.validate(g) }
        let rows = try costs?.costs(genotypes.map(space.canonicalize)) ?? []
        let m = costs?.metricNames.count ?? 0
        try s.tell(genotypes: genotypes.flatMap { $0 }, count: genotypes.count, dims: space.nDims,
                   outcomes: objectives.map { $0.isNaN ? HWNAS_OUTCOME_FAILED : HWNAS_OUTCOME_EVALUATED },
                   objectives: objectives, nObjectives: 1, metrics: rows.flatMap { $0 }, metricNames: metricNames, nMetrics: m)
        for (g, o) in zip(genotypes, objectives) where !o.isNaN { told.insert(space.canonicalize(g)) }
    }

    private func queryCosts(_ count: Int, _ genotypes: UnsafePointer<Int32>?, _ feasibleOut: UnsafeMutablePointer<UInt8>?,
                            _ metricsOut: UnsafeMutablePointer<Double>?) -> hwnas_status {
        guard let genotypes, count >= 0 else { return HWNAS_ERR_INVALID_ARGUMENT }
        let d = space.nDims
        let gs = (0..<count).map { i in space.canonicalize((0..<d).map { genotypes[i * d + $0] }) }
        for i in 0..<count { feasibleOut?[i] = 1 }
        guard let metricsOut, let costs else { return HWNAS_OK }
        guard let rows = try? costs.costs(gs) else { return HWNAS_ERR_FAILED }
        let m = costs.metricNames.count
        for (i, row) in rows.enumerated() { for j in 0..<m { metricsOut[i * m + j] = row[j] } }
        return HWNAS_OK
    }
}
