// hwnas_cost_model instances backed by a Swift CostModel.
import CHwnasABI

typealias CostModelBox = InstanceBox<(model: CostModel, names: [UnsafePointer<CChar>])>

extension PluginExport {
    func createCostModel(_ id: UnsafePointer<CChar>?, _ host: UnsafePointer<hwnas_host>?,
                         _ space: UnsafePointer<hwnas_search_space>?, _ opts: UnsafePointer<hwnas_options>?,
                         _ out: UnsafeMutablePointer<UnsafeMutablePointer<hwnas_cost_model>?>?,
                         _ err: UnsafeMutablePointer<CChar>?, _ cap: UInt32) -> hwnas_status {
        guard let kind = find(costModels, id, { $0.descriptor }, err, cap) else { return HWNAS_ERR_UNKNOWN_ID }
        guard let space, let out else { writeError("NULL space or out", err, cap); return HWNAS_ERR_INVALID_ARGUMENT }
        let logger = HostLogger(host: host)
        let model: CostModel
        do { model = try kind.make(SearchSpaceView(space), PluginOptions(opts, specs: kind.descriptor.options, owner: "cost model '\(kind.descriptor.id)'"), logger) } catch {
            writeError("\(error)", err, cap); return HWNAS_ERR_INVALID_ARGUMENT
        }
        let box = CostModelBox((model, model.metricNames.map(permanentCString)), logger: logger)
        let m = UnsafeMutablePointer<hwnas_cost_model>.allocate(capacity: 1)
        m.initialize(to: hwnas_cost_model(
            struct_size: UInt32(MemoryLayout<hwnas_cost_model>.size), reserved: 0,
            plugin_data: box.retainedOpaque(),
            metric_count: { me in UInt32(CostModelBox.from(me!.pointee.plugin_data).value.names.count) },
            metric_name: { me, i in
                let names = CostModelBox.from(me!.pointee.plugin_data).value.names
                return Int(i) < names.count ? names[Int(i)] : nil
            },
            estimate: { me, batch, metricsOut in
                let box = CostModelBox.from(me!.pointee.plugin_data)
                return box.guarded {
                    guard let batch, let metricsOut else { throw PluginError("NULL batch or output") }
                    let rows = try box.value.model.estimate(CandidateBatch(batch))
                    let m = box.value.names.count
                    guard rows.count == Int(batch.pointee.count) else { throw PluginError("cost model returned \(rows.count) rows for \(batch.pointee.count) candidates") }
                    for (i, row) in rows.enumerated() {
                        for j in 0..<m { metricsOut[i * m + j] = j < row.count ? row[j] : .nan }
                    }
                }
            },
            explain: { me, batch, textOut, capacity in
                let box = CostModelBox.from(me!.pointee.plugin_data)
                return box.guarded {
                    guard let batch else { throw PluginError("NULL batch") }
                    writeError(try box.value.model.explain(CandidateBatch(batch)) ?? "", textOut, capacity)
                }
            },
            last_error: { me in CostModelBox.from(me!.pointee.plugin_data).errorPointer },
            destroy: { me in
                guard let me else { return }
                CostModelBox.release(me.pointee.plugin_data)
                UnsafeMutablePointer(mutating: me).deallocate()
            }))
        out.pointee = m
        return HWNAS_OK
    }
}
