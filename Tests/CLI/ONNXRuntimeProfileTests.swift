// Latency tables measured in ONNX Runtime (`hwnas profile cpu --runtime
// onnxruntime`) and in PyTorch (`hwnas profile gpu --runtime torch`, run
// here with --device cpu: the GPU pipeline without a GPU), and networks
// measured there (`hwnas measure --runtime ...`, `--model`), end to end
// through tools/timers/onnx_timer.py.
import HwnasTestSupport
import Foundation
import Testing

@Suite(.tags(.cli)) struct ONNXRuntimeProfileTests {
    /// `hwnas profile ARGS --out DIR/NAME.yaml` in a fresh folder; expects it to succeed.
    func makeProfile(_ name: String, _ args: [String]) async throws -> (dir: String, profile: String) {
        let dir = TestSupport.tempDir(name)
        let profile = "\(dir)/\(name).yaml"
        let r = try await TestSupport.hwnasRun(["profile"] + args + ["--out", profile])
        #expect(r.status == 0, "\(r.out)\n\(r.err)")
        return (dir, profile)
    }

    @Test func profileAndMeasureInONNXRuntime() async throws {
        let (dir, profile) = try await makeProfile("ort-nb201", ["cpu", "--space", "nb201", "--runtime", "onnxruntime",
                                                                 "--sample-networks", "20", "--calibrate", "8", "--repeats", "10", "--warmup", "3"])
        let version = try await TestSupport.run("/usr/bin/env", ["python3", "-c", "import onnxruntime; print(onnxruntime.__version__)"])
            .out.trimmingCharacters(in: .whitespacesAndNewlines)
        let yaml = try String(contentsOfFile: profile, encoding: .utf8)
        #expect(yaml.contains("runtime: onnxruntime") && yaml.contains("runtime_version: \"\(version)\"") && yaml.contains("threads: 1"), "\(yaml)")
        #expect(yaml.contains("description: \"nb201 float32 latency lookup table (CPU ") && yaml.contains("onnxruntime)\""), "\(yaml)")
        #expect(yaml.contains("tool: hwnas profile cpu") && yaml.contains("execution_provider: \"CPUExecutionProvider\""), "\(yaml)")
        // Every convolution got a time from ORT's profiler (attributed by node name).
        let csv = try String(contentsOfFile: "\(dir)/ort-nb201.lut.csv", encoding: .utf8)
        let convs = csv.split(separator: "\n").filter { $0.hasPrefix("relu_conv_bn,") }
        #expect(!convs.isEmpty)
        for row in convs {
            let median = Double(row.split(separator: ",", omittingEmptySubsequences: false)[13]) ?? 0
            #expect(median > 0, "\(row)")
        }
        // measure takes the runtime from the profile's provenance.
        let m = try await TestSupport.hwnasRun(["measure", "--space", "nb201", "--profile", profile, "--samples", "5", "--repeats", "5"])
        #expect(m.status == 0 && m.out.contains("profile ort-nb201, onnxruntime, 1 thread(s), 5 networks"), "\(m.out)\n\(m.err)")
        #expect(m.out.contains("prediction vs measured: n=5"), "\(m.out)")
    }

    /// A 1-D block space: an exported network comes back from ONNX layer for
    /// layer, so the table (keyed by layers) prices the imported model too.
    @Test func anExportedModelIsMeasuredAndPredicted() async throws {
        let (dir, profile) = try await makeProfile("ort-1d", ["cpu", "--space", "micronas-1d", "--runtime", "onnxruntime",
                                                              "--sample-networks", "2", "--calibrate", "0", "--repeats", "5", "--warmup", "2"])
        // The first choice of every dim: one of the "uniform" networks the profile always covers.
        let arch = "c8:k3/c16:k3/c24:k3/c32:k3"
        let e = try await TestSupport.hwnasRun(["export", "--space", "micronas-1d", "--arch", arch, "--output", "\(dir)/n.onnx"])
        #expect(e.status == 0, "\(arch): \(e.err)")
        let one = try await TestSupport.hwnasRun(["measure", "--model", "\(dir)/n.onnx", "--profile", profile, "--repeats", "5"])
        #expect(one.status == 0 && one.out.contains("ms median") && one.out.contains("in onnxruntime, 1 thread(s)"), "\(one.out)\n\(one.err)")
        #expect(one.out.contains("profile ort-1d (measured in onnxruntime) predicts"), "\(one.out)")
    }

    @Test func aMissingRuntimeIsOneLine() async throws {
        let r = try await TestSupport.hwnasRun(["measure", "--model", "/nonexistent.onnx", "--runtime", "onnxruntime"],
                                         env: ["HWNAS_TIMER": "/nonexistent/onnx_timer.py"])
        #expect(r.status == 1 && r.err.hasPrefix("hwnas: error: --runtime onnxruntime:") && r.err.split(separator: "\n").count == 1, "\(r.err)")
    }

    /// tools/gpu-lut's pipeline (hwnas profile gpu) on CPU torch: the same
    /// exports, timed as PyTorch modules; unchanged on a CUDA GPU.
    @Test func gpuPipelineRunsOnCPUTorch() async throws {
        let (dir, profile) = try await makeProfile("torch-nb201", ["gpu", "--device", "cpu", "--space", "nb201",
                                                                   "--sample-networks", "10", "--calibrate", "3", "--repeats", "5", "--warmup", "2"])
        let yaml = (try? String(contentsOfFile: profile, encoding: .utf8)) ?? ""
        #expect(yaml.contains("runtime: torch") && yaml.contains("device: \"cpu\"") && yaml.contains("tool: hwnas profile gpu"), "\(yaml)")
        let m = try await TestSupport.hwnasRun(["measure", "--space", "nb201", "--profile", profile, "--samples", "3", "--repeats", "3"])
        #expect(m.status == 0 && m.out.contains("profile torch-nb201, torch, 1 thread(s), 3 networks"), "\(m.out)\n\(m.err)")
        // Where no GPU is, --device cuda is one line, not a traceback.
        let probe = try await TestSupport.run("/usr/bin/env", ["python3", "-c", "import torch; print(torch.cuda.is_available())"])
        if probe.out.contains("False") {
            let cuda = try await TestSupport.hwnasRun(["profile", "gpu", "--space", "micronas-1d", "--out", "\(dir)/x.yaml"])
            #expect(cuda.status == 1 && cuda.err.contains("no CUDA device here") && cuda.err.split(separator: "\n").count == 1, "\(cuda.err)")
        }
    }
}
