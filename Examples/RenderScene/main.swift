// Renders a Mitsuba 3 scene file with Refract and writes the image as a linear EXR.
import Foundation
import Integrators
import Tracer

let arguments = CommandLine.arguments
guard arguments.count == 3 else {
    print("usage: RenderScene SCENE.xml OUTPUT.exr")
    exit(2)
}
do {
    let scene = try Scene(contentsOf: URL(fileURLWithPath: arguments[1]))
    let image = scene.render(samplesPerPixel: scene.sensor.sampleCount, seed: 0)
    let film = scene.sensor.film
    let bitmap = Bitmap(width: film.width, height: film.height, channelCount: 3, pixels: image.values)
    try bitmap.write(to: URL(fileURLWithPath: arguments[2]))
    print("wrote \(arguments[2])")
} catch {
    print("error: \(error)")
    exit(1)
}
