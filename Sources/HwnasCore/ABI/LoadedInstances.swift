// Host-side handles for plugin instances. Each wraps the C struct, checks
// status codes, and turns failures into errors naming the plugin and reason.
import CHwnasABI
import Foundation

/// Creates instances through a library's factory of the right kind.
enum FactoryCall {
    static func errorText(_ buf: [CChar]) -> String {
        let s = buf.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        return s.isEmpty ? "no reason given" : s
    }
}

func lastErrorText(_ p: UnsafePointer<CChar>?) -> String {
    p.flatMap { String(validatingCString: $0) }.flatMap { $0.isEmpty ? nil : $0 } ?? "no reason given"
}

public final class LoadedCostModel: @unchecked Sendable {
    public let descriptor: PluginDescriptorInfo
    let raw: UnsafeMutablePointer<hwnas_cost_model>
    public let metricNames: [String]
    let options: COptions

    public init(_ descriptor: PluginDescriptorInfo, library: PluginLibrary, space: CSearchSpace, options: [String: String]) throws {
        self.descriptor = descriptor
        let f = library.factory(.costModel)!.assumingMemoryBound(to: hwnas_cost_model_factory.self)
        self.options = COptions(options)
        var out: UnsafeMutablePointer<hwnas_cost_model>?
        var err = [CChar](repeating: 0, count: 1024)
        let st = f.pointee.create!(f, descriptor.id, HostInterface.shared, space.raw, self.options.raw, &out, &err, 1024)
        guard st == HWNAS_OK, let m = out else {
            throw HwnasError("cost model '\(descriptor.id)' (\(descriptor.file)): \(FactoryCall.errorText(err))")
        }
        guard m.pointee.metric_count != nil, m.pointee.metric_name != nil, m.pointee.estimate != nil, m.pointee.destroy != nil else {
            throw HwnasError("cost model '\(descriptor.id)' (\(descriptor.file)): instance has NULL function pointers")
        }
        raw = m
        let n = m.pointee.metric_count!(m)
        metricNames = (0..<n).map { i in m.pointee.metric_name!(m, i).flatMap { String(validatingCString: $0) } ?? "metric\(i)" }
    }

    deinit { raw.pointee.destroy?(raw) }

    /// metrics[count][metricNames.count]
    public func estimate(_ batch: UnsafePointer<hwnas_candidate_batch>) throws -> [[Double]] {
        let n = Int(batch.pointee.count), m = metricNames.count
        var out = [Double](repeating: .nan, count: max(1, n * m))
        let st = raw.pointee.estimate!(raw, batch, &out)
        guard st == HWNAS_OK else {
            throw HwnasError("cost model '\(descriptor.id)': \(lastErrorText(raw.pointee.last_error?(raw)))")
        }
        return (0..<n).map { Array(out[($0 * m)..<($0 * m + m)]) }
    }

    public func explain(_ batch: UnsafePointer<hwnas_candidate_batch>) -> String? {
        guard let f = raw.pointee.explain else { return nil }
        var buf = [CChar](repeating: 0, count: 4096)
        guard f(raw, batch, &buf, 4096) == HWNAS_OK else { return nil }
        let s = FactoryCall.errorText(buf)
        return s == "no reason given" ? nil : s
    }
}

public final class LoadedEvaluator: @unchecked Sendable {
    public let descriptor: PluginDescriptorInfo
    let raw: UnsafeMutablePointer<hwnas_evaluator>
    public let metricNames: [String]
    let options: COptions

    public init(_ descriptor: PluginDescriptorInfo, library: PluginLibrary, space: CSearchSpace, options: [String: String]) throws {
        self.descriptor = descriptor
        let f = library.factory(.evaluator)!.assumingMemoryBound(to: hwnas_evaluator_factory.self)
        self.options = COptions(options)
        var out: UnsafeMutablePointer<hwnas_evaluator>?
        var err = [CChar](repeating: 0, count: 1024)
        let st = f.pointee.create!(f, descriptor.id, HostInterface.shared, space.raw, self.options.raw, &out, &err, 1024)
        guard st == HWNAS_OK, let e = out else {
            throw HwnasError("evaluator '\(descriptor.id)' (\(descriptor.file)): \(FactoryCall.errorText(err))")
        }
        guard e.pointee.metric_count != nil, e.pointee.metric_name != nil, e.pointee.evaluate != nil, e.pointee.destroy != nil else {
            throw HwnasError("evaluator '\(descriptor.id)' (\(descriptor.file)): instance has NULL function pointers")
        }
        raw = e
        let n = e.pointee.metric_count!(e)
        guard n >= 1 else { throw HwnasError("evaluator '\(descriptor.id)' reports no metric") }
        metricNames = (0..<n).map { i in e.pointee.metric_name!(e, i).flatMap { String(validatingCString: $0) } ?? "metric\(i)" }
    }

    deinit { raw.pointee.destroy?(raw) }

    public struct Outcome { public let ok: Bool; public let status: Int32; public let metrics: [Double] }

    /// Evaluates a batch; `onResult` is called (possibly from other threads)
    /// as each candidate finishes.
    public func evaluate(_ batch: UnsafePointer<hwnas_candidate_batch>, onResult: ((Int, Outcome) -> Void)?) throws -> [Outcome] {
        let n = Int(batch.pointee.count), m = metricNames.count
        var status = [Int32](repeating: HWNAS_EVAL_FAILED, count: max(1, n))
        var metrics = [Double](repeating: .nan, count: max(1, n * m))
        final class Sink { let m: Int; let f: ((Int, Outcome) -> Void)?; init(_ m: Int, _ f: ((Int, Outcome) -> Void)?) { self.m = m; self.f = f } }
        let sink = Sink(m, onResult)
        let ctx = Unmanaged.passRetained(sink).toOpaque()
        defer { Unmanaged<Sink>.fromOpaque(ctx).release() }
        var req = hwnas_evaluation_request(
            struct_size: UInt32(MemoryLayout<hwnas_evaluation_request>.size), reserved: 0, batch: batch, host_ctx: ctx,
            on_result: { ctx, index, st, metrics in
                let s = Unmanaged<Sink>.fromOpaque(ctx!).takeUnretainedValue()
                let values = metrics.map { p in (0..<s.m).map { p[$0] } } ?? Array(repeating: .nan, count: s.m)
                s.f?(Int(index), Outcome(ok: st == HWNAS_EVAL_OK, status: st, metrics: values))
            })
        let st = raw.pointee.evaluate!(raw, &req, &status, &metrics)
        guard st == HWNAS_OK else {
            throw HwnasError("evaluator '\(descriptor.id)': \(lastErrorText(raw.pointee.last_error?(raw)))")
        }
        return (0..<n).map { i in
            let values = Array(metrics[(i * m)..<(i * m + m)])
            let ok = status[i] == HWNAS_EVAL_OK && values.first.map { $0.isFinite } == true
            return Outcome(ok: ok, status: status[i], metrics: values)
        }
    }
}

public final class LoadedStrategy: @unchecked Sendable {
    public let descriptor: PluginDescriptorInfo
    let raw: UnsafeMutablePointer<hwnas_strategy>
    let options: COptions

    init(_ descriptor: PluginDescriptorInfo, library: PluginLibrary, context: UnsafePointer<hwnas_search_context>, options: [String: String]) throws {
        self.descriptor = descriptor
        let f = library.factory(.strategy)!.assumingMemoryBound(to: hwnas_strategy_factory.self)
        self.options = COptions(options)
        var out: UnsafeMutablePointer<hwnas_strategy>?
        var err = [CChar](repeating: 0, count: 1024)
        let st = f.pointee.create!(f, descriptor.id, HostInterface.shared, context, self.options.raw, &out, &err, 1024)
        guard st == HWNAS_OK, let s = out else {
            throw HwnasError("strategy '\(descriptor.id)' (\(descriptor.file)): \(FactoryCall.errorText(err))")
        }
        guard s.pointee.ask != nil, s.pointee.tell != nil, s.pointee.destroy != nil else {
            throw HwnasError("strategy '\(descriptor.id)' (\(descriptor.file)): instance has NULL function pointers")
        }
        raw = s
    }

    deinit { raw.pointee.destroy?(raw) }

    /// nil when the strategy is exhausted.
    func ask(max: Int, dims: Int) throws -> [[Int32]]? {
        var buf = [Int32](repeating: 0, count: max * dims)
        var count: UInt32 = 0
        let st = raw.pointee.ask!(raw, UInt32(max), &buf, &count)
        if st == HWNAS_ERR_EXHAUSTED && count == 0 { return nil }
        guard st == HWNAS_OK || st == HWNAS_ERR_EXHAUSTED else {
            throw HwnasError("strategy '\(descriptor.id)' ask failed: \(lastErrorText(raw.pointee.last_error?(raw)))")
        }
        guard Int(count) <= max else { throw HwnasError("strategy '\(descriptor.id)' returned \(count) candidates, more than the \(max) asked") }
        return (0..<Int(count)).map { Array(buf[($0 * dims)..<($0 * dims + dims)]) }
    }

    func tell(_ t: UnsafePointer<hwnas_tell>) throws {
        let st = raw.pointee.tell!(raw, t)
        guard st == HWNAS_OK else {
            throw HwnasError("strategy '\(descriptor.id)' tell failed: \(lastErrorText(raw.pointee.last_error?(raw)))")
        }
    }
}

public final class LoadedOperatorSet: @unchecked Sendable {
    public let descriptor: PluginDescriptorInfo
    public let raw: UnsafeMutablePointer<hwnas_operator_set>
    let options: COptions

    public init(_ descriptor: PluginDescriptorInfo, library: PluginLibrary, options: [String: String]) throws {
        self.descriptor = descriptor
        let f = library.factory(.operatorSet)!.assumingMemoryBound(to: hwnas_operator_set_factory.self)
        self.options = COptions(options)
        var out: UnsafeMutablePointer<hwnas_operator_set>?
        var err = [CChar](repeating: 0, count: 1024)
        let st = f.pointee.create!(f, descriptor.id, HostInterface.shared, self.options.raw, &out, &err, 1024)
        guard st == HWNAS_OK, let s = out, s.pointee.infer != nil else {
            throw HwnasError("operator set '\(descriptor.id)' (\(descriptor.file)): \(FactoryCall.errorText(err))")
        }
        raw = s
    }

    deinit { raw.pointee.destroy?(raw) }

    public var opNames: [String] {
        guard let c = raw.pointee.op_count, let n = raw.pointee.op_name else { return [] }
        return (0..<c(raw)).compactMap { n(raw, $0).flatMap { String(validatingCString: $0) } }
    }
}
