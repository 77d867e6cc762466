// bumpmap, normalmap and mesh_attribute against Mitsuba 3.9.1: values, a same-seed image, PRB gradients, XML.
import Foundation
import Testing
import Tracer

@testable import Integrators

@Suite("bumpmap, normalmap and mesh_attribute against Mitsuba")
struct BumpMapTests {
    /// Fixtures/BumpMap: inputs, scene and Mitsuba's outputs, written by make_bump_fixtures.py.
    static func fixture(_ name: String) -> URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/BumpMap/\(name)")
    }

    /// Mitsuba's eval, pdf and sample of each configuration of make_bump_fixtures.py at its hits.
    struct Values: Decodable {
        var dpdu, dpdv, n, s, t, ns, wi, wo, uv, u2: [[Float]]
        var u1: [Float]
        var bsdfs: [String: MitsubaBSDFRecord]
    }

    static let names = ["bump_diffuse", "bump_rough_scaled", "bump_plastic_plain", "bump_nearest", "bump_dielectric",
                        "normal_diffuse", "normal_rough", "normal_plain", "normal_dielectric"]

    /// Ours, configured as the script's dictionaries.
    static func bsdf(_ name: String) throws -> any BSDF {
        func bitmap(_ file: String, filter: BitmapFilter = .bilinear, wrap: BitmapWrapMode = .repeat) throws -> BitmapTexture {
            try BitmapTexture(contentsOf: fixture(file), raw: true, filter: filter, wrapMode: wrap)
        }
        let rough = RoughConductorBSDF(distribution: .ggx, alphaU: 0.1, alphaV: 0.4)
        let diffuse = DiffuseBSDF(reflectance: Vector3f(0.7, 0.5, 0.3))
        switch name {
        case "bump_diffuse": return BumpMapBSDF(nested: diffuse, height: try bitmap("height.png"))
        case "bump_rough_scaled": return BumpMapBSDF(nested: rough, height: try bitmap("height.png"), scale: 0.3)
        case "bump_plastic_plain":
            return BumpMapBSDF(nested: PlasticBSDF(), height: try bitmap("height.png", wrap: .clamp), scale: 0.5,
                               flipsInvalidNormals: false, usesShadowingFunction: false)
        case "bump_nearest": return BumpMapBSDF(nested: rough, height: try bitmap("height.png", filter: .nearest))
        case "bump_dielectric": return BumpMapBSDF(nested: DielectricBSDF(), height: try bitmap("height.png"), scale: 0.2)
        case "normal_diffuse": return NormalMapBSDF(nested: diffuse, normals: try bitmap("normals.png"))
        case "normal_rough": return NormalMapBSDF(nested: rough, normals: try bitmap("normals.png"))
        case "normal_plain":
            return NormalMapBSDF(nested: PlasticBSDF(), normals: try bitmap("normals.png", filter: .nearest),
                                 flipsInvalidNormals: false, usesShadowingFunction: false)
        case "normal_dielectric": return NormalMapBSDF(nested: DielectricBSDF(), normals: try bitmap("normals.png"))
        default: throw SceneError("no configuration '\(name)'", at: nil)
        }
    }

    static func close(_ a: [Float], _ b: [Float], _ tolerance: Float = 1e-4) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= tolerance * Swift.max(1, abs($1)) }
    }

    @Test("eval, pdf and sample equal Mitsuba's on tilted hits with uv", arguments: names, Variant.allCases)
    func valuesAgainstMitsuba(name: String, variant: Variant) throws {
        let values = try JSONDecoder().decode(Values.self, from: Data(contentsOf: Self.fixture("bump_values.json")))
        let expected = try #require(values.bsdfs[name])
        func vectors(_ rows: [[Float]]) -> Vector3Array { Vector3Array(rows.map { Vector3f($0[0], $0[1], $0[2]) }) }
        func rows(_ v: Vector3Array) -> [[Float]] { v.values.map { [$0.x, $0.y, $0.z] } }
        try TraceContext.with(CompileOptions(variant: variant)) {
            let bsdf = try Self.bsdf(name)
            let lanes = values.wi.count
            let frame = Frame(s: vectors(values.s), t: vectors(values.t), n: vectors(values.ns))
            let si = SurfaceInteraction(isValid: BoolArray(repeating: true, count: lanes),
                                        t: FloatArray(repeating: 1, count: lanes),
                                        p: Vector3Array(repeating: .zero, count: lanes), n: vectors(values.n),
                                        frame: frame, uv: Point2Array(values.uv.map { SIMD2($0[0], $0[1]) }),
                                        dpdu: vectors(values.dpdu), dpdv: vectors(values.dpdv), wi: vectors(values.wi),
                                        shapeIndex: UInt32Array(repeating: 0, count: lanes))
            let wo = vectors(values.wo)
            let eval = rows(bsdf.eval(si, wo: wo, active: true))
            let pdf = bsdf.pdf(si, wo: wo, active: true).values
            let sample = bsdf.sample(si, u1: FloatArray(values.u1),
                                     u2: Point2Array(values.u2.map { SIMD2($0[0], $0[1]) }), active: true)
            let weight = rows(sample.weight), sampledWo = rows(sample.wo)
            let sampledPdf = sample.pdf.values, delta = sample.isDelta.values
            for lane in 0..<lanes {
                #expect(Self.close(eval[lane], expected.eval[lane]), "\(name) eval lane \(lane): \(eval[lane]) vs \(expected.eval[lane])")
                #expect(Self.close([pdf[lane]], [expected.pdf[lane]]), "\(name) pdf lane \(lane): \(pdf[lane]) vs \(expected.pdf[lane])")
                #expect(Self.close(weight[lane], expected.sample_weight[lane]),
                        "\(name) sample weight lane \(lane): \(weight[lane]) vs \(expected.sample_weight[lane])")
                guard expected.sample_weight[lane].contains(where: { $0 != 0 }) else { continue }
                #expect(Self.close(sampledWo[lane], expected.sample_wo[lane]), "\(name) sampled wo lane \(lane)")
                #expect(Self.close([sampledPdf[lane]], [expected.sample_pdf[lane]]), "\(name) sampled pdf lane \(lane)")
                #expect(delta[lane] == expected.sample_delta![lane], "\(name) delta lane \(lane)")
            }
            // Our keys are the differentiable ones of mi.traverse.
            let keys = bsdf.parameters.map(\.key)
            #expect(Set(keys).isSubset(of: expected.keys!), "\(keys) vs Mitsuba's \(expected.keys!)")
            #expect(keys.contains(name.hasPrefix("bump") ? "nested_texture.data" : "normalmap.data"))
        }
    }

    @Test("a scene with bumpmap, normalmap and mesh_attribute, rendered with Mitsuba's seed, is Mitsuba's image")
    func sameSeedAsMitsuba() throws {
        try SameSeedImage.expectMatches(scene: Self.fixture("scene.xml"), mitsuba: Self.fixture("scene_mitsuba_spp64.npy"),
                                        samplesPerPixel: 64)
    }

    @Test("mesh attributes of every kind (PLY vertex and face properties, 1 and 3 channels), rendered with Mitsuba's seed, are Mitsuba's image")
    func attributesSameSeedAsMitsuba() throws {
        try SameSeedImage.expectMatches(scene: Self.fixture("attributes.xml"),
                                        mitsuba: Self.fixture("attributes_mitsuba_spp64.npy"), samplesPerPixel: 64)
    }

    @Test("PLY extra properties become Mitsuba's attributes: names, channels, integer decoding, polygons")
    func plyAttributeGrouping() throws {
        let mesh = try TriangleMesh(plyContentsOf: Self.fixture("attributes.ply"))
        // As Mitsuba lists them: a suffix-less property and a two-channel run are left out.
        #expect(mesh.attributeNames == ["vertex_weight", "vertex_tint_color", "face_color", "face_label"])
        let weight = try #require(mesh.attributes.first { $0.name == "vertex_weight" })
        #expect(weight.channels == 1 && weight.values == [0.1, 0.9, 0.5, 0.3, 1.0])
        let tint = try #require(mesh.attributes.first { $0.name == "vertex_tint_color" })
        // Mitsuba's struct converter keeps uchar values as they are (other integer types are normalised).
        #expect(tint.channels == 3 && tint.values[0] == 255 && tint.values[2] == 0)
        let label = try #require(mesh.attributes.first { $0.name == "face_label" })
        #expect(label.values == [0.2, 0.4, 0.6, 0.9] && !label.isPerVertex)

        // A polygon's face values repeat for each triangle of its fan; broken runs and reused prefixes are ignored.
        let text = """
            ply
            format ascii 1.0
            element vertex 4
            property float x
            property float y
            property float z
            property float a_x
            property float a_z
            property float b_r
            element face 1
            property list uchar int vertex_indices
            property float k_1
            end_header
            0 0 0 1 2 3
            1 0 0 1 2 3
            1 1 0 1 2 3
            0 1 0 1 2 3
            4 0 1 2 3 7

            """
        let quad = try TriangleMesh(plyData: Data(text.utf8), name: "quad.ply")
        #expect(quad.attributeNames == ["vertex_b_color", "face_k"])
        #expect(quad.attributes.first { $0.name == "face_k" }?.values == [7, 7])
    }

    @Test("PRB gradients of the nested BSDFs' colours and of the height and normal maps' texels are Mitsuba's at the same seeds")
    func gradientsAgainstMitsuba() throws {
        let data = try Data(contentsOf: Self.fixture("scene_gradients.json"))
        let mitsuba = try JSONDecoder().decode([String: [[Float]]].self, from: data)
        for (key, seeds) in mitsuba.sorted(by: { $0.key < $1.key }) {
            let gradient = try sceneGradient(of: key, scene: Self.fixture("scene.xml"), samplesPerPixel: 16)
            try #require(gradient.count == seeds[0].count, "\(key): \(gradient.count) values")
            try MeshSceneTests.expectInSpread(gradient, seeds, key: key)
            // Seeds 0 and 100 are Mitsuba's first row: the same paths, so the same gradient up to rounding, measured
            // against the largest entry (the texels' gradients are small and many are 0).
            let largest = seeds[0].map(abs).max() ?? 0
            let worst = zip(gradient, seeds[0]).map { abs($0 - $1) }.max() ?? 0
            #expect(largest > 0 && worst <= 1e-3 * largest, "\(key): largest difference \(worst), largest entry \(largest)")
        }
    }
}
