"""Lecture 08's explorers: HOG cells and bins, hue bins; the drawing follows the control values."""
import ipywidgets as widgets
import numpy as np
import pytest
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure

from dlcourse import features
from dlcourse.widgets.image_features import HOGExplorer, HueExplorer, draw_hog_demo, draw_hue_demo


def _bars(ax):
    return np.array([patch.get_height() for patch in ax.patches if hasattr(patch, "get_height")])


def _image():
    rng = np.random.default_rng(0)
    image = np.zeros((32, 48))
    image[:, 20:] = 1.0
    image[16:, :] += 0.5
    return image + 0.05 * rng.uniform(size=image.shape)


def test_draw_hog_demo_follows_cell_size_and_bins():
    axes_a, axes_b = Figure().subplots(1, 2), Figure().subplots(1, 2)
    a = draw_hog_demo(axes_a, _image(), cell_size=8, n_bins=9)
    b = draw_hog_demo(axes_b, _image(), cell_size=16, n_bins=4)
    assert a.shape == (4, 6, 9) and b.shape == (2, 3, 4)
    np.testing.assert_allclose(a, features.hog_cell_histograms(_image(), 8, 9))
    segments_a = [c for c in axes_a[0].collections if isinstance(c, LineCollection)][0].get_segments()
    segments_b = [c for c in axes_b[0].collections if isinstance(c, LineCollection)][0].get_segments()
    assert len(segments_a) == 24 and len(segments_b) == 6
    assert len(_bars(axes_a[1])) == 9 and len(_bars(axes_b[1])) == 4
    strongest = np.unravel_index(a.sum(axis=-1).argmax(), a.shape[:2])
    np.testing.assert_allclose(sorted(_bars(axes_a[1])), sorted(a[strongest]))
    with pytest.raises(ValueError, match="does not fit"):
        draw_hog_demo(Figure().subplots(1, 2), np.zeros((8, 8)), cell_size=16)


def test_draw_hue_demo_follows_the_bins():
    rng = np.random.default_rng(1)
    image = rng.uniform(size=(10, 12, 3))
    axes_a, axes_b = Figure().subplots(1, 2), Figure().subplots(1, 2)
    a = draw_hue_demo(axes_a, image, 12)
    b = draw_hue_demo(axes_b, image, 5)
    np.testing.assert_allclose(_bars(axes_a[1]), a)
    np.testing.assert_allclose(_bars(axes_b[1]), b)
    np.testing.assert_allclose(a, features.hue_histogram(image, 12))
    assert len(a) == 12 and len(b) == 5 and a.sum() == pytest.approx(1.0) == b.sum()


def test_hog_explorer_without_front_end():
    explorer = HOGExplorer(_image(), cell_size=8, n_bins=9)
    sliders = (explorer.cell_size, explorer.n_bins)
    assert all(isinstance(s, widgets.IntSlider) and not s.continuous_update for s in sliders)
    assert explorer.cell_size.description == "cell size"
    assert explorer.result.shape == (4, 6, 9)
    explorer.cell_size.value = 16
    assert explorer.result.shape == (2, 3, 9)
    explorer.n_bins.value = 6
    assert explorer.result.shape == (2, 3, 6)
    assert explorer.png().data[:8] == b"\x89PNG\r\n\x1a\n"
    assert "HOGExplorer" in repr(explorer.ui)


def test_hue_explorer_without_front_end(capsys):
    rng = np.random.default_rng(2)
    photos = {"a": rng.uniform(size=(6, 6, 3)), "b": np.tile([0.2, 0.8, 0.3], (6, 6, 1))}
    explorer = HueExplorer(photos, n_bins=12).show()
    assert "HueExplorer" in capsys.readouterr().out
    assert isinstance(explorer.photo, widgets.Dropdown) and explorer.n_bins.description == "hue bins"
    before = explorer.result.copy()
    explorer.photo.value = "b"
    assert explorer.result[4] == pytest.approx(1.0) and not np.allclose(explorer.result, before)
    explorer.n_bins.value = 3
    assert explorer.result.tolist() == [0.0, 1.0, 0.0]
