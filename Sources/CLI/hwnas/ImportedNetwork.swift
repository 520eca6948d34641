// An ONNX model read into the network IR, laid out for cost models: one
// candidate of a space with no dims, named after the file.
import Foundation
import HwnasCore
import HwnasONNX

struct ImportedNetwork {
    let network: CNetwork
    let label: String
    let notes: [String]
    let cspace: CSearchSpace

    static func load(_ path: String) throws -> ImportedNetwork {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw HwnasError("--model \(path): cannot read the file")
        }
        let m = try ONNXImporter.read(data, name: path, directory: (path as NSString).deletingLastPathComponent)
        let label = "model:" + (path as NSString).lastPathComponent
        return ImportedNetwork(network: CNetwork(m.network), label: label, notes: m.notes,
                               cspace: CSearchSpace(name: label, dimNames: [], choices: []))
    }
}
