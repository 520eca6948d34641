// Where hwnas writes results: checked before any work starts (a missing
// folder must not be found after an hour of evaluations), written
// atomically (a temporary file in the same folder, then rename: a crash
// leaves the old file or the new one, never half of one). A symbolic link
// keeps pointing where it pointed (the file it names is replaced); a device
// or pipe (/dev/stdout) is written in place, never replaced by a file.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One line naming the option and the path, and the reason.
public struct OutputFileError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}

public enum OutputFile {
    /// Fails with one line naming `flag` and `path` when `path` cannot be written.
    public static func check(_ path: String, flag: String) throws {
        guard !path.isEmpty else { throw OutputFileError("\(flag): empty path") }
        if writtenInPlace(path) { return }
        let target = resolved(path)
        var st = stat()
        if lstat(target, &st) == 0 {
            if (st.st_mode & S_IFMT) == S_IFDIR { throw OutputFileError("\(flag) \(path): is a folder; give a file name") }
            if isSpecial(st) { return }
            guard access(target, W_OK) == 0 else { throw OutputFileError("\(flag) \(path): not writable (\(String(cString: strerror(errno))))") }
        }
        let folder = (target as NSString).deletingLastPathComponent
        let dir = folder.isEmpty ? "." : folder
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
            throw OutputFileError("\(flag) \(path): the folder \(dir) does not exist")
        }
        guard access(dir, W_OK) == 0 else { throw OutputFileError("\(flag) \(path): the folder \(dir) is not writable") }
        removeStaleTemporaries(of: target)
    }

    /// `.<name>.tmp-` : the temporary files of `target` start with it.
    static func tempPrefix(_ target: String) -> String { ".\((target as NSString).lastPathComponent).tmp-" }

    /// Temporary files of `target` left by a process that was killed while
    /// writing it (its pid, in the name, is no longer running); removed when
    /// the next run checks the same output, so a kill leaves nothing behind
    /// for long. Another process's temporary in use is left alone.
    static func removeStaleTemporaries(of target: String) {
        let folder = (target as NSString).deletingLastPathComponent
        let dir = folder.isEmpty ? "." : folder
        let prefix = tempPrefix(target)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir) else { return }
        for name in names where name.hasPrefix(prefix) {
            let rest = name.dropFirst(prefix.count)
            guard let dash = rest.firstIndex(of: "-"), let pid = Int32(rest[..<dash]), pid > 0 else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH { unlink(dir + "/" + name) }
        }
    }

    /// Writes `data` to `path` (atomically for files).
    public static func write(_ data: Data, to path: String, flag: String) throws {
        let inPlace = writtenInPlace(path)
        let target = inPlace ? path : resolved(path)
        var st = stat()
        if inPlace || (lstat(target, &st) == 0 && isSpecial(st)) {
            guard let h = FileHandle(forWritingAtPath: target) else { throw OutputFileError("\(flag) \(path): cannot open it for writing") }
            defer { try? h.close() }
            do { try h.write(contentsOf: data) } catch { throw OutputFileError("\(flag) \(path): \(error.localizedDescription)") }
            return
        }
        let folder = (target as NSString).deletingLastPathComponent
        let tmp = (folder.isEmpty ? "." : folder) + "/" + tempPrefix(target) + "\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        // open + write, not FileManager.createFile: that writes through a
        // temporary of its own (.name.nosyncXXXX) which a kill leaves behind.
        let fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw OutputFileError("\(flag) \(path): cannot write in \(folder.isEmpty ? "." : folder) (\(String(cString: strerror(errno))))")
        }
        let wrote = writeAll(fd, data) && fsync(fd) == 0
        let why = String(cString: strerror(errno))
        close(fd)
        guard wrote else {
            unlink(tmp)
            throw OutputFileError("\(flag) \(path): cannot write in \(folder.isEmpty ? "." : folder) (\(why))")
        }
        guard rename(tmp, target) == 0 else {
            let why = String(cString: strerror(errno))
            unlink(tmp)
            throw OutputFileError("\(flag) \(path): cannot replace it (\(why))")
        }
    }

    public static func write(_ text: String, to path: String, flag: String) throws {
        try write(Data(text.utf8), to: path, flag: flag)
    }

    /// The file a path names: a symbolic link's destination (followed, so
    /// the link itself survives), else the path.
    static func resolved(_ path: String) -> String {
        var p = path
        for _ in 0..<16 {
            guard let dest = try? FileManager.default.destinationOfSymbolicLink(atPath: p) else { return p }
            p = dest.hasPrefix("/") ? dest : ((p as NSString).deletingLastPathComponent as NSString).appendingPathComponent(dest)
        }
        return p
    }

    /// /dev/stdout and friends name whatever the shell connected (a pipe,
    /// a terminal, a file it opened): written through, never replaced.
    static func writtenInPlace(_ path: String) -> Bool {
        path.hasPrefix("/dev/") || path.hasPrefix("/proc/self/fd/")
    }

    static func isSpecial(_ st: stat) -> Bool {
        let t = st.st_mode & S_IFMT
        return t == S_IFCHR || t == S_IFBLK || t == S_IFIFO || t == S_IFSOCK
    }
}
