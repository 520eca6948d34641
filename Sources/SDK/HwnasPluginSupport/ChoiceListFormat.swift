// The plainest canonical string: one choice name per dim, joined by a
// separator ("k5_e6,skip,k3_e1,..."). Checks what makes such strings
// ambiguous: duplicate choice names in a dim, a choice containing the
// separator, empty or space-padded names.
public struct ChoiceListFormat: Sendable {
    public let dimNames: [String]
    public let choiceNames: [[String]]
    public let separator: String
    private let index: [[String: Int32]]

    /// `source` names the file or plugin in error messages.
    public init(dimNames: [String], choiceNames: [[String]], separator: String = ",", source: String) throws {
        guard !dimNames.isEmpty, dimNames.count == choiceNames.count else {
            throw PluginError("\(source): needs one choice list per dim (\(dimNames.count) dims, \(choiceNames.count) lists)")
        }
        guard !separator.isEmpty else { throw PluginError("\(source): 'separator' must not be empty") }
        var seenDims = Set<String>()
        for d in dimNames where !seenDims.insert(d).inserted { throw PluginError("\(source): dim '\(d)' is listed twice") }
        var index: [[String: Int32]] = []
        for (d, names) in choiceNames.enumerated() {
            guard !names.isEmpty else { throw PluginError("\(source): dim \(dimNames[d]) has no choices") }
            var m: [String: Int32] = [:]
            for (c, n) in names.enumerated() {
                guard !n.isEmpty, n.trimmingSpaces == n else {
                    throw PluginError("\(source): dim \(dimNames[d]): choice '\(n)' is empty or starts/ends with a space")
                }
                guard !n.contains(separator) else {
                    throw PluginError("\(source): dim \(dimNames[d]): choice '\(n)' contains the separator '\(separator)'")
                }
                guard m.updateValue(Int32(c), forKey: n) == nil else {
                    throw PluginError("\(source): dim \(dimNames[d]): choice '\(n)' is listed twice")
                }
            }
            index.append(m)
        }
        self.dimNames = dimNames; self.choiceNames = choiceNames; self.separator = separator; self.index = index
    }

    public func format(_ g: UnsafeBufferPointer<Int32>) -> String {
        var s = ""
        for d in 0..<dimNames.count {
            if d > 0 { s += separator }
            s += choiceNames[d][Int(g[d])]
        }
        return s
    }

    public func parse(_ text: String, spaceName: String) throws -> [Int32] {
        let tokens = text.split(separator: separator, omittingEmptySubsequences: false).map(String.init)
        guard tokens.count == dimNames.count else {
            throw PluginError("'\(text)': expected \(dimNames.count) choices separated by '\(separator)' for space \(spaceName), found \(tokens.count)")
        }
        return try tokens.enumerated().map { d, tok in
            guard let c = index[d][tok] else {
                if index[d][tok.trimmingSpaces] != nil {
                    throw PluginError("'\(tok)' in '\(text)': choice of \(dimNames[d]) has spaces around it")
                }
                throw PluginError("'\(tok)' is not a choice of \(dimNames[d]) in space \(spaceName) (choices: \(choiceNames[d].joined(separator: ", ")))")
            }
            return c
        }
    }
}

extension String {
    /// Without leading and trailing spaces and tabs (no Foundation).
    var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}
