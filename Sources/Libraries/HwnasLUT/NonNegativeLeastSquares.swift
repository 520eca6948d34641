// Lawson & Hanson's active-set NNLS ("Solving Least Squares Problems",
// 1974, ch. 23): minimise |A x - b|^2 subject to x >= 0. For the few-shot
// fit's small systems (tens of rows, about ten columns).
public enum NonNegativeLeastSquares {
    /// `a` is rows x cols, row-major.
    public static func solve(_ a: [Double], rows: Int, cols: Int, _ b: [Double]) throws -> [Double] {
        precondition(a.count == rows * cols && b.count == rows)
        var x = [Double](repeating: 0, count: cols)
        var passive = [Bool](repeating: false, count: cols)
        let tol = 1e-10 * max(1, b.map(abs).max() ?? 1)
        func gradient() -> [Double] {
            var r = b
            for i in 0..<rows { for j in 0..<cols { r[i] -= a[i * cols + j] * x[j] } }
            return (0..<cols).map { j in (0..<rows).reduce(0) { $0 + a[$1 * cols + j] * r[$1] } }
        }
        /// Unconstrained least squares on the passive columns (0 elsewhere).
        func subproblem() throws -> [Double] {
            let p = (0..<cols).filter { passive[$0] }
            var sub = [Double](); sub.reserveCapacity(rows * p.count)
            for i in 0..<rows { for j in p { sub.append(a[i * cols + j]) } }
            let (z, _) = try LeastSquares.solve(sub, rows: rows, cols: p.count, b)
            var s = [Double](repeating: 0, count: cols)
            for (k, j) in p.enumerated() { s[j] = z[k] }
            return s
        }
        for _ in 0..<(3 * cols + 10) {
            let w = gradient()
            guard let j = (0..<cols).filter({ !passive[$0] && w[$0] > tol }).max(by: { w[$0] < w[$1] }) else { break }
            passive[j] = true
            var s = try subproblem()
            for _ in 0..<(3 * cols + 10) {
                let bad = (0..<cols).filter { passive[$0] && s[$0] <= 0 }
                if bad.isEmpty { break }
                let alpha = bad.map { x[$0] - s[$0] > 0 ? x[$0] / (x[$0] - s[$0]) : 0 }.min() ?? 0
                for k in 0..<cols { x[k] += alpha * (s[k] - x[k]) }
                for k in 0..<cols where passive[k] && x[k] <= tol { passive[k] = false; x[k] = 0 }
                s = try subproblem()
            }
            x = s
        }
        return x.map { max(0, $0) }
    }
}
