"""Lecture 01's demo: drag the logits of one sample, watch softmax, cross-entropy and squared error change.

``draw(axes, logits, target)`` is the whole picture as a plain function of the control values; the
``LossExplorer`` only reads its sliders and calls it. ``loss_explorer()`` in a notebook shows the sliders
and the figure of their initial state (a normal PNG output, so a saved notebook keeps it); moving a
slider replaces that figure in place.
"""

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from ..functions import cross_entropy_error, mean_squared_error, softmax
from . import LiveFigure, coalesced, panel, show_demo

NOTES_LOGITS = (0.7, 1.3, 5.1, 2.2, 1.1)  # the notes' worked example; the true class is the 3rd (index 2)


def loss_values(logits, target):
    """Softmax and both losses of one sample.

    logits: (C,) scores z; target: the true class index. Returns a dict with "probabilities" (C,),
    "p_true" (the probability of the true class), "cross_entropy" (−log p_true) and "squared_error"
    (0.5 · Σ_k (y_k − t_k)², t one-hot).
    """
    logits = np.asarray(logits, dtype=np.float64)
    if logits.ndim != 1:
        raise ValueError(f"loss_values: logits must be one sample of shape (C,), got shape {logits.shape}")
    if not 0 <= int(target) < len(logits):
        raise ValueError(f"loss_values: target must be a class index in [0, {len(logits) - 1}], got {target}")
    y = softmax(logits)
    return {"probabilities": y, "p_true": float(y[int(target)]),
            "cross_entropy": cross_entropy_error(y, int(target)),
            "squared_error": mean_squared_error(y, int(target))}


def draw(axes, logits, target):
    """Draw the demo for these control values on two Axes and return ``loss_values(logits, target)``.

    Left: the softmax probabilities as bars (the true class in orange, the one-hot target dashed).
    Right: cross-entropy −log p and the range squared error can take for the same p (it also depends on
    how the wrong classes share 1 − p), with the current sample marked on both.
    """
    ax_bars, ax_curves = axes
    values = loss_values(logits, target)
    y, p = values["probabilities"], values["p_true"]
    n_classes = len(y)
    classes = np.arange(n_classes)
    top = max(4.0, values["cross_entropy"] * 1.15)
    bars_title = f"softmax(z): probabilities (sum = {y.sum():.2f})"
    curves_title = (f"p = {p:.3f}: cross-entropy {values['cross_entropy']:.3f}, "
                    f"squared error {values['squared_error']:.3f}")
    drawn = f"loss demo: class {target} of {n_classes}"
    if ax_bars.get_gid() == drawn:  # drawn before for this class: bars, numbers, markers and titles move in place
        for k, bar in enumerate(ax_bars.containers[0]):
            bar.set_height(y[k])
            ax_bars.texts[k].set_position((k, y[k] + 0.02))
            ax_bars.texts[k].set_text(f"{y[k]:.2f}")
        ax_bars.set_title(bars_title)
        ax_curves.lines[1].set_data([p], [values["cross_entropy"]])
        ax_curves.lines[2].set_data([p], [values["squared_error"]])
        ax_curves.set_ylim(0, top)
        ax_curves.set_title(curves_title, fontsize=10)
        return values

    ax_bars.clear()
    colors = ["tab:orange" if k == target else "tab:blue" for k in classes]
    ax_bars.bar(classes, y, color=colors, label="softmax y")
    ax_bars.bar(classes, np.eye(n_classes)[target], fill=False, edgecolor="black", linestyle="--",
                label="target t (one-hot)")
    for k in classes:
        ax_bars.text(k, y[k] + 0.02, f"{y[k]:.2f}", ha="center", fontsize=9)
    ax_bars.set_xticks(classes, [f"{k + 1}" for k in classes])
    ax_bars.set_xlabel("class")
    ax_bars.set_ylim(0, 1.32)  # room for the legend above the tallest bar
    ax_bars.set_title(bars_title)
    ax_bars.legend(loc="upper center", ncol=2, fontsize=8)
    ax_bars.set_gid(drawn)

    ax_curves.clear()
    grid = np.linspace(1e-3, 1.0, 400)
    ax_curves.plot(grid, -np.log(grid), color="tab:red", label="cross-entropy −log p")
    # squared error for a given p: least when the wrong classes share 1 − p evenly, most when one takes it all
    lowest = 0.5 * (1 - grid) ** 2 * (1 + 1 / (n_classes - 1))
    ax_curves.fill_between(grid, lowest, (1 - grid) ** 2, color="tab:green", alpha=0.3,
                           label="squared error (range for this p)")
    ax_curves.plot(p, values["cross_entropy"], "o", color="tab:red", markersize=8)
    ax_curves.plot(p, values["squared_error"], "s", color="tab:green", markersize=8)
    ax_curves.set_ylim(0, top)
    ax_curves.set_xlim(0, 1)
    ax_curves.set_xlabel("p = probability of the true class")
    ax_curves.set_ylabel("loss")
    ax_curves.set_title(curves_title, fontsize=10)
    ax_curves.legend(loc="upper right", fontsize=8)
    ax_curves.grid(alpha=0.3)
    return values


class LossExplorer:
    """Sliders on the logits of one sample and a dropdown for its true class, redrawing ``draw`` on change.

    Works without a front end: setting a slider's ``value`` calls ``update``, which redraws the figure
    and the text readout; ``show()`` displays the controls and the figure (replaced in place afterwards).
    """

    def __init__(self, logits=NOTES_LOGITS, target=2, limit=10.0):
        self.sliders = [widgets.FloatSlider(value=float(v), min=-limit, max=limit, step=0.1,
                                            description=f"logit z{k + 1}", continuous_update=False,
                                            readout_format=".1f", layout=widgets.Layout(width="380px"))
                        for k, v in enumerate(logits)]
        self.target = widgets.Dropdown(options=[(f"class {k + 1}", k) for k in range(len(logits))],
                                       value=int(target), description="true class")
        self.readout = widgets.HTML()
        self.figure = Figure(figsize=(10.5, 3.6), layout="constrained")
        self.axes = self.figure.subplots(1, 2, width_ratios=[1.0, 1.25])
        self.ui = panel([widgets.HBox([widgets.VBox(self.sliders), widgets.VBox([self.target, self.readout])])],
                        "LossExplorer: sliders for the logits and the true class (run the notebook to move them)")
        self.live = LiveFigure(self.figure, dpi=90)
        self._background = None
        for control in (*self.sliders, self.target):
            control.observe(coalesced(self._on_change), names="value")
        self.values = self.update()

    def _on_change(self, _change=None):
        self.values = self.update()

    def update(self, logits=None, target=None):
        """Redraw for these values (by default the controls' values); returns ``loss_values``."""
        logits = [s.value for s in self.sliders] if logits is None else logits
        target = self.target.value if target is None else target
        values = draw(self.axes, logits, target)
        self.readout.value = (f"p(true class) = <b>{values['p_true']:.3f}</b><br>"
                              f"cross-entropy = <b>{values['cross_entropy']:.3f}</b><br>"
                              f"squared error = <b>{values['squared_error']:.3f}</b>")
        # what a logit moves is drawn over the saved rest: the bars panel's contents, the two markers and the titles;
        # a new true class or a taller loss axis changes the background, so then all is drawn again
        ax_bars, ax_curves = self.axes
        # (and the loss panel's spines, drawn over its markers as in a full drawing)
        for artist in (*ax_bars.patches, *ax_bars.texts, ax_bars.get_legend(), ax_bars.title, ax_curves.title,
                       *ax_curves.get_lines()[1:], *ax_curves.spines.values()):
            artist.set_animated(True)
        background = (target, ax_curves.get_ylim())
        full, self._background = background != self._background, background
        self.live.redraw(moved_only=not full)
        return values

    def png(self):
        """The current figure as a PNG image (an IPython Image)."""
        return self.live.png()

    def show(self):
        """Display the controls, then the figure of the current state (updated in place on every change)."""
        show_demo(self.ui, self.live)
        return self


def loss_explorer(logits=NOTES_LOGITS, target=2):
    """Show the loss explorer in a notebook, starting from the notes' example; returns the LossExplorer."""
    return LossExplorer(logits, target).show()
