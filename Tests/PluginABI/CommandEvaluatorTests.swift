// The `command` evaluator plugin, loaded through the C ABI, driving the fake
// trainer fixture that crashes, hangs and prints garbage on known candidates.
import HwnasTestSupport
import CHwnasABI
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif


/// Distinct genotypes from a fixed pseudo-random sequence.
func sampleGenotypes(_ n: Int, seed: UInt64) -> [[Int32]] {
    var state = seed, seen = Set<[Int32]>(), out: [[Int32]] = []
    while out.count < n {
        let g: [Int32] = (0..<CommandEvaluatorHarness.nDims).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int32((state >> 33) % 5)
        }
        if seen.insert(g).inserted { out.append(g) }
    }
    return out
}

/// True while a process with this pid exists (a zombie counts as existing).
func processExists(_ pid: Int32) -> Bool { FileManager.default.fileExists(atPath: "/proc/\(pid)") }

@Suite(.tags(.pluginABI)) struct CommandEvaluatorTests {
    @Test("crashes, hangs and garbage fail only their own candidate; workers are restarted, reaped, and leak no fds")
    func chaosBatch() async throws {
        let pidDir = TestPaths.scratchDirectory("pids")
        defer { try? FileManager.default.removeItem(at: pidDir) }
        let h = try CommandEvaluatorHarness(options: [
            "command": "python3 \(TestPaths.fakeTrainer) --chaos --pid-dir \(pidDir.path)",
            "parallel": "3", "timeout": "1.5", "extra_metrics": "layers,not_reported", "stderr": "null",
        ])
        #expect(h.metricNames == ["accuracy", "layers", "not_reported"])
        let genotypes = sampleGenotypes(24, seed: 7)
        let archs = genotypes.map(CommandEvaluatorHarness.archString)
        let plan = try await fakeTrainerPlan(archs)
        // The sample must exercise every behaviour, or the test proves little.
        #expect(Set(plan.map(\.kind)) == ["ok", "crash", "hang", "garbage", "banana", "error"])

        let start = Date()
        let out = h.evaluate(genotypes)
        let elapsed = Date().timeIntervalSince(start)
        #expect(out.status == HWNAS_OK)
        for (i, p) in plan.enumerated() {
            let expected: Int32 = p.kind == "ok" ? HWNAS_EVAL_OK : p.kind == "hang" ? HWNAS_EVAL_TIMEOUT : HWNAS_EVAL_FAILED
            #expect(out.statuses[i] == expected, "candidate \(i) (\(p.kind))")
            if p.kind == "ok" {
                #expect(out.metrics[i][0] == p.value)
                #expect(out.metrics[i][1] == 0)          // no network in this batch
                #expect(out.metrics[i][2].isNaN)         // declared but never sent
            } else {
                #expect(out.metrics[i].allSatisfy { $0.isNaN })
            }
        }
        // Each candidate reported once, as it finished, with the returned values.
        let reports = out.reports.reports
        #expect(reports.map(\.index).sorted() == Array(0..<genotypes.count))
        for r in reports { #expect(r.status == out.statuses[r.index]) }
        // 3 lanes: the hangs (1.5 s each) overlap with other work.
        let hangs = plan.filter { $0.kind == "hang" }.count
        #expect(elapsed < Double(hangs) * 1.5 + 8)
        #expect(h.log.all.contains { $0.contains("no answer within 1.5 s") })

        let destroySeconds = h.destroy()
        #expect(destroySeconds < 5)   // live workers exit on stdin EOF, well within the grace period
        let records = try FileManager.default.contentsOfDirectory(atPath: pidDir.path).map { name -> [String: Any] in
            let data = try Data(contentsOf: pidDir.appendingPathComponent(name))
            return try JSONSerialization.jsonObject(with: data) as! [String: Any]
        }
        // One start per worker slot plus one restart per crash, hang and garbage line.
        let restarts = plan.filter { ["crash", "hang", "garbage"].contains($0.kind) }.count
        #expect(records.count >= 3 && records.count <= 3 + restarts)
        for r in records {
            let pid = (r["pid"] as! NSNumber).int32Value
            #expect(!processExists(pid), "worker \(pid) still exists (zombie or orphan)")
        }
        // Workers started while others were running must not inherit their
        // pipes (a leaked stdin end would hide that worker's EOF forever).
        let fdMaps = records.map { $0["fds"] as! [String: String] }
        let workerPipes = Set(fdMaps.flatMap { [$0["0"], $0["1"]].compactMap { $0 } })
        #expect(workerPipes.count == 2 * records.count)
        for m in fdMaps {
            let inherited = m.filter { Int($0.key)! > 2 && workerPipes.contains($0.value) }
            #expect(inherited.isEmpty, "a worker inherited another worker's pipe: \(inherited)")
        }
    }

    @Test("the request carries the expanded network and choice names")
    func networkIsSent() throws {
        let h = try CommandEvaluatorHarness(options: [
            "command": "python3 \(TestPaths.fakeTrainer)", "extra_metrics": "layers,n_choices", "stderr": "null",
        ])
        let out = h.evaluate(sampleGenotypes(3, seed: 1), layers: 4)
        #expect(out.status == HWNAS_OK)
        #expect(out.statuses == [HWNAS_EVAL_OK, HWNAS_EVAL_OK, HWNAS_EVAL_OK])
        #expect(out.metrics.map { $0[1] } == [4, 4, 4])
        #expect(out.metrics.map { $0[2] } == [6, 6, 6])
        // The same worker serves a second batch.
        let again = h.evaluate(sampleGenotypes(2, seed: 2))
        #expect(again.statuses == [HWNAS_EVAL_OK, HWNAS_EVAL_OK])
    }

    @Test("a program that cannot start or never says hello makes evaluate fail with a clear error")
    func startupFailures() throws {
        let missing = try CommandEvaluatorHarness(options: ["command": "/nonexistent/trainer --x"])
        let r1 = missing.evaluate(sampleGenotypes(2, seed: 3))
        #expect(r1.status != HWNAS_OK)
        #expect(r1.lastError?.contains("/nonexistent/trainer") == true)

        let silent = try CommandEvaluatorHarness(options: [
            "command": "python3 \(TestPaths.fakeTrainer) --no-hello", "startup_timeout": "1", "shutdown_grace": "0",
        ])
        let r2 = silent.evaluate(sampleGenotypes(1, seed: 4))
        #expect(r2.status != HWNAS_OK)
        #expect(r2.lastError?.contains("handshake") == true)
    }

    @Test("bad options are rejected at create")
    func badOptions() {
        #expect(throws: HarnessError.self) { try CommandEvaluatorHarness(options: [:]) }
        #expect(throws: HarnessError.self) { try CommandEvaluatorHarness(options: ["command": "python3 'unterminated"]) }
        #expect(throws: HarnessError.self) { try CommandEvaluatorHarness(options: ["command": "x", "parallel": "0"]) }
        #expect(throws: HarnessError.self) { try CommandEvaluatorHarness(options: ["command": "x", "extra_metrics": "accuracy"]) }
    }
}
