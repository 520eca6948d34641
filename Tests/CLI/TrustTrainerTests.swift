// Trust, class "trainer children outlive the search": a trainer that starts
// a helper process (a data loader, say) in its own process group; when the
// search ends, the helper is gone too.
import HwnasTestSupport
import Foundation
import Testing

@Suite(.tags(.cli)) struct TrustTrainerTests {
    /// Alive and not a zombie.
    static func isRunning(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
        let state = stat.split(separator: ")").last?.split(separator: " ").first
        return state != "Z" && state != "X"
    }

    @Test func helpersOfATrainerEndWithTheSearch() async throws {
        let dir = TestSupport.tempDir("trainer-group")
        let trainer = "\(dir)/train.py"
        // The helper keeps stdout open too: the worker's exit must still count as its end.
        try """
        import json, os, subprocess, sys
        helper = subprocess.Popen(["sleep", "300"])
        with open(os.path.join(\"\(dir)\", "helper-%d.pid" % os.getpid()), "w") as f:
            f.write(str(helper.pid))
        for line in sys.stdin:
            m = json.loads(line)
            if m.get("type") == "hello":
                print(json.dumps({"type": "hello", "protocol": 1}), flush=True)
            elif m.get("type") == "evaluate":
                print(json.dumps({"id": m["id"], "objective": sum(m["genotype"])}), flush=True)
        """.write(toFile: trainer, atomically: true, encoding: .utf8)
        let r = try await TestSupport.hwnasRun(["search", "--profile", "raspi4", "--evaluator", "command",
                                          "--evaluator-option", "command=python3 \(trainer)", "--parallel", "2",
                                          "--budget", "6", "--quiet", "--output", "\(dir)/r.json"])
        #expect(r.status == 0, "\(r.err)")
        let pids = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasPrefix("helper-") }.map {
            Int32(try String(contentsOfFile: "\(dir)/\($0)", encoding: .utf8))!
        }
        #expect(!pids.isEmpty)
        // Reaped asynchronously by init: give it a moment.
        let deadline = Date(timeIntervalSinceNow: 5)
        while pids.contains(where: Self.isRunning), Date() < deadline { try await Task.sleep(nanoseconds: 100_000_000) }
        #expect(!pids.contains(where: Self.isRunning), "trainer helpers still running: \(pids.filter(Self.isRunning))")
        for p in pids { kill(p, SIGKILL) }
    }

    @Test func aTrainerThatStopsStartingEndsTheCall() async throws {
        // Starts once, answers one request and dies; every later start fails.
        let dir = TestSupport.tempDir("trainer-restarts")
        let trainer = "\(dir)/train.py"
        try """
        import json, os, sys
        starts = os.path.join(\"\(dir)\", "starts")
        n = int(open(starts).read()) + 1 if os.path.exists(starts) else 1
        open(starts, "w").write(str(n))
        if n > 1:
            sys.exit("cannot allocate the GPU (simulated)")
        for line in sys.stdin:
            m = json.loads(line)
            if m.get("type") == "hello":
                print(json.dumps({"type": "hello", "protocol": 1}), flush=True)
            elif m.get("type") == "evaluate":
                print(json.dumps({"id": m["id"], "objective": 1.0}), flush=True)
                os._exit(3)
        """.write(toFile: trainer, atomically: true, encoding: .utf8)
        let r = try await TestSupport.hwnasRun(["search", "--profile", "raspi4", "--evaluator", "command",
                                          "--evaluator-option", "command=python3 \(trainer)", "--evaluator-option", "stderr=null",
                                          "--budget", "30", "--quiet", "--output", "\(dir)/r.json"])
        #expect(!r.signaled)
        #expect(r.err.contains("the program failed to start 3 times in a row"), "\(r.err)")
        let result = try TestSupport.readJSON("\(dir)/r.json")
        #expect((result["stop_reason"] as? String)?.contains("evaluator failed 5 times in a row") == true, "\(result["stop_reason"] ?? "")")
        // Not the whole budget burnt on a trainer that cannot start.
        #expect((result["evaluations"] as! Int) < 30)
        let starts = Int(try String(contentsOfFile: "\(dir)/starts", encoding: .utf8))!
        #expect(starts <= 1 + 5 * 3, "\(starts) starts")
    }
}
