"""Right answers to the lecture-04 exercises, written the ways learners write them (numpy and stdlib only)."""
import math

import numpy as np


# ---------------------------------------------------------------- leaky_relu

def leaky_forward_where(x, alpha):
    return np.where(x > 0, x, alpha * x)


def leaky_backward_where(dout, x, alpha):
    return np.where(x > 0, dout, alpha * dout)


class LeakyRelu:
    def __init__(self, alpha):
        self.alpha, self.mask = alpha, None

    def forward(self, x):
        self.mask = x <= 0
        out = x.copy()
        out[self.mask] *= self.alpha
        return out

    def backward(self, dout):
        dx = dout.copy()
        dx[self.mask] *= self.alpha
        return dx


def leaky_forward_class(x, alpha):
    return LeakyRelu(alpha).forward(x)


def leaky_backward_class(dout, x, alpha):
    layer = LeakyRelu(alpha)
    layer.forward(x)
    return layer.backward(dout)


def leaky_forward_max(x, alpha):
    # for 0 < alpha < 1, max(x, alpha·x) picks x when x > 0 and alpha·x otherwise
    return np.maximum(x, alpha * x)


def leaky_backward_slope(dout, x, alpha):
    slope = np.ones_like(x, dtype=float)
    slope[x <= 0] = alpha
    return dout * slope


def leaky_forward_loop(x, alpha):
    out = np.empty(x.shape)
    for i, v in np.ndenumerate(x):
        out[i] = v if v > 0 else alpha * v
    return out


def leaky_backward_loop(dout, x, alpha):
    dx = np.empty(x.shape)
    for i, v in np.ndenumerate(x):
        dx[i] = dout[i] if v > 0 else alpha * dout[i]
    return dx


# ---------------------------------------------------------------- prelu

def prelu_forward_where(x, alpha):
    return np.where(x > 0, x, alpha * x)


def prelu_backward_where(dout, x, alpha):
    neg = x <= 0
    dx = np.where(neg, alpha * dout, dout)
    dalpha = np.sum(np.where(neg, dout * x, 0), axis=0)
    return dx, dalpha


def prelu_forward_loops(x, alpha):
    N, D = x.shape
    out = np.zeros((N, D))
    for n in range(N):
        for d in range(D):
            out[n, d] = x[n, d] if x[n, d] > 0 else alpha[d] * x[n, d]
    return out


def prelu_backward_loops(dout, x, alpha):
    N, D = x.shape
    dx, dalpha = np.zeros((N, D)), np.zeros(D)
    for n in range(N):
        for d in range(D):
            if x[n, d] > 0:
                dx[n, d] = dout[n, d]
            else:
                dx[n, d] = alpha[d] * dout[n, d]
                dalpha[d] += dout[n, d] * x[n, d]
    return dx, dalpha


def prelu_forward_mask(x, alpha):
    mask = (x > 0).astype(float)
    return mask * x + (1 - mask) * alpha * x


def prelu_backward_einsum(dout, x, alpha):
    neg = (x <= 0).astype(float)
    dx = dout * (1 - neg) + dout * neg * alpha
    dalpha = np.einsum("nd,nd,nd->d", dout, x, neg)
    return [dx, dalpha]  # a list instead of a tuple


# ---------------------------------------------------------------- sigmoid_grad_max

SIGMOID_GRAD_MAX_EXACT = 0.25
_grid = np.linspace(-10, 10, 200001)
SIGMOID_GRAD_MAX_GRID = float(np.max(1 / (1 + np.exp(-_grid)) * (1 - 1 / (1 + np.exp(-_grid)))))
SIGMOID_GRAD_MAX_MATH = (1 / (1 + math.exp(0))) * (1 - 1 / (1 + math.exp(0)))


# ---------------------------------------------------------------- he_init

def he_init_sqrt(fan_in, fan_out, rng):
    return rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / fan_in)


def he_init_normal(fan_in, fan_out, rng):
    # rng.normal(0, std) draws the same standard normals, scaled by std
    return rng.normal(0.0, math.sqrt(2 / fan_in), size=(fan_in, fan_out))


def he_init_divide(fan_in, fan_out, rng):
    W = rng.standard_normal(size=(fan_in, fan_out))
    W /= np.sqrt(fan_in / 2)
    return W


# ---------------------------------------------------------------- float32 (one rounding per value: within tolerance)

def leaky_forward_float32(x, alpha):
    x = x.astype(np.float32)
    return np.where(x > 0, x, np.float32(alpha) * x)


def leaky_backward_float32(dout, x, alpha):
    return np.where(x > 0, dout, alpha * dout).astype(np.float32)


RIGHT_ANSWERS = {
    "leaky_relu": [
        ("in float32", (leaky_forward_float32, leaky_backward_float32)),
        ("np.where", (leaky_forward_where, leaky_backward_where)),
        ("a layer class with a mask, on copies", (leaky_forward_class, leaky_backward_class)),
        ("np.maximum forward, a slope array backward", (leaky_forward_max, leaky_backward_slope)),
        ("loops over every entry", (leaky_forward_loop, leaky_backward_loop)),
    ],
    "prelu": [
        ("np.where and a sum over the batch", (prelu_forward_where, prelu_backward_where)),
        ("loops over samples and units", (prelu_forward_loops, prelu_backward_loops)),
        ("a float mask, np.einsum, returned as a list", (prelu_forward_mask, prelu_backward_einsum)),
    ],
    "sigmoid_grad_max": [
        ("exact", SIGMOID_GRAD_MAX_EXACT),
        ("read off a fine grid", SIGMOID_GRAD_MAX_GRID),
        ("σ(0)(1 − σ(0)) with math", SIGMOID_GRAD_MAX_MATH),
    ],
    "he_init": [
        ("standard normals times sqrt(2 / fan_in)", he_init_sqrt),
        ("rng.normal with the standard deviation", he_init_normal),
        ("in-place division by sqrt(fan_in / 2)", he_init_divide),
    ],
}
