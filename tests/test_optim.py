"""Optimisers against steps computed by hand from their published update rules; schedules."""
import math

import numpy as np
import pytest

from dlcourse import optim

G1, G2 = np.array([0.5, -1.0]), np.array([0.25, 2.0])


def two_steps(opt, w0=(1.0, 2.0)):
    params = {"w": np.array(w0)}
    history = []
    for g in (G1, G2):
        opt.update(params, {"w": g.copy()})
        history.append(params["w"].copy())
    return history


def test_sgd():
    w1, w2 = two_steps(optim.SGD(0.1))
    assert np.allclose(w1, [1.0 - 0.05, 2.0 + 0.1])
    assert np.allclose(w2, w1 - 0.1 * G2)


def test_momentum():
    lr, mu = 0.1, 0.9
    w1, w2 = two_steps(optim.Momentum(lr, mu))
    v1 = -lr * G1
    v2 = mu * v1 - lr * G2
    assert np.allclose(w1, np.array([1.0, 2.0]) + v1)
    assert np.allclose(w2, w1 + v2)


def test_nesterov_matches_its_definition_with_a_look_ahead_gradient():
    """Sutskever's definition: v ← μv − η∇f(θ + μv); θ ← θ + v. The parameters we hold are φ = θ + μv."""
    lr, mu = 0.05, 0.9
    A = np.array([[3.0, 0.5], [0.5, 1.0]])

    def grad(w):
        return A @ w  # f(w) = ½ wᵀAw

    theta, v = np.array([1.0, -2.0]), np.zeros(2)
    params = {"w": theta.copy()}  # φ_0 = θ_0 since v_0 = 0
    opt = optim.Nesterov(lr, mu)
    for _ in range(5):
        v = mu * v - lr * grad(theta + mu * v)
        theta = theta + v
        opt.update(params, {"w": grad(params["w"])})
        assert np.allclose(params["w"], theta + mu * v, atol=1e-12)


def test_adagrad():
    lr, eps = 0.1, 1e-7
    w1, w2 = two_steps(optim.AdaGrad(lr))
    h1 = G1 ** 2
    h2 = h1 + G2 ** 2
    assert np.allclose(w1, np.array([1.0, 2.0]) - lr * G1 / (np.sqrt(h1) + eps))
    assert np.allclose(w2, w1 - lr * G2 / (np.sqrt(h2) + eps))


def test_rmsprop_uses_a_moving_average():
    lr, rho, eps = 0.01, 0.9, 1e-7
    w1, w2 = two_steps(optim.RMSProp(lr, decay_rate=rho))
    h1 = (1 - rho) * G1 ** 2
    h2 = rho * h1 + (1 - rho) * G2 ** 2
    assert np.allclose(w1, np.array([1.0, 2.0]) - lr * G1 / (np.sqrt(h1) + eps))
    assert np.allclose(w2, w1 - lr * G2 / (np.sqrt(h2) + eps))


def test_adam_with_bias_correction():
    lr, b1, b2, eps = 0.001, 0.9, 0.999, 1e-8
    w1, w2 = two_steps(optim.Adam(lr, b1, b2))
    # step 1: bias correction makes m̂ = g and v̂ = g², so the step is lr · sign(g)
    assert np.allclose(w1, np.array([1.0, 2.0]) - lr * G1 / (np.abs(G1) + eps))
    m = (1 - b1) * G1
    v = (1 - b2) * G1 ** 2
    m = b1 * m + (1 - b1) * G2
    v = b2 * v + (1 - b2) * G2 ** 2
    m_hat, v_hat = m / (1 - b1 ** 2), v / (1 - b2 ** 2)
    assert np.allclose(w2, w1 - lr * m_hat / (np.sqrt(v_hat) + eps))


def test_state_is_per_parameter_and_arrays_are_updated_in_place():
    opt = optim.Adam(0.01)
    params = {"a": np.zeros(2), "b": np.zeros(3)}
    a_array = params["a"]
    opt.update(params, {"a": np.ones(2), "b": np.ones(3)})
    opt.update({"a": params["a"]}, {"a": np.ones(2)})
    assert params["a"] is a_array
    assert opt.state[("a", "t")] == 2 and opt.state[("b", "t")] == 1


def test_bad_input():
    with pytest.raises(ValueError, match="learning rate lr must be > 0, got -0.1"):
        optim.SGD(-0.1)
    with pytest.raises(ValueError, match=r"grads\['w'\] has shape \(3,\), params\['w'\] has \(2,\)"):
        optim.SGD(0.1).update({"w": np.zeros(2)}, {"w": np.zeros(3)})
    with pytest.raises(ValueError, match=r"no gradient for parameters \['b'\]"):
        optim.SGD(0.1).update({"w": np.zeros(2), "b": np.zeros(1)}, {"w": np.zeros(2)})


def test_schedules():
    step = optim.StepDecay(0.1, step_size=3, gamma=0.5)
    assert [step(e) for e in range(7)] == pytest.approx([0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025])
    expo = optim.ExponentialDecay(0.1, gamma=0.9)
    assert expo(2) == pytest.approx(0.081)
    cosine = optim.CosineDecay(0.1, total_epochs=10, min_lr=0.01)
    assert cosine(0) == pytest.approx(0.1) and cosine(10) == pytest.approx(0.01)
    assert cosine(5) == pytest.approx(0.055)
    assert cosine(20) == pytest.approx(0.01)
    assert all(cosine(e) >= cosine(e + 1) for e in range(10))
    assert math.isclose(cosine(2), 0.01 + 0.09 * (1 + math.cos(math.pi * 0.2)) / 2)
