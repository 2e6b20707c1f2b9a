"""Lecture 07's demo: pick a filter and an image, see the feature map the convolution produces.

``feature_map(image, kernel)`` is one 3×3 (or any odd size) convolution with 'same' padding, computed by
``dlcourse.layers.Conv2d``; ``draw(axes, image, kernel, ...)`` draws the image, the filter (its weights
written in) and the feature map, as a plain function of the control values. ``FilterExplorer`` only
reads a Dropdown (the filter) and an IntSlider (the image) and calls it; ``filter_explorer()`` shows the
controls and the figure of their initial state (a normal PNG output, so a saved notebook keeps it).
"""

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from ..layers import Conv2d
from . import LiveFigure, coalesced, panel, show_demo

# hand-made 3×3 filters: two edge detectors (Sobel), a blur and a sharpening filter
CLASSIC_FILTERS = {
    "vertical edges (Sobel x)": np.array([[-1.0, 0.0, 1.0], [-2.0, 0.0, 2.0], [-1.0, 0.0, 1.0]]),
    "horizontal edges (Sobel y)": np.array([[-1.0, -2.0, -1.0], [0.0, 0.0, 0.0], [1.0, 2.0, 1.0]]),
    "blur (3×3 mean)": np.full((3, 3), 1.0 / 9.0),
    "sharpen": np.array([[0.0, -1.0, 0.0], [-1.0, 5.0, -1.0], [0.0, -1.0, 0.0]]),
}


def feature_map(image, kernel):
    """Convolve a grey image (H, W) with one filter (k, k), k odd, zero padding (k − 1)/2: the map is (H, W).

    A cross-correlation, as in every deep-learning library and in ``dlcourse.layers.Conv2d`` (which computes it).
    """
    image = np.asarray(image, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    if image.ndim != 2:
        raise ValueError(f"feature_map: image must be a grey image (H, W), got shape {image.shape}")
    if kernel.ndim != 2 or kernel.shape[0] != kernel.shape[1] or kernel.shape[0] % 2 == 0:
        raise ValueError(f"feature_map: kernel must be square with an odd size, got shape {kernel.shape}")
    layer = Conv2d(kernel[None, None], np.zeros(1), stride=1, pad=kernel.shape[0] // 2)
    return layer.forward(image[None, None])[0, 0]


def draw(axes, image, kernel, image_title="image", kernel_title="filter"):
    """Draw image, filter and feature map on three Axes; returns the feature map (H, W).

    The feature map uses a diverging colour map centred on 0 (red positive, blue negative), so an edge
    filter's two signs are visible.
    """
    ax_image, ax_kernel, ax_map = axes
    kernel = np.asarray(kernel, dtype=np.float64)
    fmap = feature_map(image, kernel)
    for ax in axes:
        if ax.get_xticks().size or ax.get_yticks().size or ax.lines or ax.collections or ax.patches:
            ax.clear()  # a first drawing on these axes
            ax.set_xticks([])
            ax.set_yticks([])
        else:  # drawn by draw before: its images and numbers go, the Axes stays (clearing it builds its ticks again)
            for artist in (*ax.images, *ax.texts):
                artist.remove()
    ax_image.imshow(image, cmap="gray_r" if np.shape(image)[0] <= 16 else "gray")
    ax_image.set_title(image_title, fontsize=10)
    limit = max(float(np.abs(kernel).max()), 1e-12)
    ax_kernel.imshow(kernel, cmap="RdBu_r", vmin=-limit, vmax=limit)
    if kernel.shape[0] <= 5:
        for (i, j), value in np.ndenumerate(kernel):
            ax_kernel.text(j, i, f"{value:.2g}", ha="center", va="center", fontsize=9)
    ax_kernel.set_title(kernel_title, fontsize=10)
    limit = max(float(np.abs(fmap).max()), 1e-12)
    ax_map.imshow(fmap, cmap="RdBu_r", vmin=-limit, vmax=limit)
    ax_map.set_title(f"feature map (min {fmap.min():.2f}, max {fmap.max():.2f})", fontsize=10)
    return fmap


class FilterExplorer:
    """A Dropdown choosing the filter and an IntSlider choosing the image, redrawing ``draw`` on change.

    images: list of grey images (H, W) (sizes may differ); image_names: a title for each; filters: dict
    name -> (k, k) kernel (by default the classic ones). Works without a front end: setting a control's
    ``value`` calls ``update``; ``show()`` displays the controls and the figure (replaced in place afterwards).
    """

    def __init__(self, images, image_names=None, filters=None, filter_name=None, image_index=0):
        self.images = [np.asarray(image, dtype=np.float64) for image in images]
        if not self.images:
            raise ValueError("FilterExplorer: give at least one image")
        self.image_names = list(image_names) if image_names is not None else [f"image {k}" for k in range(len(images))]
        self.filters = dict(CLASSIC_FILTERS if filters is None else filters)
        self.filter = widgets.Dropdown(options=list(self.filters), description="filter",
                                       value=filter_name if filter_name is not None else next(iter(self.filters)))
        self.image = widgets.IntSlider(value=int(image_index), min=0, max=len(self.images) - 1, step=1,
                                       description="image", continuous_update=False)
        self.figure = Figure(figsize=(10, 3.4), layout="constrained")
        self.axes = self.figure.subplots(1, 3, width_ratios=[1.0, 0.8, 1.0])
        self.ui = panel([widgets.HBox([self.filter, self.image])],
                        "FilterExplorer: a dropdown for the filter and a slider for the image "
                        "(run the notebook to move them)")
        self.live = LiveFigure(self.figure)
        for control in (self.filter, self.image):
            control.observe(coalesced(self._on_change), names="value")
        self.fmap = self.update()

    def _on_change(self, _change=None):
        self.fmap = self.update()

    def update(self, filter_name=None, image_index=None):
        """Redraw for these values (by default the controls' values); returns the feature map."""
        name = self.filter.value if filter_name is None else filter_name
        index = self.image.value if image_index is None else int(image_index)
        fmap = draw(self.axes, self.images[index], self.filters[name],
                    image_title=self.image_names[index], kernel_title=name)
        self.live.redraw()
        return fmap

    def png(self):
        """The current figure as a PNG image (an IPython Image)."""
        return self.live.png()

    def show(self):
        """Display the controls, then the figure of the current state (updated in place on every change)."""
        show_demo(self.ui, self.live)
        return self


def filter_explorer(images, image_names=None, filters=None, filter_name=None, image_index=0):
    """Show the filter explorer in a notebook; returns the FilterExplorer."""
    return FilterExplorer(images, image_names, filters, filter_name, image_index).show()
