// Binary features of a genotype for surrogate models: one indicator per
// (dimension, choice) and, when the space is small enough, one per
// (dimension pair, choice pair). A genotype activates exactly one feature per
// dimension and per pair, so a feature vector is stored as the list of its
// active indices and every dot product is a handful of lookups.
import HwnasStrategies
import HwnasPluginSupport

struct GenotypeFeatures {
    let choiceCounts: [Int]
    /// offsets[d]: first one-hot index of dimension d.
    let offsets: [Int]
    /// Dimension pairs with interaction features, and each pair's first index.
    let pairs: [(Int, Int)]
    let pairOffsets: [Int]
    /// First index of the choice-count features (nil when dimensions do not
    /// share one list of choices): feature c counts the dimensions set to
    /// choice c, listed once per such dimension so dot products stay lookups.
    let countOffset: Int?
    let count: Int
    var activePerGenotype: Int { choiceCounts.count * (countOffset == nil ? 1 : 2) + pairs.count }
    var mainEffectCount: Int { offsets.last.map { $0 + choiceCounts.last! } ?? 0 }

    /// `maxFeatures` bounds the total; pairs are dropped when they would
    /// exceed it (large spaces such as fbnet keep only one-hot features).
    init(choiceCounts: [Int], pairwise: Bool, sharedChoices: Bool = false, maxFeatures: Int = 1500) {
        self.choiceCounts = choiceCounts
        var off: [Int] = [], n = 0
        for c in choiceCounts { off.append(n); n += c }
        offsets = off
        var ps: [(Int, Int)] = [], pOff: [Int] = []
        var total = n
        if pairwise {
            for i in 0..<choiceCounts.count { for j in (i + 1)..<choiceCounts.count { total += choiceCounts[i] * choiceCounts[j] } }
        }
        if pairwise && total <= maxFeatures {
            var m = n
            for i in 0..<choiceCounts.count {
                for j in (i + 1)..<choiceCounts.count { ps.append((i, j)); pOff.append(m); m += choiceCounts[i] * choiceCounts[j] }
            }
            n = m
        }
        pairs = ps; pairOffsets = pOff
        if sharedChoices, let c = choiceCounts.first, choiceCounts.allSatisfy({ $0 == c }) {
            countOffset = n; n += c
        } else { countOffset = nil }
        count = n
    }

    /// Active feature indices of `g`, written into `out` (resized as needed).
    func active(_ g: [Int32], into out: inout [Int32]) {
        out.removeAll(keepingCapacity: true)
        for d in 0..<choiceCounts.count { out.append(Int32(offsets[d] + Int(g[d]))) }
        for (k, (i, j)) in pairs.enumerated() {
            out.append(Int32(pairOffsets[k] + Int(g[i]) * choiceCounts[j] + Int(g[j])))
        }
        if let c = countOffset { for d in 0..<choiceCounts.count { out.append(Int32(c + Int(g[d]))) } }
    }

    func active(_ g: [Int32]) -> [Int32] { var a: [Int32] = []; active(g, into: &a); return a }

    /// True for interaction (pair) features.
    func isPairFeature(_ index: Int) -> Bool { index >= mainEffectCount && index < (countOffset ?? count) }
    func isCountFeature(_ index: Int) -> Bool { index >= (countOffset ?? count) }
}
