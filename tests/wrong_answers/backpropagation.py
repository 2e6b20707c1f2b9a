"""Typical wrong answers to the lecture-03 exercises, written as learners write them."""
import numpy as np


# ---------------------------------------------------------------- affine

def affine_forward_right(x, W, b):
    N = x.shape[0]
    return x.reshape(N, -1) @ W + b


def affine_backward_right(dout, x, W):
    N = x.shape[0]
    x_flat = x.reshape(N, -1)
    dx = np.dot(dout, W.T).reshape(x.shape)
    dW = np.dot(x_flat.T, dout)
    db = np.sum(dout, axis=0)
    return dx, dW, db


def affine_forward_no_bias(x, W, b):
    return x.reshape(x.shape[0], -1) @ W


def affine_forward_no_flatten(x, W, b):
    return np.dot(x, W) + b


def affine_backward_dW_swapped(dout, x, W):
    x_flat = x.reshape(x.shape[0], -1)
    return (dout @ W.T).reshape(x.shape), dout.T @ x_flat, dout.sum(axis=0)


def affine_backward_db_not_summed(dout, x, W):
    x_flat = x.reshape(x.shape[0], -1)
    return (dout @ W.T).reshape(x.shape), x_flat.T @ dout, dout


def affine_backward_db_mean(dout, x, W):
    x_flat = x.reshape(x.shape[0], -1)
    return (dout @ W.T).reshape(x.shape), x_flat.T @ dout, np.mean(dout, axis=0)


def affine_backward_dx_flat(dout, x, W):
    x_flat = x.reshape(x.shape[0], -1)
    return dout @ W.T, x_flat.T @ dout, dout.sum(axis=0)


def affine_backward_dW_over_N(dout, x, W):
    N = x.shape[0]
    x_flat = x.reshape(N, -1)
    return (dout @ W.T).reshape(x.shape), x_flat.T @ dout / N, dout.sum(axis=0) / N


# ---------------------------------------------------------------- relu_backward

def relu_backward_right(dout, x):
    dx = dout.copy()
    dx[x <= 0] = 0
    return dx


def relu_backward_dout_mask(dout, x):
    dx = dout.copy()
    dx[dout <= 0] = 0
    return dx


def relu_backward_in_place(dout, x):
    dout[x <= 0] = 0
    return dout


def relu_backward_mask_only(dout, x):
    return (x > 0) * 1.0


def relu_backward_reversed(dout, x):
    mask = x > 0
    dx = dout.copy()
    dx[mask] = 0
    return dx


def relu_backward_forward_again(dout, x):
    return np.maximum(0, x) * dout


# ---------------------------------------------------------------- sigmoid_backward

def sigmoid_backward_right(dout, y):
    return dout * (1.0 - y) * y


def sigmoid_backward_from_x(dout, y):
    s = 1 / (1 + np.exp(-y))
    return dout * s * (1 - s)


def sigmoid_backward_no_dout(dout, y):
    return y * (1 - y)


def sigmoid_backward_tanh(dout, y):
    return dout * (1 - y ** 2)


def sigmoid_backward_in_place(dout, y):
    dout *= y * (1 - y)
    return dout


# ---------------------------------------------------------------- softmax_with_loss_backward

def _softmax(x):
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def swl_backward_right(x, t):
    N = x.shape[0]
    y = _softmax(x)
    if t.ndim == 1:
        t = np.eye(x.shape[1])[t]
    return (y - t) / N


def swl_backward_no_N(x, t):
    y = _softmax(x)
    if t.ndim == 1:
        t = np.eye(x.shape[1])[t]
    return y - t


def swl_backward_scores(x, t):
    if t.ndim == 1:
        t = np.eye(x.shape[1])[t]
    return (x - t) / x.shape[0]


def swl_backward_no_shift(x, t):
    y = np.exp(x) / np.sum(np.exp(x), axis=1, keepdims=True)
    if t.ndim == 1:
        t = np.eye(x.shape[1])[t]
    return (y - t) / x.shape[0]


def swl_backward_index_subtract(x, t):
    dx = _softmax(x)
    dx[np.arange(len(x)), t] -= 1  # only works for class indices
    return dx / len(x)


def swl_backward_t_minus_y(x, t):
    if t.ndim == 1:
        t = np.eye(x.shape[1])[t]
    return (t - _softmax(x)) / len(x)


# ---------------------------------------------------------------- two_layer_net_gradients

def _forward(params, X):
    a = X @ params["W1"] + params["b1"]
    h = np.maximum(0, a)
    return a, h, h @ params["W2"] + params["b2"]


def net_right(params, X, t):
    a, h, scores = _forward(params, X)
    N = X.shape[0]
    dscores = _softmax(scores)
    dscores[np.arange(N), t] -= 1
    dscores /= N
    grads = {"W2": h.T @ dscores, "b2": dscores.sum(axis=0)}
    dh = dscores @ params["W2"].T
    da = dh * (a > 0)
    grads["W1"] = X.T @ da
    grads["b1"] = da.sum(axis=0)
    return grads


def net_no_N(params, X, t):
    a, h, scores = _forward(params, X)
    dscores = _softmax(scores)
    dscores[np.arange(len(X)), t] -= 1
    dh = dscores @ params["W2"].T
    da = dh * (a > 0)
    return {"W1": X.T @ da, "b1": da.sum(axis=0), "W2": h.T @ dscores, "b2": dscores.sum(axis=0)}


def net_forgot_relu(params, X, t):
    a, h, scores = _forward(params, X)
    dscores = _softmax(scores)
    dscores[np.arange(len(X)), t] -= 1
    dscores /= len(X)
    dh = dscores @ params["W2"].T
    return {"W1": X.T @ dh, "b1": dh.sum(axis=0), "W2": h.T @ dscores, "b2": dscores.sum(axis=0)}


def net_W2_from_preactivation(params, X, t):
    a, h, scores = _forward(params, X)
    dscores = _softmax(scores)
    dscores[np.arange(len(X)), t] -= 1
    dscores /= len(X)
    da = (dscores @ params["W2"].T) * (a > 0)
    return {"W1": X.T @ da, "b1": da.sum(axis=0), "W2": a.T @ dscores, "b2": dscores.sum(axis=0)}


def net_wrong_keys(params, X, t):
    grads = net_right(params, X, t)
    return {"dW1": grads["W1"], "db1": grads["b1"], "dW2": grads["W2"], "db2": grads["b2"]}


def net_b_not_summed(params, X, t):
    a, h, scores = _forward(params, X)
    dscores = _softmax(scores)
    dscores[np.arange(len(X)), t] -= 1
    dscores /= len(X)
    da = (dscores @ params["W2"].T) * (a > 0)
    return {"W1": X.T @ da, "b1": da, "W2": h.T @ dscores, "b2": dscores}


WRONG_ANSWERS = {
    "affine": [
        ("bias forgotten in the forward pass", (affine_forward_no_bias, affine_backward_right), "add the bias"),
        ("x not flattened", (affine_forward_no_flatten, affine_backward_right), "flatten each sample first"),
        ("dW = dout.T @ x", (affine_forward_right, affine_backward_dW_swapped), "dW must have W's shape"),
        ("db not summed over the batch", (affine_forward_right, affine_backward_db_not_summed), "Σ over the batch"),
        ("db averaged", (affine_forward_right, affine_backward_db_mean), "not the mean"),
        ("dx left flat", (affine_forward_right, affine_backward_dx_flat), "reshape(x.shape)"),
        ("dividing by N again", (affine_forward_right, affine_backward_dW_over_N), "do not divide by N"),
    ],
    "relu_backward": [
        ("mask taken from dout", relu_backward_dout_mask, "not from dout"),
        ("dout changed in place", relu_backward_in_place, "in place"),
        ("returns the mask only", relu_backward_mask_only, "multiply it by dout"),
        ("mask reversed", relu_backward_reversed, "not the other way round"),
        ("forward output times dout", relu_backward_forward_again, "do not multiply by x"),
    ],
    "sigmoid_backward": [
        ("sigmoid recomputed from y as if it were x", sigmoid_backward_from_x, "without applying the sigmoid again"),
        ("dout forgotten", sigmoid_backward_no_dout, "multiply it by dout"),
        ("tanh's derivative", sigmoid_backward_tanh, "derivative of tanh"),
        ("dout changed in place", sigmoid_backward_in_place, "in place"),
    ],
    "softmax_with_loss_backward": [
        ("no division by N", swl_backward_no_N, "divide by N"),
        ("scores used instead of probabilities", swl_backward_scores, "softmax probabilities"),
        ("no max shift", swl_backward_no_shift, "nan"),
        ("only class indices handled", swl_backward_index_subtract, "use them as they are"),
        ("t - y", swl_backward_t_minus_y, "probabilities minus targets"),
    ],
    "two_layer_net_gradients": [
        ("no 1/N", net_no_N, "mean over the batch"),
        ("ReLU skipped in the backward pass", net_forgot_relu, "back through the ReLU"),
        ("dW2 from the pre-activation", net_W2_from_preactivation, "ReLU OUTPUT h"),
        ("keys named dW1, db1, ...", net_wrong_keys, "with the keys W1, b1, W2, b2"),
        ("biases not summed", net_b_not_summed, "sums over the batch"),
    ],
}


# ---------------------------------------------------------------- more bugs seen in learners' code

def relu_backward_strict_mask(dout, x):
    dx = dout.copy()
    dx[x < 0] = 0
    return dx


def sigmoid_backward_minus(dout, y):
    return -dout * y * (1 - y)


def sigmoid_backward_exp_form(dout, y):
    return dout * np.exp(-y) / (1 + np.exp(-y)) ** 2


def swl_backward_global_max(x, t):
    e = np.exp(x - np.max(x))
    y = e / e.sum(axis=1, keepdims=True)
    if t.ndim == 1:
        t = np.eye(x.shape[1])[t]
    return (y - t) / x.shape[0]


def net_mask_from_gradient(params, X, t):
    a, h, scores = _forward(params, X)
    dscores = _softmax(scores)
    dscores[np.arange(len(X)), t] -= 1
    dscores /= len(X)
    dh = dscores @ params["W2"].T
    dh[dh < 0] = 0
    return {"W1": X.T @ dh, "b1": dh.sum(axis=0), "W2": h.T @ dscores, "b2": dscores.sum(axis=0)}


WRONG_ANSWERS["relu_backward"] += [
    ("dx[x < 0] = 0 lets x == 0 through", relu_backward_strict_mask, "at exactly x == 0"),
]
WRONG_ANSWERS["sigmoid_backward"] += [
    ("a minus sign", sigmoid_backward_minus, "with no minus"),
    ("σ'(y) from exp, as if y were x", sigmoid_backward_exp_form, "without applying the sigmoid again"),
]
WRONG_ANSWERS["softmax_with_loss_backward"] += [
    ("one maximum for the whole batch", swl_backward_global_max, "each ROW's maximum"),
]
WRONG_ANSWERS["two_layer_net_gradients"] += [
    ("ReLU mask from the gradient", net_mask_from_gradient, "not from the sign of the gradient"),
]


def sigmoid_backward_float32(dout, y):
    # 1 - y in float32 keeps about 7 digits: for y near 1 most of them are lost
    y = y.astype(np.float32)
    return dout.astype(np.float32) * y * (1 - y)


WRONG_ANSWERS["sigmoid_backward"] += [
    ("computed in float32", sigmoid_backward_float32, "compute in float64"),
]
