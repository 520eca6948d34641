// The interface every search algorithm in this module implements, free of the
// C ABI so unit tests and the offline benchmark can drive the algorithms
// directly; the plugins in Plugins/ are thin wrappers around these classes.
import HwnasPluginSupport

/// What an algorithm may ask its host without spending an evaluation.
public protocol CandidateOracle: AnyObject {
    /// Names of the cost metrics `screen(_:wantMetrics: true)` returns.
    var metricNames: [String] { get }
    /// Feasibility under every hard constraint, plus metrics when asked.
    func screen(_ genotypes: [[Int32]], wantMetrics: Bool) throws -> (feasible: [Bool], metrics: [[Double]])
    /// True when the host already holds an evaluation of `genotype`.
    func isEvaluated(_ genotype: [Int32]) -> Bool
}

/// One told candidate, in the algorithm's terms. `objectives` are "larger is
/// better"; empty (or NaN) when the candidate was not evaluated.
public struct Observation: Sendable {
    public let genotype: [Int32]
    public let evaluated: Bool
    public let objectives: [Double]
    public let metrics: [Double]
    public init(genotype: [Int32], evaluated: Bool, objectives: [Double], metrics: [Double] = []) {
        self.genotype = genotype; self.evaluated = evaluated; self.objectives = objectives; self.metrics = metrics
    }
    /// The first objective when it holds a usable value.
    public var primary: Double? {
        guard evaluated, let f = objectives.first, f.isFinite else { return nil }
        return f
    }
}

/// Ask/tell search. `ask` returns [] only when nothing is left to propose.
public protocol SearchAlgorithm: AnyObject {
    func ask(maxCount: Int) throws -> [[Int32]]
    func tell(_ observations: [Observation]) throws
}

/// Everything an algorithm is created with.
public struct SearchSetup {
    public let space: SearchSpaceView
    public let seed: UInt64
    public let budget: Int
    public let objectiveCount: Int
    public let oracle: CandidateOracle
    /// Where an algorithm says something the user should know (the host's
    /// log as a warning when run as a plugin; nowhere by default).
    public let warn: (String) -> Void
    public init(space: SearchSpaceView, seed: UInt64, budget: Int, objectiveCount: Int = 1, oracle: CandidateOracle,
                warn: @escaping (String) -> Void = { _ in }) {
        self.space = space; self.seed = seed; self.budget = budget; self.objectiveCount = objectiveCount; self.oracle = oracle
        self.warn = warn
    }
}
