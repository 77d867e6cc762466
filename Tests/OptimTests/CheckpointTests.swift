// Checkpoints: parameters, optimiser state, iteration and seed through a safetensors file; resuming training; errors.

import Foundation
import Testing
import Tracer
@testable import Optim

@Suite("Checkpoint")
struct CheckpointTests {
    static func model(seed: UInt64) -> Sequential {
        Sequential(Linear(inFeatures: 3, outFeatures: 4, seed: seed), Tanh(),
                   Linear(inFeatures: 4, outFeatures: 2, seed: seed + 1))
    }

    static func train(_ model: Sequential, _ optimizer: some Optimizer, steps: Int) {
        let x = FloatArray([0.5, -1, 2, 1.5, 0.25, -0.75])
        let target = FloatArray([1, -1, 0.5, 0])
        for _ in 0..<steps {
            optimizer.zeroGrad()
            mseLoss(model(x), target).backward()
            optimizer.step()
        }
    }

    @Test("Adam: save after 3 steps, restore into a fresh model and optimiser, 2 more steps agree bit for bit")
    func resumeAdam() throws {
        try inFreshContext {
            let directory = try temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let url = directory.appendingPathComponent("checkpoint.safetensors")
            let model = Self.model(seed: 1)
            let adam = Adam(model.parameters, lr: 0.05)
            Self.train(model, adam, steps: 3)
            try Checkpoint(module: model, optimizer: adam, iteration: 3, seed: 1).write(to: url)
            Self.train(model, adam, steps: 2)

            let file = try SafeTensors.read(from: url)
            #expect(file.metadata == ["iteration": "3", "seed": "1"])
            #expect(Set(file.tensors.keys) == Set(["0.weight", "0.bias", "2.weight", "2.bias"].flatMap { key in
                [key, "adam.\(key).exp_avg", "adam.\(key).exp_avg_sq", "adam.\(key).step"]
            }))
            #expect(file["0.weight"]?.shape == [4, 3] && file["adam.2.bias.exp_avg"]?.shape == [2])
            #expect(file["adam.0.weight.step"]?.shape == [] && file["adam.0.weight.step"]?.floats() == [3])

            let restored = Self.model(seed: 50)
            let restoredAdam = Adam(restored.parameters, lr: 0.05)
            let checkpoint = try Checkpoint.read(from: url)
            #expect(checkpoint.iteration == 3 && checkpoint.seed == 1)
            try checkpoint.restore(module: restored, optimizer: restoredAdam)
            #expect(restoredAdam.states.allSatisfy { $0?.step == 3 })
            Self.train(restored, restoredAdam, steps: 2)
            for (original, copy) in zip(model.parameters, restored.parameters) {
                #expect(original.values == copy.values)
            }
        }
    }

    @Test("SGD momentum buffers round trip; a never-stepped optimiser saves no state and restores to none")
    func sgdState() throws {
        try inFreshContext {
            let model = Self.model(seed: 3)
            let sgd = SGD(model.parameters, lr: 0.1, momentum: 0.9)
            let empty = Checkpoint(module: model, optimizer: sgd, iteration: 0, seed: 9)
            #expect(try empty.contents().tensors.count == 4)
            Self.train(model, sgd, steps: 2)
            let checkpoint = try Checkpoint(contents: SafeTensors(decoding: {
                var file = try! Checkpoint(module: model, optimizer: sgd, iteration: 2, seed: 9).contents()
                file.metadata = ["iteration": "2", "seed": "9"]
                return file.encoded()
            }()))
            #expect(try checkpoint.tensors.tensor("sgd.0.weight.momentum_buffer")?.floats() == sgd.momentumBuffers[0]?.values)
            let other = SGD(model.parameters, lr: 0.1, momentum: 0.9)
            try checkpoint.restore(module: model, optimizer: other)
            #expect(other.momentumBuffers.map { $0?.values } == sgd.momentumBuffers.map { $0?.values })
            try empty.restore(module: model, optimizer: other)
            #expect(other.momentumBuffers.allSatisfy { $0 == nil })
        }
    }

    /// The problem reported when restoring `contents` into a 3 -> 4 -> 2 model with Adam, after checking that the
    /// model was left unchanged.
    func restoreProblem(_ contents: SafeTensors) throws -> CheckpointError.Problem? {
        try inFreshContext {
            let model = Self.model(seed: 7)
            let adam = Adam(model.parameters)
            let before = model.parameters.map(\.values)
            do {
                try Checkpoint(contents: contents, file: "run.safetensors").restore(module: model, optimizer: adam)
                return nil
            } catch let error as CheckpointError {
                #expect(error.file == "run.safetensors" && "\(error)".hasPrefix("run.safetensors: "))
                #expect(model.parameters.map(\.values) == before)
                #expect(adam.states.allSatisfy { $0 == nil })
                return error.problem
            }
        }
    }

    func goodContents() -> SafeTensors {
        inFreshContext {
            let model = Self.model(seed: 7)
            let adam = Adam(model.parameters)
            Self.train(model, adam, steps: 1)
            var contents = try! Checkpoint(module: model, optimizer: adam, iteration: 1, seed: 0).contents()
            contents.metadata = ["iteration": "1", "seed": "0"]
            return contents
        }
    }

    @Test("restore errors name the file and key, and change nothing")
    func restoreErrors() throws {
        #expect(try restoreProblem(goodContents()) == nil)
        var missing = goodContents()
        missing["0.bias"] = nil
        #expect(try restoreProblem(missing) == .missingTensor(key: "0.bias"))
        var reshaped = goodContents()
        reshaped["2.weight"] = SafeTensor([Float](repeating: 0, count: 8), shape: [4, 2])
        #expect(try restoreProblem(reshaped) == .shapeMismatch(key: "2.weight", expected: [2, 4], found: [4, 2]))
        var integer = goodContents()
        integer["0.bias"] = SafeTensor(int32: [Int32](repeating: 0, count: 4), shape: [4])
        #expect(try restoreProblem(integer) == .wrongDType(key: "0.bias", found: "I32"))
        var noVariance = goodContents()
        noVariance["adam.0.weight.exp_avg_sq"] = nil
        #expect(try restoreProblem(noVariance) == .missingTensor(key: "adam.0.weight.exp_avg_sq"))
        var badStep = goodContents()
        badStep["adam.2.bias.step"] = SafeTensor([2.5], shape: [])
        #expect(try restoreProblem(badStep) == .invalidCount(key: "adam.2.bias.step"))
    }

    @Test("metadata: missing or invalid iteration and seed", arguments: [
        ([:], CheckpointError.Problem.missingMetadata(key: "iteration")),
        (["iteration": "3"], .missingMetadata(key: "seed")),
        (["iteration": "-1", "seed": "0"], .invalidMetadata(key: "iteration", value: "-1")),
        (["iteration": "2", "seed": "x1"], .invalidMetadata(key: "seed", value: "x1")),
    ])
    func metadata(metadata: [String: String], expected: CheckpointError.Problem) {
        #expect {
            try Checkpoint(contents: SafeTensors(metadata: metadata), file: "meta.safetensors")
        } throws: { error in
            (error as? CheckpointError) == CheckpointError(file: "meta.safetensors", problem: expected)
        }
    }

    @Test("reading a checkpoint with a bad metadata entry from disk names the path")
    func fromDisk() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("run.safetensors")
        try SafeTensors(metadata: ["iteration": "1"]).write(to: url)
        #expect {
            try Checkpoint.read(from: url)
        } throws: { error in
            (error as? CheckpointError) == CheckpointError(file: url.path, problem: .missingMetadata(key: "seed"))
        }
    }
}
