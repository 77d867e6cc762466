// A one-line progress display on a terminal (standard error), silent when the output is not a terminal.
import Foundation

/// Shows "label [#####.....] bounce 3/6" on standard error while work runs, when it is a terminal.
final class ProgressLine {
    private let label: String
    private let enabled = isatty(STDERR_FILENO) != 0

    init(_ label: String) {
        self.label = label
    }

    /// Reports `done` of `total` bounces of the current pass.
    func update(done: Int, total: Int) {
        guard enabled else { return }
        let width = 20
        let fraction = total > 0 ? min(1, Double(done) / Double(total)) : 0
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let text = "\r\(label) [\(bar)] bounce \(done)\(total > 0 ? "/\(total)" : "")"
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// Clears the line.
    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}
