// Short content fingerprints (FNV-1a, 64 bits, hex): what a journal was
// written for, which profile file a search read. Not for security: they
// tell two files or two option sets apart.
import Foundation

public enum Fingerprint {
    public static func of(_ bytes: some Sequence<UInt8>) -> String {
        String(fnv1a(bytes.lazy.map(UInt64.init)), radix: 16).leftPadded(16)
    }

    /// FNV-1a (64 bits) over `words`, one step per word (bytes, genotype values).
    @inlinable public static func fnv1a(_ words: some Sequence<UInt64>) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for w in words { h = (h ^ w) &* 0x0000_0100_0000_01B3 }
        return h
    }

    public static func of(file path: String) -> String? {
        FileManager.default.contents(atPath: path).map { of($0) }
    }

    /// Sorted key=value pairs, one string.
    public static func describe(_ options: [String: String]) -> String {
        options.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ", ")
    }
}

extension String {
    fileprivate func leftPadded(_ n: Int) -> String { String(repeating: "0", count: max(0, n - count)) + self }
}
