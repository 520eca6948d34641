// The CPU executor's kernels against naive reference implementations on
// small shapes (conv im2col+sgemm paths, depthwise, pooling, inverted
// residual, linear), plus ReLU capture and timing. The networks here are
// ABI 1.0 records (112-byte layers, no IR attributes): the executor must
// keep running them as 1.0 defined them (Tests/executor-c covers 1.1).
import HwnasTestSupport
import CHwnasABI
import Foundation
import HwnasExecutor
import Testing

/// Builds an hwnas_network from a compact description and keeps its C
/// memory alive for the executor's lifetime.
private final class TestNetwork {
    struct L {
        var op: String, k = 0, s = 1, g = 1, e = 0, input = 0, input2: Int32 = -1, output = 1, flags: Int32 = 0
    }
    var layers: [hwnas_layer] = []
    var tensors: [hwnas_tensor]
    var names: [UnsafeMutablePointer<CChar>] = []

    init(tensors: [(Int32, Int32, Int32)], layers ls: [L]) {
        self.tensors = tensors.map { hwnas_tensor(c: $0.0, h: $0.1, w: $0.2, reserved: 0) }
        for l in ls {
            let name = strdup(l.op)!
            names.append(name)
            let ti = self.tensors[l.input], to = self.tensors[l.output]
            var r = hwnas_layer()
            r.op = UnsafePointer(name)
            r.kernel = Int32(l.k); r.stride = Int32(l.s); r.groups = Int32(l.g); r.expansion = Int32(l.e)
            r.input = Int32(l.input); r.input2 = l.input2; r.output = Int32(l.output)
            r.in_c = ti.c; r.in_h = ti.h; r.in_w = ti.w; r.out_c = to.c; r.out_h = to.h; r.out_w = to.w
            r.flags = l.flags
            layers.append(r)
        }
    }
    deinit { names.forEach { free($0) } }

    func executor(batch: Int32 = 1, bnMode: Int32 = HWNAS_EXEC_BN_FOLDED, seed: UInt64 = 7) throws -> OpaquePointer {
        var err = [CChar](repeating: 0, count: 512)
        var opts = hwnas_executor_options(batch: batch, bn_mode: bnMode, seed: seed)
        // 1.0 layout: 112-byte records, a network struct without layer_size.
        let size10 = MemoryLayout<hwnas_layer>.offset(of: \hwnas_layer.kernel_h)!
        var packed = [UInt8](repeating: 0, count: max(1, layers.count * size10))
        for (i, l) in layers.enumerated() {
            var rec = l
            rec.struct_size = UInt32(size10)
            withUnsafeBytes(of: &rec) { b in for j in 0..<size10 { packed[i * size10 + j] = b[j] } }
        }
        let ex = packed.withUnsafeBytes { lp in
            tensors.withUnsafeBufferPointer { tp in
                var net = hwnas_network()
                net.struct_size = UInt32(MemoryLayout<hwnas_network>.offset(of: \hwnas_network.layer_size)!)
                net.n_layers = UInt32(layers.count); net.layers = lp.baseAddress!.assumingMemoryBound(to: hwnas_layer.self)
                net.n_tensors = UInt32(tp.count); net.tensors = tp.baseAddress
                return hwnas_executor_create(&net, &opts, &err, err.count)
            }
        }
        guard let ex else { throw ExecutorTestError(String(cString: err)) }
        return ex
    }
}

private struct ExecutorTestError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

private func buffer(_ ex: OpaquePointer, tensor: UInt32) -> [Float] {
    var n = 0
    let p = hwnas_executor_tensor(ex, tensor, &n)!
    return Array(UnsafeBufferPointer(start: p, count: n))
}

private func param(_ ex: OpaquePointer, layer: UInt32, _ which: UInt32) -> [Float] {
    var n = 0
    guard let p = hwnas_executor_param(ex, layer, which, &n) else { return [] }
    return Array(UnsafeBufferPointer(start: p, count: n))
}

// Naive references, one image, CHW, padding (k - 1) / 2.
private func refConv(_ x: [Float], c: Int, h: Int, w: Int, weight: [Float], outC: Int, k: Int, s: Int, groups: Int) -> [Float] {
    let p = (k - 1) / 2, oh = (h + 2 * p - k) / s + 1, ow = (w + 2 * p - k) / s + 1
    let icg = c / groups, ocg = outC / groups
    var y = [Float](repeating: 0, count: outC * oh * ow)
    for o in 0..<outC {
        let grp = o / ocg
        for oy in 0..<oh { for ox in 0..<ow {
            var acc: Double = 0
            for ic in 0..<icg { for ky in 0..<k { for kx in 0..<k {
                let iy = oy * s - p + ky, ix = ox * s - p + kx
                guard iy >= 0, iy < h, ix >= 0, ix < w else { continue }
                acc += Double(x[((grp * icg + ic) * h + iy) * w + ix]) * Double(weight[((o * icg + ic) * k + ky) * k + kx])
            }}}
            y[(o * oh + oy) * ow + ox] = Float(acc)
        }}
    }
    return y
}

private func refAffine(_ y: [Float], c: Int, scale: [Float], shift: [Float], relu: Bool) -> [Float] {
    let plane = y.count / c
    return y.enumerated().map { i, v in
        let r = scale[i / plane] * v + shift[i / plane]
        return relu ? max(r, 0) : r
    }
}

private func refPool(_ x: [Float], c: Int, h: Int, w: Int, k: Int, s: Int, max isMax: Bool) -> [Float] {
    let p = (k - 1) / 2, oh = (h + 2 * p - k) / s + 1, ow = (w + 2 * p - k) / s + 1
    var y = [Float](repeating: 0, count: c * oh * ow)
    for ch in 0..<c { for oy in 0..<oh { for ox in 0..<ow {
        var vals: [Float] = []
        for ky in 0..<k { for kx in 0..<k {
            let iy = oy * s - p + ky, ix = ox * s - p + kx
            if iy >= 0, iy < h, ix >= 0, ix < w { vals.append(x[(ch * h + iy) * w + ix]) }
        }}
        y[(ch * oh + oy) * ow + ox] = isMax ? vals.max()! : vals.reduce(0, +) / Float(vals.count)
    }}}
    return y
}

private func expectClose(_ a: [Float], _ b: [Float], tol: Float = 1e-4, _ what: String) {
    #expect(a.count == b.count, "\(what): \(a.count) vs \(b.count) values")
    guard a.count == b.count else { return }
    let worst = zip(a, b).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
    #expect(worst < tol, "\(what): max relative error \(worst)")
}

@Suite(.tags(.unit)) struct ExecutorTests {
    @Test(arguments: [
        // (op, inC, h, w, outC, k, s, groups)
        ("conv2d", 3, 9, 9, 8, 3, 1, 1),
        ("conv2d", 4, 10, 7, 6, 3, 2, 1),
        ("conv2d", 4, 8, 8, 6, 5, 2, 2),
        ("pwconv2d", 8, 5, 5, 12, 1, 1, 2),
        ("conv2d_nobias", 6, 6, 6, 4, 1, 2, 1),
        ("conv2d", 6, 6, 6, 4, 1, 2, 1),
    ])
    func convolutionMatchesReference(_ c: (String, Int, Int, Int, Int, Int, Int, Int)) throws {
        let (op, inC, h, w, outC, k, s, g) = c
        let p = (k - 1) / 2, oh = (h + 2 * p - k) / s + 1, ow = (w + 2 * p - k) / s + 1
        let net = TestNetwork(tensors: [(Int32(inC), Int32(h), Int32(w)), (Int32(outC), Int32(oh), Int32(ow))],
                              layers: [.init(op: op, k: k, s: s, g: g)])
        let ex = try net.executor()
        defer { hwnas_executor_destroy(ex) }
        #expect(hwnas_executor_run(ex) == 0)
        let x = buffer(ex, tensor: 0)
        let conv = refConv(x, c: inC, h: h, w: w, weight: param(ex, layer: 0, 0), outC: outC, k: k, s: s, groups: g)
        let want = op == "conv2d_nobias" ? conv
            : refAffine(conv, c: outC, scale: param(ex, layer: 0, 1), shift: param(ex, layer: 0, 2), relu: op == "conv2d")
        expectClose(buffer(ex, tensor: 1), want, "\(op) k\(k) s\(s) g\(g)")
    }

    @Test(arguments: [(3, 1), (3, 2), (5, 1), (5, 2)])
    func depthwiseMatchesReference(_ ks: (Int, Int)) throws {
        let (k, s) = ks, c = 5, h = 11, w = 9
        let p = (k - 1) / 2, oh = (h + 2 * p - k) / s + 1, ow = (w + 2 * p - k) / s + 1
        let net = TestNetwork(tensors: [(5, 11, 9), (5, Int32(oh), Int32(ow))], layers: [.init(op: "dwconv2d", k: k, s: s, g: c)])
        let ex = try net.executor()
        defer { hwnas_executor_destroy(ex) }
        #expect(hwnas_executor_run(ex) == 0)
        let conv = refConv(buffer(ex, tensor: 0), c: c, h: h, w: w, weight: param(ex, layer: 0, 0), outC: c, k: k, s: s, groups: c)
        let want = refAffine(conv, c: c, scale: param(ex, layer: 0, 1), shift: param(ex, layer: 0, 2), relu: true)
        expectClose(buffer(ex, tensor: 1), want, "dwconv k\(k) s\(s)")
    }

    @Test func reluConvBnAppliesReluToItsInput() throws {
        let net = TestNetwork(tensors: [(4, 6, 6), (4, 6, 6)], layers: [.init(op: "relu_conv_bn", k: 3)])
        let ex = try net.executor()
        defer { hwnas_executor_destroy(ex) }
        #expect(hwnas_executor_run(ex) == 0)
        let x = buffer(ex, tensor: 0).map { max($0, 0) }
        #expect(buffer(ex, tensor: 0).contains { $0 < 0 }, "input must have negative values for this test to mean anything")
        let conv = refConv(x, c: 4, h: 6, w: 6, weight: param(ex, layer: 0, 0), outC: 4, k: 3, s: 1, groups: 1)
        let want = refAffine(conv, c: 4, scale: param(ex, layer: 0, 1), shift: param(ex, layer: 0, 2), relu: false)
        expectClose(buffer(ex, tensor: 1), want, "relu_conv_bn")
        #expect(buffer(ex, tensor: 1).contains { $0 < 0 }, "no ReLU after BN")
    }

    @Test(arguments: [(1, 3, 1, 1, true), (3, 5, 2, 1, false), (6, 3, 1, 2, true)])
    func invertedResidualMatchesComposition(_ a: (Int, Int, Int, Int, Bool)) throws {
        let (e, k, s, g, residual) = a
        let inC = 4, h = 8, w = 8, outC = residual ? 4 : 6, mid = inC * e
        let p = (k - 1) / 2, oh = (h + 2 * p - k) / s + 1
        let net = TestNetwork(tensors: [(Int32(inC), 8, 8), (Int32(outC), Int32(oh), Int32(oh))],
                              layers: [.init(op: "inverted_residual", k: k, s: s, g: g, e: e,
                                             input2: residual ? 0 : -1, flags: residual ? HWNAS_LAYER_RESIDUAL : 0)])
        let ex = try net.executor()
        defer { hwnas_executor_destroy(ex) }
        #expect(hwnas_executor_run(ex) == 0)
        let x = buffer(ex, tensor: 0)
        var y = refAffine(refConv(x, c: inC, h: h, w: w, weight: param(ex, layer: 0, 0), outC: mid, k: 1, s: 1, groups: g),
                          c: mid, scale: param(ex, layer: 0, 1), shift: param(ex, layer: 0, 2), relu: true)
        y = refAffine(refConv(y, c: mid, h: h, w: w, weight: param(ex, layer: 0, 3), outC: mid, k: k, s: s, groups: mid),
                      c: mid, scale: param(ex, layer: 0, 4), shift: param(ex, layer: 0, 5), relu: true)
        y = refAffine(refConv(y, c: mid, h: oh, w: oh, weight: param(ex, layer: 0, 6), outC: outC, k: 1, s: 1, groups: g),
                      c: outC, scale: param(ex, layer: 0, 7), shift: param(ex, layer: 0, 8), relu: false)
        if residual { y = zip(y, x).map { $0 + $1 } }
        expectClose(buffer(ex, tensor: 1), y, "inverted_residual e\(e) k\(k) s\(s) g\(g)")
    }

    @Test func poolingAddGlobalPoolAndLinear() throws {
        // 0 -> avg(3,1) -> 1; 0 -> max(3,2) -> 2; add(1, 0) -> 3; gap(3) -> 4; linear(4) -> 5
        let net = TestNetwork(tensors: [(3, 7, 7), (3, 7, 7), (3, 4, 4), (3, 7, 7), (3, 1, 1), (5, 1, 1)], layers: [
            .init(op: "avgpool", k: 3, s: 1, input: 0, output: 1),
            .init(op: "maxpool", k: 3, s: 2, input: 0, output: 2),
            .init(op: "add", input: 1, input2: 0, output: 3),
            .init(op: "global_avgpool", input: 3, output: 4),
            .init(op: "linear", input: 4, output: 5),
        ])
        let ex = try net.executor(batch: 2)
        defer { hwnas_executor_destroy(ex) }
        #expect(hwnas_executor_run(ex) == 0)
        let x = buffer(ex, tensor: 0), per = 3 * 49
        let wts = param(ex, layer: 4, 0), bias = param(ex, layer: 4, 1)
        for b in 0..<2 {
            let xb = Array(x[(b * per)..<((b + 1) * per)])
            let avg = refPool(xb, c: 3, h: 7, w: 7, k: 3, s: 1, max: false)
            expectClose(Array(buffer(ex, tensor: 1)[(b * per)..<((b + 1) * per)]), avg, "avg_pool")
            expectClose(Array(buffer(ex, tensor: 2)[(b * 48)..<((b + 1) * 48)]),
                        refPool(xb, c: 3, h: 7, w: 7, k: 3, s: 2, max: true), "max_pool")
            let sum = zip(avg, xb).map { $0 + $1 }
            let gap = (0..<3).map { c in sum[(c * 49)..<((c + 1) * 49)].reduce(0, +) / 49 }
            expectClose(Array(buffer(ex, tensor: 4)[(b * 3)..<((b + 1) * 3)]), gap, "global_avg_pool")
            let lin = (0..<5).map { o in bias[o] + (0..<3).reduce(Float(0)) { $0 + gap[$1] * wts[o * 3 + $1] } }
            expectClose(Array(buffer(ex, tensor: 5)[(b * 5)..<((b + 1) * 5)]), lin, "linear")
        }
    }

    @Test func expandPointwiseGetsReluProjectDoesNot() throws {
        // FBNet block as the expander emits it: pwconv2d -> dwconv2d -> pwconv2d.
        let net = TestNetwork(tensors: [(4, 6, 6), (12, 6, 6), (12, 6, 6), (4, 6, 6)], layers: [
            .init(op: "pwconv2d", k: 1, input: 0, output: 1),
            .init(op: "dwconv2d", k: 3, g: 12, input: 1, output: 2),
            .init(op: "pwconv2d", k: 1, input: 2, input2: 0, output: 3, flags: HWNAS_LAYER_RESIDUAL),
        ])
        let ex = try net.executor()
        defer { hwnas_executor_destroy(ex) }
        final class Layers { var ids: [UInt32] = [] }
        let seen = Layers()
        hwnas_executor_set_relu_callback(ex, { ctx, layer, _, _, _, _ in
            Unmanaged<Layers>.fromOpaque(ctx!).takeUnretainedValue().ids.append(layer)
        }, Unmanaged.passUnretained(seen).toOpaque())
        #expect(hwnas_executor_run(ex) == 0)
        #expect(seen.ids == [0, 1])
        #expect(buffer(ex, tensor: 1).allSatisfy { $0 >= 0 })
        let proj = refAffine(refConv(buffer(ex, tensor: 2), c: 12, h: 6, w: 6, weight: param(ex, layer: 2, 0), outC: 4, k: 1, s: 1, groups: 1),
                             c: 4, scale: param(ex, layer: 2, 1), shift: param(ex, layer: 2, 2), relu: false)
        expectClose(buffer(ex, tensor: 3), zip(proj, buffer(ex, tensor: 0)).map { $0 + $1 }, "project + residual")
    }

    @Test func batchStatisticsNormaliseEveryChannel() throws {
        let net = TestNetwork(tensors: [(3, 6, 6), (8, 6, 6)], layers: [.init(op: "conv_bn", k: 3)])
        let ex = try net.executor(batch: 4, bnMode: HWNAS_EXEC_BN_BATCH)
        defer { hwnas_executor_destroy(ex) }
        #expect(hwnas_executor_run(ex) == 0)
        let y = buffer(ex, tensor: 1)
        for c in 0..<8 {
            var vals: [Double] = []
            for b in 0..<4 {
                let start = (b * 8 + c) * 36
                for v in y[start..<(start + 36)] { vals.append(Double(v)) }
            }
            let mean: Double = vals.reduce(0, +) / Double(vals.count)
            var variance: Double = 0
            for v in vals { variance += (v - mean) * (v - mean) }
            variance /= Double(vals.count)
            #expect(abs(mean) < 1e-4 && abs(variance - 1) < 1e-2, "channel \(c): mean \(mean) var \(variance)")
        }
    }

    @Test func reluCallbackSeesEveryPostReluActivation() throws {
        let net = TestNetwork(tensors: [(3, 8, 8), (6, 8, 8), (6, 8, 8)], layers: [
            .init(op: "conv2d", k: 3, input: 0, output: 1),
            .init(op: "relu_conv_bn", k: 3, input: 1, output: 2),
        ])
        let ex = try net.executor(batch: 3)
        defer { hwnas_executor_destroy(ex) }
        final class Seen { var calls: [(UInt32, UInt32, UInt32)] = []; var k = [Double](repeating: 0, count: 9) }
        let seen = Seen()
        hwnas_executor_set_relu_callback(ex, { ctx, layer, batch, channels, features, x in
            let s = Unmanaged<Seen>.fromOpaque(ctx!).takeUnretainedValue()
            s.calls.append((layer, batch, features))
            #expect(channels == 6)
            #expect(UnsafeBufferPointer(start: x, count: Int(batch * features)).allSatisfy { $0 >= 0 })
            s.k.withUnsafeMutableBufferPointer { hwnas_accumulate_code_agreement(x, batch, features, $0.baseAddress) }
        }, Unmanaged.passUnretained(seen).toOpaque())
        #expect(hwnas_executor_run(ex) == 0)
        // conv2d's output ReLU, then relu_conv_bn's input ReLU of the same tensor.
        #expect(seen.calls.map { $0.0 } == [0, 1])
        #expect(seen.calls.allSatisfy { $0.1 == 3 && $0.2 == 384 })
        // Agreement counts: diagonal = all units of both calls; symmetric; a
        // hand count for samples 0 and 1.
        #expect(seen.k[0] == 768 && seen.k[4] == 768)
        #expect(seen.k[1] == seen.k[3])
        let y = buffer(ex, tensor: 1)
        let agree01 = (0..<384).filter { (y[$0] > 0) == (y[384 + $0] > 0) }.count
        #expect(seen.k[1] == Double(2 * agree01))
    }

    @Test func timingAndErrors() throws {
        let net = TestNetwork(tensors: [(8, 16, 16), (16, 16, 16)], layers: [.init(op: "conv2d", k: 3)])
        let ex = try net.executor()
        defer { hwnas_executor_destroy(ex) }
        var samples = [Double](repeating: -1, count: 5)
        #expect(hwnas_executor_time(ex, 0, 1, 5, &samples) == 0)
        #expect(samples.allSatisfy { $0 > 0 && $0 < 1000 })
        #expect(hwnas_executor_time(ex, -1, 0, 5, &samples) == 0)
        #expect(hwnas_executor_time(ex, 3, 0, 5, &samples) != 0)
        #expect(String(cString: hwnas_executor_blas_config()).lowercased().contains("openblas"))
        hwnas_executor_set_threads(1)
        #expect(hwnas_executor_get_threads() == 1)

        let bad = TestNetwork(tensors: [(8, 16, 16), (16, 16, 16)], layers: [.init(op: "warp_drive", k: 3)])
        #expect(throws: ExecutorTestError.self) { try bad.executor() }
        do { _ = try bad.executor() } catch { #expect("\(error)".contains("warp_drive")) }
        let wrongShape = TestNetwork(tensors: [(8, 16, 16), (16, 9, 9)], layers: [.init(op: "conv2d", k: 3, s: 1)])
        do { _ = try wrongShape.executor(); Issue.record("shape mismatch accepted") } catch {
            #expect("\(error)".contains("same-padded"))
        }
    }
}
