// The order in which a kernel's instructions are emitted: each value as late as its uses allow, not output by output.
import Testing
@testable import Tracer

@Suite("Kernel emission order")
struct EmissionOrderTests {
    static let scales: [Float] = [1.5, 2.5, 3.5, 4.5]

    /// Two sums over the same terms w_k = x · c_k, recorded term by term: Σ w_k and Σ w_k · y.
    static func sums(_ x: FloatArray, _ y: FloatArray, from start: [FloatArray]) -> [FloatArray] {
        var (plain, weighted) = (start[0], start[1])
        for scale in scales {
            let term = x * scale
            plain = plain + term
            weighted = weighted + term * y
        }
        return [plain, weighted]
    }

    /// For each term k: the positions of w_k = x · c_k and of w_k · y among `instructions`.
    static func positions(in instructions: [KernelInstruction]) throws -> [(term: Int, weighted: Int)] {
        try scales.map { scale in
            let literal = try #require(instructions.firstIndex { $0.op == .literal && $0.immediate == scale.bitPattern })
            let term = try #require(instructions.firstIndex { $0.op == .mul && $0.operandList.contains(literal) })
            let weighted = try #require(instructions.firstIndex {
                $0.op == .mul && $0.operandList.contains(term) && !$0.operandList.contains(literal)
            })
            return (term, weighted)
        }
    }

    /// Term k's product with y comes before term k + 2: the sums are built side by side, each term at most one
    /// ahead of its use. Output by output, every w_k came first (for Σ w_k) and was held until Σ w_k · y used it.
    static func expectSideBySide(_ instructions: [KernelInstruction]) throws {
        let found = try positions(in: instructions)
        for k in found.indices.dropLast(2) {
            #expect(found[k].weighted < found[k + 2].term, "w_\(k) · y at \(found[k].weighted), w_\(k + 2) at \(found[k + 2].term)")
        }
    }

    @Test("values that several outputs share are emitted as late as their uses allow")
    func outputs() throws {
        try TraceContext.with(CompileOptions(variant: .llvm)) {
            let x = FloatArray((0..<64).map { Float($0) }), y = FloatArray((0..<64).map { Float($0) * 0.5 })
            // Sums that start from data, not a literal zero (0 + w_0 would fold to w_0).
            let start = FloatArray((0..<64).map { Float($0) * 0.25 })
            let results = Self.sums(x, y, from: [start, start])
            let programs = TraceContext.current.pendingPrograms(results.map(\.node))
            let program = try #require(programs.first)
            #expect(programs.count == 1)
            try Self.expectSideBySide(program.instructions)
            // The order changes no value.
            eval(results)
            #expect(results[0].values == (0..<64).map { i in Self.scales.reduce(Float(i) * 0.25) { $0 + Float(i) * $1 } })
        }
    }

    @Test("a loop body's results are emitted as late as their uses allow")
    func loopBody() throws {
        try TraceContext.with(CompileOptions(variant: .llvm)) {
            let x = FloatArray((0..<64).map { Float($0) }), y = FloatArray((0..<64).map { Float($0) * 0.5 })
            let limit = FloatArray((0..<64).map { Float($0 % 5) })
            let zero = FloatArray(repeating: 0, count: 64)
            let end = whileLoop([zero, zero, zero]) { $0[0] .< limit } body: { state in
                // The terms read the loop state: invariant ones would be hoisted before the loop.
                [state[0] + 1] + Self.sums(x + state[0], y, from: [state[1], state[2]])
            }
            let program = try #require(end[1].kernelProgram)
            #expect(program.instructions.filter { $0.op == .loop }.count == 1)
            try Self.expectSideBySide(program.instructions)
        }
    }
}
