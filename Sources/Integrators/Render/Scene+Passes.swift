// Renders that must fit in memory: an estimate of a render's peak memory, refusal of jobs that cannot fit, and
// renders split into passes over the samples (bit for bit the single render, by the film's tree of segments).
import Foundation
import RefractSupport
import Tracer

/// How much memory a render may take, and what a render of a given size needs.
public struct RenderMemory: Sendable {
    /// Bytes per sample of a primal render's wavefront (path state, sampler, radiance, film splats), measured on a
    /// 512x512 render at spp 16 and 64 (176 bytes).
    public static let primalBytesPerSample = 180
    /// Bytes per sample of a render with PRB gradients (the image's and the replay's wavefronts, the adjoint pass):
    /// measured at 512x512, spp 16 (about 600 bytes).
    public static let gradientBytesPerSample = 640
    /// Memory every render holds besides its wavefront (code, kernels, buffers kept for reuse): measured about 150 MB.
    public static let fixedBytes = 192 << 20
    /// The samples of one render are numbered by 32-bit lane indices (their random streams, as in Mitsuba).
    public static let maximumSamples = 1 << 32

    /// The limit, in bytes.
    public var limit: Int

    /// A limit of `limit` bytes.
    public init(limit: Int) { self.limit = limit }

    /// The default limit: 90% of the memory the machine has available, or of the process's cgroup limit when that
    /// is lower (a Slurm job's `--mem`, a container's `--memory`: the job is killed past it).
    public static var machineDefault: RenderMemory {
        RenderMemory(limit: Int(Double(Swift.min(availableBytes(), CgroupMemoryLimit.current() ?? .max)) * 0.9))
    }

    /// MemAvailable from /proc/meminfo (the memory the kernel can give without swapping), or physical memory.
    public static func availableBytes() -> Int {
        if let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8) {
            for line in text.split(separator: "\n") where line.hasPrefix("MemAvailable:") {
                let fields = line.split(separator: " ", omittingEmptySubsequences: true)
                if fields.count >= 2, let kilobytes = Int(fields[1]) { return kilobytes * 1024 }
            }
        }
        return Int(ProcessInfo.processInfo.physicalMemory)
    }

    /// This process's resident memory (/proc/self/statm), nil where it cannot be read: what loading a scene grew it
    /// by is its real cost (`Tool info --scene`, the scale benchmark).
    public static func residentBytes() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return nil }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// The estimated peak bytes of a wavefront of `samples` samples, each holding `extraBytesPerSample` more (a
    /// gradient render's `Scene.replayLogBytesPerSample`).
    public static func estimate(samples: Int, withGradients: Bool, extraBytesPerSample: Int = 0) -> Int {
        let (product, overflow) = samples.multipliedReportingOverflow(
            by: (withGradients ? gradientBytesPerSample : primalBytesPerSample) + extraBytesPerSample)
        return overflow ? Int.max : product.addingReportingOverflow(fixedBytes).partialValue
    }

    /// The most samples per pixel one pass of a `pixels`-pixel film may trace, after checking that the job fits:
    /// fewer than 2^32 samples in all, and at least one sample per pixel within the limit. Throws `RenderError` with
    /// the estimate and the limit otherwise. Each sample holds `extraBytesPerSample` on top of the wavefront.
    public func samplesPerPass(pixels: Int, samplesPerPixel spp: Int, withGradients: Bool,
                               extraBytesPerSample: Int = 0) throws -> Int {
        let (samples, overflow) = pixels.multipliedReportingOverflow(by: spp)
        guard !overflow, samples < Self.maximumSamples else {
            let count = overflow ? "more than 2^63" : String(samples)
            let estimate = overflow ? "" : " (it would need about "
                + Self.gibibytes(Self.estimate(samples: samples, withGradients: withGradients, extraBytesPerSample: extraBytesPerSample))
                + " at once; the memory limit is \(Self.gibibytes(limit)))"
            throw RenderError("a render of \(pixels) pixels at \(spp) spp has \(count) samples\(estimate); their random "
                              + "streams are numbered by 32-bit lane indices (as Mitsuba's), so it must have fewer than "
                              + "2^32 = \(Self.maximumSamples)")
        }
        let perSample = (withGradients ? Self.gradientBytesPerSample : Self.primalBytesPerSample) + extraBytesPerSample
        let onePass = Self.estimate(samples: pixels, withGradients: withGradients, extraBytesPerSample: extraBytesPerSample)
        guard onePass <= limit else {
            throw RenderError("a render of \(pixels) pixels needs about \(Self.gibibytes(Self.estimate(samples: samples, withGradients: withGradients, extraBytesPerSample: extraBytesPerSample))) "
                              + "(\(perSample) bytes per sample), and at least \(Self.gibibytes(onePass)) for one sample per pixel "
                              + "at a time; the memory limit is \(Self.gibibytes(limit))")
        }
        let fitting = (limit - Self.fixedBytes) / perSample / pixels
        return Swift.max(1, Swift.min(spp, fitting))
    }

    /// "12.3 GiB".
    public static func gibibytes(_ bytes: Int) -> String {
        String(format: "%.1f GiB", Double(bytes) / Double(1 << 30))
    }
}

extension Scene {
    /// The image of `render(samplesPerPixel:seed:)`, bit for bit, traced in passes of at most `samplesPerPass`
    /// samples per pixel, so that a render larger than memory can still run. No gradients. A film with alpha
    /// (`Film.hasAlpha`, pixel_format "rgba") gives (H, W, 4): the colour, then the alpha, as Mitsuba's `render`.
    public func render(samplesPerPixel spp: Int, seed: UInt32, samplesPerPass: Int,
                       progress: RenderProgress? = nil) throws -> RenderedImage {
        let spp = sensor.samplePattern.sampleCount(forRequested: spp)
        let film = sensor.film
        let sums = try film.combine(passSums(samplesPerPixel: spp, seed: seed, samples: 0..<spp,
                                             samplesPerPass: samplesPerPass, progress: progress), samples: spp)
        return RenderedImage(array: film.image(of: sums), height: film.height, width: film.width,
                             channels: sums.channels.count - 1)
    }

    /// `filmSums(samplesPerPixel:seed:samples:)`, bit for bit, traced in passes of at most `samplesPerPass`
    /// samples per pixel.
    public func filmSums(samplesPerPixel spp: Int, seed: UInt32, samples: Range<Int>, samplesPerPass: Int,
                         progress: RenderProgress? = nil) throws -> [(segment: SampleSegment, sums: FilmSums)] {
        let pieces = try passSums(samplesPerPixel: spp, seed: seed, samples: samples, samplesPerPass: samplesPerPass,
                                  progress: progress)
        return try SampleSegment.cover(samples).map { segment in
            (segment, try sensor.film.combine(pieces, into: segment, samples: spp))
        }
    }

    /// The segment sums of `samples` rendered in consecutive passes of at most `samplesPerPass` samples, each pass
    /// evaluated before the next starts.
    private func passSums(samplesPerPixel spp: Int, seed: UInt32, samples: Range<Int>, samplesPerPass: Int,
                          progress: RenderProgress?) throws -> [SampleSegment: FilmSums] {
        precondition(samplesPerPass > 0, "render: samples per pass must be positive, got \(samplesPerPass)")
        let passes = (samples.count + samplesPerPass - 1) / samplesPerPass
        var pieces: [SampleSegment: FilmSums] = [:]
        for pass in 0..<passes {
            let part = Scene.shardSamples(index: pass, of: passes, samplesPerPixel: samples.count)
            let range = (samples.lowerBound + part.lowerBound)..<(samples.lowerBound + part.upperBound)
            for (segment, sums) in filmSums(samplesPerPixel: spp, seed: seed, samples: range, progress: progress) {
                eval(sums.channels)
                pieces[segment] = sums
            }
        }
        return pieces
    }
}
