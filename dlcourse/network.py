"""A network as a chain of layers (lecture 03): forward left to right, backward right to left."""
import inspect

import numpy as np

from .layers import SoftmaxWithLoss


class Sequential:
    """Chains layers and ends with a loss layer (SoftmaxWithLoss by default).

    ``net.params`` / ``net.grads`` expose every layer's arrays under keys "<layer index>.<name>", e.g.
    "0.W"; the params are the layers' own arrays, so ``optimizer.update(net.params, net.grads)``
    trains the layers in place.

    Example: ``Sequential([Affine(W1, b1), ReLU(), Affine(W2, b2)])`` is the two-layer network of
    lecture 03.
    """

    def __init__(self, layers, loss=None):
        self.layers = list(layers)
        self.loss_layer = SoftmaxWithLoss() if loss is None else loss
        # layers that behave differently in training (Dropout) take a train flag
        self._takes_train = [_accepts_train(layer) for layer in self.layers]
        self.params = {f"{i}.{name}": value
                       for i, layer in enumerate(self.layers) for name, value in layer.params.items()}

    @property
    def grads(self):
        return {f"{i}.{name}": value
                for i, layer in enumerate(self.layers) for name, value in layer.grads.items()}

    def forward(self, x, train=False):
        """Scores (before softmax) for x; inference needs no softmax: argmax of the scores decides."""
        for layer, takes_train in zip(self.layers, self._takes_train):
            x = layer.forward(x, train=train) if takes_train else layer.forward(x)
        return x

    def loss(self, x, t, train=True):
        """Forward pass through the layers and the loss layer; returns the scalar loss."""
        return self.loss_layer.forward(self.forward(x, train=train), t)

    def backward(self, dout=1.0):
        """Backward pass from the loss; fills every layer's grads. Returns dL/dx."""
        dout = self.loss_layer.backward(dout)
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        return dout

    def gradients(self, x, t):
        """Loss and gradients of one batch: (loss, grads) with grads keyed like params."""
        loss = self.loss(x, t, train=True)
        self.backward()
        return loss, self.grads

    def predict(self, x, batch_size=1024):
        """Predicted class indices (N,), in evaluation mode."""
        return np.concatenate([self.forward(x[i:i + batch_size]).argmax(axis=1)
                               for i in range(0, len(x), batch_size)])

    def accuracy(self, x, t):
        t = np.asarray(t)
        if t.ndim == 2:
            t = t.argmax(axis=1)
        return float(np.mean(self.predict(x) == t))

    def count_params(self):
        return int(sum(value.size for value in self.params.values()))

    def __repr__(self):
        lines = [f"  ({i}) {type(layer).__name__}" + "".join(f" {k}{tuple(v.shape)}" for k, v in layer.params.items())
                 for i, layer in enumerate(self.layers)]
        return "Sequential(\n" + "\n".join(lines) + f"\n  loss: {type(self.loss_layer).__name__}\n)"


def _accepts_train(layer):
    try:
        return "train" in inspect.signature(layer.forward).parameters
    except (TypeError, ValueError):
        return False
