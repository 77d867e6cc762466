// Autodiff benchmarks: bilinear texture lookups forward, their gradient with respect to the texture, and the ratio.
import Foundation
import Optim
import RefractSupport
import Tracer

enum AutodiffBenchmarks {
    static let lookupCount = 4 << 20
    static let textureWidth = 512
    static let textureHeight = 512
    static let channels = 3

    static func run(_ report: BenchmarkReport, filter: (String) -> Bool) {
        let names = ["texture_lookup_fwd_mps", "texture_lookup_bwd_mps", "texture_lookup_bwd_vs_fwd"]
        if names.contains(where: filter) { textureLookup(report) }
    }

    /// Bilinear lookups with wrap-around (repeat) addressing into an interleaved RGB texture: one array per channel.
    static func bilinearLookup(_ texture: FloatArray, u: FloatArray, v: FloatArray) -> [FloatArray] {
        let width = Int32(textureWidth), height = Int32(textureHeight)
        let x = u * Float(width) - 0.5
        let y = v * Float(height) - 0.5
        let x0 = floor(x), y0 = floor(y)
        let wx = x - x0, wy = y - y0
        let ix = Int32Array(x0), iy = Int32Array(y0)
        // Repeat addressing: the sizes are powers of two, and x0 >= -1.
        let ix0 = (ix + width) & (width - 1), ix1 = (ix + width + 1) & (width - 1)
        let iy0 = ((iy + height) & (height - 1)) * width, iy1 = ((iy + height + 1) & (height - 1)) * width
        let stride = Int32(channels)
        let corners = [(iy0 + ix0) * stride, (iy0 + ix1) * stride, (iy1 + ix0) * stride, (iy1 + ix1) * stride]
        let ux = 1 - wx, uy = 1 - wy
        let weights = [ux * uy, wx * uy, ux * wy, wx * wy]
        return (0..<channels).map { channel in
            var result = texture.gather(corners[0] + Int32(channel)) * weights[0]
            for corner in 1..<4 {
                result = fma(texture.gather(corners[corner] + Int32(channel)), weights[corner], result)
            }
            return result
        }
    }

    static func textureLookup(_ report: BenchmarkReport) {
        var random = SplitMix64(seed: 7)
        let texels = textureWidth * textureHeight * channels
        let texture = FloatArray((0..<texels).map { _ in random.nextUnitFloat() })
        let u = FloatArray((0..<lookupCount).map { _ in random.nextUnitFloat() })
        let v = FloatArray((0..<lookupCount).map { _ in random.nextUnitFloat() })

        let forwardSeconds = bestTime {
            let rgb = bilinearLookup(texture, u: u, v: v)
            eval(rgb)
        }
        var parameter = texture
        parameter.enableGradient()
        let backwardSeconds = bestTime {
            parameter.clearGradient()
            let rgb = bilinearLookup(parameter, u: u, v: v)
            (rgb[0] + rgb[1] + rgb[2]).sum().backward()
            parameter.gradient.eval()
        }
        let lookups = Double(lookupCount) / 1e6
        report.add("texture_lookup_fwd_mps", lookups / forwardSeconds, "M/s")
        report.add("texture_lookup_bwd_mps", lookups / backwardSeconds, "M/s")
        report.add("texture_lookup_bwd_vs_fwd", backwardSeconds / forwardSeconds, "ratio", target: "<= 3")
    }
}
