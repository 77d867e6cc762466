// The bytes of one disk cache entry: a header naming its key in clear, the object code, and a SHA-256 checksum.
//
// Layout (integers little-endian):
//   magic "RFRKERNL" | format version u32 | field count u32 | per field: length u32 + UTF-8 "name=value"
//   | payload length u64 | payload | SHA-256 of everything before it (32 bytes)
// Decoding checks, in order: the magic and version (else foreign), the lengths (else truncated), the checksum
// (else corrupt), and only then the key fields (else foreign), so a damaged byte anywhere reads as corrupt and a
// well-formed entry of another key as foreign.

/// What identifies a compiled kernel on disk: the program and everything else that changes its machine code.
struct KernelCacheKey: Equatable, Sendable {
    /// The key's fields as "name=value", in a fixed order: program digest, LLVM version, CPU, features, build.
    let fields: [String]
    /// SHA-256 of the fields: the entry's file name.
    let hash: String

    init(program: KernelProgram, llvmVersion: String, cpuName: String, cpuFeatures: String, build: String) {
        self.init(fields: [
            "program=\(program.digest)", "llvm=\(llvmVersion)", "cpu=\(cpuName)", "features=\(cpuFeatures)",
            "refract=\(build)",
        ])
    }

    init(fields: [String]) {
        self.fields = fields
        hash = SHA256.hash(Array(fields.joined(separator: "\n").utf8)).hexadecimal
    }

    /// The kernel's function name: deterministic for the key, so stored object code and a fresh compile agree.
    var symbolName: String { "refract_kernel_\(hash.prefix(32))" }
}

/// Why a cache entry was refused. Nothing of a refused entry is ever handed to the JIT.
enum KernelCacheEntryProblem: Error, Equatable {
    /// Shorter than its header says (an interrupted copy, a full disk).
    case truncated(String)
    /// The checksum does not match the contents.
    case corrupt(String)
    /// Not an entry of this key: another format, or another program, LLVM, CPU or build.
    case foreign(String)
}

/// Encodes and validates entry files.
enum KernelCacheEntry {
    static let magic = Array("RFRKERNL".utf8)
    static let formatVersion: UInt32 = 1

    /// The file contents for `payload` (object code) under `key`.
    static func encode(payload: [UInt8], key: KernelCacheKey) -> [UInt8] {
        var bytes = magic
        func append<T: FixedWidthInteger>(_ value: T) {
            withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
        }
        append(formatVersion)
        append(UInt32(key.fields.count))
        for field in key.fields {
            append(UInt32(field.utf8.count))
            bytes.append(contentsOf: field.utf8)
        }
        append(UInt64(payload.count))
        bytes.append(contentsOf: payload)
        bytes.append(contentsOf: SHA256.hash(bytes))
        return bytes
    }

    /// The payload of `bytes` if it is a complete, intact entry of `key`; otherwise the problem.
    static func decode(_ bytes: [UInt8], expecting key: KernelCacheKey) -> Result<[UInt8], KernelCacheEntryProblem> {
        var offset = 0
        func read<T: FixedWidthInteger>(_: T.Type) -> T? {
            guard offset + MemoryLayout<T>.size <= bytes.count else { return nil }
            defer { offset += MemoryLayout<T>.size }
            return bytes.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: T.self)) }
        }
        func short(_ what: String) -> Result<[UInt8], KernelCacheEntryProblem> {
            .failure(.truncated("\(bytes.count) bytes end inside the \(what)"))
        }

        guard bytes.count >= magic.count else {
            return bytes.elementsEqual(magic.prefix(bytes.count)) ? short("magic number")
                : .failure(.foreign("not a Refract kernel cache entry (expected the magic \"RFRKERNL\")"))
        }
        guard bytes.prefix(magic.count).elementsEqual(magic) else {
            return .failure(.foreign("not a Refract kernel cache entry (expected the magic \"RFRKERNL\")"))
        }
        offset = magic.count
        guard let version = read(UInt32.self) else { return short("format version") }
        guard version == formatVersion else {
            return .failure(.foreign("entry format version \(version), expected \(formatVersion)"))
        }
        guard let fieldCount = read(UInt32.self) else { return short("header") }
        var fields: [String] = []
        for _ in 0..<min(fieldCount, 64) {
            guard let length = read(UInt32.self), offset + Int(length) <= bytes.count else { return short("header") }
            fields.append(String(decoding: bytes[offset..<(offset + Int(length))], as: UTF8.self))
            offset += Int(length)
        }
        guard fieldCount <= 64 else { return .failure(.corrupt("header claims \(fieldCount) key fields")) }
        guard let payloadLength = read(UInt64.self) else { return short("header") }
        let expected = UInt64(offset) + payloadLength + UInt64(SHA256.byteCount)
        guard UInt64(bytes.count) >= expected else {
            return .failure(.truncated("\(bytes.count) bytes, the header announces \(expected)"))
        }
        guard UInt64(bytes.count) == expected else {
            return .failure(.corrupt("\(bytes.count) bytes, the header announces \(expected)"))
        }
        let checksumStart = bytes.count - SHA256.byteCount
        guard SHA256.hash(bytes[0..<checksumStart]).elementsEqual(bytes[checksumStart...]) else {
            return .failure(.corrupt("checksum mismatch"))
        }
        let mismatch = (0..<max(fields.count, key.fields.count)).first { index in
            index >= fields.count || index >= key.fields.count || fields[index] != key.fields[index]
        }
        if let index = mismatch {
            let found = index < fields.count ? fields[index] : "no such field"
            let wanted = index < key.fields.count ? key.fields[index] : "no such field"
            return .failure(.foreign("made for \(found), expected \(wanted)"))
        }
        return .success(Array(bytes[offset..<checksumStart]))
    }
}
