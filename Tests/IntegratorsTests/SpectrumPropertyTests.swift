// `<spectrum>` properties against the colours Mitsuba 3.9.1's llvm_ad_rgb variant makes of them (mi.traverse).
import Foundation
import Testing

@testable import Integrators

@Suite struct SpectrumPropertyTests {
    /// Parses `body` inside a scene written to a fresh directory, with `files` beside it.
    private func document(_ body: String, files: [String: String] = [:]) throws -> SceneDocument {
        let dir = try ImageTestDirectory()
        for (name, contents) in files {
            try contents.write(to: dir.file(name), atomically: true, encoding: .utf8)
        }
        let url = dir.file("scene.xml")
        try ("<scene version=\"3.0.0\">\n" + body + "\n</scene>\n").write(to: url, atomically: true, encoding: .utf8)
        return try SceneDocument(contentsOf: url)
    }

    /// The rgb property `name` of `plugin`, compared with Mitsuba's value to 2e-6 relative (it integrates in
    /// double and stores floats; so do we, with sums in another order).
    private func expectColor(_ plugin: PluginDescription, _ name: String, _ expected: [Float],
                             sourceLocation: Testing.SourceLocation = #_sourceLocation) throws {
        let value = try plugin.rgb(name)
        for (got, want) in zip([value.x, value.y, value.z], expected) {
            #expect(abs(got - want) <= 2e-6 * max(1, abs(want)), "\(name): \(value) against Mitsuba's \(expected)",
                    sourceLocation: sourceLocation)
        }
    }

    // Mitsuba's Cornell box red wall (scenes/cbox/cbox.xml in mitsuba-data), every 4 nm from 400 to 700 nm.
    private static let cboxRed = """
        400:0.04, 404:0.046, 408:0.048, 412:0.053, 416:0.049, 420:0.05, 424:0.053, 428:0.055, 432:0.057, 436:0.056, \
        440:0.059, 444:0.057, 448:0.061, 452:0.061, 456:0.06, 460:0.062, 464:0.062, 468:0.062, 472:0.061, 476:0.062, \
        480:0.06, 484:0.059, 488:0.057, 492:0.058, 496:0.058, 500:0.058, 504:0.056, 508:0.055, 512:0.056, 516:0.059, \
        520:0.057, 524:0.055, 528:0.059, 532:0.059, 536:0.058, 540:0.059, 544:0.061, 548:0.061, 552:0.063, 556:0.063, \
        560:0.067, 564:0.068, 568:0.072, 572:0.08, 576:0.09, 580:0.099, 584:0.124, 588:0.154, 592:0.192, 596:0.255, \
        600:0.287, 604:0.349, 608:0.402, 612:0.443, 616:0.487, 620:0.513, 624:0.558, 628:0.584, 632:0.62, 636:0.606, \
        640:0.609, 644:0.651, 648:0.612, 652:0.61, 656:0.65, 660:0.638, 664:0.627, 668:0.62, 672:0.63, 676:0.628, \
        680:0.642, 684:0.639, 688:0.657, 692:0.639, 696:0.635, 700:0.642
        """

    @Test func reflectancesAreSeenUnderD65AndClampedToOne() throws {
        let doc = try document("""
            <bsdf type="diffuse" id="red"><spectrum name="reflectance" value="\(Self.cboxRed)"/></bsdf>
            <bsdf type="diffuse" id="gamut"><spectrum name="reflectance" value="400:0.5, 500:0.8, 600:0.1, 700:0.3"/></bsdf>
            <bsdf type="diffuse" id="bright"><spectrum name="reflectance" value="300:2, 900:2"/></bsdf>
            <bsdf type="diffuse" id="file"><spectrum name="reflectance" filename="s.spd"/></bsdf>
            <bsdf type="diffuse" id="flat"><spectrum name="reflectance" value="0.25"/></bsdf>
            """, files: ["s.spd": "# test\n400 0.2\n450 0.9 # peak\n\n550 0.4\n700 0.6\n"])
        let plugins = Dictionary(uniqueKeysWithValues: doc.plugins.map { ($0.id!, $0) })
        try expectColor(plugins["red"]!, "reflectance", [0.49132004380226135, 0.04922810569405556, 0.05092189833521843])
        // Out of gamut: the negative red channel is clamped to 0, as Mitsuba does (with a warning).
        try expectColor(plugins["gamut"]!, "reflectance", [0, 0.523383, 0.689306])
        try expectColor(plugins["bright"]!, "reflectance", [1, 1, 1])
        try expectColor(plugins["file"]!, "reflectance", [0.439040869474411, 0.4762051999568939, 0.7889226078987122])
        #expect(plugins["flat"]!.value("reflectance") == .float(0.25))
    }

    @Test func emittedSpectraAreNotWeightedByD65NorBoundedByOne() throws {
        let doc = try document("""
            <emitter type="point" id="lamp"><spectrum name="intensity" value="400:0, 500:8, 600:15.6, 700:18.4"/></emitter>
            <emitter type="constant" id="sky"><spectrum name="radiance" value="2.5"/></emitter>
            """)
        let plugins = Dictionary(uniqueKeysWithValues: doc.plugins.map { ($0.id!, $0) })
        try expectColor(plugins["lamp"]!, "intensity", [20.71083641052246, 10.854634284973145, 2.7711520195007324])
        // A flat emitted spectrum is not white in sRGB (whose white point is D65).
        try expectColor(plugins["sky"]!, "radiance", [3.0119848251342773, 2.3707275390625, 2.2722902297973633])
    }

    @Test func conductorIndicesAreUnboundedUnderD65() throws {
        let doc = try document("""
            <bsdf type="conductor" id="metal">
                <spectrum name="eta" value="400:1.5, 700:0.2"/>
                <spectrum name="k" value="400:3.5, 700:4.2"/>
            </bsdf>
            """)
        try expectColor(doc.plugins[0], "eta", [0.44762036204338074, 0.8802424669265747, 1.3155089616775513])
        try expectColor(doc.plugins[0], "k", [4.046600818634033, 3.8326663970947266, 3.577411413192749])
    }

    @Test func textureColoursInsideAnyPluginAreReflectances() throws {
        let doc = try document("""
            <texture type="checkerboard" id="checks">
                <spectrum name="color0" value="500:0.5, 600:0.5"/>
            </texture>
            """)
        try expectColor(doc.plugins[0], "color0", [0.10490170866250992, 0.511831521987915, 0])
    }

    @Test func malformedSpectrumFilesNameTheLine() throws {
        #expect {
            _ = try document("<bsdf type=\"diffuse\"><spectrum name=\"reflectance\" filename=\"s.spd\"/></bsdf>",
                             files: ["s.spd": "400 0.2\n450 zero\n"])
        } throws: { error in
            "\(error)".contains("spectrum file 's.spd', line 2: expected \"wavelength value\", found \"450 zero\"")
        }
    }
}
