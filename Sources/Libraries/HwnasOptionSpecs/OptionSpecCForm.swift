// The C form of option specs (hwnas_option_spec, ABI 1.1): how a plugin's
// descriptor declares them, and how the host reads them back, checking what
// a plugin could get wrong.
import CHwnasABI

extension OptionSpec {
    /// A reason a descriptor's option list cannot be read.
    public struct CFormError: Error, CustomStringConvertible {
        public let description: String
    }

    /// The options a descriptor declares (nil: none declared, a 1.0 descriptor).
    public static func declared(in d: UnsafePointer<hwnas_descriptor>) throws -> [OptionSpec]? {
        guard Int(d.pointee.struct_size) >= MemoryLayout<hwnas_descriptor>.size, let base = d.pointee.options else { return nil }
        func fail(_ s: String) -> CFormError { CFormError(description: s) }
        let n = Int(d.pointee.option_count), size = Int(d.pointee.option_spec_size)
        guard n <= 1024 else { throw fail("implausible option_count \(n)") }
        let minimum = MemoryLayout<hwnas_option_spec>.size
        guard n == 0 || size >= minimum else { throw fail("option_spec_size \(size) is smaller than \(minimum)") }
        var specs: [OptionSpec] = [], keys = Set<String>()
        for i in 0..<n {
            let o = UnsafeRawPointer(base).advanced(by: i * size).assumingMemoryBound(to: hwnas_option_spec.self).pointee
            guard let key = string(o.key), !key.isEmpty else { throw fail("option \(i) has an empty, NULL or non-UTF-8 key") }
            guard keys.insert(key).inserted else { throw fail("option '\(key)' is declared twice") }
            guard let kind = Kind(rawValue: o.type) else { throw fail("option '\(key)' has unknown type \(o.type)") }
            specs.append(OptionSpec(key: key, kind: kind, defaultValue: string(o.default_value), help: string(o.help) ?? "",
                                    choices: string(o.choices).map { $0.split(separator: "|").map(String.init) },
                                    min: o.min.isNaN ? nil : o.min, max: o.max.isNaN ? nil : o.max,
                                    required: o.flags & HWNAS_OPTION_REQUIRED != 0, execution: o.flags & HWNAS_OPTION_EXECUTION != 0))
        }
        return specs
    }

    /// This spec as C; `string` makes the C strings (kept alive by the caller).
    public func cForm(_ string: (String) -> UnsafePointer<CChar>) -> hwnas_option_spec {
        hwnas_option_spec(
            struct_size: UInt32(MemoryLayout<hwnas_option_spec>.size), type: kind.rawValue, key: string(key),
            default_value: defaultValue.map(string), help: string(help), choices: choices.map { string($0.joined(separator: "|")) },
            min: min ?? .nan, max: max ?? .nan,
            flags: (required ? HWNAS_OPTION_REQUIRED : 0) | (execution ? HWNAS_OPTION_EXECUTION : 0), reserved: 0)
    }

    private static func string(_ p: UnsafePointer<CChar>?) -> String? { p.flatMap { String(validatingCString: $0) } }
}
