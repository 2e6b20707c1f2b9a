"""Re-execute notebooks under conditions that change floating-point round-off, and compare their saved text outputs.

Another CPU, BLAS build or numpy version rounds differently in the last bits; a saved output that depends on
those bits fails nbval on a learner's machine. This runs nbval on the given notebooks (default: every notebook
of notebooks/ and solutions/) once per perturbation:

- ``blas-2-threads``: BLAS with 2 threads (the test suite otherwise uses 1), which changes the order of sums;
- ``no-simd``: numpy's runtime-dispatched SIMD kernels switched off (``NPY_DISABLE_CPU_FEATURES``), the
  code paths of an older CPU.

``OPENBLAS_CORETYPE`` and ``OPENBLAS_L2_SIZE`` are left as the environment sets them. The oldest and newest
supported dependency versions are the other perturbation: ``.ci/versions.py`` runs the whole suite on both.

    python tests/perturb.py                      # every notebook, both perturbations
    python tests/perturb.py notebooks/03_backpropagation.ipynb --only no-simd
"""
import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


DISPATCHED = """
try:
    from numpy._core import _multiarray_umath as umath
except ImportError:  # numpy < 2
    from numpy.core import _multiarray_umath as umath
baseline = set(umath.__cpu_baseline__)
print(" ".join(f for f in umath.__cpu_dispatch__ if f not in baseline and umath.__cpu_features__.get(f)))
"""
NAMES = ("blas-2-threads", "no-simd")


def perturbation(name, python=sys.executable):
    """The environment changes of perturbation ``name`` for the numpy of ``python``."""
    if name == "blas-2-threads":
        return {"OPENBLAS_NUM_THREADS": "2", "OMP_NUM_THREADS": "2", "MKL_NUM_THREADS": "2"}
    # the SIMD features this numpy chooses at run time on this CPU (those above its compiled-in baseline)
    features = subprocess.run([str(python), "-c", DISPATCHED], capture_output=True, text=True, check=True).stdout
    return {"NPY_DISABLE_CPU_FEATURES": features.strip()}


def run(notebooks, names, workers):
    failed = []
    for name in names:
        changes = perturbation(name)
        shown = " ".join(f"{key}={value!r}" for key, value in changes.items())
        print(f"== {name}: {shown}", flush=True)
        parallel = ["-n", str(workers), "--dist", "loadfile"] if workers > 1 else ["-p", "no:xdist"]
        command = [sys.executable, "-m", "pytest", "-q", *parallel, *notebooks]
        if subprocess.call(command, cwd=ROOT, env={**os.environ, **changes}) != 0:
            failed.append(name)
    if failed:
        print(f"saved text outputs differ under: {', '.join(failed)} (see above)")
    return 1 if failed else 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", default=["notebooks", "solutions"])
    parser.add_argument("--only", choices=NAMES, action="append",
                        help="run only this perturbation (repeatable)")
    parser.add_argument("--workers", type=int, default=1, help="pytest-xdist workers (default 1)")
    args = parser.parse_args(argv)
    return run(args.notebooks, args.only or list(NAMES), args.workers)


if __name__ == "__main__":
    sys.exit(main())
