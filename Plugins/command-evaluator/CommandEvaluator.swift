// Evaluator `command`: candidates are evaluated by a user program (any
// language) speaking the JSON-lines protocol of docs/evaluator-protocol.md.
// Up to `parallel` candidates run at once; each failed, crashed or timed-out
// candidate is reported as such and the search goes on.
import CHwnasABI
import Foundation
import HwnasPluginSupport
#if canImport(Glibc)
import Glibc
#endif

final class CommandEvaluator: CandidateEvaluator, @unchecked Sendable {
    let config: CommandConfig
    var metricNames: [String] { config.metricNames }
    private let pool: WorkerPool
    private let logger: HostLogger
    private var nextID = 1

    init(options: PluginOptions, space: SearchSpaceView, logger: HostLogger) throws {
        config = try CommandConfig(options: options, space: space)
        self.logger = logger
        pool = WorkerPool(config: config, logger: logger)
        // Writing to a worker that just died must fail with EPIPE rather than
        // kill the host. Children get SIGPIPE back (posix_spawn SETSIGDEF).
        signal(SIGPIPE, SIG_IGN)
    }

    deinit { pool.shutdown() }

    func evaluate(_ batch: CandidateBatch, report: @Sendable (Int, EvaluationResult) -> Void) throws -> [EvaluationResult] {
        let n = batch.count
        guard n > 0 else { return [] }
        let firstID = nextID
        nextID += n
        let lines = (0..<n).map { i in
            EvaluatorProtocol.requestLine(id: firstID + i, arch: batch.archStrings[i], genotype: batch.genotypes[i],
                                          space: config.space, network: batch.networks[i])
        }
        let archs = batch.archStrings
        let shared = BatchState(count: n, metricCount: metricNames.count)
        try withoutActuallyEscaping(report) { report in
            let lanes = min(config.parallel, n)
            let group = DispatchGroup()
            // Plain threads, not GCD: lanes block for minutes in waits and
            // GCD's pool is sized to the (small) number of cores.
            for _ in 0..<lanes {
                group.enter()
                let lane = Thread { [self] in
                    while let i = shared.next() {
                        let r = evaluateOne(id: firstID + i, line: lines[i], arch: archs[i], shared: shared)
                        shared.store(i, r)
                        report(i, r)
                    }
                    group.leave()
                }
                lane.stackSize = 1 << 20
                lane.start()
            }
            group.wait()
            if let fatal = shared.fatalError { throw PluginError(fatal) }
        }
        return shared.results
    }

    private func evaluateOne(id: Int, line: String, arch: String, shared: BatchState) -> EvaluationResult {
        let failed = EvaluationResult.failed(metricNames.count)
        if shared.fatalError != nil { return failed }
        let worker: WorkerConnection
        switch pool.acquire() {
        case .worker(let w): worker = w
        case .startFailed(let why, let fatal):
            if fatal { shared.setFatal(why) } else { logger.warning("\(arch): \(why)") }
            return failed
        }
        defer { pool.release(worker) }
        guard worker.submit(id: id, line: line) else {
            logger.warning("\(arch): worker \(worker.index) is gone (\(worker.deathReason ?? "stdin closed"))")
            worker.terminate(reason: "could not send a request")
            return failed
        }
        let deadline = config.timeout > 0 ? Date(timeIntervalSinceNow: config.timeout) : Date.distantFuture
        switch worker.wait(id: id, until: deadline) {
        case .reply(.result(let objective, let extras)):
            return EvaluationResult(status: .ok, metrics: [objective] + config.extraMetrics.map { extras[$0] ?? .nan })
        case .reply(.error(let message)):
            logger.warning("\(arch): the program reported an error: \(message)")
            return failed
        case .failed(let why):
            logger.warning("\(arch): evaluation failed: \(why)")
            return failed
        case .timeout:
            logger.warning("\(arch): no answer within \(config.timeout) s")
            // A one-request worker is stuck on it: kill and restart it. A
            // multi-request worker (Ray bridge) is told to cancel the request.
            if worker.maxInFlight == 1 { worker.terminate(reason: "timed out on \(arch)") } else { worker.cancel(id: id) }
            return EvaluationResult(status: .timeout, metrics: Array(repeating: .nan, count: metricNames.count))
        }
    }
}

/// The per-batch work queue and results, shared by the lanes.
private final class BatchState: @unchecked Sendable {
    private let lock = NSLock()
    private var cursor = 0
    private let count: Int
    private(set) var results: [EvaluationResult]
    private var fatal: String?

    init(count: Int, metricCount: Int) {
        self.count = count
        results = Array(repeating: .failed(metricCount), count: count)
    }
    func next() -> Int? {
        lock.lock(); defer { lock.unlock() }
        guard cursor < count else { return nil }
        cursor += 1
        return cursor - 1
    }
    func store(_ i: Int, _ r: EvaluationResult) { lock.lock(); results[i] = r; lock.unlock() }
    var fatalError: String? { lock.lock(); defer { lock.unlock() }; return fatal }
    func setFatal(_ s: String) { lock.lock(); if fatal == nil { fatal = s }; lock.unlock() }
}

private let plugin = PluginExport(evaluators: [
    EvaluatorKind(PluginDescriptor(id: "command", name: "External program (JSON lines)",
                                   description: "Runs a user program per worker and speaks JSON lines on its stdin/stdout (options command, parallel, timeout, metric, extra_metrics, workers)")) { space, o, log in
        try CommandEvaluator(options: o, space: space, logger: log)
    },
])

@_cdecl("hwnas_get_plugin_entry")
public func hwnas_get_plugin_entry() -> UnsafeRawPointer {
    plugin.entry { plugin.factory($0) }
}
