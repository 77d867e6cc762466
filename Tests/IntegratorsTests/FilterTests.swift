// The tent, mitchell, catmullrom and lanczos reconstruction filters against Mitsuba 3.9.1: weights, XML, renders.
import Foundation
import Testing
import Tracer

@testable import Integrators

@Suite("Reconstruction filters against Mitsuba")
struct FilterTests {
    /// Fixtures/Filters: the scene and Mitsuba's renders (written by make_filters.py).
    static func fixture(_ name: String) -> URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/Filters/\(name)")
    }

    /// The offsets at which make_filters.py evaluated Mitsuba's filters.
    static let offsets: [Float] = [0.0, 1e-08, -0.1, 0.25, -0.5, 0.75, 0.999, 1.0, -1.2, 1.5, 1.75, -1.999, 2.0, 2.3,
                                   2.75, -3.0, 3.5, 4.2]

    /// Mitsuba's `eval` (llvm_ad_rgb) at `offsets`, as printed by Fixtures/Filters/make_filters.py.
    static let mitsubaWeights: [(ReconstructionFilter, [Float])] = [
        (.tent(radius: 1), [1, 1, 0.899999976, 0.75, 0.5, 0.25, 0.000999987125, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
        (.tent(radius: 1.6), [1, 1, 0.9375, 0.84375, 0.6875, 0.53125, 0.375625014, 0.375, 0.25, 0.0625, 0, 0, 0, 0, 0,
                              0, 0, 0]),
        (.mitchell(b: 1 / 3, c: 1 / 3), [0.888888955, 0.888888955, 0.870055616, 0.782118082, 0.534722269, 0.256076425,
                                         0.0560570583, 0.055555582, -0.0142223239, -0.0347221009, -0.0147568751,
                                         -3.97046563e-07, 0, 0, 0, 0, 0, 0]),
        (.mitchell(b: 0.5, c: 0.25), [0.833333373, 0.833333373, 0.816833377, 0.739583373, 0.520833373, 0.270833343,
                                      0.0838345736, 0.0833333358, 0.0106666489, -0.020833334, -0.010416667,
                                      -1.58945724e-07, 0, 0, 0, 0, 0, 0]),
        (.catmullRom, [1, 1, 0.976500034, 0.8671875, 0.5625, 0.2265625, 0.000502109528, 0, -0.0640001297, -0.0625,
                       -0.0234375, -6.35782897e-07, 0, 0, 0, 0, 0, 0]),
        (.lanczos(lobes: 3), [1, 1, 0.981834829, 0.890067041, 0.607927084, 0.270189822, 0.000828136865,
                              -2.30131842e-08, -0.118000582, -0.135094911, -0.0677913055, -0.000207087302,
                              1.15065921e-08, 0.0311052911, 0.00735590979, 7.04185605e-17, 0, 0]),
        (.lanczos(lobes: 2), [1, 1, 0.979591608, 0.877354145, 0.573159158, 0.235346675, 0.000637885241,
                              -1.7715557e-08, -0.0786670446, -0.0636843517, -0.0179051682, -2.50267618e-07,
                              -7.74371602e-16, 0, 0, 0, 0, 0]),
    ]

    @Test("host and traced weights are Mitsuba's eval values", arguments: Variant.allCases)
    func weights(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            for (filter, expected) in Self.mitsubaWeights {
                let traced = filter.weight(FloatArray(Self.offsets)).values
                for (i, x) in Self.offsets.enumerated() {
                    // Products and sines round differently in the last bits (lanczos: sin near its zeros).
                    let tolerance: Float = 4e-7
                    #expect(abs(filter.weight(x) - expected[i]) <= tolerance, "\(filter) host at \(x)")
                    #expect(abs(traced[i] - expected[i]) <= tolerance, "\(filter) traced at \(x): \(traced[i])")
                }
            }
        }
    }

    @Test("radius, reach and plugin names follow Mitsuba's filters")
    func shapes() {
        #expect(ReconstructionFilter.tent(radius: 1.25).radius == 1.25 && ReconstructionFilter.tent(radius: 1.25).reach == 1)
        #expect(ReconstructionFilter.mitchell(b: 0.2, c: 0.4).radius == 2 && ReconstructionFilter.catmullRom.reach == 2)
        #expect(ReconstructionFilter.lanczos(lobes: 3).radius == 3 && ReconstructionFilter.lanczos(lobes: 3).reach == 3)
        #expect([ReconstructionFilter.tent(radius: 1), .mitchell(b: 0, c: 0), .catmullRom, .lanczos(lobes: 2)]
            .map(\.pluginName) == ["tent", "mitchell", "catmullrom", "lanczos"])
    }

    /// The filter of `<film><rfilter .../></film>`.
    static func loadFilter(_ rfilter: String) throws -> ReconstructionFilter {
        let xml = """
            <scene version="3.0.0"><sensor type="perspective"><float name="fov" value="45"/>
            <film type="hdrfilm">\(rfilter)</film></sensor></scene>
            """
        let document = try SceneDocument(xml: xml, url: URL(fileURLWithPath: "/tmp/filter.xml"))
        let description = try #require(document.plugins(of: .sensor).first)
        return try Sensor(description, document: document).film.filter
    }

    @Test("XML: Mitsuba's defaults and property names")
    func fromXML() throws {
        #expect(try Self.loadFilter(#"<rfilter type="tent"/>"#) == .tent(radius: 1))
        #expect(try Self.loadFilter(#"<rfilter type="tent"><float name="radius" value="1.6"/></rfilter>"#)
                == .tent(radius: 1.6))
        #expect(try Self.loadFilter(#"<rfilter type="mitchell"/>"#) == .mitchell(b: 1 / 3, c: 1 / 3))
        #expect(try Self.loadFilter(#"<rfilter type="mitchell"><float name="B" value="0.5"/><float name="C" value="0.25"/></rfilter>"#)
                == .mitchell(b: 0.5, c: 0.25))
        #expect(try Self.loadFilter(#"<rfilter type="catmullrom"/>"#) == .catmullRom)
        #expect(try Self.loadFilter(#"<rfilter type="lanczos"/>"#) == .lanczos(lobes: 3))
        #expect(try Self.loadFilter(#"<rfilter type="lanczos"><integer name="lobes" value="2"/></rfilter>"#)
                == .lanczos(lobes: 2))
    }

    @Test("XML: bad filter properties are SceneErrors naming the property")
    func xmlErrors() {
        let cases: [(String, String)] = [
            // Mitsuba's documentation calls the parameters A and B; its source reads B and C.
            (#"<rfilter type="mitchell"><float name="A" value="0.3"/></rfilter>"#, "'A'"),
            (#"<rfilter type="tent"><float name="radius" value="0"/></rfilter>"#, "radius must be positive"),
            (#"<rfilter type="tent"><float name="radius" value="20"/></rfilter>"#, "at most 8"),
            (#"<rfilter type="lanczos"><integer name="lobes" value="0"/></rfilter>"#, "lobes must be an integer from 1"),
            (#"<rfilter type="lanczos"><float name="lobes" value="2.5"/></rfilter>"#, "lobes"),
            (#"<rfilter type="catmullrom"><float name="radius" value="2"/></rfilter>"#, "'radius'"),
            (#"<rfilter type="mitchell"><float name="B" value="nan"/></rfilter>"#, "B"),
        ]
        for (xml, message) in cases {
            do {
                let filter = try Self.loadFilter(xml)
                Issue.record("no error for \(xml): \(filter)")
            } catch let error as SceneError {
                #expect(error.description.contains(message), "\(error.description)")
            } catch {
                Issue.record("not a SceneError: \(error)")
            }
        }
    }

    /// The filters rendered by make_filters.py (scene.xml's `rfilter`).
    static let renderedFilters = ["tent", "mitchell", "catmullrom", "lanczos", "box", "gaussian"]

    @Test("with Mitsuba's seed, scene.xml renders Mitsuba's image through each filter", arguments: renderedFilters)
    func sameSeedAsMitsuba(filter: String) throws {
        let mitsuba = try Bitmap(contentsOf: Self.fixture("\(filter)_mitsuba_spp16.npy")).pixels
        let ours = try TraceContext.with(CompileOptions(variant: .llvm)) {
            try Scene(contentsOf: Self.fixture("scene.xml"), overrides: ["rfilter": filter])
                .render(samplesPerPixel: 16, seed: 7).values
        }
        #expect(ours.count == mitsuba.count)
        let differing = zip(ours, mitsuba).filter { abs($0 - $1) > 1e-3 * Swift.max(1, abs($1)) }.count
        let meanError = zip(ours, mitsuba).reduce(0.0) { $0 + Double(abs($1.0 - $1.1)) } / Double(mitsuba.count)
        #expect(differing <= mitsuba.count / 200, "\(differing) of \(mitsuba.count) values differ from Mitsuba's")
        #expect(meanError < 2e-5, "mean absolute error \(meanError)")
    }

    @Test("the filters give different images (the comparison above can tell them apart)")
    func filtersDiffer() throws {
        let tent = try Bitmap(contentsOf: Self.fixture("tent_mitsuba_spp16.npy")).pixels
        let ours = try TraceContext.with(CompileOptions(variant: .llvm)) {
            try Scene(contentsOf: Self.fixture("scene.xml"), overrides: ["rfilter": "lanczos"])
                .render(samplesPerPixel: 16, seed: 7).values
        }
        let meanError = zip(ours, tent).reduce(0.0) { $0 + Double(abs($1.0 - $1.1)) } / Double(tent.count)
        #expect(meanError > 1e-3, "lanczos vs tent: \(meanError)")
    }
}
