// Recycles freed buffers so that repeated evaluations reuse memory instead of faulting in fresh pages.
import Foundation
import RefractSupport

/// A cache of freed 64-byte aligned allocations, by size class. Allocations larger than `largest` are returned to
/// the system; when the budget is full, the buffers cached longest ago make room (a program that moves on to other
/// sizes, say from a large render to a small one, would otherwise find the pool full of buffers it no longer uses
/// and fault in every new array).
final class StoragePool: @unchecked Sendable {
    static let shared = StoragePool(budget: defaultBudget)

    /// The shared pool's budget: a quarter of the memory this process may use (the machine's, or its cgroup's limit
    /// when lower, as in a Slurm job), at least 256 MiB. Why so much: a render's
    /// wavefront is freed and allocated again by every render (512x512 at spp 64 peaks near 3 GB), and each buffer
    /// the pool could not keep comes back as fresh pages that the kernel must fault in and clear (measured: with
    /// 2 GiB, page clearing was 18% of the forward benchmark's samples and the wavefront path loop ran at half
    /// speed). Dr.Jit's allocation cache has no bound at all; `flushMallocCache` empties this one.
    static var defaultBudget: Int {
        let memory = Swift.min(Int(clamping: ProcessInfo.processInfo.physicalMemory), CgroupMemoryLimit.current() ?? .max)
        return Swift.max(256 << 20, memory / 4)
    }

    /// The most bytes kept for reuse.
    let budget: Int
    /// Allocations larger than this are never kept.
    let largest = 1 << 30

    /// A pool that keeps up to `budget` bytes.
    init(budget: Int = 2 << 30) {
        self.budget = budget
    }

    private let lock = NSLock()
    private var free: [Int: [UnsafeMutableRawPointer]] = [:]
    /// Cached buffers in the order they were released (oldest first, from `oldest` on); an entry whose buffer has
    /// been handed out again since is skipped when its turn comes.
    private var released: [(byteCount: Int, pointer: UnsafeMutableRawPointer)] = []
    private var oldest = 0
    /// The cached buffers and their sizes (an address may come back from the system at another size).
    private var cached: [UnsafeMutableRawPointer: Int] = [:]
    private var cachedBytes = 0

    /// The bytes currently kept for reuse.
    var cachedByteCount: Int { lock.withLock { cachedBytes } }

    /// The bytes actually allocated for a request of `byteCount` bytes. Requests that can be kept are rounded up to
    /// one of eight steps per power of two (at most 12.5% more), so that arrays whose sizes vary a little from one
    /// evaluation to the next (a compacted wavefront) reuse the same buffers instead of faulting in new pages.
    func sizeClass(_ byteCount: Int) -> Int {
        guard byteCount > 4096 && byteCount <= largest else { return byteCount }
        let step = 1 << (Int.bitWidth - byteCount.leadingZeroBitCount - 1 - 3)
        return (byteCount + step - 1) / step * step
    }

    /// An allocation of at least `byteCount` bytes, recycled when possible. The contents are undefined.
    func allocate(byteCount requested: Int) -> UnsafeMutableRawPointer {
        let byteCount = sizeClass(requested)
        if let pointer = lock.withLock({ () -> UnsafeMutableRawPointer? in
            guard let pointer = free[byteCount]?.popLast() else { return nil }
            cached[pointer] = nil
            cachedBytes -= byteCount
            return pointer
        }) {
            return pointer
        }
        return systemAllocate(byteCount)
    }

    /// Allocations of at least this many bytes start at a staggered offset within a page (`systemAllocate`).
    static let coloredMinimum = 256 << 10
    /// Page offsets of the allocations made so far, one step per colored allocation.
    private var colorCount = 0
    /// The system's pointer behind each colored allocation.
    private var colorBases: [UnsafeMutableRawPointer: UnsafeMutableRawPointer] = [:]

    /// Readable bytes every allocation has before its first byte and after its last (`slack`): a kernel's shifted
    /// vector load (`LLVMCodegen.shiftedVectorLoad`) reads a whole vector that may start up to 16 elements before
    /// a buffer or end up to 16 past it, and keeps only the lanes inside.
    static let slack = 64

    /// A fresh 64-byte aligned allocation with `slack` readable bytes on both sides. Large ones start at one of 64
    /// cache-line offsets within a page, a different one each time (17 lines apart, modulo 64). Why: the system places
    /// every large block at the same offset within its pages, so element i of all arrays falls in one set of the 8-way
    /// L1 cache (sets repeat every 4 KiB); a kernel reading the same lane of many arrays, or rows a multiple of 4 KiB
    /// apart (a film's pull reads 7 arrays at 25 offsets), then evicted its own lines before it used them again
    /// (measured: the pull's kernel at 512x512 spp 64 took 346 ms colored against 380 ms not, median of five each).
    private func systemAllocate(_ byteCount: Int) -> UnsafeMutableRawPointer {
        guard byteCount >= Self.coloredMinimum else {
            return UnsafeMutableRawPointer.allocate(byteCount: byteCount + 2 * Self.slack, alignment: 64) + Self.slack
        }
        let base = UnsafeMutableRawPointer.allocate(byteCount: byteCount + 4096 + 2 * Self.slack, alignment: 4096)
        return lock.withLock {
            let pointer = base + Self.slack + (colorCount * 17 % 64) * 64
            colorCount += 1
            colorBases[pointer] = base
            return pointer
        }
    }

    /// Returns an allocation of `systemAllocate` to the system.
    private func systemDeallocate(_ pointer: UnsafeMutableRawPointer) {
        let base = lock.withLock { colorBases.removeValue(forKey: pointer) }
        (base ?? pointer - Self.slack).deallocate()
    }

    /// Takes back an allocation made by `allocate` for `byteCount` bytes.
    func release(_ pointer: UnsafeMutableRawPointer, byteCount requested: Int) {
        let byteCount = sizeClass(requested)
        guard byteCount <= largest else {
            systemDeallocate(pointer)
            return
        }
        let evicted = lock.withLock { () -> [UnsafeMutableRawPointer] in
            var evicted: [UnsafeMutableRawPointer] = []
            while cachedBytes + byteCount > budget, let entry = popOldest() {
                let position = free[entry.byteCount]!.firstIndex(of: entry.pointer)!
                free[entry.byteCount]!.remove(at: position)
                cached[entry.pointer] = nil
                cachedBytes -= entry.byteCount
                evicted.append(entry.pointer)
            }
            free[byteCount, default: []].append(pointer)
            cached[pointer] = byteCount
            released.append((byteCount, pointer))
            cachedBytes += byteCount
            if released.count - oldest > 2 * cached.count + 4096 { dropStaleEntries() }
            return evicted
        }
        for old in evicted { systemDeallocate(old) }
    }

    /// Rebuilds the release order from the buffers still cached, each at its latest release.
    private func dropStaleEntries() {
        var seen = Set<UnsafeMutableRawPointer>()
        var kept: [(byteCount: Int, pointer: UnsafeMutableRawPointer)] = []
        for entry in released[oldest...].reversed() where cached[entry.pointer] == entry.byteCount {
            if seen.insert(entry.pointer).inserted { kept.append(entry) }
        }
        released = kept.reversed()
        oldest = 0
    }

    /// The oldest released entry whose buffer is still cached, removed from the release order.
    private func popOldest() -> (byteCount: Int, pointer: UnsafeMutableRawPointer)? {
        while oldest < released.count {
            let entry = released[oldest]
            oldest += 1
            if cached[entry.pointer] == entry.byteCount { return entry }
        }
        return nil
    }

    /// Returns every cached allocation to the system.
    func trim() {
        let pointers = lock.withLock { () -> [UnsafeMutableRawPointer] in
            defer {
                free = [:]
                released = []
                oldest = 0
                cached = [:]
                cachedBytes = 0
            }
            return free.values.flatMap { $0 }
        }
        for pointer in pointers { systemDeallocate(pointer) }
    }
}

/// Returns the buffers that evaluation keeps for reuse (up to a quarter of the process's memory) to the system, as Dr.Jit's
/// `flush_malloc_cache`: before measuring a program's own memory, or before a phase that needs the memory elsewhere.
package func flushMallocCache() {
    StoragePool.shared.trim()
    #if os(Linux)
    // glibc keeps freed heap memory below its (growing) mmap threshold in its arenas: give that back too.
    _ = glibcMallocTrim(0)
    #endif
}

#if os(Linux)
/// glibc's `malloc_trim` (declared in malloc.h, which the Glibc module does not export).
@_silgen_name("malloc_trim")
private func glibcMallocTrim(_ pad: Int) -> Int32
#endif
