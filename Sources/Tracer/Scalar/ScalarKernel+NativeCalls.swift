// The scalar backend's native calls: the function called on a packet of W lanes with only lane 0 active.

extension ScalarKernel {
    /// Runs the `nativeCall` at `index` for one lane: when `active`, calls the function on a W-lane packet whose
    /// lane 0 holds the lane's inputs (the other lanes are masked off and 0), and sets the `callResult` registers
    /// that follow to lane 0 of the outputs; otherwise sets them to 0.
    static func callNative(_ instruction: KernelInstruction, at index: Int, active: Bool, registers: inout [UInt32],
                           width: Int, pointers: UnsafePointer<UnsafeMutableRawPointer?>) {
        let inputCount = Int(instruction.auxiliary & 0xffff), outputCount = Int(instruction.auxiliary >> 16)
        guard active else {
            for position in 0..<outputCount { registers[index + 1 + position] = 0 }
            return
        }
        let words = pointers[Int(instruction.immediate)]!.assumingMemoryBound(to: UInt64.self)
        let function = unsafeBitCast(UnsafeRawPointer(bitPattern: UInt(words[0]))!, to: NativeFunction.self)
        let context = UnsafeMutableRawPointer(bitPattern: UInt(words[1]))
        // One 64-byte aligned block: the mask, then each input and output, W lanes of 32 bits each.
        let laneBytes = (width * 4 + 63) / 64 * 64
        let packet = UnsafeMutableRawPointer.allocate(byteCount: laneBytes * (1 + inputCount + outputCount),
                                                      alignment: 64)
        defer { packet.deallocate() }
        packet.initializeMemory(as: UInt8.self, repeating: 0, count: laneBytes * (1 + inputCount + outputCount))
        let mask = packet.assumingMemoryBound(to: Int32.self)
        mask[0] = -1
        var inputs: [UnsafeRawPointer?] = (0..<inputCount).map { position in
            let lanes = packet + laneBytes * (1 + position)
            lanes.storeBytes(of: registers[index - inputCount + position], as: UInt32.self)
            return UnsafeRawPointer(lanes)
        }
        var outputs: [UnsafeMutableRawPointer?] = (0..<outputCount).map { position in
            packet + laneBytes * (1 + inputCount + position)
        }
        function(context, mask, &inputs, &outputs)
        for position in 0..<outputCount {
            registers[index + 1 + position] = outputs[position]!.load(as: UInt32.self)
        }
    }
}
