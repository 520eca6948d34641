// Shared pieces of the host-side instance handles: error text from plugin
// buffers, and the size check every instance struct passes before the host
// reads a function pointer from it.
import CHwnasABI
import Foundation
import HwnasOptionSpecs

/// The text of an error buffer a plugin (or the executor) filled.
public enum FactoryCall {
    public static func errorText(_ buf: [CChar]) -> String {
        let s = buf.withUnsafeBufferPointer { b -> String in
            // Never trust a plugin to NUL-terminate: read at most the buffer.
            let bytes = b.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
            return String(decoding: bytes, as: UTF8.self)
        }
        return s.isEmpty ? "no reason given" : s
    }
}

extension PluginDescriptorInfo {
    /// "strategy 'x' (libX.so)": how crash and hang lines name a plugin.
    public func callName(_ what: String) -> String { "\(what) '\(id)' (\((file as NSString).lastPathComponent))" }
    public func label(_ what: String, _ call: String, bounded: Bool = true) -> PluginCall.Label {
        PluginCall.Label(callName(what), call, bounded: bounded)
    }
}

func lastErrorText(_ p: UnsafePointer<CChar>?) -> String {
    p.flatMap { String(validatingCString: $0) }.flatMap { $0.isEmpty ? nil : $0 } ?? "no reason given"
}

/// What every host-side instance handle holds and does alike. init finds
/// the factory, checks the options and makes their C form (kept: the
/// instance may keep pointers into it), calls create (`create` gets the
/// factory, the options, the out pointer and a 1024-byte error buffer)
/// guarded like every plugin call, and checks the instance's size; a
/// failure says the plugin's own reason (`failure` words it, default
/// "<what> 'id' (file): reason"). The handle keeps its library loaded and
/// destroys the instance when it goes, also when a subclass's init throws.
public class PluginInstance<Raw>: @unchecked Sendable {
    public let descriptor: PluginDescriptorInfo
    let library: PluginLibrary
    public let raw: UnsafeMutablePointer<Raw>
    let options: COptions
    /// "evaluator", "cost model", ...: how messages name the kind.
    let what: String
    private let destroyLabel: PluginCall.Label
    private let destroy: (UnsafeMutablePointer<Raw>) -> Void

    init<F>(_ d: PluginDescriptorInfo, library: PluginLibrary, kind: PluginKind, what: String, options: [String: String],
            bounded: Bool = true, failure: ((String) -> String)? = nil, destroy: @escaping (UnsafeMutablePointer<Raw>) -> Void,
            create: (UnsafePointer<F>, UnsafePointer<hwnas_options>, UnsafeMutablePointer<UnsafeMutablePointer<Raw>?>,
                     UnsafeMutablePointer<CChar>) -> hwnas_status) throws {
        let factory = UnsafePointer(library.factory(kind)!.assumingMemoryBound(to: F.self))
        do { try checkOptions(options, d, what) } catch { throw HwnasError(failure?("\(error)") ?? "\(error)") }
        let cOptions = COptions(options)
        var out: UnsafeMutablePointer<Raw>?
        var err = [CChar](repeating: 0, count: 1024)
        let st = PluginCall.run(d.label(what, "create", bounded: bounded)) {
            err.withUnsafeMutableBufferPointer { create(factory, cOptions.raw, &out, $0.baseAddress!) }
        }
        guard st == HWNAS_OK, let instance = out else {
            let why = FactoryCall.errorText(err)
            throw HwnasError(failure?(why) ?? "\(what) '\(d.id)' (\(d.file)): \(why)")
        }
        // Too small: even its destroy pointer cannot be read (never destroyed).
        try checkInstanceSize(instance, what, d)
        descriptor = d; self.library = library; raw = instance; self.options = cOptions; self.what = what
        destroyLabel = d.label(what, "destroy"); self.destroy = destroy
    }

    deinit { PluginCall.run(destroyLabel) { destroy(raw) } }

    var nullPointers: HwnasError { HwnasError("\(what) '\(descriptor.id)' (\(descriptor.file)): instance has NULL function pointers") }
}

/// The metric names an instance reports (count, then name(i)); "metric<i>" for a NULL or non-UTF-8 one.
func metricNames<I>(_ raw: UnsafeMutablePointer<I>, _ label: PluginCall.Label, count: (UnsafeMutablePointer<I>) -> UInt32,
                    name: (UnsafeMutablePointer<I>, UInt32) -> UnsafePointer<CChar>?) -> [String] {
    let n = PluginCall.run(label) { count(raw) }
    return (0..<n).map { i in name(raw, i).flatMap { String(validatingCString: $0) } ?? "metric\(i)" }
}

/// Throws when an instance a plugin returned is smaller than the struct the
/// host reads (a plugin built against an older or broken header).
func checkInstanceSize<T>(_ p: UnsafePointer<T>, _ what: String, _ d: PluginDescriptorInfo) throws {
    let size = UnsafeRawPointer(p).load(as: UInt32.self)
    let minimum = minimumInstanceSize(T.self)
    guard Int(size) >= minimum else {
        throw HwnasError("\(what) '\(d.id)' (\(d.file)): instance struct_size \(size) is smaller than \(minimum)")
    }
}

/// The smallest instance the host reads: the whole struct, except where a
/// later minor appended optional fields (read only after HWNAS_HAS_FIELD).
func minimumInstanceSize<T>(_: T.Type) -> Int {
    if T.self == hwnas_evaluator.self {          // 1.2 appended capabilities
        return MemoryLayout<hwnas_evaluator>.offset(of: \hwnas_evaluator.capabilities)!
    }
    return MemoryLayout<T>.size
}

/// HWNAS_HAS_FIELD for the host: a struct of `structSize` bytes contains `field`.
func hostHasField<T, V>(_ structSize: UInt32, _ field: KeyPath<T, V>) -> Bool {
    guard let off = MemoryLayout<T>.offset(of: field) else { return false }
    return Int(structSize) >= off + MemoryLayout<V>.size
}

/// Refuses options a plugin does not declare, values of the wrong type or
/// range, and missing required ones, before create() runs (plugins that
/// declare nothing, 1.0 ones, get their options unchecked).
public func checkOptions(_ values: [String: String], _ d: PluginDescriptorInfo, _ what: String) throws {
    guard let specs = d.options else { return }
    if let first = OptionCheck.problems(values, specs, owner: "\(what) '\(d.id)'").first { throw HwnasError(first) }
}
