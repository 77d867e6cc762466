// `Tool params`: the scene's parameters under Mitsuba's keys, as text and as JSON.
import Foundation
import Testing

@Suite("Tool params")
struct ParamsCommandTests {
    @Test("lists every parameter with its type, shape and value; --json says the same")
    func listing() throws {
        let directory = try makeTemporaryDirectory("refract-params")
        defer { try? FileManager.default.removeItem(at: directory) }
        let texture = directory.appendingPathComponent("tex.npy")
        try NPYWriter.write((0..<48).map { Float($0) / 48 }, shape: [4, 4, 3], to: texture)
        let scene = directory.appendingPathComponent("scene.xml")
        try """
        <scene version="3.0.0">
          <sensor type="perspective"><film type="hdrfilm"><integer name="width" value="8"/><integer name="height" value="8"/></film></sensor>
          <shape type="rectangle" id="wall"><bsdf type="diffuse"><rgb name="reflectance" value="0.25, 0.5, 0.75"/></bsdf></shape>
          <shape type="sphere" id="ball"><bsdf type="twosided"><bsdf type="diffuse"><texture type="bitmap" name="reflectance">
            <string name="filename" value="tex.npy"/></texture></bsdf></bsdf></shape>
          <emitter type="constant"/>
        </scene>
        """.write(to: scene, atomically: true, encoding: .utf8)
        var run = try runTool(["params", "--scene", scene.path])
        #expect(run.status == 0, "\(run.output)")
        #expect(run.output.contains("∂ wall.bsdf.reflectance.value: Color3f [3]: [0.25, 0.5, 0.75]"), "\(run.output)")
        #expect(run.output.contains("∂ ball.bsdf.brdf_0.reflectance.data: TensorXf [4, 4, 3]: min 0, max 0.9792"), "\(run.output)")
        run = try runTool(["params", "--scene", scene.path, "--json"])
        #expect(run.status == 0)
        let all = try JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [[String: Any]] ?? []
        let entries = all.filter { $0["differentiable"] as? Bool == true }
        #expect(entries.compactMap { $0["key"] as? String }
                    == ["wall.bsdf.reflectance.value", "ball.bsdf.brdf_0.reflectance.data", "emitter_0.radiance.value"])
        #expect(entries.first?["values"] as? [Double] == [0.25, 0.5, 0.75])
        #expect((entries[1]["shape"] as? [Int]) == [4, 4, 3])
        #expect(entries.last?["values"] as? [Double] == [1, 1, 1])
        // The values Mitsuba lists but Refract does not differentiate: the sensor's first, then emitters' weights,
        // the textures' to_uv and the shapes' placement.
        let fixed = all.filter { $0["differentiable"] as? Bool == false }.compactMap { $0["key"] as? String }
        #expect(fixed.prefix(3) == ["sensor.near_clip", "sensor.far_clip", "sensor.shutter_open"])
        #expect(fixed.contains("sensor.film.size") && fixed.contains("emitter_0.sampling_weight"), "\(fixed)")
        #expect(fixed.contains("ball.bsdf.brdf_0.reflectance.to_uv") && fixed.contains("ball.to_world"), "\(fixed)")
        #expect(all.first?["key"] as? String == "sensor.near_clip")
    }
}
