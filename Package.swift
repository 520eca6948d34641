// swift-tools-version: 6.1
import PackageDescription

// Every built-in plugin is its own dynamic library, loaded by the host through
// the C ABI in Sources/ABI/CHwnasABI/include/hwnas/plugin.h exactly as a
// third-party plugin would be. Add a plugin by adding a line here.
struct PluginSpec {
    let product: String   // library file: lib<product>.so
    let target: String    // module name (unique per plugin)
    let path: String
    let swift: Bool
    var deps: [Target.Dependency] = []
    var linker: [LinkerSetting] = []
    /// The plugin's logic as its own module in path/<folder> (tests drive it
    /// directly); the .so's ABI shell then lives in path/Plugin.
    var logic: (name: String, folder: String, deps: [Target.Dependency])? = nil
}

let openBLAS: [LinkerSetting] = [.linkedLibrary("openblas")]

let plugins: [PluginSpec] = [
    PluginSpec(product: "HwnasRandom", target: "HwnasRandomPlugin", path: "Plugins/random", swift: false),
    PluginSpec(product: "HwnasEvolution", target: "HwnasEvolutionPlugin", path: "Plugins/regularized-evolution", swift: true),
    PluginSpec(product: "HwnasTableCost", target: "HwnasTableCostPlugin", path: "Plugins/table-cost-model", swift: true,
               deps: ["HwnasTabular"]),
    PluginSpec(product: "HwnasTableEvaluator", target: "HwnasTableEvaluatorPlugin", path: "Plugins/table-evaluator", swift: true,
               deps: ["HwnasTabular"]),
    PluginSpec(product: "HwnasCommandEvaluator", target: "HwnasCommandEvaluatorPlugin", path: "Plugins/command-evaluator", swift: true),
    PluginSpec(product: "HwnasCoreOps", target: "HwnasCoreOpsPlugin", path: "Plugins/core-ops", swift: true, deps: ["HwnasOps"]),
    PluginSpec(product: "HwnasMCU", target: "HwnasMCUPlugin", path: "Plugins/mcu-cost-model", swift: true, deps: ["HwnasOps"],
               logic: ("HwnasMCUModel", "Model", ["HwnasOps"])),
    PluginSpec(product: "HwnasLocalSearch", target: "HwnasLocalSearchPlugin", path: "Plugins/local-search", swift: true, deps: ["HwnasStrategies"],
               logic: ("HwnasLocalSearchAlgorithm", "Search", ["HwnasStrategies"])),
    PluginSpec(product: "HwnasPredictor", target: "HwnasPredictorPlugin", path: "Plugins/predictor", swift: true, deps: ["HwnasStrategies"], linker: openBLAS,
               logic: ("HwnasPredictorSearch", "Search", ["HwnasStrategies", "HwnasTabular", "HwnasRanks", "CLapack"])),
    PluginSpec(product: "HwnasNSGA2", target: "HwnasNSGA2Plugin", path: "Plugins/nsga2", swift: true, deps: ["HwnasStrategies"],
               logic: ("HwnasNSGA2Search", "Search", ["HwnasStrategies"])),
    PluginSpec(product: "HwnasDifferentialEvolution", target: "HwnasDifferentialEvolutionPlugin", path: "Plugins/differential-evolution", swift: true,
               deps: ["HwnasStrategies"],
               logic: ("HwnasDifferentialEvolutionSearch", "Search", ["HwnasStrategies"])),
    PluginSpec(product: "HwnasAccelerator", target: "HwnasAcceleratorPlugin", path: "Plugins/accelerator-cost-model", swift: true,
               logic: ("HwnasAcceleratorModel", "Model", [])),
    PluginSpec(product: "HwnasCPULUT", target: "HwnasCPULUTPlugin", path: "Plugins/cpu-lut", swift: true, deps: ["HwnasLUT"]),
    PluginSpec(product: "HwnasTrainingFree", target: "HwnasTrainingFreePlugin", path: "Plugins/training-free-evaluators", swift: true,
               deps: ["HwnasExecutor", "CLapack"]),
    PluginSpec(product: "HwnasBenchmarkSpaces", target: "HwnasBenchmarkSpacesPlugin", path: "Plugins/benchmark-spaces", swift: true,
               deps: ["HwnasCoreOpNames", "HwnasNB201"]),
    PluginSpec(product: "HwnasDeclarativeSpaces", target: "HwnasDeclarativeSpacesPlugin", path: "Plugins/declarative-spaces", swift: true,
               deps: ["HwnasCoreOpNames", "HwnasYAML"]),
    // HELPER-PLUGINS (append new PluginSpec lines above this marker)
]

var targets: [Target] = [
    // The public ABI: one C99 header plus compile-time layout checks.
    .target(name: "CHwnasABI", path: "Sources/ABI/CHwnasABI"),
    // Pure helpers shared by host and plugins (CSV). No global state.
    .target(name: "HwnasTabular", path: "Sources/Libraries/HwnasTabular"),
    // Bounded YAML loading (size, alias expansion) for the host and YAML-reading plugins.
    .target(name: "HwnasYAML", dependencies: [.product(name: "Yams", package: "Yams")], path: "Sources/Libraries/HwnasYAML"),
    // NAS-Bench-201's cell: op list and arch strings (space plugin, tables, tests).
    .target(name: "HwnasNB201", path: "Sources/Libraries/HwnasNB201"),
    // Ranks with ties (Spearman in the tools, the predictor's normal scores).
    .target(name: "HwnasRanks", path: "Sources/Libraries/HwnasRanks"),
    // The one seeded generator (SplitMix64) of host, tools and plugins.
    .target(name: "HwnasSplitMix", path: "Sources/Libraries/HwnasSplitMix"),
    // Declared plugin options and their checks, shared by host and plugin SDK.
    .target(name: "HwnasOptionSpecs", dependencies: ["CHwnasABI"], path: "Sources/Libraries/HwnasOptionSpecs"),
    // Glue that turns Swift types into ABI factories; linked into each Swift plugin.
    .target(name: "HwnasPluginSupport", dependencies: ["CHwnasABI", "HwnasOptionSpecs", "HwnasSplitMix"], path: "Sources/SDK/HwnasPluginSupport"),
    // BLAS/LAPACK routines (Fortran symbols of libopenblas) for the predictor.
    .systemLibrary(name: "CLapack", path: "Sources/Libraries/CLapack"),
    // What strategy plugins share, free of the C ABI: the algorithm protocol,
    // the feasibility gate, the bridge to a plugin. Each algorithm lives in
    // its plugin's folder (Plugins/<name>/Search).
    .target(name: "HwnasStrategies", dependencies: ["HwnasPluginSupport"], path: "Sources/Libraries/HwnasStrategies"),
    // Float32 CPU executor of hwnas_network (im2col + OpenBLAS sgemm) for latency tables.
    .target(name: "HwnasExecutor", dependencies: ["CHwnasABI"], path: "Sources/Libraries/HwnasExecutor", linkerSettings: openBLAS),
    // Least squares through LAPACKE (dgelsd) for lookup-table fits.
    .target(name: "CHwnasLstsq", path: "Sources/Libraries/CHwnasLstsq", linkerSettings: openBLAS + [.linkedLibrary("lapacke")]),
    // Lookup-table latency models: genotype features, fitted tables, metrics (host and cpu-lut plugin).
    .target(name: "HwnasLUT", dependencies: ["CHwnasLstsq", "HwnasSplitMix", "HwnasTabular"], path: "Sources/Libraries/HwnasLUT"),
    // The core operator set's op names as C strings, for space plugins.
    .target(name: "HwnasCoreOpNames", dependencies: ["HwnasPluginSupport"], path: "Sources/SDK/HwnasCoreOpNames"),
    // Operator math, the Swift network type, the memory planner. Pure, no
    // dependencies (host, tools, core-ops and the mcu model share it).
    .target(name: "HwnasOps", path: "Sources/Libraries/HwnasOps"),
    // The network IR as the ABI lays it out (hwnas_network), owned from
    // Swift, and its JSON form: host, tools, host API and exporters share it.
    .target(name: "HwnasNetworkIR", dependencies: ["CHwnasABI", "HwnasOps"], path: "Sources/Libraries/HwnasNetworkIR"),
    // Names the running plugin call in one crash or hang line (signal
    // handler, watchdog); the host marks every call into a plugin with it.
    .target(name: "HwnasCallGuard", path: "Sources/Libraries/HwnasCallGuard"),
    // Result files written atomically, checked before work starts; write(2) in full.
    .target(name: "HwnasOutputFile", path: "Sources/Libraries/HwnasOutputFile"),
    // C forms handed across the ABI (strings, options, a space's names and
    // choices), alive with their owner.
    .target(name: "HwnasCForms", dependencies: ["CHwnasABI"], path: "Sources/Libraries/HwnasCForms"),
    // What hwnas writes: the result file, the journal's lines, content fingerprints.
    .target(name: "HwnasRecords", dependencies: ["HwnasOutputFile"], path: "Sources/Libraries/HwnasRecords"),
    // The host library: loading, profiles, spaces, search loop, journal.
    .target(name: "HwnasCore",
            dependencies: ["CHwnasABI", "HwnasNetworkIR", "HwnasOptionSpecs", "HwnasOutputFile", "HwnasCallGuard", "HwnasCForms",
                           "HwnasRecords", "HwnasSplitMix", "HwnasYAML"],
            path: "Sources/Host/HwnasCore"),
    // --isolate: a PluginRunner that serves the strategy and the evaluator
    // from `hwnas plugin-host` child processes (both sides of the pipe).
    .target(name: "HwnasIsolation", dependencies: ["HwnasCore", "CHwnasABI"], path: "Sources/Isolation/HwnasIsolation"),
    // Tools the CLI offers beside search, built on the host: bench, CPU
    // profiling, proxy correlation, lookup-table fits, Pareto plots.
    .target(name: "HwnasTools",
            dependencies: ["HwnasCore", "CHwnasABI", "HwnasOps", "HwnasRanks", "HwnasTabular", "HwnasExecutor", "HwnasLUT"],
            path: "Sources/Tools/HwnasTools"),
    // ONNX in and out: the IR written as an ONNX model, ONNX models read into
    // the IR. onnx.pb.swift is generated once (tools/onnx-schema) and committed.
    .target(name: "HwnasONNX", dependencies: ["HwnasOps", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            path: "Sources/Libraries/HwnasONNX", exclude: ["schema"]),
    // The host API: hwnas's host driven from C or Python (cffi), header in
    // CHwnasHostAPI/include/hwnas_host.h, built as libhwnas_host.so.
    .target(name: "CHwnasHostAPI", path: "Sources/ABI/CHwnasHostAPI"),
    .target(name: "HwnasHostAPI", dependencies: ["HwnasCore", "HwnasOps", "HwnasTools", "CHwnasHostAPI"], path: "Sources/Host/HwnasHostAPI"),
    .executableTarget(name: "hwnas",
                      dependencies: ["HwnasCore", "HwnasIsolation", "HwnasTools", "HwnasTabular", "HwnasONNX", .product(name: "ArgumentParser", package: "swift-argument-parser")],
                      path: "Sources/CLI/hwnas"),
    // Tests, one target per kind; the helpers they share (paths, running
    // the CLI, compiling C fixtures) are a library of their own.
    .target(name: "HwnasTestSupport", dependencies: ["HwnasCore", "HwnasOps"], path: "Tests/Support"),
] + [
    ("HwnasUnitTests", "Tests/Unit"),            // in-process: operators, models, spaces, fits
    ("HwnasPluginABITests", "Tests/PluginABI"),   // the C ABI: layouts, old headers, fixtures, host API, faults
    ("HwnasCLITests", "Tests/CLI"),               // the hwnas executable end to end, exports, runtimes
    ("HwnasStatisticalTests", "Tests/Statistical"), // strategies' regret, bench, proxies' rankings (slow)
].map { name, path in
    .testTarget(name: name, dependencies: ["HwnasTestSupport", "HwnasCore", "HwnasIsolation", "HwnasTools", "HwnasOps", "HwnasTabular", "hwnas",
                                           "HwnasStrategies", "HwnasONNX", "HwnasNB201", "HwnasPluginSupport",
                                           "HwnasPredictorSearch", "HwnasLocalSearchAlgorithm", "HwnasNSGA2Search", "HwnasDifferentialEvolutionSearch", "HwnasMCUModel", "HwnasAcceleratorModel"],
                path: path)
}
var products: [Product] = [
    .executable(name: "hwnas", targets: ["hwnas"]),
    .library(name: "HwnasCore", targets: ["HwnasCore"]),
    .library(name: "hwnas_host", type: .dynamic, targets: ["HwnasHostAPI"]),
]
for p in plugins {
    var deps: [Target.Dependency] = ["CHwnasABI"] + (p.swift ? ["HwnasPluginSupport"] : []) + p.deps
    var path = p.path
    if let logic = p.logic {
        targets.append(.target(name: logic.name, dependencies: logic.deps, path: p.path + "/" + logic.folder, linkerSettings: p.linker))
        deps.append(.target(name: logic.name))
        path += "/Plugin"
    }
    targets.append(.target(name: p.target, dependencies: deps, path: path, linkerSettings: p.linker))
    products.append(.library(name: p.product, type: .dynamic, targets: [p.target]))
}

let package = Package(
    name: "hwnas",
    products: products,
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    ],
    targets: targets
)
