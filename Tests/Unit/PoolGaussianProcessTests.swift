// The predictor's GP surrogate (PoolGaussianProcess) keeps its posterior
// incrementally (a growing Cholesky factor and whitened cross-covariances in
// Float); here it is checked against the textbook formulas computed from
// scratch in Double on a small pool:
//   mean = K_*X (K_XX + s I)^-1 y,  cov = K_** - K_*X (K_XX + s I)^-1 K_X*.
@testable import HwnasPredictorSearch
import HwnasPluginSupport
import Foundation
import Testing

@Suite struct PoolGaussianProcessTests {
    /// A 3 x 4 x 3 grid (36 candidates) with two dense features each.
    static let pool: (codes: [[Int32]], dense: [[Double]]) = {
        var codes: [[Int32]] = [], dense: [[Double]] = []
        for a in 0..<3 { for b in 0..<4 { for c in 0..<3 {
            codes.append([Int32(a), Int32(b), Int32(c)])
            dense.append([sin(Double(a * 12 + b * 3 + c)), Double(b) / 3 - 0.5])
        } } }
        return (codes, dense)
    }()
    static let length = 1.5, noise = 0.05

    static func kernel(_ i: Int, _ j: Int) -> Double {
        let (c, d) = pool
        var h = 0.0, s = 0.0
        for k in 0..<3 where c[i][k] != c[j][k] { h += 2 }
        for k in 0..<2 { s += (d[i][k] - d[j][k]) * (d[i][k] - d[j][k]) }
        return exp(-(h + s) / (2 * length * length))
    }

    /// Solve A x = b for symmetric positive definite A (Cholesky, Double).
    static func solve(_ a: [[Double]], _ b: [Double]) -> [Double] {
        let n = b.count
        var l = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        for i in 0..<n {
            for j in 0...i {
                var s = a[i][j]
                for k in 0..<j { s -= l[i][k] * l[j][k] }
                l[i][j] = i == j ? s.squareRoot() : s / l[j][j]
            }
        }
        var z = [Double](repeating: 0, count: n), x = z
        for i in 0..<n { var s = b[i]; for k in 0..<i { s -= l[i][k] * z[k] }; z[i] = s / l[i][i] }
        for i in stride(from: n - 1, through: 0, by: -1) { var s = z[i]; for k in (i + 1)..<n { s -= l[k][i] * x[k] }; x[i] = s / l[i][i] }
        return x
    }

    static func makeProcess(dense: [Double] = pool.dense.flatMap { $0 }) -> PoolGaussianProcess {
        PoolGaussianProcess(codes: pool.codes.flatMap { $0 }, nDims: 3, dense: dense, denseCount: 2,
                            lengthScale: length, noiseVariance: noise)
    }

    /// Observations told one at a time and several at once (so V's pending
    /// rows are solved together), targets changing in between as the
    /// predictor's rank scores do: means and variances match the formulas.
    @Test func posteriorMatchesTheFormulas() {
        let gp = Self.makeProcess()
        let observed = [5, 17, 30, 2, 33, 11, 20, 8, 26, 14]
        var seen: [Int] = []
        for batch in [[5], [17, 30, 2], [33], [11, 20, 8, 26], [14]] {
            for i in batch { gp.add(Self.pool.codes[i], dense: Self.pool.dense[i]); seen.append(i) }
            let y = seen.map { sin(Double($0) * 0.7) + Double(seen.count) * 0.01 }
            let mean = gp.posteriorMean(y)
            let kxx = seen.map { a in seen.map { b in Self.kernel(a, b) + (a == b ? Self.noise : 0) } }
            let alpha = Self.solve(kxx, y)
            for i in 0..<36 {
                let k = seen.map { Self.kernel(i, $0) }
                let exact = zip(k, alpha).map(*).reduce(0, +)
                let variance = 1 - zip(k, Self.solve(kxx, k)).map(*).reduce(0, +)
                #expect(abs(mean[i] - exact) < 1e-4, "mean of \(i) after \(seen.count): \(mean[i]) vs \(exact)")
                #expect(abs(gp.variance[i] - variance) < 1e-4, "variance of \(i) after \(seen.count)")
            }
        }
        #expect(seen == observed && gp.observationCount == 10)
    }

    /// Joint samples over a few candidates: their sample mean and covariance
    /// approach the posterior's (4,000 draws; a wrong factor or a missing
    /// cross term is off by far more than the tolerance).
    @Test func jointSamplesHaveThePosteriorCovariance() {
        let gp = Self.makeProcess()
        let seen = [3, 14, 22, 35]
        for i in seen { gp.add(Self.pool.codes[i], dense: Self.pool.dense[i]) }
        let mean = gp.posteriorMean([0.5, -1, 1.2, 0])
        let picked = [4, 15, 16, 0]
        var rng = SplitMix64(seed: 9)
        let draws = (0..<4000).map { _ in gp.jointSample(picked, mean: mean, rng: &rng)! }
        let kxx = seen.map { a in seen.map { b in Self.kernel(a, b) + (a == b ? Self.noise : 0) } }
        for (a, i) in picked.enumerated() {
            let m = draws.map { $0[a] }.reduce(0, +) / 4000
            #expect(abs(m - mean[i]) < 0.05, "mean of \(i)")
            for (b, j) in picked.enumerated() where b >= a {
                let kj = seen.map { Self.kernel(j, $0) }
                let exact = Self.kernel(i, j) - zip(seen.map { Self.kernel(i, $0) }, Self.solve(kxx, kj)).map(*).reduce(0, +)
                let mb = draws.map { $0[b] }.reduce(0, +) / 4000
                let c = draws.map { ($0[a] - m) * ($0[b] - mb) }.reduce(0, +) / 3999
                #expect(abs(c - exact) < 0.05, "cov(\(i), \(j)): \(c) vs \(exact)")
            }
        }
    }

    /// A covariance that cannot be factored (here a NaN feature makes it NaN)
    /// gives no sample: nil, never a silent substitute; the predictor then
    /// proposes by the mean and says so (PredictorSurrogateTests).
    @Test func noSampleWhenTheCovarianceCannotBeFactored() {
        var dense = Self.pool.dense.flatMap { $0 }
        dense[2 * 7] = .nan
        let gp = Self.makeProcess(dense: dense)
        for i in [3, 14] { gp.add(Self.pool.codes[i], dense: Self.pool.dense[i]) }
        let mean = gp.posteriorMean([0.5, -1])
        var rng = SplitMix64(seed: 9)
        #expect(gp.jointSample([4, 15, 16], mean: mean, rng: &rng) != nil)
        #expect(gp.jointSample([4, 7, 16], mean: mean, rng: &rng) == nil)
    }
}
