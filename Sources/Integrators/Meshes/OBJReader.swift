// OBJReader: Wavefront OBJ bytes to a TriangleMesh as Mitsuba 3's obj plugin loads them.
//
// Phases: (1) cut the bytes into runs of whole lines; (2) count lines and v/vt/vn statements per run, in
// parallel; (3) parse every run in parallel, resolving relative (negative) indices with the counts of the runs
// before it; (4) deduplicate (v, vt, vn) triples in file order and fan-triangulate polygons, sequentially, as
// Mitsuba numbers vertices by first use; (5) gather the vertex buffers, apply to_world and compute missing normals.

import Foundation

/// Reads one OBJ file's bytes. Vertices are the distinct (position, texcoord, normal) index triples used by
/// faces, numbered in order of first use; unused `v` statements do not become vertices (Mitsuba's behaviour).
struct OBJReader {
    let name: String
    let options: MeshLoadOptions

    /// What the counting pass finds in one run of lines.
    struct RunCounts {
        var lines = 0, positions = 0, texcoords = 0, normals = 0
    }

    /// One run of lines, parsed: raw positions, flipped texcoords, normals (empty with `faceNormals`), three
    /// resolved 0-based indices per face corner (`absent` for a missing vt or vn) and the corner count per face.
    struct ParsedRun {
        var positions: [Float] = []
        var texcoords: [Float] = []
        var normals: [Float] = []
        var corners: [UInt32] = []
        var faceSizes: [UInt32] = []
        var error: MeshLoadError?
    }

    static let absent = UInt32.max

    func read(_ buffer: UnsafeRawBufferPointer) throws -> TriangleMesh {
        let bytes = buffer.bindMemory(to: UInt8.self)
        guard let base = bytes.baseAddress, bytes.count > 0 else {
            return try assemble(runs: [], counts: RunCounts())
        }
        // Phase 1: runs of whole lines, a few per core so that uneven runs still balance.
        let runs = Self.lineRuns(base, count: bytes.count)

        // Phase 2: counts per run, then the totals before each run.
        var counts = [RunCounts](repeating: RunCounts(), count: runs.count)
        counts.withUnsafeMutableBufferPointer { out in
            Self.forEach(runs.count) { index in out[index] = Self.count(base, runs[index]) }
        }
        var before = [RunCounts](repeating: RunCounts(), count: runs.count)
        var total = RunCounts()
        for index in runs.indices {
            before[index] = total
            total.lines += counts[index].lines
            total.positions += counts[index].positions
            total.texcoords += counts[index].texcoords
            total.normals += counts[index].normals
        }
        guard total.positions < Int(UInt32.max), total.texcoords < Int(UInt32.max),
              total.normals < Int(UInt32.max) else {
            throw MeshLoadError(fileName: name, reason: "more than 2^32 - 1 vertex statements")
        }

        // Phase 3: parse each run.
        var parsed = [ParsedRun](repeating: ParsedRun(), count: runs.count)
        parsed.withUnsafeMutableBufferPointer { out in
            Self.forEach(runs.count) { index in
                out[index] = parse(base, runs[index], own: counts[index], before: before[index], totals: total)
            }
        }
        if let error = parsed.lazy.compactMap(\.error).first { throw error }
        return try assemble(runs: parsed, counts: total)
    }

    // MARK: Phases 1 and 2

    /// Byte ranges that each end just after a newline (or at the end of the file).
    static func lineRuns(_ base: UnsafePointer<UInt8>, count: Int) -> [Range<Int>] {
        let minimumRun = 1 << 18
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let target = max(minimumRun, count / max(1, cores * 4))
        var runs: [Range<Int>] = []
        var start = 0
        while start < count {
            var end = min(count, start + target)
            if end < count {
                end = OBJLineScanner.lineEnd(base, end, count)
                end = min(count, end + 1)
            }
            runs.append(start..<end)
            start = end
        }
        return runs
    }

    /// Runs `body` for 0..<count, in parallel when there is more than one.
    static func forEach(_ count: Int, _ body: (Int) -> Void) {
        if count <= 1 {
            for index in 0..<count { body(index) }
        } else {
            DispatchQueue.concurrentPerform(iterations: count, execute: body)
        }
    }

    static func count(_ base: UnsafePointer<UInt8>, _ run: Range<Int>) -> RunCounts {
        var counts = RunCounts()
        var start = run.lowerBound
        while start < run.upperBound {
            let end = OBJLineScanner.lineEnd(base, start, run.upperBound)
            counts.lines += 1
            switch OBJLineScanner.classify(base, start, end).0 {
            case .position: counts.positions += 1
            case .texcoord: counts.texcoords += 1
            case .normal: counts.normals += 1
            case .face, .ignored: break
            }
            start = end + 1
        }
        return counts
    }

    // MARK: Phase 3

    func parse(_ base: UnsafePointer<UInt8>, _ run: Range<Int>, own: RunCounts, before: RunCounts,
               totals: RunCounts) -> ParsedRun {
        var result = ParsedRun()
        result.positions.reserveCapacity(own.positions * 3)
        result.texcoords.reserveCapacity(own.texcoords * 2)
        if !options.faceNormals { result.normals.reserveCapacity(own.normals * 3) }
        // The rest of the run's lines are mostly faces of about three corners: one reservation avoids most
        // regrowth without trusting anything but the line count.
        let faceLines = max(0, own.lines - own.positions - own.texcoords - own.normals)
        result.corners.reserveCapacity(faceLines * 9)
        result.faceSizes.reserveCapacity(faceLines)
        var seen = before
        var start = run.lowerBound
        var line = before.lines
        while start < run.upperBound {
            let end = OBJLineScanner.lineEnd(base, start, run.upperBound)
            line += 1
            let (kind, after) = OBJLineScanner.classify(base, start, end)
            var cursor = after
            do {
                switch kind {
                case .position:
                    try readNumbers(3, base, &cursor, end, line: line, what: "vertex position", into: &result.positions)
                    seen.positions += 1
                case .texcoord:
                    try readNumbers(2, base, &cursor, end, line: line, what: "texture coordinate", into: &result.texcoords)
                    if options.flipTexCoords {
                        let last = result.texcoords.count - 1
                        result.texcoords[last] = 1 - result.texcoords[last]
                    }
                    seen.texcoords += 1
                case .normal:
                    if !options.faceNormals {
                        try readNumbers(3, base, &cursor, end, line: line, what: "vertex normal", into: &result.normals)
                        let n = result.normals.count
                        let x = result.normals[n - 3], y = result.normals[n - 2], z = result.normals[n - 1]
                        if x == 0 && y == 0 && z == 0 {
                            throw error(line, "vertex normal (0, 0, 0) has no direction")
                        }
                    }
                    seen.normals += 1
                case .face:
                    try readFace(base, &cursor, end, line: line, seen: seen, totals: totals, into: &result)
                case .ignored:
                    break
                }
            } catch let failure as MeshLoadError {
                result.error = failure
                return result
            } catch {
                result.error = MeshLoadError(fileName: name, location: "line \(line)", reason: "\(error)")
                return result
            }
            start = end + 1
        }
        return result
    }

    private func error(_ line: Int, _ reason: String) -> MeshLoadError {
        MeshLoadError(fileName: name, location: "line \(line)", reason: reason)
    }

    /// Reads `count` finite numbers; anything after them on the line (a `w`, vertex colours) is ignored, as
    /// Mitsuba ignores it.
    private func readNumbers(_ count: Int, _ base: UnsafePointer<UInt8>, _ cursor: inout Int, _ end: Int,
                             line: Int, what: String, into values: inout [Float]) throws {
        for found in 0..<count {
            guard let (start, stop) = OBJLineScanner.nextToken(base, &cursor, end) else {
                throw error(line, "expected \(count) numbers for a \(what), found \(found)")
            }
            guard let value = MeshNumberParser.float(base, start, stop) else {
                throw error(line, "expected a number for a \(what), found '\(OBJLineScanner.text(base, start, stop))'")
            }
            guard value.isFinite else {
                throw error(line, "\(what) is not finite ('\(OBJLineScanner.text(base, start, stop))')")
            }
            values.append(value)
        }
    }

    /// Reads the corners of an `f` statement: `v`, `v/vt`, `v//vn` or `v/vt/vn`, each index 1-based or, when
    /// negative, counted back from the statements read so far.
    private func readFace(_ base: UnsafePointer<UInt8>, _ cursor: inout Int, _ end: Int, line: Int,
                          seen: RunCounts, totals: RunCounts, into result: inout ParsedRun) throws {
        var cornerCount: UInt32 = 0
        while let (start, stop) = OBJLineScanner.nextToken(base, &cursor, end) {
            var triple: (UInt32, UInt32, UInt32) = (Self.absent, Self.absent, Self.absent)
            var part = 0
            var partStart = start
            var index = start
            while true {
                if index == stop || base[index] == UInt8(ascii: "/") {
                    guard part < 3 else {
                        throw error(line, "expected v, v/vt, v//vn or v/vt/vn, found '\(OBJLineScanner.text(base, start, stop))'")
                    }
                    if index > partStart {
                        guard let value = MeshNumberParser.integer(base, partStart, index) else {
                            throw error(line, "expected an integer index, found '\(OBJLineScanner.text(base, start, stop))'")
                        }
                        let resolved = try resolve(value, part: part, line: line, seen: seen, totals: totals)
                        switch part {
                        case 0: triple.0 = resolved
                        case 1: triple.1 = resolved
                        default: triple.2 = resolved
                        }
                    } else if part == 0 {
                        throw error(line, "expected a vertex index, found '\(OBJLineScanner.text(base, start, stop))'")
                    }
                    part += 1
                    partStart = index + 1
                    if index == stop { break }
                }
                index += 1
            }
            result.corners.append(triple.0)
            result.corners.append(triple.1)
            result.corners.append(triple.2)
            cornerCount += 1
        }
        guard cornerCount >= 3 else {
            throw error(line, "expected a face with at least 3 vertices, found \(cornerCount)")
        }
        result.faceSizes.append(cornerCount)
    }

    /// A 1-based or negative (relative) index as a 0-based one. Positions must be defined before the face
    /// that uses them (Mitsuba checks this); texture coordinates and normals anywhere in the file.
    private func resolve(_ value: Int64, part: Int, line: Int, seen: RunCounts,
                         totals: RunCounts) throws -> UInt32 {
        let kind: String, soFar: Int, limit: Int
        switch part {
        case 0: (kind, soFar, limit) = ("vertex", seen.positions, seen.positions)
        case 1: (kind, soFar, limit) = ("texture coordinate", seen.texcoords, totals.texcoords)
        default: (kind, soFar, limit) = ("normal", seen.normals, totals.normals)
        }
        guard value != 0 else { throw error(line, "\(kind) index 0 is invalid (OBJ indices start at 1)") }
        let resolved: Int64 = value > 0 ? value - 1 : Int64(soFar) + value
        // With face_normals the normals are never read, so Mitsuba never checks their indices either.
        if part == 2 && options.faceNormals { return UInt32(clamping: max(0, resolved)) }
        guard resolved >= 0, resolved < Int64(limit) else {
            let defined = part == 0 ? "\(limit) defined before this line" : "\(limit) in the file"
            throw error(line, "\(kind) index \(value) is out of range (\(defined))")
        }
        return UInt32(resolved)
    }
}
