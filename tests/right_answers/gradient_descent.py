"""Right answers to the lecture-02 exercises, written the ways learners write them (numpy and stdlib only)."""
import numpy as np


# ---------------------------------------------------------------- numerical_gradient

def ng_nditer(f, x, h=1e-5):
    # the book's numerical_gradient for arrays of any shape
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        idx = it.multi_index
        tmp_val = x[idx]
        x[idx] = float(tmp_val) + h
        fxh1 = f(x)
        x[idx] = tmp_val - h
        fxh2 = f(x)
        grad[idx] = (fxh1 - fxh2) / (2 * h)
        x[idx] = tmp_val
        it.iternext()
    return grad


def ng_flat_index(f, x, h=1e-5):
    grad = np.zeros(x.shape)
    for i in range(x.size):
        index = np.unravel_index(i, x.shape)
        old = x[index]
        x[index] = old + h
        plus = f(x)
        x[index] = old - h
        minus = f(x)
        x[index] = old
        grad[index] = (plus - minus) / (2 * h)
    return grad


def ng_ndindex_copies(f, x, h=1e-5):
    # shifted copies: x itself is never touched
    grad = np.empty(x.shape, dtype=np.float64)
    for index in np.ndindex(*x.shape):
        step = np.zeros(x.shape)
        step[index] = h
        grad[index] = (f(x + step) - f(x - step)) / (2 * h)
    return grad


def ng_flat_view(f, x, h=1e-5):
    flat = x.reshape(-1)  # a view of x: writing flat[i] shifts x
    grad = np.zeros(flat.size)
    for i in range(flat.size):
        keep = flat[i]
        flat[i] = keep + h
        a = f(x)
        flat[i] = keep - h
        b = f(x)
        flat[i] = keep
        grad[i] = (a - b) / (2 * h)
    return grad.reshape(x.shape)


# ---------------------------------------------------------------- gradient_descent

def gd_list_path(gradient, x0, learning_rate, steps):
    x = x0.copy()
    path = [x.copy()]
    for _ in range(steps):
        x = x - learning_rate * gradient(x)
        path.append(x.copy())
    return x, np.array(path)


def gd_preallocated(gradient, x0, learning_rate, steps):
    path = np.empty((steps + 1,) + np.shape(x0))
    path[0] = x0
    for k in range(steps):
        path[k + 1] = path[k] - learning_rate * gradient(path[k])
    return path[-1].copy(), path


def gd_in_place_copy(gradient, x0, learning_rate, steps):
    x = np.array(x0, dtype=float)  # copy, then update in place
    history = [x.copy()]
    i = 0
    while i < steps:
        grad = gradient(x)
        x -= learning_rate * grad
        history.append(x.copy())
        i += 1
    return x, np.stack(history)


# ---------------------------------------------------------------- minibatch_indices

def mb_slices(n, batch_size, rng):
    order = rng.permutation(n)
    return [order[i:i + batch_size] for i in range(0, n, batch_size)]


def mb_while(n, batch_size, rng):
    perm = rng.permutation(n)
    batches, start = [], 0
    while start < n:
        end = min(start + batch_size, n)
        batches.append(perm[start:end])
        start = end
    return batches


def mb_ceil_count(n, batch_size, rng):
    index = rng.permutation(np.arange(n))
    n_batches = int(np.ceil(n / batch_size))
    return [index[k * batch_size:(k + 1) * batch_size] for k in range(n_batches)]


# ---------------------------------------------------------------- softmax_loss_and_grad

def sl_loops(W, X, t):
    # CS231n's softmax_loss_naive, with each row's maximum subtracted and the log floored
    loss = 0.0
    dW = np.zeros_like(W)
    num_train, num_classes = X.shape[0], W.shape[1]
    for i in range(num_train):
        scores = X[i].dot(W)
        scores -= np.max(scores)
        probs = np.exp(scores) / np.sum(np.exp(scores))
        loss += -np.log(max(probs[t[i]], 1e-300))
        for j in range(num_classes):
            dW[:, j] += (probs[j] - (j == t[i])) * X[i]
    return loss / num_train, dW / num_train


def sl_vectorised(W, X, t):
    N = X.shape[0]
    scores = X @ W
    scores = scores - scores.max(axis=1, keepdims=True)
    exp_scores = np.exp(scores)
    probs = exp_scores / exp_scores.sum(axis=1, keepdims=True)
    loss = -np.log(probs[np.arange(N), t] + 1e-7).mean()
    dscores = probs.copy()
    dscores[np.arange(N), t] -= 1
    return float(loss), X.T.dot(dscores) / N


def sl_log_softmax(W, X, t):
    # log-probabilities straight from log-sum-exp: log 0 never appears
    s = X @ W
    m = s.max(axis=1, keepdims=True)
    log_p = s - m - np.log(np.exp(s - m).sum(axis=1, keepdims=True))
    one_hot = np.eye(W.shape[1])[t]
    loss = -np.sum(one_hot * log_p) / len(X)
    return loss, X.T @ (np.exp(log_p) - one_hot) / len(X)


def sl_einsum(W, X, t):
    s = np.einsum("nd,dc->nc", X, W)
    y = np.exp(s - s.max(axis=1, keepdims=True))
    y /= y.sum(axis=1, keepdims=True)
    T = np.zeros_like(y)
    T[np.arange(len(t)), t] = 1.0
    loss = -np.mean(np.log(np.maximum(np.sum(y * T, axis=1), 1e-300)))
    return loss, np.einsum("nd,nc->dc", X, y - T) / len(X)


# ---------------------------------------------------------------- svm_loss_and_grad

def svm_loops(W, X, t, reg):
    # CS231n's naive version: a loop over samples and classes
    dW = np.zeros(W.shape)
    num_classes, num_train = W.shape[1], X.shape[0]
    loss = 0.0
    for i in range(num_train):
        scores = X[i].dot(W)
        correct_class_score = scores[t[i]]
        for j in range(num_classes):
            if j == t[i]:
                continue
            margin = scores[j] - correct_class_score + 1
            if margin > 0:
                loss += margin
                dW[:, j] += X[i]
                dW[:, t[i]] -= X[i]
    loss /= num_train
    dW /= num_train
    loss += 0.5 * reg * np.sum(W * W)
    dW += reg * W
    return loss, dW


def svm_vectorised(W, X, t, reg):
    N = X.shape[0]
    scores = X @ W
    correct = scores[np.arange(N), t].reshape(-1, 1)
    margins = np.maximum(0, scores - correct + 1)
    margins[np.arange(N), t] = 0
    loss = np.sum(margins) / N + reg / 2 * np.sum(W ** 2)
    binary = (margins > 0).astype(float)
    binary[np.arange(N), t] = -np.sum(binary, axis=1)
    dW = X.T.dot(binary) / N + reg * W
    return loss, dW


def svm_one_hot(W, X, t, reg):
    # the true class masked with a one-hot matrix instead of fancy indexing
    N, C = X.shape[0], W.shape[1]
    T = np.eye(C)[t]
    scores = X @ W
    correct = np.sum(scores * T, axis=1, keepdims=True)
    margins = np.maximum(0.0, scores - correct + 1.0) * (1 - T)
    violated = (margins > 0) * 1.0
    dscores = violated - T * violated.sum(axis=1, keepdims=True)
    return margins.sum() / N + 0.5 * reg * (W * W).sum(), X.T @ dscores / N + reg * W


def svm_half_vectorised(W, X, t, reg):
    # one sample at a time, its classes at once
    N = X.shape[0]
    loss, dW = 0.0, reg * W
    for i in range(N):
        s = X[i] @ W
        margin = np.maximum(0, s - s[t[i]] + 1)
        margin[t[i]] = 0
        loss += margin.sum() / N
        ds = np.where(margin > 0, 1.0, 0.0)
        ds[t[i]] = -ds.sum()
        dW = dW + np.outer(X[i], ds) / N
    return loss + 0.5 * reg * np.sum(W * W), dW


RIGHT_ANSWERS = {
    "numerical_gradient": [
        ("the book's np.nditer with multi_index", ng_nditer),
        ("a flat index through np.unravel_index", ng_flat_index),
        ("shifted copies, x never touched", ng_ndindex_copies),
        ("a flat view of x", ng_flat_view),
    ],
    "gradient_descent": [
        ("a list of copies", gd_list_path),
        ("a preallocated path array", gd_preallocated),
        ("in-place updates of a copy, while loop", gd_in_place_copy),
    ],
    "minibatch_indices": [
        ("consecutive slices of a permutation", mb_slices),
        ("a while loop", mb_while),
        ("a ceil count of batches", mb_ceil_count),
    ],
    "softmax_loss_and_grad": [
        ("CS231n's loops over samples and classes", sl_loops),
        ("vectorised with a delta of 1e-7", sl_vectorised),
        ("log-softmax", sl_log_softmax),
        ("np.einsum", sl_einsum),
    ],
    "svm_loss_and_grad": [
        ("CS231n's loops over samples and classes", svm_loops),
        ("vectorised with fancy indexing", svm_vectorised),
        ("a one-hot mask", svm_one_hot),
        ("a loop over samples, classes vectorised", svm_half_vectorised),
    ],
}
