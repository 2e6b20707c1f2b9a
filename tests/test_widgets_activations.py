"""Lecture 04's deep-network measurements: construction, per-layer gradient norms, the drawing, the demo."""
import matplotlib.pyplot as plt
import numpy as np
import pytest

from dlcourse.data import load_digits
from dlcourse.gradcheck import numerical_gradient, rel_error
from dlcourse.layers import Affine, Sigmoid
from dlcourse.widgets.activations import (ACTIVATIONS, INITS, DepthExplorer, deep_network, draw_gradient_norms,
                                          layer_statistics)


@pytest.fixture(scope="module")
def batch():
    digits = load_digits()
    return digits.X_train[:128], digits.t_train[:128]


def test_deep_network_layout_and_initialisation():
    net = deep_network("sigmoid", depth=8, init="He", width=64, seed=1)
    affines = [layer for layer in net.layers if isinstance(layer, Affine)]
    assert len(affines) == 9 and sum(isinstance(layer, Sigmoid) for layer in net.layers) == 8
    assert affines[0].params["W"].shape == (64, 64) and affines[-1].params["W"].shape == (64, 10)
    assert np.std(affines[3].params["W"]) == pytest.approx(np.sqrt(2 / 64), rel=0.05)
    again = deep_network("sigmoid", depth=8, init="He", width=64, seed=1)
    assert np.array_equal(again.params["0.W"], net.params["0.W"])  # seeded


def test_bad_choices_are_reported():
    with pytest.raises(ValueError, match="activation must be one of"):
        deep_network("softplus")
    with pytest.raises(ValueError, match="init must be one of"):
        deep_network(init="LeCun")


def test_gradient_norms_are_the_norms_of_true_gradients(batch):
    X, t = batch[0][:8], batch[1][:8]
    net = deep_network("tanh", depth=3, init="Xavier", width=6, seed=0)
    stats = layer_statistics(net, X, t)
    W = net.layers[0].params["W"]
    numeric = numerical_gradient(lambda _: net.loss(X, t), W)
    assert rel_error(net.layers[0].grads["W"], numeric) < 1e-6
    assert stats["grad_norms"][0] == pytest.approx(np.linalg.norm(numeric), rel=1e-6)
    assert len(stats["activations"]) == 3 and stats["activations"][0].shape == (8, 6)


def test_sigmoid_gradients_vanish_and_relu_he_keeps_them(batch):
    sigmoid = layer_statistics(deep_network("sigmoid", 10, "Xavier"), *batch)["grad_norms"]
    relu = layer_statistics(deep_network("ReLU", 10, "He"), *batch)["grad_norms"]
    assert sigmoid[0] / sigmoid[-1] < 1e-4  # each sigmoid layer multiplies by at most 0.25
    assert relu[0] / relu[-1] > 0.1
    sigmoid_activations = layer_statistics(deep_network("sigmoid", 10, "std 1"), *batch)["activations"]
    saturated = np.mean((sigmoid_activations[-1] < 0.05) | (sigmoid_activations[-1] > 0.95))
    assert saturated > 0.4  # std-1 weights push the sigmoid to its flat ends


def test_drawing_changes_with_the_controls(batch):
    fig, axes = plt.subplots(1, 2)
    draw_gradient_norms(axes, *batch, activation="sigmoid", depth=8, init="Xavier")
    first = axes[0].lines[0].get_ydata().copy()
    draw_gradient_norms(axes, *batch, activation="ReLU", depth=8, init="He")
    second = axes[0].lines[0].get_ydata()
    assert len(axes[0].lines) == 1 and not np.allclose(first, second)
    draw_gradient_norms(axes, *batch, activation="ReLU", depth=12, init="He")
    assert len(axes[0].lines[0].get_ydata()) == 13
    plt.close(fig)


def test_demo_builds_controls_and_redraws_one_figure(batch):
    import ipywidgets as widgets

    demo = DepthExplorer(*batch)
    assert repr(demo.ui).startswith("DepthExplorer:")  # a saved notebook shows this line, not a widget repr
    activation, depth, init = demo.ui.children[0].children
    assert isinstance(depth, widgets.IntSlider) and not depth.continuous_update
    assert list(activation.options) == list(ACTIVATIONS) and list(init.options) == list(INITS)
    depth.value = 4
    activation.value = "ReLU"
    expected = layer_statistics(deep_network("ReLU", 4, "Xavier"), *batch)["grad_norms"]
    np.testing.assert_allclose(demo.stats["grad_norms"], expected, rtol=1e-10)
    assert demo.axes[0].get_lines()[0].get_ydata().tolist() == pytest.approx(expected.tolist(), rel=1e-10)
    assert len(demo.axes[0].get_lines()) == 1 and demo.axes[0].get_title().startswith("ReLU, 4 hidden layers")
    assert demo.live.redraws == 3 and len(demo.figure.axes) == 2  # one figure, redrawn in place
