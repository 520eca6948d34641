// Trust, classes "crashes and hangs" and "silent wrong results" from
// plugins: a C evaluator + cost model that break one contract each
// (Tests/plugin-fixtures/faulty_evaluator_cost.c, -DFAULT=n), an entry
// exported as data, and a strategy whose ask never returns. Each must end
// as one clear line (validate, search) or a failed evaluation — never a
// backtrace, a hang, or a value taken as real.
import HwnasTestSupport
import Foundation
import Testing

@Suite(.tags(.pluginABI)) struct TrustPluginFaultTests {
    static let fixtures = TestSupport.repoRoot + "/Tests/plugin-fixtures"

    /// The faulty library built with -DFAULT=n, in its own folder.
    static func faulty(_ n: Int) async throws -> String {
        let dir = TestSupport.tempDir("fault\(n)")
        try await TestSupport.compileSharedLibrary(["\(fixtures)/faulty_evaluator_cost.c"], output: "\(dir)/libfault.so",
                                             include: TestSupport.abiInclude, defines: ["-DFAULT=\(n)"])
        try "name: faulty\nlatency:\n  model: faulty-cost\n".write(toFile: "\(dir)/faulty.yaml", atomically: true, encoding: .utf8)
        return dir
    }

    func search(_ dir: String, _ extra: [String] = []) async throws -> TestSupport.Run {
        try await TestSupport.hwnasRun(["search", "--space", "nb201", "--profile", "\(dir)/faulty.yaml", "--evaluator", "faulty-eval",
                                  "--plugin-path", "\(dir)/libfault.so", "--budget", "6", "--quiet", "--journal", "\(dir)/j.jsonl",
                                  "--output", "\(dir)/r.json"] + extra)
    }

    func journal(_ dir: String) throws -> [[String: Any]] {
        try String(contentsOfFile: "\(dir)/j.jsonl", encoding: .utf8).split(separator: "\n").dropFirst().map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
    }

    /// One line on stderr, and no backtrace.
    func expectOneLine(_ r: TestSupport.Run, _ text: String, _ loc: SourceLocation = #_sourceLocation) {
        let lines = r.err.split(separator: "\n")
        #expect(lines.count == 1 && r.err.contains(text), "expected one line with '\(text)':\n\(r.err)", sourceLocation: loc)
    }

    @Test func validateGivesOneVerdictPerFault() async throws {
        let cases: [(Int, String)] = [
            (1, "evaluator 'faulty-eval': evaluate: evaluator 'faulty-eval' reported a result for candidate 7 of a batch of 2"),
            (2, "evaluate said OK for"),
            (3, "evaluate said OK for"),
            (4, "evaluator 'faulty-eval' (libfault.so): evaluate crashed (SIGSEGV"),
            (5, "cost model 'faulty-cost' (libfault.so): estimate crashed (SIGSEGV"),
            (6, "cost model 'faulty-cost' (libfault.so): estimate did not return within 5 s"),
            (7, "estimate gave latency_ms = -"),
            (8, "estimate gave latency_ms = inf"),
        ]
        let good = try await TestSupport.run(TestSupport.hwnas, ["plugins", "validate", "libfault.so"], cwd: try Self.faulty(0))
        #expect(good.status == 0 && good.out.contains("ok: ./libfault.so"), "a correct plugin, a bare file name: \(good.out)")
        #expect(good.out.contains("cost model 'faulty-cost' priced 4 networks") && good.out.contains("evaluator 'faulty-eval' scored 2/2"))
        for (n, text) in cases {
            let dir = try await Self.faulty(n)
            let r = try await TestSupport.hwnasRun(["plugins", "validate", "\(dir)/libfault.so", "--timeout", "5"])
            #expect(r.status == 1, "fault \(n): \(r.out)")
            let problems = r.out.split(separator: "\n").filter { $0.hasPrefix("problem: ") }
            #expect(problems.count == 1 && problems[0].contains(text), "fault \(n): expected '\(text)' in:\n\(r.out)")
            #expect(r.out.hasSuffix("FAILED: \(dir)/libfault.so: 1 problem(s)\n"), "fault \(n): \(r.out)")
            #expect(!r.out.contains("Backtrace") && !r.out.contains("Thread 0"))
            #expect(r.seconds < 30, "fault \(n) took too long")
        }
    }

    @Test func anEntryExportedAsDataIsRefusedUncalled() async throws {
        let dir = TestSupport.tempDir("data-entry")
        try await TestSupport.compileSharedLibrary(["\(Self.fixtures)/entry_as_data.c"], output: "\(dir)/libdata.so", include: TestSupport.abiInclude)
        let r = try await TestSupport.hwnasRun(["plugins", "list", "--plugin-path", dir])
        #expect(r.status == 0 && !r.signaled, "\(r.err)")
        #expect(r.err.contains("libdata.so: 'hwnas_get_plugin_entry' is not a function (exported as data?)"), "\(r.err)")
    }

    @Test func aCrashingEvaluatorIsOneLineAndLosesNothing() async throws {
        let dir = try await Self.faulty(4)
        let r = try await search(dir)
        #expect(r.signaled)
        expectOneLine(r, "hwnas: error: evaluator 'faulty-eval' (libfault.so): evaluate crashed (SIGSEGV, a bad memory access); every finished evaluation is in the journal \(dir)/j.jsonl")
    }

    @Test func hungPluginCallsEndTheSearchWithOneLine() async throws {
        let dir = try await Self.faulty(6)
        let r = try await search(dir, ["--plugin-timeout", "5"])
        #expect(r.status == 1 && !r.signaled)
        expectOneLine(r, "hwnas: error: cost model 'faulty-cost' (libfault.so): estimate did not return within 5 s (a hung plugin)")
        #expect(r.seconds < 30)
        // A strategy whose ask never returns (after 3 asks).
        let sdir = TestSupport.tempDir("hang-strategy")
        try await TestSupport.compileSharedLibrary(["\(Self.fixtures)/crashing_strategy.c"], output: "\(sdir)/libhang.so",
                                             include: TestSupport.abiInclude, defines: ["-DFIXTURE_HANG_AFTER=3"])
        let s = try await TestSupport.hwnasRun(["search", "--space", "nb201", "--profile", "raspi4", "--evaluator", "table",
                                          "--evaluator-option", "file=\(TestSupport.nb201CSV)", "--evaluator-option", "column=cifar10_acc",
                                          "--strategy", "crasher", "--plugin-path", sdir, "--budget", "20", "--quiet",
                                          "--journal", "\(sdir)/j.jsonl", "--plugin-timeout", "5"])
        expectOneLine(s, "strategy 'crasher' (libhang.so): ask did not return within 5 s (a hung plugin); every finished evaluation is in the journal")
        let kept = try String(contentsOfFile: "\(sdir)/j.jsonl", encoding: .utf8).split(separator: "\n")
        #expect(kept.count == 4, "the header and the 3 evaluations before the hang: \(kept.count)")
    }

    @Test func badResultsAreFailedEvaluationsNeverValues() async throws {
        // 1: on_result with an index past the batch; 2: OK with NaN; 3: OK with NULL metrics.
        for (n, reason) in [(1, "reported a result for candidate 6 of a batch of 1"), (2, "the evaluator reported no value"),
                            (3, "the evaluator reported no value")] {
            let dir = try await Self.faulty(n)
            let r = try await search(dir)
            #expect(!r.signaled, "fault \(n): \(r.err)")
            let result = try TestSupport.readJSON("\(dir)/r.json")
            #expect(result["best"] == nil && result["feasible"] as? Bool == false, "fault \(n): no value may be taken as a result")
            let entries = try journal(dir)
            #expect(!entries.isEmpty && entries.allSatisfy { $0["status"] as? String == "failed" }, "fault \(n)")
            #expect(entries.allSatisfy { ($0["reason"] as? String)?.contains(reason) == true }, "fault \(n): \(entries)")
        }
        // The same plugin without a fault gives values.
        let dir = try await Self.faulty(0)
        await #expect(try search(dir).status == 0)
        #expect(try journal(dir).allSatisfy { $0["status"] as? String == "ok" })
    }

    @Test func negativeOrInfiniteCostsAreUnknownNeverBest() async throws {
        for n in [7, 8] {
            let dir = try await Self.faulty(n)
            let r = try await search(dir)
            #expect(r.status == 0, "\(r.err)")
            let result = try TestSupport.readJSON("\(dir)/r.json")
            let notes = (result["notes"] as? [String]) ?? []
            #expect(notes.contains { $0.contains("cost model 'faulty-cost' returned latency_ms = ") && $0.contains("treated as unknown") }, "\(notes)")
            let history = result["history"] as! [[String: Any]]
            #expect(history.allSatisfy { ($0["costs"] as? [String: Double])?["latency_ms"] == nil }, "a bad cost must not be reported")
            // Under a constraint on it nothing is feasible: said, not chosen.
            let c = try await search(dir, ["--constraint", "latency_ms<=100"])
            #expect(c.status == 1 && c.err.contains("infeasible"), "fault \(n): \(c.err)")
        }
    }

    @Test func isolatedCrashesBecomeFailedEvaluationsAndCleanEnds() async throws {
        // An evaluator that segfaults on some candidates: each crash is one
        // failed evaluation with its reason; the others are scored.
        let dir = try await Self.faulty(9)
        let r = try await search(dir, ["--isolate", "--budget", "16"])
        #expect(r.status == 0 && !r.signaled, "\(r.err)")
        let result = try TestSupport.readJSON("\(dir)/r.json")
        let history = result["history"] as! [[String: Any]]
        let crashed = history.filter { ($0["genotype"] as! [Int])[0] == 0 }
        #expect(!crashed.isEmpty && crashed.allSatisfy { $0["status"] as? String == "failed" }, "\(history)")
        #expect(history.filter { ($0["genotype"] as! [Int])[0] != 0 }.allSatisfy { $0["status"] as? String == "ok" })
        #expect(result["best"] != nil)
        let reasons = try journal(dir).compactMap { $0["reason"] as? String }
        #expect(reasons.count == crashed.count && reasons.allSatisfy {
            $0.contains("evaluator 'faulty-eval' (libfault.so): evaluate crashed (SIGSEGV) in the isolated plugin host")
        }, "\(reasons)")
        // A strategy that segfaults on its 13th ask: the search ends with its result.
        let sdir = TestSupport.tempDir("isolate-strategy")
        try await TestSupport.compileSharedLibrary(["\(Self.fixtures)/crashing_strategy.c"], output: "\(sdir)/libcrasher.so", include: TestSupport.abiInclude)
        let s = try await TestSupport.hwnasRun(["search", "--space", "nb201", "--profile", "raspi4", "--evaluator", "table",
                                          "--evaluator-option", "file=\(TestSupport.nb201CSV)", "--evaluator-option", "column=cifar10_acc",
                                          "--strategy", "crasher", "--plugin-path", sdir, "--budget", "40", "--quiet", "--isolate",
                                          "--output", "\(sdir)/r.json"])
        #expect(s.status == 0 && !s.signaled, "\(s.err)")
        let sr = try TestSupport.readJSON("\(sdir)/r.json")
        #expect(sr["evaluations"] as? Int == 12 && sr["best"] != nil)
        #expect(sr["stop_reason"] as? String == "strategy 'crasher' (libcrasher.so): ask crashed (SIGSEGV) in the isolated plugin host")
    }

    @Test func anIsolatedSearchFollowsTheSameTrajectory() async throws {
        let dir = TestSupport.tempDir("isolate-same")
        var histories: [[String]] = []
        for (i, extra) in [[], ["--isolate"]].enumerated() {
            let r = try await TestSupport.hwnasRun(["search", "--profile", "raspi4", "--evaluator", "table", "--evaluator-option", "file=\(TestSupport.nb201CSV)",
                                              "--evaluator-option", "column=cifar10_acc", "--constraint", "latency_ms<=10", "--strategy", "predictor",
                                              "--budget", "30", "--parallel", "3", "--quiet", "--output", "\(dir)/\(i).json"] + extra)
            #expect(r.status == 0, "\(r.err)")
            histories.append((try TestSupport.readJSON("\(dir)/\(i).json")["history"] as! [[String: Any]]).map { $0["arch"] as! String })
        }
        #expect(histories[0].count == 30 && histories[0] == histories[1], "isolation must not change the search")
    }
}
