// Checkpoints restored from disk tensor by tensor: same results as in memory, F64 tensors, and every bad file
// refused before any tensor is read.

import Foundation
import Testing
import Tracer
@testable import Optim

@Suite("Checkpoint from disk")
struct CheckpointStreamingTests {
    /// A trained 3 -> 4 -> 2 model and its Adam optimiser, saved to `url` after 2 steps.
    static func savedRun(to url: URL) -> (Sequential, Adam) {
        let model = CheckpointTests.model(seed: 11)
        let adam = Adam(model.parameters, lr: 0.05)
        CheckpointTests.train(model, adam, steps: 2)
        try! Checkpoint(module: model, optimizer: adam, iteration: 2, seed: 4).write(to: url)
        return (model, adam)
    }

    /// The problem of restoring `file` into a fresh 3 -> 4 -> 2 model with Adam, after checking that nothing changed.
    static func problem(restoring url: URL) throws -> CheckpointError.Problem? {
        let model = CheckpointTests.model(seed: 12)
        let adam = Adam(model.parameters)
        let before = model.parameters.map(\.values)
        do {
            try Checkpoint.read(from: url).restore(module: model, optimizer: adam)
            return nil
        } catch let error as CheckpointError {
            #expect(error.file == url.path)
            #expect(model.parameters.map(\.values) == before)
            #expect(adam.states.allSatisfy { $0 == nil })
            return error.problem
        }
    }

    @Test("a checkpoint read from disk restores the same values and state as the one in memory")
    func sameAsInMemory() throws {
        try inFreshContext {
            let directory = try temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let url = directory.appendingPathComponent("run.safetensors")
            let (model, adam) = Self.savedRun(to: url)
            let opened = try Checkpoint.read(from: url)
            #expect(opened.tensors is SafeTensorsFile)
            #expect(opened.iteration == 2 && opened.seed == 4)
            let restored = CheckpointTests.model(seed: 99)
            let restoredAdam = Adam(restored.parameters, lr: 0.05)
            try opened.restore(module: restored, optimizer: restoredAdam)
            #expect(restored.parameters.map(\.values) == model.parameters.map(\.values))
            for (a, b) in zip(adam.states, restoredAdam.states) {
                #expect(a?.step == b?.step && a?.expAvg.values == b?.expAvg.values
                        && a?.expAvgSq.values == b?.expAvgSq.values)
            }
            // Written back, the opened checkpoint is the same file.
            let copy = directory.appendingPathComponent("copy.safetensors")
            try opened.write(to: copy)
            #expect(try Data(contentsOf: copy) == Data(contentsOf: url))
        }
    }

    @Test("evaluated parameters and optimiser state are overwritten in their own memory, as load_state_dict does")
    func inPlace() throws {
        try inFreshContext {
            let directory = try temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let url = directory.appendingPathComponent("run.safetensors")
            let (model, adam) = Self.savedRun(to: url)
            let restored = CheckpointTests.model(seed: 98)
            let restoredAdam = Adam(restored.parameters, lr: 0.05)
            CheckpointTests.train(restored, restoredAdam, steps: 1)   // values and state evaluated
            let memory = restored.parameters.map { $0.value.node.storage }
            let state = restoredAdam.states.map { $0?.expAvg.node.storage }
            let alias = restored.parameters[0].value.detached()
            try Checkpoint.read(from: url).restore(module: restored, optimizer: restoredAdam)
            #expect(zip(restored.parameters, memory).allSatisfy { $0.value.node.storage === $1 })
            #expect(zip(restoredAdam.states, state).allSatisfy { $0?.expAvg.node.storage === $1 })
            #expect(restored.parameters.map(\.values) == model.parameters.map(\.values))
            #expect(alias.values == model.parameters[0].values)
            #expect(restoredAdam.states.map { $0?.expAvgSq.values } == adam.states.map { $0?.expAvgSq.values })
            #expect(restored.parameters.allSatisfy { !$0.hasGradient })
        }
    }

    @Test("a tensor holding NaN is refused when restoring (naming key and element) and never written")
    func nonFinite() throws {
        try inFreshContext {
            let directory = try temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let url = directory.appendingPathComponent("run.safetensors")
            _ = Self.savedRun(to: url)
            var contents = try SafeTensors.read(from: url)
            contents["0.bias"] = SafeTensor([0, 1, .nan, 2], shape: [4])
            let bad = directory.appendingPathComponent("bad.safetensors")
            try contents.write(to: bad)
            let model = CheckpointTests.model(seed: 12)
            #expect {
                try Checkpoint.read(from: bad).restore(module: model, optimizer: Adam(model.parameters))
            } throws: { error in
                guard let error = error as? CheckpointError, case let .nonFinite(key, index, value) = error.problem else { return false }
                return key == "0.bias" && index == 2 && value.isNaN
            }
            // Writing refuses it too, and the file in place stays as it was.
            let before = try Data(contentsOf: url)
            #expect(throws: CheckpointError.self) { try Checkpoint(contents: contents, file: bad.path).write(to: url) }
            #expect(try Data(contentsOf: url) == before)
        }
    }

    @Test("F64 tensors are read in pieces and rounded to float, as in memory")
    func doubles() throws {
        try inFreshContext {
            let directory = try temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let count = 200_000   // more than one read buffer
            let values = (0..<count).map { Double($0) * 1.000000123 - 7e4 }
            var data = Data()
            for value in values { withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
            let url = directory.appendingPathComponent("f64.safetensors")
            try SafeTensors(tensors: ["weight": SafeTensor(dtype: .f64, shape: [count], data: data)],
                            metadata: ["iteration": "0", "seed": "0"]).write(to: url)
            let parameter = Parameter("weight", shape: [count], values: [Float](repeating: 0, count: count))
            struct One: Module {
                let parameter: Parameter
                var namedParameters: [(name: String, parameter: Parameter)] { [("weight", parameter)] }
                func callAsFunction(_ x: FloatArray) -> FloatArray { x }
            }
            try Checkpoint.read(from: url).restore(module: One(parameter: parameter))
            #expect(parameter.values == values.map { Float($0) })
        }
    }

    @Test("a file cut short, or whose header claims more data than it holds, is refused on opening")
    func truncatedAndLyingHeaders() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("run.safetensors")
        _ = inFreshContext { Self.savedRun(to: url) }
        let bytes = try Data(contentsOf: url)
        let cut = directory.appendingPathComponent("cut.safetensors")
        try bytes.prefix(bytes.count - 5).write(to: cut)
        #expect(throws: SafeTensorsError.self) { try Checkpoint.read(from: cut) }
        // A header that says a tensor of 2^40 floats follows, in a file of a few hundred bytes.
        let header = #"{"__metadata__":{"iteration":"1","seed":"0"},"0.weight":{"dtype":"F32","shape":[1048576,1048576],"data_offsets":[0,4398046511104]}}"#
        var lying = Data()
        withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { lying.append(contentsOf: $0) }
        lying.append(Data(header.utf8))
        lying.append(Data(count: 64))
        let liar = directory.appendingPathComponent("liar.safetensors")
        try lying.write(to: liar)
        #expect {
            try Checkpoint.read(from: liar)
        } throws: { error in
            guard let error = error as? SafeTensorsError, case .offsetsOutOfBounds = error.problem else { return false }
            return error.file == liar.path
        }
    }

    @Test("wrong shape, wrong dtype, another model or another optimiser: refused before any tensor is read")
    func mismatches() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("run.safetensors")
        let good = try inFreshContext { () -> SafeTensors in
            _ = Self.savedRun(to: url)
            return try SafeTensors.read(from: url)
        }
        func write(_ change: (inout SafeTensors) -> Void) throws -> URL {
            var contents = good
            change(&contents)
            let file = directory.appendingPathComponent("changed.safetensors")
            try contents.write(to: file)
            return file
        }
        try inFreshContext { () throws -> Void in
            #expect(try Self.problem(restoring: url) == nil)
            #expect(try Self.problem(restoring: write { $0["2.weight"] = SafeTensor([Float](repeating: 0, count: 8), shape: [8]) })
                    == .shapeMismatch(key: "2.weight", expected: [2, 4], found: [8]))
            #expect(try Self.problem(restoring: write { $0["adam.0.bias.exp_avg"] = SafeTensor(int32: [1, 2, 3, 4], shape: [4]) })
                    == .wrongDType(key: "adam.0.bias.exp_avg", found: "I32"))
            // A bigger model's checkpoint: one layer more.
            #expect(try Self.problem(restoring: write { $0["4.weight"] = SafeTensor([1, 2], shape: [1, 2]) })
                    == .unexpectedTensor(key: "4.weight"))
            // SGD's state offered to Adam.
            #expect(try Self.problem(restoring: write { $0["sgd.0.bias.momentum_buffer"] = SafeTensor([1, 2, 3, 4], shape: [4]) })
                    == .unexpectedTensor(key: "sgd.0.bias.momentum_buffer"))
        }
    }
}
