// Trust (issue 12), the training-free evaluators (meco, naswot): a score does not depend on --parallel or on the
// OpenBLAS thread count, bit for bit; and the evaluator's memory stays flat
// over many evaluations (it grew by MBs per candidate: glibc kept every
// freed executor buffer resident).
//
// Both run the hwnas binary in a child process: the BLAS thread count and
// RSS are process-wide, and other suites run alongside in this one.
import HwnasTestSupport
import Foundation
import HwnasTabular
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite(.tags(.slow)) struct TrainingFreeTrustTests {
    struct Measured { let status: Int32; let maxRSSKiB: Int; let err: String }

    /// Runs hwnas from the repository root, stdout and stderr to files, and
    /// returns its exit status and peak resident set (wait4's ru_maxrss).
    static func runMeasured(_ args: [String], env: [String: String] = [:]) throws -> Measured {
        let dir = TestSupport.tempDir("naswot-trust-run")
        let outPath = dir + "/stdout", errPath = dir + "/stderr"
        // sh execs hwnas in the same process, so wait4 sees hwnas itself.
        let argv = ["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", TestSupport.repoRoot, TestSupport.hwnas] + args
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "HWNAS_PLUGIN_PATH")
        for (k, v) in env { environment[k] = v }
        let envp = environment.map { "\($0.key)=\($0.value)" }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let cArgv = argv.map { strdup($0) } + [nil]
        let cEnv = envp.map { strdup($0) } + [nil]
        defer { (cArgv + cEnv).forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, "/bin/sh", &actions, nil, cArgv, cEnv)
        guard rc == 0 else { throw HwnasTestError("posix_spawn failed: \(rc)") }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 {
            guard errno == EINTR else { throw HwnasTestError("wait4 failed: \(errno)") }
        }
        let err = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        let exited = status & 0x7f == 0
        return Measured(status: exited ? (status >> 8) & 0xff : -1, maxRSSKiB: Int(usage.ru_maxrss), err: err)
    }

    struct HwnasTestError: Error, CustomStringConvertible {
        let description: String
        init(_ d: String) { description = d }
    }

    /// The evaluator's scores by architecture, from `hwnas correlate --csv`.
    static func correlateScores(_ evaluator: String, parallel: Int, blasThreads: Int) throws -> [String: Double] {
        let csv = TestSupport.tempDir("\(evaluator)-trust-csv") + "/points.csv"
        let r = try runMeasured(["correlate", "--table", TestSupport.nb201CSV, "--sample", "8", "--seed", "5", "--evaluator", evaluator,
                                 "--evaluator-option", "batch=8", "--parallel", "\(parallel)", "--csv", csv, "--quiet"],
                                env: ["OPENBLAS_NUM_THREADS": "\(blasThreads)"])
        #expect(r.status == 0, "\(r.err)")
        let t = try CSVTable.read(csv)
        guard let a = t.header.firstIndex(of: "arch"), let s = t.header.firstIndex(of: evaluator) else {
            throw HwnasTestError("no arch/\(evaluator) columns in \(t.header)")
        }
        var out: [String: Double] = [:]
        for row in t.rows { out[row[a]] = Double(row[s]) }
        return out
    }

    /// Same seed, same scores: `--parallel 1` with a multi-threaded OpenBLAS
    /// (4 threads, on any machine), `--parallel 2`, and a single-threaded
    /// OpenBLAS agree to the last bit. Before, parallel 1 let OpenBLAS split
    /// every sgemm over its threads and scores moved in the 9th digit.
    @Test(arguments: ["meco", "naswot"])
    func scoresAreBitIdenticalWhateverTheParallelism(_ evaluator: String) throws {
        let serial = try Self.correlateScores(evaluator, parallel: 1, blasThreads: 4)
        let parallel = try Self.correlateScores(evaluator, parallel: 2, blasThreads: 4)
        let oneThread = try Self.correlateScores(evaluator, parallel: 1, blasThreads: 1)
        #expect(serial.count == 8)
        #expect(Set(serial.keys) == Set(parallel.keys) && Set(serial.keys) == Set(oneThread.keys))
        for (arch, s) in serial {
            let finite = s.isFinite
            #expect(finite, "\(arch): \(s)")
            #expect(parallel[arch]?.bitPattern == s.bitPattern, "\(arch): parallel 1 \(s) vs parallel 2 \(parallel[arch] ?? .nan)")
            #expect(oneThread[arch]?.bitPattern == s.bitPattern, "\(arch): 4 BLAS threads \(s) vs 1 \(oneThread[arch] ?? .nan)")
        }
    }

    /// Peak RSS of a naswot search after `few` evaluations and after `many`
    /// (same seed, so the same first candidates) stays within the issue's
    /// 40 MB, not MBs per evaluation. Before: ~0.7 MB per evaluation at
    /// batch 4 (~100 MB over these 150 more; 3.6 MB each at batch 32).
    @Test func memoryStaysFlatOverManyEvaluations() throws {
        let few = 20, many = 170
        func peakMiB(_ budget: Int) throws -> Double {
            let out = TestSupport.tempDir("naswot-trust-rss") + "/result.json"
            let r = try Self.runMeasured(["search", "--evaluator", "naswot", "--evaluator-option", "batch=4",
                                          "--budget", "\(budget)", "--seed", "1", "--quiet", "--output", out])
            #expect(r.status == 0, "\(r.err)")
            let evaluations = (try TestSupport.readJSON(out))["evaluations"] as? Int
            #expect(evaluations == budget)
            return Double(r.maxRSSKiB) / 1024
        }
        let a = try peakMiB(few), b = try peakMiB(many)
        #expect(b - a < 40, "peak RSS \(a) MiB after \(few) evaluations, \(b) MiB after \(many)")
    }
}
