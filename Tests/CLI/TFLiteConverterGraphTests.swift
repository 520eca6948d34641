// The graph TensorFlow's TFLiteConverter writes for a network, which
// `runtime: tflm` prices and `hwnas export --format tflite` writes
// (TFLiteConverterRewrites.swift): each rewrite on a small network, and
// the whole model against the converter itself: sampled networks of every
// shipped space and the MLPerf Tiny models built in Keras, converted to
// int8 by TFLiteConverter and run in TFLite Micro
// (tools/tflm/keras_convert.py through tools/tflm/arena_table.py --converter).
import HwnasTestSupport
import Foundation
import HwnasMCUModel
import HwnasOps
import Testing

@Suite(.tags(.cli)) struct TFLiteConverterGraphTests {
    static let c8 = TensorShape(c: 8, h: 8, w: 8)

    static func conv(_ input: Int, _ output: Int, pre: Activation = .none, act: Activation = .none,
                     input2: Int = -1) -> Layer {
        var l = Layer(op: pre == .none ? "conv2d" : "relu_conv_bn", kernel: 3, input: input, input2: input2, output: output,
                      inShape: c8, outShape: c8, flags: input2 >= 0 ? .residual : [], weightElems: 576, biasElems: 8)
        l.attrs.preActivation = pre
        l.attrs.activation = act
        l.attrs.batchNorm = true
        return l
    }

    static func add(_ a: Int, _ b: Int, _ output: Int) -> Layer {
        Layer(op: "add", input: a, input2: b, output: output, inShape: c8, outShape: c8)
    }

    /// nb201's ReLU-Conv-BN edges leaving one node: when every reader applies
    /// the ReLU, the producing convolution computes it (no RELU op at all).
    @Test func aReLUEveryReaderAppliesIsFusedIntoTheProducer() throws {
        let n = Network(tensors: Array(repeating: Self.c8, count: 5), layers: [
            Self.conv(0, 1), Self.conv(1, 2, pre: .relu), Self.conv(1, 3, pre: .relu), Self.add(2, 3, 4),
        ])
        let g = try TFLMGraph(n)
        #expect(g.ops.map(\.kernel) == [.conv2D, .conv2D, .conv2D, .add])
        let rewritten = n.tfliteConverterRewritten().network
        #expect(rewritten.layers[0].attrs.activation == .relu)
        #expect(rewritten.layers.allSatisfy { $0.attrs.preActivation == .none })
    }

    /// When something also reads the tensor itself, the readers share one RELU.
    @Test func readersOfOneTensorShareOneActivation() throws {
        let n = Network(tensors: Array(repeating: Self.c8, count: 6), layers: [
            Self.conv(0, 1), Self.conv(1, 2, pre: .relu), Self.conv(1, 3, pre: .relu), Self.add(2, 3, 4), Self.add(4, 1, 5),
        ])
        let g = try TFLMGraph(n)
        #expect(g.ops.filter { $0.kernel == .relu }.count == 1)
        #expect(g.ops.count == 6)     // conv, relu, conv, conv, add, add
        // The literal lowering had a RELU per reader: one buffer more.
        #expect(n.tfliteConverterRewritten().network.layers.count == 6)
    }

    @Test func duplicatePoolsOnOneTensorAreComputedOnce() throws {
        var pool = Layer(op: "avgpool", kernel: 3, input: 0, output: 1, inShape: Self.c8, outShape: Self.c8)
        pool.attrs = .square(kernel: 3, stride: 1)
        pool.attrs.padTop = 1; pool.attrs.padLeft = 1; pool.attrs.padBottom = 1; pool.attrs.padRight = 1
        var again = pool
        again.output = 2
        let n = Network(tensors: Array(repeating: Self.c8, count: 4), layers: [pool, again, Self.add(1, 2, 3)])
        let g = try TFLMGraph(n)
        #expect(g.ops.map(\.kernel) == [.averagePool2D, .add])
        #expect(g.ops[1].inputs[0] == g.ops[1].inputs[1])
    }

    /// A residual block with a projection shortcut: the main branch runs to
    /// its join first, the shortcut right before the add (the converter's
    /// depth-first order), not in the IR's order.
    @Test func theShortcutRunsAfterTheMainBranch() throws {
        let n = Network(tensors: Array(repeating: Self.c8, count: 4), layers: [
            Self.conv(0, 1, act: .relu), Self.conv(0, 2), Self.conv(1, 3, act: .relu, input2: 2),
        ])
        let g = try TFLMGraph(n)
        #expect(g.ops.map(\.kernel) == [.conv2D, .conv2D, .conv2D, .add])
        #expect(g.ops.map(\.layer) == [0, 2, 1, 2])     // IR layers: main 1, main 2, shortcut, main 2's add
        let (rewritten, origin) = n.tfliteConverterRewritten()
        #expect(rewritten.params == n.params && rewritten.macs == n.macs && origin == [0, 2, 1, 2])
        #expect(rewritten.layers.last?.op == "add" && rewritten.layers.last?.attrs.activation == .relu)
    }

    /// TFLite's SAME pads the odd cell at the bottom / right. A stride-2 3x3
    /// window padded 1 on both sides of an even input (PyTorch's) computes
    /// something else, so it is written as PAD + VALID (and priced with the
    /// PAD's buffer); on an odd input SAME pads 1 and 1, as the IR does.
    @Test func aStrideTwoWindowPaddedOnBothSidesOfAnEvenInputIsAPad() throws {
        func lowered(_ side: Int) throws -> [TFLMKernel] {
            let x = TensorShape(c: 8, h: side, w: side), y = TensorShape(c: 8, h: (side + 1) / 2, w: (side + 1) / 2)
            var l = Layer(op: "conv2d", kernel: 3, stride: 2, input: 0, output: 1, inShape: x, outShape: y, weightElems: 576, biasElems: 8)
            l.attrs = .square(kernel: 3, stride: 2)
            return try TFLMGraph(Network(tensors: [x, y], layers: [l])).ops.map(\.kernel)
        }
        #expect(try lowered(8) == [.pad, .conv2D])
        #expect(try lowered(7) == [.conv2D])
    }

    /// A 1-D network as Keras's Conv1D converts: RESHAPE to rank 4 at the
    /// input, back to rank 3 before the global pool.
    @Test func aOneDNetworkReshapesAroundItsWindows() throws {
        let seq = TensorShape(c: 8, h: 1, w: 16), pooled = TensorShape(c: 8, h: 1, w: 1), logits = TensorShape(c: 4, h: 1, w: 1)
        var conv = Layer(op: "conv2d", kernel: 3, input: 0, output: 1, inShape: seq, outShape: seq, weightElems: 192, biasElems: 8)
        conv.attrs = LayerAttributes(kernelH: 1, kernelW: 3, padLeft: 1, padRight: 1, activation: .relu)
        let n = Network(tensors: [seq, seq, pooled, logits], layers: [
            conv,
            Layer(op: "global_avgpool", input: 1, output: 2, inShape: seq, outShape: pooled),
            Layer(op: "linear", input: 2, output: 3, inShape: pooled, outShape: logits, weightElems: 32, biasElems: 4),
        ], spatialDims: 1)
        let g = try TFLMGraph(n)
        #expect(g.ops.map(\.kernel) == [.reshape, .conv2D, .reshape, .mean, .fullyConnected])
        #expect(g.ops.last?.perChannel == 4, "dense weights are quantised per channel")
    }

    /// Every sampled network of every shipped space (3 seeds) and the MLPerf
    /// Tiny models, built in Keras, converted by TFLiteConverter (int8,
    /// per-channel, calibrated) and run in TFLM: hwnas's 64-bit figure
    /// within +5 % / -2 % of TFLM's arena, its flash estimate within 3 % of
    /// the converter's file (strings stripped, as TensorFlow's own tool does).
    @Test func estimatesMatchTheConvertersGraphOnEveryShippedSpace() async throws {
        for row in try await TFLMArenaTests.arenaTable(["--converter"]) {
            let name = row["network"] as? String ?? "?"
            let ratio = try #require(row["ratio_tflm"] as? Double), flash = try #require(row["flash_ratio"] as? Double)
            #expect(ratio >= 0.98 && ratio <= 1.05, "\(name): hwnas / TFLM arena of the converter's file = \(ratio) (\(row))")
            #expect(flash >= 0.97 && flash <= 1.03, "\(name): flash estimate / the converter's file = \(flash)")
        }
    }
}
