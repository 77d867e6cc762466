// Replays every fuzzing seed and every input that ever failed (Fuzz/Corpus, Fuzz/Regressions) through its target.

import Foundation
import FuzzTargets
import Testing

/// The fuzzing folders of the repository: `Fuzz/Corpus/<target>` and `Fuzz/Regressions/<target>`.
enum FuzzFolders {
    /// The repository's `Fuzz` folder, found from this file's path.
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz")

    /// The files of `Fuzz/<kind>/<target>` (kind "Corpus" or "Regressions"), sorted; none when the folder is absent.
    static func files(_ kind: String, target: String) -> [URL] {
        let folder = root.appendingPathComponent(kind).appendingPathComponent(target)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted().map { folder.appendingPathComponent($0) }
    }
}

@Suite("Fuzzing corpus replay")
struct CorpusReplayTests {
    @Test("every seed and every input that ever failed runs through its target without a crash",
          arguments: FuzzTargets.all.map(\.name))
    func replay(target name: String) throws {
        let run = try #require(FuzzTargets.target(named: name))
        let seeds = FuzzFolders.files("Corpus", target: name)
        #expect(!seeds.isEmpty, "Fuzz/Corpus/\(name) holds no seed")
        for file in seeds + FuzzFolders.files("Regressions", target: name) {
            run(try Data(contentsOf: file))
        }
    }

    @Test("every folder of Fuzz/Corpus and Fuzz/Regressions names a target")
    func foldersMatchTargets() throws {
        let names = Set(FuzzTargets.all.map(\.name))
        for kind in ["Corpus", "Regressions"] {
            let folders = try FileManager.default.contentsOfDirectory(
                atPath: FuzzFolders.root.appendingPathComponent(kind).path)
            #expect(Set(folders).isSubset(of: names), "Fuzz/\(kind) has folders \(folders.sorted())")
        }
    }
}
