// Networks out and in, end to end from the CLI: `hwnas export` for sampled
// networks of every shipped space, checked by onnx.checker and ONNX Runtime
// against hwnas's own executor; `hwnas cost --model` on those exports (the
// same costs as the space's) and on models written by PyTorch's exporter.
import HwnasTestSupport
import Foundation
import Testing

@Suite(.tags(.cli)) struct ONNXExportTests {
    static let spaces = ["nb201", "fbnet", "mcunet-mbv2", "micronas-1d", "ofa-mbv3"]
    /// Spaces whose networks come back from ONNX layer for layer: all, as a
    /// model hwnas exported names which nodes form each layer.
    static let exactSpaces: Set<String> = Set(spaces)

    static func python(_ args: [String]) async throws -> TestSupport.Run {
        try await TestSupport.run("/usr/bin/env", ["python3"] + args)
    }

    static func sample(_ space: String, seed: Int) async throws -> String {
        let r = try await TestSupport.hwnasRun(["spaces", "show", space, "--seed", "\(seed)"])
        guard let line = r.out.split(separator: "\n").first(where: { $0.hasPrefix("sample: ") }) else {
            throw TestFailure("no sample line for \(space): \(r.out) \(r.err)")
        }
        return String(line.dropFirst("sample: ".count))
    }

    static func metrics(_ args: [String]) async throws -> [String: Double] { try await TestSupport.costMetrics(args) }

    @Test func exportsOfEverySpacePassTheCheckerAndMatchONNXRuntime() async throws {
        let dir = TestSupport.tempDir("onnx-export")
        var cases: [[String: Any]] = []
        var roundTrips: [(space: String, arch: String, model: String)] = []
        for space in Self.spaces {
            for seed in [1, 2] {
                let arch = try await Self.sample(space, seed: seed)
                // The test-data folder does not exist yet: export makes it.
                let model = "\(dir)/\(space)-\(seed).onnx", data = "\(dir)/\(space)-\(seed)/test_data_set_0"
                let r = try await TestSupport.hwnasRun(["export", "--space", space, "--arch", arch, "--output", model, "--test-data", data])
                #expect(r.status == 0, "export \(space) \(arch): \(r.err)")
                let params = try await Self.metrics(["--space", space, "--arch", arch, "--profile", "stm32f746"])["params"] ?? -1
                cases.append(["model": model, "test_data": data, "params": Int(params)])
                roundTrips.append((space, arch, model))
            }
        }
        let list = "\(dir)/cases.json"
        try JSONSerialization.data(withJSONObject: cases).write(to: URL(fileURLWithPath: list))
        let r = try await Self.python([TestSupport.repoRoot + "/Tests/fixtures/onnx_check.py", list])
        #expect(r.status == 0, "\(r.err)")
        let results = TestSupport.jsonLines(r.out)
        #expect(results.count == cases.count, "\(r.out)\n\(r.err)")
        for res in results {
            #expect(res["ok"] as? Bool == true, "\(res)")
            #expect((res["opset"] as? Int ?? 0) >= 17, "\(res)")
        }
        // In again: the imported model costs what the space's network costs.
        for (space, arch, model) in roundTrips {
            let want = try await Self.metrics(["--space", space, "--arch", arch, "--profile", "stm32f746"])
            let got = try await Self.metrics(["--model", model, "--profile", "stm32f746"])
            #expect(got["params"] == want["params"] && got["macs"] == want["macs"], "\(space) \(arch): \(got) vs \(want)")
            if Self.exactSpaces.contains(space) { #expect(got == want, "\(space) \(arch): \(got) vs \(want)") }
        }
    }

    @Test func pytorchModelsAreReadWithTheirDeployedCounts() async throws {
        for exporter in ["legacy", "dynamo"] {
            let dir = TestSupport.tempDir("torch-\(exporter)")
            let r = try await Self.python([TestSupport.repoRoot + "/Tests/fixtures/torch_models.py", dir]
                                    + (exporter == "dynamo" ? ["--dynamo"] : []))
            #expect(r.status == 0, "\(r.out)\n\(r.err)")
            let expected = try TestSupport.readJSON("\(dir)/expected.json") as! [String: [String: Int]]
            var cases: [[String: Any]] = []
            for name in ["cnn2d", "mlp", "cnn1d", "inception", "cnn2d_bn"] where FileManager.default.fileExists(atPath: "\(dir)/\(name).onnx") {
                let m = try await Self.metrics(["--model", "\(dir)/\(name).onnx", "--profile", "stm32f746"])
                #expect(m["params"] == Double(expected[name]!["params"]!), "\(exporter) \(name): \(m) vs \(expected[name]!)")
                #expect(m["macs"] == Double(expected[name]!["macs"]!), "\(exporter) \(name): \(m) vs \(expected[name]!)")
                for k in ["peak_sram_kb", "flash_kb", "latency_ms"] { #expect((m[k] ?? 0) > 0, "\(exporter) \(name): no \(k) in \(m)") }
                // The IR read from the model, written again with hwnas's
                // weights: ONNX Runtime computes what hwnas's executor does
                // (the importer's reading of every op is the runtime's).
                let data = "\(dir)/\(name)-td"
                try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
                let re = try await TestSupport.hwnasRun(["export", "--model", "\(dir)/\(name).onnx", "--output", "\(dir)/\(name)-hwnas.onnx", "--test-data", data])
                #expect(re.status == 0, "\(re.err)")
                cases.append(["model": "\(dir)/\(name)-hwnas.onnx", "test_data": data, "params": expected[name]!["params"]!])
            }
            let list = "\(dir)/cases.json"
            try JSONSerialization.data(withJSONObject: cases).write(to: URL(fileURLWithPath: list))
            let check = try await Self.python([TestSupport.repoRoot + "/Tests/fixtures/onnx_check.py", list])
            let results = TestSupport.jsonLines(check.out)
            #expect(results.count == cases.count && results.allSatisfy { $0["ok"] as? Bool == true }, "\(check.out)\n\(check.err)")
            let bad = try await TestSupport.hwnasRun(["cost", "--model", "\(dir)/unsupported.onnx", "--profile", "stm32f746"])
            #expect(bad.status == 1 && bad.err.contains("(Softmax): unsupported op type; supported: Conv"), "\(bad.err)")
            #expect(bad.err.split(separator: "\n").count == 1, "\(bad.err)")
            // A profile whose tables know architectures, not layers: no numbers, and a note saying so.
            let table = try await TestSupport.hwnasRun(["cost", "--model", "\(dir)/cnn2d.onnx", "--profile", "raspi4"])
            #expect(table.status == 0 && table.out.contains("\"metrics\" : {\n\n  }") && table.out.contains("price nothing for this model"), "\(table.out) \(table.err)")
            let dynamic = try await TestSupport.hwnasRun(["cost", "--model", "\(dir)/dynamic.onnx", "--profile", "stm32f746"])
            #expect(dynamic.status == 1 && dynamic.err.contains("dimension 2 is dynamic ('height')"), "\(dynamic.err)")
        }
    }

    @Test func malformedModelsAreOneLine() async throws {
        let dir = TestSupport.tempDir("bad-onnx")
        let r = try await Self.python([TestSupport.repoRoot + "/Tests/fixtures/bad_onnx.py", dir])
        #expect(r.status == 0, "\(r.err)")
        let expected = [
            "noinput": "(Relu): no input or no output",
            "negdims": "tensor 'w': dims [4, -3, 3, 3] are negative",
            "group0": "(Conv): attribute 'group' is 0; expected 1...2147483647",
            "stride0": "(Conv): attribute 'strides' holds 0; expected 1...2147483647",
            "kernel0": "(Conv): attribute 'kernel_shape' holds 0; expected 1...2147483647",
            "bigpool": "(MaxPool): window 9x9 is larger than its padded input",
            "wrongout": "output 'y' is not computed by a supported layer",
            "gemm4d": "(Gemm): Gemm over a 3x8x8 feature map: flatten it first",
            "concat_axis2": "along the channels (axis 1)",
            "garbage": "not an ONNX model",
            "empty": "not an ONNX model (no graph in it)",
        ]
        for (name, fragment) in expected {
            let c = try await TestSupport.hwnasRun(["cost", "--model", "\(dir)/\(name).onnx", "--profile", "stm32f746"])
            #expect(c.status == 1 && c.err.hasPrefix("hwnas: error: \(dir)/\(name).onnx: ") && c.err.contains(fragment), "\(name): \(c.err)")
            #expect(c.err.split(separator: "\n").count == 1 && !c.signaled && c.out.isEmpty, "\(name): \(c.out) \(c.err)")
        }
    }

    @Test func searchExportsItsBestAndRefusesBadExportPaths() async throws {
        let dir = TestSupport.tempDir("export-best")
        let base = ["search", "--space", "micronas-1d", "--budget", "3", "--quiet", "--evaluator", "naswot", "--output", "\(dir)/r.json"]
        let r = try await TestSupport.hwnasRun(base + ["--export-best", "\(dir)/best.onnx"])
        #expect(r.status == 0 && r.out.contains("export: \(dir)/best.onnx (onnx)"), "\(r.out) \(r.err)")
        let result = try TestSupport.readJSON("\(dir)/r.json")
        let arch = (result["best"] as! [String: Any])["arch"] as! String
        let params = try await Self.metrics(["--space", "micronas-1d", "--arch", arch, "--profile", "stm32f746"])["params"]!
        let check = try await Self.python(["-c", "import onnx, numpy as np, sys; m = onnx.load(sys.argv[1]); onnx.checker.check_model(m, full_check=True); print(sum(int(np.prod(t.dims)) for t in m.graph.initializer))", "\(dir)/best.onnx"])
        #expect(check.status == 0 && check.out.trimmingCharacters(in: .whitespacesAndNewlines) == String(Int(params)), "\(check.out) \(check.err)")
        // The IR as JSON, the same object the command evaluator sends.
        let j = try await TestSupport.hwnasRun(["export", "--space", "micronas-1d", "--arch", arch, "--output", "\(dir)/best.json"])
        #expect(j.status == 0, "\(j.err)")
        let ir = try TestSupport.readJSON("\(dir)/best.json")
        #expect(ir["arch"] as? String == arch && (ir["layers"] as? [Any])?.isEmpty == false && ir["spatial_dims"] as? Int == 1)
        // Checked before any work: a missing folder, an unknown extension.
        let missing = try await TestSupport.hwnasRun(base + ["--export-best", "/nonexistent-dir/best.onnx"])
        #expect(missing.status == 1 && missing.err.contains("--export-best /nonexistent-dir/best.onnx: the folder /nonexistent-dir does not exist"), "\(missing.err)")
        let ext = try await TestSupport.hwnasRun(base + ["--export-best", "\(dir)/best.pt"])
        #expect(ext.status != 0 && ext.err.contains("give a .onnx, .json or .tflite file name"), "\(ext.err)")
        let zeros = try await TestSupport.hwnasRun(["export", "--space", "micronas-1d", "--arch", arch, "--output", "\(dir)/z.onnx", "--weights", "zeros"])
        #expect(zeros.status == 0, "\(zeros.err)")
        let z = try await Self.python(["-c", "import onnx, numpy as np, sys; from onnx import numpy_helper; m = onnx.load(sys.argv[1]); print(max(float(np.abs(numpy_helper.to_array(t)).max()) for t in m.graph.initializer))", "\(dir)/z.onnx"])
        #expect(z.out.trimmingCharacters(in: .whitespacesAndNewlines) == "0.0", "\(z.out) \(z.err)")
    }
}
