// What a plugin says about one option it understands (the ABI's
// hwnas_option_spec as Swift values), and the checks the host and the
// plugin SDK both run on given values: one set of rules on both sides.

public struct OptionSpec: Sendable, Equatable {
    public enum Kind: Int32, Sendable, CustomStringConvertible {
        case string = 0, int = 1, double = 2, bool = 3, path = 4
        public var description: String {
            switch self {
            case .string: return "string"
            case .int: return "integer"
            case .double: return "number"
            case .bool: return "true/false"
            case .path: return "file"
            }
        }
    }

    public let key: String
    public let kind: Kind
    /// What the plugin uses when the option is absent (nil: none).
    public let defaultValue: String?
    public let help: String
    /// Allowed values of a string option (nil: any).
    public let choices: [String]?
    /// Inclusive bounds of a numeric option.
    public let min: Double?, max: Double?
    public let required: Bool
    /// How the plugin runs (threads, timeouts), not what it computes: a
    /// journal's fingerprint leaves it out.
    public let execution: Bool

    public init(key: String, kind: Kind, defaultValue: String? = nil, help: String, choices: [String]? = nil,
                min: Double? = nil, max: Double? = nil, required: Bool = false, execution: Bool = false) {
        self.key = key; self.kind = kind; self.defaultValue = defaultValue; self.help = help
        self.choices = choices; self.min = min; self.max = max; self.required = required; self.execution = execution
    }

    public static func int(_ key: String, _ value: Int?, _ range: ClosedRange<Int>? = nil, _ help: String) -> OptionSpec {
        OptionSpec(key: key, kind: .int, defaultValue: value.map(String.init), help: help,
                   min: range.map { Double($0.lowerBound) }, max: range.map { Double($0.upperBound) })
    }
    public static func double(_ key: String, _ value: Double?, _ range: ClosedRange<Double>? = nil, _ help: String) -> OptionSpec {
        OptionSpec(key: key, kind: .double, defaultValue: value.map { "\($0)" }, help: help, min: range?.lowerBound, max: range?.upperBound)
    }
    public static func string(_ key: String, _ value: String?, choices: [String]? = nil, _ help: String) -> OptionSpec {
        OptionSpec(key: key, kind: .string, defaultValue: value, help: help, choices: choices)
    }
    public static func bool(_ key: String, _ value: Bool, _ help: String) -> OptionSpec {
        OptionSpec(key: key, kind: .bool, defaultValue: value ? "true" : "false", help: help)
    }
    public static func path(_ key: String, required: Bool = true, _ help: String) -> OptionSpec {
        OptionSpec(key: key, kind: .path, help: help, required: required)
    }
    /// A required option of any kind.
    public func required(_ r: Bool = true) -> OptionSpec {
        OptionSpec(key: key, kind: kind, defaultValue: defaultValue, help: help, choices: choices, min: min, max: max, required: r,
                   execution: execution)
    }
    /// An option about how the plugin runs, not what it computes.
    public func execution(_ e: Bool = true) -> OptionSpec {
        OptionSpec(key: key, kind: kind, defaultValue: defaultValue, help: help, choices: choices, min: min, max: max,
                   required: required, execution: e)
    }

    /// Why `value` is not acceptable, or nil.
    public func problem(_ value: String) -> String? {
        switch kind {
        case .string, .path:
            if kind == .path && value.isEmpty { return "needs a file name" }
            if let choices, !choices.contains(value) { return "'\(value)' is not one of \(choices.joined(separator: ", "))" }
            return nil
        case .bool:
            return Self.bool(value) == nil ? "'\(value)' is not true/false (yes/no, on/off, 1/0)" : nil
        case .int:
            guard let v = Self.int(value) else { return "'\(value)' is not a decimal integer" }
            return range(Double(v), value)
        case .double:
            guard let v = Self.double(value) else { return "'\(value)' is not a finite decimal number" }
            return range(v, value)
        }
    }

    func range(_ v: Double, _ text: String) -> String? {
        if let min, v < min { return "\(text) is below \(Self.show(min))\(max.map { " (range \(Self.show(min))...\(Self.show($0)))" } ?? "")" }
        if let max, v > max { return "\(text) is above \(Self.show(max))\(min.map { " (range \(Self.show($0))...\(Self.show(max)))" } ?? "")" }
        return nil
    }

    static func show(_ v: Double) -> String { v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : "\(v)" }

    /// Strict readings: "0x10", " 5", "nan", "inf" are not numbers here.
    public static func int(_ s: String) -> Int? {
        guard !s.isEmpty, s.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "-" || $0 == "+") }) else { return nil }
        return Int(s)
    }
    public static func double(_ s: String) -> Double? {
        guard !s.isEmpty, s.allSatisfy({ $0.isASCII && ($0.isNumber || "+-.eE".contains($0)) }), let v = Double(s), v.isFinite else {
            return nil
        }
        return v
    }
    public static func bool(_ s: String) -> Bool? {
        switch s.lowercased() {
        case "true", "yes", "on", "1": return true
        case "false", "no", "off", "0": return false
        default: return nil
        }
    }
}

public enum OptionCheck {
    /// Every problem of `values` against `specs`, one line each, naming
    /// `owner` (e.g. "evaluator 'table'"): an unknown key (with the known
    /// ones), a bad value, a missing required option.
    public static func problems(_ values: [String: String], _ specs: [OptionSpec], owner: String) -> [String] {
        var out: [String] = []
        let byKey = Dictionary(specs.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        for (k, v) in values.sorted(by: { $0.key < $1.key }) {
            guard let spec = byKey[k] else {
                let known = specs.map(\.key).sorted()
                let near = known.first { editDistance($0, k) <= 2 }
                out.append("\(owner): unknown option '\(k)'\(near.map { " (did you mean '\($0)'?)" } ?? "") — it takes: \(known.isEmpty ? "no options" : known.joined(separator: ", "))")
                continue
            }
            if let p = spec.problem(v) { out.append("\(owner): option \(k): \(p)") }
        }
        for s in specs where s.required && values[s.key] == nil {
            out.append("\(owner): missing option '\(s.key)' (\(s.help))")
        }
        return out
    }

    /// Levenshtein distance (short keys only).
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var row = Array(0...b.count)
        for i in 1...max(1, a.count) where !a.isEmpty {
            var prev = row[0]; row[0] = i
            for j in 1...max(1, b.count) where !b.isEmpty {
                let cur = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] == b[j - 1] ? 0 : 1))
                prev = cur
            }
        }
        return a.isEmpty ? b.count : row[b.count]
    }
}
