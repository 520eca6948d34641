// A warning about something that can happen on every call of a long search
// (a candidate with no latency, a score that says nothing): reported the
// 1st, 2nd, 4th, 8th... time with the count so far, so a search of
// thousands of candidates prints a dozen lines, not thousands, and the
// last line printed is never more than half the true count behind.
import Foundation

public final class RepeatedWarning: @unchecked Sendable {
    private var count = 0
    private var nextReport = 1
    private let lock = NSLock()

    public init() {}

    /// Adds `n` occurrences; returns the count so far when that count
    /// reached the next report (1, 2, 4, 8, ...), else nil.
    public func add(_ n: Int = 1) -> Int? {
        guard n > 0 else { return nil }
        lock.lock(); defer { lock.unlock() }
        count += n
        guard count >= nextReport else { return nil }
        while nextReport <= count { nextReport *= 2 }
        return count
    }

    /// Occurrences so far.
    public var total: Int { lock.lock(); defer { lock.unlock() }; return count }
}
