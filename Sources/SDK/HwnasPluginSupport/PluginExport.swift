// Turns Swift plugin kinds into the C entry and factory structs of the ABI.
//
// A Swift plugin writes:
//     nonisolated(unsafe) private let plugin = PluginExport(strategies: [...])
//     @_cdecl("hwnas_get_plugin_entry")
//     public func hwnas_get_plugin_entry() -> UnsafeRawPointer { plugin.entry { plugin.factory($0) } }
//
// No global state lives in this library (each plugin links its own copy);
// factories find their PluginExport through a pointer stored right after the
// C struct in the same allocation.
import CHwnasABI
#if canImport(Glibc)
import Glibc
#endif

/// Strings handed to C, kept alive for the life of the plugin (never freed:
/// Swift libraries are never unloaded).
func permanentCString(_ s: String) -> UnsafePointer<CChar> { UnsafePointer(strdup(s)!) }

/// Copy `message` into a caller-owned buffer of `capacity` bytes. One that
/// does not fit keeps its beginning and its end (what failed, and why),
/// cut in the middle at character boundaries.
func writeError(_ message: String, _ out: UnsafeMutablePointer<CChar>?, _ capacity: UInt32) {
    guard let out, capacity > 0 else { return }
    let room = Int(capacity) - 1
    var bytes = Array(message.utf8)
    if bytes.count > room {
        let cut = " ... "
        let half = max(0, (room - cut.utf8.count) / 2)
        var head = "", tail = ""
        for c in message {
            if head.utf8.count + c.utf8.count > half { break }
            head.append(c)
        }
        for c in message.reversed() {
            if tail.utf8.count + c.utf8.count > half { break }
            tail.insert(c, at: tail.startIndex)
        }
        bytes = Array((head + cut + tail).utf8.prefix(room))
    }
    for (i, b) in bytes.enumerated() { out[i] = CChar(bitPattern: b) }
    out[bytes.count] = 0
}

/// A long input quoted in a message, shortened to its first 60 and last 20
/// characters with the count between, so the message keeps its reason.
public func abbreviated(_ s: String, limit: Int = 120) -> String {
    guard s.count > limit else { return s }
    return "\(s.prefix(60))...(\(s.count - 80) more characters)...\(s.suffix(20))"
}

func makeDescriptor(_ d: PluginDescriptor) -> UnsafePointer<hwnas_descriptor> {
    let specs = UnsafeMutablePointer<hwnas_option_spec>.allocate(capacity: max(1, d.options.count))
    for (i, o) in d.options.enumerated() {
        specs[i] = o.cForm(permanentCString)
    }
    let p = UnsafeMutablePointer<hwnas_descriptor>.allocate(capacity: 1)
    p.initialize(to: hwnas_descriptor(struct_size: UInt32(MemoryLayout<hwnas_descriptor>.size), reserved: 0,
                                      id: permanentCString(d.id), name: permanentCString(d.name),
                                      vendor: permanentCString(d.vendor), version: permanentCString(d.version),
                                      description: permanentCString(d.description), options: UnsafePointer(specs),
                                      option_count: UInt32(d.options.count),
                                      option_spec_size: UInt32(MemoryLayout<hwnas_option_spec>.size)))
    return UnsafePointer(p)
}

/// Allocate a C struct followed by an unretained back-pointer to `owner`.
func allocateWithOwner<T>(_ value: T, owner: AnyObject) -> UnsafeMutablePointer<T> {
    let stride = MemoryLayout<T>.stride
    let raw = UnsafeMutableRawPointer.allocate(byteCount: stride + MemoryLayout<UnsafeRawPointer>.size,
                                               alignment: max(MemoryLayout<T>.alignment, 8))
    let typed = raw.bindMemory(to: T.self, capacity: 1)
    typed.initialize(to: value)
    raw.storeBytes(of: Unmanaged.passUnretained(owner).toOpaque(), toByteOffset: stride, as: UnsafeMutableRawPointer.self)
    return typed
}

func owner<T, O: AnyObject>(of p: UnsafePointer<T>?, as: O.Type) -> O {
    let raw = UnsafeRawPointer(p!).load(fromByteOffset: MemoryLayout<T>.stride, as: UnsafeMutableRawPointer.self)
    return Unmanaged<O>.fromOpaque(raw).takeUnretainedValue()
}

/// Holds the instance behind a C struct's plugin_data, plus its last error:
/// per thread (an evaluator may take concurrent calls), and the latest of any
/// thread for a caller that reads it from another thread than the call's.
final class InstanceBox<T> {
    let value: T
    private let errorLock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private var errors: [pthread_t: UnsafeMutablePointer<CChar>] = [:]
    private var latestError: pthread_t?
    let logger: HostLogger
    init(_ value: T, logger: HostLogger) {
        self.value = value; self.logger = logger
        pthread_mutex_init(errorLock, nil)
    }
    deinit {
        errors.values.forEach { free($0) }
        pthread_mutex_destroy(errorLock)
        errorLock.deallocate()
    }

    /// Run `body`, turning a thrown error into a status code plus last_error.
    func guarded(_ body: () throws -> Void) -> hwnas_status {
        do { try body(); return HWNAS_OK } catch {
            setError("\(error)")
            return HWNAS_ERR_FAILED
        }
    }
    func setError(_ s: String) {
        let me = pthread_self()
        pthread_mutex_lock(errorLock); defer { pthread_mutex_unlock(errorLock) }
        free(errors[me])
        errors[me] = strdup(s)
        latestError = me
    }
    var errorPointer: UnsafePointer<CChar>? {
        pthread_mutex_lock(errorLock); defer { pthread_mutex_unlock(errorLock) }
        return (errors[pthread_self()] ?? latestError.flatMap { errors[$0] }).map { UnsafePointer($0) }
    }

    static func from(_ data: UnsafeMutableRawPointer?) -> InstanceBox<T> {
        Unmanaged<InstanceBox<T>>.fromOpaque(data!).takeUnretainedValue()
    }
    func retainedOpaque() -> UnsafeMutableRawPointer { Unmanaged.passRetained(self).toOpaque() }
    static func release(_ data: UnsafeMutableRawPointer?) {
        guard let data else { return }
        Unmanaged<InstanceBox<T>>.fromOpaque(data).release()
    }
}

/// Builds and owns one plugin library's entry and factories.
public final class PluginExport: @unchecked Sendable {
    let strategies: [StrategyKind]
    let costModels: [CostModelKind]
    let evaluators: [EvaluatorKind]
    let operatorSets: [OperatorSetKind]
    let spaces: [SpaceKind]
    private var entryPointer: UnsafeMutablePointer<hwnas_plugin_entry>?
    private var factories: [String: UnsafeRawPointer] = [:]
    var host: UnsafePointer<hwnas_host>?
    /// Each factory's descriptors, by Kind: what its count and descriptor answer.
    let descriptors: [[UnsafePointer<hwnas_descriptor>]]
    enum Kind: Int { case strategy, costModel, evaluator, operatorSet, space }
    private let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)

    public init(strategies: [StrategyKind] = [], costModels: [CostModelKind] = [],
                evaluators: [EvaluatorKind] = [], operatorSets: [OperatorSetKind] = [], spaces: [SpaceKind] = []) {
        self.strategies = strategies; self.costModels = costModels
        self.evaluators = evaluators; self.operatorSets = operatorSets
        // Every Swift space can be composed with hardware dims (co-design).
        self.spaces = spaces.map { $0.withHardwareDims() }
        descriptors = [strategies.map(\.descriptor), costModels.map(\.descriptor), evaluators.map(\.descriptor),
                       operatorSets.map(\.descriptor), self.spaces.map(\.descriptor)].map { $0.map(makeDescriptor) }
        pthread_mutex_init(lock, nil)
        buildFactories()
    }

    /// The entry struct; `getFactory` must be a non-capturing closure that
    /// forwards to `factory(_:)` of the plugin's global PluginExport.
    public func entry(getFactory: @convention(c) (UnsafePointer<CChar>?) -> UnsafeRawPointer?) -> UnsafeRawPointer {
        pthread_mutex_lock(lock); defer { pthread_mutex_unlock(lock) }
        if let e = entryPointer { return UnsafeRawPointer(e) }
        let e = UnsafeMutablePointer<hwnas_plugin_entry>.allocate(capacity: 1)
        e.initialize(to: hwnas_plugin_entry(
            struct_size: UInt32(MemoryLayout<hwnas_plugin_entry>.size), reserved: 0,
            abi_version: hwnas_version(major: HWNAS_ABI_VERSION_MAJOR, minor: HWNAS_ABI_VERSION_MINOR, patch: HWNAS_ABI_VERSION_PATCH),
            init: { _ in HWNAS_OK }, deinit: {}, get_factory: getFactory))
        entryPointer = e
        return UnsafeRawPointer(e)
    }

    /// The factory for a factory id, or nil.
    public func factory(_ id: UnsafePointer<CChar>?) -> UnsafeRawPointer? {
        guard let id else { return nil }
        return factories[String(cString: id)]
    }

    private func buildFactories() {
        if !strategies.isEmpty {
            factories[HWNAS_STRATEGY_FACTORY_ID] = UnsafeRawPointer(allocateWithOwner(hwnas_strategy_factory(
                struct_size: UInt32(MemoryLayout<hwnas_strategy_factory>.size), reserved: 0,
                count: { f in PluginExport.count(f, .strategy) }, descriptor: { f, i in PluginExport.descriptor(f, i, .strategy) },
                create: { f, id, host, ctx, opts, out, err, cap in
                    owner(of: f, as: PluginExport.self).createStrategy(id, host, ctx, opts, out, err, cap)
                }), owner: self))
        }
        if !costModels.isEmpty {
            factories[HWNAS_COST_MODEL_FACTORY_ID] = UnsafeRawPointer(allocateWithOwner(hwnas_cost_model_factory(
                struct_size: UInt32(MemoryLayout<hwnas_cost_model_factory>.size), reserved: 0,
                count: { f in PluginExport.count(f, .costModel) }, descriptor: { f, i in PluginExport.descriptor(f, i, .costModel) },
                create: { f, id, host, space, opts, out, err, cap in
                    owner(of: f, as: PluginExport.self).createCostModel(id, host, space, opts, out, err, cap)
                }), owner: self))
        }
        if !evaluators.isEmpty {
            factories[HWNAS_EVALUATOR_FACTORY_ID] = UnsafeRawPointer(allocateWithOwner(hwnas_evaluator_factory(
                struct_size: UInt32(MemoryLayout<hwnas_evaluator_factory>.size), reserved: 0,
                count: { f in PluginExport.count(f, .evaluator) }, descriptor: { f, i in PluginExport.descriptor(f, i, .evaluator) },
                create: { f, id, host, space, opts, out, err, cap in
                    owner(of: f, as: PluginExport.self).createEvaluator(id, host, space, opts, out, err, cap)
                }), owner: self))
        }
        if !operatorSets.isEmpty {
            factories[HWNAS_OPERATOR_SET_FACTORY_ID] = UnsafeRawPointer(allocateWithOwner(hwnas_operator_set_factory(
                struct_size: UInt32(MemoryLayout<hwnas_operator_set_factory>.size), reserved: 0,
                count: { f in PluginExport.count(f, .operatorSet) }, descriptor: { f, i in PluginExport.descriptor(f, i, .operatorSet) },
                create: { f, id, host, opts, out, err, cap in
                    owner(of: f, as: PluginExport.self).createOperatorSet(id, host, opts, out, err, cap)
                }), owner: self))
        }
        if !spaces.isEmpty {
            factories[HWNAS_SEARCH_SPACE_FACTORY_ID] = UnsafeRawPointer(allocateWithOwner(hwnas_search_space_factory(
                struct_size: UInt32(MemoryLayout<hwnas_search_space_factory>.size), reserved: 0,
                count: { f in PluginExport.count(f, .space) }, descriptor: { f, i in PluginExport.descriptor(f, i, .space) },
                create: { f, id, host, opts, out, err, cap in
                    owner(of: f, as: PluginExport.self).createSpace(id, host, opts, out, err, cap)
                }), owner: self))
        }
    }

    static func count<F>(_ f: UnsafePointer<F>?, _ k: Kind) -> UInt32 {
        UInt32(owner(of: f, as: PluginExport.self).descriptors[k.rawValue].count)
    }

    static func descriptor<F>(_ f: UnsafePointer<F>?, _ i: UInt32, _ k: Kind) -> UnsafePointer<hwnas_descriptor>? {
        let list = owner(of: f, as: PluginExport.self).descriptors[k.rawValue]
        return Int(i) < list.count ? list[Int(i)] : nil
    }

    /// Finds the kind with `id`, or writes the unknown-id error.
    func find<K>(_ kinds: [K], _ id: UnsafePointer<CChar>?, _ descriptor: (K) -> PluginDescriptor,
                 _ err: UnsafeMutablePointer<CChar>?, _ cap: UInt32) -> K? {
        let wanted = id.map { String(cString: $0) } ?? ""
        if let k = kinds.first(where: { descriptor($0).id == wanted }) { return k }
        writeError("unknown id '\(wanted)'", err, cap)
        return nil
    }
}
