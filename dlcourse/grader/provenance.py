"""What produced a gradebook's rows, kept beside it in ``<out>.manifest.json``, so a regrade is reproducible.

For every submission the manifest records the course's version (``git describe`` of a checkout, else the
installed package's version), the versions of the libraries that compute or judge an answer, a fingerprint of
the grading seed (a short hash of it: the seed itself must stay secret), the hash of the pristine notebook
and, per exercise, the hash of its checks (the source of its checks module and of ``checks/core.py``, and the
cases drawn from the seed as they are sent to the sandbox). ``grade --regrade changed`` compares the current
values with the recorded ones and grades again the submissions whose checks, pristine notebook or seed
changed, saying which rows and why; a different course version or library version alone is reported, not
regraded (the checks' hashes say whether it matters).
"""
import hashlib
import inspect
import json
import os
import platform
import subprocess
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from .gradebook import atomic_write, escape_name

FORMAT = 1
DEPENDENCIES = ("numpy", "scipy", "scikit-learn", "matplotlib", "nbformat", "ipython")
_CORE = Path(__file__).resolve().parent.parent / "checks" / "core.py"


def _digest(*parts):
    hasher = hashlib.sha256()
    for part in parts:
        hasher.update(part if isinstance(part, bytes) else str(part).encode("utf-8", "surrogateescape"))
        hasher.update(b"\0")  # so that ("ab", "c") and ("a", "bc") differ
    return hasher.hexdigest()[:16]


def course_version(root):
    """``git describe`` of the course checkout (with -dirty for uncommitted changes), else the package's version."""
    if (Path(root) / ".git").exists():
        try:
            described = subprocess.run(["git", "-C", str(root), "describe", "--always", "--dirty", "--tags"],
                                       capture_output=True, text=True, timeout=30)
            if described.returncode == 0 and described.stdout.strip():
                return described.stdout.strip()
        except (OSError, subprocess.SubprocessError):
            pass  # no git on this machine: the package version below still says which release
    try:
        return metadata.version("dlcourse")
    except metadata.PackageNotFoundError:
        return "unknown"


def dependency_versions():
    versions = {"python": platform.python_version()}
    for name in DEPENDENCIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "-"
    return versions


def seed_fingerprint():
    """A short hash of the grading seed: equal fingerprints mean equal hidden cases; the seed is not in it."""
    seed = os.environ.get("DLCOURSE_GRADER_SEED", "dlcourse-grader")
    return _digest("dlcourse seed fingerprint", seed)[:8]


def checks_hash(spec):
    """The hash of what judges exercise ``spec``: its checks module's source, core.py, its cases."""
    if spec.exercise is None:
        return "-"
    sources = sorted({inspect.getsourcefile(function) or "" for function in spec.exercise.reference.values()})
    texts = [Path(source).read_bytes() for source in sources if source and Path(source).is_file()]
    return _digest(_CORE.read_bytes(), *texts, json.dumps(spec.encoded_cases, sort_keys=True))


@dataclass(frozen=True)
class Provenance:
    """What grading with this course, these libraries and this seed produces: per assignment, its hashes."""
    course: str
    dependencies: dict
    seed: str
    notebooks: dict  # NN_slug -> hash of the pristine notebook
    checks: dict  # NN_slug -> {exercise: checks_hash}

    @classmethod
    def current(cls, root, assignments):
        """``assignments``: NN_slug -> (path of the pristine notebook, Assignment)."""
        notebooks = {slug: _digest(Path(path).read_bytes()) for slug, (path, _) in assignments.items()}
        checks = {slug: {spec.name: checks_hash(spec) for spec in assignment.exercises}
                  for slug, (_, assignment) in assignments.items()}
        return cls(course_version(root), dependency_versions(), seed_fingerprint(), notebooks, checks)

    def record(self, slug):
        """The manifest entry of a submission graded against ``slug`` ("" when it matched none)."""
        return {"assignment": slug, "course": self.course, "dependencies": self.dependencies, "seed": self.seed,
                "notebook": self.notebooks.get(slug, "-"), "checks": self.checks.get(slug, {})}

    def changes(self, recorded, slug):
        """Why rows recorded with ``recorded`` would now be graded differently: {exercise or "": reason};
        empty when nothing that judges them changed."""
        if not recorded:
            return {"": "no record of what graded it (a gradebook from before manifests)"}
        if recorded.get("assignment") != slug:
            return {"": f"now matched to {slug or 'no assignment'} instead of {recorded.get('assignment') or 'none'}"}
        if recorded.get("seed") != self.seed:
            return {"": "the grading seed changed"}
        if recorded.get("notebook") != self.notebooks.get(slug, "-"):
            return {"": "the pristine notebook changed"}
        old, new = recorded.get("checks", {}), self.checks.get(slug, {})
        return {name: "its checks changed" if name in old else "a new exercise"
                for name in sorted(set(old) | set(new)) if old.get(name) != new.get(name)}

    def drift(self, recorded):
        """What changed that does not by itself regrade (course or library versions), as one text or ""."""
        said = []
        if recorded and recorded.get("course") != self.course:
            said.append(f"course {recorded.get('course')} -> {self.course}")
        old = (recorded or {}).get("dependencies", {})
        said += [f"{name} {old.get(name)} -> {version}" for name, version in self.dependencies.items()
                 if name in old and old[name] != version]
        return ", ".join(said)


class Manifest:
    """``<out>.manifest.json``: submission (as stored in the gradebook) -> the record of what graded it."""

    def __init__(self, out):
        self.path = Path(f"{out}.manifest.json")
        self.records = {}
        if self.path.exists():
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
                self.records = data.get("submissions", {}) if data.get("format") == FORMAT else {}
            except (ValueError, AttributeError):
                self.records = {}  # unreadable: every row counts as of unknown origin, graded again on request

    def get(self, submission):
        return self.records.get(escape_name(submission))

    def set(self, submission, record):
        self.records[escape_name(submission)] = record
        atomic_write(self.path, json.dumps({"format": FORMAT, "submissions": self.records}, indent=1,
                                           sort_keys=True, ensure_ascii=False) + "\n")
