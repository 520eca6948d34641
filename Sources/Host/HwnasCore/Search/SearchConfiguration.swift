// Everything one constrained search needs, as plain values.
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
    /// Candidates asked and evaluated per round (evaluators may run them in parallel).
    public var parallel: Int = 1
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
    /// Stop after this many proposals in a row that led to no evaluation.
    public var maxIdleProposals: Int = 200_000

    public init(space: SearchSpace, profile: HardwareProfile, strategy: String, evaluator: String) {
        self.space = space; self.profile = profile; self.strategy = strategy; self.evaluator = evaluator
    }
}
