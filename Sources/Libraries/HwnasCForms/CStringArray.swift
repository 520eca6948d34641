// Owns an array of C strings for the lifetime of the object, so Swift
// strings can be handed across the ABI as `const char *const *`.
import CHwnasABI
#if canImport(Glibc)
import Glibc
#endif

public final class CStringArray: @unchecked Sendable {
    public let pointers: UnsafeMutablePointer<UnsafePointer<CChar>?>
    public let count: Int

    public init(_ strings: [String]) {
        count = strings.count
        pointers = .allocate(capacity: max(1, strings.count))
        for (i, s) in strings.enumerated() { pointers[i] = UnsafePointer(strdup(s)) }
    }

    deinit {
        for i in 0..<count { free(UnsafeMutablePointer(mutating: pointers[i])) }
        pointers.deallocate()
    }

    public var base: UnsafePointer<UnsafePointer<CChar>?> { UnsafePointer(pointers) }
}

/// Key/value options as an `hwnas_options` struct, alive with this object.
public final class COptions: @unchecked Sendable {
    let keys: CStringArray, values: CStringArray
    let items: UnsafeMutablePointer<hwnas_option>
    public let raw: UnsafeMutablePointer<hwnas_options>

    public init(_ dict: [String: String]) {
        let sorted = dict.sorted { $0.key < $1.key }
        keys = CStringArray(sorted.map(\.key)); values = CStringArray(sorted.map(\.value))
        items = .allocate(capacity: max(1, sorted.count))
        for i in 0..<sorted.count { items[i] = hwnas_option(key: keys.pointers[i], value: values.pointers[i]) }
        raw = .allocate(capacity: 1)
        raw.initialize(to: hwnas_options(count: UInt32(sorted.count), reserved: 0, items: UnsafePointer(items)))
    }
    deinit { items.deallocate(); raw.deallocate() }
}
