// Bitmap and constant textures against SCENE-SPEC §6: lookups, wrap modes, gradients, file loading.
import Foundation
import Testing
import RefractSupport
import Tracer

@testable import Integrators

/// SCENE-SPEC §6 lookup (and Mitsuba's nearest and wrap rules), in plain Float.
private func referenceLookup(_ data: [Float], width: Int, height: Int, uv: SIMD2<Float>, filter: BitmapFilter,
                             wrap: BitmapWrapMode) -> (value: Vector3f, corners: [(index: Int, weight: Float)]) {
    func wrapped(_ k: Int, _ n: Int) -> Int {
        switch wrap {
        case .repeat: return ((k % n) + n) % n
        case .clamp: return Swift.min(Swift.max(k, 0), n - 1)
        case .mirror:
            let m = ((k % (2 * n)) + 2 * n) % (2 * n)
            return m < n ? m : 2 * n - 1 - m
        }
    }
    var corners: [(index: Int, weight: Float)] = []
    switch filter {
    case .nearest:
        let column = wrapped(Int((uv.x * Float(width)).rounded(.down)), width)
        let row = wrapped(Int((uv.y * Float(height)).rounded(.down)), height)
        corners = [((row * width + column) * 3, 1)]
    case .bilinear:
        let x = Float(-0.5).addingProduct(uv.x, Float(width))
        let y = Float(-0.5).addingProduct(uv.y, Float(height))
        let i = Int(x.rounded(.down)), j = Int(y.rounded(.down))
        let fx = x - x.rounded(.down), fy = y - y.rounded(.down)
        for (dj, wy) in [(0, 1 - fy), (1, fy)] {
            for (di, wx) in [(0, 1 - fx), (1, fx)] {
                let index = (wrapped(j + dj, height) * width + wrapped(i + di, width)) * 3
                corners.append((index, wx * wy))
            }
        }
    }
    var value = Vector3f.zero
    for corner in corners {
        value += Vector3f(data[corner.index], data[corner.index + 1], data[corner.index + 2]) * corner.weight
    }
    return (value, corners)
}

/// The exact sRGB curve of SCENE-SPEC §6, in Double.
private func referenceLinear(_ c: Double) -> Double {
    c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4)
}

@Suite("Texture plugins")
struct TexturePluginTests {
    static let width = 5
    static let height = 4

    static let data: [Float] = {
        var random = SplitMix64(seed: 31)
        return (0..<(width * height * 3)).map { _ in random.float(in: 0...1) }
    }()

    /// Random uv far outside [0, 1]² plus edges, texel centers and the exact border.
    static let uvs: [SIMD2<Float>] = {
        var random = SplitMix64(seed: 32)
        var points: [SIMD2<Float>] = [SIMD2(0, 0), SIMD2(1, 1), SIMD2(0.1, 0.125), SIMD2(0.5, 0.5),
                                      SIMD2(0.99, 0.01), SIMD2(-0.001, 1.001), SIMD2(-1, 2), SIMD2(0.95, 0.9)]
        for _ in 0..<200 { points.append(SIMD2(random.float(in: -1.5...2.5), random.float(in: -1.5...2.5))) }
        return points
    }()

    static let modes: [(BitmapFilter, BitmapWrapMode)] = BitmapFilter.allCases.flatMap { filter in
        BitmapWrapMode.allCases.map { (filter, $0) }
    }

    @Test("lookups match the reference for every filter and wrap mode", arguments: Variant.allCases)
    func lookups(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            for (filter, wrap) in Self.modes {
                let texture = BitmapTexture(data: FloatArray(Self.data), width: Self.width, height: Self.height,
                                            filter: filter, wrapMode: wrap)
                let values = texture.eval(Point2Array(Self.uvs), active: true).values
                for (i, uv) in Self.uvs.enumerated() {
                    let expected = referenceLookup(Self.data, width: Self.width, height: Self.height, uv: uv,
                                                   filter: filter, wrap: wrap).value
                    #expect(pluginClose(values[i], expected, 1e-5), "\(filter) \(wrap) uv \(uv): \(values[i]) vs \(expected)")
                }
            }
        }
    }

    @Test("repeat blends edge texels with the opposite border; clamp and mirror keep the edge",
          arguments: Variant.allCases)
    func edges(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            func texel(_ row: Int, _ column: Int) -> Vector3f {
                let base = (row * Self.width + column) * 3
                return Vector3f(Self.data[base], Self.data[base + 1], Self.data[base + 2])
            }
            // u = 0 lies half-way between column W−1 (wrapped) and column 0; v = 0.5/H is row 0's center.
            let uv = Point2Array([SIMD2(0, 0.5 / Float(Self.height))])
            let repeated = BitmapTexture(data: FloatArray(Self.data), width: Self.width, height: Self.height)
            let blended = (texel(0, Self.width - 1) + texel(0, 0)) * 0.5
            #expect(pluginClose(repeated.eval(uv, active: true).values[0], blended, 1e-6))
            for mode in [BitmapWrapMode.clamp, .mirror] {
                let texture = BitmapTexture(data: FloatArray(Self.data), width: Self.width, height: Self.height,
                                            wrapMode: mode)
                #expect(pluginClose(texture.eval(uv, active: true).values[0], texel(0, 0), 1e-6))
            }
            let masked = repeated.eval(Point2Array([SIMD2(0.3, 0.3), SIMD2(0.6, 0.6)]),
                                       active: BoolArray([true, false])).values
            #expect(masked[0] != .zero && masked[1] == .zero)
            #expect(repeated.parameters.map(\.key) == ["data", "to_uv"] && repeated.data.shape == [4, 5, 3])
        }
    }

    @Test("the gradient of a lookup w.r.t. the data is the filter weights, scatter-added",
          arguments: Variant.allCases)
    func gradient(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            let uvs = Array(Self.uvs.prefix(40))
            for (filter, wrap) in Self.modes {
                let texture = BitmapTexture(data: FloatArray(Self.data), width: Self.width, height: Self.height,
                                            filter: filter, wrapMode: wrap)
                var data = FloatArray(Self.data)
                data.enableGradient()
                texture.data.value = data
                let value = texture.eval(Point2Array(uvs), active: true)
                let weighted = value.x + value.y * 2 + value.z * 3
                weighted.sum().backward()
                let gradient = data.gradient.values

                var expected = [Float](repeating: 0, count: Self.data.count)
                for uv in uvs {
                    let corners = referenceLookup(Self.data, width: Self.width, height: Self.height, uv: uv,
                                                  filter: filter, wrap: wrap).corners
                    for corner in corners {
                        for channel in 0..<3 { expected[corner.index + channel] += corner.weight * Float(channel + 1) }
                    }
                }
                for i in expected.indices {
                    #expect(abs(gradient[i] - expected[i]) < 1e-4, "\(filter) \(wrap) [\(i)]: \(gradient[i]) vs \(expected[i])")
                }
            }
        }
    }

    @Test("a diffuse BSDF's gradient reaches the bitmap through twosided", arguments: Variant.allCases)
    func gradientThroughBSDF(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            let texture = BitmapTexture(data: FloatArray(Self.data), width: Self.width, height: Self.height)
            let bsdf = TwoSidedBSDF(DiffuseBSDF(reflectance: texture))
            #expect(bsdf.parameters.map(\.key) == ["brdf_0.reflectance.data", "brdf_0.reflectance.to_uv"])
            var data = FloatArray(Self.data)
            data.enableGradient()
            bsdf.parameters[0].slot.value = data
            let uv = SIMD2<Float>(0.33, 0.71)
            let wi = Vector3f(0.3, 0.1, -0.9).normalized, wo = Vector3f(-0.2, 0.4, -0.8).normalized
            let si = PluginFixtures.interaction(wi: [wi], uv: [uv])
            let value = bsdf.eval(si, wo: Vector3Array([wo]), active: true)
            value.x.sum().backward()
            let gradient = data.gradient.values
            let corners = referenceLookup(Self.data, width: Self.width, height: Self.height, uv: uv,
                                          filter: .bilinear, wrap: .repeat).corners
            var expected = [Float](repeating: 0, count: Self.data.count)
            for corner in corners { expected[corner.index] += corner.weight * abs(wo.z) / Float.pi }
            for i in expected.indices { #expect(abs(gradient[i] - expected[i]) < 1e-6) }
        }
    }

    @Test("bitmaps load linear: sRGB linearised unless raw, gray kept as one channel, alpha dropped, float as is",
          arguments: Variant.allCases)
    func loading(variant: Variant) throws {
        try TraceContext.with(CompileOptions(variant: variant)) {
            let directory = try ImageTestDirectory()
            var gray = Bitmap(width: 3, height: 2, channelCount: 2, isSRGB: true)
            for index in gray.pixels.indices { gray.pixels[index] = Float(index * 40 % 256) / 255 }
            try gray.write(to: directory.file("gray.png"))
            let texture = try BitmapTexture(contentsOf: directory.file("gray.png"))
            #expect(texture.data.shape == [2, 3, 1])
            let values = texture.data.value.values
            let rawTexture = try BitmapTexture(contentsOf: directory.file("gray.png"), raw: true)
            let rawValues = rawTexture.data.value.values
            for pixel in 0..<6 {
                let encoded = gray.pixels[pixel * 2]
                #expect(abs(Double(values[pixel]) - referenceLinear(Double(encoded))) < 1e-6)
                #expect(rawValues[pixel] == encoded)
            }
            // Looked up, a gray texel is its value in every channel, and its scalar value is the value itself.
            let uv = Point2Array([SIMD2<Float>(0.5, 0.25)])
            let lookup = rawTexture.eval(uv, active: true).values[0]
            #expect(lookup.x == rawValues[1] && lookup.y == rawValues[1] && lookup.z == rawValues[1])
            #expect(rawTexture.evalScalar(uv, active: true).values == [rawValues[1]])
            #expect(rawTexture.mean == rawValues.reduce(0, +) / 6)

            var floats = Bitmap(width: 2, height: 2, channelCount: 3)
            floats.pixels = [1.7, -0.3, 0.25, 4, 0, 0.5, 1e-3, 2, 3, 0.1, 0.2, 0.3]
            try floats.write(to: directory.file("floats.npy"))
            let floatTexture = try BitmapTexture(contentsOf: directory.file("floats.npy"))
            #expect(floatTexture.data.value.values == floats.pixels)

            #expect(BitmapTexture.rgbTexels(of: Bitmap(width: 1, height: 1, channelCount: 5), raw: false) == nil)
            #expect(throws: ImageIOError.self) { try BitmapTexture(contentsOf: directory.file("missing.png")) }
        }
    }

    @Test("the tutorial's image_001.png loads as 128x128x3 with the exact sRGB curve", arguments: Variant.allCases)
    func tutorialImage(variant: Variant) throws {
        let url = ImageIOFixtures.tutorialDirectory.appendingPathComponent("image_001.png")
        guard FileManager.default.fileExists(atPath: url.path) else { return }
        try TraceContext.with(CompileOptions(variant: variant)) {
            let texture = try BitmapTexture(contentsOf: url)
            #expect(texture.data.shape == [128, 128, 3])
            let encoded = try Bitmap(contentsOf: url)
            let values = texture.data.value.values
            for (row, column, channel) in [(37, 90, 1), (0, 0, 0), (127, 127, 2), (64, 3, 0)] {
                let byte = (encoded[row, column, channel] * 255).rounded()
                let expected = referenceLinear(Double(byte) / 255)
                let index = (row * 128 + column) * 3 + channel
                #expect(abs(Double(values[index]) - expected) < 3.4e-7 + 1e-7, "texel \(row), \(column), \(channel)")
            }
            // A texel center returns the texel itself.
            let center = Point2Array([SIMD2((90 + 0.5) / 128, (37 + 0.5) / 128)])
            let looked = texture.eval(center, active: true).values[0]
            let base = (37 * 128 + 90) * 3
            #expect(looked == Vector3f(values[base], values[base + 1], values[base + 2]))
        }
    }

    @Test("constant textures return their value everywhere and expose it as 'value'", arguments: Variant.allCases)
    func constant(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            let texture = ConstantTexture(Vector3f(0.1, 0.2, 0.3))
            let uv = Point2Array([SIMD2(0, 0), SIMD2(0.7, -3), SIMD2(5, 5)])
            let values = texture.eval(uv, active: BoolArray([true, true, false])).values
            #expect(values == [Vector3f(0.1, 0.2, 0.3), Vector3f(0.1, 0.2, 0.3), .zero])
            #expect(texture.parameters.map(\.key) == ["value"] && texture.value.shape == [3])
            texture.value.value = FloatArray([1, 2, 3])
            let all = texture.eval(uv, active: true)
            #expect(all.x.values.first == 1 && all.z.values.first == 3)
            #expect(ConstantTexture(gray: 0.5).value.value.values == [0.5, 0.5, 0.5])
        }
    }
}

@Suite("Emitter plugins")
struct EmitterPluginTests {
    @Test("constant emitter: radiance everywhere, uniform sphere sampling, weight radiance·4π, far targets",
          arguments: Variant.allCases)
    func constantEmitter(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            let emitter = ConstantEmitter(radiance: Vector3f(1, 2, 0.5))
            #expect(ConstantEmitter().radiance.rgb == .one)
            var random = SplitMix64(seed: 41)
            let points = (0..<64).map { i in i % 2 == 0 ? random.point(extent: 0.5) : random.point(extent: 10) }
            let samples = (0..<64).map { _ in SIMD2(random.nextUnitFloat(), random.nextUnitFloat()) }
            let center = Vector3f(0.1, 0, -0.5), radius: Float = 2
            let (result, weights) = emitter.sampleDirection(from: Vector3Array(points), sample: Point2Array(samples),
                                                            bounds: EmitterSceneBounds(center: center, radius: radius),
                                                            active: true)
            let directions = result.d.values, targets = result.p.values
            let pdf = result.pdf.values, weight = weights.values
            let expectedDirections = squareToUniformSphere(Point2Array(samples)).values
            let fourPi = Float(4 * Double.pi)
            for i in points.indices {
                #expect(directions[i] == expectedDirections[i])
                #expect(abs(directions[i].length - 1) < 1e-5)
                #expect(pluginClose(pdf[i], 1 / fourPi, 1e-6))
                #expect(pluginClose(weight[i], Vector3f(1, 2, 0.5) * fourPi, 1e-6))
                let reach = 2 * Swift.max(radius, (points[i] - center).length)
                #expect(pluginClose(targets[i], points[i] + directions[i] * reach, 1e-5))
            }
            let si = PluginFixtures.interaction(wi: Array(repeating: Vector3f(0, 0, 1), count: 64))
            let escaped = emitter.eval(si, direction: result.d, active: BoolArray(repeating: true, count: 64)).values
            #expect(escaped.count == 64 && escaped.allSatisfy { $0 == Vector3f(1, 2, 0.5) })
            let density = emitter.pdfDirection(from: Vector3Array(points), result,
                                               active: BoolArray(repeating: true, count: 64)).values
            #expect(density.count == 64 && density.allSatisfy { pluginClose($0, 1 / fourPi, 1e-6) })
            #expect(emitter.parameters.map(\.key) == ["radiance.value"])
        }
    }

    @Test("envmap: sampled pdf equals pdfDirection, E[1/pdf] = 4π, weight = radiance / pdf", arguments: Variant.allCases)
    func environmentMapSampling(variant: Variant) throws {
        try TraceContext.with(CompileOptions(variant: variant)) {
            // 8 x 4 texels: a bright column and a dim rest.
            var texels = [Float](repeating: 0.1, count: 8 * 4 * 3)
            for row in 0..<4 { for k in 0..<3 { texels[3 * (row * 8 + 5) + k] = 4 } }
            let emitter = try EnvironmentMapEmitter(texels: texels, width: 8, height: 4, scale: 2,
                                                    toWorld: .rotate(axis: Vector3f(0, 1, 0), angleDegrees: 30))
            let count = 4096
            var random = SplitMix64(seed: 7)
            let samples = (0..<count).map { _ in SIMD2(random.nextUnitFloat(), random.nextUnitFloat()) }
            let origin = Vector3Array(repeating: .zero, count: count)
            let all = BoolArray(repeating: true, count: count)
            let (sample, weight) = emitter.sampleDirection(from: origin, sample: Point2Array(samples),
                                                           bounds: EmitterSceneBounds(center: .zero, radius: 1), active: all)
            let pdf = sample.pdf.values
            let again = emitter.pdfDirection(from: origin, sample, active: all).values
            let radiance = emitter.evalDirection(from: origin, sample, active: all).values
            let weights = weight.values
            var inverseSum = 0.0
            for i in 0..<count {
                #expect(abs(pdf[i] - again[i]) <= 2e-3 * pdf[i], "sample \(i): \(pdf[i]) vs \(again[i])")
                #expect(pluginClose(weights[i], radiance[i] / pdf[i], 1e-4))
                inverseSum += 1 / Double(pdf[i])
            }
            let solidAngle = inverseSum / Double(count)
            #expect(abs(solidAngle - 4 * Double.pi) < 0.05 * 4 * Double.pi, "E[1/pdf] = \(solidAngle)")
            #expect(emitter.parameters.map(\.key) == ["scale", "data", "to_world"])
        }
    }

    @Test("envmap reads Radiance HDR files: the texels are the file's linear values")
    func environmentMapFromHDR() throws {
        let directory = try ImageTestDirectory()
        let texels: [Float] = (0..<(4 * 2 * 3)).map { Float($0 % 5) * 0.5 + 0.25 }
        try Bitmap(width: 4, height: 2, channelCount: 3, pixels: texels).write(to: directory.file("sky.hdr"))
        let document = try PluginFixtures.document("""
            <emitter type="envmap" id="sky"><string name="filename" value="sky.hdr"/><float name="scale" value="2"/></emitter>
            """, in: directory)
        let emitter = try #require(try PluginFactory.makeEmitter(document.plugins[0], document: document)
            as? EnvironmentMapEmitter)
        #expect(emitter.width == 4 && emitter.height == 2)
        // RGBE keeps 8 bits of mantissa per channel.
        #expect(zip(emitter.data.value.values, texels).allSatisfy { abs($0 - $1) <= 0.01 * $1 })
        #expect(emitter.scale.value.values == [2])
    }

    @Test("envmap sampling fits its pdf over the sphere (chi-square), with a to_world rotation", arguments: [Variant.llvm])
    func environmentMapChiSquare(variant: Variant) throws {
        try TraceContext.with(CompileOptions(variant: variant)) {
            // A 16 x 8 image: a gradient in u, a bright patch and a black row, so the density is far from uniform.
            var texels = [Float](repeating: 0, count: 16 * 8 * 3)
            for row in 0..<8 {
                for column in 0..<16 {
                    let value: Float = row == 6 ? 0 : (row == 2 && column == 11 ? 20 : 0.2 + 0.1 * Float(column))
                    for k in 0..<3 { texels[3 * (row * 16 + column) + k] = value * Float(k + 1) }
                }
            }
            let emitter = try EnvironmentMapEmitter(texels: texels, width: 16, height: 8,
                                                    toWorld: .rotate(axis: Vector3f(1, 1, 0).normalized, angleDegrees: 35))
            let count = 80_000
            var random = SplitMix64(seed: 99)
            let samples = (0..<count).map { _ in SIMD2(random.nextUnitFloat(), random.nextUnitFloat()) }
            let origin = Vector3Array(repeating: .zero, count: count)
            let (sample, _) = emitter.sampleDirection(from: origin, sample: Point2Array(samples),
                                                      bounds: EmitterSceneBounds(center: .zero, radius: 1),
                                                      active: BoolArray(repeating: true, count: count))
            let directions = sample.d.values
            let test = DirectionalChiSquare(axis: Vector3f(0, 1, 0), zMin: -1, zBins: 16, phiBins: 32, resolution: 6)
            let result = test.run(samples: directions) { batch in
                let d = Vector3Array(batch)
                let target = EmitterSample(p: d, n: -d, d: d, dist: FloatArray(repeating: 1, count: batch.count),
                                           pdf: FloatArray(repeating: 0, count: batch.count),
                                           isDelta: BoolArray(repeating: false, count: batch.count))
                return emitter.pdfDirection(from: Vector3Array(repeating: .zero, count: batch.count), target,
                                            active: BoolArray(repeating: true, count: batch.count)).values.map(Double.init)
            }
            #expect(result.pValue > 0.01, "\(result)")
            #expect(abs(result.integral - 1) < 0.02, "\(result)")
            // A negative control: the same samples do not fit a uniform density.
            let uniform = test.run(samples: directions) { batch in batch.map { _ in 1 / (4 * Double.pi) } }
            #expect(uniform.pValue < 1e-6, "\(uniform)")
        }
    }
}
