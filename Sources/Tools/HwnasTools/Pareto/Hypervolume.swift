// Hypervolume of a point set: the volume dominated by the set and bounded by
// an explicit reference point (a point worse than every point of interest in
// every objective). Exact: a sweep in 2-D, slicing along the last objective
// over 2-D sweeps in 3-D, and HSO (hypervolume by slicing objectives,
// While et al. 2006) in higher dimensions, which suits small fronts.
import HwnasCore
public enum Hypervolume {
    public static func compute(_ points: [[Double]], reference: [Double], directions: [ObjectiveDirection]) -> Double {
        precondition(reference.count == directions.count, "reference point needs one coordinate per objective")
        // Minimisation form: negate maximised objectives; keep points strictly
        // better than the reference in every objective.
        let sign = directions.map { $0 == .maximize ? -1.0 : 1.0 }
        let ref = zip(reference, sign).map { $0 * $1 }
        let pts = points.filter { $0.count == ref.count && !$0.contains(where: \.isNaN) }
            .map { zip($0, sign).map { $0 * $1 } }
            .filter { p in zip(p, ref).allSatisfy { $0 < $1 } }
        let front = ParetoFront.indices(pts, Array(repeating: .minimize, count: ref.count)).map { pts[$0] }
        return minimizationVolume(front, ref)
    }

    static func minimizationVolume(_ pts: [[Double]], _ ref: [Double]) -> Double {
        if pts.isEmpty { return 0 }
        switch ref.count {
        case 1: return ref[0] - pts.map { $0[0] }.min()!
        case 2: return sweep2D(pts, ref)
        default: return slice(pts, ref)
        }
    }

    /// 2-D: sort by x, add the rectangle each new best y contributes.
    static func sweep2D(_ pts: [[Double]], _ ref: [Double]) -> Double {
        var volume = 0.0, bestY = ref[1]
        for p in pts.sorted(by: { $0[0] < $1[0] || ($0[0] == $1[0] && $0[1] < $1[1]) }) where p[1] < bestY {
            volume += (ref[0] - p[0]) * (bestY - p[1])
            bestY = p[1]
        }
        return volume
    }

    /// Slice along the last objective: between consecutive values, the
    /// cross-section is the (d-1)-dimensional volume of the points below.
    static func slice(_ pts: [[Double]], _ ref: [Double]) -> Double {
        let d = ref.count
        let sorted = pts.sorted { $0[d - 1] < $1[d - 1] }
        var volume = 0.0
        var active: [[Double]] = []
        for (i, p) in sorted.enumerated() {
            active.append(Array(p.prefix(d - 1)))
            let next = i + 1 < sorted.count ? sorted[i + 1][d - 1] : ref[d - 1]
            let depth = next - p[d - 1]
            if depth <= 0 { continue }
            let sub = Array(ref.prefix(d - 1))
            let subFront = ParetoFront.indices(active, Array(repeating: .minimize, count: d - 1)).map { active[$0] }
            active = subFront
            volume += depth * minimizationVolume(subFront, sub)
        }
        return volume
    }
}
