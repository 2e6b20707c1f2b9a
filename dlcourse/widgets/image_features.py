"""Lecture 08's demos: HOG with a chosen cell size and number of orientation bins; a hue histogram with a
chosen number of bins.

``draw_hog_demo(axes, image, cell_size, n_bins)`` and ``draw_hue_demo(axes, image, n_bins)`` are plain
functions of the control values (tests call them directly). ``HOGExplorer`` and ``HueExplorer`` read their
IntSliders (and a Dropdown for the photograph) and call them; ``hog_explorer()`` / ``hue_explorer()`` show
the controls and the figure of their initial state (a normal PNG output, so a saved notebook keeps it).
"""

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from ..features import draw_hog, hog_cell_histograms, hue_colours, hue_histogram
from . import LiveFigure, coalesced, panel, show_demo


def draw_hog_demo(axes, image, cell_size=8, n_bins=9, cell=None, again=False):
    """Left: the grey image with every cell's dominant edge; right: the orientation histogram of one cell.

    image: (H, W) grey. ``cell`` = (row, column) of the cell whose histogram is shown (by default the cell
    with the strongest gradients). Returns the cell histograms (H // cell_size, W // cell_size, n_bins).
    ``again``: the axes already show this demo for this image; only the edges, the square, the bars and the titles
    are replaced (no Axes is cleared, so no tick is made again).
    """
    ax_image, ax_hist = axes
    histograms = hog_cell_histograms(image, cell_size, n_bins)
    if histograms.size == 0:
        raise ValueError(f"draw_hog_demo: a cell of {cell_size} pixels does not fit the image {np.shape(image)}")
    if cell is None:
        cell = np.unravel_index(histograms.sum(axis=-1).argmax(), histograms.shape[:2])
    i, j = (int(v) for v in cell)
    if again:
        for artist in (*ax_image.images, *ax_image.collections, *ax_image.patches, *ax_hist.patches):
            artist.remove()
    else:
        ax_image.clear()
        ax_hist.clear()
    draw_hog(ax_image, image, histograms, cell_size)
    ax_image.add_patch(_square(j * cell_size - 0.5, i * cell_size - 0.5, cell_size))
    rows, cols = histograms.shape[:2]
    ax_image.set_title(f"dominant edge of each of the {rows}×{cols} cells of {cell_size}×{cell_size} pixels",
                       fontsize=10)
    width = 180.0 / n_bins
    centres = (np.arange(n_bins) + 0.5) * width
    ax_hist.bar(centres, histograms[i, j], width=width * 0.9, color="tab:red")
    if again:
        ax_hist.relim()
        ax_hist.autoscale_view()
    else:
        ax_hist.set_xlim(0, 180)
        ax_hist.set_xticks(np.arange(0, 181, 45))
        ax_hist.set_xlabel("gradient orientation (degrees, mod 180)")
        ax_hist.set_ylabel("sum of gradient magnitudes")
    ax_hist.set_title(f"histogram of cell ({i}, {j}) (yellow square), {n_bins} bins", fontsize=10)
    return histograms


def _square(x, y, size):
    from matplotlib.patches import Rectangle

    return Rectangle((x, y), size, size, fill=False, edgecolor="gold", linewidth=2)


def draw_hue_demo(axes, image, n_bins=12, min_saturation=0.0, again=False):
    """Left: the colour image; right: its hue histogram, every bar in the colour of its bin. Returns the histogram.

    ``again``: the axes already show this demo for this image; only the bars and the title are replaced (the image
    stays, no Axes is cleared, so no tick is made again).
    """
    ax_image, ax_hist = axes
    histogram = hue_histogram(image, n_bins, min_saturation=min_saturation)
    if again:
        for bar in ax_hist.patches:
            bar.remove()
    else:
        ax_image.clear()
        ax_image.imshow(np.clip(image, 0, 1))
        ax_image.set_xticks([])
        ax_image.set_yticks([])
        ax_hist.clear()
    centres = (np.arange(n_bins) + 0.5) * 360.0 / n_bins
    ax_hist.bar(centres, histogram, width=360.0 / n_bins * 0.9, color=hue_colours(n_bins), edgecolor="black",
                linewidth=0.5)
    if again:
        ax_hist.relim()
        ax_hist.autoscale_view()
    else:
        ax_hist.set_xlim(0, 360)
        ax_hist.set_xticks(np.arange(0, 361, 60))
        ax_hist.set_xlabel("hue (degrees): 0 red, 120 green, 240 blue")
        ax_hist.set_ylabel("fraction of the pixels")
    top = int(histogram.argmax())
    ax_hist.set_title(f"{n_bins} hue bins; the largest: {top * 360 / n_bins:.0f}–{(top + 1) * 360 / n_bins:.0f}° "
                      f"with {histogram[top]:.0%} of the pixels", fontsize=10)
    return histogram


def _bars_and_y_axis(ax):
    """What a new histogram changes on its Axes: the bars, the spines drawn over them, the y axis and the title."""
    return [*ax.patches, *ax.spines.values(), ax.yaxis, ax.title]


class _Explorer:
    """The machinery shared by both explorers: a figure, controls, a PNG output replaced on every change."""

    figsize = (10, 3.6)

    def _setup(self, controls, text, width_ratios):
        self.figure = Figure(figsize=self.figsize, layout="constrained")
        self.axes = self.figure.subplots(1, 2, width_ratios=width_ratios)
        self.ui = panel([widgets.HBox(controls)], text)
        self.live = LiveFigure(self.figure)
        for control in controls:
            control.observe(coalesced(self._redraw), names="value")
        self.result = self.update()

    def _redraw(self):
        self.result = self.update()

    def png(self):
        """The current figure as a PNG image (an IPython Image)."""
        return self.live.png()

    def _refresh(self, moving, full):
        """Send the figure: only ``moving`` drawn again over the saved rest, unless ``full``."""
        self.live.redraw_moving(moving, full=full)

    def show(self):
        """Display the controls, then the figure of the current state (updated in place on every change)."""
        show_demo(self.ui, self.live)
        return self


class HOGExplorer(_Explorer):
    """IntSliders for the cell size and the number of orientation bins of HOG on one grey image."""

    def __init__(self, image, cell_size=8, n_bins=9):
        self.image = np.asarray(image, dtype=np.float64)
        self.cell_size = widgets.IntSlider(value=int(cell_size), min=4, max=32, step=2, description="cell size",
                                           continuous_update=False)
        self.n_bins = widgets.IntSlider(value=int(n_bins), min=2, max=18, step=1, description="orientation bins",
                                        continuous_update=False, style={"description_width": "initial"})
        self._setup([self.cell_size, self.n_bins],
                    "HOGExplorer: sliders for the cell size and the number of bins (run the notebook to move them)",
                    [1.6, 1.0])

    def update(self, cell_size=None, n_bins=None):
        """Redraw for these values (by default the sliders'); returns the cell histograms."""
        cell_size = self.cell_size.value if cell_size is None else int(cell_size)
        n_bins = self.n_bins.value if n_bins is None else int(n_bins)
        again = getattr(self, "result", None) is not None  # drawn before: the same image, so only redrawn in part
        histograms = draw_hog_demo(self.axes, self.image, cell_size, n_bins, again=again)
        ax_image, ax_hist = self.axes  # the edges, the square, the bars, the titles and the y axis change
        self._refresh([*ax_image.collections, *ax_image.patches, ax_image.title, *_bars_and_y_axis(ax_hist)],
                      full=not again)
        return histograms


class HueExplorer(_Explorer):
    """A Dropdown choosing the photograph and an IntSlider for the number of hue bins."""

    def __init__(self, photos, n_bins=12, photo=None):
        self.photos = dict(photos)
        self.photo = widgets.Dropdown(options=list(self.photos), description="photo",
                                      value=photo if photo is not None else next(iter(self.photos)))
        self.n_bins = widgets.IntSlider(value=int(n_bins), min=2, max=36, step=1, description="hue bins",
                                        continuous_update=False)
        self._setup([self.photo, self.n_bins],
                    "HueExplorer: a dropdown for the photo and a slider for the hue bins "
                    "(run the notebook to move them)",
                    [1.0, 1.3])

    def update(self, photo=None, n_bins=None):
        """Redraw for these values (by default the controls'); returns the hue histogram."""
        photo = self.photo.value if photo is None else photo
        n_bins = self.n_bins.value if n_bins is None else int(n_bins)
        again = getattr(self, "_drawn_photo", None) == photo  # the same photo: only the histogram is drawn again
        histogram = draw_hue_demo(self.axes, self.photos[photo], n_bins, again=again)
        self._drawn_photo = photo
        self._refresh(_bars_and_y_axis(self.axes[1]), full=not again)  # the x axis stays as it is
        return histogram


def hog_explorer(image, cell_size=8, n_bins=9):
    """Show the HOG explorer in a notebook; returns the HOGExplorer."""
    return HOGExplorer(image, cell_size, n_bins).show()


def hue_explorer(photos, n_bins=12, photo=None):
    """Show the hue-histogram explorer in a notebook; returns the HueExplorer."""
    return HueExplorer(photos, n_bins, photo).show()
