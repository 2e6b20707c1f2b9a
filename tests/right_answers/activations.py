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


# ---------------------------------------------------------------- float32 (one rounding per value: within tolerance)

def leaky_forward_float32(x, alpha):
    x = x.astype(np.float32)
    return np.where(x > 0, x, np.float32(alpha) * x)


def leaky_backward_float32(dout, x, alpha):
    return np.where(x > 0, dout, alpha * dout).astype(np.float32)


# ---------------------------------------------------------------- batchnorm

def bn_forward_cs231n(x, gamma, beta, eps=1e-5):
    mu = np.mean(x, axis=0)
    var = np.var(x, axis=0)
    x_hat = (x - mu) / np.sqrt(var + eps)
    out = gamma * x_hat + beta
    cache = (x, x_hat, mu, var, gamma, beta, eps)
    return out, cache


def bn_backward_cs231n(dout, cache):
    x, x_hat, mu, var, gamma, beta, eps = cache
    N = x.shape[0]
    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * x_hat, axis=0)
    dx_hat = dout * gamma
    dvar = np.sum(dx_hat * (x - mu), axis=0) * -0.5 * (var + eps) ** -1.5
    dmu = np.sum(-dx_hat / np.sqrt(var + eps), axis=0) + dvar * np.mean(-2.0 * (x - mu), axis=0)
    dx = dx_hat / np.sqrt(var + eps) + dvar * 2.0 * (x - mu) / N + dmu / N
    return dx, dgamma, dbeta


class BatchNormalization:
    """Deep Learning from Scratch style: the layer object itself is the cache."""

    def __init__(self, gamma, beta, eps=1e-5):
        self.gamma, self.beta, self.eps = gamma, beta, eps
        self.xc = self.std = self.xn = None
        self.dgamma = self.dbeta = None

    def forward(self, x):
        mu = x.mean(axis=0)
        self.xc = x - mu
        var = np.mean(self.xc ** 2, axis=0)
        self.std = np.sqrt(var + self.eps)
        self.xn = self.xc / self.std
        return self.gamma * self.xn + self.beta

    def backward(self, dout):
        batch_size = dout.shape[0]
        self.dbeta = dout.sum(axis=0)
        self.dgamma = np.sum(self.xn * dout, axis=0)
        dxn = self.gamma * dout
        dxc = dxn / self.std
        dstd = -np.sum((dxn * self.xc) / (self.std * self.std), axis=0)
        dvar = 0.5 * dstd / self.std
        dxc += (2.0 / batch_size) * self.xc * dvar
        dmu = np.sum(dxc, axis=0)
        return dxc - dmu / batch_size


def bn_forward_class(x, gamma, beta, eps=1e-5):
    layer = BatchNormalization(gamma, beta, eps)
    return layer.forward(x), layer


def bn_backward_class(dout, cache):
    dx = cache.backward(dout)
    return dx, cache.dgamma, cache.dbeta


def bn_forward_graph(x, gamma, beta, eps=1e-5):
    # one node per step, each cached for the backward pass
    N = x.shape[0]
    mu = 1.0 / N * np.sum(x, axis=0)
    xmu = x - mu
    sq = xmu ** 2
    var = 1.0 / N * np.sum(sq, axis=0)
    sqrtvar = np.sqrt(var + eps)
    ivar = 1.0 / sqrtvar
    xhat = xmu * ivar
    gammax = gamma * xhat
    out = gammax + beta
    return out, {"xhat": xhat, "gamma": gamma, "xmu": xmu, "ivar": ivar, "sqrtvar": sqrtvar, "var": var, "eps": eps}


def bn_backward_graph(dout, cache):
    xhat, gamma, xmu = cache["xhat"], cache["gamma"], cache["xmu"]
    ivar, sqrtvar, var, eps = cache["ivar"], cache["sqrtvar"], cache["var"], cache["eps"]
    N = dout.shape[0]
    dbeta = np.sum(dout, axis=0)
    dgammax = dout
    dgamma = np.sum(dgammax * xhat, axis=0)
    dxhat = dgammax * gamma
    divar = np.sum(dxhat * xmu, axis=0)
    dxmu1 = dxhat * ivar
    dsqrtvar = -1.0 / sqrtvar ** 2 * divar
    dvar = 0.5 * 1.0 / np.sqrt(var + eps) * dsqrtvar
    dsq = 1.0 / N * np.ones(dout.shape) * dvar
    dxmu2 = 2 * xmu * dsq
    dx1 = dxmu1 + dxmu2
    dmu = -1 * np.sum(dxmu1 + dxmu2, axis=0)
    dx2 = 1.0 / N * np.ones(dout.shape) * dmu
    return dx1 + dx2, dgamma, dbeta


def bn_forward_compact(x, gamma, beta, eps=1e-5):
    x_hat = (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + eps)
    return gamma * x_hat + beta, (x_hat, gamma, np.sqrt(x.var(axis=0) + eps))


def bn_backward_compact(dout, cache):
    x_hat, gamma, std = cache
    N = dout.shape[0]
    dx = gamma / (N * std) * (N * dout - dout.sum(axis=0) - x_hat * np.sum(dout * x_hat, axis=0))
    return dx, np.sum(dout * x_hat, axis=0), dout.sum(axis=0)


def bn_forward_same_dtype(x, gamma, beta, eps=1e-5):
    # everything in x's dtype: a float32 batch stays float32
    gamma, beta = gamma.astype(x.dtype), beta.astype(x.dtype)
    mu, var = x.mean(axis=0), x.var(axis=0)
    std = np.sqrt(var + x.dtype.type(eps))
    x_hat = (x - mu) / std
    return gamma * x_hat + beta, (x_hat, gamma, std)


def bn_backward_same_dtype(dout, cache):
    x_hat, gamma, std = cache
    dxhat = dout.astype(x_hat.dtype) * gamma
    dx = (dxhat - dxhat.mean(axis=0) - x_hat * (dxhat * x_hat).mean(axis=0)) / std
    return dx, (dout * x_hat).sum(axis=0), dout.sum(axis=0)


# ---------------------------------------------------------------- layer_gradient_norms

def norms_lists(weights, x, dout, activation="sigmoid"):
    inputs, outputs, pre = [], [], []
    h = x
    for W in weights:
        inputs.append(h)
        a = h @ W
        pre.append(a)
        if activation == "sigmoid":
            h = 1 / (1 + np.exp(-a))
        elif activation == "tanh":
            h = np.tanh(a)
        else:
            h = np.maximum(0, a)
        outputs.append(h)
    norms = [0.0] * len(weights)
    grad = dout
    for l in range(len(weights) - 1, -1, -1):
        if activation == "sigmoid":
            grad = grad * outputs[l] * (1 - outputs[l])
        elif activation == "tanh":
            grad = grad * (1 - outputs[l] ** 2)
        else:
            grad = grad * (pre[l] > 0)
        norms[l] = np.linalg.norm(inputs[l].T @ grad)
        grad = grad @ weights[l].T
    return np.array(norms)


class MatMul:
    def __init__(self, W):
        self.W, self.x, self.dW = W, None, None

    def forward(self, x):
        self.x = x
        return x @ self.W

    def backward(self, dout):
        self.dW = self.x.T @ dout
        return dout @ self.W.T


class Activation:
    def __init__(self, name):
        self.name, self.a, self.out = name, None, None

    def forward(self, a):
        self.a = a
        if self.name == "sigmoid":
            self.out = 1 / (1 + np.exp(-a))
        elif self.name == "tanh":
            self.out = np.tanh(a)
        else:
            self.out = np.where(a > 0, a, 0.0)
        return self.out

    def backward(self, dout):
        if self.name == "sigmoid":
            return dout * self.out * (1.0 - self.out)
        if self.name == "tanh":
            return dout * (1.0 - self.out ** 2)
        return np.where(self.a > 0, dout, 0.0)


def norms_layer_classes(weights, x, dout, activation="sigmoid"):
    layers = []
    for W in weights:
        layers += [MatMul(W), Activation(activation)]
    for layer in layers:
        x = layer.forward(x)
    for layer in reversed(layers):
        dout = layer.backward(dout)
    return np.array([math.sqrt(float(np.sum(layer.dW ** 2))) for layer in layers[::2]])


def norms_dict_of_derivatives(weights, x, dout, activation="sigmoid"):
    functions = {"sigmoid": lambda a: 1 / (1 + np.exp(-a)), "tanh": np.tanh, "relu": lambda a: a * (a > 0)}
    slopes = {"sigmoid": lambda a: functions["sigmoid"](a) * (1 - functions["sigmoid"](a)),
              "tanh": lambda a: 1 / np.cosh(a) ** 2, "relu": lambda a: (a > 0) * 1.0}
    cache = []
    for W in weights:
        a = x @ W
        cache.append((x, a))
        x = functions[activation](a)
    result = []
    for W, (x_in, a) in zip(weights[::-1], cache[::-1]):
        delta = dout * slopes[activation](a)
        result.append(np.sqrt(np.sum((x_in.T @ delta) ** 2)))
        dout = delta @ W.T
    return np.array(list(reversed(result)))


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
    "batchnorm": [
        ("CS231n: a cache tuple, backward through dvar and dmu", (bn_forward_cs231n, bn_backward_cs231n)),
        ("a layer class (Deep Learning from Scratch) as the cache", (bn_forward_class, bn_backward_class)),
        ("step by step along the computational graph, a dict cache", (bn_forward_graph, bn_backward_graph)),
        ("the compact formula", (bn_forward_compact, bn_backward_compact)),
        ("in x's dtype (float32 stays float32), means instead of sums",
         (bn_forward_same_dtype, bn_backward_same_dtype)),
    ],
    "layer_gradient_norms": [
        ("lists of inputs and outputs, a loop backwards", norms_lists),
        ("a class per layer (Deep Learning from Scratch)", norms_layer_classes),
        ("dicts of activations and derivatives from a", norms_dict_of_derivatives),
    ],
}
