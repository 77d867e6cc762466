// Differential tests of the LLVM backend: hand-built kernel programs run by LLVM and by the scalar reference.
import Testing
import RefractSupport
@testable import Tracer

// MARK: - Harness

/// The initial contents of one slot and the element count passed to the kernel.
fileprivate struct SlotData {
    var slot: KernelSlot
    var words: [UInt32]
    var size: Int

    init(_ type: ScalarType, _ role: SlotRole, _ words: [UInt32], size: Int? = nil) {
        slot = KernelSlot(type: type, role: role)
        self.words = words
        self.size = size ?? words.count
    }

    /// A zeroed u64 bounds counter (two words), starting at `initial`.
    static func counter(initial: UInt64 = 0) -> SlotData {
        SlotData(.uint32, .boundsCounter, [UInt32(truncatingIfNeeded: initial), UInt32(initial >> 32)], size: 1)
    }
}

/// Slot buffers for one run: 64-byte aligned and padded with zeros well past the last whole vector.
fileprivate final class SlotMemory {
    let buffers: [UnsafeMutablePointer<UInt32>]
    let pointers: [UnsafeMutableRawPointer?]
    let sizes: [Int64]
    let lengths: [Int]

    init(_ slots: [SlotData], lanes: Int) {
        var buffers: [UnsafeMutablePointer<UInt32>] = []
        for data in slots {
            let capacity = (max(data.words.count, lanes) + 15) / 16 * 16 + 16
            let raw = UnsafeMutableRawPointer.allocate(byteCount: capacity * 4, alignment: 64)
            let words = raw.bindMemory(to: UInt32.self, capacity: capacity)
            words.initialize(repeating: 0, count: capacity)
            for (index, word) in data.words.enumerated() { words[index] = word }
            buffers.append(words)
        }
        self.buffers = buffers
        pointers = buffers.map { UnsafeMutableRawPointer($0) }
        sizes = slots.map { Int64($0.size) }
        lengths = slots.map { $0.words.count }
    }

    deinit { for buffer in buffers { buffer.deallocate() } }

    /// Every slot's words (only its elements, not the padding).
    var contents: [[UInt32]] {
        buffers.indices.map { Array(UnsafeBufferPointer(start: buffers[$0], count: lengths[$0])) }
    }

    func run(_ kernel: CompiledKernel, start: Int, end: Int, block: Int) {
        pointers.withUnsafeBufferPointer { pointers in
            sizes.withUnsafeBufferPointer { sizes in
                kernel.run(start: start, end: end, block: block,
                           pointers: pointers.baseAddress!, sizes: sizes.baseAddress!)
            }
        }
    }
}

/// Runs a program over lanes [0, lanes) with both backends, in launches of `blockLength` lanes (block b covers
/// [b * blockLength, ...)), and returns every slot's final contents from each.
fileprivate func runBoth(_ instructions: [KernelInstruction], _ slots: [SlotData], lanes: Int, width: Int,
             blockLength: Int? = nil, countsOutOfRange: Bool = false) throws -> (llvm: [[UInt32]], scalar: [[UInt32]]) {
    let program = KernelProgram(instructions: instructions, slots: slots.map(\.slot), vectorWidth: width,
                                countsOutOfRange: countsOutOfRange)
    let kernels: [CompiledKernel] = [try LLVMBackend.shared.compile(program), ScalarKernel(program: program)]
    let results = kernels.map { kernel -> [[UInt32]] in
        let memory = SlotMemory(slots, lanes: lanes)
        let length = blockLength ?? max(lanes, 1)
        for (block, start) in stride(from: 0, to: max(lanes, 1), by: length).enumerated() {
            memory.run(kernel, start: start, end: min(lanes, start + length), block: block)
        }
        return memory.contents
    }
    return (results[0], results[1])
}

/// Expects identical bits in every slot, reporting the first difference.
///
/// `anyNaN` names float slots where any NaN matches any NaN: when an addition meets two NaNs, x86 returns the first
/// operand's, and compilers may commute `fadd` (LLVM in a loop-carried accumulation, Swift -O in the scalar
/// backend), so only the NaN-ness is defined there.
fileprivate func expectSameBits(_ result: (llvm: [[UInt32]], scalar: [[UInt32]]), _ what: String,
                                anyNaN: Set<Int> = [], sourceLocation: SourceLocation = #_sourceLocation) {
    func isNaN(_ bits: UInt32) -> Bool { Float(bitPattern: bits).isNaN }
    for slot in result.scalar.indices {
        let llvm = result.llvm[slot], scalar = result.scalar[slot]
        let differs = { (i: Int) in
            llvm[i] != scalar[i] && !(anyNaN.contains(slot) && isNaN(llvm[i]) && isNaN(scalar[i]))
        }
        guard let index = llvm.indices.first(where: differs) else { continue }
        let message = "\(what): slot \(slot) element \(index): LLVM 0x\(String(llvm[index], radix: 16)), "
            + "scalar 0x\(String(scalar[index], radix: 16))"
        Issue.record(Comment(rawValue: message), sourceLocation: sourceLocation)
        return
    }
}

fileprivate func instruction(_ op: Op, _ type: ScalarType, _ operands: [Int32] = [], slot: UInt32 = 0,
                 auxiliary: UInt32 = 0) -> KernelInstruction {
    KernelInstruction(op: op, type: type, operands: operands, immediate: slot, auxiliary: auxiliary)
}

// MARK: - Inputs

fileprivate enum Inputs {
    static let floats: [Float] = [
        0, -0.0, 1, -1, 0.5, -0.5, 1.5, 2.5, -2.5, 3, .infinity, -.infinity, .nan, -.nan,
        .greatestFiniteMagnitude, -.greatestFiniteMagnitude, .leastNonzeroMagnitude, -.leastNormalMagnitude,
        2_147_483_648, -2_147_483_648, 2_147_483_520, -2_147_483_904, 4_294_967_296, 4_294_967_040,
        1e-3, 100, -100, 88.7, 3.1415927,
    ]
    static let integers: [UInt32] = [
        0, 1, 2, 7, 31, 32, 33, 63, 100, 0x10000, 0x7FFF_FFFF, 0x8000_0000, 0x8000_0001,
        0xFFFF_FFFF, 0xFFFF_FFF9, 0xFFFF_FFE0, 0xDEAD_BEEF,
    ]

    static func specials(_ type: ScalarType) -> [UInt32] {
        switch type {
        case .float32: floats.map(\.bitPattern)
        case .int32, .uint32: integers
        case .bool: [0, 1]
        }
    }

    static func random(_ type: ScalarType, _ generator: inout SplitMix64) -> UInt32 {
        switch type {
        case .float32:
            let scale: Float = [1, 10, 1000, 1e6][Int.random(in: 0..<4, using: &generator)]
            return (Float.random(in: -1...1, using: &generator) * scale).bitPattern
        case .int32, .uint32:
            return Bool.random(using: &generator) ? UInt32.random(in: 0...UInt32.max, using: &generator)
                                                  : UInt32(bitPattern: Int32.random(in: -40...40, using: &generator))
        case .bool: return UInt32.random(in: 0...1, using: &generator)
        }
    }

    /// One column of values per operand: every pair of specials for binary ops, then random lanes.
    static func columns(_ types: [ScalarType], randomLanes: Int = 97) -> [[UInt32]] {
        var generator = SplitMix64(seed: 42)
        var columns = [[UInt32]](repeating: [], count: types.count)
        if types.count == 2 {
            for a in specials(types[0]) { for b in specials(types[1]) { columns[0].append(a); columns[1].append(b) } }
        } else {
            for (index, type) in types.enumerated() {
                let values = specials(type)
                columns[index] = (0..<max(values.count, 40)).map { values[($0 * (index * 7 + 1)) % values.count] }
            }
        }
        let specialLanes = columns[0].count
        for index in types.indices {
            columns[index] += (0..<randomLanes).map { _ in random(types[index], &generator) }
            columns[index] = Array(columns[index].prefix(specialLanes + randomLanes))
        }
        return columns
    }
}

// MARK: - Cases

/// An index type and the element type of the indexed slot.
fileprivate struct IndexedCase: Sendable, CustomStringConvertible {
    var indexType: ScalarType
    var type: ScalarType
    var description: String { "[\(indexType)] -> \(type)" }

    static let all = [(ScalarType.int32, ScalarType.float32), (.int32, .int32), (.uint32, .float32), (.uint32, .uint32),
                      (.int32, .bool)].map { IndexedCase(indexType: $0.0, type: $0.1) }
}

/// An elementwise op with its result type and operand types.
fileprivate struct OpCase: Sendable, CustomStringConvertible {
    var op: Op
    var type: ScalarType
    var operandTypes: [ScalarType]
    var description: String { "\(op)(\(operandTypes.map(\.description).joined(separator: ", "))) -> \(type)" }

    static let all: [OpCase] = {
        var cases: [OpCase] = []
        func add(_ ops: [Op], _ types: [ScalarType]) {
            for op in ops {
                for type in types {
                    cases.append(OpCase(op: op, type: type, operandTypes: Array(repeating: type, count: op.arity)))
                }
            }
        }
        add([.neg, .abs, .sqrt, .rsqrt, .rcp, .floor, .ceil, .round, .trunc, .exp, .log, .sin, .cos, .tan], [.float32])
        add([.neg, .abs, .not], [.int32, .uint32])
        add([.not], [.bool])
        add([.add, .sub, .mul, .div, .min, .max, .atan2, .pow], [.float32])
        add([.add, .sub, .mul, .div, .min, .max, .mulhi, .shl, .shr, .and, .or, .xor], [.int32, .uint32])
        add([.and, .or, .xor], [.bool])
        add([.fma], [.float32, .int32, .uint32])
        for op: Op in [.eq, .ne, .lt, .le, .gt, .ge] {
            for type: ScalarType in [.float32, .int32, .uint32, .bool] {
                cases.append(OpCase(op: op, type: .bool, operandTypes: [type, type]))
            }
        }
        for type: ScalarType in [.float32, .int32, .uint32, .bool] {
            cases.append(OpCase(op: .select, type: type, operandTypes: [.bool, type, type]))
        }
        let types: [ScalarType] = [.float32, .int32, .uint32, .bool]
        for op: Op in [.cast, .bitcast] {
            for source in types {
                // A bitcast to bool is tested on 0/1 bits only (`bitcastToBool`): a mask register holds one bit.
                for target in types where !(op == .bitcast && target == .bool) {
                    cases.append(OpCase(op: op, type: target, operandTypes: [source]))
                }
            }
        }
        return cases
    }()
}

@Suite("LLVM backend") struct LLVMBackendTests {
    static let widths = [4, 8, 16]

    @Test("elementwise ops match the scalar backend bit for bit", arguments: OpCase.all)
    fileprivate func elementwise(_ testCase: OpCase) throws {
        let columns = Inputs.columns(testCase.operandTypes)
        let arity = testCase.operandTypes.count
        var slots = testCase.operandTypes.enumerated().map { SlotData($0.element, .input, columns[$0.offset]) }
        slots.append(SlotData(testCase.type, .output, [UInt32](repeating: 0, count: columns[0].count)))
        var program = (0..<arity).map { instruction(.load, testCase.operandTypes[$0], slot: UInt32($0)) }
        program.append(instruction(testCase.op, testCase.type, (0..<arity).map(Int32.init)))
        program.append(instruction(.store, testCase.type, [Int32(arity)], slot: UInt32(arity)))
        // With two NaN operands, IEEE leaves open whose payload an arithmetic result carries; compilers commute
        // add/mul (the scalar backend built with -O does), so only NaN-ness is compared for these.
        let arithmetic: Set<Op> = [.add, .sub, .mul, .div, .fma]
        let anyNaN: Set<Int> = testCase.type == .float32 && arithmetic.contains(testCase.op) ? [arity] : []
        for width in Self.widths {
            let result = try runBoth(program, slots, lanes: columns[0].count, width: width)
            expectSameBits(result, "\(testCase) W=\(width)", anyNaN: anyNaN)
        }
    }

    @Test("bitcast to bool of 0/1 bits", arguments: [ScalarType.float32, .int32, .uint32])
    func bitcastToBool(_ source: ScalarType) throws {
        let bits: [UInt32] = (0..<37).map { UInt32($0 % 3 == 0 ? 1 : 0) }
        let program = [instruction(.load, source), instruction(.bitcast, .bool, [0]),
                       instruction(.store, .bool, [1], slot: 1)]
        let slots = [SlotData(source, .input, bits),
                     SlotData(.bool, .output, [UInt32](repeating: 7, count: bits.count))]
        for width in Self.widths {
            expectSameBits(try runBoth(program, slots, lanes: bits.count, width: width), "bitcast \(source) W=\(width)")
        }
    }

    @Test("literals, lane index and broadcast loads, over several launches", arguments: widths)
    func leaves(width: Int) throws {
        let program = [
            instruction(.laneIndex, .int32),                                  // 0
            instruction(.literal, .float32, slot: 0x7F80_0001),              // 1: a signalling NaN, bits kept
            instruction(.loadScalar, .float32, slot: 0),                      // 2
            instruction(.cast, .float32, [0]),                                // 3
            instruction(.add, .float32, [3, 2]),                              // 4
            instruction(.literal, .bool, slot: 1),                            // 5
            instruction(.loadScalar, .bool, slot: 1),                         // 6
            instruction(.xor, .bool, [5, 6]),                                 // 7
            instruction(.store, .int32, [0], slot: 2),
            instruction(.store, .float32, [1], slot: 3),
            instruction(.store, .float32, [4], slot: 4),
            instruction(.store, .bool, [7], slot: 5),
        ]
        let lanes = 5 * width + 3
        let empty = [UInt32](repeating: 0xFFFF, count: lanes)
        let slots = [SlotData(.float32, .input, [Float(0.25).bitPattern]), SlotData(.bool, .input, [1]),
                     SlotData(.int32, .output, empty), SlotData(.float32, .output, empty),
                     SlotData(.float32, .output, empty), SlotData(.bool, .output, empty)]
        let result = try runBoth(program, slots, lanes: lanes, width: width, blockLength: 2 * width)
        expectSameBits(result, "leaves W=\(width)")
    }

    /// A mask with about three lanes in four on.
    private static func mask(_ count: Int, _ generator: inout SplitMix64) -> [UInt32] {
        (0..<count).map { _ in UInt32.random(in: 0...3, using: &generator) == 0 ? 0 : 1 }
    }

    /// Indices around [0, size): negative, in range, past the end, and the extremes.
    private static func indices(_ count: Int, size: Int, _ generator: inout SplitMix64) -> [UInt32] {
        (0..<count).map { lane in
            switch lane % 9 {
            case 0: UInt32(bitPattern: Int32.min)
            case 1: UInt32.max
            case 2: UInt32(size)
            default: UInt32(bitPattern: Int32.random(in: -3..<(Int32(size) + 3), using: &generator))
            }
        }
    }

    /// A gather marked `smallSource` reads a source of 1 to 16 elements with a permute (AVX-512, W = 16), one of 17
    /// to 64 with four registers and two-register permutes, and a larger one (a kernel built for a small source,
    /// launched on a larger one) with a gather, as unmarked ones do.
    @Test("gather: masked and out-of-range lanes read 0 and are counted", arguments: IndexedCase.all, widths)
    fileprivate func gather(_ testCase: IndexedCase, width: Int) throws {
        for size in [1, 5, 16, 17, 32, 33, 37, 48, 63, 64, 65, 100] {
            for hint in [0, KernelInstruction.smallSource] { try gather(testCase, width: width, size: size, hint: hint) }
        }
    }

    private func gather(_ testCase: IndexedCase, width: Int, size: Int, hint: UInt32) throws {
        let (indexType, type) = (testCase.indexType, testCase.type)
        var generator = SplitMix64(seed: 7 + UInt64(size))
        let lanes = 203
        let program = [
            instruction(.load, indexType, slot: 0), instruction(.load, .bool, slot: 1),
            instruction(.gather, type, [0, 1], slot: 2, auxiliary: hint), instruction(.store, type, [2], slot: 3),
        ]
        let source = (0..<size).map { _ in Inputs.random(type, &generator) }
        for counting in [false, true] {
            var slots = [
                SlotData(indexType, .input, Self.indices(lanes, size: size, &generator)),
                SlotData(.bool, .input, Self.mask(lanes, &generator)),
                SlotData(type, .gatherSource, source),
                SlotData(type, .output, [UInt32](repeating: 0, count: lanes)),
            ]
            if counting { slots.append(.counter(initial: 5)) }
            let result = try runBoth(program, slots, lanes: lanes, width: width, blockLength: 4 * width,
                                     countsOutOfRange: counting)
            expectSameBits(result, "gather \(indexType) -> \(type) W=\(width) size \(size) hint \(hint) counting=\(counting)")
            if counting { #expect(result.llvm[4][0] > 5) }
        }
    }

    @Test("gather: the kernel builder marks sources of at most 64 elements as small, and the LLVM kernel agrees")
    func smallSourceHint() throws {
        for variant in [Variant.scalar, .llvm] {
            let (program, values) = try TraceContext.with(CompileOptions(variant: variant, vectorWidth: 16)) {
                () throws -> (KernelProgram, [Float]) in
                let context = TraceContext.current
                let table = FloatArray((0..<64).map { Float($0) * 0.5 })
                let large = FloatArray((0..<65).map { Float($0) + 100 })
                let index = UInt32Array((0..<40).map { UInt32(($0 * 7) % 68) })
                let sum = table.gather(index) + large.gather(index)
                context.capturedLaunches = []
                sum.eval()
                return (try #require(context.capturedLaunches?.first?.program), sum.values)
            }
            let hints = program.instructions.filter { $0.op == .gather }.map { $0.auxiliary & KernelInstruction.smallSource }
            #expect(hints.sorted() == [0, KernelInstruction.smallSource], "\(variant)")
            let expected: [Float] = (0..<40).map { lane in
                let i = (lane * 7) % 68
                return (i < 64 ? Float(i) * 0.5 : 0) + (i < 65 ? Float(i) + 100 : 0)
            }
            #expect(values == expected, "\(variant)")
        }
    }

    @Test("scatter and scatterAdd with colliding indices, in lane order", arguments: [Op.scatter, .scatterAdd],
          IndexedCase.all)
    fileprivate func scatter(op: Op, _ testCase: IndexedCase) throws {
        let (indexType, type) = (testCase.indexType, testCase.type)
        if op == .scatterAdd && type == .bool { return }
        var generator = SplitMix64(seed: 11)
        let lanes = 150, size = 29
        let program = [
            instruction(.load, indexType, slot: 0), instruction(.load, type, slot: 1),
            instruction(.load, .bool, slot: 2),
            instruction(op, type, [0, 1, 2], slot: 3),
        ]
        let slots = [
            SlotData(indexType, .input, Self.indices(lanes, size: size, &generator)),
            SlotData(type, .input, (0..<lanes).map { _ in Inputs.random(type, &generator) }),
            SlotData(.bool, .input, Self.mask(lanes, &generator)),
            SlotData(type, op == .scatter ? .scatterTarget : .scatterAddTarget,
                     (0..<size).map { _ in Inputs.random(type, &generator) }),
            .counter(),
        ]
        for width in Self.widths {
            let result = try runBoth(program, slots, lanes: lanes, width: width, blockLength: 2 * width,
                                     countsOutOfRange: true)
            expectSameBits(result, "\(op) \(indexType) -> \(type) W=\(width)", anyNaN: type == .float32 ? [3] : [])
        }
    }

    /// Indices in runs of 16 lanes: consecutive from a random start (some runs crossing either end of the
    /// target), consecutive but for one lane, descending, or all equal.
    private static func runIndices(_ count: Int, size: Int) -> [UInt32] {
        (0..<count).map { lane in
            let run = lane / 16, offset = lane % 16
            var runGenerator = SplitMix64(seed: UInt64(run) &* 977 &+ 3)
            let start = Int32.random(in: -20..<(Int32(size) + 4), using: &runGenerator)
            switch run % 4 {
            case 0: return UInt32(bitPattern: start &+ Int32(offset))
            case 1: return UInt32(bitPattern: start &+ Int32(offset == 5 ? 9 : offset))
            case 2: return UInt32(bitPattern: start &- Int32(offset))
            default: return UInt32(bitPattern: start)
            }
        }
    }

    @Test("scatter with runs of consecutive indices (one masked store per vector) in lane order",
          arguments: IndexedCase.all)
    fileprivate func consecutiveScatter(_ testCase: IndexedCase) throws {
        let (indexType, type) = (testCase.indexType, testCase.type)
        var generator = SplitMix64(seed: 23)
        let lanes = 16 * 13 + 5, size = 120
        let program = [
            instruction(.load, indexType, slot: 0), instruction(.load, type, slot: 1),
            instruction(.load, .bool, slot: 2),
            instruction(.scatter, type, [0, 1, 2], slot: 3),
        ]
        for dense in [false, true] {
            let mask = dense ? [UInt32](repeating: 1, count: lanes) : Self.mask(lanes, &generator)
            let slots = [
                SlotData(indexType, .input, Self.runIndices(lanes, size: size)),
                SlotData(type, .input, (0..<lanes).map { _ in Inputs.random(type, &generator) }),
                SlotData(.bool, .input, mask),
                SlotData(type, .scatterTarget, (0..<size).map { _ in Inputs.random(type, &generator) }),
                .counter(),
            ]
            for width in Self.widths {
                let result = try runBoth(program, slots, lanes: lanes, width: width, blockLength: 2 * width,
                                         countsOutOfRange: true)
                expectSameBits(result, "consecutive scatter \(indexType) -> \(type) W=\(width) dense=\(dense)",
                               anyNaN: type == .float32 ? [3] : [])
                #expect(result.llvm[4][0] > 0, "some runs cross the target's ends")
            }
        }
    }

    @Test("reducePartial over 1, W-1, W+1 and 1000 lanes", arguments: [ReductionKind.sum, .min, .max],
          [ScalarType.float32, .int32, .uint32, .bool])
    func reducePartial(kind: ReductionKind, type: ScalarType) throws {
        for width in Self.widths { try reducePartial(kind: kind, type: type, width: width) }
    }

    private func reducePartial(kind: ReductionKind, type: ScalarType, width: Int) throws {
        let values = Inputs.columns([type], randomLanes: 1000)[0]
        let program = [instruction(.load, type),
                       instruction(.reducePartial, type, [0], slot: 1, auxiliary: kind.rawValue)]
        for lanes in [1, width - 1, width + 1, 1000] {
            let blockLength = lanes == 1000 ? 16 * width : nil
            let blocks = (lanes + (blockLength ?? lanes) - 1) / (blockLength ?? lanes)
            let slots = [SlotData(type, .input, Array(values.prefix(lanes))),
                         SlotData(type, .reductionPartials, [UInt32](repeating: 0xABCD, count: blocks))]
            let result = try runBoth(program, slots, lanes: lanes, width: width, blockLength: blockLength)
            expectSameBits(result, "reduce \(kind) \(type) lanes=\(lanes) W=\(width)",
                           anyNaN: type == .float32 ? [1] : [])
        }
    }

    @Test("block reductions, including partial and empty blocks", arguments: [Op.blockSum, .blockMin, .blockMax],
          [ScalarType.float32, .int32, .uint32, .bool])
    func blockReduction(op: Op, type: ScalarType) throws {
        var generator = SplitMix64(seed: 3)
        let source = (0..<100).map { _ in Inputs.random(type, &generator) }
        for width in Self.widths {
            for length in [1, 3, 8] {
                let program = [instruction(op, type, slot: 0, auxiliary: UInt32(length)),
                               instruction(.store, type, [0], slot: 1)]
                let lanes = 45
                let slots = [SlotData(type, .gatherSource, source),
                             SlotData(type, .output, [UInt32](repeating: 9, count: lanes))]
                let result = try runBoth(program, slots, lanes: lanes, width: width, blockLength: 2 * width)
                expectSameBits(result, "\(op) \(type) k=\(length) W=\(width)", anyNaN: type == .float32 ? [1] : [])
            }
        }
    }

    @Test("the IR dump shows W-lane vector arithmetic")
    func intermediateRepresentation() throws {
        let program = KernelProgram(
            instructions: [instruction(.load, .float32, slot: 0), instruction(.load, .float32, slot: 1),
                           instruction(.add, .float32, [0, 1]), instruction(.store, .float32, [2], slot: 2)],
            slots: [KernelSlot(type: .float32, role: .input), KernelSlot(type: .float32, role: .input),
                    KernelSlot(type: .float32, role: .output)],
            vectorWidth: 8, countsOutOfRange: false)
        for optimized in [false, true] {
            let text = try LLVMBackend.shared.intermediateRepresentation(of: program, optimized: optimized)
            #expect(text.contains("fadd <8 x float>"))
            #expect(text.contains("define void @refract_kernel_"))
        }
    }

    @Test("an op on a type it is not defined for is a compile error")
    func unsupported() {
        let program = KernelProgram(
            instructions: [instruction(.load, .int32), instruction(.sqrt, .int32, [0])],
            slots: [KernelSlot(type: .int32, role: .input)], vectorWidth: 4, countsOutOfRange: false)
        #expect(throws: LLVMBackendError.self) { try LLVMBackend.shared.compile(program) }
    }

    @Test("concurrent compiles")
    func concurrentCompiles() async throws {
        let kernels = try await withThrowingTaskGroup(of: LLVMKernel.self) { group in
            for shift in 0..<8 {
                group.addTask {
                    let program = KernelProgram(
                        instructions: [instruction(.laneIndex, .int32),
                                       instruction(.literal, .int32, slot: UInt32(shift)),
                                       instruction(.shl, .int32, [0, 1]), instruction(.store, .int32, [2])],
                        slots: [KernelSlot(type: .int32, role: .output)], vectorWidth: 8, countsOutOfRange: false)
                    return try LLVMBackend.shared.compile(program)
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        for kernel in kernels {
            let shift = kernel.program.instructions[1].immediate
            let memory = SlotMemory([SlotData(.int32, .output, [UInt32](repeating: 0, count: 20))], lanes: 20)
            memory.run(kernel, start: 0, end: 20, block: 0)
            #expect(memory.contents[0] == (0..<20).map { UInt32($0) << shift })
        }
    }

    @Test("host CPU and version")
    func host() {
        #expect([4, 8, 16].contains(HostCPU.hostVectorWidth))
        #expect(!HostCPU.name.isEmpty)
        #expect(LLVMBackend.shared.llvmVersion.first?.isNumber == true)
    }

    @Test("shifted loads close together share one prefetch; the values are the scalar backend's")
    func shiftedLoadsSharePrefetches() throws {
        // A film-like pull: 5 rows of 5 neighbours, 64 samples per pixel, 32 pixels per row.
        let samples = 64, rowLength = 32 * 64, count = 32 * 12 * samples
        func pull() -> FloatArray {
            let x = FloatArray((0..<count).map { Float($0 % 97) * 0.25 })
            x.eval()
            let lane = Int32Array.arange(count)
            var total = FloatArray(repeating: 0)
            for dy in -2...2 {
                for dx in -2...2 { total = total + x.gather(lane - Int32(dy * rowLength + dx * samples)) }
            }
            return total
        }
        let (ir, values) = try TraceContext.with(CompileOptions(variant: .llvm, vectorWidth: 16)) {
            let total = pull()
            return (try total.intermediateRepresentation(optimized: false), total.values)
        }
        let prefetches = ir.components(separatedBy: "call void @llvm.prefetch").count - 1
        #expect(prefetches == 5, "one prefetch per row of neighbours, got \(prefetches)")
        let reference = TraceContext.with(CompileOptions(variant: .scalar)) { pull().values }
        #expect(values.map(\.bitPattern) == reference.map(\.bitPattern))
    }

    @Test("gathers and scatters at x + lane prefetch the lines ahead and load or store whole vectors where they can")
    func streamingAccessPrefetches() throws {
        // A hit log's pattern: entry depth * n + lane, depth per lane (uniform across a vector in a path loop).
        let lanes = 16 * 9 + 3, size = 3 * lanes
        let program = [
            instruction(.load, .uint32, slot: 0),            // 0: depth * n
            instruction(.laneIndex, .uint32),                // 1
            instruction(.add, .uint32, [0, 1]),              // 2: depth * n + lane
            instruction(.load, .float32, slot: 1),           // 3: values
            instruction(.load, .bool, slot: 2),              // 4: mask
            instruction(.scatter, .float32, [2, 3, 4], slot: 3),
            instruction(.gather, .float32, [2, 4], slot: 4), // 6: streams
            instruction(.gather, .float32, [0, 4], slot: 4), // 7: x alone does not
            instruction(.add, .float32, [6, 7]),
            instruction(.store, .float32, [8], slot: 5),
        ]
        var generator = SplitMix64(seed: 31)
        let slots = [
            SlotData(.uint32, .input, (0..<lanes).map { UInt32($0 / 40 % 3 * lanes) }),
            SlotData(.float32, .input, (0..<lanes).map { _ in Inputs.random(.float32, &generator) }),
            SlotData(.bool, .input, Self.mask(lanes, &generator)),
            SlotData(.float32, .scatterTarget, [UInt32](repeating: 0, count: size)),
            SlotData(.float32, .gatherSource, (0..<size).map { _ in Inputs.random(.float32, &generator) }),
            SlotData(.float32, .output, [UInt32](repeating: 0, count: lanes)),
        ]
        for width in Self.widths {
            let result = try runBoth(program, slots, lanes: lanes, width: width, blockLength: 4 * width)
            expectSameBits(result, "streaming gather and scatter W=\(width)", anyNaN: [1, 3, 4, 5])
        }
        let text = try LLVMBackend.shared.intermediateRepresentation(
            of: KernelProgram(instructions: program, slots: slots.map(\.slot), vectorWidth: 16,
                              countsOutOfRange: false),
            optimized: false)
        let calls = text.components(separatedBy: "call void @llvm.prefetch").dropFirst()
        // Contiguous loads prefetch too (reads); the streaming gather adds one read, the scatter one write.
        let loads = 3
        #expect(calls.filter { $0.contains(", i32 1, i32 3, i32 1)") }.count == 1, "the scatter prefetches to write")
        #expect(calls.filter { $0.contains(", i32 0, i32 3, i32 1)") }.count == loads + 1,
                "the gather at x + lane prefetches, the one at x does not")
        // Vectors whose lanes read consecutive elements load them (x changes every 40 lanes: some vectors do not).
        #expect(text.contains("@llvm.masked.load"), "the gather at x + lane loads where it can")
    }
}
