// An exact Gaussian process over an enumerated pool of candidates, the
// predictor's `surrogate=gp`. Kernel: RBF with length l on a candidate's
// one-hot choices and its dense (metric) features,
//   k(a, b) = exp(-(2 hamming(a, b) + |dense(a) - dense(b)|^2) / (2 l^2)),
// so two candidates are alike when they share choices *and* cost metrics
// (a linear model can only add the two up). Prior variance 1, Gaussian
// noise; targets are the predictor's normal scores.
//
// Cost. Every observation adds one row to the Cholesky factor L of
// K_XX + noise I (O(n^2)) and one row to the whitened cross-covariance
// V = L^-1 K_X,pool (n x N, Float, one contiguous row per observation, so
// passes over it stream). The posterior at candidate i is
//   mean_i = V_i . L^-1 y,   var_i = 1 - |V_i|^2,
// and the new rows and the means of all N candidates come out of two
// streamed passes over V (BLAS sgemv), so a proposal costs O(nN) reads and
// no refit.
// A Thompson sample is drawn jointly over a short list (the best by
// mean + 2 sd among the best by mean) from the exact posterior covariance
// K_SS - V_S^T V_S.
import CLapack
import Foundation
import HwnasPluginSupport

final class PoolGaussianProcess {
    /// Pool: genotypes (flat, nDims each) and dense features (flat).
    let nDims: Int
    let denseCount: Int
    let count: Int
    private let codes: [Int32]
    /// (One zero past the end, so the buffer is never empty and its base
    /// address exists when there are no dense features.)
    private let dense: [Double]
    let noiseVariance: Double
    /// exp(-2h / (2 l^2)) for h = 0 ... nDims differing choices.
    private let hammingFactor: [Double]
    private let inverseTwoLengthSquared: Double

    /// Observations' inputs, and the rows of L (row o holds o + 1 values).
    private var observedCodes: [[Int32]] = []
    private var observedDense: [[Double]] = []
    private var cholesky: [[Double]] = []
    /// V, column-major N x rowsInV: observation o's row is
    /// whitened[o * N ..< (o + 1) * N] (the last ones are added by the next
    /// posteriorMean after an observation).
    private var whitened: [Float] = []
    private var rowsInV: Int { whitened.count / count }
    /// Reused by jointSample (a few MB at the default sizes).
    private var covarianceScratch: [Double] = []
    private var gatherScratch: [Double] = []
    /// Posterior variance of each candidate (prior 1 minus |V_i|^2).
    private(set) var variance: [Double]

    var observationCount: Int { cholesky.count }

    init(codes: [Int32], nDims: Int, dense: [Double], denseCount: Int, lengthScale: Double, noiseVariance: Double) {
        precondition(nDims > 0 && codes.count % nDims == 0 && dense.count == codes.count / nDims * denseCount)
        self.codes = codes; self.nDims = nDims; self.dense = dense + [0]; self.denseCount = denseCount
        count = codes.count / nDims
        self.noiseVariance = noiseVariance
        inverseTwoLengthSquared = 1 / (2 * lengthScale * lengthScale)
        hammingFactor = (0...nDims).map { Foundation.exp(-2 * Double($0) / (2 * lengthScale * lengthScale)) }
        variance = [Double](repeating: 1, count: codes.count / nDims)
        openblas_set_num_threads(1)
    }

    /// k(a, b) from a's and b's codes and dense features.
    @inline(__always)
    private static func kernel(_ g: UnsafePointer<Int32>, _ d: UnsafePointer<Double>, _ c: UnsafePointer<Int32>,
                               _ e: UnsafePointer<Double>, nDims: Int, denseCount: Int,
                               hamming: UnsafePointer<Double>, scale: Double) -> Double {
        var h = 0
        for j in 0..<nDims where g[j] != c[j] { h += 1 }
        guard denseCount > 0 else { return hamming[h] }
        var s = 0.0
        for j in 0..<denseCount { let x = d[j] - e[j]; s += x * x }
        // Float exp: V is Float anyway, and expf is about twice as fast.
        return hamming[h] * Double(Foundation.exp(Float(-s * scale)))
    }

    /// k between observation a and an input (O(n^2) of these per add: plain Swift).
    private func kernel(observation a: Int, _ g: [Int32], _ d: [Double]) -> Double {
        let h = hamming(observedCodes[a], g)
        var s = 0.0
        for j in 0..<denseCount { let x = observedDense[a][j] - d[j]; s += x * x }
        return hammingFactor[h] * Foundation.exp(-s * inverseTwoLengthSquared)
    }

    /// Add one observation (a genotype and its dense features; it need not
    /// be in the pool): extends L now, V at the next `posteriorMean`.
    func add(_ g: [Int32], dense d: [Double]) {
        precondition(g.count == nDims && d.count == denseCount)
        let n = cholesky.count
        var l = [Double](repeating: 0, count: n + 1)
        for o in 0..<n {       // forward substitution: L l = k
            var s = kernel(observation: o, g, d)
            let row = cholesky[o]
            for q in 0..<o { s -= row[q] * l[q] }
            l[o] = s / row[o]
        }
        var squares = 0.0
        for o in 0..<n { squares += l[o] * l[o] }
        // 1 + noise - |l|^2 >= noise in exact arithmetic; the floor keeps
        // rounding from a zero or negative pivot.
        l[n] = max(1 + noiseVariance - squares, noiseVariance * 1e-3).squareRoot()
        observedCodes.append(g); observedDense.append(d)
        cholesky.append(l)
    }

    /// L^-1 y.
    private func whiten(_ y: [Double]) -> [Double] {
        precondition(y.count == cholesky.count, "one target per observation")
        var b = [Double](repeating: 0, count: y.count)
        for o in 0..<y.count {
            var s = y[o]
            let row = cholesky[o]
            for q in 0..<o { s -= row[q] * b[q] }
            b[o] = s / row[o]
        }
        return b
    }

    /// The posterior mean of every pool candidate for targets y (one per
    /// observation, in the order added). Brings V up to date on the way.
    func posteriorMean(_ y: [Double]) -> [Double] {
        let beta = whiten(y)
        let old = rowsInV, n = cholesky.count, pending = n - old, N = count
        // acc_p = V_old L21[p] for each new row p, acc_pending = V_old beta_old:
        // BLAS sgemv streams V (its vector kernels are the CPU's widest).
        var acc = [Float](repeating: 0, count: (pending + 1) * N)
        if old > 0 {
            whitened.withUnsafeBufferPointer { v in acc.withUnsafeMutableBufferPointer { a in
                for p in 0...pending {
                    let w = (0..<old).map { Float(p < pending ? cholesky[old + p][$0] : beta[$0]) }
                    var trans = CChar(UInt8(ascii: "N")), m = Int32(N), nn = Int32(old), lda = Int32(N), inc: Int32 = 1
                    var one: Float = 1, zero: Float = 0
                    sgemv_(&trans, &m, &nn, &one, v.baseAddress!, &lda, w, &inc, &zero, a.baseAddress! + p * N, &inc)
                }
            } }
        }
        // The new rows r_p = (k(x_p, i) - acc_p - sum_q<p L22[p][q] r_q) / L22[p][p].
        var fresh = [Float](repeating: 0, count: max(pending * N, 1))
        var mean = [Double](repeating: 0, count: N)
        let nd = nDims, dc = denseCount, scale = inverseTwoLengthSquared
        let hf = hammingFactor
        for p in 0..<pending {
            let l = cholesky[old + p]
            let g = observedCodes[old + p], d: [Double] = observedDense[old + p] + [0]
            codes.withUnsafeBufferPointer { cp in dense.withUnsafeBufferPointer { dp in
            g.withUnsafeBufferPointer { gp in d.withUnsafeBufferPointer { dd in hf.withUnsafeBufferPointer { h in
            acc.withUnsafeBufferPointer { a in fresh.withUnsafeMutableBufferPointer { f in
                let ap = a.baseAddress! + p * N, fp = f.baseAddress!
                for i in 0..<N {
                    var s = Self.kernel(gp.baseAddress!, dd.baseAddress!, cp.baseAddress! + i * nd, dp.baseAddress! + i * dc,
                                        nDims: nd, denseCount: dc, hamming: h.baseAddress!, scale: scale) - Double(ap[i])
                    for q in 0..<p { s -= l[old + q] * Double(fp[q * N + i]) }
                    fp[p * N + i] = Float(s / l[old + p])
                }
            } } } } } } }
        }
        acc.withUnsafeBufferPointer { a in
            let am = a.baseAddress! + pending * N
            for i in 0..<N { mean[i] = Double(am[i]) }
        }
        fresh.withUnsafeBufferPointer { f in mean.withUnsafeMutableBufferPointer { m in variance.withUnsafeMutableBufferPointer { v in
            for p in 0..<pending {
                let b = beta[old + p], r = f.baseAddress! + p * N
                for i in 0..<N { let x = Double(r[i]); m[i] += b * x; v[i] -= x * x }
            }
        } } }
        whitened.append(contentsOf: fresh[0..<(pending * N)])
        return mean
    }

    /// One joint posterior sample over `candidates` (pool indices), given
    /// the means `posteriorMean` returned for the current targets; nil when
    /// their covariance is not positive definite even with jitter 1.
    func jointSample(_ candidates: [Int], mean: [Double], rng: inout SplitMix64) -> [Double]? {
        let s = candidates.count
        precondition(rowsInV == cholesky.count, "posteriorMean first")
        guard s > 0 else { return [] }
        if covarianceScratch.count < s * s { covarianceScratch = [Double](repeating: 0, count: s * s) }
        // Jitter: V is kept in Float, so the covariance of candidates next to
        // observations can come out slightly indefinite; rebuilt with more.
        var jitter = 1e-5
        while !factorCovariance(candidates, jitter: jitter) {
            jitter *= 10
            if jitter > 1 { return nil }
        }
        let z = (0..<s).map { _ in Gaussian.sample(&rng) }
        var out = candidates.map { mean[$0] }
        covarianceScratch.withUnsafeBufferPointer { f in
            for b in 0..<s {       // out += L z, column by column
                let zb = z[b]
                for a in b..<s { out[a] += f[b * s + a] * zb }
            }
        }
        return out
    }

    /// The Cholesky factor of K_SS - V_S^T V_S + jitter I in the lower
    /// triangle of covarianceScratch (column-major s x s); false when it is
    /// not positive definite (or not a number).
    private func factorCovariance(_ candidates: [Int], jitter: Double) -> Bool {
        let s = candidates.count, n = rowsInV
        covarianceScratch.withUnsafeMutableBufferPointer { cov in
            let nd = nDims, dc = denseCount, scale = inverseTwoLengthSquared
            codes.withUnsafeBufferPointer { cp in dense.withUnsafeBufferPointer { dp in hammingFactor.withUnsafeBufferPointer { hf in
                let cpp = cp.baseAddress!, dpp = dp.baseAddress!
                for b in 0..<s {
                    let ib = candidates[b]
                    cov[b * s + b] = 1 + jitter
                    for a in (b + 1)..<s {
                        let ia = candidates[a]
                        cov[b * s + a] = Self.kernel(cpp + ib * nd, dpp + ib * dc, cpp + ia * nd, dpp + ia * dc,
                                                     nDims: nd, denseCount: dc, hamming: hf.baseAddress!, scale: scale)
                    }
                }
            } } }
        }
        if n > 0 {
            if gatherScratch.count < n * s { gatherScratch = [Double](repeating: 0, count: n * s) }
            gatherScratch.withUnsafeMutableBufferPointer { vs in
                whitened.withUnsafeBufferPointer { v in
                    for o in 0..<n {
                        let row = v.baseAddress! + o * count
                        for (a, i) in candidates.enumerated() { vs[a * n + o] = Double(row[i]) }
                    }
                }
            }
            var uplo = CChar(UInt8(ascii: "L")), trans = CChar(UInt8(ascii: "T"))
            var ns = Int32(s), kk = Int32(n), lda = Int32(n), ldc = Int32(s)
            var minusOne = -1.0, one = 1.0
            dsyrk_(&uplo, &trans, &ns, &kk, &minusOne, gatherScratch, &lda, &one, &covarianceScratch, &ldc)
        }
        var uplo = CChar(UInt8(ascii: "L")), ns = Int32(s), lda = Int32(s), info: Int32 = 0
        dpotrf_(&uplo, &ns, &covarianceScratch, &lda, &info)
        // OpenBLAS's dpotrf passes NaN through (info 0): a NaN pivot fails too.
        return info == 0 && (0..<s).allSatisfy { covarianceScratch[$0 * s + $0] > 0 }
    }
}
