// Linear least squares through LAPACK dgelsd (SVD, minimum-norm solution),
// optionally weighted: minimise sum_i w_i^2 (a_i . x - b_i)^2.
import CHwnasLstsq

public struct LeastSquaresError: Error, CustomStringConvertible {
    public let description: String
}

public enum LeastSquares {
    /// `a` has `rows` rows of `cols` values (row-major). Returns x and the
    /// effective rank (rank < cols: the minimum-norm solution is returned).
    public static func solve(_ a: [Double], rows: Int, cols: Int, _ b: [Double],
                             weights: [Double]? = nil) throws -> (x: [Double], rank: Int) {
        guard rows > 0, cols > 0, a.count == rows * cols, b.count == rows else {
            throw LeastSquaresError(description: "least squares: \(rows)x\(cols) system with \(a.count) entries and \(b.count) targets")
        }
        var aw = a, bw = b
        if let w = weights {
            guard w.count == rows else { throw LeastSquaresError(description: "least squares: \(w.count) weights for \(rows) rows") }
            for i in 0..<rows {
                bw[i] *= w[i]
                for j in 0..<cols { aw[i * cols + j] *= w[i] }
            }
        }
        var x = [Double](repeating: 0, count: cols)
        // rcond 1e-10: exact collinearities (one-hot groups summing to the intercept)
        // leave singular values at round-off level; treating them as zero gives
        // the true minimum-norm table instead of huge cancelling weights.
        let rank = hwnas_lstsq(Int32(rows), Int32(cols), aw, bw, 1e-10, &x)
        guard rank >= 0 else { throw LeastSquaresError(description: "LAPACK dgelsd failed (code \(rank))") }
        return (x, Int(rank))
    }
}
