// Host-side handle of a cost-model instance: checks status codes and turns
// failures into errors naming the plugin and the reason.
import CHwnasABI
import Foundation

public final class LoadedCostModel: PluginInstance<hwnas_cost_model>, @unchecked Sendable {
    public private(set) var metricNames: [String] = []
    private let estimateLabel: PluginCall.Label

    public init(_ descriptor: PluginDescriptorInfo, library: PluginLibrary, space: CSearchSpace, options: [String: String]) throws {
        estimateLabel = descriptor.label("cost model", "estimate")
        try super.init(descriptor, library: library, kind: .costModel, what: "cost model", options: options,
                       destroy: { $0.pointee.destroy?($0) }) { (f: UnsafePointer<hwnas_cost_model_factory>, o, out, err) in
            f.pointee.create!(f, descriptor.id, HostInterface.shared, space.raw, o, out, err, 1024)
        }
        let m = raw.pointee
        guard let count = m.metric_count, let name = m.metric_name, m.estimate != nil, m.destroy != nil else { throw nullPointers }
        metricNames = HwnasCore.metricNames(raw, estimateLabel, count: { count($0) }, name: { name($0, $1) })
    }

    /// metrics[count][metricNames.count]
    public func estimate(_ batch: UnsafePointer<hwnas_candidate_batch>) throws -> [[Double]] {
        let n = Int(batch.pointee.count), m = metricNames.count
        var out = [Double](repeating: .nan, count: max(1, n * m))
        let st = PluginCall.run(estimateLabel) { raw.pointee.estimate!(raw, batch, &out) }
        guard st == HWNAS_OK else {
            throw HwnasError("cost model '\(descriptor.id)': \(lastErrorText(raw.pointee.last_error?(raw)))")
        }
        return (0..<n).map { Array(out[($0 * m)..<($0 * m + m)]) }
    }

    public func explain(_ batch: UnsafePointer<hwnas_candidate_batch>) -> String? {
        guard let f = raw.pointee.explain else { return nil }
        var buf = [CChar](repeating: 0, count: 4096)
        guard PluginCall.run(estimateLabel, { f(raw, batch, &buf, 4096) }) == HWNAS_OK else { return nil }
        let s = FactoryCall.errorText(buf)
        return s == "no reason given" ? nil : s
    }
}
