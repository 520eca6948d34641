// Ranks with ties: the one place hwnas turns values into ranks (Spearman's
// correlation in the tools, the predictor's normal-score features).

public enum Ranks {
    /// 1-based ranks, equal values sharing their average rank.
    public static func average(_ x: [Double]) -> [Double] {
        let order = x.indices.sorted { x[$0] < x[$1] }
        var r = [Double](repeating: 0, count: x.count)
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count && x[order[j + 1]] == x[order[i]] { j += 1 }
            let avg = Double(i + j) / 2 + 1
            for k in i...j { r[order[k]] = avg }
            i = j + 1
        }
        return r
    }
}
