// swift-tools-version: 6.1
import PackageDescription

// Every built-in plugin is its own dynamic library, loaded by the host through
// the C ABI in Sources/CHwnasABI/include/hwnas/plugin.h exactly as a
// third-party plugin would be. Add a plugin by adding a line here.
struct PluginSpec {
    let product: String   // library file: lib<product>.so
    let target: String    // module name (unique per plugin)
    let path: String
    let swift: Bool
    var deps: [Target.Dependency] = []
    var linker: [LinkerSetting] = []
}

let openBLAS: [LinkerSetting] = [.linkedLibrary("openblas")]

let plugins: [PluginSpec] = [
    PluginSpec(product: "HwnasRandom", target: "HwnasRandomPlugin", path: "Plugins/random", swift: false),
    PluginSpec(product: "HwnasEvolution", target: "HwnasEvolutionPlugin", path: "Plugins/regularized-evolution", swift: true),
    PluginSpec(product: "HwnasTableCost", target: "HwnasTableCostPlugin", path: "Plugins/table-cost-model", swift: true,
               deps: ["HwnasTabular"]),
    PluginSpec(product: "HwnasTableEvaluator", target: "HwnasTableEvaluatorPlugin", path: "Plugins/table-evaluator", swift: true,
               deps: ["HwnasTabular"]),
    // HELPER-PLUGINS (append new PluginSpec lines above this marker)
]

var targets: [Target] = [
    // The public ABI: one C99 header plus compile-time layout checks.
    .target(name: "CHwnasABI", path: "Sources/CHwnasABI"),
    // Pure helpers shared by host and plugins (CSV). No global state.
    .target(name: "HwnasTabular", path: "Sources/HwnasTabular"),
    // Glue that turns Swift types into ABI factories; linked into each Swift plugin.
    .target(name: "HwnasPluginSupport", dependencies: ["CHwnasABI"], path: "Sources/HwnasPluginSupport"),
    // The host library: loading, profiles, spaces, search loop, journal.
    .target(name: "HwnasCore",
            dependencies: ["CHwnasABI", "HwnasTabular", .product(name: "Yams", package: "Yams")],
            path: "Sources/HwnasCore"),
    .executableTarget(name: "hwnas",
                      dependencies: ["HwnasCore", .product(name: "ArgumentParser", package: "swift-argument-parser")],
                      path: "Sources/hwnas"),
    .testTarget(name: "HwnasTests",
                dependencies: ["HwnasCore", "HwnasTabular", "hwnas"],
                path: "Tests/HwnasTests"),
]
var products: [Product] = [
    .executable(name: "hwnas", targets: ["hwnas"]),
    .library(name: "HwnasCore", targets: ["HwnasCore"]),
]
for p in plugins {
    let deps: [Target.Dependency] = ["CHwnasABI"] + (p.swift ? ["HwnasPluginSupport"] : []) + p.deps
    targets.append(.target(name: p.target, dependencies: deps, path: p.path, linkerSettings: p.linker))
    products.append(.library(name: p.product, type: .dynamic, targets: [p.target]))
}

let package = Package(
    name: "hwnas",
    products: products,
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: targets
)
