// The commands of the issue, end to end through the built `hwnas` binary and
// the built-in plugin libraries.
import HwnasTestSupport
import Foundation
import HwnasCore
import HwnasTabular
import Testing

@Suite(.serialized, .tags(.cli)) struct SearchCLITests {
    static let devices = ["eyeriss", "fpga", "pixel3", "raspi4", "gold_6226", "titan_rtx_1", "1080ti_32", "pixel2"]

    func search(_ extra: [String], out: String) async throws -> TestSupport.Run {
        try await TestSupport.hwnasRun(["search", "--space", "nb201", "--evaluator", "table",
                                  "--evaluator-option", "file=\(TestSupport.nb201CSV)",
                                  "--evaluator-option", "column=cifar10_acc", "--output", out, "--quiet"] + extra)
    }

    @Test func searchWritesTheDocumentedResultForEveryDevice() async throws {
        let dir = TestSupport.tempDir("devices")
        let table = try CSVTable.read(TestSupport.nb201CSV)
        for dev in Self.devices {
            // A bound at the device's median latency: half the space is feasible.
            let lat = try table.numericColumn("\(dev)_ms").filter(\.isFinite).sorted()
            let bound = lat[lat.count / 2]
            let out = "\(dir)/\(dev).json"
            let r = try await search(["--profile", dev, "--constraint", "latency_ms<=\(bound)", "--budget", "20", "--seed", "3"], out: out)
            #expect(r.status == 0, "\(dev): \(r.err)")
            let j = try TestSupport.readJSON(out)
            let best = try #require(j["best"] as? [String: Any])
            #expect(best["arch"] is String && best["genotype"] is [Any] && best["objective"] is Double)
            let costs = try #require(best["costs"] as? [String: Double])
            #expect(costs["latency_ms"]! <= bound)
            #expect(j["feasible"] as? Bool == true)
            #expect(j["evaluations"] as? Int == 20)
            let history = try #require(j["history"] as? [[String: Any]])
            #expect(history.count == 20)
            for h in history {
                #expect(h["step"] is Int && h["arch"] is String && h["objective"] is Double)
                let c = try #require(h["costs"] as? [String: Double])
                #expect(c["latency_ms"]! <= bound, "an infeasible candidate was evaluated on \(dev)")
            }
            #expect(j["wall_seconds"] is Double)
        }
    }

    @Test func sameSeedSameResultAndNoDuplicates() async throws {
        let dir = TestSupport.tempDir("seed")
        for strategy in ["regularized-evolution", "random"] {
            var archs: [[String]] = []
            for k in 0..<2 {
                let out = "\(dir)/\(strategy)-\(k).json"
                let r = try await search(["--profile", "raspi4", "--constraint", "latency_ms<=10", "--strategy", strategy,
                                    "--budget", "60", "--seed", "42"], out: out)
                #expect(r.status == 0, "\(r.err)")
                let h = try TestSupport.readJSON(out)["history"] as! [[String: Any]]
                archs.append(h.map { $0["arch"] as! String })
            }
            #expect(archs[0] == archs[1], "\(strategy) is not deterministic")
            #expect(Set(archs[0]).count == archs[0].count, "\(strategy) evaluated a candidate twice")
        }
    }

    @Test func costPrintsMetricsAsJSON() async throws {
        let arch = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"
        let r = try await TestSupport.hwnasRun(["cost", "--space", "nb201", "--profile", "raspi4", "--arch", arch])
        #expect(r.status == 0, "\(r.err)")
        let j = try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as! [String: Any]
        let m = j["metrics"] as! [String: Double]
        #expect(abs(m["latency_ms"]! - 54.7774) < 1e-9)   // row 1 of the shared table
        #expect(j["arch"] as? String == arch)
    }

    @Test func journalResumesWithoutReevaluating() async throws {
        let dir = TestSupport.tempDir("journal")
        let journal = "\(dir)/j.jsonl"
        let args = ["--profile", "raspi4", "--constraint", "latency_ms<=10", "--seed", "5", "--journal", journal]
        let first = try await search(args + ["--budget", "30"], out: "\(dir)/a.json")
        #expect(first.status == 0, "\(first.err)")
        let lines = try String(contentsOfFile: journal, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 31 && lines[0].contains("\"hwnas_journal\":1"), "a header, then 30 evaluations")
        // Resume with a larger budget: the first 30 come back from the journal.
        let second = try await search(args + ["--budget", "50"], out: "\(dir)/b.json")
        #expect(second.status == 0, "\(second.err)")
        let b = try TestSupport.readJSON("\(dir)/b.json")
        #expect(b["replayed_evaluations"] as? Int == 30)
        #expect(b["evaluations"] as? Int == 50)
        let fresh = try await search(["--profile", "raspi4", "--constraint", "latency_ms<=10", "--seed", "5", "--budget", "50"],
                               out: "\(dir)/c.json")
        #expect(fresh.status == 0)
        let hb = (b["history"] as! [[String: Any]]).map { $0["arch"] as! String }
        let hc = (try TestSupport.readJSON("\(dir)/c.json")["history"] as! [[String: Any]]).map { $0["arch"] as! String }
        #expect(hb == hc, "a resumed search must follow the same trajectory as an uninterrupted one")
        #expect(try String(contentsOfFile: journal, encoding: .utf8).split(separator: "\n").count == 51)
    }

    @Test func pluginsAndProfilesList() async throws {
        let r = try await TestSupport.hwnasRun(["plugins", "list"])
        #expect(r.status == 0)
        for id in ["random", "regularized-evolution", "table", "layer-table"] { #expect(r.out.contains(id)) }
        #expect(r.out.contains("ABI") && r.out.contains(".so"))
        let p = try await TestSupport.hwnasRun(["profiles", "list"])
        for d in Self.devices { #expect(p.out.contains(d)) }
    }

    @Test func droppedInProfileJustWorks() async throws {
        let dir = TestSupport.tempDir("profile")
        let yaml = """
        name: my-board
        description: a profile given by path
        latency:
          model: table
          file: \(TestSupport.nb201CSV)
          column: pixel3_ms
        """
        try yaml.write(toFile: "\(dir)/my-board.yaml", atomically: true, encoding: .utf8)
        let r = try await search(["--profile", "\(dir)/my-board.yaml", "--constraint", "latency_ms<=8", "--budget", "10"], out: "\(dir)/r.json")
        #expect(r.status == 0, "\(r.err)")
        #expect(try TestSupport.readJSON("\(dir)/r.json")["profile"] as? String == "my-board")
    }

    /// --soft: every evaluation records reward = accuracy x (latency/T)^w
    /// beside its raw accuracy and latency; the best is the largest reward;
    /// the hard constraint still screens; a :min first objective is refused.
    @Test func softConstraintRewardsAndRanks() async throws {
        let dir = TestSupport.tempDir("soft")
        let out = "\(dir)/soft.json"
        let r = try await search(["--profile", "raspi4", "--constraint", "latency_ms<=30", "--soft", "latency_ms<=10:alpha=-0.07,beta=-0.5",
                                  "--strategy", "differential-evolution", "--budget", "40", "--seed", "5"], out: out)
        #expect(r.status == 0, "\(r.err)")
        let j = try TestSupport.readJSON(out)
        #expect(j["soft_constraints"] as? [String] == ["latency_ms<=10:alpha=-0.07,beta=-0.5"])
        let history = try #require(j["history"] as? [[String: Any]])
        #expect(history.count == 40)
        var bestReward = -Double.infinity
        for h in history {
            let acc = try #require(h["objective"] as? Double), lat = try #require((h["costs"] as? [String: Double])?["latency_ms"])
            let reward = try #require(h["reward"] as? Double)
            #expect(lat <= 30)
            #expect(abs(reward - acc * pow(lat / 10, lat <= 10 ? -0.07 : -0.5)) < 1e-9 * max(1, reward))
            bestReward = max(bestReward, reward)
        }
        let best = try #require(j["best"] as? [String: Any])
        #expect(best["reward"] as? Double == bestReward)
        #expect(r.out.contains("reward = "))
        let bad = try await search(["--profile", "raspi4", "--objective", "latency_ms:min", "--soft", "latency_ms<=10:w=-0.07", "--budget", "5"],
                                   out: "\(dir)/bad.json")
        #expect(bad.status == 1 && bad.err.contains("--soft scales the first objective, which must be maximised"), "\(bad.err)")
        let typo = try await search(["--profile", "raspi4", "--soft", "latncy_ms<=10:w=-0.07", "--budget", "5"], out: "\(dir)/typo.json")
        #expect(typo.status == 1 && typo.err.contains("soft constraint latncy_ms<=10:w=-0.07: no evaluator or cost metric named 'latncy_ms'"), "\(typo.err)")
    }
}
