// Training-free evaluators: score an untrained network from the activations
// of one forward pass on the CPU executor (im2col + OpenBLAS), with
// deterministic random weights and batch-norm in training mode over a
// mini-batch of synthetic inputs. The scores (NaswotKernel.swift,
// MecoScore.swift) read every ReLU-like activation through the executor's
// callback; this file runs the candidates (in parallel, one OpenBLAS thread
// each) and turns failures into per-candidate results.
//
// Options shared by every score: batch (mini-batch size), seed (weights and
// input), metric (name of the score), parallel (candidates scored at once,
// one thread each; the host sets it from `hwnas search --parallel N`).
// OpenBLAS runs one thread per candidate in every mode, so a score never
// depends on parallel (see evaluate); on these small layers that also beats
// one candidate on many threads.
import CHwnasABI
import Foundation
import HwnasExecutor
import HwnasPluginSupport

/// A score accumulated over the activations of one forward pass.
protocol ActivationScore: AnyObject {
    /// post: [batch][channels][features / channels] post-activation values.
    func add(_ post: UnsafePointer<Float>, channels: Int, features: Int)
    var value: Double { get }
    /// Why the value says nothing about this network (it is a default, not a
    /// measurement, and ties with every such network), or nil.
    var uninformative: String? { get }
}

extension ActivationScore {
    var uninformative: String? { nil }
}

final class TrainingFreeEvaluator: CandidateEvaluator, @unchecked Sendable {
    /// The evaluator id, for messages.
    let name: String
    let metricNames: [String]
    let batch: Int
    let seed: UInt64
    let parallel: Int
    let logger: HostLogger
    /// A fresh accumulator for one candidate's forward pass.
    let makeScore: (_ batch: Int) -> ActivationScore
    /// What to tell the user when scores are uninformative.
    let uninformativeAdvice: String
    private let tally = UninformativeTally()

    init(name: String, options: PluginOptions, defaultBatch: Int, logger: HostLogger, uninformativeAdvice: String = "",
         makeScore: @escaping (_ batch: Int) -> ActivationScore) throws {
        self.name = name
        self.logger = logger
        self.makeScore = makeScore
        self.uninformativeAdvice = uninformativeAdvice
        batch = try options.int("batch", default: defaultBatch)
        guard (2...1024).contains(batch) else { throw PluginError("\(name): option batch must be 2...1024, got \(batch)") }
        seed = UInt64(try options.int("seed", default: 1))
        metricNames = [options["metric"] ?? name]
        parallel = try options.int("parallel", default: 1)
        guard parallel >= 1 else { throw PluginError("\(name): option parallel must be >= 1, got \(parallel)") }
    }

    /// The executors' buffers are kept for the next candidates; done scoring, give them back.
    deinit { hwnas_executor_trim() }

    func score(_ net: UnsafePointer<hwnas_network>) throws -> (value: Double, uninformative: String?) {
        var opts = hwnas_executor_options(batch: Int32(batch), bn_mode: HWNAS_EXEC_BN_BATCH, seed: seed)
        var err = [CChar](repeating: 0, count: 512)
        guard let ex = hwnas_executor_create(net, &opts, &err, err.count) else {
            throw PluginError("\(name): cannot run the network: \(err.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })")
        }
        defer { hwnas_executor_destroy(ex) }
        let score = ScoreBox(makeScore(batch))
        let ctx = Unmanaged.passUnretained(score).toOpaque()
        hwnas_executor_set_relu_callback(ex, { ctx, _, _, channels, features, post in
            guard let ctx, let post else { return }
            Unmanaged<ScoreBox>.fromOpaque(ctx).takeUnretainedValue().score.add(post, channels: Int(channels),
                                                                                  features: Int(features))
        }, ctx)
        guard hwnas_executor_run(ex) == 0 else {
            throw PluginError("\(name): executor failed: \(String(cString: hwnas_executor_last_error(ex)))")
        }
        return withExtendedLifetime(score) { (score.score.value, score.score.uninformative) }
    }

    func evaluate(_ batch: CandidateBatch, report: @Sendable (Int, EvaluationResult) -> Void) throws -> [EvaluationResult] {
        let n = batch.archStrings.count
        guard let base = batch.raw.pointee.networks else {
            throw PluginError("\(name) needs the expanded network of each candidate; the host expanded none "
                              + "(is the 'core' operator-set plugin installed, and does the space support expansion?)")
        }
        let networks = NetworkList(base: base, arch: batch.archStrings)
        let results = ScoreSlots(n)
        let workers = min(parallel, n)
        withoutActuallyEscaping(report) { report in
            let scoreOne = { @Sendable (i: Int) in
                guard let net = networks.base[i] else {
                    results.set(i, .failure(PluginError("\(self.name): candidate \(networks.arch[i]) has no expanded network")))
                    return
                }
                do {
                    let (value, uninformative) = try self.score(net)
                    if let why = uninformative { self.tally.add(arch: networks.arch[i], why: why) } else { self.tally.add() }
                    let r = EvaluationResult(status: .ok, metrics: [value])
                    report(i, r)
                    results.set(i, .success(r))
                } catch { results.set(i, .failure(error)) }
            }
            // One OpenBLAS thread per candidate, with parallel 1 too. A
            // multi-threaded sgemm splits its work by thread count and its
            // results differ in the last bits from one thread's: naswot scores
            // moved in the 9th digit between --parallel 1 (OpenBLAS's default
            // threads) and 2 (one each), and with OPENBLAS_NUM_THREADS or the
            // core count. Every score is now one thread's computation, bit for
            // bit the same in any mode. The thread count is process-global:
            // restored when the call returns, and not meant to change while
            // a candidate is scored (the host calls one evaluator at a time).
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
        // Ties by construction are said, never ranked silently: the 1st,
        // 2nd, 4th, 8th... such network is reported, with the share so far.
        for (count, total, arch, why) in tally.drainReports() {
            logger.warning("\(name): \(count) of \(total) networks so far get a score that says nothing and ties with the others "
                           + "like it (e.g. \(arch): \(why))\(uninformativeAdvice.isEmpty ? "" : "; " + uninformativeAdvice)")
        }
        // A candidate that cannot run fails alone; the others keep their scores.
        return try (0..<n).map { i in
            switch results.get(i) {
            case .success(let r): return r
            case .failure(let e) where n == 1: throw e
            case .failure(let e):
                logger.warning("\(name): \(batch.archStrings[i]): \(e)")
                return EvaluationResult(status: .failed, metrics: [.nan])
            case nil: throw PluginError("\(name): candidate \(i) was not scored")
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

/// Uninformative scores across calls: which to report (RepeatedWarning's
/// 1st, 2nd, 4th... one), with the number of networks scored so far.
final class UninformativeTally: @unchecked Sendable {
    private let warning = RepeatedWarning()
    private var total = 0
    private var pending: [(Int, Int, String, String)] = []
    private let lock = NSLock()
    func add(arch: String? = nil, why: String = "") {
        lock.lock(); defer { lock.unlock() }
        total += 1
        guard let arch, let count = warning.add() else { return }
        pending.append((count, total, arch, why))
    }
    func drainReports() -> [(Int, Int, String, String)] {
        lock.lock(); defer { lock.unlock() }
        let out = pending
        pending = []
        return out
    }
}

/// Holds the accumulator for the C callback's context pointer.
final class ScoreBox {
    let score: ActivationScore
    init(_ score: ActivationScore) { self.score = score }
}
