// Latency tables measured in ONNX Runtime (`hwnas profile cpu --runtime
// onnxruntime`) and networks measured there (`hwnas measure --runtime
// onnxruntime`, `--model`), end to end through tools/onnxruntime/ort_timer.py.
import Foundation
import Testing

@Suite struct ONNXRuntimeProfileTests {
    @Test func profileAndMeasureInONNXRuntime() throws {
        let dir = TestSupport.tempDir("ort-profile")
        let profile = "\(dir)/ort-nb201.yaml"
        let r = try TestSupport.hwnasRun(["profile", "cpu", "--space", "nb201", "--runtime", "onnxruntime", "--out", profile,
                                          "--sample-networks", "20", "--calibrate", "8", "--repeats", "10", "--warmup", "3"])
        #expect(r.status == 0, "\(r.out)\n\(r.err)")
        let version = try TestSupport.run("/usr/bin/env", ["python3", "-c", "import onnxruntime; print(onnxruntime.__version__)"])
            .out.trimmingCharacters(in: .whitespacesAndNewlines)
        let yaml = try String(contentsOfFile: profile, encoding: .utf8)
        #expect(yaml.contains("runtime: onnxruntime") && yaml.contains("runtime_version: \"\(version)\"") && yaml.contains("threads: 1"), "\(yaml)")
        #expect(yaml.contains("description: \"nb201 float32 CPU latency lookup table") && yaml.contains("onnxruntime)\""), "\(yaml)")
        // Every convolution got a time from ORT's profiler (attributed by node name).
        let csv = try String(contentsOfFile: "\(dir)/ort-nb201.lut.csv", encoding: .utf8)
        let convs = csv.split(separator: "\n").filter { $0.hasPrefix("relu_conv_bn,") }
        #expect(!convs.isEmpty)
        for row in convs {
            let median = Double(row.split(separator: ",", omittingEmptySubsequences: false)[13]) ?? 0
            #expect(median > 0, "\(row)")
        }
        // measure takes the runtime from the profile's provenance.
        let m = try TestSupport.hwnasRun(["measure", "--space", "nb201", "--profile", profile, "--samples", "5", "--repeats", "5"])
        #expect(m.status == 0 && m.out.contains("profile ort-nb201, onnxruntime, 1 thread(s), 5 networks"), "\(m.out)\n\(m.err)")
        #expect(m.out.contains("prediction vs measured: n=5"), "\(m.out)")
    }

    /// A 1-D block space: an exported network comes back from ONNX layer for
    /// layer, so the table (keyed by layers) prices the imported model too.
    @Test func anExportedModelIsMeasuredAndPredicted() throws {
        let dir = TestSupport.tempDir("ort-model")
        let profile = "\(dir)/ort-1d.yaml"
        let r = try TestSupport.hwnasRun(["profile", "cpu", "--space", "micronas-1d", "--runtime", "onnxruntime", "--out", profile,
                                          "--sample-networks", "2", "--calibrate", "0", "--repeats", "5", "--warmup", "2"])
        #expect(r.status == 0, "\(r.out)\n\(r.err)")
        // The first choice of every dim: one of the "uniform" networks the profile always covers.
        let arch = "c8:k3/c16:k3/c24:k3/c32:k3"
        let e = try TestSupport.hwnasRun(["export", "--space", "micronas-1d", "--arch", arch, "--output", "\(dir)/n.onnx"])
        #expect(e.status == 0, "\(arch): \(e.err)")
        let one = try TestSupport.hwnasRun(["measure", "--model", "\(dir)/n.onnx", "--profile", profile, "--repeats", "5"])
        #expect(one.status == 0 && one.out.contains("ms median") && one.out.contains("in onnxruntime, 1 thread(s)"), "\(one.out)\n\(one.err)")
        #expect(one.out.contains("profile ort-1d (measured in onnxruntime) predicts"), "\(one.out)")
    }

    @Test func aMissingRuntimeIsOneLine() throws {
        let r = try TestSupport.hwnasRun(["measure", "--model", "/nonexistent.onnx", "--runtime", "onnxruntime"],
                                         env: ["HWNAS_ORT_TIMER": "/nonexistent/ort_timer.py"])
        #expect(r.status == 1 && r.err.hasPrefix("hwnas: error: --runtime onnxruntime:") && r.err.split(separator: "\n").count == 1, "\(r.err)")
    }
}
