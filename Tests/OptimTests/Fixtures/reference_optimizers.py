# The expected numbers of OptimizerTests: torch.optim.Adam and torch.optim.SGD (single-tensor CPU path) reimplemented
# in float32 NumPy, step for step in PyTorch's operation order, on a Linear(3, 2) with an MSE loss.
# Run: python3 reference_optimizers.py
import numpy as np

f32 = np.float32
x = np.array([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75], [-2.0, 1.0, 0.5], [0.0, -0.5, 1.25]], dtype=f32)
target = np.array([[1.0, -1.0], [0.5, 0.0], [-0.5, 2.0], [0.25, 0.75]], dtype=f32)
W0 = np.array([[0.1, -0.2, 0.3], [-0.4, 0.5, -0.1]], dtype=f32)
b0 = np.array([0.05, -0.15], dtype=f32)


def loss_and_grads(W, b):
    y = x @ W.T + b
    d = y - target
    n = f32(d.size)
    loss = (d * d).sum() / n
    dy = f32(2) * d / n
    return loss, dy.T @ x, dy.sum(axis=0)


def adam(steps, lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
    params = [W0.copy(), b0.copy()]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    losses = []
    for t in range(1, steps + 1):
        loss, gW, gb = loss_and_grads(*params)
        losses.append(loss)
        for i, g in enumerate([gW, gb]):
            p = params[i]
            if weight_decay != 0:
                g = g + f32(weight_decay) * p
            m[i] = m[i] + f32(1 - betas[0]) * (g - m[i])
            v[i] = v[i] * f32(betas[1]) + f32(1 - betas[1]) * g * g
            step_size = lr / (1 - betas[0] ** t)
            bc2_sqrt = (1 - betas[1] ** t) ** 0.5
            denom = np.sqrt(v[i]) / f32(bc2_sqrt) + f32(eps)
            params[i] = p + (f32(-step_size) * m[i]) / denom
    return losses, params, m, v


def sgd(steps, lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
    params = [W0.copy(), b0.copy()]
    bufs = [None, None]
    losses = []
    for _ in range(steps):
        loss, gW, gb = loss_and_grads(*params)
        losses.append(loss)
        for i, g in enumerate([gW, gb]):
            p = params[i]
            if weight_decay != 0:
                g = g + f32(weight_decay) * p
            if momentum != 0:
                if bufs[i] is None:
                    bufs[i] = g.copy()
                else:
                    bufs[i] = bufs[i] * f32(momentum) + f32(1 - dampening) * g
                g = g + f32(momentum) * bufs[i] if nesterov else bufs[i]
            params[i] = p + f32(-lr) * g
    return losses, params, bufs


def show(name, values):
    flat = np.asarray(values, dtype=f32).ravel()
    print(f"{name}: [" + ", ".join(f"{float(v)!r}" for v in flat) + "]")


for title, (losses, params, m, v) in [("adam lr 0.1, 5 steps", adam(5, 0.1)),
                                       ("adam lr 0.05 weight decay 0.1, 3 steps", adam(3, 0.05, weight_decay=0.1))]:
    print(title)
    show("  losses", losses)
    show("  weight", params[0]); show("  bias", params[1])
    show("  exp_avg weight", m[0]); show("  exp_avg_sq weight", v[0])
for title, (losses, params, bufs) in [
        ("sgd lr 0.1 momentum 0.9 dampening 0.1, 5 steps", sgd(5, 0.1, momentum=0.9, dampening=0.1)),
        ("sgd lr 0.05 momentum 0.9 nesterov weight decay 0.01, 4 steps",
         sgd(4, 0.05, momentum=0.9, weight_decay=0.01, nesterov=True)),
        ("sgd lr 0.1 no momentum, 3 steps", sgd(3, 0.1))]:
    print(title)
    show("  losses", losses)
    show("  weight", params[0]); show("  bias", params[1])
    if bufs[0] is not None:
        show("  momentum_buffer weight", bufs[0])
