// The memory bandwidth yardstick: a plain multithreaded copy between two large buffers.
import Foundation

/// Two buffers of `bytes` bytes, touched once, for timing copies between them. Measurements that compare a kernel
/// with the copy take them alternately: this machine's bandwidth drifts by up to 2x within a minute (other tenants
/// of the host), and alternating keeps both sides in the same conditions.
final class MemoryCopy {
    let bytes: Int
    private let source: UnsafeMutableRawPointer
    private let destination: UnsafeMutableRawPointer

    init(bytes: Int) {
        self.bytes = bytes
        source = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        destination = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        memset(source, 1, bytes)
        memset(destination, 0, bytes)
    }

    deinit {
        source.deallocate()
        destination.deallocate()
    }

    /// Seconds for one copy of all bytes, split evenly over `threads` threads.
    func time(threads: Int) -> Double {
        let chunk = (bytes / threads + 63) / 64 * 64
        return Benchmarks.bestTime(repetitions: 1, warmUp: false) {
            DispatchQueue.concurrentPerform(iterations: threads) { t in
                let start = t * chunk
                let length = max(0, min(bytes, start + chunk) - start)
                if length > 0 { memcpy(destination + start, source + start, length) }
            }
        }
    }

    /// Bytes moved per second (read plus written) by the best of `repetitions` copies.
    func bandwidth(threads: Int, repetitions: Int = 3) -> Double {
        let best = (0..<repetitions).map { _ in time(threads: threads) }.min()!
        return Double(2 * bytes) / best
    }

    /// Best time to copy `bytes` bytes split over `threads` threads, with buffers of its own.
    static func bestTime(bytes: Int, threads: Int) -> Double {
        let copy = MemoryCopy(bytes: bytes)
        return (0..<6).map { _ in copy.time(threads: threads) }.min()!
    }
}
