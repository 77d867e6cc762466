// Replays every fuzzing corpus input and every input that ever failed (Fuzz/corpus, Fuzz/crashes) through its target.

import Foundation
import FuzzTargets
import Testing

/// The fuzzing folders of the repository: `Fuzz/corpus/<target>` and `Fuzz/crashes/<target>`.
enum FuzzFolders {
    /// The repository's `Fuzz` folder, found from this file's path.
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz")

    /// The files of `Fuzz/<kind>/<target>` (kind "corpus" or "crashes"), sorted; none when the folder is absent.
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
        let seeds = FuzzFolders.files("corpus", target: name)
        #expect(!seeds.isEmpty, "Fuzz/corpus/\(name) holds no seed")
        for file in seeds + FuzzFolders.files("crashes", target: name) {
            run(try Data(contentsOf: file))
        }
    }

    @Test("every target has a seed folder and a harness, and every folder names a target")
    func foldersMatchTargets() throws {
        let names = Set(FuzzTargets.all.map(\.name))
        for kind in ["corpus", "crashes"] {
            let folders = try FileManager.default.contentsOfDirectory(
                atPath: FuzzFolders.root.appendingPathComponent(kind).path)
            #expect(Set(folders).isSubset(of: names), "Fuzz/\(kind) has folders \(folders.sorted())")
        }
        for name in names {
            let harness = FuzzFolders.root.appendingPathComponent("Sources/fuzz_\(name)/main.swift")
            #expect(FileManager.default.fileExists(atPath: harness.path), "no harness \(harness.path)")
        }
    }
}
