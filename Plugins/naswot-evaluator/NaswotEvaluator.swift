// Evaluator `naswot`: a training-free accuracy proxy, NASWOT (Mellor et al.,
// "Neural Architecture Search without Training", ICML 2021).
//
// The untrained network (deterministic random weights, batch-norm in training
// mode) runs on the CPU executor (im2col + OpenBLAS) over a mini-batch of
// synthetic inputs. Every ReLU turns each sample into a binary code (unit on
// or off). K[i][j] counts the units on which samples i and j agree, summed
// over all ReLUs (N_A minus the Hamming distance); the score is log det K.
// Networks whose ReLUs separate the inputs well give codes far apart, a
// well-conditioned K and a high score, and tend to train to higher accuracy.
//
// Why NASWOT: it needs only a forward pass (our executor has no backward, so
// SynFlow/SNIP/GraSP would need one), it is cheap (one mini-batch), and its
// published NAS-Bench-201 correlations are among the best zero-cost ones.
// docs/evaluators.md has our measured figures (it beats params and MACs).
//
// Options: batch (mini-batch size, default 32), seed (weights and input,
// default 1), metric (name of the score, default naswot), parallel
// (candidates scored at once, one thread each; the host sets it from
// `hwnas search --parallel N`). OpenBLAS runs one thread per candidate in
// every mode, so a score never depends on parallel (see evaluate); on these
// small layers that also beats one candidate on many threads.
import CHwnasABI
import Foundation
import HwnasExecutor
import HwnasPluginSupport

/// The NASWOT kernel, accumulated ReLU by ReLU from bit-packed codes.
final class CodeKernel {
    let batch: Int
    private(set) var k: [Double]
    private(set) var units = 0
    private var words: [UInt64] = []

    init(batch: Int) {
        self.batch = batch
        k = Array(repeating: 0, count: batch * batch)
    }

    /// post: [batch][features] post-ReLU values; a unit is on when > 0.
    func add(_ post: UnsafePointer<Float>, features: Int) {
        let per = (features + 63) / 64
        if words.count < per * batch { words = Array(repeating: 0, count: per * batch) }
        words.withUnsafeMutableBufferPointer { w in
            for s in 0..<batch {
                let row = post + s * features, base = s * per
                for q in 0..<per {
                    var word: UInt64 = 0
                    let lo = q * 64, hi = min(lo + 64, features)
                    for f in lo..<hi where row[f] > 0 { word |= 1 << UInt64(f - lo) }
                    w[base + q] = word
                }
            }
            for i in 0..<batch {
                k[i * batch + i] += Double(features)
                for j in (i + 1)..<batch {
                    var differ = 0
                    for q in 0..<per { differ &+= (w[i * per + q] ^ w[j * per + q]).nonzeroBitCount }
                    let agree = Double(features - differ)
                    k[i * batch + j] += agree
                    k[j * batch + i] += agree
                }
            }
        }
        units += features
    }

    /// log det K by Cholesky. K is positive semi-definite; when two samples
    /// share a code it is singular, so a tiny ridge (relative to N_A) is
    /// added and grown until the factorisation succeeds: the score stays
    /// finite and still ranks such networks at the bottom.
    func logDeterminant() -> Double {
        let n = batch
        let scale = max(Double(units), 1)
        for ridge in [0.0, 1e-9, 1e-6, 1e-3] {
            var a = k
            for i in 0..<n { a[i * n + i] += ridge * scale }
            if let l = Self.cholesky(&a, n) { return l }
        }
        return -Double(n) * 50   // degenerate (e.g. no ReLU at all): far below any real score
    }

    static func cholesky(_ a: inout [Double], _ n: Int) -> Double? {
        var logdet = 0.0
        for j in 0..<n {
            var d = a[j * n + j]
            for p in 0..<j { d -= a[j * n + p] * a[j * n + p] }
            guard d > 0, d.isFinite else { return nil }
            let djj = d.squareRoot()
            a[j * n + j] = djj
            logdet += 2 * log(djj)
            for i in (j + 1)..<n {
                var s = a[i * n + j]
                for p in 0..<j { s -= a[i * n + p] * a[j * n + p] }
                a[i * n + j] = s / djj
            }
        }
        return logdet
    }
}

final class NaswotEvaluator: CandidateEvaluator, @unchecked Sendable {
    let metricNames: [String]
    let batch: Int
    let seed: UInt64
    let parallel: Int
    let logger: HostLogger

    init(options: PluginOptions, logger: HostLogger) throws {
        self.logger = logger
        batch = try options.int("batch", default: 32)
        guard (2...1024).contains(batch) else { throw PluginError("naswot: option batch must be 2...1024, got \(batch)") }
        seed = UInt64(try options.int("seed", default: 1))
        metricNames = [options["metric"] ?? "naswot"]
        parallel = try options.int("parallel", default: 1)
        guard parallel >= 1 else { throw PluginError("naswot: option parallel must be >= 1, got \(parallel)") }
    }

    /// The executors' buffers are kept for the next candidates; done scoring, give them back.
    deinit { hwnas_executor_trim() }

    func score(_ net: UnsafePointer<hwnas_network>) throws -> Double {
        var opts = hwnas_executor_options(batch: Int32(batch), bn_mode: HWNAS_EXEC_BN_BATCH, seed: seed)
        var err = [CChar](repeating: 0, count: 512)
        guard let ex = hwnas_executor_create(net, &opts, &err, err.count) else {
            throw PluginError("naswot: cannot run the network: \(err.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })")
        }
        defer { hwnas_executor_destroy(ex) }
        let kernel = CodeKernel(batch: batch)
        let ctx = Unmanaged.passUnretained(kernel).toOpaque()
        hwnas_executor_set_relu_callback(ex, { ctx, _, _, features, post in
            guard let ctx, let post else { return }
            Unmanaged<CodeKernel>.fromOpaque(ctx).takeUnretainedValue().add(post, features: Int(features))
        }, ctx)
        guard hwnas_executor_run(ex) == 0 else {
            throw PluginError("naswot: executor failed: \(String(cString: hwnas_executor_last_error(ex)))")
        }
        return withExtendedLifetime(kernel) { kernel.logDeterminant() }
    }

    func evaluate(_ batch: CandidateBatch, report: @Sendable (Int, EvaluationResult) -> Void) throws -> [EvaluationResult] {
        let n = batch.archStrings.count
        guard let base = batch.raw.pointee.networks else {
            throw PluginError("naswot needs the expanded network of each candidate; the host expanded none "
                              + "(is the 'core' operator-set plugin installed, and does the space support expansion?)")
        }
        let networks = NetworkList(base: base, arch: batch.archStrings)
        let results = ScoreSlots(n)
        let workers = min(parallel, n)
        withoutActuallyEscaping(report) { report in
            let scoreOne = { @Sendable (i: Int) in
                guard let net = networks.base[i] else {
                    results.set(i, .failure(PluginError("naswot: candidate \(networks.arch[i]) has no expanded network")))
                    return
                }
                do {
                    let r = EvaluationResult(status: .ok, metrics: [try self.score(net)])
                    report(i, r)
                    results.set(i, .success(r))
                } catch { results.set(i, .failure(error)) }
            }
            // One OpenBLAS thread per candidate, with parallel 1 too. A
            // multi-threaded sgemm splits its work by thread count and its
            // results differ in the last bits from one thread's: scores moved
            // in the 9th digit between --parallel 1 (OpenBLAS's default
            // threads) and 2 (one each), and with OPENBLAS_NUM_THREADS or the
            // core count. Every score is now one thread's computation, bit for
            // bit the same in any mode. The thread count is process-global:
            // restored when the call returns, and not meant to change while
            // naswot scores (the host calls one evaluator at a time).
            let blasThreads = hwnas_executor_get_threads()
            if blasThreads != 1 { hwnas_executor_set_threads(1) }
            defer { if blasThreads != 1 { hwnas_executor_set_threads(blasThreads) } }
            if workers > 1 {
                // `workers` threads pull candidates until none is left: at
                // most `parallel` at once, and a slow network holds up no one.
                let next = NextIndex(n)
                DispatchQueue.concurrentPerform(iterations: workers) { _ in
                    while let i = next.take() { scoreOne(i) }
                }
            } else {
                (0..<n).forEach(scoreOne)
            }
        }
        // A candidate that cannot run fails alone; the others keep their scores.
        return try (0..<n).map { i in
            switch results.get(i) {
            case .success(let r): return r
            case .failure(let e) where n == 1: throw e
            case .failure(let e):
                logger.warning("naswot: \(batch.archStrings[i]): \(e)")
                return EvaluationResult(status: .failed, metrics: [.nan])
            case nil: throw PluginError("naswot: candidate \(i) was not scored")
            }
        }
    }
}

/// The batch's expanded networks, read (never written) by worker threads.
struct NetworkList: @unchecked Sendable {
    let base: UnsafePointer<UnsafePointer<hwnas_network>?>
    let arch: [String]
}

/// Hands out candidate indices 0..<n to worker threads, each once.
final class NextIndex: @unchecked Sendable {
    private let n: Int
    private var i = 0
    private let lock = NSLock()
    init(_ n: Int) { self.n = n }
    func take() -> Int? {
        lock.lock(); defer { lock.unlock() }
        guard i < n else { return nil }
        i += 1
        return i - 1
    }
}

/// Per-candidate results written from worker threads.
final class ScoreSlots: @unchecked Sendable {
    private var slots: [Result<EvaluationResult, Error>?]
    private let lock = NSLock()
    init(_ n: Int) { slots = Array(repeating: nil, count: n) }
    func set(_ i: Int, _ r: Result<EvaluationResult, Error>) { lock.lock(); slots[i] = r; lock.unlock() }
    func get(_ i: Int) -> Result<EvaluationResult, Error>? { lock.lock(); defer { lock.unlock() }; return slots[i] }
}

private let plugin = PluginExport(evaluators: [
    EvaluatorKind(PluginDescriptor(id: "naswot", name: "NASWOT training-free proxy",
                                   description: "training-free accuracy proxy, a score and not an accuracy: log|K| of the ReLU codes of the untrained network on a synthetic batch (OpenBLAS CPU); higher tends to train better, see docs/evaluators.md (options batch, seed, metric, parallel)",
                                   options: [.int("batch", 32, 2...1024, "synthetic inputs per network"),
                                             .int("seed", 1, 0...Int(Int32.max), "weights and inputs"),
                                             .string("metric", "naswot", "the score's name"),
                                             .int("parallel", 1, 1...1024, "candidates scored at once, one thread each").execution()])) { _, o, log in
        try NaswotEvaluator(options: o, logger: log)
    },
])

@_cdecl("hwnas_get_plugin_entry")
public func hwnas_get_plugin_entry() -> UnsafeRawPointer {
    plugin.entry { plugin.factory($0) }
}
