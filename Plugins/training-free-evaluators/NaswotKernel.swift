// NASWOT (Mellor et al., "Neural Architecture Search without Training",
// ICML 2021): every ReLU turns each sample into a binary code (unit on or
// off). K[i][j] counts the units on which samples i and j agree, summed over
// all ReLUs (N_A minus the Hamming distance); the score is log det K.
// Networks whose ReLUs separate the inputs well give codes far apart, a
// well-conditioned K and a high score.
import Foundation

/// The NASWOT kernel, accumulated ReLU by ReLU from bit-packed codes.
final class CodeKernel: ActivationScore {
    let batch: Int
    private(set) var k: [Double]
    private(set) var units = 0
    private var words: [UInt64] = []

    init(batch: Int) {
        self.batch = batch
        k = Array(repeating: 0, count: batch * batch)
    }

    /// post: [batch][features] post-ReLU values; a unit is on when > 0.
    func add(_ post: UnsafePointer<Float>, channels: Int, features: Int) {
        let per = (features + 63) / 64
        if words.count < per * batch { words = Array(repeating: 0, count: per * batch) }
        words.withUnsafeMutableBufferPointer { w in
            for s in 0..<batch {
                let row = post + s * features, base = s * per
                for q in 0..<per {
                    var word: UInt64 = 0
                    let lo = q * 64, hi = min(lo + 64, features)
                    for f in lo..<hi where row[f] > 0 { word |= 1 << UInt64(f - lo) }
                    w[base + q] = word
                }
            }
            for i in 0..<batch {
                k[i * batch + i] += Double(features)
                for j in (i + 1)..<batch {
                    var differ = 0
                    for q in 0..<per { differ &+= (w[i * per + q] ^ w[j * per + q]).nonzeroBitCount }
                    let agree = Double(features - differ)
                    k[i * batch + j] += agree
                    k[j * batch + i] += agree
                }
            }
        }
        units += features
    }

    var value: Double { logDeterminant() }

    /// log det K by Cholesky. K is positive semi-definite; when two samples
    /// share a code it is singular, so a tiny ridge (relative to N_A) is
    /// added and grown until the factorisation succeeds: the score stays
    /// finite and still ranks such networks at the bottom.
    func logDeterminant() -> Double {
        let n = batch
        let scale = max(Double(units), 1)
        for ridge in [0.0, 1e-9, 1e-6, 1e-3] {
            var a = k
            for i in 0..<n { a[i * n + i] += ridge * scale }
            if let l = Self.cholesky(&a, n) { return l }
        }
        return -Double(n) * 50   // degenerate (e.g. no ReLU at all): far below any real score
    }

    static func cholesky(_ a: inout [Double], _ n: Int) -> Double? {
        var logdet = 0.0
        for j in 0..<n {
            var d = a[j * n + j]
            for p in 0..<j { d -= a[j * n + p] * a[j * n + p] }
            guard d > 0, d.isFinite else { return nil }
            let djj = d.squareRoot()
            a[j * n + j] = djj
            logdet += 2 * log(djj)
            for i in (j + 1)..<n {
                var s = a[i * n + j]
                for p in 0..<j { s -= a[i * n + p] * a[j * n + p] }
                a[i * n + j] = s / djj
            }
        }
        return logdet
    }
}
