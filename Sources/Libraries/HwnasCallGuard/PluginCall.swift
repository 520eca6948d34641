// Which plugin call is running, so that a plugin that crashes or hangs is
// named in one line instead of a backtrace or a silent hang.
//
// The host marks each call into a plugin (strategy ask, cost model
// estimate, ...) with a label kept in a fixed C buffer. A crash handler
// (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT) writes "<prefix><label> crashed
// (SIGSEGV)<suffix>" with write(2) alone (async-signal-safe) and re-raises
// the signal, so the exit status still says "killed by a signal". A
// watchdog thread ends the process with one line when a bounded call (all
// but evaluations, which may train for hours) runs past the timeout.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

public enum PluginCall {
    /// A call's label as a C string that lives as long as the process (a
    /// few bytes per plugin instance), so marking a call copies nothing.
    public struct Label: @unchecked Sendable {
        let text: UnsafePointer<CChar>
        let bounded: Bool
        /// `what`: "strategy 'x' (libx.so)"; `call`: "ask". Bounded calls
        /// are subject to the watchdog's timeout.
        public init(_ what: String, _ call: String, bounded: Bool = true) {
            text = UnsafePointer(strdup("\(what): \(call)")!)
            self.bounded = bounded
        }
    }

    static let capacity = 512
    nonisolated(unsafe) private static let none: UnsafePointer<CChar> = UnsafePointer(strdup("")!)
    /// The running call's label; read by the signal handler and the watchdog.
    /// Plain word-sized stores: a racing reader sees the old or the new label.
    nonisolated(unsafe) static var current: UnsafePointer<CChar> = none
    /// Fixed texts around the label in the crash line, and the fd it goes to.
    nonisolated(unsafe) static let prefix = UnsafeMutablePointer<CChar>.allocate(capacity: capacity)
    nonisolated(unsafe) static let suffix = UnsafeMutablePointer<CChar>.allocate(capacity: capacity)
    nonisolated(unsafe) static var outputFD: Int32 = 2
    /// When the running bounded call started (monotonic seconds), 0 when none.
    nonisolated(unsafe) static var boundedSince: Double = 0

    /// Runs `body` as the plugin call `label`.
    @inline(__always)
    public static func run<T>(_ label: Label, _ body: () throws -> T) rethrows -> T {
        let savedLabel = current, savedSince = boundedSince
        current = label.text
        // A nested bounded call (a cost estimate inside a strategy's ask) keeps the outer start.
        boundedSince = label.bounded ? (savedSince > 0 ? savedSince : monotonicSeconds()) : 0
        defer { current = savedLabel; boundedSince = savedSince }
        return try body()
    }

    static func monotonicSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    private static func setText(_ p: UnsafeMutablePointer<CChar>, _ s: String) {
        let b = Array(s.utf8CString.prefix(capacity - 1)) + [0]
        b.withUnsafeBufferPointer { _ = memcpy(p, $0.baseAddress!, $0.count) }
    }

    /// Installs the one-line crash report: `prefix` + label + " crashed
    /// (SIGNAL)" + `suffix`, on `fd`. HWNAS_BACKTRACE=1 keeps the runtime's
    /// backtrace instead (for debugging hwnas itself).
    public static func installCrashReport(prefix: String = "hwnas: error: ", suffix: String = "", fd: Int32 = 2) {
        _ = none
        setText(self.prefix, prefix)
        setText(self.suffix, suffix)
        outputFD = fd
        guard ProcessInfo.processInfo.environment["HWNAS_BACKTRACE"] != "1" else { return }
        for sig in [SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT] {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { sig in PluginCall.reportCrash(sig) }
            sigemptyset(&action.sa_mask)
            action.sa_flags = Int32(bitPattern: UInt32(SA_RESETHAND) | UInt32(SA_NODEFER))
            sigaction(sig, &action, nil)
        }
    }

    /// Changes the text after the label (e.g. once the journal is known).
    public static func setSuffix(_ s: String) { setText(suffix, s) }

    private static func put(_ p: UnsafePointer<CChar>) { _ = write(outputFD, p, strlen(p)) }

    private static func reportCrash(_ sig: Int32) {
        let name: StaticString
        switch sig {
        case SIGSEGV: name = " crashed (SIGSEGV, a bad memory access)"
        case SIGBUS: name = " crashed (SIGBUS)"
        case SIGILL: name = " crashed (SIGILL)"
        case SIGFPE: name = " crashed (SIGFPE, an arithmetic fault)"
        default: name = " aborted (SIGABRT)"
        }
        put(prefix)
        if current.pointee == 0 {
            let s: StaticString = "hwnas (outside any plugin call)"
            _ = write(outputFD, s.utf8Start, s.utf8CodeUnitCount)
        } else {
            put(current)
        }
        _ = write(outputFD, name.utf8Start, name.utf8CodeUnitCount)
        put(suffix)
        _ = write(outputFD, "\n", 1)
        // SA_RESETHAND restored the default action: die of the same signal.
        raise(sig)
    }

    nonisolated(unsafe) private static var watchdogLimit: Double = 0
    nonisolated(unsafe) private static var watchdogExit: Int32 = 1
    nonisolated(unsafe) private static let watchdogThread: Thread = {
        let t = Thread {
            while true {
                let limit = watchdogLimit
                Thread.sleep(forTimeInterval: min(1, max(limit / 4, 0.05)))
                let since = boundedSince
                guard limit > 0, since > 0, monotonicSeconds() - since > limit else { continue }
                let line = "\(String(cString: prefix))\(String(cString: current)) did not return within \(fmtSeconds(limit)) s (a hung plugin)\(String(cString: suffix))\n"
                _ = line.withCString { write(outputFD, $0, strlen($0)) }
                _exit(watchdogExit)
            }
        }
        t.stackSize = 1 << 18
        t.start()
        return t
    }()

    /// Ends the process with one line (and `exitCode`) when a bounded
    /// plugin call runs longer than `seconds` (0: never).
    public static func startWatchdog(seconds: Double, exitCode: Int32 = 1) {
        _ = none
        watchdogExit = exitCode
        watchdogLimit = seconds
        if seconds > 0 { _ = watchdogThread }
    }

    static func fmtSeconds(_ s: Double) -> String { s == s.rounded() ? String(Int(s)) : String(s) }
}
