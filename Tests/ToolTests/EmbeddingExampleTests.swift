// Builds the README's example programs (the Examples package, which depends on Refract by path) and runs them:
// RenderScene renders a scene file to an EXR; InverseRendering recovers the Cornell box's red wall colour.
import Foundation
import Testing

@Suite("Embedding examples", .serialized)
struct EmbeddingExampleTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let examples = repository.appendingPathComponent("Examples")

    @Test("the README shows exactly the example programs", arguments: ["RenderScene", "InverseRendering"])
    func readmeMatchesExample(name: String) throws {
        let readme = try String(contentsOf: Self.repository.appendingPathComponent("README.md"), encoding: .utf8)
        let program = try String(contentsOf: Self.examples.appendingPathComponent("\(name)/main.swift"), encoding: .utf8)
        #expect(readme.contains("```swift\n" + program + "```"))
    }

    /// Builds the Examples package once per test run; the path of its debug binaries, or nil after a failed build.
    static let binaries: Result<URL, BuildFailure> = {
        let scratch = examples.appendingPathComponent(".build")
        func build() throws -> (status: Int32, output: String) {
            try runProcess(URL(fileURLWithPath: "/usr/bin/env"),
                           ["swift", "build", "--package-path", examples.path, "--scratch-path", scratch.path])
        }
        do {
            var result = try build()
            if result.status != 0 && FileManager.default.fileExists(atPath: scratch.path) {
                // SwiftPM's incremental build of a path dependency can miss source files added to Refract since the
                // last build ("cannot find", "has no member": a stale build folder, never a fresh clone): build once
                // more from scratch.
                try? FileManager.default.removeItem(at: scratch)
                result = try build()
            }
            guard result.status == 0 else { return .failure(BuildFailure(output: result.output)) }
            return .success(scratch.appendingPathComponent("debug"))
        } catch {
            return .failure(BuildFailure(output: "\(error)"))
        }
    }()

    struct BuildFailure: Error { let output: String }

    @Test("RenderScene builds against Refract and renders a scene file to an EXR")
    func renderScene() throws {
        let binaries = try Self.binaries.get()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("refract-embed-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let scene = directory.appendingPathComponent("scene.xml")
        try """
        <scene version="3.0.0">
            <sensor type="perspective">
                <float name="fov" value="45"/>
                <transform name="to_world"><lookat origin="0, 0, -3" target="0, 0, 0" up="0, 1, 0"/></transform>
                <film type="hdrfilm"><integer name="width" value="12"/><integer name="height" value="8"/></film>
                <sampler type="independent"><integer name="sample_count" value="8"/></sampler>
            </sensor>
            <shape type="sphere"><bsdf type="diffuse"><rgb name="reflectance" value="0.2, 0.5, 0.8"/></bsdf></shape>
            <emitter type="constant"/>
        </scene>
        """.write(to: scene, atomically: true, encoding: .utf8)
        let output = directory.appendingPathComponent("image.exr")
        let result = try runProcess(binaries.appendingPathComponent("RenderScene"), [scene.path, output.path])
        #expect(result.status == 0, "\(result.output)")
        let data = try Data(contentsOf: output)
        #expect(data.prefix(4) == Data([0x76, 0x2f, 0x31, 0x01]))  // the OpenEXR magic number
    }

    @Test("InverseRendering recovers the red wall of the example Cornell box: the squared error falls 100-fold")
    func inverseRendering() throws {
        let binaries = try Self.binaries.get()
        let scene = Self.examples.appendingPathComponent("InverseRendering/Scenes/cbox.xml")
        let result = try runProcess(binaries.appendingPathComponent("InverseRendering"), [scene.path])
        #expect(result.status == 0, "\(result.output)")
        let lines = result.output.split(separator: "\n")
        #expect(lines.filter { $0.hasPrefix("iteration") }.count == 50)
        let fold = lines.last.flatMap { line -> Double? in
            guard line.hasPrefix("squared parameter error fell ") else { return nil }
            return Double(line.dropFirst("squared parameter error fell ".count).prefix { $0 != "-" })
        }
        #expect((fold ?? 0) >= 100, "\(result.output)")
    }
}
