// Whether an address holds code: the host checks a plugin's entry symbol
// before calling it (a variable exported under the entry's name would be
// jumped into).
#if canImport(Glibc)
import Glibc
#endif

extension PluginCall {
    /// True when `address` lies in an executable mapping of this process.
    public static func isExecutable(_ address: UnsafeMutableRawPointer) -> Bool {
        let a = UInt(bitPattern: address)
        // /proc files report size 0: read them as a stream.
        guard let f = fopen("/proc/self/maps", "r") else { return true }
        defer { fclose(f) }
        var line = [CChar](repeating: 0, count: 4096)
        while fgets(&line, Int32(line.count), f) != nil {
            let text = String(cString: line)
            let fields = text.split(separator: " ", maxSplits: 2)
            guard fields.count >= 2 else { continue }
            let r = fields[0].split(separator: "-")
            guard r.count == 2, let lo = UInt(r[0], radix: 16), let hi = UInt(r[1], radix: 16), a >= lo, a < hi else { continue }
            return fields[1].contains("x")
        }
        return false
    }
}
