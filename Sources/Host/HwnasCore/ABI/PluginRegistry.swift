// Finds plugin libraries on the search path, loads each, and indexes what
// they offer by (kind, id). Bad libraries are reported and skipped: one bad
// file never stops the others from loading.
import CHwnasABI
import Foundation

public final class PluginRegistry: @unchecked Sendable {
    public private(set) var libraries: [PluginLibrary] = []
    public private(set) var problems: [PluginLoadError] = []
    private var index: [String: (PluginDescriptorInfo, PluginLibrary)] = [:]

    /// Search path: explicit directories or files first, then HWNAS_PLUGIN_PATH
    /// (colon-separated), then the folder of the built-in plugins: the one
    /// holding the hwnas binary (where `swift build` puts them), or `builtIn`
    /// (the host API library's folder; nil: none found).
    public static func searchPath(extra: [String], builtIn: String? = Locations.executableDirectory) -> [String] {
        var dirs = extra
        if let env = ProcessInfo.processInfo.environment["HWNAS_PLUGIN_PATH"] {
            dirs += env.split(separator: ":").map(String.init).filter { !$0.isEmpty }
        }
        if let builtIn { dirs.append(builtIn) }
        return dirs
    }

    /// Where it looked (an isolated plugin host loads from the same places).
    public let paths: [String]

    /// hwnas's own host API library (Sources/Host/HwnasHostAPI), built next to the
    /// plugins: a folder scan skips it (it is the host, not a plugin).
    public static let hostLibraryName = "libhwnas_host.so"

    public init(paths: [String]) {
        self.paths = paths
        var seenFiles = Set<String>()
        for entry in paths {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: entry, isDirectory: &isDir) else {
                problems.append(PluginLoadError(file: entry, reason: "plugin path does not exist"))
                continue
            }
            let files: [String]
            if isDir.boolValue {
                let names = (try? FileManager.default.contentsOfDirectory(atPath: entry)) ?? []
                files = names.filter { $0.hasSuffix(".so") && $0 != Self.hostLibraryName }.sorted()
                    .map { (entry as NSString).appendingPathComponent($0) }
            } else { files = [entry] }
            for f in files {
                let real = (f as NSString).resolvingSymlinksInPath
                guard seenFiles.insert(real).inserted else { continue }
                load(f)
            }
        }
    }

    private func load(_ file: String) {
        do {
            let lib = try PluginLibrary(path: file)
            libraries.append(lib)
            for d in lib.descriptors {
                let key = "\(d.kind.rawValue)/\(d.id)"
                if let (existing, _) = index[key] {
                    problems.append(PluginLoadError(file: file, reason: "duplicate \(d.kind.rawValue) id '\(d.id)' (already provided by \(existing.file)); ignored"))
                    continue
                }
                index[key] = (d, lib)
            }
        } catch let e as PluginLoadError {
            problems.append(e)
        } catch {
            problems.append(PluginLoadError(file: file, reason: "\(error)"))
        }
    }

    public var descriptors: [PluginDescriptorInfo] {
        index.values.map(\.0).sorted { ($0.kind.rawValue, $0.id) < ($1.kind.rawValue, $1.id) }
    }

    public func ids(of kind: PluginKind) -> [String] { descriptors.filter { $0.kind == kind }.map(\.id) }

    /// The library offering (kind, id), or an error listing what is available.
    public func lookup(_ kind: PluginKind, _ id: String) throws -> (PluginDescriptorInfo, PluginLibrary) {
        if let hit = index["\(kind.rawValue)/\(id)"] { return hit }
        let known = ids(of: kind)
        throw HwnasError("unknown \(kind.rawValue) '\(id)' (available: \(known.isEmpty ? "none found" : known.joined(separator: ", ")))")
    }
}
