// `Tool merge`: the image of a sharded render from its partial films, bit for bit the single render's.
import ArgumentParser
import Foundation
import Integrators
import Tracer

struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge the partial films of `Tool render --shard I/N` into the image of the whole render.")

    @Argument(help: "The partial films (.exr), one per shard, in any order.")
    var parts: [String]

    @Option(help: "Output image: .exr, .png or .npy.")
    var output: String

    func run() throws {
        let url = URL(fileURLWithPath: output)
        _ = try ImageFormat(url: url)
        guard !parts.isEmpty else { throw ValidationError("merge: give the partial films to merge") }
        let films = try parts.map { try PartialFilm(contentsOf: URL(fileURLWithPath: $0)) }
        try Self.checkComplete(films, paths: parts)
        let first = films[0]
        var segments: [SampleSegment: FilmSums] = [:]
        try TraceContext.with(CompileOptions(variant: .llvm)) {
            for film in films {
                for (segment, channels) in film.segments {
                    segments[segment] = FilmSums(channels: channels.map { FloatArray($0) })
                }
            }
            let film = Film(width: first.width, height: first.height)
            let image = try film.image(of: film.combine(segments, samples: first.samplesPerPixel))
            try Bitmap(width: first.width, height: first.height, channelCount: first.hasAlpha ? 4 : 3,
                       pixels: image.values).write(to: url)
        }
        print("merged \(films.count) shards of \(first.width)x\(first.height) at \(first.samplesPerPixel) spp -> \(output)")
    }

    /// Refuses parts of different jobs or alpha channels, duplicate shards and missing ones, naming the files and shards.
    static func checkComplete(_ films: [PartialFilm], paths: [String]) throws {
        let first = films[0]
        for (film, path) in zip(films, paths).dropFirst() where film.job != first.job || film.version != first.version {
            throw ValidationError("merge: \(path) belongs to another job than \(paths[0]) (different scene, files, "
                                  + "-D values, seed, spp, shard count or Refract version)")
        }
        for (film, path) in zip(films, paths) where film.hasAlpha != first.hasAlpha {
            throw ValidationError("merge: \(path) and \(paths[0]) disagree on the alpha channel")
        }
        var seen: [Int: String] = [:]
        for (film, path) in zip(films, paths) {
            if let other = seen[film.shardIndex] {
                throw ValidationError("merge: shard \(film.shardIndex)/\(film.shardCount) is given twice: \(other) and \(path)")
            }
            seen[film.shardIndex] = path
        }
        let missing = (0..<first.shardCount).filter { seen[$0] == nil }
        guard missing.isEmpty else {
            throw ValidationError("merge: missing shard\(missing.count == 1 ? "" : "s") "
                                  + missing.map { "\($0)/\(first.shardCount)" }.joined(separator: ", ")
                                  + " (\(films.count) of \(first.shardCount) given)")
        }
    }
}
