// SafeTensors: round trips, the byte layout, a file written by Python's safetensors, and atomic writes.

import Foundation
import Testing
import Tracer
import Optim

@Suite("SafeTensors")
struct SafeTensorsTests {
    static func sample() -> SafeTensors {
        var f64 = Data()
        for value in [0.1, -2.5e300] {
            withUnsafeBytes(of: value.bitPattern.littleEndian) { f64.append(contentsOf: $0) }
        }
        var i64 = Data()
        for value in [Int64.min, 42] { withUnsafeBytes(of: value.littleEndian) { i64.append(contentsOf: $0) } }
        return SafeTensors(
            tensors: [
                "0.weight": SafeTensor([1, -2.5, .infinity, 0x1p-140, -0.0, 3.25], shape: [2, 3]),
                "indices": SafeTensor(int32: [Int32.min, -1, 0, Int32.max], shape: [4]),
                "scalar": SafeTensor([7.5], shape: []),
                "empty": SafeTensor([Float](), shape: [0, 5]),
                "doubles": SafeTensor(dtype: .f64, shape: [2], data: f64),
                "longs": SafeTensor(dtype: .i64, shape: [1, 2], data: i64),
                "name with \"quotes\", \\ and é": SafeTensor([1], shape: [1]),
            ],
            metadata: ["iteration": "12", "seed": "0", "note": "line\nbreak \"quoted\" \u{1} ü"])
    }

    @Test("encode then decode gives the same tensors and metadata")
    func roundTrip() throws {
        let original = Self.sample()
        let decoded = try SafeTensors(decoding: original.encoded())
        #expect(decoded == original)
        #expect(decoded["0.weight"]?.floats() == [1, -2.5, .infinity, 0x1p-140, -0.0, 3.25])
        #expect(decoded["indices"]?.integers() == [Int64(Int32.min), -1, 0, Int64(Int32.max)])
        #expect(decoded["doubles"]?.doubles() == [0.1, -2.5e300])
        #expect(decoded["doubles"]?.floats() == [0.1, -.infinity])
        #expect(decoded["longs"]?.integers() == [Int64.min, 42])
        #expect(decoded["scalar"]?.elementCount == 1)
        #expect(decoded["empty"]?.elementCount == 0)
        #expect(decoded["indices"]?.floats() == nil && decoded["0.weight"]?.integers() == nil)
    }

    @Test("layout: little-endian header length, space-padded JSON header, data at a multiple of 8, name order")
    func layout() throws {
        let data = [UInt8](SafeTensors(tensors: ["b": SafeTensor([2], shape: [1]), "a": SafeTensor([1, 1], shape: [2])],
                                       metadata: ["k": "v"]).encoded())
        let length = (0..<8).reduce(0) { $0 | Int(data[$1]) << (8 * $1) }
        #expect(length % 8 == 0)
        let header = String(decoding: data[8..<(8 + length)], as: UTF8.self)
        #expect(header.hasPrefix(#"{"__metadata__":{"k":"v"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"#))
        let last = #""b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#
        #expect(header.trimmingCharacters(in: .whitespaces).hasSuffix(last))
        #expect(data.count == 8 + length + 12)
        #expect(Array(data[(8 + length)...]) == [0, 0, 0x80, 0x3F, 0, 0, 0x80, 0x3F, 0, 0, 0, 0x40])
        // No metadata: no "__metadata__" entry.
        let plain = [UInt8](SafeTensors(tensors: ["a": SafeTensor([1], shape: [1])]).encoded())
        #expect(!String(decoding: plain, as: UTF8.self).contains("__metadata__"))
    }

    @Test("a file written by Python's safetensors (numpy) reads back with its dtypes, shapes and metadata")
    func pythonFixture() throws {
        let file = try SafeTensors.read(from: fixture("python_written.safetensors"))
        #expect(file.metadata == ["iteration": "7", "seed": "42", "writer": "python"])
        #expect(Set(file.tensors.keys) == ["weight", "indices", "counts", "scale", "empty"])
        #expect(file["weight"]?.dtype == .f32 && file["weight"]?.shape == [2, 3])
        #expect(file["weight"]?.floats() == [0.5, -1.25, 3.0, 1e-3, -0.0, 65504.0])
        #expect(file["indices"]?.dtype == .i32 && file["indices"]?.integers() == [-2, 0, 7, 2_147_483_647])
        #expect(file["counts"]?.dtype == .i64 && file["counts"]?.integers() == [-9_007_199_254_740_993, 12])
        #expect(file["scale"]?.dtype == .f64 && file["scale"]?.shape == [] && file["scale"]?.doubles() == [0.1])
        #expect(file["empty"]?.shape == [0, 3] && file["empty"]?.floats() == [])
        // And it survives our own round trip.
        #expect(try SafeTensors(decoding: file.encoded()) == file)
    }

    @Test("write is atomic: the file appears whole, replaces an older one, and no temporary file stays")
    func atomicWrite() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("state.safetensors")
        try SafeTensors(tensors: ["a": SafeTensor([1], shape: [1])]).write(to: url)
        let sample = Self.sample()
        try sample.write(to: url)
        #expect(try SafeTensors.read(from: url) == sample)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["state.safetensors"])
    }

    @Test("FloatArray conversions: evaluated arrays and literals")
    func floatArrays() {
        inFreshContext {
            let computed = FloatArray([1, 2, 3]) * 2
            #expect(SafeTensor(computed, shape: [3]).floats() == [2, 4, 6])
            #expect(SafeTensor(FloatArray.full(1.5, count: 4), shape: [2, 2]).floats() == [1.5, 1.5, 1.5, 1.5])
            #expect(SafeTensor([1, 2], shape: [2]).floatArray()?.values == [1, 2])
            #expect(SafeTensor(int32: [Int32(1)], shape: [1]).floatArray() == nil)
        }
    }
}
