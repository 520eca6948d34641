// write(2) until every byte is out, through EINTR and short writes: the
// journal's records and the plugin host's lines each go out whole or fail.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// True when all of `data` was written to `fd`; on false, errno says why.
public func writeAll(_ fd: Int32, _ data: Data) -> Bool {
    var offset = 0
    while offset < data.count {
        let n = data.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
        if n < 0 && errno == EINTR { continue }
        guard n > 0 else { return false }
        offset += n
    }
    return true
}
