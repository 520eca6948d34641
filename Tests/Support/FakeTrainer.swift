// The fixture trainer (Tests/fixtures/fake_trainer.py) the command
// evaluator's tests run, and what it will answer for each arch string.
import Foundation

/// The fake trainer fixture and scratch folders.
public enum TestPaths {
    public static var fixtures: String { TestSupport.repoRoot + "/Tests/fixtures" }
    public static var fakeTrainer: String { fixtures + "/fake_trainer.py" }
    public static func scratchDirectory(_ name: String) -> URL { URL(fileURLWithPath: TestSupport.tempDir(name)) }
}

/// What fake_trainer.py --chaos will do with each arch string (asked from the script itself).
public func fakeTrainerPlan(_ archs: [String], chaos: Bool = true) async throws -> [(kind: String, value: Double)] {
    try await TestSupport.offPool { try fakeTrainerPlanBlocking(archs, chaos: chaos) }
}

func fakeTrainerPlanBlocking(_ archs: [String], chaos: Bool) throws -> [(kind: String, value: Double)] {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3", TestPaths.fakeTrainer, "--classify"] + (chaos ? ["--chaos"] : [])
    let input = Pipe(), output = Pipe()
    p.standardInput = input; p.standardOutput = output
    try p.run()
    input.fileHandleForWriting.write(Data((archs.joined(separator: "\n") + "\n").utf8))
    try input.fileHandleForWriting.close()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return String(decoding: data, as: UTF8.self).split(separator: "\n").map { line in
        let parts = line.split(separator: " ")
        return (String(parts[0]), Double(parts[1])!)
    }
}
