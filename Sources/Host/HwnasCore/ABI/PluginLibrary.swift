// One loaded plugin library: dlopen, the entry function, version checks and
// the factories it offers. Every failure becomes a PluginLoadError naming the
// file; nothing here traps on bad plugin data.
import CHwnasABI
import Foundation
import HwnasOptionSpecs
#if canImport(Glibc)
import Glibc
#endif

public final class PluginLibrary: @unchecked Sendable {
    public let path: String
    public let entry: UnsafePointer<hwnas_plugin_entry>
    public let abiVersion: hwnas_version
    private let deinitFn: @convention(c) () -> Void
    public private(set) var descriptors: [PluginDescriptorInfo] = []
    private var factories: [PluginKind: UnsafeRawPointer] = [:]

    /// Loads and validates `path`. Libraries are never dlclose'd (Swift code
    /// cannot be unloaded safely); the entry's deinit runs when the last
    /// instance made from the library and the registry holding it are gone
    /// (every instance keeps its library alive).
    /// dlopen looks a bare name up in the system's library folders: a user
    /// who names libx.so means the file here.
    public static func resolvedPath(_ given: String) -> String { given.contains("/") ? given : "./" + given }

    public init(path given: String) throws {
        let path = Self.resolvedPath(given)
        self.path = path
        func fail(_ reason: String) -> PluginLoadError { PluginLoadError(file: path, reason: reason) }
        guard FileManager.default.fileExists(atPath: path) else { throw fail("no such file") }
        let name = "library \((path as NSString).lastPathComponent)"
        guard let handle = PluginCall.run(PluginCall.Label(name, "load (dlopen)"), { dlopen(path, RTLD_NOW | RTLD_LOCAL) }) else {
            let text = dlerror().map { String(cString: $0) } ?? "unknown dlopen error"
            // dlerror repeats the path; keep just the reason.
            let reason = text.replacingOccurrences(of: "\(path): ", with: "")
            throw fail("cannot load shared object: \(reason)")
        }
        guard let sym = dlsym(handle, HWNAS_ENTRY_SYMBOL) else {
            throw fail("no entry function '\(HWNAS_ENTRY_SYMBOL)' (not an hwnas plugin)")
        }
        // Calling an address that holds data (a variable exported under the
        // entry's name) would jump into it.
        guard Self.isExecutable(sym) else {
            throw fail("'\(HWNAS_ENTRY_SYMBOL)' is not a function (exported as data?): declare it as HWNAS_EXPORT const hwnas_plugin_entry *\(HWNAS_ENTRY_SYMBOL)(void)")
        }
        typealias EntryFn = @convention(c) () -> UnsafePointer<hwnas_plugin_entry>?
        guard let e = PluginCall.run(PluginCall.Label(name, HWNAS_ENTRY_SYMBOL), { unsafeBitCast(sym, to: EntryFn.self)() }) else {
            throw fail("entry function returned NULL")
        }
        let minimumSize = MemoryLayout<hwnas_plugin_entry>.offset(of: \hwnas_plugin_entry.get_factory)! + 8
        guard Int(e.pointee.struct_size) >= minimumSize else {
            throw fail("entry struct_size \(e.pointee.struct_size) is smaller than the v1 minimum \(minimumSize)")
        }
        let v = e.pointee.abi_version
        guard v.major == HWNAS_ABI_VERSION_MAJOR else {
            throw fail("ABI major version mismatch: plugin built for \(v.major).\(v.minor), host speaks \(HWNAS_ABI_VERSION_MAJOR).\(HWNAS_ABI_VERSION_MINOR)")
        }
        // A newer minor loads too: structs only grow, and every struct the
        // host reads is checked against the size the host needs from it.
        guard let initFn = e.pointee.`init`, let deinitFn = e.pointee.deinit, let getFactory = e.pointee.get_factory else {
            throw fail("entry has a NULL init, deinit or get_factory function pointer")
        }
        let st = PluginCall.run(PluginCall.Label(name, "init")) { initFn(HostInterface.shared) }
        guard st == HWNAS_OK else { throw fail("init() failed with status \(st)") }
        entry = e
        abiVersion = v
        self.deinitFn = deinitFn
        let abi = "\(v.major).\(v.minor)"

        // An unknown id must give NULL; a plugin that answers anything is broken.
        if getFactory("hwnas.no-such-factory/0") != nil {
            throw fail("get_factory returned non-NULL for an unknown factory id")
        }
        do {
            for kind in PluginKind.allCases {
                guard let f = getFactory(kind.factoryID) else { continue }
                let list = try Self.readDescriptors(kind: kind, factory: f, file: path, abi: abi, minor: v.minor)
                factories[kind] = f
                descriptors += list
            }
            if descriptors.isEmpty { throw fail("offers no factory of any known kind (ABI \(abi))") }
        } catch {
            deinitFn()
            throw error
        }
    }

    deinit { deinitFn() }

    public func factory(_ kind: PluginKind) -> UnsafeRawPointer? { factories[kind] }

    /// True when `address` lies in an executable mapping of this process.
    static func isExecutable(_ address: UnsafeMutableRawPointer) -> Bool {
        let a = UInt(bitPattern: address)
        // /proc files report size 0: read them as a stream.
        guard let f = fopen("/proc/self/maps", "r") else { return true }
        defer { fclose(f) }
        var line = [CChar](repeating: 0, count: 4096)
        while fgets(&line, Int32(line.count), f) != nil {
            let text = String(cString: line)
            let fields = text.split(separator: " ", maxSplits: 2)
            guard fields.count >= 2 else { continue }
            let r = fields[0].split(separator: "-")
            guard r.count == 2, let lo = UInt(r[0], radix: 16), let hi = UInt(r[1], radix: 16), a >= lo, a < hi else { continue }
            return fields[1].contains("x")
        }
        return false
    }

    /// The declared options of a 1.1 descriptor (nil: none declared).
    static func optionSpecs(_ d: UnsafePointer<hwnas_descriptor>, fail: (String) -> PluginLoadError) throws -> [OptionSpec]? {
        guard Int(d.pointee.struct_size) >= MemoryLayout<hwnas_descriptor>.size, let base = d.pointee.options else { return nil }
        let n = Int(d.pointee.option_count), size = Int(d.pointee.option_spec_size)
        guard n <= 1024 else { throw fail("implausible option_count \(n)") }
        let minimum = MemoryLayout<hwnas_option_spec>.size
        guard n == 0 || size >= minimum else { throw fail("option_spec_size \(size) is smaller than \(minimum)") }
        var specs: [OptionSpec] = [], keys = Set<String>()
        for i in 0..<n {
            let o = UnsafeRawPointer(base).advanced(by: i * size).assumingMemoryBound(to: hwnas_option_spec.self).pointee
            guard let key = string(o.key), !key.isEmpty else { throw fail("option \(i) has an empty, NULL or non-UTF-8 key") }
            guard keys.insert(key).inserted else { throw fail("option '\(key)' is declared twice") }
            guard let kind = OptionSpec.Kind(rawValue: o.type) else { throw fail("option '\(key)' has unknown type \(o.type)") }
            specs.append(OptionSpec(key: key, kind: kind, defaultValue: string(o.default_value), help: string(o.help) ?? "",
                                    choices: string(o.choices).map { $0.split(separator: "|").map(String.init) },
                                    min: o.min.isNaN ? nil : o.min, max: o.max.isNaN ? nil : o.max,
                                    required: o.flags & HWNAS_OPTION_REQUIRED != 0, execution: o.flags & HWNAS_OPTION_EXECUTION != 0))
        }
        return specs
    }

    static func string(_ p: UnsafePointer<CChar>?) -> String? {
        guard let p else { return nil }
        return String(validatingCString: p)
    }

    /// The factory structs share their first fields (size, count,
    /// descriptor); read them per kind with the right type.
    static func readDescriptors(kind: PluginKind, factory f: UnsafeRawPointer, file: String, abi: String,
                                minor: UInt32) throws -> [PluginDescriptorInfo] {
        func fail(_ r: String) -> PluginLoadError { PluginLoadError(file: file, reason: "\(kind.rawValue) factory: \(r)") }
        // Every factory starts with struct_size, then count, descriptor and
        // create (32 bytes): check the size before reading a pointer.
        let size = f.load(as: UInt32.self)
        guard size >= 32 else { throw fail("struct_size \(size) smaller than the minimum 32") }
        let count: UInt32
        var get: (UInt32) -> UnsafePointer<hwnas_descriptor>?
        switch kind {
        case .strategy:
            let p = f.assumingMemoryBound(to: hwnas_strategy_factory.self)
            guard let c = p.pointee.count, let d = p.pointee.descriptor, p.pointee.create != nil else { throw fail("NULL function pointer") }
            count = c(p); get = { d(p, $0) }
        case .costModel:
            let p = f.assumingMemoryBound(to: hwnas_cost_model_factory.self)
            guard let c = p.pointee.count, let d = p.pointee.descriptor, p.pointee.create != nil else { throw fail("NULL function pointer") }
            count = c(p); get = { d(p, $0) }
        case .operatorSet:
            let p = f.assumingMemoryBound(to: hwnas_operator_set_factory.self)
            guard let c = p.pointee.count, let d = p.pointee.descriptor, p.pointee.create != nil else { throw fail("NULL function pointer") }
            count = c(p); get = { d(p, $0) }
        case .evaluator:
            let p = f.assumingMemoryBound(to: hwnas_evaluator_factory.self)
            guard let c = p.pointee.count, let d = p.pointee.descriptor, p.pointee.create != nil else { throw fail("NULL function pointer") }
            count = c(p); get = { d(p, $0) }
        case .searchSpace:
            let p = f.assumingMemoryBound(to: hwnas_search_space_factory.self)
            guard let c = p.pointee.count, let d = p.pointee.descriptor, p.pointee.create != nil else { throw fail("NULL function pointer") }
            count = c(p); get = { d(p, $0) }
        }
        guard count <= 1024 else { throw fail("implausible descriptor count \(count)") }
        var out: [PluginDescriptorInfo] = []
        for i in 0..<count {
            guard let d = get(i) else { throw fail("descriptor \(i) is NULL") }
            let size10 = UInt32(MemoryLayout<hwnas_descriptor>.offset(of: \hwnas_descriptor.options)!)
            guard d.pointee.struct_size >= size10 else {
                throw fail("descriptor \(i) struct_size \(d.pointee.struct_size) is smaller than the 1.0 size \(size10)")
            }
            guard let id = string(d.pointee.id), !id.isEmpty else { throw fail("descriptor \(i) has an empty, NULL or non-UTF-8 id") }
            guard id.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
                throw fail("descriptor id '\(id)' has characters other than letters, digits, '-', '_', '.'")
            }
            out.append(PluginDescriptorInfo(kind: kind, id: id, name: string(d.pointee.name) ?? id,
                                            vendor: string(d.pointee.vendor) ?? "", version: string(d.pointee.version) ?? "",
                                            description: string(d.pointee.description) ?? "", file: file, abiVersion: abi,
                                            abiMinor: minor, options: try optionSpecs(d, fail: { fail("descriptor '\(id)': \($0)") })))
        }
        if get(count) != nil { throw fail("descriptor(count) must return NULL") }
        return out
    }
}
