"""Right answers to the lecture-06 exercises, written the ways learners write them (numpy and stdlib only)."""
import numpy as np


# ---------------------------------------------------------------- momentum_update

def momentum_formula(w, dw, v, lr, momentum):
    v = momentum * v - lr * dw
    w = w + v
    return w, v


class Momentum:
    # the book's optimiser, run on copies of the caller's arrays
    def __init__(self, lr=0.01, momentum=0.9):
        self.lr, self.momentum, self.v = lr, momentum, None

    def update(self, params, grads):
        for key in params.keys():
            self.v[key] = self.momentum * self.v[key] - self.lr * grads[key]
            params[key] += self.v[key]


def momentum_class(w, dw, v, lr, momentum):
    optimizer = Momentum(lr, momentum)
    optimizer.v = {"w": v.copy()}
    params = {"w": w.copy()}
    optimizer.update(params, {"w": dw})
    return params["w"], optimizer.v["w"]


def momentum_cs231n(w, dw, v, lr, momentum):
    config = {"learning_rate": lr, "momentum": momentum, "velocity": v}
    v = config["momentum"] * config["velocity"] - config["learning_rate"] * dw
    next_w = w + v
    config["velocity"] = v
    return next_w, config["velocity"]


# ---------------------------------------------------------------- nesterov_update

def nesterov_look_ahead(w, dw, v, lr, momentum):
    v_new = momentum * v - lr * dw
    return w + momentum * v_new - lr * dw, v_new


def nesterov_cs231n(w, dw, v, lr, momentum):
    # CS231n notes: x += -mu * v_prev + (1 + mu) * v
    v_prev = v
    v = momentum * v - lr * dw
    w = w - momentum * v_prev + (1 + momentum) * v
    return w, v


def nesterov_book_fixed(w, dw, v, lr, momentum):
    # the book's corrected order: move w with the old velocity, then update it
    w = w.copy()
    v = v.copy()
    w += momentum * momentum * v
    w -= (1 + momentum) * lr * dw
    v *= momentum
    v -= lr * dw
    return w, v


# ---------------------------------------------------------------- adagrad_update

def adagrad_formula(w, dw, h, lr, eps):
    h = h + dw * dw
    return w - lr * dw / (np.sqrt(h) + eps), h


class AdaGrad:
    def __init__(self, lr, eps):
        self.lr, self.eps, self.h = lr, eps, None

    def update(self, params, grads):
        for key in params:
            self.h[key] += grads[key] * grads[key]
            params[key] -= self.lr * grads[key] / (np.sqrt(self.h[key]) + self.eps)


def adagrad_class(w, dw, h, lr, eps):
    optimizer = AdaGrad(lr, eps)
    optimizer.h = {"W": h.copy()}
    params = {"W": w.copy()}
    optimizer.update(params, {"W": dw})
    return params["W"], optimizer.h["W"]


def adagrad_cache(w, dw, h, lr, eps):
    cache = h + dw ** 2
    w_new = w + -lr * dw / (cache ** 0.5 + eps)
    return (w_new, cache)


# ---------------------------------------------------------------- rmsprop_update

def rmsprop_formula(w, dw, h, lr, decay_rate, eps):
    h = decay_rate * h + (1 - decay_rate) * dw ** 2
    return w - lr * dw / (np.sqrt(h) + eps), h


def rmsprop_book_style(w, dw, h, lr, decay_rate, eps):
    h = h.copy()
    w = w.copy()
    h *= decay_rate
    h += (1 - decay_rate) * dw * dw
    w -= lr * dw / (np.sqrt(h) + eps)
    return w, h


def rmsprop_config(w, dw, h, lr, decay_rate, eps):
    config = dict(learning_rate=lr, decay_rate=decay_rate, epsilon=eps, cache=h)
    cache = config["decay_rate"] * config["cache"] + (1 - config["decay_rate"]) * np.square(dw)
    next_w = w - config["learning_rate"] * dw / (np.sqrt(cache) + config["epsilon"])
    return next_w, cache


# ---------------------------------------------------------------- adam_update

def adam_formula(w, dw, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * dw
    v = beta2 * v + (1 - beta2) * dw ** 2
    m_hat = m / (1 - beta1 ** t)
    v_hat = v / (1 - beta2 ** t)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def adam_cs231n(w, dw, m, v, t, lr, beta1, beta2, eps):
    config = {"learning_rate": lr, "beta1": beta1, "beta2": beta2, "epsilon": eps, "m": m, "v": v, "t": t}
    config["m"] = config["beta1"] * config["m"] + (1 - config["beta1"]) * dw
    config["v"] = config["beta2"] * config["v"] + (1 - config["beta2"]) * (dw ** 2)
    mt = config["m"] / (1 - config["beta1"] ** config["t"])
    vt = config["v"] / (1 - config["beta2"] ** config["t"])
    next_w = w - config["learning_rate"] * mt / (np.sqrt(vt) + config["epsilon"])
    return next_w, config["m"], config["v"]


def adam_in_place_copies(w, dw, m, v, t, lr, beta1, beta2, eps):
    w, m, v = w.copy(), m.copy(), v.copy()
    m *= beta1
    m += (1 - beta1) * dw
    v *= beta2
    v += (1 - beta2) * dw * dw
    w -= lr * (m / (1 - beta1 ** t)) / (np.sqrt(v / (1 - beta2 ** t)) + eps)
    return w, m, v


RIGHT_ANSWERS = {
    "momentum_update": [
        ("the formula", momentum_formula),
        ("the book's Momentum class on copies", momentum_class),
        ("CS231n's config dict", momentum_cs231n),
    ],
    "nesterov_update": [
        ("look-ahead with the new velocity", nesterov_look_ahead),
        ("CS231n's v_prev form", nesterov_cs231n),
        ("the book's corrected order, in place on copies", nesterov_book_fixed),
    ],
    "adagrad_update": [
        ("the formula", adagrad_formula),
        ("a class keeping h, on copies", adagrad_class),
        ("CS231n's cache ** 0.5", adagrad_cache),
    ],
    "rmsprop_update": [
        ("the formula", rmsprop_formula),
        ("in place on copies", rmsprop_book_style),
        ("CS231n's config dict", rmsprop_config),
    ],
    "adam_update": [
        ("the formula", adam_formula),
        ("CS231n's config dict", adam_cs231n),
        ("in place on copies", adam_in_place_copies),
    ],
}
