// Bayesian linear regression over sparse binary features plus a few dense
// real-valued ones (the last `denseCount` weights), the surrogate of the
// predictor strategy. Prior w ~ N(0, diag(priorVariance)), Gaussian
// noise sigma^2. The posterior covariance S = (Phi^T Phi / sigma^2 +
// diag(1/priorVariance))^-1 is kept explicitly and updated by Sherman-Morrison
// (O(p^2)) for every observation, so a refit is never needed.
// Plain loops in a fixed order, not BLAS: OpenBLAS picks its kernel by CPU
// (FMA or not, another summation order), and a last-bit difference moves a
// Thompson argmax and so the whole search; with these loops a seed gives the
// same search on every x86-64 machine. At p <= ~1,500 they cost microseconds.
// Thompson samples are exact and cheap ("perturb then solve"):
//   w~ = S (Phi^T (y + sigma eps) / sigma^2 + diag(1/priorVariance) w0),
//   eps ~ N(0, I), w0 ~ N(0, diag(priorVariance)),
// which is distributed as the posterior N(S Phi^T y / sigma^2, S).
import HwnasStrategies
import Foundation
import HwnasPluginSupport

final class BayesianLinearModel {
    let p: Int
    /// Dense features occupy weights p - denseCount ..< p.
    let denseCount: Int
    let noiseVariance: Double
    let priorVariance: [Double]
    /// Column-major p x p posterior covariance (symmetric; full storage).
    private(set) var covariance: [Double]
    /// Active feature indices of each observation, and its dense features.
    private(set) var rows: [[Int32]] = []
    private(set) var denseRows: [[Double]] = []

    init(priorVariance: [Double], noiseVariance: Double, denseCount: Int = 0) {
        p = priorVariance.count
        self.denseCount = denseCount
        self.priorVariance = priorVariance
        self.noiseVariance = noiseVariance
        covariance = [Double](repeating: 0, count: p * p)
        for i in 0..<p { covariance[i * p + i] = priorVariance[i] }
    }

    /// S phi: the sum of S's active columns plus the dense columns, weighted.
    private func covarianceTimes(_ active: [Int32], _ dense: [Double]) -> [Double] {
        var v = [Double](repeating: 0, count: p)
        covariance.withUnsafeBufferPointer { s in
            for a in active {
                let base = Int(a) * p
                for i in 0..<p { v[i] += s[base + i] }
            }
            for (k, x) in dense.enumerated() {
                let base = (p - denseCount + k) * p
                for i in 0..<p { v[i] += x * s[base + i] }
            }
        }
        return v
    }

    /// Add one observation's features (targets are given at sampling time,
    /// so they may be re-standardised as data arrives).
    func add(_ active: [Int32], dense: [Double] = []) {
        precondition(dense.count == denseCount, "one value per dense feature")
        rows.append(active)
        denseRows.append(dense)
        let v = covarianceTimes(active, dense)
        var quad = noiseVariance
        for a in active { quad += v[Int(a)] }
        for (k, x) in dense.enumerated() { quad += x * v[p - denseCount + k] }
        let alpha = -1.0 / quad
        // S -= alpha' v v^T on the upper triangle, then mirrored, so S stays
        // exactly symmetric.
        covariance.withUnsafeMutableBufferPointer { s in
            v.withUnsafeBufferPointer { v in
                for j in 0..<p {
                    let a = alpha * v[j]
                    guard a != 0 else { continue }
                    let base = j * p
                    for i in 0...j { s[base + i] += a * v[i] }
                }
                for j in 0..<p { for i in (j + 1)..<p { s[j * p + i] = s[i * p + j] } }
            }
        }
    }

    /// Posterior mean weights for targets y (one per added row).
    func meanWeights(_ y: [Double]) -> [Double] { solve(targets: y, prior: nil) }

    /// One exact posterior sample of the weights.
    func sampleWeights(_ y: [Double], rng: inout SplitMix64) -> [Double] {
        let sigma = noiseVariance.squareRoot()
        let noisy = y.map { $0 + sigma * Gaussian.sample(&rng) }
        let w0 = priorVariance.map { $0.squareRoot() * Gaussian.sample(&rng) }
        return solve(targets: noisy, prior: w0)
    }

    /// S (Phi^T t / sigma^2 + diag(1/priorVariance) w0).
    private func solve(targets t: [Double], prior w0: [Double]?) -> [Double] {
        var b = [Double](repeating: 0, count: p)
        for (r, active) in rows.enumerated() {
            let v = t[r] / noiseVariance
            for a in active { b[Int(a)] += v }
            for (k, x) in denseRows[r].enumerated() { b[p - denseCount + k] += x * v }
        }
        if let w0 { for i in 0..<p { b[i] += w0[i] / priorVariance[i] } }
        // w = S b, column by column (S is symmetric, stored in full).
        var w = [Double](repeating: 0, count: p)
        covariance.withUnsafeBufferPointer { s in
            w.withUnsafeMutableBufferPointer { w in
                for j in 0..<p where b[j] != 0 {
                    let bj = b[j], base = j * p
                    for i in 0..<p { w[i] += bj * s[base + i] }
                }
            }
        }
        return w
    }
}

/// Standard normal samples (Box-Muller) from the reproducible generator, and
/// the standard normal quantile function.
enum Gaussian {
    /// x with P(Z <= x) = p, for 0 < p < 1: Acklam's rational approximation
    /// (relative error below 1.2e-9), tails by the log form.
    static func quantile(_ p: Double) -> Double {
        precondition(p > 0 && p < 1, "a probability strictly between 0 and 1")
        let a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00]
        let b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                 6.680131188771972e+01, -1.328068155288572e+01]
        let c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                 -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00]
        let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
        let low = 0.02425
        func tail(_ q: Double) -> Double {
            let r = (-2 * log(q)).squareRoot()
            return (((((c[0] * r + c[1]) * r + c[2]) * r + c[3]) * r + c[4]) * r + c[5])
                / ((((d[0] * r + d[1]) * r + d[2]) * r + d[3]) * r + 1)
        }
        if p < low { return tail(p) }
        if p > 1 - low { return -tail(1 - p) }
        let q = p - 0.5, r = q * q
        return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
            / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
    }

    static func sample(_ rng: inout SplitMix64) -> Double {
        let u1 = max(rng.unit(), 1e-300), u2 = rng.unit()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }
}
