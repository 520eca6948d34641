// hwnas_strategy instances backed by a Swift SearchStrategy.
import CHwnasABI

typealias StrategyBox = InstanceBox<(strategy: SearchStrategy, context: StrategyContext)>

extension PluginExport {
    func createStrategy(_ id: UnsafePointer<CChar>?, _ host: UnsafePointer<hwnas_host>?,
                        _ ctx: UnsafePointer<hwnas_search_context>?, _ opts: UnsafePointer<hwnas_options>?,
                        _ out: UnsafeMutablePointer<UnsafeMutablePointer<hwnas_strategy>?>?,
                        _ err: UnsafeMutablePointer<CChar>?, _ cap: UInt32) -> hwnas_status {
        guard let kind = find(strategies, id, { $0.descriptor }, err, cap) else { return HWNAS_ERR_UNKNOWN_ID }
        guard let ctx, let out else { writeError("NULL context or out", err, cap); return HWNAS_ERR_INVALID_ARGUMENT }
        let logger = HostLogger(host: host)
        let context = StrategyContext(ctx, logger: logger)
        let strategy: SearchStrategy
        do { strategy = try kind.make(context, PluginOptions(opts, specs: kind.descriptor.options, owner: "strategy '\(kind.descriptor.id)'")) } catch {
            writeError("\(error)", err, cap); return HWNAS_ERR_INVALID_ARGUMENT
        }
        let box = StrategyBox((strategy, context), logger: logger)
        let s = UnsafeMutablePointer<hwnas_strategy>.allocate(capacity: 1)
        s.initialize(to: hwnas_strategy(
            struct_size: UInt32(MemoryLayout<hwnas_strategy>.size), reserved: 0,
            plugin_data: box.retainedOpaque(),
            ask: { me, maxCount, genotypesOut, countOut in
                let box = StrategyBox.from(me!.pointee.plugin_data)
                var status = HWNAS_OK
                let st = box.guarded {
                    let asked = try box.value.strategy.ask(maxCount: Int(maxCount))
                    let d = box.value.context.space.nDims
                    if asked.isEmpty { status = HWNAS_ERR_EXHAUSTED }
                    for (i, g) in asked.prefix(Int(maxCount)).enumerated() {
                        guard g.count == d else { throw PluginError("strategy produced a genotype of \(g.count) dims, space has \(d)") }
                        for j in 0..<d { genotypesOut![i * d + j] = g[j] }
                    }
                    countOut!.pointee = UInt32(min(asked.count, Int(maxCount)))
                }
                return st == HWNAS_OK ? status : st
            },
            tell: { me, results in
                let box = StrategyBox.from(me!.pointee.plugin_data)
                return box.guarded {
                    guard let r = results?.pointee else { throw PluginError("NULL tell") }
                    let d = Int(r.n_dims), no = Int(r.n_objectives), nm = Int(r.n_metrics)
                    var records: [TellRecord] = []
                    for i in 0..<Int(r.count) {
                        let genotype: [Int32] = (0..<d).map { j in r.genotypes[i * d + j] }
                        let objectives: [Double] = (0..<no).map { j in r.objectives?[i * no + j] ?? .nan }
                        let metrics: [Double] = (0..<nm).map { j in r.metrics?[i * nm + j] ?? .nan }
                        let outcome = CandidateOutcome(rawValue: r.outcomes[i]) ?? .failed
                        records.append(TellRecord(genotype: genotype, outcome: outcome, objectives: objectives, metrics: metrics))
                    }
                    try box.value.strategy.tell(records)
                }
            },
            last_error: { me in StrategyBox.from(me!.pointee.plugin_data).errorPointer },
            destroy: { me in
                guard let me else { return }
                StrategyBox.release(me.pointee.plugin_data)
                UnsafeMutablePointer(mutating: me).deallocate()
            }))
        out.pointee = s
        return HWNAS_OK
    }
}
