// The kernel disk cache: entries written, loaded by a fresh process without compiling, refused when damaged.
import Foundation
import Testing
@testable import Tracer

/// A new empty directory under the system's temporary folder.
func makeTemporaryDirectory(_ label: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("refract-\(label)-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// The reports a cache made, collected from any thread.
final class CacheReportLog: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [KernelDiskCacheReport] = []
    func append(_ item: KernelDiskCacheReport) { lock.withLock { items.append(item) } }
    var reports: [KernelDiskCacheReport] { lock.withLock { items } }
}

/// What a fresh process has: a context whose in-memory kernel cache and JIT are new, using the disk cache in
/// `directory` (none when nil).
func freshProcessContext(directory: URL?, log: CacheReportLog) throws -> TraceContext {
    let diskCache = directory.map { KernelDiskCache(directory: $0, report: { log.append($0) }) }
    let context = TraceContext(options: CompileOptions(variant: .llvm, threadCount: 1, diskCache: diskCache))
    context.kernelCache = KernelCache(llvm: LLVMBackend(jit: try LLVMJIT()))
    return context
}

/// The entry files in a cache directory.
func cacheEntries(in directory: URL) -> [URL] {
    let walk = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil)
    return (walk?.allObjects as? [URL] ?? []).filter { $0.pathExtension == "kernel" }.sorted { $0.path < $1.path }
}

/// One fused kernel over 100 lanes (transcendentals, so the object code is not trivial); `scale` changes the program.
func diskCacheProgram(scale: Float = 0.37) -> FloatArray {
    let x = FloatArray(Int32Array.arange(100)) * scale
    return sin(x) * exp(-x * 0.1) + sqrt(x)
}

/// Evaluates `diskCacheProgram` in `context` and returns its bits and the context's statistics.
func runDiskCacheProgram(in context: TraceContext, scale: Float = 0.37) -> (bits: [UInt32], statistics: TraceStatistics) {
    defer { context.clearValueNumbers() }
    let bits = TraceContext.with(context) { diskCacheProgram(scale: scale).values.map(\.bitPattern) }
    return (bits, context.statistics)
}

@Suite("Kernel disk cache")
struct KernelDiskCacheTests {
    @Test("a compiled kernel is stored, and a fresh process loads it with no compile and the same results")
    func storesAndReloads() throws {
        let directory = try makeTemporaryDirectory("cache")
        defer { try? FileManager.default.removeItem(at: directory) }
        let log = CacheReportLog()
        let first = runDiskCacheProgram(in: try freshProcessContext(directory: directory, log: log))
        #expect(first.statistics.kernelsCompiled == 1)
        #expect(first.statistics.diskCacheHits == 0)
        #expect(cacheEntries(in: directory).count == 1)
        #expect(KernelDiskCache(directory: directory).usage.entries == 1)

        let second = runDiskCacheProgram(in: try freshProcessContext(directory: directory, log: log))
        #expect(second.statistics.kernelsCompiled == 0)
        #expect(second.statistics.diskCacheHits == 1)
        #expect(second.bits == first.bits)
        #expect(log.reports.isEmpty)
    }

    /// Ways to damage an entry, each of which must be refused.
    enum Damage: String, CaseIterable, Sendable {
        case truncated, corruptPayloadByte, anotherKernelsEntry, otherCPUField
    }

    @Test("a truncated, corrupt or foreign entry is reported once, never run, recompiled and replaced",
          arguments: Damage.allCases)
    func damagedEntry(damage: Damage) throws {
        let directory = try makeTemporaryDirectory("damage")
        defer { try? FileManager.default.removeItem(at: directory) }
        let log = CacheReportLog()
        let first = runDiskCacheProgram(in: try freshProcessContext(directory: directory, log: log))
        let entry = try #require(cacheEntries(in: directory).first)
        let intact = try [UInt8](Data(contentsOf: entry))

        let damaged: [UInt8]
        let kind: KernelDiskCacheReport.Kind
        switch damage {
        case .truncated:
            (damaged, kind) = (Array(intact.prefix(intact.count / 2)), .truncated)
        case .corruptPayloadByte:
            var bytes = intact
            bytes[bytes.count - SHA256.byteCount - 100] ^= 0x5a
            (damaged, kind) = (bytes, .corrupt)
        case .anotherKernelsEntry:
            let other = try makeTemporaryDirectory("other")
            defer { try? FileManager.default.removeItem(at: other) }
            _ = runDiskCacheProgram(in: try freshProcessContext(directory: other, log: log), scale: 0.5)
            let otherEntry = try #require(cacheEntries(in: other).first)
            (damaged, kind) = (try [UInt8](Data(contentsOf: otherEntry)), .foreign)
        case .otherCPUField:
            // A well-formed entry with an intact checksum and the right object code, made for another CPU.
            let program = try #require(TraceContext.with(CompileOptions(variant: .llvm)) { diskCacheProgram().kernelProgram })
            let key = LLVMBackend.shared.cacheKey(for: program)
            let payload = try KernelCacheEntry.decode(intact, expecting: key).get()
            let otherCPU = KernelCacheKey(fields: key.fields.map { $0.hasPrefix("cpu=") ? "cpu=some-other-cpu" : $0 })
            (damaged, kind) = (KernelCacheEntry.encode(payload: payload, key: otherCPU), .foreign)
        }
        try Data(damaged).write(to: entry)

        let second = runDiskCacheProgram(in: try freshProcessContext(directory: directory, log: log))
        #expect(second.bits == first.bits)
        #expect(second.statistics.diskCacheHits == 0, "a refused entry must not be loaded")
        #expect(second.statistics.kernelsCompiled == 1)
        #expect(log.reports.map(\.kind) == [kind])
        #expect(log.reports.first?.path == entry.path)
        #expect(try [UInt8](Data(contentsOf: entry)) == intact, "the entry is replaced by a fresh compile")

        let third = runDiskCacheProgram(in: try freshProcessContext(directory: directory, log: log))
        #expect(third.statistics.diskCacheHits == 1 && third.statistics.kernelsCompiled == 0)
        #expect(log.reports.count == 1)
    }

    @Test("an intact entry whose object code LLVM refuses is reported, removed and compiled around")
    func unloadableObject() throws {
        let directory = try makeTemporaryDirectory("unloadable")
        defer { try? FileManager.default.removeItem(at: directory) }
        let log = CacheReportLog()
        let program = try #require(TraceContext.with(CompileOptions(variant: .llvm)) { diskCacheProgram().kernelProgram })
        let key = LLVMBackend.shared.cacheKey(for: program)
        let url = KernelDiskCache(directory: directory).entryURL(for: key)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(KernelCacheEntry.encode(payload: Array("not object code".utf8), key: key)).write(to: url)

        let reference = runDiskCacheProgram(in: try freshProcessContext(directory: nil, log: log))
        let run = runDiskCacheProgram(in: try freshProcessContext(directory: directory, log: log))
        #expect(run.bits == reference.bits)
        #expect(run.statistics.kernelsCompiled == 1 && run.statistics.diskCacheHits == 0)
        #expect(log.reports.map(\.kind) == [.corrupt])
        #expect(log.reports.first?.detail.contains("LLVM could not load it") == true)
        #expect(!FileManager.default.fileExists(atPath: url.path))
    }

    @Test("a refused entry is reported once per process, however often it is met")
    func reportsOnce() throws {
        let directory = try makeTemporaryDirectory("once")
        defer { try? FileManager.default.removeItem(at: directory) }
        let log = CacheReportLog()
        let cache = KernelDiskCache(directory: directory, report: { log.append($0) })
        let key = KernelCacheKey(fields: ["program=test"])
        let url = cache.entryURL(for: key)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data("not a kernel".utf8).write(to: url)
        #expect(cache.load(key) == nil)
        #expect(cache.load(key) == nil)
        #expect(log.reports.map(\.kind) == [.foreign])
    }

    @Test("without a disk cache nothing is stored and nothing is loaded")
    func switchedOff() throws {
        let log = CacheReportLog()
        let directory = try makeTemporaryDirectory("off")
        defer { try? FileManager.default.removeItem(at: directory) }
        let withCache = runDiskCacheProgram(in: try freshProcessContext(directory: directory, log: log))
        let without = runDiskCacheProgram(in: try freshProcessContext(directory: nil, log: log))
        #expect(without.statistics.kernelsCompiled == 1 && without.statistics.diskCacheHits == 0)
        #expect(without.bits == withCache.bits)
        #expect(cacheEntries(in: directory).count == 1)
    }

    @Test("concurrent writers of one key leave one valid entry and no temporary files")
    func concurrentWriters() async throws {
        let directory = try makeTemporaryDirectory("concurrent")
        defer { try? FileManager.default.removeItem(at: directory) }
        let log = CacheReportLog()
        let results = try await withThrowingTaskGroup(of: [UInt32].self) { group in
            for _ in 0..<4 {
                let context = try freshProcessContext(directory: directory, log: log)
                group.addTask { runDiskCacheProgram(in: context).bits }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(Set(results).count == 1)
        let files = try FileManager.default.subpathsOfDirectory(atPath: directory.path)
        #expect(!files.contains { $0.hasSuffix(".tmp") })
        #expect(cacheEntries(in: directory).count == 1)
        let reader = runDiskCacheProgram(in: try freshProcessContext(directory: directory, log: log))
        #expect(reader.statistics.diskCacheHits == 1 && reader.statistics.kernelsCompiled == 0)
        #expect(reader.bits == results.first)
        #expect(log.reports.isEmpty)
    }

    @Test("an unwritable directory is reported and the kernel still runs")
    func unwritableDirectory() throws {
        let file = try makeTemporaryDirectory("unwritable").appendingPathComponent("a-file")
        defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
        try Data().write(to: file)
        let log = CacheReportLog()
        // A directory below a plain file cannot be created, whoever runs the test (root ignores permissions).
        let run = runDiskCacheProgram(in: try freshProcessContext(directory: file.appendingPathComponent("cache"), log: log))
        #expect(run.statistics.kernelsCompiled == 1)
        #expect(log.reports.map(\.kind) == [.unwritable])
    }

    @Test("keys differ by program and by every machine field; symbol names follow the key")
    func keys() throws {
        let programs = try TraceContext.with(CompileOptions(variant: .llvm)) {
            [try #require(diskCacheProgram().kernelProgram), try #require(diskCacheProgram(scale: 0.5).kernelProgram)]
        }
        #expect(programs[0].digest == programs[0].digest && programs[0].digest != programs[1].digest)
        let base = KernelCacheKey(program: programs[0], llvmVersion: "14.0.6", cpuName: "znver3", cpuFeatures: "+avx2",
                                  build: "0.1.0+abc")
        let variants = [
            KernelCacheKey(program: programs[1], llvmVersion: "14.0.6", cpuName: "znver3", cpuFeatures: "+avx2", build: "0.1.0+abc"),
            KernelCacheKey(program: programs[0], llvmVersion: "15.0.0", cpuName: "znver3", cpuFeatures: "+avx2", build: "0.1.0+abc"),
            KernelCacheKey(program: programs[0], llvmVersion: "14.0.6", cpuName: "skylake", cpuFeatures: "+avx2", build: "0.1.0+abc"),
            KernelCacheKey(program: programs[0], llvmVersion: "14.0.6", cpuName: "znver3", cpuFeatures: "-avx2", build: "0.1.0+abc"),
            KernelCacheKey(program: programs[0], llvmVersion: "14.0.6", cpuName: "znver3", cpuFeatures: "+avx2", build: "0.1.0+abd"),
        ]
        #expect(Set(variants.map(\.hash) + [base.hash]).count == 6)
        #expect(base.symbolName.hasPrefix("refract_kernel_") && base.symbolName != variants[0].symbolName)
        #expect(BuildIdentity.string.hasPrefix(BuildIdentity.version + "+"))
    }

    @Test("entry decoding names the problem", arguments: [
        (Array("RFRK".utf8), "truncated"), (Array("#!/bin/sh\necho".utf8), "foreign"),
        (Array("RFRKERNL".utf8) + [2, 0, 0, 0], "foreign"), (Array("RFRKERNL".utf8) + [1, 0, 0, 0, 5], "truncated"),
    ])
    func decodeProblems(bytes: [UInt8], expected: String) {
        let key = KernelCacheKey(fields: ["program=x"])
        let valid = KernelCacheEntry.encode(payload: [1, 2, 3], key: key)
        #expect((try? KernelCacheEntry.decode(valid, expecting: key).get()) == [1, 2, 3])
        switch KernelCacheEntry.decode(bytes, expecting: key) {
        case .success: Issue.record("decoded a damaged entry")
        case .failure(.truncated): #expect(expected == "truncated")
        case .failure(.corrupt): #expect(expected == "corrupt")
        case .failure(.foreign): #expect(expected == "foreign")
        }
    }
}

@Suite("SHA-256")
struct SHA256Tests {
    @Test("FIPS 180-4 test vectors, fed whole and in pieces")
    func vectors() {
        let cases: [(String, String)] = [
            ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
            ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
            ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
             "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        ]
        for (message, digest) in cases {
            #expect(SHA256.hash(Array(message.utf8)).hexadecimal == digest)
        }
        var pieces = SHA256()
        for _ in 0..<1000 { pieces.update(Array(repeating: UInt8(ascii: "a"), count: 1000)) }
        #expect(pieces.finalize().hexadecimal == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }
}
