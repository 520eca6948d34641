// End-to-end searches on the other kinds of profile and objective: the
// README's embedded default (meco on an MCU profile), a measured CPU
// lookup-table profile, and a two-objective search with its Pareto plot.
import HwnasTestSupport
import Foundation
import HwnasCore
import HwnasTools
import Testing

@Suite(.serialized, .tags(.cli)) struct ProfileSearchCLITests {
    static let conv3x3 = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|"

    func history(_ path: String) throws -> [[String: Any]] {
        try #require(TestSupport.readJSON(path)["history"] as? [[String: Any]])
    }

    @Test func embeddedDefaultSearchesAnMCUWithTheTrainingFreeEvaluator() async throws {
        let dir = TestSupport.tempDir("default-search")
        let out = "\(dir)/r.json"
        // No --space/--profile/--evaluator: exactly the README's defaults, a
        // tighter flash bound so the constraint bites, a small batch for speed.
        let r = try await TestSupport.hwnasRun(["search", "--constraint", "peak_sram_kb<=320", "--constraint", "flash_kb<=300",
                                          "--budget", "6", "--parallel", "2", "--evaluator-option", "batch=8",
                                          "--output", out, "--quiet"])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.contains("meco = ") && r.out.contains("training-free accuracy proxy"), "\(r.out)")
        let j = try TestSupport.readJSON(out)
        #expect(j["profile"] as? String == "stm32f746" && j["evaluator"] as? String == "meco")
        #expect(j["evaluations"] as? Int == 6 && j["feasible"] as? Bool == true)
        for h in try history(out) {
            let c = try #require(h["costs"] as? [String: Double])
            #expect(c["flash_kb"]! <= 300 && c["peak_sram_kb"]! <= 320, "infeasible candidate evaluated: \(h)")
            #expect((h["objective"] as? Double)?.isFinite == true)
        }
    }

    @Test func cpuLookupTableProfileConstrainsMeasuredLatency() async throws {
        let cost = try await TestSupport.hwnasRun(["cost", "--space", "nb201", "--profile", "cpu-epyc-nb201", "--arch", Self.conv3x3])
        #expect(cost.status == 0, "\(cost.err)")
        let slowest = try #require(((try JSONSerialization.jsonObject(with: Data(cost.out.utf8)) as? [String: Any])?["metrics"]
            as? [String: Double])?["latency_ms"])
        let bound = slowest / 2
        let dir = TestSupport.tempDir("cpu-search")
        let out = "\(dir)/r.json"
        let r = try await TestSupport.hwnasRun(["search", "--space", "nb201", "--profile", "cpu-epyc-nb201",
                                          "--constraint", "latency_ms<=\(bound)", "--evaluator", "table",
                                          "--evaluator-option", "file=\(TestSupport.nb201CSV)", "--evaluator-option", "column=cifar10_acc",
                                          "--budget", "30", "--output", out, "--quiet"])
        #expect(r.status == 0, "\(r.err)")
        let h = try history(out)
        #expect(h.count == 30)
        for e in h { #expect(((e["costs"] as? [String: Double])?["latency_ms"] ?? .infinity) <= bound) }
    }

    @Test func twoObjectiveSearchWritesAParetoFrontAndPlot() async throws {
        let dir = TestSupport.tempDir("pareto-search")
        let out = "\(dir)/r.json", svg = "\(dir)/front.svg"
        let r = try await TestSupport.hwnasRun(["search", "--space", "nb201", "--profile", "raspi4", "--constraint", "latency_ms<=30",
                                          "--evaluator", "table", "--evaluator-option", "file=\(TestSupport.nb201CSV)",
                                          "--evaluator-option", "column=cifar10_acc",
                                          "--objective", "accuracy:max", "--objective", "latency_ms:min", "--strategy", "nsga2",
                                          "--budget", "60", "--output", out, "--plot", svg, "--quiet"])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.contains("pareto front:") && r.out.contains("plot: \(svg)"))
        let pareto = try #require(TestSupport.readJSON(out)["pareto"] as? [String: Any])
        #expect((pareto["hypervolume"] as? Double ?? 0) > 0)
        let front = try #require(pareto["front"] as? [[String: Any]]).map { e -> (Double, Double) in
            ((e["objective"] as? Double) ?? .nan, (e["costs"] as? [String: Double])?["latency_ms"] ?? .nan)
        }
        #expect(front.count >= 2)
        for a in front {
            #expect(a.1 <= 30)
            for b in front where b != a {
                #expect(!(b.0 >= a.0 && b.1 <= a.1), "front point \(a) is dominated by \(b)")
            }
        }
        let text = try String(contentsOfFile: svg, encoding: .utf8)
        #expect(text.hasPrefix("<svg") && text.contains("Pareto front (\(front.count))"))
    }
}
