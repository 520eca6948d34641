// Operator math of BuiltinOperators against hand-computed values.
import HwnasTestSupport
import HwnasOps
import Testing

@Suite(.tags(.unit)) struct OperatorTests {
    let ops = BuiltinOperators()

    @Test func conv3x3KeepsSizeAndCountsBiasPerChannel() throws {
        // 16 -> 32 channels, 3x3, 32x32: weights 32*16*9 = 4608, bias 32,
        // MACs 32*32 positions * 32 outputs * 16*9 = 4,718,592.
        let r = try ops.infer(OpQuery(op: "conv2d", inC: 16, inH: 32, inW: 32, outC: 32, kernel: 3))
        #expect(r.output == TensorShape(c: 32, h: 32, w: 32))
        #expect(r.weightElems == 4608 && r.biasElems == 32 && r.params == 4640)
        #expect(r.macs == 4_718_592)
        #expect(r.activationBytes == 32 * 32 * 32 * 4)
    }

    @Test func stridedConvRoundsUp() throws {
        // "same" padding: out = (in + 2*1 - 3) / 2 + 1 -> 33 -> 17, 32 -> 16; 5x5: (33 + 4 - 5) / 2 + 1 = 17.
        #expect(try ops.infer(OpQuery(op: "conv2d", inC: 3, inH: 33, inW: 32, outC: 8, kernel: 3, stride: 2)).output
                == TensorShape(c: 8, h: 17, w: 16))
        #expect(try ops.infer(OpQuery(op: "dwconv2d", inC: 8, inH: 33, inW: 33, kernel: 5, stride: 2)).outH == 17)
    }

    @Test func groupedAndDepthwiseConvolutions() throws {
        // 1x1, 32 -> 64, 2 groups: each output sees 16 inputs: weights 64*16 = 1024, MACs 8*8*1024 = 65,536.
        let g = try ops.infer(OpQuery(op: "pwconv2d", inC: 32, inH: 8, inW: 8, outC: 64, kernel: 1, groups: 2))
        #expect(g.weightElems == 1024 && g.biasElems == 64 && g.macs == 65_536)
        // Depthwise 5x5 on 48 channels at 10x10: weights 48*25 = 1200, MACs 100*1200 = 120,000.
        let d = try ops.infer(OpQuery(op: "dwconv2d", inC: 48, inH: 10, inW: 10, kernel: 5))
        #expect(d.weightElems == 1200 && d.biasElems == 48 && d.macs == 120_000 && d.outC == 48)
        // conv2d with groups == channels equals the depthwise numbers.
        let c = try ops.infer(OpQuery(op: "conv2d", inC: 48, inH: 10, inW: 10, outC: 48, kernel: 5, groups: 48))
        #expect(c == d)
        #expect(throws: OpError.self) { try ops.infer(OpQuery(op: "conv2d", inC: 30, inH: 8, inW: 8, outC: 64, kernel: 1, groups: 4)) }
    }

    @Test func convWithoutBiasAndReLUConvBN() throws {
        let plain = try ops.infer(OpQuery(op: "conv2d_nobias", inC: 16, inH: 16, inW: 16, outC: 32, kernel: 1))
        #expect(plain.biasElems == 0 && plain.params == 512)
        let rcb = try ops.infer(OpQuery(op: "relu_conv_bn", inC: 16, inH: 16, inW: 16, outC: 32, kernel: 1))
        #expect(rcb.params == 512 + 32 && rcb.macs == plain.macs)
    }

    @Test func invertedResidualIsTheSumOfItsConvolutions() throws {
        // k5_e6, 24 -> 32, stride 2, 16x16, groups 1: mid 144
        //   expand 1x1: w 24*144 = 3456, b 144, MACs 256*3456   = 884,736
        //   dw 5x5 s2:  w 144*25 = 3600, b 144, MACs 64*3600    = 230,400
        //   project:    w 144*32 = 4608, b 32,  MACs 64*4608    = 294,912
        let r = try ops.infer(OpQuery(op: "inverted_residual", inC: 24, inH: 16, inW: 16, outC: 32, kernel: 5, stride: 2, expansion: 6))
        #expect(r.output == TensorShape(c: 32, h: 8, w: 8))
        #expect(r.weightElems == 3456 + 3600 + 4608 && r.biasElems == 144 + 144 + 32)
        #expect(r.macs == 884_736 + 230_400 + 294_912)
        // g2: both 1x1 convs halve: w 24*24/2 = 288 and 24*24/2 = 288, dw 3x3 216; MACs 8*8*(288 + 216 + 288).
        let g = try ops.infer(OpQuery(op: "inverted_residual", inC: 24, inH: 8, inW: 8, outC: 24, kernel: 3, groups: 2, expansion: 1))
        #expect(g.weightElems == 288 + 216 + 288 && g.macs == 64 * (288 + 216 + 288))
    }

    @Test func poolsLinearAndElementwise() throws {
        let avg = try ops.infer(OpQuery(op: "avgpool", inC: 16, inH: 32, inW: 32, kernel: 2, stride: 2))
        #expect(avg.output == TensorShape(c: 16, h: 16, w: 16) && avg.macs == 16 * 256 * 4 && avg.params == 0)
        let avg3 = try ops.infer(OpQuery(op: "avgpool", inC: 16, inH: 32, inW: 32, kernel: 3, stride: 1))
        #expect(avg3.output == TensorShape(c: 16, h: 32, w: 32) && avg3.macs == 16 * 1024 * 9)
        let gap = try ops.infer(OpQuery(op: "global_avgpool", inC: 64, inH: 8, inW: 8))
        #expect(gap.output == TensorShape(c: 64, h: 1, w: 1) && gap.macs == 4096)
        let fc = try ops.infer(OpQuery(op: "linear", inC: 64, inH: 1, inW: 1, outC: 10))
        #expect(fc.weightElems == 640 && fc.biasElems == 10 && fc.macs == 640)
        let bn = try ops.infer(OpQuery(op: "batchnorm", inC: 64, inH: 8, inW: 8))
        #expect(bn.params == 128 && bn.macs == 4096)
        for op in ["add", "identity", "zero"] {
            let r = try ops.infer(OpQuery(op: op, inC: 8, inH: 4, inW: 4))
            #expect(r.output == TensorShape(c: 8, h: 4, w: 4) && r.macs == 0 && r.params == 0)
        }
    }

    @Test func unknownOpsAndImpossibleShapesAreErrors() {
        #expect(throws: OpError.unknownOp("deform_conv")) { try ops.infer(OpQuery(op: "deform_conv", inC: 1, inH: 1, inW: 1)) }
        // 2x2 window without padding does not fit a 1x1 input; stride 0 is meaningless.
        #expect(throws: OpError.self) { try ops.infer(OpQuery(op: "avgpool", inC: 3, inH: 1, inW: 1, kernel: 2, stride: 2)) }
        #expect(throws: OpError.self) { try ops.infer(OpQuery(op: "conv2d", inC: 3, inH: 8, inW: 8, outC: 4, kernel: 3, stride: 0)) }
        #expect(throws: OpError.self) { try ops.infer(OpQuery(op: "avgpool", inC: 3, inH: 4, inW: 4, outC: 6, kernel: 2, stride: 2)) }
        #expect(throws: OpError.self) { try ops.infer(OpQuery(op: "linear", inC: 3, inH: 1, inW: 1)) }
        // concat needs the output's channels (more than its first input's).
        #expect(throws: OpError.self) { try ops.infer(OpQuery(op: "concat", inC: 4, inH: 2, inW: 2, outC: 4)) }
        #expect((try? ops.infer(OpQuery(op: "concat", inC: 4, inH: 2, inW: 2, outC: 7)))?.output == TensorShape(c: 7, h: 2, w: 2))
        #expect(BuiltinOperators.opNames.count == Set(BuiltinOperators.opNames).count)
        for op in BuiltinOperators.opNames {   // every advertised op answers a plain query
            #expect(throws: Never.self) {
                // linear's outputs; concat's output channels (input2 brings the rest)
                var q = OpQuery(op: op, inC: 4, inH: 4, inW: 4, outC: op == "linear" ? 2 : op == "concat" ? 6 : 0, kernel: 1, expansion: 1)
                q.hiddenC = 2   // squeeze_excite's squeezed width; ignored by the others
                return try ops.infer(q)
            }
        }
    }
}
