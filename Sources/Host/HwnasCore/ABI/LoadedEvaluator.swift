// Host-side handle of an evaluator instance.
import CHwnasABI
import Foundation

public final class LoadedEvaluator: PluginInstance<hwnas_evaluator>, @unchecked Sendable {
    public private(set) var metricNames: [String] = []
    private let evaluateLabel: PluginCall.Label

    public init(_ descriptor: PluginDescriptorInfo, library: PluginLibrary, space: CSearchSpace, options: [String: String]) throws {
        // Evaluations may train for hours: only the command evaluator's own timeouts bound them.
        evaluateLabel = descriptor.label("evaluator", "evaluate", bounded: false)
        try super.init(descriptor, library: library, kind: .evaluator, what: "evaluator", options: options, bounded: false,
                       destroy: { $0.pointee.destroy?($0) }) { (f: UnsafePointer<hwnas_evaluator_factory>, o, out, err) in
            f.pointee.create!(f, descriptor.id, HostInterface.shared, space.raw, o, out, err, 1024)
        }
        let e = raw.pointee
        guard let count = e.metric_count, let name = e.metric_name, e.evaluate != nil, e.destroy != nil else { throw nullPointers }
        metricNames = HwnasCore.metricNames(raw, evaluateLabel, count: { count($0) }, name: { name($0, $1) })
        guard !metricNames.isEmpty else { throw HwnasError("evaluator '\(descriptor.id)' reports no metric") }
        // 1.2: capabilities (an older instance has none).
        if hostHasField(e.struct_size, \hwnas_evaluator.capabilities), let caps = e.capabilities {
            capabilities = PluginCall.run(evaluateLabel) { caps(raw) }
        }
    }

    private var capabilities: UInt32 = 0
    /// Reads each candidate's "fidelity" (and "resume") request (ABI 1.2).
    public var takesFidelity: Bool { capabilities & HWNAS_EVALUATOR_TAKES_FIDELITY != 0 }
    /// evaluate may run on several threads at once (one instance for every asynchronous worker).
    public var concurrentCalls: Bool { capabilities & HWNAS_EVALUATOR_CONCURRENT_CALLS != 0 }

    public struct Outcome {
        public let ok: Bool; public let status: Int32; public let metrics: [Double]
        /// Why a failed candidate failed, when the evaluator said (plugins
        /// through the C ABI report none; the host API's callback does).
        public let reason: String?
        /// Text results (1.2), e.g. "checkpoint": a token to resume from.
        public let texts: [String: String]
        public init(ok: Bool, status: Int32, metrics: [Double], reason: String? = nil, texts: [String: String] = [:]) {
            self.ok = ok; self.status = status; self.metrics = metrics; self.reason = reason; self.texts = texts
        }
    }

    /// Evaluates a batch; `onResult` is called (possibly from other threads)
    /// as each candidate finishes.
    public func evaluate(_ batch: UnsafePointer<hwnas_candidate_batch>, onResult: ((Int, Outcome) -> Void)?) throws -> [Outcome] {
        let n = Int(batch.pointee.count), m = metricNames.count
        var status = [Int32](repeating: HWNAS_EVAL_FAILED, count: max(1, n))
        var metrics = [Double](repeating: .nan, count: max(1, n * m))
        /// Reports arriving from the plugin's threads; a report for an index
        /// outside the batch is a contract violation: counted, never followed.
        final class Sink: @unchecked Sendable {
            let m: Int, n: Int; let f: ((Int, Outcome) -> Void)?
            private let lock = NSLock()
            private(set) var badIndex: UInt32?
            /// Text results by candidate (1.2), reported before or with its metrics.
            private(set) var texts: [Int: [String: String]] = [:]
            init(_ m: Int, _ n: Int, _ f: ((Int, Outcome) -> Void)?) { self.m = m; self.n = n; self.f = f }
            func bad(_ i: UInt32) { lock.lock(); if badIndex == nil { badIndex = i }; lock.unlock() }
            func text(_ i: Int, _ key: String, _ value: String) { lock.lock(); texts[i, default: [:]][key] = value; lock.unlock() }
            func texts(of i: Int) -> [String: String] { lock.lock(); defer { lock.unlock() }; return texts[i] ?? [:] }
        }
        let sink = Sink(m, n, onResult)
        let ctx = Unmanaged.passRetained(sink).toOpaque()
        defer { Unmanaged<Sink>.fromOpaque(ctx).release() }
        var req = hwnas_evaluation_request(
            struct_size: UInt32(MemoryLayout<hwnas_evaluation_request>.size), reserved: 0, batch: batch, host_ctx: ctx,
            on_result: { ctx, index, st, metrics in
                guard let ctx else { return }
                let s = Unmanaged<Sink>.fromOpaque(ctx).takeUnretainedValue()
                guard Int(index) < s.n else { s.bad(index); return }
                let values = metrics.map { p in (0..<s.m).map { p[$0] } } ?? Array(repeating: .nan, count: s.m)
                // OK only with a finite primary metric (NULL metrics are none).
                s.f?(Int(index), Outcome(ok: st == HWNAS_EVAL_OK && values.first?.isFinite == true, status: st, metrics: values,
                                         texts: s.texts(of: Int(index))))
            },
            on_result_text: { ctx, index, key, value in
                guard let ctx, let key, let value else { return }
                let s = Unmanaged<Sink>.fromOpaque(ctx).takeUnretainedValue()
                guard Int(index) < s.n else { s.bad(index); return }
                s.text(Int(index), String(cString: key), String(cString: value))
            })
        // The error is read on the calling thread, right away: another
        // thread's call may fail meanwhile (HWNAS_EVALUATOR_CONCURRENT_CALLS).
        let (st, error) = PluginCall.run(evaluateLabel) { () -> (hwnas_status, String?) in
            let st = raw.pointee.evaluate!(raw, &req, &status, &metrics)
            return (st, st == HWNAS_OK ? nil : lastErrorText(raw.pointee.last_error?(raw)))
        }
        guard st == HWNAS_OK else {
            throw HwnasError("evaluator '\(descriptor.id)': \(error ?? "")")
        }
        if let i = sink.badIndex {
            throw HwnasError("evaluator '\(descriptor.id)' reported a result for candidate \(i) of a batch of \(n) (a plugin bug); the batch's results are not trusted")
        }
        return (0..<n).map { i in
            let values = Array(metrics[(i * m)..<(i * m + m)])
            let ok = status[i] == HWNAS_EVAL_OK && values.first.map { $0.isFinite } == true
            return Outcome(ok: ok, status: status[i], metrics: values, texts: sink.texts(of: i))
        }
    }
}
