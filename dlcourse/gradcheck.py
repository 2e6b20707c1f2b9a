"""Numerical gradients and the gradient check (lecture 02): test the analytic gradient with the numeric one."""
import numpy as np


def numerical_gradient(f, x, h=1e-5):
    """Centred difference (f(x + h·e_i) - f(x - h·e_i)) / 2h for every entry i of x.

    f: called as f(x) and returning a scalar (it may ignore its argument and read x through a network
    that shares the array). x: a float array of any shape; it is perturbed in place one entry at a
    time and restored exactly afterwards. Returns an array of x's shape.
    """
    if not isinstance(x, np.ndarray) or not np.issubdtype(x.dtype, np.floating):
        raise ValueError("numerical_gradient: x must be a floating-point ndarray (it is perturbed in place), "
                         f"got {type(x).__name__} with dtype {getattr(x, 'dtype', None)}")
    grad = np.zeros_like(x, dtype=np.float64)
    for index in np.ndindex(x.shape):
        original = x[index]
        x[index] = original + h
        f_plus = float(f(x))
        x[index] = original - h
        f_minus = float(f(x))
        x[index] = original  # restore
        grad[index] = (f_plus - f_minus) / (2 * h)
    return grad


def rel_error(a, b, floor=1e-8):
    """max |a - b| / max(|a| + |b|, floor), entry by entry: ~1e-7 or less means the gradients agree."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"rel_error: shapes differ, {a.shape} vs {b.shape}")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), floor)))


def check_layer(layer, x, seed=0, h=1e-5, **forward_kwargs):
    """Gradient-check a layer: relative errors of dx and of every parameter gradient.

    Uses the scalar loss L = Σ out · dout with a fixed random dout, so dL/dout = dout.
    Returns a dict {"x": err, "<param>": err, ...}.
    """
    rng = np.random.default_rng(seed)
    x = np.array(x, dtype=np.float64)
    out = layer.forward(x, **forward_kwargs)
    dout = rng.standard_normal(np.shape(out))
    dx = layer.backward(dout)
    analytic = {"x": dx, **{name: g.copy() for name, g in layer.grads.items()}}

    def loss(_):
        return float(np.sum(layer.forward(x, **forward_kwargs) * dout))

    errors = {"x": rel_error(analytic["x"], numerical_gradient(loss, x, h))}
    for name, value in layer.params.items():
        errors[name] = rel_error(analytic[name], numerical_gradient(loss, value, h))
    return errors
