"""Lecture 05's helpers and widget: the network builder, label flipping, the regularisation grid and its drawing."""
import matplotlib
import numpy as np
import pytest

from dlcourse.data import load_digits
from dlcourse.layers import Dropout
from dlcourse.widgets import overfitting as module
from dlcourse.widgets.overfitting import (GapExplorer, RegularisationGrid, draw_network, flip_labels, mlp,
                                          noise_augmenter)

matplotlib.use("Agg")


def test_mlp_has_the_requested_sizes_and_dropout_only_after_hidden_layers():
    net = mlp((64, 32, 16, 10), dropout=0.25, seed=1)
    kinds = [type(layer).__name__ for layer in net.layers]
    assert kinds == ["Affine", "ReLU", "Dropout", "Affine", "ReLU", "Dropout", "Affine"]
    assert [layer.ratio for layer in net.layers if isinstance(layer, Dropout)] == [0.25, 0.25]
    assert net.count_params() == 64 * 32 + 32 + 32 * 16 + 16 + 16 * 10 + 10
    assert np.array_equal(mlp((4, 3, 2), seed=5).params["0.W"], mlp((4, 3, 2), seed=5).params["0.W"])
    assert "Dropout" not in [type(layer).__name__ for layer in mlp((4, 3, 2)).layers]


def test_flip_labels_changes_exactly_the_fraction_and_never_keeps_the_class():
    t = np.arange(200) % 10
    flipped = flip_labels(t, 0.2, seed=3)
    assert np.sum(flipped != t) == 40
    assert flipped.min() >= 0 and flipped.max() <= 9
    assert np.array_equal(t, np.arange(200) % 10)            # the input is untouched
    assert np.array_equal(flipped, flip_labels(t, 0.2, seed=3))


def test_noise_augmenter():
    assert noise_augmenter(0.0) is None
    xb = np.full((50, 64), 0.5)
    out = noise_augmenter(0.1)(xb, np.random.default_rng(0))
    assert out.shape == xb.shape and 0.08 < out.std() < 0.12 and np.all((out >= 0) & (out <= 1))


@pytest.fixture(scope="module")
def small_grid():
    digits = load_digits()
    X, t = digits.X_train[:80], flip_labels(digits.t_train[:80], 0.2, seed=0)
    return RegularisationGrid(X, t, digits.X_val, digits.t_val, rates=(0.0, 0.5), strengths=(0.0, 0.3),
                              hidden=32, epochs=8, seed=0).run_all()


def test_grid_trains_each_pair_once_and_keeps_it(small_grid):
    assert set(small_grid.histories) == {(0.0, 0.0), (0.0, 0.3), (0.5, 0.0), (0.5, 0.3)}
    history = small_grid.history(0.1, 0.05)                  # the nearest pair: no new training
    assert history is small_grid.histories[(0.0, 0.0)]
    assert len(history.train_acc) == 8
    assert small_grid.table("gap").shape == (2, 2)
    train_acc, val_acc, gap = small_grid.final(0.0, 0.0)
    assert gap == pytest.approx(train_acc - val_acc)
    assert any(isinstance(layer, Dropout) for layer in small_grid.network(0.5, 0.0).layers)


def test_gap_explorer_draws_different_data_for_different_sliders(small_grid):
    demo = GapExplorer(small_grid)
    demo.update(0.0, 0.0)
    left_before = [line.get_ydata().copy() for line in demo.axes[0].get_lines()]
    title_before = demo.axes[0].get_title()
    demo.update(0.5, 0.3)
    left_after = [line.get_ydata().copy() for line in demo.axes[0].get_lines()]
    assert demo.axes[0].get_title() != title_before
    assert not np.allclose(left_before[2], left_after[2])    # the chosen run's training curve
    outline = [p for p in demo.axes[1].patches if not p.get_fill()]
    assert len(outline) == 1 and outline[0].get_xy() == (0.5, 0.5)   # the cell (rate 0.5, std 0.3)


def test_gap_widget_builds_sliders_that_redraw(small_grid, monkeypatch):
    shown = []

    class Handle:
        def update(self, obj):
            shown.append(obj)

    monkeypatch.setattr("IPython.display.display", lambda obj, **kwargs: shown.append(obj) or Handle())
    demo = module.gap_widget(small_grid)
    rate_slider, strength_slider = shown[0].children[0].children
    assert repr(shown[0]).startswith("GapExplorer:")  # a saved notebook shows this line, not a widget repr
    assert type(rate_slider).__name__ == "FloatSlider" and rate_slider.description == "dropout rate"
    assert rate_slider.continuous_update and strength_slider.continuous_update  # the grid is trained: cheap
    count = len(shown)
    rate_slider.value = 0.5
    assert demo.rate == 0.5 and len(shown) == count + 1


def test_draw_network_greys_out_dropped_units():
    fig = matplotlib.figure.Figure()
    ax = fig.subplots()
    draw_network(ax, (2, 4, 1), [np.zeros(2, bool), np.array([True, False, False, True]), np.zeros(1, bool)])
    live = [c for c in ax.collections if len(c.get_offsets()) and c.get_facecolor()[0][3] > 0
            and tuple(c.get_facecolor()[0][:3]) != (1.0, 1.0, 1.0)]
    assert sum(len(c.get_offsets()) for c in live) == 2 + 2 + 1
