// An append-only JSON-lines record of every evaluation, written and flushed
// as each one finishes. Rerunning a search with the same journal replays the
// recorded results instead of evaluating again, so a crash (of hwnas, a
// strategy plugin or an evaluator) loses nothing already evaluated.
//
// The first line is a header saying what the values mean (space,
// evaluator and its options, profile): a journal written for another search
// is refused, naming both, unless the user asks to reuse it anyway.
import Foundation
#if canImport(Glibc)
import Glibc
#endif

public struct JournalEntry: Codable, Sendable {
    public var arch: String
    public var genotype: [Int32]
    public var status: String          // "ok" | "failed"
    public var metrics: [String: Double]
    public var costs: [String: Double]
    public var seconds: Double?
    /// Why a failed evaluation failed, when known.
    public var reason: String?
}

/// What a journal's values mean.
public struct JournalHeader: Codable, Sendable, Equatable {
    public var hwnas_journal: Int = 1
    public var space: String
    /// The space's plugin, options (its file's content for `file`).
    public var space_fingerprint: String
    public var evaluator: String
    /// The evaluator's options that change what it computes.
    public var evaluator_options: [String: String]
    public var profile: String
    /// The profile file's content.
    public var profile_fingerprint: String

    public init(space: String, spaceFingerprint: String, evaluator: String, evaluatorOptions: [String: String],
                profile: String, profileFingerprint: String) {
        self.space = space; space_fingerprint = spaceFingerprint; self.evaluator = evaluator
        evaluator_options = evaluatorOptions; self.profile = profile; profile_fingerprint = profileFingerprint
    }

    /// The first difference from `other`, as "X, this search Y", or nil.
    func difference(from other: JournalHeader) -> String? {
        if space != other.space || space_fingerprint != other.space_fingerprint {
            return "space \(space) (\(space_fingerprint)); this search: space \(other.space) (\(other.space_fingerprint))"
        }
        if evaluator != other.evaluator || evaluator_options != other.evaluator_options {
            return "evaluator \(evaluator) (\(Fingerprint.describe(evaluator_options))); this search: evaluator \(other.evaluator) (\(Fingerprint.describe(other.evaluator_options)))"
        }
        if profile != other.profile || profile_fingerprint != other.profile_fingerprint {
            return "profile \(profile) (\(profile_fingerprint)); this search: profile \(other.profile) (\(other.profile_fingerprint))"
        }
        return nil
    }
}

public final class Journal: @unchecked Sendable {
    public let path: String
    public private(set) var entries: [String: JournalEntry] = [:]
    private let handle: FileHandle
    private let lock = NSLock()
    public private(set) var skippedLines = 0
    /// Set when the user reused a journal written for another search.
    public private(set) var reuseNote: String?

    /// Opens (or creates) the journal for a search described by `header`.
    /// A journal written for another search, or one without a header, is
    /// refused unless `reuse`.
    public init(path: String, header: JournalHeader, reuse: Bool = false) throws {
        self.path = path
        func fail(_ why: String) -> HwnasError { HwnasError("--journal \(path): \(why)") }
        let fm = FileManager.default
        var isDir: ObjCBool = false, data = Data()
        if fm.fileExists(atPath: path, isDirectory: &isDir) {
            guard !isDir.boolValue else { throw fail("is a folder") }
            // A device (/dev/full, /dev/zero) would be read forever.
            let type = (try? fm.attributesOfItem(atPath: path)[.type] as? FileAttributeType) ?? .typeRegular
            guard type == .typeRegular else { throw fail("not a regular file") }
            guard let d = fm.contents(atPath: path) else { throw fail("cannot read it") }
            data = d
        } else if !fm.createFile(atPath: path, contents: nil) {
            throw fail("cannot create it (does its folder exist and is it writable?)")
        }
        guard let h = FileHandle(forWritingAtPath: path) else { throw fail("cannot open it for writing") }
        handle = h
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        let decoder = JSONDecoder()
        let written = lines.first.flatMap { try? decoder.decode(JournalHeader.self, from: Data($0.utf8)) }
        // Values of another search: why they are refused, the note when replayed anyway.
        var foreign: (refusal: String, note: String)?
        if let diff = written?.difference(from: header) {
            foreign = ("was written for \(diff): its values would be replayed as this search's;", "was written for \(diff)")
        } else if written == nil && !lines.isEmpty {
            foreign = ("has no header saying what its values mean (written by an older hwnas?):", "has no header")
        }
        if let foreign {
            guard reuse else { throw HwnasError("--journal \(path) \(foreign.refusal) give another --journal, or --reuse-journal to replay it anyway") }
            reuseNote = "journal \(path) \(foreign.note); replayed as asked (--reuse-journal)"
        }
        for line in lines.dropFirst(written == nil ? 0 : 1) {
            // A torn last line (killed mid-write) or foreign text is skipped, not fatal.
            if let e = try? decoder.decode(JournalEntry.self, from: Data(line.utf8)) { entries[e.arch] = e } else { skippedLines += 1 }
        }
        handle.seekToEndOfFile()
        // New records start on a fresh line after a torn write; an empty file gets its header.
        if let last = data.last, last != UInt8(ascii: "\n") { try write(Data("\n".utf8)) }
        if lines.isEmpty { try write(Self.line(header)) }
    }

    deinit { try? handle.close() }

    static func line<T: Encodable>(_ value: T) -> Data {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        var data = (try? enc.encode(value)) ?? Data("{}".utf8)
        data.append(UInt8(ascii: "\n"))
        return data
    }

    private func write(_ data: Data) throws {
        guard writeAll(handle.fileDescriptor, data) else {
            throw HwnasError("--journal \(path): cannot write (\(String(cString: strerror(errno)))); nothing evaluated from here on would survive a crash")
        }
    }

    /// Appends one entry with a single write(2); the kernel has it even if
    /// hwnas is killed right after. A write that fails throws.
    public func append(_ e: JournalEntry) throws {
        lock.lock(); defer { lock.unlock() }
        try write(Self.line(e))
        entries[e.arch] = e
    }

    /// The last entry written for `arch`.
    public func lookup(_ arch: String) -> JournalEntry? {
        lock.lock(); defer { lock.unlock() }
        return entries[arch]
    }
}
