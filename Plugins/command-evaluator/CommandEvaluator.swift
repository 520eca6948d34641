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
    /// Requests carry "fidelity" and "resume" to the program (a worker that
    /// does not list the fidelity in its hello fails the call, in one line).
    var takesFidelity: Bool { true }
    /// Calls from several threads share the pool (and its programs, e.g. one
    /// Ray bridge for every asynchronous worker of the search).
    var concurrentCalls: Bool { true }
    let config: CommandConfig
    var metricNames: [String] { config.metricNames }
    private let pool: WorkerPool
    private let logger: HostLogger
    private let idLock = NSLock()
    private var nextID = 1

    init(options: PluginOptions, space: SearchSpaceView, logger: HostLogger, argv: [String]? = nil) throws {
        config = try CommandConfig(options: options, space: space, argv: argv)
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
        idLock.lock()
        let firstID = nextID
        nextID += n
        idLock.unlock()
        // The host's request fields per candidate (ABI 1.2: fidelity, resume).
        let extras: [[String: Any]] = (0..<n).map { i in
            guard let r = batch.request(i), case .success(let o) = EvaluatorProtocol.parseObject(r) else { return [:] }
            return o
        }
        let lines = (0..<n).map { i in
            EvaluatorProtocol.requestLine(id: firstID + i, arch: batch.archStrings[i], genotype: batch.genotypes[i],
                                          space: config.space, network: batch.networks[i], extra: extras[i])
        }
        let archs = batch.archStrings
        // The fidelities each request asks for (a worker's hello must list them).
        let fidelities: [[String]] = extras.map { ($0["fidelity"] as? [String: Any])?.keys.sorted() ?? [] }
        let shared = BatchState(count: n, metricCount: metricNames.count)
        // Lanes are plain threads, not GCD: they block for minutes in waits
        // and GCD's pool is sized to the (small) number of cores. The host's
        // report callback is called from this thread as results arrive.
        let group = DispatchGroup()
        for _ in 0..<min(config.parallel, n) {
            group.enter()
            // The lanes must not capture self: destroy() has to run deinit,
            // which stops the workers, synchronously.
            let runner = CandidateRunner(pool: pool, config: config, logger: logger)
            let lane = Thread {
                while let i = shared.next() {
                    shared.finish(i, runner.evaluateOne(id: firstID + i, line: lines[i], arch: archs[i], fidelity: fidelities[i],
                                                                  shared: shared))
                }
                group.leave()
            }
            lane.stackSize = 1 << 20
            lane.start()
        }
        for _ in 0..<n {
            let (i, r) = shared.waitForFinished()
            report(i, r)
        }
        group.wait()
        if let fatal = shared.fatalError { throw PluginError(fatal) }
        return shared.results
    }

}

/// Runs one candidate on some worker of the pool and turns the outcome into a result.
private struct CandidateRunner: Sendable {
    let pool: WorkerPool
    let config: CommandConfig
    let logger: HostLogger
    var metricNames: [String] { config.metricNames }

    func evaluateOne(id: Int, line: String, arch: String, fidelity: [String], shared: BatchState) -> EvaluationResult {
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
        if let missing = fidelity.first(where: { !worker.fidelities.contains($0) }) {
            shared.setFatal("command evaluator: the program takes no fidelity '\(missing)': its hello lists "
                + (worker.fidelities.isEmpty ? "none" : worker.fidelities.sorted().joined(separator: ", "))
                + " (a multi-fidelity program answers hello with \"fidelity\": [\"\(missing)\"]; docs/evaluator-protocol.md)")
            return failed
        }
        guard worker.submit(id: id, line: line) else {
            logger.warning("\(arch): worker \(worker.index) is gone (\(worker.deathReason ?? "stdin closed"))")
            worker.terminate(reason: "could not send a request")
            return failed
        }
        let deadline = config.timeout > 0 ? Date(timeIntervalSinceNow: config.timeout) : Date.distantFuture
        switch worker.wait(id: id, until: deadline) {
        case .reply(.result(let objective, let extras, let checkpoint)):
            return EvaluationResult(status: .ok, metrics: [objective] + config.extraMetrics.map { extras[$0] ?? .nan },
                                    texts: checkpoint.map { ["checkpoint": $0] } ?? [:])
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

/// The per-batch work queue, results and finished-order queue, shared by the lanes.
private final class BatchState: @unchecked Sendable {
    private let condition = NSCondition()
    private var cursor = 0
    private let count: Int
    private(set) var results: [EvaluationResult]
    private var finished: [Int] = []
    private var fatal: String?

    init(count: Int, metricCount: Int) {
        self.count = count
        results = Array(repeating: .failed(metricCount), count: count)
    }
    func next() -> Int? {
        condition.lock(); defer { condition.unlock() }
        guard cursor < count else { return nil }
        cursor += 1
        return cursor - 1
    }
    func finish(_ i: Int, _ r: EvaluationResult) {
        condition.lock(); results[i] = r; finished.append(i); condition.signal(); condition.unlock()
    }
    /// Blocks until some candidate not yet handed out here has finished.
    func waitForFinished() -> (Int, EvaluationResult) {
        condition.lock(); defer { condition.unlock() }
        while finished.isEmpty { condition.wait() }
        let i = finished.removeFirst()
        return (i, results[i])
    }
    var fatalError: String? { condition.lock(); defer { condition.unlock() }; return fatal }
    func setFatal(_ s: String) { condition.lock(); if fatal == nil { fatal = s }; condition.unlock() }
}
