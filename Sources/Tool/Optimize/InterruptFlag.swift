// Ctrl-C handling for long runs: the first interrupt asks the loop to stop after the current iteration.
import Foundation

/// Set by SIGINT; the training loop checks it between iterations and then writes everything before exiting.
enum InterruptFlag {
    nonisolated(unsafe) static var isSet = false

    /// Installs the handler: the first Ctrl-C sets the flag, a second one exits at once.
    static func install() {
        signal(SIGINT) { _ in
            if InterruptFlag.isSet { _exit(130) }
            InterruptFlag.isSet = true
        }
    }
}
