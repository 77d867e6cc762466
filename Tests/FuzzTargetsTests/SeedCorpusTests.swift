// The fuzzing seed corpus (Fuzz/Corpus): small valid files written by Refract's own writers, checked to decode.

import Foundation
import FuzzTargets
import Integrators
import Optim
import Testing

/// The seed files of each target, made with the project's writers (images, safetensors) or by hand (scene XML).
/// The mesh, curve and Radiance seeds (obj, ply, serialized, curves, hdr) are hand-made files kept as they are in Fuzz/Corpus,
/// since the project writes none of those formats except hdr (flat scanlines only); so are the PIZ and RLE EXR seeds
/// (piz_*.exr, rle_*.exr), which OpenEXR wrote (Tests/IntegratorsTests/Fixtures/EXR); `seedsDecode` checks them.
enum SeedCorpus {
    /// Every seed: its target, its file name and its bytes.
    static func files() throws -> [(target: String, name: String, data: Data)] {
        var files: [(target: String, name: String, data: Data)] = []
        for (name, bitmap) in bitmaps {
            for format in [ImageFormat.png, .exr, .npy] {
                files.append((format.rawValue, "\(name).\(format.rawValue)",
                              try bitmap.encodedData(format: format)))
            }
            if bitmap.channelCount == 1 || bitmap.channelCount == 3 {
                files.append(("jpeg", "\(name).jpg", try bitmap.encodedData(format: .jpeg)))
            }
        }
        let sixteen = ImageWriteOptions(pngBitDepth: .sixteen)
        files.append(("png", "rgba16.png", try bitmaps[3].bitmap.encodedData(format: .png, options: sixteen)))
        for (pixelType, compression, name) in [(EXRPixelType.half, EXRCompression.none, "rgb_half_none"),
                                               (.half, .zip, "rgb_half_zip"), (.float, .none, "rgb_float_none")] {
            let options = ImageWriteOptions(exrPixelType: pixelType, exrCompression: compression)
            files.append(("exr", "\(name).exr", try bitmaps[2].bitmap.encodedData(format: .exr, options: options)))
        }
        let partial = EXRImage(width: 3, height: 2, channels: [
            .init(name: "shard.W", values: [1, 2, 3, 4, 5, 6]), .init(name: "shard.R", values: [0, 0.5, 1, 2, 4, 8]),
        ], attributes: ["refract.job": "fuzz-seed"])
        files.append(("exr", "named_channels.exr", try exrBytes(partial)))
        files.append(("npy", "gray_hw.npy",
                      try bitmaps[0].bitmap.encodedData(format: .npy,
                                                        options: ImageWriteOptions(npyDropsSingleChannelAxis: true))))
        for (name, tensors) in safetensorSets {
            files.append(("safetensors", "\(name).safetensors", tensors.encoded()))
        }
        for (name, xml) in scenes { files.append(("scene_xml", "\(name).xml", Data(xml.utf8))) }
        return files
    }

    /// Small images: gray, gray + alpha, RGB and RGBA, with values spread over [0, 1].
    static let bitmaps: [(name: String, bitmap: Bitmap)] = [1, 2, 3, 4].map { channels in
        let (width, height) = (4, 3)
        let pixels = (0..<width * height * channels).map { Float($0 % 17) / 16 }
        let name = ["gray", "gray_alpha", "rgb", "rgba"][channels - 1]
        return (name, Bitmap(width: width, height: height, channelCount: channels, pixels: pixels))
    }

    /// The bytes of an EXR image, through the public atomic writer and a temporary file.
    static func exrBytes(_ image: EXRImage) throws -> Data {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("refract-seed-\(UUID()).exr")
        defer { try? FileManager.default.removeItem(at: file) }
        try image.write(to: file, pixelType: .half, compression: .zip)
        return try Data(contentsOf: file)
    }

    /// Safetensors files: every dtype, a scalar, an empty tensor and metadata. Computed, not stored: a `Data` that a
    /// global keeps until exit is reported by LeakSanitizer (Data's representation enum keeps its case in the spare
    /// bits of the pointer to its storage, which LeakSanitizer then does not recognise).
    static var safetensorSets: [(name: String, tensors: SafeTensors)] { [
        ("weights", SafeTensors(tensors: ["layer.weight": SafeTensor([0.5, -1, 2, 0.25, 3, -0.125], shape: [2, 3]),
                                          "layer.bias": SafeTensor([1, 2], shape: [2])],
                                metadata: ["format": "pt", "step": "12"])),
        ("all_dtypes", SafeTensors(tensors: [
            "f32": SafeTensor([1.5], shape: []),
            "f64": SafeTensor(dtype: .f64, shape: [2], data: Data((0..<16).map { UInt8($0 * 7 % 256) })),
            "i32": SafeTensor(int32: [-3, 4, 5], shape: [3]),
            "i64": SafeTensor(dtype: .i64, shape: [1, 1], data: Data([42, 0, 0, 0, 0, 0, 0, 0])),
            "empty": SafeTensor([], shape: [0, 4]),
        ])),
    ] }

    /// Scene files of the supported subset (every plugin, property and transform kind once or more).
    static let scenes: [(name: String, xml: String)] = [
        ("minimal", """
        <scene version="3.0.0">
            <sensor type="perspective">
                <film type="hdrfilm"><integer name="width" value="4"/><integer name="height" value="3"/></film>
            </sensor>
        </scene>
        """),
        ("tutorial", """
        <scene version="3.0.0">
            <default name="spp" value="4"/>
            <default name="res" value="8"/>
            <integrator type="prb"><integer name="max_depth" value="8"/></integrator>
            <sensor type="perspective">
                <string name="fov_axis" value="x"/>
                <float name="fov" value="60"/>
                <transform name="to_world"><lookat origin="0, 0, -2" target="0, 0, 0" up="0, -1, 0"/></transform>
                <sampler type="independent"><integer name="sample_count" value="$spp"/></sampler>
                <film type="hdrfilm">
                    <integer name="width" value="$res"/><integer name="height" value="$res"/>
                    <rfilter type="gaussian"><float name="stddev" value="0.5"/></rfilter>
                    <string name="pixel_format" value="rgb"/>
                </film>
            </sensor>
            <bsdf type="diffuse" id="gray"><rgb name="reflectance" value="0.5, 0.5, 0.5"/></bsdf>
            <shape type="rectangle" id="wall">
                <transform name="to_world"><scale value="1.2"/><rotate y="1" angle="15"/></transform>
                <bsdf type="twosided"><ref id="gray"/></bsdf>
            </shape>
            <shape type="sphere" id="glass">
                <point name="center" x="0" y="0" z="-1"/>
                <float name="radius" value="0.45"/>
                <bsdf type="dielectric"><string name="int_ior" value="bk7"/><float name="ext_ior" value="1.0"/></bsdf>
            </shape>
            <emitter type="constant"><rgb name="radiance" value="1, 0.9, 0.8"/></emitter>
        </scene>
        """),
        ("path_box_matrix", """
        <scene version="3.0.0">
            <integrator type="path">
                <integer name="max_depth" value="-1"/><integer name="rr_depth" value="3"/>
                <boolean name="hide_emitters" value="true"/>
            </integrator>
            <sensor type="perspective">
                <float name="fov" value="45"/><string name="fov_axis" value="smaller"/>
                <float name="near_clip" value="0.01"/><float name="far_clip" value="100"/>
                <transform name="to_world">
                    <matrix value="1 0 0 0  0 1 0 0  0 0 1 -3  0 0 0 1"/>
                    <translate x="0.5" y="0" z="0"/>
                </transform>
                <film type="hdrfilm">
                    <integer name="width" value="5"/><integer name="height" value="2"/><rfilter type="box"/>
                </film>
            </sensor>
            <shape type="rectangle">
                <bsdf type="diffuse"><spectrum name="reflectance" value="0.3"/></bsdf>
            </shape>
            <emitter type="constant"><float name="radiance" value="2"/></emitter>
        </scene>
        """),
        ("version1_alias_texture", """
        <?xml version="1.0" encoding="utf-8"?>
        <scene version="0.6.0">
            <default name="file" value="texture.png"/>
            <sensor type="perspective">
                <film type="hdrfilm"><integer name="width" value="2"/><integer name="height" value="2"/></film>
            </sensor>
            <bsdf type="diffuse" id="textured">
                <texture type="bitmap" name="reflectance">
                    <string name="filename" value="$file"/><string name="filter_type" value="nearest"/>
                    <boolean name="raw" value="true"/>
                </texture>
            </bsdf>
            <alias id="textured" as="plain"/>
            <shape type="sphere"><ref id="plain"/></shape>
        </scene>
        """),
        ("volpath_media", """
        <scene version="3.0.0">
            <integrator type="volpath"><integer name="max_depth" value="6"/></integrator>
            <medium type="homogeneous" id="fog">
                <rgb name="sigma_t" value="0.2, 0.3, 0.4"/><spectrum name="albedo" value="0.8"/>
                <phase type="hg"><float name="g" value="0.4"/></phase>
            </medium>
            <sensor type="perspective">
                <ref id="fog"/>
                <film type="hdrfilm"><integer name="width" value="3"/><integer name="height" value="2"/></film>
            </sensor>
            <shape type="sphere">
                <bsdf type="null"/>
                <medium type="homogeneous" name="interior">
                    <float name="scale" value="2"/><boolean name="sample_emitters" value="false"/>
                    <volume type="constvolume" name="albedo"><rgb name="value" value="0.1, 0.5, 0.9"/></volume>
                    <phase type="isotropic"/>
                </medium>
                <ref name="exterior" id="fog"/>
            </shape>
            <emitter type="constant"><float name="radiance" value="1"/></emitter>
        </scene>
        """),
    ]
}

@Suite("Fuzzing seed corpus", .serialized)
struct SeedCorpusTests {
    /// Rewrites the seed corpus: `REFRACT_WRITE_FUZZ_SEEDS=1 swift test --filter SeedCorpusTests`.
    @Test("writes the seed corpus",
          .enabled(if: ProcessInfo.processInfo.environment["REFRACT_WRITE_FUZZ_SEEDS"] == "1"))
    func writeSeeds() throws {
        for seed in try SeedCorpus.files() {
            let folder = FuzzFolders.root.appendingPathComponent("Corpus/\(seed.target)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try seed.data.write(to: folder.appendingPathComponent(seed.name))
        }
    }

    @Test("every seed in Fuzz/Corpus is a valid file that its reader accepts")
    func seedsDecode() throws {
        for file in FuzzFolders.files("Corpus", target: "exr") {
            let image = try EXRImage(data: Data(contentsOf: file), fileName: file.lastPathComponent)
            #expect(image.width > 0 && image.height > 0 && !image.channels.isEmpty, "\(file.lastPathComponent)")
        }
        for target in ["png", "jpeg", "npy"] {
            let format = ImageFormat(fileExtension: target)!
            for file in FuzzFolders.files("Corpus", target: target) {
                let bitmap = try Bitmap(data: Data(contentsOf: file), format: format, fileName: file.lastPathComponent)
                #expect(bitmap.width > 0 && bitmap.height > 0, "\(file.lastPathComponent)")
            }
        }
        for file in FuzzFolders.files("Corpus", target: "safetensors") {
            _ = try SafeTensors(decoding: Data(contentsOf: file), file: file.path)
        }
        for file in FuzzFolders.files("Corpus", target: "scene_xml") {
            _ = try SceneDocument(contentsOf: file)
        }
        for file in FuzzFolders.files("Corpus", target: "hdr") {
            let bitmap = try Bitmap(data: Data(contentsOf: file), format: .hdr, fileName: file.lastPathComponent)
            #expect(bitmap.width > 0 && bitmap.height > 0, "\(file.lastPathComponent)")
        }
        // Every curve seed has four points or more per curve, so it reads as both curve types.
        let curveSeeds = FuzzFolders.files("Corpus", target: "curves")
        #expect(curveSeeds.count >= 3, "Fuzz/Corpus/curves has \(curveSeeds.count) seeds")
        for file in curveSeeds {
            for basis in [CurveBasis.linear, .bspline] {
                let curves = try CurveFileReader.read(Data(contentsOf: file), name: file.lastPathComponent, basis: basis)
                #expect(curves.segmentCount > 0, "\(file.lastPathComponent)")
            }
        }
        try expectMeshes("obj") { try TriangleMesh(objData: $0, name: $1) }
        try expectMeshes("ply") { try TriangleMesh(plyData: $0, name: $1) }
        // Every serialized seed holds two shapes or more, so that shape 1 goes through the dictionary.
        try expectMeshes("serialized") { try TriangleMesh(serializedData: $0, name: $1, shapeIndex: 0) }
        try expectMeshes("serialized") { try TriangleMesh(serializedData: $0, name: $1, shapeIndex: 1) }
    }

    /// Loads every seed of `target` with `load` and expects a mesh with triangles.
    private func expectMeshes(_ target: String, _ load: (Data, String) throws -> TriangleMesh) throws {
        let files = FuzzFolders.files("Corpus", target: target)
        #expect(files.count >= 4, "Fuzz/Corpus/\(target) has \(files.count) seeds")
        for file in files {
            let mesh = try load(Data(contentsOf: file), file.lastPathComponent)
            #expect(mesh.triangleCount > 0 && mesh.vertexCount > 0, "\(file.lastPathComponent)")
        }
    }

    @Test("the seeds written by this file are the ones in Fuzz/Corpus")
    func seedsArePresent() throws {
        for seed in try SeedCorpus.files() {
            let file = FuzzFolders.root.appendingPathComponent("Corpus/\(seed.target)/\(seed.name)")
            #expect(FileManager.default.fileExists(atPath: file.path), "missing seed \(file.path)")
        }
    }
}
