// Random genotypes and neighbours of a space, for strategies.
@_exported import HwnasSplitMix

extension SearchSpaceView {
    /// Inlinable so strategies get it specialized for their generator (the
    /// same numbers, without generic dispatch per draw).
    @inlinable
    public func randomGenotype<G: RandomNumberGenerator>(_ rng: inout G) -> [Int32] {
        choiceCounts.map { Int32(Int.random(in: 0..<$0, using: &rng)) }
    }
    /// Every genotype at Hamming distance one.
    public func neighbours(of g: [Int32]) -> [[Int32]] {
        var out: [[Int32]] = []
        for d in 0..<nDims {
            for c in 0..<Int32(choiceCounts[d]) where c != g[d] {
                var n = g; n[d] = c; out.append(n)
            }
        }
        return out
    }
    /// Change one randomly chosen dimension to a different choice.
    @inlinable
    public func mutate<G: RandomNumberGenerator>(_ g: [Int32], _ rng: inout G) -> [Int32] {
        let dims = (0..<nDims).filter { choiceCounts[$0] > 1 }
        guard let d = dims.randomElement(using: &rng) else { return g }
        var n = g
        var c = Int32(Int.random(in: 0..<(choiceCounts[d] - 1), using: &rng))
        if c >= g[d] { c += 1 }
        n[d] = c
        return n
    }
}
