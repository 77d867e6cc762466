// Activations: Sigmoid, ReLU and Tanh, elementwise modules whose gradients come from the Tracer's autodiff.

import Tracer

/// The logistic function 1 / (1 + e^-x), elementwise (PyTorch's `nn.Sigmoid`).
public struct Sigmoid: Module {
    /// A sigmoid module.
    public init() {}

    /// 1 / (1 + e^-x), elementwise.
    public func callAsFunction(_ x: FloatArray) -> FloatArray {
        // Written with e = e^-|x| <= 1: 1 / (1 + e) for x >= 0, e / (1 + e) for x < 0. The plain 1 / (1 + e^-x) has
        // the same value, but its derivative is 0 * inf = NaN once e^-x overflows (x < -88) and it rounds tiny
        // results; this form keeps both finite and accurate.
        let e = exp(-abs(x))
        let numerator = select(x .>= 0, FloatArray(repeating: 1, context: x.context), e)
        return numerator / (1 + e)
    }
}

/// max(x, 0), elementwise (PyTorch's `nn.ReLU`), with PyTorch's derivative: 0 for x <= 0; NaN stays NaN.
public struct ReLU: Module {
    /// A ReLU module.
    public init() {}

    /// max(x, 0), elementwise.
    public func callAsFunction(_ x: FloatArray) -> FloatArray {
        // select rather than max: the Tracer's max passes the gradient to x at x = 0, PyTorch's relu does not.
        select(x .<= 0, FloatArray(repeating: 0, context: x.context), x)
    }
}

/// The hyperbolic tangent, elementwise (PyTorch's `nn.Tanh`).
public struct Tanh: Module {
    /// A tanh module.
    public init() {}

    /// tanh(x), elementwise.
    public func callAsFunction(_ x: FloatArray) -> FloatArray {
        // (1 - e) / (1 + e) with e = e^-2|x| never overflows (so its derivative stays finite) but cancels for small
        // |x|; there (|x| < 0.25) the odd Taylor polynomial up to x^9 is accurate to well below a float's precision.
        let magnitude = abs(x)
        let e = exp(-2 * magnitude)
        let large = (1 - e) / (1 + e)
        let signedLarge = select(x .< 0, -large, large)
        let x2 = x * x
        let inner = Float(-17.0 / 315.0) + x2 * Float(62.0 / 2835.0)
        let middle = Float(2.0 / 15.0) + x2 * inner
        let outer = Float(-1.0 / 3.0) + x2 * middle
        let small = x + x * x2 * outer
        return select(magnitude .< 0.25, small, signedLarge)
    }
}
