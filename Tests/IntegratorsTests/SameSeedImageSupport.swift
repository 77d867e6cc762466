// The same-seed comparison of a scene fixture with Mitsuba's render of it, shared by the scene tests.
import Foundation
import Testing
import Tracer
@testable import Integrators

enum SameSeedImage {
    /// Renders `scene` on the LLVM backend at `spp` with `seed` and expects Mitsuba's image in `mitsuba` (NPY):
    /// at most one value in `outlierShare` may differ by more than 1e-3 (relative above 1; a rare sample may part
    /// at a float rounding), and the mean absolute difference stays below `meanTolerance`.
    static func expectMatches(scene: URL, mitsuba: URL, samplesPerPixel spp: Int, seed: UInt32 = 7,
                              outlierShare: Int = 100, meanTolerance: Double = 2e-4) throws {
        let theirs = try Bitmap(contentsOf: mitsuba).pixels
        let ours = try TraceContext.with(CompileOptions(variant: .llvm)) {
            try Scene(contentsOf: scene).render(samplesPerPixel: spp, seed: seed).values
        }
        #expect(ours.count == theirs.count)
        let differing = zip(ours, theirs).filter { abs($0 - $1) > 1e-3 * Swift.max(1, abs($1)) }.count
        #expect(differing <= theirs.count / outlierShare, "\(differing) of \(theirs.count) values differ from Mitsuba's")
        let error = zip(ours, theirs).reduce(0) { $0 + Double(abs($1.0 - $1.1)) } / Double(theirs.count)
        let largest = zip(ours, theirs).map { abs($0 - $1) }.max() ?? 0
        #expect(error < meanTolerance, "mean absolute difference \(error), largest \(largest)")
    }
}
