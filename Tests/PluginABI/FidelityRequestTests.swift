// ABI 1.2's per-candidate requests and text results, through the command
// evaluator plugin and the fake trainer: the host's "fidelity" and "resume"
// reach the program, its "checkpoint" comes back as the candidate's text
// result, in process and across the isolation pipe; a program whose hello
// lists no fidelity fails the call in one line; an evaluator built against
// the 1.1 header (Tests/abi-fixtures/v1.1) loads, says it takes no fidelity,
// and evaluates as before.
import HwnasTestSupport
import CHwnasABI
import Foundation
import HwnasCore
import HwnasIsolation
import Testing

@Suite(.tags(.pluginABI)) struct FidelityRequestTests {
    static let archs = [
        "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|",
        "|nor_conv_1x1~0|+|avg_pool_3x3~0|nor_conv_3x3~1|+|skip_connect~0|none~1|nor_conv_3x3~2|",
    ]

    func evaluate(_ ev: any SearchEvaluator, space: SearchSpace, requests: [String]?) throws -> [LoadedEvaluator.Outcome] {
        let g = try Self.archs.map(space.parse)
        return try CandidateBatch(space: space, genotypes: g, networks: nil, requests: requests)
            .with(minor: ev.descriptor.abiMinor) { try ev.evaluate($0, onResult: nil) }
    }

    func options(_ trainer: String) -> [String: String] {
        ["command": "python3 \(TestPaths.fakeTrainer) \(trainer)", "extra_metrics": "epochs,resumed_from", "stderr": "null"]
    }

    @Test func fidelityAndResumeReachTheProgramAndCheckpointsComeBack() throws {
        let space = try TestSupport.space("nb201")
        let (d, lib) = try TestSupport.registry.lookup(.evaluator, "command")
        let requests = [#"{"fidelity": {"epochs": 3}}"#, #"{"fidelity": {"epochs": 9}, "resume": "\#(Self.archs[1])@3"}"#]
        let inProcess = try LoadedEvaluator(d, library: lib, space: CSearchSpace(space), options: options("--fidelity"))
        #expect(inProcess.takesFidelity)
        let isolated = try IsolatedRunner(executable: TestSupport.hwnas)
            .evaluator(d, space: space, options: options("--fidelity"), registry: TestSupport.registry)
        #expect(isolated.takesFidelity)
        for ev in [inProcess as any SearchEvaluator, isolated] {
            let out = try evaluate(ev, space: space, requests: requests)
            let allOK = out.allSatisfy { $0.ok }
            let epochs = out.map { $0.metrics[1] }, resumedFrom = out.map { $0.metrics[2] }
            let checkpoints = out.map { $0.texts["checkpoint"] }
            #expect(allOK)
            #expect(epochs == [3, 9] && resumedFrom == [0, 3], "\(epochs) \(resumedFrom)")
            #expect(checkpoints == ["\(Self.archs[0])@3", "\(Self.archs[1])@9"])
        }
        // Without requests the same program answers as before, with no checkpoint.
        let plain = try evaluate(inProcess, space: space, requests: nil)
        let asBefore = plain.allSatisfy { $0.ok && $0.texts.isEmpty && $0.metrics[1].isNaN }
        #expect(asBefore)
    }

    @Test func aProgramThatTakesNoFidelityFailsTheCallInOneLine() throws {
        let space = try TestSupport.space("nb201")
        let (d, lib) = try TestSupport.registry.lookup(.evaluator, "command")
        let ev = try LoadedEvaluator(d, library: lib, space: CSearchSpace(space), options: options(""))
        let error = #expect(throws: (any Error).self) { _ = try evaluate(ev, space: space, requests: [#"{"fidelity": {"epochs": 3}}"#, "{}"]) }
        #expect("\(error.map { "\($0)" } ?? "")".contains("the program takes no fidelity 'epochs': its hello lists none"), "\(String(describing: error))")
    }

    @Test func anEvaluatorBuiltAgainstTheV11HeaderLoads() async throws {
        let dir = TestSupport.tempDir("abi-v11")
        try await TestSupport.compileSharedLibrary([TestSupport.repoRoot + "/Tests/plugin-fixtures/faulty_evaluator_cost.c"],
                                                   output: "\(dir)/libfaulty_v11.so",
                                                   include: TestSupport.repoRoot + "/Tests/abi-fixtures/v1.1",
                                                   defines: ["-Wall", "-Werror", "-pedantic", "-DFAULT=0"])
        let registry = PluginRegistry(paths: [dir])
        #expect(registry.problems.isEmpty, "\(registry.problems)")
        let (d, lib) = try registry.lookup(.evaluator, "faulty-eval")
        #expect(d.abiMinor == 1)
        let space = try TestSupport.space("nb201")
        let ev = try LoadedEvaluator(d, library: lib, space: CSearchSpace(space), options: [:])
        #expect(!ev.takesFidelity)
        let out = try evaluate(ev, space: space, requests: nil)
        let g = try Self.archs.map(space.parse)
        let scores = out.map { $0.metrics[0] }, sums = g.map { 1 + Double($0.reduce(0, +)) }
        #expect(scores == sums)
    }
}
