// The strategy and evaluator as the search loop sees them: in process
// (LoadedStrategy, LoadedEvaluator) or wherever a PluginRunner puts them
// (HwnasIsolation: a plugin-host child process, `--isolate`).
import CHwnasABI
import Foundation

public protocol SearchStrategy: AnyObject {
    func ask(max: Int, dims: Int) throws -> [[Int32]]?
    func tell(_ t: UnsafePointer<hwnas_tell>) throws
}

public protocol SearchEvaluator: AnyObject {
    var descriptor: PluginDescriptorInfo { get }
    var metricNames: [String] { get }
    /// Reads each candidate's "fidelity" and "resume" request (ABI 1.2).
    var takesFidelity: Bool { get }
    /// evaluate may run on several threads at once: the asynchronous loop
    /// shares this instance among its workers.
    var concurrentCalls: Bool { get }
    func evaluate(_ batch: UnsafePointer<hwnas_candidate_batch>,
                  onResult: ((Int, LoadedEvaluator.Outcome) -> Void)?) throws -> [LoadedEvaluator.Outcome]
}

extension LoadedStrategy: SearchStrategy {}
extension LoadedEvaluator: SearchEvaluator {}

extension SearchEvaluator {
    public var takesFidelity: Bool { false }
    public var concurrentCalls: Bool { false }
}

extension SearchStrategy {
    /// Tells a round from flat arrays: genotypes [count][dims], objectives
    /// [count][nObjectives] (oriented, NaN for none), metrics [count][metric names].
    public func tell(genotypes: [Int32], count: Int, dims: Int, outcomes: [Int32], objectives: [Double], nObjectives: Int,
              metrics: [Double], metricNames: CStringArray, nMetrics: Int) throws {
        try genotypes.withUnsafeBufferPointer { gp in
            try outcomes.withUnsafeBufferPointer { op in
                try objectives.withUnsafeBufferPointer { ob in
                    try metrics.withUnsafeBufferPointer { mp in
                        var t = hwnas_tell(
                            struct_size: UInt32(MemoryLayout<hwnas_tell>.size), count: UInt32(count), n_dims: UInt32(dims),
                            n_objectives: UInt32(nObjectives), genotypes: gp.baseAddress, outcomes: op.baseAddress,
                            objectives: ob.baseAddress, n_metrics: UInt32(nMetrics), reserved: 0,
                            metric_names: nMetrics == 0 ? nil : metricNames.base, metrics: nMetrics == 0 ? nil : mp.baseAddress)
                        try tell(&t)
                    }
                }
            }
        }
    }
}

/// Makes a search's strategy and evaluator somewhere other than in this
/// process. The search hands over what the in-process handles get: the
/// descriptor, the space, the options, and for a strategy its context as
/// values with the host's query_costs and is_evaluated as closures.
public protocol PluginRunner: Sendable {
    func evaluator(_ d: PluginDescriptorInfo, space: SearchSpace, options: [String: String],
                   registry: PluginRegistry) throws -> any SearchEvaluator
    func strategy(_ d: PluginDescriptorInfo, context: StrategyContextValues, registry: PluginRegistry,
                  queryCosts: @escaping StrategyContext.CostQuery,
                  isEvaluated: @escaping ([Int32]) -> Bool) throws -> any SearchStrategy
}

/// A strategy's search context as plain values.
public struct StrategyContextValues {
    public let space: SearchSpace
    public let options: [String: String]
    public let objectives: [String]
    public let metricNames: [String]
    public let seed: UInt64
    public let budget: Int
}
