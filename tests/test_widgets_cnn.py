"""Lecture 07's filter explorer: the feature map follows the chosen filter and image; the widget works without a
front end."""
import ipywidgets as widgets
import numpy as np
import pytest
from matplotlib.figure import Figure

from dlcourse.widgets.cnn import CLASSIC_FILTERS, FilterExplorer, draw, feature_map


def _loop_convolution(image, kernel):
    k = kernel.shape[0] // 2
    padded = np.pad(image, k)
    return np.array([[np.sum(padded[i:i + kernel.shape[0], j:j + kernel.shape[1]] * kernel)
                      for j in range(image.shape[1])] for i in range(image.shape[0])])


def test_feature_map_is_a_same_size_cross_correlation():
    rng = np.random.default_rng(0)
    image, kernel = rng.uniform(size=(7, 9)), rng.normal(size=(3, 3))
    fmap = feature_map(image, kernel)
    assert fmap.shape == image.shape
    np.testing.assert_allclose(fmap, _loop_convolution(image, kernel))
    np.testing.assert_allclose(feature_map(image, rng.normal(size=(5, 5))).shape, (7, 9))
    with pytest.raises(ValueError, match="odd size"):
        feature_map(image, np.ones((2, 2)))
    with pytest.raises(ValueError, match="grey image"):
        feature_map(np.zeros((2, 4, 4)), np.ones((3, 3)))


def test_classic_filters_respond_to_their_edges():
    image = np.zeros((8, 8))
    image[:, 4:] = 1.0                       # a vertical edge
    vertical = feature_map(image, CLASSIC_FILTERS["vertical edges (Sobel x)"])
    horizontal = feature_map(image, CLASSIC_FILTERS["horizontal edges (Sobel y)"])
    assert vertical[2:6, 3:5].min() == 4.0   # strong response along the edge
    assert np.abs(horizontal[1:-1]).max() == 0.0  # none inside the image (only at the zero-padded border)
    np.testing.assert_allclose(feature_map(np.ones((5, 5)), CLASSIC_FILTERS["blur (3×3 mean)"])[2, 2], 1.0)


def test_draw_changes_with_the_filter_and_the_image():
    rng = np.random.default_rng(1)
    images = [rng.uniform(size=(8, 8)), rng.uniform(size=(8, 8))]
    axes_a, axes_b, axes_c = (Figure().subplots(1, 3) for _ in range(3))
    a = draw(axes_a, images[0], CLASSIC_FILTERS["vertical edges (Sobel x)"])
    b = draw(axes_b, images[0], CLASSIC_FILTERS["blur (3×3 mean)"])
    c = draw(axes_c, images[1], CLASSIC_FILTERS["vertical edges (Sobel x)"])
    shown = [np.asarray(axes[2].images[0].get_array()) for axes in (axes_a, axes_b, axes_c)]
    np.testing.assert_allclose(shown[0], a)
    assert not np.allclose(shown[0], shown[1]) and not np.allclose(shown[0], shown[2])
    assert not np.allclose(a, b) and not np.allclose(a, c)
    np.testing.assert_allclose(np.asarray(axes_b[1].images[0].get_array()), CLASSIC_FILTERS["blur (3×3 mean)"])


def test_explorer_builds_without_front_end_and_follows_its_controls():
    rng = np.random.default_rng(2)
    learned = {"learned filter 0": rng.normal(size=(3, 3))}
    explorer = FilterExplorer([rng.uniform(size=(8, 8)), rng.uniform(size=(20, 30))], ["digit", "photo"],
                              filters={**CLASSIC_FILTERS, **learned})
    assert isinstance(explorer.filter, widgets.Dropdown) and isinstance(explorer.image, widgets.IntSlider)
    assert explorer.image.description == "image" and not explorer.image.continuous_update
    assert explorer.filter.description == "filter" and "learned filter 0" in explorer.filter.options
    before = explorer.fmap.copy()
    explorer.filter.value = "learned filter 0"
    assert not np.allclose(explorer.fmap, before)
    np.testing.assert_allclose(explorer.fmap, feature_map(explorer.images[0], learned["learned filter 0"]))
    explorer.image.value = 1
    assert explorer.fmap.shape == (20, 30)
    assert explorer.axes[0].get_title() == "photo"
    assert explorer.png().data[:8] == b"\x89PNG\r\n\x1a\n"
    assert "FilterExplorer" in repr(explorer.ui)


def test_explorer_show_outside_a_notebook(capsys):
    explorer = FilterExplorer([np.eye(6)]).show()
    assert "FilterExplorer" in capsys.readouterr().out
    explorer.filter.value = "sharpen"  # no display handle outside a notebook: updating must still work
    np.testing.assert_allclose(explorer.fmap, feature_map(np.eye(6), CLASSIC_FILTERS["sharpen"]))


def test_draw_again_on_its_own_axes_gives_a_fresh_drawing():
    """The explorer draws over its last drawing without clearing the Axes: the picture equals one on new Axes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    rng = np.random.default_rng(0)
    big, small = rng.random((20, 30)), rng.random((8, 8))
    reused, fresh = Figure(), Figure()
    axes = reused.subplots(1, 3)
    draw(axes, big, CLASSIC_FILTERS["sharpen"])
    FigureCanvasAgg(reused).draw()
    ticks = axes[0].xaxis.majorTicks
    draw(axes, small, CLASSIC_FILTERS["blur (3×3 mean)"], image_title="small")
    draw(fresh.subplots(1, 3), small, CLASSIC_FILTERS["blur (3×3 mean)"], image_title="small")
    assert axes[0].xaxis.majorTicks is ticks  # the Axes was not cleared
    assert [len(ax.images) for ax in axes] == [1, 1, 1] and len(axes[1].texts) == 9
    pictures = []
    for figure in (reused, fresh):
        FigureCanvasAgg(figure).draw()
        pictures.append(np.asarray(figure.canvas.buffer_rgba()).copy())
    assert np.array_equal(pictures[0], pictures[1])
