// A small, strict CSV reader shared by the host and the table plugins.
// Errors name the file, the line and the reason.
import Foundation

public struct CSVError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

public struct CSVTable: Sendable {
    public let path: String
    public let header: [String]
    public let rows: [[String]]

    public init(path: String, header: [String], rows: [[String]]) {
        self.path = path; self.header = header; self.rows = rows
    }

    /// One field as written to a CSV file: quoted (inner quotes doubled) when
    /// it holds a comma, a quote or a line break, as `read` expects; block
    /// architecture strings such as "c8:k3,k5/..." contain commas.
    public static func field(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// One line of fields, with its line end.
    public static func line(_ fields: [String]) -> String { fields.map(field).joined(separator: ",") + "\n" }

    /// Reads a comma-separated file with a header line. Quoted fields with
    /// commas and doubled quotes are supported.
    public static func read(_ path: String) throws -> CSVTable {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CSVError("\(path): cannot read file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw CSVError("\(path): not UTF-8 text")
        }
        return try parse(text, path: path)
    }

    public static func parse(_ text: String, path: String = "<csv>") throws -> CSVTable {
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        while let last = lines.last, last.trimmingCharacters(in: .whitespaces).isEmpty { lines.removeLast() }
        guard let first = lines.first else { throw CSVError("\(path): empty file, expected a header line") }
        // A lone carriage return would glue lines together (old Mac line endings).
        if let i = lines.firstIndex(where: { $0.contains("\r") }) {
            throw CSVError("\(path):\(i + 1): a carriage return inside a line (CR-only line endings?): save the file with \\n or \\r\\n line ends")
        }
        let header = try splitLine(String(first), path: path, line: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        if header.contains("") { throw CSVError("\(path):1: empty column name in header") }
        var rows: [[String]] = []
        rows.reserveCapacity(lines.count)
        for (i, raw) in lines.dropFirst().enumerated() {
            let fields = try splitLine(String(raw), path: path, line: i + 2)
            guard fields.count == header.count else {
                throw CSVError("\(path):\(i + 2): expected \(header.count) fields, found \(fields.count)")
            }
            rows.append(fields)
        }
        return CSVTable(path: path, header: header, rows: rows)
    }

    static func splitLine(_ line: String, path: String, line number: Int) throws -> [String] {
        if !line.contains("\"") { return line.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        var fields: [String] = [], cur = "", inQuotes = false
        var it = Array(line), i = 0
        while i < it.count {
            let c = it[i]
            if inQuotes {
                if c == "\"" {
                    if i + 1 < it.count && it[i + 1] == "\"" { cur.append("\""); i += 1 } else { inQuotes = false }
                } else { cur.append(c) }
            } else if c == "\"" { inQuotes = true } else if c == "," { fields.append(cur); cur = "" } else { cur.append(c) }
            i += 1
        }
        if inQuotes { throw CSVError("\(path):\(number): unterminated quoted field") }
        it.removeAll()
        fields.append(cur)
        return fields
    }

    /// Index of a column, or an error listing the columns there are.
    public func column(_ name: String) throws -> Int {
        guard let i = header.firstIndex(of: name) else {
            throw CSVError("\(path): no column '\(name)' (columns: \(header.joined(separator: ", ")))")
        }
        return i
    }

    /// The numeric column `value` keyed by the string column `key`. Empty
    /// cells are skipped. Errors name the line: a cell that is not a finite
    /// decimal number, a negative one when `nonNegative` (a cost), a key
    /// with spaces around it, a key that repeats an earlier line.
    public func numericMap(key: String, value: String, nonNegative: Bool = false) throws -> [String: Double] {
        let k = try column(key), v = try column(value)
        var out: [String: Double] = [:], lineOf: [String: Int] = [:]
        out.reserveCapacity(rows.count)
        for (i, r) in rows.enumerated() {
            let cell = r[v].trimmingCharacters(in: .whitespaces)
            if cell.isEmpty { continue }
            let x = try number(cell, line: i + 2, column: value)
            if nonNegative && x < 0 { throw CSVError("\(path):\(i + 2): column '\(value)' holds \(cell): a cost cannot be negative") }
            let name = r[k]
            guard name.trimmingCharacters(in: .whitespaces) == name else {
                throw CSVError("\(path):\(i + 2): key '\(name)' in column '\(key)' has spaces around it")
            }
            if let first = lineOf[name] { throw CSVError("\(path):\(i + 2): key '\(name)' repeats line \(first) (which value counts?)") }
            lineOf[name] = i + 2
            out[name] = x
        }
        return out
    }

    /// A numeric column as an array aligned with rows (NaN for empty cells).
    public func numericColumn(_ name: String) throws -> [Double] {
        let v = try column(name)
        return try rows.enumerated().map { i, r in
            let cell = r[v].trimmingCharacters(in: .whitespaces)
            if cell.isEmpty { return .nan }
            return try number(cell, line: i + 2, column: name)
        }
    }

    /// A finite decimal number: "0x10", "nan", "inf" are refused (Swift's
    /// Double(String) reads the first as 16).
    public func number(_ cell: String, line: Int, column: String) throws -> Double {
        guard let x = CSVTable.decimal(cell) else {
            throw CSVError("\(path):\(line): column '\(column)' holds '\(cell)', not a finite decimal number")
        }
        return x
    }

    public static func decimal(_ s: String) -> Double? {
        guard !s.isEmpty, s.allSatisfy({ $0.isASCII && ($0.isNumber || "+-.eE".contains($0)) }), let x = Double(s), x.isFinite else {
            return nil
        }
        return x
    }
}
