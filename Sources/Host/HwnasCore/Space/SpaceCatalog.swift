// Finds search spaces: a path to a space file, a name in a search-spaces/
// folder (current folder, HWNAS_HOME, the package), or the id of a
// search-space plugin used with its defaults.
import Foundation

public enum SpaceCatalog {
    /// Loads `nameOrPath` with `overrides` (e.g. --space-option) over the file's options.
    public static func load(_ nameOrPath: String, registry: PluginRegistry, overrides: [String: String] = [:],
                            home: String? = nil) throws -> SearchSpace {
        if Locations.namesYAMLFile(nameOrPath) {
            return try load(file: try SpaceFile.read(path: nameOrPath), registry: registry, overrides: overrides)
        }
        if let p = Locations.yamlFile(nameOrPath, in: "search-spaces", home: home) {
            return try load(file: try SpaceFile.read(path: p), registry: registry, overrides: overrides)
        }
        if registry.ids(of: .searchSpace).contains(nameOrPath) {
            let (d, lib) = try registry.lookup(.searchSpace, nameOrPath)
            return try load(plugin: d, library: lib, options: overrides, source: "plugin \(d.id) (\(d.file))")
        }
        let known = (discover(home: home).files.map(\.name) + registry.ids(of: .searchSpace)).uniqued()
        throw HwnasError("unknown search space '\(nameOrPath)' (known: \(known.isEmpty ? "none" : known.joined(separator: ", ")); or give a .yaml path)")
    }

    /// A space plugin with `options`, named by its id; `source` says where it came from in messages.
    public static func load(plugin d: PluginDescriptorInfo, library lib: PluginLibrary, options: [String: String],
                            source: String) throws -> SearchSpace {
        let loaded = try LoadedSpace(d, library: lib, options: options, source: "space plugin '\(d.id)'")
        return try SearchSpace(name: d.id, description: d.description, source: source,
                               loaded: loaded, operatorSetID: loaded.operatorSet, options: options, lutFeatures: nil)
    }

    public static func load(file f: SpaceFile, registry: PluginRegistry, overrides: [String: String] = [:]) throws -> SearchSpace {
        let (d, lib): (PluginDescriptorInfo, PluginLibrary)
        do { (d, lib) = try registry.lookup(.searchSpace, f.plugin) } catch { throw HwnasError("\(f.path): \(error)") }
        let options = f.options.merging(overrides) { _, new in new }
        let loaded = try LoadedSpace(d, library: lib, options: options, source: f.path)
        return try SearchSpace(name: f.name, description: f.description, source: f.path, loaded: loaded,
                               operatorSetID: f.operatorSet ?? loaded.operatorSet, options: options, lutFeatures: f.lutFeatures)
    }

    /// Every space file in the search-spaces folders (the first of a name wins), with read errors.
    public static func discover(home: String? = nil) -> (files: [SpaceFile], problems: [String]) {
        var out: [SpaceFile] = [], problems: [String] = [], names = Set<String>()
        for p in Locations.yamlFiles(in: "search-spaces", home: home) {
            do {
                let s = try SpaceFile.read(path: p)
                if names.insert(s.name).inserted { out.append(s) }
            } catch { problems.append("\(error)") }
        }
        return (out, problems)
    }
}

extension Array where Element: Hashable {
    func uniqued() -> [Element] { var seen = Set<Element>(); return filter { seen.insert($0).inserted } }
}
