// Options and helpers shared by the subcommands.
import ArgumentParser
import Foundation
import HwnasCore
import HwnasTabular
import HwnasLUT
import HwnasONNX

struct PluginPathOptions: ParsableArguments {
    @Option(name: .customLong("plugin-path"), help: "Extra plugin folder or .so file (repeatable). Also HWNAS_PLUGIN_PATH.")
    var pluginPaths: [String] = []

    /// Loads every plugin on the search path, reporting bad ones on stderr.
    func registry(quiet: Bool = false) -> PluginRegistry {
        let r = PluginRegistry(paths: PluginRegistry.searchPath(extra: pluginPaths))
        if !quiet { for p in r.problems { FileHandle.standardError.write(Data("hwnas: warning: skipped plugin \(p)\n".utf8)) } }
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

/// Runs `body`; hwnas's own errors (one line naming the file or thing and
/// the reason) are printed as such and exit 1. Others, like ArgumentParser's
/// validation errors, pass through to be reported by it.
func reportingErrors<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch {
        guard error is HwnasError || error is OutputFileError || error is PluginLoadError || error is CSVError || error is ONNXError
                || error is LeastSquaresError else { throw error }
        FileHandle.standardError.write(Data("hwnas: error: \(oneLineMessage("\(error)"))\n".utf8))
        throw ExitCode(1)
    }
}

/// An error as one readable line, whatever it quotes from the user's input:
/// control characters (newlines, terminal escape codes) shown as \u{..}, and
/// a message over 2,000 characters (a 128 KB architecture string) cut in the
/// middle, so that its beginning (what) and its end (why) both survive.
func oneLineMessage(_ message: String, limit: Int = 2000) -> String {
    var out = ""
    for u in message.unicodeScalars {
        if u.value < 0x20 || (0x7f...0x9f).contains(u.value) {
            out += "\\u{\(String(u.value, radix: 16))}"
        } else {
            out.unicodeScalars.append(u)
        }
    }
    guard out.count > limit else { return out }
    let keep = limit / 2 - 40
    return "\(out.prefix(keep)) ...(\(out.count - 2 * keep) characters)... \(out.suffix(keep))"
}

/// Whether the user typed `flag` (as `--flag V` or `--flag=V`), as opposed
/// to argument-parser filling in its default.
func commandLineGives(_ flag: String) -> Bool {
    CommandLine.arguments.contains { $0 == flag || $0.hasPrefix(flag + "=") }
}

func printJSON<T: Encodable>(_ value: T) throws {
    let enc = JSONEncoder()
    enc.outputFormatting = [.prettyPrinted, .sortedKeys]
    print(String(decoding: try enc.encode(value), as: UTF8.self))
}

/// Prints rows under headers in columns two spaces apart.
func printTable(_ headers: [String], _ rows: [[String]], indent: String = "") {
    let widths = headers.indices.map { i in max(headers[i].count, rows.map { $0[i].count }.max() ?? 0) }
    func line(_ cells: [String]) -> String {
        indent + cells.enumerated().map { $0.element.padding(toLength: widths[$0.offset], withPad: " ", startingAt: 0) }
            .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
    }
    print(line(headers))
    for r in rows { print(line(r)) }
}
