// The ABI is language-neutral: a plugin compiled with plain `cc -shared -fPIC`
// against the installed header alone (no SwiftPM) runs a search.
import HwnasTestSupport
import Foundation
import Testing

@Suite(.tags(.pluginABI)) struct ThirdPartyPluginTests {
    @Test func plainCPluginRunsASearch() async throws {
        let dir = TestSupport.tempDir("third-party")
        // "Install" the headers alone, as a distribution would.
        try FileManager.default.createDirectory(atPath: "\(dir)/include", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: TestSupport.abiInclude + "/hwnas", toPath: "\(dir)/include/hwnas")
        try await TestSupport.compileSharedLibrary([TestSupport.repoRoot + "/examples/c-strategy/hill_climb.c"],
                                             output: "\(dir)/libhill_climb.so", include: "\(dir)/include",
                                             defines: ["-Wall", "-Werror", "-pedantic"])
        let v = try await TestSupport.hwnasRun(["plugins", "validate", "\(dir)/libhill_climb.so"])
        #expect(v.status == 0, "\(v.out)")
        let out = "\(dir)/r.json"
        let r = try await TestSupport.hwnasRun(["search", "--plugin-path", dir, "--strategy", "hill-climb", "--profile", "raspi4",
                                          "--constraint", "latency_ms<=10", "--evaluator", "table", "--evaluator-option", "file=\(TestSupport.nb201CSV)",
                                          "--evaluator-option", "column=cifar10_acc", "--budget", "80", "--seed", "2",
                                          "--output", out, "--quiet"])
        #expect(r.status == 0, "\(r.err)")
        let j = try TestSupport.readJSON(out)
        #expect(j["evaluations"] as? Int == 80)
        #expect(j["strategy"] as? String == "hill-climb")
        let h = (j["history"] as! [[String: Any]]).map { $0["arch"] as! String }
        #expect(Set(h).count == h.count)
    }

    @Test func envPluginPathIsSearched() async throws {
        let dir = TestSupport.tempDir("env-path")
        try await TestSupport.compileSharedLibrary([TestSupport.repoRoot + "/examples/c-strategy/hill_climb.c"],
                                             output: "\(dir)/libhill_climb.so", include: TestSupport.abiInclude)
        let r = try await TestSupport.hwnasRun(["plugins", "list"], env: ["HWNAS_PLUGIN_PATH": dir])
        #expect(r.out.contains("hill-climb"))
    }
}
