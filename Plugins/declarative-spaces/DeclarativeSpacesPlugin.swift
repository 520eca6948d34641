// Search spaces written as YAML files: "blocks" (stages of conv, depthwise-
// separable, MBConv and residual blocks, 1-D or 2-D, with searchable
// resolution, width, depth, kernel, expansion and squeeze-excite) and
// "choices" (named choices only, no network). docs/search-spaces.md.
import CHwnasABI
import HwnasPluginSupport

private let plugin = PluginExport(spaces: [
    SpaceKind(PluginDescriptor(id: "blocks", name: "Declarative block space",
                               description: "stages of conv / dwsep / mbconv / resblock blocks from a YAML file (option file); resolution, width, depth, kernel, expansion, squeeze-excite searchable; 1-D or 2-D")) { o, _ in
        try BlockSpace(options: o)
    },
    SpaceKind(PluginDescriptor(id: "choices", name: "Named choices",
                               description: "dims and choices from a YAML file (option file), no network: for table evaluators and table cost models")) { o, _ in
        try ChoiceSpace(options: o)
    },
])

@_cdecl("hwnas_get_plugin_entry")
public func hwnas_get_plugin_entry() -> UnsafeRawPointer {
    plugin.entry { plugin.factory($0) }
}
