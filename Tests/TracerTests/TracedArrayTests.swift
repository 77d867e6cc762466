// Basic behaviour of traced arrays on both variants: values, broadcasting, folding, fusion and caching.
import Testing
import RefractSupport
@testable import Tracer

@Suite("Traced arrays")
struct TracedArrayTests {
    @Test("elementwise arithmetic matches Swift", arguments: Variant.allCases)
    func arithmetic(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            let a = FloatArray([1, 2, 3, 4, 5])
            let b = FloatArray([0.5, 0.25, 2, -1, 8])
            let c = fma(a, b, a) - a / b + min(a, b) * 2
            let expected: [Float] = zip([1, 2, 3, 4, 5] as [Float], [0.5, 0.25, 2, -1, 8] as [Float]).map { x, y in
                (x * y + x) - x / y + Swift.min(x, y) * 2
            }
            #expect(c.values == expected)
        }
    }

    @Test("size-1 arrays broadcast", arguments: Variant.allCases)
    func broadcasting(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            let a = Int32Array.arange(10)
            let b = Int32Array.opaque(3)
            let expected: [Int32] = (0..<10).map { (i: Int) -> Int32 in Int32(i * 3 + 1) }
            let result = a * b + 1
            #expect(result.values == expected)
        }
    }

    @Test("an empty array is an evaluated buffer of its size that scatters fill in place", arguments: Variant.allCases)
    func emptyArrays(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            var log = UInt32Array.empty(count: 40)
            #expect(log.count == 40 && log.node.isEvaluated && !log.node.isLiteral)
            let storage = log.node.storage
            log.scatter(UInt32Array.arange(40) * 3, at: UInt32Array.arange(40))
            #expect(log.values == (0..<40).map { UInt32($0 * 3) })
            #expect(log.node.storage === storage, "written where it was made, not copied")
        }
    }

    @Test("identical expressions share a node and literals fold")
    func valueNumbering() {
        TraceContext.with(CompileOptions(variant: .scalar)) {
            let a = FloatArray([1, 2, 3])
            let x = a * 2 + 1
            let y = a * 2 + 1
            #expect(x.node === y.node)
            #expect((a + 0).node === a.node)
            #expect((a * 1).node === a.node)
            let literal = FloatArray(repeating: 2, count: 3) * FloatArray(repeating: 4, count: 3)
            #expect(literal.node.isLiteral && Float(bitPattern: literal.node.immediate) == 8)
            let mask = BoolArray(repeating: true, count: 3)
            #expect(select(mask, a, x).node === a.node)
        }
    }

    @Test("a float divided by a literal is a product with its reciprocal, as in Dr.Jit", arguments: Variant.allCases)
    func divisionByLiteral(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            let host: [Float] = [1, 2, 3, 7, 1e-30, -5.5, .infinity]
            let a = FloatArray(host)
            let quotient = a / 3
            #expect(quotient.node.op == .mul)
            let reciprocal: Float = 1 / 3
            #expect(quotient.values.map(\.bitPattern) == host.map { ($0 * reciprocal).bitPattern })
            // 1/3 rounded, then a product: not always the correctly rounded quotient (7/3 is one ulp off).
            #expect(host.contains { $0 * reciprocal != $0 / 3 })
            // Literal over literal folds to the quotient itself; an array divisor stays a division; integers too.
            let literal = FloatArray(repeating: 7, count: 1) / 3
            #expect(Float(bitPattern: literal.node.immediate) == Float(7) / 3)
            #expect((a / FloatArray([3, 3, 3, 3, 3, 3, 3])).node.op == .div)
            #expect((Int32Array([7, -7]) / 2).values == [3, -3])
            // The derivative is the reciprocal's.
            var x = FloatArray([2, 4])
            x.enableGradient()
            (x / 3).sum().backward()
            #expect(x.gradient.values == [reciprocal, reciprocal])
        }
    }

    @Test("the value-numbering key index finds, removes and regrows like a dictionary")
    func nodeKeyIndex() {
        let context = TraceContext(options: CompileOptions(variant: .scalar))
        var generator = SplitMix64(seed: 17)
        var index = NodeKeyIndex()
        var held: [NodeKey: Node] = [:]
        func makeNode() -> Node {
            // Few distinct operand ids and sizes, so that keys share most fields.
            let operands = (0..<3).map { _ in UInt64.random(in: 0..<40, using: &generator) }
            var key = NodeKey(op: .add, type: .float32, size: Int.random(in: 1...3, using: &generator), operands: [],
                              immediate: UInt32.random(in: 0..<4, using: &generator), auxiliary: 0)
            (key.operand0, key.operand1, key.operand2) = (operands[0], operands[1], operands[2])
            let node = Node(id: context.makeNodeID(), op: .add, type: .float32, size: key.size, operands: [],
                            immediate: key.immediate, auxiliary: 0, storage: nil, context: context)
            node.valueNumberKey = key
            return node
        }
        for round in 0..<20_000 {
            if round % 3 == 2, let victim = held.randomElement(using: &generator) {
                index.remove(victim.value)
                held[victim.key] = nil
                victim.value.valueNumberKey = nil
            } else {
                let node = makeNode()
                if held[node.valueNumberKey!] == nil {
                    index.insert(node)
                    held[node.valueNumberKey!] = node
                } else {
                    node.valueNumberKey = nil
                }
            }
            if round % 1000 == 0 || round == 19_999 {
                #expect(index.count == held.count)
                for (key, node) in held { #expect(index.node(for: key) === node) }
                // Keys not held are not found.
                let absent = makeNode()
                if held[absent.valueNumberKey!] == nil { #expect(index.node(for: absent.valueNumberKey!) == nil) }
                absent.valueNumberKey = nil
            }
        }
        for node in held.values { node.valueNumberKey = nil }
        context.clearValueNumbers()
    }

    @Test("the value-numbering table keeps no node alive once nothing else references it")
    func valueNumberingReleasesNodes() {
        TraceContext.with(CompileOptions(variant: .scalar)) {
            let a = FloatArray([1, 2, 3])
            weak var dropped: Node?
            weak var evaluated: Node?
            do {
                let unevaluated = (a * 3 - 1) * a
                dropped = unevaluated.node
                let kept = a * 5
                kept.eval()
                evaluated = kept.node
                #expect(kept.values == [5, 10, 15])
            }
            // The next evaluation purges the table: the dropped expression and its operands go.
            #expect((a + 1).values == [2, 3, 4])
            #expect(dropped == nil)
            #expect(evaluated == nil)
            // An evaluated node is data: recording its expression again makes a new node.
            let first = a * 7
            first.eval()
            #expect((a * 7).node !== first.node)
        }
    }

    @Test("a context made by with() is freed afterwards, even with expressions left unevaluated")
    func scopedContextIsFreed() {
        weak var scoped: TraceContext?
        let kept: FloatArray = TraceContext.with(CompileOptions(variant: .scalar)) {
            scoped = TraceContext.current
            let a = FloatArray([1, 2, 3])
            _ = (a * 3 + 1) * a    // recorded, never evaluated
            return a * 2
        }
        #expect(scoped != nil)    // `kept` still holds it
        #expect(kept.values == [2, 4, 6])
        _ = consume kept
        #expect(scoped == nil)
    }

    @Test("a 20-op elementwise expression over 10^6 elements is one kernel, and rerunning compiles nothing")
    func fusionAndCaching() {
        TraceContext.with(CompileOptions(variant: .llvm)) {
            let context = TraceContext.current
            func program(_ offset: Float) -> FloatArray {
                var x = FloatArray.arange(1_000_000) * 1e-6
                for i in 0..<19 { x = x * 0.999 + Float(i) * offset }
                return x
            }
            let first = program(1e-3)
            first.eval()
            #expect(context.statistics.kernelsLaunched == 1)
            let compiled = context.statistics.kernelsCompiled
            let second = program(1e-3)
            _ = second.values
            #expect(context.statistics.kernelsCompiled == compiled)
        }
    }

    @Test("scalars that change go in as parameters: iterations 2 to 10 compile nothing", arguments: Variant.allCases)
    func opaqueParameters(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            let context = TraceContext.current
            var state = FloatArray([Float](repeating: 1, count: 1000))
            var compiledAfterFirst = 0
            for iteration in 1...10 {
                let rate = FloatArray.opaque(0.1 * Float(iteration))
                state = state - rate * state
                state.eval()
                if iteration == 1 { compiledAfterFirst = context.statistics.kernelsCompiled }
            }
            #expect(context.statistics.kernelsCompiled == compiledAfterFirst)
        }
    }

    @Test("reductions", arguments: Variant.allCases)
    func reductions(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant, blockSize: 64)) {
            let values = (0..<1000).map { Float($0 % 17) - 3 }
            let a = FloatArray(values)
            #expect(a.sum().first == values.reduce(0, +))
            #expect(a.min().first == values.min())
            #expect(a.max().first == values.max())
            let ints = UInt32Array.arange(100)
            let expected: [UInt32] = (0..<10).map { (block: Int) -> UInt32 in UInt32(100 * block + 45) }
            #expect(ints.blockSum(10).values == expected)
        }
    }

    @Test("gather masks out-of-range lanes and scatter-add accumulates", arguments: Variant.allCases)
    func memory(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant, checksBounds: true)) {
            let source = FloatArray([10, 20, 30])
            let index = Int32Array([2, 0, 5, -1, 1])
            #expect(source.gather(index).values == [30, 10, 0, 0, 20])
            #expect(TraceContext.current.statistics.outOfRangeLanes == 2)
            var target = FloatArray.zeros(3)
            target.scatterAdd(FloatArray([1, 2, 3, 4, 5]), at: Int32Array([0, 1, 0, 2, 0]))
            #expect(target.values == [9, 2, 4])
            var written = UInt32Array([0, 0, 0, 0])
            written.scatter(UInt32Array([7, 8]), at: UInt32Array([3, 1]))
            #expect(written.values == [0, 8, 0, 7])
        }
    }

    @Test("queued scatter-adds run in the kernel of the next evaluation of their size", arguments: Variant.allCases)
    func scatterFusesWithEvaluation(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant, blockSize: 64)) {
            let context = TraceContext.current
            let lanes = UInt32Array.arange(1000)
            let value = FloatArray(lanes) * 0.5
            var histogram = FloatArray.zeros(10)
            histogram.eval()
            let launched = context.statistics.kernelsLaunched
            histogram.scatterAdd(value, at: lanes % 10)
            let doubled = value * 2
            context.evaluate([doubled.node])
            #expect(context.statistics.kernelsLaunched == launched + 1)
            #expect(doubled.values == (0..<1000).map { Float($0) })
            let expected = (0..<10).map { digit in
                stride(from: digit, to: 1000, by: 10).reduce(Float(0)) { $0 + Float($1) * 0.5 }
            }
            #expect(histogram.values == expected)
            // A read of the target after the scatter sees it, in a kernel of its own.
            histogram.scatterAdd(FloatArray(repeating: 1, count: 1000), at: lanes % 10)
            let read = histogram.gather(lanes % 10) + 0
            #expect(read.values.prefix(3) == [expected[0] + 100, expected[1] + 100, expected[2] + 100])
        }
    }

    @Test("gathers at lane / k + d (vector loads in LLVM when k divides W, one broadcast load when W divides k) match the scalar backend and the host",
          arguments: [Int64(0), 3, -5, 37, -37, 1 << 31, -(1 << 31), 0xFFFF_FFFF])
    func shiftedGathers(offset: Int64) {
        let sourceValues = (0..<41).map { Float($0) * 1.5 - 7 }
        let lanes = 83   // not a multiple of the vector width, and longer than the source
        let keep = (0..<lanes).map { $0 % 7 != 3 }
        // What a gather reads: source[(lane / k + d) mod 2^32] as an unsigned or a signed 32-bit index, 0 outside.
        func expected(divisor k: Int, signed: Bool) -> [Float] {
            (0..<lanes).map { lane in
                let bits = UInt32(truncatingIfNeeded: Int64(lane / k) + offset)
                let index = signed ? Int64(Int32(bitPattern: bits)) : Int64(bits)
                return keep[lane] && index >= 0 && index < Int64(sourceValues.count) ? sourceValues[Int(index)] : 0
            }
        }
        for variant in Variant.allCases {
            TraceContext.with(CompileOptions(variant: variant)) {
                let source = FloatArray(sourceValues)
                let mask = BoolArray(keep)
                let literal = UInt32(truncatingIfNeeded: offset)
                for k in [1, 2, 3, 4, 8, 16, 24, 32, 64] {
                    let unsigned = UInt32Array.arange(lanes) / UInt32(k) + literal
                    let signed = Int32Array.arange(lanes) / Int32(k) + Int32(bitPattern: literal)
                    let subtracted = UInt32Array.arange(lanes) / UInt32(k) - (0 &- literal)
                    let converted = Int32Array(UInt32Array.arange(lanes) / UInt32(k)) + Int32(bitPattern: literal)
                    let context = "\(variant), k = \(k)"
                    #expect(source.gather(unsigned, mask: mask).values == expected(divisor: k, signed: false), "\(context)")
                    #expect(source.gather(signed, mask: mask).values == expected(divisor: k, signed: true), "\(context)")
                    #expect(source.gather(subtracted, mask: mask).values == expected(divisor: k, signed: false), "\(context)")
                    #expect(source.gather(converted, mask: mask).values == expected(divisor: k, signed: true), "\(context)")
                }
            }
        }
    }

    @Test("gathers from per-lane arrays and from shorter or longer ones in one kernel each keep their own range",
          arguments: Variant.allCases)
    func gathersFromSourcesOfSeveralSizes(variant: Variant) {
        let lanes = 83
        let sizes = [lanes, 41, lanes, 130]   // two sized like the launch (their range checks are shared), two not
        TraceContext.with(CompileOptions(variant: variant)) {
            let sources = sizes.enumerated().map { k, n in FloatArray((0..<n).map { Float($0 + 1000 * k) }) }
            for offset in [Int32(-3), 0, 5, 50] {
                let index = Int32Array.arange(lanes) + offset
                var total = FloatArray.zeros(lanes)
                for source in sources { total = total + source.gather(index) }
                let expected = (0..<lanes).map { lane -> Float in
                    let i = lane + Int(offset)
                    return sizes.enumerated().reduce(Float(0)) { sum, entry in
                        i >= 0 && i < entry.element ? sum + Float(i + 1000 * entry.offset) : sum
                    }
                }
                #expect(total.values == expected, "\(variant), offset \(offset)")
            }
        }
    }

    @Test("scatters into several evaluated arrays run as one kernel, and a shared array is still copied first",
          arguments: Variant.allCases)
    func scattersIntoSeveralArraysShareAKernel(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            let context = TraceContext.current
            var targets = (0..<3).map { FloatArray([Float](repeating: Float($0), count: 8)) }
            let index = UInt32Array([6, 1, 3])
            let launched = context.statistics.kernelsLaunched
            for k in targets.indices { targets[k].scatter(FloatArray([10, 20, 30]) + Float(k), at: index) }
            context.evaluate(targets.map(\.node))
            #expect(context.statistics.kernelsLaunched == launched + 1)
            for (k, target) in targets.enumerated() {
                var expected = [Float](repeating: Float(k), count: 8)
                expected[6] = 10 + Float(k)
                expected[1] = 20 + Float(k)
                expected[3] = 30 + Float(k)
                #expect(target.values == expected)
            }
            // A second write into an array that a queued write already targets, and one into an array that another
            // value shares: program order, and the other value keeps its contents.
            var shared = targets[0]
            let keep = shared
            shared.scatter(FloatArray([-1]), at: UInt32Array([0]))
            shared.scatter(FloatArray([-2]), at: UInt32Array([0]))
            #expect(shared.values[0] == -2)
            #expect(keep.values[0] == 0)
        }
    }

    @Test("a full pool makes room by returning the buffers it has cached longest")
    func poolEviction() {
        let pool = StoragePool(budget: 1 << 20)
        let small = 256 << 10, large = 512 << 10
        let a = pool.allocate(byteCount: large), b = pool.allocate(byteCount: small)
        let c = pool.allocate(byteCount: small), d = pool.allocate(byteCount: large)
        pool.release(a, byteCount: large)
        pool.release(b, byteCount: small)
        pool.release(c, byteCount: small)
        #expect(pool.cachedByteCount == 1 << 20)
        // d needs 512 KiB: a (the oldest) goes, b and c stay.
        pool.release(d, byteCount: large)
        #expect(pool.cachedByteCount == 1 << 20)
        #expect(pool.allocate(byteCount: large) == d)
        let reused = [pool.allocate(byteCount: small), pool.allocate(byteCount: small)]
        #expect(Set(reused) == [b, c])
        #expect(pool.cachedByteCount == 0)
        for pointer in reused { pool.release(pointer, byteCount: small) }
        pool.release(d, byteCount: large)
        pool.trim()
    }

    @Test("large allocations start at different cache-line offsets within a page, and go back to the system whole")
    func poolColoring() {
        let pool = StoragePool(budget: 4 * StoragePool.coloredMinimum)
        let size = StoragePool.coloredMinimum
        let pointers = (0..<64).map { _ in pool.allocate(byteCount: size) }
        let offsets = pointers.map { Int(bitPattern: $0) % 4096 }
        #expect(offsets.allSatisfy { $0 % 64 == 0 })
        #expect(Set(offsets).count == 64)
        for pointer in pointers {
            // The whole request is usable (the system block is larger by the offset's page).
            pointer.storeBytes(of: UInt8(1), toByteOffset: size - 1, as: UInt8.self)
            pool.release(pointer, byteCount: size)  // past the budget, the oldest go back to the system
        }
        pool.trim()
        #expect(pool.cachedByteCount == 0)
        let small = pool.allocate(byteCount: 4096)
        #expect(Int(bitPattern: small) % 64 == 0)
        pool.release(small, byteCount: 4096)
    }

    @Test("every allocation has StoragePool.slack bytes of its own before its first byte and after its last",
          arguments: [64, 4096, StoragePool.coloredMinimum, 3 * StoragePool.coloredMinimum + 64])
    func poolSlack(byteCount: Int) {
        // A kernel's shifted vector load reads up to 16 elements past either end of a buffer (and drops them). The
        // slack is written here: without it these writes would land in the system allocator's own records, which
        // glibc checks (and aborts on) when the blocks go back in `trim`.
        let pool = StoragePool(budget: 1 << 30)
        let pointers = (0..<8).map { _ in pool.allocate(byteCount: byteCount) }
        for pointer in pointers {
            #expect(Int(bitPattern: pointer) % 64 == 0)
            (pointer - StoragePool.slack).initializeMemory(as: UInt8.self, repeating: 0xAB, count: StoragePool.slack)
            (pointer + pool.sizeClass(byteCount)).initializeMemory(as: UInt8.self, repeating: 0xCD,
                                                                   count: StoragePool.slack)
            #expect((pointer - StoragePool.slack).load(as: UInt8.self) == 0xAB)
        }
        for pointer in pointers { pool.release(pointer, byteCount: byteCount) }
        pool.trim()
        #expect(pool.cachedByteCount == 0)
    }

    @Test("the pool keeps buffers up to 1 GiB (a large render's arrays) and returns larger ones to the system")
    func poolLargeBuffers() {
        // Untouched memory: the system maps it without committing pages.
        let pool = StoragePool(budget: 3 << 30)
        let large = (512 << 20) + 1
        let pointer = pool.allocate(byteCount: large)
        pool.release(pointer, byteCount: large)
        #expect(pool.cachedByteCount == pool.sizeClass(large))
        #expect(pool.allocate(byteCount: large) == pointer)
        pool.release(pointer, byteCount: large)
        let tooLarge = (1 << 30) + 4096
        let other = pool.allocate(byteCount: tooLarge)
        pool.release(other, byteCount: tooLarge)
        #expect(pool.cachedByteCount == pool.sizeClass(large))
        pool.trim()
        #expect(StoragePool.defaultBudget >= 256 << 20)
    }

    @Test("filled storage holds the word in every element and zeros in the padding, whatever the byte pattern",
          arguments: [0, 0xFFFF_FFFF, 0x3F80_0000, 0x0101_0101, 0x0000_00FF] as [UInt32])
    func storageFill(bits: UInt32) {
        for count in [0, 1, 15, 16, 17, 33, 1000] {
            // Reused buffers first hold something else, so a fill that skipped elements would show.
            let dirty = Storage(repeating: 0xDEAD_BEEF, count: count, type: .uint32)
            _ = dirty
            let filled = Storage(repeating: bits, count: count, type: .uint32)
            #expect(filled.bits == Array(repeating: bits, count: count), "\(count) x \(bits)")
            let padding = UnsafeBufferPointer(start: filled.words + count, count: filled.capacity - count)
            #expect(padding.allSatisfy { $0 == 0 }, "padding of \(count)")
            if bits == 0 { #expect(Storage(count: count, type: .float32).bits.allSatisfy { $0 == 0 }) }
        }
    }

    @Test("the pool rounds requests up to size classes, so nearby sizes share buffers")
    func poolSizeClasses() {
        let pool = StoragePool()
        #expect(pool.sizeClass(4096) == 4096)
        #expect(pool.sizeClass(641_208) == 655_360)
        #expect(pool.sizeClass(655_360) == 655_360)
        #expect(pool.sizeClass(1 << 30) == 1 << 30)
        let pointer = pool.allocate(byteCount: 641_208)
        pool.release(pointer, byteCount: 641_208)
        #expect(pool.cachedByteCount == 655_360)
        #expect(pool.allocate(byteCount: 640_900) == pointer)
        pool.release(pointer, byteCount: 640_900)
        pool.trim()
    }

    @Test("freed buffers are kept for reuse until the cache is flushed")
    func mallocCache() {
        // A pool of its own: the shared one is used by tests running in parallel.
        let pool = StoragePool()
        let pointer = pool.allocate(byteCount: 1 << 20)
        pool.release(pointer, byteCount: 1 << 20)
        #expect(pool.cachedByteCount == 1 << 20)
        #expect(pool.allocate(byteCount: 1 << 20) == pointer)
        pool.release(pointer, byteCount: 1 << 20)
        pool.trim()
        #expect(pool.cachedByteCount == 0)
        // The public entry point flushes the shared pool; evaluation goes on allocating afterwards.
        TraceContext.with(CompileOptions(variant: .scalar)) {
            flushMallocCache()
            #expect((FloatArray.arange(1 << 16) * 2).values[3] == 6)
        }
    }

    @Test("writing into a shared array copies it first")
    func copyOnWrite() {
        TraceContext.with(CompileOptions(variant: .scalar)) {
            var a = FloatArray([1, 2, 3])
            let b = a
            let doubled = a * 2
            a.scatter(FloatArray([9]), at: UInt32Array([0]))
            #expect(a.values == [9, 2, 3])
            #expect(b.values == [1, 2, 3])
            #expect(doubled.values == [2, 4, 6])
        }
    }
}

@Suite("Traced array errors and inspection")
struct TracedArrayErrorTests {
    @Test("operands of incompatible sizes stop with a message naming both sizes")
    func sizeMismatch() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let a = FloatArray([1, 2, 3])
            let b = FloatArray([1, 2])
            _ = a + b
        } .map { result in
            let message = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(message.contains("incompatible sizes 3 and 2"))
        }
    }

    @Test("the LLVM IR of a pending kernel can be dumped, and dumping runs nothing")
    func dumpIR() throws {
        try TraceContext.with(CompileOptions(variant: .llvm, vectorWidth: 8)) {
            let x = FloatArray.arange(100)
            let y = x * x + 1
            let ir = try y.intermediateRepresentation(optimized: false)
            #expect(ir.contains("<8 x float>"))
            #expect(y.kernelProgram?.instructions.contains { $0.op == .mul } == true)
            #expect(TraceContext.current.statistics.kernelsLaunched == 0)
        }
    }
}

@Suite("Evaluation order")
struct EvaluationOrderTests {
    @Test("a reduction evaluated together with a value computed from it", arguments: Variant.allCases)
    func reductionAndItsUser(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            let x = FloatArray([1, 2, 3, 4])
            let total = x.sum()
            let doubled = total * 2
            eval(doubled, total)
            #expect(doubled.first == 20)
            #expect(total.first == 10)
        }
    }

    @Test("withUnsafeElements reads the evaluated elements in place, literals and pending arrays included",
          arguments: Variant.allCases)
    func elementsInPlace(variant: Variant) {
        TraceContext.with(CompileOptions(variant: variant)) {
            let pending = UInt32Array.arange(20) * 3
            #expect(pending.withUnsafeElements { Array($0) } == (0..<20).map { UInt32($0 * 3) })
            let literal = FloatArray(repeating: 2.5, count: 4)
            #expect(literal.withUnsafeElements { Array($0) } == [2.5, 2.5, 2.5, 2.5])
            let stored = Int32Array([-1, 7])
            let address = stored.withUnsafeElements { UnsafeRawPointer($0.baseAddress!) }
            #expect(address == UnsafeRawPointer(stored.node.storage!.pointer))
        }
    }
}
