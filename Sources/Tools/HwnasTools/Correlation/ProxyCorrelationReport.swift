// The result of a proxy-correlation study: one row per proxy, Spearman and
// Kendall per accuracy column, plus the scored points for a CSV.
import HwnasCore
import Foundation
import HwnasTabular

public struct ProxyCorrelationReport: Sendable {
    public struct Proxy: Sendable {
        public let name: String
        public let spearman: [Double]
        public let kendall: [Double]
    }
    public struct Point: Sendable {
        public let arch: String
        public let proxies: [Double]
        public let accuracies: [Double]
    }
    public let table: String
    public let evaluator: String
    public let sampled: Int
    public let scored: Int
    public let seed: UInt64
    public let columns: [String]
    public let proxies: [Proxy]
    public let evaluatorSeconds: Double
    public let points: [Point]

    /// A Markdown table (also readable in a terminal).
    public func markdown() -> String {
        var head = "| proxy |", rule = "| --- |"
        for c in columns { head += " \(c) Spearman | \(c) Kendall |"; rule += " ---: | ---: |" }
        var lines = [head, rule]
        for p in proxies {
            lines.append("| \(p.name) |" + zip(p.spearman, p.kendall).map { String(format: " %.3f | %.3f |", $0, $1) }.joined())
        }
        return lines.joined(separator: "\n")
    }

    public func summary() -> String {
        let per = sampled > 0 ? evaluatorSeconds / Double(sampled) * 1000 : 0
        return "\(scored) of \(sampled) sampled architectures scored (seed \(seed)); evaluator \(evaluator): "
            + String(format: "%.1f s, %.1f ms per architecture", evaluatorSeconds, per)
    }

    /// One row per scored architecture: arch, every proxy, every accuracy.
    public func csv() -> String {
        var out = CSVTable.line(["arch"] + proxies.map(\.name) + columns)
        for p in points {
            out += CSVTable.line([p.arch] + (p.proxies + p.accuracies).map { String($0) })
        }
        return out
    }
}
