// `hwnas bench screening`: how fast a profile's cost models screen the
// candidates of a space through the host (build the network, price it,
// cache the row), and how much memory each screened candidate keeps.
// A fresh HardwareCosts per run, so nothing comes from an earlier cache.
import HwnasCore
import Foundation

public struct ScreeningBenchmark {
    public struct Result: Sendable {
        public let candidates: Int
        public let seconds: Double
        public let rssBeforeKB: Int, rssAfterKB: Int, peakKB: Int
        public var perSecond: Double { Double(candidates) / seconds }
        public var microsecondsEach: Double { seconds * 1e6 / Double(candidates) }
        public var bytesEach: Double { Double(max(0, rssAfterKB - rssBeforeKB)) * 1024 / Double(candidates) }
    }

    public let space: SearchSpace
    public let profile: HardwareProfile
    public let registry: PluginRegistry

    public init(space: SearchSpace, profile: HardwareProfile, registry: PluginRegistry) {
        self.space = space; self.profile = profile; self.registry = registry
    }

    /// Every genotype when the space has at most `count` of them, else
    /// `count` random ones (seeded).
    public func genotypes(count: Int, seed: UInt64) -> [[Int32]] {
        if space.size <= Double(count) { return (0..<Int(space.size)).map(space.genotype(at:)) }
        var rng = SplitMix64(state: seed)
        return (0..<count).map { _ in space.randomGenotype(&rng) }
    }

    /// Screens `genotypes` in chunks of `chunk` (what a strategy's pool asks at once).
    public func run(_ genotypes: [[Int32]], chunk: Int = 4096, blockMemo: Bool = true) throws -> Result {
        let networks = space.buildsNetworks ? try NetworkFactory(space: space, registry: registry) : nil
        networks?.blockMemo = blockMemo
        let costs = try HardwareCosts(profile: profile, space: space, cspace: CSearchSpace(space), registry: registry, networks: networks)
        let before = Self.memoryKB().rss
        let t0 = Date()
        for start in stride(from: 0, to: genotypes.count, by: chunk) {
            _ = try costs.costs(Array(genotypes[start..<min(genotypes.count, start + chunk)]))
        }
        let seconds = Date().timeIntervalSince(t0)
        let after = Self.memoryKB()
        return withExtendedLifetime(costs) {
            Result(candidates: genotypes.count, seconds: seconds, rssBeforeKB: before, rssAfterKB: after.rss, peakKB: after.peak)
        }
    }

    /// Resident and peak resident set of this process (Linux /proc).
    public static func memoryKB() -> (rss: Int, peak: Int) {
        let text = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        func field(_ name: String) -> Int {
            guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(name) }) else { return 0 }
            return Int(line.split(separator: " ").compactMap { Int($0) }.first ?? 0)
        }
        return (field("VmRSS:"), field("VmHWM:"))
    }
}
