// A scene parameter's values over the iterations of `optimize --scene`, against its reference value when known.
import Foundation

enum ParameterPlot {
    /// Line colours for the components (red, green, blue for a colour) and paler ones for their references.
    private static let colors: [Canvas.Color] = [(0.84, 0.15, 0.16), (0.17, 0.63, 0.17), (0.12, 0.47, 0.71),
                                                 (0.58, 0.40, 0.74)]

    /// Each component of a parameter of at most 4 values (R, G, B for a colour), or the minimum, mean and maximum
    /// of a larger one, starting from the initial value at iteration 0; the reference as flat lines.
    static func chart(key: String, metrics: SceneOptimizationMetrics) -> LinePlot {
        let initial = metrics.initialValues[key] ?? []
        let reference = metrics.referenceValues?[key]
        let lastIteration = Double(metrics.iterations.last?.iteration ?? 1)
        var series: [LinePlot.Series] = []
        if initial.count <= 4 {
            let names = initial.count == 3 ? ["R", "G", "B"] : initial.count == 1 ? ["value"] : initial.indices.map { "[\($0)]" }
            for (index, name) in names.enumerated() {
                var points = [(x: 0.0, y: Double(initial[index]))]
                points += metrics.iterations.compactMap { record in
                    record.parameters[key].map { (Double(record.iteration), Double($0[index])) }
                }
                series.append(.init(name: name, points: points, color: colors[index]))
                if let reference {
                    series.append(.init(name: "\(name) reference", points: [(0, Double(reference[index])), (lastIteration, Double(reference[index]))],
                                        color: pale(colors[index])))
                }
            }
        } else {
            let start = SceneOptimization.summary(initial)
            for (index, statistic) in ["min", "mean", "max"].enumerated() {
                var points = [(x: 0.0, y: Double(start[statistic]!))]
                points += metrics.iterations.compactMap { record in
                    record.summaries?[key]?[statistic].map { (Double(record.iteration), Double($0)) }
                }
                series.append(.init(name: statistic, points: points, color: colors[index]))
            }
            if let reference {
                let mean = Double(SceneOptimization.summary(reference)["mean"]!)
                series.append(.init(name: "mean reference", points: [(0, mean), (lastIteration, mean)], color: pale(colors[1])))
            }
        }
        return LinePlot(title: key, xLabel: "iteration", yLabel: "value", series: series)
    }

    /// A lighter shade of `color`, for reference lines.
    private static func pale(_ color: Canvas.Color) -> Canvas.Color {
        (color.0 * 0.45 + 0.55, color.1 * 0.45 + 0.55, color.2 * 0.45 + 0.55)
    }
}
