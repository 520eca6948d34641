// First-improvement local search as a plugin; the algorithm lives in
// Plugins/local-search/Search/LocalSearch.swift.
import HwnasLocalSearchAlgorithm
import HwnasPluginSupport
import HwnasStrategies

private let plugin = PluginExport(strategies: [
    StrategyKind(PluginDescriptor(id: "local-search", name: "Local search",
                                  description: "First-improvement over one-edit neighbours with random restarts")) { ctx, _ in
        AlgorithmStrategy(LocalSearch(SearchSetup(ctx)))
    },
])

@_cdecl("hwnas_get_plugin_entry")
public func hwnas_get_plugin_entry() -> UnsafeRawPointer {
    plugin.entry { plugin.factory($0) }
}
