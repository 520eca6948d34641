// Host-side handle of a strategy instance.
import CHwnasABI
import Foundation

public final class LoadedStrategy: PluginInstance<hwnas_strategy>, @unchecked Sendable {
    private let askLabel, tellLabel: PluginCall.Label
    /// Kept until the strategy is destroyed: it may keep the context's pointer.
    private var context: StrategyContext?

    public convenience init(_ descriptor: PluginDescriptorInfo, library: PluginLibrary, context: StrategyContext,
                            options: [String: String]) throws {
        try self.init(descriptor, library: library, context: UnsafePointer(context.raw), options: options)
        self.context = context
    }

    public init(_ descriptor: PluginDescriptorInfo, library: PluginLibrary, context: UnsafePointer<hwnas_search_context>, options: [String: String]) throws {
        askLabel = descriptor.label("strategy", "ask")
        tellLabel = descriptor.label("strategy", "tell")
        try super.init(descriptor, library: library, kind: .strategy, what: "strategy", options: options,
                       destroy: { $0.pointee.destroy?($0) }) { (f: UnsafePointer<hwnas_strategy_factory>, o, out, err) in
            f.pointee.create!(f, descriptor.id, HostInterface.shared, context, o, out, err, 1024)
        }
        guard raw.pointee.ask != nil, raw.pointee.tell != nil, raw.pointee.destroy != nil else { throw nullPointers }
    }

    /// nil when the strategy is exhausted.
    public func ask(max: Int, dims: Int) throws -> [[Int32]]? {
        var buf = [Int32](repeating: 0, count: max * dims)
        var count: UInt32 = 0
        let st = PluginCall.run(askLabel) { raw.pointee.ask!(raw, UInt32(max), &buf, &count) }
        if st == HWNAS_ERR_EXHAUSTED && count == 0 { return nil }
        guard st == HWNAS_OK || st == HWNAS_ERR_EXHAUSTED else {
            throw HwnasError("strategy '\(descriptor.id)' ask failed: \(lastErrorText(raw.pointee.last_error?(raw)))")
        }
        guard Int(count) <= max else { throw HwnasError("strategy '\(descriptor.id)' returned \(count) candidates, more than the \(max) asked") }
        return (0..<Int(count)).map { Array(buf[($0 * dims)..<($0 * dims + dims)]) }
    }

    public func tell(_ t: UnsafePointer<hwnas_tell>) throws {
        let st = PluginCall.run(tellLabel) { raw.pointee.tell!(raw, t) }
        guard st == HWNAS_OK else {
            throw HwnasError("strategy '\(descriptor.id)' tell failed: \(lastErrorText(raw.pointee.last_error?(raw)))")
        }
    }
}
