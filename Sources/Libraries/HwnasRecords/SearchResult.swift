// What a search returns and writes with --output (the host's loop makes
// it; the CLI, tools and tests read it).
import Foundation
import HwnasOutputFile

public struct EvaluationRecord: Codable, Sendable {
    public var step: Int
    public var arch: String
    public var genotype: [Int32]
    public var status: String                  // ok | failed
    /// The first objective's raw value (nil when the evaluation failed).
    public var objective: Double?
    public var objectives: [String: Double]
    public var metrics: [String: Double]       // everything the evaluator reported
    public var costs: [String: Double]
    public var replayed: Bool                  // answered from the journal
    /// Under soft constraints: the first objective scaled by them (what the
    /// strategy was told and what ranks the best); absent otherwise.
    public var reward: Double?
    /// Why a failed evaluation failed, when the evaluator said (absent otherwise).
    public var reason: String?
    /// A multi-fidelity search's fidelity of this evaluation, and the
    /// checkpoint token the evaluator reported (absent otherwise).
    public var fidelity: [String: Double]? = nil
    public var checkpoint: String? = nil

    public init(step: Int, arch: String, genotype: [Int32], status: String, objective: Double?, objectives: [String: Double],
                metrics: [String: Double], costs: [String: Double], replayed: Bool, reward: Double? = nil, reason: String? = nil) {
        self.step = step; self.arch = arch; self.genotype = genotype; self.status = status; self.objective = objective
        self.objectives = objectives; self.metrics = metrics; self.costs = costs; self.replayed = replayed; self.reward = reward
        self.reason = reason
    }
}

public struct BestCandidate: Codable, Sendable {
    public var arch: String
    public var genotype: [Int32]
    public var objective: Double
    public var costs: [String: Double]
    /// The reward under soft constraints (the raw objective and costs beside it).
    public var reward: Double?

    public init(arch: String, genotype: [Int32], objective: Double, costs: [String: Double], reward: Double? = nil) {
        self.arch = arch; self.genotype = genotype; self.objective = objective; self.costs = costs; self.reward = reward
    }
}

public struct ParetoSummary: Codable, Sendable {
    public var objectives: [String]
    public var reference_point: [Double]
    public var hypervolume: Double
    public var front: [EvaluationRecord]

    public init(objectives: [String], reference_point: [Double], hypervolume: Double, front: [EvaluationRecord]) {
        self.objectives = objectives; self.reference_point = reference_point
        self.hypervolume = hypervolume; self.front = front
    }
}

/// How busy the asynchronous loop's workers were.
public struct WorkerUse: Codable, Sendable {
    public var count: Int
    /// Seconds the workers spent in evaluator calls, summed.
    public var busy_seconds: Double
    /// busy_seconds / (count x wall_seconds).
    public var utilisation: Double

    public init(count: Int, busy_seconds: Double, utilisation: Double) {
        self.count = count; self.busy_seconds = busy_seconds; self.utilisation = utilisation
    }
}

public struct SearchResult: Codable, Sendable {
    public var space: String
    public var profile: String
    /// The profile file read, and its content's fingerprint (a same-named
    /// profile in the current folder shadows the packaged one).
    public var profile_path: String
    public var profile_fingerprint: String
    public var strategy: String
    public var evaluator: String
    public var objectives: [String]
    public var constraints: [String]
    /// --soft constraints as given (absent without them).
    public var soft_constraints: [String]?
    public var seed: UInt64
    public var budget: Int
    public var best: BestCandidate?
    public var feasible: Bool
    public var evaluations: Int
    public var failed_evaluations: Int
    public var replayed_evaluations: Int
    public var infeasible_skipped: Int
    public var duplicates_skipped: Int
    public var proposals: Int
    public var stop_reason: String
    public var wall_seconds: Double
    public var strategy_seconds: Double
    public var history: [EvaluationRecord]
    public var pareto: ParetoSummary?
    public var notes: [String]
    /// With --schedule async: the workers and how busy they were.
    public var workers: WorkerUse? = nil
    /// A multi-fidelity search: its --fidelity, scheduler, and the fidelity spent.
    public var fidelity: String? = nil
    public var scheduler: String? = nil
    public var fidelity_spent: Double? = nil

    public init(space: String, profile: String, profile_path: String, profile_fingerprint: String, strategy: String,
                evaluator: String, objectives: [String], constraints: [String], soft_constraints: [String]? = nil, seed: UInt64, budget: Int, best: BestCandidate?,
                feasible: Bool, evaluations: Int, failed_evaluations: Int, replayed_evaluations: Int, infeasible_skipped: Int,
                duplicates_skipped: Int, proposals: Int, stop_reason: String, wall_seconds: Double, strategy_seconds: Double,
                history: [EvaluationRecord], pareto: ParetoSummary?, notes: [String]) {
        self.space = space; self.profile = profile; self.profile_path = profile_path; self.profile_fingerprint = profile_fingerprint
        self.strategy = strategy; self.evaluator = evaluator; self.objectives = objectives; self.constraints = constraints
        self.soft_constraints = soft_constraints
        self.seed = seed; self.budget = budget; self.best = best; self.feasible = feasible; self.evaluations = evaluations
        self.failed_evaluations = failed_evaluations; self.replayed_evaluations = replayed_evaluations
        self.infeasible_skipped = infeasible_skipped; self.duplicates_skipped = duplicates_skipped; self.proposals = proposals
        self.stop_reason = stop_reason; self.wall_seconds = wall_seconds; self.strategy_seconds = strategy_seconds
        self.history = history; self.pareto = pareto; self.notes = notes
    }

    /// The document --output writes (pretty, sorted keys, non-finite numbers as strings).
    public func jsonData() throws -> Data {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        enc.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try enc.encode(self) + Data("\n".utf8)
    }

    public func write(to path: String, flag: String = "--output") throws {
        try OutputFile.write(try jsonData(), to: path, flag: flag)
    }
}
