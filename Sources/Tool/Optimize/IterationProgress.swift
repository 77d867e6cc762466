// The live progress line and the checkpoint cadence that both kinds of `Tool optimize` run share.
import Foundation

/// One line per iteration: a bar redrawn in place on a terminal, plain lines otherwise (logs, Slurm).
struct IterationProgress {
    let total: Int
    private let first: Int
    private let terminal = isatty(STDOUT_FILENO) != 0
    private let clock = ContinuousClock()
    private let start: ContinuousClock.Instant

    /// Progress towards `total` iterations, starting after iteration `first` (non-zero when resuming).
    init(total: Int, first: Int) {
        self.total = total
        self.first = first
        start = clock.now
    }

    /// Shows iteration `iteration` (1-based) with `details` (loss and such) and how long it took.
    func report(iteration: Int, details: String, seconds: Double) {
        let rate = Double(iteration - first) / max((clock.now - start).seconds, 1e-9)
        let eta = Double(total - iteration) / max(rate, 1e-9)
        let line = String(format: "iteration %d/%d  %@  %.2f it/s  %.3f s  ETA %.0f s", iteration, total, details,
                          rate, seconds, eta)
        if terminal {
            let width = 24
            let filled = width * iteration / total
            print("\r[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "] "
                  + line, terminator: "")
        } else {
            print(line)
        }
        fflush(stdout)
    }

    /// Ends the in-place line on a terminal.
    func finish() {
        if terminal { print("") }
    }
}

/// When to write a checkpoint besides the end of a run and Ctrl-C: every `every` iterations when asked, and
/// whenever `minutes` have passed since the last one.
struct CheckpointSchedule {
    let every: Int?
    let minutes: Double
    private let clock = ContinuousClock()
    private var lastSave: ContinuousClock.Instant

    init(every: Int?, minutes: Double) {
        self.every = every
        self.minutes = minutes
        lastSave = clock.now
    }

    /// Whether a checkpoint is due after `iteration`.
    func isDue(after iteration: Int) -> Bool {
        (every.map { iteration % $0 == 0 } ?? false) || (clock.now - lastSave).seconds >= minutes * 60
    }

    /// Notes that a checkpoint was just written.
    mutating func saved() { lastSave = clock.now }
}
