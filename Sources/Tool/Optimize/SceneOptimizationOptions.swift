// The options of `Tool optimize --scene`: which parameters, against which reference, from where, within which bounds.
import ArgumentParser
import Foundation
import Integrators

/// What `optimize --scene` optimises and how; checked here, applied by `SceneOptimizationRun`.
struct SceneOptimizationOptions: ParsableArguments {
    @Option(name: .customShort("D"), parsing: .unconditionalSingleValue,
            help: ArgumentHelp("Override a scene default: -D name=value.", valueName: "name=value"))
    var defines: [String] = []

    @Option(help: ArgumentHelp("A scene parameter to optimise, by its key (see `Tool params`); repeat for several.",
                               valueName: "key"))
    var parameter: [String] = []

    @Option(help: "The target image: EXR, NPY or PNG (sRGB, linearised), the film's size.")
    var reference: String?

    @Option(help: "Render the target from the scene as loaded, at this many samples per pixel (before --initial applies).")
    var referenceSpp: Int?

    @Option(help: ArgumentHelp("Start a parameter from these values (one value sets all components).",
                               valueName: "key=v[,v...]"))
    var initial: [String] = []

    @Option(help: ArgumentHelp("Keep a parameter's values within [lo, hi] after each step.", valueName: "key=lo:hi"))
    var clamp: [String] = []

    @Option(help: "The loss: mse (mean squared error, as Mitsuba's tutorial) or l1 (mean absolute error).")
    var loss: String = "mse"

    @Option(help: "The optimiser: adam or sgd, with Dr.Jit's update rules (Mitsuba's mi.ad.Adam and mi.ad.SGD).")
    var optimizer: String = "adam"

    @Option(help: "How the primal path loop runs: wavefront (one launch per bounce) or symbolic (one kernel); default: the library's.")
    var pathLoop: String?

    @Option(help: ArgumentHelp(SceneOptions.bvhQualityHelp, valueName: "quality"))
    var bvhQuality: String = EmbreeBuildQuality.automatic.rawValue

    /// The options of this group that were given, by flag name (for "applies only to --scene").
    var givenOptions: [String] {
        var given: [String] = []
        if !defines.isEmpty { given.append("-D") }
        if !parameter.isEmpty { given.append("--parameter") }
        if reference != nil { given.append("--reference") }
        if referenceSpp != nil { given.append("--reference-spp") }
        if !initial.isEmpty { given.append("--initial") }
        if !clamp.isEmpty { given.append("--clamp") }
        if loss != "mse" { given.append("--loss") }
        if optimizer != "adam" { given.append("--optimizer") }
        if pathLoop != nil { given.append("--path-loop") }
        if bvhQuality != EmbreeBuildQuality.automatic.rawValue { given.append("--bvh-quality") }
        return given
    }

    /// Checks the options for a run with --scene. (Not `validate()`: ArgumentParser would run that for the
    /// tutorial too, which takes none of them.)
    func check() throws {
        guard !parameter.isEmpty else {
            throw ValidationError("optimize --scene needs at least one --parameter KEY (`Tool params --scene FILE` lists them)")
        }
        if let duplicate = Dictionary(grouping: parameter, by: { $0 }).first(where: { $0.value.count > 1 })?.key {
            throw ValidationError("--parameter \(duplicate) is given twice")
        }
        switch (reference, referenceSpp) {
        case (nil, nil): throw ValidationError("optimize --scene needs a target: --reference IMAGE or --reference-spp N")
        case (.some, .some): throw ValidationError("give either --reference or --reference-spp, not both")
        case (nil, .some(let spp)) where spp < 1: throw ValidationError("--reference-spp must be at least 1, got \(spp)")
        default: break
        }
        guard ImageLoss(rawValue: loss) != nil else { throw ValidationError("--loss must be mse or l1, got '\(loss)'") }
        guard ["adam", "sgd"].contains(optimizer) else {
            throw ValidationError("--optimizer must be adam or sgd, got '\(optimizer)'")
        }
        if let pathLoop, IntegratorSettings.PathLoop(rawValue: pathLoop) == nil {
            throw ValidationError("--path-loop must be wavefront or symbolic, got '\(pathLoop)'")
        }
        _ = try SceneOptions.buildQuality(bvhQuality)
        _ = try initialValues()
        _ = try clampRanges()
    }

    /// --initial as key → values.
    func initialValues() throws -> [(key: String, values: [Float])] {
        try initial.map { entry in
            let (key, text) = try Self.split(entry, option: "--initial", form: "key=v[,v...]")
            let values = try text.split(separator: ",", omittingEmptySubsequences: false).map { field -> Float in
                guard let value = Float(field.trimmingCharacters(in: .whitespaces)), value.isFinite else {
                    throw ValidationError("--initial \(entry): '\(field)' is not a finite number")
                }
                return value
            }
            return (key, values)
        }
    }

    /// --clamp as key → range.
    func clampRanges() throws -> [String: ClosedRange<Float>] {
        var ranges: [String: ClosedRange<Float>] = [:]
        for entry in clamp {
            let (key, text) = try Self.split(entry, option: "--clamp", form: "key=lo:hi")
            let bounds = text.split(separator: ":", omittingEmptySubsequences: false)
                .map { Float($0.trimmingCharacters(in: .whitespaces)) }
            guard bounds.count == 2, let low = bounds[0], let high = bounds[1], low.isFinite, high.isFinite, low <= high else {
                throw ValidationError("--clamp \(entry): expected key=lo:hi with finite numbers lo <= hi")
            }
            guard parameter.contains(key) else {
                throw ValidationError("--clamp \(entry): \(key) is not optimised (give it as --parameter)")
            }
            ranges[key] = low...high
        }
        return ranges
    }

    /// "key=rest" split at the first "=".
    private static func split(_ entry: String, option: String, form: String) throws -> (String, String) {
        guard let equals = entry.firstIndex(of: "="), equals != entry.startIndex else {
            throw ValidationError("\(option) expects \(form), got '\(entry)'")
        }
        return (String(entry[..<equals]), String(entry[entry.index(after: equals)...]))
    }
}
