// Co-design end to end: a search over NAS-Bench-201 cells and accelerator
// designs together (space nb201-accelerator, profile eyeriss-accelerator),
// constrained by area and latency, returning a front of (network,
// accelerator) pairs; and the composed arch strings through `hwnas cost`.
import HwnasTestSupport
import Foundation
import Testing

@Suite(.serialized, .tags(.cli)) struct CoDesignCLITests {
    @Test func searchReturnsAFrontOfNetworkAcceleratorPairs() async throws {
        let dir = TestSupport.tempDir("codesign")
        let r = try await TestSupport.hwnasRun([
            "search", "--space", "nb201-accelerator", "--profile", "eyeriss-accelerator", "--evaluator", "table",
            "--evaluator-option", "file=\(TestSupport.nb201CSV)", "--evaluator-option", "column=cifar10_acc",
            "--objective", "accuracy:max", "--objective", "latency_ms:min",
            "--constraint", "area_mm2<=13", "--constraint", "latency_ms<=6", "--strategy", "nsga2",
            "--budget", "120", "--seed", "2", "--output", "\(dir)/r.json", "--plot", "\(dir)/front.svg", "--quiet"])
        #expect(r.status == 0, "\(r.err)")
        let j = try TestSupport.readJSON("\(dir)/r.json")
        let history = try #require(j["history"] as? [[String: Any]])
        #expect(history.count == 120)
        var designs = Set<String>()
        for h in history {
            let arch = try #require(h["arch"] as? String)
            let parts = arch.components(separatedBy: "@hw:")
            #expect(parts.count == 2, "\(arch)")
            designs.insert(parts[1])
            let costs = try #require(h["costs"] as? [String: Double])
            #expect(costs["area_mm2"]! <= 13 && costs["latency_ms"]! <= 6)
            // The accuracy is the network's, looked up by the network part.
            #expect(h["status"] as? String == "ok" && (h["objective"] as? Double ?? 0) > 0)
        }
        #expect(designs.count >= 5, "the search explored \(designs.count) accelerator designs")
        let front = try #require((j["pareto"] as? [String: Any])?["front"] as? [[String: Any]])
        #expect(front.count >= 2 && front.allSatisfy { ($0["arch"] as? String)?.contains("@hw:") == true })
        #expect(try String(contentsOfFile: "\(dir)/front.svg", encoding: .utf8).contains("<svg"))
    }

    /// One network on two designs: the larger array is faster and larger.
    @Test func costReadsTheHardwarePartOfTheCandidate() async throws {
        let cell = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"
        var metrics: [[String: Double]] = []
        for hw in ["pe_rows=8,pe_cols=8,glb_kb=108,dataflow=rs", "pe_rows=16,pe_cols=16,glb_kb=108,dataflow=rs"] {
            let r = try await TestSupport.hwnasRun(["cost", "--space", "nb201-accelerator", "--profile", "eyeriss-accelerator",
                                                    "--arch", "\(cell)@hw:\(hw)"])
            #expect(r.status == 0, "\(r.err)")
            let j = try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any]
            metrics.append(try #require(j?["metrics"] as? [String: Double]))
        }
        #expect(metrics[0]["latency_ms"]! > metrics[1]["latency_ms"]!)
        #expect(metrics[0]["area_mm2"]! < metrics[1]["area_mm2"]!)
        let bad = try await TestSupport.hwnasRun(["cost", "--space", "nb201-accelerator", "--profile", "eyeriss-accelerator",
                                                  "--arch", "\(cell)@hw:pe_rows=9,pe_cols=8,glb_kb=108,dataflow=rs"])
        #expect(bad.status == 1 && bad.err.contains("pe_rows=9 is not a choice (8|12|16)"), "\(bad.err)")
    }
}
