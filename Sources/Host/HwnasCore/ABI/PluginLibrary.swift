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
        guard PluginCall.isExecutable(sym) else {
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

    static func string(_ p: UnsafePointer<CChar>?) -> String? {
        guard let p else { return nil }
        return String(validatingCString: p)
    }

    /// Every factory struct starts with struct_size, reserved, count,
    /// descriptor and create (32 bytes; abi_layout_checks.c holds every kind
    /// to it): count and descriptor take the factory itself, so one C
    /// function type calls them whatever the kind.
    static func readDescriptors(kind: PluginKind, factory f: UnsafeRawPointer, file: String, abi: String,
                                minor: UInt32) throws -> [PluginDescriptorInfo] {
        func fail(_ r: String) -> PluginLoadError { PluginLoadError(file: file, reason: "\(kind.rawValue) factory: \(r)") }
        let size = f.load(as: UInt32.self)
        guard size >= 32 else { throw fail("struct_size \(size) smaller than the minimum 32") }
        typealias CountFn = @convention(c) (UnsafeRawPointer?) -> UInt32
        typealias DescriptorFn = @convention(c) (UnsafeRawPointer?, UInt32) -> UnsafePointer<hwnas_descriptor>?
        guard let countFn = f.load(fromByteOffset: 8, as: CountFn?.self), let descriptor = f.load(fromByteOffset: 16, as: DescriptorFn?.self),
              f.load(fromByteOffset: 24, as: UnsafeRawPointer?.self) != nil else { throw fail("NULL function pointer") }
        let count = countFn(f)
        guard count <= 1024 else { throw fail("implausible descriptor count \(count)") }
        var out: [PluginDescriptorInfo] = []
        for i in 0..<count {
            guard let d = descriptor(f, i) else { throw fail("descriptor \(i) is NULL") }
            let size10 = UInt32(MemoryLayout<hwnas_descriptor>.offset(of: \hwnas_descriptor.options)!)
            guard d.pointee.struct_size >= size10 else {
                throw fail("descriptor \(i) struct_size \(d.pointee.struct_size) is smaller than the 1.0 size \(size10)")
            }
            guard let id = string(d.pointee.id), !id.isEmpty else { throw fail("descriptor \(i) has an empty, NULL or non-UTF-8 id") }
            guard id.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
                throw fail("descriptor id '\(id)' has characters other than letters, digits, '-', '_', '.'")
            }
            let options: [OptionSpec]?
            do { options = try OptionSpec.declared(in: d) } catch { throw fail("descriptor '\(id)': \(error)") }
            out.append(PluginDescriptorInfo(kind: kind, id: id, name: string(d.pointee.name) ?? id,
                                            vendor: string(d.pointee.vendor) ?? "", version: string(d.pointee.version) ?? "",
                                            description: string(d.pointee.description) ?? "", file: file, abiVersion: abi,
                                            abiMinor: minor, options: options))
        }
        if descriptor(f, count) != nil { throw fail("descriptor(count) must return NULL") }
        return out
    }
}
