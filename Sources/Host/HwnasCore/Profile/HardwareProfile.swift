// A hardware profile: a YAML file naming the cost-model plugins that price a
// candidate on one device, and their options. Any top-level mapping with a
// `model:` key is a cost-model section, e.g.
//
//   name: raspi4
//   latency:
//     model: table
//     file: ../shared/benchmarks/nb201/nb201_hw.csv   # relative to this file
//     column: raspi4_ms
import Foundation
import HwnasYAML

public struct HardwareProfile: Sendable {
    public struct Section: Sendable {
        public let name: String
        public let model: String
        public let options: [String: String]
    }
    public struct InputShape: Sendable, Equatable {
        public var channels: Int, height: Int, width: Int
        public init(channels: Int, height: Int, width: Int) { self.channels = channels; self.height = height; self.width = width }
    }

    public let name: String
    public let description: String
    public let path: String
    public let sections: [Section]
    public let input: InputShape?
    public let provenance: [String: String]

    /// Keys that are never cost-model sections.
    static let reserved: Set<String> = ["name", "description", "provenance", "input", "device", "notes"]

    public static func parse(yaml text: String, path: String) throws -> HardwareProfile {
        let node: Any?
        do { node = try SafeYAML.load(text, path: path) } catch { throw HwnasError("\(error)") }
        guard let y = node as? [String: Any] else { throw HwnasError("\(path): expected a mapping at the top level") }
        guard let name = y["name"] as? String, !name.isEmpty else { throw HwnasError("\(path): missing 'name'") }
        let dir = (path as NSString).deletingLastPathComponent
        var sections: [Section] = []
        for key in y.keys.sorted() where !reserved.contains(key) {
            guard let m = y[key] as? [String: Any] else {
                throw HwnasError("\(path): '\(key)' must be a mapping with a 'model' key (a cost-model section)")
            }
            guard let model = m["model"] as? String, !model.isEmpty else {
                throw HwnasError("\(path): section '\(key)' has no 'model' (the cost model plugin id)")
            }
            var opts: [String: String] = [:]
            for (k, v) in m where k != "model" {
                if v is [Any] || v is [String: Any] { throw HwnasError("\(path): \(key).\(k) must be a scalar") }
                var s = "\(v)"
                if (k == "file" || k.hasSuffix("_file")) && !s.hasPrefix("/") { s = (dir as NSString).appendingPathComponent(s) }
                opts[k] = s
            }
            sections.append(Section(name: key, model: model, options: opts))
        }
        if sections.isEmpty { throw HwnasError("\(path): no cost-model section (a mapping with a 'model' key)") }
        var input: InputShape?
        if let i = y["input"] {
            guard let m = i as? [String: Any], let c = m["channels"] as? Int, let h = m["height"] as? Int, let w = m["width"] as? Int,
                  c > 0, h > 0, w > 0 else {
                throw HwnasError("\(path): 'input' must be {channels, height, width} with positive integers")
            }
            input = InputShape(channels: c, height: h, width: w)
        }
        var prov: [String: String] = [:]
        if let p = y["provenance"] as? [String: Any] { for (k, v) in p { prov[k] = "\(v)" } }
        return HardwareProfile(name: name, description: (y["description"] as? String) ?? "", path: path,
                               sections: sections, input: input, provenance: prov)
    }

    public static func read(path: String) throws -> HardwareProfile {
        let text: String
        do { text = try SafeYAML.text(path: path) } catch { throw HwnasError("\(error)") }
        return try parse(yaml: text, path: path)
    }

    /// Every profile file in the hardware-profiles folders (the first of a
    /// name wins; `shadowed` are the later ones it hides), with load errors.
    public static func discover(home: String? = nil) -> (profiles: [HardwareProfile], shadowed: [HardwareProfile], problems: [String]) {
        var out: [HardwareProfile] = [], hidden: [HardwareProfile] = [], problems: [String] = [], names = Set<String>()
        for p in Locations.yamlFiles(in: "hardware-profiles", home: home) {
            do {
                let prof = try read(path: p)
                if names.insert(prof.name).inserted { out.append(prof) } else { hidden.append(prof) }
            } catch { problems.append("\(error)") }
        }
        return (out, hidden, problems)
    }

    /// Finds a profile by path, file stem or `name:` (in `home`'s
    /// hardware-profiles/ first when given, else HWNAS_HOME's).
    public static func load(_ nameOrPath: String, home: String? = nil) throws -> HardwareProfile {
        if Locations.namesYAMLFile(nameOrPath) {
            return try read(path: nameOrPath)
        }
        if let p = Locations.yamlFile(nameOrPath, in: "hardware-profiles", home: home) { return try read(path: p) }
        let (all, _, bad) = discover(home: home)
        if let hit = all.first(where: { $0.name == nameOrPath }) { return hit }
        let known = all.map(\.name).joined(separator: ", ")
        throw HwnasError("unknown hardware profile '\(nameOrPath)' (known: \(known.isEmpty ? "none" : known))"
                         + (bad.isEmpty ? "" : "; unreadable: \(bad.joined(separator: "; "))"))
    }
}
