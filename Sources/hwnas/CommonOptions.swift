// Options and helpers shared by the subcommands.
import ArgumentParser
import Foundation
import HwnasCore
import HwnasTabular

struct PluginPathOptions: ParsableArguments {
    @Option(name: .customLong("plugin-path"), help: "Extra plugin folder or .so file (repeatable). Also HWNAS_PLUGIN_PATH.")
    var pluginPaths: [String] = []

    /// Loads every plugin on the search path, reporting bad ones on stderr.
    func registry(quiet: Bool = false) -> PluginRegistry {
        let r = PluginRegistry(paths: PluginRegistry.searchPath(extra: pluginPaths))
        if !quiet { r.reportProblems() }
        return r
    }
}

/// Parses repeated `key=value` options.
func keyValues(_ items: [String], flag: String) throws -> [String: String] {
    var out: [String: String] = [:]
    for item in items {
        guard let eq = item.firstIndex(of: "="), eq != item.startIndex else {
            throw ValidationError("\(flag) '\(item)': expected KEY=VALUE")
        }
        out[String(item[..<eq])] = String(item[item.index(after: eq)...])
    }
    return out
}

/// Runs `body`, printing a HwnasError as one line and exiting 1.
func reportingErrors<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let e as HwnasError {
        FileHandle.standardError.write(Data("hwnas: error: \(e.description)\n".utf8))
        throw ExitCode(1)
    } catch let e as PluginLoadError {
        FileHandle.standardError.write(Data("hwnas: error: \(e.description)\n".utf8))
        throw ExitCode(1)
    } catch let e as CSVError {
        FileHandle.standardError.write(Data("hwnas: error: \(e.description)\n".utf8))
        throw ExitCode(1)
    }
}

func printJSON<T: Encodable>(_ value: T) throws {
    let enc = JSONEncoder()
    enc.outputFormatting = [.prettyPrinted, .sortedKeys]
    print(String(decoding: try enc.encode(value), as: UTF8.self))
}
