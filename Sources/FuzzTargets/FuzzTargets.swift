// FuzzTargets: one entry point per reader of a user's file, for the libFuzzer harnesses in Fuzz/ and the replay test.

import Foundation
import Integrators
import Optim

/// The readers of user files, each wrapped as a function of the file's bytes that decodes them and discards the
/// result or the thrown error. A thrown error is the reader doing its job; a crash, a trap, a hang or a huge
/// allocation is a bug. The libFuzzer harnesses (Fuzz/) and the corpus replay test call these functions.
public enum FuzzTargets {
    /// Every target by its name, which is also the name of its corpus folders (`Fuzz/Corpus/<name>`,
    /// `Fuzz/Regressions/<name>`) and the first argument of the harness (`refract-fuzz <name>`).
    public static let all: [(name: String, run: @Sendable (Data) -> Void)] = [
        ("scene_xml", sceneXML), ("exr", exr), ("png", png), ("jpeg", jpeg), ("npy", npy),
        ("safetensors", safetensors), ("obj", obj), ("ply", ply), ("serialized", serialized), ("hdr", hdr),
        ("curves", curves),
    ]

    /// The target named `name`, if any.
    public static func target(named name: String) -> (@Sendable (Data) -> Void)? {
        all.first { $0.name == name }?.run
    }

    /// A Mitsuba 3 scene file: `SceneDocument(xml:url:)`, then `Scene(document:)`. The scene is placed in a folder
    /// that does not exist, so relative `<include>`s and `filename`s find nothing.
    @Sendable public static func sceneXML(_ data: Data) {
        let url = URL(fileURLWithPath: "/nonexistent-refract-fuzz/scene.xml")
        guard let document = try? SceneDocument(xml: String(decoding: data, as: UTF8.self), url: url) else { return }
        _ = try? Scene(document: document)
    }

    /// An OpenEXR file, read as an `EXRImage` (any channel names: a render, a shard's partial film) and, when that
    /// succeeds, as a `Bitmap` (which needs Y, YA, RGB or RGBA).
    @Sendable public static func exr(_ data: Data) {
        guard (try? EXRImage(data: data, fileName: "fuzz.exr")) != nil else { return }
        image(data, format: .exr)
    }

    /// A PNG file, read as a `Bitmap` through CImageCodecs (libpng).
    @Sendable public static func png(_ data: Data) {
        image(data, format: .png)
    }

    /// A JPEG file, read as a `Bitmap` through CImageCodecs (libjpeg).
    @Sendable public static func jpeg(_ data: Data) {
        image(data, format: .jpeg)
    }

    /// A NumPy `.npy` array, read as a `Bitmap`.
    @Sendable public static func npy(_ data: Data) {
        image(data, format: .npy)
    }

    /// A safetensors file, decoded in memory (`SafeTensors(decoding:)`, every tensor's values read) and opened from
    /// a file (`SafeTensorsFile(contentsOf:)`, every tensor read with positioned reads).
    @Sendable public static func safetensors(_ data: Data) {
        if let decoded = try? SafeTensors(decoding: data) {
            for tensor in decoded.tensors.values {
                _ = tensor.floats()
                _ = tensor.doubles()
                _ = tensor.integers()
                _ = tensor.firstNonFinite()
            }
        }
        guard (try? data.write(to: scratchFile)) != nil else { return }
        defer { try? FileManager.default.removeItem(at: scratchFile) }
        guard let file = try? SafeTensorsFile(contentsOf: scratchFile) else { return }
        for (name, entry) in file.index.entries {
            _ = try? file.tensor(name)
            guard entry.dtype == .f32 || entry.dtype == .f64 else { continue }
            var values = [Float](repeating: 0, count: entry.elementCount)
            values.withUnsafeMutableBufferPointer { _ = try? file.readFloats(name, into: $0) }
        }
    }

    /// A Radiance RGBE (`.hdr`) file, read as a `Bitmap`.
    @Sendable public static func hdr(_ data: Data) {
        image(data, format: .hdr)
    }

    /// A Wavefront OBJ file: `TriangleMesh(objData:name:options:)`, with the options `meshOptions` picks.
    @Sendable public static func obj(_ data: Data) {
        _ = try? TriangleMesh(objData: data, name: "fuzz.obj", options: meshOptions(.obj, data))
    }

    /// A Stanford PLY file (ASCII or binary): `TriangleMesh(plyData:name:options:)`, with the options
    /// `meshOptions` picks.
    @Sendable public static func ply(_ data: Data) {
        _ = try? TriangleMesh(plyData: data, name: "fuzz.ply", options: meshOptions(.ply, data))
    }

    /// A Mitsuba serialized mesh file: shapes 0 and 1 (shape 1 goes through the dictionary at the file's end),
    /// with the options `meshOptions` picks.
    @Sendable public static func serialized(_ data: Data) {
        let options = meshOptions(.serialized, data)
        for shape in 0...1 {
            _ = try? TriangleMesh(serializedData: data, name: "fuzz.serialized", shapeIndex: shape, options: options)
        }
    }

    /// A Mitsuba curve file (`linearcurve`, `bsplinecurve`): `CurveFileReader.read`, as linear and as B-spline
    /// curves, the second through a non-identity `to_world`.
    @Sendable public static func curves(_ data: Data) {
        _ = try? CurveFileReader.read(data, name: "fuzz.txt", basis: .linear)
        _ = try? CurveFileReader.read(data, name: "fuzz.txt", basis: .bspline, toWorld: transformed)
    }

    /// `defaults`, with `faceNormals` and a non-identity `toWorld` (rotation, non-uniform scale, translation: the
    /// normal transform path) switched on by the two low bits of the input's length. The length, not a byte of the
    /// content: every byte of a mesh file is part of its format, while the fuzzer changes lengths all the time, so
    /// each seed also reaches the four variants.
    private static func meshOptions(_ defaults: MeshLoadOptions, _ data: Data) -> MeshLoadOptions {
        var options = defaults
        options.faceNormals = data.count & 1 != 0
        if data.count & 2 != 0 { options.toWorld = transformed }
        return options
    }

    /// The non-identity `toWorld` of `meshOptions`.
    private static let transformed = Transform4.translate(1, 2, 3)
        * Transform4.rotate(axis: Vector3f(0, 0.6, 0.8), angleDegrees: 30) * Transform4.scale(2, 1, 0.5)

    /// Decodes `data` as an image of `format` and checks its values (`requireFinite`), discarding both outcomes.
    private static func image(_ data: Data, format: ImageFormat) {
        guard let bitmap = try? Bitmap(data: data, format: format, fileName: "fuzz.\(format.rawValue)") else { return }
        _ = try? bitmap.requireFinite(fileName: "fuzz.\(format.rawValue)")
    }

    /// The file `safetensors` writes its input to: one per process, in the temporary folder.
    private static let scratchFile = FileManager.default.temporaryDirectory
        .appendingPathComponent("refract-fuzz-\(getpid()).safetensors")
}
