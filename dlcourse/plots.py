"""Plots used across the lectures. Each function draws on a given Axes (or a new figure) and returns it."""
import matplotlib.pyplot as plt
import numpy as np


def _axes(ax, figsize=(5, 3.5)):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def plot_history(history, axes=None, title=None):
    """Loss and accuracy per epoch, train and validation, side by side. Returns the two Axes."""
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(10, 3.5))
    epochs = np.arange(1, len(history["train_loss"]) + 1)
    for ax, key, label in ((axes[0], "loss", "loss"), (axes[1], "acc", "accuracy")):
        ax.plot(epochs, history[f"train_{key}"], label="train")
        if history[f"val_{key}"]:
            ax.plot(epochs, history[f"val_{key}"], label="validation")
        ax.set_xlabel("epoch")
        ax.set_ylabel(label)
        ax.legend()
        ax.grid(alpha=0.3)
    if title:
        axes[0].figure.suptitle(title)
    return axes


def plot_decision_regions(predict, X, t, ax=None, resolution=200, padding=0.3, title=None):
    """Colour the plane by ``predict(points) -> class indices`` and scatter the labelled points on top."""
    ax = _axes(ax, (4.5, 4))
    x_min, y_min = X.min(axis=0) - padding
    x_max, y_max = X.max(axis=0) + padding
    xx, yy = np.meshgrid(np.linspace(x_min, x_max, resolution), np.linspace(y_min, y_max, resolution))
    regions = np.asarray(predict(np.column_stack([xx.ravel(), yy.ravel()]))).reshape(xx.shape)
    n_classes = int(max(regions.max(), np.max(t))) + 1
    ax.contourf(xx, yy, regions, levels=np.arange(n_classes + 1) - 0.5, cmap="Pastel1", alpha=0.8)
    ax.scatter(X[:, 0], X[:, 1], c=t, cmap="Set1", vmin=0, vmax=8, s=15, edgecolors="k", linewidths=0.3)
    ax.set_xlim(x_min, x_max)
    ax.set_ylim(y_min, y_max)
    if title:
        ax.set_title(title)
    return ax


def show_images(images, labels=None, n_cols=10, cmap="gray_r", size=1.0, title=None):
    """A grid of images (N, H, W) or (N, 1, H, W), with optional labels above each. Returns the figure."""
    images = np.asarray(images)
    if images.ndim == 4:
        images = images[:, 0]
    if images.ndim == 2:  # flattened square images
        side = int(round(np.sqrt(images.shape[1])))
        images = images.reshape(-1, side, side)
    n = len(images)
    n_rows = int(np.ceil(n / n_cols))
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(n_cols * size, n_rows * size * 1.1), squeeze=False)
    for k, ax in enumerate(axes.ravel()):
        ax.axis("off")
        if k < n:
            ax.imshow(images[k], cmap=cmap)
            if labels is not None:
                ax.set_title(str(labels[k]), fontsize=8)
    if title:
        fig.suptitle(title)
    return fig


def confusion_matrix(predicted, t, n_classes=None):
    """Counts C[i, j] of samples of true class i predicted as class j."""
    predicted, t = np.asarray(predicted), np.asarray(t)
    n_classes = n_classes or int(max(predicted.max(), t.max())) + 1
    matrix = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(matrix, (t, predicted), 1)
    return matrix


def plot_confusion_matrix(matrix, ax=None, title=None):
    """Draw a confusion matrix with its counts written in the cells."""
    ax = _axes(ax, (4, 4))
    ax.imshow(matrix, cmap="Blues")
    for (i, j), count in np.ndenumerate(matrix):
        if count:
            ax.text(j, i, str(count), ha="center", va="center", fontsize=7,
                    color="white" if count > matrix.max() / 2 else "black")
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_xticks(range(len(matrix)))
    ax.set_yticks(range(len(matrix)))
    if title:
        ax.set_title(title)
    return ax
