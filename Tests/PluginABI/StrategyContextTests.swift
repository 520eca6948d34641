// A strategy's query_costs and is_evaluated, called as a C plugin calls
// them: values outside the space never reach the search (or the host API,
// or the pipe), and answers of the wrong size are failures, not garbage.
import HwnasTestSupport
import CHwnasABI
import HwnasCore
import Testing

@Suite(.tags(.pluginABI)) struct StrategyContextTests {
    /// Two dims of 3 and 2 choices, one metric (the sum of the values), every
    /// genotype feasible but those starting with 2; records what it was asked.
    final class Probe: @unchecked Sendable {
        var asked: [[Int32]] = []
        var wrongSize = false
        lazy var context = StrategyContext(
            space: CSearchSpace(name: "s", dimNames: ["a", "b"], choices: [["x", "y", "z"], ["p", "q"]]),
            objectives: ["objective"], metricNames: ["sum"], seed: 1, budget: 10,
            queryCosts: { [unowned self] gs in
                asked += gs
                if wrongSize { return (gs.map { _ in 1 }, []) }
                return (gs.map { $0[0] == 2 ? 0 : 1 }, gs.map { Double($0[0] + $0[1]) })
            },
            isEvaluated: { [unowned self] g in asked.contains(g) })
    }

    func query(_ p: Probe, _ flat: [Int32]) -> (hwnas_status, [UInt8], [Double]) {
        let n = flat.count / 2
        var feasible = [UInt8](repeating: 9, count: n), metrics = [Double](repeating: -1, count: n)
        let c = p.context.raw.pointee
        let st = c.query_costs(c.host_ctx, UInt32(n), flat, &feasible, &metrics)
        return (st, feasible, metrics)
    }

    @Test func valuesInRangeAreAnswered() {
        let p = Probe()
        let (st, feasible, metrics) = query(p, [0, 1, 2, 0])
        #expect(st == HWNAS_OK && feasible == [1, 0] && metrics == [1, 2])
        let c = p.context.raw.pointee
        #expect(c.n_metrics == 1 && String(cString: c.metric_names[0]!) == "sum")
        #expect([Int32(0), 1].withUnsafeBufferPointer { c.is_evaluated(c.host_ctx, $0.baseAddress) } == 1)
        #expect([Int32(1), 1].withUnsafeBufferPointer { c.is_evaluated(c.host_ctx, $0.baseAddress) } == 0)
    }

    @Test func valuesOutsideTheSpaceNeverReachTheAnswer() {
        let p = Probe()
        #expect(query(p, [0, 1, 3, 0]).0 == HWNAS_ERR_INVALID_ARGUMENT)
        #expect(query(p, [0, -1]).0 == HWNAS_ERR_INVALID_ARGUMENT)
        let c = p.context.raw.pointee
        #expect(c.query_costs(c.host_ctx, 1, nil, nil, nil) == HWNAS_ERR_INVALID_ARGUMENT)
        #expect([Int32(0), 2].withUnsafeBufferPointer { c.is_evaluated(c.host_ctx, $0.baseAddress) } == 0)
        #expect(c.is_evaluated(c.host_ctx, nil) == 0)
        #expect(p.asked.isEmpty)
    }

    @Test func anAnswerOfTheWrongSizeIsAFailure() {
        let p = Probe()
        p.wrongSize = true
        #expect(query(p, [0, 1]).0 == HWNAS_ERR_FAILED)
    }
}
