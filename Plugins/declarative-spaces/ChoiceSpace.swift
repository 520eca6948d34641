// Search space "choices": named dims with named choices and nothing else,
// for problems whose evaluator and cost models need no network (a table of
// measurements, a trainer that builds its own model). File keys: dims (a
// list of names), choices (one list for every dim) or choices_per_dim (a
// list per dim), separator (default ","). Canonical string: the choice names
// joined by the separator.
import Foundation
import HwnasPluginSupport
import HwnasYAML

final class ChoiceSpace: SearchSpaceDefinition, @unchecked Sendable {
    let format: ChoiceListFormat
    let name: String
    let operatorSet: String? = nil
    var dimNames: [String] { format.dimNames }
    var choiceNames: [[String]] { format.choiceNames }

    static let keys: Set<String> = ["name", "description", "plugin", "operator_set", "lut_features", HardwareDims.option, "dims", "choices",
                                    "choices_per_dim", "separator"]

    init(options: PluginOptions) throws {
        let file = try options.require("file")
        let text: String
        do { text = try SafeYAML.text(path: file) } catch { throw PluginError("\(error)") }
        let doc: Any?
        do { doc = try SafeYAML.load(text, path: file) } catch { throw PluginError("\(error)") }
        let root = try YAMLNode(value: doc ?? [:] as [String: Any], path: "", file: file).mapping(allowed: Self.keys)
        let extra = options.values.keys.filter { !Self.keys.contains($0) && $0 != "file" }.sorted()
        if !extra.isEmpty { throw PluginError("choices: unknown option(s) \(extra.joined(separator: ", ")) (this space takes none)") }
        name = try root.child("name")?.string() ?? "choices"
        guard let dimNode = root.child("dims") else { throw root.fail("missing 'dims' (a list of dimension names)") }
        let dims = try dimNode.list().map { "\($0.value)" }
        let choices: [[String]]
        if let shared = root.child("choices") {
            choices = Array(repeating: try shared.list().map { "\($0.value)" }, count: dims.count)
        } else if let per = root.child("choices_per_dim") {
            choices = try per.list().map { try $0.list().map { "\($0.value)" } }
        } else { throw root.fail("missing 'choices' (one list for all dims) or 'choices_per_dim'") }
        format = try ChoiceListFormat(dimNames: dims, choiceNames: choices, separator: try root.child("separator")?.string() ?? ",",
                                      source: file)
    }

    func format(_ g: UnsafeBufferPointer<Int32>) -> String { format.format(g) }
    func parse(_ text: String) throws -> [Int32] { try format.parse(text, spaceName: name) }
}
