// Where hwnas finds its own files: built plugins next to the binary, and the
// project's hardware-profiles/ and search-spaces/ folders.
import Foundation

public enum Locations {
    /// The real directory of the running executable (or test bundle).
    public static var executableDirectory: String {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return ((exe as NSString).resolvingSymlinksInPath as NSString).deletingLastPathComponent
    }

    /// Candidate folders named `name`: the home (`home`, e.g. a host API
    /// session's, else HWNAS_HOME; ':'-separated folders, searched in
    /// order), the current directory, and every ancestor of the executable
    /// (finds the package root from .build/).
    public static func dataDirectories(named name: String, home: String? = nil) -> [String] {
        var roots: [String] = (home ?? ProcessInfo.processInfo.environment["HWNAS_HOME"] ?? "")
            .split(separator: ":").map(String.init)
        roots.append(FileManager.default.currentDirectoryPath)
        var dir = executableDirectory
        while dir != "/" && !dir.isEmpty {
            roots.append(dir)
            dir = (dir as NSString).deletingLastPathComponent
        }
        var seen = Set<String>(), out: [String] = []
        for r in roots {
            let p = (r as NSString).appendingPathComponent(name)
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: p, isDirectory: &isDir), isDir.boolValue, seen.insert(p).inserted {
                out.append(p)
            }
        }
        return out
    }

    /// True when a profile or space given as `nameOrPath` names a file (a
    /// path with a '/', or a .yaml / .yml name), not a name to look up.
    public static func namesYAMLFile(_ nameOrPath: String) -> Bool {
        nameOrPath.contains("/") || nameOrPath.hasSuffix(".yaml") || nameOrPath.hasSuffix(".yml")
    }

    /// The first `stem`.yaml / .yml in the `folder` folders, in search order.
    public static func yamlFile(_ stem: String, in folder: String, home: String? = nil) -> String? {
        dataDirectories(named: folder, home: home).lazy.flatMap { dir in ["yaml", "yml"].map { (dir as NSString).appendingPathComponent("\(stem).\($0)") } }
            .first { FileManager.default.fileExists(atPath: $0) }
    }

    /// The .yaml / .yml files of every `name` folder, in search order, each
    /// folder's sorted by file name (profiles, space files).
    public static func yamlFiles(in name: String, home: String? = nil) -> [String] {
        dataDirectories(named: name, home: home).flatMap { dir in
            ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [])
                .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
                .map { (dir as NSString).appendingPathComponent($0) }
        }
    }
}
