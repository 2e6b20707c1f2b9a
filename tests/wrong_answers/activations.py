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


# ---------------------------------------------------------------- he_init

def he_right(fan_in, fan_out, rng):
    return rng.normal(0.0, np.sqrt(2 / fan_in), size=(fan_in, fan_out))


def he_variance(fan_in, fan_out, rng):
    return rng.normal(0.0, 2 / fan_in, size=(fan_in, fan_out))


def he_xavier(fan_in, fan_out, rng):
    return rng.standard_normal((fan_in, fan_out)) / np.sqrt(fan_in)


def he_fan_out(fan_in, fan_out, rng):
    return rng.standard_normal((fan_in, fan_out)) * np.sqrt(2 / fan_out)


def he_global_random(fan_in, fan_out, rng):
    return np.random.randn(fan_in, fan_out) * np.sqrt(2 / fan_in)


def he_transposed(fan_in, fan_out, rng):
    return rng.standard_normal((fan_out, fan_in)) * np.sqrt(2 / fan_in)


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
    "sigmoid_grad_max": [
        ("the notes' 0.24", 0.24, "compute it"),
        ("σ(0) instead of σ'(0)", 0.5, "value of the sigmoid"),
        ("ReLU's slope", 1, "ReLU's derivative"),
        ("a string", "0.25", "expected a number"),
    ],
    "he_init": [
        ("variance used as the standard deviation", he_variance, "square root"),
        ("Xavier's scale", he_xavier, "Xavier"),
        ("scaled by fan_out", he_fan_out, "number of INPUTS"),
        ("the global numpy generator", he_global_random, "not from np.random"),
        ("shape (fan_out, fan_in)", he_transposed, "(fan_in, fan_out)"),
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


def he_sqrt_of_two_only(fan_in, fan_out, rng):
    return rng.standard_normal((fan_in, fan_out)) * np.sqrt(2) / fan_in


WRONG_ANSWERS["leaky_relu"] += [
    ("dx[x < 0] *= alpha keeps dout at x == 0", (leaky_forward_right, leaky_backward_kink_positive),
     "at exactly x == 0"),
]
WRONG_ANSWERS["prelu"] += [
    ("x >= 0 passes dout at the kink", (prelu_forward_right, prelu_backward_kink_positive), "at exactly x == 0"),
]
WRONG_ANSWERS["sigmoid_grad_max"] += [
    ("σ'(1) read from a table", 0.19661193324148185, "σ'(1)"),
]
WRONG_ANSWERS["he_init"] += [
    ("np.sqrt(2) / fan_in", he_sqrt_of_two_only, "covers the whole quotient"),
]
