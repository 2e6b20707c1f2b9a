"""Typical wrong answers to the lecture-02 exercises, written as learners write them."""
import numpy as np


# ---------------------------------------------------------------- numerical_gradient

def numerical_gradient_right(f, x, h=1e-4):
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        idx = it.multi_index
        tmp_val = x[idx]
        x[idx] = tmp_val + h
        fxh1 = f(x)
        x[idx] = tmp_val - h
        fxh2 = f(x)
        grad[idx] = (fxh1 - fxh2) / (2 * h)
        x[idx] = tmp_val
        it.iternext()
    return grad


def numerical_gradient_forward(f, x, h=1e-5):
    grad = np.zeros_like(x)
    fx = f(x)
    for idx in np.ndindex(x.shape):
        tmp = x[idx]
        x[idx] = tmp + h
        grad[idx] = (f(x) - fx) / h
        x[idx] = tmp
    return grad


def numerical_gradient_over_h(f, x, h=1e-5):
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        tmp = x[idx]
        x[idx] = tmp + h
        fxh1 = f(x)
        x[idx] = tmp - h
        fxh2 = f(x)
        x[idx] = tmp
        grad[idx] = (fxh1 - fxh2) / h
    return grad


def numerical_gradient_not_restored(f, x, h=1e-5):
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        tmp = x[idx]
        x[idx] = tmp + h
        fxh1 = f(x)
        x[idx] = tmp - h
        fxh2 = f(x)
        grad[idx] = (fxh1 - fxh2) / (2 * h)
    return grad


def numerical_gradient_1d_loop(f, x, h=1e-5):
    grad = np.zeros_like(x)
    for i in range(len(x)):
        tmp = x[i].copy()
        x[i] = tmp + h
        fxh1 = f(x)
        x[i] = tmp - h
        fxh2 = f(x)
        x[i] = tmp
        grad[i] = (fxh1 - fxh2) / (2 * h)
    return grad


def numerical_gradient_fixed_h(f, x, h=1e-5):
    h = 1e-4  # "a good step", ignoring the argument
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        tmp = x[idx]
        x[idx] = tmp + h
        fxh1 = f(x)
        x[idx] = tmp - h
        fxh2 = f(x)
        x[idx] = tmp
        grad[idx] = (fxh1 - fxh2) / (2 * h)
    return grad


# ---------------------------------------------------------------- gradient_descent

def gradient_descent_right(gradient, x0, learning_rate, steps):
    x = x0.copy()
    path = [x0.copy()]
    for _ in range(steps):
        x = x - learning_rate * gradient(x)
        path.append(x)
    return x, np.array(path)


def gradient_descent_plus(gradient, x0, learning_rate, steps):
    x = x0.copy()
    path = [x0.copy()]
    for _ in range(steps):
        x = x + learning_rate * gradient(x)
        path.append(x)
    return x, np.array(path)


def gradient_descent_in_place(gradient, x0, learning_rate, steps):
    x = x0.copy()
    path = [x]
    for _ in range(steps):
        x -= learning_rate * gradient(x)
        path.append(x)
    return x, np.array(path)


def gradient_descent_no_start(gradient, x0, learning_rate, steps):
    x = x0.copy()
    path = []
    for _ in range(steps):
        x = x - learning_rate * gradient(x)
        path.append(x)
    return x, np.array(path)


def gradient_descent_extra_step(gradient, x0, learning_rate, steps):
    x = x0.copy()
    path = [x0.copy()]
    for _ in range(steps + 1):
        x = x - learning_rate * gradient(x)
        path.append(x)
    return x, np.array(path)


def gradient_descent_stale_gradient(gradient, x0, learning_rate, steps):
    grad = gradient(x0)
    x = x0.copy()
    path = [x0.copy()]
    for _ in range(steps):
        x = x - learning_rate * grad
        path.append(x)
    return x, np.array(path)


# ---------------------------------------------------------------- minibatch_indices

def minibatch_indices_right(n, batch_size, rng):
    index = np.arange(n)
    rng.shuffle(index)  # the same draw as rng.permutation(n)
    batches = []
    for start in range(0, n, batch_size):
        batches.append(index[start:start + batch_size])
    return batches


def minibatch_indices_replacement(n, batch_size, rng):
    index = rng.choice(n, n)
    return [index[i:i + batch_size] for i in range(0, n, batch_size)]


def minibatch_indices_sorted(n, batch_size, rng):
    index = np.arange(n)
    return [index[i:i + batch_size] for i in range(0, n, batch_size)]


def minibatch_indices_drop_last(n, batch_size, rng):
    index = rng.permutation(n)
    return [index[i * batch_size:(i + 1) * batch_size] for i in range(n // batch_size)]


def minibatch_indices_array_split(n, batch_size, rng):
    return np.array_split(rng.permutation(n), max(n // batch_size, 1))


def minibatch_indices_fresh_draws(n, batch_size, rng):
    return [rng.choice(n, batch_size, replace=False) if batch_size <= n else rng.permutation(n)
            for _ in range(0, n, batch_size)]


# ---------------------------------------------------------------- softmax_loss_and_grad

def _softmax(s):
    e = np.exp(s - np.max(s, axis=1, keepdims=True))
    return e / np.sum(e, axis=1, keepdims=True)


def softmax_loss_and_grad_right(W, X, t):
    N = X.shape[0]
    y = _softmax(X @ W)
    T = np.eye(W.shape[1])[t]
    loss = -np.sum(T * np.log(y + 1e-7)) / N
    dW = X.T @ (y - T) / N
    return loss, dW


def softmax_loss_and_grad_not_averaged(W, X, t):
    N = X.shape[0]
    y = _softmax(X @ W)
    T = np.eye(W.shape[1])[t]
    loss = -np.sum(T * np.log(y + 1e-7)) / N
    dW = X.T @ (y - T)
    return loss, dW


def softmax_loss_and_grad_no_shift(W, X, t):
    N = X.shape[0]
    s = X @ W
    y = np.exp(s) / np.sum(np.exp(s), axis=1, keepdims=True)
    T = np.eye(W.shape[1])[t]
    return -np.sum(T * np.log(y + 1e-7)) / N, X.T @ (y - T) / N


def softmax_loss_and_grad_no_target(W, X, t):
    N = X.shape[0]
    y = _softmax(X @ W)
    loss = -np.mean(np.log(y[np.arange(N), t] + 1e-7))
    return loss, X.T @ y / N


def softmax_loss_and_grad_transposed(W, X, t):
    N = X.shape[0]
    y = _softmax(X @ W)
    T = np.eye(W.shape[1])[t]
    return -np.sum(T * np.log(y + 1e-7)) / N, (y - T).T @ X / N


def softmax_loss_and_grad_loss_summed(W, X, t):
    N = X.shape[0]
    y = _softmax(X @ W)
    T = np.eye(W.shape[1])[t]
    return -np.sum(T * np.log(y + 1e-7)), X.T @ (y - T) / N


WRONG_ANSWERS = {
    "numerical_gradient": [
        ("forward difference", numerical_gradient_forward, "centred difference"),
        ("divided by h instead of 2h", numerical_gradient_over_h, "2 * h"),
        ("x never restored", numerical_gradient_not_restored, "original value"),
        ("loop over the rows only", numerical_gradient_1d_loop, "np.ndindex"),
        ("the h argument ignored", numerical_gradient_fixed_h, "use the step h you are given"),
    ],
    "gradient_descent": [
        ("plus sign in the update", gradient_descent_plus, "uphill"),
        ("in-place update appended without a copy", gradient_descent_in_place, "copy"),
        ("path missing the start", gradient_descent_no_start, "path[0] = x0"),
        ("one update too many", gradient_descent_extra_step, "exactly `steps` updates"),
        ("gradient taken at x0 only", gradient_descent_stale_gradient, "current x"),
    ],
    "minibatch_indices": [
        ("sampling with replacement", minibatch_indices_replacement, "replacement"),
        ("no shuffling", minibatch_indices_sorted, "shuffled order"),
        ("last partial batch dropped", minibatch_indices_drop_last, "smaller batch"),
        ("np.array_split into n // batch_size parts", minibatch_indices_array_split,
         "np.array_split(order, n // batch_size)"),
        ("every batch drawn afresh", minibatch_indices_fresh_draws, "shuffle once"),
    ],
    "softmax_loss_and_grad": [
        ("gradient not averaged over the batch", softmax_loss_and_grad_not_averaged, "divide"),
        ("exp without subtracting the maximum", softmax_loss_and_grad_no_shift, "maximum"),
        ("one-hot target not subtracted", softmax_loss_and_grad_no_target, "subtract 1"),
        ("(Y - T).T @ X", softmax_loss_and_grad_transposed, "W's shape"),
        ("loss summed over the batch", softmax_loss_and_grad_loss_summed, "average the loss over the batch"),
    ],
}


# ---------------------------------------------------------------- more bugs seen in learners' code

def numerical_gradient_book_1d(f, x, h=1e-5):
    # the book's _numerical_gradient_1d, used on arrays of any shape
    grad = np.zeros_like(x)
    for idx in range(x.size):
        tmp_val = x[idx]
        x[idx] = float(tmp_val) + h
        fxh1 = f(x)
        x[idx] = tmp_val - h
        fxh2 = f(x)
        grad[idx] = (fxh1 - fxh2) / (2 * h)
        x[idx] = tmp_val
    return grad


def numerical_gradient_precedence(f, x, h=1e-5):
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        tmp = x[idx]
        x[idx] = tmp + h
        fxh1 = f(x)
        x[idx] = tmp - h
        fxh2 = f(x)
        x[idx] = tmp
        grad[idx] = (fxh1 - fxh2) / 2 * h
    return grad


def gradient_descent_too_few(gradient, x0, learning_rate, steps):
    x = x0.copy()
    path = [x.copy()]
    for _ in range(steps - 1):
        x = x - learning_rate * gradient(x)
        path.append(x.copy())
    return x, np.array(path)


def minibatch_indices_reshaped(n, batch_size, rng):
    return rng.permutation(n).reshape(-1, batch_size)


def softmax_loss_and_grad_unfloored(W, X, t):
    N = X.shape[0]
    y = _softmax(X @ W)
    loss = -np.sum(np.log(y[np.arange(N), t])) / N
    y[np.arange(N), t] -= 1
    return loss, X.T @ y / N


WRONG_ANSWERS["numerical_gradient"] += [
    ("the book's 1-D loop on a matrix", numerical_gradient_book_1d, "any shape: iterate over every index"),
    ("/ 2 * h without parentheses", numerical_gradient_precedence, "write / (2 * h)"),
]
WRONG_ANSWERS["gradient_descent"] += [
    ("range(steps - 1)", gradient_descent_too_few, "take exactly `steps` updates"),
]
WRONG_ANSWERS["minibatch_indices"] += [
    ("order.reshape(-1, batch_size)", minibatch_indices_reshaped, "return a LIST"),
]
WRONG_ANSWERS["softmax_loss_and_grad"] += [
    ("log of a probability of 0", softmax_loss_and_grad_unfloored, "floor it before the log"),
]


# ---------------------------------------------------------------- svm_loss_and_grad

def svm_true_class_in_sum(W, X, t, reg):
    N = X.shape[0]
    scores = X @ W
    margins = np.maximum(0, scores - scores[np.arange(N), t][:, None] + 1)
    loss = margins.sum() / N + 0.5 * reg * np.sum(W * W)
    mask = (margins > 0).astype(float)
    mask[np.arange(N), t] = -mask.sum(axis=1)
    return loss, X.T @ mask / N + reg * W


def svm_kink_counted(W, X, t, reg):
    N = X.shape[0]
    scores = X @ W
    diff = scores - scores[np.arange(N), t][:, None] + 1
    diff[np.arange(N), t] = -1  # leave the true class out
    margins = np.maximum(0, diff)
    mask = (diff >= 0).astype(float)
    mask[np.arange(N), t] = -mask.sum(axis=1)
    return margins.sum() / N + 0.5 * reg * np.sum(W * W), X.T @ mask / N + reg * W


def svm_not_averaged(W, X, t, reg):
    dW = np.zeros_like(W)
    loss = 0.0
    for i in range(X.shape[0]):
        scores = X[i] @ W
        for j in range(W.shape[1]):
            margin = scores[j] - scores[t[i]] + 1
            if j != t[i] and margin > 0:
                loss += margin
                dW[:, j] += X[i]
                dW[:, t[i]] -= X[i]
    return loss + 0.5 * reg * np.sum(W * W), dW + reg * W


def svm_reg_twice(W, X, t, reg):
    # the λ‖W‖² convention of some courses
    N = X.shape[0]
    scores = X @ W
    margins = np.maximum(0, scores - scores[np.arange(N), t][:, None] + 1)
    margins[np.arange(N), t] = 0
    ds = (margins > 0).astype(float)
    ds[np.arange(N), t] = -ds.sum(axis=1)
    return margins.sum() / N + reg * np.sum(W * W), X.T @ ds / N + 2 * reg * W


def svm_reg_grad_two(W, X, t, reg):
    N = X.shape[0]
    scores = X @ W
    margins = np.maximum(0, scores - scores[np.arange(N), t][:, None] + 1)
    margins[np.arange(N), t] = 0
    ds = (margins > 0).astype(float)
    ds[np.arange(N), t] = -ds.sum(axis=1)
    return margins.sum() / N + 0.5 * reg * np.sum(W * W), X.T @ ds / N + 2 * reg * W


def svm_loop_signs_swapped(W, X, t, reg):
    N = X.shape[0]
    dW = np.zeros(W.shape)
    loss = 0.0
    for i in range(N):
        scores = X[i].dot(W)
        for j in range(W.shape[1]):
            if j == t[i]:
                continue
            margin = scores[j] - scores[t[i]] + 1
            if margin > 0:
                loss += margin
                dW[:, j] -= X[i]
                dW[:, t[i]] += X[i]
    return loss / N + 0.5 * reg * np.sum(W * W), dW / N + reg * W


def svm_true_class_minus_one(W, X, t, reg):
    N = X.shape[0]
    scores = X @ W
    margins = np.maximum(0, scores - scores[np.arange(N), t][:, None] + 1)
    margins[np.arange(N), t] = 0
    ds = (margins > 0).astype(float)
    ds[np.arange(N), t] = -1
    return margins.sum() / N + 0.5 * reg * np.sum(W * W), X.T @ ds / N + reg * W


WRONG_ANSWERS["svm_loss_and_grad"] = [
    ("the true class's own margin Δ counted", svm_true_class_in_sum, "WRONG classes j ≠ t only"),
    ("margins >= 0 counted as violated", svm_kink_counted, "subgradient 0 there"),
    ("loss and gradient summed over the batch", svm_not_averaged, "MEAN over the batch"),
    ("reg·‖W‖² and 2·reg·W", svm_reg_twice, "(reg/2)·‖W‖²"),
    ("2·reg·W with the (reg/2)·‖W‖² loss", svm_reg_grad_two, "the ½ cancels the 2"),
    ("dW[:, j] -= x and dW[:, t] += x", svm_loop_signs_swapped, "dW[:, j] += x"),
    ("−1 at the true class whatever the count", svm_true_class_minus_one, "for EACH violated margin"),
]
