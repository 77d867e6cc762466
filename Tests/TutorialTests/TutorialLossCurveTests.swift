// The tutorial on its own four textures follows the Mitsuba 3 + PyTorch loss curve (shared/tutorial/BASELINE.md).
import Foundation
import Integrators
import Testing
import Tracer
import Tutorial

@Suite("Tutorial against the reference stack")
struct TutorialLossCurveTests {
    static let tutorial = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/tutorial")
    static var assetsPresent: Bool {
        FileManager.default.fileExists(atPath: tutorial.appendingPathComponent("reference_losses_20it.npy").path)
    }

    @Test("20 iterations on the tutorial textures: same start, and within 10% of the reference at iteration 20",
          .enabled(if: assetsPresent, "needs ../shared/tutorial"))
    func lossCurve() throws {
        let reference = try Self.vector(contentsOf: Self.tutorial.appendingPathComponent("reference_losses_20it.npy"))
        // The notebook's convention: the PNGs' 8-bit values / 255 used as reflectance, not linearised.
        let textures = try (1...4).map {
            try Bitmap(contentsOf: Self.tutorial.appendingPathComponent("image_00\($0).png")).pixels
        }
        try TraceContext.with(CompileOptions(variant: .llvm)) {
            let placeholder = try TutorialScene.TextureData(size: 128, values: [Float](repeating: 0.5, count: 128 * 128 * 3))
            let training = try TutorialTraining(
                scene: TutorialScene.make(resolution: 128, texture: placeholder), parameterKey: TutorialScene.textureKey,
                textures: textures, resolution: 128, samplesPerPixel: 4, learningRate: 2e-4, seed: 0)
            var losses: [Double] = []
            for _ in 0..<20 { losses.append(try training.step().loss) }
            #expect(abs(losses[0] - reference[0]) < 0.02 * reference[0], "first loss \(losses[0]) vs \(reference[0])")
            #expect(abs(losses[19] - reference[19]) < 0.1 * reference[19],
                    "loss at iteration 20: \(losses[19]) vs \(reference[19])")
            // Same trend: the loss falls by more than half, as in the reference.
            #expect(losses[19] < 0.5 * losses[0])
        }
    }

    /// A 1-D float64 NPY file (the reference loss curve).
    static func vector(contentsOf url: URL) throws -> [Double] {
        let data = try Data(contentsOf: url)
        let headerLength = Int(data[8]) | Int(data[9]) << 8
        let header = String(decoding: data[10..<(10 + headerLength)], as: UTF8.self)
        guard header.contains("'<f8'") else { throw CocoaError(.fileReadCorruptFile) }
        let body = data[(10 + headerLength)...]
        return stride(from: body.startIndex, to: body.endIndex, by: 8).map { offset in
            var bits: UInt64 = 0
            for byte in 0..<8 { bits |= UInt64(body[offset + byte]) << (8 * UInt64(byte)) }
            return Double(bitPattern: bits)
        }
    }
}
