// Search spaces written as YAML files: "blocks" (stages of conv, depthwise-
// separable, MBConv and residual blocks, 1-D or 2-D, with searchable
// resolution, width, depth, kernel, expansion and squeeze-excite) and
// "choices" (named choices only, no network). docs/search-spaces.md.
import CHwnasABI
import HwnasPluginSupport

private let plugin = PluginExport(spaces: [
    SpaceKind(PluginDescriptor(id: "blocks", name: "Declarative block space",
                               description: "stages of conv / dwsep / mbconv / resblock blocks from a YAML file (option file); resolution, width, depth, kernel, expansion, squeeze-excite searchable; 1-D or 2-D",
                               options: [.path("file", "the space file (docs/search-spaces.md)"),
                                         .int("classes", nil, 1...1_000_000, "classifier outputs (over the file's)"),
                                         .int("input_channels", nil, 1...4096, "input channels (over the file's)"),
                                         .string("resolution", nil, "input resolution, or a comma-separated list of choices (over the file's)"),
                                         .string("length", nil, "sequence length, or a comma-separated list of choices (over the file's)"),
                                         .int("round_channels", nil, 1...1024, "channels are multiples of this (over the file's 8)"),
                                         .string("width", nil, "a fixed global width multiplier written as a plain value in the file")])) { o, _ in
        try BlockSpace(options: o)
    },
    SpaceKind(PluginDescriptor(id: "choices", name: "Named choices",
                               description: "dims and choices from a YAML file (option file), no network: for table evaluators and table cost models",
                               options: [.path("file", "the space file: dims, choices or choices_per_dim, separator"),
                                         .string("separator", ",", "the separator of the canonical string (from the file)")])) { o, _ in
        try ChoiceSpace(options: o)
    },
])

@_cdecl("hwnas_get_plugin_entry")
public func hwnas_get_plugin_entry() -> UnsafeRawPointer {
    plugin.entry { plugin.factory($0) }
}
