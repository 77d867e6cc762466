// Which build of Refract this is: the release version and the linker's build ID of the binary holding the Tracer.
import Foundation

/// Refract's version and the identity of this build, part of every disk cache key.
///
/// The version alone is not enough: during development the code generator changes without a new version, and a
/// kernel compiled by an older build must not be run by a newer one. The GNU build ID is a hash the linker computes
/// over the linked binary, so two machines running the same binary share their entries, and any rebuild that
/// changes the code gets a cache of its own.
public enum BuildIdentity {
    /// Refract's release version.
    public static let version = "0.1.0"

    /// `version` plus the build ID of the binary the Tracer is linked into (e.g. "0.1.0+a2d789ef…"); when the
    /// binary has no build ID, its path, size and modification time stand in for it.
    public static let string: String = {
        let path = binaryPath()
        return version + "+" + (linkerBuildID(of: path) ?? fileIdentity(of: path) ?? "unknown-build")
    }()

    /// An address inside the Tracer's code, to find the binary that holds it.
    private static let marker: @convention(c) () -> Void = {}

    /// The file mapped at `marker`'s address, from /proc/self/maps (the executable, or a shared library that
    /// holds the Tracer); the running executable when that cannot be read.
    private static func binaryPath() -> String {
        let address = UInt(bitPattern: unsafeBitCast(marker, to: UnsafeRawPointer.self))
        if let maps = try? String(contentsOfFile: "/proc/self/maps", encoding: .utf8) {
            for line in maps.split(separator: "\n") {
                let fields = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true)
                let bounds = fields.first?.split(separator: "-").compactMap { UInt($0, radix: 16) } ?? []
                if fields.count == 6, bounds.count == 2, address >= bounds[0], address < bounds[1] {
                    return fields[5].trimmingCharacters(in: .whitespaces)
                }
            }
        }
        return (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    /// The hexadecimal NT_GNU_BUILD_ID note of an ELF64 little-endian file, read from its PT_NOTE segments.
    private static func linkerBuildID(of path: String) -> String? {
        guard let file = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? file.close() }
        func read(at offset: UInt64, count: Int) -> [UInt8]? {
            guard (try? file.seek(toOffset: offset)) != nil, let data = try? file.read(upToCount: count),
                  data.count == count else { return nil }
            return Array(data)
        }
        func integer<T: FixedWidthInteger>(_ bytes: [UInt8], _ offset: Int, _: T.Type) -> UInt64 {
            UInt64(bytes.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: T.self)) })
        }
        // ELF header: magic, class 2 (64-bit), data 1 (little-endian); e_phoff at 32, e_phentsize at 54, e_phnum at 56.
        guard let header = read(at: 0, count: 64), header.prefix(4).elementsEqual([0x7f, 0x45, 0x4c, 0x46]),
              header[4] == 2, header[5] == 1 else { return nil }
        let tableOffset = integer(header, 32, UInt64.self)
        let entrySize = Int(integer(header, 54, UInt16.self)), entryCount = Int(integer(header, 56, UInt16.self))
        guard entrySize >= 56, entryCount > 0,
              let table = read(at: tableOffset, count: entrySize * entryCount) else { return nil }
        for index in 0..<entryCount {
            let entry = index * entrySize
            // Program header: p_type at 0 (PT_NOTE = 4), p_offset at 8, p_filesz at 32.
            guard integer(table, entry, UInt32.self) == 4 else { continue }
            let size = Int(integer(table, entry + 32, UInt64.self))
            guard size > 0, size < 1 << 20, let notes = read(at: integer(table, entry + 8, UInt64.self), count: size)
            else { continue }
            if let id = notes.withUnsafeBytes({ buildID(inNotes: $0) }) { return id }
        }
        return nil
    }

    /// Walks ELF notes (namesz, descsz, type, name and descriptor padded to 4 bytes) for GNU's build ID (type 3).
    private static func buildID(inNotes notes: UnsafeRawBufferPointer) -> String? {
        var offset = 0
        func padded(_ size: Int) -> Int { (size + 3) & ~3 }
        while offset + 12 <= notes.count {
            let nameSize = Int(notes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
            let descriptorSize = Int(notes.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self))
            let type = notes.loadUnaligned(fromByteOffset: offset + 8, as: UInt32.self)
            let descriptor = offset + 12 + padded(nameSize)
            guard descriptor + descriptorSize <= notes.count else { return nil }
            let name = notes[(offset + 12)..<(offset + 12 + nameSize)]
            if type == 3 && name.elementsEqual(Array("GNU\0".utf8)) && descriptorSize > 0 {
                return notes[descriptor..<(descriptor + descriptorSize)].hexadecimal
            }
            offset = descriptor + padded(descriptorSize)
        }
        return nil
    }

    /// The binary's path, size and modification time, for binaries linked without a build ID.
    private static func fileIdentity(of path: String) -> String? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
              let size = attributes[.size] as? Int, let modified = attributes[.modificationDate] as? Date
        else { return nil }
        return "\(path):\(size):\(Int(modified.timeIntervalSince1970))"
    }
}
