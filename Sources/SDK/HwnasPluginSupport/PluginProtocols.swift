// The protocols a Swift plugin implements, one per ABI plugin kind.
import CHwnasABI

public enum CandidateOutcome: Int32, Sendable {
    case evaluated = 0, infeasible = 1, failed = 2, duplicate = 3
}

/// One told candidate. `objectives` are "larger is better" (the host negates
/// minimised objectives); NaN unless evaluated or duplicate.
public struct TellRecord: Sendable {
    public let genotype: [Int32]
    public let outcome: CandidateOutcome
    public let objectives: [Double]
    public let metrics: [Double]
}

/// Everything a strategy is created with, plus the host's cheap screening.
public final class StrategyContext: @unchecked Sendable {
    public let space: SearchSpaceView
    public let objectiveNames: [String]
    public let seed: UInt64
    public let budget: Int
    public let metricNames: [String]
    public let logger: HostLogger
    let raw: UnsafePointer<hwnas_search_context>

    init(_ raw: UnsafePointer<hwnas_search_context>, logger: HostLogger) {
        self.raw = raw
        let c = raw.pointee
        space = SearchSpaceView(c.space)
        objectiveNames = (0..<Int(c.n_objectives)).map { i in c.objective_names?[i].map { String(cString: $0) } ?? "objective\(i)" }
        metricNames = (0..<Int(c.n_metrics)).map { i in c.metric_names?[i].map { String(cString: $0) } ?? "metric\(i)" }
        seed = c.seed
        budget = Int(c.budget)
        self.logger = logger
    }

    /// Feasibility (and metrics, when asked) of genotypes under the hard
    /// constraints, computed by the host's cost model. Cheap: use it freely.
    public func screen(_ genotypes: [[Int32]], wantMetrics: Bool = false) throws -> (feasible: [Bool], metrics: [[Double]]) {
        guard let q = raw.pointee.query_costs, !genotypes.isEmpty else {
            return (Array(repeating: true, count: genotypes.count), [])
        }
        let d = space.nDims, m = metricNames.count
        var flat = [Int32](); flat.reserveCapacity(genotypes.count * d)
        for g in genotypes { flat.append(contentsOf: g) }
        var feas = [UInt8](repeating: 0, count: genotypes.count)
        var mets = [Double](repeating: .nan, count: wantMetrics ? genotypes.count * m : 0)
        let st = flat.withUnsafeBufferPointer { fp in
            feas.withUnsafeMutableBufferPointer { feasP in
                mets.withUnsafeMutableBufferPointer { mp in
                    q(raw.pointee.host_ctx, UInt32(genotypes.count), fp.baseAddress, feasP.baseAddress,
                      wantMetrics ? mp.baseAddress : nil)
                }
            }
        }
        if st != HWNAS_OK { throw PluginError("host cost query failed (status \(st))") }
        let rows = wantMetrics ? (0..<genotypes.count).map { Array(mets[($0 * m)..<($0 * m + m)]) } : []
        return (feas.map { $0 != 0 }, rows)
    }

    /// True when the host already holds an evaluation of this genotype.
    public func isEvaluated(_ genotype: [Int32]) -> Bool {
        guard let f = raw.pointee.is_evaluated else { return false }
        return genotype.withUnsafeBufferPointer { f(raw.pointee.host_ctx, $0.baseAddress) } != 0
    }
}

/// Ask/tell search strategy. Return an empty array from ask when exhausted.
public protocol SearchStrategy: AnyObject {
    func ask(maxCount: Int) throws -> [[Int32]]
    func tell(_ records: [TellRecord]) throws
}

public struct StrategyKind: @unchecked Sendable {
    public let descriptor: PluginDescriptor
    public let make: (StrategyContext, PluginOptions) throws -> SearchStrategy
    public init(_ descriptor: PluginDescriptor, make: @escaping (StrategyContext, PluginOptions) throws -> SearchStrategy) {
        self.descriptor = descriptor; self.make = make
    }
}

/// A hardware cost model for one profile.
public protocol CostModel: AnyObject {
    var metricNames: [String] { get }
    /// One row of metricNames.count values per candidate (NaN = unknown).
    func estimate(_ batch: CandidateBatch) throws -> [[Double]]
    /// Optional human-readable detail about batch candidate 0.
    func explain(_ batch: CandidateBatch) throws -> String?
}
extension CostModel {
    public func explain(_ batch: CandidateBatch) throws -> String? { nil }
}

public struct CostModelKind: @unchecked Sendable {
    public let descriptor: PluginDescriptor
    public let make: (SearchSpaceView, PluginOptions, HostLogger) throws -> CostModel
    public init(_ descriptor: PluginDescriptor, make: @escaping (SearchSpaceView, PluginOptions, HostLogger) throws -> CostModel) {
        self.descriptor = descriptor; self.make = make
    }
}

public enum EvaluationStatus: Int32, Sendable { case ok = 0, failed = 1, timeout = 2 }

public struct EvaluationResult: Sendable {
    public let status: EvaluationStatus
    public let metrics: [Double]
    /// Text results (ABI 1.2), e.g. "checkpoint": the token the host hands
    /// back as the candidate's "resume" request at a higher fidelity.
    public let texts: [String: String]
    public init(status: EvaluationStatus, metrics: [Double], texts: [String: String] = [:]) {
        self.status = status; self.metrics = metrics; self.texts = texts
    }
    public static func failed(_ n: Int) -> EvaluationResult { .init(status: .failed, metrics: Array(repeating: .nan, count: n)) }
}

/// Objective values for candidates. Metric 0 is the primary objective.
public protocol CandidateEvaluator: AnyObject {
    var metricNames: [String] { get }
    /// Evaluate the batch; call `report` (thread-safe) as each candidate
    /// finishes so the host can journal it, and return all results in order.
    func evaluate(_ batch: CandidateBatch, report: @Sendable (Int, EvaluationResult) -> Void) throws -> [EvaluationResult]
    /// True when it reads the batch's per-candidate requests ("fidelity",
    /// "resume"; ABI 1.2): a multi-fidelity search needs it.
    var takesFidelity: Bool { get }
    /// True when `evaluate` may run on several threads at once (each call
    /// with its own batch): the host's asynchronous loop then shares this
    /// one instance among its workers (HWNAS_EVALUATOR_CONCURRENT_CALLS).
    var concurrentCalls: Bool { get }
}

extension CandidateEvaluator {
    public var takesFidelity: Bool { false }
    public var concurrentCalls: Bool { false }
}

public struct EvaluatorKind: @unchecked Sendable {
    public let descriptor: PluginDescriptor
    public let make: (SearchSpaceView, PluginOptions, HostLogger) throws -> CandidateEvaluator
    public init(_ descriptor: PluginDescriptor, make: @escaping (SearchSpaceView, PluginOptions, HostLogger) throws -> CandidateEvaluator) {
        self.descriptor = descriptor; self.make = make
    }
}
