// Scene.parameters and Scene.fixedParameters list what Mitsuba's mi.traverse lists, for one of every plugin.
import Foundation
import Testing
import Tracer
@testable import Integrators

@Suite("mi.traverse parity for every plugin", .enabled(if: EmbreeLibrary.isAvailable, "needs libembree3 (libembree-dev)"))
struct TraverseParityTests {
    /// One value as Mitsuba 3.9.1 lists it (make_traverse_fixture.py).
    struct Listed: Decodable {
        var key: String
        /// Bit 0: not differentiable; bit 1: discontinuous.
        var flags: Int
        var type: String
        var values: [Double]
    }

    /// Ours, by key: whether we differentiate it, its type name and values.
    static func ours(_ scene: Scene) throws -> [String: (differentiable: Bool, type: String, values: [Float])] {
        var listed: [String: (differentiable: Bool, type: String, values: [Float])] = [:]
        for fixed in scene.fixedParameters { listed[fixed.key] = (false, fixed.type, fixed.values) }
        let parameters = scene.parameters
        for key in parameters.keys {
            #expect(listed[key] == nil, "\(key) is listed as both differentiable and fixed")
            listed[key] = (true, try parameters.typeName(of: key), try parameters.value(key).values)
        }
        return listed
    }

    /// The rows of sky.png, the environment map of all_plugins.xml.
    static let skyHeight = 16

    @Test("keys, differentiability, types and values of all_plugins.xml match mi.traverse")
    func allPlugins() throws {
        try TraceContext.with(CompileOptions(variant: .scalar)) {
            let url = MeshSceneTests.fixture("all_plugins_mitsuba.json")
            // Dr.Jit's thread-reordering switch has no counterpart here.
            let mitsuba = try JSONDecoder().decode([Listed].self, from: Data(contentsOf: url))
                .filter { $0.key != "allow_thread_reordering" }
            let ours = try Self.ours(try MeshSceneTests.scene("all_plugins.xml"))
            #expect(Set(ours.keys).subtracting(mitsuba.map(\.key)).sorted() == [])
            #expect(Set(mitsuba.map(\.key)).subtracting(ours.keys).sorted() == [])
            for entry in mitsuba {
                guard let mine = ours[entry.key] else { continue }
                // Mitsuba stores 8-bit images as bytes, which it cannot differentiate; texels here are floats.
                let bytes = entry.type == "TensorXu8"
                // Geometry (flags 2: differentiable but discontinuous in Mitsuba) is fixed here, and so are
                // texture coordinates and vertex colours (mesh data).
                let meshData = entry.key.hasSuffix(".vertex_texcoords") || entry.key.hasSuffix(".vertex_color")
                if entry.flags == 0 && !meshData {
                    #expect(mine.differentiable, "\(entry.key) is differentiable in Mitsuba")
                }
                if entry.flags & 1 == 1 && !bytes {
                    #expect(!mine.differentiable, "\(entry.key) is not differentiable in Mitsuba")
                }
                guard !bytes else { continue }
                var theirs = entry.values
                if entry.key == "env.data" {
                    // Mitsuba 3.9.1 stores an environment map with a halo column on each side (a copy of the
                    // opposite edge, for its clamped lookups); the data here is the image itself.
                    let rowLength = theirs.count / Self.skyHeight
                    theirs = (0..<Self.skyHeight).flatMap { row in theirs[(row * rowLength + 3)..<((row + 1) * rowLength - 3)] }
                }
                #expect(mine.type == entry.type, "\(entry.key): type \(mine.type), Mitsuba's \(entry.type)")
                #expect(mine.values.count == theirs.count,
                        "\(entry.key): \(mine.values.count) values, Mitsuba's \(theirs.count)")
                let worst = zip(mine.values, theirs).map { abs(Double($0) - $1) / Swift.max(1, abs($1)) }.max() ?? 0
                #expect(worst < 1e-5, "\(entry.key) differs by \(worst)")
            }
        }
    }
}
