// One child process with a pipe on its stdin and one on its stdout, spawned
// with posix_spawn into its own process group so that a hung program and
// everything it started can be killed with one signal.
import Foundation
import HwnasPluginSupport
#if canImport(Glibc)
import Glibc
#endif

/// Where a worker's stderr goes: hwnas's own stderr, /dev/null, or a file (appended).
enum StderrTarget: Equatable {
    case inherit, discard, file(String)
}

final class WorkerProcess: @unchecked Sendable {
    let pid: pid_t
    /// Write end of the child's stdin; -1 once closed. Guarded by `lock`.
    private var stdinFD: Int32
    /// Read end of the child's stdout; only the reader thread touches it.
    let stdoutFD: Int32
    private let lock = NSLock()
    private var reaped = false
    private static let spawnLock = NSLock()

    /// Spawn `argv` (argv[0] looked up in PATH) with `extraEnv` added to the environment.
    init(argv: [String], extraEnv: [String: String], stderr: StderrTarget) throws {
        precondition(!argv.isEmpty)
        // Close-on-exec: no other worker may inherit our ends, or it would
        // keep this worker's stdin open and its EOF would never arrive. Glibc's
        // Swift module lacks pipe2, so pipe + FD_CLOEXEC + spawn happen under
        // one lock that all workers share.
        WorkerProcess.spawnLock.lock()
        defer { WorkerProcess.spawnLock.unlock() }
        var toChild: [Int32] = [-1, -1], fromChild: [Int32] = [-1, -1]
        guard pipe(&toChild) == 0 else { throw PluginError("pipe: \(String(cString: strerror(errno)))") }
        guard pipe(&fromChild) == 0 else {
            close(toChild[0]); close(toChild[1])
            throw PluginError("pipe: \(String(cString: strerror(errno)))")
        }
        for fd in toChild + fromChild { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, toChild[0], 0)   // dup2 clears O_CLOEXEC
        posix_spawn_file_actions_adddup2(&actions, fromChild[1], 1)
        switch stderr {
        case .inherit: break
        case .discard: posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        case .file(let path): posix_spawn_file_actions_addopen(&actions, 2, path, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        }

        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        // Own process group (kill(-pid) reaches the whole tree); default
        // SIGPIPE/SIGTERM/SIGINT even if the host ignores them; empty mask.
        var defaults = sigset_t(), empty = sigset_t()
        sigemptyset(&defaults); sigemptyset(&empty)
        for s in [SIGPIPE, SIGTERM, SIGINT, SIGHUP] { sigaddset(&defaults, s) }
        posix_spawnattr_setsigdefault(&attr, &defaults)
        posix_spawnattr_setsigmask(&attr, &empty)
        posix_spawnattr_setpgroup(&attr, 0)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        var env = ProcessInfo.processInfo.environment
        for (k, v) in extraEnv { env[k] = v }
        let cArgv: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        let cEnv: [UnsafeMutablePointer<CChar>?] = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { cArgv.forEach { free($0) }; cEnv.forEach { free($0) } }

        var child: pid_t = 0
        let rc = posix_spawnp(&child, argv[0], &actions, &attr, cArgv, cEnv)
        close(toChild[0]); close(fromChild[1])
        guard rc == 0 else {
            close(toChild[1]); close(fromChild[0])
            throw PluginError("cannot start '\(argv[0])': \(String(cString: strerror(rc)))")
        }
        pid = child
        stdinFD = toChild[1]
        stdoutFD = fromChild[0]
    }

    /// Write one line (a newline is added). False when the child's stdin is gone.
    func writeLine(_ line: String) -> Bool {
        lock.lock(); defer { lock.unlock() }
        guard stdinFD >= 0 else { return false }
        var bytes = Array(line.utf8); bytes.append(10)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { write(stdinFD, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                return false   // EPIPE: the child is gone (SIGPIPE is ignored by the plugin)
            }
            offset += n
        }
        return true
    }

    /// Close the child's stdin: the protocol's "no more requests".
    func closeStdin() {
        lock.lock(); defer { lock.unlock() }
        if stdinFD >= 0 { close(stdinFD); stdinFD = -1 }
    }

    func signalGroup(_ signal: Int32) {
        lock.lock(); defer { lock.unlock() }
        if !reaped { kill(-pid, signal) }
    }

    /// Non-blocking: true once the child has exited (and is reaped). What
    /// it started is killed first: a trainer's data loaders and helpers
    /// must not outlive it.
    func hasExited() -> Bool {
        lock.lock(); defer { lock.unlock() }
        if reaped { return true }
        // WNOWAIT: the exited leader stays a zombie, so its pid (the group's
        // id) cannot be reused while the rest of the group is killed.
        var info = siginfo_t()
        guard waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0, info.si_signo == SIGCHLD else { return false }
        reapGroup()
        return true
    }

    /// Kill the whole process group and reap the child; closes both pipes.
    /// Safe to call more than once.
    func killAndReap() {
        lock.lock()
        if !reaped { reapGroup() }
        if stdinFD >= 0 { close(stdinFD); stdinFD = -1 }
        lock.unlock()
    }

    /// SIGKILL to the group (the leader included, if still running), then
    /// reap the leader. Caller holds `lock`.
    private func reapGroup() {
        kill(-pid, SIGKILL)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        reaped = true
    }

    deinit {
        killAndReap()
        close(stdoutFD)
    }
}
