// SafeTensors validation: every error names the file and the problem, as the safetensors package validates.

import Foundation
import Testing
import Optim

@Suite("SafeTensors errors")
struct SafeTensorsErrorTests {
    /// A file from a header text and data bytes, the header length as given or the text's length.
    static func file(_ header: String, data: [UInt8] = [], length: UInt64? = nil) -> Data {
        let text = Array(header.utf8)
        var bytes = withUnsafeBytes(of: (length ?? UInt64(text.count)).littleEndian) { Array($0) }
        bytes += text + data
        return Data(bytes)
    }

    static func tensor(_ name: String, _ dtype: String = "F32", shape: String, offsets: String) -> String {
        "\"\(name)\":{\"dtype\":\"\(dtype)\",\"shape\":\(shape),\"data_offsets\":\(offsets)}"
    }

    /// The problem reported for `data`, after checking that the error names the file.
    func problem(_ data: Data) -> SafeTensorsError.Problem? {
        do {
            _ = try SafeTensors(decoding: data, file: "bad.safetensors")
            return nil
        } catch let error as SafeTensorsError {
            #expect(error.file == "bad.safetensors")
            #expect("\(error)".hasPrefix("bad.safetensors: "))
            return error.problem
        } catch {
            return nil
        }
    }

    @Test("header length: a file shorter than 8 bytes, a length past the end, a length over 100 MB")
    func headerLength() {
        #expect(problem(Data([1, 2, 3])) == .fileTooShort(byteCount: 3))
        #expect(problem(Self.file("{}", length: 1000)) == .headerLengthOutOfRange(length: 1000, fileSize: 10))
        #expect(problem(Self.file("{}", length: 1 << 40)) == .headerLengthOutOfRange(length: 1 << 40, fileSize: 10))
    }

    @Test("malformed headers", arguments: [
        ("[]", "the header does not start with '{'"),
        (" {}", "the header does not start with '{'"),
        ("{\"a\":", "the header is not valid JSON"),
        ("{\"a\":1}", "tensor 'a' is not a JSON object"),
        ("{\"a\":{\"shape\":[1],\"data_offsets\":[0,4]}}", "tensor 'a' has no string 'dtype'"),
        ("{\"a\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}",
         "tensor 'a' has no integer array 'shape'"),
        ("{\"a\":{\"dtype\":\"F32\",\"shape\":[true],\"data_offsets\":[0,4]}}",
         "tensor 'a' has no integer array 'shape'"),
        ("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}",
         "tensor 'a' has no 'data_offsets' of two integers"),
        ("{\"__metadata__\":{\"k\":1}}", "'__metadata__' value of 'k' is not a string"),
        ("{\"__metadata__\":[]}", "'__metadata__' is not a JSON object"),
    ])
    func malformed(header: String, reason: String) {
        #expect(problem(Self.file(header, data: [0, 0, 0, 0])) == .malformedHeader(reason))
    }

    @Test("a header that is not UTF-8")
    func notUTF8() {
        var data = [UInt8](Self.file("{}"))
        data[9] = 0xFF
        #expect(problem(Data(data)) == .malformedHeader("the header is not UTF-8"))
    }

    @Test("unknown or unsupported dtype")
    func unknownDType() {
        let header = "{" + Self.tensor("half", "F16", shape: "[2]", offsets: "[0,4]") + "}"
        #expect(problem(Self.file(header, data: [0, 0, 0, 0])) == .unknownDType(tensor: "half", dtype: "F16"))
    }

    @Test("negative or overflowing shapes")
    func invalidShape() {
        let negative = "{" + Self.tensor("a", shape: "[-1]", offsets: "[0,4]") + "}"
        #expect(problem(Self.file(negative, data: [0, 0, 0, 0])) == .invalidShape(tensor: "a", shape: [-1]))
        let huge = "{" + Self.tensor("a", shape: "[4611686018427387904,4]", offsets: "[0,4]") + "}"
        #expect(problem(Self.file(huge, data: [0, 0, 0, 0]))
                == .invalidShape(tensor: "a", shape: [4_611_686_018_427_387_904, 4]))
    }

    @Test("offsets: reversed, negative, out of bounds")
    func offsets() {
        let reversed = "{" + Self.tensor("a", shape: "[0]", offsets: "[4,0]") + "}"
        #expect(problem(Self.file(reversed, data: [0, 0, 0, 0])) == .invalidOffsets(tensor: "a", begin: 4, end: 0))
        let negative = "{" + Self.tensor("a", shape: "[1]", offsets: "[-4,0]") + "}"
        #expect(problem(Self.file(negative, data: [0, 0, 0, 0])) == .invalidOffsets(tensor: "a", begin: -4, end: 0))
        let beyond = "{" + Self.tensor("a", shape: "[4]", offsets: "[0,16]") + "}"
        #expect(problem(Self.file(beyond, data: [UInt8](repeating: 0, count: 8)))
                == .offsetsOutOfBounds(tensor: "a", begin: 0, end: 16, dataSize: 8))
    }

    @Test("overlapping byte ranges")
    func overlapping() {
        let header = "{" + Self.tensor("a", shape: "[2]", offsets: "[0,8]") + ","
            + Self.tensor("b", shape: "[2]", offsets: "[4,12]") + "}"
        #expect(problem(Self.file(header, data: [UInt8](repeating: 0, count: 12)))
                == .overlappingOffsets(tensor: "b", other: "a"))
    }

    @Test("bytes that belong to no tensor: a gap, trailing bytes")
    func unusedBytes() {
        let gap = "{" + Self.tensor("a", shape: "[1]", offsets: "[0,4]") + ","
            + Self.tensor("b", shape: "[1]", offsets: "[8,12]") + "}"
        #expect(problem(Self.file(gap, data: [UInt8](repeating: 0, count: 12))) == .unusedBytes(begin: 4, end: 8))
        let trailing = "{" + Self.tensor("a", shape: "[1]", offsets: "[0,4]") + "}"
        #expect(problem(Self.file(trailing, data: [UInt8](repeating: 0, count: 8))) == .unusedBytes(begin: 4, end: 8))
    }

    @Test("a byte range that does not hold the shape's elements")
    func sizeMismatch() {
        let header = "{" + Self.tensor("a", "I64", shape: "[3]", offsets: "[0,16]") + "}"
        #expect(problem(Self.file(header, data: [UInt8](repeating: 0, count: 16)))
                == .sizeMismatch(tensor: "a", shape: [3], dtype: "I64", byteCount: 16))
    }

    @Test("unreadable and unwritable files name the path")
    func fileSystem() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let missing = directory.appendingPathComponent("missing.safetensors")
        #expect {
            try SafeTensors.read(from: missing)
        } throws: { error in
            guard let error = error as? SafeTensorsError, case .unreadable = error.problem else { return false }
            return error.file == missing.path
        }
        let nowhere = directory.appendingPathComponent("no-such-directory/out.safetensors")
        #expect {
            try SafeTensors().write(to: nowhere)
        } throws: { error in
            guard let error = error as? SafeTensorsError, case .unwritable = error.problem else { return false }
            return error.file == nowhere.path && "\(error)".contains("no-such-directory")
        }
    }
}
