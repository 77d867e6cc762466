// Progress of a render on standard error: a bar redrawn in place on a terminal, or, for farm logs (standard error
// not a terminal), a plain line every few seconds with the percentage, samples per second and time left.
import Foundation
import Tracer

/// Progress by bounces of a wavefront pass, and within long kernel launches (a symbolic path loop is one launch)
/// by the blocks done. Thread-safe: launches report from worker threads.
final class ProgressLine: @unchecked Sendable {
    private let label: String
    private let terminal = isatty(STDERR_FILENO) != 0
    /// The samples the whole job traces (for samples per second), 0 when unknown.
    private let samples: Int
    /// Seconds between plain lines.
    private let interval: Double
    private let clock = ContinuousClock()
    private let start: ContinuousClock.Instant
    private var lastLine: ContinuousClock.Instant
    private let lock = NSLock()
    /// The context whose launches report here, until `finish`.
    private let context: TraceContext?
    /// When the current launch's first block was reported.
    private var launchStart: ContinuousClock.Instant?

    /// Progress of `label`, tracing `samples` samples in all; plain lines at most every `interval` seconds. With a
    /// `context`, its long launches report their blocks too.
    init(_ label: String, samples: Int = 0, interval: Double = 5, context: TraceContext? = nil) {
        self.label = label
        self.samples = samples
        self.interval = interval
        self.context = context
        start = clock.now
        lastLine = start
        context?.launchProgress = { [weak self] done, total, lanes in self?.launch(done: done, total: total, lanes: lanes) }
    }

    /// Reports `done` of `total` blocks of a launch of `lanes` lanes (launches under a million lanes are not shown).
    private func launch(done: Int, total: Int, lanes: Int) {
        guard lanes >= 1 << 20 else { return }
        lock.withLock {
            let now = clock.now
            if done == 1 || launchStart == nil { launchStart = now }
            let fraction = Double(done) / Double(max(total, 1))
            if terminal {
                let text = String(format: "\r%@ [kernel of %d lanes: %3.0f%%]\u{1B}[K", label, lanes, fraction * 100)
                FileHandle.standardError.write(Data(text.utf8))
                return
            }
            guard (now - lastLine).seconds >= interval else { return }
            lastLine = now
            let elapsed = max((now - (launchStart ?? now)).seconds, 1e-9)
            var text = String(format: "%@: kernel of %d lanes %3.0f%%, %.2f Mlanes/s", label, lanes, fraction * 100,
                              Double(lanes) * fraction / elapsed / 1e6)
            if fraction < 1 { text += String(format: ", ETA %.0f s", elapsed * (1 - fraction) / max(fraction, 1e-9)) }
            FileHandle.standardError.write(Data((text + "\n").utf8))
        }
    }

    /// Reports `done` of `total` bounces of the current pass (total -1: unlimited).
    func update(done: Int, total: Int) {
        lock.withLock { updateLocked(done: done, total: total) }
    }

    private func updateLocked(done: Int, total: Int) {
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

    /// Stops listening to launches and clears the terminal line.
    func finish() {
        context?.launchProgress = nil
        guard terminal else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}
