// A search-space file (search-spaces/NAME.yaml): the keys the host reads
// (name, description, plugin, operator_set, lut_features) and the rest,
// which belong to the plugin. The plugin gets `file` (this file's path) and
// the file's other scalar keys as options.
import Foundation
import HwnasYAML

public struct SpaceFile: Sendable {
    public let path: String
    public let name: String
    public let description: String
    public let plugin: String
    public let operatorSet: String?
    public let lutFeatures: String?
    /// Options for the plugin: file plus the other top-level scalars.
    public let options: [String: String]

    public init(path: String, name: String, description: String, plugin: String, operatorSet: String?,
                lutFeatures: String?, options: [String: String]) {
        self.path = path; self.name = name; self.description = description; self.plugin = plugin
        self.operatorSet = operatorSet; self.lutFeatures = lutFeatures; self.options = options
    }

    static let hostKeys: Set<String> = ["name", "description", "plugin", "operator_set", "lut_features"]

    public static func read(path: String) throws -> SpaceFile {
        let text: String
        do { text = try SafeYAML.text(path: path) } catch { throw HwnasError("\(error)") }
        let node: Any?
        do { node = try SafeYAML.load(text, path: path) } catch { throw HwnasError("\(error)") }
        guard let y = node as? [String: Any] else { throw HwnasError("\(path): expected a mapping at the top level") }
        func string(_ key: String, required: Bool) throws -> String? {
            guard let v = y[key] else {
                if required { throw HwnasError("\(path): missing '\(key)'") }
                return nil
            }
            guard let s = v as? String, !s.isEmpty else { throw HwnasError("\(path): '\(key)' must be a non-empty string") }
            return s
        }
        let name = try string("name", required: true)!
        guard let plugin = try string("plugin", required: false) else {
            throw HwnasError("\(path): missing 'plugin' (the id of the search-space plugin that reads this file; `hwnas plugins list` shows them)")
        }
        var options = ["file": (path as NSString).standardizingPath]
        for (k, v) in y where !hostKeys.contains(k) && !(v is [Any]) && !(v is [String: Any]) {
            options[k] = "\(v)"
        }
        return SpaceFile(path: path, name: name, description: try string("description", required: false) ?? "",
                         plugin: plugin, operatorSet: try string("operator_set", required: false),
                         lutFeatures: try string("lut_features", required: false), options: options)
    }
}
