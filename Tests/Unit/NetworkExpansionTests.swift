// Whole networks of nb201 and fbnet genotypes, built by their space plugin
// through the ABI, checked against parameter and MAC counts worked out by
// hand (arithmetic in the comments).
import HwnasTestSupport
import HwnasCore
import HwnasOps
import Testing

@Suite(.tags(.unit)) struct NetworkExpansionTests {
    func nb201(_ op: String) throws -> Network {
        try TestSupport.network("nb201", choices: Array(repeating: op, count: 6))
    }

    /// All six edges nor_conv_3x3, CIFAR-10 (32x32x3, 10 classes).
    /// Deployed (BN folded: one bias per conv output channel):
    ///   stem   3*16*9 + 16                                  =       448
    ///   stage1 5 cells * 6 * (16*16*9 + 16)                 =    69,600
    ///   reduce 16*32*9+32 + 32*32*9+32 + 16*32 (no bias)    =    14,400
    ///   stage2 5 * 6 * (32*32*9 + 32)                       =   277,440
    ///   reduce 32*64*9+64 + 64*64*9+64 + 32*64              =    57,472
    ///   stage3 5 * 6 * (64*64*9 + 64)                       = 1,107,840
    ///   head   BN 2*64 + linear 64*10+10                    =       778
    ///   total                                               = 1,527,978
    /// Training (BN unfolded, 2 per channel) adds one per folded channel:
    ///   16 + 30*16 + 64 + 30*32 + 128 + 30*64 = 3,568  -> 1,531,546,
    /// exactly NAS-Bench-201's published maximum (1.531546 MB).
    @Test func nb201AllConv3x3() throws {
        let n = try nb201("nor_conv_3x3")
        try n.validate()
        #expect(n.params == 1_527_978)
        #expect(n.trainingParams == 1_531_546)
        // MACs: stem 32*32*16*27 = 442,368; a 3x3 cell edge costs
        // H*W*C*C*9 = 2,359,296 at every stage (H*W*C*C is constant), 30 per stage
        // -> 3 * 70,778,880; each reduction 1,179,648 + 2,359,296 + 131,072 = 3,670,016;
        // linear 640: conv+linear = 220,119,680 (NB201 reports 220.11 MFLOPs).
        // Plus pools: avgpool 2x2 16*16*16*4 = 16,384 and 8*8*32*4 = 8,192,
        // global pool 8*8*64 = 4,096; the head BN 4,096.
        #expect(n.macs == 220_119_680 + 16_384 + 8_192 + 4_096 + 4_096)
        // 15 cells * (6 convs + 3 adds) + stem + 2 * 4 reduction layers + 3 head layers.
        #expect(n.layers.count == 15 * 9 + 1 + 8 + 3)
        #expect(n.layers.filter { $0.op == "add" }.count == 45)
        #expect(n.tensors[n.outputTensor] == TensorShape(c: 10, h: 1, w: 1))
        #expect(n.layers.first { $0.cell == "stage3.cell1" }?.inShape == TensorShape(c: 64, h: 8, w: 8))
    }

    /// All edges skip_connect: cells add tensors and own no weights.
    ///   params = stem 448 + reductions 14,400 + 57,472 + head 778 = 73,098
    ///   training = 73,098 + 16 + 64 + 128 = 73,306 (NB201's minimum, 0.073306 MB)
    ///   MACs = stem 442,368 + 2 * 3,670,016 + pools 16,384 + 8,192 + 4,096
    ///          + BN 4,096 + linear 640 = 7,815,808 (conv+linear 7,783,040; NB201: 7.78 M)
    @Test func nb201AllSkip() throws {
        let n = try nb201("skip_connect")
        try n.validate()
        #expect(n.params == 73_098)
        #expect(n.trainingParams == 73_306)
        #expect(n.macs == 7_815_808)
        // node2 = x + x, node3 = x + x + node2: 3 adds per cell, no other cell layer.
        #expect(n.layers.filter { $0.cell.hasPrefix("stage") }.allSatisfy { $0.op == "add" })
        #expect(n.layers.count == 15 * 3 + 1 + 8 + 3)
    }

    @Test func nb201NoneEdgesAndDeadNodes() throws {
        // All none: every cell outputs zeros through one "zero" layer.
        let zero = try nb201("none")
        #expect(zero.layers.filter { $0.op == "zero" }.count == 15)
        #expect(zero.params == 73_098)   // stem, reductions and head remain
        // Only 1<-0 conv and 3<-0 skip: node 1 feeds nothing that reaches node 3, so
        // it is dead code; the cell is the identity and emits no layer at all.
        let dead = try TestSupport.network("nb201", choices: ["nor_conv_3x3", "none", "none", "skip_connect", "none", "none"])
        #expect(dead.layers.filter { $0.cell.hasPrefix("stage") }.isEmpty)
        // 2<-0 none, 2<-1 none makes node 2 zero; the conv on 3<-2 is dropped with it;
        // 1<-0 conv1x1 and 3<-1 avgpool reach node 3: per cell conv + pool, no add.
        let z2 = try TestSupport.network("nb201", choices: ["nor_conv_1x1", "none", "none", "none", "avg_pool_3x3", "nor_conv_3x3"])
        let cell = z2.layers.filter { $0.cell == "stage1.cell1" }
        #expect(cell.map(\.op) == ["relu_conv_bn", "avgpool"])
        #expect(cell[0].kernel == 1)
        try z2.validate()
    }

    @Test func nb201GenotypeIndicesFollowTheChoiceOrder() throws {
        // index 3 = nor_conv_3x3 in none, skip_connect, nor_conv_1x1, nor_conv_3x3, avg_pool_3x3
        #expect(try TestSupport.network("nb201", genotype: [3, 3, 3, 3, 3, 3]) == (try nb201("nor_conv_3x3")))
        #expect(throws: HwnasError.self) { try TestSupport.network("nb201", genotype: [5, 0, 0, 0, 0, 0]) }
        #expect(throws: HwnasError.self) { try TestSupport.network("nb201", genotype: [0, 0, 0]) }
        #expect(throws: HwnasError.self) { try TestSupport.space("nb101") }
    }

    @Test func nb201InputSizeOption() throws {
        // ImageNet16-120: 16x16 input, 120 classes. Params change only in the linear
        // layer: 64*120+120 - 650 = 7,150 more; MACs of every conv scale by 1/4.
        let n = try TestSupport.network("nb201", genotype: [3, 3, 3, 3, 3, 3], options: ["input_size": "16", "classes": "120"])
        #expect(n.params == 1_527_978 + 7_150)
        #expect(n.layers.last!.inShape == TensorShape(c: 64, h: 1, w: 1))
        #expect(n.layers.first { $0.cell == "stage3.cell1" }?.inShape == TensorShape(c: 64, h: 4, w: 4))
    }

    /// FBNet, every layer k3_e1, 32x32 input, 100 classes, stem and 24-channel
    /// group at stride 1 (default for small inputs). Block (in C, out C', mid = C):
    /// 1x1 C*C + C, dw 9C + C, 1x1 C'*C + C'. Params / MACs per group:
    ///   stem  432+16 = 448                    ; 32*32*16*27              =    442,368
    ///   L0    16->16 @32: 272+160+272 = 704    ; 1024*(256+144+256)       =    671,744
    ///   L1    16->24 @32: 272+160+408 = 840    ; 1024*(256+144+384)       =    802,816
    ///   L2-4  24->24 @32: 3 * 1,440 = 4,320    ; 3 * 1024*(576+216+576)   =  4,202,496
    ///   L5    24->32 s2 32->16: 600+240+800    ; 1024*576 + 256*(216+768) =    841,728
    ///   L6-8  32->32 @16: 3 * 2,432 = 7,296    ; 3 * 256*(1024+288+1024)  =  1,794,048
    ///   L9    32->64 s2 16->8: 1056+320+2112   ; 256*1024 + 64*(288+2048) =    411,648
    ///   L10-12 64->64 @8: 3 * 8,960 = 26,880   ; 3 * 64*(4096+576+4096)   =  1,683,456
    ///   L13   64->112 @8: 4160+640+7280        ; 64*(4096+576+7168)       =    757,760
    ///   L14-16 112->112 @8: 3 * 26,432=79,296  ; 3 * 64*(12544+1008+12544)=  5,010,432
    ///   L17   112->184 s2 8->4: 12656+1120+20792; 64*12544 + 16*(1008+20608)=  1,148,672
    ///   L18-20 184->184 @4: 3 * 69,920=209,760 ; 3 * 16*(33856+1656+33856)=  3,329,664
    ///   L21   184->352 @4: 34040+1840+65120    ; 16*(33856+1656+64768)    =  1,604,480
    ///   head  1x1 352*1984+1984 = 700,352      ; 16*352*1984              = 11,173,888
    ///         pool                              ; 16*1984                  =     31,744
    ///         linear 1984*100+100 = 198,500     ; 198,400
    ///   total params 1,381,172; MACs 34,105,344
    @Test func fbnetAllK3E1() throws {
        let n = try TestSupport.network("fbnet", choices: Array(repeating: "k3_e1", count: 22))
        try n.validate()
        #expect(n.params == 1_381_172)
        #expect(n.macs == 34_105_344)
        // 3 layers per block; residual on blocks with stride 1 and equal channels:
        // L0 plus the last 3 of each 4-layer group (5 groups) = 16.
        #expect(n.layers.count == 1 + 22 * 3 + 3)
        #expect(n.layers.filter { $0.flags.contains(.residual) }.count == 16)
        #expect(n.layers.first { $0.cell == "layer21" }?.inShape == TensorShape(c: 184, h: 4, w: 4))
    }

    @Test func fbnetBlocksMatchTheWholeBlockOperator() throws {
        // Every block's three layers sum to the inverted_residual operator's numbers.
        let choices = FBNetTestGenotypes.mixed
        let n = try TestSupport.network("fbnet", choices: choices)
        try n.validate()
        let ops = BuiltinOperators()
        for (i, name) in choices.enumerated() where name != "skip" {
            let block = n.layers.filter { $0.cell == "layer\(i)" }
            #expect(block.count == 3)
            let first = block[0], last = block[2]
            let info = try ops.infer(OpQuery(op: "inverted_residual", input: first.inShape, outC: last.outShape.c,
                                             kernel: block[1].kernel, stride: block[1].stride, groups: first.groups,
                                             expansion: first.expansion))
            #expect(info.output == last.outShape)
            #expect(info.params == block.reduce(0) { $0 + $1.params })
            #expect(info.macs == block.reduce(0) { $0 + $1.macs })
            #expect(first.groups == (name.hasSuffix("_g2") ? 2 : 1))
        }
    }

    @Test func fbnetSkipAndStrideOptions() throws {
        // All skip: blocks vanish where shapes match; where they change, a 1x1 conv
        // with the stride: 16->24, 24->32, 32->64, 64->112, 112->184, 184->352.
        let skip = try TestSupport.network("fbnet", choices: Array(repeating: "skip", count: 22))
        let convs = skip.layers.filter { $0.cell.hasPrefix("layer") }
        #expect(convs.map(\.outShape.c) == [24, 32, 64, 112, 184, 352])
        // params: stem 448 + sum(in*out + out) + head 700,352 + 198,500
        let t = [(16, 24), (24, 32), (32, 64), (64, 112), (112, 184), (184, 352)].reduce(0) { $0 + $1.0 * $1.1 + $1.1 }
        #expect(skip.params == Int64(448 + t + 700_352 + 198_500))
        // Strides: default drops 2 (32 -> 4 at the head); the FBNet table (0 dropped) gives 1x1.
        #expect(skip.layers.last { $0.op == "global_avgpool" }?.inShape.h == 4)
        let full = try TestSupport.network("fbnet", choices: Array(repeating: "skip", count: 22), options: ["dropped_strides": "0"])
        #expect(full.layers.last { $0.op == "global_avgpool" }?.inShape.h == 1)
        #expect(try TestSupport.network("fbnet", choices: Array(repeating: "skip", count: 22), options: ["input_size": "224"])
            .layers.last { $0.op == "global_avgpool" }?.inShape.h == 7)
        #expect(throws: HwnasError.self) { try TestSupport.network("fbnet", choices: Array(repeating: "k7_x", count: 22)) }
        // Options are checked: a typo is an error naming the known ones.
        #expect { try TestSupport.space("fbnet", options: ["input_sise": "64"]) } throws: { "\($0)".contains("unknown option 'input_sise' (did you mean 'input_size'?)") }
    }
}

enum FBNetTestGenotypes {
    /// Row 0 of fbnet_hw.csv.
    static let mixed = ["k5_e6", "skip", "k3_e1_g2", "skip", "k5_e1", "skip", "skip", "skip", "k5_e6", "k5_e1", "k3_e1_g2",
                        "k5_e1", "k5_e6", "k3_e6", "k3_e3", "k5_e6", "k3_e6", "k3_e3", "k5_e1", "k3_e3", "k5_e1", "k5_e1_g2"]
}
