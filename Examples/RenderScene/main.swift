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
    // An image of shape (height, width, 3), written through the bitmap writers (EXR, PNG, NPY by extension).
    let image = scene.render(samplesPerPixel: scene.sensor.sampleCount, seed: 0)
    try image.bitmap().write(to: URL(fileURLWithPath: arguments[2]))
    print("wrote \(arguments[2])")
} catch {
    print("error: \(error)")
    exit(1)
}
