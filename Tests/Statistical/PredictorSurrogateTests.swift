// The predictor's two surrogates on an enumerated space (an NB201 task
// simulated from the shared table): the Gaussian process proposes from
// `gp-from` observations until `gp-max-observations`, the Bayesian linear
// model before and after, and `surrogate=linear` is the linear model
// throughout. Runs are compared proposal by proposal (deterministic per seed).
import HwnasTestSupport
import HwnasPluginSupport
@testable import HwnasStrategies
@testable import HwnasPredictorSearch
import Testing

@Suite(.serialized, .tags(.slow)) struct PredictorSurrogateTests {
    static func run(_ edit: (inout PredictorSearch.Settings) -> Void, budget: Int, batch: Int = 1) throws -> SimulatedRun {
        let task = try StrategyTests.task(quantile: 0.4)
        var s = PredictorSearch.Settings()
        edit(&s)
        let alg = PredictorSearch(SearchSetup(space: NB201Table.space, seed: 4, budget: budget, oracle: task), settings: s)
        let r = try SimulatedRun.run(alg, on: task, budget: budget, batch: batch)
        #expect(r.values.count == budget && r.duplicates == 0 && r.infeasible == 0)
        return r
    }

    /// Number of leading evaluations two runs share.
    static func sharedPrefix(_ a: SimulatedRun, _ b: SimulatedRun) -> Int {
        zip(a.values, b.values).prefix { $0 == $1 }.count
    }

    /// The GP takes over at gp-from: until then the run is the linear
    /// model's, after that it is not; gp-max-observations=0 never lets it
    /// propose, so that run is the linear model's throughout.
    @Test func gaussianProcessTakesOverAtGpFrom() throws {
        let linear = try Self.run({ $0.surrogate = .linear }, budget: 80)
        let from30 = try Self.run({ $0.surrogate = .gp; $0.gpFrom = 30 }, budget: 80)
        let never = try Self.run({ $0.surrogate = .gp; $0.gpFrom = 0; $0.gpMaxObservations = 0 }, budget: 80)
        let shared = Self.sharedPrefix(linear, from30)
        #expect(shared >= 30 && shared < 80, "shared \(shared)")
        #expect(never.values == linear.values)
    }

    /// After gp-max-observations the linear model goes on (rebuilt from every
    /// observation); a batch of 3 per ask keeps the GP's pending rows busy.
    @Test func linearModelGoesOnAfterGpMaxObservations() throws {
        let gp = try Self.run({ $0.surrogate = .gp; $0.gpFrom = 0 }, budget: 90, batch: 3)
        let capped = try Self.run({ $0.surrogate = .gp; $0.gpFrom = 0; $0.gpMaxObservations = 45 }, budget: 90, batch: 3)
        let shared = Self.sharedPrefix(gp, capped)
        #expect(shared >= 45 && shared < 90, "shared \(shared)")
    }

    /// A joint sample the GP cannot draw (PoolGaussianProcessTests) is
    /// replaced by the posterior means of its candidates and said through the
    /// setup's warn, the 1st, 2nd, 4th... time with the count.
    @Test func undrawableSampleIsSaid() throws {
        let task = try StrategyTests.task(quantile: 0.4)
        var s = PredictorSearch.Settings()
        s.surrogate = .gp; s.gpFrom = 0
        let said = Said()
        let alg = PredictorSearch(SearchSetup(space: NB201Table.space, seed: 4, budget: 30, oracle: task,
                                              warn: { said.lines.append($0) }), settings: s)
        let r = try SimulatedRun.run(alg, on: task, budget: 30)
        #expect(r.values.count == 30 && said.lines.isEmpty)
        let joint = [0, 5, 9]
        for _ in 0..<5 { #expect(alg.meanInstead(of: joint) == joint.map { alg.gpMean[$0] }) }
        #expect(alg.gpSampleFallbacks == 5)
        #expect(said.lines.count == 3)
        #expect(said.lines.first == "predictor: GP Thompson sample replaced by the posterior mean (1 time(s) so far, at 30 "
                + "evaluations): the covariance of its 3 candidates is not positive definite even with jitter 1")
        #expect(said.lines.last?.contains("(4 time(s) so far") == true)
    }
}

/// What a search said through SearchSetup.warn.
private final class Said { var lines: [String] = [] }
