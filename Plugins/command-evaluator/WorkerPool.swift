// A fixed number of worker slots, each holding at most one live worker
// process. Workers start lazily and are replaced when they die (crash,
// timeout kill, protocol violation); a request goes to any live worker with
// spare capacity.
import Foundation
import HwnasPluginSupport

final class WorkerPool: @unchecked Sendable {
    private let config: CommandConfig
    private let logger: HostLogger
    private let lock = NSCondition()
    private var slots: [WorkerConnection?]
    private var starting: Set<Int> = []
    /// True once any worker completed the handshake: before that, a start
    /// failure is a configuration error and aborts the evaluation call.
    private var everStarted = false
    /// Start failures since the last successful start: a program that
    /// worked and then keeps failing to start (a lost GPU, a full disk)
    /// ends the call too, instead of failing every remaining candidate.
    private var failedStartsInARow = 0
    static let maxFailedStartsInARow = 3
    private(set) var startsCount = 0

    init(config: CommandConfig, logger: HostLogger) {
        self.config = config
        self.logger = logger
        slots = Array(repeating: nil, count: config.workers)
    }

    enum Acquired {
        case worker(WorkerConnection)
        case startFailed(String, fatal: Bool)
    }

    /// A live worker with a free request slot, starting one if needed.
    func acquire() -> Acquired {
        lock.lock()
        while true {
            if let c = slots.compactMap({ $0 }).first(where: { !$0.isDead && $0.inFlight < $0.maxInFlight }) {
                c.inFlight += 1
                lock.unlock()
                return .worker(c)
            }
            if let free = slots.indices.first(where: { !starting.contains($0) && (slots[$0] == nil || slots[$0]!.isDead) }) {
                starting.insert(free)
                slots[free] = nil
                lock.unlock()
                // Started outside the lock: the handshake may take seconds.
                let result = Result { try WorkerConnection(index: free, config: config, logger: logger) { [weak self] in self?.workerDied() } }
                lock.lock()
                starting.remove(free)
                startsCount += 1
                switch result {
                case .success(let c):
                    slots[free] = c
                    everStarted = true
                    failedStartsInARow = 0
                    lock.broadcast()
                case .failure(let e):
                    failedStartsInARow += 1
                    let fatal = !everStarted || failedStartsInARow >= Self.maxFailedStartsInARow
                    let why = everStarted && fatal ? "the program failed to start \(failedStartsInARow) times in a row: \(e)" : "\(e)"
                    lock.broadcast()
                    lock.unlock()
                    return .startFailed(why, fatal: fatal)
                }
                continue
            }
            lock.wait()
        }
    }

    func release(_ c: WorkerConnection) {
        lock.lock()
        c.inFlight -= 1
        lock.broadcast()
        lock.unlock()
    }

    private func workerDied() {
        lock.lock(); lock.broadcast(); lock.unlock()
    }

    /// Stop every worker (in parallel, so N slow exits cost one grace period).
    func shutdown() {
        lock.lock()
        let live = slots.compactMap { $0 }
        slots = slots.map { _ in nil }
        lock.unlock()
        let group = DispatchGroup()
        for c in live {
            group.enter()
            Thread { c.shutdown(grace: self.config.shutdownGrace); group.leave() }.start()
        }
        group.wait()
    }
}
