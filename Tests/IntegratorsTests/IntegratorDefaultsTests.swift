// Integrator defaults as Mitsuba 3.9.1 has them: unlimited depth for `path` (C++), 6 for `prb` and `prb_basic` (Python).
import Foundation
import Testing

@testable import Integrators

@Suite struct IntegratorDefaultsTests {
    private func settings(_ integrator: String) throws -> IntegratorSettings {
        let dir = try ImageTestDirectory()
        let url = dir.file("scene.xml")
        try """
            <scene version="3.0.0">\(integrator)<sensor type="perspective"/><shape type="sphere"/></scene>
            """.write(to: url, atomically: true, encoding: .utf8)
        return try Scene(contentsOf: url).integrator
    }

    @Test func depthDefaultsFollowMitsuba() throws {
        // Mitsuba's docs scenes (matpreview with a glass object) rely on `path`'s unlimited depth: with 6 bounces,
        // light through the glass's stand was lost (the image 16% too dark).
        #expect(try settings("").maxDepth == -1)
        #expect(try settings(#"<integrator type="path"/>"#).maxDepth == -1)
        #expect(try settings(#"<integrator type="prb"/>"#).maxDepth == 6)
        #expect(try settings(#"<integrator type="prb_basic"/>"#).maxDepth == 6)
        #expect(try settings(#"<integrator type="path"><integer name="max_depth" value="3"/></integrator>"#).maxDepth == 3)
        #expect(try settings(#"<integrator type="path"/>"#).rrDepth == 5)
        let nested = try settings(#"<integrator type="aov"><string name="aovs" value="d:depth"/><integrator type="path" name="image"/></integrator>"#)
        #expect(nested.nested.first?.settings.maxDepth == -1)
    }
}
