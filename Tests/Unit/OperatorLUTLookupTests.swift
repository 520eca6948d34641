// How a lookup table finds a layer: its own row, the same computation in
// deployed form (a folded BN is a bias; conv2d, pwconv2d and relu_conv_bn
// are one convolution), or a residual layer as the layer plus an add.
import HwnasTestSupport
import HwnasLUT
import Testing

@Suite(.tags(.unit)) struct OperatorLUTLookupTests {
    static func attrs(k: Int, pre: Int32 = 0, act: Int32 = 0, bn: Bool) -> String {
        OperatorKey.attributes(kernelH: k, kernelW: k, strideH: 1, strideW: 1, dilationH: 1, dilationW: 1,
                               pads: (k / 2, k / 2, k / 2, k / 2), preActivation: pre, activation: act, batchNorm: bn,
                               shuffleGroups: 0, hiddenC: 0, hiddenActivation: 0, gateActivation: 0)
    }
    static func conv(_ op: String, bn: Bool, pre: Int32 = 1, residual: Bool = false) -> OperatorKey {
        OperatorKey(op: op, inC: 16, inH: 8, inW: 8, outC: 16, outH: 8, outW: 8, kernel: 3, stride: 1, groups: 1, expansion: 0,
                    residual: residual, attrs: attrs(k: 3, pre: pre, bn: bn))
    }
    static let add = OperatorKey(op: "add", inC: 16, inH: 8, inW: 8, outC: 16, outH: 8, outW: 8, kernel: 0, stride: 1, groups: 1,
                                 expansion: 0, residual: false, attrs: attrs(k: 0, bn: false))
    static func entry(_ ms: Double) -> OperatorLUT.Entry { OperatorLUT.Entry(medianMs: ms, p10Ms: ms, p90Ms: ms, madMs: 0, repeats: 1) }

    @Test func deployedFormFindsTheSameConvolution() {
        let lut = OperatorLUT(entries: [Self.conv("relu_conv_bn", bn: true): Self.entry(0.5)])
        // Read back from ONNX: a conv2d with its own bias (no BN) and the same ReLU before it.
        #expect(lut.medianMs(Self.conv("conv2d", bn: false)) == 0.5)
        // Not the same computation: no ReLU before it, or no bias at all.
        #expect(lut.medianMs(Self.conv("conv2d", bn: false, pre: 0)) == nil)
        #expect(lut.medianMs(Self.conv("conv2d_nobias", bn: false)) == nil)
    }

    @Test func aResidualLayerIsTheLayerPlusAnAdd() {
        var lut = OperatorLUT(entries: [Self.conv("relu_conv_bn", bn: true): Self.entry(0.5)])
        #expect(lut.medianMs(Self.conv("conv2d", bn: false, residual: true)) == nil)   // no add row: unknown, not guessed
        lut = OperatorLUT(entries: [Self.conv("relu_conv_bn", bn: true): Self.entry(0.5), Self.add: Self.entry(0.25)])
        #expect(lut.medianMs(Self.conv("conv2d", bn: false, residual: true)) == 0.75)
        guard case .latency(let ms) = lut.predict([Self.conv("conv2d", bn: false, residual: true), Self.add]) else {
            Issue.record("no prediction"); return
        }
        #expect(ms == 1.0)
    }
}
