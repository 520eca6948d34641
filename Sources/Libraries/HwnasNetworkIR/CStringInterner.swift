// Op names and cell labels arrive from plugins as C strings valid during a
// call only. The host keeps one copy of each distinct string for the life
// of the process (a bounded set: a space has few op names and labels), so
// networks can point at them without owning strings.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

public final class CStringInterner: @unchecked Sendable {
    public static let shared = CStringInterner()
    private var byText: [String: UnsafePointer<CChar>] = [:]
    /// Last pointer seen for a given incoming address: plugins pass the same
    /// static strings again and again; verified with strcmp before use.
    private var byAddress: [UnsafeRawPointer: UnsafePointer<CChar>] = [:]
    private let lock = NSLock()

    public func intern(_ p: UnsafePointer<CChar>) -> UnsafePointer<CChar> {
        lock.lock(); defer { lock.unlock() }
        if let hit = byAddress[UnsafeRawPointer(p)], strcmp(hit, p) == 0 { return hit }
        let text = String(cString: p)
        let owned = byText[text] ?? UnsafePointer(strdup(p)!)
        byText[text] = owned
        if byAddress.count > 65_536 { byAddress.removeAll() }
        byAddress[UnsafeRawPointer(p)] = owned
        return owned
    }

    public func intern(_ s: String) -> UnsafePointer<CChar> { s.withCString { intern($0) } }
}
