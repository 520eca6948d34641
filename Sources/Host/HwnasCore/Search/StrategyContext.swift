// A strategy's search context (hwnas_search_context) on the heap with its
// names and space, alive as long as the strategy that may keep its pointer.
// query_costs and is_evaluated check the genotypes' values against the
// space, then answer through closures: the search prices with the profile,
// the host API with its costs, the plugin host over the pipe, the validator
// with nothing. Every strategy hwnas creates gets its context here.
import CHwnasABI

public final class StrategyContext: @unchecked Sendable {
    /// 1/0 feasible per genotype and metrics [count][metric names] of
    /// genotypes whose values are in range; nil when they cannot be priced.
    public typealias CostQuery = ([[Int32]]) -> (feasible: [Int], metrics: [Double])?
    public let raw: UnsafeMutablePointer<hwnas_search_context>
    let space: CSearchSpace
    let counts: [Int]
    let objectiveNames: CStringArray
    /// The metric names as C strings (a tell hands them again).
    public let metricNames: CStringArray
    let queryCosts: CostQuery
    let isEvaluated: ([Int32]) -> Bool

    public init(space: CSearchSpace, objectives: [String], metricNames names: [String], seed: UInt64, budget: Int,
                queryCosts: @escaping CostQuery, isEvaluated: @escaping ([Int32]) -> Bool) {
        self.space = space
        counts = space.choices.map(\.count)
        objectiveNames = CStringArray(objectives); metricNames = CStringArray(names)
        self.queryCosts = queryCosts; self.isEvaluated = isEvaluated
        raw = .allocate(capacity: 1)
        raw.initialize(to: hwnas_search_context(
            struct_size: UInt32(MemoryLayout<hwnas_search_context>.size), n_objectives: UInt32(objectives.count),
            space: UnsafePointer(space.raw), objective_names: objectiveNames.base, seed: seed, budget: UInt32(clamping: budget),
            n_metrics: UInt32(names.count), metric_names: metricNames.base, host_ctx: nil,
            query_costs: { ctx, count, g, feasibleOut, metricsOut in
                Unmanaged<StrategyContext>.fromOpaque(ctx!).takeUnretainedValue().answer(Int(count), g, feasibleOut, metricsOut)
            },
            is_evaluated: { ctx, g in
                let me = Unmanaged<StrategyContext>.fromOpaque(ctx!).takeUnretainedValue()
                guard let g = me.genotypes(1, g)?.first else { return 0 }
                return me.isEvaluated(g) ? 1 : 0
            }))
        raw.pointee.host_ctx = Unmanaged.passUnretained(self).toOpaque()
    }

    deinit { raw.deallocate() }

    /// `count` genotypes read from `flat`; nil when it is NULL or a value is outside its dim.
    func genotypes(_ count: Int, _ flat: UnsafePointer<Int32>?) -> [[Int32]]? {
        guard let flat else { return nil }
        let d = counts.count
        var out: [[Int32]] = []
        out.reserveCapacity(count)
        for i in 0..<count {
            let g = Array(UnsafeBufferPointer(start: flat + i * d, count: d))
            for k in 0..<d where g[k] < 0 || Int(g[k]) >= counts[k] { return nil }
            out.append(g)
        }
        return out
    }

    func answer(_ count: Int, _ flat: UnsafePointer<Int32>?, _ feasibleOut: UnsafeMutablePointer<UInt8>?,
                _ metricsOut: UnsafeMutablePointer<Double>?) -> hwnas_status {
        guard let gs = genotypes(count, flat) else { return HWNAS_ERR_INVALID_ARGUMENT }
        guard let r = queryCosts(gs), r.feasible.count == count, r.metrics.count == count * metricNames.count else { return HWNAS_ERR_FAILED }
        for i in 0..<count { feasibleOut?[i] = r.feasible[i] != 0 ? 1 : 0 }
        if let metricsOut { for (j, v) in r.metrics.enumerated() { metricsOut[j] = v } }
        return HWNAS_OK
    }
}
