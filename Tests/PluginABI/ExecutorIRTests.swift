// The executor on ABI 1.1 records (the exact IR): Tests/executor-c is a C
// program that checks every attribute against naive references; it is
// compiled with plain cc (with the address and undefined-behaviour
// sanitizers, leaks included) and run here so `swift test` fails when it does.
import HwnasTestSupport
import Foundation
import Testing

@Suite(.tags(.pluginABI)) struct ExecutorIRTests {
    @Test func cExecutorTestsPassUnderSanitizers() async throws {
        let root = TestSupport.repoRoot
        let exe = TestSupport.tempDir("executor-c") + "/test_executor"
        let cc = try await TestSupport.run("/usr/bin/env", [
            "cc", "-std=c99", "-O1", "-g", "-Wall", "-Werror", "-fsanitize=address,undefined", "-fno-omit-frame-pointer",
            "-I", root + "/Sources/ABI/CHwnasABI/include", "-I", root + "/Sources/Libraries/HwnasExecutor/include", "-I", root + "/Sources/Libraries/HwnasExecutor",
            root + "/Sources/Libraries/HwnasExecutor/executor.c", root + "/Sources/Libraries/HwnasExecutor/kernels.c", root + "/Tests/executor-c/test_executor.c",
            "-lopenblas", "-lm", "-o", exe])
        #expect(cc.status == 0, "\(cc.err)")
        guard cc.status == 0 else { return }
        let r = try await TestSupport.run(exe, [], env: ["OPENBLAS_NUM_THREADS": "1", "ASAN_OPTIONS": "detect_leaks=1"])
        #expect(r.status == 0 && !r.signaled, "\(r.out)\n\(r.err)")
        #expect(r.out.contains("all passed"), "\(r.out)")
        let cases = r.out.split(separator: "\n").filter { $0.hasPrefix("ok") }.count
        #expect(cases >= 30, "\(r.out)")
    }
}
