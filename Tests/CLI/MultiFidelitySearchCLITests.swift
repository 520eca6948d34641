// `hwnas search --fidelity epochs=1:9:3`: successive halving promotes exactly
// the top 1/eta of each rung, every promotion resumes from the lower rung's
// checkpoint, ASHA promotes without waiting, a search killed mid-rung resumes
// from its journal without retraining a finished rung, and an evaluator that
// takes no fidelity is refused in one line. The fake trainer answers
// objective = (its hash) + epochs / 1000, a checkpoint "ARCH@EPOCHS", and
// fails a resume token that is not the candidate's.
import HwnasTestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite(.serialized, .tags(.cli)) struct MultiFidelitySearchCLITests {
    func args(scheduler: String, budget: Int, log: String, out: String, trainer: String = "", extra: [String] = []) -> [String] {
        ["search", "--space", "nb201", "--strategy", "random", "--seed", "3", "--budget", "\(budget)", "--parallel", "2",
         "--fidelity", "epochs=1:9:3", "--scheduler", scheduler, "--evaluator", "command",
         "--evaluator-option", "command=python3 \(TestPaths.fakeTrainer) --fidelity --log \(log) \(trainer)",
         "--evaluator-option", "extra_metrics=epochs,resumed_from", "--evaluator-option", "stderr=null",
         "--output", out, "--quiet"] + extra
    }

    struct Row { let arch: String; let epochs: Double; let objective: Double; let resumedFrom: Double; let checkpoint: String? }

    func rows(_ out: String) throws -> [Row] {
        let history = try #require(try TestSupport.readJSON(out)["history"] as? [[String: Any]])
        return try history.map { h in
            let m = try #require(h["metrics"] as? [String: Double])
            let f = try #require(h["fidelity"] as? [String: Double])
            return Row(arch: h["arch"] as! String, epochs: f["epochs"]!, objective: h["objective"] as! Double,
                       resumedFrom: m["resumed_from"] ?? -1, checkpoint: h["checkpoint"] as? String)
        }
    }

    func lines(_ path: String) -> [String] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    @Test func successiveHalvingPromotesExactlyTheTopThirdAndResumes() async throws {
        let dir = TestSupport.tempDir("mf-sh")
        let out = "\(dir)/out.json"
        let r = try await TestSupport.hwnasRun(args(scheduler: "successive-halving", budget: 13, log: "\(dir)/log", out: out))
        #expect(r.status == 0, "\(r.err)")
        let h = try rows(out)
        let r1 = h.filter { $0.epochs == 1 }, r3 = h.filter { $0.epochs == 3 }, r9 = h.filter { $0.epochs == 9 }
        #expect(r1.count == 9 && r3.count == 3 && r9.count == 1, "\(h.map { ($0.arch, $0.epochs) })")
        // Exactly the best third of each rung goes on.
        let top3 = Set(r1.sorted { $0.objective > $1.objective }.prefix(3).map(\.arch))
        #expect(Set(r3.map(\.arch)) == top3)
        #expect(r9.map(\.arch) == [r3.max { $0.objective < $1.objective }!.arch])
        // Each promotion resumed from the rung below; every evaluation left its checkpoint.
        #expect(r1.allSatisfy { $0.resumedFrom == 0 } && r3.allSatisfy { $0.resumedFrom == 1 } && r9.allSatisfy { $0.resumedFrom == 3 })
        #expect(h.allSatisfy { $0.checkpoint == "\($0.arch)@\(Int($0.epochs))" })
        let result = try TestSupport.readJSON(out)
        #expect((result["best"] as? [String: Any])?["arch"] as? String == r9[0].arch)
        // 9 x 1 epoch, 3 x (3 - 1) resumed, 1 x (9 - 3) resumed.
        let spent = try #require(result["fidelity_spent"] as? Double)
        #expect(abs(spent - 21) < 1e-9)
        #expect(r.out.contains("evaluations per rung 1: 9, 3: 3, 9: 1"), "\(r.out)")
    }

    /// A space of 5 candidates runs dry in the middle of the first bracket
    /// (successive halving and Hyperband want 9): the rungs still promote what
    /// they hold, at least the best of each, so the best reaches the top
    /// fidelity instead of the search ending at 1 epoch. A rung promotes its
    /// best only once nothing at or below it is running or can still come up
    /// (ASHA's rung 3, under its 1/3 quota, then promotes the best).
    @Test(arguments: ["successive-halving", "hyperband", "asha"])
    func anExhaustedStrategyStillPromotesTheBest(scheduler: String) async throws {
        let dir = TestSupport.tempDir("mf-dry-\(scheduler)")
        let space = "\(dir)/five.yaml", out = "\(dir)/out.json", profile = "\(dir)/five-profile.yaml"
        try Data("name: five\nplugin: choices\ndims: [net]\nchoices: [alpha, bravo, charlie, delta, echo]\n".utf8)
            .write(to: URL(fileURLWithPath: space))
        // A choices space builds no networks: a table prices it.
        try Data("arch,kb\nalpha,1\nbravo,2\ncharlie,3\ndelta,4\necho,5\n".utf8).write(to: URL(fileURLWithPath: "\(dir)/five.csv"))
        try Data("name: five\nsize:\n  model: table\n  file: \(dir)/five.csv\n  column: kb\n  metric: kb\n".utf8)
            .write(to: URL(fileURLWithPath: profile))
        var a = args(scheduler: scheduler, budget: 50, log: "\(dir)/log", out: out, extra: ["--profile", profile])
        a[a.firstIndex(of: "nb201")!] = space
        let r = try await TestSupport.hwnasRun(a)
        #expect(r.status == 0, "\(r.err)")
        let h = try rows(out)
        let r1 = h.filter { $0.epochs == 1 }, r3 = h.filter { $0.epochs == 3 }, r9 = h.filter { $0.epochs == 9 }
        // ASHA promotes the best so far of rung 1 as results come (1-3 of them,
        // by timing); whatever the timing, only the best goes on to 9.
        let r3Expected = scheduler == "asha" ? 1...3 : 1...1
        #expect(r1.count == 5 && r3Expected.contains(r3.count) && r9.count == 1, "\(h.map { ($0.arch, $0.epochs) })")
        let best = r1.max { $0.objective < $1.objective }!.arch
        #expect(r3.map(\.arch).contains(best) && r9.map(\.arch) == [best])
        let result = try TestSupport.readJSON(out)
        #expect((result["best"] as? [String: Any])?["arch"] as? String == best)
        #expect(!r.err.contains("no candidate reached"), "\(r.err)")
    }

    @Test func hyperbandRunsBracketsStartingHigher() async throws {
        // epochs=1:9:3: brackets of 9 at 1 epoch (-> 3 -> 1), 6 at 3 epochs (-> 2), 3 at 9 epochs.
        let dir = TestSupport.tempDir("mf-hb")
        let out = "\(dir)/out.json"
        let r = try await TestSupport.hwnasRun(args(scheduler: "hyperband", budget: 24, log: "\(dir)/log", out: out))
        #expect(r.status == 0, "\(r.err)")
        let h = try rows(out)
        #expect(h.count == 24)
        #expect(Array(h.prefix(13)).filter { $0.epochs == 1 }.count == 9 && h.filter { $0.epochs == 1 }.count == 9)
        #expect(h.filter { $0.epochs == 3 }.count == 9 && h.filter { $0.epochs == 9 }.count == 6)
        // The second bracket's candidates start at 3 epochs from scratch; its best 2 go on to 9.
        let second = Array(h[13..<21])
        let starters = second.filter { $0.epochs == 3 }
        #expect(starters.count == 6 && starters.allSatisfy { $0.resumedFrom == 0 })
        let promoted = Set(second.filter { $0.epochs == 9 }.map(\.arch))
        #expect(promoted == Set(starters.sorted { $0.objective > $1.objective }.prefix(2).map(\.arch)))
        // The third starts at the top: 3 candidates, 9 epochs each, no promotion.
        #expect(h[21...].allSatisfy { $0.epochs == 9 && $0.resumedFrom == 0 })
    }

    @Test func ashaPromotesWithoutWaitingForTheRung() async throws {
        let dir = TestSupport.tempDir("mf-asha")
        let out = "\(dir)/out.json"
        let r = try await TestSupport.hwnasRun(args(scheduler: "asha", budget: 24, log: "\(dir)/log", out: out,
                                                    trainer: "--varied-delay 0.02"))
        #expect(r.status == 0, "\(r.err)")
        let h = try rows(out)
        #expect(h.count == 24)
        // A promotion follows the candidate's own lower-rung result, resumes
        // from it, and was in the top third of that rung's results so far.
        for (i, row) in h.enumerated() where row.epochs > 1 {
            let lower = row.epochs / 3
            let before = h[..<i].filter { $0.epochs == lower }
            #expect(before.contains { $0.arch == row.arch } && row.resumedFrom == lower, "\(row.arch) @\(row.epochs)")
            let own = before.first { $0.arch == row.arch }!.objective
            #expect(before.filter { $0.objective > own }.count < max(1, before.count / 3) + 2, "\(row.arch) @\(row.epochs)")
        }
        // Promotions happened before a full bracket of rung 1 (no waiting).
        let firstPromotion = try #require(h.firstIndex { $0.epochs == 3 })
        #expect(firstPromotion < 9)
    }

    @Test func aKilledSearchResumesWithoutRetrainingAFinishedRung() async throws {
        let dir = TestSupport.tempDir("mf-kill")
        let journal = "\(dir)/journal.jsonl", log = "\(dir)/log", out = "\(dir)/out.json"
        let a = args(scheduler: "successive-halving", budget: 13, log: log, out: out, trainer: "--varied-delay 0.15",
                     extra: ["--journal", journal])
        let first = Process()
        first.executableURL = URL(fileURLWithPath: TestSupport.hwnas)
        first.arguments = a
        first.standardOutput = FileHandle.nullDevice
        first.standardError = FileHandle.nullDevice
        try first.run()
        let deadline = Date(timeIntervalSinceNow: 60)
        while lines(journal).count < 7 && Date() < deadline && first.isRunning { try await Task.sleep(nanoseconds: 20_000_000) }
        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExit()
        let journaled = lines(journal).dropFirst().compactMap { line -> String? in
            guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let arch = o["arch"] as? String, let f = o["fidelity"] as? [String: Double] else { return nil }
            return "\(arch) @\(Int(f["epochs"]!))"
        }
        #expect(journaled.count >= 6 && journaled.count < 13, "kill landed at \(journaled.count)")
        let sentBefore = lines(log).count
        let r = try await TestSupport.hwnasRun(a)
        #expect(r.status == 0, "\(r.err)")
        let h = try rows(out)
        #expect(h.count == 13 && Set(h.map { "\($0.arch) @\(Int($0.epochs))" }).count == 13)
        let sentAfter = Array(lines(log).dropFirst(sentBefore))
        #expect(Set(sentAfter).isDisjoint(with: journaled), "a journaled rung was trained again: \(Set(sentAfter).intersection(journaled))")
        #expect(try TestSupport.readJSON(out)["replayed_evaluations"] as? Int == journaled.count)
    }

    @Test func anEvaluatorWithoutFidelityIsRefusedInOneLine() async throws {
        let r = try await TestSupport.hwnasRun(["search", "--evaluator", "meco", "--fidelity", "epochs=1:9:3", "--budget", "3", "--quiet"])
        #expect(r.status != 0 && r.err.contains("evaluator 'meco' takes no fidelity"), "\(r.err)")
        let bad = try await TestSupport.hwnasRun(["search", "--fidelity", "epochs=9:1:3", "--budget", "3", "--quiet"])
        #expect(bad.status != 0 && bad.err.contains("MAX must be larger than MIN"), "\(bad.err)")
        let lone = try await TestSupport.hwnasRun(["search", "--scheduler", "asha", "--budget", "3", "--quiet"])
        #expect(lone.status != 0 && lone.err.contains("give --fidelity"), "\(lone.err)")
    }
}
