// Fits a FeatureTable to end-to-end latency measurements by (weighted)
// least squares, with a seeded held-out split.
//
// Weighting: `relative` divides each row by its measurement, so the fit
// minimises squared relative error (what MAPE and the +-10% share measure);
// without it a few slow networks dominate and fast ones get large relative
// errors. `none` is plain least squares.
import HwnasSplitMix

public struct LutFitResult: Sendable {
    /// Fitted on the training rows only; `holdout` metrics are of this table.
    public let table: FeatureTable
    /// Fitted on all rows (what a profile should ship once validated).
    public let fullTable: FeatureTable
    public let train: FitMetrics
    public let holdout: FitMetrics?
    public let rank: Int
}

public enum LutWeighting: String, Sendable, CaseIterable { case relative, none }

public enum LutFitter {
    /// Deterministic shuffle (SplitMix64) -> (train, test) row indices.
    public static func split(count: Int, holdout: Double, seed: UInt64) -> (train: [Int], test: [Int]) {
        var idx = Array(0..<count)
        var rng = SplitMix64(state: seed)
        for i in stride(from: count - 1, to: 0, by: -1) { idx.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
        let nTest = min(count - 1, max(0, Int((Double(count) * holdout).rounded())))
        return (Array(idx[nTest...]), Array(idx[..<nTest]))
    }

    public static func fit(features: GenotypeFeatures, genotypes: [[Int32]], latencies: [Double],
                           holdout: Double = 0.2, seed: UInt64 = 0, weighting: LutWeighting = .relative) throws -> LutFitResult {
        guard genotypes.count == latencies.count, genotypes.count >= 2 else {
            throw LeastSquaresError(description: "lut fit: need at least 2 measurements, got \(genotypes.count)")
        }
        if let bad = latencies.firstIndex(where: { !($0 > 0) || !$0.isFinite }) {
            throw LeastSquaresError(description: "lut fit: measurement \(bad) is \(latencies[bad]); latencies must be positive")
        }
        let x = genotypes.map(features.vector)
        let (train, test) = split(count: genotypes.count, holdout: holdout, seed: seed)
        let (w, rank) = try solve(x, latencies, rows: train, weighting: weighting, n: features.names.count)
        let table = FeatureTable(features: features, weights: w)
        let full = test.isEmpty ? table
            : FeatureTable(features: features, weights: try solve(x, latencies, rows: Array(0..<x.count), weighting: weighting, n: features.names.count).0)
        func metrics(_ rows: [Int]) -> FitMetrics {
            FitMetrics(predicted: rows.map { zip(x[$0], w).reduce(0) { $0 + $1.0 * $1.1 } }, measured: rows.map { latencies[$0] })
        }
        return LutFitResult(table: table, fullTable: full, train: metrics(train), holdout: test.isEmpty ? nil : metrics(test), rank: rank)
    }

    static func solve(_ x: [[Double]], _ y: [Double], rows: [Int], weighting: LutWeighting, n: Int) throws -> ([Double], Int) {
        var a = [Double](); a.reserveCapacity(rows.count * n)
        for r in rows { a += x[r] }
        let weights = weighting == .relative ? rows.map { 1 / y[$0] } : nil
        let (w, rank) = try LeastSquares.solve(a, rows: rows.count, cols: n, rows.map { y[$0] }, weights: weights)
        return (w, rank)
    }
}
