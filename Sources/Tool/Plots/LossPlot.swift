// Loss curves as charts (SVG and PNG): the tutorial's, and any optimisation's.
import Foundation
import Integrators

enum LossPlot {
    /// The chart of the loss per iteration.
    static func chart(_ losses: [Double], yLabel: String = "loss (sum of L1 over the textures)",
                      title: String = "Training loss") -> LinePlot {
        LinePlot(title: title, xLabel: "iteration", yLabel: yLabel,
                 series: [.init(name: "loss", points: losses.enumerated().map { (Double($0.offset + 1), $0.element) },
                                color: (0.12, 0.47, 0.71))])
    }

    /// An SVG document of the tutorial's chart.
    static func svg(_ losses: [Double]) -> String { chart(losses).svg }

    /// The tutorial's chart as an 8-bit RGB bitmap, its text drawn with FreeType.
    static func bitmap(_ losses: [Double]) throws -> Bitmap { chart(losses).bitmap(font: try FontRasterizer()) }
}
