// The ABI is a promise: plugins built against the 1.0 header (kept in
// Tests/abi-fixtures/v1.0) load and search under the 1.1 host, a cost model
// that walks 1.0 layer records gets 1.0 records, a plugin from a newer minor
// loads when its structs are readable, every header compiles on its own (C99
// and C++), and the entry's deinit is called.
import HwnasTestSupport
import Foundation
import HwnasCore
import Testing

@Suite(.tags(.pluginABI)) struct ABICompatibilityTests {
    static let fixtures = TestSupport.repoRoot + "/Tests/plugin-fixtures"
    static let v10Include = TestSupport.repoRoot + "/Tests/abi-fixtures/v1.0"

    @Test func pluginsBuiltAgainstTheV10HeaderLoadAndSearch() async throws {
        let dir = TestSupport.tempDir("abi-v10")
        try await TestSupport.compileSharedLibrary([TestSupport.repoRoot + "/examples/c-strategy/hill_climb.c"],
                                             output: "\(dir)/libhill_climb_v10.so", include: Self.v10Include,
                                             defines: ["-Wall", "-Werror", "-pedantic"])
        try await TestSupport.compileSharedLibrary(["\(Self.fixtures)/v10_cost_model.c"], output: "\(dir)/libv10_cost.so",
                                             include: Self.v10Include, defines: ["-Wall", "-Werror", "-pedantic"])
        let list = try await TestSupport.hwnasRun(["plugins", "list", "--plugin-path", dir])
        #expect(list.status == 0 && list.err.isEmpty, "\(list.err)")
        let rows = list.out.split(separator: "\n").filter { $0.contains("hill-climb") || $0.contains("v10-cost") }
        #expect(rows.count == 2 && rows.allSatisfy { $0.contains(" 1.0 ") }, "\(list.out)")

        // A profile pricing with the built-in mcu model and the 1.0 model side by side.
        let stm = try String(contentsOfFile: TestSupport.repoRoot + "/hardware-profiles/stm32f746.yaml", encoding: .utf8)
        try (stm.replacingOccurrences(of: "name: stm32f746", with: "name: stm32f746-v10")
             + "v10:\n  model: v10-cost\n").write(toFile: "\(dir)/prof.yaml", atomically: true, encoding: .utf8)
        let out = "\(dir)/r.json"
        let r = try await TestSupport.hwnasRun(["search", "--plugin-path", dir, "--strategy", "hill-climb", "--profile", "\(dir)/prof.yaml",
                                          "--constraint", "v10_latency_ms<=150", "--evaluator", "table",
                                          "--evaluator-option", "file=\(TestSupport.nb201CSV)", "--evaluator-option", "column=cifar10_acc",
                                          "--budget", "25", "--seed", "3", "--output", out, "--quiet"])
        #expect(r.status == 0, "\(r.err)")
        let history = try #require(try TestSupport.readJSON(out)["history"] as? [[String: Any]])
        #expect(history.count == 25)
        for h in history {
            let costs = try #require(h["costs"] as? [String: Double])
            // The 1.0 plugin summed the same layers the host built.
            #expect(costs["v10_params"] == costs["params"] && costs["v10_macs"] == costs["macs"], "\(costs)")
            #expect((costs["v10_latency_ms"] ?? 1e9) <= 150)
        }
    }

    @Test func aNewerMinorLoadsWhenItsStructsAreReadable() async throws {
        let dir = TestSupport.tempDir("abi-newer")
        try await TestSupport.compileSharedLibrary(["\(Self.fixtures)/newer_minor.c"], output: "\(dir)/libnewer.so", include: TestSupport.abiInclude)
        let r = try await TestSupport.hwnasRun(["search", "--plugin-path", "\(dir)/libnewer.so", "--strategy", "newer-minor", "--profile", "raspi4",
                                          "--evaluator", "table", "--evaluator-option", "file=\(TestSupport.nb201CSV)",
                                          "--evaluator-option", "column=cifar10_acc", "--budget", "5", "--quiet"])
        #expect(r.status == 0, "\(r.err)")
        let small = TestSupport.tempDir("abi-small")
        try await TestSupport.compileSharedLibrary(["\(Self.fixtures)/newer_minor.c"], output: "\(small)/libsmall.so", include: TestSupport.abiInclude,
                                             defines: ["-DFIXTURE_SMALL_INSTANCE"])
        let bad = try await TestSupport.hwnasRun(["search", "--plugin-path", "\(small)/libsmall.so", "--strategy", "newer-minor", "--profile", "raspi4",
                                            "--evaluator", "table", "--evaluator-option", "file=\(TestSupport.nb201CSV)",
                                            "--evaluator-option", "column=cifar10_acc", "--budget", "5", "--quiet"])
        #expect(bad.status == 1 && !bad.signaled)
        #expect(bad.err.contains("instance struct_size 16 is smaller than 48"), "\(bad.err)")
        #expect(bad.err.split(separator: "\n").count == 1, "one line: \(bad.err)")
    }

    @Test func theEntryDeinitIsCalled() async throws {
        let dir = TestSupport.tempDir("abi-deinit")
        try await TestSupport.compileSharedLibrary(["\(Self.fixtures)/deinit_marker.c"], output: "\(dir)/libmarker.so", include: TestSupport.abiInclude)
        let marker = "\(dir)/deinit.txt"
        let r = try await TestSupport.hwnasRun(["plugins", "list", "--plugin-path", "\(dir)/libmarker.so"], env: ["HWNAS_FIXTURE_DEINIT_FILE": marker])
        #expect(r.status == 0 && r.out.contains("deinit-marker"))
        #expect((try? String(contentsOfFile: marker, encoding: .utf8)) == "deinit\n")
    }

    @Test(arguments: ["version.h", "status.h", "options.h", "host.h", "entry.h", "space.h", "network.h", "candidates.h",
                      "strategy.h", "cost-model.h", "operator-set.h", "evaluator.h", "search-space.h", "plugin.h"])
    func everyHeaderCompilesOnItsOwn(_ header: String) async throws {
        let dir = TestSupport.tempDir("abi-header")
        let src = "\(dir)/t.c"
        try "#include <hwnas/\(header)>\nint hwnas_header_test;\n".write(toFile: src, atomically: true, encoding: .utf8)
        let c = try await TestSupport.run("/usr/bin/env", ["cc", "-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic", "-fsyntax-only",
                                                     "-I", TestSupport.abiInclude, src])
        #expect(c.status == 0, "\(header) in C99: \(c.err)")
        let cxx = try await TestSupport.run("/usr/bin/env", ["c++", "-x", "c++", "-std=c++11", "-Wall", "-Werror", "-fsyntax-only",
                                                       "-I", TestSupport.abiInclude, src])
        #expect(cxx.status == 0, "\(header) in C++: \(cxx.err)")
    }
}
