// The lane mask widening pass: no mask phi, crossing or mask logic is left on <8 x i1>; the code computes the same.
import CLLVM
import Testing
@testable import Tracer

@Suite("Lane mask widening")
struct LaneMaskWideningTests {
    /// A loop whose state is a mask (a phi of `<8 x i1>`), a mask used two blocks after it is made, a constant
    /// mask entering a phi, and in-block logic on masks (an `xor`, a `select` between masks): out[0..<8] = the values
    /// where the final mask is set, out[8..<16] = (first mask and final mask) as 0/1.
    static let source = """
        define void @mask_walk(float* %values, float* %out, i32 %rounds) {
        entry:
          %vp = bitcast float* %values to <8 x float>*
          %v = load <8 x float>, <8 x float>* %vp, align 4
          %below = fcmp olt <8 x float> %v, <float 0.5, float 0.5, float 0.5, float 0.5, float 0.5, float 0.5, float 0.5, float 0.5>
          %skip = icmp eq i32 %rounds, 0
          br i1 %skip, label %exit, label %loop
        loop:
          %mask = phi <8 x i1> [ %below, %entry ], [ %next, %loop ]
          %k = phi i32 [ 0, %entry ], [ %k1, %loop ]
          %shifted = shufflevector <8 x i1> %mask, <8 x i1> %below, <8 x i32> <i32 1, i32 2, i32 3, i32 4, i32 5, i32 6, i32 7, i32 8>
          %next = xor <8 x i1> %shifted, %below
          %k1 = add i32 %k, 1
          %done = icmp sge i32 %k1, %rounds
          br i1 %done, label %exit, label %loop
        exit:
          %final = phi <8 x i1> [ <i1 1, i1 0, i1 1, i1 0, i1 1, i1 0, i1 1, i1 0>, %entry ], [ %next, %loop ]
          %chosen = select <8 x i1> %final, <8 x float> %v, <8 x float> zeroinitializer
          %both = select <8 x i1> %below, <8 x i1> %final, <8 x i1> zeroinitializer
          %first = uitofp <8 x i1> %both to <8 x float>
          %op = bitcast float* %out to <8 x float>*
          store <8 x float> %chosen, <8 x float>* %op, align 4
          %second = getelementptr float, float* %out, i64 8
          %sp = bitcast float* %second to <8 x float>*
          store <8 x float> %first, <8 x float>* %sp, align 4
          ret void
        }
        """

    /// What `mask_walk` computes, lane by lane.
    static func expected(_ values: [Float], rounds: Int) -> [Float] {
        let below = values.map { $0 < 0.5 }
        var mask = below
        if rounds == 0 {
            mask = (0..<8).map { $0 % 2 == 0 }
        } else {
            for _ in 0..<rounds {
                let shifted = (0..<8).map { $0 < 7 ? mask[$0 + 1] : below[0] }
                mask = (0..<8).map { shifted[$0] != below[$0] }
            }
        }
        return (0..<8).map { mask[$0] ? values[$0] : 0 } + (0..<8).map { below[$0] && mask[$0] ? 1 : 0 }
    }

    @Test("mask phis become i32 phis, crossings and mask logic use i32, and the compiled function computes the same",
          arguments: [0, 1, 2, 9])
    func maskWalk(rounds: Int) throws {
        let jit = try LLVMJIT()
        let context = LLVMContextCreate()!
        defer { LLVMContextDispose(context) }
        let buffer = Self.source.withCString { LLVMCreateMemoryBufferWithMemoryRangeCopy($0, Self.source.utf8.count, "mask_walk") }
        var module: LLVMModuleRef?
        var message: UnsafeMutablePointer<CChar>?
        // The parser takes ownership of the buffer.
        #expect(LLVMParseIRInContext(context, buffer, &module, &message) == 0, "\(takeMessage(message))")
        let parsed = try #require(module)
        defer { LLVMDisposeModule(parsed) }
        jit.configure(parsed)

        LaneMaskWidening.run(on: parsed)
        #expect(LLVMVerifyModule(parsed, LLVMReturnStatusAction, &message) == 0, "\(takeMessage(message))")
        let text = takeMessage(LLVMPrintModuleToString(parsed))
        #expect(!text.contains("phi <8 x i1>"))
        #expect(text.contains("phi <8 x i32>"))
        // Every remaining mask is used in its own block only: the exit block's select reads a compare made there.
        #expect(text.contains("icmp slt <8 x i32>"))
        // The xor and the select between masks operate on 32-bit lanes.
        #expect(!text.contains("xor <8 x i1>") && !text.contains("select <8 x i1> %below, <8 x i1>"))
        #expect(text.contains("xor <8 x i32>") && text.contains("x i32> zeroinitializer"))

        let object = try jit.emitObject(parsed)
        let address = try jit.addObject(object, defining: "mask_walk")
        typealias MaskWalk = @convention(c) (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int32) -> Void
        let function = unsafeBitCast(address, to: MaskWalk.self)
        let values: [Float] = [0.1, 0.9, 0.4, 0.6, 0.2, 0.7, 0.55, 0.3]
        var out = [Float](repeating: -1, count: 16)
        out.withUnsafeMutableBufferPointer { function(values, $0.baseAddress!, Int32(rounds)) }
        #expect(out == Self.expected(values, rounds: rounds))
    }
}
