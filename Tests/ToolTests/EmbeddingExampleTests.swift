// Builds and runs the README's embedding example (Examples/RenderScene), a separate package that depends on
// Refract by path, and checks that it renders a scene file to an EXR.
import Foundation
import Testing

@Suite("Embedding example")
struct EmbeddingExampleTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
    static let example = repository.appendingPathComponent("Examples/RenderScene")

    @Test("the README shows exactly the example program")
    func readmeMatchesExample() throws {
        let readme = try String(contentsOf: Self.repository.appendingPathComponent("README.md"), encoding: .utf8)
        let program = try String(contentsOf: Self.example.appendingPathComponent("Sources/RenderScene/main.swift"),
                                 encoding: .utf8)
        #expect(readme.contains("```swift\n" + program + "```"))
    }

    @Test("the example builds against Refract and renders a scene file to an EXR")
    func buildAndRun() throws {
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
        let scratch = Self.example.appendingPathComponent(".build")
        func buildExample() throws -> (status: Int32, output: String) {
            try runProcess(URL(fileURLWithPath: "/usr/bin/env"),
                           ["swift", "build", "--package-path", Self.example.path, "--scratch-path", scratch.path])
        }
        var build = try buildExample()
        if build.status != 0 && build.output.contains("cannot find") {
            // SwiftPM's incremental build of a path dependency can miss source files added to Refract since the
            // last build (a stale build folder, never a fresh clone): build once more from scratch.
            try? FileManager.default.removeItem(at: scratch)
            build = try buildExample()
        }
        #expect(build.status == 0, "swift build failed:\n\(build.output)")
        guard build.status == 0 else { return }
        let binary = Self.example.appendingPathComponent(".build/debug/RenderScene")
        let output = directory.appendingPathComponent("image.exr")
        let result = try runProcess(binary, [scene.path, output.path])
        #expect(result.status == 0, "\(result.output)")
        let data = try Data(contentsOf: output)
        #expect(data.prefix(4) == Data([0x76, 0x2f, 0x31, 0x01]))  // the OpenEXR magic number
    }
}
