"""The Sequential network and the training loop, on the real digits."""
import time

import numpy as np
import pytest

from dlcourse import Sequential, data, optim, train
from dlcourse.gradcheck import numerical_gradient, rel_error
from dlcourse.layers import Affine, Conv2d, Dropout, Flatten, MaxPool2d, ReLU


def he(rng, shape, fan_in):
    return rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)


def mlp(seed=0, hidden=100):
    rng = np.random.default_rng(seed)
    return Sequential([Affine(he(rng, (64, hidden), 64), np.zeros(hidden)), ReLU(),
                       Affine(he(rng, (hidden, 10), hidden), np.zeros(10))])


def test_sequential_exposes_the_layers_arrays_and_gradients_check():
    rng = np.random.default_rng(1)
    net = Sequential([Affine(rng.standard_normal((4, 5)), rng.standard_normal(5)), ReLU(),
                      Dropout(0.5, seed=0), Affine(rng.standard_normal((5, 3)), rng.standard_normal(3))])
    assert list(net.params) == ["0.W", "0.b", "3.W", "3.b"]
    assert net.params["0.W"] is net.layers[0].params["W"]
    x, t = rng.standard_normal((6, 4)), rng.integers(0, 3, size=6)
    net.loss(x, t, train=False)
    net.backward()
    grads = {k: v.copy() for k, v in net.grads.items()}
    for key, value in net.params.items():
        numeric = numerical_gradient(lambda _: net.loss(x, t, train=False), value)
        assert rel_error(grads[key], numeric) < 1e-7, key
    assert net.count_params() == 4 * 5 + 5 + 5 * 3 + 3


def test_two_layer_network_reaches_97_percent_on_the_digits():
    split = data.load_digits()
    net = mlp()
    start = time.perf_counter()
    history = train(net, optim.Adam(0.01), split.X_train, split.t_train, split.X_val, split.t_val, epochs=30,
                    batch_size=64, progress=False)
    assert time.perf_counter() - start < 20
    assert net.accuracy(split.X_test, split.t_test) >= 0.97
    assert len(history.train_loss) == 30 and history.train_loss[-1] < history.train_loss[0]
    assert history.stopped is None


def test_small_cnn_reaches_98_percent_on_the_digits():
    """The lecture-07 CNN (6,090 weights), trained as in the lecture on training + validation digits."""
    split = data.load_digits(images=True)
    X_fit, t_fit = np.concatenate([split.X_train, split.X_val]), np.concatenate([split.t_train, split.t_val])
    rng = np.random.default_rng(1)
    net = Sequential([Conv2d(he(rng, (16, 1, 3, 3), 9), np.zeros(16), pad=1), ReLU(), MaxPool2d(2, 2),
                      Conv2d(he(rng, (32, 16, 3, 3), 144), np.zeros(32), pad=1), ReLU(), MaxPool2d(2, 2),
                      Flatten(), Affine(he(rng, (128, 10), 128), np.zeros(10))])
    train(net, optim.Adam(0.005), X_fit, t_fit, epochs=20, batch_size=64, seed=1,
          schedule=optim.CosineDecay(0.005, 20), progress=False)
    assert net.accuracy(split.X_test, split.t_test) >= 0.98


def test_training_is_reproducible_with_a_seed():
    split = data.load_digits()
    runs = [train(mlp(), optim.SGD(0.1), split.X_train, split.t_train, epochs=2, progress=False, seed=5).train_loss
            for _ in range(2)]
    assert runs[0] == runs[1]


def test_divergence_stops_with_epoch_step_and_cause(capsys):
    split = data.load_digits()
    history = train(mlp(), optim.SGD(1e200), split.X_train, split.t_train, epochs=5, progress=False)
    assert history.stopped is not None
    assert history.stopped.startswith("Training stopped: the loss became ")
    assert "at epoch 1, step " in history.stopped
    assert "learning rate (lr=1e+200) is too large" in history.stopped
    assert history.stopped in capsys.readouterr().out
    X_bad = split.X_train.copy()
    X_bad[5, 3] = np.nan
    with pytest.raises(ValueError, match=r"X_train contains NaN or inf \(first at index \(5, 3\)\)"):
        train(mlp(), optim.SGD(0.1), X_bad, split.t_train, epochs=1, progress=False)

    def poison(xb, generator):  # an augmentation that breaks the data mid-training
        return xb * np.nan

    history = train(mlp(), optim.SGD(0.1), split.X_train, split.t_train, epochs=1, progress=False, augment=poison)
    assert "epoch 1, step 1" in history.stopped and "input batch contains NaN or inf" in history.stopped


def test_schedule_and_augment_are_applied():
    split = data.load_digits(images=True)
    rng = np.random.default_rng(0)
    net = Sequential([Flatten(), Affine(he(rng, (64, 10), 64), np.zeros(10))])
    seen = []

    def augment(xb, generator):
        seen.append(xb.shape)
        return data.random_shift(xb, 1, rng=generator)

    history = train(net, optim.SGD(0.1), split.X_train, split.t_train, epochs=3, batch_size=500, progress=False,
                    schedule=optim.StepDecay(0.1, 1, 0.5), augment=augment)
    assert history.lr == pytest.approx([0.1, 0.05, 0.025])
    assert len(seen) == 9


def test_bad_training_input():
    with pytest.raises(ValueError, match="X_train has 3 samples but t_train has 2"):
        train(mlp(), optim.SGD(0.1), np.zeros((3, 64)), np.zeros(2, dtype=int), progress=False)
    with pytest.raises(ValueError, match="give both X_val and t_val"):
        train(mlp(), optim.SGD(0.1), np.zeros((3, 64)), np.zeros(3, dtype=int), X_val=np.zeros((1, 64)),
              progress=False)
