// A small, fast, seedable generator so strategies are reproducible across
// platforms (Swift's SystemRandomNumberGenerator is not seedable).
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform double in [0, 1).
    public mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }
}

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
