// A warning that can fire on every call of a long search is said the 1st,
// 2nd, 4th, 8th... time with the count so far: a dozen lines for thousands
// of occurrences, never more than half the true count behind.
import HwnasPluginSupport
import Testing

@Suite(.tags(.unit)) struct RepeatedWarningTests {
    @Test func oneAtATimeIsSaidAtPowersOfTwo() {
        let w = RepeatedWarning()
        let said = (1...100).compactMap { _ in w.add() }
        #expect(said == [1, 2, 4, 8, 16, 32, 64])
        #expect(w.total == 100)
    }

    @Test func batchesAreSaidWhenTheyPassTheNextPowerOfTwo() {
        let w = RepeatedWarning()
        let said = (1...10).compactMap { _ in w.add(3) }
        #expect(said == [3, 6, 9, 18])
        #expect(w.add(0) == nil && w.total == 30)
    }

    @Test func fromManyThreadsEveryOccurrenceCounts() async {
        let w = RepeatedWarning()
        await withTaskGroup(of: Int.self) { group in
            for _ in 0..<8 { group.addTask { (0..<1000).compactMap { _ in w.add() }.count } }
            var reports = 0
            for await r in group { reports += r }
            #expect(reports == 13)          // 1, 2, 4, ..., 4096 <= 8000
        }
        #expect(w.total == 8000)
    }
}
