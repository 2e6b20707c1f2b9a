"""Plain-loop versions of the layers in ``dlcourse.layers``: one scalar at a time, as on paper.

Same classes, same signatures, same base class (``layers.Layer``: ``params``/``grads``, train/eval mode) and
the same input checks (``dlcourse._validate``); far slower. They are the teaching version (lecture 07
measures the difference) and the oracle the layers are tested against.
"""
import math

import numpy as np

from ._validate import (batchnorm_settings, check_affine_input, check_affine_settings, check_batchnorm_input,
                        check_conv_settings, check_dropout_ratio, check_image_batch, check_pool_settings,
                        check_scores, float_array, labels_to_indices)
from .layers import Layer, conv_output_size


def _zeros_like_float(x):
    return np.zeros(np.shape(x), dtype=np.result_type(x, np.float32))


class Affine(Layer):
    """out[n, m] = Σ_d x[n, d] · W[d, m] + b[m], with explicit loops. Same contract as layers.Affine."""

    def __init__(self, W, b):
        super().__init__("naive.Affine", W=W, b=b)
        check_affine_settings(self.params["W"], self.params["b"], "naive.Affine")
        self.x, self.x_shape = None, None

    def forward(self, x):
        x = float_array(x, "x", "naive.Affine.forward")
        W, b = self.params["W"], self.params["b"]
        check_affine_input(x, W, "naive.Affine.forward")
        self.x_shape, self.x = x.shape, x.reshape(x.shape[0], -1)
        n_samples, n_in = self.x.shape
        out = np.zeros((n_samples, W.shape[1]))
        for n in range(n_samples):
            for m in range(W.shape[1]):
                total = b[m]
                for d in range(n_in):
                    total += self.x[n, d] * W[d, m]
                out[n, m] = total
        return out

    def backward(self, dout):
        W = self.params["W"]
        n_samples, n_in = self.x.shape
        dx, dW, db = np.zeros_like(self.x), np.zeros_like(W), np.zeros_like(self.params["b"])
        for n in range(n_samples):
            for m in range(W.shape[1]):
                db[m] += dout[n, m]
                for d in range(n_in):
                    dx[n, d] += dout[n, m] * W[d, m]     # multiply node: swap inputs
                    dW[d, m] += dout[n, m] * self.x[n, d]
        self.grads["W"], self.grads["b"] = dW, db
        return dx.reshape(self.x_shape)


class _Elementwise(Layer):
    """Applies a scalar function f and its local derivative to every entry, one at a time."""

    def __init__(self):
        super().__init__()
        self.x = None

    def forward(self, x):
        self.x = float_array(x, "x", type(self).__name__ + ".forward")
        out = np.zeros_like(self.x)
        for index in np.ndindex(self.x.shape):
            out[index] = self.f(self.x[index])
        return out

    def backward(self, dout):
        dx = _zeros_like_float(dout)
        for index in np.ndindex(self.x.shape):
            dx[index] = dout[index] * self.df(self.x[index])
        return dx


class ReLU(_Elementwise):
    def f(self, v):
        return v if v > 0 else 0.0

    def df(self, v):
        return 1.0 if v > 0 else 0.0


class LeakyReLU(_Elementwise):
    def __init__(self, alpha=0.01):
        super().__init__()
        self.alpha = float(alpha)

    def f(self, v):
        return v if v > 0 else self.alpha * v

    def df(self, v):
        return 1.0 if v > 0 else self.alpha


class Sigmoid(_Elementwise):
    def f(self, v):
        return 1.0 / (1.0 + math.exp(-v)) if v >= 0 else math.exp(v) / (1.0 + math.exp(v))

    def df(self, v):
        y = self.f(v)
        return y * (1.0 - y)


class Tanh(_Elementwise):
    def f(self, v):
        return math.tanh(v)

    def df(self, v):
        return 1.0 - math.tanh(v) ** 2


class PReLU(Layer):
    """PReLU with loops; alpha broadcast against one sample exactly as in layers.PReLU."""

    def __init__(self, alpha=0.25):
        super().__init__("naive.PReLU", alpha=alpha)
        self.x = None

    def _alpha_index(self, index):
        alpha = self.params["alpha"]
        tail = index[len(index) - alpha.ndim:] if alpha.ndim else ()
        return tuple(0 if size == 1 else i for i, size in zip(tail, alpha.shape))

    def forward(self, x):
        self.x = float_array(x, "x", "naive.PReLU.forward")
        out = np.zeros_like(self.x)
        for index in np.ndindex(self.x.shape):
            v = self.x[index]
            out[index] = v if v > 0 else self.params["alpha"][self._alpha_index(index)] * v
        return out

    def backward(self, dout):
        alpha = self.params["alpha"]
        dx, dalpha = _zeros_like_float(dout), np.zeros_like(alpha)
        for index in np.ndindex(self.x.shape):
            v, a_index = self.x[index], self._alpha_index(index)
            if v > 0:
                dx[index] = dout[index]
            else:
                dx[index] = alpha[a_index] * dout[index]
                dalpha[a_index] += dout[index] * v
        self.grads["alpha"] = dalpha
        return dx


class Dropout(Layer):
    """Inverted dropout with loops; draws its mask exactly as layers.Dropout does (same seed, same mask)."""

    def __init__(self, ratio=0.5, seed=None):
        super().__init__()
        self.ratio, self.rng = check_dropout_ratio(ratio, "naive.Dropout"), np.random.default_rng(seed)
        self.mask = None

    def forward(self, x, train=None):
        x = float_array(x, "x", "naive.Dropout.forward")
        if not (self.training if train is None else train):
            self.mask = None
            return x
        uniform = self.rng.random(x.shape)
        self.mask, out = np.zeros_like(x), np.zeros_like(x)
        for index in np.ndindex(x.shape):
            if uniform[index] >= self.ratio:
                self.mask[index] = 1.0 / (1.0 - self.ratio)
                out[index] = x[index] * self.mask[index]
        return out

    def backward(self, dout):
        if self.mask is None:
            return dout
        dx = _zeros_like_float(dout)
        for index in np.ndindex(dout.shape):
            dx[index] = dout[index] * self.mask[index]
        return dx


class BatchNorm(Layer):
    """Batch normalisation one feature (or channel) and one value at a time. Same contract as layers.BatchNorm.

    The backward pass walks the graph x → μ → σ² → x̂ → out back one node at a time: x̂'s gradient, then
    σ²'s, then μ's, then x's, which gathers what reaches it through x̂, σ² and μ.
    """

    def __init__(self, gamma, beta, momentum=0.9, eps=1e-5):
        gamma, beta = batchnorm_settings(gamma, beta, momentum, eps, "naive.BatchNorm")
        super().__init__("naive.BatchNorm", gamma=gamma, beta=beta)
        self.momentum, self.eps = float(momentum), float(eps)
        self.running_mean, self.running_var = np.zeros_like(gamma), np.ones_like(gamma)
        self.x, self.mean, self.var, self.x_hat, self.batch_statistics = None, None, None, None, None

    @staticmethod
    def _positions(shape, c):
        """Every index of feature (or channel) c: (n, c) for (N, D), (n, c, i, j) for (N, C, H, W)."""
        if len(shape) == 2:
            return [(n, c) for n in range(shape[0])]
        return [(n, c, i, j) for n in range(shape[0]) for i in range(shape[2]) for j in range(shape[3])]

    def forward(self, x, train=None):
        train = self.training if train is None else bool(train)
        x = float_array(x, "x", "naive.BatchNorm.forward")
        gamma, beta = self.params["gamma"], self.params["beta"]
        check_batchnorm_input(x, len(gamma), train, "naive.BatchNorm.forward")
        self.x, self.batch_statistics = x, train
        self.mean, self.var = np.zeros(len(gamma)), np.zeros(len(gamma))
        self.x_hat, out = np.zeros_like(x), np.zeros_like(x)
        for c in range(len(gamma)):
            positions = self._positions(x.shape, c)
            m = len(positions)
            if train:
                mean = sum(x[p] for p in positions) / m
                var = sum((x[p] - mean) ** 2 for p in positions) / m  # biased: divided by m, not m - 1
                self.running_mean[c] = self.momentum * self.running_mean[c] + (1 - self.momentum) * mean
                self.running_var[c] = self.momentum * self.running_var[c] + (1 - self.momentum) * var
            else:
                mean, var = self.running_mean[c], self.running_var[c]
            self.mean[c], self.var[c] = mean, var
            for p in positions:
                self.x_hat[p] = (x[p] - mean) / math.sqrt(var + self.eps)
                out[p] = gamma[c] * self.x_hat[p] + beta[c]
        return out

    def backward(self, dout):
        gamma = self.params["gamma"]
        dx = _zeros_like_float(dout)
        dgamma, dbeta = np.zeros_like(gamma), np.zeros_like(gamma)
        for c in range(len(gamma)):
            positions = self._positions(dout.shape, c)
            m, mean, var = len(positions), self.mean[c], self.var[c]
            std = math.sqrt(var + self.eps)
            d_x_hat = {}
            for p in positions:  # out = γ·x̂ + β
                dbeta[c] += dout[p]
                dgamma[c] += dout[p] * self.x_hat[p]
                d_x_hat[p] = dout[p] * gamma[c]
            if not self.batch_statistics:  # running statistics are constants: only the path through x̂ = (x - μ)/σ
                for p in positions:
                    dx[p] = d_x_hat[p] / std
                continue
            # x̂ = (x - μ) · (σ² + ε)^(-1/2): σ² collects from every x̂ of its feature
            d_var = sum(d_x_hat[p] * (self.x[p] - mean) * -0.5 * (var + self.eps) ** -1.5 for p in positions)
            # μ reaches the output directly through x - μ, and through σ² = (1/m) Σ (x - μ)²
            d_mean = (sum(-d_x_hat[p] / std for p in positions)
                      + d_var * sum(-2.0 * (self.x[p] - mean) for p in positions) / m)
            for p in positions:  # x reaches the output three ways: through x̂, through σ² and through μ
                dx[p] = d_x_hat[p] / std + d_var * 2.0 * (self.x[p] - mean) / m + d_mean / m
        self.grads["gamma"], self.grads["beta"] = dgamma, dbeta
        return dx


class SoftmaxWithLoss(Layer):
    """Softmax and cross-entropy one sample at a time, with the max shift written out."""

    def __init__(self):
        super().__init__()
        self.y, self.t = None, None

    def forward(self, x, t):
        x = float_array(x, "x", "naive.SoftmaxWithLoss.forward")
        check_scores(x, "naive.SoftmaxWithLoss.forward")
        n_samples, n_classes = x.shape
        self.t = labels_to_indices(t, n_samples, n_classes, "naive.SoftmaxWithLoss.forward")
        self.y, loss = np.zeros_like(x), 0.0
        for n in range(n_samples):
            top = max(x[n])
            total = sum(math.exp(v - top) for v in x[n])
            for k in range(n_classes):
                self.y[n, k] = math.exp(x[n, k] - top) / total
            loss += -((x[n, self.t[n]] - top) - math.log(total))
        return loss / n_samples

    def backward(self, dout=1.0):
        n_samples, n_classes = self.y.shape
        dx = np.zeros_like(self.y)
        for n in range(n_samples):
            for k in range(n_classes):
                dx[n, k] = dout * (self.y[n, k] - (1.0 if k == self.t[n] else 0.0)) / n_samples
        return dx


class Flatten(Layer):
    """(N, d1, ..., dk) -> (N, d1·...·dk) one entry at a time, in row-major order."""

    def __init__(self):
        super().__init__()
        self.x_shape = None

    def forward(self, x):
        x = np.asarray(x)
        self.x_shape = x.shape
        out = np.zeros((x.shape[0], int(np.prod(x.shape[1:]))), dtype=x.dtype)
        for n in range(x.shape[0]):
            for k, index in enumerate(np.ndindex(x.shape[1:])):
                out[n, k] = x[(n,) + index]
        return out

    def backward(self, dout):
        dx = np.zeros(self.x_shape, dtype=dout.dtype)
        for n in range(self.x_shape[0]):
            for k, index in enumerate(np.ndindex(self.x_shape[1:])):
                dx[(n,) + index] = dout[n, k]
        return dx


class Conv2d(Layer):
    """Convolution as six nested loops: every output pixel is a dot product of a filter and a patch."""

    def __init__(self, W, b, stride=1, pad=0):
        super().__init__("naive.Conv2d", W=W, b=b)
        self.stride, self.pad = check_conv_settings(self.params["W"], self.params["b"], stride, pad, "naive.Conv2d")
        self.xp, self.x_shape = None, None

    def forward(self, x):
        x = float_array(x, "x", "naive.Conv2d.forward")
        W, b, s, p = self.params["W"], self.params["b"], self.stride, self.pad
        n_images, channels, height, width = x.shape
        n_filters, _, fh, fw = W.shape
        out_h, out_w = conv_output_size(height, fh, s, p), conv_output_size(width, fw, s, p)
        self.x_shape = x.shape
        self.xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
        out = np.zeros((n_images, n_filters, out_h, out_w))
        for n in range(n_images):
            for f in range(n_filters):
                for i in range(out_h):
                    for j in range(out_w):
                        patch = self.xp[n, :, i * s:i * s + fh, j * s:j * s + fw]
                        out[n, f, i, j] = np.sum(patch * W[f]) + b[f]
        return out

    def backward(self, dout):
        W, s, p = self.params["W"], self.stride, self.pad
        n_images, n_filters, out_h, out_w = dout.shape
        fh, fw = W.shape[2:]
        dxp, dW, db = np.zeros_like(self.xp), np.zeros_like(W), np.zeros_like(self.params["b"])
        for n in range(n_images):
            for f in range(n_filters):
                for i in range(out_h):
                    for j in range(out_w):
                        g = dout[n, f, i, j]
                        db[f] += g
                        dW[f] += g * self.xp[n, :, i * s:i * s + fh, j * s:j * s + fw]
                        dxp[n, :, i * s:i * s + fh, j * s:j * s + fw] += g * W[f]
        self.grads["W"], self.grads["b"] = dW, db
        height, width = self.x_shape[2:]
        return dxp[:, :, p:p + height, p:p + width]


class MaxPool2d(Layer):
    """Max pooling with loops; the gradient goes to the first maximum of each window."""

    def __init__(self, pool_h, pool_w, stride=None, pad=0):
        super().__init__()
        self.pool_h, self.pool_w, self.stride, self.pad = check_pool_settings(pool_h, pool_w, stride, pad,
                                                                              "naive.MaxPool2d")
        self.xp, self.x_shape, self.out_shape = None, None, None

    def forward(self, x):
        x = float_array(x, "x", "naive.MaxPool2d.forward")
        check_image_batch(x, None, "naive.MaxPool2d.forward")
        ph, pw, s, p = self.pool_h, self.pool_w, self.stride, self.pad
        n_images, channels, height, width = x.shape
        out_h, out_w = conv_output_size(height, ph, s, p), conv_output_size(width, pw, s, p)
        self.x_shape = x.shape
        self.xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)), constant_values=-np.inf)
        out = np.zeros((n_images, channels, out_h, out_w))
        for n, c, i, j in np.ndindex(out.shape):
            out[n, c, i, j] = np.max(self.xp[n, c, i * s:i * s + ph, j * s:j * s + pw])
        return out

    def backward(self, dout):
        ph, pw, s, p = self.pool_h, self.pool_w, self.stride, self.pad
        dxp = np.zeros_like(self.xp)
        for n, c, i, j in np.ndindex(dout.shape):
            window = self.xp[n, c, i * s:i * s + ph, j * s:j * s + pw]
            di, dj = divmod(int(np.argmax(window)), pw)
            dxp[n, c, i * s + di, j * s + dj] += dout[n, c, i, j]
        height, width = self.x_shape[2:]
        return dxp[:, :, p:p + height, p:p + width]
