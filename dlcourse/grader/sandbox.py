"""Where a learner's code runs: a sanitized copy of dlcourse, bubblewrap, seccomp, a cgroup, resource limits,
a watchdog.

``Workspace`` is one grading run's temporary directory: the runner and channel modules, a prebuilt
matplotlib font cache, one sanitized copy of dlcourse per assignment (``library``), and one job directory
per sandbox run. ``detect_mode`` finds the strongest isolation that works on this machine; ``Workspace.run``
starts one sandbox (in a cgroup of its own, as a uid of its own) and returns an ``Outcome`` (the result
records, how the process ended, its output). docs/grader-threat-model.md says what each layer is for.
"""
import ast
import json
import os
import secrets
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import cgroup, seccomp

PACKAGE = Path(__file__).resolve().parent.parent  # the real dlcourse package (never mounted in the sandbox)
GRADER = Path(__file__).resolve().parent

MEMORY_MB = int(os.environ.get("DLCOURSE_GRADER_MEMORY_MB", "3072"))  # address space of each process
MAX_TASKS = 64  # processes + threads in one sandbox
MAX_OUTPUT = 64 * 1024  # bytes of stdout/stderr kept (head and tail); the rest is counted and dropped
MAX_RESULTS = 64 * 1024 * 1024  # bytes of result records accepted from one run
SCRATCH_MB = 256  # size of the sandbox's tmpfs scratch directory


def hard_memory_limit():
    """The cgroup's memory limit in bytes: above MEMORY_MB, where the watchdog stops a run, so that the kernel's
    limit is the backstop for what grows faster than the watchdog looks (every 0.2 s)."""
    return (MEMORY_MB << 20) + max(256 << 20, (MEMORY_MB << 20) // 4)

class SandboxUnavailable(RuntimeError):
    """No way to run a sandbox on this machine (said at start, before any submission is graded)."""


# ---------------------------------------------------------------- the sanitized library

def hidden_objects(exercises):
    """{"module.name": (kind, exercise function, exercise)} for the library objects these exercises declare in
    ``Exercise.hides``.

    kind "proxy": a declared library function named like one of the exercise's own functions
    (``functions.softmax`` for ``softmax``); in the sandbox it calls the learner's own answer once that
    exercise's cases have run, so course cells that use the library's version after the exercise run with the
    learner's. kind "stub": every other declared object; it raises when called or instantiated.
    """
    found = {}
    for exercise in exercises:
        own = set() if exercise.value else set(exercise.functions)
        for dotted in exercise.hides:
            name = dotted.rsplit(".", 1)[-1]
            if name in own and _is_function(dotted):
                found[dotted] = ("proxy", name, exercise.name)
            else:
                found.setdefault(dotted, ("stub", name, exercise.name))
    return found


def _is_function(dotted):
    """True when the declared name is a top-level ``def`` of its module (a proxy keeps a function a function)."""
    module, name = dotted.rsplit(".", 1)
    path = PACKAGE.joinpath(*module.split("."))
    path = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return any(isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name for node in tree.body)


def _module_name(path):
    """Dotted name relative to the package ("functions", "widgets.softmax"), None for what is never copied."""
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    if parts[0] in ("grader", "checks", "__main__") or "__pycache__" in parts:
        return None
    return ".".join(p for p in parts if p != "__init__") or "__init__"


HIDDEN_MODULE = '''"""While a notebook is graded, this assignment's exercised functions are not in the library.

A library function that an exercise asks for calls the learner's own answer instead (registered by the
grading runner once that exercise's cases have run); other objects that would give an answer away raise.
"""


class HiddenWhileGrading(RuntimeError):
    pass


_answers = {}


def register(name, function):
    _answers[name] = function


def call(qualname, name, exercise, args, kwargs):
    function = _answers.get(name)
    if function is None:
        raise HiddenWhileGrading(f"{qualname} is hidden while this notebook is graded: it is the answer to "
                                 f"exercise {exercise!r}; use your own {name}")
    return function(*args, **kwargs)


def unavailable(qualname, exercise):
    raise HiddenWhileGrading(f"{qualname} is not available while this notebook is graded "
                             f"(it would give away exercise {exercise!r})")
'''

CHECKS_MODULE = '''"""Stand-in while grading: exercises are judged by the grader, outside this process."""
from .core import Case, CheckFailed, Exercise, Fn, Mistake, Rng


def check(name, *answers):
    print(f"(exercise {name}: judged by the grader)")


def exercises():
    return {}


def get(name):
    raise KeyError(f"exercise {name!r}: the exercises are not available while grading")
'''


def _rewrite(source, module, hidden):
    """The module's source with its hidden top-level functions and classes replaced by proxies and stubs."""
    tree = ast.parse(source)
    body = []
    for node in tree.body:
        name = getattr(node, "name", None)
        entry = hidden.get(f"{module}.{name}") if name else None
        if entry is None:
            body.append(node)
            continue
        kind, function, exercise = entry
        qualname = f"dlcourse.{module}.{name}"
        if kind == "proxy":
            text = (f"def {name}(*args, **kwargs):\n    return _dlcourse_hidden.call({qualname!r}, {function!r}, "
                    f"{exercise!r}, args, kwargs)\n")
        elif isinstance(node, ast.ClassDef):
            text = (f"class {name}:\n    def __init__(self, *args, **kwargs):\n"
                    f"        _dlcourse_hidden.unavailable({qualname!r}, {exercise!r})\n")
        else:
            text = f"def {name}(*args, **kwargs):\n    _dlcourse_hidden.unavailable({qualname!r}, {exercise!r})\n"
        body.extend(ast.parse(text).body)
    position = 1 if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) else 0
    while position < len(body) and isinstance(body[position], ast.ImportFrom) and body[position].module == "__future__":
        position += 1
    body.insert(position, ast.parse("from dlcourse import _hidden as _dlcourse_hidden").body[0])
    tree.body = body
    return ast.unparse(ast.fix_missing_locations(tree)) + "\n"


def build_library(target, hidden):
    """Write the sanitized copy of dlcourse into ``target``/dlcourse: no checks modules but core, no grader,
    hidden objects replaced (``hidden`` from hidden_objects). Byte-compiled so the sandbox need not write."""
    out = Path(target) / "dlcourse"
    for path in sorted(PACKAGE.rglob("*")):
        relative = path.relative_to(PACKAGE)
        if "__pycache__" in relative.parts or relative.parts[0] in ("grader", "checks") or path.is_dir():
            continue
        destination = out / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        module = _module_name(path) if path.suffix == ".py" else None
        if module is not None and any(key.startswith(f"{module}.") and key.count(".") == module.count(".") + 1
                                      for key in hidden):
            destination.write_text(_rewrite(path.read_text(encoding="utf-8"), module, hidden), encoding="utf-8")
        elif path.suffix != ".pyc":
            shutil.copyfile(path, destination)
    (out / "checks").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(PACKAGE / "checks" / "core.py", out / "checks" / "core.py")
    (out / "checks" / "__init__.py").write_text(CHECKS_MODULE, encoding="utf-8")
    (out / "_hidden.py").write_text(HIDDEN_MODULE, encoding="utf-8")
    import compileall
    compileall.compile_dir(str(out), quiet=2)
    _open_up(out.parent)
    return out.parent


def _open_up(root):
    """Readable (not writable) by the sandbox's unprivileged uid."""
    for directory, _, files in os.walk(root):
        os.chmod(directory, 0o755)
        for name in files:
            os.chmod(os.path.join(directory, name), 0o644)


# ---------------------------------------------------------------- modes

@dataclass
class Mode:
    """How sandboxes are run. ``bwrap``: path of bubblewrap or None. ``drop_uid``: the grader is root and runs
    each sandbox as a fresh unprivileged uid (a new one for every run). ``seccomp``: the filter bubblewrap
    installs (bytes) or None. ``cgroups``: where each run gets its cgroup (cgroup.Cgroups) or None.
    ``warnings``: what is not enforced."""

    bwrap: str = None
    drop_uid: bool = False
    warnings: list = field(default_factory=list)
    seccomp: bytes = None
    cgroups: object = None

    @property
    def name(self):
        parts = ["bubblewrap" if self.bwrap else "resource limits only"]
        if self.bwrap:
            parts.append("seccomp" if self.seccomp else "NO seccomp")
        if self.drop_uid:
            parts.append("own uid per run")
        parts.append(self.cgroups.describe(MEMORY_MB << 20, MAX_TASKS) if self.cgroups else "NO cgroup")
        return ", ".join(parts)


def cgroups_or_warning():
    """(cgroup.Cgroups or None, the warning when None)."""
    if not sys.platform.startswith("linux"):
        return None, (f"no cgroups on {sys.platform}: the memory limit is per process (RLIMIT_AS) and the watchdog's; "
                      "memory held in shared memory is not counted")
    try:
        return cgroup.detect(), ""
    except cgroup.CgroupUnavailable as error:
        return None, (f"NO cgroup memory and task limit ({error}): memory an answer holds in shared memory, memfd "
                      "files or a tmpfs is NOT limited (only each process's address space and the watchdog's count of "
                      "resident memory are); a fork bomb is stopped by RLIMIT_NPROC and the watchdog only")


def candidate_modes(cgroups=None, cgroup_warning=""):
    """Modes to try, strongest first. DLCOURSE_GRADER_SANDBOX=rlimits forces the fallback (for tests)."""
    root = hasattr(os, "geteuid") and os.geteuid() == 0
    forced = os.environ.get("DLCOURSE_GRADER_SANDBOX", "")
    bwrap = shutil.which("bwrap") if forced != "rlimits" else None
    extra = [cgroup_warning] if cgroup_warning else []
    modes = []
    if bwrap and sys.platform.startswith("linux"):
        program = seccomp.program()
        modes.append(Mode(bwrap, drop_uid=root, seccomp=program, cgroups=cgroups,
                          warnings=extra + ([] if program else [seccomp.describe() + ": kernel keyrings, memfd_create, "
                                                               "new user namespaces and ptrace stay reachable"])))
    missing = ("bubblewrap (bwrap) is not installed" if not shutil.which("bwrap") else
               "bubblewrap is disabled by DLCOURSE_GRADER_SANDBOX=rlimits" if forced == "rlimits" else
               "bubblewrap cannot create a sandbox here (see `python -m dlcourse doctor`)")
    not_enforced = (f"{missing}: NOT enforced while grading: filesystem isolation (submissions can read "
                    "solutions/, the gradebook and other submissions), network isolation, and the end of "
                    "detached background processes, the seccomp filter (kernel keyrings, memfd_create, new user "
                    "namespaces, ptrace); enforced: memory, CPU time, file size, process count and the wall-clock "
                    "timeout" + (" (macOS does not enforce the memory limit)" if sys.platform == "darwin" else ""))
    if root:
        modes.append(Mode(None, drop_uid=True, warnings=[not_enforced] + extra, cgroups=cgroups))
    modes.append(Mode(None, drop_uid=False, cgroups=cgroups, warnings=[not_enforced] + extra + (
        ["submissions run AS ROOT (the interpreter is not readable by other users, so no uid of their own): the "
         "process-count limit is enforced only by the watchdog; install bubblewrap"] if root else [])))
    return modes


# ---------------------------------------------------------------- one run

@dataclass
class Outcome:
    records: list  # parsed JSON objects from the result channel, in order
    garbage: int  # lines on the result channel that were not JSON objects
    returncode: int
    timed_out: bool
    killed: str  # why the watchdog killed the sandbox ("" when it did not)
    seconds: float
    output: str  # head and tail of stdout+stderr
    output_bytes: int
    out_of_memory: bool = False  # stopped at the memory limit (by the watchdog, or by the kernel at the cgroup's)
    over_budget: str = ""  # the exercise whose cells ran past the time budget of one exercise ("" when none)


class ExerciseClock:
    """The wall-clock time each exercise's cells (the learner's answer cell, its check cell's cases) have used in
    one run, from the runner's ``cell`` records as they arrive; so that one runaway answer costs its exercise
    only, not the submission's whole time limit. A forged record can only move time between the learner's own
    exercises: the submission's time limit still bounds the run."""

    PREFIX = b'{"event":"cell","index":'  # channel.dumps writes records without spaces

    def __init__(self, job, budget):
        self.budget = budget
        runs = {name for name, spec in job.get("exercises", {}).items() if spec.get("run")}
        self.timed = {i: cell["exercise"] for i, cell in enumerate(job.get("cells", []))
                      if cell.get("transform") or (cell["kind"] == "check" and cell["exercise"] in runs)}
        self.spent = {}  # exercise -> seconds in cells already left
        self.current, self.since = None, 0.0
        self.pending = b""

    def feed(self, chunk, now):
        """Take a piece of the result channel; only whole ``cell`` lines move the clock."""
        lines = (self.pending + chunk).split(b"\n")
        self.pending = lines.pop()[-4096:]  # a cell record is short: a longer unfinished line is something else
        for line in lines:
            if line.startswith(self.PREFIX):
                try:
                    index = json.loads(line.decode("ascii"))["index"]
                except (ValueError, UnicodeDecodeError, KeyError, TypeError, RecursionError):
                    continue
                if self.current is not None:
                    self.spent[self.current] = self.spent.get(self.current, 0.0) + now - self.since
                self.current, self.since = (self.timed.get(index) if type(index) is int else None), now

    def over(self, now):
        """The exercise past its budget, or ""."""
        if self.budget is None or self.current is None:
            return ""
        return self.current if self.spent.get(self.current, 0.0) + now - self.since > self.budget else ""


class Workspace:
    """A grading run's temporary directory and sandbox settings; ``close()`` removes it."""

    def __init__(self, jobs=1):
        self.root = Path(tempfile.mkdtemp(prefix="dlcourse-grade-"))
        os.chmod(self.root, 0o711)  # traversable by the sandbox uid, not listable
        self.grader = Path(tempfile.mkdtemp(dir=self.root))
        for name in ("runner.py", "channel.py", "magics.py", "_limits.py"):
            shutil.copyfile(GRADER / name, self.grader / name)
        (self.grader / "lib").mkdir()
        self._matplotlib_cache(self.grader / "mplcache")
        _open_up(self.grader)
        self.libraries = {}
        self.mode = None
        self.running = set()
        self.lock = threading.Lock()
        self.used_uids = set()
        self.python = sys.executable
        (self.grader / "seccomp.bpf").write_bytes(seccomp.program() or b"")

    def fresh_uid(self):
        """A uid no account and no earlier run of this batch has: nothing a run leaves in the kernel under its
        uid (keyrings, RLIMIT_NPROC counts, signals) reaches the next run."""
        import pwd
        with self.lock:
            while True:
                uid = 100_000 + secrets.randbelow(1_000_000_000)
                if uid in self.used_uids:
                    continue
                try:
                    pwd.getpwuid(uid)
                except KeyError:
                    self.used_uids.add(uid)
                    return uid

    def _matplotlib_cache(self, target):
        """matplotlib's font list for the sandbox: copied from this user's cache, else built once (seconds)."""
        target.mkdir()
        try:
            import matplotlib
            fontlists = sorted(Path(matplotlib.get_cachedir()).glob("fontlist-*.json"))
            for path in fontlists:
                shutil.copyfile(path, target / path.name)
            if fontlists:
                return
        except Exception:  # no usable cache: build one below
            pass
        env = dict(os.environ, MPLCONFIGDIR=str(target), MPLBACKEND="Agg")
        try:
            subprocess.run([sys.executable, "-c", "import matplotlib.font_manager"], env=env, timeout=120,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        except (OSError, subprocess.SubprocessError):
            pass

    def library(self, key, hidden):
        """The sanitized copy of dlcourse for one assignment (built once per run)."""
        if key not in self.libraries:
            self.libraries[key] = build_library(tempfile.mkdtemp(dir=self.root), hidden)
        return self.libraries[key]

    def close(self):
        shutil.rmtree(self.root, ignore_errors=True)

    def kill_all(self):
        """Kill every sandbox still running (an interrupted batch)."""
        with self.lock:
            running = list(self.running)
        for process in running:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass

    # ------------------------------------------------------------ starting a sandbox

    def detect_mode(self, library, timeout=60):
        """The first candidate mode in which an empty job runs to its end; raises SandboxUnavailable."""
        problems = []
        for mode in candidate_modes(*cgroups_or_warning()):
            self.mode = mode
            outcome = self.run(library, {"cells": [], "exercises": {}}, timeout)
            if any(r.get("event") == "done" for r in outcome.records):
                return mode
            problems.append(f"{mode.name}: exit {outcome.returncode}: {outcome.output.strip()[-600:]}")
        self.mode = None
        raise SandboxUnavailable("no sandbox could run a job on this machine:\n" + "\n".join(problems))

    def _bind_sources(self):
        """Directories the sandbox needs read-only: the interpreter, its libraries, system libraries."""
        sources = {"/usr", "/etc/alternatives", "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d",
                   "/etc/localtime", "/etc/fonts", "/etc/passwd", "/etc/group", "/etc/nsswitch.conf"}
        sources |= {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
        sources |= {os.path.dirname(os.path.realpath(sys.executable))}
        sources |= {p for p in sys.path
                    if p and os.path.isdir(p) and p.rstrip("/").endswith(("site-packages", "dist-packages"))}
        for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
            sources.add(top)
        # never the course itself (solutions/, tests/, the real package), unless it is the interpreter's home
        course = PACKAGE.parent
        kept = set()
        for source in sources:
            real = os.path.realpath(source)
            if not os.path.exists(source):
                continue
            if course == Path(real) or course in Path(real).parents and not _is_env(Path(real)):
                continue
            kept.add(source)
        # nested sources are covered by their parents
        return sorted(s for s in kept if not any(s != p and s.startswith(p.rstrip("/") + "/") for p in kept))

    def _bwrap_command(self, mode, library, jobdir, seccomp_fd=None):
        args = [mode.bwrap, "--die-with-parent", "--new-session", "--unshare-pid", "--unshare-net",
                "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"]
        if seccomp_fd is not None:
            args += ["--seccomp", str(seccomp_fd)]
        if hasattr(os, "geteuid") and os.geteuid() == 0:  # keep only what dropping to the sandbox uid needs
            args += ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
        else:
            args += ["--unshare-user"]
        # the scratch tmpfs first: sources that live under /tmp (a course cloned there) are bound on top of it
        args += ["--perms", "1777", "--size", str(SCRATCH_MB << 20), "--tmpfs", "/tmp"]
        made, bound = {"/tmp"}, set()

        def parents(path):
            for parent in reversed(Path(path).parents):
                text = str(parent)
                if text != "/" and text not in made:
                    made.add(text)
                    args.extend(["--perms", "0755", "--dir", text])

        for source in self._bind_sources():
            if os.path.islink(source) and os.path.dirname(source) == "/":
                args += ["--symlink", os.readlink(source), source]
                continue
            parents(source)
            made.add(source)
            bound.add(source)
            args += ["--ro-bind", source, source]
        hide = [str(PACKAGE), str(PACKAGE.parent / "solutions"), str(PACKAGE.parent / "tests")]
        for path in hide:  # an installed (not editable) dlcourse inside site-packages: cover it
            if any(path.startswith(s.rstrip("/") + "/") for s in bound):
                args += ["--tmpfs", path]
        args += ["--ro-bind", str(self.grader), "/grader", "--ro-bind", str(library), "/grader/lib",
                 "--ro-bind", str(jobdir), "/job", "--proc", "/proc", "--dev", "/dev",
                 "--remount-ro", "/", "--chdir", "/tmp", "--"]
        return args

    def _environment(self, scratch):
        return {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": scratch, "TMPDIR": scratch, "LANG": "C.UTF-8",
                "LC_ALL": "C.UTF-8", "MPLBACKEND": "Agg", "MPLCONFIGDIR": f"{scratch}/.matplotlib",
                "XDG_CACHE_HOME": f"{scratch}/.cache", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
                "MKL_NUM_THREADS": "1", "NUMEXPR_NUM_THREADS": "1", "JOBLIB_MULTIPROCESSING": "0",
                "PYTHONFAULTHANDLER": "1"}

    def _limits(self, timeout, uid, bwrap):
        limits = {"as": MEMORY_MB << 20, "cpu": int(timeout) + 5, "fsize": 64 << 20, "nofile": 256, "core": 0}
        if uid is not None:
            limits["uid"] = uid
            limits["nproc"] = MAX_TASKS
        elif hasattr(os, "getuid") and sys.platform.startswith("linux"):
            limits["nproc"] = _tasks_of_uid(os.getuid()) + MAX_TASKS * 4  # shared with the user's own processes
        if not bwrap:
            limits["pdeathsig"] = True
        try:  # never raise above what is allowed
            import resource
            soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
            if hard != resource.RLIM_INFINITY:
                limits["nofile"] = min(limits["nofile"], hard)
        except (ValueError, OSError):
            pass
        return limits

    def run(self, library, job, timeout, exercise_timeout=None):
        """Run one job in a sandbox, at most ``timeout`` seconds of wall-clock time, and at most
        ``exercise_timeout`` in the cells of any one exercise (``ExerciseClock``); an Outcome."""
        mode = self.mode
        jobdir = Path(tempfile.mkdtemp(dir=self.root))
        os.chmod(jobdir, 0o755)
        (jobdir / "job.json").write_text(json.dumps(job, allow_nan=True), encoding="utf-8")
        os.chmod(jobdir / "job.json", 0o644)
        uid = self.fresh_uid() if mode.drop_uid else None
        read_fd, write_fd = os.pipe()
        seccomp_fd, scratch, run_cgroup = None, None, None
        try:
            limits = self._limits(timeout, uid, mode.bwrap)
            if mode.cgroups:
                run_cgroup = mode.cgroups.create(hard_memory_limit(), MAX_TASKS)
            join = {"join": run_cgroup.procs_files} if run_cgroup else {}
            wrapper = [self.python, "-I", "-S", "-B"]
            if mode.bwrap:
                if mode.seccomp:
                    seccomp_fd = os.open(self.grader / "seccomp.bpf", os.O_RDONLY)
                prefix = self._bwrap_command(mode, library, jobdir, seccomp_fd)
                if run_cgroup:  # into the cgroup before bubblewrap starts: everything it starts is born inside
                    prefix = ["/bin/sh", "-c", _JOIN, "sh", *run_cgroup.procs_files, "--"] + prefix
                inner = wrapper + ["/grader/_limits.py", json.dumps(limits), self.python, "-I", "-B", "-X", "utf8",
                                   "/grader/runner.py", str(write_fd), "/job/job.json", "/grader/lib"]
                command, env, cwd = prefix + inner, self._environment("/tmp"), None
            else:
                scratch = tempfile.mkdtemp(dir=self.root)
                if uid is not None:
                    os.chown(scratch, uid, uid)
                command = wrapper + [str(self.grader / "_limits.py"), json.dumps({**limits, **join}), self.python,
                                     "-I", "-B", "-X", "utf8", str(self.grader / "runner.py"), str(write_fd),
                                     str(jobdir / "job.json"), str(library)]
                env, cwd = self._environment(scratch), scratch
            start = time.monotonic()
            process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                       stderr=subprocess.STDOUT, start_new_session=True, env=env, cwd=cwd,
                                       pass_fds=tuple(fd for fd in (write_fd, seccomp_fd) if fd is not None))
            os.close(write_fd)
            write_fd = None
            with self.lock:
                self.running.add(process)
            try:
                outcome = self._watch(process, read_fd, start, timeout, uid, run_cgroup,
                                      ExerciseClock(job, exercise_timeout))
            finally:
                with self.lock:
                    self.running.discard(process)
            if run_cgroup:
                outcome.out_of_memory = outcome.out_of_memory or run_cgroup.oom_kills() > 0
            return outcome
        finally:
            for fd in (write_fd, seccomp_fd, read_fd):
                if fd is not None:
                    os.close(fd)
            if run_cgroup:
                run_cgroup.kill()
                run_cgroup.remove()
            shutil.rmtree(jobdir, ignore_errors=True)
            if scratch:
                shutil.rmtree(scratch, ignore_errors=True)

    def _watch(self, process, read_fd, start, timeout, uid, run_cgroup=None, clock=None):
        """Collect output and records until the sandbox ends or must be killed; never blocks past the deadline."""
        clock = clock or ExerciseClock({}, None)
        selector = selectors.DefaultSelector()
        selector.register(process.stdout, selectors.EVENT_READ, "output")
        selector.register(read_fd, selectors.EVENT_READ, "results")
        head, tail, output_bytes = bytearray(), bytearray(), 0
        results, results_bytes = bytearray(), 0
        deadline = start + timeout
        killed, timed_out, open_streams = "", False, 2
        out_of_memory, over_budget = False, ""
        next_watch = start + 0.2
        exited_at = None
        while open_streams:
            now = time.monotonic()
            if now >= deadline:
                timed_out = True
                break
            if exited_at is None and process.poll() is not None:
                exited_at = now
            if exited_at is not None and now - exited_at > 1.0:
                break  # something detached still holds the pipes: it is killed below
            for key, _ in selector.select(timeout=min(0.2, max(0.0, deadline - now))):
                fd = key.fileobj if isinstance(key.fileobj, int) else key.fileobj.fileno()
                try:
                    chunk = os.read(fd, 1 << 16)
                except OSError:
                    chunk = b""
                if not chunk:
                    selector.unregister(key.fileobj)
                    open_streams -= 1
                elif key.data == "output":
                    output_bytes += len(chunk)
                    if len(head) < MAX_OUTPUT // 2:
                        head += chunk[:MAX_OUTPUT // 2 - len(head)]
                    else:
                        tail = (tail + chunk)[-(MAX_OUTPUT // 2):]
                else:
                    results_bytes += len(chunk)
                    if results_bytes > MAX_RESULTS:
                        killed = f"it sent more than {MAX_RESULTS >> 20} MB of results"
                    else:
                        results += chunk
                        clock.feed(chunk, time.monotonic())
            over_budget = clock.over(time.monotonic())
            if killed or over_budget:
                break
            if time.monotonic() >= next_watch:
                next_watch = time.monotonic() + 0.2
                tasks, rss = _tree_usage(process.pid)
                held = run_cgroup.unreclaimable() if run_cgroup else 0
                if held > MEMORY_MB << 20:
                    out_of_memory = True
                    killed = (f"it ran out of memory: its processes, shared memory and in-memory files held more "
                              f"than {MEMORY_MB} MB together")
                elif tasks >= MAX_TASKS - 8:
                    killed = f"it started too many processes or threads ({tasks} at once; the limit is {MAX_TASKS - 8})"
                elif rss > (MEMORY_MB << 20) * 2:
                    killed = f"its processes used more than {2 * MEMORY_MB} MB of memory together"
                if killed:
                    break
        self._kill(process, uid, run_cgroup)
        selector.close()
        process.stdout.close()
        returncode = process.wait()
        seconds = time.monotonic() - start
        records, garbage = [], 0
        lines = bytes(results).split(b"\n")
        for line in lines[:-1]:  # the last piece has no newline: cut off
            try:
                record = json.loads(line.decode("ascii"))
            except (ValueError, UnicodeDecodeError, RecursionError):
                garbage += 1
                continue
            if isinstance(record, dict):
                records.append(record)
            else:
                garbage += 1
        garbage += 1 if lines[-1].strip() else 0
        text = bytes(head).decode("utf-8", "replace")
        if output_bytes > len(head):
            skipped = output_bytes - len(head) - len(tail)
            text += (f"\n[... {skipped} bytes of output left out ...]\n" if skipped > 0 else "") + \
                bytes(tail).decode("utf-8", "replace")
        return Outcome(records, garbage, returncode, timed_out, killed, seconds, text, output_bytes, out_of_memory,
                       over_budget)

    def _kill(self, process, uid, run_cgroup=None):
        """Kill the whole sandbox: every process of its cgroup, its process group (bwrap: the PID namespace dies
        with it); with a uid of its own, every process of that uid (catches what detached itself with setsid in
        the fallback mode)."""
        if run_cgroup:
            run_cgroup.kill()
        tree = _descendants(process.pid)  # before the kill: orphans lose their parent link
        try:
            os.killpg(process.pid, signal.SIGKILL)  # the group at once: a fork bomb cannot outrun it
        except (ProcessLookupError, PermissionError):
            pass
        for _ in range(3):  # what left the group (setsid) but is still a descendant
            for pid in tree:
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            tree = [pid for pid in _descendants(process.pid) if pid != process.pid]
            if not tree:
                break
        if uid is not None and not self.mode.bwrap:
            subprocess.run([self.python, "-I", "-S", "-c",
                            "import os, signal, sys\nos.setgroups([]); os.setgid(int(sys.argv[1])); "
                            "os.setuid(int(sys.argv[1]))\ntry: os.kill(-1, signal.SIGKILL)\nexcept OSError: pass",
                            str(uid)], check=False, timeout=30, stderr=subprocess.DEVNULL)


# The shell writes its pid into each cgroup.procs file, then becomes the command (a shell starts in a few
# milliseconds, the interpreter in tens); a cgroup it cannot join stops the run (exit 125).
_JOIN = 'while [ "$1" != -- ]; do echo $$ > "$1" || exit 125; shift; done; shift; exec "$@"'


def _is_env(path):
    return (path / "pyvenv.cfg").exists() or any((p / "pyvenv.cfg").exists() for p in path.parents)


# ---------------------------------------------------------------- /proc bookkeeping (Linux; elsewhere: nothing)

def _proc_table():
    """{pid: (ppid, threads, rss_bytes, uid)} for every process, read from /proc."""
    table = {}
    page = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
    try:
        entries = os.listdir("/proc")
    except OSError:
        return table
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                stat = handle.read().decode("ascii", "replace")
            fields = stat[stat.rindex(")") + 2:].split()
            uid = os.stat(f"/proc/{entry}").st_uid
            table[int(entry)] = (int(fields[1]), int(fields[17]), int(fields[21]) * page, uid)
        except (OSError, ValueError, IndexError):
            continue
    return table


def _descendants(pid, table=None):
    table = table if table is not None else _proc_table()
    children = {}
    for child, (parent, *_rest) in table.items():
        children.setdefault(parent, []).append(child)
    found, stack = [], [pid]
    while stack:
        for child in children.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found


def _tree_usage(pid):
    """(tasks, resident bytes) of a process and all its descendants."""
    table = _proc_table()
    members = [pid] + _descendants(pid, table)
    tasks = sum(table[p][1] for p in members if p in table)
    rss = sum(table[p][2] for p in members if p in table)
    return tasks, rss


def _tasks_of_uid(uid):
    return sum(threads for _, threads, _, owner in _proc_table().values() if owner == uid)
