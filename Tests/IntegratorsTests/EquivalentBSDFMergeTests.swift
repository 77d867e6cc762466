// Equal BSDFs are one material under the key of the one written first, as Mitsuba 3.9's parser merges them.
import Foundation
import Testing
@testable import Integrators
import Tracer

@Suite("Merging equivalent BSDFs (Mitsuba's merge_equivalent)")
struct EquivalentBSDFMergeTests {
    static let scene = """
    <scene version="3.0.0">
        <sensor type="perspective"><film type="hdrfilm"><integer name="width" value="8"/><integer name="height" value="8"/></film></sensor>
        <shape type="sphere" id="first"><bsdf type="diffuse"><rgb name="reflectance" value="0.3, 0.3, 0.3"/></bsdf></shape>
        <bsdf type="diffuse" id="a"><rgb name="reflectance" value="0.3, 0.3, 0.3"/></bsdf>
        <bsdf type="diffuse" id="b"><rgb name="reflectance" value="0.5, 0.5, 0.5"/></bsdf>
        <bsdf type="diffuse" id="c"><rgb name="reflectance" value="0.5, 0.5, 0.5"/></bsdf>
        <shape type="sphere" id="s1"><point name="center" x="2" y="0" z="0"/><ref id="a"/></shape>
        <shape type="sphere" id="s2"><point name="center" x="4" y="0" z="0"/><ref id="c"/></shape>
        <shape type="sphere" id="s3"><point name="center" x="6" y="0" z="0"/><bsdf type="diffuse"><rgb name="reflectance" value="0.5, 0.5, 0.5"/></bsdf></shape>
        <shape type="sphere" id="s4"><point name="center" x="8" y="0" z="0"/><bsdf type="roughconductor"/></shape>
        <shape type="sphere" id="s5"><point name="center" x="9" y="0" z="0"/><bsdf type="roughconductor"/></shape>
        <shape type="sphere" id="s6"><point name="center" x="10" y="0" z="0"/><bsdf type="diffuse"><rgb name="reflectance" value="0.5, 0.5, 0.6"/></bsdf></shape>
        <shape type="sphere" id="light"><point name="center" x="12" y="0" z="0"/><emitter type="area"/></shape>
    </scene>
    """

    static func load() throws -> Scene {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("refract-merge-\(UUID().uuidString).xml")
        try scene.write(to: url, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: url) }
        return try Scene(contentsOf: url)
    }

    @Test("the BSDF keys are Mitsuba's: the first written of equal BSDFs names them all, referenced or not")
    func keys() throws {
        try TraceContext.with(CompileOptions(variant: .scalar)) {
            let scene = try Self.load()
            // mi.traverse(mi.load_file(...)) of the same file (Mitsuba 3.9.1) lists these BSDF keys, in this order.
            let bsdfKeys = scene.parameters.keys.filter { !$0.hasPrefix("light.") && !$0.contains("radius") && !$0.contains("center") }
            #expect(bsdfKeys == ["first.bsdf.reflectance.value", "b.reflectance.value", "s4.bsdf.alpha.value",
                                 "s4.bsdf.eta.value", "s4.bsdf.k.value", "s6.bsdf.reflectance.value"])
            // first + s1, b (s2, s3), s4 + s5, s6, and the light's own black BSDF (never merged).
            #expect(scene.materials.count == 5)
        }
    }

    @Test("setting the merged BSDF's value changes every shape that uses it")
    func sharedValue() throws {
        try TraceContext.with(CompileOptions(variant: .scalar)) {
            let scene = try Self.load()
            try scene.parameters.set("b.reflectance.value", to: FloatArray([0.1, 0.2, 0.3]))
            let users = scene.shapes.indices.filter { ["s2", "s3"].contains(scene.shapes[$0].id) }
            #expect(users.count == 2 && users.allSatisfy { scene.shapes[$0].bsdfKey == "b" })
            // One material (one dispatch case, one parameter slot) for both shapes.
            #expect(Set(users.map { scene.shapeMaterials[$0] }).count == 1)
            #expect(try scene.parameters.value("b.reflectance.value").values == [0.1, 0.2, 0.3])
        }
    }
}
