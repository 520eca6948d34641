// hwnas_evaluator instances backed by a Swift CandidateEvaluator.
import CHwnasABI
import Foundation

typealias EvaluatorBox = InstanceBox<(evaluator: CandidateEvaluator, names: [UnsafePointer<CChar>])>

/// Lets the report closure carry the host's C callback across threads.
private struct ResultSink: @unchecked Sendable {
    let ctx: UnsafeMutableRawPointer?
    let callback: hwnas_result_callback?
    /// 1.2 hosts: text results (nil for an older host's request).
    let textCallback: hwnas_result_text_callback?
    init(_ req: hwnas_evaluation_request) {
        ctx = req.host_ctx
        callback = req.on_result
        textCallback = abiHasField(req.struct_size, \hwnas_evaluation_request.on_result_text) ? req.on_result_text : nil
    }
    func send(_ index: Int, _ r: EvaluationResult) {
        // Texts first: the host attaches them to the metrics that follow.
        sendTexts(index, r)
        guard let callback else { return }
        r.metrics.withUnsafeBufferPointer { callback(ctx, UInt32(index), r.status.rawValue, $0.baseAddress) }
    }
    func sendTexts(_ index: Int, _ r: EvaluationResult) {
        guard let textCallback else { return }
        for (k, v) in r.texts.sorted(by: { $0.key < $1.key }) { textCallback(ctx, UInt32(index), k, v) }
    }
}

/// Candidates an evaluator reported on the way (from its threads).
private final class ReportedIndices: @unchecked Sendable {
    private let lock = NSLock()
    private var set = Set<Int>()
    func insert(_ i: Int) { lock.lock(); set.insert(i); lock.unlock() }
    func contains(_ i: Int) -> Bool { lock.lock(); defer { lock.unlock() }; return set.contains(i) }
}

extension PluginExport {
    func createEvaluator(_ id: UnsafePointer<CChar>?, _ host: UnsafePointer<hwnas_host>?,
                         _ space: UnsafePointer<hwnas_search_space>?, _ opts: UnsafePointer<hwnas_options>?,
                         _ out: UnsafeMutablePointer<UnsafeMutablePointer<hwnas_evaluator>?>?,
                         _ err: UnsafeMutablePointer<CChar>?, _ cap: UInt32) -> hwnas_status {
        guard let kind = find(evaluators, id, { $0.descriptor }, err, cap) else { return HWNAS_ERR_UNKNOWN_ID }
        guard let space, let out else { writeError("NULL space or out", err, cap); return HWNAS_ERR_INVALID_ARGUMENT }
        let logger = HostLogger(host: host)
        let evaluator: CandidateEvaluator
        do { evaluator = try kind.make(SearchSpaceView(space), PluginOptions(opts, specs: kind.descriptor.options, owner: "evaluator '\(kind.descriptor.id)'"), logger) } catch {
            writeError("\(error)", err, cap); return HWNAS_ERR_INVALID_ARGUMENT
        }
        let box = EvaluatorBox((evaluator, evaluator.metricNames.map(permanentCString)), logger: logger)
        let e = UnsafeMutablePointer<hwnas_evaluator>.allocate(capacity: 1)
        e.initialize(to: hwnas_evaluator(
            struct_size: UInt32(MemoryLayout<hwnas_evaluator>.size), reserved: 0,
            plugin_data: box.retainedOpaque(),
            metric_count: { me in UInt32(EvaluatorBox.from(me!.pointee.plugin_data).value.names.count) },
            metric_name: { me, i in
                let names = EvaluatorBox.from(me!.pointee.plugin_data).value.names
                return Int(i) < names.count ? names[Int(i)] : nil
            },
            evaluate: { me, request, statusOut, metricsOut in
                let box = EvaluatorBox.from(me!.pointee.plugin_data)
                return box.guarded {
                    guard let req = request?.pointee, let batch = req.batch, let statusOut, let metricsOut else {
                        throw PluginError("NULL request or output")
                    }
                    let sink = ResultSink(req)
                    let reported = ReportedIndices()
                    let results = try box.value.evaluator.evaluate(CandidateBatch(batch)) { i, r in
                        reported.insert(i)
                        sink.send(i, r)
                    }
                    let m = box.value.names.count
                    guard results.count == Int(batch.pointee.count) else { throw PluginError("evaluator returned \(results.count) results for \(batch.pointee.count) candidates") }
                    for (i, r) in results.enumerated() {
                        // Text results of a candidate not reported on the way.
                        if !reported.contains(i) { sink.sendTexts(i, r) }
                        statusOut[i] = r.status.rawValue
                        for j in 0..<m { metricsOut[i * m + j] = j < r.metrics.count ? r.metrics[j] : .nan }
                    }
                }
            },
            last_error: { me in EvaluatorBox.from(me!.pointee.plugin_data).errorPointer },
            destroy: { me in
                guard let me else { return }
                EvaluatorBox.release(me.pointee.plugin_data)
                UnsafeMutablePointer(mutating: me).deallocate()
            },
            capabilities: { me in
                let e = EvaluatorBox.from(me!.pointee.plugin_data).value.evaluator
                return (e.takesFidelity ? HWNAS_EVALUATOR_TAKES_FIDELITY : 0) | (e.concurrentCalls ? HWNAS_EVALUATOR_CONCURRENT_CALLS : 0)
            }))
        out.pointee = e
        return HWNAS_OK
    }
}
