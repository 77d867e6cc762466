// Recovers a scene parameter by inverse rendering, as Mitsuba's "gradient-based optimization" tutorial does.
import Foundation
import Integrators
import Optim
import Tracer

let arguments = CommandLine.arguments
guard (2...3).contains(arguments.count) else {
    print("usage: InverseRendering SCENE.xml [KEY (default red.reflectance.value)]")
    exit(2)
}
let key = arguments.count == 3 ? arguments[2] : "red.reflectance.value"
do {
    let scene = try Scene(contentsOf: URL(fileURLWithPath: arguments[1]))
    let params = scene.parameters
    guard let target = params[key]?.values else { throw RenderError("the scene has no parameter '\(key)'") }
    // The reference image: the scene as loaded, with many samples.
    let reference = scene.render(samplesPerPixel: 512, seed: 1_000_000)

    // Start from a wrong colour and let Adam recover the right one from gradients.
    try params.set(key, to: FloatArray([0.01, 0.2, 0.9]))
    let optimizer = KeyedAdam(lr: 0.05)
    optimizer[key] = params[key]
    try params.update(optimizer)

    func parameterError() -> Float { zip(params[key]!.values, target).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) }
    let initialError = parameterError()
    for iteration in 0..<50 {
        let image = scene.render(samplesPerPixel: 4, seed: UInt32(2 * iteration))
        let difference = image.array - reference.array
        let loss = (difference * difference).mean()
        loss.backward()
        optimizer.step()
        optimizer[key] = clip(optimizer[key]!, 0, 1)
        try params.update(optimizer)
        print(String(format: "iteration %2d: loss %.6f, parameter error %.6f", iteration + 1, loss.values[0],
                     parameterError()))
    }
    print("\(key): \(params[key]!.values), reference \(target)")
    print(String(format: "squared parameter error fell %.0f-fold", initialError / parameterError()))
} catch {
    print("error: \(error)")
    exit(1)
}
