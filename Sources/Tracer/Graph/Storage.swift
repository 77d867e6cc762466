// Evaluated data: a 64-byte aligned buffer padded to whole vectors, shared by the nodes that hold it.
import Foundation
import Synchronization

/// The memory of an evaluated array.
///
/// Buffers are 64-byte aligned and padded to a multiple of `Storage.padding` elements with zeros, so kernels can
/// load and store whole vectors past the last element without masks.
package final class Storage: @unchecked Sendable {
    /// Elements are padded to a multiple of this count (the widest supported vector).
    package static let padding = 16

    /// The first element.
    package let pointer: UnsafeMutableRawPointer
    /// The number of elements (without padding).
    package let count: Int
    /// The element type.
    package let type: ScalarType
    /// The number of elements allocated (a multiple of `padding`, at least `padding`).
    package let capacity: Int
    /// When the storage was made, in the order of all storages made by this process (from 1): a frozen kernel
    /// captured during a render tells the buffers that render made (serials after `Storage.lastSerial` at its start)
    /// from the scene's own.
    package let serial: UInt64

    private static let serials = Atomic<UInt64>(0)

    /// The serial of the newest storage made so far.
    package static var lastSerial: UInt64 { serials.load(ordering: .relaxed) }

    /// Allocates zero-filled storage for `count` elements.
    package convenience init(count: Int, type: ScalarType) {
        self.init(uninitializedCount: count, type: type)
        fill(0)
    }

    /// Allocates storage for `count` elements whose contents the caller will write (only the padding is zeroed).
    init(uninitializedCount count: Int, type: ScalarType) {
        self.count = count
        self.type = type
        capacity = max(Storage.padding, (count + Storage.padding - 1) / Storage.padding * Storage.padding)
        serial = Storage.serials.add(1, ordering: .relaxed).newValue
        pointer = StoragePool.shared.allocate(byteCount: capacity * 4)
        (pointer.assumingMemoryBound(to: UInt32.self) + count).initialize(repeating: 0, count: capacity - count)
    }

    /// Allocates storage holding the given bit patterns.
    package convenience init(bits: [UInt32], type: ScalarType) {
        self.init(uninitializedCount: bits.count, type: type)
        bits.withUnsafeBufferPointer { source in
            if let base = source.baseAddress { words.update(from: base, count: bits.count) }
        }
    }

    /// Allocates storage with every element set to `bits`.
    package convenience init(repeating bits: UInt32, count: Int, type: ScalarType) {
        self.init(uninitializedCount: count, type: type)
        fill(bits)
    }

    /// Sets every element to `bits`: `memset` when the word's four bytes are equal (0, all ones), whole-vector
    /// stores otherwise. Why: `update(repeating:)` stored word by word at about 5 GB/s, and a literal made writable
    /// for a scatter (a PRB replay's hit log: 7 arrays of lanes × bounces) took 3 ms of each cbox iteration.
    package func fill(_ bits: UInt32) {
        let byte = bits & 0xFF
        if bits == byte &* 0x0101_0101 {
            memset(pointer, Int32(byte), count * 4)
            return
        }
        let vector = SIMD16<UInt32>(repeating: bits)
        let whole = count / 16 * 16
        var element = 0
        while element < whole {
            pointer.storeBytes(of: vector, toByteOffset: element * 4, as: SIMD16<UInt32>.self)
            element += 16
        }
        (words + whole).update(repeating: bits, count: count - whole)
    }

    deinit {
        StoragePool.shared.release(pointer, byteCount: capacity * 4)
    }

    /// The elements as 32-bit words.
    package var words: UnsafeMutablePointer<UInt32> { pointer.assumingMemoryBound(to: UInt32.self) }

    /// A copy of the elements' bit patterns.
    package var bits: [UInt32] { Array(UnsafeBufferPointer(start: words, count: count)) }

    /// A new storage with the same contents.
    package func copy() -> Storage {
        let result = Storage(uninitializedCount: count, type: type)
        result.words.update(from: words, count: count)
        return result
    }
}
