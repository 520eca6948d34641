// Non-dominated (Pareto) front extraction for several objectives, each with
// its own direction. A point dominates another when it is at least as good in
// every objective and strictly better in one.
import HwnasCore
public enum ObjectiveDirection: Sendable, Equatable {
    case maximize, minimize
}

public enum ParetoFront {
    /// True when `a` dominates `b` under `directions`.
    public static func dominates(_ a: [Double], _ b: [Double], _ directions: [ObjectiveDirection]) -> Bool {
        var strictly = false
        for k in 0..<directions.count {
            let better = directions[k] == .maximize ? a[k] - b[k] : b[k] - a[k]
            if better < 0 { return false }
            if better > 0 { strictly = true }
        }
        return strictly
    }

    /// Indices of the non-dominated points, in input order. Points with a
    /// NaN coordinate are never on the front; exact duplicates all are.
    public static func indices(_ points: [[Double]], _ directions: [ObjectiveDirection]) -> [Int] {
        let valid = points.indices.filter { i in points[i].count == directions.count && points[i].allSatisfy { !$0.isNaN } }
        // Sort by the first objective (best first) so only earlier points can dominate.
        let order = valid.sorted { a, b in
            let x = points[a][0], y = points[b][0]
            if x != y { return directions[0] == .maximize ? x > y : x < y }
            return a < b
        }
        var front: [Int] = []
        for i in order where !front.contains(where: { dominates(points[$0], points[i], directions) }) {
            front.removeAll { dominates(points[i], points[$0], directions) }
            front.append(i)
        }
        return front.sorted()
    }
}
