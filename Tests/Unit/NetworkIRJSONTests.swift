// The IR document (`hwnas export --format json`, the host API's network
// JSON) is written by PrettyJSON; it must be byte for byte what
// Foundation's JSONSerialization writes, pretty-printed with sorted keys.
import Foundation
import HwnasCore
import HwnasNetworkIR
import HwnasOps
import HwnasSplitMix
import HwnasTestSupport
import Testing

@Suite(.tags(.unit)) struct NetworkIRJSONTests {
    static func foundation(_ n: Network, about: [String: String]) throws -> Data {
        var object = NetworkIRJSON.object(n)
        for (k, v) in about { object[k] = v }
        object["params"] = Int(n.params)
        object["macs"] = Int(n.macs)
        return try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
    }

    @Test(arguments: ["nb201", "fbnet", "mcunet-mbv2", "ofa-mbv3", "micronas-1d"])
    func documentIsFoundationsOutput(_ name: String) throws {
        let space = try TestSupport.space(name)
        var rng = SplitMix64(seed: 11)
        for _ in 0..<5 {
            let g = space.randomGenotype(&rng)
            let n = try TestSupport.network(name, genotype: g)
            let about = ["space": name, "arch": space.canonical(space.canonicalize(g))]
            #expect(try NetworkIRJSON.document(n, about: about) == Self.foundation(n, about: about))
        }
    }

    /// Escapes: quotes, backslashes, slashes, control characters, non-ASCII.
    @Test func stringsEscapeAsFoundationDoes() throws {
        var n = try TestSupport.network("nb201", genotype: [0, 1, 2, 3, 4, 0])
        n.layers[0].cell = "a/b \"c\" \\ \t\n\r\u{01}\u{1f} é ✓"
        let about = ["model": "/tmp/x \"y\".onnx", "arch": "|x~0|"]
        #expect(try NetworkIRJSON.document(n, about: about) == Self.foundation(n, about: about))
    }
}
