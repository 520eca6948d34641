// Sizes that come from a file, an option or a plugin are multiplied only
// through here: a product that would overflow, or pass a cap, is nil, so
// the caller refuses it in one line instead of trapping.
public enum CheckedSize {
    /// The product of `factors`, or nil when a factor is negative or the
    /// product passes `cap`.
    public static func product(_ factors: [Int], atMost cap: Int) -> Int? {
        var p = 1
        for x in factors {
            guard x >= 0 else { return nil }
            let (r, overflow) = p.multipliedReportingOverflow(by: x)
            guard !overflow, r <= cap else { return nil }
            p = r
        }
        return p
    }
}
