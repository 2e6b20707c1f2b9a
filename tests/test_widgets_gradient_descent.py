"""Lecture 02's demos and exercises: the drawing follows the control values, the math is right, the checks bite."""
import warnings

import ipywidgets as widgets
import numpy as np
import pytest
from matplotlib.figure import Figure

from dlcourse.checks import exercises
from dlcourse.checks.core import run_case
from dlcourse.functions import svm_loss, svm_loss_and_grad_scores
from dlcourse.gradcheck import numerical_gradient, rel_error
from dlcourse.layers import SoftmaxWithLoss
from dlcourse.widgets.gradient_descent import (GLOBAL_MINIMUM, LOCAL_MINIMUM, SADDLE_POINT, SURFACES, LandscapeDemo,
                                               LinearClassifierDemo, descent_path, draw_classifier, draw_descent,
                                               softmax_loss_and_grads, svm_loss_and_grads, three_class_points)

LECTURE_02 = ("numerical_gradient", "gradient_descent", "minibatch_indices", "softmax_loss_and_grad")


def _axes(n=2):
    return Figure().subplots(1, n)


# ---------------------------------------------------------------- surfaces and paths

def test_surface_gradients_match_the_numerical_gradient():
    rng = np.random.default_rng(0)
    for surface in SURFACES.values():
        for point in rng.uniform(-1.5, 1.5, size=(5, 2)):
            numeric = numerical_gradient(lambda p: surface.f(p[0], p[1]), point.copy())
            assert rel_error(surface.gradient(point), numeric) < 1e-7, surface.name


def test_two_minima_surface_has_its_stationary_points_where_the_lecture_says():
    wells = SURFACES["two minima"]
    for point in (GLOBAL_MINIMUM, LOCAL_MINIMUM, SADDLE_POINT):
        assert np.linalg.norm(wells.gradient(point)) < 1e-12
    assert wells.f(*GLOBAL_MINIMUM) == pytest.approx(wells.minimum)
    assert wells.f(*GLOBAL_MINIMUM) < wells.f(*LOCAL_MINIMUM) < wells.f(*SADDLE_POINT)
    assert GLOBAL_MINIMUM[0] == pytest.approx(-1.0356, abs=1e-4) and LOCAL_MINIMUM[0] == pytest.approx(0.9601, abs=1e-4)


def test_descent_path_is_the_reference_of_the_gradient_descent_exercise():
    reference = exercises()["gradient_descent"].reference["gradient_descent"]
    bowl = SURFACES["elongated bowl"]
    path = descent_path(bowl.gradient, (-4.0, 1.5), 0.05, 20)
    x, expected = reference(bowl.gradient, np.array([-4.0, 1.5]), 0.05, 20)
    assert path.shape == (21, 2)
    np.testing.assert_allclose(path, expected)
    np.testing.assert_allclose(path[-1], x)


def test_learning_rate_decides_between_crawling_converging_and_diverging():
    bowl = SURFACES["elongated bowl"]
    losses = {lr: bowl.f(*descent_path(bowl.gradient, (-4.0, 1.5), lr, 30)[-1]) for lr in (0.01, 0.1, 0.21)}
    assert losses[0.1] < 0.02 < 1.0 < losses[0.01] < 10 < 1000 < losses[0.21]
    long_run = descent_path(bowl.gradient, (-4.0, 1.5), 0.5, 1000)
    assert len(long_run) < 1001 and np.max(np.abs(long_run[-1])) > 1e6  # stopped once clearly diverged


def test_start_point_and_learning_rate_decide_the_minimum_found():
    wells = SURFACES["two minima"]
    assert np.allclose(descent_path(wells.gradient, (-0.3, -1.4), 0.05, 100)[-1], GLOBAL_MINIMUM, atol=1e-3)
    assert np.allclose(descent_path(wells.gradient, (0.25, 1.4), 0.05, 100)[-1], LOCAL_MINIMUM, atol=1e-3)
    assert np.allclose(descent_path(wells.gradient, (1.7, 1.2), 0.05, 100)[-1], LOCAL_MINIMUM, atol=1e-3)
    assert np.allclose(descent_path(wells.gradient, (1.7, 1.2), 0.15, 100)[-1], GLOBAL_MINIMUM, atol=1e-3)


def test_draw_descent_draws_a_different_path_for_a_different_learning_rate():
    ax_a, ax_b = _axes(), _axes()
    path_a = draw_descent(ax_a[0], ax_a[1], "elongated bowl", 0.05, (-4.0, 1.5), 30)
    path_b = draw_descent(ax_b[0], ax_b[1], "elongated bowl", 0.19, (-4.0, 1.5), 30)
    line_a, line_b = ax_a[0].lines[0].get_xydata(), ax_b[0].lines[0].get_xydata()
    np.testing.assert_allclose(line_a, path_a)
    np.testing.assert_allclose(line_b, path_b)
    assert line_a.shape == line_b.shape == (31, 2) and not np.allclose(line_a, line_b)
    assert "η = 0.05" in ax_a[0].get_title() and "η = 0.19" in ax_b[0].get_title()
    assert not np.allclose(ax_a[1].lines[0].get_ydata(), ax_b[1].lines[0].get_ydata())


def test_draw_descent_names_a_diverged_run_and_rejects_an_unknown_surface():
    ax = _axes()
    draw_descent(ax[0], ax[1], "elongated bowl", 0.25, (-4.0, 1.5), 60)
    assert "diverged" in ax[0].get_title()
    with pytest.raises(ValueError, match="unknown surface 'flat'"):
        draw_descent(ax[0], None, "flat")


def test_landscape_demo_follows_its_sliders_without_a_front_end():
    demo = LandscapeDemo()
    panel = demo.controls()
    assert isinstance(panel, widgets.VBox) and "LandscapeDemo" in repr(panel)
    slider = demo._controls["learning_rate"]
    assert isinstance(slider, widgets.FloatSlider) and not slider.continuous_update
    assert slider.description == "learning rate η"
    demo.update()
    before = demo.path.copy()
    slider.value = 0.19
    assert demo.values["learning_rate"] == 0.19 and not np.allclose(demo.path, before)
    demo._controls["surface"].value = "two minima"
    demo._controls["start_x"].value = 1.7
    demo._controls["start_y"].value = 1.2
    assert demo.values["start"] == (1.7, 1.2) and demo.path[0].tolist() == [1.7, 1.2]
    with pytest.raises(TypeError, match="unknown value"):
        demo.update(momentum=0.9)


# ---------------------------------------------------------------- the linear classifier

def _with_bias_reference(W, b, X, t):
    reference = exercises()["softmax_loss_and_grad"].reference["softmax_loss_and_grad"]
    return reference(np.vstack([W, b]), np.hstack([X, np.ones((len(X), 1))]), t)


@pytest.mark.parametrize("loss_and_grads", [softmax_loss_and_grads, svm_loss_and_grads])
def test_classifier_gradients_pass_the_gradient_check(loss_and_grads):
    X, t = three_class_points(seed=1)
    rng = np.random.default_rng(2)
    W, b = rng.standard_normal((2, 3)), rng.standard_normal(3)
    _, dW, db = loss_and_grads(W, b, X, t)
    assert rel_error(dW, numerical_gradient(lambda W_: loss_and_grads(W_, b, X, t)[0], W.copy())) < 1e-6
    assert rel_error(db, numerical_gradient(lambda b_: loss_and_grads(W, b_, X, t)[0], b.copy())) < 1e-6


def test_softmax_loss_matches_the_exercise_reference_with_the_bias_trick():
    X, t = three_class_points()
    W, b = np.array([[1.0, 0.5, -1.0], [-1.0, 1.0, 0.5]]), np.array([0.5, 0.0, -0.5])
    loss, dW, db = softmax_loss_and_grads(W, b, X, t)
    expected_loss, expected_grad = _with_bias_reference(W, b, X, t)
    assert loss == pytest.approx(expected_loss)
    np.testing.assert_allclose(np.vstack([dW, db]), expected_grad)


def test_svm_loss_of_a_hand_computed_example():
    X, t = np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([0, 2])
    W, b = np.array([[2.0, 1.5, 0.0], [0.0, 0.0, 0.5]]), np.zeros(3)
    # sample 0: scores (2, 1.5, 0), margins max(0, 1.5 - 2 + 1) = 0.5, max(0, 0 - 2 + 1) = 0
    # sample 1: scores (0, 0, 0.5), margins max(0, 0 - 0.5 + 1) = 0.5 twice
    assert svm_loss_and_grads(W, b, X, t)[0] == pytest.approx((0.5 + 1.0) / 2)


def test_draw_classifier_regions_and_loss_follow_the_weights():
    X, t = three_class_points()
    ax_a, ax_b = _axes(1), _axes(1)
    W = np.array([[1.0, 0.5, -1.0], [-1.0, 1.0, 0.5]])
    a = draw_classifier(ax_a, X, t, W, [0.5, 0.0, -0.5])
    b = draw_classifier(ax_b, X, t, [[0.0, -1.7, 1.7], [1.7, -1.0, -1.0]], [0.0, 0.0, 0.0])
    assert a["regions"].shape == (150, 150) and set(np.unique(b["regions"])) == {0, 1, 2}
    assert not np.array_equal(a["regions"], b["regions"])
    assert b["accuracy"] == 1.0 > 0.5 > a["accuracy"] and b["loss"] < a["loss"]
    assert a["loss"] == pytest.approx(softmax_loss_and_grads(W, np.array([0.5, 0.0, -0.5]), X, t)[0])
    assert f"accuracy {round(a['accuracy'] * len(t))}/{len(t)}" in ax_a.get_title()
    hinge = draw_classifier(_axes(1), X, t, W, [0.5, 0.0, -0.5], loss="multiclass SVM")
    assert hinge["loss"] != pytest.approx(a["loss"])


def test_linear_classifier_demo_steps_downhill_and_resets():
    demo = LinearClassifierDemo()
    start = demo.current_loss()
    after = demo.step(30)
    assert after < 0.2 < 3.0 < start and len(demo.history) == 31
    assert np.all(np.diff(demo.history) < 0)  # a small enough η: every full-batch step lowers the loss
    demo.reset()
    assert demo.current_loss() == pytest.approx(start) and demo.history == [pytest.approx(start)]
    with pytest.raises(ValueError, match="unknown loss"):
        demo.update(loss="hinge")


def test_linear_classifier_demo_sliders_and_buttons_work_without_a_front_end():
    demo = LinearClassifierDemo()
    panel = demo.controls()
    assert "LinearClassifierDemo" in repr(panel)
    c = demo._controls
    sliders = [c[f"{name}"] for k in range(3) for name in (f"w{k}x", f"w{k}y", f"b{k}")]
    assert len(sliders) == 9 and all(isinstance(s, widgets.FloatSlider) and not s.continuous_update for s in sliders)
    before = demo.current_loss()
    c["w0y"].value = 2.0  # class 0 (the top cluster) gets a weight pointing up
    assert demo.W[1, 0] == 2.0 and demo.current_loss() < before
    c["step"].click()
    assert len(demo.history) == 3 and demo.history[-1] < demo.history[-2]
    assert c["w1x"].value == pytest.approx(demo.W[0, 1], abs=0.05)  # the sliders follow the step
    c["loss"].value = "multiclass SVM"
    assert demo.loss == "multiclass SVM" and demo.result["loss"] == pytest.approx(demo.current_loss())
    c["reset"].click()
    assert demo.W.tolist() == demo.initial[0].tolist()


def test_switching_the_loss_changes_the_loss_shown_to_the_library_value():
    demo = LinearClassifierDemo()
    scores = demo.X @ demo.W + demo.b
    softmax_value = SoftmaxWithLoss().forward(scores, demo.t)
    hinge_value = svm_loss(scores, demo.t)
    assert softmax_value == pytest.approx(3.342, abs=5e-4)  # what lecture 02's saved output prints
    n = len(demo.t)
    # Σ_j max(0, s_j - s_t + 1) counts the true class too, with exactly 1 each: take those n ones away
    by_formula = (np.maximum(0.0, scores - scores[np.arange(n), demo.t][:, None] + 1.0).sum() - n) / n
    assert hinge_value == pytest.approx(by_formula) and hinge_value > 1.5 * softmax_value
    fig = demo.figure()
    assert fig.axes[0].get_title().startswith(f"softmax loss {softmax_value:.3f} ·")
    demo.controls()
    demo._controls["loss"].value = "multiclass SVM"  # the menu, as a learner would switch it
    assert demo.result["loss"] == hinge_value and demo.history == [softmax_value, hinge_value]
    fig = demo.figure()
    assert fig.axes[0].get_title().startswith(f"multiclass SVM loss {hinge_value:.3f} ·")
    assert fig.axes[1].get_ylabel() == "multiclass SVM loss"
    _, dW, db = svm_loss_and_grads(demo.W, demo.b, demo.X, demo.t)
    _, dscores = svm_loss_and_grad_scores(scores, demo.t)
    np.testing.assert_allclose(dW, demo.X.T @ dscores)
    np.testing.assert_allclose(db, dscores.sum(axis=0))
    assert demo.step(5) < hinge_value  # gradient steps on the hinge loss lower it
    demo._controls["loss"].value = "softmax"
    assert demo.history[-1] == pytest.approx(softmax_loss_and_grads(demo.W, demo.b, demo.X, demo.t)[0])


def test_three_class_points_are_reproducible():
    X, t = three_class_points(n_per_class=5, seed=3)
    X2, _ = three_class_points(n_per_class=5, seed=3)
    assert X.shape == (15, 2) and t.tolist() == [0] * 5 + [1] * 5 + [2] * 5
    np.testing.assert_array_equal(X, X2)
    assert X[t == 0, 1].mean() > 0.5 > -0.2 > X[t == 1, 1].mean()


# ---------------------------------------------------------------- the exercises' own consistency

@pytest.mark.parametrize("name", LECTURE_02)
def test_every_mistake_fails_a_self_check_case_and_the_reference_passes_every_case(name):
    exercise = exercises()[name]
    cases = exercise.cases()
    function = exercise.functions[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # diverging wrong answers overflow on purpose
        for mistake in exercise.mistakes:
            caught = 0
            for case in cases:
                got, modified = run_case(case, {function: mistake.implementation})
                caught += modified or exercise.compare(case, exercise.expected(case), got) is not None
            assert caught, f"{name}: mistake {mistake.name!r} passes every case"
        for seed in (None, 0, 1, 2):
            for case in exercise.cases(seed):
                got, modified = run_case(case, {function: exercise.reference[function]})
                assert not modified and exercise.compare(case, exercise.expected(case), got) is None, case.label


def test_move_classifier_draws_what_draw_classifier_draws():
    from dlcourse.widgets.gradient_descent import move_classifier

    X, t = three_class_points()
    W0, b0 = np.array([[1.0, 0.5, -1.0], [-1.0, 1.0, 0.5]]), np.array([0.5, 0.0, -0.5])
    W1, b1 = np.array([[0.0, -1.7, 1.7], [0.0, -1.0, -1.0]]), np.array([0.2, 0.0, 0.0])  # w_0 = 0: no line 0
    ax_moved, ax_fresh = _axes(1), _axes(1)
    draw_classifier(ax_moved, X, t, W0, b0)
    artists = list(ax_moved.get_children())
    moved = move_classifier(ax_moved, X, t, W1, b1)
    fresh = draw_classifier(ax_fresh, X, t, W1, b1)
    assert list(ax_moved.get_children()) == artists  # nothing made again
    assert moved["loss"] == fresh["loss"] and moved["accuracy"] == fresh["accuracy"]
    assert np.array_equal(moved["regions"], fresh["regions"])
    assert np.array_equal(ax_moved.images[0].get_array(), fresh["regions"])
    assert ax_moved.get_title() == ax_fresh.get_title()
    assert [a.get_visible() for a in ax_moved.lines] == [b.get_visible() for b in ax_fresh.lines] == [False, True, True]
    assert [a.get_visible() for a in ax_moved.texts] == [b.get_visible() for b in ax_fresh.texts] == [False, True, True]
    for a, b in zip(ax_moved.lines[1:], ax_fresh.lines[1:]):
        assert np.allclose(a.get_xydata(), b.get_xydata())
    for a, b in zip(ax_moved.texts[1:], ax_fresh.texts[1:]):
        assert np.allclose(a.xy, b.xy) and np.allclose(a.get_position(), b.get_position())

