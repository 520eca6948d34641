// A file that grows by whole records, each in one write(2) (the search's
// journal): opened with what it already holds, created when missing. A
// folder or a device is refused (/dev/zero would be read forever), and a
// torn last record (killed mid-write) is closed so new ones start on a
// fresh line.
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
        handle.seekToEndOfFile()
        if let last = existing.last, last != UInt8(ascii: "\n") { try append(Data("\n".utf8)) }
    }

    deinit { try? handle.close() }

    /// One record in one write(2): the kernel has it even if the process is
    /// killed right after.
    public func append(_ data: Data) throws {
        guard writeAll(handle.fileDescriptor, data) else {
            throw OutputFileError("\(flag) \(path): cannot write (\(String(cString: strerror(errno))))")
        }
    }
}
