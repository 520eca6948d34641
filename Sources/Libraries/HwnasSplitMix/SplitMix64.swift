// The one seeded generator of hwnas (SplitMix64): host, tools and plugins
// draw the same numbers from the same seed on every platform (Swift's
// SystemRandomNumberGenerator is not seedable).
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64
    /// The plugin SDK's seeding: the first draw already mixes the seed.
    public init(seed: UInt64) { state = seed &+ 0x9E37_79B9_7F4A_7C15 }
    /// The raw state (the host's seeding: feasibility and correlation
    /// samples, profiling, the validator's probes).
    public init(state: UInt64) { self.state = state }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform double in [0, 1).
    public mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }
    /// Uniform in 0..<n (modulo; n is small next to 2^64).
    public mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}
