"""Lecture 03: step through the backward pass of a small computational graph.

A graph is a list of operation nodes (add, multiply, square) fed by named inputs. ``forward_backward``
computes every forward value and, node by node from right to left, the gradient of the output with
respect to everything; ``draw_graph`` draws the graph with forward values (above the edges, green) and
the gradients found so far (below the edges, red), and spells out the four steps of the current node.
``backprop_graph_demo`` puts sliders on the inputs and on the backward step (a ``GraphExplorer``).
"""
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from . import LiveFigure, coalesced, panel, show_demo

FORWARD_COLOUR, BACKWARD_COLOUR = "tab:green", "tab:red"
SYMBOLS = {"+": "+", "×": "×", "²": "**2"}  # the square node is labelled as Python writes it


@dataclass(frozen=True)
class Node:
    """An operation node: ``name = op(*inputs)``; ``position`` is where it is drawn."""

    name: str
    op: str  # "+", "×" or "²"
    inputs: tuple
    position: tuple


@dataclass(frozen=True)
class Graph:
    title: str
    inputs: dict  # input name -> position
    nodes: tuple  # in forward order; the last node's value is the output
    output_position: tuple


GRAPHS = {
    "(x + y)²": Graph("z = (x + y)², with t = x + y",
                      {"x": (0.0, 1.4), "y": (0.0, -1.4)},
                      (Node("t", "+", ("x", "y"), (3.2, 0.0)), Node("z", "²", ("t",), (6.4, 0.0))),
                      (9.0, 0.0)),
    "(x + y) · w": Graph("f = (x + y) · w, with t = x + y",
                         {"x": (0.0, 2.6), "y": (0.0, -0.2), "w": (3.2, -1.9)},
                         (Node("t", "+", ("x", "y"), (3.2, 1.2)), Node("f", "×", ("t", "w"), (6.4, 0.0))),
                         (9.0, 0.0)),
}


def _local_derivatives(node, values):
    """∂node/∂input for each input of the node, and a formula saying why."""
    a = values[node.inputs[0]]
    if node.op == "+":
        return [(1.0, f"∂{node.name}/∂{name} = 1") for name in node.inputs]
    if node.op == "×":
        first, second = node.inputs
        return [(values[second], f"∂{node.name}/∂{first} = {second} = {values[second]:.3g}"),
                (values[first], f"∂{node.name}/∂{second} = {first} = {values[first]:.3g}")]
    if node.op == "²":
        return [(2.0 * a, f"∂{node.name}/∂{node.inputs[0]} = 2{node.inputs[0]} = {2 * a:.3g}")]
    raise ValueError(f"unknown operation {node.op!r}")


def forward_backward(graph="(x + y)²", **inputs):
    """Forward values, gradients of the output, and the backward steps of a graph in GRAPHS.

    inputs: a value for every input name of the graph (extra names are ignored).
    Returns (values, grads, steps): values and grads map names to floats (grads[name] = ∂output/∂name,
    the output's own gradient being 1); steps[k] describes the k-th node processed from the right:
    {"node", "upstream", "locals": [(input, local derivative, formula)], "downstream": {input: gradient}}.
    """
    g = GRAPHS[graph]
    missing = [name for name in g.inputs if name not in inputs]
    if missing:
        raise ValueError(f"forward_backward: graph {graph!r} needs values for {missing}")
    values = {name: float(inputs[name]) for name in g.inputs}
    for node in g.nodes:
        args = [values[name] for name in node.inputs]
        values[node.name] = {"+": lambda a, b: a + b, "×": lambda a, b: a * b, "²": lambda a: a * a}[node.op](*args)
    output = g.nodes[-1].name
    grads, steps = {output: 1.0}, []
    for node in reversed(g.nodes):  # ① right to left
        upstream = grads[node.name]  # ② the signal arriving from the right
        locals_ = _local_derivatives(node, values)  # ③ local derivatives, from the forward inputs
        downstream = {}
        for name, (local, formula) in zip(node.inputs, locals_):
            downstream[name] = upstream * local  # ④ multiply ② and ③ and pass on
            grads[name] = grads.get(name, 0.0) + downstream[name]
        steps.append({"node": node.name, "upstream": upstream,
                      "locals": [(name, local, formula) for name, (local, formula) in zip(node.inputs, locals_)],
                      "downstream": downstream})
    return values, grads, steps


def _positions(g):
    positions = dict(g.inputs)
    positions.update({node.name: node.position for node in g.nodes})
    return positions


def _edge(ax, start, end, value_text, grad_text, shrink_start=0.35, shrink_end=0.55):
    (x0, y0), (x1, y1) = start, end
    direction = np.array([x1 - x0, y1 - y0])
    length = np.hypot(*direction)
    unit = direction / length
    a = np.array([x0, y0]) + unit * shrink_start
    b = np.array([x1, y1]) - unit * shrink_end
    ax.annotate("", xy=b, xytext=a, arrowprops=dict(arrowstyle="-|>", color="0.35", lw=1.4))
    middle = (a + b) / 2
    normal = np.array([-unit[1], unit[0]])
    texts = [ax.text(*(middle + 0.32 * normal), value_text, color=FORWARD_COLOUR, ha="center", va="center",
                     fontsize=11, fontweight="bold")]
    if grad_text:
        texts.append(ax.text(*(middle - 0.42 * normal), grad_text, color=BACKWARD_COLOUR, ha="center", va="center",
                             fontsize=11, fontweight="bold"))
    return texts


def draw_graph(ax, graph="(x + y)²", x=1.0, y=2.0, w=-1.5, step=None, title=None):
    """Draw a graph of GRAPHS with its forward values and the first ``step`` backward steps.

    step: 0 shows the forward pass only; k shows the gradients found by the first k nodes processed
    from the right; None shows the whole backward pass. title: the Axes title (default: the graph's
    formula and the colour legend). Returns {"values", "grads", "shown"}: the
    forward values, all gradients, and the gradients drawn on the figure.
    """
    g = GRAPHS[graph]
    values, grads, steps = forward_backward(graph, x=x, y=y, w=w)
    n_steps = len(steps)
    step = n_steps if step is None else int(np.clip(step, 0, n_steps))
    output = g.nodes[-1].name
    shown = {output: 1.0} if step > 0 else {}
    for record in steps[:step]:
        shown.update(record["downstream"])
    ax.clear()
    positions = _positions(g)
    for name, (px, py) in g.inputs.items():
        ax.text(px, py, name, ha="center", va="center", fontsize=14,
                bbox=dict(boxstyle="round,pad=0.35", fc="white", ec="0.3"))
    for k, node in enumerate(g.nodes):
        current = step > 0 and steps[step - 1]["node"] == node.name
        ax.add_patch(plt.Circle(node.position, 0.5, fc="#fde9e7" if current else "#eef3fb",
                                ec=BACKWARD_COLOUR if current else "0.3", lw=2.2 if current else 1.2, zorder=2))
        ax.text(*node.position, SYMBOLS[node.op], ha="center", va="center", fontsize=14, zorder=3)
        for name in node.inputs:
            grad_text = f"∂{output}/∂{name} = {shown[name]:.3g}" if name in shown else ""
            _edge(ax, positions[name], node.position, f"{name} = {values[name]:.3g}", grad_text,
                  shrink_start=0.35 if name in g.inputs else 0.55)
    last = g.nodes[-1]
    _edge(ax, last.position, g.output_position, f"{output} = {values[output]:.3g}",
          f"∂{output}/∂{output} = 1" if output in shown else "", shrink_end=0.1)
    ax.text(g.output_position[0] + 0.15, g.output_position[1], output, ha="left", va="center", fontsize=14)
    if step == 0:
        caption = "forward pass: values flow left to right (green)"
    else:
        record = steps[step - 1]
        # numbered as the notes' four steps (lecture 03): ① right to left, ② upstream, ③ local, ④ ② × ③ on
        lines = [f"backward step {step} of {n_steps}: ① right to left, the next node is {record['node']}",
                 f"② the signal arriving from the right (upstream gradient): "
                 f"∂{output}/∂{record['node']} = {record['upstream']:.3g}"]
        for name, local, formula in record["locals"]:
            lines.append(f"③ local derivative, from the forward input {name} = {values[name]:.3g}: {formula}")
        lines.append("④ multiply ② × ③ and pass it on to the left: " + ", ".join(
            f"∂{output}/∂{name} = {record['upstream']:.3g} × {local:.3g} = {record['downstream'][name]:.3g}"
            for name, local, _ in record["locals"]))
        caption = "\n".join(lines)
    ax.text(0.0, -0.02, caption, transform=ax.transAxes, ha="left", va="top", fontsize=9.5, family="DejaVu Sans")
    xs = [p[0] for p in positions.values()] + [g.output_position[0]]
    ys = [p[1] for p in positions.values()]
    ax.set_xlim(min(xs) - 0.6, max(xs) + 0.9)
    ax.set_ylim(min(ys) - 0.7, max(ys) + 0.6)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(g.title + ": forward values (green), gradients (red)" if title is None else title, fontsize=11)
    return {"values": values, "grads": grads, "shown": shown}


class GraphExplorer:
    """A graph menu, sliders on the inputs and on the backward step, and one figure ``draw_graph`` redraws.

    Works without a front end: setting a control's ``value`` redraws; ``show()`` displays the controls and the
    figure under them (replaced in place afterwards).
    """

    def __init__(self, graph="(x + y)²", x=1.0, y=2.0, w=-1.5, step=None):
        import ipywidgets as widgets

        n_steps = len(GRAPHS[graph].nodes)
        self.graph = widgets.Dropdown(options=list(GRAPHS), value=graph, description="graph")
        self.sliders = {name: widgets.FloatSlider(value=value, min=-3.0, max=3.0, step=0.1, description=name,
                                                  continuous_update=True)
                        for name, value in (("x", x), ("y", y), ("w", w))}
        self.step = widgets.IntSlider(value=n_steps if step is None else step, min=0, max=n_steps,
                                      description="backward step", continuous_update=True,
                                      style={"description_width": "initial"})
        self.figure = Figure(figsize=(9, 5))  # not a pyplot figure: shown only through the LiveFigure
        self.ax = self.figure.subplots()
        self.figure.subplots_adjust(bottom=0.3)  # room for the caption of the four steps
        self.live = LiveFigure(self.figure)
        self._drawn = None
        self.ui = panel([widgets.HBox([self.graph, self.step]), widgets.HBox(list(self.sliders.values()))],
                        "GraphExplorer: a graph menu, sliders for the inputs and the backward step "
                        "(run the notebook to move them)")
        for control in (self.graph, self.step, *self.sliders.values()):
            control.observe(coalesced(self.update), names="value")
        self.result = self.update()

    def update(self):
        """Redraw for the controls' values; returns ``draw_graph``'s dict."""
        graph = self.graph.value
        n_steps = len(GRAPHS[graph].nodes)
        if self.step.max != n_steps:
            self.step.max = n_steps
        # a slider that does nothing would look broken: w is hidden while the graph has no w
        self.sliders["w"].layout.display = None if "w" in GRAPHS[graph].inputs else "none"
        values = {name: slider.value for name, slider in self.sliders.items()}
        self.result = draw_graph(self.ax, graph, step=self.step.value, **values)
        # an input moves only the numbers: the texts are drawn over the saved nodes; a new graph or step redraws all
        for text in self.ax.texts:
            text.set_animated(bool(text.get_text()))  # the arrows (empty annotations) stay in the saved background
        full, self._drawn = self._drawn != (graph, self.step.value), (graph, self.step.value)
        self.live.redraw(moved_only=not full)
        return self.result

    def show(self):
        """Display the controls, then the figure of the current state under them (updated in place)."""
        show_demo(self.ui, self.live)
        return self


def backprop_graph_demo(graph="(x + y)²", x=1.0, y=2.0, w=-1.5, step=None):
    """Show a GraphExplorer in a notebook (controls, then the figure under them); returns the GraphExplorer."""
    return GraphExplorer(graph, x, y, w, step).show()
