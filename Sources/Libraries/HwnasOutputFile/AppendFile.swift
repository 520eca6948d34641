// A file that grows by whole records, each in one write(2) (the search's
// journal): opened with what it already holds, created when missing. A
// folder or a device is refused (/dev/zero would be read forever). After a
// torn last record (killed mid-write) the first new one starts on a fresh
// line; opening alone writes nothing (a journal refused stays as it was).
import Foundation
#if canImport(Glibc)
import Glibc
#endif

public final class AppendFile: @unchecked Sendable {
    public let path: String
    /// What the file held when opened.
    public let existing: Data
    private let handle: FileHandle
    private let flag: String
    private var torn: Bool

    /// Errors name `flag` and `path`.
    public init(path: String, flag: String) throws {
        func fail(_ why: String) -> OutputFileError { OutputFileError("\(flag) \(path): \(why)") }
        let fm = FileManager.default
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: path, isDirectory: &isDir) {
            guard !isDir.boolValue else { throw fail("is a folder") }
            let type = (try? fm.attributesOfItem(atPath: path)[.type] as? FileAttributeType) ?? .typeRegular
            guard type == .typeRegular else { throw fail("not a regular file") }
            guard let d = fm.contents(atPath: path) else { throw fail("cannot read it") }
            existing = d
        } else if fm.createFile(atPath: path, contents: nil) {
            existing = Data()
        } else { throw fail("cannot create it (does its folder exist and is it writable?)") }
        guard let h = FileHandle(forWritingAtPath: path) else { throw fail("cannot open it for writing") }
        self.path = path; self.flag = flag; handle = h
        torn = existing.last.map { $0 != UInt8(ascii: "\n") } ?? false
        handle.seekToEndOfFile()
    }

    deinit { try? handle.close() }

    /// One record in one write(2): the kernel has it even if the process is
    /// killed right after. Callers serialise appends (the journal's lock).
    public func append(_ data: Data) throws {
        guard writeAll(handle.fileDescriptor, torn ? Data("\n".utf8) + data : data) else {
            throw OutputFileError("\(flag) \(path): cannot write (\(String(cString: strerror(errno))))")
        }
        torn = false
    }
}
