// The `runtime: tflm` memory model: TFLM's greedy planner (ties included),
// the lowering of the IR to the ops a .tflite holds, and the whole model
// against TensorFlow Lite Micro itself: sampled networks of every shipped
// space exported as .tflite and run in TFLM's interpreter
// (tools/tflm/arena_table.py, the command docs/operators-and-mcu.md quotes).
import HwnasTestSupport
import Foundation
import HwnasMCUModel
import HwnasOps
import Testing

@Suite(.tags(.cli)) struct TFLMArenaTests {
    @Test func greedyPlannerPlacesLargestFirstInTheFirstGap() {
        // A and C (100 B) never live together: both at 0; B overlaps both: after them.
        let plan = GreedyArenaPlanner.plan([ArenaBuffer(size: 100, first: 0, last: 1), ArenaBuffer(size: 50, first: 1, last: 2),
                                            ArenaBuffer(size: 100, first: 2, last: 3)])
        #expect(plan.offsets == [0, 100, 0] && plan.size == 150)
        // A small buffer goes into a gap between two placed ones.
        let gap = GreedyArenaPlanner.plan([ArenaBuffer(size: 64, first: 0, last: 0), ArenaBuffer(size: 96, first: 0, last: 2),
                                           ArenaBuffer(size: 80, first: 1, last: 1), ArenaBuffer(size: 32, first: 2, last: 2)])
        // 96 at 0; 80 after it (overlaps at 1); 64 lives at 0 with the 96: at 96; 32 at 2 with the 96 only: at 96.
        #expect(gap.offsets == [96, 0, 96, 96] && gap.size == 176)
    }

    /// The planner against a plain statement of TFLM's algorithm (the
    /// planner's first form: tuples sorted stably, a linear scan of placed
    /// ids), on 3000 random buffer sets with many equal sizes.
    @Test func greedyPlannerEqualsItsPlainStatement() {
        func reference(_ buffers: [ArenaBuffer]) -> [Int64] {
            let order = (0..<buffers.count).reversed().enumerated()
                .sorted { a, b in buffers[a.element].size != buffers[b.element].size
                    ? buffers[a.element].size > buffers[b.element].size : a.offset < b.offset }
                .map(\.element)
            var offsets = [Int64](repeating: 0, count: buffers.count), byOffset: [Int] = []
            for id in order {
                let want = buffers[id]
                var candidate: Int64 = 0, prior = -1
                for other in byOffset where !(buffers[other].first > want.last || want.first > buffers[other].last) {
                    if prior >= 0 { candidate = max(candidate, offsets[prior] + buffers[prior].size) }
                    if offsets[other] - candidate >= want.size { prior = -1; break }
                    prior = other
                }
                if prior >= 0 { candidate = max(candidate, offsets[prior] + buffers[prior].size) }
                offsets[id] = candidate
                byOffset.insert(id, at: byOffset.firstIndex { offsets[$0] > candidate } ?? byOffset.count)
            }
            return offsets
        }
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next(_ n: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(n))
        }
        for _ in 0..<3000 {
            let ops = 1 + next(40)
            let buffers = (0..<(1 + next(60))).map { _ -> ArenaBuffer in
                let first = next(ops)
                return ArenaBuffer(size: Int64(16 * (1 + next(8))), first: first, last: first + next(ops - first))
            }
            let plan = GreedyArenaPlanner.plan(buffers)
            let want = reference(buffers)
            #expect(plan.offsets == want, "\(buffers)")
            #expect(plan.size == zip(want, buffers).map { $0 + $1.size }.max())
        }
    }

    @Test func equalSizesArePlacedInReverseRegistrationOrder() {
        // TFLM registers buffers from the tail of its sort array: the last one registered goes first.
        let plan = GreedyArenaPlanner.plan([ArenaBuffer(size: 64, first: 0, last: 0), ArenaBuffer(size: 64, first: 0, last: 0)])
        #expect(plan.offsets == [64, 0])
    }

    /// ReLU-Conv (pre-activation) with a residual and a hard-swish: RELU,
    /// CONV_2D, ADD (own buffer), HARD_SWISH, then MEAN and FULLY_CONNECTED.
    @Test func loweringWritesTheOpsTheConverterEmits() async throws {
        let c8 = TensorShape(c: 8, h: 8, w: 8), pooled = TensorShape(c: 8, h: 1, w: 1), logits = TensorShape(c: 4, h: 1, w: 1)
        var conv = Layer(op: "relu_conv_bn", kernel: 3, input: 0, input2: 0, output: 1, inShape: c8, outShape: c8,
                         flags: .residual, weightElems: 576, biasElems: 8)
        conv.attrs.preActivation = .relu
        conv.attrs.activation = .hswish
        let n = Network(tensors: [c8, c8, pooled, logits], layers: [
            conv,
            Layer(op: "global_avgpool", input: 1, output: 2, inShape: c8, outShape: pooled),
            Layer(op: "linear", input: 2, output: 3, inShape: pooled, outShape: logits, weightElems: 32, biasElems: 4),
        ])
        let g = try TFLMGraph(n)
        #expect(g.ops.map(\.kernel) == [.relu, .conv2D, .add, .hardSwish, .mean, .fullyConnected])
        #expect(g.ops[1].perChannel == 8)
        // Arena tensors: input, relu, conv, add, hswish (512 B each), mean 8 B -> 16, fc 4 B -> 16.
        let (bufs, _) = TFLMArena.buffers(g)
        #expect(bufs.map(\.size) == [512, 512, 512, 512, 512, 16, 16])
        // The input lives until the ADD reads it: at most three 512 B buffers at once.
        let e = TFLMArena.estimate(g, layout: .host64)
        #expect(e.liveBytes == 3 * 512 && e.headBytes >= e.liveBytes)
        // CMSIS-NN: the 3x3 convolution's int16 im2col of two columns, 4 x 9 x 8 B, alive during the conv only.
        #expect(g.ops[1].cmsisScratch == 288)
        let cmsis = TFLMArena.estimate(g, layout: .mcu32, kernels: .cmsisNN)
        #expect(cmsis.scratchCount == 1 && cmsis.liveBytes == 3 * 512 + 288)
        // File: weights 8*9*8 + 32 int8, biases (8 + 4) int32 in flash, not in the arena.
        let constBytes: Int64 = g.tensors.filter(\.constant).reduce(0) { $0 + $1.bytes }
        let want: Int64 = 576 + 32 + 4 * (8 + 4) + 8    // + MEAN's axes (2 x int32)
        #expect(constBytes == want)
    }

    @Test func kernelIndexIsThePositionInAllCases() {
        #expect(TFLMKernel.allCases.enumerated().allSatisfy { $0.offset == $0.element.index })
        #expect(TFLMLayout.mcu32.kernel[.conv2D] == 96 && TFLMLayout.host64.kernel.count == TFLMKernel.allCases.count)
    }

    @Test func anOperatorWithNoTFLiteFormIsAnError() async throws {
        var n = Network(tensors: [TensorShape(c: 4, h: 4, w: 4), TensorShape(c: 4, h: 4, w: 4)], layers: [])
        n.layers = [Layer(op: "mystery_op", input: 0, output: 1, inShape: n.tensors[0], outShape: n.tensors[1])]
        #expect(throws: OpError.unknownOp("mystery_op")) { try TFLMGraph(n) }
    }

    /// Every sampled network of every shipped space (3 seeds) and the MLPerf
    /// Tiny models, run in TFLM:
    /// the 64-bit model within +10% / -5% of TFLM's arena, the flash
    /// estimate within 5% of the .tflite file; the 32-bit figure below the
    /// 64-bit one (smaller structs) but above the tensor arena alone.
    /// The MLPerf Tiny models (ResNet-8, DS-CNN, MobileNetV1-0.25) built in
    /// PyTorch and exported as ONNX into a fresh folder.
    static func mlperfTinyModels() async throws -> String {
        let dir = TestSupport.tempDir("mlperf-tiny")
        let r = try await TestSupport.run("/usr/bin/env", ["python3", TestSupport.repoRoot + "/tools/mlperf-tiny/models.py", dir])
        guard r.status == 0 else { throw TestFailure("models.py: \(r.err)") }
        return dir
    }

    /// tools/tflm/arena_table.py's rows for 3 seeds of every shipped space and
    /// the four MLPerf Tiny models: hwnas's own export, or with `--converter`
    /// the file TFLiteConverter writes for the network built in Keras.
    static func arenaTable(_ extra: [String] = []) async throws -> [[String: Any]] {
        let models = try await mlperfTinyModels()
        let r = try await TestSupport.run("/usr/bin/env", ["python3", TestSupport.repoRoot + "/tools/tflm/arena_table.py",
                                                     "--hwnas", TestSupport.hwnas, "--seeds", "1,2,3", "--json",
                                                     "--work", TestSupport.tempDir("tflm-arena")] + extra
                                    + ["ic", "kws", "vww", "ad"].flatMap { ["--model", "\(models)/\($0).onnx"] })
        #expect(r.status == 0, "\(r.err)")
        let rows = TestSupport.jsonLines(r.out)
        #expect(rows.count == 19, "\(r.out)\n\(r.err)")
        return rows
    }

    @Test func estimatesMatchTFLMOnEveryShippedSpace() async throws {
        for row in try await Self.arenaTable() {
            let name = row["network"] as? String ?? "?"
            let ratio = try #require(row["ratio_tflm"] as? Double), flash = try #require(row["flash_ratio"] as? Double)
            #expect(ratio >= 0.95 && ratio <= 1.10, "\(name): hwnas / TFLM arena = \(ratio) (\(row))")
            #expect(flash >= 0.95 && flash <= 1.05, "\(name): flash estimate / .tflite = \(flash)")
            let m32 = try #require(row["tflm-32_sram_kb"] as? Double), m64 = try #require(row["tflm-64_sram_kb"] as? Double)
            let head = try #require(row["tflm_head_kb"] as? Double)
            #expect(m32 < m64 && m32 > head, "\(name): 32-bit \(m32) KB, 64-bit \(m64) KB, head \(head) KB")
        }
    }

    /// The latency profiles calibrated on MLPerf Tiny (one model per board
    /// and runtime) predict every held-back published figure within 20%.
    @Test func mlperfTinyLatencyProfilesPredictHeldBackModels() async throws {
        let models = try await Self.mlperfTinyModels()
        let r = try await TestSupport.run("/usr/bin/env", ["python3", TestSupport.repoRoot + "/tools/mlperf-tiny/calibrate.py",
                                                     "--hwnas", TestSupport.hwnas, "--models", models, "--check", "--json"])
        #expect(r.status == 0, "\(r.err)")
        let rows = TestSupport.jsonLines(r.out)
        #expect(rows.count == 18, "\(r.out)\n\(r.err)")
        for row in rows {
            let error = try #require(row["error"] as? Double), role = row["role"] as? String
            let name = "\(row["profile"] ?? "?") \(row["model"] ?? "?")"
            #expect(abs(error) <= (role == "calibration" ? 0.01 : 0.20), "\(name) (\(role ?? "")): \(error) (\(row))")
        }
        #expect(rows.filter { $0["model"] as? String == "ad" }.count == 3, "AD is priced on the three X-CUBE-AI boards")
        // The dense constant, fit on the other boards' AD, predicts each board's AD.
        let fit = try await TestSupport.run("/usr/bin/env", ["python3", TestSupport.repoRoot + "/tools/mlperf-tiny/calibrate.py",
                                                       "--hwnas", TestSupport.hwnas, "--models", models, "--fit-linear", "--json"])
        #expect(fit.status == 0, "\(fit.err)")
        let held = TestSupport.jsonLines(fit.out)
        #expect(held.count == 3, "\(fit.out)")
        for row in held {
            let error = try #require(row["error"] as? Double)
            #expect(abs(error) <= 0.10, "AD on \(row["profile"] ?? "?") with the other boards' dense constant: \(error)")
        }
    }

    /// An MLP ([batch, features] input: MLPerf Tiny's anomaly-detection
    /// autoencoder) imports with its batch norms folded into the dense layers
    /// (the deployed parameter count), exports to an ONNX model with the same
    /// [1, 640] input that ONNX Runtime runs as hwnas's executor does.
    @Test func denseAutoencoderImportsAndExports() async throws {
        let models = try await Self.mlperfTinyModels()
        let metrics = try await TestSupport.costMetrics(["--model", "\(models)/ad.onnx", "--profile", "nucleo-h7a3zi-q"])
        #expect(metrics["params"] == 265_864 && metrics["macs"] == 264_192, "\(metrics)")
        let dir = TestSupport.tempDir("ad-export")
        let export = try await TestSupport.hwnasRun(["export", "--model", "\(models)/ad.onnx", "--format", "onnx",
                                                     "--output", "\(dir)/ad.onnx", "--test-data", "\(dir)/data"])
        #expect(export.status == 0, "\(export.err)")
        let cases = "\(dir)/cases.json"
        try Data(#"[{"model": "\#(dir)/ad.onnx", "test_data": "\#(dir)/data", "params": 265864}]"#.utf8).write(to: URL(fileURLWithPath: cases))
        let check = try await TestSupport.run("/usr/bin/env", ["python3", TestSupport.repoRoot + "/Tests/fixtures/onnx_check.py", cases])
        #expect(check.status == 0 && check.out.contains(#""ok": true"#) && check.out.contains(#""shape_ok": true"#), "\(check.out)\n\(check.err)")
        let json = try await TestSupport.hwnasRun(["export", "--model", "\(models)/ad.onnx", "--format", "json", "--output", "\(dir)/ad.json"])
        #expect(json.status == 0, "\(json.err)")
        let ir = try TestSupport.readJSON("\(dir)/ad.json")
        #expect(ir["spatial_dims"] as? Int == 0)
    }
}
