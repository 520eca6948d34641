// `hwnas bench screening`: candidates per second and memory per candidate
// of the host's screening path (build network, price with the profile's
// cost models, cache the row), with and without the block memo.
import ArgumentParser
import Foundation
import HwnasCore
import HwnasTools

extension BenchCommand {
    struct Screening: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "screening",
            abstract: "Screening speed (candidates/s, one thread) and memory per screened candidate.",
            discussion: """
            Example:
              hwnas bench screening --space nb201 --profile stm32f746
              hwnas bench screening --space mcunet-mbv2 --profile stm32f746 --count 20000
            """)

        @OptionGroup var space: SpaceOptions
        @Option(help: "Hardware profile name or path.") var profile = SearchDefaults.profile
        @Option(help: "Candidates: the whole space when it has at most this many, else this many random ones.")
        var count = 20_000
        @Option(help: "Seed of the random candidates.") var seed: UInt64 = 1
        @Option(help: "Repeat each measurement this many times (fresh caches each time); the best is reported.")
        var repeats = 3
        @Flag(help: "Also measure without the block memo.") var compareMemo = false
        @OptionGroup var paths: PluginPathOptions

        func validate() throws {
            guard count >= 1, repeats >= 1 else { throw ValidationError("--count and --repeats must be at least 1") }
        }

        func run() throws {
            try reportingErrors {
                let registry = paths.registry()
                let s = try space.load(registry)
                let bench = ScreeningBenchmark(space: s, profile: try HardwareProfile.load(profile), registry: registry)
                let gs = bench.genotypes(count: count, seed: seed)
                print("space \(s.name), profile \(profile), \(gs.count) candidates, best of \(repeats)")
                for memo in compareMemo ? [true, false] : [true] {
                    // Time: the best run. Memory: the first, before freed
                    // memory of earlier runs can be reused and hide growth.
                    let runs = try (0..<repeats).map { _ in try bench.run(gs, blockMemo: memo) }
                    let best = runs.min { $0.seconds < $1.seconds }!, first = runs[0]
                    print(String(format: "  block memo %@: %.0f candidates/s (%.2f us each); first run kept %.0f B per candidate (RSS %d -> %d KB, peak %d KB)",
                                 memo ? "on " : "off", best.perSecond, best.microsecondsEach, first.bytesEach,
                                 first.rssBeforeKB, first.rssAfterKB, first.peakKB))
                }
            }
        }
    }
}
