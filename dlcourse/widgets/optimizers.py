"""Lecture 06: a race of optimisers on 2-D loss surfaces.

Each surface is a function f(w) of a point w = (x, y) with its gradient; every optimiser of dlcourse.optim
starts at the same point and takes the same number of steps, each with a learning rate that suits it on
that surface. ``race(surface, steps)`` gives the paths; ``OptimizerRace`` draws them (a plain function
of the surface name and the step count) and ``race_widget()`` shows lecture 06's race with grid-tuned rates.
"""
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from .. import optim

OPTIMIZERS = ("SGD", "Momentum", "Nesterov", "AdaGrad", "RMSProp", "Adam")
COLORS = {"SGD": "tab:gray", "Momentum": "tab:blue", "Nesterov": "tab:cyan", "AdaGrad": "tab:green",
          "RMSProp": "tab:orange", "Adam": "tab:red"}


@dataclass
class Surface:
    """f(w) and ∇f(w) for w of shape (2,) (f also takes (..., 2) grids), a start, the plot window, the learning
    rates."""

    name: str
    f: object
    grad: object
    start: tuple
    xlim: tuple
    ylim: tuple
    learning_rates: dict
    minimum: tuple = None
    steps: int = 150  # the step count worth showing first
    log_levels: bool = False
    note: str = ""


def _bowl(w):
    return w[..., 0] ** 2 / 20.0 + w[..., 1] ** 2


def _bowl_grad(w):
    return np.array([w[0] / 10.0, 2.0 * w[1]])


def _rosenbrock(w):
    return (1.0 - w[..., 0]) ** 2 + 100.0 * (w[..., 1] - w[..., 0] ** 2) ** 2


def _rosenbrock_grad(w):
    x, y = w
    return np.array([-2.0 * (1.0 - x) - 400.0 * x * (y - x * x), 200.0 * (y - x * x)])


def _saddle(w):
    return w[..., 0] ** 2 + w[..., 1] ** 4 / 4.0 - w[..., 1] ** 2 / 2.0


def _saddle_grad(w):
    return np.array([2.0 * w[0], w[1] ** 3 - w[1]])


def _wells(w):
    x, y = w[..., 0], w[..., 1]
    return (x * x - 1.0) ** 2 + 0.3 * x + 0.5 * y * y


def _wells_grad(w):
    x, y = w
    return np.array([4.0 * x * (x * x - 1.0) + 0.3, y])


SURFACES = {
    "elongated bowl": Surface(
        "elongated bowl", _bowl, _bowl_grad, start=(-7.0, 2.0), xlim=(-8, 8), ylim=(-3, 3), minimum=(0.0, 0.0),
        steps=40,
        # each optimiser's best rate of dlcourse.ravine's grid over these 40 steps (a test re-tunes them): a fixed
        # rate, good for one and poor for another, would decide the race by itself
        learning_rates={"SGD": 0.75, "Momentum": 0.056, "Nesterov": 0.56, "AdaGrad": 7.5, "RMSProp": 10.0,
                        "Adam": 0.24},
        note="f = x²/20 + y²: steep across (y), flat along (x): a ravine"),
    "Rosenbrock": Surface(
        "Rosenbrock", _rosenbrock, _rosenbrock_grad, start=(-1.2, 1.0), xlim=(-2, 2), ylim=(-1, 3), minimum=(1.0, 1.0),
        steps=300, learning_rates={"SGD": 0.002, "Momentum": 0.001, "Nesterov": 0.001, "AdaGrad": 0.5, "RMSProp": 0.05,
                                   "Adam": 0.2},
        log_levels=True, note="f = (1 − x)² + 100·(y − x²)²: a curved, flat-bottomed valley"),
    "saddle": Surface(
        "saddle", _saddle, _saddle_grad, start=(1.5, 1e-6), xlim=(-2, 2), ylim=(-1.6, 1.6), minimum=(0.0, 1.0),
        steps=100,
        learning_rates={"SGD": 0.1, "Momentum": 0.02, "Nesterov": 0.02, "AdaGrad": 0.3, "RMSProp": 0.02,
                        "Adam": 0.05},
        note="f = x² + y⁴/4 − y²/2: a saddle at (0, 0) (gradient 0), minima at y = ±1"),
    "local minima": Surface(
        "local minima", _wells, _wells_grad, start=(2.0, 1.0), xlim=(-2, 2.2), ylim=(-1.5, 1.5), minimum=(-1.036, 0.0),
        steps=150, learning_rates={"SGD": 0.02, "Momentum": 0.02, "Nesterov": 0.02, "AdaGrad": 0.3, "RMSProp": 0.02,
                                   "Adam": 0.05},
        note="f = (x² − 1)² + 0.3·x + y²/2: a local minimum near x = 0.96, the global one near x = −1.04"),
}


def make_optimizer(name, lr):
    """The dlcourse.optim optimiser called ``name`` with learning rate ``lr`` (default other settings)."""
    return getattr(optim, name)(lr)


def race(surface, steps, optimizers=OPTIMIZERS, learning_rates=None):
    """Paths {optimiser name: (steps + 1, 2) array} from the surface's start; a diverging path stops early.

    ``surface`` is a Surface or a key of SURFACES; ``learning_rates`` overrides the surface's per-optimiser rates.
    """
    surface = SURFACES[surface] if isinstance(surface, str) else surface
    rates = dict(surface.learning_rates, **(learning_rates or {}))
    paths = {}
    for name in optimizers:
        opt = make_optimizer(name, rates[name])
        params = {"w": np.array(surface.start, dtype=np.float64)}
        path = [params["w"].copy()]
        for _ in range(steps):
            opt.update(params, {"w": surface.grad(params["w"])})
            if not np.all(np.isfinite(params["w"])) or np.abs(params["w"]).max() > 1e6:
                break  # diverged: keep the finite part
            path.append(params["w"].copy())
        paths[name] = np.array(path)
    return paths


def draw_surface(ax, surface, paths, step, legend=True, learning_rates=None):
    """Contours of the surface and every path up to ``step`` (a dot marks where each optimiser is).

    ``learning_rates``: the rates the paths were made with, if not the surface's own (for the legend).
    """
    surface = SURFACES[surface] if isinstance(surface, str) else surface
    rates = dict(surface.learning_rates, **(learning_rates or {}))
    xs = np.linspace(*surface.xlim, 200)
    ys = np.linspace(*surface.ylim, 160)
    grid = np.stack(np.meshgrid(xs, ys), axis=-1)
    values = surface.f(grid)
    if surface.log_levels:
        levels = np.logspace(-1, np.log10(values.max()), 14)
    else:
        levels = np.linspace(values.min(), np.quantile(values, 0.9), 18)
    ax.contour(xs, ys, values, levels=levels, colors="0.75", linewidths=0.7)
    if surface.minimum is not None:
        ax.plot(*surface.minimum, marker="*", color="black", markersize=12, linestyle="none")
    ax.plot(*surface.start, marker="o", color="black", markersize=5, linestyle="none")
    for name, path in paths.items():
        shown = path[:step + 1]
        ax.plot(shown[:, 0], shown[:, 1], "-", color=COLORS[name], linewidth=1.4, alpha=0.9,
                label=f"{name} (lr {rates[name]:g})", gid=f"path {name}")
        ax.plot(*shown[-1], "o", color=COLORS[name], markersize=6, gid=f"position {name}")
    ax.set_xlim(*surface.xlim)
    ax.set_ylim(*surface.ylim)
    ax.set_title(f"{surface.name}: step {step}", fontsize=10)
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    if legend:
        ax.legend(fontsize=7, loc="best", framealpha=0.85)
    return ax


def draw_losses(ax, surface, paths, step):
    """f along every path (minus the surface's minimum value, log scale) with a marker at ``step``."""
    surface = SURFACES[surface] if isinstance(surface, str) else surface
    best = float(surface.f(np.array(surface.minimum))) if surface.minimum is not None else 0.0
    for name, path in paths.items():
        gap = np.maximum(surface.f(path) - best, 1e-12)
        ax.semilogy(np.arange(len(path)), gap, color=COLORS[name], linewidth=1.2, label=name)
        shown = [step] if step < len(path) else []
        ax.semilogy(shown, gap[shown], "o", color=COLORS[name], markersize=5, gid=f"loss at step {name}")
    ax.axvline(step, color="black", linewidth=0.8, linestyle=":", gid="step")
    ax.set_xlabel("step")
    ax.set_ylabel("f(w) − f(minimum)")
    ax.set_title("distance to the best value", fontsize=10)
    ax.grid(alpha=0.3)
    return ax


def animate_moving(axes):
    """Mark what ``move_to_step`` moves as animated (see ``dlcourse.widgets.LiveFigure``); not for static figures,
    which leave animated artists out."""
    for artist in [line for ax in axes for line in ax.get_lines() if line.get_gid()] + [axes[0].title]:
        artist.set_animated(True)


def move_to_step(axes, surface, paths, step):
    """Move what ``draw_surface`` and ``draw_losses`` drew on ``axes`` to ``step`` (the contours stay as they are).

    Much cheaper than drawing again, so the step slider can follow a drag.
    """
    surface = SURFACES[surface] if isinstance(surface, str) else surface
    ax_paths, ax_losses = axes
    artists = {line.get_gid(): line for ax in axes for line in ax.get_lines() if line.get_gid()}
    best = float(surface.f(np.array(surface.minimum))) if surface.minimum is not None else 0.0
    for name, path in paths.items():
        shown = path[:step + 1]
        artists[f"path {name}"].set_data(shown[:, 0], shown[:, 1])
        artists[f"position {name}"].set_data(shown[-1:, 0], shown[-1:, 1])
        at = [step] if step < len(path) else []
        artists[f"loss at step {name}"].set_data(at, np.maximum(surface.f(path[at]) - best, 1e-12))
    artists["step"].set_xdata([step, step])
    ax_paths.set_title(f"{surface.name}: step {step}", fontsize=10)


class OptimizerRace:
    """Every optimiser on every surface, computed once; ``update(surface, step)`` redraws the figure.

    ``fig`` holds two panels: the paths on the contour plot and f along the paths.
    """

    def __init__(self, max_steps=300, surfaces=tuple(SURFACES), optimizers=OPTIMIZERS):
        self.max_steps = int(max_steps)
        self.paths = {name: race(name, self.max_steps, optimizers) for name in surfaces}
        self.fig = Figure(figsize=(11, 4.2))  # not a pyplot figure: shown only through race_widget's display
        self.axes = self.fig.subplots(1, 2)
        self.surface, self.step = surfaces[0], SURFACES[surfaces[0]].steps
        self._drawn = None

    def update(self, surface=None, step=None):
        self.surface = self.surface if surface is None else surface
        self.step = self.step if step is None else int(step)
        paths = self.paths[self.surface]
        if self._drawn != self.surface:
            for ax in self.axes:
                ax.clear()
            draw_surface(self.axes[0], self.surface, paths, self.step)
            draw_losses(self.axes[1], self.surface, paths, self.step)
            self.fig.suptitle(SURFACES[self.surface].note, fontsize=10)
            self.fig.tight_layout()
            self._drawn = self.surface
        else:
            move_to_step(self.axes, self.surface, paths, self.step)
        return self.fig

    def positions(self):
        """{optimiser: (x, y)} where each optimiser is at the current step (for tests and printing)."""
        return {name: path[min(self.step, len(path) - 1)] for name, path in self.paths[self.surface].items()}


def draw_all_surfaces(paths=None, surfaces=None):
    """A 2 × 2 figure: the race on every surface after the surface's own number of steps (Surface.steps).

    ``surfaces``: ``{name: Surface}``, by default lecture 06's fair race (``dlcourse.ravine.fair_race_surfaces``).
    """
    from ..ravine import fair_race_surfaces

    surfaces = fair_race_surfaces() if surfaces is None else surfaces
    fig, axes = plt.subplots(2, 2, figsize=(11, 8.5))
    for ax, (name, surface) in zip(axes.ravel(), surfaces.items()):
        found = paths[name] if paths is not None else race(surface, surface.steps)
        draw_surface(ax, surface, found, surface.steps, legend=True)
    fig.tight_layout()
    return fig


def race_widget(max_steps=300):
    """Lecture 06's race widget (``dlcourse.ravine.race_explorer``) on its fair surfaces; returns the SurfaceRace.

    The ravine and Rosenbrock race with every optimiser at its grid-tuned rate: a shared or hand-picked rate
    would let the rate, not the method, decide the race.
    """
    from ..ravine import race_explorer

    return race_explorer(max_steps=max_steps)
