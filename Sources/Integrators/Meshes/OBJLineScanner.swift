// OBJLineScanner: walks the lines of an OBJ byte range and classifies them the way Mitsuba's obj plugin does.

/// The kinds of OBJ lines that carry geometry; every other line (`o`, `g`, `s`, `usemtl`, `mtllib`, comments,
/// blank lines, unknown statements) is ignored, as Mitsuba ignores them.
enum OBJLineKind {
    case position, texcoord, normal, face, ignored
}

/// Byte-level helpers shared by the counting pass and the parsing pass, so both agree on what each line is.
enum OBJLineScanner {
    static let newline = UInt8(ascii: "\n")

    /// Space, tab and carriage return separate tokens inside a line (a CR of a CRLF line ending is whitespace).
    @inline(__always)
    static func isBlank(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r")
    }

    /// The end of the line that starts at `start` (the index of its newline, or `end`).
    @inline(__always)
    static func lineEnd(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> Int {
        var index = start
        while index < end, base[index] != newline { index += 1 }
        return index
    }

    /// What the line `base[start..<end]` holds, and the index just after its keyword. Like Mitsuba, a keyword
    /// counts only when a space or tab follows it.
    @inline(__always)
    static func classify(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> (OBJLineKind, Int) {
        var index = start
        while index < end, isBlank(base[index]) { index += 1 }
        guard index + 1 < end else { return (.ignored, index) }
        let first = base[index], second = base[index + 1]
        let blank1 = second == UInt8(ascii: " ") || second == UInt8(ascii: "\t")
        if first == UInt8(ascii: "v") {
            if blank1 { return (.position, index + 2) }
            guard index + 2 < end,
                  base[index + 2] == UInt8(ascii: " ") || base[index + 2] == UInt8(ascii: "\t") else {
                return (.ignored, index)
            }
            if second == UInt8(ascii: "t") { return (.texcoord, index + 3) }
            if second == UInt8(ascii: "n") { return (.normal, index + 3) }
            return (.ignored, index)
        }
        if first == UInt8(ascii: "f"), blank1 { return (.face, index + 2) }
        return (.ignored, index)
    }

    /// The next token in `base[index..<end]`: its start and end, or nil at the end of the line.
    @inline(__always)
    static func nextToken(_ base: UnsafePointer<UInt8>, _ index: inout Int, _ end: Int) -> (Int, Int)? {
        while index < end, isBlank(base[index]) { index += 1 }
        guard index < end else { return nil }
        let start = index
        while index < end, !isBlank(base[index]) { index += 1 }
        return (start, index)
    }

    /// A token as text for messages, cut short when long.
    static func text(_ base: UnsafePointer<UInt8>, _ start: Int, _ end: Int) -> String {
        let count = min(end - start, 40)
        let text = String(decoding: UnsafeBufferPointer(start: base + start, count: count), as: UTF8.self)
        return end - start > count ? text + "..." : text
    }
}
