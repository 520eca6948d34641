// Rank correlations for judging accuracy proxies: does the proxy order
// architectures the way their trained accuracy does? Ties get average ranks
// (Spearman) and the tau-b correction (Kendall), which matters for params and
// MACs where many architectures share a value.
import HwnasCore
import HwnasRanks
import Foundation

public enum RankCorrelation {
    /// 1-based ranks, ties sharing their average rank.
    public static func ranks(_ x: [Double]) -> [Double] { Ranks.average(x) }

    public static func pearson(_ x: [Double], _ y: [Double]) -> Double {
        precondition(x.count == y.count)
        let n = Double(x.count)
        guard n >= 2 else { return .nan }
        let mx = x.reduce(0, +) / n, my = y.reduce(0, +) / n
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for (a, b) in zip(x, y) {
            sxy += (a - mx) * (b - my); sxx += (a - mx) * (a - mx); syy += (b - my) * (b - my)
        }
        return sxx > 0 && syy > 0 ? sxy / (sxx * syy).squareRoot() : .nan
    }

    /// Spearman's rho: Pearson correlation of the (tie-averaged) ranks.
    public static func spearman(_ x: [Double], _ y: [Double]) -> Double {
        pearson(ranks(x), ranks(y))
    }

    /// Kendall's tau-b, O(n^2): (concordant - discordant) / sqrt((n0 - tx)(n0 - ty)).
    /// Plenty fast for the few thousand points a proxy study uses.
    public static func kendallTauB(_ x: [Double], _ y: [Double]) -> Double {
        precondition(x.count == y.count)
        let n = x.count
        guard n >= 2 else { return .nan }
        var s: Int64 = 0, tiesX: Int64 = 0, tiesY: Int64 = 0
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeBufferPointer { yp in
                for i in 0..<(n - 1) {
                    let xi = xp[i], yi = yp[i]
                    for j in (i + 1)..<n {
                        let dx = xp[j] - xi, dy = yp[j] - yi
                        if dx == 0 { tiesX += 1 }
                        if dy == 0 { tiesY += 1 }
                        if dx != 0 && dy != 0 { s += (dx > 0) == (dy > 0) ? 1 : -1 }
                    }
                }
            }
        }
        let n0 = Int64(n) * Int64(n - 1) / 2
        let den = (Double(n0 - tiesX) * Double(n0 - tiesY)).squareRoot()
        return den > 0 ? Double(s) / den : .nan
    }
}
