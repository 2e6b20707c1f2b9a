"""Typical wrong answers to the lecture-06 exercises (optimiser update steps), written as learners write them."""
import numpy as np


# ---------------------------------------------------------------- momentum

def momentum_right(w, dw, v, lr, momentum):
    v_new = momentum * v - lr * dw
    w_new = w + v_new
    return w_new, v_new


def momentum_plus_gradient(w, dw, v, lr, momentum):
    v_new = momentum * v + lr * dw
    return w + v_new, v_new


def momentum_moves_with_old_velocity(w, dw, v, lr, momentum):
    w_new = w + v
    v_new = momentum * v - lr * dw
    return w_new, v_new


def momentum_in_place(w, dw, v, lr, momentum):
    v *= momentum
    v -= lr * dw
    return w + v, v


def momentum_forgets_coefficient(w, dw, v, lr, momentum):
    v = v - lr * dw
    return w + v, v


def momentum_lr_outside(w, dw, v, lr, momentum):
    v = momentum * v - dw
    return w + lr * v, v


# ---------------------------------------------------------------- Nesterov

def nesterov_right(w, dw, v, lr, momentum):
    v_prev = v
    v = momentum * v - lr * dw
    w = w - momentum * v_prev + (1 + momentum) * v  # the CS231n form, equal to w + momentum·v_new − lr·dw
    return w, v


def nesterov_is_momentum(w, dw, v, lr, momentum):
    v = momentum * v - lr * dw
    return w + v, v


def nesterov_position_first(w, dw, v, lr, momentum):
    w = w + momentum * v - lr * dw  # looks ahead with the old velocity
    v = momentum * v - lr * dw
    return w, v


def nesterov_dlfs_style(w, dw, v, lr, momentum):
    v = momentum * v - lr * dw
    w = w + momentum * momentum * v - (1 + momentum) * lr * dw
    return w, v


def nesterov_prev_swapped(w, dw, v, lr, momentum):
    v_prev = v
    v = momentum * v - lr * dw
    w = w - momentum * v + (1 + momentum) * v_prev
    return w, v


# ---------------------------------------------------------------- AdaGrad

def adagrad_right(w, dw, h, lr, eps):
    h = h + dw ** 2
    return w - lr * dw / (np.sqrt(h) + eps), h


def adagrad_no_accumulation(w, dw, h, lr, eps):
    h = dw ** 2
    return w - lr * dw / (np.sqrt(h) + eps), h


def adagrad_eps_in_sqrt(w, dw, h, lr, eps):
    h = h + dw ** 2
    return w - lr * dw / np.sqrt(h + eps), h


def adagrad_step_before_accumulating(w, dw, h, lr, eps):
    w = w - lr * dw / (np.sqrt(h) + eps)
    h = h + dw ** 2
    return w, h


def adagrad_in_place(w, dw, h, lr, eps):
    h += dw * dw
    return w - lr * dw / (np.sqrt(h) + eps), h


def adagrad_forgets_sqrt(w, dw, h, lr, eps):
    h = h + dw ** 2
    return w - lr * dw / (h + eps), h


# ---------------------------------------------------------------- RMSProp

def rmsprop_right(w, dw, h, lr, decay_rate, eps):
    h = decay_rate * h + (1 - decay_rate) * dw ** 2
    return w - lr * dw / (np.sqrt(h) + eps), h


def rmsprop_sum(w, dw, h, lr, decay_rate, eps):
    h = h + dw ** 2
    return w - lr * dw / (np.sqrt(h) + eps), h


def rmsprop_swapped(w, dw, h, lr, decay_rate, eps):
    h = (1 - decay_rate) * h + decay_rate * dw ** 2
    return w - lr * dw / (np.sqrt(h) + eps), h


def rmsprop_eps_in_sqrt(w, dw, h, lr, decay_rate, eps):
    h = decay_rate * h + (1 - decay_rate) * dw ** 2
    return w - lr * dw / np.sqrt(h + eps), h


def rmsprop_no_one_minus(w, dw, h, lr, decay_rate, eps):
    h = decay_rate * h + dw ** 2
    return w - lr * dw / (np.sqrt(h) + eps), h


# ---------------------------------------------------------------- Adam

def adam_right(w, dw, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * dw
    v = beta2 * v + (1 - beta2) * (dw ** 2)
    m_hat = m / (1 - beta1 ** t)
    v_hat = v / (1 - beta2 ** t)
    w = w - lr * m_hat / (np.sqrt(v_hat) + eps)
    return w, m, v


def adam_no_bias_correction(w, dw, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * dw
    v = beta2 * v + (1 - beta2) * (dw ** 2)
    return w - lr * m / (np.sqrt(v) + eps), m, v


def adam_returns_corrected(w, dw, m, v, t, lr, beta1, beta2, eps):
    m = (beta1 * m + (1 - beta1) * dw) / (1 - beta1 ** t)
    v = (beta2 * v + (1 - beta2) * (dw ** 2)) / (1 - beta2 ** t)
    return w - lr * m / (np.sqrt(v) + eps), m, v


def adam_eps_in_sqrt(w, dw, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * dw
    v = beta2 * v + (1 - beta2) * (dw ** 2)
    return w - lr * (m / (1 - beta1 ** t)) / np.sqrt(v / (1 - beta2 ** t) + eps), m, v


def adam_forgets_power(w, dw, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * dw
    v = beta2 * v + (1 - beta2) * (dw ** 2)
    return w - lr * (m / (1 - beta1)) / (np.sqrt(v / (1 - beta2)) + eps), m, v


def adam_v_not_squared(w, dw, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * dw
    v = beta2 * v + (1 - beta2) * np.abs(dw)
    return w - lr * (m / (1 - beta1 ** t)) / (np.sqrt(v / (1 - beta2 ** t)) + eps), m, v


WRONG_ANSWERS = {
    "momentum_update": [
        ("velocity built with + lr·dw (moves uphill)", momentum_plus_gradient, "downhill"),
        ("w moved by the old velocity", momentum_moves_with_old_velocity, "NEW velocity"),
        ("velocity updated in place", momentum_in_place, "in place"),
        ("momentum coefficient forgotten", momentum_forgets_coefficient, "momentum coefficient"),
        ("lr applied outside the velocity", momentum_lr_outside, "lr goes inside v"),
    ],
    "nesterov_update": [
        ("plain momentum handed in as Nesterov", nesterov_is_momentum, "plain momentum"),
        ("look-ahead taken with the old velocity", nesterov_position_first, "NEW one"),
        ("the momentum² form of an old textbook", nesterov_dlfs_style, "needs the OLD velocity"),
        ("v_prev and v swapped in the CS231n form", nesterov_prev_swapped, "wrong order"),
    ],
    "adagrad_update": [
        ("h replaced by dw² instead of accumulated", adagrad_no_accumulation, "ACCUMULATES"),
        ("eps inside the square root", adagrad_eps_in_sqrt, "outside the square root"),
        ("step taken before h is updated", adagrad_step_before_accumulating, "updated h"),
        ("h updated in place", adagrad_in_place, "in place"),
        ("square root forgotten", adagrad_forgets_sqrt, "square root of h"),
    ],
    "rmsprop_update": [
        ("sum of squares instead of the moving average", rmsprop_sum, "moving average"),
        ("decay_rate and 1 - decay_rate swapped", rmsprop_swapped, "OLD average"),
        ("eps inside the square root", rmsprop_eps_in_sqrt, "outside the square root"),
        ("(1 - decay_rate) forgotten", rmsprop_no_one_minus, "(1 − decay_rate)"),
    ],
    "adam_update": [
        ("no bias correction", adam_no_bias_correction, "bias correction is missing"),
        ("bias-corrected m̂, v̂ returned as the state", adam_returns_corrected, "raw moving averages"),
        ("eps inside the square root", adam_eps_in_sqrt, "outside the square root"),
        ("bias correction without the power t", adam_forgets_power, "power t"),
        ("|dw| instead of dw² in v", adam_v_not_squared, "not |dw|"),
    ],
}


# ---------------------------------------------------------------- more bugs seen in learners' code

def momentum_returns_old_velocity(w, dw, v, lr, momentum):
    v_new = momentum * v - lr * dw
    return w + v_new, v


def nesterov_without_gradient_step(w, dw, v, lr, momentum):
    v = momentum * v - lr * dw
    return w + momentum * v, v


def adagrad_eps_hard_coded(w, dw, h, lr, eps):
    h = h + dw * dw
    return w - lr * dw / (np.sqrt(h) + 1e-7), h


def rmsprop_eps_hard_coded(w, dw, h, lr, decay_rate, eps):
    h = decay_rate * h + (1 - decay_rate) * dw * dw
    return w - lr * dw / (np.sqrt(h) + 1e-7), h


def rmsprop_gradient_not_squared(w, dw, h, lr, decay_rate, eps):
    h = decay_rate * h + (1 - decay_rate) * dw
    return w - lr * dw / (np.sqrt(h) + eps), h


class Adam:
    # a class whose eps comes from its constructor's default, not from the caller
    def __init__(self, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps


def adam_eps_from_the_class(w, dw, m, v, t, lr, beta1, beta2, eps):
    opt = Adam(lr, beta1, beta2)
    m = opt.beta1 * m + (1 - opt.beta1) * dw
    v = opt.beta2 * v + (1 - opt.beta2) * dw ** 2
    m_hat, v_hat = m / (1 - opt.beta1 ** t), v / (1 - opt.beta2 ** t)
    return w - opt.lr * m_hat / (np.sqrt(v_hat) + opt.eps), m, v


WRONG_ANSWERS["momentum_update"] += [
    ("the old velocity returned", momentum_returns_old_velocity, "return the NEW velocity"),
]
WRONG_ANSWERS["nesterov_update"] += [
    ("look-ahead without − lr·dw", nesterov_without_gradient_step, "keep the − lr·dw"),
]
WRONG_ANSWERS["adagrad_update"] += [
    ("eps hard-coded to 1e-7", adagrad_eps_hard_coded, "use the eps argument"),
]
WRONG_ANSWERS["rmsprop_update"] += [
    ("eps hard-coded to 1e-7", rmsprop_eps_hard_coded, "use the eps argument"),
    ("dw not squared in h", rmsprop_gradient_not_squared, "SQUARED gradient"),
]
WRONG_ANSWERS["adam_update"] += [
    ("eps read from the class default", adam_eps_from_the_class, "use the eps argument"),
]
