// Sequential: modules applied one after another, with PyTorch's index-prefixed parameter keys.

import Tracer

/// Modules applied in order, the output of each the input of the next (PyTorch's `nn.Sequential`).
public struct Sequential: Module {
    /// The modules, in the order they are applied.
    public let layers: [any Module]

    /// A container applying `layers` in order.
    public init(_ layers: [any Module]) {
        self.layers = layers
    }

    /// A container applying `layers` in order.
    public init(_ layers: any Module...) {
        self.init(layers)
    }

    /// Each layer's parameters keyed "<index>.<key>", e.g. "0.weight" (layers without parameters keep their index).
    public var namedParameters: [(name: String, parameter: Parameter)] {
        layers.enumerated().flatMap { index, layer in
            layer.namedParameters.map { (name: "\(index).\($0.name)", parameter: $0.parameter) }
        }
    }

    /// Applies the layers in order.
    public func callAsFunction(_ x: FloatArray) -> FloatArray {
        layers.reduce(x) { input, layer in layer(input) }
    }
}
