"""dlcourse's fast layers against PyTorch CPU, against their plain-loop references, and their correctness.

    .venv/bin/python benchmarks/bench_layers.py              # full run, writes benchmarks/RESULTS.md
    .venv/bin/python benchmarks/bench_layers.py --quick      # fewer repeats, prints only
    .venv/bin/python benchmarks/bench_layers.py --baseline 2c3156b   # "before" columns: layers.py at that revision
    .venv/bin/python benchmarks/bench_layers.py --only batchnorm     # BatchNorm vs torch only (its block only)

Both sides run on 2 threads (numpy's BLAS through threadpoolctl, torch.set_num_threads). Every ratio is
dlcourse time / PyTorch time, both medians of many runs taken in the same process, the two sides (and the
baseline) interleaved call by call so that load from other processes hits them alike. PyTorch is only a
yardstick: without it the torch columns are skipped.
"""
import argparse
import functools
import importlib.util
import os
import subprocess
import sys
import time
import types
from pathlib import Path

THREADS = 2
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = str(THREADS)  # before numpy loads its BLAS

import numpy as np  # noqa: E402
from threadpoolctl import threadpool_info, threadpool_limits  # noqa: E402

import dlcourse  # noqa: E402
from dlcourse import layers, naive  # noqa: E402
from dlcourse.data import load_digits  # noqa: E402
from dlcourse.network import Sequential  # noqa: E402
from dlcourse.optim import SGD, Adam  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import RESULTS, cpu_model, load_average, table, usable_cores, write_section  # noqa: E402

try:
    import torch
    import torch.nn.functional as F
except ImportError:  # the torch columns are skipped
    torch = None

ROOT = Path(__file__).resolve().parent.parent
CONV_SHAPES = [  # (label, N, C, H = W, filters), 3 × 3 filters, pad 1; target ratio
    ("N=64, C=1, 28×28 → 16", 64, 1, 28, 16, 1.5),
    ("N=64, C=16, 14×14 → 32", 64, 16, 14, 32, 1.5),
    ("N=128, C=1, 8×8 → 16 (digits)", 128, 1, 8, 16, 1.0),
]
DTYPES = (np.float32, np.float64)


# ---------------------------------------------------------------- timing

def _calibrate(fn, min_seconds):
    """How many calls make one timed sample of at least min_seconds (short calls are timed in groups)."""
    start = time.perf_counter()
    fn()
    once = time.perf_counter() - start
    return max(1, int(min_seconds / max(once, 1e-7)))


def interleaved(fns, repeats, warmup=3, min_seconds=2e-3):
    """{name: fn} -> {name: array of seconds per call}: `repeats` rounds, each calling every fn in turn."""
    fns = {name: fn for name, fn in fns.items() if fn is not None}
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    numbers = {name: _calibrate(fn, min_seconds) for name, fn in fns.items()}
    samples = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            number = numbers[name]
            start = time.perf_counter()
            for _ in range(number):
                fn()
            samples[name].append((time.perf_counter() - start) / number)
    return {name: np.array(values) for name, values in samples.items()}


def fmt_time(seconds):
    if seconds >= 1.0:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.0f} µs"


def ratio_cells(times, name="dl", other="torch"):
    """(median ratio, best-run ratio) as text, or n/a."""
    if other not in times:
        return "n/a", "n/a"
    med = np.median(times[name]) / np.median(times[other])
    best = np.min(times[name]) / np.min(times[other])
    return f"{med:.2f}×", f"{best:.2f}×"


def verdict(times, target, name="dl"):
    if "torch" not in times:
        return "n/a"
    return "met" if np.median(times[name]) / np.median(times["torch"]) <= target else "missed"


# ---------------------------------------------------------------- the libraries under test

def _module_at(rev, name):
    """dlcourse/<name>.py at git revision `rev`, imported as a module of the current package; None if absent."""
    shown = subprocess.run(["git", "show", f"{rev}:dlcourse/{name}.py"], cwd=ROOT, capture_output=True, text=True)
    if shown.returncode != 0:
        return None
    spec = importlib.util.spec_from_loader(f"dlcourse._baseline_{name}", loader=None)
    module = importlib.util.module_from_spec(spec)
    module.__package__ = "dlcourse"
    exec(compile(shown.stdout, f"{rev}:dlcourse/{name}.py", "exec"), module.__dict__)
    return module


def load_baseline(rev):
    """dlcourse/layers.py as it was at git revision `rev`, with the fast_layers.py of that revision if it had one."""
    module = _module_at(rev, "layers")
    if module is None:
        raise SystemExit(f"bench_layers.py: no dlcourse/layers.py at git revision {rev}")
    fast = _module_at(rev, "fast_layers")
    if fast is not None:
        module.fast_layers = fast  # the layers look the module up when called: they now run that revision's kernels
    return module


def torch_dtype(dtype):
    return torch.float64 if dtype == np.float64 else torch.float32


def conv_case(lib, W, b, x, dout):
    conv = lib.Conv2d(W, b, pad=1)

    def run():
        conv.forward(x)
        conv.backward(dout)
    return run


def torch_conv_case(W, b, x, dout):
    tx, tW, tb = (torch.tensor(a, requires_grad=True) for a in (x, W, b))
    tdout = torch.tensor(dout)

    def run():
        tx.grad = tW.grad = tb.grad = None
        F.conv2d(tx, tW, tb, padding=1).backward(tdout)
    return run


def pool_case(lib, x, dout):
    pool = lib.MaxPool2d(2, 2)

    def run():
        pool.forward(x)
        pool.backward(dout)
    return run


def torch_pool_case(x, dout):
    tx, tdout = torch.tensor(x, requires_grad=True), torch.tensor(dout)

    def run():
        tx.grad = None
        F.max_pool2d(tx, 2).backward(tdout)
    return run


def he(rng, fan_in, shape):
    return rng.normal(0.0, np.sqrt(2.0 / fan_in), size=shape)


def mlp_weights(seed=0):
    """Lecture 03's two-layer network on the digits: 64 → 100 → ReLU → 10."""
    rng = np.random.default_rng(seed)
    return [he(rng, 64, (64, 100)), np.zeros(100), he(rng, 100, (100, 10)), np.zeros(10)]


def cnn_weights(seed=1):
    """Lecture 07's CNN (notebooks/07_cnn.ipynb): conv 1→16, pool, conv 16→32, pool, affine 128→10."""
    rng = np.random.default_rng(seed)
    return [he(rng, 9, (16, 1, 3, 3)), np.zeros(16), he(rng, 144, (32, 16, 3, 3)), np.zeros(32),
            he(rng, 128, (128, 10)), np.zeros(10)]


def dl_mlp(lib, weights, dtype):
    W1, b1, W2, b2 = (w.astype(dtype) for w in weights)
    return Sequential([lib.Affine(W1, b1), lib.ReLU(), lib.Affine(W2, b2)], loss=lib.SoftmaxWithLoss())


def dl_cnn(lib, weights, dtype):
    W1, b1, W2, b2, W3, b3 = (w.astype(dtype) for w in weights)
    return Sequential([lib.Conv2d(W1, b1, pad=1), lib.ReLU(), lib.MaxPool2d(2, 2),
                       lib.Conv2d(W2, b2, pad=1), lib.ReLU(), lib.MaxPool2d(2, 2),
                       lib.Flatten(), lib.Affine(W3, b3)], loss=lib.SoftmaxWithLoss())


def torch_mlp(weights, dtype):
    W1, b1, W2, b2 = weights
    model = torch.nn.Sequential(torch.nn.Linear(64, 100), torch.nn.ReLU(), torch.nn.Linear(100, 10))
    model = model.to(torch_dtype(dtype))  # before copying, so float64 weights stay exact
    with torch.no_grad():
        for layer, W, b in ((model[0], W1, b1), (model[2], W2, b2)):
            layer.weight.copy_(torch.tensor(W.T))  # torch keeps (out, in)
            layer.bias.copy_(torch.tensor(b))
    return model


def torch_cnn(weights, dtype):
    W1, b1, W2, b2, W3, b3 = weights
    model = torch.nn.Sequential(
        torch.nn.Conv2d(1, 16, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(16, 32, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Flatten(), torch.nn.Linear(128, 10)).to(torch_dtype(dtype))
    with torch.no_grad():
        for layer, W, b in ((model[0], W1, b1), (model[3], W2, b2), (model[7], W3.T, b3)):
            layer.weight.copy_(torch.tensor(W))
            layer.bias.copy_(torch.tensor(b))
    return model


def dl_step(net, optimizer, x, t):
    def run():  # what dlcourse.train does for every mini-batch
        net.loss(x, t, train=True)
        net.backward()
        optimizer.update(net.params, net.grads)
    return run


def torch_step(model, optimizer, x, t):
    tx, tt = torch.tensor(x), torch.tensor(t)
    loss_fn = torch.nn.CrossEntropyLoss()

    def run():
        optimizer.zero_grad()
        loss_fn(model(tx), tt).backward()
        optimizer.step()
    return run


# ---------------------------------------------------------------- sections

def gemm_peak(repeats):
    """Best and median GFLOP/s of a 2048 × 2048 np.matmul, float32 and float64."""
    out = {}
    n = 2048
    rng = np.random.default_rng(0)
    for dtype in DTYPES:
        a, b = rng.random((n, n)).astype(dtype), rng.random((n, n)).astype(dtype)
        times = interleaved({"gemm": lambda: a @ b}, max(5, repeats // 3), warmup=1)["gemm"]
        out[dtype] = (2 * n ** 3 / times.min() / 1e9, 2 * n ** 3 / np.median(times) / 1e9)
    return out


def bench_conv(repeats, baseline, peak32):
    rows, records = [], []
    for dtype in DTYPES:
        for label, n, c, h, fn, target in CONV_SHAPES:
            rng = np.random.default_rng(0)
            x = rng.standard_normal((n, c, h, h)).astype(dtype)
            W = (rng.standard_normal((fn, c, 3, 3)) / np.sqrt(9 * c)).astype(dtype)
            b = rng.standard_normal(fn).astype(dtype)
            dout = rng.standard_normal((n, fn, h, h)).astype(dtype)
            fns = {"dl": conv_case(layers, W, b, x, dout)}
            if torch is not None:
                fns["torch"] = torch_conv_case(W, b, x, dout)
            if baseline is not None:
                fns["before"] = conv_case(baseline, W, b, x, dout)
            times = interleaved(fns, repeats)
            flops = 3 * 2 * n * h * h * fn * c * 9  # forward, dW and dx: three products of the same size
            gflops = flops / np.median(times["dl"]) / 1e9
            torch_gflops = flops / np.median(times["torch"]) / 1e9 if "torch" in times else float("nan")
            med, best = ratio_cells(times)
            row = [label, np.dtype(dtype).name, fmt_time(np.median(times["dl"])),
                   fmt_time(np.median(times["torch"])) if "torch" in times else "n/a", med, best,
                   f"≤ {target}×", verdict(times, target),
                   f"{gflops:.1f} ({gflops / peak32:.0%})", f"{torch_gflops:.1f} ({torch_gflops / peak32:.0%})"]
            if baseline is not None:
                row += [fmt_time(np.median(times["before"])), ratio_cells(times, "before")[0]]
            rows.append(row)
            records.append(("Conv2d " + label, dtype, times, target))
    header = ["shape (3×3, pad 1)", "dtype", "dlcourse", "PyTorch", "ratio (median)", "ratio (best run)",
              "target", "", "dlcourse GFLOP/s (of f32 peak)", "PyTorch GFLOP/s (of f32 peak)"]
    if baseline is not None:
        header += ["before", "before ratio"]
    return table(header, rows), records


def bench_pool(repeats, baseline):
    rows, records = [], []
    for dtype in DTYPES:
        for label, n, _, h, fn, _ in CONV_SHAPES:
            rng = np.random.default_rng(0)
            x = rng.standard_normal((n, fn, h, h)).astype(dtype)
            dout = rng.standard_normal((n, fn, h // 2, h // 2)).astype(dtype)
            fns = {"dl": pool_case(layers, x, dout)}
            if torch is not None:
                fns["torch"] = torch_pool_case(x, dout)
            if baseline is not None:
                fns["before"] = pool_case(baseline, x, dout)
            times = interleaved(fns, repeats)
            med, best = ratio_cells(times)
            row = [f"({n}, {fn}, {h}, {h})", np.dtype(dtype).name, fmt_time(np.median(times["dl"])),
                   fmt_time(np.median(times["torch"])) if "torch" in times else "n/a", med, best, "≤ 1.5×",
                   verdict(times, 1.5)]
            if baseline is not None:
                row += [fmt_time(np.median(times["before"])), ratio_cells(times, "before")[0]]
            rows.append(row)
            records.append((f"MaxPool2d ({n}, {fn}, {h}, {h})", dtype, times, 1.5))
    header = ["input (2×2 pool)", "dtype", "dlcourse", "PyTorch", "ratio (median)", "ratio (best run)", "target", ""]
    if baseline is not None:
        header += ["before", "before ratio"]
    return table(header, rows), records


def bench_steps(repeats, baseline):
    digits, images = load_digits(), load_digits(images=True)
    rows, records = [], []
    setups = [  # (name, data, dlcourse net builder, torch builder, weights, optimisers, target)
        ("MLP 64-100-10, SGD(0.1)", digits, dl_mlp, torch_mlp, mlp_weights(),
         (lambda: SGD(0.1), lambda p: torch.optim.SGD(p, lr=0.1)), 0.6),
        ("MLP 64-100-10, Adam(0.005)", digits, dl_mlp, torch_mlp, mlp_weights(),
         (lambda: Adam(0.005), lambda p: torch.optim.Adam(p, lr=0.005)), 0.6),
        ("CNN of lecture 07, Adam(0.005)", images, dl_cnn, torch_cnn, cnn_weights(),
         (lambda: Adam(0.005), lambda p: torch.optim.Adam(p, lr=0.005)), 1.2),
    ]
    for name, data, build, build_torch, weights, (make_opt, make_torch_opt), target in setups:
        for dtype in DTYPES[::-1]:
            for batch in (64, 128):
                x, t = data.X_train[:batch].astype(dtype), data.t_train[:batch]
                fns = {"dl": dl_step(build(layers, weights, dtype), make_opt(), x, t)}
                if torch is not None:
                    model = build_torch(weights, dtype)
                    fns["torch"] = torch_step(model, make_torch_opt(model.parameters()), x, t)
                if baseline is not None:
                    fns["before"] = dl_step(build(baseline, weights, dtype), make_opt(), x, t)
                times = interleaved(fns, repeats * 2)
                med, best = ratio_cells(times)
                row = [name, np.dtype(dtype).name, batch, fmt_time(np.median(times["dl"])),
                       fmt_time(np.median(times["torch"])) if "torch" in times else "n/a", med, best,
                       f"≤ {target}×", verdict(times, target)]
                if baseline is not None:
                    row += [fmt_time(np.median(times["before"])), ratio_cells(times, "before")[0]]
                rows.append(row)
                records.append((f"{name} batch {batch}", dtype, times, target))
    header = ["training step", "dtype", "batch", "dlcourse", "PyTorch", "ratio (median)", "ratio (best run)",
              "target", ""]
    if baseline is not None:
        header += ["before", "before ratio"]
    return table(header, rows), records


def naive_cases(rng):
    """(name, constructor taking the module, x, forward kwargs) at sizes the loops finish in well under a second."""
    x_dense = rng.standard_normal((32, 64))
    x_img = rng.random((8, 1, 8, 8))
    return [
        ("Affine 64→100, N=32", lambda m: m.Affine(rng.standard_normal((64, 100)), np.zeros(100)), x_dense, {}),
        ("ReLU (32, 64)", lambda m: m.ReLU(), x_dense, {}),
        ("LeakyReLU (32, 64)", lambda m: m.LeakyReLU(0.1), x_dense, {}),
        ("PReLU (32, 64)", lambda m: m.PReLU(np.full(64, 0.2)), x_dense, {}),
        ("Sigmoid (32, 64)", lambda m: m.Sigmoid(), x_dense, {}),
        ("Tanh (32, 64)", lambda m: m.Tanh(), x_dense, {}),
        ("Dropout 0.5 (32, 64)", lambda m: m.Dropout(0.5, seed=0), x_dense, {"train": True}),
        ("SoftmaxWithLoss (32, 64)", lambda m: m.SoftmaxWithLoss(), x_dense, "loss"),
        ("Flatten (8, 1, 8, 8)", lambda m: m.Flatten(), x_img, {}),
        ("Conv2d 1→16 3×3 pad 1, (8, 1, 8, 8)",
         lambda m: m.Conv2d(rng.standard_normal((16, 1, 3, 3)), np.zeros(16), pad=1), x_img, {}),
        ("MaxPool2d 2×2, (8, 16, 8, 8)", lambda m: m.MaxPool2d(2, 2), rng.standard_normal((8, 16, 8, 8)), {}),
        ("BatchNorm (32, 64), training", lambda m: m.BatchNorm(np.ones(64), np.zeros(64)), x_dense, {"train": True}),
    ]


def readable_layers():
    """dlcourse.layers with Conv2d and MaxPool2d running the lecture's code (fast=False) instead of fast_layers."""
    module = types.SimpleNamespace(**{name: getattr(layers, name) for name in dir(layers) if not name.startswith("_")})
    module.Conv2d = functools.partial(layers.Conv2d, fast=False)
    module.MaxPool2d = functools.partial(layers.MaxPool2d, fast=False)
    module.__name__ = "readable"
    return module


def bench_naive(repeats):
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 64, size=32)
    readable = readable_layers()
    rows = []
    for name, make, x, kwargs in naive_cases(rng):
        runs = {}
        has_fast_kernel = name.startswith(("Conv2d", "MaxPool2d"))
        for module in (layers, naive) + ((readable,) if has_fast_kernel else ()):
            layer = make(module)
            if kwargs == "loss":
                def run(layer=layer):
                    layer.forward(x, labels)
                    layer.backward()
            else:
                out = layer.forward(x, **kwargs)
                dout = np.random.default_rng(1).standard_normal(out.shape)

                def run(layer=layer, dout=dout):
                    layer.forward(x, **kwargs)
                    layer.backward(dout)
            runs[module.__name__] = run
        timed = interleaved({"fast": runs["dlcourse.layers"], "readable": runs.get("readable")}, repeats)
        fast = timed["fast"]
        slow = interleaved({"naive": runs["dlcourse.naive"]}, 3, warmup=1, min_seconds=0)["naive"]
        lecture = (f"{fmt_time(np.median(timed['readable']))} ({np.median(timed['readable']) / np.median(fast):.1f}× "
                   "the fast time)" if "readable" in timed else "same code")
        rows.append([name, fmt_time(np.median(slow)), lecture, fmt_time(np.median(fast)),
                     f"{np.median(slow) / np.median(fast):,.0f}×"])
    return table(["layer, forward + backward", "naive (loops)", "lecture's code (fast=False)", "default",
                  "speed-up over the loops"], rows)


def lecture07_training(lib):
    """Seconds and test accuracy of lecture 07's CNN training run (20 epochs of Adam, as in the notebook)."""
    from dlcourse import train
    from dlcourse.optim import CosineDecay

    images = load_digits(images=True)
    X_fit = np.concatenate([images.X_train, images.X_val])
    t_fit = np.concatenate([images.t_train, images.t_val])
    net = dl_cnn(lib, cnn_weights(), np.float64)
    start = time.perf_counter()
    train(net, Adam(0.005), X_fit, t_fit, epochs=20, batch_size=64, seed=1, schedule=CosineDecay(0.005, 20),
          progress=False)
    return time.perf_counter() - start, net.accuracy(images.X_test, images.t_test)


# ---------------------------------------------------------------- correctness against torch autograd

def rel(a, b):
    """Normwise relative error max|a - b| / max|b| (b the reference)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    assert a.shape == b.shape, (a.shape, b.shape)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300))


def compare_layer(layer, torch_fn, x, torch_params=(), param_names=(), forward_kwargs=None):
    """Max relative error of out, dx and every parameter gradient of a dlcourse layer vs torch autograd."""
    rng = np.random.default_rng(123)
    out = layer.forward(x, **(forward_kwargs or {}))
    dout = rng.standard_normal(out.shape)
    dx = layer.backward(dout)
    tx = torch.tensor(x, requires_grad=True)
    tparams = [torch.tensor(p, requires_grad=True) for p in torch_params]
    tout = torch_fn(tx, *tparams)
    tout.backward(torch.tensor(dout))
    errors = {"out": rel(out, tout.detach().numpy()), "dx": rel(dx, tx.grad.numpy())}
    for name, tp in zip(param_names, tparams):
        grad = layer.grads[name]
        errors["d" + name] = rel(grad, tp.grad.numpy().reshape(grad.shape))
    return errors


def correctness():
    """Every layer in float64 against torch autograd: rows of (case, max relative error, which)."""
    rng = np.random.default_rng(7)
    rows = []

    def add(name, errors):
        worst = max(errors, key=errors.get)
        rows.append((name, errors[worst], worst, errors))

    x = rng.standard_normal((16, 3, 4))
    W, b = rng.standard_normal((12, 7)), rng.standard_normal(7)
    add("Affine (16, 3, 4) → 7", compare_layer(layers.Affine(W, b), lambda tx, tW, tb: tx.reshape(16, -1) @ tW + tb,
                                              x, (W, b), ("W", "b")))
    xa = rng.standard_normal((16, 20))
    xa[np.abs(xa) < 1e-3] = 0.5  # away from the kink
    add("ReLU", compare_layer(layers.ReLU(), torch.relu, xa))
    add("LeakyReLU(0.1)", compare_layer(layers.LeakyReLU(0.1), lambda t: F.leaky_relu(t, 0.1), xa))
    alpha = rng.uniform(0.05, 0.3, size=20)
    add("PReLU (per feature)", compare_layer(layers.PReLU(alpha), lambda t, ta: torch.where(t > 0, t, ta * t), xa,
                                             (alpha,), ("alpha",)))
    add("Sigmoid", compare_layer(layers.Sigmoid(), torch.sigmoid, xa * 5))
    add("Tanh", compare_layer(layers.Tanh(), torch.tanh, xa * 3))
    drop = layers.Dropout(0.25, seed=3)
    drop.forward(xa, train=True)
    mask = drop.mask.copy()
    drop.rng = np.random.default_rng(3)  # the same mask again for the comparison
    add("Dropout(0.25), its mask", compare_layer(drop, lambda t: t * torch.tensor(mask), xa,
                                                 forward_kwargs={"train": True}))
    add("Flatten", compare_layer(layers.Flatten(), lambda t: t.reshape(t.shape[0], -1),
                                 rng.standard_normal((4, 2, 3, 3))))
    for labels in ("indices", "one-hot"):
        scores, t = rng.standard_normal((32, 10)) * 3, rng.integers(0, 10, size=32)
        layer = layers.SoftmaxWithLoss()
        loss = layer.forward(scores, np.eye(10)[t] if labels == "one-hot" else t)
        dx = layer.backward()
        ts = torch.tensor(scores, requires_grad=True)
        tloss = F.cross_entropy(ts, torch.tensor(t))
        tloss.backward()
        add(f"SoftmaxWithLoss ({labels})", {"loss": rel(loss, tloss.item()), "dx": rel(dx, ts.grad.numpy())})
    conv_configs = [(label, (n, c, h, h), (fn, c, 3, 3), 1, 1) for label, n, c, h, fn, _ in CONV_SHAPES] + [
        ("N=4, C=3, 9×7, 4 filters 3×2, stride 2, pad 1", (4, 3, 9, 7), (4, 3, 3, 2), 2, 1),
        ("N=2, C=2, 6×6, 3 filters 5×5, stride 1, pad 0", (2, 2, 6, 6), (3, 2, 5, 5), 1, 0)]
    for label, x_shape, w_shape, stride, pad in conv_configs:
        x, W, b = rng.standard_normal(x_shape), rng.standard_normal(w_shape), rng.standard_normal(w_shape[0])
        add(f"Conv2d {label}", compare_layer(layers.Conv2d(W, b, stride=stride, pad=pad),
                                             lambda tx, tW, tb: F.conv2d(tx, tW, tb, stride=stride, padding=pad),
                                             x, (W, b), ("W", "b")))
    pool_configs = [((64, 16, 28, 28), 2, 2, None, 0), ((128, 16, 8, 8), 2, 2, None, 0), ((4, 3, 9, 7), 2, 2, None, 0),
                    ((4, 3, 9, 9), 3, 3, 2, 1), ((2, 2, 6, 7), 2, 3, 1, 0)]
    for x_shape, ph, pw, stride, pad in pool_configs:
        x = rng.standard_normal(x_shape)
        add(f"MaxPool2d {ph}×{pw} stride {stride or ph} pad {pad}, {x_shape}",
            compare_layer(layers.MaxPool2d(ph, pw, stride=stride, pad=pad),
                          lambda t: F.max_pool2d(t, (ph, pw), stride=stride or ph, padding=pad), x))
    # whole networks: loss and every parameter gradient after one backward pass
    images = load_digits(images=True)
    for name, build, build_torch, weights, x in (
            ("Sequential: lecture 03 MLP", dl_mlp, torch_mlp, mlp_weights(), images.X_train[:64].reshape(64, -1)),
            ("Sequential: lecture 07 CNN", dl_cnn, torch_cnn, cnn_weights(), images.X_train[:64])):
        t = images.t_train[:64]
        net, model = build(layers, weights, np.float64), build_torch(weights, np.float64)
        loss = net.loss(x, t)
        net.backward()
        tloss = F.cross_entropy(model(torch.tensor(x)), torch.tensor(t))
        tloss.backward()
        errors = {"loss": rel(loss, tloss.item())}
        tparams = [p.grad.numpy() for p in model.parameters()]
        for (key, grad), tgrad in zip(net.grads.items(), tparams):
            tgrad = tgrad.T if grad.ndim == 2 else tgrad  # Linear keeps (out, in)
            errors["d" + key] = rel(grad, tgrad.reshape(grad.shape))
        add(name, errors)
    return rows


# ---------------------------------------------------------------- BatchNorm against torch.nn.BatchNorm1d/2d

BATCHNORM_CASES = [  # (x shape, momentum, eps): (N, D) against BatchNorm1d, (N, C, H, W) against BatchNorm2d
    ((64, 100), 0.9, 1e-5),
    ((5, 3), 0.9, 1e-5),
    ((64, 16, 14, 14), 0.9, 1e-5),
    ((4, 3, 5, 7), 0.8, 1e-3),
]
BATCHNORM_STEPS = 3  # training batches before the evaluation-mode comparison


def compare_batchnorm(shape, momentum, eps, rng):
    """({quantity: max relative error}, {quantity: max abs difference}, unconverted running_var gap), float64.

    Several training batches (output, dx, dγ, dβ, running mean and variance after each), then evaluation mode
    with the same running statistics on both sides (output, dx, dγ, dβ). torch updates running_var with the
    unbiased batch variance m/(m - 1)·σ² where dlcourse (the contract, CS231n) uses the biased σ² it normalises
    with; torch's value is therefore converted explicitly: its batch term, running_var_after - momentum ·
    running_var_before, times (m - 1)/m. The unconverted gap is returned too, as the size of that convention.
    """
    channels = shape[1]
    m = int(np.prod(shape)) // channels  # values per feature: N, or N·H·W
    gamma, beta = rng.uniform(0.5, 2.0, channels), rng.standard_normal(channels)
    ours = layers.BatchNorm(gamma, beta, momentum=momentum, eps=eps)
    module = torch.nn.BatchNorm1d if len(shape) == 2 else torch.nn.BatchNorm2d
    theirs = module(channels, eps=eps, momentum=1.0 - momentum, dtype=torch.float64)  # torch weighs the new value
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(gamma))
        theirs.bias.copy_(torch.tensor(beta))
    per_channel = (1, -1) + (1,) * (len(shape) - 2)
    errors, differences, converted_var, raw_gap = {}, {}, np.ones(channels), 0.0

    def record(name, a, b):
        errors[name] = max(errors.get(name, 0.0), rel(a, b))
        differences[name] = max(differences.get(name, 0.0), float(np.max(np.abs(np.asarray(a) - np.asarray(b)))))

    def both(x, dout, train, prefix):
        out = ours.forward(x, train=train)
        dx = ours.backward(dout)
        theirs.train(train)
        theirs.zero_grad()
        tx = torch.tensor(x, requires_grad=True)
        tout = theirs(tx)
        tout.backward(torch.tensor(dout))
        record(f"{prefix} out", out, tout.detach().numpy())
        record(f"{prefix} dx", dx, tx.grad.numpy())
        record(f"{prefix} dγ", ours.grads["gamma"], theirs.weight.grad.numpy())
        record(f"{prefix} dβ", ours.grads["beta"], theirs.bias.grad.numpy())

    for _ in range(BATCHNORM_STEPS):
        x = rng.standard_normal(shape) * rng.uniform(0.5, 3.0, channels).reshape(per_channel) \
            + rng.standard_normal(channels).reshape(per_channel)
        var_before = theirs.running_var.numpy().copy()
        both(x, rng.standard_normal(shape), True, "train")
        var_after = theirs.running_var.numpy()
        converted_var = momentum * converted_var + (var_after - momentum * var_before) * (m - 1) / m
        record("running_mean", ours.running_mean, theirs.running_mean.numpy())
        record("running_var", ours.running_var, converted_var)
        raw_gap = max(raw_gap, rel(ours.running_var, var_after))
    with torch.no_grad():  # evaluation with the same statistics on both sides
        theirs.running_mean.copy_(torch.tensor(ours.running_mean))
        theirs.running_var.copy_(torch.tensor(ours.running_var))
    x = rng.standard_normal(shape) * 2.0 + 0.5
    both(x, rng.standard_normal(shape), False, "eval")
    return errors, differences, raw_gap


def batchnorm_correctness():
    """Rows (case, errors, differences, unconverted running_var gap), one per BATCHNORM_CASES entry."""
    rng = np.random.default_rng(16)
    rows = []
    for shape, momentum, eps in BATCHNORM_CASES:
        torch_name = "BatchNorm1d" if len(shape) == 2 else "BatchNorm2d"
        rows.append((f"{torch_name} {shape}, momentum {momentum}, eps {eps:g}",
                     *compare_batchnorm(shape, momentum, eps, rng)))
    return rows


def batchnorm_text(rows, command):
    worst = max(max(errors.values()) for _, errors, _, _ in rows)

    def largest(values):
        name = max(values, key=values.get)
        return f"{values[name]:.1e} ({name})"

    lines = table(["dlcourse BatchNorm vs torch (float64)", "max relative error", "max abs difference",
                   "torch's own running_var vs ours"],
                  [(name, largest(errors), largest(differences), f"{gap:.1e}")
                   for name, errors, differences, gap in rows])
    return f"""### BatchNorm against torch.nn.BatchNorm1d / BatchNorm2d in float64

Run {time.strftime("%Y-%m-%d %H:%M")} with `{command}`; PyTorch {torch.__version__}.
Per case, {BATCHNORM_STEPS} training batches (output, dx, dγ, dβ; running mean and variance after each
batch), then evaluation mode with the running statistics copied from dlcourse into torch (output, dx, dγ, dβ).
Relative errors are max|dlcourse − torch| / max|torch| per quantity; each column gives its worst quantity
(in brackets) over all batches. dlcourse's momentum 0.9 is torch's momentum 0.1 (torch weighs the new batch
value). Worst relative error of all: {worst:.1e} (bound 1e-10: {'met' if worst <= 1e-10 else 'MISSED'}).

One convention differs and is handled explicitly: both normalise with the biased batch variance σ², but torch
updates `running_var` with the unbiased m/(m − 1)·σ² (m values per feature), dlcourse with σ², as its contract
says. The quantity `running_var` compares dlcourse with torch's value converted to the biased convention (torch's
batch term, `running_var` after − momentum · before, times (m − 1)/m); the last column is the unconverted
relative gap, the size of the convention difference itself (largest for small m), not an error.

{lines}
"""


def write_batchnorm_section(text):
    """Write the BatchNorm block inside the bench_layers section, replacing only that block."""
    name, end = "bench_layers_batchnorm", "<!-- bench_layers:end -->"
    current = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else ""  # re-read: others write it too
    if f"<!-- {name}:begin -->" not in current and end in current:  # first time: before the section's end
        block = f"\n<!-- {name}:begin -->\n{text.strip()}\n<!-- {name}:end -->\n"  # blank line: ends the table above
        RESULTS.write_text(current.replace(end, block + end, 1), encoding="utf-8")
        return RESULTS
    return write_section(name, text)


# ---------------------------------------------------------------- main

def machine_section(peaks, started_load):
    info = threadpool_info()
    blas = ", ".join(f"{i['internal_api']} {i['version']} ({i.get('architecture', '?')}, "
                     f"{i['num_threads']} threads, {i['prefix']})" for i in info if i["user_api"] == "blas")
    try:
        config = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        blas_build = f"{config.get('name')} {config.get('version')}"
    except Exception:  # older numpy: no dicts mode
        blas_build = "see np.show_config()"
    lines = [
        f"- CPU: {cpu_model()}, {usable_cores()} cores usable by this process (os.cpu_count() = {os.cpu_count()})",
        f"- Python {sys.version.split()[0]}, numpy {np.__version__} (BLAS at build: {blas_build}; loaded: {blas}), "
        f"dlcourse {dlcourse.__version__}",
        f"- PyTorch {torch.__version__}, {torch.get_num_threads()} intra-op threads"
        if torch is not None else "- PyTorch: not installed, torch columns skipped",
        f"- Threads: {THREADS} on both sides (threadpoolctl limit for numpy's BLAS; torch.set_num_threads)",
        f"- Load average (1 / 5 / 15 min) at the start: {started_load}; at the end: {load_average()}",
        f"- float32 GEMM peak, np.matmul 2048 × 2048: best {peaks[np.float32][0]:.1f} GFLOP/s, median "
        f"{peaks[np.float32][1]:.1f}; float64: best {peaks[np.float64][0]:.1f}, median {peaks[np.float64][1]:.1f}",
    ]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=41, help="timed rounds per case (default 41)")
    parser.add_argument("--quick", action="store_true", help="9 rounds, print only, do not write RESULTS.md")
    parser.add_argument("--baseline", metavar="REV", help="also time dlcourse/layers.py as of this git revision")
    parser.add_argument("--no-write", action="store_true", help="print, do not write RESULTS.md")
    parser.add_argument("--only", choices=["batchnorm"],
                        help="run one part only and replace only its block of RESULTS.md (batchnorm: BatchNorm "
                             "against torch.nn.BatchNorm1d/2d in float64, no timing)")
    args = parser.parse_args(argv)
    repeats = 9 if args.quick else args.repeats
    started, started_load = time.strftime("%Y-%m-%d %H:%M"), load_average()
    if torch is not None:
        torch.set_num_threads(THREADS)
    command = " ".join(["benchmarks/bench_layers.py"] + (argv if argv is not None else sys.argv[1:]))
    if args.only == "batchnorm":
        if torch is None:
            print("bench_layers.py --only batchnorm compares with PyTorch, which is not installed", file=sys.stderr)
            return 1
        batchnorm_block = batchnorm_text(batchnorm_correctness(), command)
        print(batchnorm_block)
        if not (args.quick or args.no_write):
            print(f"wrote {write_batchnorm_section(batchnorm_block)}")
        return 0
    baseline = load_baseline(args.baseline) if args.baseline else None

    with threadpool_limits(THREADS):
        peaks = gemm_peak(repeats)
        print(f"float32 GEMM peak {peaks[np.float32][0]:.1f} GFLOP/s", flush=True)
        conv_table, conv_records = bench_conv(repeats, baseline, peaks[np.float32][0])
        print(conv_table, flush=True)
        pool_table, pool_records = bench_pool(repeats, baseline)
        print(pool_table, flush=True)
        step_table, step_records = bench_steps(repeats, baseline)
        print(step_table, flush=True)
        naive_table = bench_naive(max(5, repeats // 2))
        print(naive_table, flush=True)
        training = None
        if baseline is not None:  # a whole training run, alternating before / after, twice each
            runs = {"after": [], "before": []}
            for _ in range(2):
                for name, lib in (("after", layers), ("before", baseline)):
                    runs[name].append(lecture07_training(lib))
            training = {name: (min(r[0] for r in values), values[0][1]) for name, values in runs.items()}
            print(training, flush=True)
    correct_rows = correctness() if torch is not None else []
    batchnorm_block = (batchnorm_text(batchnorm_correctness(), command) if torch is not None else
                       "### BatchNorm against torch.nn.BatchNorm1d / BatchNorm2d\n\nPyTorch not installed: skipped.\n")
    print(batchnorm_block)
    worst = max((row[1] for row in correct_rows), default=float("nan"))
    correct_table = table(["layer (float64)", "max relative error", "in", "all checked"],
                          [(name, f"{err:.1e}", which, ", ".join(errors)) for name, err, which, errors in correct_rows])
    print(correct_table)

    records = conv_records + pool_records + step_records
    met = [r for r in records if "torch" in r[2] and np.median(r[2]["dl"]) / np.median(r[2]["torch"]) <= r[3]]
    missed = [f"{name} ({np.dtype(dtype).name})" for name, dtype, times, target in records
              if "torch" in times and np.median(times["dl"]) / np.median(times["torch"]) > target]
    missed_best = [f"{name} ({np.dtype(dtype).name}, {np.min(times['dl']) / np.min(times['torch']):.2f}×)"
                   for name, dtype, times, target in records
                   if "torch" in times and np.min(times["dl"]) / np.min(times["torch"]) > target]
    compared = len([r for r in records if "torch" in r[2]])
    missed_text = " Missed: " + "; ".join(missed) + "." if missed else ""
    before_note = (f"\n\"before\" columns: `dlcourse/layers.py` at git revision `{args.baseline}`, timed in the same "
                   "rounds (ratio = before / PyTorch).\n" if baseline is not None else "")
    training_text = "" if training is None else (
        "### Lecture 07's CNN training run, before and after\n\n"
        "`train(...)` exactly as `notebooks/07_cnn.ipynb` runs it (20 epochs, Adam, batch 64, float64, evaluation "
        f"after every epoch), each version twice, alternating; the faster run of each: before ({args.baseline}) "
        f"{training['before'][0]:.1f} s, after {training['after'][0]:.1f} s "
        f"({training['before'][0] / training['after'][0]:.1f}× faster); test accuracy "
        f"{training['before'][1]:.4f} before, {training['after'][1]:.4f} after.\n\n")
    text = f"""## Layers and training steps against PyTorch CPU (`bench_layers.py`)

Run {started} with `{command}`,
{repeats} timed rounds per case (twice as many for training steps).

{machine_section(peaks, started_load)}

How it was measured: dlcourse, PyTorch (and the baseline) alternate call by call in the same process after
warm-up calls; calls shorter than 2 ms are timed in groups. Times are medians; "ratio (median)" is
median dlcourse / median PyTorch (the figure the targets refer to), "ratio (best run)" is fastest / fastest,
which is less sensitive to the other programs sharing this machine (see the load average above).
Forward + backward means one forward call and one backward call with a fixed upstream gradient;
PyTorch computes the same gradients (input, weights, bias).{before_note}

Targets met, by the median ratio: {len(met)} of {compared}.{missed_text}
By the best-run ratio: {'all met' if not missed_best else 'missed by ' + '; '.join(missed_best)}.

### Conv2d, forward + backward

{conv_table}

GFLOP/s counts the three products of a convolution's forward and backward passes (output, dW, dx),
2·N·OH·OW·FN·C·FH·FW floating-point operations each, over the median time; the percentage is of the
best float32 GEMM rate measured above.

### MaxPool2d 2×2, forward + backward (the conv outputs above)

{pool_table}

### One training step (forward, loss, backward, optimiser update) on the digits

The networks of lecture 03 (`notebooks/03_backpropagation.ipynb`: 64-100-10, ReLU) and lecture 07
(`notebooks/07_cnn.ipynb`: conv 1→16 3×3 pad 1, ReLU, max-pool 2, conv 16→32 3×3 pad 1, ReLU, max-pool 2,
flatten, affine 128→10), through `Sequential` + `SoftmaxWithLoss` + a `dlcourse.optim` optimiser, against
`torch.nn.Sequential` + `CrossEntropyLoss` + the same `torch.optim` optimiser, same initial weights,
same batch (the first rows of the training split).

{step_table}

### Fast layers against their plain-loop references (`dlcourse.naive`), forward + backward

"default" is `dlcourse.layers` as the lectures call it (Conv2d and MaxPool2d through `dlcourse.fast_layers`);
"lecture's code" is the im2col code written in `dlcourse/layers.py` (`fast=False`), for the two layers that have
a tuned kernel.

{naive_table}

{training_text}### Correctness in the same run: float64 outputs and gradients against torch autograd

Max relative error max|dlcourse − torch| / max|torch| over the output, dx and every parameter gradient
(for whole networks: the loss and every parameter gradient). Worst of all: {worst:.1e} (bound 1e-10:
{'met' if worst <= 1e-10 else 'MISSED'}).

{correct_table}

<!-- bench_layers_batchnorm:begin -->
{batchnorm_block.strip()}
<!-- bench_layers_batchnorm:end -->
"""
    if not (args.quick or args.no_write):
        path = write_section("bench_layers", text)
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
