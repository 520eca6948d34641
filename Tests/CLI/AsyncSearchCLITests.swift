// `hwnas search --schedule async`: one evaluator instance per worker (or one
// shared, when it takes concurrent calls), a
// candidate asked whenever a worker frees up, results told in completion
// order. With the fake trainer sleeping 1-5x by candidate, and worker 0 3 s
// more on its first (so even a loaded machine cannot keep the send order),
// completion order differs from the order candidates went out; every candidate is evaluated
// once; the journal is in completion order and a rerun with it replays the
// same search without evaluating anything again.
import HwnasTestSupport
import Foundation
import Testing

@Suite(.serialized, .tags(.cli)) struct AsyncSearchCLITests {
    func args(budget: Int, log: String, journal: String, out: String) -> [String] {
        ["search", "--space", "nb201", "--strategy", "regularized-evolution", "--strategy-option", "population=4",
         "--strategy-option", "sample=2", "--seed", "5", "--budget", "\(budget)", "--parallel", "3", "--schedule", "async",
         "--evaluator", "command",
         "--evaluator-option", "command=python3 \(TestPaths.fakeTrainer) --varied-delay 0.04 --slow-first 3 --log \(log)",
         "--evaluator-option", "stderr=null", "--journal", journal, "--output", out, "--quiet"]
    }

    func lines(_ path: String) -> [String] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    @Test func resultsArriveInCompletionOrderAndResumeReplaysTheSearch() async throws {
        let dir = TestSupport.tempDir("async-search")
        let log = "\(dir)/requests.log", journal = "\(dir)/journal.jsonl", out = "\(dir)/out.json"
        let r = try await TestSupport.hwnasRun(args(budget: 15, log: log, journal: journal, out: out))
        #expect(r.status == 0, "\(r.err)")
        let result = try TestSupport.readJSON(out)
        let history = try #require(result["history"] as? [[String: Any]])
        let archs = history.map { $0["arch"] as! String }
        let sent = lines(log)
        // Every candidate once, each evaluated once; completion order is not send order.
        #expect(archs.count == 15 && Set(archs).count == 15)
        #expect(sent.count == 15 && Set(sent) == Set(archs))
        #expect(sent != archs, "completion order equals send order: the varied delays did not reorder anything")
        // The journal holds the results in completion order.
        let journaled = lines(journal).dropFirst().compactMap { line -> String? in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["arch"] as? String
        }
        #expect(Array(journaled) == archs)
        let workers = try #require(result["workers"] as? [String: Any])
        #expect(workers["count"] as? Int == 3)
        let utilisation = try #require(workers["utilisation"] as? Double)
        #expect(utilisation > 0 && utilisation <= 1.0001)

        // The same seed and the same completion order (the journal's) give the same search.
        let again = "\(dir)/again.json"
        let r2 = try await TestSupport.hwnasRun(args(budget: 15, log: log, journal: journal, out: again))
        #expect(r2.status == 0, "\(r2.err)")
        let replayed = try TestSupport.readJSON(again)
        let history2 = try #require(replayed["history"] as? [[String: Any]])
        #expect(history2.map { $0["arch"] as! String } == archs)
        #expect(replayed["replayed_evaluations"] as? Int == 15)
        #expect(lines(log).count == 15, "a resumed search evaluated a journaled candidate again")

        // A larger budget goes on from there: the first 15 replayed as they were, then new ones.
        let more = "\(dir)/more.json"
        let r3 = try await TestSupport.hwnasRun(args(budget: 20, log: log, journal: journal, out: more))
        #expect(r3.status == 0, "\(r3.err)")
        let history3 = try #require(try TestSupport.readJSON(more)["history"] as? [[String: Any]])
        let archs3 = history3.map { $0["arch"] as! String }
        #expect(archs3.count == 20 && Array(archs3.prefix(15)) == archs && Set(archs3).count == 20)
        #expect(lines(log).count == 20)
    }

    @Test(arguments: ["random", "regularized-evolution", "local-search", "nsga2", "predictor", "differential-evolution"])
    func everyStrategyRunsAsynchronously(_ strategy: String) async throws {
        let dir = TestSupport.tempDir("async-\(strategy)")
        let out = "\(dir)/out.json"
        let r = try await TestSupport.hwnasRun(["search", "--space", "nb201", "--strategy", strategy, "--seed", "2", "--budget", "12",
                                                "--parallel", "3", "--schedule", "async", "--evaluator", "command",
                                                "--evaluator-option", "command=python3 \(TestPaths.fakeTrainer) --varied-delay 0.01",
                                                "--evaluator-option", "stderr=null", "--output", out, "--quiet"])
        #expect(r.status == 0, "\(r.err)")
        let history = try #require(try TestSupport.readJSON(out)["history"] as? [[String: Any]])
        let archs = history.map { $0["arch"] as! String }
        #expect(archs.count == 12 && Set(archs).count == 12)
    }

    @Test func isolatedWorkersRunAsynchronously() async throws {
        let dir = TestSupport.tempDir("async-isolate")
        let out = "\(dir)/out.json"
        let r = try await TestSupport.hwnasRun(["search", "--space", "nb201", "--strategy", "random", "--budget", "8",
                                                "--parallel", "2", "--schedule", "async", "--isolate", "--profile", "stm32f746",
                                                "--constraint", "peak_sram_kb<=200", "--evaluator", "command",
                                                "--evaluator-option", "command=python3 \(TestPaths.fakeTrainer) --varied-delay 0.01",
                                                "--evaluator-option", "stderr=null", "--output", out, "--quiet"])
        #expect(r.status == 0, "\(r.err)")
        let result = try TestSupport.readJSON(out)
        #expect(result["evaluations"] as? Int == 8 && result["failed_evaluations"] as? Int == 0)
        // Screened as in rounds: every evaluated network within the constraint.
        let history = try #require(result["history"] as? [[String: Any]])
        let sram = history.compactMap { ($0["costs"] as? [String: Double])?["peak_sram_kb"] }
        #expect(sram.count == 8 && sram.allSatisfy { $0 <= 200 })
    }

    /// The command evaluator takes concurrent calls: every worker shares its
    /// one instance, so `workers=1` and a program that takes 3 requests at
    /// once (as the Ray bridge does) is one process serving all 3 workers.
    @Test func workersShareOneConcurrentEvaluator() async throws {
        let dir = TestSupport.tempDir("async-shared")
        let out = "\(dir)/out.json", pids = "\(dir)/pids"
        try FileManager.default.createDirectory(atPath: pids, withIntermediateDirectories: true)
        let r = try await TestSupport.hwnasRun(["search", "--space", "nb201", "--strategy", "random", "--seed", "3", "--budget", "12",
                                                "--parallel", "3", "--schedule", "async", "--evaluator", "command",
                                                "--evaluator-option",
                                                "command=python3 \(TestPaths.fakeTrainer) --varied-delay 0.1 --max-in-flight 3 --pid-dir \(pids)",
                                                "--evaluator-option", "workers=1", "--evaluator-option", "extra_metrics=seconds",
                                                "--evaluator-option", "stderr=null", "--output", out, "--quiet"])
        #expect(r.status == 0, "\(r.err)")
        let result = try TestSupport.readJSON(out)
        #expect(result["evaluations"] as? Int == 12 && result["failed_evaluations"] as? Int == 0)
        let started = try FileManager.default.contentsOfDirectory(atPath: pids)
        #expect(started.count == 1, "\(started.count) trainer processes for workers=1: the workers did not share the instance")
        // The one process ran them at once: their seconds add up to more than the wall.
        let history = try #require(result["history"] as? [[String: Any]])
        let busy = history.compactMap { ($0["metrics"] as? [String: Double])?["seconds"] }.reduce(0, +)
        let wall = try #require(result["wall_seconds"] as? Double)
        #expect(busy > 1.5 * wall, "busy \(busy) s in \(wall) s: the candidates ran one at a time")
    }

    @Test func anUnknownScheduleIsRefused() async throws {
        let r = try await TestSupport.hwnasRun(["search", "--schedule", "sometimes", "--budget", "2", "--quiet"])
        #expect(r.status != 0 && r.err.contains("sometimes"), "\(r.err)")
    }
}
