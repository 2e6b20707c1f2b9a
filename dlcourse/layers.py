"""Layers as nodes of a computational graph (lectures 03, 04, 05 and 07), written as the lectures derive them.

Every layer has ``forward(x) -> out`` and ``backward(dout) -> dx``; what backward needs is cached by
forward. Learnable arrays live in ``layer.params`` and their gradients, filled by backward, in
``layer.grads`` under the same keys (the base class ``Layer``). Layers that behave differently in
training (Dropout, BatchNorm) take ``forward(x, train=...)``. No method modifies an array it was handed.

Each class is the lecture's formula, then its code. Conv2d and MaxPool2d run, by default (``fast=True``),
the tuned kernels of ``dlcourse.fast_layers``, which compute the same numbers faster (equal up to round-off,
about 1e-16 relative; the lectures' saved outputs are theirs); ``fast=False`` runs the code written here.
The plain-loop versions of the same layers, with the same signatures, are in ``dlcourse.naive``.
"""
import numpy as np

from . import fast_layers
from ._validate import (batchnorm_settings, check_affine_input, check_affine_settings, check_batchnorm_input,
                        check_conv_settings, check_dropout_ratio, check_image_batch, check_pool_settings,
                        check_scores, float_array, labels_to_indices)
from .functions import sigmoid


class Layer:
    """What every layer shares: its learnable arrays, their gradients and a training / evaluation mode.

    ``params``: {name: ndarray}, the layer's own float copies of the arrays it was given (an optimiser
    updates them in place); ``grads``: {name: ndarray}, same keys and shapes, filled by backward.
    ``training`` (True at first; set by ``train()`` and ``eval()``, as in PyTorch) is the mode of
    ``forward(x, train=None)`` in the layers that behave differently in training; an explicit
    ``train=True`` / ``train=False`` wins over it.
    """

    def __init__(self, where="", **params):
        self.params = {name: float_array(value, name, where).copy() for name, value in params.items()}
        self.grads = {name: np.zeros_like(value) for name, value in self.params.items()}
        self.training = True

    def train(self, mode=True):
        """Training mode (``mode=True``) or evaluation mode (``mode=False``); returns the layer."""
        self.training = bool(mode)
        return self

    def eval(self):
        """Evaluation mode: Dropout lets x through, BatchNorm uses its running statistics."""
        return self.train(False)


class Affine(Layer):
    """Fully connected layer: Y = X · W + B.

    W: (D, M); b: (M,); x: (N, D), or (N, d1, ..., dk) with d1·...·dk = D, flattened to (N, D).
    Backward (the dot product is a multiply node, inputs swapped; + B an add node, B copied to every row):
        dX = dY · Wᵀ (N, D), reshaped like x;   dW = Xᵀ · dY (D, M);   dB = Σ_n dY_n (M,)
    Caches the flattened x (``x``) and x's shape (``x_shape``).
    """

    def __init__(self, W, b):
        super().__init__("Affine", W=W, b=b)
        check_affine_settings(self.params["W"], self.params["b"], "Affine")
        self.x = None
        self.x_shape = None

    def forward(self, x):
        W, b = self.params["W"], self.params["b"]
        x = float_array(x, "x", "Affine.forward")
        check_affine_input(x, W, "Affine.forward")
        self.x_shape = x.shape
        self.x = x.reshape(x.shape[0], -1)
        out = self.x @ W
        if np.can_cast(b.dtype, out.dtype):
            out += b  # in place: one array fewer per step
            return out
        return out + b

    def backward(self, dout):
        W = self.params["W"]
        self.grads["W"] = self.x.T @ dout
        self.grads["b"] = dout.sum(axis=0)
        return (dout @ W.T).reshape(self.x_shape)


class ReLU(Layer):
    """y = max(0, x). Derivative 1 where x > 0, 0 elsewhere: backward lets dout through the mask x > 0.

    Any shape. Caches the boolean mask x > 0 (``mask``) of the forward INPUT.
    """

    def __init__(self):
        super().__init__()
        self.mask = None

    def forward(self, x):
        x = float_array(x, "x", "ReLU.forward")
        self.mask = x > 0
        return np.maximum(x, 0.0)  # NaN stays NaN, so a broken input is noticed downstream

    def backward(self, dout):
        # dout · 1 or dout · 0, into a new array (never into dout); np.where is 10× slower here
        return np.multiply(dout, self.mask)


class LeakyReLU(Layer):
    """y = x for x > 0, alpha·x otherwise: a small slope keeps negative units alive.

    Any shape. Backward: dout where x > 0, alpha·dout elsewhere. Caches the mask x > 0 (``mask``).
    """

    def __init__(self, alpha=0.01):
        super().__init__()
        self.alpha = float(alpha)
        self.mask = None

    def forward(self, x):
        x = float_array(x, "x", "LeakyReLU.forward")
        self.mask = x > 0
        return np.where(self.mask, x, self.alpha * x)

    def backward(self, dout):
        return np.where(self.mask, dout, self.alpha * dout)


class PReLU(Layer):
    """Parametric ReLU: y = x for x > 0, alpha·x otherwise, with the slope alpha learned (``params["alpha"]``).

    alpha: a scalar (one slope shared by all units) or an array broadcastable against one sample,
    e.g. (D,) for x: (N, D). Backward: dx = dout where x > 0 else alpha·dout;
    dalpha = Σ over the broadcast axes of dout·x where x <= 0. Caches x.
    """

    def __init__(self, alpha=0.25):
        super().__init__("PReLU", alpha=alpha)
        self.x = None

    def forward(self, x):
        self.x = float_array(x, "x", "PReLU.forward")
        alpha = self.params["alpha"]
        try:
            return np.where(self.x > 0, self.x, alpha * self.x)
        except ValueError:
            raise ValueError(f"PReLU.forward: alpha.shape={alpha.shape} does not broadcast against one "
                             f"sample of x (x.shape={self.x.shape})") from None

    def backward(self, dout):
        alpha = self.params["alpha"]
        negative = self.x <= 0
        dalpha = np.where(negative, dout * self.x, 0.0)
        # alpha was copied along the batch axis and along its axes of size 1: sum the gradient over them
        dalpha = dalpha.sum(axis=tuple(range(dalpha.ndim - alpha.ndim)))
        axes = tuple(i for i, size in enumerate(alpha.shape) if size == 1 and dalpha.shape[i] != 1)
        self.grads["alpha"] = dalpha.sum(axis=axes, keepdims=True).reshape(alpha.shape)
        return np.where(negative, alpha * dout, dout)


class Sigmoid(Layer):
    """y = σ(x) = 1 / (1 + e^(-x)). Its four nodes (×(-1), exp, +1, 1/u) multiply to dy/dx = y·(1 - y).

    Any shape. Backward needs only the forward OUTPUT: dx = dout · y · (1 - y). Caches y (``out``).
    The local gradient y(1 - y) is at most 0.25 (at x = 0).
    """

    def __init__(self):
        super().__init__()
        self.out = None

    def forward(self, x):
        self.out = sigmoid(x)
        return self.out

    def backward(self, dout):
        return dout * self.out * (1.0 - self.out)


class Tanh(Layer):
    """y = tanh(x), zero-centred. Backward: dx = dout · (1 - y²). Any shape; caches y (``out``)."""

    def __init__(self):
        super().__init__()
        self.out = None

    def forward(self, x):
        self.out = np.tanh(float_array(x, "x", "Tanh.forward"))
        return self.out

    def backward(self, dout):
        return dout * (1.0 - self.out ** 2)


class Dropout(Layer):
    """Inverted dropout. ``ratio`` is the probability of DROPPING a unit: 0.25 drops one unit in four.

    In training each unit is kept with probability 1 - ratio and the kept ones are scaled by
    1 / (1 - ratio), so the expected activation is unchanged and nothing changes at test time
        out = x · mask,   mask = [u >= ratio] / (1 - ratio),  u ~ U[0, 1);   dx = dout · mask
    (``train=False``, or ``eval()``, returns x as it is). Any shape. ``seed`` makes the masks reproducible.
    Caches the scaled mask (``mask``; None at test time).
    """

    def __init__(self, ratio=0.5, seed=None):
        super().__init__()
        self.ratio = check_dropout_ratio(ratio, "Dropout")
        self.rng = np.random.default_rng(seed)
        self.mask = None

    def forward(self, x, train=None):
        x = float_array(x, "x", "Dropout.forward")
        if not (self.training if train is None else train):
            self.mask = None
            return x
        keep = self.rng.random(x.shape) >= self.ratio
        self.mask = keep.astype(x.dtype) / (1.0 - self.ratio)
        return x * self.mask

    def backward(self, dout):
        return dout if self.mask is None else dout * self.mask


def _per_feature(x):
    """(axes BatchNorm averages over, shape gamma is broadcast as) for x (N, D) or (N, C, H, W).

    (N, D): per feature over the batch, axes (0,), gamma as (1, D). (N, C, H, W): per channel over the batch
    and every position, axes (0, 2, 3), gamma as (1, C, 1, 1).
    """
    return ((0,), (1, -1)) if x.ndim == 2 else ((0, 2, 3), (1, -1, 1, 1))


class BatchNorm(Layer):
    """Batch normalisation (배치 정규화): normalise every feature over the batch, then scale and shift.

    gamma, beta: (D,) for x: (N, D), or (C,) for x: (N, C, H, W), normalised per channel over N, H and W.
    With m the number of values per feature (N, or N·H·W), forward(x, train=True) computes per feature
        μ = (1/m) Σ x,   σ² = (1/m) Σ (x - μ)²  (biased),   x̂ = (x - μ) / √(σ² + ε),   out = γ·x̂ + β
    and updates the running averages used at test time (``running_mean`` starts at 0, ``running_var`` at 1):
        running = momentum · running + (1 - momentum) · batch value
    (torch.nn.BatchNorm1d/2d's momentum=0.1 is this momentum=0.9; torch's running_var takes the unbiased
    m/(m - 1)·σ² instead, while it too normalises with the biased σ²).
    forward(x, train=False) (or after ``eval()``) uses running_mean and running_var instead of μ and σ², so
    a sample's output no longer depends on the rest of its batch. Caches x̂ (``x_hat``), σ = √(σ² + ε)
    (``std``) and whether the batch statistics were used (``batch_statistics``).
    Backward: dβ = Σ dout, dγ = Σ dout·x̂, dx̂ = γ·dout, and in training, where μ and σ depend on x too,
        dx = (1/(m·σ)) · (m·dx̂ - Σ dx̂ - x̂·Σ(dx̂·x̂))  =  (γ/σ)/m · (m·dout - Σ dout - x̂·Σ(dout·x̂));
    in evaluation the running statistics are constants and dx = γ·dout / σ.
    Example: BatchNorm(np.ones(64), np.zeros(64)) after an Affine layer with 64 outputs.
    """

    def __init__(self, gamma, beta, momentum=0.9, eps=1e-5):
        gamma, beta = batchnorm_settings(gamma, beta, momentum, eps, "BatchNorm")
        super().__init__("BatchNorm", gamma=gamma, beta=beta)
        self.momentum, self.eps = float(momentum), float(eps)
        self.running_mean = np.zeros_like(gamma)
        self.running_var = np.ones_like(gamma)
        self.x_hat = None
        self.std = None
        self.batch_statistics = None

    def forward(self, x, train=None):
        train = self.training if train is None else bool(train)
        x = float_array(x, "x", "BatchNorm.forward")
        gamma, beta = self.params["gamma"], self.params["beta"]
        check_batchnorm_input(x, len(gamma), train, "BatchNorm.forward")
        axes, shape = _per_feature(x)
        if train:
            mean = x.mean(axis=axes)
            var = ((x - mean.reshape(shape)) ** 2).mean(axis=axes)
            self.running_mean = self.momentum * self.running_mean + (1.0 - self.momentum) * mean
            self.running_var = self.momentum * self.running_var + (1.0 - self.momentum) * var
        else:
            mean, var = self.running_mean, self.running_var
        self.batch_statistics = train
        self.std = np.sqrt(var + self.eps)
        self.x_hat = (x - mean.reshape(shape)) / self.std.reshape(shape)
        return gamma.reshape(shape) * self.x_hat + beta.reshape(shape)

    def backward(self, dout):
        x_hat = self.x_hat
        axes, shape = _per_feature(dout)
        self.grads["beta"] = dout.sum(axis=axes)
        self.grads["gamma"] = (dout * x_hat).sum(axis=axes)
        dx_hat = dout * self.params["gamma"].reshape(shape)
        std = self.std.reshape(shape)
        if not self.batch_statistics:
            return dx_hat / std
        m = dout.size // dout.shape[1]
        return (m * dx_hat - dx_hat.sum(axis=axes, keepdims=True)
                - x_hat * (dx_hat * x_hat).sum(axis=axes, keepdims=True)) / (m * std)


class SoftmaxWithLoss(Layer):
    """Softmax followed by the cross-entropy error, as one node.

    forward(x, t): x (N, C) scores, t one-hot (N, C) or class indices (N,) -> scalar loss averaged over N,
        y = softmax(x),   L = -(1/N) Σ_n log y[n, t_n]
    computed from log-softmax, log y = (x - max) - log Σ exp(x - max), so logits of ±1e4 give the exact
    finite value. backward(dout=1.0) -> dx = dout · (y - t) / N. Caches y and t (as class indices).
    """

    def __init__(self):
        super().__init__()
        self.y = None
        self.t = None

    def forward(self, x, t):
        x = float_array(x, "x", "SoftmaxWithLoss.forward")
        check_scores(x, "SoftmaxWithLoss.forward")
        n = x.shape[0]
        self.t = labels_to_indices(t, n, x.shape[1], "SoftmaxWithLoss.forward")
        shifted = x - x.max(axis=1, keepdims=True)  # exp never overflows
        exp = np.exp(shifted)
        total = exp.sum(axis=1, keepdims=True)
        self.y = exp / total
        return float((np.log(total).sum() - shifted[np.arange(n), self.t].sum()) / n)

    def backward(self, dout=1.0):
        n = self.y.shape[0]
        dx = self.y.copy()
        dx[np.arange(n), self.t] -= 1.0  # y - t, t one-hot
        return dx * (dout / n)


class Flatten(Layer):
    """(N, d1, ..., dk) -> (N, d1·...·dk); backward restores the shape. Caches the input shape (``x_shape``)."""

    def __init__(self):
        super().__init__()
        self.x_shape = None

    def forward(self, x):
        x = np.asarray(x)
        self.x_shape = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, dout):
        return dout.reshape(self.x_shape)


# ---------------------------------------------------------------- convolution (lecture 07)

def conv_output_size(input_size, filter_size, stride=1, pad=0):
    """Output length of a convolution or pooling along one axis: (H + 2P - F) // S + 1.

    Integer arithmetic; raises ValueError when the filter does not fit.
    """
    span = input_size + 2 * pad - filter_size
    if span < 0:
        raise ValueError(f"filter of size {filter_size} does not fit an input of size {input_size} "
                         f"with padding {pad}")
    return span // stride + 1


def im2col(x, filter_h, filter_w, stride=1, pad=0):
    """Unfold every receptive field of x (N, C, H, W) into a row: (N·OH·OW, C·FH·FW).

    Row n·OH·OW + i·OW + j holds the patch of image n under output (i, j), its values in the order
    (c, u, v): the order of a filter W[f].reshape(-1). The convolution is then one matrix product
    col · W.reshape(FN, -1)ᵀ.
    """
    x = np.asarray(x)
    n, c, h, w = x.shape
    out_h = conv_output_size(h, filter_h, stride, pad)
    out_w = conv_output_size(w, filter_w, stride, pad)
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    col = np.empty((n, c, filter_h, filter_w, out_h, out_w), dtype=x.dtype)
    for u in range(filter_h):  # filter offset (u, v) meets pixel (i·S + u, j·S + v) at output (i, j)
        for v in range(filter_w):
            col[:, :, u, v] = xp[:, :, u:u + stride * out_h:stride, v:v + stride * out_w:stride]
    return col.transpose(0, 4, 5, 1, 2, 3).reshape(n * out_h * out_w, -1)


def col2im(col, x_shape, filter_h, filter_w, stride=1, pad=0):
    """Inverse bookkeeping of im2col: add every row of col back onto the pixels it came from.

    col: (N·OH·OW, C·FH·FW) -> (N, C, H, W). Overlapping patches add up, as gradients of a shared input must.
    """
    n, c, h, w = x_shape
    out_h = conv_output_size(h, filter_h, stride, pad)
    out_w = conv_output_size(w, filter_w, stride, pad)
    col = np.asarray(col).reshape(n, out_h, out_w, c, filter_h, filter_w).transpose(0, 3, 4, 5, 1, 2)
    dxp = np.zeros((n, c, h + 2 * pad, w + 2 * pad), dtype=col.dtype)
    for u in range(filter_h):
        for v in range(filter_w):
            dxp[:, :, u:u + stride * out_h:stride, v:v + stride * out_w:stride] += col[:, :, u, v]
    return dxp[:, :, pad:pad + h, pad:pad + w]


class Conv2d(Layer):
    """2-D convolution (cross-correlation, as in every deep-learning library) via im2col.

    W: (FN, C, FH, FW) filters; b: (FN,); x: (N, C, H, W) -> out: (N, FN, OH, OW) with
    OH = (H + 2·pad - FH) // stride + 1. With col = im2col(x) (N·OH·OW, C·FH·FW) and W_flat = W.reshape(FN, -1):
        out = col · W_flatᵀ + b   (N·OH·OW, FN), reshaped to (N, OH, OW, FN), transposed to (N, FN, OH, OW)
    Backward, dout flattened the same way to (N·OH·OW, FN):
        dW = doutᵀ · col,   db = Σ dout over images and positions,   dx = col2im(dout · W_flat)
    Caches x's shape (``x_shape``) and col (``col``).
    ``fast=True`` (the default) computes the same numbers, up to round-off, with ``fast_layers.conv_forward_fast``
    and ``conv_backward_fast`` (batch-last, the bias inside the product; cached as ``fast_cache``, ``col`` None).
    """

    def __init__(self, W, b, stride=1, pad=0, fast=True):
        super().__init__("Conv2d", W=W, b=b)
        self.stride, self.pad = check_conv_settings(self.params["W"], self.params["b"], stride, pad, "Conv2d")
        self.fast = bool(fast)
        self.x_shape = None
        self.col = None
        self.fast_cache = None

    def forward(self, x):
        W, b = self.params["W"], self.params["b"]
        x = float_array(x, "x", "Conv2d.forward")
        check_image_batch(x, W.shape[1], "Conv2d.forward")
        fn, _, fh, fw = W.shape
        n, _, h, w = x.shape
        out_h = conv_output_size(h, fh, self.stride, self.pad)
        out_w = conv_output_size(w, fw, self.stride, self.pad)
        self.x_shape = x.shape
        if self.fast:
            out, self.fast_cache = fast_layers.conv_forward_fast(x, W, b, self.stride, self.pad)
            return out
        self.col = im2col(x, fh, fw, self.stride, self.pad)
        out = self.col @ W.reshape(fn, -1).T + b
        return out.reshape(n, out_h, out_w, fn).transpose(0, 3, 1, 2)

    def backward(self, dout):
        W = self.params["W"]
        fn, _, fh, fw = W.shape
        if self.fast:
            dx, self.grads["W"], self.grads["b"] = fast_layers.conv_backward_fast(dout, W, self.fast_cache)
            return dx
        dout = dout.transpose(0, 2, 3, 1).reshape(-1, fn)
        self.grads["W"] = (dout.T @ self.col).reshape(W.shape)
        self.grads["b"] = dout.sum(axis=0)
        return col2im(dout @ W.reshape(fn, -1), self.x_shape, fh, fw, self.stride, self.pad)


class MaxPool2d(Layer):
    """Max pooling over pool_h × pool_w windows; stride defaults to the pool size.

    x: (N, C, H, W) -> (N, C, OH, OW), each output the largest value of its window. Every channel is
    pooled alike, so im2col of the (N·C) channels as one-channel images gives one window per row:
        out = max over each row of col,   argmax = its position in the window (the first one on ties)
    Backward routes each dout entry to the position that held the maximum of its window and 0 elsewhere:
    a col-shaped array holding dout at the argmax, folded back by col2im. Padding adds -∞, never a maximum.
    Caches x's shape (``x_shape``) and ``argmax`` (N, C, OH, OW), the row-major index of the maximum inside
    its window.
    ``fast=True`` (the default) computes the same numbers with ``fast_layers.max_pool_forward_fast`` and
    ``max_pool_backward_fast`` (strided views; cached as ``fast_cache``; ``argmax`` is then computed on demand).
    """

    def __init__(self, pool_h, pool_w, stride=None, pad=0, fast=True):
        super().__init__()
        self.pool_h, self.pool_w, self.stride, self.pad = check_pool_settings(pool_h, pool_w, stride, pad,
                                                                              "MaxPool2d")
        self.fast = bool(fast)
        self.x_shape = None
        self._argmax = None
        self.fast_cache = None

    @property
    def argmax(self):
        if self.fast and self.fast_cache is not None:
            return fast_layers.max_pool_argmax(self.fast_cache)
        return self._argmax

    def forward(self, x):
        x = float_array(x, "x", "MaxPool2d.forward")
        check_image_batch(x, None, "MaxPool2d.forward")
        ph, pw, s, p = self.pool_h, self.pool_w, self.stride, self.pad
        n, c, h, w = x.shape
        out_h, out_w = conv_output_size(h, ph, s, p), conv_output_size(w, pw, s, p)
        self.x_shape = x.shape
        self.fast_cache = self._argmax = None  # free the last batch's argmax before the new one is made
        if self.fast:
            out, self.fast_cache = fast_layers.max_pool_forward_fast(x, ph, pw, s, p)
            return out
        xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)), constant_values=-np.inf)
        col = im2col(xp.reshape(n * c, 1, h + 2 * p, w + 2 * p), ph, pw, s)  # (N·C·OH·OW, PH·PW)
        self._argmax = col.argmax(axis=1).reshape(n, c, out_h, out_w)
        return col.max(axis=1).reshape(n, c, out_h, out_w)

    def backward(self, dout):
        if self.fast:
            return fast_layers.max_pool_backward_fast(dout, self.fast_cache)
        n, c, h, w = self.x_shape
        ph, pw, s, p = self.pool_h, self.pool_w, self.stride, self.pad
        dcol = np.zeros((dout.size, ph * pw), dtype=np.result_type(dout, np.float32))
        dcol[np.arange(dout.size), self._argmax.ravel()] = dout.ravel()  # dout · 1 at the maximum, 0 elsewhere
        dxp = col2im(dcol, (n * c, 1, h + 2 * p, w + 2 * p), ph, pw, s)
        return dxp.reshape(n, c, h + 2 * p, w + 2 * p)[:, :, p:p + h, p:p + w]
