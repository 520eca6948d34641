// Canonical strings round-trip for every architecture of the shared tables.
import HwnasTestSupport
import Foundation
import HwnasCore
import HwnasTabular
import Testing

@Suite(.tags(.unit)) struct SearchSpaceTests {
    @Test func nb201RoundTripsEveryTableArchitecture() throws {
        let space = try TestSupport.space("nb201")
        let table = try CSVTable.read(TestSupport.nb201CSV)
        let col = try table.column("arch")
        #expect(table.rows.count == 15625)
        var seen = Set<[Int32]>()
        for row in table.rows {
            let g = try space.parse(row[col])
            #expect(space.canonical(g) == row[col])
            seen.insert(g)
        }
        #expect(seen.count == 15625)   // the table covers the whole space, once each
    }

    @Test func nb201ExampleFromTheIssue() throws {
        let space = try TestSupport.space("nb201")
        let s = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|"
        let g = try space.parse(s)
        #expect(g == [3, 3, 4, 1, 3, 1])
        #expect(space.canonical(g) == s)
        #expect(space.genotype(at: g.indices.reduce(0) { $0 * space.choices[$1].count + Int(g[$1]) }) == g)
    }

    @Test func fbnetRoundTripsTableRows() throws {
        let space = try TestSupport.space("fbnet")
        let table = try CSVTable.read(TestSupport.shared("fbnet/fbnet_hw.csv"))
        let cols = try (0..<22).map { try table.column("layer\($0)") }
        for row in table.rows.prefix(500) {
            let s = cols.map { row[$0] }.joined(separator: ",")
            #expect(space.canonical(try space.parse(s)) == s)
        }
    }

    @Test func badStringsGiveClearErrors() throws {
        let space = try TestSupport.space("nb201")
        #expect(throws: HwnasError.self) { try space.parse("|conv~0|") }
        do { _ = try space.parse("|bogus_op~0|+|none~0|none~1|+|none~0|none~1|none~2|"); Issue.record("accepted a bad op") } catch {
            #expect("\(error)".contains("bogus_op"))
        }
        #expect(throws: HwnasError.self) { try SpaceCatalog.load("no-such-space", registry: TestSupport.registry) }
    }

    @Test func fileAndPluginIdGiveTheSameSpace() throws {
        for name in ["nb201", "fbnet"] {
            let file = try TestSupport.space(name)
            let plugin = try SpaceCatalog.load(name, registry: TestSupport.registry)
            #expect(file.dimNames == plugin.dimNames)
            #expect(file.choices == plugin.choices)
            #expect(file.plugin.id == name && file.operatorSetID == "core")
        }
    }
}
