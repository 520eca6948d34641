// Everything one constrained search needs, as plain values.

/// How a search with several candidates at once waits for them.
public enum SearchSchedule: String, Sendable, CaseIterable {
    /// Ask `parallel`, evaluate them in one evaluator call, tell, ask again.
    case rounds
    /// One evaluator instance per worker: ask whenever one frees up, tell
    /// each result as it arrives (completion order).
    case async
}

public struct SearchConfiguration: Sendable {
    public var space: SearchSpace
    public var profile: HardwareProfile
    public var constraints: [Constraint] = []
    /// Empty: maximise the evaluator's primary metric.
    public var objectives: [Objective] = []
    /// MnasNet-style soft constraints: the first objective is told to the
    /// strategy (and ranks the best) as a reward scaled by each.
    public var softConstraints: [SoftConstraint] = []
    public var strategy: String
    public var strategyOptions: [String: String] = [:]
    public var evaluator: String
    public var evaluatorOptions: [String: String] = [:]
    public var budget: Int = 100
    public var seed: UInt64 = 1
    /// Candidates evaluated at once: per round (evaluators may run them in
    /// parallel), or one per worker with `schedule` async.
    public var parallel: Int = 1
    public var schedule: SearchSchedule = .rounds
    /// Multi-fidelity: the rungs, who promotes, and the total fidelity
    /// allowed (nil: only --budget bounds it). Runs on the asynchronous loop.
    public var fidelity: FidelitySpec?
    public var scheduler: FidelityScheduler = .asha
    public var fidelityBudget: Double?
    public var journalPath: String?
    /// Replay a journal written for another search (space, evaluator, profile).
    public var reuseJournal = false
    /// Replay failed evaluations of the journal as failed instead of retrying them.
    public var keepFailed = false
    /// Told after every round and when an evaluator call fails (the CLI
    /// prints progress lines from it); called on the searching thread.
    public var onEvent: (@Sendable (SearchEvent) -> Void)?
    /// Where the strategy and the evaluator run; nil: in this process.
    /// `--isolate` gives HwnasIsolation's child process: a crashing evaluator
    /// call becomes a failed evaluation, a crashing strategy ends the search
    /// with its result.
    public var runner: (any PluginRunner)?
    /// Asked after every round: true ends the search there, with its result
    /// (stop reason "interrupted"): a host API caller's Ctrl-C.
    public var shouldStop: (@Sendable () -> Bool)?
    /// Stop after this many proposals in a row that led to no evaluation.
    public var maxIdleProposals: Int = Self.defaultMaxIdleProposals
    public static let defaultMaxIdleProposals = 200_000

    public init(space: SearchSpace, profile: HardwareProfile, strategy: String, evaluator: String) {
        self.space = space; self.profile = profile; self.strategy = strategy; self.evaluator = evaluator
    }

    /// An evaluator's options as given, plus `parallel` when the evaluator
    /// declares that option (or declares none, as a 1.0 plugin) and the user
    /// did not set it directly. Nothing else is filled in: the plugin's
    /// declared defaults apply, and the host checks every key.
    public static func evaluatorOptions(_ given: [String: String], evaluator: String, parallel: Int,
                                        registry: PluginRegistry) -> [String: String] {
        var o = given
        if parallel > 1 && o["parallel"] == nil {
            let declared = (try? registry.lookup(.evaluator, evaluator))?.0.options
            if declared == nil || declared!.contains(where: { $0.key == "parallel" }) { o["parallel"] = String(parallel) }
        }
        return o
    }
}
