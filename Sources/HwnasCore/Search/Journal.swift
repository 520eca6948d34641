// An append-only JSON-lines record of every evaluation, written and flushed
// as each one finishes. Rerunning a search with the same journal replays the
// recorded results instead of evaluating again, so a crash (of hwnas, a
// strategy plugin or an evaluator) loses nothing already evaluated.
import Foundation

public struct JournalEntry: Codable, Sendable {
    public var arch: String
    public var genotype: [Int32]
    public var status: String          // "ok" | "failed"
    public var metrics: [String: Double]
    public var costs: [String: Double]
    public var seconds: Double?
}

public final class Journal: @unchecked Sendable {
    public let path: String
    public private(set) var entries: [String: JournalEntry] = [:]
    private let handle: FileHandle
    private let lock = NSLock()
    public private(set) var skippedLines = 0

    public init(path: String) throws {
        self.path = path
        let fm = FileManager.default
        if fm.fileExists(atPath: path) {
            guard let data = fm.contents(atPath: path) else { throw HwnasError("\(path): cannot read journal") }
            let text = String(decoding: data, as: UTF8.self)
            let decoder = JSONDecoder()
            for line in text.split(separator: "\n") where !line.trimmingCharacters(in: .whitespaces).isEmpty {
                // A torn last line (killed mid-write) or foreign text is skipped, not fatal.
                if let e = try? decoder.decode(JournalEntry.self, from: Data(line.utf8)) { entries[e.arch] = e } else { skippedLines += 1 }
            }
            // Make sure new records start on a fresh line after a torn write.
            if let last = data.last, last != UInt8(ascii: "\n") {
                if let h = FileHandle(forWritingAtPath: path) { h.seekToEndOfFile(); h.write(Data("\n".utf8)); try? h.close() }
            }
        } else {
            guard fm.createFile(atPath: path, contents: nil) else { throw HwnasError("\(path): cannot create journal") }
        }
        guard let h = FileHandle(forWritingAtPath: path) else { throw HwnasError("\(path): cannot open journal for writing") }
        h.seekToEndOfFile()
        handle = h
    }

    deinit { try? handle.close() }

    /// Appends one entry with a single write(2); the kernel has it even if
    /// hwnas is killed right after.
    public func append(_ e: JournalEntry) {
        lock.lock(); defer { lock.unlock() }
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        guard var data = try? enc.encode(e) else { return }
        data.append(UInt8(ascii: "\n"))
        handle.write(data)
        entries[e.arch] = e
    }

    public func lookup(_ arch: String) -> JournalEntry? {
        lock.lock(); defer { lock.unlock() }
        return entries[arch]
    }
}
