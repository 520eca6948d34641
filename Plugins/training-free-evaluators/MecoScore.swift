// MeCo (Jiang et al., "Zero-Shot Neural Architecture Search via the Minimum
// Eigenvalue of Pearson Correlation", NeurIPS 2023): for every ReLU-like
// activation, take one sample's feature map, treat each channel as a vector
// over the spatial positions, and form the C x C Pearson correlation matrix P
// of the channels. Its smallest eigenvalue is large when no channel is close
// to a linear combination of the others (the layer's features are not
// redundant), which the paper ties to how fast the network trains. The score
// is sum over activations of C * lambda_min(P), averaged over `samples`
// samples of the batch.
//
// Normalised (the default): lambda_min is divided by the value it takes for
// the same number of independent random channels over as many positions,
// the Marchenko-Pastur edge (1 - sqrt(C / (HW - 1)))^2. Unnormalised, a layer
// whose channel count nears its positions scores near zero whatever its
// features, so on a space with width choices the raw sum mostly measures the
// shapes (Spearman 0.00 against trained accuracy on the digits block space,
// 0.59 normalised; NB201 unchanged, docs/evaluators.md).
//
// With `pool` > 0 a map with no more positions than channels (singular for one
// sample) pools the positions of several samples of the batch. Off by
// default: on NAS-Bench-201 it lets the 8 x 8 x 64 stage count and ranks
// lower (CIFAR-10 0.918 vs 0.938); on a space whose every map is that short
// (a 1-D keyword-spotting net) it is the difference between a score and a
// tie at 0, which the evaluator says (`uninformative`).
//
// Why post-activation maps: on NAS-Bench-201 they ranked better than every
// layer's output (Spearman 0.94 vs 0.89 on CIFAR-10, 300 architectures, same
// run), and the executor reports them already (the ReLU callback).
import CLapack
import Foundation

final class MecoScore: ActivationScore {
    let batch: Int
    let samples: Int
    let normalized: Bool
    let poolRatio: Double
    private(set) var total = 0.0
    /// Activations seen and scored, and the shape of the widest-for-its-size
    /// one skipped, to say why a network scores nothing.
    private var seen = 0, scored = 0
    private var skipped: (positions: Int, channels: Int)?
    /// Scratch: centred, unit-norm channels (spatial x kept, column-major) and P.
    private var x: [Double] = []
    private var p: [Double] = []

    init(batch: Int, samples: Int, normalized: Bool = true, poolRatio: Double = 0) {
        self.batch = batch
        self.samples = min(samples, batch)
        self.normalized = normalized
        self.poolRatio = poolRatio
    }

    var value: Double { total }

    /// Every activation skipped: the score is 0 by construction.
    var uninformative: String? {
        guard seen > 0, scored == 0, let s = skipped else { return nil }
        return "none of its \(seen) activations has more positions than channels (the best has \(s.positions) "
            + "position(s) for \(s.channels) channels), so its score is 0 by construction"
    }

    func add(_ post: UnsafePointer<Float>, channels: Int, features: Int) {
        guard channels >= 2, features % channels == 0 else { return }
        let spatial = features / channels
        // How many samples' positions make one correlation: 1, or, for a map
        // with no more positions than channels when poolRatio > 0, as many
        // as give poolRatio x (C + 1) positions (up to the batch), so that
        // short maps (1-D, deep stages) count too. Maps that one sample
        // already spans keep its positions alone: pooling those too ranked
        // the digits table lower (0.78 vs 0.82).
        let pooled = poolRatio > 0 && spatial <= channels ? min(batch, max(1, Int((poolRatio * Double(channels + 1) / Double(spatial)).rounded(.up)))) : 1
        seen += 1
        // With no more positions than channels, P is singular: lambda_min = 0.
        guard pooled * spatial > channels else {
            if skipped == nil || spatial * skipped!.channels > skipped!.positions * channels { skipped = (spatial, channels) }
            return
        }
        scored += 1
        let groups = pooled == 1 ? samples : 1
        var sum = 0.0
        for s in 0..<groups {
            sum += smallestEigenvalue(post + s * features, channels: channels, spatial: spatial, pooled: pooled, stride: features)
        }
        total += Double(channels) * sum / Double(groups)
    }

    /// lambda_min of the Pearson correlation of the channels over the
    /// positions of `pooled` consecutive samples (`stride` floats apart),
    /// over the Marchenko-Pastur edge when normalised.
    /// Constant channels (a dead ReLU: all zero) have no correlation and are
    /// left out, as a correlation with them is undefined.
    func smallestEigenvalue(_ map: UnsafePointer<Float>, channels: Int, spatial: Int, pooled: Int = 1, stride: Int = 0) -> Double {
        let positions = spatial * pooled
        if x.count < channels * positions { x = [Double](repeating: 0, count: channels * positions) }
        var kept = 0
        x.withUnsafeMutableBufferPointer { xp in
            for c in 0..<channels {
                let col = xp.baseAddress! + kept * positions
                for s in 0..<pooled {
                    let row = map + s * stride + c * spatial
                    for i in 0..<spatial { col[s * spatial + i] = Double(row[i]) }
                }
                var mean = 0.0, peak = 0.0
                for i in 0..<positions { mean += col[i]; peak = max(peak, abs(col[i])) }
                mean /= Double(positions)
                var norm = 0.0
                for i in 0..<positions { let d = col[i] - mean; col[i] = d; norm += d * d }
                norm = norm.squareRoot()
                // Relative threshold: rounding leaves ~1e-16 * peak in a constant channel.
                guard norm > 1e-7 * peak * Double(positions).squareRoot(), norm > 0 else { continue }
                for i in 0..<positions { col[i] /= norm }
                kept += 1
            }
        }
        guard kept >= 2, kept < positions else { return 0 }
        var n = Int32(kept), k = Int32(positions), one = 1.0, zero = 0.0
        if p.count < kept * kept { p = [Double](repeating: 0, count: kept * kept) }
        var uplo = CChar(UInt8(ascii: "U")), trans = CChar(UInt8(ascii: "T"))
        dsyrk_(&uplo, &trans, &n, &k, &one, x, &k, &zero, &p, &n)
        var jobz = CChar(UInt8(ascii: "N")), range = CChar(UInt8(ascii: "I"))
        var il: Int32 = 1, iu: Int32 = 1, found: Int32 = 0, info: Int32 = 0, ldz: Int32 = 1
        var vl = 0.0, vu = 0.0, abstol = 0.0
        var w = [Double](repeating: 0, count: kept), z = [Double](repeating: 0, count: 1)
        var isuppz = [Int32](repeating: 0, count: 2 * kept)
        var lwork = Int32(26 * kept), liwork = Int32(10 * kept)
        var work = [Double](repeating: 0, count: Int(lwork)), iwork = [Int32](repeating: 0, count: Int(liwork))
        dsyevr_(&jobz, &range, &uplo, &n, &p, &n, &vl, &vu, &il, &iu, &abstol, &found, &w, &z, &ldz, &isuppz,
                &work, &lwork, &iwork, &liwork, &info)
        guard info == 0, found >= 1, w[0].isFinite else { return 0 }
        let lambda = max(w[0], 0)
        guard normalized else { return lambda }
        // Marchenko-Pastur: k independent random channels over n - 1 degrees
        // of freedom have lambda_min near (1 - sqrt(k / (n - 1)))^2.
        let edge = pow(1 - (Double(kept) / Double(positions - 1)).squareRoot(), 2)
        return lambda / max(edge, 1e-3)
    }
}
