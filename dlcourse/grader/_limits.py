"""Set resource limits on this process, then exec the sandbox command (runs as ``python -I -S -B _limits.py``).

argv: JSON {"join": [cgroup.procs files], "as": bytes, "cpu": seconds, "nproc": n, "fsize": bytes, "nofile": n,
"core": bytes, "uid": n, "pdeathsig": bool} (every key optional), then the command. With "join" the process
first moves itself into the run's cgroup(s), so that everything the command starts is born inside. Limits are
inherited by everything the command starts. With "uid" (the grader runs as root) the process then drops to
that unprivileged uid and gid, with no supplementary groups, so that the kernel counts RLIMIT_NPROC against a
uid of its own. Standard library only, no site import, so it starts in a few milliseconds.
"""
import json
import os
import resource
import signal
import sys


def main(argv):
    limits, command = json.loads(argv[1]), argv[2:]
    for procs in limits.get("join", []):  # a failure here must stop the run: no limits is not an option
        with open(procs, "w", encoding="ascii") as handle:
            handle.write(str(os.getpid()))
    settings = [("as", "RLIMIT_AS"), ("cpu", "RLIMIT_CPU"), ("nproc", "RLIMIT_NPROC"), ("fsize", "RLIMIT_FSIZE"),
                ("nofile", "RLIMIT_NOFILE"), ("core", "RLIMIT_CORE")]
    for key, name in settings:
        if key in limits and hasattr(resource, name):
            value = int(limits[key])
            hard = value + 5 if key == "cpu" else value  # SIGXCPU first, SIGKILL 5 s later
            try:
                resource.setrlimit(getattr(resource, name), (value, hard))
            except (ValueError, OSError) as error:  # e.g. RLIMIT_AS on macOS: reported, not fatal
                print(f"dlcourse grader: could not set {name}: {error}", file=sys.stderr)
    if limits.get("uid") is not None:
        os.setgroups([])
        os.setgid(int(limits["uid"]))
        os.setuid(int(limits["uid"]))
    if limits.get("pdeathsig") and sys.platform.startswith("linux"):
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG (after setuid, which clears it): die with the grader
    os.execvp(command[0], command)


if __name__ == "__main__":
    main(sys.argv)
