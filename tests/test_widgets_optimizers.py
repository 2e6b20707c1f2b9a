"""Lecture 06's optimiser race: the surfaces, the paths of the library's optimisers, the drawing and the widget."""
import matplotlib
import numpy as np
import pytest

from dlcourse.gradcheck import numerical_gradient
from dlcourse.widgets import optimizers as race_module
from dlcourse.widgets.optimizers import OPTIMIZERS, SURFACES, OptimizerRace, draw_all_surfaces, race

matplotlib.use("Agg")


@pytest.mark.parametrize("name", list(SURFACES))
def test_each_surface_gradient_matches_the_numerical_gradient(name):
    surface = SURFACES[name]
    for point in (np.array(surface.start, dtype=float), np.array([0.3, -0.7]), np.array([-1.1, 0.4])):
        numeric = numerical_gradient(lambda w: float(surface.f(w)), point.copy())
        assert np.allclose(surface.grad(point), numeric, rtol=1e-5, atol=1e-6)


def test_the_minimum_marked_on_each_surface_is_a_stationary_point():
    for surface in SURFACES.values():
        assert np.linalg.norm(surface.grad(np.array(surface.minimum))) < 1e-2, surface.name


def test_race_gives_every_optimiser_a_path_from_the_start():
    paths = race("elongated bowl", 30)
    assert list(paths) == list(OPTIMIZERS)
    for path in paths.values():
        assert path.shape == (31, 2)
        assert np.array_equal(path[0], SURFACES["elongated bowl"].start)


def test_the_race_shows_what_the_lecture_says():
    bowl = race("elongated bowl", 40)
    # SGD with a large rate zig-zags across the ravine: y changes sign at (almost) every step
    signs = np.sign(bowl["SGD"][1:20, 1])
    assert np.mean(signs[1:] != signs[:-1]) > 0.9
    # at tuned rates, per-weight rates win by far on this bowl: its axes are the weights' axes (lecture 06 turns
    # its ravine for that reason)
    f_bowl = SURFACES["elongated bowl"].f
    assert max(f_bowl(bowl[name][-1]) for name in ("AdaGrad", "RMSProp")) < 1e-6 * min(
        f_bowl(bowl[name][-1]) for name in ("SGD", "Momentum", "Nesterov", "Adam"))
    saddle, f = race("saddle", 100), SURFACES["saddle"].f
    for name in ("AdaGrad", "RMSProp", "Adam"):
        assert f(saddle[name][-1]) < -0.24, name          # left the saddle for a minimum
    for name in ("SGD", "Momentum", "Nesterov"):
        assert abs(f(saddle[name][-1])) < 0.01, name       # still next to the saddle point (f = 0)
    wells, f = race("local minima", 150), SURFACES["local minima"].f
    assert wells["Momentum"][-1][0] < -0.9 and wells["Nesterov"][-1][0] < -0.9     # the global minimum
    assert wells["SGD"][-1][0] > 0.9 and wells["Adam"][-1][0] > 0.9                 # stuck in the local one


def test_a_diverging_path_stops_early_with_finite_points():
    paths = race("Rosenbrock", 50, optimizers=["SGD"], learning_rates={"SGD": 0.1})
    assert len(paths["SGD"]) < 51
    assert np.all(np.isfinite(paths["SGD"]))


def _drawn_lines(fig):
    return [line.get_xydata().copy() for ax in fig.axes for line in ax.get_lines()]


def test_update_draws_different_data_for_different_controls():
    demo = OptimizerRace(max_steps=120)
    demo.update(surface="elongated bowl", step=10)
    early = _drawn_lines(demo.fig)
    positions_early = demo.positions()
    demo.update(step=60)
    late = _drawn_lines(demo.fig)
    assert len(early) == len(late)
    assert any(a.shape != b.shape or not np.allclose(a, b) for a, b in zip(early, late))
    assert any(not np.allclose(positions_early[k], demo.positions()[k]) for k in OPTIMIZERS)
    demo.update(surface="saddle")
    assert demo.fig.axes[0].get_title() == "saddle: step 60"
    assert demo.fig.axes[0].get_xlim() == SURFACES["saddle"].xlim


def test_static_overview_has_one_panel_per_surface():
    from dlcourse.ravine import fair_race_surfaces

    fig = draw_all_surfaces()  # lecture 06's fair race, not the bowl at hand-picked rates
    assert [ax.get_title() for ax in fig.axes] == [f"{s.name}: step {s.steps}" for s in fair_race_surfaces().values()]
    matplotlib.pyplot.close(fig)


def test_race_widget_builds_real_controls_that_redraw(monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj, **kwargs: shown.append(obj) or _Handle(shown))
    demo = race_module.race_widget(max_steps=80)
    panel, image = shown[0], shown[1]
    assert repr(panel).startswith("SurfaceRace:")  # a saved notebook shows this line, not a widget repr
    slider, menu = panel.children[0].children
    assert type(slider).__name__ == "IntSlider" and slider.description == "steps"
    assert not slider.continuous_update and slider.max == 80
    assert type(menu).__name__ == "Dropdown" and menu.value == "ravine"
    lines_before = len(demo.fig.axes[0].get_lines())
    slider.value = 5
    assert demo.step == 5 and shown[-1] is not image         # the handle received a new image
    assert len(demo.fig.axes[0].get_lines()) == lines_before  # moved in place, nothing added
    assert demo.fig.axes[0].get_title().endswith("step 5")
    menu.value = "Rosenbrock"
    assert demo.surface == "Rosenbrock"


def test_the_race_widget_gives_every_optimiser_its_tuned_rate():
    from dlcourse.ravine import fair_race_surfaces, tune_learning_rate

    surfaces = fair_race_surfaces()
    assert list(surfaces)[0] == "ravine"
    for name in ("ravine", "Rosenbrock"):
        for optimizer in ("SGD", "Momentum"):
            assert surfaces[name].learning_rates[optimizer] == tune_learning_rate(surfaces[name], optimizer)[0]


def test_the_bowl_rates_are_the_grid_tuned_ones():
    from dlcourse.ravine import tuned

    bowl = SURFACES["elongated bowl"]
    assert bowl.learning_rates == tuned(bowl).learning_rates


class _Handle:
    def __init__(self, shown):
        self.shown = shown

    def update(self, obj):
        self.shown.append(obj)
