// Connects the ABI-free algorithms to the plugin helper library: the host's
// StrategyContext serves as the oracle, and a SearchAlgorithm serves as a
// SearchStrategy. Each strategy plugin is then a few lines.
import HwnasPluginSupport

public final class ContextOracle: CandidateOracle {
    let context: StrategyContext
    public init(_ context: StrategyContext) { self.context = context }
    public var metricNames: [String] { context.metricNames }
    public func screen(_ genotypes: [[Int32]], wantMetrics: Bool) throws -> (feasible: [Bool], metrics: [[Double]]) {
        try context.screen(genotypes, wantMetrics: wantMetrics)
    }
    public func isEvaluated(_ genotype: [Int32]) -> Bool { context.isEvaluated(genotype) }
}

public final class AlgorithmStrategy: SearchStrategy {
    let algorithm: SearchAlgorithm
    public init(_ algorithm: SearchAlgorithm) { self.algorithm = algorithm }
    public func ask(maxCount: Int) throws -> [[Int32]] { try algorithm.ask(maxCount: maxCount) }
    public func tell(_ records: [TellRecord]) throws {
        try algorithm.tell(records.map {
            Observation(genotype: $0.genotype, evaluated: $0.outcome == .evaluated || $0.outcome == .duplicate,
                        objectives: $0.objectives, metrics: $0.metrics)
        })
    }
}

extension SearchSetup {
    public init(_ context: StrategyContext) {
        self.init(space: context.space, seed: context.seed, budget: context.budget,
                  objectiveCount: context.objectiveNames.count, oracle: ContextOracle(context),
                  warn: { [logger = context.logger] in logger.warning($0) })
    }
}
