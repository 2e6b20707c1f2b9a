"""``python -m dlcourse doctor``: check that this environment can run the course, and say how to fix it.

Checks, in order:

- Python: the version pyproject.toml asks for (``requires-python``).
- packages: every dependency of the course installed at the version pyproject.toml asks for; the ``test``
  extra (what ``python3 course.py test`` adds) is checked when installed and only noted when it is not.
- kernel: the ``python3`` Jupyter kernel starts this environment's Python, with ipykernel.
- widgets: the ipywidgets front-end extension of JupyterLab (``jupyterlab_widgets``) is installed, so sliders
  show up in JupyterLab instead of a line of text (``VBox(children=...)``, ``Loading widget...``).
- Korean font: a font with Hangul that the browser can use (fontconfig's ``fc-list :lang=ko``), so the
  Korean terms of the lectures do not show as boxes.
- bubblewrap: ``bwrap`` is on PATH and can create a sandbox (``bwrap --ro-bind / / true``); only grading
  (``python -m dlcourse grade``) needs it.
- grading isolation: what the grader would enforce here (bubblewrap, its seccomp filter, a uid per run, the
  cgroup version and its memory and task limits), and what it would not, as the grader itself says it.

Every check gives a ``Result``; a failed one carries the command or step that fixes it. The exit code is 0
when every check passes, 1 otherwise.
"""
import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = ROOT / "pyproject.toml"
WIDGETS_LABEXTENSION = "@jupyter-widgets/jupyterlab-manager"


@dataclass
class Result:
    """One check: ``ok``, what was found (``detail``), and how to fix it when it failed (``fix``)."""

    name: str
    ok: bool
    detail: str
    fix: str = ""
    optional: bool = False  # not needed for studying; shown with "–" and never counted as a problem


# ---------------------------------------------------------------- what the course asks for

def _requirement(text):
    """'numpy>=1.24' -> ('numpy', '1.24'); a requirement without a lower bound -> (name, None)."""
    text = text.split(";")[0].strip()
    match = re.match(r"^([A-Za-z0-9_.\-]+)(\[[^\]]*\])?\s*(.*)$", text)
    name, spec = match.group(1), match.group(3)
    lower = re.search(r">=\s*([0-9][0-9A-Za-z.]*)", spec)
    return name, (lower.group(1) if lower else None)


def requirements():
    """(requires-python lower bound, [(package, lower bound)], [(test package, lower bound)]).

    Read from pyproject.toml next to the package when it is there (a source checkout), otherwise from the
    installed distribution's metadata.
    """
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        tomllib = None
    if tomllib is not None and PYPROJECT.exists():
        project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
        python = _requirement("python" + project.get("requires-python", ">=3.10"))[1]
        runtime = [_requirement(r) for r in project.get("dependencies", [])]
        test = [_requirement(r) for r in project.get("optional-dependencies", {}).get("test", [])]
        return python, runtime, test
    meta = importlib.metadata.metadata("dlcourse")
    python = _requirement("python" + (meta.get("Requires-Python") or ">=3.10"))[1]
    runtime, test = [], []
    for line in meta.get_all("Requires-Dist") or []:
        marker = line.split(";", 1)[1] if ";" in line else ""
        if "extra" in marker:
            if re.search(r"extra\s*==\s*['\"]test['\"]", marker):
                test.append(_requirement(line))
        else:
            runtime.append(_requirement(line))
    return python, runtime, test


def _version_tuple(text):
    """'1.24.3' -> (1, 24, 3); pre-release suffixes are dropped ('2.0.0rc1' -> (2, 0, 0))."""
    parts = []
    for piece in str(text).split("."):
        digits = re.match(r"\d+", piece)
        if not digits:
            break
        parts.append(int(digits.group()))
        if digits.group() != piece:
            break
    return tuple(parts)


def at_least(version, lower):
    return lower is None or _version_tuple(version) >= _version_tuple(lower)


# ---------------------------------------------------------------- probes (tests replace these)

def python_version():
    return ".".join(map(str, sys.version_info[:3]))


def installed_version(package):
    """The installed version of a distribution, or None when it is not installed."""
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def run(argv, timeout=60):
    """Run a command; (return code, stdout + stderr). A command that cannot start gives code 127."""
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as error:
        return 127, str(error)
    return done.returncode, (done.stdout + done.stderr).strip()


def find_kernelspec(name="python3"):
    """(argv, resource directory) of the kernel Jupyter starts for ``name``, or None when there is none."""
    try:
        from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
    except ImportError:
        return None
    try:
        spec = KernelSpecManager().get_kernel_spec(name)
    except NoSuchKernel:
        return None
    return list(spec.argv), spec.resource_dir


def labextension_dirs():
    """Every folder where JupyterLab looks for prebuilt extensions."""
    try:
        from jupyter_core.paths import jupyter_path
    except ImportError:
        return [Path(sys.prefix) / "share" / "jupyter" / "labextensions"]
    return [Path(p) for p in jupyter_path("labextensions")]


def which(program):
    return shutil.which(program)


def korean_font_families():
    """Font families fontconfig knows for Korean, or None where there is no fontconfig (macOS, Windows)."""
    program = which("fc-list")
    if program is None:
        return None
    code, output = run([program, ":lang=ko", "family"], timeout=30)
    return [line for line in output.splitlines() if line.strip()] if code == 0 else None


# ---------------------------------------------------------------- the checks

def _pip():
    return f"{sys.executable} -m pip"


def check_python():
    lower = requirements()[0]
    version = python_version()
    if at_least(version, lower):
        return [Result("Python", True, f"Python {version} (the course needs >= {lower})")]
    return [Result("Python", False, f"Python {version} is too old: the course needs Python >= {lower}",
                   f"install Python {lower} or newer (python.org, your package manager, or conda), then "
                   f"recreate the environment: delete .venv and run `python3 course.py lab` with the new Python")]


def check_packages():
    _, runtime, test = requirements()
    results = []
    for group, packages in (("", runtime), (" (test)", test)):
        extra = "[test]" if group else ""
        for package, lower in packages:
            version = installed_version(package)
            name = f"{package}{group}"
            if version is None and group:  # a learner's install (course.py lab) has no test tools, rightly
                results.append(Result(name, True, f"{package} is not installed; only the test suite "
                                      "(`python3 course.py test`) needs it", optional=True))
            elif version is None:
                results.append(Result(name, False, f"{package} is not installed",
                                      f"{_pip()} install -e '{ROOT}{extra}'   (or: {_pip()} install "
                                      f"'{package}>={lower}')" if lower else f"{_pip()} install {package}"))
            elif not at_least(version, lower):
                results.append(Result(name, False, f"{package} {version} is too old (the course needs >= {lower})",
                                      f"{_pip()} install --upgrade '{package}>={lower}'"))
            else:
                results.append(Result(name, True, f"{package} {version}" + (f" (>= {lower})" if lower else "")))
    return results


def check_kernel():
    fix = (f"{sys.executable} -m pip install ipykernel && "
           f"{sys.executable} -m ipykernel install --sys-prefix --name python3")
    found = find_kernelspec("python3")
    if found is None:
        return [Result("Jupyter kernel", False, "no 'python3' Jupyter kernel is installed", fix)]
    argv, where = found
    program = argv[0] if argv else ""
    # Jupyter starts a kernel whose argv[0] is plain "python" with the server's own interpreter.
    if program in ("python", f"python{sys.version_info[0]}", f"python{sys.version_info[0]}.{sys.version_info[1]}"):
        program = sys.executable
    code, output = run([program, "-c", "import sys, ipykernel; print(sys.prefix)"], timeout=60)
    if code != 0:
        return [Result("Jupyter kernel", False,
                       f"the 'python3' kernel ({where}) cannot start ipykernel with {program}: {output[-300:]}",
                       fix + (f"   (and remove the broken kernel folder {where})" if where else ""))]
    prefix = output.strip().splitlines()[-1] if output.strip() else ""
    if os.path.normcase(os.path.abspath(prefix)) != os.path.normcase(os.path.abspath(sys.prefix)):
        return [Result("Jupyter kernel", False,
                       f"the 'python3' kernel ({where}) runs the Python of {prefix}, not this environment "
                       f"({sys.prefix}): notebooks would not find dlcourse",
                       f"remove {where} (it hides this environment's kernel), or run: {fix}")]
    return [Result("Jupyter kernel", True, f"'python3' runs {program} ({where})")]


def check_widgets():
    version = installed_version("jupyterlab_widgets")
    fix = f"{_pip()} install --force-reinstall 'jupyterlab_widgets>=3' 'ipywidgets>=8', then restart JupyterLab"
    if version is None:
        return [Result("widgets front-end", False,
                       "jupyterlab_widgets is not installed: JupyterLab shows a line of text instead of the sliders",
                       fix)]
    for folder in labextension_dirs():
        if (folder / WIDGETS_LABEXTENSION / "package.json").exists():
            return [Result("widgets front-end", True,
                           f"jupyterlab_widgets {version}, extension in {folder / WIDGETS_LABEXTENSION}")]
    return [Result("widgets front-end", False,
                   f"jupyterlab_widgets {version} is installed but JupyterLab cannot find the extension "
                   f"{WIDGETS_LABEXTENSION} in any of: {', '.join(map(str, labextension_dirs()))}", fix)]


def _grading_namespaces():
    """The namespaces ``python -m dlcourse grade`` asks bubblewrap for (see grader/sandbox.py)."""
    flags = ["--die-with-parent", "--new-session", "--unshare-pid", "--unshare-net", "--unshare-ipc",
             "--unshare-uts", "--unshare-cgroup-try"]
    if not (hasattr(os, "geteuid") and os.geteuid() == 0):
        flags.append("--unshare-user")
    return flags + ["--ro-bind", "/", "/", "--proc", "/proc", "--dev", "/dev", "true"]


def check_bubblewrap():
    why = ("(only instructors grading a class need it: without it `python -m dlcourse grade` still runs, with "
           "resource limits only, and submissions could read solutions/ and use the network)")
    namespaces_fix = ("allow unprivileged user namespaces: sudo sysctl -w kernel.unprivileged_userns_clone=1 "
                      "(Debian), or on Ubuntu 24.04+: sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0; "
                      "inside Docker run the container with --security-opt seccomp=unconfined "
                      "--security-opt apparmor=unconfined (or --privileged)")
    path = which("bwrap")
    if path is None:
        return [Result("bubblewrap", False, f"bwrap is not on PATH {why}",
                       "Debian/Ubuntu: sudo apt-get install bubblewrap; Fedora: sudo dnf install bubblewrap; "
                       "Arch: sudo pacman -S bubblewrap. It needs Linux: on macOS or Windows grade inside a "
                       "Linux machine, container or WSL2")]
    code, output = run([path, "--ro-bind", "/", "/", "true"], timeout=30)
    if code != 0:
        return [Result("bubblewrap", False, f"{path} cannot create a sandbox ({output[-300:] or f'exit {code}'}) "
                       f"{why}", namespaces_fix)]
    code, output = run([path, *_grading_namespaces()], timeout=30)
    if code != 0:
        return [Result("bubblewrap", False, f"{path} runs, but not with the isolation grading asks for (new pid, "
                       f"network, ipc and uts namespaces): {output[-300:] or f'exit {code}'} {why}",
                       namespaces_fix)]
    return [Result("bubblewrap", True, f"{path} can sandbox grading runs")]


def check_korean_font():
    families = korean_font_families()
    if families is None:
        return [Result("Korean font", True, "no fontconfig here (macOS and Windows ship Korean fonts)", optional=True)]
    if families:
        return [Result("Korean font", True, f"{len(families)} font families with Hangul, e.g. {families[0]}")]
    return [Result("Korean font", False, "no font with Hangul is installed: the Korean terms of the lectures "
                   "(손실 함수, 역전파, ...) show as empty boxes in JupyterLab and on the site",
                   "Debian/Ubuntu: sudo apt-get install fonts-noto-cjk; Fedora: sudo dnf install "
                   "google-noto-sans-cjk-fonts; Arch: sudo pacman -S noto-fonts-cjk; then reload the page")]


def grading_isolation():
    """(the sandbox mode's name, [warnings]) as ``python -m dlcourse grade`` would start (tests replace this)."""
    from .grader import sandbox
    cgroups, cgroup_warning = sandbox.cgroups_or_warning()
    modes = sandbox.candidate_modes(cgroups, cgroup_warning)
    if modes[0].bwrap and run([modes[0].bwrap, *_grading_namespaces()], timeout=30)[0] != 0:
        modes = modes[1:]  # the grader would fall back to the next mode, with its warnings
    return modes[0].name, list(modes[0].warnings)


def check_isolation():
    """The isolation in force when grading. A problem only where grading happens as root (an instructor's
    grading host): a learner's account lacks cgroups and uids by design and never grades."""
    name, warnings = grading_isolation()
    if not warnings:
        return [Result("grading isolation", True, name)]
    detail = f"{name}; NOT enforced when grading here: " + " / ".join(warnings)
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        return [Result("grading isolation", False, detail,
                       "install bubblewrap (Linux x86_64 or aarch64) and make sure the cgroup file system is mounted "
                       "writable with the memory and pids controllers")]
    return [Result("grading isolation", True, detail + " (only instructors grading a class need these, as root)")]


CHECKS = [check_python, check_packages, check_kernel, check_widgets, check_korean_font, check_bubblewrap,
          check_isolation]


def diagnose():
    """Run every check; a check that itself crashes counts as a failed check."""
    results = []
    for check in CHECKS:
        try:
            results.extend(check())
        except Exception as error:  # one broken probe must not hide the other checks
            results.append(Result(check.__name__.replace("check_", ""), False,
                                  f"the check failed: {type(error).__name__}: {error}",
                                  "reinstall the course: python3 course.py lab"))
    return results


def report(results, out=None):
    out = out or sys.stdout
    for result in results:
        mark = "–" if result.optional else ("✓" if result.ok else "✗")
        print(f"{mark} {result.name}: {result.detail}", file=out)
        if not result.ok and result.fix:
            print(f"    fix: {result.fix}", file=out)
    problems = sum(not r.ok for r in results)
    if problems:
        print(f"\n{problems} problem{'s' if problems > 1 else ''} found; fix {'them' if problems > 1 else 'it'} "
              f"as shown above, then run `python -m dlcourse doctor` again.", file=out)
    else:
        print("\nEverything the course needs is in place.", file=out)
    return problems


def main(args=None):
    return 1 if report(diagnose()) else 0
