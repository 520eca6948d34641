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
            if parts.count == 2, parts[0] != "asked", let v = Double(parts[1]) { got[String(parts[0])] = v }
        }
        let want = try await TestSupport.costMetrics(["--space", "nb201", "--arch", arch, "--profile", "stm32f746"])
        #expect(got == want, "\(r.out)")
        #expect(r.out.contains("error space nb201: 'not an arch' is not an nb201 arch string") && r.out.contains("asked 4"), "\(r.out)")
    }
}
