// The naswot evaluator plugin through the C ABI, on networks the host
// expanded: deterministic, ranks trainable networks above degenerate ones,
// parallel scoring changes nothing, and no expanded network is a clear error.
import Foundation
import HwnasCore
import Testing

@Suite struct NaswotEvaluatorTests {
    static let archs = [
        "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|",
        "|skip_connect~0|+|skip_connect~0|skip_connect~1|+|skip_connect~0|skip_connect~1|skip_connect~2|",
        "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|",
        "|nor_conv_1x1~0|+|avg_pool_3x3~0|nor_conv_3x3~1|+|skip_connect~0|none~1|nor_conv_3x3~2|",
        "|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|",
    ]

    func scores(_ options: [String: String], expand: Bool = true) throws -> [Double] {
        let registry = TestSupport.registry
        let space = try TestSupport.space("nb201")
        let (d, lib) = try registry.lookup(.evaluator, "naswot")
        let ev = try LoadedEvaluator(d, library: lib, space: CSearchSpace(space), options: options)
        let g = try Self.archs.map(space.parse)
        let factory = try NetworkFactory(space: space, registry: registry)
        let nets = expand ? try g.map { try factory.build($0) } : nil
        let out = try CandidateBatch(space: space, genotypes: g, networks: nets).with(minor: d.abiMinor) { try ev.evaluate($0, onResult: nil) }
        let allOK = out.allSatisfy { $0.ok }
        #expect(allOK)
        return out.map { $0.metrics[0] }
    }

    @Test func deterministicAndRanksConvolutionsAboveDegenerateCells() throws {
        let a = try scores(["batch": "16"])
        let b = try scores(["batch": "16"])
        // Equal up to OpenBLAS summation order: the thread count is process
        // global and other suites running alongside change it.
        for (x, y) in zip(a, b) { #expect(abs(x - y) <= 1e-6 * abs(x), "\(a) vs \(b)") }
        let finite = a.allSatisfy { $0.isFinite }
        #expect(finite)
        #expect(a[0] > a[1] && a[0] > a[2], "all-conv3x3 must beat all-skip and all-none: \(a)")
        #expect(a[3] > a[2] && a[4] > a[2], "any conv cell must beat all-none: \(a)")
        let other = try scores(["batch": "16", "seed": "7"])
        #expect(other != a, "the seed must change the synthetic batch")
    }

    @Test func parallelScoringGivesTheSameScores() throws {
        let serial = try scores(["batch": "16"])
        let parallel = try scores(["batch": "16", "parallel": "3"])
        // One BLAS thread per candidate may sum in another order; a flipped
        // ReLU sign moves log det K by far less than this.
        for (s, p) in zip(serial, parallel) { #expect(abs(s - p) <= 1e-3 * max(1, abs(s)), "\(serial) vs \(parallel)") }
    }

    @Test func badOptionsAndMissingNetworksAreClearErrors() throws {
        #expect(throws: HwnasError.self) { try scores(["batch": "1"]) }
        do {
            _ = try scores(["batch": "8"], expand: false)
            Issue.record("scoring without expanded networks must fail")
        } catch {
            #expect("\(error)".contains("needs the expanded network"), "\(error)")
        }
    }
}
