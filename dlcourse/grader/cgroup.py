"""A control group per sandbox run: a memory limit the kernel enforces on everything the run holds, and a
limit on its tasks.

RLIMIT_AS counts one process's address space and the watchdog its resident memory; neither sees pages in
shared memory, memfd files or a tmpfs once they are unmapped. The memory controller charges those pages to
the cgroup of the process that wrote them, so a limit there holds whatever the answer does with memory.

cgroup v2 (one unified hierarchy) is used where it has the memory and pids controllers for us; v1 (one
hierarchy per controller, as on older hosts and in many containers) otherwise. ``detect()`` returns a
``Cgroups`` or, when neither can be used, a reason; the grader then says loudly what is not enforced.
DLCOURSE_GRADER_CGROUP=none turns them off (to see that warning), =v1 or =v2 asks for one version.
"""
import os
import secrets
import signal
import time
from dataclasses import dataclass
from pathlib import Path

PREFIX = "dlcourse-grade"


class CgroupUnavailable(RuntimeError):
    """No cgroup with a memory and a pids controller can be made here; the message says why."""


def _mounts(mountinfo="/proc/self/mountinfo"):
    """[(mount point, filesystem type, super options)] of the cgroup file systems."""
    found = []
    with open(mountinfo, encoding="utf-8", errors="surrogateescape") as handle:
        for line in handle:
            left, _, right = line.partition(" - ")
            fields, tail = left.split(), right.split()
            if len(fields) >= 5 and len(tail) >= 3 and tail[0] in ("cgroup", "cgroup2"):
                point = fields[4].replace("\\040", " ")
                found.append((point, tail[0], set(tail[2].split(","))))
    return found


def _own_paths(proc_cgroup="/proc/self/cgroup"):
    """{controller: path of this process's cgroup} from /proc/self/cgroup; "" is the v2 hierarchy."""
    paths = {}
    with open(proc_cgroup, encoding="utf-8", errors="surrogateescape") as handle:
        for line in handle:
            parts = line.rstrip("\n").split(":", 2)
            if len(parts) == 3:
                for controller in parts[1].split(",") if parts[1] else [""]:
                    paths[controller] = parts[2]
    return paths


def _write(path, text):
    with open(path, "w", encoding="ascii") as handle:
        handle.write(text)


def _read(path, default=""):
    try:
        with open(path, encoding="ascii", errors="replace") as handle:
            return handle.read()
    except OSError:
        return default


def _counter(text, key):
    """The number after ``key`` in a "key value" file (memory.events, memory.oom_control)."""
    for line in text.splitlines():
        name, _, value = line.partition(" ")
        if name == key and value.strip().isdigit():
            return int(value)
    return 0


@dataclass
class Cgroups:
    """Where per-run cgroups are made: ``version`` 1 or 2, ``parents`` {"memory": dir, "pids": dir} (v1) or
    {"unified": dir} (v2)."""

    version: int
    parents: dict

    def describe(self, memory_bytes, tasks):
        return f"cgroup v{self.version} (memory {memory_bytes >> 20} MB with shared memory and tmpfs, {tasks} tasks)"

    def sweep(self):
        """Remove the empty cgroups that graders killed before they could clean up left behind."""
        for parent in self.parents.values():
            for directory in Path(parent).glob(f"{PREFIX}-*-*"):
                pid = directory.name[len(PREFIX) + 1:].split("-")[0]
                try:  # an hour old: not the cgroup another grader (in another PID namespace) has just made
                    stale = time.time() - directory.stat().st_mtime > 3600
                    if stale and pid.isdigit() and not os.path.exists(f"/proc/{pid}"):
                        directory.rmdir()  # fails, harmlessly, while a process is still inside
                except OSError:
                    pass

    def create(self, memory_bytes, tasks):
        """A new cgroup with these limits; the caller puts the sandbox in it (``join``) and ``remove``s it."""
        name = f"{PREFIX}-{os.getpid()}-{secrets.token_hex(4)}"
        run = Run(self.version, {key: Path(parent) / name for key, parent in self.parents.items()})
        try:
            for directory in run.dirs.values():
                directory.mkdir()
            if self.version == 2:
                directory = run.dirs["unified"]
                _write(directory / "memory.max", str(memory_bytes))
                if (directory / "memory.swap.max").exists():
                    _write(directory / "memory.swap.max", "0")
                _write(directory / "pids.max", str(tasks))
            else:
                memory = run.dirs["memory"]
                _write(memory / "memory.limit_in_bytes", str(memory_bytes))
                if (memory / "memory.memsw.limit_in_bytes").exists():  # swap counted too, where accounted
                    _write(memory / "memory.memsw.limit_in_bytes", str(memory_bytes))
                _write(run.dirs["pids"] / "pids.max", str(tasks))
        except OSError:
            run.remove()
            raise
        return run


@dataclass
class Run:
    """One run's cgroup (a directory per hierarchy)."""

    version: int
    dirs: dict

    @property
    def procs_files(self):
        """The cgroup.procs files a process writes its pid into to join (``_limits.py`` does, before exec)."""
        return [str(d / "cgroup.procs") for d in self.dirs.values()]

    def _memory_dir(self):
        return self.dirs.get("unified") or self.dirs["memory"]

    def pids(self):
        found = set()
        for directory in self.dirs.values():
            for line in _read(directory / "cgroup.procs").split():
                if line.isdigit():
                    found.add(int(line))
        return found

    def unreclaimable(self):
        """Bytes of anonymous memory and shared memory (shmem, memfd, tmpfs) charged to the cgroup: what the
        kernel cannot drop when the limit is near. (A run at its hard limit with only code pages left to drop
        thrashes for minutes before the kernel's OOM killer acts: the watchdog reads this and stops it first.)"""
        stat = _read(self._memory_dir() / "memory.stat")
        if self.version == 2:
            return _counter(stat, "anon") + _counter(stat, "shmem")
        return (_counter(stat, "total_rss") or _counter(stat, "rss")) + (_counter(stat, "total_shmem")
                                                                         or _counter(stat, "shmem"))

    def oom_kills(self):
        """How many processes the kernel killed for reaching the memory limit."""
        if self.version == 2:
            return _counter(_read(self._memory_dir() / "memory.events"), "oom_kill")
        kills = _counter(_read(self._memory_dir() / "memory.oom_control"), "oom_kill")
        if kills:
            return kills
        # kernels before 4.13 have no oom_kill line: a limit reached with the usage still at it tells as much
        failures = _read(self._memory_dir() / "memory.failcnt").strip()
        return 1 if failures.isdigit() and int(failures) > 0 and self.limit_reached() else 0

    def limit_reached(self):
        if self.version == 2:
            return _counter(_read(self._memory_dir() / "memory.events"), "max") > 0
        peak, limit = (_read(self._memory_dir() / name).strip() for name in ("memory.max_usage_in_bytes",
                                                                            "memory.limit_in_bytes"))
        return peak.isdigit() and limit.isdigit() and int(peak) >= int(limit) - (1 << 20)

    def kill(self):
        """SIGKILL every process in the cgroup (none can escape it: children are born inside)."""
        if self.version == 2 and (self.dirs["unified"] / "cgroup.kill").exists():
            try:
                _write(self.dirs["unified"] / "cgroup.kill", "1")
            except OSError:
                pass
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            pids = self.pids()
            if not pids:
                return
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            time.sleep(0.01)

    def remove(self):
        """Remove the cgroup's directories (a moment after the kill: exiting processes still count)."""
        deadline = time.monotonic() + 5
        for directory in self.dirs.values():
            while True:
                try:
                    directory.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        break
                    time.sleep(0.02)


def _v2_parent(mounts, own):
    points = [point for point, kind, _ in mounts if kind == "cgroup2"]
    if not points or "" not in own:
        return None, "no cgroup v2 hierarchy is mounted"
    parent = Path(points[0]) / own[""].lstrip("/")
    available = _read(parent / "cgroup.controllers").split()
    if not {"memory", "pids"} <= set(available):
        return None, (f"cgroup v2 at {parent} does not offer the memory and pids controllers (it has: "
                      f"{' '.join(available) or 'none'})")
    enabled = _read(parent / "cgroup.subtree_control").split()
    if not {"memory", "pids"} <= set(enabled):
        try:
            _write(parent / "cgroup.subtree_control", "+memory +pids")
        except OSError as error:
            return None, (f"cgroup v2: cannot enable the memory and pids controllers for the cgroups below "
                          f"{parent} ({error.strerror}); run the grader in a cgroup of its own with those "
                          "controllers delegated to it, e.g. `systemd-run --scope -p Delegate=yes ...`, or as root")
    return parent, ""


def _v1_parents(mounts, own):
    parents = {}
    for controller in ("memory", "pids"):
        point = next((p for p, kind, options in mounts if kind == "cgroup" and controller in options), None)
        if point is None or controller not in own:
            return None, f"cgroup v1 has no {controller} hierarchy mounted"
        parents[controller] = Path(point) / own[controller].lstrip("/")
        if not parents[controller].is_dir():
            return None, f"cgroup v1: this process's {controller} cgroup {parents[controller]} is not visible"
    return parents, ""


def detect(choice=None, mountinfo="/proc/self/mountinfo", proc_cgroup="/proc/self/cgroup"):
    """The cgroups this grader can make, tried for real (a cgroup is made and removed); raises
    CgroupUnavailable with the reason otherwise."""
    choice = (choice if choice is not None else os.environ.get("DLCOURSE_GRADER_CGROUP", "")).lower()
    if choice in ("none", "off", "0"):
        raise CgroupUnavailable("cgroups are turned off by DLCOURSE_GRADER_CGROUP=" + choice)
    if not os.path.exists(proc_cgroup):
        raise CgroupUnavailable("this system has no cgroups (not Linux)")
    try:
        mounts, own = _mounts(mountinfo), _own_paths(proc_cgroup)
    except OSError as error:
        raise CgroupUnavailable(f"cannot read the cgroup mounts ({error})") from None
    problems = []
    for version in (2, 1):
        if choice in ("v1", "v2") and choice != f"v{version}":
            continue
        if version == 2:
            parent, why = _v2_parent(mounts, own)
            cgroups = Cgroups(2, {"unified": parent}) if parent else None
        else:
            parents, why = _v1_parents(mounts, own)
            cgroups = Cgroups(1, parents) if parents else None
        if cgroups is None:
            problems.append(why)
            continue
        try:
            cgroups.sweep()
            cgroups.create(64 << 20, 8).remove()
        except OSError as error:
            problems.append(f"cgroup v{version}: cannot make a cgroup below {next(iter(cgroups.parents.values()))} "
                            f"({error.strerror or error}): the grader must run as root or in a delegated cgroup")
            continue
        return cgroups
    raise CgroupUnavailable("; ".join(problems) or "no usable cgroup hierarchy")
