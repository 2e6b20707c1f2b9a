"""Interactive demos of lecture 02 (gradient descent): a learning-rate explorer and a linear-classifier demo.

- ``LandscapeDemo``: gradient descent on a 2-D loss surface (an elongated bowl, or a non-convex surface with
  two minima and a saddle point); sliders on the learning rate η, the start point and the number of steps;
  the contours with the path of the negative gradient, and the loss along the path.
- ``LinearClassifierDemo``: three classes of 2-D points, a linear classifier s = x·W + b with sliders on its
  six weights and three biases; the decision regions and the loss (softmax or multiclass SVM) update live,
  and a "step" button takes one gradient step.

Each demo shows its controls and, right under them, one figure of the current state (a PNG output, kept in a
saved notebook) that every change replaces in place. The drawing is a plain function of the control values
(``draw_descent``, ``draw_classifier``), so tests call it directly.
"""
from dataclasses import dataclass

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from ..functions import svm_loss_and_grad_scores
from ..layers import SoftmaxWithLoss
from . import LiveFigure, coalesced, panel, show_demo

# ---------------------------------------------------------------- loss surfaces


@dataclass(frozen=True)
class Surface:
    """A loss surface f(x, y) over the plane, its gradient, and where to look at it."""

    name: str
    f: object          # f(x, y) -> loss, elementwise on arrays
    gradient: object   # gradient(p) -> (2,) for a point p = (x, y)
    extent: tuple      # (x_min, x_max, y_min, y_max) shown
    minimum: float     # the lowest value of f (the global minimum)


def _bowl(x, y):
    return 0.5 * x ** 2 + 5.0 * y ** 2


def _two_minima(x, y):
    return (x ** 2 - 1) ** 2 + 0.3 * x + y ** 2


# the tilt 0.3 x makes the left minimum (x ≈ -1.036) the global one and the right one (x ≈ 0.960) local
_WELL_ROOTS = np.sort(np.roots([4.0, 0.0, -4.0, 0.3]).real)
GLOBAL_MINIMUM = np.array([_WELL_ROOTS[0], 0.0])
LOCAL_MINIMUM = np.array([_WELL_ROOTS[2], 0.0])
SADDLE_POINT = np.array([_WELL_ROOTS[1], 0.0])

SURFACES = {
    "elongated bowl": Surface("elongated bowl", _bowl, lambda p: np.array([p[0], 10.0 * p[1]]),
                              (-5.0, 5.0, -2.5, 2.5), 0.0),
    "two minima": Surface("two minima", _two_minima,
                          lambda p: np.array([4 * p[0] * (p[0] ** 2 - 1) + 0.3, 2.0 * p[1]]),
                          (-2.0, 2.0, -1.6, 1.6), float(_two_minima(*GLOBAL_MINIMUM))),
}


def descent_path(gradient, start, learning_rate, steps, limit=1e6):
    """Gradient descent x <- x - η·gradient(x) from ``start``: the path, an array (steps + 1, 2).

    Stops early (shorter path) once a coordinate exceeds ``limit`` in size: the run has diverged.
    """
    x = np.array(start, dtype=np.float64)
    path = [x.copy()]
    for _ in range(int(steps)):
        x = x - learning_rate * gradient(x)
        path.append(x.copy())
        if not np.all(np.isfinite(x)) or np.max(np.abs(x)) > limit:
            break
    return np.array(path)


def _surface(surface):
    if isinstance(surface, Surface):
        return surface
    if surface not in SURFACES:
        raise ValueError(f"unknown surface {surface!r}; choose one of {sorted(SURFACES)}")
    return SURFACES[surface]


def plot_contours(ax, surface, levels=25, resolution=120):
    """Filled contours of a surface (low loss dark) on ``ax``; returns the Surface."""
    surface = _surface(surface)
    x_min, x_max, y_min, y_max = surface.extent
    xx, yy = np.meshgrid(np.linspace(x_min, x_max, resolution), np.linspace(y_min, y_max, resolution))
    zz = surface.f(xx, yy)
    # contour levels spaced evenly in sqrt(loss) so both the valley floor and the walls show
    heights = np.linspace(0.0, np.sqrt(zz.max() - zz.min()), levels) ** 2 + zz.min()
    ax.contourf(xx, yy, zz, levels=heights, cmap="viridis", alpha=0.85)
    ax.set_xlim(x_min, x_max)
    ax.set_ylim(y_min, y_max)
    ax.set_xlabel("$w_1$")
    ax.set_ylabel("$w_2$")
    return surface


def draw_path(ax, path, color="red", label=None):
    """The path of a descent on a contour plot: points joined by lines, start hollow, end filled."""
    ax.plot(path[:, 0], path[:, 1], "-o", color=color, markersize=3, linewidth=1.2, label=label)
    ax.plot(*path[0], "o", markerfacecolor="none", markeredgecolor=color, markersize=9)
    ax.plot(*path[-1], "*", color=color, markersize=12, markeredgecolor="k", markeredgewidth=0.5)


def draw_descent(ax_contour, ax_loss, surface="elongated bowl", learning_rate=0.1, start=(-4.0, 1.5), steps=30,
                 color="red"):
    """Contours with the descent path on ``ax_contour``, the loss along the path on ``ax_loss`` (may be None).

    The loss is drawn as f - min f (the distance to the global minimum) on a log scale, so crawling,
    converging and diverging look different. Returns the path (steps + 1, 2), shorter if it diverged.
    """
    surface = plot_contours(ax_contour, surface)
    path = descent_path(surface.gradient, start, learning_rate, steps)
    draw_path(ax_contour, path, color=color)
    diverged = len(path) < steps + 1 or np.max(np.abs(path[-1])) > 10 * np.max(np.abs(surface.extent))
    state = "diverged" if diverged else f"end ({path[-1, 0]:.2f}, {path[-1, 1]:.2f})"
    ax_contour.set_title(f"{surface.name}, η = {learning_rate:g}: {state}", fontsize=10)
    if ax_loss is not None:
        losses = surface.f(path[:, 0], path[:, 1]) - surface.minimum
        ax_loss.semilogy(np.arange(len(path)), np.maximum(losses, 1e-12), "-o", markersize=2, color=color)
        ax_loss.set_xlabel("step")
        ax_loss.set_ylabel("loss − minimum (log)")
        ax_loss.set_xlim(0, steps)
        ax_loss.grid(alpha=0.3, which="both")
        ax_loss.set_title(f"final loss {surface.f(*path[-1]):.4g}", fontsize=10)
    return path


# ---------------------------------------------------------------- a linear classifier in the plane

def three_class_points(n_per_class=8, spread=0.55, seed=0):
    """Three clusters of 2-D points around (0, 1.5), (-1.3, -0.75), (1.3, -0.75): X (3n, 2), t (3n,)."""
    rng = np.random.default_rng(seed)
    angles = np.deg2rad([90.0, 210.0, 330.0])
    centres = 1.5 * np.column_stack([np.cos(angles), np.sin(angles)])
    X = np.concatenate([c + spread * rng.standard_normal((n_per_class, 2)) for c in centres])
    t = np.repeat(np.arange(3), n_per_class)
    return X, t


def linear_scores(X, W, b):
    """Scores s = X·W + b: X (N, D), W (D, C), b (C,) -> (N, C)."""
    return X @ W + b


def softmax_loss_and_grads(W, b, X, t):
    """Mean softmax cross-entropy of s = X·W + b and its gradients: (loss, dW (D, C), db (C,)).

    The loss and dL/ds = (softmax(s) - t)/N come from ``dlcourse.layers.SoftmaxWithLoss``; the chain rule
    through s = X·W + b gives dW = Xᵀ·dL/ds and db = Σ_n dL/ds.
    """
    loss_layer = SoftmaxWithLoss()
    loss = loss_layer.forward(linear_scores(X, W, b), t)
    dscores = loss_layer.backward()
    return loss, X.T @ dscores, dscores.sum(axis=0)


def svm_loss_and_grads(W, b, X, t, margin=1.0):
    """Mean multiclass SVM (hinge) loss Σ_{j≠t} max(0, s_j - s_t + margin) and its gradients (loss, dW, db).

    The loss and dL/ds come from ``dlcourse.functions.svm_loss_and_grad_scores``; dW and db as for softmax.
    """
    loss, dscores = svm_loss_and_grad_scores(linear_scores(X, W, b), t, delta=margin)
    return loss, X.T @ dscores, dscores.sum(axis=0)


LOSSES = {"softmax": softmax_loss_and_grads, "multiclass SVM": svm_loss_and_grads}
CLASS_COLOURS = ("#d62728", "#2ca02c", "#1f77b4")
EXTENT = (-3.5, 3.5, -3.0, 3.5)


def _classifier_values(X, t, W, b, loss, resolution):
    """(loss, accuracy, regions) of s = x·W + b: what ``draw_classifier`` and ``move_classifier`` show."""
    W, b = np.asarray(W, dtype=np.float64), np.asarray(b, dtype=np.float64)
    value, _, _ = LOSSES[loss](W, b, X, t)
    x_min, x_max, y_min, y_max = EXTENT
    xx, yy = np.meshgrid(np.linspace(x_min, x_max, resolution), np.linspace(y_min, y_max, resolution))
    grid = np.column_stack([xx.ravel(), yy.ravel()])
    regions = linear_scores(grid, W, b).argmax(axis=1).reshape(xx.shape)
    accuracy = float(np.mean(linear_scores(X, W, b).argmax(axis=1) == t))
    return value, accuracy, regions


def _class_line(W, b, k):
    """(ends (2, 2), foot, tip) of class k's line w·x + b_k = 0 and its arrow along w_k; None if w_k is 0."""
    w = np.asarray(W, dtype=np.float64)[:, k]
    norm = np.hypot(*w)
    if norm <= 1e-9:
        return None
    foot = -float(b[k]) * w / norm ** 2  # the line's point closest to the origin
    direction = np.array([-w[1], w[0]]) / norm
    return np.array([foot - 10 * direction, foot + 10 * direction]), foot, foot + 0.6 * w / norm


def _classifier_title(loss, value, accuracy, n):
    return f"{loss} loss {value:.3f} · accuracy {int(round(accuracy * n))}/{n}"


def draw_classifier(ax, X, t, W, b, loss="softmax", resolution=150):
    """Decision regions of s = x·W + b, each class's line s_k = 0 with an arrow along w_k, the points.

    Returns a dict: "loss" (the mean loss), "accuracy", "regions" (resolution × resolution class indices).
    ``move_classifier`` moves what this draws to other weights without drawing again.
    """
    value, accuracy, regions = _classifier_values(X, t, W, b, loss, resolution)
    x_min, x_max, y_min, y_max = EXTENT
    ax.imshow(regions, origin="lower", extent=EXTENT, aspect="auto", alpha=0.25, interpolation="nearest",
              cmap=plt.matplotlib.colors.ListedColormap(CLASS_COLOURS), vmin=-0.5, vmax=2.5, gid="regions")
    lines = [_class_line(W, b, k) for k in range(len(CLASS_COLOURS))]  # None: w_k is 0, drawn but hidden
    lines = [(found, *(found if found is not None else (np.zeros((2, 2)), np.zeros(2), np.zeros(2))))
             for found in lines]
    # added in the order they are drawn (lines, then arrows, then points), so drawing them one by one over a
    # saved background (LinearClassifierDemo) gives the same picture
    for k, (found, ends, _, _) in enumerate(lines):
        ax.plot(ends[:, 0], ends[:, 1], color=CLASS_COLOURS[k], linewidth=1.5, gid=f"line {k}",
                visible=found is not None)
    for k, (found, _, foot, tip) in enumerate(lines):
        ax.annotate("", xy=tip, xytext=foot, arrowprops=dict(arrowstyle="->", color=CLASS_COLOURS[k], linewidth=1.5),
                    gid=f"arrow {k}", visible=found is not None)
    for k, colour in enumerate(CLASS_COLOURS):
        members = t == k
        ax.scatter(X[members, 0], X[members, 1], color=colour, edgecolors="k", linewidths=0.5, s=30, zorder=3)
    ax.set_xlim(x_min, x_max)
    ax.set_ylim(y_min, y_max)
    ax.set_aspect("equal")
    ax.set_title(_classifier_title(loss, value, accuracy, len(t)), fontsize=10)
    return {"loss": value, "accuracy": accuracy, "regions": regions}


_IMAGES_DRAWN_ALONE_AS_IN_FULL = tuple(int(part) for part in matplotlib.__version__.split(".")[:2]) >= (3, 11)


def move_classifier(ax, X, t, W, b, loss="softmax", resolution=150):
    """Move what ``draw_classifier`` drew on ``ax`` to these weights (same points); returns the same dict.

    The regions, lines, arrows and title change in place: no artist or tick is made again, so a slider redraws
    in a fraction of the time.
    """
    value, accuracy, regions = _classifier_values(X, t, W, b, loss, resolution)
    found = {artist.get_gid(): artist for artist in (*ax.images, *ax.lines, *ax.texts) if artist.get_gid()}
    found["regions"].set_data(regions)
    for k in range(len(CLASS_COLOURS)):
        line = _class_line(W, b, k)
        found[f"line {k}"].set_visible(line is not None)
        found[f"arrow {k}"].set_visible(line is not None)
        if line is not None:
            ends, foot, tip = line
            found[f"line {k}"].set_data(ends[:, 0], ends[:, 1])
            found[f"arrow {k}"].xy = tuple(tip)
            found[f"arrow {k}"].set_position(tuple(foot))
    ax.set_title(_classifier_title(loss, value, accuracy, len(t)), fontsize=10)
    return {"loss": value, "accuracy": accuracy, "regions": regions}


# ---------------------------------------------------------------- widgets

def _widgets():
    import ipywidgets

    return ipywidgets


def _state_title(surface, learning_rate, path, steps):
    diverged = len(path) < steps + 1 or np.max(np.abs(path[-1])) > 10 * np.max(np.abs(surface.extent))
    state = "diverged" if diverged else f"end ({path[-1, 0]:.2f}, {path[-1, 1]:.2f})"
    return f"{surface.name}, η = {learning_rate:g}: {state}"


class LandscapeDemo:
    """Gradient descent on a 2-D loss surface with sliders on η, the start point and the number of steps.

    ``demo = LandscapeDemo(); demo.show()`` in a notebook; ``demo.update(learning_rate=0.2)`` redraws. One
    figure is kept: a slider moves only the path's lines (the contours are drawn again only for a new surface),
    so a redraw is cheap enough to follow a slider while it is dragged.
    """

    def __init__(self, surface="elongated bowl", learning_rate=0.1, start=(-4.0, 1.5), steps=30):
        self.values = dict(surface=surface, learning_rate=learning_rate, start=tuple(start), steps=steps)
        self.path = None
        self._controls = None
        self.fig = Figure(figsize=(10, 3.8))  # not a pyplot figure: shown only through the LiveFigure
        self.axes = self.fig.subplots(1, 2, width_ratios=[1.3, 1])
        self.live = LiveFigure(self.fig)
        self._drawn, self._full = None, True
        self._artists = {}

    def figure(self):
        """The figure of the current state (contours with the path, loss along the path), updated in place."""
        v = self.values
        surface = _surface(v["surface"])
        ax_contour, ax_loss = self.axes
        self.path = descent_path(surface.gradient, v["start"], v["learning_rate"], v["steps"])
        losses = np.maximum(surface.f(self.path[:, 0], self.path[:, 1]) - surface.minimum, 1e-12)
        steps = np.arange(len(self.path))
        self._full = (surface.name, v["steps"]) != self._drawn
        if self._drawn is None or self._drawn[0] != surface.name:
            ax_contour.clear()
            ax_loss.clear()
            plot_contours(ax_contour, surface)
            a = self._artists
            a["path"], = ax_contour.plot([], [], "-o", color="red", markersize=3, linewidth=1.2)
            a["start"], = ax_contour.plot([], [], "o", markerfacecolor="none", markeredgecolor="red", markersize=9)
            a["end"], = ax_contour.plot([], [], "*", color="red", markersize=12, markeredgecolor="k",
                                        markeredgewidth=0.5)
            a["loss"], = ax_loss.plot([], [], "-o", markersize=2, color="red")
            ax_loss.set_yscale("log")
            ax_loss.set_ylim(1e-6, 1e5)  # fixed, so the axis is part of the background a move does not redraw
            ax_loss.set_xlabel("step")
            ax_loss.set_ylabel("loss − minimum (log)")
            ax_loss.grid(alpha=0.3, which="both")
            ax_contour.set_title(" ", fontsize=10)
            ax_loss.set_title(" ", fontsize=10)
            for artist in (*a.values(), ax_contour.title, ax_loss.title):
                artist.set_animated(True)  # what a slider moves: drawn again over the saved background
            self.fig.tight_layout()
        a = self._artists
        a["path"].set_data(self.path[:, 0], self.path[:, 1])
        a["start"].set_data(self.path[:1, 0], self.path[:1, 1])
        a["end"].set_data(self.path[-1:, 0], self.path[-1:, 1])
        a["loss"].set_data(steps, losses)
        ax_contour.set_title(_state_title(surface, v["learning_rate"], self.path, v["steps"]), fontsize=10)
        ax_loss.set_xlim(0, v["steps"])
        ax_loss.set_title(f"final loss {surface.f(*self.path[-1]):.4g}", fontsize=10)
        self._drawn = (surface.name, v["steps"])
        return self.fig

    def update(self, **values):
        """Change some of surface, learning_rate, start, steps; returns the new path."""
        unknown = set(values) - set(self.values)
        if unknown:
            raise TypeError(f"LandscapeDemo.update: unknown value(s) {sorted(unknown)}; known: {sorted(self.values)}")
        self.values.update(values)
        self.figure()
        self.live.redraw(moved_only=not self._full)  # a new surface or step count changes the axes: all again
        return self.path

    def controls(self):
        ipywidgets = _widgets()
        v = self.values
        style = {"description_width": "110px"}
        layout = ipywidgets.Layout(width="420px")
        # on release: here a redraw takes longer than following a drag needs (benchmarks/RESULTS.md, widgets)
        c = dict(
            surface=ipywidgets.Dropdown(options=list(SURFACES), value=v["surface"], description="surface",
                                        style=style, layout=layout),
            learning_rate=ipywidgets.FloatSlider(value=v["learning_rate"], min=0.005, max=0.25, step=0.005,
                                                 readout_format=".3f", description="learning rate η",
                                                 continuous_update=False, style=style, layout=layout),
            start_x=ipywidgets.FloatSlider(value=v["start"][0], min=-4.5, max=4.5, step=0.05, description="start w₁",
                                           continuous_update=False, style=style, layout=layout),
            start_y=ipywidgets.FloatSlider(value=v["start"][1], min=-2.0, max=2.0, step=0.05, description="start w₂",
                                           continuous_update=False, style=style, layout=layout),
            steps=ipywidgets.IntSlider(value=v["steps"], min=1, max=100, description="steps",
                                       continuous_update=False, style=style, layout=layout),
        )

        def changed(_=None):
            self.update(surface=c["surface"].value, learning_rate=c["learning_rate"].value,
                        start=(c["start_x"].value, c["start_y"].value), steps=c["steps"].value)

        for name in ("surface", "learning_rate", "start_x", "start_y", "steps"):
            c[name].observe(coalesced(changed), names="value")
        self._controls = c
        return panel([ipywidgets.HBox([ipywidgets.VBox([c["learning_rate"], c["steps"], c["surface"]]),
                                       ipywidgets.VBox([c["start_x"], c["start_y"]])])],
                     "LandscapeDemo: sliders for the learning rate η, the start point and the number of steps "
                     "(run the notebook to move them)")

    def show(self):
        """Display the controls, then the figure of the current state under them (updated in place)."""
        self.figure()
        show_demo(self.controls(), self.live)


class LinearClassifierDemo:
    """A linear classifier s = x·W + b on 2-D points of three classes, with sliders on W (2×3) and b (3).

    The decision regions and the loss update when a slider moves; "step" takes one gradient step
    W <- W - η ∂L/∂W, b <- b - η ∂L/∂b; "reset" returns to the initial weights.
    """

    def __init__(self, X=None, t=None, W=None, b=None, loss="softmax", learning_rate=0.5, seed=0):
        if X is None:
            X, t = three_class_points(seed=seed)
        self.X, self.t = np.asarray(X, dtype=np.float64), np.asarray(t)
        if self.X.ndim != 2 or self.X.shape[1] != 2:
            raise ValueError(f"LinearClassifierDemo: X must have shape (N, 2), got {self.X.shape}")
        # a deliberately poor start: every class line points the wrong way
        W0 = np.array([[1.0, 0.5, -1.0], [-1.0, 1.0, 0.5]]) if W is None else W
        b0 = np.array([0.5, 0.0, -0.5]) if b is None else b
        self.initial = (np.array(W0, dtype=np.float64), np.array(b0, dtype=np.float64))
        self.W, self.b = self.initial[0].copy(), self.initial[1].copy()
        self.loss, self.learning_rate = loss, learning_rate
        self.history = [self.current_loss()]
        self.result = None
        self._controls = None
        self._syncing = False
        self.fig = None
        self.live = LiveFigure(None)

    def current_loss(self):
        return LOSSES[self.loss](self.W, self.b, self.X, self.t)[0]

    def figure(self):
        """The figure of the current state, updated in place: the classifier in the plane, the loss after every
        change so far."""
        if self.fig is None:
            self.fig = Figure(figsize=(10, 4.2))  # not a pyplot figure: shown only through the LiveFigure
            self.axes = self.fig.subplots(1, 2, width_ratios=[1.2, 1])
            self._weights_text = self.fig.text(0.5, 0.01, "", ha="center", fontsize=8)
            self.live.figure = self.fig
            self._laid_out = False
            self._drawn_loss = None
        ax, ax_loss = self.axes
        if self._drawn_loss == self.loss:  # the artists are there: moved in place (no artist or tick made again)
            self.result = move_classifier(ax, self.X, self.t, self.W, self.b, self.loss)
            self._history_line.set_data(np.arange(len(self.history)), self.history)
            ax_loss.set_autoscale_on(True)
            ax_loss.relim()
            ax_loss.autoscale_view()
        else:
            ax.clear()
            ax_loss.clear()
            self.result = draw_classifier(ax, self.X, self.t, self.W, self.b, self.loss)
            self._history_line, = ax_loss.plot(np.arange(len(self.history)), self.history, "-o", markersize=3)
            ax_loss.set_xlabel("change (slider or step)")
            ax_loss.set_ylabel(f"{self.loss} loss")
            ax_loss.grid(alpha=0.3)
            self._hint = ax_loss.text(0.5, 0.5,
                                      "press step or move a slider:\nthe loss after every change appears here",
                                      ha="center", va="center", transform=ax_loss.transAxes, color="grey")
            self._drawn_loss = self.loss
        ax_loss.set_ylim(bottom=0)
        # y given: the title is not moved above top ticks (there are none), a search that costs a few ms
        ax_loss.set_title(f"the next step uses η = {self.learning_rate:g}", fontsize=10, y=1.0)
        self._hint.set_visible(len(self.history) == 1)
        self._weights_text.set_text("   ".join(
            f"w{k} = ({self.W[0, k]:.2f}, {self.W[1, k]:.2f}), b{k} = {self.b[k]:.2f}" for k in range(3)))
        if not self._laid_out:  # the layout once: it costs as much as the drawing
            self.fig.tight_layout(rect=(0, 0.04, 1, 1))
            self._laid_out = True
        return self.fig

    def update(self, W=None, b=None, loss=None, learning_rate=None):
        """Set weights / biases / loss / learning rate, record the loss, redraw; returns draw_classifier's dict."""
        if W is not None:
            self.W = np.array(W, dtype=np.float64).reshape(2, 3)
        if b is not None:
            self.b = np.array(b, dtype=np.float64).reshape(3)
        if loss is not None:
            if loss not in LOSSES:
                raise ValueError(f"LinearClassifierDemo: unknown loss {loss!r}; choose one of {sorted(LOSSES)}")
            self.loss = loss
        if learning_rate is not None:
            self.learning_rate = float(learning_rate)
        self.history.append(self.current_loss())
        self._redraw()
        return self.result

    def step(self, n=1):
        """Take n gradient steps with the current learning rate; returns the loss after them."""
        for _ in range(int(n)):
            _, dW, db = LOSSES[self.loss](self.W, self.b, self.X, self.t)
            self.W = self.W - self.learning_rate * dW
            self.b = self.b - self.learning_rate * db
            self.history.append(self.current_loss())
        self._sync_sliders()
        self._redraw()
        return self.history[-1]

    def reset(self):
        self.W, self.b = self.initial[0].copy(), self.initial[1].copy()
        self.history = [self.current_loss()]
        self._sync_sliders()
        self._redraw()

    def _redraw(self):
        """Send the figure of the current state. Once shown, a change redraws only what it can change (the
        classifier panel's contents and title, the loss panel, the weights line) over the saved rest."""
        self.figure()
        ax, ax_loss = self.axes
        # before matplotlib 3.11 an image drawn on its own (draw_artist) comes out unlike the same image in a full
        # rendering: there the regions stay in the rendering, drawn again each time, and the rest moves over them
        images = list(ax.images) if _IMAGES_DRAWN_ALONE_AS_IN_FULL else []
        moving = [*images, *ax.lines, *ax.texts, *ax.collections, *ax.spines.values(), ax.title, ax_loss,
                  self._weights_text]
        self.live.redraw_moving(moving, full=not _IMAGES_DRAWN_ALONE_AS_IN_FULL)

    def _sync_sliders(self):
        if self._controls is None:
            return
        self._syncing = True  # one redraw for the whole step, not one per slider
        try:
            for k in range(3):
                self._controls[f"w{k}x"].value = float(np.clip(self.W[0, k], -8, 8))
                self._controls[f"w{k}y"].value = float(np.clip(self.W[1, k], -8, 8))
                self._controls[f"b{k}"].value = float(np.clip(self.b[k], -8, 8))
        finally:
            self._syncing = False

    def controls(self):
        ipywidgets = _widgets()
        c = {}
        layout = ipywidgets.Layout(width="250px")
        style = {"description_width": "60px"}
        columns = []
        for k, colour in enumerate(CLASS_COLOURS):
            for name, value, text in ((f"w{k}x", self.W[0, k], f"W[0,{k}]"), (f"w{k}y", self.W[1, k], f"W[1,{k}]"),
                                      (f"b{k}", self.b[k], f"b[{k}]")):
                # on release only: every change is a point of the loss history, and a drag is not dozens of changes
                c[name] = ipywidgets.FloatSlider(value=float(value), min=-8.0, max=8.0, step=0.05, description=text,
                                                 continuous_update=False, style=style, layout=layout)
            title = ipywidgets.HTML(f"<b style='color:{colour}'>class {k}</b>")
            columns.append(ipywidgets.VBox([title, c[f"w{k}x"], c[f"w{k}y"], c[f"b{k}"]]))
        c["loss"] = ipywidgets.Dropdown(options=list(LOSSES), value=self.loss, description="loss",
                                        style=style, layout=layout)
        c["learning_rate"] = ipywidgets.FloatSlider(value=self.learning_rate, min=0.05, max=3.0, step=0.05,
                                                    description="η", continuous_update=False, style=style,
                                                    layout=layout)
        c["step"] = ipywidgets.Button(description="step", button_style="primary", tooltip="one gradient step")
        c["step10"] = ipywidgets.Button(description="10 steps", tooltip="ten gradient steps")
        c["reset"] = ipywidgets.Button(description="reset", tooltip="back to the initial weights")

        def slider_moved(_):
            if self._syncing:
                return
            W = [[c[f"w{k}x"].value for k in range(3)], [c[f"w{k}y"].value for k in range(3)]]
            self.update(W=W, b=[c[f"b{k}"].value for k in range(3)])

        for name in c:
            if name[0] in "wb" and name[1].isdigit():
                c[name].observe(slider_moved, names="value")
        c["loss"].observe(lambda change: self.update(loss=change["new"]), names="value")

        def rate_moved(change):  # shown in the loss panel's title, so the slider visibly does something
            self.learning_rate = change["new"]
            self._redraw()

        c["learning_rate"].observe(rate_moved, names="value")
        c["step"].on_click(lambda _: self.step(1))
        c["step10"].on_click(lambda _: self.step(10))
        c["reset"].on_click(lambda _: self.reset())
        self._controls = c
        actions = ipywidgets.HBox([c["loss"], c["learning_rate"], c["step"], c["step10"], c["reset"]])
        return panel([ipywidgets.HBox(columns), actions],
                     "LinearClassifierDemo: sliders for W and b, a loss menu, a learning rate, step and reset "
                     "buttons (run the notebook to use them)")

    def show(self):
        """Display the controls, then the figure of the current state under them (updated in place)."""
        self.figure()
        show_demo(self.controls(), self.live)
