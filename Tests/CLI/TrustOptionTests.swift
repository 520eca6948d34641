// Trust, class "misspelt or unknown options": plugins declare their options
// (ABI 1.1); the host refuses an undeclared key (naming the valid ones), a
// value of the wrong type or range, a missing required option, before any
// work. No silent default stands in for a plugin's option.
import HwnasTestSupport
import Foundation
import Testing

@Suite(.tags(.cli)) struct TrustOptionTests {
    static let table = ["--evaluator", "table", "--evaluator-option", "file=\(TestSupport.nb201CSV)"]

    func search(_ args: [String]) async throws -> TestSupport.Run {
        try await TestSupport.hwnasRun(["search", "--profile", "raspi4", "--budget", "3", "--quiet"] + args)
    }

    func expectOneLine(_ r: TestSupport.Run, _ text: String, _ sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(r.status == 1 && !r.signaled, "\(r.err)", sourceLocation: sourceLocation)
        #expect(r.err.split(separator: "\n").count == 1 && r.err.contains(text), "expected one line with '\(text)': \(r.err)",
                sourceLocation: sourceLocation)
    }

    @Test func unknownKeysNameTheValidOnes() async throws {
        await expectOneLine(try search(Self.table + ["--evaluator-option", "colum=cifar100_acc"]),
                      "evaluator 'table': unknown option 'colum' (did you mean 'column'?) — it takes: column, file, key, metric")
        await expectOneLine(try search(Self.table + ["--evaluator-option", "column=cifar10_acc", "--strategy-option", "populaton=10"]),
                      "strategy 'regularized-evolution': unknown option 'populaton' (did you mean 'population'?)")
        // A C plugin that declares it takes none.
        await expectOneLine(try search(Self.table + ["--evaluator-option", "column=cifar10_acc", "--strategy", "random",
                                                "--strategy-option", "seed=3"]),
                      "strategy 'random': unknown option 'seed' — it takes: no options")
    }

    @Test func valuesAreCheckedForTypeAndRange() async throws {
        let base = Self.table + ["--evaluator-option", "column=cifar10_acc"]
        await expectOneLine(try search(base + ["--strategy", "nsga2", "--strategy-option", "crossover=nan"]),
                      "strategy 'nsga2': option crossover: 'nan' is not a finite decimal number")
        await expectOneLine(try search(base + ["--strategy", "nsga2", "--strategy-option", "crossover=1.5"]),
                      "option crossover: 1.5 is above 1 (range 0...1)")
        await expectOneLine(try search(base + ["--strategy-option", "population=0x10"]), "option population: '0x10' is not a decimal integer")
        await expectOneLine(try search(base + ["--strategy", "predictor", "--strategy-option", "pairwise=maybe"]),
                      "option pairwise: 'maybe' is not true/false")
        await expectOneLine(try search(base + ["--strategy", "predictor", "--strategy-option", "greedy-late=1.5"]),
                      "strategy 'predictor': option greedy-late: 1.5 is above 1 (range 0...1)")
    }

    @Test func requiredOptionsMustBeGiven() async throws {
        // No silent default column: the table evaluator needs to be told what to optimise.
        await expectOneLine(try search(Self.table), "evaluator 'table': missing option 'column' (the objective column, e.g. cifar10_acc)")
    }

    @Test func profileSectionsAreChecked() async throws {
        let dir = TestSupport.tempDir("trust-profile")
        let stm = try String(contentsOfFile: TestSupport.repoRoot + "/hardware-profiles/stm32f746.yaml", encoding: .utf8)
        try stm.replacingOccurrences(of: "clock_mhz: 216", with: "clock_mhz: 216\n  cycles_per_mac_conf: 2")
            .write(toFile: "\(dir)/typo.yaml", atomically: true, encoding: .utf8)
        let r = try await TestSupport.hwnasRun(["cost", "--profile", "\(dir)/typo.yaml", "--arch",
                                          "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|"])
        expectOneLine(r, "\(dir)/typo.yaml: section 'mcu': cost model 'mcu': unknown option 'cycles_per_mac_conf' (did you mean 'cycles_per_mac_conv'?)")
        try stm.replacingOccurrences(of: "clock_mhz: 216", with: "clock_mhz: -5")
            .write(toFile: "\(dir)/neg.yaml", atomically: true, encoding: .utf8)
        let n = try await TestSupport.hwnasRun(["cost", "--profile", "\(dir)/neg.yaml", "--arch",
                                          "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|"])
        expectOneLine(n, "option clock_mhz: -5 is below 1e-06")
    }

    @Test func aThirdPartyCPluginsDeclaredOptionsAreChecked() async throws {
        let dir = TestSupport.tempDir("trust-c-options")
        try await TestSupport.compileSharedLibrary([TestSupport.repoRoot + "/examples/c-strategy/hill_climb.c"],
                                             output: "\(dir)/libhc.so", include: TestSupport.abiInclude)
        let base = Self.table + ["--evaluator-option", "column=cifar10_acc", "--plugin-path", "\(dir)/libhc.so", "--strategy", "hill-climb"]
        await expectOneLine(try search(base + ["--strategy-option", "patiense=9"]), "strategy 'hill-climb': unknown option 'patiense'")
        await expectOneLine(try search(base + ["--strategy-option", "patience=0"]), "option patience: 0 is below 1")
        await #expect(try search(base + ["--strategy-option", "patience=9"]).status == 0)
        let show = try await TestSupport.hwnasRun(["plugins", "show", "hill-climb", "--plugin-path", "\(dir)/libhc.so"])
        #expect(show.status == 0 && show.out.contains("patience") && show.out.contains("non-improving children"), "\(show.out)")
        let all = try await TestSupport.hwnasRun(["plugins", "show", "mcu"])
        #expect(all.out.contains("clock_mhz") && all.out.contains("(required)"), "\(all.out)")
    }
}
