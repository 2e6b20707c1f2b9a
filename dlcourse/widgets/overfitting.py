"""Lecture 05: how dropout and data augmentation change the gap between training and validation accuracy.

``RegularisationGrid`` trains one small network per (dropout rate, noise strength) pair on the same slice
of the digits, once, and keeps the histories; ``GapExplorer`` draws one pair's curves next to the gap
over the whole grid (a plain function of the two values); ``gap_widget`` adds two sliders.
"""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from ..data import gaussian_noise
from ..layers import Affine, Dropout, ReLU
from ..network import Sequential
from ..optim import SGD
from ..training import train
from . import LiveFigure, coalesced, panel, show_demo


def mlp(sizes, dropout=0.0, seed=0):
    """A fully connected ReLU network, e.g. sizes=(64, 128, 128, 10), with He-initialised weights.

    With ``dropout`` > 0 a Dropout(dropout) layer follows every hidden ReLU (never the output).
    """
    rng = np.random.default_rng(seed)
    layers = []
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(Affine(rng.normal(0.0, np.sqrt(2.0 / fan_in), (fan_in, fan_out)), np.zeros(fan_out)))
        if i < len(sizes) - 2:
            layers.append(ReLU())
            if dropout > 0:
                layers.append(Dropout(dropout, seed=seed + 1000 + i))
    return Sequential(layers)


def flip_labels(t, fraction, n_classes=10, seed=0):
    """A copy of the labels t (N,) where ``fraction`` of them, chosen at random, are changed to another class."""
    rng = np.random.default_rng(seed)
    t = np.array(t, copy=True)
    index = rng.choice(len(t), size=int(round(fraction * len(t))), replace=False)
    t[index] = (t[index] + rng.integers(1, n_classes, size=len(index))) % n_classes  # never the same class
    return t


def noise_augmenter(std):
    """augment(xb, rng) adding Gaussian noise of standard deviation ``std`` (clipped to [0, 1]); None for std 0."""
    if std == 0:
        return None

    def augment(xb, rng):
        return gaussian_noise(xb, std, rng=rng)

    return augment


class RegularisationGrid:
    """Histories of short trainings, one per (dropout rate, noise std), trained on demand and kept.

    Every run uses the same network size, initial seed, learning rate and mini-batch order; only the
    dropout rate and the standard deviation of the noise added to each training batch change.
    """

    def __init__(self, X_train, t_train, X_val, t_val, rates=(0.0, 0.25, 0.5), strengths=(0.0, 0.15, 0.3),
                 hidden=128, epochs=60, lr=0.1, batch_size=20, seed=0):
        self.data = (X_train, t_train, X_val, t_val)
        self.rates, self.strengths = tuple(rates), tuple(strengths)
        self.hidden, self.epochs, self.lr, self.batch_size, self.seed = hidden, epochs, lr, batch_size, seed
        self.histories, self.networks = {}, {}

    def history(self, rate, strength):
        """The History of the run nearest to (rate, strength), trained now if it was not yet."""
        key = (self.nearest(rate, self.rates), self.nearest(strength, self.strengths))
        if key not in self.histories:
            X_train, t_train, X_val, t_val = self.data
            net = self.networks[key] = mlp((X_train.shape[1], self.hidden, self.hidden, 10), dropout=key[0],
                                           seed=self.seed)
            self.histories[key] = train(net, SGD(self.lr), X_train, t_train, X_val, t_val, epochs=self.epochs,
                                        batch_size=self.batch_size, seed=self.seed, augment=noise_augmenter(key[1]),
                                        progress=False)
        return self.histories[key]

    def network(self, rate, strength):
        """The trained network of the run nearest to (rate, strength)."""
        self.history(rate, strength)
        return self.networks[(self.nearest(rate, self.rates), self.nearest(strength, self.strengths))]

    def run_all(self):
        for rate in self.rates:
            for strength in self.strengths:
                self.history(rate, strength)
        return self

    @staticmethod
    def nearest(value, options):
        return min(options, key=lambda option: abs(option - value))

    def final(self, rate, strength, last=5):
        """(train accuracy, validation accuracy, gap) averaged over the ``last`` epochs (smoother than one epoch)."""
        h = self.history(rate, strength)
        train_acc, val_acc = float(np.mean(h.train_acc[-last:])), float(np.mean(h.val_acc[-last:]))
        return train_acc, val_acc, train_acc - val_acc

    def table(self, what="gap"):
        """(len(rates), len(strengths)) array of the final gap, train or validation accuracy."""
        column = {"train": 0, "val": 1, "gap": 2}[what]
        return np.array([[self.final(r, s)[column] for s in self.strengths] for r in self.rates])


def draw_network(ax, sizes, dropped=None, title=None):
    """A small fully connected network as circles and lines; ``dropped`` lists one boolean array per layer.

    Dropped units are drawn hollow and grey, and so are all their connections (they carry nothing).
    """
    dropped = dropped or [np.zeros(n, dtype=bool) for n in sizes]
    positions = [np.column_stack([np.full(n, i), (np.arange(n) - (n - 1) / 2)]) for i, n in enumerate(sizes)]
    for i in range(len(sizes) - 1):
        for a, off_a in zip(positions[i], dropped[i]):
            for b, off_b in zip(positions[i + 1], dropped[i + 1]):
                live = not (off_a or off_b)
                ax.plot([a[0], b[0]], [a[1], b[1]], color="0.35" if live else "0.9", linewidth=0.6 if live else 0.4,
                        zorder=1)
    for layer, off in zip(positions, dropped):
        ax.scatter(layer[~off, 0], layer[~off, 1], s=120, color="tab:blue", zorder=2)
        ax.scatter(layer[off, 0], layer[off, 1], s=120, facecolors="white", edgecolors="0.7", zorder=2)
    ax.set_xlim(-0.4, len(sizes) - 0.6)
    ax.set_ylim(-max(sizes) / 2 - 0.3, max(sizes) / 2 + 0.3)
    ax.axis("off")
    if title:
        ax.set_title(title, fontsize=10)
    return ax


class GapExplorer:
    """Left: train/validation accuracy of one (rate, strength) run against the unregularised one.
    Right: the gap (train − validation accuracy) over the whole grid, the chosen cell outlined."""

    def __init__(self, grid):
        self.grid = grid.run_all()
        self.fig = Figure(figsize=(11, 4))  # not a pyplot figure: shown only through gap_widget's display
        self.axes = self.fig.subplots(1, 2, width_ratios=[1.3, 1])
        self.colorbar = None
        self.rate, self.strength = grid.rates[0], grid.strengths[0]

    def update(self, rate=None, strength=None):
        grid = self.grid
        self.rate = grid.nearest(self.rate if rate is None else rate, grid.rates)
        self.strength = grid.nearest(self.strength if strength is None else strength, grid.strengths)
        left, right = self.axes
        left.clear()
        right.clear()
        base = grid.history(grid.rates[0], grid.strengths[0])
        chosen = grid.history(self.rate, self.strength)
        epochs = np.arange(1, len(chosen.train_acc) + 1)
        left.plot(epochs, base.train_acc, color="tab:blue", alpha=0.3, linewidth=1, label="train, no regularisation")
        left.plot(epochs, base.val_acc, color="tab:orange", alpha=0.3, linewidth=1,
                  label="validation, no regularisation")
        left.plot(epochs, chosen.train_acc, color="tab:blue", linewidth=2, label="train")
        left.plot(epochs, chosen.val_acc, color="tab:orange", linewidth=2, label="validation")
        train_acc, val_acc, gap = grid.final(self.rate, self.strength)
        left.set_title(f"dropout {self.rate:g}, noise std {self.strength:g}: gap {gap:.3f}, validation {val_acc:.3f}",
                       fontsize=10)
        left.set_xlabel("epoch")
        left.set_ylabel("accuracy")
        left.set_ylim(0.5, 1.01)
        left.grid(alpha=0.3)
        left.legend(fontsize=7, loc="lower right")
        gaps = grid.table("gap")
        vals = grid.table("val")
        limit = max(float(np.abs(gaps).max()), 1e-3)
        image = right.imshow(gaps, cmap="RdBu_r", vmin=-limit, vmax=limit, origin="lower")  # red: memorising
        for (i, j), value in np.ndenumerate(gaps):
            right.text(j, i, f"gap {value:+.2f}\nval {vals[i, j]:.2f}", ha="center", va="center", fontsize=8,
                       color="white" if abs(value) > limit * 0.6 else "black")
        i, j = grid.rates.index(self.rate), grid.strengths.index(self.strength)
        right.add_patch(plt.Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor="black", linewidth=3))
        right.set_xticks(range(len(grid.strengths)), [f"{s:g}" for s in grid.strengths])
        right.set_yticks(range(len(grid.rates)), [f"{r:g}" for r in grid.rates])
        right.set_xlabel("noise augmentation std")
        right.set_ylabel("dropout rate")
        right.set_title("train − validation accuracy (last 5 epochs)", fontsize=10)
        if self.colorbar is None:  # the first drawing: the colour bar and the layout, once
            self.colorbar = self.fig.colorbar(image, ax=right, fraction=0.046)
            self.fig.tight_layout()
        # what a slider changes (the chosen run's curves, the title, the outlined cell) is drawn over the saved rest
        for artist in (*left.get_lines()[2:], left.title, *right.patches):
            artist.set_animated(True)
        return self.fig




def gap_widget(grid, rate=0.0, strength=0.0):
    """Two sliders (dropout rate, noise std) redrawing a GapExplorer; returns the GapExplorer.

    The sliders come first, then the figure of the current state as an ordinary PNG output (a saved
    notebook keeps it); moving a slider replaces that figure in place (a display id). Every run of the grid is
    trained before the widget shows, so a move only draws.
    """
    import ipywidgets as widgets

    demo = GapExplorer(grid)
    demo.update(rate, strength)
    live = LiveFigure(demo.fig)
    rates, strengths = grid.rates, grid.strengths
    style = {"description_width": "initial"}
    rate_slider = widgets.FloatSlider(value=demo.rate, min=min(rates), max=max(rates), step=rates[1] - rates[0],
                                      description="dropout rate", continuous_update=True, style=style)
    strength_slider = widgets.FloatSlider(value=demo.strength, min=min(strengths), max=max(strengths),
                                          step=strengths[1] - strengths[0], description="noise std",
                                          continuous_update=True, style=style)

    def redraw(_=None):
        demo.update(rate_slider.value, strength_slider.value)
        live.redraw(moved_only=True)

    rate_slider.observe(coalesced(redraw), names="value")
    strength_slider.observe(coalesced(redraw), names="value")
    show_demo(panel([widgets.HBox([rate_slider, strength_slider])],
                    "GapExplorer: sliders for the dropout rate and the noise std (run the notebook to move them)"),
              live)
    demo.live = live
    return demo
