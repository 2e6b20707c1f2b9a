"""Right answers to the lecture-03 exercises, written the ways learners write them (numpy and stdlib only)."""
import numpy as np


# ---------------------------------------------------------------- affine

def affine_forward_reshape(x, W, b):
    return x.reshape(x.shape[0], -1) @ W + b


def affine_backward_reshape(dout, x, W):
    x_row = x.reshape(x.shape[0], -1)
    return (dout @ W.T).reshape(x.shape), x_row.T @ dout, np.sum(dout, axis=0)


# CS231n: forward returns (out, cache), backward takes the cache; thin wrappers adapt the signatures
def _cs231n_affine_forward(x, w, b):
    N = x.shape[0]
    out = x.reshape(N, np.prod(x.shape[1:])).dot(w) + b
    cache = (x, w, b)
    return out, cache


def _cs231n_affine_backward(dout, cache):
    x, w, b = cache
    N = x.shape[0]
    dx = dout.dot(w.T).reshape(x.shape)
    dw = x.reshape(N, -1).T.dot(dout)
    db = np.sum(dout, axis=0)
    return dx, dw, db


def affine_forward_cache(x, W, b):
    out, _ = _cs231n_affine_forward(x, W, b)
    return out


def affine_backward_cache(dout, x, W):
    return _cs231n_affine_backward(dout, (x, W, None))


# "Deep Learning from Scratch": a layer class keeps x and fills dW, db in backward
class AffineLayer:
    def __init__(self, W, b):
        self.W, self.b = W, b
        self.x = self.original_x_shape = self.dW = self.db = None

    def forward(self, x):
        self.original_x_shape = x.shape
        self.x = x.reshape(x.shape[0], -1)
        return np.dot(self.x, self.W) + self.b

    def backward(self, dout):
        dx = np.dot(dout, self.W.T)
        self.dW = np.dot(self.x.T, dout)
        self.db = np.sum(dout, axis=0)
        return dx.reshape(*self.original_x_shape)


def affine_forward_class(x, W, b):
    return AffineLayer(W, b).forward(x)


def affine_backward_class(dout, x, W):
    layer = AffineLayer(W, np.zeros(W.shape[1]))
    layer.forward(x)
    dx = layer.backward(dout)
    return dx, layer.dW, layer.db


def affine_forward_einsum(x, W, b):
    return np.einsum("nd,dm->nm", x.reshape(len(x), -1), W) + b


def affine_backward_loops(dout, x, W):
    N, D, M = x.shape[0], W.shape[0], W.shape[1]
    xf = x.reshape(N, D)
    dx, dW, db = np.zeros((N, D)), np.zeros((D, M)), np.zeros(M)
    for n in range(N):
        dx[n] = W @ dout[n]
        dW += np.outer(xf[n], dout[n])
        db += dout[n]
    return dx.reshape(x.shape), dW, db


# ---------------------------------------------------------------- relu_backward

def relu_backward_copy_mask(dout, x):
    dx = dout.copy()
    dx[x <= 0] = 0
    return dx


class Relu:
    # the book's layer, with the gradient written into a copy instead of into dout
    def __init__(self):
        self.mask = None

    def forward(self, x):
        self.mask = (x <= 0)
        out = x.copy()
        out[self.mask] = 0
        return out

    def backward(self, dout):
        dx = dout.copy()
        dx[self.mask] = 0
        return dx


def relu_backward_class(dout, x):
    layer = Relu()
    layer.forward(x)
    return layer.backward(dout)


def relu_backward_multiply(dout, x):
    return dout * (x > 0)


def relu_backward_cache(dout, cache):
    x = cache
    dx = np.where(x > 0, dout, 0)
    return dx


def relu_backward_cs231n(dout, x):
    return relu_backward_cache(dout, x)


# ---------------------------------------------------------------- sigmoid_backward

def sigmoid_backward_formula(dout, y):
    return dout * (1.0 - y) * y


def sigmoid_backward_loop(dout, y):
    dx = np.empty_like(dout, dtype=float)
    for index in np.ndindex(dout.shape):
        dx[index] = dout[index] * y[index] * (1 - y[index])
    return dx


class Sigmoid:
    def __init__(self):
        self.out = None

    def backward(self, dout):
        return dout * (1.0 - self.out) * self.out


def sigmoid_backward_class(dout, y):
    layer = Sigmoid()
    layer.out = y
    return layer.backward(dout)


# ---------------------------------------------------------------- softmax_with_loss_backward

def _softmax(x):
    x = x - x.max(axis=-1, keepdims=True)
    return np.exp(x) / np.exp(x).sum(axis=-1, keepdims=True)


class SoftmaxWithLoss:
    # the book's layer: one-hot targets are used as they are, indices subtract 1 at the true class
    def forward(self, x, t):
        self.t, self.y = t, _softmax(x)
        return None

    def backward(self, dout=1):
        batch_size = self.t.shape[0]
        if self.t.size == self.y.size:
            dx = (self.y - self.t) * dout / batch_size
        else:
            dx = self.y.copy()
            dx[np.arange(batch_size), self.t] -= 1
            dx = dx * dout / batch_size
        return dx


def swl_class(x, t):
    layer = SoftmaxWithLoss()
    layer.forward(x, t)
    return layer.backward()


def swl_eye(x, t):
    N, C = x.shape
    T = t if t.ndim == 2 else np.eye(C)[t]
    return (_softmax(x) - T) / N


def swl_loop(x, t):
    N, C = x.shape
    dx = np.zeros((N, C))
    for n in range(N):
        row = np.exp(x[n] - np.max(x[n]))
        row /= row.sum()
        k = int(np.argmax(t[n])) if np.ndim(t) == 2 else int(t[n])
        row[k] -= 1.0
        dx[n] = row / N
    return dx


# ---------------------------------------------------------------- two_layer_net_gradients

def net_vectorised(params, X, t):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    N = X.shape[0]
    h_pre = X.dot(W1) + b1
    h = np.maximum(0, h_pre)
    scores = h.dot(W2) + b2
    probs = _softmax(scores)
    dscores = probs
    dscores[range(N), t] -= 1
    dscores /= N
    grads = {"W2": h.T.dot(dscores), "b2": np.sum(dscores, axis=0)}
    dh = dscores.dot(W2.T)
    dh[h_pre <= 0] = 0
    grads["W1"] = X.T.dot(dh)
    grads["b1"] = np.sum(dh, axis=0)
    return grads


def net_layers(params, X, t):
    # the book's layered network: forward through the layers, then backward in reverse order
    affine1, relu, affine2 = AffineLayer(params["W1"], params["b1"]), Relu(), AffineLayer(params["W2"], params["b2"])
    last = SoftmaxWithLoss()
    last.forward(affine2.forward(relu.forward(affine1.forward(X))), t)
    affine1.backward(relu.backward(affine2.backward(last.backward(1))))  # fills the layers' dW, db
    return {"W1": affine1.dW, "b1": affine1.db, "W2": affine2.dW, "b2": affine2.db}


def net_cache_tuples(params, X, t):
    a1, cache1 = _cs231n_affine_forward(X, params["W1"], params["b1"])
    r1 = np.maximum(a1, 0)
    scores, cache2 = _cs231n_affine_forward(r1, params["W2"], params["b2"])
    dscores = swl_eye(scores, t)
    dr1, dW2, db2 = _cs231n_affine_backward(dscores, cache2)
    da1 = dr1 * (a1 > 0)
    _, dW1, db1 = _cs231n_affine_backward(da1, cache1)
    return dict(W1=dW1, b1=db1, W2=dW2, b2=db2)


# ---------------------------------------------------------------- float32 (exact here: only a mask is applied)

def relu_backward_float32(dout, x):
    dx = dout.astype(np.float32)
    dx[x <= 0] = 0
    return dx


RIGHT_ANSWERS = {
    "affine": [
        ("reshape and @", (affine_forward_reshape, affine_backward_reshape)),
        ("CS231n cache tuples through thin wrappers", (affine_forward_cache, affine_backward_cache)),
        ("the book's Affine class", (affine_forward_class, affine_backward_class)),
        ("np.einsum forward, a loop over the batch backward", (affine_forward_einsum, affine_backward_loops)),
    ],
    "relu_backward": [
        ("in float32", relu_backward_float32),
        ("boolean mask on a copy", relu_backward_copy_mask),
        ("the book's Relu class, gradient in a copy", relu_backward_class),
        ("dout times the mask", relu_backward_multiply),
        ("CS231n cache through a thin wrapper", relu_backward_cs231n),
    ],
    "sigmoid_backward": [
        ("the formula", sigmoid_backward_formula),
        ("a loop over every entry", sigmoid_backward_loop),
        ("the book's Sigmoid class", sigmoid_backward_class),
    ],
    "softmax_with_loss_backward": [
        ("the book's SoftmaxWithLoss class", swl_class),
        ("indices to one-hot with np.eye", swl_eye),
        ("a loop over the samples", swl_loop),
    ],
    "two_layer_net_gradients": [
        ("CS231n's vectorised two-layer net", net_vectorised),
        ("the book's layers, backward in reverse", net_layers),
        ("CS231n cache tuples", net_cache_tuples),
    ],
}
