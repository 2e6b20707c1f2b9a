"""Exercises of lecture 04: Leaky ReLU, PReLU (with the gradient of its learned slope), the sigmoid's largest
derivative, and He initialisation.
"""
import numpy as np

from .core import Case, Exercise, Mistake, Rng, register, require


# ---------------------------------------------------------------- references

def _leaky_relu_forward(x, alpha):
    """x where x > 0, alpha · x elsewhere."""
    return np.where(x > 0, x, alpha * x)


def _leaky_relu_backward(dout, x, alpha):
    """dout where x > 0, alpha · dout elsewhere."""
    return np.where(x > 0, dout, alpha * dout)


def _prelu_forward(x, alpha):
    """x: (N, D); alpha: (D,), one learned slope per unit."""
    return np.where(x > 0, x, alpha * x)


def _prelu_backward(dout, x, alpha):
    """(dx, dalpha): dx = dout where x > 0 else alpha·dout; dalpha[d] = Σ_n dout[n, d]·x[n, d] over x <= 0."""
    negative = x <= 0
    return np.where(negative, alpha * dout, dout), np.where(negative, dout * x, 0.0).sum(axis=0)


def _he_init(fan_in, fan_out, rng):
    """W = rng.standard_normal((fan_in, fan_out)) · sqrt(2 / fan_in): variance 2 / fan_in for ReLU layers."""
    return rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / fan_in)


# ---------------------------------------------------------------- contracts: what the task promises about inputs

def _leaky_contract(*arrays_and_alpha):
    *arrays, alpha = arrays_and_alpha
    require(len({np.shape(a) for a in arrays}) == 1, "dout has x's shape")
    require(0 < alpha < 1, "0 < alpha < 1")


def _prelu_contract(*arrays_and_alpha):
    *arrays, alpha = arrays_and_alpha
    require(all(np.ndim(a) == 2 and np.shape(a) == np.shape(arrays[0]) for a in arrays), "x (and dout): (N, D)")
    require(np.shape(alpha) == (np.shape(arrays[0])[1],), "alpha: (D,)")


def _he_contract(fan_in, fan_out, rng):
    require(isinstance(fan_in, int) and isinstance(fan_out, int) and fan_in > 0 and fan_out > 0,
            "fan_in, fan_out: ints > 0")


def _backward_kink(case):
    return case.function.endswith("backward") and bool(np.any(np.asarray(case.args[1]) == 0))


# ---------------------------------------------------------------- leaky_relu

X_LEAKY = np.array([[-2.0, -0.5, 0.5, 3.0], [1.0, -1.0, 2.0, -3.0]])
DOUT_LEAKY = np.array([[1.0, 2.0, -3.0, 4.0], [-0.5, 0.5, 1.5, -2.5]])


def _leaky_hidden(rng):
    cases = []
    for shape, alpha in (((5, 4), 0.1), ((8,), 0.01), ((2, 3, 4), 0.3)):
        x = rng.standard_normal(shape)
        cases.append(Case((x, alpha), label=f"random {shape}, alpha={alpha}", function="leaky_relu_forward"))
        cases.append(Case((rng.standard_normal(shape), x, alpha), label=f"random {shape}, alpha={alpha}",
                          function="leaky_relu_backward"))
    return cases


register(Exercise(
    name="leaky_relu",
    contract={"leaky_relu_forward": _leaky_contract, "leaky_relu_backward": _leaky_contract},
    boundaries={"x == 0 (the kink) in backward": _backward_kink},
    functions=("leaky_relu_forward", "leaky_relu_backward"),
    reference={"leaky_relu_forward": _leaky_relu_forward, "leaky_relu_backward": _leaky_relu_backward},
    points=2,
    public=[
        Case((X_LEAKY, 0.1), label="x (2, 4), the notes' slope alpha = 0.1", function="leaky_relu_forward"),
        Case((np.array([-100.0, -1.0, 2.0]), 0.01), label="alpha = 0.01", function="leaky_relu_forward"),
        Case((DOUT_LEAKY, X_LEAKY, 0.1), label="dout and x (2, 4), alpha = 0.1", function="leaky_relu_backward"),
        Case((np.array([1.0, -2.0, 3.0]), np.array([-1.0, 2.0, -0.5]), 0.2), label="one sample, alpha = 0.2",
             function="leaky_relu_backward"),
        Case((np.array([[2.0, -1.0, 0.5]]), np.array([[0.0, -0.0, 1.0]]), 0.1),
             label="x exactly 0 at the kink: the task puts x <= 0 on the alpha side", function="leaky_relu_backward"),
    ],
    hidden=_leaky_hidden,
    mistakes=[
        Mistake("plain ReLU forward", {"leaky_relu_forward": lambda x, alpha: np.maximum(x, 0.0)},
                "negative inputs are not cut to 0: they are multiplied by the slope alpha"),
        Mistake("slope on the wrong side", {"leaky_relu_forward": lambda x, alpha: np.where(x > 0, alpha * x, x)},
                "x > 0 passes unchanged; only x <= 0 is multiplied by alpha"),
        Mistake("ReLU plus a slope", {"leaky_relu_forward": lambda x, alpha: np.maximum(x, 0.0) + alpha * x},
                "max(0, x) + alpha·x gives (1 + alpha)·x for positive x: use np.where(x > 0, x, alpha * x)"),
        Mistake("plain ReLU backward", {"leaky_relu_backward": lambda dout, x, alpha: np.where(x > 0, dout, 0.0)},
                "where x <= 0 the local derivative is alpha, not 0: pass alpha * dout there (that is the point of "
                "the leak: no unit stops learning)"),
        Mistake("local derivative only", {"leaky_relu_backward": lambda dout, x, alpha: np.where(x > 0, 1.0, alpha)},
                "multiply the local derivative (1 or alpha) by dout"),
        Mistake("mask from dout", {"leaky_relu_backward": lambda dout, x, alpha: np.where(dout > 0, dout,
                                                                                          alpha * dout)},
                "choose 1 or alpha from the sign of the forward input x, not from dout"),
        Mistake("x == 0 on the wrong side", {"leaky_relu_backward": lambda dout, x, alpha: np.where(x >= 0, dout,
                                                                                                    alpha * dout)},
                "at exactly x == 0 the task takes the slope alpha: pass dout only where x > 0, alpha * dout where x "
                "<= 0"),
    ],
))


# ---------------------------------------------------------------- prelu

X_PRELU = np.array([[-2.0, 0.5, -1.0], [1.0, -3.0, -0.5], [-0.5, 2.0, 4.0], [3.0, -1.0, -2.0]])
ALPHA_PRELU = np.array([0.25, 0.1, 0.5])
DOUT_PRELU = np.array([[1.0, -1.0, 2.0], [0.5, 2.0, -1.0], [-2.0, 1.0, 0.5], [1.0, 0.5, 1.5]])


def _prelu_hidden(rng):
    cases = []
    for n, d in ((6, 4), (1, 5), (10, 3)):
        x, alpha = rng.standard_normal((n, d)), rng.uniform(0.0, 0.5, size=d)
        cases.append(Case((x, alpha), label=f"random ({n}, {d})", function="prelu_forward"))
        cases.append(Case((rng.standard_normal((n, d)), x, alpha), label=f"random ({n}, {d})",
                          function="prelu_backward"))
    return cases


def _prelu_backward_mistake(dx=None, dalpha=None):
    def wrong(dout, x, alpha):
        right_dx, right_dalpha = _prelu_backward(dout, x, alpha)
        return (right_dx if dx is None else dx(dout, x, alpha), right_dalpha if dalpha is None else dalpha(dout, x))
    return {"prelu_backward": wrong}


register(Exercise(
    name="prelu",
    contract={"prelu_forward": _prelu_contract, "prelu_backward": _prelu_contract},
    boundaries={"x == 0 (the kink) in backward": _backward_kink},
    functions=("prelu_forward", "prelu_backward"),
    reference={"prelu_forward": _prelu_forward, "prelu_backward": _prelu_backward},
    points=3,
    public=[
        Case((X_PRELU, ALPHA_PRELU), label="x (4, 3), one slope per unit alpha = [0.25, 0.1, 0.5]",
             function="prelu_forward"),
        Case((DOUT_PRELU, X_PRELU, ALPHA_PRELU), label="dout and x (4, 3), alpha (3,)", function="prelu_backward"),
        Case((np.array([[1.0, -2.0]]), np.array([[-1.0, 3.0]]), np.array([0.2, 0.2])),
             label="a batch of one sample", function="prelu_backward"),
        Case((np.array([[2.0, -1.0, 0.5], [1.0, 1.0, 1.0]]), np.array([[0.0, -0.0, 1.0], [0.0, -1.0, 0.0]]),
              np.array([0.25, 0.1, 0.5])),
             label="x exactly 0 at the kink: the task puts x <= 0 on the alpha side", function="prelu_backward"),
    ],
    hidden=_prelu_hidden,
    mistakes=[
        Mistake("ReLU forward", {"prelu_forward": lambda x, alpha: np.maximum(x, 0.0)},
                "negative inputs are multiplied by their unit's slope alpha, not cut to 0"),
        Mistake("dalpha not summed", _prelu_backward_mistake(dalpha=lambda dout, x: np.where(x <= 0, dout * x, 0.0)),
                "alpha is shared by every sample of the batch, so dalpha sums over the batch (axis 0): shape (D,)"),
        Mistake("dalpha without x", _prelu_backward_mistake(dalpha=lambda dout, x: np.where(x <= 0, dout,
                                                                                            0.0).sum(axis=0)),
                "the output is alpha·x where x <= 0, so its derivative with respect to alpha is x: "
                "dalpha = Σ dout · x over the entries with x <= 0"),
        Mistake("dalpha over every entry", _prelu_backward_mistake(dalpha=lambda dout, x: (dout * x).sum(axis=0)),
                "only entries with x <= 0 depend on alpha (positive ones are just x): mask before summing"),
        Mistake("dalpha a single number",
                _prelu_backward_mistake(dalpha=lambda dout, x: float(np.where(x <= 0, dout * x, 0.0).sum())),
                "each unit has its own slope: sum over the batch only (axis=0), giving one value per unit, shape (D,)"),
        Mistake("dalpha averaged", _prelu_backward_mistake(dalpha=lambda dout, x: np.where(x <= 0, dout * x,
                                                                                           0.0).mean(axis=0)),
                "dalpha is the SUM over the batch, not the mean: the 1/N is already inside dout"),
        Mistake("dx like ReLU", _prelu_backward_mistake(dx=lambda dout, x, alpha: np.where(x > 0, dout, 0.0)),
                "where x <= 0 the local derivative of alpha·x with respect to x is alpha: dx = alpha * dout there"),
        Mistake("x == 0 on the wrong side", _prelu_backward_mistake(dx=lambda dout, x, alpha: np.where(x >= 0, dout,
                                                                                                       alpha * dout)),
                "at exactly x == 0 the task takes the slope alpha: dx = dout only where x > 0, alpha * dout where x "
                "<= 0"),
    ],
))


# ---------------------------------------------------------------- sigmoid_grad_max

register(Exercise(
    name="sigmoid_grad_max",
    functions="sigmoid_grad_max",
    reference=0.25,
    points=1,
    value=True,
    public=[Case(label="the largest value of σ'(x) = σ(x)(1 − σ(x)) over all real x")],
    mistakes=[
        Mistake("the notes' rounding", lambda: 0.24,
                "0.24 is a rough reading of a plot; compute it: the maximum is at x = 0, where σ(0) = 0.5"),
        Mistake("σ(0) itself", lambda: 0.5,
                "0.5 is σ(0), the value of the sigmoid; its derivative there is σ(0)·(1 − σ(0))"),
        Mistake("ReLU's slope", lambda: 1.0,
                "1 is ReLU's derivative for x > 0; the sigmoid's derivative never gets that large"),
        Mistake("σ'(1)", lambda: 0.19661193324148185,
                "0.1966 is σ'(1), the slope at x = 1; the slope is largest at x = 0: σ(0)·(1 − σ(0))"),
    ],
    rtol=1e-3,  # a maximum read off a fine grid is fine
))


# ---------------------------------------------------------------- he_init

def _compare_weights(case, expected, got, default):
    """The default comparison, plus a hint when the weights have the right scale but other numbers: another
    generator (np.random) was used instead of the rng argument."""
    reason = default(expected, got)
    if reason is None or not isinstance(got, np.ndarray) or got.shape != expected.shape or got.size < 1000:
        return reason  # with fewer draws their spread says too little about the scale
    scale = np.sqrt(2.0 / case.args[0])  # He's standard deviation; Xavier's and the others are 20% off or more
    if 0.9 < np.sqrt(np.mean(got.astype(np.float64) ** 2)) / scale < 1.1:
        reason += ("\n  hint: the weights have the right scale but other numbers: draw them from the rng you are "
                   "given, rng.standard_normal((fan_in, fan_out)), not from np.random, so one seed gives one set of "
                   "weights")
    return reason


register(Exercise(
    name="he_init",
    contract=_he_contract,
    functions="he_init",
    reference=_he_init,
    points=1,
    public=[
        Case((64, 100, Rng(1)), label="fan_in = 64 (the digits' pixels), fan_out = 100"),
        Case((3, 2, Rng(0)), label="fan_in = 3, fan_out = 2, rng = np.random.default_rng(0)"),
        Case((100, 10, Rng(2)), label="fan_in = 100, fan_out = 10"),
    ],
    hidden=lambda rng: [Case((int(a), int(b), Rng(int(s))), label=f"fan_in = {a}, fan_out = {b}")
                        for a, b, s in zip(rng.integers(2, 200, size=3), rng.integers(2, 200, size=3),
                                           rng.integers(0, 10_000, size=3))],
    mistakes=[
        Mistake("variance instead of standard deviation",
                lambda fan_in, fan_out, rng: rng.standard_normal((fan_in, fan_out)) * (2.0 / fan_in),
                "2 / fan_in is the VARIANCE; scale the standard normal draws by its square root, np.sqrt(2 / fan_in)"),
        Mistake("Xavier's scale",
                lambda fan_in, fan_out, rng: rng.standard_normal((fan_in, fan_out)) * np.sqrt(1.0 / fan_in),
                "sqrt(1 / fan_in) is Xavier's scale (for sigmoid/tanh); He's scale for ReLU is sqrt(2 / fan_in): "
                "ReLU zeroes half of its inputs, so the variance needs the factor 2"),
        Mistake("fan_out", lambda fan_in, fan_out, rng: rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / fan_out),
                "scale by the number of INPUTS of the layer: np.sqrt(2 / fan_in)"),
        Mistake("Glorot's scale",
                lambda fan_in, fan_out, rng: rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / (fan_in + fan_out)),
                "sqrt(2 / (fan_in + fan_out)) is Glorot's (Xavier) normal; He's is np.sqrt(2 / fan_in)"),
        Mistake("transposed shape",
                lambda fan_in, fan_out, rng: rng.standard_normal((fan_out, fan_in)) * np.sqrt(2.0 / fan_in),
                "W maps fan_in inputs to fan_out outputs, x · W, so its shape is (fan_in, fan_out)"),
        Mistake("drawn transposed",
                lambda fan_in, fan_out, rng: rng.standard_normal((fan_out, fan_in)).T * np.sqrt(2.0 / fan_in),
                "draw exactly rng.standard_normal((fan_in, fan_out)): drawing (fan_out, fan_in) and transposing "
                "puts the same numbers in other places"),
        Mistake("sqrt of 2 only",
                lambda fan_in, fan_out, rng: rng.standard_normal((fan_in, fan_out)) * np.sqrt(2) / fan_in,
                "the square root covers the whole quotient: np.sqrt(2 / fan_in), not np.sqrt(2) / fan_in"),
    ],
    compare=_compare_weights,
))
