// Host-side handle of a cost-model instance: checks status codes and turns
// failures into errors naming the plugin and the reason.
import CHwnasABI
import Foundation

public final class LoadedCostModel: @unchecked Sendable {
    public let descriptor: PluginDescriptorInfo
    let library: PluginLibrary
    let raw: UnsafeMutablePointer<hwnas_cost_model>
    public let metricNames: [String]
    let options: COptions
    private let estimateLabel, destroyLabel: PluginCall.Label

    public init(_ descriptor: PluginDescriptorInfo, library: PluginLibrary, space: CSearchSpace, options: [String: String]) throws {
        self.descriptor = descriptor
        self.library = library
        estimateLabel = descriptor.label("cost model", "estimate")
        destroyLabel = descriptor.label("cost model", "destroy")
        let (m, o): (UnsafeMutablePointer<hwnas_cost_model>, _) = try createInstance(descriptor, library, .costModel, "cost model",
                                                                                     options: options) { (f: UnsafePointer<hwnas_cost_model_factory>, o, out, err) in
            f.pointee.create!(f, descriptor.id, HostInterface.shared, space.raw, o, out, err, 1024)
        }
        guard let count = m.pointee.metric_count, let name = m.pointee.metric_name, m.pointee.estimate != nil, m.pointee.destroy != nil else {
            throw HwnasError("cost model '\(descriptor.id)' (\(descriptor.file)): instance has NULL function pointers")
        }
        raw = m; self.options = o
        metricNames = HwnasCore.metricNames(m, estimateLabel, count: { count($0) }, name: { name($0, $1) })
    }

    deinit { PluginCall.run(destroyLabel) { raw.pointee.destroy?(raw) } }

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
