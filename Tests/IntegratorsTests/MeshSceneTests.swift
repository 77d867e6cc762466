// A scene of OBJ, PLY and cube meshes with an analytic sphere, against Mitsuba 3.9.1: hit records and images.
import Foundation
import Testing
import Tracer

@testable import Integrators

@Suite("Mesh scene against Mitsuba", .enabled(if: EmbreeLibrary.isAvailable, "needs libembree3 (libembree-dev)"))
struct MeshSceneTests {
    /// Fixtures/MeshScene: the scene, its meshes and Mitsuba's renders (written by make_mesh_scene.py).
    static func fixture(_ name: String) -> URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/MeshScene/\(name)")
    }

    static func scene(_ file: String = "scene.xml", _ overrides: [String: String] = [:],
                      memoryLimit: Int? = nil) throws -> Scene {
        try Scene(contentsOf: fixture(file), overrides: overrides, memoryLimit: memoryLimit)
    }

    static let files = ["scene.xml", "instances.xml"]

    /// What Mitsuba's `scene.ray_intersect` returned for one ray (scalar_rgb).
    struct Hit {
        var o, d: [Float]
        var shape: String
        /// The instance's id, empty for a hit outside instances.
        var instance: String
        var primitive: UInt32
        var t: Float
        var p, n, ns, s: [Float]
        var uv: [Float]
        var dpdu, dpdv: [Float]
    }

    /// Mitsuba's hits per scene file: scene.xml (world-space meshes and a sphere) and instances.xml (a shape group
    /// placed by three instances, one mirrored).
    static let mitsubaHits: [String: [Hit]] = [
        "scene.xml": [
            Hit(o: [0.2, 0.5, 2], d: [0, -0.780868809, -0.624695048], shape: "room", instance: "", primitive: 0, t: 1.9209373, p: [0.199999928, -1, 0.799999952], n: [-0, 1, 0], ns: [0, 1, 0], s: [1, 0, -0], uv: [1.19999993, 0.799999952], dpdu: [1, 0, -0], dpdv: [-0, -0, 1]),
            Hit(o: [-0.45, -0.5, 3], d: [0, -0.0499376169, -0.998752339], shape: "ball", instance: "", primitive: 249, t: 2.55630136, p: [-0.449999988, -0.627655625, 0.446887791], n: [0.0986688361, 0.137278825, 0.985605896], ns: [0, 0.0642805845, 0.997931778], s: [0.8465783, 0.531163454, -0.0342142843], uv: [-0, 0.23362188], dpdu: [0.0920029283, 0.0568609238, -0.0171301961], dpdv: [0, 0.0956432819, -0.0133215487]),
            Hit(o: [0, 0, 0], d: [0.99380799, 0.099380799, 0.0496903995], shape: "right", instance: "", primitive: 0, t: 1.00623059, p: [1, 0.0999999046, 0.0499999523], n: [-1, -0, -0], ns: [-1, -0, -0], s: [0, 1, 0], uv: [0.0249999836, 0.524999976], dpdu: [0, 2, 0], dpdv: [0, 2, 2]),
            Hit(o: [0.45, -0.6, 3], d: [0, 0, -1], shape: "box", instance: "", primitive: 7, t: 3.07415533, p: [0.449999988, -0.599999964, -0.0741554946], n: [0.42261824, -0, 0.906307817], ns: [0.42261827, 0, 0.906307817], s: [-0, 1, 0], uv: [0.5, 0.26684615], dpdu: [-0, 0.799999952, 0], dpdv: [0.453153968, -0, -0.211309135]),
            Hit(o: [-0.2, 0.3, 3], d: [-0.0990147543, -0.0990147543, -0.990147543], shape: "room", instance: "", primitive: 3, t: 4.03980207, p: [-0.600000024, -0.100000083, -1], n: [0, 0, 1], ns: [0, 0, 1], s: [1, -0, -0], uv: [0.400000006, 0.100000113], dpdu: [1, -0, -0], dpdv: [-0, -1, -0]),
            Hit(o: [0.6, -0.5, 3], d: [0.0199920048, -0.0199920048, -0.99960024], shape: "box", instance: "", primitive: 6, t: 3.17496943, p: [0.663474023, -0.56347394, -0.17370005], n: [0.42261824, -0, 0.906307817], ns: [0.4226183, 0, 0.906307817], s: [-0, 1, 0], uv: [0.545657516, 0.737931132], dpdu: [-0, 0.799999952, 0], dpdv: [0.453153968, -0, -0.211309135]),
            Hit(o: [0.2, -0.5, 3], d: [0, -0.099503719, -0.99503719], shape: "glass", instance: "", primitive: 0, t: 2.21276665, p: [0.200000003, -0.720178485, 0.798215032], n: [0, 0.119286045, 0.99285996], ns: [0, 0.119286045, 0.99285996], s: [-1, 9.85136808e-08, -1.18358168e-08], uv: [0.249999985, 0.0380605347], dpdu: [-0.187374011, 1.87253502e-08, 0], dpdv: [7.79289095e-08, 0.77979058, -0.0936870053]),
        ],
        "instances.xml": [
            Hit(o: [-1.1, 0, 3], d: [0, -0.196116135, -0.980580676], shape: "pair_ball", instance: "first", primitive: 96, t: 3.07755685, p: [-1.10000002, -0.6035586, -0.0177931488], n: [-0.0997288451, 0.401344419, 0.910481632], ns: [0, 0.323378235, 0.94626987], s: [-0.944048584, -0.312085956, 0.106652252], uv: [-0, 0.809063494], dpdu: [-0.0779675841, -0.0275527835, 0.00360527635], dpdv: [0, -0.0757393837, 0.0333862603]),
            Hit(o: [-0.5, -0.5, 3], d: [0, -0.0499376169, -0.998752339], shape: "pair_box", instance: "first", primitive: 6, t: 3.10387206, p: [-0.49999997, -0.655000031, -0.100000009], n: [0, 0, 1], ns: [0, 0, 1], s: [0, 1, 0], uv: [0.862499952, 0.500000119], dpdu: [0, 0.400000006, 0], dpdv: [0.399999976, 0, 0]),
            Hit(o: [0.6, -0.5, 3], d: [0.0496903995, -0.099380799, -0.99380799], shape: "pair_ball", instance: "second", primitive: 98, t: 2.25226593, p: [0.711916149, -0.723831952, 0.761680245], n: [0.792073727, 0.219707832, 0.569515407], ns: [0.783460021, 0.243797272, 0.571623504], s: [-0.210758135, 0.969557822, -0.124653682], uv: [0.316779345, 0.394774258], dpdu: [-0.0128553146, 0.0655839667, -0.00742201926], dpdv: [-0.0677894279, 0.038990356, 0.079238832]),
            Hit(o: [0.3, -0.5, 3], d: [0.0496903995, -0.099380799, -0.99380799], shape: "pair_ball", instance: "second", primitive: 4, t: 2.09810877, p: [0.404255897, -0.70851171, 0.914882839], n: [0.0802470744, 0.25678882, 0.963130236], ns: [-0.00185618363, 0.339145899, 0.940732002], s: [0.897304416, 0.415813386, -0.148135543], uv: [0.142048329, 0.737685144], dpdu: [0.0857365206, 0.0385492817, -0.0174214542], dpdv: [-0.0333632492, 0.0623740666, -0.0138503164]),
            Hit(o: [0.2, 0.5, 3], d: [-0.0965609099, -0.241402275, -0.965609099], shape: "pair_box", instance: "third", primitive: 6, t: 4.14246273, p: [-0.199999988, -0.499999881, -1], n: [0, 0, 1], ns: [0, 0, 1], s: [0, 1, 0], uv: [0.833333433, 0.24999994], dpdu: [0, 0.600000024, 0], dpdv: [-0.399999976, 0, 0]),
            Hit(o: [0.9, -0.6, 3], d: [0, 0, -1], shape: "floor", instance: "", primitive: 2, t: 5, p: [0.900000095, -0.600000024, -2], n: [0, 0, 1], ns: [0, 0, 1], s: [1, 0, 0], uv: [1.45000005, 0.600000024], dpdu: [2, 0, 0], dpdv: [-0, -1, -0]),
        ],
    ]

    @Test("hit records are Mitsuba's: shape, instance, primitive, distance, point, normals, shading frame, uv, dp/du and dp/dv",
          arguments: files, Variant.allCases)
    func hitRecords(file: String, variant: Variant) throws {
        try TraceContext.with(CompileOptions(variant: variant)) {
            let scene = try Self.scene(file)
            let hits = try #require(Self.mitsubaHits[file])
            func column(_ i: Int, _ pick: (Hit) -> [Float]) -> FloatArray { FloatArray(hits.map { pick($0)[i] }) }
            let ray = RayArray(origin: Vector3Array(x: column(0, \.o), y: column(1, \.o), z: column(2, \.o)),
                               direction: Vector3Array(x: column(0, \.d), y: column(1, \.d), z: column(2, \.d)),
                               maxT: FloatArray(repeating: .greatestFiniteMagnitude, count: hits.count))
            let si = scene.intersect(ray, active: BoolArray(repeating: true, count: hits.count))
            let valid = si.isValid.values, shapes = si.shapeIndex.values, t = si.t.values
            let primitives = si.primitiveIndex.values, instances = si.instanceIndex.values
            func values(_ v: Vector3Array) -> [[Float]] {
                let (x, y, z) = (v.x.values, v.y.values, v.z.values)
                return hits.indices.map { [x[$0], y[$0], z[$0]] }
            }
            let p = values(si.p), n = values(si.n), ns = values(si.frame.n), s = values(si.frame.s)
            let dpdu = values(si.dpdu), dpdv = values(si.dpdv)
            let (u, v) = (si.uv.x.values, si.uv.y.values)
            func close(_ a: [Float], _ b: [Float], _ tolerance: Float = 2e-5) -> Bool {
                zip(a, b).allSatisfy { abs($0 - $1) <= tolerance * max(1, abs($1)) }
            }
            for (i, hit) in hits.enumerated() {
                #expect(valid[i])
                #expect(scene.shapes[Int(shapes[i])].id == hit.shape, "ray \(i)")
                #expect(primitives[i] == hit.primitive, "ray \(i) (\(hit.shape))")
                #expect((instances[i] == .max ? "" : scene.instances[Int(instances[i])].id) == hit.instance, "ray \(i)")
                #expect(close([t[i]], [hit.t]) && close(p[i], hit.p) && close(n[i], hit.n), "ray \(i) (\(hit.shape))")
                #expect(close(ns[i], hit.ns, 1e-4), "ray \(i) (\(hit.shape)): shading normal \(ns[i]) vs \(hit.ns)")
                #expect(close([u[i], v[i]], hit.uv, 1e-4), "ray \(i) (\(hit.shape)): uv \([u[i], v[i]]) vs \(hit.uv)")
                // The analytic sphere keeps Refract's frame and parameterisation; meshes follow Mitsuba's.
                guard hit.shape != "glass" else { continue }
                #expect(close(s[i], hit.s, 1e-4), "ray \(i) (\(hit.shape)): s \(s[i]) vs \(hit.s)")
                #expect(close(dpdu[i], hit.dpdu, 1e-4) && close(dpdv[i], hit.dpdv, 1e-4),
                        "ray \(i) (\(hit.shape)): dp/du \(dpdu[i]) vs \(hit.dpdu), dp/dv \(dpdv[i]) vs \(hit.dpdv)")
            }
        }
    }

    /// The mean absolute difference of two images of the same size.
    static func meanAbsoluteError(_ a: [Float], _ b: [Float]) -> Double {
        precondition(a.count == b.count)
        return zip(a, b).reduce(0.0) { $0 + Double(abs($1.0 - $1.1)) } / Double(a.count)
    }

    /// The scene files with Mitsuba renders: world-space meshes and a sphere; instances; a Cornell box lit by an
    /// area light; point, spot, directional, sphere and mesh area lights with a sampling weight, and a constant sky;
    /// an environment map and a point light; lights.xml by the direct integrator; cornell.xml by prb_basic, and
    /// with hide_emitters (camera rays pass through the light).
    static let renderedFiles = ["scene.xml", "instances.xml", "cornell.xml", "lights.xml", "envmap.xml", "direct.xml",
                                "basic.xml", "hidden.xml"]

    static func prefix(_ file: String) -> String {
        file == "scene.xml" ? "" : file.replacingOccurrences(of: ".xml", with: "_")
    }

    @Test("at spp 256 the render is as close to Mitsuba's spp-4096 reference as Mitsuba's own spp-256 render",
          // hidden.xml is cornell.xml with fewer bright pixels: one seed's error is within 1.1x only just (1.099),
          // and the same-seed test below holds it to Mitsuba's image instead.
          arguments: renderedFiles.filter { $0 != "hidden.xml" })
    func imageAgainstMitsuba(file: String) throws {
        let reference = try Bitmap(contentsOf: Self.fixture("\(Self.prefix(file))reference.npy"))
        let mitsuba = try Bitmap(contentsOf: Self.fixture("\(Self.prefix(file))mitsuba_spp256.npy"))
        let ours = try TraceContext.with(CompileOptions(variant: .llvm)) {
            try Self.scene(file).render(samplesPerPixel: 256, seed: 0).values
        }
        #expect(ours.count == reference.pixels.count)
        let ourError = Self.meanAbsoluteError(ours, reference.pixels)
        let mitsubaError = Self.meanAbsoluteError(mitsuba.pixels, reference.pixels)
        #expect(ourError <= 1.1 * mitsubaError, "mean absolute error \(ourError), Mitsuba's \(mitsubaError)")
        // Per channel means agree too (a missing shape or a wrong material shifts them far beyond the noise).
        for channel in 0..<3 {
            let mean = { (values: [Float]) in
                stride(from: channel, to: values.count, by: 3).reduce(0.0) { $0 + Double(values[$1]) } / Double(values.count / 3)
            }
            #expect(abs(mean(ours) - mean(reference.pixels)) < 0.02 * mean(reference.pixels), "channel \(channel)")
        }
    }

    @Test("with Mitsuba's seed the render follows Mitsuba's paths: the same image up to rounding",
          arguments: renderedFiles)
    func sameSeedAsMitsuba(file: String) throws {
        let mitsuba = try Bitmap(contentsOf: Self.fixture("\(Self.prefix(file))mitsuba_spp256.npy")).pixels
        let ours = try TraceContext.with(CompileOptions(variant: .llvm)) {
            try Self.scene(file).render(samplesPerPixel: 256, seed: 7).values
        }
        // The same random numbers drive the same paths; float rounding may send a rare path another way (a glass
        // sphere refracting at a grazing angle, Russian roulette at its threshold).
        let differing = zip(ours, mitsuba).filter { abs($0 - $1) > 1e-3 * Swift.max(1, abs($1)) }.count
        #expect(differing <= mitsuba.count / 100, "\(differing) of \(mitsuba.count) values differ from Mitsuba's")
        #expect(Self.meanAbsoluteError(ours, mitsuba) < 2e-4, "\(Self.meanAbsoluteError(ours, mitsuba))")
    }

    @Test("the symbolic and wavefront path loops give the same bits, and the scalar backend the same image",
          arguments: files, Variant.allCases)
    func loopsAndBackends(file: String, variant: Variant) throws {
        func image(_ loop: IntegratorSettings.PathLoop, _ variant: Variant) throws -> [Float] {
            try TraceContext.with(CompileOptions(variant: variant)) {
                var scene = try Self.scene(file, ["res": "12"])
                scene.integrator.pathLoop = loop
                return scene.render(samplesPerPixel: 4, seed: 3).values
            }
        }
        let symbolic = try image(.symbolic, variant)
        #expect(symbolic.map(\.bitPattern) == (try image(.wavefront, variant)).map(\.bitPattern))
        if variant == .scalar {
            let vector = try image(.symbolic, .llvm)
            let differing = zip(symbolic, vector).filter { abs($0 - $1) > 1e-4 * max(1, abs($1)) }.count
            // Paths may part where a ray grazes an edge; all but a few samples agree.
            #expect(differing <= symbolic.count / 50, "\(differing) of \(symbolic.count) values differ")
        }
    }

    /// Mitsuba's d mean(image) / d value with `prb` at spp 64, seeds 0 to 7 (seed_grad = seed + 100).
    static let mitsubaGradients: [String: [[Float]]] = [
        "white.reflectance.value": [
            [0.01929516, 0.0175227, 0.01392131], [0.01943222, 0.0176684, 0.01396238],
            [0.0192194, 0.01739056, 0.01381103], [0.01928823, 0.01744668, 0.01392663],
            [0.01931292, 0.01751038, 0.01389946], [0.01950821, 0.01763462, 0.01409544],
            [0.0193832, 0.01756385, 0.0140232], [0.01952375, 0.01763069, 0.01395752],
        ],
        "left.bsdf.reflectance.value": [
            [0.03268757, 0.03246864, 0.02612334], [0.03249094, 0.03239956, 0.02605406],
            [0.03285908, 0.03273303, 0.02620489], [0.03273318, 0.03240015, 0.0260221],
            [0.03290605, 0.03283937, 0.0263606], [0.03275276, 0.03244016, 0.02605112],
            [0.03256531, 0.03230827, 0.02597787], [0.03244378, 0.03219593, 0.02599568],
        ],
    ]

    @Test("PRB gradients of the image mean for a shared and an own BSDF colour lie in Mitsuba's seed-to-seed spread",
          arguments: mitsubaGradients.keys.sorted())
    func gradientsAgainstMitsuba(key: String) throws {
        let gradient = try Self.gradient(of: key, file: "scene.xml")
        try Self.expectInSpread(gradient, try #require(Self.mitsubaGradients[key]), key: key)
    }

    /// Mitsuba's d mean(image) / d value at spp 64, seeds 0 to 7 (seed_grad = seed + 100), by "FILE:KEY": with `prb`
    /// for the area light of cornell.xml, the emitters and the ball's colour of lights.xml and the environment map's
    /// scale of envmap.xml; with `prb_basic` for basic.xml; with `direct` (differentiated as recorded) for direct.xml.
    static let mitsubaEmitterGradients: [String: [[Float]]] = [
        "cornell.xml:light.emitter.radiance.value": [
            [0.00599124, 0.00580405, 0.00513685],
            [0.00602902, 0.00584766, 0.00517741],
            [0.00599845, 0.00580903, 0.00514076],
            [0.00602982, 0.00584668, 0.00517427],
            [0.00605674, 0.00586348, 0.00519687],
            [0.00606155, 0.00587281, 0.00520188],
            [0.00605323, 0.0058664, 0.00519529],
            [0.00602309, 0.00583161, 0.00516236],
        ],
        "lights.xml:lamp.intensity.value": [
            [0.00502225, 0.00438735, 0.00372655],
            [0.0050684, 0.00441246, 0.00366226],
            [0.00503768, 0.00439708, 0.00368799],
            [0.00519584, 0.0045148, 0.00368047],
            [0.00505176, 0.00440325, 0.00368338],
            [0.00511971, 0.00447553, 0.00380767],
            [0.00500887, 0.00434464, 0.00358238],
            [0.00504118, 0.0043839, 0.00361759],
        ],
        "lights.xml:spot.intensity.value": [
            [0.0008566, 0.00077869, 0.00068899],
            [0.0008917, 0.00081666, 0.00073693],
            [0.00081079, 0.00073749, 0.00065626],
            [0.00084372, 0.00077005, 0.00068924],
            [0.00087852, 0.00080398, 0.00072736],
            [0.00088065, 0.00080321, 0.00070956],
            [0.00087768, 0.00080334, 0.00071896],
            [0.00088358, 0.00080922, 0.00072784],
        ],
        "lights.xml:sun.irradiance.value": [
            [0.00931972, 0.00805082, 0.00678386],
            [0.00952281, 0.00820064, 0.00672413],
            [0.00950867, 0.00818837, 0.0067839],
            [0.0096878, 0.00831974, 0.00670927],
            [0.00972458, 0.00838229, 0.00687515],
            [0.00958988, 0.00826629, 0.00683481],
            [0.00955205, 0.00822333, 0.00677107],
            [0.00960994, 0.00828807, 0.00687375],
        ],
        "lights.xml:panel.emitter.radiance.value": [
            [0.00632791, 0.00605235, 0.00574612],
            [0.00630135, 0.00602655, 0.00573054],
            [0.00626883, 0.00598998, 0.00568609],
            [0.00632494, 0.00604695, 0.00574086],
            [0.00626365, 0.00599035, 0.00569398],
            [0.00635358, 0.00607493, 0.00576199],
            [0.00626806, 0.00599374, 0.00568575],
            [0.00630211, 0.00603178, 0.00573912],
        ],
        "envmap.xml:sky.scale": [
            [0.16527511], [0.16527736], [0.16513924], [0.16519365], [0.16521072], [0.16514552], [0.16541962],
            [0.16505298],
        ],
        "lights.xml:sky.radiance.value": [
            [0.23760343, 0.23167133, 0.22498879],
            [0.23751499, 0.23161481, 0.22505276],
            [0.23768818, 0.23178309, 0.22516838],
            [0.23764047, 0.23170683, 0.22502947],
            [0.23760822, 0.23174214, 0.22523558],
            [0.23755106, 0.23158863, 0.22481398],
            [0.23770899, 0.23181018, 0.22516286],
            [0.23748049, 0.2315512, 0.22490801],
        ],
        "basic.xml:light.emitter.radiance.value": [
            [0.00599397, 0.00584004, 0.00515608], [0.00606928, 0.00585688, 0.00518099],
            [0.00598412, 0.00583505, 0.00516178], [0.00606716, 0.0058671, 0.00519856],
            [0.00609381, 0.00585961, 0.00520571], [0.00607387, 0.00586042, 0.00523077],
            [0.0060071, 0.00579351, 0.00515528], [0.00606488, 0.00583613, 0.00518153],
        ],
        "basic.xml:white.reflectance.value": [
            [0.06153748, 0.05311202, 0.03521052], [0.05994323, 0.05142903, 0.03393279],
            [0.05869401, 0.0512451, 0.03400333], [0.0615043, 0.05293189, 0.03534634],
            [0.05996403, 0.05094725, 0.03405949], [0.06109891, 0.05224622, 0.03515569],
            [0.06080528, 0.05201364, 0.03473981], [0.06077961, 0.05240127, 0.03453465],
        ],
        "direct.xml:ball.bsdf.reflectance.value": [
            [0.01001218, 0.00950625, 0.01002047], [0.0102017, 0.00970218, 0.01027374],
            [0.00995253, 0.00940675, 0.00982799], [0.01003385, 0.00952997, 0.01006188],
            [0.00996559, 0.0094279, 0.00988003], [0.01012331, 0.00958016, 0.01000764],
            [0.01008743, 0.0095674, 0.01015332], [0.00991332, 0.00941159, 0.00991916],
        ],
        "direct.xml:lamp.intensity.value": [
            [0.00944726, 0.00829566, 0.00706228], [0.00948887, 0.00832019, 0.00701186],
            [0.00960166, 0.00842936, 0.00707404], [0.00953952, 0.00835104, 0.00694406],
            [0.00936927, 0.0082218, 0.00695424], [0.00956757, 0.00841628, 0.00717302],
            [0.00936442, 0.00817991, 0.00683677], [0.00932611, 0.00818563, 0.00690921],
        ],
        "lights.xml:ball.bsdf.reflectance.value": [
            [0.00688157, 0.00646134, 0.00663338], [0.00706858, 0.00665031, 0.00685901],
            [0.00680527, 0.00635351, 0.00646622], [0.00698481, 0.00652607, 0.00665118],
            [0.00708465, 0.00662212, 0.00681493], [0.00703683, 0.00661603, 0.00681989],
            [0.00691574, 0.00647, 0.00666514], [0.0069262, 0.00654403, 0.00679503],
        ],
    ]

    @Test("gradients of the image mean for every emitter type's value, with area lights of every kind and with the direct integrator, lie in Mitsuba's seed-to-seed spread",
          arguments: mitsubaEmitterGradients.keys.sorted())
    func emitterGradientsAgainstMitsuba(entry: String) throws {
        let parts = entry.split(separator: ":").map(String.init)
        let integrator: IntegratorSettings.Kind = parts[0] == "direct.xml" ? .direct : parts[0] == "basic.xml" ? .prbBasic : .prb
        let gradient = try Self.gradient(of: parts[1], file: parts[0], integrator: integrator)
        try Self.expectInSpread(gradient, try #require(Self.mitsubaEmitterGradients[entry]), key: entry)
    }

    /// d mean(image) / d `key` with `prb` at spp 64, seed 0 (the adjoint pass with seed 100, as Mitsuba's seed_grad).
    static func gradient(of key: String, file: String, integrator: IntegratorSettings.Kind = .prb) throws -> [Float] {
        try sceneGradient(of: key, scene: fixture(file), samplesPerPixel: 64, integrator: integrator)
    }

    /// Each channel of `gradient` within Mitsuba's range over its seeds, widened by half that range.
    static func expectInSpread(_ gradient: [Float], _ mitsuba: [[Float]], key: String) throws {
        for channel in 0..<mitsuba[0].count {
            let values = mitsuba.map { $0[channel] }
            let (low, high) = (values.min()!, values.max()!)
            let margin = (high - low) / 2
            #expect(gradient[channel] >= low - margin && gradient[channel] <= high + margin,
                    "\(key)[\(channel)] = \(gradient[channel]); Mitsuba's seeds span \(low)...\(high)")
        }
    }

    @Test("parameter keys are Mitsuba's: a shared BSDF under its id, a shape's own under SHAPE.bsdf")
    func parameterKeys() throws {
        let keys = Set(try Self.scene().parameters.keys)
        // Keys that `mi.traverse(scene)` lists for this scene's colours (it also lists glass.bsdf.eta, which is
        // not a parameter here yet). The unnamed emitter is `emitter_0` (Mitsuba names it by its address).
        #expect(keys == ["white.reflectance.value", "room.bsdf.reflectance.data", "left.bsdf.reflectance.value",
                         "right.bsdf.reflectance.value", "emitter_0.radiance.value"])
    }

    @Test("the aov integrator's outputs are Mitsuba's: depth, position, normals, uv, albedo, dp/du, dp/dv, triangle")
    func aovOutputs() throws {
        let mitsuba = try Bitmap(contentsOf: Self.fixture("aov_mitsuba_spp16.npy"))
        let image = try TraceContext.with(CompileOptions(variant: .llvm)) {
            try Self.scene("aov.xml", ["res": "24"]).renderAOVs(samplesPerPixel: 16, seed: 7)
        }
        #expect(image.channels == ["dd.y.T", "pp.X", "pp.Y", "pp.Z", "nn.X", "nn.Y", "nn.Z", "sh.X", "sh.Y", "sh.Z",
                                   "uv.U", "uv.V", "alb.R", "alb.G", "alb.B", "du.X", "du.Y", "du.Z", "dv.X", "dv.Y",
                                   "dv.Z", "pi.I"])
        #expect(mitsuba.channelCount == image.channels.count && mitsuba.pixels.count == image.values.count)
        let worst = zip(image.values, mitsuba.pixels).map { abs($0 - $1) / Swift.max(1, abs($1)) }.max() ?? 1
        #expect(worst < 1e-4, "largest relative difference \(worst)")
        // Shape indices count shapes in declaration order from 1 (0: nothing hit).
        var scene = try Self.scene("aov.xml", ["res": "8"])
        scene.integrator.aovs = [AOV(name: "s", kind: .shapeIndex)]
        let ids = Set(scene.renderAOVs(samplesPerPixel: 1, seed: 0).values)
        #expect(ids.isSubset(of: Set((0...scene.shapes.count).map(Float.init))) && ids.contains(1), "\(ids)")
    }

    @Test("an aov integrator's nested integrators come first, as Mitsuba's render returns them; alphas as its film's")
    func aovNested() throws {
        let mitsuba = try Bitmap(contentsOf: Self.fixture("aov_nested_mitsuba_spp16.npy"))
        let film = try Bitmap(contentsOf: Self.fixture("aov_nested_film_mitsuba_spp16.npy"))
        let filmChannels = try JSONDecoder().decode([String].self,
                                                    from: Data(contentsOf: Self.fixture("aov_nested_channels.json")))
        let image = try TraceContext.with(CompileOptions(variant: .llvm)) {
            try Self.scene("aov_nested.xml", ["res": "24"]).renderAOVs(samplesPerPixel: 16, seed: 7)
        }
        #expect(image.channels == ["my_image.R", "my_image.G", "my_image.B", "dl.R", "dl.G", "dl.B",
                                   "dd.y.T", "nn.X", "nn.Y", "nn.Z"])
        #expect(mitsuba.channelCount == image.channels.count && mitsuba.pixels.count == image.values.count)
        // The same seed draws the same paths: the images agree to float rounding but for rare divergent paths.
        let differences = zip(image.values, mitsuba.pixels).map { abs($0 - $1) / Swift.max(1, abs($1)) }
        let differing = differences.filter { $0 > 1e-3 }.count
        #expect(Double(differing) <= 0.01 * Double(differences.count), "\(differing) of \(differences.count) differ")
        #expect(differences.reduce(0, +) / Float(differences.count) < 1e-3)
        // Mitsuba's film: R, G, B (the first nested image), name.R/G/B/A per nested integrator, then the outputs.
        #expect(filmChannels == ["R", "G", "B", "my_image.R", "my_image.G", "my_image.B", "my_image.A",
                                 "dl.R", "dl.G", "dl.B", "dl.A", "dd.y.T", "nn.X", "nn.Y", "nn.Z"])
        #expect(image.nestedAlpha.map(\.name) == ["my_image", "dl"])
        let pixels = image.width * image.height
        for (alpha, column) in zip(image.nestedAlpha, [6, 10]) {
            let theirs = (0..<pixels).map { film.pixels[$0 * filmChannels.count + column] }
            let worst = zip(alpha.values, theirs).map { abs($0 - $1) }.max() ?? 1
            #expect(worst < 1e-5, "\(alpha.name).A differs by \(worst)")
        }
        let filmRGB = (0..<pixels * 3).map { film.pixels[($0 / 3) * filmChannels.count + $0 % 3] }
        let renderRGB = (0..<pixels * 3).map { mitsuba.pixels[($0 / 3) * mitsuba.channelCount + $0 % 3] }
        #expect(zip(filmRGB, renderRGB).allSatisfy { abs($0 - $1) <= 1e-4 * Swift.max(1, abs($1)) })
    }

    @Test("the values mi.traverse lists besides the differentiable ones are Mitsuba's: sensor, film, weights, meshes")
    func fixedParameters() throws {
        struct Listed: Decodable { var flags: Int; var type: String; var values: [Double] }
        let mitsuba = try JSONDecoder().decode([String: Listed].self,
                                               from: Data(contentsOf: Self.fixture("params_mitsuba.json")))
        let scene = try Self.scene("params.xml", [:])
        let fixed = Dictionary(uniqueKeysWithValues: scene.fixedParameters.map { ($0.key, $0) })
        // Mitsuba's non-differentiable and discontinuous values, and texture coordinates (differentiable there).
        let expected = Set(mitsuba.filter { $0.value.flags != 0 || $0.key.hasSuffix(".vertex_texcoords") }.keys)
        #expect(Set(fixed.keys) == expected)
        // The differentiable ones: room's and ball's equal BSDFs are one, named by the shape Mitsuba visits first.
        let differentiable = Set(mitsuba.filter { $0.value.flags == 0 && !$0.key.hasSuffix(".vertex_texcoords") }.keys)
        #expect(Set(scene.parameters.keys) == differentiable)
        for (key, listed) in mitsuba where fixed[key] != nil {
            let ours = fixed[key]!
            #expect(ours.type == listed.type, "\(key): \(ours.type) vs \(listed.type)")
            #expect(ours.values.count == listed.values.count, "\(key): \(ours.values.count) vs \(listed.values.count) values")
            let worst = zip(ours.values, listed.values).map { abs(Double($0) - $1) / Swift.max(1, abs($1)) }.max() ?? 0
            #expect(worst < 1e-5, "\(key) differs by \(worst)")
        }
    }

    @Test("meshes over the memory limit are refused before they are loaded or traced, with estimate and limit")
    func memoryLimit() throws {
        // ball.ply is 8 KiB: loading it is estimated at 2 bytes a file byte, so a 4 KiB limit refuses it.
        do {
            _ = try Self.scene("scene.xml", [:], memoryLimit: 4096)
            Issue.record("expected the memory limit to refuse ball.ply")
        } catch {
            let message = "\(error)"
            #expect(message.contains("ball.ply") && message.contains("memory limit") && message.contains("GiB"),
                    "\(message)")
        }
        // Loading fits in 1 MiB, but tracing the meshes (buffers, Embree's copy and BVH) does not fit in 20 KiB.
        let mesh = TriangleMesh.cube()
        let shape = SceneShape(id: "box", mesh: mesh, bsdf: DiffuseBSDF())
        do {
            _ = try Scene(sensor: .tutorial(resolution: 4), shapes: [shape], emitters: [], memoryLimit: 2048)
            Issue.record("expected the memory limit to refuse tracing the cube")
        } catch {
            #expect("\(error)".contains("memory limit"), "\(error)")
        }
        _ = try Scene(sensor: .tutorial(resolution: 4), shapes: [shape], emitters: [], memoryLimit: 1 << 20)
    }

    @Test("mesh files that do not load are errors naming the shape and the file")
    func loadErrors() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("refract-mesh-scene-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try "v 0 0 0\nv 1 0 0\nf 1 2 7\n".write(to: folder.appendingPathComponent("bad.obj"), atomically: true, encoding: .utf8)
        func load(_ shape: String) throws -> Scene {
            let xml = """
                <scene version="3.0.0"><sensor type="perspective"/>\(shape)</scene>
                """
            let url = folder.appendingPathComponent("scene.xml")
            try xml.write(to: url, atomically: true, encoding: .utf8)
            return try Scene(contentsOf: url)
        }
        for (shape, expected) in [
            (#"<shape type="obj" id="wall"><string name="filename" value="bad.obj"/></shape>"#, ["wall", "bad.obj", "line 3"]),
            (#"<shape type="ply" id="gone"><string name="filename" value="missing.ply"/></shape>"#, ["gone", "missing.ply", "not found"]),
            (#"<shape type="serialized"><string name="filename" value="bad.obj"/><integer name="shape_index" value="-1"/></shape>"#, ["shape_index"]),
            (#"<shape type="cube"><float name="radius" value="1"/></shape>"#, ["radius"]),
            (#"<shape type="shapegroup" id="g"><shape type="sphere"><emitter type="area"/></shape></shape><shape type="instance"><ref id="g"/></shape>"#,
             ["shapegroup", "area emitter"]),
            (#"<shape type="instance"><shape type="cube"/></shape>"#, ["instance", "shapegroup"]),
            (#"<shape type="cube"><emitter type="point"/></shape>"#, ["area", "point"]),
            (#"<shape type="cube"><emitter type="area"/><emitter type="area"/></shape>"#, ["one nested emitter"]),
            (#"<emitter type="constant"/><emitter type="constant" id="sky"/>"#, ["one environment", "sky"]),
            (#"<integrator type="aov"><string name="aovs" value="a:depth,b:colour"/></integrator>"#, ["aovs", "colour"]),
            (#"<integrator type="aov"><string name="aovs" value="a:depth"/><integrator type="aov" name="x"><string name="aovs" value="b:uv"/></integrator></integrator>"#,
             ["aov integrator nested in another aov"]),
            (#"<integrator type="aov"><string name="aovs" value="a:depth"/><integrator type="volpath" name="x"/></integrator>"#,
             ["volpath"]),
            (#"<shape type="shapegroup" id="g"><shape type="cube"/></shape><shape type="instance"><ref id="g"/><transform name="to_world"><scale value="0"/></transform></shape>"#,
             ["to_world", "invertible"]),
        ] {
            do {
                _ = try load(shape)
                Issue.record("expected an error for \(shape)")
            } catch {
                let message = "\(error)"
                for word in expected { #expect(message.contains(word), "\(message) lacks '\(word)'") }
            }
        }
    }
}
