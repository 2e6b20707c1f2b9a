"""The sandboxed side of grading: run a notebook's code, call the learner's functions, send back plain data.

Started by the grader as ``python -I -B runner.py RESULTS_FD JOB_FILE LIB_DIR`` inside the sandbox, with
LIB_DIR holding the sanitized copy of dlcourse (no answer key) and the channel module beside this file.
Everything in this process is untrusted once the first answer cell has run: it decides nothing. It writes one
JSON object per line on RESULTS_FD:

    {"event": "start"}
    {"event": "cell", "index": i, "t": seconds}                    before running code cell i
    {"event": "cell_error", "index": i, "error": "...", "line": n} the cell raised
    {"event": "result", "exercise": name, "results": [{"out": node, "modified": bool}, ...]}
    {"event": "done", "t": seconds}

The job file (written by the grader) lists the code cells to run in order (the pristine notebook's cells
with the learner's answer cells put in, those marked "transform" still in IPython syntax) and, for every
check cell, the exercise to run there: its function
expressions (taken from the pristine check cell) and its cases, encoded with the channel module.
"""
import builtins
import faulthandler
import linecache
import os
import shutil
import sys
import time
import traceback

import numpy as np


def main(argv):
    started = time.monotonic()
    results_fd, job_file, lib_dir = int(argv[1]), argv[2], argv[3]
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:0] = [lib_dir, here]
    faulthandler.enable()
    _seed_matplotlib_cache(os.path.join(here, "mplcache"))

    import channel  # noqa: E402  (after sys.path is set)
    import magics  # noqa: E402

    def emit(record):
        data = channel.dumps(record).encode("ascii")
        while data:
            data = data[os.write(results_fd, data):]

    emit({"event": "start"})
    with open(job_file, encoding="utf-8") as handle:
        job = channel.loads(handle.read())

    from dlcourse import _hidden
    from dlcourse.checks.core import Case, Fn, Raised, Rng, Unsupported, run_case

    make = {"fn": Fn, "rng": Rng}
    tokens = {Unsupported: lambda u: {"t": "unsupported", "name": str(u.type_name)},
              Raised: lambda r: {"t": "raised", "type": str(r.type_name), "message": str(r.message)[:2000],
                                 "where": str(r.where)[:500]}}
    shell = _Shell()
    namespace = {"__name__": "__main__", "__builtins__": builtins, "get_ipython": shell.get,
                 "display": _display}
    shell.user_ns = namespace

    for index, cell in enumerate(job["cells"]):
        emit({"event": "cell", "index": index, "t": round(time.monotonic() - started, 3)})
        if cell["kind"] == "check":
            spec = job["exercises"].get(cell["exercise"])
            if spec is None:
                continue
            functions = {}
            for name, expression in zip(spec["functions"], spec["arguments"]):
                try:
                    functions[name] = eval(expression, namespace)
                except BaseException:  # undefined: run_case reports the missing name
                    pass
            if spec["run"]:
                results, budget = [], MAX_RESULT_BYTES
                for encoded in spec["cases"]:
                    case = Case(channel.decode(encoded["args"], channel.INPUT_TAGS, make),
                                channel.decode(encoded["kwargs"], channel.INPUT_TAGS, make),
                                function=encoded["function"], call=encoded["call"])
                    try:
                        got, modified = run_case(case, functions)
                    except BaseException as error:  # SystemExit, KeyboardInterrupt ... inside the function
                        got, modified = Raised(type(error).__name__, _text(error)), False
                    size = _array_bytes(got)
                    budget -= size
                    if size > MAX_OUTPUT_BYTES or budget < 0:
                        out = {"t": "unsupported", "name": f"output too large to send ({size >> 20} MB of arrays)"}
                    else:
                        try:
                            out = channel.encode(got, tokens)
                        except BaseException as error:
                            out = {"t": "unsupported", "name": f"output that cannot be sent ({type(error).__name__})"}
                    results.append({"out": out, "modified": bool(modified)})
                emit({"event": "result", "exercise": cell["exercise"], "results": results})
            for name, function in functions.items():
                _hidden.register(name, function)
            continue
        filename = f"<cell {cell.get('number', index)}>"  # numbered as Jupyter shows the notebook
        if cell.get("transform"):  # a learner's cell: IPython syntax turned into Python here, within the time limit
            cell["source"] = magics.python_source(cell["source"])
        linecache.cache[filename] = (len(cell["source"]), None, cell["source"].splitlines(True), filename)
        try:
            exec(compile(cell["source"], filename, "exec"), namespace)
        except BaseException as error:  # the cell's own failure; later cells still run
            out_of_memory = isinstance(error, MemoryError) and cell["kind"] == "answer"
            if out_of_memory:
                namespace.clear()  # frees what the cell's globals hold, so that the record below can be sent
                emit({"event": "cell_error", "index": index, "error": "MemoryError: out of memory", "line": None})
                # what the answer still holds would starve the other exercises: a new sandbox runs them
                os._exit(OUT_OF_MEMORY_EXIT)
            emit({"event": "cell_error", "index": index, "error": f"{type(error).__name__}: {_text(error)}"[:2000],
                  "line": _line(error, filename)})
    emit({"event": "done", "t": round(time.monotonic() - started, 3)})
    try:
        sys.stdout.flush()
    except BaseException:
        pass
    os._exit(0)  # no atexit hooks or threads of the learner's run after the last record


OUT_OF_MEMORY_EXIT = 3  # a MemoryError in an answer cell (the grader's __init__.py knows this code)
MAX_OUTPUT_BYTES = 16 << 20  # of array data in one output: far more than any exercise returns
MAX_RESULT_BYTES = 32 << 20  # of array data in all the outputs of one exercise


def _array_bytes(value, depth=0):
    """Bytes of array data in a plain output (to_plain has already bounded its nesting)."""
    try:
        if type(value) is np.ndarray:
            return value.nbytes
        if type(value) in (tuple, list) and depth < 30:
            return sum(_array_bytes(v, depth + 1) for v in value)
        if type(value) is dict and depth < 30:
            return sum(_array_bytes(v, depth + 1) for v in value.values())
    except BaseException:
        pass
    return 0


def _text(error):
    try:
        return str(error)[:2000]
    except BaseException:
        return "(the exception could not be printed)"


def _line(error, filename):
    try:
        frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == filename]
        if isinstance(error, SyntaxError) and error.filename == filename:
            return error.lineno
        return frames[-1].lineno if frames else None
    except BaseException:
        return None


def _seed_matplotlib_cache(source):
    """Copy the grader's prebuilt matplotlib font cache into the scratch directory (saves seconds per run)."""
    target = os.environ.get("MPLCONFIGDIR")
    if target and os.path.isdir(source):
        try:
            shutil.copytree(source, target, dirs_exist_ok=True)
        except OSError:
            pass


def _display(*objects, **kwargs):
    for obj in objects:
        print(repr(obj))


class _Shell:
    """The little of IPython's shell that transformed magics and notebooks call: it runs no magic."""

    user_ns = None

    def get(self):
        return self

    def run_line_magic(self, name, line, *args, **kwargs):
        return None

    def run_cell_magic(self, name, line, cell, *args, **kwargs):
        return None

    def system(self, command, *args, **kwargs):
        return None

    getoutput = system

    def set_custom_exc(self, *args, **kwargs):
        return None

    def __getattr__(self, name):
        return lambda *args, **kwargs: None


if __name__ == "__main__":
    main(sys.argv)
