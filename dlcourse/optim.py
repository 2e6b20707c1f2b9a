"""Optimisers and learning-rate schedules (lecture 06).

``opt.update(params, grads)`` changes the arrays of ``params`` in place; ``params`` and ``grads`` are dicts
with the same keys (a layer's or a network's). Per-parameter state (velocity, squared-gradient averages)
is kept by key, so one optimiser serves one network. ``opt.lr`` may be changed between steps (schedules).
"""
import math

import numpy as np


class Optimizer:
    def __init__(self, lr):
        if not lr > 0:
            raise ValueError(f"{type(self).__name__}: the learning rate lr must be > 0, got {lr}")
        self.lr = float(lr)
        self.state = {}

    def update(self, params, grads):
        missing = [key for key in params if key not in grads]
        if missing:
            raise ValueError(f"{type(self).__name__}.update: no gradient for parameters {missing}; "
                             "run backward before update")
        for key, param in params.items():
            grad = grads[key]
            if np.shape(grad) != param.shape:
                raise ValueError(f"{type(self).__name__}.update: grads[{key!r}] has shape {np.shape(grad)}, "
                                 f"params[{key!r}] has {param.shape}")
            self.step(key, param, grad)

    def step(self, key, param, grad):
        raise NotImplementedError

    def _buffer(self, key, param, name="v"):
        return self.state.setdefault((key, name), np.zeros_like(param))


class SGD(Optimizer):
    """W ← W − η · ∂L/∂W."""

    def step(self, key, param, grad):
        param -= self.lr * grad


class Momentum(Optimizer):
    """v ← μ·v − η·g;  W ← W + v. The velocity keeps the direction of past steps (inertia)."""

    def __init__(self, lr, momentum=0.9):
        super().__init__(lr)
        self.momentum = float(momentum)

    def step(self, key, param, grad):
        v = self._buffer(key, param)
        v *= self.momentum
        v -= self.lr * grad
        param += v


class Nesterov(Optimizer):
    """Nesterov momentum: the gradient is taken at the look-ahead point θ + μ·v.

    Definition (Sutskever et al. 2013): v ← μ·v − η·∇f(θ + μ·v);  θ ← θ + v.
    Here the network's parameters hold the look-ahead point φ = θ + μ·v itself, so the gradient the
    network computes is ∇f(φ), and the same sequence becomes
        v_new = μ·v − η·g;   φ ← φ + μ·v_new − η·g   (= φ − μ·v + (1 + μ)·v_new).
    """

    def __init__(self, lr, momentum=0.9):
        super().__init__(lr)
        self.momentum = float(momentum)

    def step(self, key, param, grad):
        v = self._buffer(key, param)
        v *= self.momentum
        v -= self.lr * grad
        param += self.momentum * v - self.lr * grad


class AdaGrad(Optimizer):
    """h ← h + g²;  W ← W − η·g / (√h + ε). Rarely-updated weights keep a larger step; h only grows."""

    def __init__(self, lr, eps=1e-7):
        super().__init__(lr)
        self.eps = float(eps)

    def step(self, key, param, grad):
        h = self._buffer(key, param, "h")
        h += grad * grad
        param -= self.lr * grad / (np.sqrt(h) + self.eps)


class RMSProp(Optimizer):
    """h ← ρ·h + (1 − ρ)·g²;  W ← W − η·g / (√h + ε). A moving average forgets old gradients."""

    def __init__(self, lr, decay_rate=0.99, eps=1e-7):
        super().__init__(lr)
        self.decay_rate, self.eps = float(decay_rate), float(eps)

    def step(self, key, param, grad):
        h = self._buffer(key, param, "h")
        h *= self.decay_rate
        h += (1.0 - self.decay_rate) * grad * grad
        param -= self.lr * grad / (np.sqrt(h) + self.eps)


class Adam(Optimizer):
    """Momentum + RMSProp with bias correction (Kingma & Ba 2015):

    m ← β1·m + (1 − β1)·g;  v ← β2·v + (1 − β2)·g²;  m̂ = m / (1 − β1ᵗ);  v̂ = v / (1 − β2ᵗ);
    W ← W − η·m̂ / (√v̂ + ε).  t counts the updates of each parameter, starting at 1.
    """

    def __init__(self, lr, beta1=0.9, beta2=0.999, eps=1e-8):
        super().__init__(lr)
        self.beta1, self.beta2, self.eps = float(beta1), float(beta2), float(eps)

    def step(self, key, param, grad):
        m, v = self._buffer(key, param, "m"), self._buffer(key, param, "v")
        t = self.state[(key, "t")] = self.state.get((key, "t"), 0) + 1
        m *= self.beta1
        m += (1.0 - self.beta1) * grad
        v *= self.beta2
        v += (1.0 - self.beta2) * grad * grad
        m_hat = m / (1.0 - self.beta1 ** t)
        v_hat = v / (1.0 - self.beta2 ** t)
        param -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


class StepDecay:
    """lr(epoch) = initial_lr · gamma^(epoch // step_size): drop by a factor every few epochs."""

    def __init__(self, initial_lr, step_size, gamma=0.1):
        self.initial_lr, self.step_size, self.gamma = float(initial_lr), int(step_size), float(gamma)

    def __call__(self, epoch):
        return self.initial_lr * self.gamma ** (epoch // self.step_size)


class ExponentialDecay:
    """lr(epoch) = initial_lr · gamma^epoch."""

    def __init__(self, initial_lr, gamma=0.95):
        self.initial_lr, self.gamma = float(initial_lr), float(gamma)

    def __call__(self, epoch):
        return self.initial_lr * self.gamma ** epoch


class CosineDecay:
    """lr(epoch) = min_lr + (initial_lr − min_lr) · (1 + cos(π · epoch / total_epochs)) / 2."""

    def __init__(self, initial_lr, total_epochs, min_lr=0.0):
        self.initial_lr, self.total_epochs, self.min_lr = float(initial_lr), int(total_epochs), float(min_lr)

    def __call__(self, epoch):
        progress = min(epoch, self.total_epochs) / self.total_epochs
        return self.min_lr + (self.initial_lr - self.min_lr) * (1 + math.cos(math.pi * progress)) / 2
