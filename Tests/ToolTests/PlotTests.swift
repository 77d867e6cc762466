// Figures people read: the PNG loss plot carries a title, tick values and axis labels drawn with FreeType, and a
// legend when there are several lines; the SVG says the same.
import Foundation
import Integrators
import Testing
@testable import Tool

@Suite("Plots")
struct PlotTests {
    /// Whether any pixel in the box is dark (text or lines drawn there).
    static func hasInk(_ bitmap: Bitmap, columns: Range<Int>, rows: Range<Int>) -> Bool {
        rows.contains { row in
            columns.contains { column in bitmap.pixels[(row * bitmap.width + column) * 3] < 0.5 }
        }
    }

    @Test("ticks are round numbers covering the range")
    func ticks() {
        let fractional = LinePlot.ticks(0.2, 0.95)
        #expect(fractional.count == 4 && zip(fractional, [0.2, 0.4, 0.6, 0.8]).allSatisfy { abs($0 - $1) < 1e-12 })
        #expect(LinePlot.ticks(1, 100) == [20, 40, 60, 80, 100])
        #expect(LinePlot.ticks(-3, 3) == [-3, -2, -1, 0, 1, 2, 3])
    }

    @Test("the PNG has a title, tick labels on both axes and axis labels; the SVG has the same text")
    func lossPlot() throws {
        let losses = (0..<50).map { 1 / Double($0 + 2) }
        let bitmap = try LossPlot.bitmap(losses)
        let plot = LossPlot.chart(losses)
        #expect(Self.hasInk(bitmap, columns: 300..<420, rows: 8..<30))        // title
        #expect(Self.hasInk(bitmap, columns: 20..<72, rows: 44..<364))       // y tick values
        #expect(Self.hasInk(bitmap, columns: 78..<696, rows: 368..<382))     // x tick values
        #expect(Self.hasInk(bitmap, columns: 300..<420, rows: 396..<412))    // x axis label
        #expect(Self.hasInk(bitmap, columns: 4..<24, rows: 150..<300))       // y axis label, turned
        let svg = plot.svg
        #expect(svg.contains(">Training loss<") && svg.contains(">iteration<") && svg.contains("rotate(-90)"))
    }

    @Test("several lines get a legend")
    func legend() throws {
        let plot = LinePlot(title: "Parameters", xLabel: "iteration", yLabel: "value", series: [
            .init(name: "red", points: [(1, 0.1), (2, 0.5)], color: (0.8, 0.1, 0.1)),
            .init(name: "green", points: [(1, 0.2), (2, 0.4)], color: (0.1, 0.6, 0.1)),
        ])
        let bitmap = plot.bitmap(font: try FontRasterizer())
        #expect(Self.hasInk(bitmap, columns: 556..<680, rows: 50..<80))
        #expect(plot.svg.contains(">red<") && plot.svg.contains(">green<"))
    }
}
