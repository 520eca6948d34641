// Typed reading of a parsed YAML document with errors that name the file,
// the key path and the reason, and reject keys nobody reads (a typo must
// not become a silent default).
import HwnasPluginSupport

struct YAMLNode {
    let value: Any
    let path: String      // "stages[2].kernel"
    let file: String

    func fail(_ why: String) -> PluginError { PluginError("\(file): \(path.isEmpty ? "top level" : path): \(why)") }

    func child(_ key: String) -> YAMLNode? {
        guard let m = value as? [String: Any], let v = m[key] else { return nil }
        return YAMLNode(value: v, path: path.isEmpty ? key : "\(path).\(key)", file: file)
    }

    func mapping(allowed: Set<String>) throws -> YAMLNode {
        guard let m = value as? [String: Any] else { throw fail("expected a mapping") }
        // A file none of whose top-level keys is a space file's is some
        // other file (a typo in --space-option file=...): say so without
        // quoting it, since its keys may be anything (a password file's lines).
        if path.isEmpty && !m.isEmpty && m.keys.allSatisfy({ !allowed.contains($0) }) {
            throw PluginError("\(file): not a space file: none of its \(m.count) top-level key(s) is one of \(allowed.sorted().joined(separator: ", "))")
        }
        let unknown = m.keys.filter { !allowed.contains($0) }.sorted()
        if let k = unknown.first {
            let shown = Self.printable(k)
            throw YAMLNode(value: m[k]!, path: path.isEmpty ? shown : "\(path).\(shown)", file: file)
                .fail("unknown key (known here: \(allowed.sorted().joined(separator: ", ")))")
        }
        return self
    }

    /// A key as it may be printed: control characters escaped, at most 60
    /// characters, so a message stays one readable line.
    static func printable(_ s: String) -> String {
        var out = ""
        for u in s.unicodeScalars {
            if out.count >= 60 { return out + "..." }
            out += u.value < 0x20 || u.value == 0x7f ? "\\u{\(String(u.value, radix: 16))}" : String(u)
        }
        return out
    }

    func list() throws -> [YAMLNode] {
        guard let a = value as? [Any] else { throw fail("expected a list") }
        return a.enumerated().map { YAMLNode(value: $0.element, path: "\(path)[\($0.offset)]", file: file) }
    }

    func int(min: Int = Int.min, max: Int = Int.max) throws -> Int {
        guard let v = value as? Int, !(value is Bool) else { throw fail("expected an integer, got '\(Self.printable("\(value)"))'") }
        guard v >= min else { throw fail("must be at least \(min), got \(v)") }
        guard v <= max else { throw fail("must be at most \(max), got \(v)") }
        return v
    }

    func double() throws -> Double {
        if let v = value as? Int, !(value is Bool) { return Double(v) }
        guard let v = value as? Double, v.isFinite else { throw fail("expected a number, got '\(value)'") }
        return v
    }

    func bool() throws -> Bool {
        guard let v = value as? Bool else { throw fail("expected true or false, got '\(value)'") }
        return v
    }

    func string() throws -> String {
        guard let v = value as? String else { throw fail("expected a string, got '\(value)'") }
        return v
    }

    /// A value or a list of values: the list makes a searchable dim. Values
    /// must be distinct (two equal choices would name one network twice).
    func choices<T: Hashable>(_ read: (YAMLNode) throws -> T) throws -> [T] {
        let items = value is [Any] ? try list() : [self]
        guard !items.isEmpty else { throw fail("an empty list has no choice") }
        var seen = Set<T>(), out: [T] = []
        for it in items {
            let v = try read(it)
            guard seen.insert(v).inserted else { throw it.fail("\(v) is listed twice") }
            out.append(v)
        }
        return out
    }
}
