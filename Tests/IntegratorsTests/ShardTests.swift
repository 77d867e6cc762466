// Sharded renders: the film sums of any split of the samples merge into the single render's image bit for bit.
import Foundation
import Testing
import Tracer

@testable import Integrators
import Tutorial

@Suite("Shards")
struct ShardTests {
    /// The tutorial scene on a small non-square film (the filter's footprint crosses borders and rows).
    static func scene(filter: ReconstructionFilter = .standard) throws -> Scene {
        var scene = try TutorialScene.make(resolution: 12, texture: nil)
        scene.sensor.film = Film(width: 13, height: 9, filter: filter)
        return scene
    }

    /// The image merged from shards 0..<count of a render.
    static func merged(_ scene: Scene, spp: Int, seed: UInt32, shards count: Int) throws -> [Float] {
        var segments: [SampleSegment: FilmSums] = [:]
        for index in 0..<count {
            let samples = Scene.shardSamples(index: index, of: count, samplesPerPixel: spp)
            for (segment, sums) in scene.filmSums(samplesPerPixel: spp, seed: seed, samples: samples) {
                #expect(segments[segment] == nil)
                // Through host memory, as a merge of files does.
                segments[segment] = FilmSums(channels: sums.channels.map { FloatArray($0.values) })
            }
        }
        return try scene.sensor.film.image(of: scene.sensor.film.combine(segments, samples: spp)).values
    }

    @Test("every split into N shards, N from 1 to spp, merges into the single render bit for bit",
          arguments: [1, 5, 8])
    func mergeEqualsSingleRender(spp: Int) throws {
        try TraceContext.with(CompileOptions(variant: .llvm)) {
            let scene = try Self.scene()
            let single = scene.render(samplesPerPixel: spp, seed: 7).values
            for count in 1...spp {
                let merged = try Self.merged(scene, spp: spp, seed: 7, shards: count)
                #expect(merged.map(\.bitPattern) == single.map(\.bitPattern), "\(count) shards of \(spp)")
            }
        }
    }

    @Test("blocks of samples summed by the splats' kernel (blockTreeSum) merge with shards summed sample by sample",
          arguments: [(Variant.llvm, nil, 32, [2, 3, 5, 32]), (.llvm, 8, 24, [3, 4, 7]), (.llvm, nil, 12, [2, 3, 5]),
                      (.scalar, nil, 16, [3])] as [(Variant, Int?, Int, [Int])])
    func blockSegments(variant: Variant, width: Int?, spp: Int, counts: [Int]) throws {
        try TraceContext.with(CompileOptions(variant: variant, vectorWidth: width)) {
            let scene = try Self.scene()
            // The single render sums blocks of 4 to W samples in the splats' kernel; so do shards of 6 or 8
            // samples (blocks of 2 or 8), while shards of 3, 5 or 7 add every sample.
            let single = scene.render(samplesPerPixel: spp, seed: 3).values
            for count in counts {
                let merged = try Self.merged(scene, spp: spp, seed: 3, shards: count)
                let differing = zip(merged, single).filter { $0.bitPattern != $1.bitPattern }.count
                #expect(merged.count == single.count && differing == 0,
                        "\(count) shards of \(spp), \(variant): \(differing) of \(single.count) values differ")
            }
        }
    }

    @Test("the box filter and the scalar backend merge exactly too")
    func boxAndScalar() throws {
        try TraceContext.with(CompileOptions(variant: .llvm)) {
            let scene = try Self.scene(filter: .box)
            let single = scene.render(samplesPerPixel: 6, seed: 1).values
            #expect(try Self.merged(scene, spp: 6, seed: 1, shards: 4).map(\.bitPattern) == single.map(\.bitPattern))
        }
        try TraceContext.with(CompileOptions(variant: .scalar)) {
            let scene = try Self.scene()
            let single = scene.render(samplesPerPixel: 3, seed: 2).values
            #expect(try Self.merged(scene, spp: 3, seed: 2, shards: 2).map(\.bitPattern) == single.map(\.bitPattern))
        }
    }

    @Test("segments: the cover of a range, the root, and a missing shard named")
    func segments() throws {
        #expect(SampleSegment.cover(0..<6) == [SampleSegment(start: 0, level: 2), SampleSegment(start: 4, level: 1)])
        #expect(SampleSegment.cover(3..<9).map(\.description) == ["[3, 4)", "[4, 8)", "[8, 9)"])
        #expect(SampleSegment.root(samples: 5) == SampleSegment(start: 0, level: 3))
        #expect(SampleSegment.root(samples: 1) == SampleSegment(start: 0, level: 0))
        #expect(Scene.shardSamples(index: 2, of: 3, samplesPerPixel: 8) == 5..<8)
        try TraceContext.with(CompileOptions(variant: .llvm)) {
            let scene = try Self.scene()
            let film = scene.sensor.film
            var segments: [SampleSegment: FilmSums] = [:]
            for (segment, sums) in scene.filmSums(samplesPerPixel: 4, seed: 0, samples: 0..<2) { segments[segment] = sums }
            #expect(throws: RenderError.self) { try film.combine(segments, samples: 4) }
        }
    }
}
