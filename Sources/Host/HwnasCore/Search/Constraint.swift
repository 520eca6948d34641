// Hard constraints on cost metrics: "latency_ms<=10", "flash_kb<1024".
import Foundation

public struct Constraint: Sendable, CustomStringConvertible, Equatable {
    public enum Op: String, Sendable { case le = "<=", lt = "<", ge = ">=", gt = ">" }
    public let metric: String
    public let op: Op
    public let bound: Double

    public init(metric: String, op: Op, bound: Double) { self.metric = metric; self.op = op; self.bound = bound }

    public init(parsing text: String) throws {
        let s = text.replacingOccurrences(of: " ", with: "")
        for op in [Op.le, .ge, .lt, .gt] {   // two-character operators first
            guard let r = s.range(of: op.rawValue) else { continue }
            let m = String(s[..<r.lowerBound]), v = String(s[r.upperBound...])
            guard Self.isMetricName(m), let b = Double(v), b.isFinite else { break }
            self.init(metric: m, op: op, bound: b)
            return
        }
        throw HwnasError("bad constraint '\(text)': expected METRIC<=X, METRIC<X, METRIC>=X or METRIC>X (e.g. latency_ms<=10)")
    }

    /// Metric names are identifiers (letters, digits, '_', '.', '-'), so typos
    /// such as "latency_ms=<5" are rejected instead of naming a metric "latency_ms=".
    static func isMetricName(_ m: String) -> Bool {
        guard let first = m.unicodeScalars.first, CharacterSet.letters.contains(first) || first == "_" else { return false }
        return m.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || "_.-".unicodeScalars.contains($0) }
    }

    /// Unknown (NaN) values never satisfy a constraint.
    public func isSatisfied(by value: Double) -> Bool {
        guard value.isFinite else { return false }
        switch op {
        case .le: return value <= bound
        case .lt: return value < bound
        case .ge: return value >= bound
        case .gt: return value > bound
        }
    }

    public var description: String { "\(metric)\(op.rawValue)\(Self.format(bound))" }

    static func format(_ x: Double) -> String { x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : String(x) }
}

/// Constraints bound to a profile's cost metrics: which column each reads,
/// and whether a row of costs satisfies them all (the search loop's and the
/// host API's screening).
public struct ConstraintGate: Sendable {
    public let constraints: [Constraint]
    /// The cost-metric column of each constraint.
    public let columns: [Int]

    /// Fails, naming the profile and its metrics, when a constraint's metric
    /// is not one of `metricNames`.
    public init(_ constraints: [Constraint], metricNames: [String], profile: String) throws {
        self.constraints = constraints
        columns = try constraints.map { c in
            guard let i = metricNames.firstIndex(of: c.metric) else {
                throw HwnasError("constraint \(c): profile '\(profile)' reports no metric '\(c.metric)' (it reports: \(metricNames.joined(separator: ", ")))")
            }
            return i
        }
    }

    public func feasible(_ row: [Double]) -> Bool {
        zip(constraints, columns).allSatisfy { $0.isSatisfied(by: row[$1]) }
    }
}

/// "accuracy:max", "latency_ms:min".
public struct Objective: Sendable, CustomStringConvertible, Equatable {
    public let metric: String
    public let maximize: Bool
    public init(metric: String, maximize: Bool) { self.metric = metric; self.maximize = maximize }

    public init(parsing text: String) throws {
        let parts = text.split(separator: ":").map { $0.trimmingCharacters(in: .whitespaces) }
        guard (1...2).contains(parts.count), !parts[0].isEmpty else {
            throw HwnasError("bad objective '\(text)': expected METRIC:max or METRIC:min")
        }
        let dir = parts.count == 2 ? parts[1].lowercased() : "max"
        guard dir == "max" || dir == "min" else { throw HwnasError("bad objective '\(text)': direction must be max or min") }
        self.init(metric: parts[0], maximize: dir == "max")
    }

    public var description: String { "\(metric):\(maximize ? "max" : "min")" }
    /// Larger-is-better form handed to strategies.
    public func oriented(_ v: Double) -> Double { maximize ? v : -v }
}
