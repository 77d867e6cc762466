// Cases of one dispatch that run the same code on different parameters, lowered as one case (Dr.Jit's merging of
// identical callables).
//
// A scene's materials are a dispatch's cases; three diffuse materials record three copies of the same BSDF code,
// each reading its own reflectance, and a vector whose lanes hit all three ran the code three times. Cases whose
// recorded graphs are the same up to their parameters (evaluated arrays of one element, and the sources of small
// gathers) become one case: its lanes are those of every member (the dispatch index is remapped to the group's
// first member), and each parameter that differs between members is read for every member and selected per lane by
// the original index. Values are those of the separate cases: each lane computes its own member's code on its own
// member's parameters. Not merged: cases with side effects, loops, dispatches or native calls of their own.

/// Which cases of a dispatch are lowered together, and what their members differ in.
struct CaseMergePlan {
    /// One group per distinct shape, in order of its first member; `members[0]` is the case that is emitted.
    struct Group {
        var members: [Int]
        /// Per parameter position where the members differ: each member's node (evaluated arrays of size 1) or,
        /// for a gather, the gather node of the emitted case and each member's source.
        var scalarLeaves: [(emitted: Node, members: [Node])]
        var gatherSources: [(gather: Node, members: [Node])]
    }
    var groups: [Group]
    /// Each case's position in `groups`.
    var groupOfCase: [Int]

    /// Whether any two cases are lowered as one.
    var merges: Bool { groups.count < groupOfCase.count }
}

/// A case's graph described up to its parameters: equal descriptions compute the same thing from the parameters
/// listed, in the same order.
private struct CaseShape: Hashable {
    var words: [UInt64] = []
    /// Evaluated arrays of one element and gather sources, in walk order (not part of the equality).
    var scalarLeaves: [Node] = []
    var gathers: [Node] = []

    static func == (a: CaseShape, b: CaseShape) -> Bool { a.words == b.words }
    func hash(into hasher: inout Hasher) { hasher.combine(words) }
}

extension KernelBuilder {
    /// The merge plan of a dispatch whose index, mask and arguments are emitted (nil when no two cases merge).
    func caseMergePlan(_ record: DispatchRecord) -> CaseMergePlan? {
        guard record.cases.count > 1 else { return nil }
        var shapes: [CaseShape?] = []
        for recorded in record.cases {
            shapes.append(recorded.sideEffects.isEmpty ? shape(of: recorded) : nil)
        }
        var groups: [CaseMergePlan.Group] = []
        var groupOfShape: [CaseShape: Int] = [:]
        for (number, shape) in shapes.enumerated() {
            guard let shape else {
                groups.append(CaseMergePlan.Group(members: [number], scalarLeaves: [], gatherSources: []))
                continue
            }
            if let group = groupOfShape[shape] {
                groups[group].members.append(number)
            } else {
                groupOfShape[shape] = groups.count
                groups.append(CaseMergePlan.Group(members: [number], scalarLeaves: [], gatherSources: []))
            }
        }
        for index in groups.indices where groups[index].members.count > 1 {
            let members = groups[index].members.map { shapes[$0]! }
            let first = members[0]
            for position in first.scalarLeaves.indices {
                let nodes = members.map { $0.scalarLeaves[position] }
                if nodes.contains(where: { $0 !== nodes[0] }) {
                    groups[index].scalarLeaves.append((nodes[0], nodes))
                }
            }
            for position in first.gathers.indices {
                let sources = members.map { $0.gathers[position].operands[0] }
                if sources.contains(where: { $0.storage! !== sources[0].storage! }) {
                    groups[index].gatherSources.append((first.gathers[position], sources))
                }
            }
        }
        var groupOfCase = [Int](repeating: 0, count: shapes.count)
        for (position, group) in groups.enumerated() {
            for member in group.members { groupOfCase[member] = position }
        }
        let plan = CaseMergePlan(groups: groups, groupOfCase: groupOfCase)
        return plan.merges ? plan : nil
    }

    /// The shape of a case without side effects, or nil when it holds a construct that is never merged.
    private func shape(of recorded: DispatchCase) -> CaseShape? {
        var shape = CaseShape()
        var number: [ObjectIdentifier: UInt64] = [:]
        // A parameter read twice is one position (two members differing there would need two values).
        var leafPosition: [ObjectIdentifier: Int] = [:]
        // Depth-first postorder from the results; each internal node is numbered when its operands are.
        var stack: [(node: Node, expanded: Bool)] = recorded.results.reversed().map { ($0, false) }
        // What a case reads without computing it: its arguments, values emitted outside it, literals and
        // parameters (evaluated arrays of one element). The walk stops there; `reference` names them.
        func isRead(_ node: Node) -> Bool {
            node.op == .caseArgument || emitted(node) != nil || node.isLiteral || (node.isEvaluated && node.size == 1)
        }
        func reference(_ node: Node) -> UInt64? {
            if let own = number[ObjectIdentifier(node)] { return 1 << 60 | own }
            if node.op == .caseArgument { return 2 << 60 | UInt64(node.immediate) }
            if let outside = emitted(node) { return 3 << 60 | UInt64(UInt32(bitPattern: outside)) }
            if node.isLiteral { return 4 << 60 | UInt64(node.type.rawValue) << 32 | UInt64(node.immediate) }
            if node.isEvaluated && node.size == 1 {
                let position = leafPosition[ObjectIdentifier(node)] ?? shape.scalarLeaves.count
                if position == shape.scalarLeaves.count {
                    leafPosition[ObjectIdentifier(node)] = position
                    shape.scalarLeaves.append(node)
                }
                return 5 << 60 | UInt64(node.type.rawValue) << 32 | UInt64(position)
            }
            return nil
        }
        while let (node, expanded) = stack.popLast() {
            let key = ObjectIdentifier(node)
            if number[key] != nil || isRead(node) { continue }
            if node.isEvaluated { return nil }  // a full-size array read in place: kept per case
            switch node.op {
            case .loop, .dispatch, .dispatchOutput, .nativeCall, .callResult, .matrixProduct, .blockSum, .blockMin,
                 .blockMax, .blockTreeSum, .reduceSum, .reduceMin, .reduceMax:
                return nil
            default: break
            }
            let operands = node.op == .gather ? Array(node.operands.dropFirst()) : node.operands
            if !expanded {
                stack.append((node, true))
                for operand in operands.reversed() { stack.append((operand, false)) }
                continue
            }
            shape.words.append(UInt64(node.op.rawValue) << 40 | UInt64(node.type.rawValue) << 32
                               | UInt64(node.size == 1 ? 1 : 0))
            shape.words.append(UInt64(node.immediate) << 32 | UInt64(node.auxiliary))
            if node.op == .gather {
                let source = node.operands[0]
                guard let storage = source.storage else { return nil }
                // Which gather code runs depends on the source's size (small sources are read from registers).
                shape.words.append(6 << 60 | UInt64(source.type.rawValue) << 32
                                   | UInt64(storage.count <= KernelInstruction.smallSourceElements ? 1 : 0))
                shape.gathers.append(node)
            }
            for operand in operands {
                guard let word = reference(operand) else { return nil }
                shape.words.append(word)
            }
            number[key] = UInt64(number.count)
        }
        for result in recorded.results {
            guard let word = reference(result) else { return nil }
            shape.words.append(word)
        }
        return shape
    }
}
