// Runs a kernel launch in blocks on worker threads, with privatised partial buffers for scatter-add.
//
// Without scatter-adds, blocks (about 16K lanes) go to whichever worker is free. With scatter-adds, the lanes are
// cut into a fixed number of contiguous chunks that depends only on the sizes, never on the thread count; each
// chunk accumulates into its own zeroed copy of every scatter-add target, one lane after another, and the copies
// are then added to the target in chunk order. The result is bitwise the same whatever the number of threads.
import Foundation
import Synchronization

enum Executor {
    /// Most chunks a scatter-add launch is cut into.
    static let maximumChunks = 16
    /// Most bytes of partial buffers one scatter-add launch may allocate.
    static let partialBufferBudget = 512 << 20

    static func run(_ kernel: CompiledKernel, _ launch: KernelLaunch, threadCount: Int, blockSize: Int,
                    progress: LaunchProgress? = nil) {
        let size = launch.size
        guard size > 0 else { return }
        let blocks = (size + blockSize - 1) / blockSize
        let counter = progress.map { _ in BlockCounter() }
        let pointers: [UnsafeMutableRawPointer?] = launch.storages.map { $0.pointer }
        let sizes: [Int64] = launch.storages.map { Int64($0.count) }
        for (slot, description) in launch.program.slots.enumerated() where description.sizedLikeLaunch {
            precondition(sizes[slot] == size, "Tracer: slot \(slot) holds \(sizes[slot]) elements, the launch has \(size) lanes")
        }
        let accumulated = launch.program.slots.indices.filter { launch.program.slots[$0].role == .scatterAddTarget }

        func runBlocks(_ range: Range<Int>, _ pointers: UnsafePointer<UnsafeMutableRawPointer?>,
                       _ sizes: UnsafePointer<Int64>) {
            for block in range {
                kernel.run(start: block * blockSize, end: min(size, (block + 1) * blockSize), block: block,
                           pointers: pointers, sizes: sizes)
                if let progress, let counter { progress(counter.increment(), blocks, size) }
            }
        }

        if accumulated.isEmpty {
            pointers.withUnsafeBufferPointer { pointers in
                sizes.withUnsafeBufferPointer { sizes in
                    parallelFor(count: blocks, threads: threadCount) { block in
                        runBlocks(block..<block + 1, pointers.baseAddress!, sizes.baseAddress!)
                    }
                }
            }
            return
        }

        // Scatter-add: a chunk count that depends on sizes only.
        let targetBytes = accumulated.reduce(0) { $0 + launch.storages[$1].capacity * 4 }
        let chunks = max(1, min(maximumChunks, blocks, partialBufferBudget / max(targetBytes, 1)))
        if chunks == 1 {
            pointers.withUnsafeBufferPointer { pointers in
                sizes.withUnsafeBufferPointer { sizes in
                    runBlocks(0..<blocks, pointers.baseAddress!, sizes.baseAddress!)
                }
            }
            return
        }
        // Each chunk zeroes its own partial buffers just before using them: in parallel, and still in cache.
        let partials: [[Storage]] = (0..<chunks).map { _ in
            accumulated.map { Storage(uninitializedCount: launch.storages[$0].count, type: launch.storages[$0].type) }
        }
        sizes.withUnsafeBufferPointer { sizes in
            parallelFor(count: chunks, threads: threadCount) { chunk in
                var chunkPointers = pointers
                for (position, slot) in accumulated.enumerated() {
                    let partial = partials[chunk][position]
                    partial.fill(0)
                    chunkPointers[slot] = partial.pointer
                }
                let range = (chunk * blocks / chunks)..<((chunk + 1) * blocks / chunks)
                chunkPointers.withUnsafeBufferPointer { runBlocks(range, $0.baseAddress!, sizes.baseAddress!) }
            }
        }
        // Add the partial buffers to each target, chunk by chunk, in parallel over elements.
        for (position, slot) in accumulated.enumerated() {
            let target = launch.storages[slot]
            let pieces = (target.count + 65535) / 65536
            parallelFor(count: pieces, threads: threadCount) { piece in
                let range = (piece * 65536)..<min(target.count, (piece + 1) * 65536)
                if target.type == .float32 {
                    let destination = target.pointer.assumingMemoryBound(to: Float.self)
                    for chunk in 0..<chunks {
                        let source = partials[chunk][position].pointer.assumingMemoryBound(to: Float.self)
                        for i in range { destination[i] += source[i] }
                    }
                } else {
                    let destination = target.words
                    for chunk in 0..<chunks {
                        let source = partials[chunk][position].words
                        for i in range { destination[i] &+= source[i] }
                    }
                }
            }
        }
    }

    /// Calls `body(i)` for i in 0..<count on up to `threads` threads (inline when one suffices).
    static func parallelFor(count: Int, threads: Int, _ body: (Int) -> Void) {
        let workers = min(threads, count)
        if workers <= 1 {
            for i in 0..<count { body(i) }
            return
        }
        let next = WorkCounter()
        withoutActuallyEscaping(body) { body in
            DispatchQueue.concurrentPerform(iterations: workers) { _ in
                while true {
                    let i = next.take()
                    if i >= count { break }
                    body(i)
                }
            }
        }
    }
}

/// A shared counter that hands out consecutive work items (an atomic increment, no lock).
private final class WorkCounter: Sendable {
    private let value = Atomic<Int>(0)

    func take() -> Int {
        value.wrappingAdd(1, ordering: .relaxed).oldValue
    }
}

/// Counts finished blocks across worker threads.
private final class BlockCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var done = 0

    /// One more block done; returns the count.
    func increment() -> Int { lock.withLock { done += 1; return done } }
}
