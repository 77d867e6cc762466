// Vector code for exp, log, sin, cos, tan, atan2 and pow: the steps of `Transcendentals` as LLVM instructions.
import CLLVM

extension LLVMCodegen {
    /// A transcendental op on vector registers, bit for bit as `ScalarSemantics`; nil for other ops.
    func emitTranscendental(_ op: Op, _ operands: [LLVMValueRef]) -> LLVMValueRef? {
        let steps = VectorSteps(codegen: self)
        let x = VectorSteps.Real(operands[0])
        let result: VectorSteps.Real
        switch op {
        case .exp: result = Transcendentals.exp(steps, x)
        case .log: result = Transcendentals.log(steps, x)
        case .sin: result = Transcendentals.sin(steps, x)
        case .cos: result = Transcendentals.cos(steps, x)
        case .tan: result = Transcendentals.tan(steps, x)
        case .atan2: result = Transcendentals.atan2(steps, x, VectorSteps.Real(operands[1]))
        case .pow: result = Transcendentals.pow(steps, x, VectorSteps.Real(operands[1]))
        default: return nil
        }
        return result.value
    }

    /// `value` passed through an empty inline assembly statement with side effects, which LLVM can neither move
    /// nor see through: what is computed from the result stays in the block that holds it. Why: LLVM hoisted the
    /// Payne–Hanek reduction of a sine (265 double-precision instructions) out of its rarely-taken block, and out of
    /// the dispatch loop around it, to where every vector ran it: 9% of the tutorial's path loop.
    /// Vectors that do not fill one of the host's vector registers (a width chosen by hand) are not pinned: the
    /// register constraint would not fit them.
    fileprivate func pinned(_ value: LLVMValueRef) -> LLVMValueRef {
        let bytes = 4 * width
        guard bytes == 16 || (bytes == 32 && HostCPU.hostVectorWidth >= 8) || (bytes == 64 && HostCPU.hostVectorWidth >= 16)
        else { return value }
        let type = LLVMTypeOf(value)!
        var parameters: [LLVMTypeRef?] = [type]
        let function = LLVMFunctionType(type, &parameters, 1, 0)!
        var code: [CChar] = [0], constraints = Array("=x,0".utf8CString)
        let identity = LLVMGetInlineAsm(function, &code, 0, &constraints, constraints.count - 1, 1, 0,
                                        LLVMInlineAsmDialectATT, 0)
        var arguments: [LLVMValueRef?] = [value]
        return LLVMBuildCall2(builder, function, identity, &arguments, 1, "")!
    }

    /// `compute(input)` in a block that runs only when some lane of `mask` is set (marked unlikely), with `input`
    /// pinned to that block; `otherwise` after vectors without such a lane.
    fileprivate func rarely(_ mask: LLVMValueRef, input: LLVMValueRef, _ compute: (LLVMValueRef) -> [LLVMValueRef],
                            otherwise: [LLVMValueRef]) -> [LLVMValueRef] {
        let laneBits = LLVMBuildBitCast(builder, mask, LLVMIntTypeInContext(context, UInt32(width)), "")!
        let any = LLVMBuildICmp(builder, LLVMIntNE, laneBits, LLVMConstNull(LLVMTypeOf(laneBits)), "")!
        let expected = intrinsic("llvm.expect", [i1], [any, LLVMConstInt(i1, 0, 0)])
        return onlyWhere(expected, "rarely", otherwise: otherwise) { compute(pinned(input)) }
    }
}

/// `TranscendentalSteps` as LLVM instructions on `<W x float>`, `<W x double>`, `<W x i32>` and `<W x i1>`: one
/// instruction per step and no fast-math flags, so the vector code rounds exactly as `FloatSteps` does.
struct VectorSteps: TranscendentalSteps {
    /// An LLVM vector value tagged with the kind of its lanes, so that the protocol's overloads stay apart.
    struct Lanes<Kind> {
        let value: LLVMValueRef
        init(_ value: LLVMValueRef) { self.value = value }
    }
    enum RealKind {}
    enum WideKind {}
    enum IntegerKind {}
    enum MaskKind {}
    typealias Real = Lanes<RealKind>
    typealias Wide = Lanes<WideKind>
    typealias Integer = Lanes<IntegerKind>
    typealias Mask = Lanes<MaskKind>

    let codegen: LLVMCodegen
    private var builder: LLVMBuilderRef { codegen.builder }
    private var realType: LLVMTypeRef { codegen.vectorType(.float32) }
    private var integerType: LLVMTypeRef { codegen.vectorType(.int32) }
    private var wideType: LLVMTypeRef {
        LLVMVectorType(LLVMDoubleTypeInContext(codegen.context), UInt32(codegen.width))
    }

    func real(_ value: Float) -> Real { Real(codegen.splat(bits: value.bitPattern, .float32)) }
    func wide(_ value: Double) -> Wide {
        Wide(codegen.splatConstant(LLVMConstReal(LLVMDoubleTypeInContext(codegen.context), value)))
    }
    func integer(_ value: Int32) -> Integer { Integer(codegen.splat(bits: UInt32(bitPattern: value), .int32)) }

    func add(_ a: Real, _ b: Real) -> Real { Real(LLVMBuildFAdd(builder, a.value, b.value, "")) }
    func sub(_ a: Real, _ b: Real) -> Real { Real(LLVMBuildFSub(builder, a.value, b.value, "")) }
    func mul(_ a: Real, _ b: Real) -> Real { Real(LLVMBuildFMul(builder, a.value, b.value, "")) }
    func div(_ a: Real, _ b: Real) -> Real { Real(LLVMBuildFDiv(builder, a.value, b.value, "")) }
    func fma(_ a: Real, _ b: Real, _ c: Real) -> Real {
        Real(codegen.intrinsic("llvm.fma", [realType], [a.value, b.value, c.value]))
    }
    func negate(_ a: Real) -> Real { Real(LLVMBuildFNeg(builder, a.value, "")) }
    func abs(_ a: Real) -> Real { Real(codegen.intrinsic("llvm.fabs", [realType], [a.value])) }
    func roundEven(_ a: Real) -> Real { Real(codegen.intrinsic("llvm.roundeven", [realType], [a.value])) }
    func truncate(_ a: Real) -> Real { Real(codegen.intrinsic("llvm.trunc", [realType], [a.value])) }
    func less(_ a: Real, _ b: Real) -> Mask { compare(LLVMRealOLT, a.value, b.value) }
    func lessEqual(_ a: Real, _ b: Real) -> Mask { compare(LLVMRealOLE, a.value, b.value) }
    func equal(_ a: Real, _ b: Real) -> Mask { compare(LLVMRealOEQ, a.value, b.value) }
    func isNaN(_ a: Real) -> Mask { compare(LLVMRealUNO, a.value, a.value) }
    func select(_ mask: Mask, _ a: Real, _ b: Real) -> Real { Real(select(mask, a.value, b.value)) }

    func bits(_ a: Real) -> Integer { Integer(LLVMBuildBitCast(builder, a.value, integerType, "")) }
    func real(bits: Integer) -> Real { Real(LLVMBuildBitCast(builder, bits.value, realType, "")) }
    // The algorithms keep these arguments integral and in range, where fptosi is exact (not poison).
    func integer(_ a: Real) -> Integer { Integer(LLVMBuildFPToSI(builder, a.value, integerType, "")) }
    func real(_ a: Integer) -> Real { Real(LLVMBuildSIToFP(builder, a.value, realType, "")) }

    func add(_ a: Integer, _ b: Integer) -> Integer { Integer(LLVMBuildAdd(builder, a.value, b.value, "")) }
    func sub(_ a: Integer, _ b: Integer) -> Integer { Integer(LLVMBuildSub(builder, a.value, b.value, "")) }
    func and(_ a: Integer, _ b: Integer) -> Integer { Integer(LLVMBuildAnd(builder, a.value, b.value, "")) }
    func or(_ a: Integer, _ b: Integer) -> Integer { Integer(LLVMBuildOr(builder, a.value, b.value, "")) }
    func xor(_ a: Integer, _ b: Integer) -> Integer { Integer(LLVMBuildXor(builder, a.value, b.value, "")) }
    func shiftLeft(_ a: Integer, _ count: Int32) -> Integer {
        Integer(LLVMBuildShl(builder, a.value, integer(count).value, ""))
    }
    func shiftRight(_ a: Integer, _ count: Int32) -> Integer {
        Integer(LLVMBuildAShr(builder, a.value, integer(count).value, ""))
    }
    func equal(_ a: Integer, _ b: Integer) -> Mask { Mask(LLVMBuildICmp(builder, LLVMIntEQ, a.value, b.value, "")) }
    func less(_ a: Integer, _ b: Integer) -> Mask { Mask(LLVMBuildICmp(builder, LLVMIntSLT, a.value, b.value, "")) }
    func select(_ mask: Mask, _ a: Integer, _ b: Integer) -> Integer { Integer(select(mask, a.value, b.value)) }

    func and(_ a: Mask, _ b: Mask) -> Mask { Mask(LLVMBuildAnd(builder, a.value, b.value, "")) }
    func or(_ a: Mask, _ b: Mask) -> Mask { Mask(LLVMBuildOr(builder, a.value, b.value, "")) }
    func xor(_ a: Mask, _ b: Mask) -> Mask { Mask(LLVMBuildXor(builder, a.value, b.value, "")) }
    func not(_ a: Mask) -> Mask { Mask(LLVMBuildNot(builder, a.value, "")) }

    func widen(_ a: Real) -> Wide { Wide(LLVMBuildFPExt(builder, a.value, wideType, "")) }
    func narrow(_ a: Wide) -> Real { Real(LLVMBuildFPTrunc(builder, a.value, realType, "")) }
    func add(_ a: Wide, _ b: Wide) -> Wide { Wide(LLVMBuildFAdd(builder, a.value, b.value, "")) }
    func sub(_ a: Wide, _ b: Wide) -> Wide { Wide(LLVMBuildFSub(builder, a.value, b.value, "")) }
    func mul(_ a: Wide, _ b: Wide) -> Wide { Wide(LLVMBuildFMul(builder, a.value, b.value, "")) }
    func div(_ a: Wide, _ b: Wide) -> Wide { Wide(LLVMBuildFDiv(builder, a.value, b.value, "")) }
    func fma(_ a: Wide, _ b: Wide, _ c: Wide) -> Wide {
        Wide(codegen.intrinsic("llvm.fma", [wideType], [a.value, b.value, c.value]))
    }
    func roundEven(_ a: Wide) -> Wide { Wide(codegen.intrinsic("llvm.roundeven", [wideType], [a.value])) }
    func less(_ a: Wide, _ b: Wide) -> Mask { compare(LLVMRealOLT, a.value, b.value) }
    func isNaN(_ a: Wide) -> Mask { compare(LLVMRealUNO, a.value, a.value) }
    func select(_ mask: Mask, _ a: Wide, _ b: Wide) -> Wide { Wide(select(mask, a.value, b.value)) }
    func integer(_ a: Wide) -> Integer { Integer(LLVMBuildFPToSI(builder, a.value, integerType, "")) }

    func rarely(_ mask: Mask, input: Real, _ compute: (Real) -> (Integer, Real, Real),
                otherwise: (Integer, Real, Real)) -> (Integer, Real, Real) {
        let values = codegen.rarely(mask.value, input: input.value, {
            let (q, hi, lo) = compute(Real($0))
            return [q.value, hi.value, lo.value]
        }, otherwise: [otherwise.0.value, otherwise.1.value, otherwise.2.value])
        return (Integer(values[0]), Real(values[1]), Real(values[2]))
    }

    private func compare(_ predicate: LLVMRealPredicate, _ a: LLVMValueRef, _ b: LLVMValueRef) -> Mask {
        Mask(LLVMBuildFCmp(builder, predicate, a, b, ""))
    }

    private func select(_ mask: Mask, _ a: LLVMValueRef, _ b: LLVMValueRef) -> LLVMValueRef {
        LLVMBuildSelect(builder, mask.value, a, b, "")
    }
}
