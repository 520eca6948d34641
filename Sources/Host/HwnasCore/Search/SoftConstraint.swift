// MnasNet's soft constraint (Tan et al., CVPR 2019): instead of refusing a
// network over a target, its first objective is scaled by
// (metric / target)^w, with w = alpha at or under the target and w = beta
// over it. alpha = beta = -0.07 is MnasNet's soft reward (a network twice as
// slow must be ~5 % more accurate to tie); alpha = 0, beta = -1 is its
// hard-ish one. Written "latency_ms<=80:w=-0.07" or
// "latency_ms<=80:alpha=0,beta=-1". Hard constraints still screen first.
import Foundation

public struct SoftConstraint: Sendable, CustomStringConvertible, Equatable {
    public let metric: String
    public let target: Double
    public let alpha: Double
    public let beta: Double

    public init(metric: String, target: Double, alpha: Double, beta: Double) {
        self.metric = metric; self.target = target; self.alpha = alpha; self.beta = beta
    }

    public init(parsing text: String) throws {
        let s = text.replacingOccurrences(of: " ", with: "")
        let usage = "expected METRIC<=TARGET:w=W or METRIC<=TARGET:alpha=A,beta=B (e.g. latency_ms<=80:w=-0.07)"
        guard let colon = s.firstIndex(of: ":") else { throw HwnasError("bad soft constraint '\(text)': \(usage)") }
        let bound = try Constraint(parsing: String(s[..<colon]))
        guard bound.op == .le else {
            throw HwnasError("bad soft constraint '\(text)': only METRIC<=TARGET is supported (MnasNet's form: a cost to keep down)")
        }
        guard bound.bound > 0 else { throw HwnasError("bad soft constraint '\(text)': the target must be positive (the reward divides by it)") }
        var weights: [String: Double] = [:]
        for part in s[s.index(after: colon)...].split(separator: ",", omittingEmptySubsequences: false) {
            let kv = part.split(separator: "=", maxSplits: 1).map(String.init)
            guard kv.count == 2, ["w", "alpha", "beta"].contains(kv[0]), let v = Double(kv[1]), v.isFinite else {
                throw HwnasError("bad soft constraint '\(text)': '\(part)' is not w=, alpha= or beta= with a number; \(usage)")
            }
            guard weights[kv[0]] == nil else { throw HwnasError("bad soft constraint '\(text)': '\(kv[0])' given twice") }
            weights[kv[0]] = v
        }
        let alpha: Double, beta: Double
        switch (weights["w"], weights["alpha"], weights["beta"]) {
        case let (w?, nil, nil): (alpha, beta) = (w, w)
        case let (nil, a?, b?): (alpha, beta) = (a, b)
        default: throw HwnasError("bad soft constraint '\(text)': give either w, or both alpha and beta; \(usage)")
        }
        guard alpha <= 0, beta <= 0 else {
            throw HwnasError("bad soft constraint '\(text)': w, alpha and beta must be <= 0 (a positive exponent would reward a larger \(bound.metric))")
        }
        self.init(metric: bound.metric, target: bound.bound, alpha: alpha, beta: beta)
    }

    /// The factor (metric / target)^w; NaN when the metric is not a positive number.
    public func factor(_ value: Double) -> Double {
        guard value.isFinite, value > 0 else { return .nan }
        return pow(value / target, value <= target ? alpha : beta)
    }

    /// The reward of a first-objective value under these soft constraints:
    /// value x factor, or value / factor for a negative value, so that going
    /// over a target always makes the reward worse (MnasNet assumes a
    /// positive accuracy; proxy scores may be negative).
    public static func reward(_ value: Double, factors: [Double]) -> Double {
        let f = factors.reduce(1, *)
        guard value.isFinite, f.isFinite, f > 0 else { return .nan }
        return value >= 0 ? value * f : value / f
    }

    public var description: String {
        let c = "\(metric)<=\(Constraint.format(target))"
        return alpha == beta ? "\(c):w=\(alpha)" : "\(c):alpha=\(alpha),beta=\(beta)"
    }
}
