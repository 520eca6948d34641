// Search spaces "nb201" and "fbnet": the two benchmark spaces with published
// accuracies and latencies (../shared/benchmarks), as a plugin like any other.
import CHwnasABI
import HwnasCoreOpNames
import HwnasPluginSupport

private let plugin = PluginExport(spaces: [
    SpaceKind(PluginDescriptor(id: "nb201", name: "NAS-Bench-201 cell space",
                               description: "6 edges x 5 operations (15625 architectures), CIFAR-style network; options input_size, input_channels, classes",
                               options: benchmarkSpaceOptions(classes: 10) + [
                                   .string("dead_edges", "prune", choices: ["prune", "keep"],
                                           "keep: compute every non-none edge as NAS-Bench-201's code does (how its devices were timed); prune: the deployed network")])) { o, _ in
        try NB201Space(options: o)
    },
    SpaceKind(PluginDescriptor(id: "fbnet", name: "FBNet layer-wise space",
                               description: "22 layers x 9 inverted-residual blocks or skip; options input_size, input_channels, classes, dropped_strides",
                               options: benchmarkSpaceOptions(classes: 100) + [
                                   .int("dropped_strides", nil, 0...5, "leading stride-2 positions run at stride 1 (default 2 up to 64 px, else 0)")])) { o, _ in
        try FBNetSpace(options: o)
    },
])

@_cdecl("hwnas_get_plugin_entry")
public func hwnas_get_plugin_entry() -> UnsafeRawPointer {
    plugin.entry { plugin.factory($0) }
}
