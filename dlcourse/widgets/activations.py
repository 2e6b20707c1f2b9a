"""Lecture 04: how the activation function, the depth and the weight initialisation decide whether
gradients reach the first layers.

``deep_network`` builds a stack of ``depth`` hidden layers (Affine + activation) on the digits;
``layer_statistics`` runs one batch forward and backward and returns every hidden layer's activations
and every weight matrix's gradient norm; ``draw_gradient_norms`` plots both; ``vanishing_gradients_demo``
puts the three choices on controls (a ``DepthExplorer``).
"""
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from ..layers import Affine, LeakyReLU, ReLU, Sigmoid, Tanh
from ..network import Sequential
from . import LiveFigure, coalesced, panel, show_demo

ACTIVATIONS = {
    "sigmoid": Sigmoid,
    "tanh": Tanh,
    "ReLU": ReLU,
    "Leaky ReLU (0.1)": lambda: LeakyReLU(0.1),
}

# standard deviation of the initial weights of a layer with fan_in inputs
INITS = {
    "std 0.01": lambda fan_in: 0.01,
    "std 1": lambda fan_in: 1.0,
    "Xavier": lambda fan_in: np.sqrt(1.0 / fan_in),
    "He": lambda fan_in: np.sqrt(2.0 / fan_in),
}


def deep_network(activation="sigmoid", depth=10, init="Xavier", width=64, n_inputs=64, n_classes=10, seed=0):
    """Sequential of ``depth`` × [Affine(width) + activation], then Affine(n_classes) and Softmax-with-Loss.

    Weights W of a layer with fan_in inputs: rng.standard_normal((fan_in, fan_out)) · INITS[init](fan_in),
    rng = np.random.default_rng(seed), layers drawn in order; biases 0.
    """
    if activation not in ACTIVATIONS:
        raise ValueError(f"deep_network: activation must be one of {list(ACTIVATIONS)}, got {activation!r}")
    if init not in INITS:
        raise ValueError(f"deep_network: init must be one of {list(INITS)}, got {init!r}")
    if int(depth) != depth or depth < 1:
        raise ValueError(f"deep_network: depth must be a positive integer, got {depth}")
    rng = np.random.default_rng(seed)
    sizes = [n_inputs] + [width] * int(depth) + [n_classes]
    layers = []
    for k, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(Affine(rng.standard_normal((fan_in, fan_out)) * INITS[init](fan_in), np.zeros(fan_out)))
        if k < depth:
            layers.append(ACTIVATIONS[activation]())
    return Sequential(layers)


def layer_statistics(net, X, t):
    """One forward and backward pass of a batch (X, t).

    Returns {"loss": float, "activations": [output of each activation layer, (N, width)],
    "grad_norms": array of ‖∂L/∂W‖ (Frobenius norm) for every Affine layer, first to last}.
    """
    h = X
    activations = []
    for layer in net.layers:
        h = layer.forward(h)
        if not isinstance(layer, Affine):
            activations.append(h)
    loss = net.loss_layer.forward(h, t)
    net.backward()
    norms = [np.linalg.norm(layer.grads["W"]) for layer in net.layers if isinstance(layer, Affine)]
    return {"loss": float(loss), "activations": activations, "grad_norms": np.array(norms)}


def draw_gradient_norms(axes, X, t, activation="sigmoid", depth=10, init="Xavier", seed=0):
    """Left: ‖∂L/∂W‖ per layer (log scale). Right: histograms of the activations of some hidden layers.

    axes: two Axes. Returns the statistics of ``layer_statistics``.
    """
    ax_norms, ax_hist = axes
    stats = layer_statistics(deep_network(activation, depth, init, seed=seed), X, t)
    norms = stats["grad_norms"]
    ax_norms.clear()
    ax_norms.semilogy(np.arange(1, len(norms) + 1), np.maximum(norms, 1e-30), "o-", color="tab:purple")
    ax_norms.set_xlabel("layer (1 = next to the input)")
    ax_norms.set_ylabel("‖∂L/∂W‖")
    ax_norms.set_title(f"{activation}, {depth} hidden layers, {init}: first/last = {norms[0] / norms[-1]:.1e}",
                       fontsize=10)
    ax_norms.grid(alpha=0.3, which="both")
    ax_hist.clear()
    chosen = sorted(set(np.linspace(0, depth - 1, min(depth, 5)).round().astype(int)))
    low = min(float(stats["activations"][k].min()) for k in chosen)
    high = max(float(stats["activations"][k].max()) for k in chosen)
    bins = np.linspace(low, high if high > low else low + 1.0, 40)
    colours = plt.cm.viridis(np.linspace(0, 0.9, len(chosen)))
    for colour, k in zip(colours, chosen):
        ax_hist.hist(stats["activations"][k].ravel(), bins=bins, histtype="step", lw=1.6, color=colour,
                     label=f"layer {k + 1}")
    ax_hist.set_xlabel("activation value")
    ax_hist.set_ylabel("count")
    ax_hist.set_title("activations of hidden layers", fontsize=10)
    ax_hist.legend(fontsize=8)
    return stats


def _chosen_layers(depth):
    """The hidden layers whose histograms are drawn: at most 5, first and last included."""
    return sorted(set(np.linspace(0, depth - 1, min(depth, 5)).round().astype(int)))


class DepthExplorer:
    """Controls for the activation, the depth and the initialisation, and one figure of what they give.

    The statistics of every depth are computed when an activation and initialisation are chosen (once each),
    with axes that fit all depths; moving the depth slider then only draws the new curve and histograms over
    the saved rest of the figure. Works without a front end: setting a control's ``value`` redraws; ``show()``
    displays the controls and the figure under them (replaced in place afterwards).
    """

    DEPTHS = range(2, 21)

    def __init__(self, X, t, activation="sigmoid", depth=10, init="Xavier"):
        import ipywidgets as widgets

        self.X, self.t = X, t
        self.activation = widgets.Dropdown(options=list(ACTIVATIONS), value=activation, description="activation")
        self.depth = widgets.IntSlider(value=depth, min=self.DEPTHS[0], max=self.DEPTHS[-1],
                                       description="hidden layers", continuous_update=False,
                                       style={"description_width": "initial"})
        self.init = widgets.Dropdown(options=list(INITS), value=init, description="init")
        self.figure = Figure(figsize=(11, 3.6))  # not a pyplot figure: shown only through the LiveFigure
        self.axes = self.figure.subplots(1, 2)
        self.live = LiveFigure(self.figure)
        self.ui = panel([widgets.HBox([self.activation, self.depth, self.init])],
                        "DepthExplorer: menus for the activation and the initialisation, a slider for the depth "
                        "(run the notebook to move them)")
        for control in (self.activation, self.depth, self.init):
            control.observe(coalesced(self.update), names="value")
        self._statistics, self._drawn, self._moving = {}, None, []
        self.stats = self.update()

    def statistics(self, activation, init):
        """{depth: layer_statistics} for every depth of the slider, computed once per (activation, init)."""
        from threadpoolctl import threadpool_limits

        key = (activation, init)
        if key not in self._statistics:
            with threadpool_limits(1):  # 64-wide layers: one BLAS thread is much faster than two that wait
                self._statistics[key] = {depth: layer_statistics(deep_network(activation, depth, init), self.X, self.t)
                                         for depth in self.DEPTHS}
        return self._statistics[key]

    def update(self):
        """Redraw for the controls' values; returns ``layer_statistics``' dict of the chosen network."""
        activation, depth, init = self.activation.value, self.depth.value, self.init.value
        every = self.statistics(activation, init)
        full = self._drawn != (activation, init)
        if full:
            self._draw_axes(activation, init, every)
        for artist in self._moving:
            artist.remove()
        ax_norms, ax_hist = self.axes
        stats = every[depth]
        norms = stats["grad_norms"]
        self._moving = ax_norms.semilogy(np.arange(1, len(norms) + 1), np.maximum(norms, 1e-30), "o-",
                                         color="tab:purple")
        ax_norms.set_title(f"{activation}, {depth} hidden layers, {init}: first/last = {norms[0] / norms[-1]:.1e}",
                           fontsize=10)
        chosen = _chosen_layers(depth)
        for colour, k in zip(plt.cm.viridis(np.linspace(0, 0.9, len(chosen))), chosen):
            self._moving += ax_hist.hist(stats["activations"][k].ravel(), bins=self._bins, histtype="step", lw=1.6,
                                         color=colour, label=f"layer {k + 1}")[2]
        self._moving.append(ax_hist.legend(fontsize=8))
        for artist in (*self._moving, ax_norms.title):
            artist.set_animated(True)  # drawn again over the saved axes at every move of the depth slider
        self.live.redraw(moved_only=not full)
        self.stats = stats
        return stats

    def _draw_axes(self, activation, init, every):
        """Axes that fit every depth of this (activation, init): a depth move changes no tick."""
        ax_norms, ax_hist = self.axes
        ax_norms.clear()
        ax_hist.clear()
        self._moving = []
        norms = np.concatenate([np.maximum(s["grad_norms"], 1e-30) for s in every.values()])
        ax_norms.set_yscale("log")
        ax_norms.set_xlim(0.5, self.DEPTHS[-1] + 1.5)
        ax_norms.set_ylim(norms.min() / 3, norms.max() * 3)
        ax_norms.set_xlabel("layer (1 = next to the input)")
        ax_norms.set_ylabel("‖∂L/∂W‖")
        ax_norms.grid(alpha=0.3, which="both")
        ax_norms.set_title(" ", fontsize=10)
        shown = [s["activations"][k] for depth, s in every.items() for k in _chosen_layers(depth)]
        low, high = min(float(a.min()) for a in shown), max(float(a.max()) for a in shown)
        self._bins = np.linspace(low, high if high > low else low + 1.0, 40)
        highest = max(np.histogram(a, bins=self._bins)[0].max() for a in shown)
        ax_hist.set_xlim(self._bins[0], self._bins[-1])
        ax_hist.set_ylim(0, highest * 1.05)
        ax_hist.set_xlabel("activation value")
        ax_hist.set_ylabel("count")
        ax_hist.set_title("activations of hidden layers", fontsize=10)
        self.figure.tight_layout()
        self._drawn = (activation, init)

    def show(self):
        """Display the controls, then the figure of the current state under them (updated in place)."""
        show_demo(self.ui, self.live)
        return self


def vanishing_gradients_demo(X, t, activation="sigmoid", depth=10, init="Xavier"):
    """Show a DepthExplorer in a notebook (controls, then the figure under them); returns the DepthExplorer."""
    return DepthExplorer(X, t, activation, depth, init).show()
