// A host API call's JSON configuration, read strictly: every key must be
// known, every value of its type, or the call fails naming the key.
import Foundation
import HwnasCore

struct ConfigObject {
    private let values: [String: Any]
    private let what: String

    /// `text` must be a JSON object whose keys are all in `known`.
    init(_ text: String, what: String, known: [String]) throws {
        guard let obj = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
            throw HwnasError("\(what): not a JSON object: \(text.prefix(200))")
        }
        for key in obj.keys.sorted() where !known.contains(key) {
            throw HwnasError("\(what): unknown key '\(key)' (known: \(known.joined(separator: ", ")))")
        }
        values = obj.filter { !($0.value is NSNull) }
        self.what = what
    }

    func string(_ key: String) throws -> String? {
        guard let v = values[key] else { return nil }
        guard let s = v as? String else { throw HwnasError("\(what): '\(key)' must be a string") }
        guard !s.contains("\0") else { throw HwnasError("\(what): '\(key)' contains a NUL byte") }
        return s
    }

    func required(_ key: String) throws -> String {
        guard let s = try string(key), !s.isEmpty else { throw HwnasError("\(what): '\(key)' is required") }
        return s
    }

    func strings(_ key: String) throws -> [String] {
        guard let v = values[key] else { return [] }
        guard let a = v as? [Any], a.allSatisfy({ $0 is String }) else { throw HwnasError("\(what): '\(key)' must be a list of strings") }
        return a as! [String]
    }

    /// An object of option values: strings, or numbers and booleans as their text.
    func options(_ key: String) throws -> [String: String] {
        guard let v = values[key] else { return [:] }
        guard let o = v as? [String: Any] else { throw HwnasError("\(what): '\(key)' must be an object of KEY: VALUE") }
        var out: [String: String] = [:]
        for (k, x) in o {
            switch x {
            case let s as String: out[k] = s
            case let n as NSNumber: out[k] = Self.isBool(n) ? (n.boolValue ? "true" : "false") : n.stringValue
            default: throw HwnasError("\(what): \(key) '\(k)' must be a string or a number")
            }
        }
        return out
    }

    /// An integer in `range` (a number with a fraction, a boolean or text is refused).
    func integer(_ key: String, in range: ClosedRange<Int64>) throws -> Int64? {
        guard let v = values[key] else { return nil }
        guard let n = v as? NSNumber, !Self.isBool(n), let i = Self.integral(n), range.contains(i) else {
            throw HwnasError("\(what): '\(key)' must be an integer in \(range.lowerBound)...\(range.upperBound), got \(v)")
        }
        return i
    }

    /// A seed: any unsigned 64-bit integer.
    func seed(_ key: String) throws -> UInt64? {
        guard let v = values[key] else { return nil }
        guard let n = v as? NSNumber, !Self.isBool(n), let u = UInt64(n.stringValue) else {
            throw HwnasError("\(what): '\(key)' must be an integer in 0...\(UInt64.max), got \(v)")
        }
        return u
    }

    /// One of an enum's raw values ("rounds", "async"), or an error listing them.
    func choice<E: RawRepresentable & CaseIterable>(_ key: String, of _: E.Type) throws -> E? where E.RawValue == String {
        guard let text = try string(key) else { return nil }
        guard let value = E(rawValue: text) else {
            throw HwnasError("\(what): '\(key)' must be \(E.allCases.map(\.rawValue).joined(separator: " or ")), got '\(text)'")
        }
        return value
    }

    /// A finite number.
    func number(_ key: String) throws -> Double? {
        guard let v = values[key] else { return nil }
        guard let n = v as? NSNumber, !Self.isBool(n), n.doubleValue.isFinite else {
            throw HwnasError("\(what): '\(key)' must be a number, got \(v)")
        }
        return n.doubleValue
    }

    func bool(_ key: String) throws -> Bool {
        guard let v = values[key] else { return false }
        guard let n = v as? NSNumber, Self.isBool(n) else { throw HwnasError("\(what): '\(key)' must be true or false") }
        return n.boolValue
    }

    /// JSON's true/false (Foundation reads them as NSNumbers of type char).
    static func isBool(_ n: NSNumber) -> Bool { String(cString: n.objCType) == "c" }

    /// The number as an integer when it is one exactly (1000 and 1e3 alike).
    static func integral(_ n: NSNumber) -> Int64? {
        let type = String(cString: n.objCType)
        if type == "d" || type == "f" {
            let d = n.doubleValue
            return d == d.rounded() ? Int64(exactly: d) : nil
        }
        return Int64(n.stringValue)
    }
}
