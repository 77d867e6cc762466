// Which symbolic loop bodies and dispatch cases enclose each instruction of a kernel program.

extension KernelProgram {
    /// For each instruction, the bodies open around it, outermost first, each named by the position of its `loop`
    /// or `dispatchCase`. A `loopEnd` and a `dispatchEnd` stand outside the body they close, and a `dispatchCase`
    /// closes the previous case of its dispatch (both name the dispatch's position) and stands outside its own body.
    /// The code generator's groupings (`ScatterAddGroups`, `GatherMerging`) use it to keep members in one body, or
    /// a body and those it contains.
    func enclosingBodies() -> [[Int]] {
        var open: [Int] = []
        var chains: [[Int]] = []
        chains.reserveCapacity(instructions.count)
        for (position, instruction) in instructions.enumerated() {
            switch instruction.op {
            case .loopEnd: open.removeLast()
            case .dispatchCase, .dispatchEnd:
                if let last = open.last, instructions[last].op == .dispatchCase,
                   instructions[last].immediate == instruction.immediate { open.removeLast() }
            default: break
            }
            chains.append(open)
            if instruction.op == .loop || instruction.op == .dispatchCase { open.append(position) }
        }
        return chains
    }
}
