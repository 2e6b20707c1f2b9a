"""Exercises of lecture 04: Leaky ReLU, PReLU (with the gradient of its learned slope), measuring the gradient
norms of a deep network layer by layer (the vanishing-gradient curve), and batch normalisation's forward and
backward passes.
"""
import numpy as np

from .core import Case, CaseRule, Exercise, Mistake, chained, out_of_pair, register, require, tolerance_rule

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


# ---------------------------------------------------------------- contracts: what the task promises about inputs

def _leaky_contract(*arrays_and_alpha):
    *arrays, alpha = arrays_and_alpha
    require(len({np.shape(a) for a in arrays}) == 1, "dout has x's shape")
    require(0 < alpha < 1, "0 < alpha < 1")


def _prelu_contract(*arrays_and_alpha):
    *arrays, alpha = arrays_and_alpha
    require(all(np.ndim(a) == 2 and np.shape(a) == np.shape(arrays[0]) for a in arrays), "x (and dout): (N, D)")
    require(np.shape(alpha) == (np.shape(arrays[0])[1],), "alpha: (D,)")


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
    # PReLU with one slope for every unit is Leaky ReLU
    hides=("functions.leaky_relu", "layers.LeakyReLU", "layers.PReLU", "naive.LeakyReLU", "naive.PReLU"),
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
    hides=("functions.leaky_relu", "layers.PReLU", "naive.PReLU"),  # leaky_relu broadcasts a slope per unit
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


def _batchnorm_tolerance(case):
    """float32 input: an answer computed in float32 is right to about 1e-5 (and one in float64 exactly)."""
    return (1e-4, 1e-4) if _float32_input(case) else None


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
    judged_part={"batchnorm_forward": out_of_pair},
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
    compare=CaseRule(_batchnorm_tolerance, tolerance_rule),
    hides=("layers.BatchNorm", "naive.BatchNorm"),
))


# ---------------------------------------------------------------- layer_gradient_norms

def _sigmoid(a):
    return 1.0 / (1.0 + np.exp(-a))


# activation name -> (f(a), f'(a) from the pre-activation a and the output h = f(a))
ACTIVATIONS = {
    "sigmoid": (_sigmoid, lambda a, h: h * (1.0 - h)),
    "tanh": (np.tanh, lambda a, h: 1.0 - h ** 2),
    "relu": (lambda a: np.maximum(a, 0.0), lambda a, h: (a > 0).astype(np.float64)),
}


def _layer_gradient_norms(weights, x, dout, activation="sigmoid"):
    """‖∂L/∂W_l‖ (Frobenius) for h_l = f(h_{l−1} · W_l), h_0 = x, given dout = ∂L/∂h_L; first layer first."""
    f, df = ACTIVATIONS[activation]
    h, stored = np.asarray(x, dtype=np.float64), []
    for W in weights:
        a = h @ W
        stored.append((h, a, f(a)))
        h = stored[-1][2]
    grad, norms = dout, []
    for W, (h_in, a, h_out) in zip(reversed(weights), reversed(stored)):
        da = grad * df(a, h_out)
        norms.append(np.linalg.norm(h_in.T @ da))
        grad = da @ W.T
    return np.array(norms[::-1])


def _norms_variant(change):
    """The reference with one step changed, as learners change it."""
    def wrong(weights, x, dout, activation="sigmoid"):
        f, df = ACTIVATIONS[activation]
        if change == "derivative from a" and activation != "relu":
            df = {"sigmoid": lambda a, h: a * (1.0 - a), "tanh": lambda a, h: 1.0 - a ** 2}[activation]
        if change == "sigmoid twice" and activation == "sigmoid":
            df = lambda a, h: _sigmoid(h) * (1.0 - _sigmoid(h))  # noqa: E731
        if change == "relu mask from h" and activation == "relu":
            df = lambda a, h: (h >= 0).astype(np.float64)  # noqa: E731
        h, stored = np.asarray(x, dtype=np.float64), []
        for W in weights:
            a = h @ W
            stored.append((h, a, f(a)))
            h = stored[-1][2]
        grad, norms = dout, []
        for W, (h_in, a, h_out) in zip(reversed(weights), reversed(stored)):
            da = grad if change == "no local derivative" else grad * df(a, h_out)
            dW = h_in.T @ da
            norms.append({"gradient at h": np.linalg.norm(grad), "gradient at a": np.linalg.norm(da),
                          "squared": np.sum(dW ** 2), "largest entry": np.abs(dW).max(),
                          "mean": np.abs(dW).mean()}.get(change, np.linalg.norm(dW)))
            grad = (grad if change == "passed on before the derivative" else da) @ W.T
        return np.array(norms if change == "last layer first" else norms[::-1])
    return wrong


def _norms_contract(weights, x, dout, activation="sigmoid"):
    require(isinstance(weights, list) and len(weights) >= 1 and all(np.ndim(W) == 2 for W in weights),
            "weights: a list of 2-D arrays")
    require(np.ndim(x) == 2 and np.shape(x)[1] == weights[0].shape[0], "x: (N, D) with D = W_1's rows")
    require(all(a.shape[1] == b.shape[0] for a, b in zip(weights, weights[1:])), "W_l: (H_{l-1}, H_l)")
    require(np.shape(dout) == (np.shape(x)[0], weights[-1].shape[1]), "dout: (N, H_L)")
    require(activation in ACTIVATIONS, f"activation: one of {list(ACTIVATIONS)}")


def _norms_case(rng, n, sizes, scale, activation, label, default=False):
    weights = [rng.standard_normal((a, b)) * (scale if isinstance(scale, float) else scale(a))
               for a, b in zip(sizes[:-1], sizes[1:])]
    args = (weights, rng.standard_normal((n, sizes[0])), rng.standard_normal((n, sizes[-1])))
    return Case(args if default else args + (activation,), label=label)


def _norms_public():
    rng = np.random.default_rng(4)
    relu = _norms_case(rng, 4, [3, 4, 2], 1.0, "relu", "relu, 2 layers; sample 0 is all zeros, so its "
                                                       "pre-activations are exactly 0 (ReLU's kink: derivative 0)")
    relu.args[1][0] = 0.0
    return [
        Case(([np.array([[1.0, -1.0, 0.5], [0.5, 2.0, -1.0]]), np.array([[1.0, 0.0], [-1.0, 1.0], [0.5, 0.5]])],
              np.array([[1.0, 2.0], [0.0, -1.0], [2.0, 0.5]]), np.array([[1.0, -1.0], [0.5, 0.0], [-0.5, 2.0]]),
              "sigmoid"),
             label="sigmoid, 2 layers: W_1 (2, 3), W_2 (3, 2), a batch of 3"),
        _norms_case(rng, 5, [4, 3, 3, 2], 1.0, "tanh", "tanh, 3 layers"),
        relu,
        _norms_case(rng, 8, [6] * 9, 1.0, "sigmoid",
                    "8 sigmoid layers of width 6 with std-1 weights: the norms shrink layer by layer"),
        _norms_case(rng, 3, [2, 3, 2], 1.0, "sigmoid", "activation left out: the default is sigmoid", default=True),
    ]


def _norms_hidden(rng):
    return [
        _norms_case(rng, 16, [10] * 6, lambda fan_in: np.sqrt(1.0 / fan_in), "sigmoid", "sigmoid, Xavier, 5 layers"),
        _norms_case(rng, 4, [5, 7, 3, 6], 1.0, "tanh", "tanh, 3 layers of different widths"),
        _norms_case(rng, 10, [8] * 5, lambda fan_in: np.sqrt(2.0 / fan_in), "relu", "relu, He, 4 layers"),
        _norms_case(rng, 1, [3, 4], 1.0, "sigmoid", "one layer, one sample"),
    ]


register(Exercise(
    name="layer_gradient_norms",
    contract=_norms_contract,
    boundaries={"activation left out (the default)": lambda case: len(case.args) == 3,
                "a ReLU pre-activation exactly 0": lambda case: case.args[-1] == "relu" and bool(
                    np.any(np.asarray(case.args[1]) @ case.args[0][0] == 0)),
                "one layer": lambda case: len(case.args[0]) == 1,
                "layers of different widths": lambda case: len({W.shape[1] for W in case.args[0]}) > 1},
    functions="layer_gradient_norms",
    reference=_layer_gradient_norms,
    points=3,
    public=_norms_public(),
    hidden=_norms_hidden,
    mistakes=[
        Mistake("last layer first", _norms_variant("last layer first"),
                "return the norms in the order of the layers, the first layer (next to the input) first: "
                "the backward pass meets them last to first, so reverse the list"),
        Mistake("norm of the gradient at the outputs", _norms_variant("gradient at h"),
                "measure the WEIGHTS' gradient ∂L/∂W_l = h_{l−1}ᵀ · ∂L/∂a_l of each layer, not the gradient "
                "arriving at the layer's output"),
        Mistake("norm of the gradient at the pre-activations", _norms_variant("gradient at a"),
                "∂L/∂a_l is the gradient at the pre-activation; the weights' gradient is h_{l−1}ᵀ · ∂L/∂a_l "
                "(the layer's input transposed times it)"),
        Mistake("squared norm", _norms_variant("squared"),
                "the norm is the square root of the sum of squares: np.linalg.norm(dW)"),
        Mistake("largest entry", _norms_variant("largest entry"),
                "use the Frobenius norm of the whole gradient, np.linalg.norm(dW), not its largest entry"),
        Mistake("mean of the entries", _norms_variant("mean"),
                "use the Frobenius norm of the whole gradient, np.linalg.norm(dW), not the mean of its entries"),
        Mistake("ReLU mask from the output", _norms_variant("relu mask from h"),
                "ReLU's output is never negative, so h >= 0 masks nothing: pass the gradient where the "
                "pre-activation a > 0 (0 at a == 0)"),
        Mistake("no local derivative", _norms_variant("no local derivative"),
                "the gradient must go back through each activation: multiply by its derivative f'(a) before "
                "computing dW (that factor, at most 1/4 for the sigmoid, is what makes gradients vanish)"),
        Mistake("passed on before the derivative", _norms_variant("passed on before the derivative"),
                "pass on ∂L/∂h_{l−1} = (∂L/∂a_l) · W_lᵀ, AFTER multiplying by the activation's derivative"),
        Mistake("derivative from the pre-activation", _norms_variant("derivative from a"),
                "h(1 − h) (sigmoid) and 1 − h² (tanh) take the layer's OUTPUT h = f(a), not the pre-activation a"),
        Mistake("sigmoid applied twice", _norms_variant("sigmoid twice"),
                "the sigmoid's derivative is h·(1 − h) with h the output you already have: do not apply the "
                "sigmoid to h again"),
    ],
    hides=("widgets.activations.draw_gradient_norms", "widgets.activations.layer_statistics"),
))
