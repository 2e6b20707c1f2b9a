"""Exercises of lecture 04: Leaky ReLU, PReLU (with the gradient of its learned slope), the sigmoid's largest
derivative, He initialisation, and batch normalisation's forward and backward passes.
"""
import numpy as np

from .core import Case, Exercise, Mistake, Rng, Unsupported, chained, compare, register, require

# library objects that would hand over an answer while a notebook is graded (dlcourse.grader hides them)
HIDE_WHILE_GRADING = {
    "batchnorm": ("layers.BatchNorm", "naive.BatchNorm"),
}


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


# ---------------------------------------------------------------- batchnorm

def _batchnorm_forward(x, gamma, beta, eps=1e-5):
    """Train mode for x: (N, D): x̂ = (x − μ) / √(σ² + ε) with the batch's mean μ and biased variance σ² per
    feature, out = γ·x̂ + β. Returns (out, cache) with cache = (x̂, γ, √(σ² + ε))."""
    x = np.asarray(x, dtype=np.float64)
    std = np.sqrt(x.var(axis=0) + eps)  # np.var divides by N: the biased variance
    x_hat = (x - x.mean(axis=0)) / std
    return gamma * x_hat + beta, (x_hat, gamma, std)


def _batchnorm_backward(dout, cache):
    """(dx, dγ, dβ) through μ and σ²: dx = γ/(N·σ) · (N·dout − Σ dout − x̂·Σ(dout·x̂)), sums over the batch."""
    x_hat, gamma, std = cache
    n = dout.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    return gamma / (n * std) * (n * dout - dbeta - x_hat * dgamma), dgamma, dbeta


BATCHNORM_CHAIN = chained("batchnorm_forward", "batchnorm_backward")


def _batchnorm_forward_contract(x, gamma, beta, eps=1e-5):
    require(np.ndim(x) == 2 and np.shape(x)[0] >= 2, "x: (N, D) with N >= 2")
    require(np.shape(gamma) == np.shape(beta) == (np.shape(x)[1],), "gamma, beta: (D,)")
    require(eps > 0, "eps > 0")


def _batchnorm_backward_contract(forward_args, backward_args):
    _batchnorm_forward_contract(*forward_args)
    require(len(backward_args) == 1 and np.shape(backward_args[0]) == np.shape(forward_args[0]),
            "dout has x's shape")


def _forward_args(case):
    return case.args if case.function == "batchnorm_forward" else case.args[0]


def _float32_input(case):
    return np.asarray(_forward_args(case)[0]).dtype == np.float32


def _compare_batchnorm(case, expected, got, default):
    """float32 input: an answer computed in float32 is right to about 1e-5 (and one in float64 exactly)."""
    if _float32_input(case):
        return compare(expected, got, rtol=1e-4, atol=1e-4)
    return default(expected, got)


def _out_of_pair(output):
    """Only ``out`` of the forward's (out, cache) is judged: the cache is the answer's own business."""
    if isinstance(output, (tuple, list)) and len(output) == 2:
        return output[0]
    kind = f"{type(output).__name__} of {len(output)}" if isinstance(output, (tuple, list)) else "a single value"
    return Unsupported(f"{kind} instead of the pair (out, cache)")


X_BN = np.array([[1.0, 2.0, 3.0], [3.0, 6.0, 0.0], [5.0, 4.0, -3.0], [7.0, 0.0, 4.0]])
GAMMA_BN, BETA_BN = np.array([1.0, 2.0, 0.5]), np.array([0.0, -1.0, 0.5])
DOUT_BN = np.array([[1.0, -2.0, 0.5], [0.0, 1.0, 2.0], [-1.0, 0.5, -0.5], [2.0, 1.5, 1.0]])
X_BN_N2 = np.array([[1.0, -2.0, 0.5], [3.0, 2.0, 0.5]])  # the third feature is constant: σ² = 0
DOUT_BN_N2 = np.array([[1.0, 0.5, -1.0], [0.5, -1.5, 2.0]])
X_BN_SMALL = 0.01 * np.array([[1.0, 3.0], [2.0, -1.0], [4.0, 0.0], [-1.0, 2.0], [0.0, 1.0]])  # σ² ≈ ε
GAMMA_BN_2, BETA_BN_2 = np.array([1.5, -0.5]), np.array([0.25, 0.0])
DOUT_BN_SMALL = np.array([[1.0, 0.0], [-0.5, 2.0], [0.5, -1.0], [2.0, 1.0], [-1.0, 0.5]])


def _batchnorm_hidden(rng):
    cases = []
    for n, d, scale in ((8, 5, 2.0), (4, 4, 1.0), (16, 3, 0.01)):
        x = rng.standard_normal((n, d)) * scale + rng.standard_normal(d)
        gamma, beta = rng.uniform(0.5, 2.0, size=d), rng.standard_normal(d)
        cases.append(Case((x, gamma, beta), label=f"random ({n}, {d})", function="batchnorm_forward"))
        cases.append(Case(((x, gamma, beta), (rng.standard_normal((n, d)),)), label=f"random ({n}, {d})",
                          function=BATCHNORM_CHAIN))
    return cases


def _batchnorm_backward_mistake(dx=None, dgamma=None, dbeta=None):
    """The reference backward with dx, dγ or dβ computed another way: each a function of (dout, x̂, γ, σ)."""
    def wrong(dout, cache):
        x_hat, gamma, std = cache
        right = _batchnorm_backward(dout, cache)
        return tuple(r if f is None else f(dout, x_hat, gamma, std) for r, f in zip(right, (dx, dgamma, dbeta)))
    return {"batchnorm_backward": wrong}


def _batchnorm_forward_mistake(normalise):
    """A forward pass whose x̂ = normalise(x, eps); the cache the reference backward needs follows from it."""
    def wrong(x, gamma, beta, eps=1e-5):
        x = np.asarray(x, dtype=np.float64)
        x_hat, std = normalise(x, eps)
        return gamma * x_hat + beta, (x_hat, gamma, std)
    return {"batchnorm_forward": wrong}


def _centred(x):
    return x - x.mean(axis=0)


def _mean(a):
    return a.mean(axis=0)


register(Exercise(
    name="batchnorm",
    contract={"batchnorm_forward": _batchnorm_forward_contract, "batchnorm_backward": _batchnorm_backward_contract},
    boundaries={"N = 2": lambda case: np.shape(_forward_args(case)[0])[0] == 2,
                "a constant feature (σ² = 0: only eps keeps x̂ finite)":
                    lambda case: bool(np.any(np.ptp(_forward_args(case)[0], axis=0) == 0)),
                "float32 input": _float32_input,
                "eps given": lambda case: len(_forward_args(case)) == 4,
                "backward through the learner's own cache": lambda case: case.function == BATCHNORM_CHAIN},
    functions=("batchnorm_forward", "batchnorm_backward"),
    reference={"batchnorm_forward": _batchnorm_forward, "batchnorm_backward": _batchnorm_backward},
    judged_part={"batchnorm_forward": _out_of_pair},
    points=3,
    public=[
        Case((X_BN, GAMMA_BN, BETA_BN), label="x (4, 3), gamma (3,), beta (3,)", function="batchnorm_forward"),
        Case((X_BN_N2, np.ones(3), np.zeros(3)), label="N = 2 samples; the third feature is constant (σ² = 0)",
             function="batchnorm_forward"),
        Case((X_BN_SMALL, GAMMA_BN_2, BETA_BN_2, 1e-4), label="a small spread (σ² close to eps), eps = 1e-4",
             function="batchnorm_forward"),
        Case((X_BN.astype(np.float32), GAMMA_BN, BETA_BN), label="float32 x", function="batchnorm_forward"),
        Case(((X_BN, GAMMA_BN, BETA_BN), (DOUT_BN,)), label="x (4, 3) and dout (4, 3)", function=BATCHNORM_CHAIN),
        Case(((X_BN_N2, np.array([1.0, 2.0, 0.5]), np.zeros(3)), (DOUT_BN_N2,)),
             label="N = 2; the third feature is constant (σ² = 0)", function=BATCHNORM_CHAIN),
        Case(((X_BN_SMALL, GAMMA_BN_2, BETA_BN_2, 1e-4), (DOUT_BN_SMALL,)),
             label="a small spread (σ² close to eps), eps = 1e-4", function=BATCHNORM_CHAIN),
        Case(((X_BN.astype(np.float32), GAMMA_BN, BETA_BN), (DOUT_BN,)), label="float32 x",
             function=BATCHNORM_CHAIN),
    ],
    hidden=_batchnorm_hidden,
    mistakes=[
        Mistake("unbiased variance",
                _batchnorm_forward_mistake(lambda x, eps: (_centred(x) / np.sqrt(x.var(axis=0, ddof=1) + eps),
                                                           np.sqrt(x.var(axis=0, ddof=1) + eps))),
                "normalise with the batch's biased variance σ² = (1/N) Σ (x − μ)² (np.var's default, ddof=0), "
                "not the unbiased 1/(N − 1) estimate"),
        Mistake("eps outside the sqrt",
                _batchnorm_forward_mistake(lambda x, eps: (_centred(x) / (x.std(axis=0) + eps),
                                                           x.std(axis=0) + eps)),
                "eps goes under the square root: x̂ = (x − μ) / np.sqrt(var + eps), not / (np.sqrt(var) + eps)"),
        Mistake("no eps",
                _batchnorm_forward_mistake(lambda x, eps: (_centred(x) / x.std(axis=0), x.std(axis=0))),
                "a feature that is constant over the batch has σ² = 0: divide by np.sqrt(var + eps), with the eps "
                "you are given, so x̂ stays finite"),
        Mistake("divided by the variance",
                _batchnorm_forward_mistake(lambda x, eps: (_centred(x) / (x.var(axis=0) + eps),
                                                           x.var(axis=0) + eps)),
                "divide by the standard deviation np.sqrt(var + eps), not by the variance"),
        Mistake("normalised over the features",
                {"batchnorm_forward": lambda x, gamma, beta, eps=1e-5: (
                    gamma * (x - x.mean(axis=1, keepdims=True)) / np.sqrt(x.var(axis=1, keepdims=True) + eps) + beta,
                    None)},
                "batch normalisation normalises every FEATURE over the batch: mean and variance over axis=0 "
                "(shape (D,)); over axis=1 it would be layer normalisation"),
        Mistake("no scale and shift",
                {"batchnorm_forward": lambda x, gamma, beta, eps=1e-5: (_batchnorm_forward(x, gamma, beta, eps)[1][0],
                                                                        None)},
                "after normalising, scale and shift: out = gamma * x_hat + beta"),
        Mistake("the mean's path forgotten",
                _batchnorm_backward_mistake(dx=lambda dout, x_hat, gamma, std:
                                            gamma / std * (dout - x_hat * _mean(dout * x_hat))),
                "μ depends on every x of the batch too: dx needs the term −mean(dx̂) (dx̂ = gamma·dout), "
                "dx = (gamma/σ)·(dout − mean(dout) − x̂·mean(dout·x̂)) with σ = √(σ² + ε)"),
        Mistake("the variance's path forgotten",
                _batchnorm_backward_mistake(dx=lambda dout, x_hat, gamma, std:
                                            gamma / std * (dout - _mean(dout))),
                "σ² depends on every x of the batch too: dx needs the term −x̂·mean(dout·x̂), "
                "dx = (gamma/σ)·(dout − mean(dout) − x̂·mean(dout·x̂))"),
        Mistake("μ and σ treated as constants",
                _batchnorm_backward_mistake(dx=lambda dout, x_hat, gamma, std: gamma * dout / std),
                "in training μ and σ² are computed from the batch, so they depend on x: backpropagate through "
                "both (gamma·dout/σ is the gradient at test time only, with the running averages)"),
        Mistake("dvar without the ½",
                _batchnorm_backward_mistake(dx=lambda dout, x_hat, gamma, std:
                                            gamma / std * (dout - _mean(dout) - 2 * x_hat * _mean(dout * x_hat))),
                "d(σ² + ε)^(−1/2) / dσ² = −½·(σ² + ε)^(−3/2): the variance's term carries the factor ½"),
        Mistake("dx without gamma",
                _batchnorm_backward_mistake(dx=lambda dout, x_hat, gamma, std:
                                            (dout - _mean(dout) - x_hat * _mean(dout * x_hat)) / std),
                "out = gamma·x̂ + β, so the gradient reaching x̂ is dx̂ = gamma * dout: multiply by gamma"),
        Mistake("dx not divided by N",
                _batchnorm_backward_mistake(dx=lambda dout, x_hat, gamma, std: gamma / std * (
                    len(dout) * dout - dout.sum(axis=0) - x_hat * (dout * x_hat).sum(axis=0))),
                "the compact formula is dx = gamma/(N·σ) · (N·dout − Σ dout − x̂·Σ dout·x̂): divide by N"),
        Mistake("dgamma without x̂",
                _batchnorm_backward_mistake(dgamma=lambda dout, x_hat, gamma, std: dout.sum(axis=0)),
                "out = gamma·x̂ + β, so dgamma = Σ over the batch of dout · x̂ (x̂ from the forward pass)"),
        Mistake("summed over the wrong axis",
                _batchnorm_backward_mistake(dgamma=lambda dout, x_hat, gamma, std: (dout * x_hat).sum(axis=1),
                                            dbeta=lambda dout, x_hat, gamma, std: dout.sum(axis=1)),
                "gamma and beta have one entry per feature: sum over the batch, axis=0, giving shape (D,)"),
        Mistake("dgamma and dbeta averaged",
                _batchnorm_backward_mistake(dgamma=lambda dout, x_hat, gamma, std: (dout * x_hat).mean(axis=0),
                                            dbeta=lambda dout, x_hat, gamma, std: dout.mean(axis=0)),
                "dgamma and dbeta are SUMS over the batch, not means: the 1/N of the loss is already inside dout"),
    ],
    compare=_compare_batchnorm,
))
