// What a running search tells its caller: the library writes nothing to
// stderr; the CLI prints these as progress lines, the bench ignores them.
public enum SearchEvent: Sendable {
    /// After every round (ask, screen, evaluate, record, tell).
    case round(SearchProgress)
    /// A whole evaluator call failed; its candidates are recorded as failed.
    /// The same error repeated in a row is reported once.
    case evaluatorError(String)
}

public struct SearchProgress: Sendable {
    public let evaluations: Int
    public let budget: Int
    public let seconds: Double
    /// The first objective's metric, and the best successful evaluation by it.
    public let metric: String
    public let best: EvaluationRecord?
    public let infeasible: Int
    public let duplicates: Int
    public let failed: Int
    /// The asynchronous loop's workers: busy now, and in all.
    public var workers: (busy: Int, total: Int)? = nil
}
