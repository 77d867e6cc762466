// Progress of a render on standard error: a bar redrawn in place on a terminal, or, for farm logs (standard error
// not a terminal), a plain line every few seconds with the percentage, samples per second and time left.
import Foundation

/// Progress by bounces of a wavefront pass.
final class ProgressLine {
    private let label: String
    private let terminal = isatty(STDERR_FILENO) != 0
    /// The samples the whole job traces (for samples per second), 0 when unknown.
    private let samples: Int
    /// Seconds between plain lines.
    private let interval: Double
    private let clock = ContinuousClock()
    private let start: ContinuousClock.Instant
    private var lastLine: ContinuousClock.Instant

    /// Progress of `label`, tracing `samples` samples in all; plain lines at most every `interval` seconds.
    init(_ label: String, samples: Int = 0, interval: Double = 5) {
        self.label = label
        self.samples = samples
        self.interval = interval
        start = clock.now
        lastLine = start
    }

    /// Reports `done` of `total` bounces of the current pass (total -1: unlimited).
    func update(done: Int, total: Int) {
        let fraction = total > 0 ? min(1, Double(done) / Double(total)) : 0
        if terminal {
            let width = 20
            let filled = Int(fraction * Double(width))
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            let text = "\r\(label) [\(bar)] bounce \(done)\(total > 0 ? "/\(total)" : "")"
            FileHandle.standardError.write(Data(text.utf8))
            return
        }
        let now = clock.now
        guard (now - lastLine).seconds >= interval else { return }
        lastLine = now
        let elapsed = max((now - start).seconds, 1e-9)
        var text = String(format: "%@: %3.0f%% (bounce %d%@), %.1f s", label, fraction * 100, done,
                          total > 0 ? "/\(total)" : "", elapsed)
        if samples > 0 && fraction > 0 {
            text += String(format: ", %.2f Msamples/s", Double(samples) * fraction / elapsed / 1e6)
        }
        if fraction > 0 && fraction < 1 { text += String(format: ", ETA %.0f s", elapsed * (1 - fraction) / fraction) }
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    /// Clears the terminal line.
    func finish() {
        guard terminal else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}
