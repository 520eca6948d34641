// A fitted lookup table: one weight per feature name, read from and written
// to CSV `feature,value` (docs/lut-format.md). Unknown features in the file
// are an error; features missing from it weigh 0.
import Foundation
import HwnasTabular

public struct FeatureTable: Sendable {
    public let features: GenotypeFeatures
    public let weights: [Double]

    public init(features: GenotypeFeatures, weights: [Double]) {
        precondition(weights.count == features.names.count)
        self.features = features; self.weights = weights
    }

    public func predict(_ g: [Int32]) -> Double {
        zip(features.vector(g), weights).reduce(0) { $0 + $1.0 * $1.1 }
    }

    public var csv: String {
        "feature,value\n" + zip(features.names, weights).map { "\($0),\(fmt($1))" }.joined(separator: "\n") + "\n"
    }

    /// The additive part as the `layer-table` cost model's CSV (dim,choice,value
    /// + a base row). Only exact for the additive feature set.
    public var layerTableCSV: String {
        var lines = ["dim,choice,value", "base,,\(fmt(weights[0]))"]
        var i = 1
        for (d, choices) in features.choiceNames.enumerated() {
            for c in choices { lines.append("\(features.dimNames[d]),\(c),\(fmt(weights[i]))"); i += 1 }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public static func read(_ path: String, features: GenotypeFeatures) throws -> FeatureTable {
        let t = try CSVTable.read(path)
        let fc = try t.column("feature"), vc = try t.column("value")
        let index = Dictionary(uniqueKeysWithValues: features.names.enumerated().map { ($1, $0) })
        var w = [Double](repeating: 0, count: features.names.count)
        for (i, row) in t.rows.enumerated() {
            guard let j = index[row[fc]] else {
                throw LeastSquaresError(description: "\(path):\(i + 2): feature '\(row[fc])' is not in feature set \(features.kind.rawValue)")
            }
            guard let v = CSVTable.decimal(row[vc]) else { throw LeastSquaresError(description: "\(path):\(i + 2): '\(row[vc])' is not a finite decimal number") }
            w[j] = v
        }
        return FeatureTable(features: features, weights: w)
    }
}

private func fmt(_ v: Double) -> String { String(format: "%.12g", v) }
