// Temporary files of atomic writes: their names, and which ones a cleanup removes (only abandoned ones of ours).

import Foundation
import Testing
@testable import RefractSupport
@testable import Tracer

@Suite("Abandoned temporaries")
struct AbandonedTemporaryTests {
    @Test("names carry the final name and the writing process")
    func names() {
        let name = AbandonedTemporary.name(for: "model.safetensors", process: 4242)
        #expect(AbandonedTemporary.parse(name)?.finalName == "model.safetensors")
        #expect(AbandonedTemporary.parse(name)?.process == 4242)
        let old = ".metrics.json.\(UUID().uuidString).tmp"
        #expect(AbandonedTemporary.parse(old)?.finalName == "metrics.json" && AbandonedTemporary.parse(old)?.process == nil)
        for other in ["model.safetensors", ".model.safetensors.tmp", ".x.12.not-a-uuid.tmp", "a.\(UUID().uuidString).tmp"] {
            #expect(AbandonedTemporary.parse(other) == nil, "\(other)")
        }
    }

    @Test("removes abandoned temporaries of our outputs, keeps everything else")
    func cleanup() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("refract-tmp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        // A process id that is not running: a child that has exited and been reaped.
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/true")
        try child.run()
        child.waitUntilExit()
        let dead = child.processIdentifier
        // A writer killed with SIGKILL and not yet reaped by its parent: a zombie, which counts as gone.
        var zombie: pid_t = 0
        let words: [String] = ["/bin/sleep", "30"]
        let arguments: [UnsafeMutablePointer<CChar>?] = words.map { word in strdup(word) } + [nil]
        defer { arguments.forEach { free($0) } }
        #expect(posix_spawn(&zombie, "/bin/sleep", nil, nil, arguments, environ) == 0)
        kill(zombie, SIGKILL)
        defer { var status: Int32 = 0; waitpid(zombie, &status, 0) }
        for _ in 0..<200 {   // until the kernel has made it a zombie
            let stat = (try? String(contentsOfFile: "/proc/\(zombie)/stat", encoding: .utf8)) ?? ""
            if stat.contains(") Z") { break }
            usleep(5_000)
        }
        let abandoned = [AbandonedTemporary.name(for: "model.safetensors", process: dead),
                         AbandonedTemporary.name(for: "loss.png", process: zombie),
                         ".metrics.json.\(UUID().uuidString).tmp"]
        let kept = ["model.safetensors", "notes.txt",
                    AbandonedTemporary.name(for: "notes.txt", process: dead),          // not one of our outputs
                    AbandonedTemporary.name(for: "model.safetensors", process: 1)]    // its writer is alive
        for name in abandoned + kept { try Data("x".utf8).write(to: directory.appendingPathComponent(name)) }
        let removed = AbandonedTemporary.removeAll(in: directory) {
            ["model.safetensors", "metrics.json", "loss.png"].contains($0)
        }
        #expect(Set(removed.map(\.url.lastPathComponent)) == Set(abandoned))
        #expect(removed.allSatisfy { $0.byteCount == 1 })
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: directory.path)) == Set(kept))
    }

    @Test("atomic writes leave no temporary behind")
    func atomicWrite() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("refract-tmp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try writeAtomically(Data("abc".utf8), to: directory.appendingPathComponent("out.bin"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["out.bin"])
    }
}
