"""Typical wrong answers to the lecture-04 exercises, written as learners write them."""
import numpy as np


# ---------------------------------------------------------------- leaky_relu

def leaky_forward_right(x, alpha):
    return np.maximum(alpha * x, x)  # right for 0 < alpha < 1


def leaky_backward_right(dout, x, alpha):
    dx = dout.copy()
    dx[x <= 0] *= alpha
    return dx


def leaky_forward_relu(x, alpha):
    return np.maximum(0, x)


def leaky_forward_swapped(x, alpha):
    return np.where(x > 0, alpha * x, x)


def leaky_forward_relu_plus(x, alpha):
    return np.maximum(0, x) + alpha * x


def leaky_backward_relu(dout, x, alpha):
    dx = dout.copy()
    dx[x <= 0] = 0
    return dx


def leaky_backward_local_only(dout, x, alpha):
    grad = np.ones_like(x)
    grad[x <= 0] = alpha
    return grad


def leaky_backward_in_place(dout, x, alpha):
    dout[x <= 0] *= alpha
    return dout


# ---------------------------------------------------------------- prelu

def prelu_forward_right(x, alpha):
    return np.where(x > 0, x, alpha * x)


def prelu_backward_right(dout, x, alpha):
    mask = x > 0
    dx = np.where(mask, dout, alpha * dout)
    dalpha = np.sum(dout * x * (~mask), axis=0)
    return dx, dalpha


def prelu_backward_dalpha_per_sample(dout, x, alpha):
    mask = x > 0
    return np.where(mask, dout, alpha * dout), dout * x * (~mask)


def prelu_backward_dalpha_no_x(dout, x, alpha):
    mask = x > 0
    return np.where(mask, dout, alpha * dout), np.sum(dout * (~mask), axis=0)


def prelu_backward_dalpha_all(dout, x, alpha):
    return np.where(x > 0, dout, alpha * dout), np.sum(dout * x, axis=0)


def prelu_backward_dalpha_scalar(dout, x, alpha):
    mask = x > 0
    return np.where(mask, dout, alpha * dout), np.sum(dout * x * (~mask))


def prelu_backward_dx_relu(dout, x, alpha):
    mask = x > 0
    return dout * mask, np.sum(dout * x * (~mask), axis=0)


def prelu_forward_relu(x, alpha):
    return x * (x > 0)


WRONG_ANSWERS = {
    "leaky_relu": [
        ("plain ReLU forward", (leaky_forward_relu, leaky_backward_right), "multiplied by the slope alpha"),
        ("slope applied to the positive side", (leaky_forward_swapped, leaky_backward_right), "only x <= 0"),
        ("ReLU plus alpha·x", (leaky_forward_relu_plus, leaky_backward_right), "(1 + alpha)"),
        ("backward of ReLU", (leaky_forward_right, leaky_backward_relu), "pass alpha * dout"),
        ("local derivative without dout", (leaky_forward_right, leaky_backward_local_only), "by dout"),
        ("dout changed in place", (leaky_forward_right, leaky_backward_in_place), "in place"),
    ],
    "prelu": [
        ("ReLU forward", (prelu_forward_relu, prelu_backward_right), "not cut to 0"),
        ("dalpha per sample", (prelu_forward_right, prelu_backward_dalpha_per_sample), "sums over the batch"),
        ("dalpha without the factor x", (prelu_forward_right, prelu_backward_dalpha_no_x), "dalpha = Σ dout · x"),
        ("dalpha over positive entries too", (prelu_forward_right, prelu_backward_dalpha_all), "mask before summing"),
        ("one dalpha for all units", (prelu_forward_right, prelu_backward_dalpha_scalar), "one value per unit"),
        ("dx of plain ReLU", (prelu_forward_right, prelu_backward_dx_relu), "alpha * dout"),
    ],
}


# ---------------------------------------------------------------- more bugs seen in learners' code

def leaky_backward_kink_positive(dout, x, alpha):
    dx = dout.copy()
    dx[x < 0] *= alpha
    return dx


def prelu_backward_kink_positive(dout, x, alpha):
    dx = np.where(x >= 0, dout, alpha * dout)
    return dx, np.sum(np.where(x <= 0, dout * x, 0), axis=0)


WRONG_ANSWERS["leaky_relu"] += [
    ("dx[x < 0] *= alpha keeps dout at x == 0", (leaky_forward_right, leaky_backward_kink_positive),
     "at exactly x == 0"),
]
WRONG_ANSWERS["prelu"] += [
    ("x >= 0 passes dout at the kink", (prelu_forward_right, prelu_backward_kink_positive), "at exactly x == 0"),
]


# ---------------------------------------------------------------- batchnorm

def bn_forward_right(x, gamma, beta, eps=1e-5):
    mu, var = x.mean(axis=0), x.var(axis=0)
    x_hat = (x - mu) / np.sqrt(var + eps)
    return gamma * x_hat + beta, (x, x_hat, mu, var, gamma, eps)


def bn_backward_right(dout, cache):
    x, x_hat, mu, var, gamma, eps = cache
    N = x.shape[0]
    dx_hat = dout * gamma
    dx = (N * dx_hat - dx_hat.sum(axis=0) - x_hat * np.sum(dx_hat * x_hat, axis=0)) / (N * np.sqrt(var + eps))
    return dx, np.sum(dout * x_hat, axis=0), dout.sum(axis=0)


def bn_forward_unbiased(x, gamma, beta, eps=1e-5):
    mu = x.mean(axis=0)
    var = np.sum((x - mu) ** 2, axis=0) / (x.shape[0] - 1)
    x_hat = (x - mu) / np.sqrt(var + eps)
    return gamma * x_hat + beta, (x, x_hat, mu, var, gamma, eps)


def bn_forward_eps_outside(x, gamma, beta, eps=1e-5):
    mu, var = x.mean(axis=0), x.var(axis=0)
    x_hat = (x - mu) / (np.sqrt(var) + eps)
    return gamma * x_hat + beta, (x, x_hat, mu, var, gamma, eps)


def bn_forward_axis1(x, gamma, beta, eps=1e-5):
    mu = x.mean(axis=1, keepdims=True)
    var = x.var(axis=1, keepdims=True)
    x_hat = (x - mu) / np.sqrt(var + eps)
    return gamma * x_hat + beta, (x, x_hat, mu, var, gamma, eps)


def bn_backward_no_mean_path(dout, cache):
    # the gradient through the variance, but μ taken as a constant
    x, x_hat, mu, var, gamma, eps = cache
    N = x.shape[0]
    dx_hat = dout * gamma
    dvar = np.sum(dx_hat * (x - mu), axis=0) * -0.5 * (var + eps) ** -1.5
    dx = dx_hat / np.sqrt(var + eps) + dvar * 2 * (x - mu) / N
    return dx, np.sum(dout * x_hat, axis=0), dout.sum(axis=0)


def bn_backward_constants(dout, cache):
    x, x_hat, mu, var, gamma, eps = cache
    return dout * gamma / np.sqrt(var + eps), np.sum(dout * x_hat, axis=0), dout.sum(axis=0)


def bn_backward_dgamma_no_xhat(dout, cache):
    dx, _, dbeta = bn_backward_right(dout, cache)
    return dx, np.sum(dout, axis=0), dbeta


def bn_backward_wrong_axis(dout, cache):
    dx, _, _ = bn_backward_right(dout, cache)
    x_hat = cache[1]
    return dx, np.sum(dout * x_hat, axis=1), np.sum(dout, axis=1)


def bn_backward_dvar_no_half(dout, cache):
    x, x_hat, mu, var, gamma, eps = cache
    N = x.shape[0]
    dx_hat = dout * gamma
    dvar = np.sum(dx_hat * (x - mu), axis=0) * -1 * (var + eps) ** -1.5
    dmu = np.sum(-dx_hat / np.sqrt(var + eps), axis=0) + dvar * np.mean(-2 * (x - mu), axis=0)
    dx = dx_hat / np.sqrt(var + eps) + dvar * 2 * (x - mu) / N + dmu / N
    return dx, np.sum(dout * x_hat, axis=0), dout.sum(axis=0)


def bn_backward_means(dout, cache):
    dx, _, _ = bn_backward_right(dout, cache)
    return dx, np.mean(dout * cache[1], axis=0), np.mean(dout, axis=0)


WRONG_ANSWERS["batchnorm"] = [
    ("the unbiased variance, divided by N − 1", (bn_forward_unbiased, bn_backward_right), "biased variance"),
    ("eps added after the square root", (bn_forward_eps_outside, bn_backward_right), "under the square root"),
    ("mean and variance over axis=1", (bn_forward_axis1, bn_backward_right), "layer normalisation"),
    ("μ treated as a constant in backward", (bn_forward_right, bn_backward_no_mean_path), "μ depends on every x"),
    ("μ and σ² treated as constants", (bn_forward_right, bn_backward_constants), "backpropagate through both"),
    ("dgamma = Σ dout", (bn_forward_right, bn_backward_dgamma_no_xhat), "dout · x̂"),
    ("dgamma and dbeta summed over axis=1", (bn_forward_right, bn_backward_wrong_axis), "axis=0"),
    ("dvar = Σ dx̂·(x − μ)·(−1)·(σ² + ε)^(−3/2)", (bn_forward_right, bn_backward_dvar_no_half), "factor ½"),
    ("dgamma and dbeta averaged", (bn_forward_right, bn_backward_means), "SUMS over the batch"),
]


# ---------------------------------------------------------------- layer_gradient_norms

def _act(a, activation):
    if activation == "sigmoid":
        return 1 / (1 + np.exp(-a))
    return np.tanh(a) if activation == "tanh" else np.maximum(a, 0)


def _slope(a, h, activation):
    if activation == "sigmoid":
        return h * (1 - h)
    return 1 - h ** 2 if activation == "tanh" else (a > 0) * 1.0


def norms_backwards_order(weights, x, dout, activation="sigmoid"):
    cache = []
    for W in weights:
        a = x @ W
        cache.append((x, a))
        x = _act(a, activation)
    norms = []
    for W, (x_in, a) in zip(reversed(weights), reversed(cache)):
        da = dout * _slope(a, _act(a, activation), activation)
        norms.append(np.linalg.norm(x_in.T @ da))
        dout = da @ W.T
    return np.array(norms)


def norms_of_the_signal(weights, x, dout, activation="sigmoid"):
    cache = []
    for W in weights:
        a = x @ W
        cache.append(a)
        x = _act(a, activation)
    norms = []
    for W, a in zip(reversed(weights), reversed(cache)):
        dout = dout * _slope(a, _act(a, activation), activation)
        norms.insert(0, np.linalg.norm(dout))
        dout = dout @ W.T
    return np.array(norms)


def norms_squared(weights, x, dout, activation="sigmoid"):
    cache = []
    for W in weights:
        a = x @ W
        cache.append((x, a))
        x = _act(a, activation)
    norms = []
    for W, (x_in, a) in zip(reversed(weights), reversed(cache)):
        da = dout * _slope(a, _act(a, activation), activation)
        norms.insert(0, np.sum((x_in.T @ da) ** 2))
        dout = da @ W.T
    return np.array(norms)


def norms_no_activation_backward(weights, x, dout, activation="sigmoid"):
    inputs = []
    for W in weights:
        inputs.append(x)
        x = _act(x @ W, activation)
    norms = []
    for W, x_in in zip(reversed(weights), reversed(inputs)):
        norms.insert(0, np.linalg.norm(x_in.T @ dout))
        dout = dout @ W.T
    return np.array(norms)


def norms_derivative_of_a(weights, x, dout, activation="sigmoid"):
    cache = []
    for W in weights:
        a = x @ W
        cache.append((x, a))
        x = _act(a, activation)
    norms = []
    for W, (x_in, a) in zip(reversed(weights), reversed(cache)):
        da = dout * _slope(a, a, activation)  # the pre-activation where the output belongs
        norms.insert(0, np.linalg.norm(x_in.T @ da))
        dout = da @ W.T
    return np.array(norms)


def norms_relu_mask_from_output(weights, x, dout, activation="sigmoid"):
    cache = []
    for W in weights:
        a = x @ W
        h = _act(a, activation)
        cache.append((x, h))
        x = h
    norms = []
    for W, (x_in, h) in zip(reversed(weights), reversed(cache)):
        if activation == "relu":
            da = dout * (h >= 0)
        else:
            da = dout * _slope(None, h, activation)
        norms.insert(0, np.linalg.norm(x_in.T @ da))
        dout = da @ W.T
    return np.array(norms)


WRONG_ANSWERS["layer_gradient_norms"] = [
    ("norms appended during backward, never reversed", norms_backwards_order, "first layer (next to the input) first"),
    ("‖∂L/∂a‖ instead of ‖∂L/∂W‖", norms_of_the_signal, "gradient at the pre-activation"),
    ("np.sum(dW ** 2) without the square root", norms_squared, "square root of the sum of squares"),
    ("the activations skipped in backward", norms_no_activation_backward, "go back through each activation"),
    ("h·(1 − h) evaluated at the pre-activation", norms_derivative_of_a, "OUTPUT h = f(a)"),
    ("ReLU mask h >= 0", norms_relu_mask_from_output, "masks nothing"),
]
