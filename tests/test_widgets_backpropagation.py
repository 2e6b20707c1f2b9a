"""Lecture 03's graph demo: forward values, the local rules of the backward pass, and the drawing."""
import matplotlib.pyplot as plt
import pytest

from dlcourse.widgets.backpropagation import GRAPHS, backprop_graph_demo, draw_graph, forward_backward


def test_square_graph_follows_the_chain_rule():
    values, grads, steps = forward_backward("(x + y)²", x=1.0, y=2.0)
    assert values == {"x": 1.0, "y": 2.0, "t": 3.0, "z": 9.0}
    assert grads == {"z": 1.0, "t": 6.0, "x": 6.0, "y": 6.0}  # dz/dt = 2t, the add node passes it on
    assert [s["node"] for s in steps] == ["z", "t"]  # right to left


def test_multiply_node_swaps_its_inputs():
    values, grads, _ = forward_backward("(x + y) · w", x=1.0, y=2.0, w=-1.5)
    assert values["f"] == pytest.approx(-4.5)
    assert grads["t"] == pytest.approx(-1.5)  # = w
    assert grads["w"] == pytest.approx(3.0)  # = t
    assert grads["x"] == grads["y"] == pytest.approx(-1.5)


@pytest.mark.parametrize("graph", list(GRAPHS))
def test_gradients_match_centred_differences(graph):
    point = {"x": 0.7, "y": -1.3, "w": 2.1}
    _, grads, _ = forward_backward(graph, **point)
    output = GRAPHS[graph].nodes[-1].name
    h = 1e-6
    for name in GRAPHS[graph].inputs:
        plus, minus = dict(point), dict(point)
        plus[name] += h
        minus[name] -= h
        numeric = (forward_backward(graph, **plus)[0][output] - forward_backward(graph, **minus)[0][output]) / (2 * h)
        assert grads[name] == pytest.approx(numeric, rel=1e-6, abs=1e-8)


def test_missing_input_is_reported():
    with pytest.raises(ValueError, match="needs values for"):
        forward_backward("(x + y) · w", x=1.0, y=2.0)


def _texts(ax):
    return sorted(text.get_text() for text in ax.texts)


def test_drawing_changes_with_the_inputs_and_the_step():
    fig, ax = plt.subplots()
    first = draw_graph(ax, x=1.0, y=2.0)
    texts_first = _texts(ax)
    assert "z = 9" in texts_first and "∂z/∂x = 6" in texts_first
    second = draw_graph(ax, x=-0.5, y=2.0)
    assert second["values"]["z"] == pytest.approx(2.25)
    assert _texts(ax) != texts_first
    forward_only = draw_graph(ax, x=1.0, y=2.0, step=0)
    assert forward_only["shown"] == {} and not any("∂" in text for text in _texts(ax))
    one_step = draw_graph(ax, x=1.0, y=2.0, step=1)
    assert set(one_step["shown"]) == {"z", "t"}
    assert first["shown"] == first["grads"]
    plt.close(fig)


def test_demo_builds_sliders_and_redraws(monkeypatch):
    import ipywidgets as widgets

    monkeypatch.setattr(plt, "show", lambda: None)
    drawn = []
    import dlcourse.widgets.backpropagation as module
    original = module.draw_graph
    monkeypatch.setattr(module, "draw_graph", lambda ax, *a, **k: drawn.append(k) or original(ax, *a, **k))
    box = backprop_graph_demo()
    sliders = [w for row in box.children[:2] for w in row.children if isinstance(w, widgets.FloatSlider)]
    assert [s.description for s in sliders] == ["x", "y", "w"]
    assert all(not s.continuous_update for s in sliders)
    assert sliders[2].disabled  # w is not an input of (x + y)²
    sliders[0].value = -2.0
    assert drawn[-1]["x"] == -2.0
    box.children[0].children[0].value = "(x + y) · w"
    assert not sliders[2].disabled
    plt.close("all")
