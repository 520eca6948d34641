// The space flags shared by the commands that build networks: which space
// (a name in search-spaces/, a .yaml path, or a space plugin's id) and
// KEY=VALUE options for its plugin over the file's.
import ArgumentParser
import HwnasCore

struct SpaceOptions: ParsableArguments {
    @Option(help: "Search space: a name in search-spaces/ (see `hwnas spaces list`), a .yaml path, or a space plugin id.")
    var space = SearchDefaults.space
    @Option(name: .customLong("space-option"), help: "Option KEY=VALUE for the space's plugin, over its file's (repeatable), e.g. input_size=64.")
    var spaceOptions: [String] = []

    func load(_ registry: PluginRegistry) throws -> SearchSpace {
        try SpaceCatalog.load(space, registry: registry, overrides: try keyValues(spaceOptions, flag: "--space-option"))
    }
}
