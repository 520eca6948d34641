// Loads YAML the way every hwnas file is read (profiles, space files, task
// files, block spaces): bounded. A file over 4 MB, or a document whose
// aliases expand past 100,000 nodes (the "billion laughs" file grows to
// gigabytes when expanded), is refused before anything is built from it.
import Foundation
import Yams

public enum SafeYAML {
    public static let maxBytes = 4 << 20
    public static let maxNodes = 100_000

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// A YAML file's text, refusing one over the size limit before reading
    /// it, and one that is not UTF-8.
    public static func text(path: String) throws -> String {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { throw Failure(description: "\(path): no such file") }
        guard !isDir.boolValue else { throw Failure(description: "\(path): is a folder, not a YAML file") }
        if let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.intValue, size > maxBytes {
            throw Failure(description: "\(path): larger than \(maxBytes >> 20) MB; hwnas reads no YAML file that large")
        }
        guard let data = FileManager.default.contents(atPath: path) else { throw Failure(description: "\(path): cannot read file") }
        guard let text = String(data: data, encoding: .utf8) else { throw Failure(description: "\(path): not UTF-8 text") }
        return text
    }

    /// The document as Yams.load returns it (nil for an empty one).
    public static func load(_ text: String, path: String) throws -> Any? {
        guard text.utf8.count <= maxBytes else {
            throw Failure(description: "\(path): larger than \(maxBytes >> 20) MB; hwnas reads no YAML file that large")
        }
        let node: Node?
        do { node = try Yams.compose(yaml: text) } catch { throw Failure(description: "\(path): invalid YAML: \(oneLine(error))") }
        guard let node else { return nil }
        // Aliases are shared when composed, expanded when loaded: count what
        // loading would build, and stop counting at the limit.
        var count = 0
        func visit(_ n: Node) -> Bool {
            count += 1
            if count > maxNodes { return false }
            switch n {
            case .mapping(let m): for (k, v) in m { if !visit(k) || !visit(v) { return false } }
            case .sequence(let s): for x in s { if !visit(x) { return false } }
            default: break
            }
            return true
        }
        guard visit(node) else {
            throw Failure(description: "\(path): the document expands to more than \(maxNodes) values (aliases repeating aliases?); refused")
        }
        // What Yams.load would return, from the tree already parsed.
        return node.any
    }

    /// Yams errors print over several lines; keep one.
    public static func oneLine(_ error: Error) -> String {
        "\(error)".split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.prefix(2).joined(separator: " ")
    }
}

