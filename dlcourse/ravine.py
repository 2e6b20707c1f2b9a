"""Lecture 06: an ill-conditioned ravine, learning rates tuned on a grid, and a race widget over any surfaces.

``ravine(condition_number, angle)`` is the quadratic f(w) = ½·wᵀHw whose Hessian H has the eigenvalues
2/κ (along the valley) and 2 (across it), turned by ``angle`` degrees. ``tune_learning_rate`` picks, for one
optimiser, the rate of a grid that ends a race lowest, so every optimiser of a race gets a fair rate.
``race_explorer(surfaces)`` is the race widget of ``dlcourse.widgets.optimizers`` for surfaces given as
``{name: Surface}`` (such as this ravine), with the same controls: a surface menu and a step slider.
"""
import dataclasses

import numpy as np
from matplotlib.figure import Figure

from .widgets import LiveFigure, coalesced, panel, show_demo
from .widgets.optimizers import (OPTIMIZERS, Surface, animate_moving, draw_losses, draw_surface, move_to_step,
                                 race)

# 0.001 to 10, 8 rates per factor 10 (each about 1.33 times the previous), rounded to 2 digits: 0.75, 1, 1.3, 1.8, ...
LEARNING_RATE_GRID = np.array([float(f"{rate:.2g}") for rate in 10.0 ** np.linspace(-3, 1, 33)])


def ravine(condition_number=100.0, angle=30.0, start_along=-7.0, start_across=1.5):
    """The Surface f(w) = ½·wᵀHw, H with eigenvalues 2/κ (along the valley) and 2 (across), turned by ``angle``°.

    The start lies ``start_along`` along the valley floor and ``start_across`` up its side.
    """
    turn = np.radians(angle)
    along, across = np.array([np.cos(turn), np.sin(turn)]), np.array([-np.sin(turn), np.cos(turn)])
    hessian = 2.0 / condition_number * np.outer(along, along) + 2.0 * np.outer(across, across)

    def f(w):
        w = np.asarray(w, dtype=np.float64)
        return 0.5 * np.einsum("...i,ij,...j->...", w, hessian, w)

    def grad(w):
        return hessian @ np.asarray(w, dtype=np.float64)

    start = tuple(float(v) for v in start_along * along + start_across * across)
    surface = Surface(f"ravine (κ = {condition_number:g})", f, grad, start=start, xlim=(-8, 8), ylim=(-5, 5),
                      minimum=(0.0, 0.0), steps=100, learning_rates={},
                      note=f"f = ½·wᵀHw, eigenvalues of H {2 / condition_number:g} and 2: condition number "
                           f"κ = {condition_number:g}")
    surface.hessian = hessian
    return surface


def final_value(surface, optimizer, learning_rate, steps, last=10):
    """The largest f over the last ``last`` of ``steps`` steps (inf if the run diverged): a value luck cannot lower."""
    path = race(surface, steps, optimizers=[optimizer], learning_rates={optimizer: learning_rate})[optimizer]
    if len(path) < steps + 1:
        return np.inf
    values = surface.f(path[-last:])
    return float(np.max(values)) if np.all(np.isfinite(values)) else np.inf


def tune_learning_rate(surface, optimizer, steps=None, grid=LEARNING_RATE_GRID):
    """(best rate, {rate: final value}): the rate of ``grid`` whose race ends lowest (see ``final_value``)."""
    steps = surface.steps if steps is None else steps
    results = {float(rate): final_value(surface, optimizer, rate, steps) for rate in grid}
    return min(results, key=results.get), results


def tuned(surface, optimizers=OPTIMIZERS, steps=None, grid=LEARNING_RATE_GRID):
    """A copy of ``surface`` whose learning_rates are every optimiser's best rate on ``grid``."""
    rates = {name: tune_learning_rate(surface, name, steps, grid)[0] for name in optimizers}
    copy = dataclasses.replace(surface, learning_rates=rates)
    if hasattr(surface, "hessian"):
        copy.hessian = surface.hessian
    return copy


def fair_race_surfaces():
    """Lecture 06's race: the ravine (κ = 100) and Rosenbrock with grid-tuned rates, the saddle and the double well.

    Every optimiser gets its best rate of the grid where rates decide the race, so no one wins by its rate alone.
    """
    from .widgets.optimizers import SURFACES

    return {"ravine": tuned(ravine(condition_number=100, angle=30)), "Rosenbrock": tuned(SURFACES["Rosenbrock"]),
            "saddle": SURFACES["saddle"], "local minima": SURFACES["local minima"]}


class SurfaceRace:
    """Every optimiser on every surface of ``{name: Surface}``; ``update(surface, step)`` redraws ``fig`` in place.

    The contours of a surface are drawn once; a new step count moves only the paths' lines and markers.
    """

    def __init__(self, surfaces, max_steps=300, optimizers=OPTIMIZERS):
        self.surfaces, self.max_steps = dict(surfaces), int(max_steps)
        self.paths = {name: race(surface, self.max_steps, optimizers) for name, surface in self.surfaces.items()}
        self.fig = Figure(figsize=(11, 4.2))  # not a pyplot figure: shown only through the LiveFigure
        self.axes = self.fig.subplots(1, 2)
        self.live = LiveFigure(self.fig)
        self.surface = next(iter(self.surfaces))
        self.step = self.surfaces[self.surface].steps
        self._drawn = None

    def update(self, surface=None, step=None):
        self.surface = self.surface if surface is None else surface
        self.step = self.step if step is None else int(step)
        chosen, paths = self.surfaces[self.surface], self.paths[self.surface]
        if self._drawn != self.surface:
            for ax in self.axes:
                ax.clear()
            draw_surface(self.axes[0], chosen, paths, self.step)
            draw_losses(self.axes[1], chosen, paths, self.step)
            self.fig.suptitle(chosen.note, fontsize=10)
            self.fig.tight_layout()
            animate_moving(self.axes)
            moved_only, self._drawn = False, self.surface
        else:
            move_to_step(self.axes, chosen, paths, self.step)
            moved_only = True  # only the paths, the markers and the title: drawn over the saved contours
        self.live.redraw(moved_only)
        return self.fig

    def positions(self):
        """{optimiser: (x, y)} where each optimiser is at the current step (for tests and printing)."""
        return {name: path[min(self.step, len(path) - 1)] for name, path in self.paths[self.surface].items()}


def race_explorer(surfaces=None, max_steps=300):
    """A Dropdown (surface) and an IntSlider (steps) redrawing a SurfaceRace; returns the SurfaceRace.

    ``surfaces``: ``{name: Surface}``, by default ``fair_race_surfaces()``. The controls come first, then the
    figure of the current state (a PNG output a saved notebook keeps), replaced in place on every change.
    """
    import ipywidgets as widgets

    demo = SurfaceRace(fair_race_surfaces() if surfaces is None else surfaces, max_steps)
    demo.update()
    surface_menu = widgets.Dropdown(options=list(demo.surfaces), value=demo.surface, description="surface")
    step_slider = widgets.IntSlider(value=demo.step, min=0, max=max_steps, step=1, description="steps",
                                    continuous_update=False)

    def redraw(_=None):
        demo.update(surface=surface_menu.value, step=step_slider.value)

    surface_menu.observe(coalesced(redraw), names="value")
    step_slider.observe(coalesced(redraw), names="value")
    show_demo(panel([widgets.HBox([step_slider, surface_menu])],
                    "SurfaceRace: a surface menu and a slider on the number of steps (run the notebook to move them)"),
              demo.live)
    return demo
