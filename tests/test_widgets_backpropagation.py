"""Lecture 03's graph demo: forward values, the local rules of the backward pass, and the drawing."""
import matplotlib.pyplot as plt
import pytest

from dlcourse.widgets.backpropagation import GRAPHS, GraphExplorer, draw_graph, forward_backward


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


def test_demo_builds_sliders_and_redraws_one_figure(monkeypatch):
    import ipywidgets as widgets

    drawn = []
    import dlcourse.widgets.backpropagation as module
    original = module.draw_graph
    monkeypatch.setattr(module, "draw_graph", lambda ax, *a, **k: drawn.append(k) or original(ax, *a, **k))
    demo = GraphExplorer()
    assert repr(demo.ui).startswith("GraphExplorer:")  # a saved notebook shows this line, not a widget repr
    sliders = [w for row in demo.ui.children[:2] for w in row.children if isinstance(w, widgets.FloatSlider)]
    assert [s.description for s in sliders] == ["x", "y", "w"]
    assert all(s.continuous_update for s in sliders)
    assert sliders[2].layout.display == "none"  # w is not an input of (x + y)²: hidden, not a dead slider
    sliders[0].value = -2.0
    assert drawn[-1]["x"] == -2.0
    demo.graph.value = "(x + y) · w"
    assert sliders[2].layout.display is None
    assert demo.live.redraws == 3 and demo.figure.axes == [demo.ax]  # one figure, redrawn in place


def test_caption_numbers_the_four_steps_of_the_notes():
    fig, ax = plt.subplots()
    draw_graph(ax, x=1.0, y=2.0, step=1)
    caption = next(text.get_text() for text in ax.texts if text.get_text().startswith("backward step"))
    lines = caption.splitlines()
    assert "① right to left" in lines[0]
    assert lines[1].startswith("② the signal arriving from the right (upstream gradient): ∂z/∂z = 1")
    assert lines[2].startswith("③ local derivative, from the forward input t = 3: ∂z/∂t = 2t = 6")
    assert lines[3].startswith("④ multiply ② × ③") and lines[3].endswith("∂z/∂t = 1 × 6 = 6")
    plt.close(fig)
