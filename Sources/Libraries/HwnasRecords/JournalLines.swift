// What one line of a search's journal holds: the header saying what its
// values mean, then one entry per evaluation. The journal's behaviour
// (open, refuse, replay, append) is the host's (HwnasCore/Search/Journal.swift).
import Foundation

public struct JournalEntry: Codable, Sendable {
    public var arch: String
    public var genotype: [Int32]
    public var status: String          // "ok" | "failed"
    public var metrics: [String: Double]
    public var costs: [String: Double]
    public var seconds: Double?
    /// Why a failed evaluation failed, when known.
    public var reason: String?
    /// A multi-fidelity search's fidelity of this evaluation ({"epochs": 9}),
    /// and the checkpoint token the evaluator reported for it.
    public var fidelity: [String: Double]?
    public var checkpoint: String?

    public init(arch: String, genotype: [Int32], status: String, metrics: [String: Double], costs: [String: Double],
                seconds: Double?, reason: String?, fidelity: [String: Double]? = nil, checkpoint: String? = nil) {
        self.arch = arch; self.genotype = genotype; self.status = status; self.metrics = metrics; self.costs = costs
        self.seconds = seconds; self.reason = reason; self.fidelity = fidelity; self.checkpoint = checkpoint
    }

    /// What identifies one evaluation: the arch, with its fidelity when it has one.
    public static func key(arch: String, fidelity: [String: Double]?) -> String {
        guard let fidelity, !fidelity.isEmpty else { return arch }
        return arch + " @" + fidelity.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
    }

    public var key: String { Self.key(arch: arch, fidelity: fidelity) }
}

/// What a journal's values mean.
public struct JournalHeader: Codable, Sendable, Equatable {
    public var hwnas_journal: Int = 1
    public var space: String
    /// The space's plugin, options (its file's content for `file`).
    public var space_fingerprint: String
    public var evaluator: String
    /// The evaluator's options that change what it computes.
    public var evaluator_options: [String: String]
    public var profile: String
    /// The profile file's content.
    public var profile_fingerprint: String

    public init(space: String, spaceFingerprint: String, evaluator: String, evaluatorOptions: [String: String],
                profile: String, profileFingerprint: String) {
        self.space = space; space_fingerprint = spaceFingerprint; self.evaluator = evaluator
        evaluator_options = evaluatorOptions; self.profile = profile; profile_fingerprint = profileFingerprint
    }

    /// The first difference from `other`, as "X, this search Y", or nil.
    public func difference(from other: JournalHeader) -> String? {
        if space != other.space || space_fingerprint != other.space_fingerprint {
            return "space \(space) (\(space_fingerprint)); this search: space \(other.space) (\(other.space_fingerprint))"
        }
        if evaluator != other.evaluator || evaluator_options != other.evaluator_options {
            return "evaluator \(evaluator) (\(Fingerprint.describe(evaluator_options))); this search: evaluator \(other.evaluator) (\(Fingerprint.describe(other.evaluator_options)))"
        }
        if profile != other.profile || profile_fingerprint != other.profile_fingerprint {
            return "profile \(profile) (\(profile_fingerprint)); this search: profile \(other.profile) (\(other.profile_fingerprint))"
        }
        return nil
    }
}
