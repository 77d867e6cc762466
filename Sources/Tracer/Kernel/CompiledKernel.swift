// A kernel ready to run, whichever backend compiled it.

/// A compiled kernel program. Both backends (`LLVMKernel`, `ScalarKernel`) conform.
///
/// `run` processes lanes [start, end) of one block; `start` is a multiple of the program's vector width, and every
/// slot pointer is 64-byte aligned with room for whole vectors past its last element (buffers are padded).
package protocol CompiledKernel: AnyObject, Sendable {
    /// The program this kernel was compiled from.
    var program: KernelProgram { get }
    /// Whether the kernel's loop refills its lanes (`LaneRefillPlan`), decided once when it is compiled or loaded.
    var refillsLanes: Bool { get }
    /// Runs lanes [start, end); `block` selects the element of reduction partial slots to write.
    func run(start: Int, end: Int, block: Int,
             pointers: UnsafePointer<UnsafeMutableRawPointer?>, sizes: UnsafePointer<Int64>)
}
