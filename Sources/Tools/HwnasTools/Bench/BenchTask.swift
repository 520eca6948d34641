// A benchmark task: a search space, a hardware profile, an evaluator (with
// its options) and hard constraints. Read from a YAML task file, where
// `space` and `evaluator` may be given once at the top for every task:
//
//   space: nb201
//   evaluator: table
//   tasks:
//     - name: c10-raspi4-20ms
//       profile: raspi4
//       evaluator_options: {file: ../shared/benchmarks/nb201/nb201_hw.csv, column: cifar10_acc}
//       constraints: ["latency_ms<=20"]
//
// Relative `file` options, and profiles given as a relative path (a .yaml
// file or a name with a '/'), are resolved against the task file's folder.
import HwnasCore
import Foundation
import HwnasYAML

public struct BenchTask: Sendable {
    public var name: String
    public var space: String
    public var profile: String
    public var evaluator: String
    public var evaluatorOptions: [String: String]
    public var constraints: [Constraint]

    public init(name: String, space: String, profile: String, evaluator: String,
                evaluatorOptions: [String: String], constraints: [Constraint]) {
        self.name = name; self.space = space; self.profile = profile; self.evaluator = evaluator
        self.evaluatorOptions = evaluatorOptions; self.constraints = constraints
    }

    public static func load(_ path: String) throws -> [BenchTask] {
        let text: String
        do { text = try SafeYAML.text(path: path) } catch { throw HwnasError("\(error)") }
        return try parse(text, baseDirectory: (path as NSString).deletingLastPathComponent, source: path)
    }

    public static func parse(_ text: String, baseDirectory: String, source: String = "<tasks>") throws -> [BenchTask] {
        let doc: Any?
        do { doc = try SafeYAML.load(text, path: source) } catch { throw HwnasError("\(error)") }
        guard let root = doc as? [String: Any], let list = root["tasks"] as? [Any] else {
            throw HwnasError("\(source): expected a top-level 'tasks:' list")
        }
        var names = Set<String>()
        return try list.enumerated().map { i, item in
            guard let t = item as? [String: Any] else { throw HwnasError("\(source): task \(i + 1) is not a mapping") }
            func string(_ key: String, fileWide: Bool = false) throws -> String {
                if let v = t[key] { return "\(v)" }
                if fileWide, let v = root[key] { return "\(v)" }
                throw HwnasError("\(source): task \(i + 1) lacks '\(key)'\(fileWide ? " (give it per task or once at the top of the file)" : "")")
            }
            let name = try string("name")
            guard names.insert(name).inserted else { throw HwnasError("\(source): task name '\(name)' appears twice") }
            var options: [String: String] = [:]
            for (k, v) in (t["evaluator_options"] as? [String: Any]) ?? [:] { options[k] = "\(v)" }
            func resolved(_ f: String) -> String {
                f.hasPrefix("/") ? f : ((baseDirectory as NSString).appendingPathComponent(f) as NSString).standardizingPath
            }
            if let f = options["file"] { options["file"] = resolved(f) }
            var profile = try string("profile")
            if Locations.namesYAMLFile(profile) { profile = resolved(profile) }
            let constraints = try ((t["constraints"] as? [Any]) ?? []).map { try Constraint(parsing: "\($0)") }
            return BenchTask(name: name, space: try string("space", fileWide: true), profile: profile,
                             evaluator: try string("evaluator", fileWide: true), evaluatorOptions: options,
                             constraints: constraints)
        }
    }
}
