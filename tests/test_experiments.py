"""The lectures' experiment helpers: several seeds side by side equal one training each; the ravine of lecture 06."""
import warnings

import numpy as np
import pytest

from dlcourse import data
from dlcourse.experiments import fit_one_hidden_layer, train_seeds
from dlcourse.gradcheck import numerical_gradient
from dlcourse.layers import Affine, BatchNorm, LeakyReLU, ReLU, Sigmoid, SoftmaxWithLoss
from dlcourse.network import Sequential
from dlcourse.optim import SGD, Adam
from dlcourse.ravine import LEARNING_RATE_GRID, final_value, ravine, tune_learning_rate
from dlcourse.seeds import Run, train_runs
from dlcourse.training import train
from dlcourse.widgets.overfitting import mlp


@pytest.fixture(scope="module")
def digits():
    split = data.load_digits()
    return split.X_train[:120], split.t_train[:120], split.X_val[:60], split.t_val[:60]


def test_runs_side_by_side_equal_one_training_each(digits):
    X, t, X_val, t_val = digits
    runs = [Run(seed=0), Run(seed=1, dropout=0.25), Run(seed=2, weight_decay=0.01, curves=False, last=2)]
    together = train_runs((64, 16, 10), runs, X, t, X_val, t_val, epochs=3, batch_size=20, lr=0.1)
    for run, (history, net) in zip(runs[:2], together):  # weight decay has no counterpart in train()
        alone = mlp((64, 16, 10), dropout=run.dropout, seed=run.seed)
        expected = train(alone, SGD(0.1), X, t, X_val, t_val, epochs=3, batch_size=20, seed=run.seed, progress=False)
        np.testing.assert_allclose(history["val_loss"], expected["val_loss"], rtol=1e-10)
        np.testing.assert_allclose(history["train_acc"], expected["train_acc"], rtol=1e-10)
        for mine, theirs in zip(net.layers, alone.layers):
            for name in mine.params:
                np.testing.assert_allclose(mine.params[name], theirs.params[name], rtol=1e-9, atol=1e-12)
    assert len(together[2][0]["val_acc"]) == 2  # only the last two epochs measured


def test_a_run_with_its_own_learning_rate_equals_a_training_at_that_rate(digits):
    X, t, X_val, t_val = digits
    runs = [Run(seed=0, lr=0.02), Run(seed=1), Run(seed=2, lr=0.3, weight_decay=0.001)]
    together = train_runs((64, 16, 10), runs, X, t, X_val, t_val, epochs=3, batch_size=20, lr=0.1)
    for run, (history, _) in zip(runs, together):
        (alone, _), = train_runs((64, 16, 10), [Run(seed=run.seed, weight_decay=run.weight_decay)], X, t, X_val,
                                 t_val, epochs=3, batch_size=20, lr=0.1 if run.lr is None else run.lr)
        np.testing.assert_allclose(history["val_loss"], alone["val_loss"], rtol=1e-10)


def test_seeds_are_independent_of_each_other(digits):
    X, t, X_val, t_val = digits
    stds = [np.sqrt(2 / 64), np.sqrt(1 / 16)]
    both = train_seeds([64, 16, 10], "ReLU", stds, X, t, X_val, t_val, seeds=[3, 4], epochs=2)
    alone = train_seeds([64, 16, 10], "ReLU", stds, X, t, X_val, t_val, seeds=[4], epochs=2)
    np.testing.assert_allclose(both.weights[0][1], alone.weights[0][0], rtol=1e-12)
    np.testing.assert_allclose(both.val_accuracy[1], alone.val_accuracy[0])
    assert both.val_accuracy.shape == (2, 2) and both.train_accuracy.shape == (2,)


def test_one_step_of_train_seeds_is_backpropagation(digits):
    X, t, _, _ = digits
    stds = [0.5, 0.5]
    start = train_seeds([64, 8, 10], "sigmoid", stds, X[:10], t[:10], seeds=[7], epochs=0)
    stepped = train_seeds([64, 8, 10], "sigmoid", stds, X[:10], t[:10], seeds=[7], epochs=1, batch_size=10,
                          learning_rate=1.0)
    # the same network with the library's layers, and the same shuffled batch (order does not change the mean)
    net = Sequential([Affine(start.weights[0][0].copy(), np.zeros(8)), Sigmoid(),
                      Affine(start.weights[1][0].copy(), np.zeros(10))], loss=SoftmaxWithLoss())
    net.loss(X[:10], t[:10])
    net.backward()
    np.testing.assert_allclose(start.weights[0][0] - stepped.weights[0][0], net.layers[0].grads["W"], rtol=1e-9)


def test_train_seeds_says_what_it_expects(digits):
    X, t, _, _ = digits
    with pytest.raises(ValueError, match="activation must be one of"):
        train_seeds([64, 10], "softplus", [0.1], X, t)
    with pytest.raises(ValueError, match="2 layers need 2 stds, got 1"):
        train_seeds([64, 8, 10], "ReLU", [0.1], X, t)


def test_the_ravine_has_the_condition_number_it_says():
    surface = ravine(condition_number=100.0, angle=30.0)
    assert np.allclose(sorted(np.linalg.eigvalsh(surface.hessian)), [0.02, 2.0])
    w = np.array(surface.start)
    numerical = numerical_gradient(lambda v: float(surface.f(v)), w.copy())
    np.testing.assert_allclose(surface.grad(w), numerical, rtol=1e-6)
    assert surface.f(np.zeros(2)) == 0.0


def test_tuning_picks_a_stable_rate_and_rejects_diverging_ones():
    surface = ravine(condition_number=100.0)
    assert final_value(surface, "SGD", 1.3, steps=100) == np.inf  # above 2 / λmax = 1 plain SGD diverges
    best, results = tune_learning_rate(surface, "SGD", steps=100)
    assert best < 1.0 and results[best] == min(results.values()) and best in LEARNING_RATE_GRID
    assert np.isfinite(results[best])


@pytest.mark.parametrize("activation, layer", [("sigmoid", Sigmoid), ("Leaky ReLU", lambda: LeakyReLU(0.1))])
def test_train_seeds_with_batchnorm_is_sequential_with_batchnorm_layers(digits, activation, layer):
    X, t, X_val, t_val = digits
    sizes, stds = [64, 16, 12, 10], [0.3, 0.4, 0.5]
    runs = train_seeds(sizes, activation, stds, X, t, X_val, t_val, seeds=[3], epochs=3, batch_size=20,
                       learning_rate=0.5, batchnorm=True)
    rng = np.random.default_rng(3)
    W1, W2, W3 = [rng.standard_normal((m, n)) * std for m, n, std in zip(sizes[:-1], sizes[1:], stds)]
    net = Sequential([Affine(W1, np.zeros(16)), BatchNorm(np.ones(16), np.zeros(16)), layer(),
                      Affine(W2, np.zeros(12)), BatchNorm(np.ones(12), np.zeros(12)), layer(),
                      Affine(W3, np.zeros(10))])
    history = train(net, SGD(0.5), X, t, X_val, t_val, epochs=3, batch_size=20, seed=3, progress=False)
    np.testing.assert_allclose(runs.val_accuracy[0], history["val_acc"])
    np.testing.assert_allclose(runs.train_loss[0], history["step_loss"], rtol=1e-10)
    np.testing.assert_allclose(runs.weights[0][0], net.layers[0].params["W"], rtol=1e-9, atol=1e-12)
    for norm, batchnorm in zip(runs.batchnorm, (net.layers[1], net.layers[4])):
        np.testing.assert_allclose(norm.gamma[0, 0], batchnorm.params["gamma"], rtol=1e-9)
        np.testing.assert_allclose(norm.beta[0, 0], batchnorm.params["beta"], rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(norm.running_mean[0, 0], batchnorm.running_mean, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(norm.running_var[0, 0], batchnorm.running_var, rtol=1e-9)
    assert runs.val_accuracy[0, -1] > 0.3      # it learned something: 10 classes, chance is 0.1


def test_a_diverging_seed_stops_quietly_and_leaves_the_others_alone(digits):
    X, t, _, _ = digits
    sizes, stds = [64, 100, 100, 10], [np.sqrt(2 / 64), np.sqrt(2 / 100), np.sqrt(1 / 100)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")          # no overflow warning reaches a notebook
        runs = train_seeds(sizes, "Leaky ReLU", stds, X, t, seeds=[0, 1], epochs=3, learning_rate=2.0)
    finite = np.isfinite(runs.train_loss)
    assert runs.train_loss.shape == (2, 3 * 4) and finite[0].all() and not finite[1, -1]
    assert np.all(np.isinf(runs.train_loss[1][np.argmin(finite[1]):]))   # once diverged, always inf
    alone = train_seeds(sizes, "Leaky ReLU", stds, X, t, seeds=[0], epochs=3, learning_rate=2.0)
    np.testing.assert_allclose(runs.train_loss[0], alone.train_loss[0], rtol=1e-12)
    np.testing.assert_allclose(runs.weights[0][0], alone.weights[0][0], rtol=1e-12)


def test_fit_one_hidden_layer_is_sequential_with_adam():
    x = np.linspace(-1, 1, 40)[:, None]
    t = np.sin(3 * x)
    fits = fit_one_hidden_layer(x, t, width=8, seeds=[2, 5], steps=50, learning_rate=0.01)
    rng = np.random.default_rng(5)
    W1 = rng.standard_normal((1, 8)) * np.sqrt(2.0)
    b1 = -rng.uniform(-1.0, 1.0, 8) * W1[0]
    net = Sequential([Affine(W1, b1), ReLU(), Affine(rng.standard_normal((8, 1)) * np.sqrt(1 / 8), np.zeros(1))])
    optimizer = Adam(0.01)
    for _ in range(50):
        dout = (net.forward(x) - t) / len(x)
        for layer in reversed(net.layers):
            dout = layer.backward(dout)
        optimizer.update(net.params, net.grads)
    np.testing.assert_allclose(fits.predict(x)[1], net.forward(x), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(fits.rms_error[1], np.sqrt(np.mean((net.forward(x) - t) ** 2)), rtol=1e-9)


def test_fit_one_hidden_layer_fits_better_with_more_units_and_checks_shapes():
    x = np.linspace(-1, 1, 100)[:, None]
    t = np.sin(3 * x) + 0.5 * np.sin(8 * x)
    errors = [fit_one_hidden_layer(x, t, width, steps=300).rms_error.mean() for width in (1, 8, 32)]
    assert errors[0] > 0.4 and errors[0] > errors[1] > errors[2] and errors[2] < 0.15
    with pytest.raises(ValueError, match=r"x and t must both be \(N, 1\), got x \(100,\) and t \(100, 1\)"):
        fit_one_hidden_layer(x[:, 0], t, width=4)
    with pytest.raises(ValueError, match="activation must be one of"):
        fit_one_hidden_layer(x, t, width=4, activation="softplus")
