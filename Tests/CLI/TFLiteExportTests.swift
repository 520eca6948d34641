// `hwnas export --format tflite`: sampled networks of every shipped space as
// int8 TFLite flatbuffers (tools/tflm/ir_to_tflite.py), run once in
// TensorFlow Lite Micro, with exactly the weights and biases hwnas prices
// (Tests/fixtures/tflite_check.py). The arena TFLM reports is
// what the MCU cost model is to match (issue "MCU costs that match real
// runtimes").
import HwnasTestSupport
import Foundation
import Testing

@Suite(.tags(.cli)) struct TFLiteExportTests {
    @Test func everySpaceExportsAModelTFLMRuns() async throws {
        let dir = TestSupport.tempDir("tflite")
        var cases: [[String: String]] = []
        for space in ONNXExportTests.spaces {
            for seed in [1, 2] {
                let arch = try await ONNXExportTests.sample(space, seed: seed)
                let base = "\(dir)/\(space)-\(seed)"
                for ext in ["json", "tflite"] {
                    let r = try await TestSupport.hwnasRun(["export", "--space", space, "--arch", arch, "--output", "\(base).\(ext)"])
                    #expect(r.status == 0, "\(space) \(arch) \(ext): \(r.err)")
                }
                cases.append(["tflite": "\(base).tflite", "ir": "\(base).json"])
            }
        }
        let list = "\(dir)/cases.json"
        try JSONSerialization.data(withJSONObject: cases).write(to: URL(fileURLWithPath: list))
        let r = try await TestSupport.run("/usr/bin/env", ["python3", TestSupport.repoRoot + "/Tests/fixtures/tflite_check.py", list])
        let results = TestSupport.jsonLines(r.out)
        #expect(results.count == cases.count, "\(r.out)\n\(r.err)")
        for res in results { #expect(res["ok"] as? Bool == true, "\(res)") }
    }

    @Test func aMissingWriterIsOneLine() async throws {
        let r = try await TestSupport.hwnasRun(["export", "--space", "micronas-1d", "--arch", "c8:k3/c16:k3/c24:k3/c32:k3",
                                          "--output", TestSupport.tempDir("tflite-missing") + "/x.tflite"],
                                         env: ["HWNAS_TFLITE_WRITER": "/nonexistent/ir_to_tflite.py"])
        #expect(r.status == 1 && r.err.hasPrefix("hwnas: error: --format tflite:") && r.err.split(separator: "\n").count == 1, "\(r.err)")
    }
}
