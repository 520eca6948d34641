// Trust, class "a journal replayed as another search's results": the
// journal's header fingerprints the space, the evaluator and its options,
// and the profile; a mismatch is refused naming both, unless
// --reuse-journal. Failed evaluations carry their reason and are tried
// again on resume, unless --keep-failed.
import HwnasTestSupport
import Foundation
import Testing

@Suite(.tags(.cli)) struct TrustJournalTests {
    func tableSearch(_ column: String, journal: String, out: String, _ extra: [String] = []) async throws -> TestSupport.Run {
        try await TestSupport.hwnasRun(["search", "--profile", "raspi4", "--evaluator", "table", "--evaluator-option", "file=\(TestSupport.nb201CSV)",
                                  "--evaluator-option", "column=\(column)", "--constraint", "latency_ms<=10", "--budget", "40",
                                  "--seed", "3", "--journal", journal, "--output", out, "--quiet"] + extra)
    }

    @Test func aJournalOfAnotherObjectiveIsRefused() async throws {
        let dir = TestSupport.tempDir("journal-mismatch")
        let j = "\(dir)/j.jsonl"
        await #expect(try tableSearch("cifar10_acc", journal: j, out: "\(dir)/a.json").status == 0)
        let before = try String(contentsOfFile: j, encoding: .utf8)
        // The reported case: a cifar10 journal reused for a cifar100 search.
        let r = try await tableSearch("cifar100_acc", journal: j, out: "\(dir)/b.json")
        #expect(r.status == 1 && r.err.split(separator: "\n").count == 1, "\(r.err)")
        #expect(r.err.contains("--journal \(j) was written for evaluator table (column=cifar10_acc"), "\(r.err)")
        #expect(r.err.contains("this search: evaluator table (column=cifar100_acc"), "\(r.err)")
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/b.json"))
        #expect(try String(contentsOfFile: j, encoding: .utf8) == before, "a refused journal is not touched")
        // Without the mix-up the cifar100 search finds its own optimum.
        let truth = try await tableSearch("cifar100_acc", journal: "\(dir)/fresh.jsonl", out: "\(dir)/c.json")
        #expect(truth.status == 0)
        let best = (try TestSupport.readJSON("\(dir)/c.json")["best"] as! [String: Any])["objective"] as! Double
        #expect(best < 80, "cifar100 accuracies are below 80: \(best)")
        // Asked for explicitly, it is replayed and the result says so.
        let reuse = try await tableSearch("cifar100_acc", journal: j, out: "\(dir)/d.json", ["--reuse-journal"])
        #expect(reuse.status == 0, "\(reuse.err)")
        let notes = try TestSupport.readJSON("\(dir)/d.json")["notes"] as! [String]
        #expect(notes.contains { $0.contains("replayed as asked (--reuse-journal)") }, "\(notes)")
    }

    @Test func anotherProfileOrSpaceOrAHeaderlessJournalIsRefused() async throws {
        let dir = TestSupport.tempDir("journal-profile")
        let j = "\(dir)/j.jsonl"
        await #expect(try tableSearch("cifar10_acc", journal: j, out: "\(dir)/a.json").status == 0)
        // The same profile name with other content.
        let raspi = try String(contentsOfFile: TestSupport.repoRoot + "/hardware-profiles/raspi4.yaml", encoding: .utf8)
        let edited = raspi.replacingOccurrences(of: "file: ", with: "file: \(TestSupport.repoRoot)/hardware-profiles/") + "# edited\n"
        try edited.write(toFile: "\(dir)/raspi4.yaml", atomically: true, encoding: .utf8)
        let p = try await TestSupport.hwnasRun(["search", "--profile", "\(dir)/raspi4.yaml", "--evaluator", "table",
                                          "--evaluator-option", "file=\(TestSupport.nb201CSV)", "--evaluator-option", "column=cifar10_acc",
                                          "--budget", "5", "--journal", j, "--quiet"])
        #expect(p.status == 1 && p.err.contains("was written for profile raspi4 (") && p.err.contains("this search: profile raspi4 ("), "\(p.err)")
        // An old journal without a header.
        let lines = try String(contentsOfFile: j, encoding: .utf8).split(separator: "\n").dropFirst()
        try (lines.joined(separator: "\n") + "\n").write(toFile: "\(dir)/old.jsonl", atomically: true, encoding: .utf8)
        let o = try await tableSearch("cifar10_acc", journal: "\(dir)/old.jsonl", out: "\(dir)/o.json")
        #expect(o.status == 1 && o.err.contains("has no header saying what its values mean"), "\(o.err)")
    }

    @Test func failedEvaluationsAreRetriedOnResume() async throws {
        let dir = TestSupport.tempDir("journal-retry")
        let trainer = "\(dir)/train.py"
        let j = "\(dir)/j.jsonl"
        func run(_ extra: [String] = []) async throws -> TestSupport.Run {
            try await TestSupport.hwnasRun(["search", "--profile", "raspi4", "--evaluator", "command",
                                      "--evaluator-option", "command=python3 \(trainer)", "--evaluator-option", "stderr=null",
                                      "--budget", "8", "--seed", "2", "--journal", j, "--output", "\(dir)/r.json", "--quiet"] + extra)
        }
        // The trainer cannot start (its file is missing): the search stops
        // after 5 failed calls in a row, saying why.
        let first = try await run()
        let r1 = try TestSupport.readJSON("\(dir)/r.json")
        #expect(first.status == 2, "no feasible result: \(first.err)")
        #expect((r1["stop_reason"] as? String)?.contains("evaluator failed 5 times in a row") == true, "\(r1["stop_reason"] ?? "")")
        #expect(r1["failed_evaluations"] as? Int == 5)
        let failed = try String(contentsOfFile: j, encoding: .utf8).split(separator: "\n").dropFirst()
        #expect(failed.count == 5 && failed.allSatisfy { $0.contains("\"status\":\"failed\"") && $0.contains("\"reason\":") })
        // The trainer is fixed: the same archs are evaluated again.
        try """
        import json, sys
        for line in sys.stdin:
            m = json.loads(line)
            if m.get("type") == "hello":
                print(json.dumps({"type": "hello", "protocol": 1}), flush=True)
            elif m.get("type") == "evaluate":
                print(json.dumps({"id": m["id"], "objective": sum(m["genotype"]) / 10}), flush=True)
        """.write(toFile: trainer, atomically: true, encoding: .utf8)
        // Opting out replays them as failed.
        let keep = try await run(["--keep-failed"])
        #expect(keep.status == 0, "\(keep.err)")
        let rk = try TestSupport.readJSON("\(dir)/r.json")
        #expect(rk["replayed_evaluations"] as? Int == 5 && rk["failed_evaluations"] as? Int == 5, "\(rk)")
        let second = try await run()
        #expect(second.status == 0, "\(second.err)")
        let r2 = try TestSupport.readJSON("\(dir)/r.json")
        #expect(r2["failed_evaluations"] as? Int == 0 && r2["evaluations"] as? Int == 8, "\(r2)")
        let history = r2["history"] as! [[String: Any]]
        #expect(history.allSatisfy { $0["status"] as? String == "ok" })
    }
}
