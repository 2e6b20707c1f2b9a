"""The training loop: mini-batches, shuffling with a seed, per-epoch history, a progress bar."""
import math

import numpy as np
from tqdm.auto import tqdm

from .data import minibatches


class History(dict):
    """Per-epoch lists "train_loss", "train_acc", "val_loss", "val_acc", "lr", plus "step_loss".

    ``stopped`` is None after a normal run, or the message explaining why training stopped early.
    """

    def __init__(self):
        super().__init__(train_loss=[], train_acc=[], val_loss=[], val_acc=[], lr=[], step_loss=[])
        self.stopped = None

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def evaluate(net, X, t, batch_size=512):
    """(mean loss, accuracy) of net on (X, t), in evaluation mode."""
    total_loss, correct = 0.0, 0
    t = np.asarray(t)
    for i in range(0, len(X), batch_size):
        xb, tb = X[i:i + batch_size], t[i:i + batch_size]
        scores = net.forward(xb, train=False)
        total_loss += net.loss_layer.forward(scores, tb) * len(xb)
        labels = tb.argmax(axis=1) if tb.ndim == 2 else tb
        correct += int(np.sum(scores.argmax(axis=1) == labels))
    return total_loss / len(X), correct / len(X)


def _divergence_message(epoch, step, loss, xb, net, optimizer):
    where = f"Training stopped: the loss became {loss} at epoch {epoch + 1}, step {step + 1}."
    if not np.all(np.isfinite(xb)):
        return where + " Likely cause: the input batch contains NaN or inf values; clean the data."
    lr = getattr(optimizer, "lr", None)
    return (where + f" Likely cause: the learning rate (lr={lr}) is too large, so the weights overflowed;"
            " try a learning rate 10 times smaller.")


def train(net, optimizer, X_train, t_train, X_val=None, t_val=None, epochs=10, batch_size=64, seed=0,
          schedule=None, augment=None, progress=True, desc="training"):
    """Train ``net`` with mini-batch gradient descent and return a History.

    Each epoch shuffles the training set with ``np.random.default_rng(seed)`` and takes one optimiser
    step per mini-batch; train and validation loss/accuracy are measured at the end of every epoch
    (training metrics in evaluation mode, on the whole training set). ``schedule(epoch) -> lr`` sets
    the learning rate at the start of every epoch. ``augment(xb, rng) -> xb`` transforms each training
    batch. If the loss turns NaN or inf, training stops with a message naming the epoch, the step and
    the likely cause (also in ``history.stopped``). ``progress`` shows a tqdm bar over the epochs.
    """
    X_train, t_train = np.asarray(X_train), np.asarray(t_train)
    if len(X_train) != len(t_train):
        raise ValueError(f"train: X_train has {len(X_train)} samples but t_train has {len(t_train)}")
    if (X_val is None) != (t_val is None):
        raise ValueError("train: give both X_val and t_val, or neither")
    for name, X in (("X_train", X_train), ("X_val", X_val)):
        if X is not None and not np.all(np.isfinite(X)):
            first = np.argwhere(~np.isfinite(np.asarray(X)))[0]
            raise ValueError(f"train: {name} contains NaN or inf (first at index {tuple(int(i) for i in first)}); "
                             "clean the data before training")
    rng = np.random.default_rng(seed)
    history = History()
    epochs_bar = tqdm(range(epochs), desc=desc, disable=not progress, leave=True)
    for epoch in epochs_bar:
        if schedule is not None:
            optimizer.lr = schedule(epoch)
        for step, (xb, tb) in enumerate(minibatches(X_train, t_train, batch_size, shuffle=True, rng=rng)):
            if augment is not None:
                xb = augment(xb, rng)
            loss = net.loss(xb, tb, train=True)
            if not math.isfinite(loss):
                history.stopped = _divergence_message(epoch, step, loss, xb, net, optimizer)
                tqdm.write(history.stopped) if progress else print(history.stopped)
                epochs_bar.close()
                return history
            net.backward()
            optimizer.update(net.params, net.grads)
            history["step_loss"].append(loss)
        train_loss, train_acc = evaluate(net, X_train, t_train)
        history["train_loss"].append(train_loss)
        history["train_acc"].append(train_acc)
        history["lr"].append(getattr(optimizer, "lr", None))
        postfix = {"loss": f"{train_loss:.3f}", "acc": f"{train_acc:.3f}"}
        if X_val is not None:
            val_loss, val_acc = evaluate(net, X_val, t_val)
            history["val_loss"].append(val_loss)
            history["val_acc"].append(val_acc)
            postfix["val_acc"] = f"{val_acc:.3f}"
        epochs_bar.set_postfix(postfix)
    epochs_bar.close()
    return history
