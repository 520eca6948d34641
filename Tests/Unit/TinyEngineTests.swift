// runtime tinyengine: TinyEngine's first-fit planner and its schedule of
// the converter's graph (in-place depthwise, fused PAD, static buffers).
import HwnasMCUModel
import HwnasOps
import HwnasSplitMix
import Testing

@Suite struct TinyEngineTests {
    /// Largest first, each at the lowest address clear of the tensors alive
    /// with it: A (100 B, ops 0-1), C (80 B, ops 2-3) share address 0; B
    /// (50 B, ops 1-2) overlaps both and goes above A.
    @Test func placesLargestFirstAtTheLowestFreeAddress() {
        let (addresses, size) = FirstFitPlanner.plan([
            PlannedTensor(size: 100, start: 0, end: 2), PlannedTensor(size: 50, start: 1, end: 3),
            PlannedTensor(size: 80, start: 2, end: 4),
        ])
        #expect(addresses == [0, 100, 0])
        #expect(size == 150)
    }

    /// A tensor overwritten in place by a stride-2 depthwise convolution at
    /// op 1 holds a quarter of its bytes afterwards: a tensor starting at op
    /// 2 fits above that quarter, one starting at op 1 does not.
    @Test func aStrideTwoInPlaceTensorShrinksToAQuarter() {
        let after = FirstFitPlanner.plan([PlannedTensor(size: 100, start: 0, end: 3, quarterAfter: 1),
                                          PlannedTensor(size: 30, start: 2, end: 4)])
        #expect(after.addresses == [0, 25])
        let during = FirstFitPlanner.plan([PlannedTensor(size: 100, start: 0, end: 3, quarterAfter: 1),
                                           PlannedTensor(size: 30, start: 1, end: 4)])
        #expect(during.addresses == [0, 100])
    }

    /// Tensors with the same lifetime never share bytes (TinyEngine's strict
    /// overlap test would let them).
    @Test func identicalLifetimesDoNotShare() {
        let (addresses, size) = FirstFitPlanner.plan([PlannedTensor(size: 64, start: 3, end: 5),
                                                     PlannedTensor(size: 64, start: 3, end: 5)])
        #expect(Set(addresses) == [0, 64] && size == 128)
    }

    /// On 3000 random sets: no two tensors alive at once share a byte (a
    /// quarter-size tensor counts as a quarter for tensors starting after
    /// its op), and each tensor sits at the lowest such address among those
    /// placed before it (a plain scan of every candidate address).
    @Test func randomSetsAreValidAndFirstFit() {
        var rng = SplitMix64(seed: 7)
        for _ in 0..<3000 {
            let n = Int(rng.next() % 24) + 1
            let tensors = (0..<n).map { _ -> PlannedTensor in
                let start = Int(rng.next() % 12), len = Int(rng.next() % 5) + 1
                let quarter: Int? = rng.next() % 4 == 0 ? start + Int(rng.next() % UInt64(len)) : nil
                return PlannedTensor(size: Int64(rng.next() % 200) + 1, start: start, end: start + len, quarterAfter: quarter)
            }
            let (addresses, size) = FirstFitPlanner.plan(tensors)
            func extent(_ p: Int, seenFrom t: Int) -> Int64 {
                if let q = tensors[p].quarterAfter, tensors[t].start > q { return (tensors[p].size + 3) / 4 }
                return tensors[p].size
            }
            func overlaps(_ a: Int, _ b: Int) -> Bool { tensors[a].start < tensors[b].end && tensors[b].start < tensors[a].end }
            let order = tensors.indices.sorted { tensors[$0].size != tensors[$1].size ? tensors[$0].size > tensors[$1].size : $0 < $1 }
            for (k, t) in order.enumerated() {
                let before = order[..<k].filter { overlaps($0, t) }
                func clear(_ a: Int64) -> Bool {
                    before.allSatisfy { p in a + tensors[t].size <= addresses[p] || addresses[p] + extent(p, seenFrom: t) <= a }
                }
                #expect(clear(addresses[t]), "tensor \(t) overlaps one placed before it")
                let candidates = [Int64(0)] + before.map { addresses[$0] + extent($0, seenFrom: t) }
                #expect(candidates.filter(clear).min() == addresses[t], "tensor \(t) is not at the lowest free address")
            }
            #expect(size == tensors.indices.map { addresses[$0] + tensors[$0].size }.max())
        }
    }

    /// An inverted residual block with a stride-2 depthwise convolution
    /// padded as PyTorch pads (so the converter writes a PAD), then a
    /// depthwise convolution whose input a residual add reads again.
    static func network() -> Network {
        let x = TensorShape(c: 8, h: 16, w: 16), e = TensorShape(c: 48, h: 16, w: 16), d = TensorShape(c: 48, h: 8, w: 8)
        let y = TensorShape(c: 16, h: 8, w: 8)
        return Network(tensors: [x, e, d, y, y, y], layers: [
            Layer(op: "pwconv2d", kernel: 1, input: 0, output: 1, inShape: x, outShape: e, weightElems: 8 * 48, biasElems: 48,
                  attrs: LayerAttributes(kernelH: 1, kernelW: 1, activation: .relu6)),
            Layer(op: "dwconv2d", kernel: 3, stride: 2, groups: 48, input: 1, output: 2, inShape: e, outShape: d,
                  weightElems: 9 * 48, biasElems: 48,
                  attrs: LayerAttributes(kernelH: 3, kernelW: 3, strideH: 2, strideW: 2, padTop: 1, padLeft: 1, padBottom: 1,
                                         padRight: 1, activation: .relu6)),
            Layer(op: "pwconv2d", kernel: 1, input: 2, output: 3, inShape: d, outShape: y, weightElems: 48 * 16, biasElems: 16),
            Layer(op: "dwconv2d", kernel: 3, groups: 16, input: 3, output: 4, inShape: y, outShape: y, weightElems: 9 * 16,
                  biasElems: 16),
            Layer(op: "add", input: 4, input2: 3, output: 5, inShape: y, outShape: y),
        ])
    }

    @Test func theScheduleFusesPadAndRunsDepthwiseInPlace() throws {
        let g = try TFLMGraph(Self.network())
        #expect(g.ops.map(\.kernel) == [.conv2D, .pad, .depthwiseConv2D, .conv2D, .depthwiseConv2D, .add])
        let s = TinyEngineSchedule(g)
        #expect(s.ops.map(\.kernel) == [.conv2D, .depthwiseConv2D, .conv2D, .depthwiseConv2D, .add], "PAD is fused")
        // The first depthwise convolution overwrites the expansion's output;
        // the second may not: the add reads its input afterwards.
        #expect(s.ops.map(\.inPlace) == [false, true, false, false, false])
        #expect(s.ops[1].output == s.ops[0].output && s.ops[1].inputs == [s.ops[0].output])
        #expect(s.tensors[s.ops[0].output].quarterAfter == 1, "stride 2: a quarter after op 1")
        // Input, expansion (also the depthwise output), projection, depthwise output, add output.
        #expect(s.tensors.map(\.size) == [2048, 12288, 1024, 1024, 1024], "input, expansion, projection, depthwise, add")
        #expect(s.tensors[1].start == 0 && s.tensors[1].end == 3, "the expansion lives until the projection reads it")
        // In-place depthwise buffer: 2 x the padded input plane; not in place: 2 x k x k x channels.
        #expect(s.ops[1].im2colBytes == 648 && s.ops[3].im2colBytes == 288)   // 2 x 18 x 18; 2 x 3 x 3 x 16
        #expect(s.ops[0].im2colBytes == 32 && s.ops[0].kernelBufferBytes == 0, "1x1: im2col of 2 int16 columns, no kernel buffer")
        let weights: Int64 = 384 + 432 + 768 + 144   // 8x48, 9x48, 48x16, 9x16
        #expect(s.weightBytes == weights)
        #expect(s.biasAndScaleBytes == 8 * 128)

        let m = TinyEngineMemory.estimate(s)
        // The peak is at op 0: the input and the expansion; the projection
        // later fits beside the quarter the stride-2 depthwise leaves.
        #expect(m.liveBytes == 14336 && m.activationBytes == 14336)
        #expect(m.im2colBytes == 648 && m.kernelBufferBytes == 0)
        #expect(m.totalBytes == 14984)
    }

    /// The cost model's tinyengine runtime prices the schedule, and its
    /// memory is below TFLM's for the same network (no PAD buffer, no
    /// separate depthwise output, no persistent structures).
    @Test func theCostModelPricesTinyEngineBelowTFLM() throws {
        var p = try MCUProfile(options: ["clock_mhz": "480", "runtime": "tinyengine", "runtime_flash_kb": "15"])
        let n = Self.network()
        let te = try MCUCostModel(profile: p).estimate(n)
        #expect(te.peakSRAMBytes == 14984)
        #expect(te.flashBytes == 1728 + 1024 + 15 * 1024, "weights, bias and scale per channel, code")
        p.runtime = .tflm
        let tflm = try MCUCostModel(profile: p).estimate(n)
        #expect(tflm.peakSRAMBytes > te.peakSRAMBytes)
        #expect(try MCUCostModel(profile: p).explain(n).contains("tensor arena"))
        p.runtime = .tinyengine
        let explain = try MCUCostModel(profile: p).explain(n)
        #expect(explain.contains("runtime tinyengine") && explain.contains("1 depthwise in place") && explain.contains("im2col buffer 0.6 KB"))
    }
}
