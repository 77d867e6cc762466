// Mitsuba's stratified and multijitter samplers: draws against Mitsuba 3.9.1's, sample counts, and the XML plugin.
import Foundation
import Testing
import Tracer

@testable import Integrators

@Suite struct SamplerTests {
    static func fixture(_ name: String) -> URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/Samplers/\(name)")
    }

    struct Reference: Decodable {
        let spp: Int
        let lanes: Int
        /// Per draw, its coordinates (one list for next_1d, x and y for next_2d), one value per lane.
        let draws: [[[Float]]]
    }

    static let references: [String: Reference] = {
        let data = try! Data(contentsOf: fixture("mitsuba_draws.json"))
        return try! JSONDecoder().decode([String: Reference].self, from: data)
    }()

    /// Draws 2D, 1D, 2D, 1D, 2D per lane (seed 3, three pixels), as make_sampler_draws.py does with Mitsuba.
    private func draws(_ pattern: SamplePattern, spp: Int, lanes: Int) -> [[[Float]]] {
        var sampler = Sampler(seed: 3, laneCount: lanes, pattern: pattern, samplesPerPixel: spp)
        var result: [[[Float]]] = []
        for kind in [2, 1, 2, 1, 2] {
            if kind == 1 {
                result.append([sampler.next1D().values])
            } else {
                let p = sampler.next2D()
                result.append([p.x.values, p.y.values])
            }
        }
        return result
    }

    @Test(arguments: [
        ("stratified-16-jitter", SamplePattern.stratified(jitter: true)),
        ("stratified-9-jitter", SamplePattern.stratified(jitter: true)),
        ("multijitter-12-jitter", SamplePattern.multijitter(jitter: true)),
        ("multijitter-16-centred", SamplePattern.multijitter(jitter: false)),
        ("ldsampler-16-ld", SamplePattern.lowDiscrepancy),
        ("ldsampler-10-ld", SamplePattern.lowDiscrepancy),
        ("orthogonal-25-jitter", SamplePattern.orthogonal(jitter: true, strength: 2)),
        ("orthogonal-10-centred", SamplePattern.orthogonal(jitter: false, strength: 2)),
        ("orthogonal3-9-jitter", SamplePattern.orthogonal(jitter: true, strength: 3)),
    ])
    func drawsAreMitsubas(_ name: String, _ pattern: SamplePattern) throws {
        let reference = try #require(Self.references[name])
        let ours = draws(pattern, spp: reference.spp, lanes: reference.lanes)
        for (draw, (mine, theirs)) in zip(ours, reference.draws).enumerated() {
            for (axis, (a, b)) in zip(mine, theirs).enumerated() {
                let worst = zip(a, b).map { abs($0 - $1) }.max() ?? 0
                #expect(a.count == b.count && worst <= 1e-7, "\(name): draw \(draw) axis \(axis) differs by \(worst)")
            }
        }
    }

    @Test func eachDimensionStratifiesAPixelsSamples() {
        // Stratified, 16 samples: every 2D draw puts one sample of each pixel in each cell of a 4 x 4 grid, every
        // 1D draw one in each sixteenth.
        let spp = 16, lanes = 16 * 5
        var sampler = Sampler(seed: 11, laneCount: lanes, pattern: .stratified(jitter: true), samplesPerPixel: spp)
        for _ in 0..<3 {
            let p = sampler.next2D()
            let x = p.x.values, y = p.y.values
            let line = sampler.next1D().values
            for pixel in 0..<5 {
                let samples = pixel * spp..<(pixel + 1) * spp
                #expect(Set(samples.map { Int(x[$0] * 4) + 4 * Int(y[$0] * 4) }).count == spp)
                #expect(Set(samples.map { Int(line[$0] * 16) }).count == spp)
            }
        }
    }

    @Test func lowDiscrepancyPointsStratifyElementaryIntervals() {
        // 16 points of a (0, 2)-sequence in base 2: one in each 1/16 of a line, one per cell of a 4 x 4 grid.
        let spp = 16, lanes = 16 * 3
        var sampler = Sampler(seed: 2, laneCount: lanes, pattern: .lowDiscrepancy, samplesPerPixel: spp)
        for _ in 0..<3 {
            let p = sampler.next2D()
            let x = p.x.values, y = p.y.values
            for pixel in 0..<3 {
                let samples = pixel * spp..<(pixel + 1) * spp
                #expect(Set(samples.map { Int(x[$0] * 4) + 4 * Int(y[$0] * 4) }).count == spp)
                #expect(Set(samples.map { Int(x[$0] * 16) }).count == spp)
            }
        }
    }

    @Test func orthogonalArraysStratifyEveryPairOfDimensions() {
        // 25 samples, strength 2: any two dimensions put one sample of a pixel in each cell of a 5 x 5 grid.
        let spp = 25, lanes = 25 * 3
        var sampler = Sampler(seed: 5, laneCount: lanes, pattern: .orthogonal(jitter: true, strength: 2),
                              samplesPerPixel: spp)
        let dimensions = (0..<4).map { _ in sampler.next1D().values }
        for pixel in 0..<3 {
            let samples = pixel * spp..<(pixel + 1) * spp
            for a in 0..<4 {
                for b in (a + 1)..<4 {
                    let cells = Set(samples.map { Int(dimensions[a][$0] * 5) + 5 * Int(dimensions[b][$0] * 5) })
                    #expect(cells.count == spp, "dimensions \(a) and \(b) of pixel \(pixel)")
                }
            }
        }
    }

    @Test func sampleCountsSettleAsMitsubas() {
        #expect(SamplePattern.orthogonal(jitter: true, strength: 2).sampleCount(forRequested: 16) == 25)
        #expect(SamplePattern.orthogonal(jitter: true, strength: 2).sampleCount(forRequested: 4) == 4)
        #expect(SamplePattern.orthogonal(jitter: true, strength: 2).sampleCount(forRequested: 26) == 49)
        #expect(SamplePattern.stratified(jitter: true).sampleCount(forRequested: 5) == 9)
        #expect(SamplePattern.stratified(jitter: true).sampleCount(forRequested: 16) == 16)
        #expect(SamplePattern.multijitter(jitter: true).sampleCount(forRequested: 10) == 12)
        #expect(SamplePattern.multijitter(jitter: true).sampleCount(forRequested: 7) == 8)
        #expect(SamplePattern.independent.sampleCount(forRequested: 7) == 7)
        #expect(SamplePattern.lowDiscrepancy.sampleCount(forRequested: 1) == 4)
        #expect(SamplePattern.lowDiscrepancy.sampleCount(forRequested: 17) == 64)
    }

    @Test func xmlSamplersAndTheirCounts() throws {
        let dir = try ImageTestDirectory()
        func sensor(_ sampler: String) throws -> Sensor {
            let url = dir.file("scene.xml")
            try """
                <scene version="3.0.0"><sensor type="perspective">\(sampler)</sensor></scene>
                """.write(to: url, atomically: true, encoding: .utf8)
            return try Scene(contentsOf: url).sensor
        }
        let stratified = try sensor(#"<sampler type="stratified"><integer name="sample_count" value="10"/></sampler>"#)
        #expect(stratified.samplePattern == .stratified(jitter: true) && stratified.sampleCount == 16)
        let centred = try sensor(#"<sampler type="multijitter"><boolean name="jitter" value="false"/></sampler>"#)
        #expect(centred.samplePattern == .multijitter(jitter: false) && centred.sampleCount == 4)
        #expect(throws: SceneError.self) {
            _ = try sensor(#"<sampler type="independent"><boolean name="jitter" value="false"/></sampler>"#)
        }
        let lowDiscrepancy = try sensor(#"<sampler type="ldsampler"><integer name="sample_count" value="20"/></sampler>"#)
        #expect(lowDiscrepancy.samplePattern == .lowDiscrepancy && lowDiscrepancy.sampleCount == 64)
        let orthogonal = try sensor(#"<sampler type="orthogonal"><integer name="sample_count" value="16"/></sampler>"#)
        #expect(orthogonal.samplePattern == .orthogonal(jitter: true, strength: 2) && orthogonal.sampleCount == 25)
        let strong = try sensor(#"<sampler type="orthogonal"><integer name="strength" value="3"/><boolean name="jitter" value="false"/></sampler>"#)
        #expect(strong.samplePattern == .orthogonal(jitter: false, strength: 3) && strong.sampleCount == 4)
        #expect {
            _ = try sensor(#"<sampler type="orthogonal"><integer name="strength" value="9"/><integer name="sample_count" value="1000"/></sampler>"#)
        } throws: { "\($0)".contains("more than 2^32 rows") }
        #expect {
            _ = try sensor(#"<sampler type="sobol"/>"#)
        } throws: { error in
            "\(error)".contains("unknown sampler plugin 'sobol' (supported: independent, stratified, multijitter, "
                + "ldsampler, orthogonal)")
        }
    }

    @Test func stratifiedRendersAgreeAcrossLoopModesAndShards() throws {
        // The strata follow the lanes through the symbolic loop, the wavefront (with its compaction) and shards.
        let dir = try ImageTestDirectory()
        let url = dir.file("scene.xml")
        try """
            <scene version="3.0.0">
                <integrator type="path"><integer name="max_depth" value="4"/></integrator>
                <sensor type="perspective">
                    <transform name="to_world"><lookat origin="0, 0, 4" target="0, 0, 0" up="0, 1, 0"/></transform>
                    <film type="hdrfilm"><integer name="width" value="12"/><integer name="height" value="10"/></film>
                    <sampler type="multijitter"><integer name="sample_count" value="6"/></sampler>
                </sensor>
                <emitter type="constant"><rgb name="radiance" value="0.5, 0.6, 0.7"/></emitter>
                <shape type="sphere"><bsdf type="diffuse"/></shape>
                <shape type="rectangle"><transform name="to_world"><translate z="-1"/><scale value="3"/></transform>
                    <bsdf type="roughconductor"/></shape>
            </scene>
            """.write(to: url, atomically: true, encoding: .utf8)
        var scene = try Scene(contentsOf: url)
        #expect(scene.sensor.sampleCount == 6)
        scene.integrator.pathLoop = .symbolic
        let symbolic = scene.render(samplesPerPixel: 6, seed: 5).values
        scene.integrator.pathLoop = .wavefront
        let wavefront = scene.render(samplesPerPixel: 6, seed: 5).values
        #expect(symbolic == wavefront)
        let film = scene.sensor.film
        let shards = (0..<3).flatMap { index in
            scene.filmSums(samplesPerPixel: 6, seed: 5, samples: Scene.shardSamples(index: index, of: 3, samplesPerPixel: 6))
        }
        let merged = try film.image(of: film.combine(Dictionary(uniqueKeysWithValues: shards.map { ($0.segment, $0.sums) }),
                                                     samples: 6)).values
        #expect(merged == symbolic)
        // And the strata matter: the independent sampler gives another image.
        scene.sensor.samplePattern = .independent
        #expect(scene.render(samplesPerPixel: 6, seed: 5).values != symbolic)
    }
}
