// An append-only JSON-lines record of every evaluation, written and flushed
// as each one finishes. Rerunning a search with the same journal replays the
// recorded results instead of evaluating again, so a crash (of hwnas, a
// strategy plugin or an evaluator) loses nothing already evaluated.
//
// The first line is a header saying what the values mean (space,
// evaluator and its options, profile): a journal written for another search
// is refused, naming both, unless the user asks to reuse it anyway.
import Foundation

public final class Journal: @unchecked Sendable {
    public let path: String
    public private(set) var entries: [String: JournalEntry] = [:]
    /// Each evaluation's line among the entries (0 first): the completion order.
    private var positions: [String: Int] = [:]
    private let file: AppendFile
    private let lock = NSLock()
    public private(set) var skippedLines = 0
    /// Set when the user reused a journal written for another search.
    public private(set) var reuseNote: String?

    /// Opens (or creates) the journal for a search described by `header`.
    /// A journal written for another search, or one without a header, is
    /// refused unless `reuse`.
    public init(path: String, header: JournalHeader, reuse: Bool = false) throws {
        self.path = path
        do { file = try AppendFile(path: path, flag: "--journal") } catch { throw HwnasError("\(error)") }
        let lines = String(decoding: file.existing, as: UTF8.self).split(separator: "\n")
            .filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
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
            if let e = try? decoder.decode(JournalEntry.self, from: Data(line.utf8)) { remember(e) } else { skippedLines += 1 }
        }
        if lines.isEmpty { try write(Self.line(header)) }   // a new journal starts with its header
    }

    static func line<T: Encodable>(_ value: T) -> Data {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        var data = (try? enc.encode(value)) ?? Data("{}".utf8)
        data.append(UInt8(ascii: "\n"))
        return data
    }

    private func write(_ data: Data) throws {
        do { try file.append(data) } catch { throw HwnasError("\(error); nothing evaluated from here on would survive a crash") }
    }

    /// Appends one entry with a single write(2); a write that fails throws.
    public func append(_ e: JournalEntry) throws {
        lock.lock(); defer { lock.unlock() }
        try write(Self.line(e))
        remember(e)
    }

    /// The latest entry per evaluation; its position is where it first finished.
    private func remember(_ e: JournalEntry) {
        entries[e.key] = e
        positions[e.key] = positions[e.key] ?? positions.count
    }

    /// Where `arch` (at `fidelity`) first finished among the journal's entries (its completion order).
    public func position(_ arch: String, fidelity: [String: Double]? = nil) -> Int? {
        lock.lock(); defer { lock.unlock() }
        return positions[JournalEntry.key(arch: arch, fidelity: fidelity)]
    }

    /// The last entry written for `arch` (at `fidelity`, in a multi-fidelity search).
    public func lookup(_ arch: String, fidelity: [String: Double]? = nil) -> JournalEntry? {
        lock.lock(); defer { lock.unlock() }
        return entries[JournalEntry.key(arch: arch, fidelity: fidelity)]
    }
}
