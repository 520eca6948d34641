// The journal's file: records appended whole, a torn last record closed by
// the next one, nothing written by opening alone, folders and devices refused.
import Foundation
import HwnasCore
import Testing

@Suite(.tags(.unit)) struct AppendFileTests {
    func tempPath(_ name: String) -> String {
        let dir = NSTemporaryDirectory() + "hwnas-append-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir + "/" + name
    }

    @Test func recordsAfterATornOneStartOnAFreshLine() throws {
        let p = tempPath("j.jsonl")
        try Data("{\"a\":1}\n{\"b\":".utf8).write(to: URL(fileURLWithPath: p))
        let f = try AppendFile(path: p, flag: "--journal")
        #expect(f.existing == Data("{\"a\":1}\n{\"b\":".utf8))
        // Opening alone changes nothing.
        #expect(FileManager.default.contents(atPath: p) == f.existing)
        try f.append(Data("{\"c\":3}\n".utf8))
        try f.append(Data("{\"d\":4}\n".utf8))
        #expect(String(decoding: FileManager.default.contents(atPath: p)!, as: UTF8.self) == "{\"a\":1}\n{\"b\":\n{\"c\":3}\n{\"d\":4}\n")
    }

    @Test func aMissingFileIsCreatedAndFoldersAndDevicesAreRefused() throws {
        let p = tempPath("new.jsonl")
        let f = try AppendFile(path: p, flag: "--journal")
        #expect(f.existing.isEmpty)
        try f.append(Data("x\n".utf8))
        #expect(FileManager.default.contents(atPath: p) == Data("x\n".utf8))
        let dir = (p as NSString).deletingLastPathComponent
        func refusal(_ path: String) -> String? {
            do { _ = try AppendFile(path: path, flag: "--journal"); return nil } catch { return "\(error)" }
        }
        #expect(refusal(dir) == "--journal \(dir): is a folder")
        #expect(refusal("/dev/null") == "--journal /dev/null: not a regular file")
        #expect(refusal(dir + "/no/such/j.jsonl")?.hasSuffix("cannot create it (does its folder exist and is it writable?)") == true)
    }

    /// A journal written for another search is refused and left as it was,
    /// torn last line and all.
    @Test func aRefusedJournalIsLeftUntouched() throws {
        let p = tempPath("j.jsonl")
        let theirs = JournalHeader(space: "a", spaceFingerprint: "1", evaluator: "e", evaluatorOptions: [:], profile: "p", profileFingerprint: "2")
        let ours = JournalHeader(space: "b", spaceFingerprint: "1", evaluator: "e", evaluatorOptions: [:], profile: "p", profileFingerprint: "2")
        let before = try JSONEncoder().encode(theirs) + Data("\n{\"arch\":".utf8)
        try before.write(to: URL(fileURLWithPath: p))
        #expect(throws: (any Error).self) { try Journal(path: p, header: ours) }
        #expect(FileManager.default.contents(atPath: p) == before)
    }
}
