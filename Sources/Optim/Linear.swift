// Linear: the dense layer y = x W^T + b, with PyTorch's default initialisation from a seeded generator.

import RefractSupport
import Tracer

/// A dense layer y = x W^T + b (PyTorch's `nn.Linear`).
///
/// `weight` has shape `[outFeatures, inFeatures]` and `bias` shape `[outFeatures]`, as in PyTorch, so their
/// checkpoint keys and layouts are PyTorch's. The input is row-major `batch x inFeatures`, the output row-major
/// `batch x outFeatures` (see `Module`).
public struct Linear: Module {
    /// The number of input features.
    public let inFeatures: Int
    /// The number of output features.
    public let outFeatures: Int
    /// W, shape `[outFeatures, inFeatures]`, row-major.
    public let weight: Parameter
    /// b, shape `[outFeatures]`; nil for a layer made with `bias: false`.
    public let bias: Parameter?

    /// A layer initialised as PyTorch does by default: weight and bias uniform in ±1/sqrt(inFeatures) (what
    /// `kaiming_uniform_(a: sqrt(5))` reduces to for the weight), generated inside a kernel by `TracedUniform`
    /// (weight: stream 0, bias: stream 1), so even a 16384 x 16384 layer initialises at memory speed. Equal seeds
    /// give equal layers: give each layer of a model its own seed.
    public init(inFeatures: Int, outFeatures: Int, bias: Bool = true, seed: UInt64,
                context: TraceContext = .current) {
        precondition(inFeatures > 0 && outFeatures > 0,
                     "Optim: Linear needs positive feature counts, got \(inFeatures) -> \(outFeatures)")
        let bound = Float(1 / Double(inFeatures).squareRoot())
        let weightValues = TracedUniform.uniform(count: outFeatures * inFeatures, seed: seed, stream: 0,
                                                 from: -bound, to: bound, context: context)
        let weight = Parameter("weight", shape: [outFeatures, inFeatures], value: weightValues)
        let biasParameter = bias
            ? Parameter("bias", shape: [outFeatures],
                        value: TracedUniform.uniform(count: outFeatures, seed: seed, stream: 1, from: -bound,
                                                     to: bound, context: context))
            : nil
        self.init(weight: weight, bias: biasParameter)
    }

    /// A layer initialised as PyTorch does by default (see `init(inFeatures:outFeatures:bias:seed:)`), drawing
    /// from `generator`, which advances.
    public init(inFeatures: Int, outFeatures: Int, bias: Bool = true, generator: inout SplitMix64,
                context: TraceContext = .current) {
        precondition(inFeatures > 0 && outFeatures > 0,
                     "Optim: Linear needs positive feature counts, got \(inFeatures) -> \(outFeatures)")
        // PyTorch: bound = 1 / sqrt(fan_in), computed in double, then used as float limits of uniform_.
        let bound = Float(1 / Double(inFeatures).squareRoot())
        let weightValues = generator.uniform(outFeatures * inFeatures, from: -bound, to: bound)
        let weight = Parameter("weight", shape: [outFeatures, inFeatures], values: weightValues, context: context)
        var biasParameter: Parameter?
        if bias {
            let biasValues = generator.uniform(outFeatures, from: -bound, to: bound)
            biasParameter = Parameter("bias", shape: [outFeatures], values: biasValues, context: context)
        }
        self.init(weight: weight, bias: biasParameter)
    }

    /// A layer with the given parameters: `weight` of shape `[out, in]`, `bias` (if any) of shape `[out]`.
    public init(weight: Parameter, bias: Parameter?) {
        precondition(weight.shape.count == 2, "Optim: a Linear weight has shape [out, in], got \(weight.shape)")
        precondition(bias.map { $0.shape == [weight.shape[0]] } ?? true,
                     "Optim: a Linear bias has shape [\(weight.shape[0])], got \(bias?.shape ?? [])")
        self.outFeatures = weight.shape[0]
        self.inFeatures = weight.shape[1]
        self.weight = weight
        self.bias = bias
    }

    /// "weight", then "bias" when there is one.
    public var namedParameters: [(name: String, parameter: Parameter)] {
        [(name: weight.name, parameter: weight)] + (bias.map { [(name: $0.name, parameter: $0)] } ?? [])
    }

    /// x W^T + b for x of shape [batch, inFeatures]; the result has shape [batch, outFeatures]. Runs on the
    /// Tracer's `linearForward` (a matrix product and its derivatives).
    public func callAsFunction(_ x: Matrix) -> Matrix {
        precondition(x.columns == inFeatures, "Optim: Linear(\(inFeatures) -> \(outFeatures)) given an input "
                         + "of shape \(x.shape)")
        return linearForward(x, weight: Matrix(weight.value, rows: outFeatures, columns: inFeatures),
                             bias: bias?.value)
    }

    /// x W^T + b for a row-major `batch x inFeatures` input (the `Module` form, which has no shape): the batch is
    /// `x.count / inFeatures`.
    public func callAsFunction(_ x: FloatArray) -> FloatArray {
        precondition(x.count % inFeatures == 0 && x.count > 0, "Optim: Linear(\(inFeatures) -> \(outFeatures)) "
                         + "given \(x.count) values, not a positive multiple of \(inFeatures)")
        return self(Matrix(x, columns: inFeatures)).values
    }
}
