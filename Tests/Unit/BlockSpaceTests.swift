// The declarative block spaces (plugin "blocks"): networks pinned against
// published or hand-counted figures, canonical strings that round-trip,
// elastic depth (inactive dims), the block memo changing nothing, and one
// clear line for every malformed file.
import HwnasTestSupport
import Foundation
import HwnasCore
import HwnasOps
import Testing

@Suite(.tags(.unit)) struct BlockSpaceTests {
    static let shipped = ["mcunet-mbv2", "ofa-mbv3", "micronas-1d"]

    func network(_ space: String, _ arch: String, options: [String: String] = [:]) throws -> Network {
        let s = try TestSupport.space(space, options: options)
        return try NetworkFactory(space: s, registry: TestSupport.registry).build(try s.parse(arch)).network
    }

    /// MobileNetV2 1.0 at 224 x 224, 1000 classes, is a point of the MCUNet
    /// space: torchvision's mobilenet_v2 has 3,504,872 parameters (BN as 2 per
    /// channel, as trained); the paper gives 300 M multiply-adds (conv + linear:
    /// 300,774,272 here; the global pool adds 7 * 7 * 1280 = 62,720 reads).
    @Test func mobileNetV2IsAPointOfTheMCUNetSpace() async throws {
        let n = try network("mcunet-mbv2", "r224-w1.0/k3e6,k3e6/k3e6,k3e6,k3e6/k3e6,k3e6,k3e6,k3e6/k3e6,k3e6,k3e6/k3e6,k3e6,k3e6/k3e6",
                            options: ["classes": "1000"])
        try n.validate()
        #expect(n.trainingParams == 3_504_872)
        #expect(n.macs == 300_774_272 + 62_720)
        // 17 inverted residuals, 10 of them with a residual add (stride 1, same width).
        #expect(n.layers.filter { $0.flags.contains(.residual) }.count == 10)
        #expect(n.tensors[n.outputTensor] == TensorShape(c: 1000, h: 1, w: 1))
    }

    /// OFA MobileNetV3, smallest sub-network (depth 2, kernel 3, expansion 3
    /// everywhere) at 128 x 128. Deployed params (BN folded, one bias per
    /// channel), by block:
    ///   stem 3*16*9+16 = 448; first block dw 16*9+16 = 160, project 16*16+16 = 272
    ///   s2 l1 16->24 (mid 48): 816 + 480 + 1,176 = 2,472; l2 (mid 72): 1,800 + 720 + 1,752 = 4,272
    ///   s3 l1 24->40 (mid 72, SE 72->24->72: 1728+24+1728+72 = 3,552): 1,800 + 720 + 3,552 + 2,920 = 8,992
    ///      l2 (mid 120, SE 32): 4,920 + 1,200 + 7,832 + 4,840 = 18,792
    ///   s4 l1 40->80 (mid 120): 4,920 + 1,200 + 9,680 = 15,800; l2 (mid 240): 19,440 + 2,400 + 19,280 = 41,120
    ///   s5 l1 80->112 (mid 240, SE 64): 19,440 + 2,400 + 31,024 + 26,992 = 79,856
    ///      l2 (mid 336, SE 88): 37,968 + 3,360 + 59,560 + 37,744 = 138,632
    ///   s6 l1 112->160 (mid 336, SE 88): 37,968 + 3,360 + 59,560 + 53,920 = 154,808
    ///      l2 (mid 480, SE 120): 77,280 + 4,800 + 115,800 + 76,960 = 274,840
    ///   head 160*960+960 = 154,560; feature mix 960*1280 (no bias) = 1,228,800; classifier 1,281,000
    ///   total 3,404,824
    /// SE widths are torchvision's _make_divisible(mid / 4, 8): 18 -> 24, 30 -> 32, 60 -> 64, 84 -> 88.
    @Test func ofaSmallestSubnetHandCounted() async throws {
        let n = try network("ofa-mbv3", "r128/k3e3,k3e3/k3e3,k3e3/k3e3,k3e3/k3e3,k3e3/k3e3,k3e3")
        try n.validate()
        #expect(n.params == 3_404_824)
        #expect(n.macs == 41_689_728)
        #expect(n.layers.filter { $0.op == "squeeze_excite" }.map(\.attrs.hiddenC) == [24, 32, 64, 88, 88, 120])
        #expect(n.layers.first!.attrs.activation == .hswish && n.layers.first { $0.cell == "s4.l1" }!.attrs.activation == .hswish)
        #expect(n.layers.first { $0.cell == "s2.l1" }!.attrs.activation == .relu)
    }

    /// MicroNAS-style 1-D CNN, the smallest network (8/16/24/32 channels,
    /// depth 1, kernel 3) on BasicMotions' 6 x 100:
    ///   s1 conv 6->8 k3: 6*8*3+8 = 152 (MACs 100*8*18 = 14,400); max pool 8*50*2 = 800
    ///   s2 conv 8->16 k3: 400 (50*16*24 = 19,200); pool 16*25*2 = 800
    ///   s3 resblock 16->24: conv 1,176 (25*24*48 = 28,800), 1x1 shortcut 408 (9,600), conv 1,752 (43,200); pool 576
    ///   s4 dwsep 24->32: dw 96 (12*24*3 = 864), pw 800 (12*32*24 = 9,216)
    ///   head pool 32*12 = 384, linear 32*4+4 = 132 (128)
    ///   params 4,916; MACs 127,968
    @Test func microNASSmallestHandCounted() async throws {
        let n = try network("micronas-1d", "c8:k3/c16:k3/c24:k3/c32:k3")
        try n.validate()
        #expect(n.spatialDims == 1 && n.tensors[0] == TensorShape(c: 6, h: 1, w: 100))
        #expect(n.params == 4_916 && n.macs == 127_968)
        #expect(n.layers.allSatisfy { $0.attrs.kernelH <= 1 && $0.inShape.h == 1 })
        // A dataset's shape through options: GunPoint is 1 x 150, 2 classes.
        let g = try network("micronas-1d", "c8:k3/c16:k3/c24:k3/c32:k3", options: ["input_channels": "1", "length": "150", "classes": "2"])
        #expect(g.tensors[0] == TensorShape(c: 1, h: 1, w: 150) && g.tensors[g.outputTensor].c == 2)
    }

    @Test(arguments: BlockSpaceTests.shipped)
    func stringsRoundTripAndInactiveDimsCollapse(_ name: String) throws {
        let s = try TestSupport.space(name)
        var rng = SplitMix64(state: 42)
        let factory = try NetworkFactory(space: s, registry: TestSupport.registry)
        var collapsed = 0
        for _ in 0..<60 {
            let g = s.choiceCounts.map { Int32(rng.below($0)) }
            let c = s.canonicalize(g)
            let text = s.canonical(g)
            #expect(try s.parse(text) == c, "\(text)")
            let active = s.activeDims(g)
            // Changing an inactive dim changes neither the string nor the network.
            if let d = active.firstIndex(of: false) {
                var h = g
                h[d] = Int32((Int(h[d]) + 1) % s.choiceCounts[d])
                #expect(s.canonical(h) == text && s.canonicalize(h) == c)
                #expect(try factory.build(h).network == (try factory.build(g).network))
                collapsed += 1
            }
            for (d, a) in active.enumerated() where !a { #expect(c[d] == 0) }
        }
        #expect(collapsed > 0, "no genotype had an inactive dim")
    }

    /// The block memo replays recorded blocks: it must give the very same
    /// network as building every layer, on every shipped space.
    @Test(arguments: ["nb201", "fbnet"] + BlockSpaceTests.shipped)
    func blockMemoChangesNothing(_ name: String) throws {
        let s = try TestSupport.space(name)
        let memo = try NetworkFactory(space: s, registry: TestSupport.registry)
        let plain = try NetworkFactory(space: s, registry: TestSupport.registry)
        plain.blockMemo = false
        var rng = SplitMix64(state: 7)
        for _ in 0..<40 {
            let g = s.choiceCounts.map { Int32(rng.below($0)) }
            let a = try memo.build(g).network, b = try plain.build(g).network
            #expect(a == b, "\(s.canonical(g))")
            try a.validate()
        }
    }

    @Test func parseErrorsNameTheChoice() async throws {
        let s = try TestSupport.space("mcunet-mbv2")
        #expect { try s.parse("r150-w0.5/k3e3,k3e3/k3e3,k3e3/k3e3,k3e3/k3e3,k3e3/k3e3,k3e3/k3e3") } throws: {
            "\($0)".contains("150 is not a choice of resolution")
        }
        #expect { try s.parse("r128-w0.5/k3e3/k3e3,k3e3/k3e3,k3e3/k3e3,k3e3/k3e3,k3e3/k3e3") } throws: {
            "\($0)".contains("1 is not a choice of s2.depth")
        }
        #expect { try s.parse("r128-w0.5/k3e3,k4e3/k3e3,k3e3/k3e3,k3e3/k3e3,k3e3/k3e3,k3e3/k3e3") } throws: {
            "\($0)".contains("4 is not a choice of s2.l2.kernel")
        }
        #expect(throws: HwnasError.self) { try s.parse("r128") }
    }

    /// A malformed file: one line naming the file, the key and the reason.
    @Test(arguments: [
        ("stages:\n  - {kind: mbconv, channels: 16, kernal: 3}\n", "stages[0].kernal: unknown key"),
        ("stages:\n  - {kind: mbconv, channels: 16, kernel: [3, 5, 3]}\n", "stages[0].kernel[2]: 3 is listed twice"),
        ("stages:\n  - {kind: conv, channels: 16, kernel: [3, 4]}\n", "stages[0].kernel[1]: kernel 4 is even"),
        ("stages:\n  - {kind: conv, channels: 16, expansion: 4}\n", "stages[0].expansion: only mbconv blocks have expansion"),
        ("stages:\n  - {kind: warp, channels: 16}\n", "stages[0].kind: unknown block kind 'warp'"),
        ("stages:\n  - {kind: conv, channels: 16, activation: gelu}\n", "stages[0].activation: unknown activation 'gelu'"),
        ("stages:\n  - {kind: conv, channels: [16, 32], stride: 4, pool: {kind: max, kernel: 4}}\n", "stages[0].pool: input size 8 is 2 wide here, smaller than the pool's kernel 4"),
        ("stages:\n  - {kind: conv, channels: 16}\n", "nothing is searchable"),
        ("stages: []\n", "missing 'stages'"),
    ])
    func malformedFilesAreOneClearLine(_ c: (String, String)) async throws {
        let dir = TestSupport.tempDir("bad-space")
        let path = "\(dir)/bad.yaml"
        try ("name: bad\nplugin: blocks\ninput: {channels: 3, resolution: 8}\n" + c.0).write(toFile: path, atomically: true, encoding: .utf8)
        let r = try await TestSupport.hwnasRun(["spaces", "show", path])
        #expect(r.status == 1 && !r.signaled)
        #expect(r.err.split(separator: "\n").count == 1, "one line: \(r.err)")
        #expect(r.err.contains(path) && r.err.contains(c.1), "expected '\(c.1)' in: \(r.err)")
    }

    @Test func spaceFilesAndOptionsAreChecked() async throws {
        let dir = TestSupport.tempDir("bad-space-file")
        try "name: x\ndims: [a]\nchoices: [p, q]\n".write(toFile: "\(dir)/noplugin.yaml", atomically: true, encoding: .utf8)
        let r = try await TestSupport.hwnasRun(["spaces", "show", "\(dir)/noplugin.yaml"])
        #expect(r.status == 1 && r.err.contains("missing 'plugin'"), "\(r.err)")
        // The plain choices space: duplicate names or a separator inside a name are refused.
        try "name: x\nplugin: choices\ndims: [a, b]\nchoices: [p, q, p]\n".write(toFile: "\(dir)/dup.yaml", atomically: true, encoding: .utf8)
        let dup = try await TestSupport.hwnasRun(["spaces", "show", "\(dir)/dup.yaml"])
        #expect(dup.status == 1 && dup.err.contains("choice 'p' is listed twice"), "\(dup.err)")
        try "name: x\nplugin: choices\ndims: [a, b]\nchoices: [p, 'q,r']\n".write(toFile: "\(dir)/sep.yaml", atomically: true, encoding: .utf8)
        let sep = try await TestSupport.hwnasRun(["spaces", "show", "\(dir)/sep.yaml"])
        #expect(sep.status == 1 && sep.err.contains("contains the separator ','"), "\(sep.err)")
        let opt = try await TestSupport.hwnasRun(["spaces", "show", "micronas-1d", "--space-option", "lenght=64"])
        #expect(opt.status == 1 && opt.err.contains("unknown option 'lenght' (did you mean 'length'?)"), "\(opt.err)")
        // A lookup table measured at 3x32x32 cannot price 64x64 networks: refused before the search.
        let input = try await TestSupport.hwnasRun(["search", "--space", "nb201", "--space-option", "input_size=64", "--profile", "cpu-epyc-nb201",
                                              "--evaluator", "table", "--evaluator-option", "file=\(TestSupport.nb201CSV)",
                                              "--evaluator-option", "column=cifar10_acc", "--budget", "2", "--quiet"])
        #expect(input.status == 1 && input.err.contains("was made for input 3x32x32, but space nb201 builds 3x64x64 networks"), "\(input.err)")
    }
}
