// A JSON writer for hwnas's own documents that produces exactly what
// Foundation's JSONSerialization writes with [.prettyPrinted, .sortedKeys]
// (2-space indent, "key" : value, "/" escaped as "\/", keys sorted), without
// its locale-aware key comparison, which dominates the time of a large
// document. Keys are ASCII names; they sort by code point, which is the
// locale's order for them (NetworkIRJSONTests compares the two writers).
struct PrettyJSON {
    indirect enum Value {
        case int(Int), bool(Bool), string(String)
        case array([Value])
        case object([(String, Value)])

        /// The value as JSONSerialization takes it.
        var foundation: Any {
            switch self {
            case .int(let i): i
            case .bool(let b): b
            case .string(let s): s
            case .array(let items): items.map(\.foundation)
            case .object(let fields): Dictionary(uniqueKeysWithValues: fields.map { ($0.0, $0.1.foundation) })
            }
        }
    }

    private(set) var bytes: [UInt8] = []

    mutating func write(_ v: Value, indent: Int) {
        switch v {
        case .int(let i): bytes += String(i).utf8
        case .bool(let b): bytes += (b ? "true" : "false").utf8
        case .string(let s): string(s)
        case .array(let items):
            guard !items.isEmpty else { bytes += "[\n\n".utf8; pad(indent); bytes.append(UInt8(ascii: "]")); return }
            bytes += "[\n".utf8
            for (k, item) in items.enumerated() {
                pad(indent + 2)
                write(item, indent: indent + 2)
                bytes += (k + 1 < items.count ? ",\n" : "\n").utf8
            }
            pad(indent); bytes.append(UInt8(ascii: "]"))
        case .object(let fields):
            guard !fields.isEmpty else { bytes += "{\n\n".utf8; pad(indent); bytes.append(UInt8(ascii: "}")); return }
            bytes += "{\n".utf8
            let sorted = fields.sorted { $0.0.unicodeScalars.lexicographicallyPrecedes($1.0.unicodeScalars) }
            for (k, (key, value)) in sorted.enumerated() {
                pad(indent + 2)
                string(key)
                bytes += " : ".utf8
                write(value, indent: indent + 2)
                bytes += (k + 1 < sorted.count ? ",\n" : "\n").utf8
            }
            pad(indent); bytes.append(UInt8(ascii: "}"))
        }
    }

    private mutating func pad(_ n: Int) { bytes += repeatElement(UInt8(ascii: " "), count: n) }

    private mutating func string(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): bytes += "\\\"".utf8
            case UInt8(ascii: "\\"): bytes += "\\\\".utf8
            case UInt8(ascii: "/"): bytes += "\\/".utf8
            case 0x0A: bytes += "\\n".utf8
            case 0x0D: bytes += "\\r".utf8
            case 0x09: bytes += "\\t".utf8
            case 0x08: bytes += "\\b".utf8
            case 0x0C: bytes += "\\f".utf8
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes += "\\u00".utf8
                bytes.append(hex[Int(b >> 4)]); bytes.append(hex[Int(b & 15)])
            default: bytes.append(b)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
