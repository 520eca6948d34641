// The host API (libhwnas_host.so) from C, with its header alone: a program
// compiled in the test prices an architecture — the same numbers as
// `hwnas cost` — asks and tells a strategy, and gets an error message for
// a bad arch string. The Python package's tests drive the same library
// through cffi (python/tests).
import HwnasTestSupport
import Foundation
import Testing

@Suite(.tags(.pluginABI)) struct HostAPITests {
    @Test func aCProgramPricesLikeTheCommand() async throws {
        let dir = TestSupport.tempDir("host-api")
        let exe = "\(dir)/client"
        let cc = try await TestSupport.run("/usr/bin/env", ["cc", "-std=c99", "-Wall", "-Werror",
                                                      "-I", TestSupport.repoRoot + "/Sources/ABI/CHwnasHostAPI/include",
                                                      TestSupport.repoRoot + "/Tests/fixtures/host_api_client.c",
                                                      "-L", TestSupport.productsDir, "-lhwnas_host",
                                                      "-Wl,-rpath," + TestSupport.productsDir, "-o", exe])
        #expect(cc.status == 0, "\(cc.err)")
        let arch = "|nor_conv_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|avg_pool_3x3~0|none~1|nor_conv_3x3~2|"
        let r = try await TestSupport.run(exe, ["stm32f746", "nb201", arch], env: ["HWNAS_HOME": TestSupport.repoRoot])
        #expect(r.status == 0, "\(r.err)")
        var got: [String: Double] = [:]
        for line in r.out.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let key = String(parts[0])
            if key != "asked", key != "constrained_sram", !key.hasPrefix("search_"), let v = Double(parts[1]) { got[key] = v }
        }
        let want = try await TestSupport.costMetrics(["--space", "nb201", "--arch", arch, "--profile", "stm32f746"])
        #expect(got == want, "\(r.out)")
        #expect(r.out.contains("error space nb201: 'not an arch' is not an nb201 arch string") && r.out.contains("asked 4"), "\(r.out)")
        // Version 2: constrained proposals are feasible; a search scored by
        // a C function calls it per round with the round's candidates,
        // records its failure reasons and names it; an unknown key is refused.
        let sram = r.out.split(separator: "\n").filter { $0.hasPrefix("constrained_sram ") }.compactMap { Double($0.split(separator: " ")[1]) }
        #expect(sram.count == 4 && sram.allSatisfy { $0 <= 100 }, "\(r.out)")
        #expect(r.out.contains("search_calls 12\n") && r.out.contains("search_events 4\n"), "\(r.out)")
        #expect(r.out.contains("search_has_reason 1") && r.out.contains("search_has_evaluator 1"), "\(r.out)")
        #expect(r.out.contains("error search config: unknown key 'budgte'"), "\(r.out)")
    }
}
