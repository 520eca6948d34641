// Loads the `command` evaluator plugin (libHwnasCommandEvaluator.so, built
// next to the test bundle) through the C ABI exactly as a host would, with a
// small NB201-like space, and evaluates candidate batches with it.
import HwnasTestSupport
import HwnasNB201
import CHwnasABI
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Log lines the plugin sends to the host.
final class PluginLogSink: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func append(_ s: String) { lock.lock(); lines.append(s); lock.unlock() }
    var all: [String] { lock.lock(); defer { lock.unlock() }; return lines }
}

/// Results reported through on_result, in arrival order.
final class ReportSink: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var reports: [(index: Int, status: Int32, metrics: [Double])] = []
    var metricCount = 0
    func append(_ i: Int, _ s: Int32, _ m: [Double]) { lock.lock(); reports.append((i, s, m)); lock.unlock() }
}

struct HarnessError: Error, CustomStringConvertible { let description: String }

final class CommandEvaluatorHarness {
    static let choices = NB201Cell.operations
    static let nDims = 6

    let log: PluginLogSink
    private var host: UnsafeMutablePointer<hwnas_host>
    private(set) var evaluator: UnsafeMutablePointer<hwnas_evaluator>?
    let metricNames: [String]

    init(options: [String: String]) throws {
        let path = TestSupport.productsDir + "/libHwnasCommandEvaluator.so"
        guard let lib = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
            throw HarnessError(description: "dlopen \(path): \(String(cString: dlerror()))")
        }
        typealias EntryFn = @convention(c) () -> UnsafeRawPointer?
        guard let sym = dlsym(lib, HWNAS_ENTRY_SYMBOL) else { throw HarnessError(description: "no entry symbol") }
        let entry = unsafeBitCast(sym, to: EntryFn.self)().map { $0.assumingMemoryBound(to: hwnas_plugin_entry.self) }!
        guard entry.pointee.abi_version.major == HWNAS_ABI_VERSION_MAJOR,
              let factoryRaw = entry.pointee.get_factory(HWNAS_EVALUATOR_FACTORY_ID) else {
            throw HarnessError(description: "no evaluator factory")
        }
        let factory = factoryRaw.assumingMemoryBound(to: hwnas_evaluator_factory.self)

        let host = UnsafeMutablePointer<hwnas_host>.allocate(capacity: 1)
        let log = PluginLogSink()
        host.initialize(to: hwnas_host(
            struct_size: UInt32(MemoryLayout<hwnas_host>.size), reserved: 0,
            abi_version: hwnas_version(major: HWNAS_ABI_VERSION_MAJOR, minor: HWNAS_ABI_VERSION_MINOR, patch: HWNAS_ABI_VERSION_PATCH),
            host_name: UnsafePointer(strdup("hwnas-tests")), host_version: UnsafePointer(strdup("0")),
            host_data: Unmanaged.passUnretained(log).toOpaque(),
            log: { h, level, message in
                let sink = Unmanaged<PluginLogSink>.fromOpaque(h!.pointee.host_data!).takeUnretainedValue()
                sink.append("[\(level)] \(String(cString: message!))")
            }))
        _ = entry.pointee.`init`(host)

        // Space and options only need to live during create().
        var out: UnsafeMutablePointer<hwnas_evaluator>?
        var error = [CChar](repeating: 0, count: 1024)
        let nDims = CommandEvaluatorHarness.nDims
        let status: hwnas_status = withCStringCopies(Array(options.keys) + Array(options.values) + CommandEvaluatorHarness.choices
                                                + (0..<nDims).map { "edge\($0)" } + ["test-space"]) { c in
            let n = options.count
            var items = (0..<n).map { hwnas_option(key: c[$0], value: c[n + $0]) }
            let choiceNames = Array(repeating: Array(c[(2 * n)..<(2 * n + 5)]), count: nDims).flatMap { $0 }
            let dimNames = Array(c[(2 * n + 5)..<(2 * n + 5 + nDims)])
            let counts = [UInt32](repeating: 5, count: nDims)
            let offsets = (0..<nDims).map { UInt32($0 * 5) }
            return items.withUnsafeMutableBufferPointer { itemsBuf in
                var opts = hwnas_options(count: UInt32(n), reserved: 0, items: itemsBuf.baseAddress)
                return counts.withUnsafeBufferPointer { cb in offsets.withUnsafeBufferPointer { ob in
                    dimNames.withUnsafeBufferPointer { db in choiceNames.withUnsafeBufferPointer { chb in
                        var space = hwnas_search_space(struct_size: UInt32(MemoryLayout<hwnas_search_space>.size),
                                                       n_dims: UInt32(nDims), name: c[2 * n + 5 + nDims],
                                                       choice_counts: cb.baseAddress, dim_names: db.baseAddress,
                                                       choice_offsets: ob.baseAddress, choice_names: chb.baseAddress)
                        return factory.pointee.create(factory, "command", host, &space, &opts, &out, &error, UInt32(error.count))
                    } }
                } }
            }
        }
        guard status == HWNAS_OK, let ev = out else {
            throw HarnessError(description: String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        self.host = host
        self.log = log
        evaluator = ev
        metricNames = (0..<ev.pointee.metric_count(ev)).map { String(cString: ev.pointee.metric_name(ev, $0)!) }
    }

    /// NB201-style canonical string of a genotype.
    static func archString(_ g: [Int32]) -> String {
        let ops = g.map { choices[Int($0)] }
        return "|\(ops[0])~0|+|\(ops[1])~0|\(ops[2])~1|+|\(ops[3])~0|\(ops[4])~1|\(ops[5])~2|"
    }

    struct BatchOutcome {
        var status: hwnas_status
        var statuses: [Int32]
        var metrics: [[Double]]
        var reports: ReportSink
        var lastError: String?
    }

    /// Evaluate genotypes; `layers` > 0 attaches a network of that many layers to every candidate.
    func evaluate(_ genotypes: [[Int32]], layers: Int = 0) -> BatchOutcome {
        let ev = evaluator!
        let count = genotypes.count, m = metricNames.count
        let sink = ReportSink(); sink.metricCount = m
        var statuses = [Int32](repeating: -1, count: count)
        var metrics = [Double](repeating: -1, count: count * m)
        let flat = genotypes.flatMap { $0 }
        let archs = genotypes.map(Self.archString)
        let layerArray = (0..<layers).map { i -> hwnas_layer in
            var l = hwnas_layer()
            l.struct_size = UInt32(MemoryLayout<hwnas_layer>.size); l.op = UnsafePointer(strdup("conv2d"))
            l.kernel = 3; l.stride = 1; l.groups = 1; l.input = Int32(i); l.input2 = -1; l.output = Int32(i + 1)
            l.in_c = 16; l.in_h = 32; l.in_w = 32; l.out_c = 16; l.out_h = 32; l.out_w = 32
            l.flags = HWNAS_LAYER_EXPLICIT_PADDING
            l.params = 2320; l.macs = 2_359_296; l.weight_elems = 2304; l.bias_elems = 16; l.cell = UnsafePointer(strdup("stem"))
            l.kernel_h = 3; l.kernel_w = 3; l.stride_h = 1; l.stride_w = 1; l.dilation_h = 1; l.dilation_w = 1
            l.pad_top = 1; l.pad_left = 1; l.pad_bottom = 1; l.pad_right = 1
            l.batch_norm = HWNAS_BN_FOLDED; l.activation = HWNAS_ACT_RELU
            return l
        }
        let tensors = [hwnas_tensor](repeating: hwnas_tensor(c: 16, h: 32, w: 32, reserved: 0), count: layers + 1)
        let status: hwnas_status = withCStringCopies(archs) { archPtrs in
            layerArray.withUnsafeBufferPointer { lb in tensors.withUnsafeBufferPointer { tb in
                var network = hwnas_network(struct_size: UInt32(MemoryLayout<hwnas_network>.size), n_layers: UInt32(layers),
                                            layers: lb.baseAddress, n_tensors: UInt32(tensors.count), reserved: 0, tensors: tb.baseAddress,
                                            layer_size: UInt32(MemoryLayout<hwnas_layer>.size), spatial_dims: 2)
                return withUnsafePointer(to: &network) { np in
                    let networks = [UnsafePointer<hwnas_network>?](repeating: np, count: count)
                    return flat.withUnsafeBufferPointer { gb in archPtrs.withUnsafeBufferPointer { ab in networks.withUnsafeBufferPointer { nb in
                        // Laid out as a 1.1 host does (no requests, no text results): the
                        // plugin must not read past the sizes it is given.
                        var batch = hwnas_candidate_batch(struct_size: UInt32(MemoryLayout<hwnas_candidate_batch>.offset(of: \.requests)!),
                                                          count: UInt32(count), n_dims: UInt32(Self.nDims), reserved: 0,
                                                          genotypes: gb.baseAddress, arch_strings: ab.baseAddress,
                                                          networks: layers > 0 ? nb.baseAddress : nil, requests: nil)
                        return withUnsafePointer(to: &batch) { bp in
                            var request = hwnas_evaluation_request(
                                struct_size: UInt32(MemoryLayout<hwnas_evaluation_request>.offset(of: \.on_result_text)!), reserved: 0, batch: bp,
                                host_ctx: Unmanaged.passUnretained(sink).toOpaque(),
                                on_result: { ctx, index, status, metrics in
                                    let sink = Unmanaged<ReportSink>.fromOpaque(ctx!).takeUnretainedValue()
                                    sink.append(Int(index), status, (0..<sink.metricCount).map { metrics![$0] })
                                }, on_result_text: nil)
                            return ev.pointee.evaluate(ev, &request, &statuses, &metrics)
                        }
                    } } }
                }
            } }
        }
        for l in layerArray { free(UnsafeMutableRawPointer(mutating: l.op)); free(UnsafeMutableRawPointer(mutating: l.cell)) }
        let lastError = status == HWNAS_OK ? nil : ev.pointee.last_error(ev).map { String(cString: $0) }
        return BatchOutcome(status: status, statuses: statuses,
                            metrics: (0..<count).map { Array(metrics[($0 * m)..<($0 * m + m)]) }, reports: sink, lastError: lastError)
    }

    /// Destroy the evaluator (stops its workers); returns the seconds it took.
    @discardableResult
    func destroy() -> Double {
        guard let ev = evaluator else { return 0 }
        let start = Date()
        ev.pointee.destroy(ev)
        evaluator = nil
        return Date().timeIntervalSince(start)
    }

    deinit { destroy() }   // the library stays loaded: Swift libraries are never unloaded
}

/// Calls `body` with NUL-terminated copies of `strings`, freed afterwards.
func withCStringCopies<R>(_ strings: [String], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
    let copies = strings.map { strdup($0) }
    defer { copies.forEach { free($0) } }
    return body(copies.map { UnsafePointer($0) })
}
