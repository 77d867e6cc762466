// A kernel program's stable identity across processes: its canonical bytes and their SHA-256, the disk cache's key.

extension KernelProgram {
    /// The names of every op, element type and slot role in declaration order. Programs are serialised by raw
    /// values, so inserting or reordering a case would give an old entry's bytes a new meaning; the names in the
    /// digest make any such change a different key instead.
    static let vocabularyFingerprint: [UInt8] = {
        var text = "ops:" + Op.allCases.map { "\($0)" }.joined(separator: ",")
        text += ";types:" + [ScalarType.float32, .int32, .uint32, .bool].map { "\($0)" }.joined(separator: ",")
        var roles: [String] = []
        var raw: UInt8 = 0
        while let role = SlotRole(rawValue: raw) { roles.append("\(role)"); raw += 1 }
        text += ";roles:" + roles.joined(separator: ",")
        return SHA256.hash(Array(text.utf8))
    }()

    /// The program as bytes: a format tag, the vocabulary fingerprint, then every field of the program in a fixed
    /// order, little-endian. Two programs have equal bytes exactly when they are equal.
    var canonicalBytes: [UInt8] {
        var bytes = Array("refract-kernel-program-4".utf8)
        bytes.reserveCapacity(bytes.count + 64 + 12 * slots.count + 20 * instructions.count)
        bytes.append(contentsOf: Self.vocabularyFingerprint)
        func append<T: FixedWidthInteger>(_ value: T) {
            withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
        }
        append(UInt64(vectorWidth))
        append(UInt8(countsOutOfRange ? 1 : 0))
        append(UInt8(refillsLoopLanes ? 1 : 0))
        append(UInt64(slots.count))
        for slot in slots {
            append(slot.type.rawValue)
            append(slot.role.rawValue)
            append(UInt8(slot.sizedLikeLaunch ? 1 : 0))
        }
        append(UInt64(instructions.count))
        for instruction in instructions {
            append(instruction.op.rawValue)
            append(instruction.type.rawValue)
            append(instruction.operands.0)
            append(instruction.operands.1)
            append(instruction.operands.2)
            append(instruction.immediate)
            append(instruction.auxiliary)
        }
        append(UInt64(matrixProducts.count))
        for entry in matrixProducts { entry.fields.forEach { append(Int64($0)) } }
        return bytes
    }

    /// SHA-256 of `canonicalBytes` in hexadecimal: a name for the program that is the same in every process.
    var digest: String { SHA256.hash(canonicalBytes).hexadecimal }
}
