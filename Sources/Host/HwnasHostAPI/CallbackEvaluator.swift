// A caller's function as a search's evaluator (hwnas_host_search's
// `evaluate`, e.g. a Python callable through cffi): called once per round
// with the round's new feasible candidates, on the searching thread; with
// schedule async, with one candidate at a time from each worker's thread
// (several calls at once: it keeps no state of its own but the stop flag).
import CHwnasABI
import Foundation
import HwnasCore

/// EvaluateFunction and hwnas_host_progress_fn of hwnas_host.h (the
/// header is not imported into Swift: its functions are defined here).
public typealias EvaluateFunction = @convention(c) (UnsafeMutableRawPointer?, UInt32, UnsafePointer<UnsafePointer<CChar>?>?,
                                             UnsafePointer<Int32>?, UInt32, UnsafeMutablePointer<Double>?, UInt32,
                                             UnsafeMutablePointer<CChar>?, UInt32) -> Int32
public typealias ProgressFunction = @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<CChar>?) -> Int32

/// Set by the caller's callbacks, read by the loop after each round.
final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var raised = false
    func raise() { lock.lock(); raised = true; lock.unlock() }
    var isRaised: Bool { lock.lock(); defer { lock.unlock() }; return raised }
}

final class CallbackEvaluator: SearchEvaluator {
    let descriptor: PluginDescriptorInfo
    let metricNames: [String]
    private let function: EvaluateFunction
    private let userData: UnsafeMutableRawPointer?
    private let stop: StopFlag
    /// Bytes of each candidate's failure reason (NUL included).
    static let reasonCapacity = 2048
    var concurrentCalls: Bool { true }

    init(name: String, metricNames: [String], function: EvaluateFunction, userData: UnsafeMutableRawPointer?, stop: StopFlag) throws {
        guard !metricNames.isEmpty else { throw HwnasError("evaluator_metrics: an evaluator function needs at least one metric name") }
        guard Set(metricNames).count == metricNames.count else { throw HwnasError("evaluator_metrics: \(metricNames) names a metric twice") }
        descriptor = PluginDescriptorInfo(kind: .evaluator, id: name, name: name, vendor: "", version: "",
                                          description: "", file: "(host API caller)", abiVersion: "",
                                          abiMinor: UInt32(HWNAS_ABI_VERSION_MINOR), options: [])
        self.metricNames = metricNames
        self.function = function
        self.userData = userData
        self.stop = stop
    }

    func evaluate(_ batch: UnsafePointer<hwnas_candidate_batch>,
                  onResult: ((Int, LoadedEvaluator.Outcome) -> Void)?) throws -> [LoadedEvaluator.Outcome] {
        let b = batch.pointee
        let n = Int(b.count), m = metricNames.count, cap = Self.reasonCapacity
        var metrics = [Double](repeating: .nan, count: max(1, n * m))
        var reasons = [CChar](repeating: 0, count: max(1, n) * cap)
        let answer = metrics.withUnsafeMutableBufferPointer { mp in
            reasons.withUnsafeMutableBufferPointer { rp in
                function(userData, b.count, b.arch_strings, b.genotypes, b.n_dims, mp.baseAddress, UInt32(m), rp.baseAddress, UInt32(cap))
            }
        }
        // The caller may have written up to the last byte: each reason ends there.
        for i in 0..<max(1, n) { reasons[i * cap + cap - 1] = 0 }
        func reason(_ i: Int) -> String? {
            let text = reasons.withUnsafeBufferPointer { String(cString: $0.baseAddress! + i * cap) }
            return text.isEmpty ? nil : text
        }
        switch answer {
        case 0: break
        case 1: stop.raise()
        case -1: throw HwnasError(reason(0) ?? "the evaluator function failed")
        default: throw HwnasError("the evaluator function returned \(answer) (0 goes on, 1 stops, -1 failed)")
        }
        return (0..<n).map { i in
            let values = Array(metrics[(i * m)..<((i + 1) * m)])
            let ok = values[0].isFinite
            let outcome = LoadedEvaluator.Outcome(ok: ok, status: ok ? HWNAS_EVAL_OK : HWNAS_EVAL_FAILED, metrics: values,
                                                  reason: ok ? nil : reason(i))
            onResult?(i, outcome)
            return outcome
        }
    }
}
