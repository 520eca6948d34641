// A tabular search task simulated in-process, for unit tests and fast offline
// tuning of the algorithms: every genotype's objective and cost metrics are
// known, the hard constraints are upper bounds on metrics. It plays the
// host's part (screening, is-evaluated) exactly as the plugin ABI describes.
import HwnasTestSupport
import HwnasPluginSupport
@testable import HwnasStrategies

public final class SimulatedTask: CandidateOracle {
    public let space: SearchSpaceView
    public let metricNames: [String]
    /// Objective per genotype index (mixed radix, last dimension fastest).
    let objective: [Double]
    /// metrics[index][m]
    let metrics: [[Double]]
    /// Upper bounds by metric position.
    let limits: [(metric: Int, max: Double)]
    private(set) var evaluated = Set<Int>()
    /// Screening calls and candidates screened, for overhead figures.
    public private(set) var screenedCount = 0

    public init(space: SearchSpaceView, objective: [Double], metricNames: [String], metrics: [[Double]],
                limits: [(metric: Int, max: Double)]) {
        precondition(Double(objective.count) == space.size, "one objective value per genotype")
        self.space = space; self.objective = objective; self.metricNames = metricNames
        self.metrics = metrics; self.limits = limits
    }

    public func index(_ g: [Int32]) -> Int {
        var i = 0
        for d in 0..<space.nDims { i = i * space.choiceCounts[d] + Int(g[d]) }
        return i
    }

    public func genotype(_ index: Int) -> [Int32] {
        var g = [Int32](repeating: 0, count: space.nDims), r = index
        for d in stride(from: space.nDims - 1, through: 0, by: -1) {
            g[d] = Int32(r % space.choiceCounts[d]); r /= space.choiceCounts[d]
        }
        return g
    }

    public func objective(at index: Int) -> Double { objective[index] }

    public func isFeasible(_ index: Int) -> Bool {
        limits.allSatisfy { metrics[index][$0.metric] <= $0.max }
    }

    /// Best objective among feasible genotypes (the constrained optimum).
    public var optimum: Double {
        (0..<objective.count).filter { isFeasible($0) && objective[$0].isFinite }.map { objective[$0] }.max() ?? .nan
    }

    public var feasibleCount: Int { (0..<objective.count).filter(isFeasible).count }

    public func screen(_ genotypes: [[Int32]], wantMetrics: Bool) throws -> (feasible: [Bool], metrics: [[Double]]) {
        screenedCount += genotypes.count
        let idx = genotypes.map(index)
        return (idx.map(isFeasible), wantMetrics ? idx.map { metrics[$0] } : [])
    }

    public func isEvaluated(_ genotype: [Int32]) -> Bool { evaluated.contains(index(genotype)) }

    /// Spend one evaluation.
    public func evaluate(_ g: [Int32]) -> Observation {
        let i = index(g)
        evaluated.insert(i)
        return Observation(genotype: g, evaluated: true, objectives: [objective[i]], metrics: metrics[i])
    }

    public func reset() { evaluated.removeAll(); screenedCount = 0 }
}
