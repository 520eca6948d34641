// "Over 20 seeds at budget 200, regularized-evolution ends with a lower mean
// regret than random search on cifar10_acc with raspi4_ms <= 10." The
// constrained optimum comes from enumerating the table.
import HwnasTestSupport
import Foundation
import HwnasCore
import HwnasTabular
import Testing

@Suite(.tags(.slow)) struct RegretTests {
    /// Best accuracy among architectures meeting the latency bound.
    static func constrainedOptimum(accuracy: String, latency: String, bound: Double) throws -> Double {
        let t = try CSVTable.read(TestSupport.nb201CSV)
        let acc = try t.numericColumn(accuracy), lat = try t.numericColumn(latency)
        return zip(acc, lat).filter { $0.1 <= bound }.map(\.0).max()!
    }

    static func meanRegret(strategy: String, seeds: Range<UInt64>, budget: Int, optimum: Double) throws -> Double {
        let registry = TestSupport.registry
        let profile = try HardwareProfile.load(TestSupport.repoRoot + "/hardware-profiles/raspi4.yaml")
        var total = 0.0
        for seed in seeds {
            var c = SearchConfiguration(space: try TestSupport.space("nb201"), profile: profile, strategy: strategy, evaluator: "table")
            c.constraints = [try Constraint(parsing: "latency_ms<=10")]
            c.evaluator = "table"
            c.evaluatorOptions = ["file": TestSupport.nb201CSV, "column": "cifar10_acc"]
            c.strategy = strategy
            c.budget = budget
            c.seed = seed
            let r = try SearchRunner(config: c, registry: registry).run()
            #expect(r.evaluations == budget)
            #expect(r.history.allSatisfy { $0.costs["latency_ms"]! <= 10 })
            total += optimum - (r.best?.objective ?? 0)
        }
        return total / Double(seeds.count)
    }

    @Test func evolutionBeatsRandomOverTwentySeeds() throws {
        let opt = try Self.constrainedOptimum(accuracy: "cifar10_acc", latency: "raspi4_ms", bound: 10)
        let re = try Self.meanRegret(strategy: "regularized-evolution", seeds: 1..<21, budget: 200, optimum: opt)
        let rs = try Self.meanRegret(strategy: "random", seeds: 1..<21, budget: 200, optimum: opt)
        print("regret @200 over 20 seeds, cifar10_acc, raspi4_ms<=10 (optimum \(opt)): evolution \(re), random \(rs)")
        #expect(re >= 0 && rs >= 0)
        #expect(re < rs)
    }
}
