"""Exercises of lecture 06: one update step of Momentum, Nesterov, AdaGrad, RMSProp and Adam as pure functions.

Each function takes the parameters ``w``, their gradient ``dw`` and the optimiser's state, and returns
NEW arrays (the updated parameters and state); nothing it was given may change. ε is added OUTSIDE the
square root, as in dlcourse.optim: w − η·g / (√h + ε).
"""
import numpy as np

from .core import Case, Exercise, Mistake, register, require


# ---------------------------------------------------------------- references

def _momentum_update(w, dw, v, lr, momentum):
    v = momentum * v - lr * dw
    return w + v, v


def _nesterov_update(w, dw, v, lr, momentum):
    v = momentum * v - lr * dw
    return w + momentum * v - lr * dw, v


def _adagrad_update(w, dw, h, lr, eps):
    h = h + dw * dw
    return w - lr * dw / (np.sqrt(h) + eps), h


def _rmsprop_update(w, dw, h, lr, decay_rate, eps):
    h = decay_rate * h + (1.0 - decay_rate) * dw * dw
    return w - lr * dw / (np.sqrt(h) + eps), h


def _adam_update(w, dw, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1.0 - beta1) * dw
    v = beta2 * v + (1.0 - beta2) * dw * dw
    m_hat = m / (1.0 - beta1 ** t)
    v_hat = v / (1.0 - beta2 ** t)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


# ---------------------------------------------------------------- shared cases

W2 = np.array([1.0, -2.0])
DW2 = np.array([0.5, -1.0])
TINY_DW = np.array([1e-5, -3e-5, 2e-6])  # tiny gradients: here it matters where ε goes


def _random(rng, shape, scale=1.0):
    return rng.normal(size=shape) * scale


# ε values learners hard-code instead of using the argument (the libraries' and books' defaults)
USUAL_EPS = (1e-7, 1e-8, 1e-6, 1e-5, 1e-10, 1e-12, 0.0)


def _eps_ignored(reference, name):
    """Mistakes for an update that ignores its ``eps`` argument and uses a constant of its own."""
    def fixed(eps):
        return lambda *args: reference(*args[:-1], eps)
    return [Mistake(f"eps hard-coded to {eps:g}", fixed(eps),
                    f"use the eps argument you are given (here it is not the usual default): your {name} behaves "
                    f"as if eps were always {eps:g}; a constant inside the function, or a default read from "
                    "somewhere else, ignores the caller's value")
            for eps in USUAL_EPS]


# ---------------------------------------------------------------- contracts: what the task promises about inputs

def _update_contract(*args):
    """Every array argument (weights, gradient, state) has one shape; the numbers are positive."""
    arrays = [a for a in args if isinstance(a, np.ndarray)]
    require(len({a.shape for a in arrays}) == 1,
            f"w, dw and the state share one shape, got {[a.shape for a in arrays]}")
    require(all(a > 0 for a in args if not isinstance(a, np.ndarray)), "lr, coefficients, t and eps are positive")


def _tiny_gradients_odd_eps(default_eps):
    return lambda case: np.abs(case.args[1]).max() < 1e-4 and case.args[-1] != default_eps


# ---------------------------------------------------------------- momentum

# momentum and Nesterov take the same arguments (w, dw, v, lr, momentum): the same cases serve both
VELOCITY_CASES = [
    Case((W2, DW2, np.zeros(2), 0.1, 0.9), label="first step: velocity starts at 0"),
    Case((W2, DW2, np.array([0.2, -0.1]), 0.1, 0.9), label="a velocity already built up"),
    Case((np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[0.1, -0.2], [0.3, 0.0]]),
          np.array([[0.05, 0.0], [-0.05, 0.1]]), 0.01, 0.5), label="a (2, 2) weight matrix, momentum 0.5"),
]


def _random_velocity_cases(rng):
    return [
        Case((_random(rng, (3, 4)), _random(rng, (3, 4)), _random(rng, (3, 4), 0.1), 0.05, 0.9), label="random (3, 4)"),
        Case((_random(rng, (5,)), _random(rng, (5,)), _random(rng, (5,), 0.3), 0.3, 0.8), label="random (5,)"),
        Case((_random(rng, (2, 3)), _random(rng, (2, 3)), np.zeros((2, 3)), 0.01, 0.99), label="random, zero velocity"),
    ]


register(Exercise(
    name="momentum_update",
    contract=_update_contract,
    boundaries={"velocity 0": lambda case: not case.args[2].any()},
    functions="momentum_update",
    reference=_momentum_update,
    points=2,
    public=VELOCITY_CASES,
    hidden=_random_velocity_cases,
    mistakes=[
        Mistake("wrong sign", lambda w, dw, v, lr, mu: (w + mu * v + lr * dw, mu * v + lr * dw),
                "the velocity must point downhill: v = momentum·v − lr·dw (minus the gradient), then w + v"),
        Mistake("old velocity used", lambda w, dw, v, lr, mu: (w + v, mu * v - lr * dw),
                "update the velocity first, then move w by the NEW velocity: w_new = w + v_new"),
        Mistake("lr outside the velocity", lambda w, dw, v, lr, mu: (w + lr * (mu * v - dw), mu * v - dw),
                "in this course the velocity is the step itself: v = momentum·v − lr·dw and w_new = w + v "
                "(lr goes inside v, not in front of it)"),
        Mistake("no momentum factor", lambda w, dw, v, lr, mu: (w + v - lr * dw, v - lr * dw),
                "multiply the old velocity by the momentum coefficient: v = momentum·v − lr·dw"),
        Mistake("plain SGD", lambda w, dw, v, lr, mu: (w - lr * dw, v),
                "this is plain SGD: keep a velocity v = momentum·v − lr·dw, return it, and move w by it"),
        Mistake("old velocity returned", lambda w, dw, v, lr, mu: (w + mu * v - lr * dw, v),
                "return the NEW velocity v = momentum·v − lr·dw as the state, not the one you were given"),
    ],
    hides=("optim.Momentum",),
))


# ---------------------------------------------------------------- Nesterov

register(Exercise(
    name="nesterov_update",
    contract=_update_contract,
    boundaries={"velocity 0": lambda case: not case.args[2].any()},
    functions="nesterov_update",
    reference=_nesterov_update,
    points=2,
    public=VELOCITY_CASES,
    hidden=_random_velocity_cases,
    mistakes=[
        Mistake("plain momentum", lambda w, dw, v, lr, mu: (w + (mu * v - lr * dw), mu * v - lr * dw),
                "this is plain momentum: w + v_new, which equals w + momentum·v − lr·dw with the OLD velocity. "
                "Nesterov computes v_new = momentum·v − lr·dw first and then looks ahead with the NEW one: "
                "w_new = w + momentum·v_new − lr·dw"),
        Mistake("velocities swapped", lambda w, dw, v, lr, mu: (w - mu * (mu * v - lr * dw) + (1 + mu) * v,
                                                                mu * v - lr * dw),
                "wrong order: in the form w − momentum·v_prev + (1 + momentum)·v_new, v_prev is the velocity you were "
                "given and v_new the updated one; equivalently w_new = w + momentum·v_new − lr·dw"),
        Mistake("momentum squared", lambda w, dw, v, lr, mu: (w + mu * mu * (mu * v - lr * dw) - (1 + mu) * lr * dw,
                                                              mu * v - lr * dw),
                "the step w + momentum²·v − (1 + momentum)·lr·dw (as in 'Deep Learning from Scratch') needs the OLD "
                "velocity v, the one you were given; after v has been updated to v_new it counts the momentum "
                "twice. Move w before updating v, or use the new velocity once: w_new = w + momentum·v_new − lr·dw"),
        Mistake("wrong sign", lambda w, dw, v, lr, mu: (w + mu * (mu * v + lr * dw) + lr * dw, mu * v + lr * dw),
                "both the velocity and the look-ahead step go downhill: v_new = momentum·v − lr·dw, "
                "w_new = w + momentum·v_new − lr·dw"),
        Mistake("no gradient step in the look-ahead", lambda w, dw, v, lr, mu: (w + mu * (mu * v - lr * dw),
                                                                                mu * v - lr * dw),
                "the Nesterov step is w_new = w + momentum·v_new − lr·dw: keep the − lr·dw after the look-ahead"),
    ],
    hides=("optim.Nesterov",),
))


# ---------------------------------------------------------------- AdaGrad

register(Exercise(
    name="adagrad_update",
    contract=_update_contract,
    boundaries={"h = 0": lambda case: not case.args[2].any(),
                "tiny gradients, eps not 1e-7": _tiny_gradients_odd_eps(1e-7)},
    functions="adagrad_update",
    reference=_adagrad_update,
    points=2,
    public=[
        Case((W2, DW2, np.zeros(2), 0.1, 1e-7), label="first step: h starts at 0"),
        Case((W2, DW2, np.array([4.0, 0.25]), 0.1, 1e-7), label="h already accumulated"),
        Case((np.ones(3), TINY_DW, np.zeros(3), 0.01, 1e-7),
             label="tiny gradients, h = 0: here it matters that ε is added outside the square root"),
        Case((np.ones(3), TINY_DW, np.zeros(3), 0.01, 1e-3),
             label="tiny gradients with a large eps = 1e-3 (not the usual default): eps damps the step"),
    ],
    hidden=lambda rng: [
        Case((_random(rng, (3, 4)), _random(rng, (3, 4)), rng.uniform(0, 2, (3, 4)), 0.05, 1e-7),
             label="random (3, 4)"),
        Case((_random(rng, (6,)), _random(rng, (6,)), np.zeros(6), 0.5, 1e-8), label="random (6,), h = 0"),
        Case((_random(rng, (2, 2)), _random(rng, (2, 2), 1e-5), rng.uniform(0, 1e-10, (2, 2)), 0.01, 1e-7),
             label="random tiny gradients"),
    ],
    mistakes=[
        Mistake("no accumulation", lambda w, dw, h, lr, eps: (w - lr * dw / (np.sqrt(dw * dw) + eps), dw * dw),
                "AdaGrad ACCUMULATES the squared gradients: h_new = h + dw², not just dw²"),
        Mistake("old h in the step", lambda w, dw, h, lr, eps: (w - lr * dw / (np.sqrt(h) + eps), h + dw * dw),
                "add dw² to h first and divide by √h_new + ε (the step uses the updated h)"),
        Mistake("eps inside the square root", lambda w, dw, h, lr, eps: (w - lr * dw / np.sqrt(h + dw * dw + eps),
                                                                         h + dw * dw),
                "ε goes outside the square root: lr·dw / (√h_new + ε); √(h + ε) changes the step when gradients are "
                "tiny"),
        Mistake("no square root", lambda w, dw, h, lr, eps: (w - lr * dw / (h + dw * dw + eps), h + dw * dw),
                "divide by the square root of h: lr·dw / (√h_new + ε)"),
        Mistake("wrong sign", lambda w, dw, h, lr, eps: (w + lr * dw / (np.sqrt(h + dw * dw) + eps), h + dw * dw),
                "step against the gradient: w_new = w − lr·dw / (√h_new + ε)"),
        *_eps_ignored(_adagrad_update, "adagrad_update"),
    ],
    hides=("optim.AdaGrad",),
))


# ---------------------------------------------------------------- RMSProp

register(Exercise(
    name="rmsprop_update",
    contract=_update_contract,
    boundaries={"h = 0": lambda case: not case.args[2].any(),
                "tiny gradients, eps not 1e-7": _tiny_gradients_odd_eps(1e-7)},
    functions="rmsprop_update",
    reference=_rmsprop_update,
    points=2,
    public=[
        Case((W2, DW2, np.zeros(2), 0.01, 0.99, 1e-7), label="first step: h starts at 0"),
        Case((W2, DW2, np.array([4.0, 0.25]), 0.01, 0.9, 1e-7), label="h already averaged, decay_rate 0.9"),
        Case((np.ones(3), TINY_DW, np.zeros(3), 0.01, 0.9, 1e-7),
             label="tiny gradients, h = 0: here it matters that ε is added outside the square root"),
        Case((np.ones(3), TINY_DW, np.zeros(3), 0.01, 0.9, 1e-4),
             label="tiny gradients with a large eps = 1e-4 (not the usual default): eps damps the step"),
    ],
    hidden=lambda rng: [
        Case((_random(rng, (3, 4)), _random(rng, (3, 4)), rng.uniform(0, 2, (3, 4)), 0.01, 0.99, 1e-7),
             label="random (3, 4)"),
        Case((_random(rng, (6,)), _random(rng, (6,)), rng.uniform(0, 1, 6), 0.1, 0.5, 1e-8),
             label="random (6,), decay 0.5"),
        Case((_random(rng, (2, 2)), _random(rng, (2, 2), 1e-5), rng.uniform(0, 1e-10, (2, 2)), 0.01, 0.9, 1e-7),
             label="random tiny gradients"),
    ],
    mistakes=[
        Mistake("sum instead of moving average",
                lambda w, dw, h, lr, r, eps: (w - lr * dw / (np.sqrt(h + dw * dw) + eps), h + dw * dw),
                "that is AdaGrad's sum: RMSProp keeps a moving average, h_new = decay_rate·h + (1 − decay_rate)·dw²"),
        Mistake("weights swapped",
                lambda w, dw, h, lr, r, eps: (w - lr * dw / (np.sqrt(r * dw * dw + (1 - r) * h) + eps),
                                                                 r * dw * dw + (1 - r) * h),
                "decay_rate weighs the OLD average and (1 − decay_rate) the new dw²: h_new = decay_rate·h + (1 − "
                "decay_rate)·dw²"),
        Mistake("no (1 - decay_rate)", lambda w, dw, h, lr, r, eps: (w - lr * dw / (np.sqrt(r * h + dw * dw) + eps),
                                                                     r * h + dw * dw),
                "weigh the new squared gradient by (1 − decay_rate): h_new = decay_rate·h + (1 − decay_rate)·dw²"),
        Mistake("eps inside the square root",
                lambda w, dw, h, lr, r, eps: (w - lr * dw / np.sqrt(r * h + (1 - r) * dw * dw + eps),
                                              r * h + (1 - r) * dw * dw),
                "ε goes outside the square root: lr·dw / (√h_new + ε); √(h + ε) changes the step when gradients are "
                "tiny"),
        Mistake("old h in the step", lambda w, dw, h, lr, r, eps: (w - lr * dw / (np.sqrt(h) + eps),
                                                                   r * h + (1 - r) * dw * dw),
                "update h first, then divide by √h_new + ε (the step uses the updated average)"),
        *_eps_ignored(_rmsprop_update, "rmsprop_update"),
        Mistake("dw not squared", lambda w, dw, h, lr, r, eps: (w - lr * dw / (np.sqrt(r * h + (1 - r) * dw) + eps),
                                                                r * h + (1 - r) * dw),
                "h is a moving average of the SQUARED gradient: h_new = decay_rate·h + (1 − decay_rate)·dw²"),
    ],
    hides=("optim.RMSProp",),
))


# ---------------------------------------------------------------- Adam

def _adam_without_correction(w, dw, m, v, t, lr, b1, b2, eps):
    m, v = b1 * m + (1 - b1) * dw, b2 * v + (1 - b2) * dw * dw
    return w - lr * m / (np.sqrt(v) + eps), m, v


def _adam_corrected_state(w, dw, m, v, t, lr, b1, b2, eps):
    m, v = (b1 * m + (1 - b1) * dw) / (1 - b1 ** t), (b2 * v + (1 - b2) * dw * dw) / (1 - b2 ** t)
    return w - lr * m / (np.sqrt(v) + eps), m, v


def _adam_correction_without_power(w, dw, m, v, t, lr, b1, b2, eps):
    m, v = b1 * m + (1 - b1) * dw, b2 * v + (1 - b2) * dw * dw
    return w - lr * (m / (1 - b1)) / (np.sqrt(v / (1 - b2)) + eps), m, v


def _adam_eps_inside(w, dw, m, v, t, lr, b1, b2, eps):
    m, v = b1 * m + (1 - b1) * dw, b2 * v + (1 - b2) * dw * dw
    return w - lr * (m / (1 - b1 ** t)) / np.sqrt(v / (1 - b2 ** t) + eps), m, v


def _adam_t_minus_one(w, dw, m, v, t, lr, b1, b2, eps):
    m, v = b1 * m + (1 - b1) * dw, b2 * v + (1 - b2) * dw * dw
    return w - lr * (m / (1 - b1 ** (t + 1))) / (np.sqrt(v / (1 - b2 ** (t + 1))) + eps), m, v


def _adam_abs(w, dw, m, v, t, lr, b1, b2, eps):
    m, v = b1 * m + (1 - b1) * dw, b2 * v + (1 - b2) * np.abs(dw)
    return w - lr * (m / (1 - b1 ** t)) / (np.sqrt(v / (1 - b2 ** t)) + eps), m, v


register(Exercise(
    name="adam_update",
    contract=_update_contract,
    boundaries={"t = 1": lambda case: case.args[4] == 1, "tiny gradients, eps not 1e-8": _tiny_gradients_odd_eps(1e-8)},
    functions="adam_update",
    reference=_adam_update,
    points=3,
    public=[
        Case((W2, DW2, np.zeros(2), np.zeros(2), 1, 0.001, 0.9, 0.999, 1e-8),
             label="step t = 1 from m = v = 0: with bias correction the step is ≈ lr·sign(dw)"),
        Case((W2, DW2, np.array([0.1, -0.2]), np.array([0.01, 0.05]), 3, 0.001, 0.9, 0.999, 1e-8),
             label="step t = 3 with state built up"),
        Case((np.ones(3), TINY_DW, np.zeros(3), np.zeros(3), 1, 0.001, 0.9, 0.999, 1e-8),
             label="tiny gradients at t = 1: here it matters that ε is added outside the square root"),
        Case((np.ones(3), TINY_DW, np.zeros(3), np.zeros(3), 1, 0.001, 0.9, 0.999, 1e-4),
             label="tiny gradients with a large eps = 1e-4 (not the usual default): eps damps the step"),
    ],
    hidden=lambda rng: [
        Case((_random(rng, (3, 4)), _random(rng, (3, 4)), _random(rng, (3, 4), 0.1), rng.uniform(0, 0.1, (3, 4)),
              2, 0.01, 0.9, 0.999, 1e-8), label="random (3, 4), t = 2"),
        Case((_random(rng, (5,)), _random(rng, (5,)), np.zeros(5), np.zeros(5), 1, 0.1, 0.8, 0.99, 1e-8),
             label="random (5,), t = 1"),
        Case((_random(rng, (2, 3)), _random(rng, (2, 3)), _random(rng, (2, 3), 0.1), rng.uniform(0, 0.1, (2, 3)),
              10, 0.001, 0.9, 0.999, 1e-7), label="random (2, 3), t = 10"),
        Case((_random(rng, (4,)), _random(rng, (4,), 1e-5), np.zeros(4), np.zeros(4), 1, 0.001, 0.9, 0.999, 1e-8),
             label="random tiny gradients, t = 1"),
    ],
    mistakes=[
        Mistake("no bias correction", _adam_without_correction,
                "bias correction is missing: m and v start at 0, so divide them by (1 − beta1^t) and (1 − beta2^t) "
                "before the step (at t = 1 this makes the step ≈ lr·sign(dw))"),
        Mistake("corrected values returned as state", _adam_corrected_state,
                "return the raw moving averages m and v as the new state; the bias-corrected m̂ and v̂ are only used "
                "for this step"),
        Mistake("correction without the power t", _adam_correction_without_power,
                "the bias correction divides by (1 − beta1**t) and (1 − beta2**t): raise beta to the power t"),
        Mistake("eps inside the square root", _adam_eps_inside,
                "ε goes outside the square root: lr·m̂ / (√v̂ + ε); √(v̂ + ε) changes the step when gradients are "
                "tiny"),
        Mistake("t off by one", _adam_t_minus_one,
                "t is the number of this step, starting at 1: use beta1**t and beta2**t with the t you are given"),
        *_eps_ignored(_adam_update, "adam_update"),
        Mistake("|dw| in v", _adam_abs,
                "v averages the SQUARED gradient: v_new = beta2·v + (1 − beta2)·dw², not |dw|"),
    ],
    hides=("optim.Adam",),
))
