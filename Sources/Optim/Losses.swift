// Losses: L1 and mean squared error with mean reduction, as functions and as PyTorch-named callable structs.

import Tracer

/// The mean absolute error, mean(|prediction - target|), as a size-1 array (PyTorch's `l1_loss`, mean reduction).
/// The derivative with respect to the prediction is sign(prediction - target) / n, 0 where they are equal, as in
/// PyTorch. `target` has the prediction's count, or 1 (broadcast).
public func l1Loss(_ prediction: FloatArray, _ target: FloatArray) -> FloatArray {
    let difference = lossDifference(prediction, target)
    // |d| as d * sign(d), the sign held constant: the Tracer's abs passes the gradient +1 at d = 0, PyTorch's
    // l1_loss passes 0. The value is |d| (NaN stays NaN).
    let plain = difference.detached()
    let zeroOrNaN = plain * 0
    let sign = select(plain .> 0, FloatArray(repeating: 1, context: plain.context),
                      select(plain .< 0, FloatArray(repeating: -1, context: plain.context), zeroOrNaN))
    return (difference * sign).mean()
}

/// The mean squared error, mean((prediction - target)^2), as a size-1 array (PyTorch's `mse_loss`, mean
/// reduction). `target` has the prediction's count, or 1 (broadcast).
public func mseLoss(_ prediction: FloatArray, _ target: FloatArray) -> FloatArray {
    let difference = lossDifference(prediction, target)
    return (difference * difference).mean()
}

/// The mean absolute error as a callable value (PyTorch's `nn.L1Loss()`, mean reduction).
public struct L1Loss {
    /// An L1 loss.
    public init() {}

    /// `l1Loss(prediction, target)`.
    public func callAsFunction(_ prediction: FloatArray, _ target: FloatArray) -> FloatArray {
        l1Loss(prediction, target)
    }
}

/// The mean squared error as a callable value (PyTorch's `nn.MSELoss()`, mean reduction).
public struct MSELoss {
    /// An MSE loss.
    public init() {}

    /// `mseLoss(prediction, target)`.
    public func callAsFunction(_ prediction: FloatArray, _ target: FloatArray) -> FloatArray {
        mseLoss(prediction, target)
    }
}

private func lossDifference(_ prediction: FloatArray, _ target: FloatArray) -> FloatArray {
    precondition(target.count == prediction.count || target.count == 1,
                 "Optim: a loss of a prediction of \(prediction.count) values against a target of \(target.count)")
    return prediction - target
}
