"""The course as a whole: every notebook of notebooks/ and solutions/ under nbval, timed, and the accuracies
the notebooks report.

    .venv/bin/python benchmarks/course.py                 # all notebooks, writes benchmarks/RESULTS.md
    .venv/bin/python benchmarks/course.py --no-write notebooks/07_cnn.ipynb

Each notebook runs in its own `python -m pytest -p no:xdist NOTEBOOK` (nbval's options come from
pyproject.toml's addopts, as in the test suite): the seconds are wall-clock time of that process, kernel
start included. Peak memory is the largest resident set of the process tree (pytest + kernel), sampled
every 50 ms with psutil. Accuracies and training seconds are read from the notebooks' saved outputs
("test accuracy: 0.975", "training took 4.2 s"). Missing notebooks are reported, not fatal.
"""
import argparse
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import cpu_model, load_average, table, usable_cores, write_section  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PER_NOTEBOOK, TOTAL = 30.0, 180.0  # seconds
ACCURACY_TARGETS = [  # (notebook, what, target): the notebooks' own training runs on the digits test split
    ("notebooks/03_backpropagation.ipynb", "MLP", 0.97),
    ("notebooks/07_cnn.ipynb", "CNN", 0.985),
]
ACCURACY = re.compile(r"test accuracy: ([0-9]*\.?[0-9]+)")
TRAINING = re.compile(r"training(?: one \w+)? took ([0-9]*\.?[0-9]+) ?s\b")
# a table over seeds: "test errors of 360  seed 0 ... mean ± std", then a row per model "CNN  9  10 ...  8.2 ± 1.5"
SEED_TABLE = re.compile(r"test errors of (\d+)")


def peak_rss(process, stop, result):
    """Sample the resident memory of process and all its descendants until stop is set; keep the peak."""
    try:
        import psutil
    except ImportError:
        return
    try:
        root = psutil.Process(process.pid)
    except psutil.Error:
        return
    while not stop.is_set():
        total = 0
        try:
            for proc in [root] + root.children(recursive=True):
                try:
                    total += proc.memory_info().rss
                except psutil.Error:
                    pass
        except psutil.Error:
            break
        result[0] = max(result[0], total)
        stop.wait(0.05)


def run_nbval(targets, workers=None):
    """(seconds, passed, failed, peak bytes, return code, summary line) of one nbval run over targets."""
    parallel = ["-n", str(workers), "--dist", "loadfile"] if workers else ["-p", "no:xdist"]
    command = [sys.executable, "-m", "pytest", *parallel, "-q", *targets]
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    stop, peak = threading.Event(), [0]
    sampler = threading.Thread(target=peak_rss, args=(process, stop, peak), daemon=True)
    sampler.start()
    output, _ = process.communicate()
    seconds = time.perf_counter() - start
    stop.set()
    sampler.join()
    summary = next((line.strip() for line in reversed(output.splitlines()) if re.search(r"\d+ (passed|failed)", line)),
                   output.strip().splitlines()[-1] if output.strip() else "")
    counts = {word: int(number) for number, word in re.findall(r"(\d+) (passed|failed|errors?)", summary)}
    failures = counts.get("failed", 0) + counts.get("error", 0) + counts.get("errors", 0)
    return seconds, counts.get("passed", 0), failures, \
        peak[0], process.returncode, summary


def reported_figures(path, what=None):
    """[(cell number, test accuracy, training seconds or None, how)] from a notebook's saved text outputs: each
    "test accuracy: 0.975" line, and, for the model ``what``, the mean of its row in a table of test errors over
    seeds (how: "mean of 5 seeds")."""
    found = []
    last_training = None
    for number, cell in enumerate(nbformat.read(str(path), as_version=4).cells, start=1):
        if cell.cell_type != "code":
            continue
        text = "".join(output.get("text", "") + "".join(output.get("data", {}).get("text/plain", ""))
                       for output in cell.get("outputs", []))
        trainings = TRAINING.findall(text)
        if trainings:
            last_training = float(trainings[-1])
        for accuracy in ACCURACY.findall(text):
            found.append((number, float(accuracy), last_training, ""))
        table_of = SEED_TABLE.search(text)
        row = what and re.search(rf"^{re.escape(what)}\s+((?:\d+\s+)+)([0-9.]+) ± ", text, re.M)
        if table_of and row:
            seeds = len(row.group(1).split())
            found.append((number, 1 - float(row.group(2)) / int(table_of.group(1)), last_training,
                          f"mean of {seeds} seeds"))
    return found


def accuracy_table():
    """The rows of the accuracy table (notebook, model, accuracy, training seconds, target, verdict) and the
    models that missed their target, from the notebooks' saved outputs."""
    accuracy_rows, accuracy_missed = [], []
    for notebook, what, target in ACCURACY_TARGETS:
        path = ROOT / notebook
        figures = reported_figures(path, what) if path.exists() else []
        if not figures:
            accuracy_rows.append([notebook, what, "not found" if path.exists() else "notebook missing", "",
                                  f"≥ {target:.1%}", ""])
            accuracy_missed.append(f"{what} (no figure)")
            continue
        # the last figure the notebook prints is its final model's
        number, accuracy, seconds, how = figures[-1]
        met = accuracy >= target
        if not met:
            accuracy_missed.append(what)
        accuracy_rows.append([notebook, what, f"{accuracy:.1%} (cell {number}{', ' + how if how else ''})",
                              f"{seconds:.1f}" if seconds is not None else "not printed", f"≥ {target:.1%}",
                              "met" if met else "missed"])

    return accuracy_rows, accuracy_missed


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", help="notebooks to run (default: notebooks/*.ipynb solutions/*.ipynb)")
    parser.add_argument("--no-write", action="store_true", help="print, do not write RESULTS.md")
    parser.add_argument("--no-full", action="store_true",
                        help="skip the second phase: all notebooks in one run on 2 workers, as `course.py test` does")
    args = parser.parse_args(argv)
    paths = [Path(p).resolve() for p in args.notebooks] or sorted((ROOT / "notebooks").glob("*.ipynb")) + \
        sorted((ROOT / "solutions").glob("*.ipynb"))
    started, started_load = time.strftime("%Y-%m-%d %H:%M"), load_average()

    rows, total, peak_all, slow, failed = [], 0.0, 0, [], []
    for path in paths:
        name = str(path.relative_to(ROOT))
        if not path.exists():
            rows.append([name, "missing", "", "", ""])
            continue
        seconds, passed, failures, peak, code, summary = run_nbval([name])
        total += seconds
        peak_all = max(peak_all, peak)
        if seconds > PER_NOTEBOOK:
            slow.append(name)
        if code == 5:  # pytest: nothing collected (a notebook without code cells)
            code, summary = 0, "no code cells"
        if code != 0:
            failed.append(name)
        rows.append([name, f"{seconds:.1f}", "ok" if seconds <= PER_NOTEBOOK else "over 30 s",
                     (f"{passed} passed" if summary != "no code cells" else summary)
                     + (f", {failures} failed" if failures else "") + ("" if code == 0 else f" (exit {code})"),
                     f"{peak / 2 ** 20:.0f}" if peak else "n/a"])
        print(f"{name}: {seconds:.1f} s, {summary}, peak {peak / 2 ** 20:.0f} MiB", flush=True)

    full = None
    existing = [str(p.relative_to(ROOT)) for p in paths if p.exists()]
    if existing and not args.no_full:
        full = run_nbval(existing, workers=2)
        print(f"all at once, 2 workers: {full[0]:.1f} s, {full[5]}, peak {full[3] / 2 ** 20:.0f} MiB", flush=True)

    accuracy_rows, accuracy_missed = accuracy_table()
    ran = [row for row in rows if row[1] != "missing"]
    verdicts = [
        f"total {total:.0f} s for {len(ran)} notebooks "
        f"(target ≤ {TOTAL:.0f} s: {'met' if total <= TOTAL else 'missed'})",
        f"slowest {max((float(r[1]), r[0]) for r in ran)[0]:.1f} s ({max((float(r[1]), r[0]) for r in ran)[1]})"
        f" (target ≤ {PER_NOTEBOOK:.0f} s each: {'met' if not slow else 'missed by ' + ', '.join(slow)})"
        if ran else "",
        f"nbval: {'every notebook passed' if not failed else 'FAILED: ' + ', '.join(failed)}",
        f"peak memory of one notebook's process tree (pytest + kernel): {peak_all / 2 ** 20:.0f} MiB"
        if peak_all else "peak memory: psutil not available",
    ]
    if full is not None:
        verdicts.append(f"the full nbval run as the test suite does it (`pytest -n 2 --dist loadfile` over the same "
                        f"{len(existing)} notebooks, one process tree): {full[0]:.0f} s "
                        f"(target ≤ {TOTAL:.0f} s: {'met' if full[0] <= TOTAL else 'missed'}), {full[5]}, "
                        f"peak memory {full[3] / 2 ** 20:.0f} MiB" + ("" if full[4] == 0 else f" (exit {full[4]})"))
    missing = [row[0] for row in rows if row[1] == "missing"]
    text = f"""## The course as a whole (`course.py`)

Run {started} on {cpu_model()}, {usable_cores()} cores; load average at the start {started_load}, at the
end {load_average()} (this run adds about 1; more means other programs shared the machine). Each notebook in
its own `python -m pytest -p no:xdist NOTEBOOK` (nbval, strict output comparison with the test suite's
sanitising rules), one after the other; seconds are wall-clock, kernel start-up included. Then, unless
`--no-full`, all of them in one run on 2 workers, as `python3 course.py test` runs them.

{chr(10).join('- ' + line for line in verdicts + (['missing: ' + ', '.join(missing)] if missing else []) if line)}

{table(['notebook', 'seconds', '≤ 30 s', 'nbval cells', 'peak MiB'], rows)}

### Accuracy reported by the notebooks' own training runs (saved outputs, digits test split)

{table(['notebook', 'model', 'test accuracy', 'training seconds', 'target', ''], accuracy_rows)}
"""
    print(text)
    if not args.no_write:
        print(f"wrote {write_section('course', text)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
