"""Lecture 01's loss explorer: the drawing follows the control values; the widget works without a front end."""
import ipywidgets as widgets
import numpy as np
import pytest
from matplotlib.figure import Figure

from dlcourse.widgets.loss_functions import NOTES_LOGITS, LossExplorer, draw, loss_values


def _axes():
    return Figure().subplots(1, 2)


def _bar_heights(ax):
    return np.array([patch.get_height() for patch in ax.patches])


def test_loss_values_of_the_notes_example():
    values = loss_values(NOTES_LOGITS, 2)
    assert values["probabilities"].sum() == pytest.approx(1.0)
    assert np.round(values["probabilities"], 2).tolist() == [0.01, 0.02, 0.9, 0.05, 0.02]
    assert values["cross_entropy"] == pytest.approx(-np.log(values["p_true"]))
    assert values["cross_entropy"] == pytest.approx(0.1025, abs=1e-4)
    assert values["squared_error"] == pytest.approx(0.5 * np.sum((values["probabilities"] - np.eye(5)[2]) ** 2))


def test_draw_gives_different_data_for_different_logits():
    ax_a, ax_b = _axes(), _axes()
    a = draw(ax_a, NOTES_LOGITS, 2)
    b = draw(ax_b, [5.0, 1.3, 0.7, 2.2, 1.1], 2)
    heights_a, heights_b = _bar_heights(ax_a[0]), _bar_heights(ax_b[0])
    assert heights_a.shape == heights_b.shape == (10,)  # 5 probability bars + 5 dashed target bars
    assert not np.allclose(heights_a[:5], heights_b[:5])
    np.testing.assert_allclose(heights_a[:5], a["probabilities"])
    assert b["cross_entropy"] > 3.0 > a["cross_entropy"]
    marker_a = ax_a[1].lines[1].get_data()
    marker_b = ax_b[1].lines[1].get_data()
    assert marker_a[0][0] == pytest.approx(a["p_true"]) and marker_b[0][0] == pytest.approx(b["p_true"])
    assert marker_a[1][0] != pytest.approx(marker_b[1][0])


def test_draw_follows_the_true_class():
    ax_a, ax_b = _axes(), _axes()
    draw(ax_a, NOTES_LOGITS, 2)
    draw(ax_b, NOTES_LOGITS, 0)
    # the dashed one-hot target moves, the probabilities stay
    np.testing.assert_allclose(_bar_heights(ax_a[0])[:5], _bar_heights(ax_b[0])[:5])
    assert _bar_heights(ax_a[0])[5:].tolist() == [0, 0, 1, 0, 0]
    assert _bar_heights(ax_b[0])[5:].tolist() == [1, 0, 0, 0, 0]


def test_draw_rejects_a_bad_target():
    with pytest.raises(ValueError, match=r"target must be a class index in \[0, 4\], got 7"):
        draw(_axes(), NOTES_LOGITS, 7)


def test_explorer_builds_without_front_end_and_follows_its_sliders():
    explorer = LossExplorer()
    assert isinstance(explorer.ui, widgets.VBox)
    assert [s.description for s in explorer.sliders] == [f"logit z{k}" for k in range(1, 6)]
    assert all(isinstance(s, widgets.FloatSlider) and not s.continuous_update for s in explorer.sliders)
    assert explorer.target.value == 2
    before_text, before_ce = explorer.readout.value, explorer.values["cross_entropy"]
    before_bars = _bar_heights(explorer.axes[0])

    explorer.sliders[0].value = 8.0  # a wrong class becomes the most likely one
    assert explorer.values["cross_entropy"] > before_ce + 2
    assert explorer.readout.value != before_text
    assert not np.allclose(_bar_heights(explorer.axes[0]), before_bars)

    explorer.target.value = 0
    assert explorer.values["p_true"] > 0.9
    assert explorer.png().data[:8] == b"\x89PNG\r\n\x1a\n"
    assert "LossExplorer" in repr(explorer.ui)


def test_explorer_show_outside_a_notebook(capsys):
    explorer = LossExplorer().show()
    assert "LossExplorer" in capsys.readouterr().out
    explorer.sliders[2].value = -1.0  # no display handle outside a notebook: updating must still work
    assert explorer.values["p_true"] < 0.1
