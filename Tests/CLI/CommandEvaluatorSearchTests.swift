// `hwnas search --evaluator command` end to end through the built binary
// with the fake trainer: chaos candidates are recorded as failed while the
// search goes on, and a search SIGKILLed mid-way resumes from its journal
// without losing or re-evaluating any finished evaluation.
import HwnasTestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite(.serialized, .tags(.cli)) struct CommandEvaluatorSearchTests {
    func searchArgs(trainer: String, budget: Int, parallel: Int, out: String, extra: [String] = []) -> [String] {
        ["search", "--space", "nb201", "--strategy", "random", "--seed", "3", "--budget", "\(budget)",
         "--parallel", "\(parallel)", "--evaluator", "command",
         "--evaluator-option", "command=python3 \(TestPaths.fakeTrainer) \(trainer)",
         "--evaluator-option", "stderr=null", "--output", out, "--quiet"] + extra
    }

    @Test func chaosCandidatesFailAndTheSearchCompletes() async throws {
        let dir = TestSupport.tempDir("cmd-chaos")
        let out = "\(dir)/out.json"
        let r = try await TestSupport.hwnasRun(searchArgs(trainer: "--chaos", budget: 16, parallel: 3, out: out,
                                                    extra: ["--evaluator-option", "timeout=1"]))
        #expect(r.status == 0, "\(r.err)")
        let result = try TestSupport.readJSON(out)
        let history = try #require(result["history"] as? [[String: Any]])
        #expect(history.count == 16)
        let plan = try await fakeTrainerPlan(history.map { $0["arch"] as! String })
        for (h, p) in zip(history, plan) {
            #expect((h["status"] as? String) == (p.kind == "ok" ? "ok" : "failed"), "\(p.kind) \(h)")
            if p.kind == "ok" { #expect(h["objective"] as? Double == p.value) }
        }
        #expect(result["failed_evaluations"] as? Int == plan.filter { $0.kind != "ok" }.count)
        #expect(plan.contains { $0.kind != "ok" }, "the sample hit no misbehaving candidate")
    }

    @Test func killedSearchResumesFromItsJournal() async throws {
        let dir = TestSupport.tempDir("cmd-resume")
        let journal = "\(dir)/journal.jsonl", requests = "\(dir)/requests.log", out = "\(dir)/out.json"
        // 20 x 0.3 s at parallel 2. In run 1 each of the two trainers answers
        // 2 requests and then hangs (HWNAS_TEST_HANG_AFTER), so the kill lands
        // after exactly 4 journal lines however loaded the machine is (a
        // timed window of 2.4 s was missed under a busy `swift test`).
        let budget = 20
        let args = searchArgs(trainer: "--delay 0.3 --log \(requests)", budget: budget, parallel: 2, out: out,
                              extra: ["--journal", journal])

        // Run 1: SIGKILL hwnas once a few evaluations are journaled.
        let first = Process()
        first.executableURL = URL(fileURLWithPath: TestSupport.hwnas)
        first.arguments = args
        first.currentDirectoryURL = URL(fileURLWithPath: TestSupport.repoRoot)
        first.standardOutput = FileHandle.nullDevice
        first.standardError = FileHandle.nullDevice
        first.environment = ProcessInfo.processInfo.environment.merging(["HWNAS_TEST_HANG_AFTER": "2"]) { $1 }
        try first.run()
        let deadline = Date(timeIntervalSinceNow: 60)
        func journalLines() -> [String] {
            ((try? String(contentsOfFile: journal, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        }
        while journalLines().count < 4 && Date() < deadline && first.isRunning { try await Task.sleep(nanoseconds: 20_000_000) }
        kill(first.processIdentifier, SIGKILL)
        await TestSupport.exit(of: first)
        #expect(first.terminationReason == .uncaughtSignal, "hwnas finished before it could be killed")
        let before = journalLines()
        #expect(before.count >= 4 && before.count < budget)
        let finished = Set(before.compactMap { line -> String? in
            guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
            return o["arch"] as? String
        })

        // Run 2: same command, to the end.
        let r = try await TestSupport.hwnasRun(args)
        #expect(r.status == 0, "\(r.err)")
        let after = journalLines()
        #expect(Array(after.prefix(before.count)) == before, "journal lines of the killed run were changed")
        let result = try TestSupport.readJSON(out)
        let history = try #require(result["history"] as? [[String: Any]])
        #expect(history.count == budget)
        #expect(history.allSatisfy { ($0["status"] as? String) == "ok" })
        for h in history where finished.contains(h["arch"] as! String) {
            #expect(h["replayed"] as? Bool == true, "\(h["arch"]!) was journaled but not replayed")
        }
        // No finished evaluation was sent to the trainer again.
        let sent = ((try? String(contentsOfFile: requests, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        for arch in finished {
            #expect(sent.filter { $0 == arch }.count == 1, "\(arch) evaluated \(sent.filter { $0 == arch }.count) times")
        }
        #expect(Set(history.map { $0["arch"] as! String }).isSuperset(of: finished))
    }
}
