// What a search returns and writes with --output.
import Foundation

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
}

public struct BestCandidate: Codable, Sendable {
    public var arch: String
    public var genotype: [Int32]
    public var objective: Double
    public var costs: [String: Double]
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

    public func write(to path: String) throws {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys]
        enc.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let data = try enc.encode(self)
        try OutputFile.write(data + Data("\n".utf8), to: path, flag: "--output")
    }
}
