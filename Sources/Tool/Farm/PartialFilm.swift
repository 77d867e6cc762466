// A shard's partial film: the sums of its sample segments and the job it belongs to, as an OpenEXR file that
// standard tools read (one layer per segment, channels R, G, B, (A,) W; the job in string attributes).
import ArgumentParser
import Foundation
import Integrators
import Tracer

/// What `Tool render --shard I/N` writes and `Tool merge` reads.
struct PartialFilm {
    /// The job's identity (`JobIdentity`), shared by all its shards.
    var job: String
    var shardIndex: Int
    var shardCount: Int
    var samplesPerPixel: Int
    var seed: UInt32
    var width: Int
    var height: Int
    /// Refract's version that rendered it.
    var version: String
    /// Per segment of the shard's samples, the per-pixel sums R, G, B, W, or R, G, B, A, W for a film with alpha
    /// (row-major).
    var segments: [(segment: SampleSegment, channels: [[Float]])]

    /// The channels of a segment's layer, without and with alpha.
    static func channelNames(alpha: Bool) -> [String] { alpha ? ["R", "G", "B", "A", "W"] : ["R", "G", "B", "W"] }

    /// Whether the sums carry an alpha channel.
    var hasAlpha: Bool { segments.first?.channels.count == 5 }

    /// The EXR layer name of a segment: "samples_<start>_<end>".
    static func layer(_ segment: SampleSegment) -> String { "samples_\(segment.start)_\(segment.end)" }

    /// Writes the partial film atomically as a ZIP-compressed float EXR.
    func write(to url: URL) throws {
        var channels: [EXRImage.Channel] = []
        for (segment, sums) in segments {
            for (name, values) in zip(Self.channelNames(alpha: sums.count == 5), sums) {
                channels.append(EXRImage.Channel(name: "\(Self.layer(segment)).\(name)", values: values))
            }
        }
        let attributes = ["refract.job": job, "refract.shard": "\(shardIndex)/\(shardCount)",
                          "refract.spp": String(samplesPerPixel), "refract.seed": String(seed),
                          "refract.film": "\(width)x\(height)", "refract.version": version]
        try EXRImage(width: width, height: height, channels: channels, attributes: attributes)
            .write(to: url, pixelType: .float, compression: .zip)
    }

    /// Reads a partial film, checking that it is one (its attributes) and that its layers are the segments of its
    /// shard's samples. Errors name the file and what was expected.
    init(contentsOf url: URL) throws {
        func failure(_ reason: String) -> ValidationError { ValidationError("\(url.path): \(reason)") }
        let image = try EXRImage(contentsOf: url)
        func attribute(_ name: String) throws -> String {
            guard let value = image.attributes[name] else {
                throw failure("not a partial film of Tool render --shard (no '\(name)' attribute)")
            }
            return value
        }
        job = try attribute("refract.job")
        version = try attribute("refract.version")
        let shard = try attribute("refract.shard").split(separator: "/")
        guard shard.count == 2, let index = Int(shard[0]), let count = Int(shard[1]), count >= 1,
              (0..<count).contains(index) else { throw failure("bad 'refract.shard' attribute (expected I/N)") }
        (shardIndex, shardCount) = (index, count)
        guard let spp = Int(try attribute("refract.spp")), spp >= count, let seed = UInt32(try attribute("refract.seed")) else {
            throw failure("bad 'refract.spp' or 'refract.seed' attribute")
        }
        (samplesPerPixel, self.seed) = (spp, seed)
        guard try attribute("refract.film") == "\(image.width)x\(image.height)" else {
            throw failure("'refract.film' does not match the image size \(image.width)x\(image.height)")
        }
        (width, height) = (image.width, image.height)
        let samples = Scene.shardSamples(index: index, of: count, samplesPerPixel: spp)
        let alpha = image.channels.contains { $0.name.hasSuffix(".A") }
        let names = Self.channelNames(alpha: alpha)
        segments = try SampleSegment.cover(samples).map { segment in
            let channels = try names.map { name in
                guard let values = image[channel: "\(Self.layer(segment)).\(name)"] else {
                    throw failure("no channel \(Self.layer(segment)).\(name) (samples \(samples) of shard \(index)/\(count))")
                }
                return values
            }
            return (segment, channels)
        }
        guard image.channels.count == segments.count * names.count else {
            throw failure("\(image.channels.count) channels, expected \(segments.count * names.count) for samples \(samples)")
        }
    }

    init(job: String, shardIndex: Int, shardCount: Int, samplesPerPixel: Int, seed: UInt32, width: Int, height: Int,
         version: String, segments: [(segment: SampleSegment, channels: [[Float]])]) {
        self.job = job
        self.shardIndex = shardIndex
        self.shardCount = shardCount
        self.samplesPerPixel = samplesPerPixel
        self.seed = seed
        self.width = width
        self.height = height
        self.version = version
        self.segments = segments
    }
}
