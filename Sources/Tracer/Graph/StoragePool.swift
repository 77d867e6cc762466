// Recycles freed buffers so that repeated evaluations reuse memory instead of faulting in fresh pages.
import Foundation

/// A cache of freed 64-byte aligned allocations, by size. Large allocations and anything beyond the budget are
/// returned to the system.
final class StoragePool: @unchecked Sendable {
    static let shared = StoragePool()

    /// The most bytes kept for reuse.
    let budget = 2 << 30
    /// Allocations larger than this are never kept.
    let largest = 256 << 20

    private let lock = NSLock()
    private var free: [Int: [UnsafeMutableRawPointer]] = [:]
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
            cachedBytes -= byteCount
            return pointer
        }) {
            return pointer
        }
        return UnsafeMutableRawPointer.allocate(byteCount: byteCount, alignment: 64)
    }

    /// Takes back an allocation made by `allocate` for `byteCount` bytes.
    func release(_ pointer: UnsafeMutableRawPointer, byteCount requested: Int) {
        let byteCount = sizeClass(requested)
        let kept = byteCount <= largest && lock.withLock { () -> Bool in
            guard cachedBytes + byteCount <= budget else { return false }
            free[byteCount, default: []].append(pointer)
            cachedBytes += byteCount
            return true
        }
        if !kept { pointer.deallocate() }
    }

    /// Returns every cached allocation to the system.
    func trim() {
        let pointers = lock.withLock { () -> [UnsafeMutableRawPointer] in
            defer {
                free = [:]
                cachedBytes = 0
            }
            return free.values.flatMap { $0 }
        }
        for pointer in pointers { pointer.deallocate() }
    }
}

/// Returns the buffers that evaluation keeps for reuse (up to 2 GiB) to the system, as Dr.Jit's
/// `flush_malloc_cache`: before measuring a program's own memory, or before a phase that needs the memory elsewhere.
public func flushMallocCache() {
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
