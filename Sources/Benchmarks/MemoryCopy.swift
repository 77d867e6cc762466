// The memory bandwidth yardstick: a plain multithreaded copy between two large buffers.
import Foundation

enum MemoryCopy {
    /// Best time to copy `bytes` bytes (so 2 x bytes move) split evenly over `threads` threads.
    static func bestTime(bytes: Int, threads: Int) -> Double {
        let source = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        let destination = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        defer {
            source.deallocate()
            destination.deallocate()
        }
        memset(source, 1, bytes)
        memset(destination, 0, bytes)
        let chunk = (bytes / threads + 63) / 64 * 64
        return Benchmarks.bestTime {
            DispatchQueue.concurrentPerform(iterations: threads) { t in
                let start = t * chunk
                let length = max(0, min(bytes, start + chunk) - start)
                if length > 0 { memcpy(destination + start, source + start, length) }
            }
        }
    }
}
