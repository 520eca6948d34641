// A started worker speaking the JSON-lines protocol: a reader thread turns
// its stdout into replies keyed by request id; callers wait with a deadline.
// A worker whose stdout ends (crash, exit, kill) is reaped at once and every
// request still pending on it fails.
import Foundation
import HwnasPluginSupport
import CHwnasABI
#if canImport(Glibc)
import Glibc
#endif

/// How one request ended, as seen from the connection.
enum RequestOutcome {
    case reply(WorkerReply)
    case timeout
    case failed(String)   // worker died, garbage output, could not send
}

final class WorkerConnection: @unchecked Sendable {
    let index: Int
    let process: WorkerProcess
    /// Requests the worker accepts at once (its hello's max_in_flight).
    private(set) var maxInFlight = 1
    /// Requests handed out by the pool; guarded by the pool's lock.
    var inFlight = 0

    private let state = NSCondition()
    private var hello: [String: Any]?
    private var replies: [Int: RequestOutcome] = [:]
    private var pending: Set<Int> = []
    private(set) var deathReason: String?
    private let readerDone = DispatchSemaphore(value: 0)
    private let logger: HostLogger
    private let metric: String
    private let onDeath: @Sendable () -> Void

    var isDead: Bool { state.lock(); defer { state.unlock() }; return deathReason != nil }

    /// Spawn the program and run the hello handshake; throws on any failure
    /// (the process is then killed and reaped).
    init(index: Int, config: CommandConfig, logger: HostLogger, onDeath: @escaping @Sendable () -> Void) throws {
        self.index = index
        self.logger = logger
        self.metric = config.metric
        self.onDeath = onDeath
        process = try WorkerProcess(argv: config.argv,
                                    extraEnv: ["HWNAS_WORKER_INDEX": "\(index)",
                                               "HWNAS_EVALUATOR_PROTOCOL": "\(EvaluatorProtocol.version)"],
                                    stderr: config.stderr)
        let reader = Thread { [self] in readLoop() }
        reader.name = "hwnas-command-worker-\(index)"
        reader.start()

        guard process.writeLine(config.helloLine(worker: index)) else {
            terminate(reason: "worker \(index) exited before the handshake")
            throw PluginError("command evaluator: worker \(index) exited before the handshake (command: \(config.commandText))")
        }
        let deadline = config.startupTimeout > 0 ? Date(timeIntervalSinceNow: config.startupTimeout) : Date.distantFuture
        state.lock()
        while hello == nil && deathReason == nil {
            if !state.waitSafely(until: deadline) { break }
        }
        let reply = hello, died = deathReason
        state.unlock()
        guard let reply else {
            let why = died ?? "no hello within \(config.startupTimeout) s"
            terminate(reason: why)
            throw PluginError("command evaluator: worker \(index) did not complete the handshake: \(why) (command: \(config.commandText))")
        }
        let version = (reply["protocol"] as? NSNumber)?.intValue ?? -1
        guard version == EvaluatorProtocol.version else {
            terminate(reason: "protocol mismatch")
            throw PluginError("command evaluator: worker speaks protocol \(version), hwnas speaks \(EvaluatorProtocol.version)")
        }
        if let m = (reply["max_in_flight"] as? NSNumber)?.intValue, m > 1 { maxInFlight = m }
        fidelities = Set(reply["fidelity"] as? [String] ?? [])
    }

    /// The fidelities the program takes (its hello's "fidelity", e.g. ["epochs"]).
    private(set) var fidelities: Set<String> = []

    /// Send one request; false (and nothing pending) if the worker is gone.
    func submit(id: Int, line: String) -> Bool {
        state.lock()
        guard deathReason == nil else { state.unlock(); return false }
        pending.insert(id)
        state.unlock()
        if process.writeLine(line) { return true }
        state.lock(); pending.remove(id); state.unlock()
        return false
    }

    /// Wait for the outcome of request `id` until `deadline`.
    func wait(id: Int, until deadline: Date) -> RequestOutcome {
        state.lock(); defer { state.unlock() }
        while true {
            if let r = replies.removeValue(forKey: id) { return r }
            if !state.waitSafely(until: deadline) {
                if let r = replies.removeValue(forKey: id) { return r }
                pending.remove(id)
                return .timeout
            }
        }
    }

    /// Tell a multi-request worker to drop `id`; its late reply is ignored.
    func cancel(id: Int) {
        _ = process.writeLine(EvaluatorProtocol.cancelLine(id: id))
    }

    /// Kill the worker now (timeout, protocol violation); pending requests fail.
    func terminate(reason: String) {
        markDead(reason)
        process.killAndReap()
    }

    /// Polite stop: EOF on stdin, `grace` seconds to exit, then SIGTERM, then SIGKILL.
    func shutdown(grace: Double) {
        process.closeStdin()
        if readerDone.wait(timeout: .now() + max(grace, 0)) == .success { readerDone.signal(); return }
        process.signalGroup(SIGTERM)
        if readerDone.wait(timeout: .now() + 2) == .success { readerDone.signal(); return }
        terminate(reason: "did not exit after stdin closed")
        readerDone.wait(); readerDone.signal()
    }

    // MARK: reader thread

    private func readLoop() {
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        var pfd = pollfd(fd: process.stdoutFD, events: Int16(POLLIN), revents: 0)
        var endReason = "exited"
        loop: while true {
            let ready = poll(&pfd, 1, 200)
            if ready < 0 { if errno == EINTR { continue }; endReason = "poll failed"; break }
            if ready == 0 {
                // A grandchild may hold stdout open after the worker died:
                // the worker's own exit counts as the end.
                if process.hasExited() { endReason = "exited"; break }
                continue
            }
            let n = chunk.withUnsafeMutableBytes { read(process.stdoutFD, $0.baseAddress!, $0.count) }
            if n < 0 { if errno == EINTR { continue }; endReason = "read failed"; break }
            if n == 0 { break }
            buffer.append(contentsOf: chunk[0..<n])
            while let nl = buffer.firstIndex(of: 10) {
                let line = String(decoding: buffer[..<nl], as: UTF8.self)
                buffer.removeSubrange(...nl)
                if let violation = handle(line) {
                    endReason = violation
                    process.signalGroup(SIGKILL)
                    break loop
                }
            }
            if buffer.count > EvaluatorProtocol.maxLineBytes {
                endReason = "reply line longer than \(EvaluatorProtocol.maxLineBytes) bytes"
                process.signalGroup(SIGKILL)
                break
            }
        }
        markDead("worker \(index) \(endReason)")
        process.killAndReap()
        readerDone.signal()
    }

    /// Route one stdout line; returns a reason when the stream can no longer be trusted.
    private func handle(_ line: String) -> String? {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        // Only lines starting with '{' are protocol; anything else is a
        // stray print from the program or a library.
        guard trimmed.hasPrefix("{") else {
            if !trimmed.isEmpty { logger.log(HWNAS_LOG_DEBUG, "command worker \(index): \(trimmed.prefix(200))") }
            return nil
        }
        let message: [String: Any]
        switch EvaluatorProtocol.parseObject(trimmed) {
        case .success(let m): message = m
        case .failure(let e): return "printed an invalid protocol line (\(e.message)): \(trimmed.prefix(120))"
        }
        state.lock(); defer { state.unlock() }
        if (message["type"] as? String) == "hello" {
            hello = message; state.broadcast(); return nil
        }
        if (message["type"] as? String) == "log" {
            logger.info("command worker \(index): \(message["message"] as? String ?? "")")
            return nil
        }
        guard let id = (message["id"] as? NSNumber)?.intValue else {
            return "printed a protocol line without an id: \(trimmed.prefix(120))"
        }
        guard pending.remove(id) != nil else { return nil }   // late reply to a timed-out request
        switch EvaluatorProtocol.parseReply(message, metric: metric) {
        case .success(let reply): replies[id] = .reply(reply)
        case .failure(let e): replies[id] = .failed("invalid reply: \(e.message)")
        }
        state.broadcast()
        return nil
    }

    private func markDead(_ reason: String) {
        state.lock()
        let first = deathReason == nil
        if first {
            deathReason = reason
            for id in pending { replies[id] = .failed(reason) }
            pending.removeAll()
            state.broadcast()
        }
        state.unlock()
        if first { onDeath() }
    }
}

extension NSCondition {
    /// wait(until:) traps on Linux for Date.distantFuture; wait without limit then.
    func waitSafely(until deadline: Date) -> Bool {
        if deadline.timeIntervalSinceNow > 1e8 { wait(); return true }
        return wait(until: deadline)
    }
}
