// Module: what layers, activations and containers have in common, and the batch layout they share.

import Tracer

/// A layer or a composition of layers (PyTorch's `nn.Module`).
///
/// Layout convention: an input is a row-major FloatArray of `batch x features` elements, sample after sample, the
/// feature index varying fastest (PyTorch's `(N, C)` layout, contiguous). The batch size is implied by the count:
/// a layer with `inFeatures` inputs treats `x.count / inFeatures` rows (the count must be a multiple), and returns
/// `batch x outFeatures` elements in the same layout. Elementwise modules (activations) accept any count.
public protocol Module {
    /// The trainable parameters with their keys, in a fixed order: "weight", "bias" for a layer; "0.weight",
    /// "0.bias", "2.weight" ... in a `Sequential` (PyTorch's `named_parameters()` and `state_dict()` keys).
    var namedParameters: [(name: String, parameter: Parameter)] { get }

    /// Applies the module to a row-major `batch x features` input.
    func callAsFunction(_ x: FloatArray) -> FloatArray
}

extension Module {
    /// Modules without parameters (activations) have none.
    public var namedParameters: [(name: String, parameter: Parameter)] { [] }

    /// The trainable parameters, in the order of `namedParameters` (PyTorch's `parameters()`).
    public var parameters: [Parameter] { namedParameters.map(\.parameter) }

    /// Forgets the gradients of all parameters (PyTorch's `zero_grad()`).
    public func zeroGrad() {
        for parameter in parameters { parameter.zeroGrad() }
    }
}
