// Options of the benchmark spaces, from their YAML file or the command line.
// Every key must be known: a typo is an error, not a silent default.
import HwnasCoreOpNames
import HwnasPluginSupport

/// Declared options of both spaces (the host checks them before create).
func benchmarkSpaceOptions(classes: Int) -> [OptionSpec] {
    [.path("file", required: false, "the space file (set by the host)"),
     .int("input_size", 32, 8...4096, "input height and width"),
     .int("input_channels", 3, 1...4096, "input channels"),
     .int("classes", classes, 1...1_000_000, "classifier outputs")]
}

struct BenchmarkSpaceOptions {
    var inputSize: Int
    var inputChannels: Int
    var classes: Int
    var values: [String: String]

    init(_ options: PluginOptions, space: String, classes defaultClasses: Int, extraKeys: Set<String> = []) throws {
        let known = Set(["file", "input_size", "input_channels", "classes"]).union(extraKeys)
        let unknown = options.values.keys.filter { !known.contains($0) }.sorted()
        if !unknown.isEmpty {
            throw PluginError("space \(space): unknown option(s) \(unknown.joined(separator: ", ")) (known: \(known.subtracting(["file"]).sorted().joined(separator: ", ")))")
        }
        inputSize = try options.int("input_size", default: 32)
        inputChannels = try options.int("input_channels", default: 3)
        classes = try options.int("classes", default: defaultClasses)
        guard (8...4096).contains(inputSize) else { throw PluginError("space \(space): input_size must be 8...4096, got \(inputSize)") }
        guard (1...4096).contains(inputChannels) else { throw PluginError("space \(space): input_channels must be 1...4096, got \(inputChannels)") }
        guard classes >= 1 else { throw PluginError("space \(space): classes must be >= 1, got \(classes)") }
        values = options.values
    }
}

/// Global average pooling and the linear classifier that end both networks.
func addClassifier(_ b: NetworkBuilder, _ x: Int32, classes: Int) throws {
    var pool = LayerSpec(CoreOps.globalAvgpool, x); pool.cell = CoreOps.head
    var fc = LayerSpec(CoreOps.linear, try b.add(pool), outC: classes); fc.cell = CoreOps.head
    try b.add(fc)
}
