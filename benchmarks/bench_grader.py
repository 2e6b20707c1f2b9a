"""The cost of the grader's isolation: a batch of 50 correct submissions, before and after a change.

    .venv/bin/python benchmarks/bench_grader.py [--baseline REV] [--rounds N] [--jobs 2] [--quick]

The batch is the one of tests/test_grader.py (test_fifty_correct_submissions_with_two_jobs_get_full_marks):
50 correct submissions spread over every lecture (exercises/ with the answers of solutions/), graded with
``python -m dlcourse grade --jobs 2``. "before" runs the grader of git revision REV (its dlcourse/ and
exercises/, extracted with git archive) on the same submissions; "after" runs this tree's grader, and
"after, no cgroup" the same with DLCOURSE_GRADER_CGROUP=none, which tells the cgroup's share. The variants
alternate round by round, so that the load of other programs falls on all of them alike. A second, finer
measure times one sandbox run of an empty job (what every submission pays at least once) with this tree's
grader, its layers switched off one by one, alternating run by run. Writes the ``bench_grader`` section of
RESULTS.md (``--quick``: one round, nothing written).
"""
import argparse
import csv
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _results import cpu_model, load_average, table, usable_cores, write_section  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SUBMISSIONS = 50


def default_baseline():
    """The revision before the grader got its cgroups and seccomp filter (the parent of the commit adding
    dlcourse/grader/cgroup.py)."""
    added = subprocess.run(["git", "log", "--diff-filter=A", "--format=%h", "--", "dlcourse/grader/cgroup.py"],
                           cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    if not added:
        raise SystemExit("bench_grader: no commit adds dlcourse/grader/cgroup.py; pass --baseline REV")
    return f"{added[-1]}^"


def extract(revision, target):
    """dlcourse/ and exercises/ of ``revision`` into ``target``."""
    archive = subprocess.run(["git", "archive", "--format=tar", revision, "dlcourse", "exercises"], cwd=ROOT,
                             capture_output=True, check=True).stdout
    target.mkdir(parents=True)
    with tarfile.open(fileobj=__import__("io").BytesIO(archive)) as tar:
        tar.extractall(target, filter="data") if hasattr(tarfile, "data_filter") else tar.extractall(target)
    return target


def submissions(folder):
    """50 correct submissions over every lecture that has both a solutions/ and an exercises/ notebook."""
    sys.path.insert(0, str(ROOT))
    from dlcourse.builder import answer_cells
    from dlcourse.notebooks import nbgrader, read
    import nbformat

    slugs = sorted(p.stem for p in (ROOT / "solutions").glob("*.ipynb") if (ROOT / "exercises" / p.name).exists())
    notebooks = {}
    for slug in slugs:
        answers = answer_cells(read(ROOT / "solutions" / f"{slug}.ipynb"))
        nb = read(ROOT / "exercises" / f"{slug}.ipynb")
        for cell in nb.cells:
            if nbgrader(cell).get("solution"):
                cell.source = answers[nbgrader(cell)["grade_id"]]
        notebooks[slug] = nb
    paths = []
    for i in range(SUBMISSIONS):
        slug = slugs[i % len(slugs)]
        path = folder / f"learner_{i:02d}" / f"{slug}.ipynb"
        path.parent.mkdir(parents=True)
        nbformat.write(notebooks[slug], str(path))
        paths.append(path)
    return paths, slugs


def grade(paths, out, jobs, source, env=None):
    """(seconds, rows passed, rows, the grader's "sandbox:" line)."""
    environment = dict(os.environ, PYTHONPATH=str(source), **(env or {}))
    command = [sys.executable, "-m", "dlcourse", "grade", *map(str, paths), "--out", str(out), "--jobs", str(jobs)]
    started = time.monotonic()
    result = subprocess.run(command, cwd=source, env=environment, capture_output=True, text=True, timeout=3600)
    seconds = time.monotonic() - started
    if result.returncode != 0:
        raise SystemExit(f"bench_grader: the grader failed ({source}):\n{result.stderr[-3000:]}")
    with open(out, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    sandbox = next((line for line in result.stderr.splitlines() if line.startswith("sandbox: ")), "sandbox: ?")
    out.unlink()
    return seconds, sum(r["status"] == "passed" for r in rows), len(rows), sandbox.split(";")[0]


def sandbox_runs(count):
    """{variant: [seconds of one empty sandbox run]} with this tree's grader, alternating run by run."""
    import dataclasses
    sys.path.insert(0, str(ROOT))
    from dlcourse.grader import sandbox

    workspace = sandbox.Workspace(1)
    try:
        library = workspace.library("", {})
        mode = workspace.detect_mode(library)
        variants = {"seccomp and cgroup": mode,
                    "seccomp, no cgroup": dataclasses.replace(mode, cgroups=None),
                    "no seccomp, no cgroup": dataclasses.replace(mode, cgroups=None, seccomp=None)}
        times = {name: [] for name in variants}
        for _ in range(count):
            for name, variant in variants.items():
                workspace.mode = variant
                started = time.monotonic()
                outcome = workspace.run(library, {"cells": [], "exercises": {}}, 60)
                times[name].append(time.monotonic() - started)
                if not any(r.get("event") == "done" for r in outcome.records):
                    raise SystemExit(f"bench_grader: an empty run failed ({name}): {outcome.output[-2000:]}")
        return times
    finally:
        workspace.close()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--baseline", help="git revision of the 'before' grader (default: before cgroups)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--runs", type=int, default=30, help="empty sandbox runs per variant")
    parser.add_argument("--quick", action="store_true", help="one round, RESULTS.md left alone")
    args = parser.parse_args(argv)
    baseline = args.baseline or default_baseline()
    rounds = 1 if args.quick else args.rounds
    load_before = load_average()
    with tempfile.TemporaryDirectory(prefix="bench-grader-") as scratch:
        scratch = Path(scratch)
        paths, slugs = submissions(scratch / "submissions")
        before = extract(baseline, scratch / "before")
        variants = [("before", before, {}), ("after", ROOT, {}),
                    ("after, no cgroup", ROOT, {"DLCOURSE_GRADER_CGROUP": "none"})]
        times = {name: [] for name, *_ in variants}
        sandboxes, correct = {}, {}
        for round_number in range(rounds):
            for name, source, env in variants:
                seconds, passed, total, sandbox = grade(paths, scratch / "grades.csv", args.jobs, source, env)
                times[name].append(seconds)
                sandboxes[name], correct[name] = sandbox, (passed, total)
                print(f"round {round_number + 1}, {name}: {seconds:.1f} s ({seconds / SUBMISSIONS:.2f} s per "
                      f"submission), {passed}/{total} rows passed; {sandbox}", flush=True)
    runs = sandbox_runs(3 if args.quick else args.runs)
    for name, seconds in runs.items():
        print(f"empty sandbox run, {name}: median {statistics.median(seconds) * 1000:.0f} ms", flush=True)
    if args.quick:
        return 0
    reference = statistics.median(times["before"]) / SUBMISSIONS
    fastest_reference = min(times["before"]) / SUBMISSIONS
    rows = []
    for name, *_ in variants:
        per, fastest = statistics.median(times[name]) / SUBMISSIONS, min(times[name]) / SUBMISSIONS
        rows.append((name, sandboxes[name].removeprefix("sandbox: "), " / ".join(f"{t:.1f}" for t in times[name]),
                     f"{per:.2f} s", f"{per - reference:+.2f} s ({(per / reference - 1) * 100:+.0f}%)",
                     f"{fastest:.2f} s", f"{fastest - fastest_reference:+.2f} s",
                     f"{correct[name][0]}/{correct[name][1]}"))
    bare = statistics.median(runs["no seccomp, no cgroup"])
    run_rows = [(name, f"{statistics.median(seconds) * 1000:.0f} ms", f"{min(seconds) * 1000:.0f} ms",
                 f"{(statistics.median(seconds) - bare) * 1000:+.0f} ms") for name, seconds in runs.items()]
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M")
    text = f"""## The grader's isolation: 50 correct submissions (`bench_grader.py`)

Run {stamp} UTC with `benchmarks/bench_grader.py --baseline {baseline} --rounds {rounds} --jobs {args.jobs}`:
{SUBMISSIONS} correct submissions over {len(slugs)} lectures ({', '.join(slugs)}), graded with
`python -m dlcourse grade --jobs {args.jobs}`; the variants alternate round by round.

- CPU: {cpu_model()}, {usable_cores()} cores usable by this process; Python {sys.version.split()[0]}
- Load average (1 / 5 / 15 min) at the start: {load_before}; at the end: {load_average()}
- "before": the grader of `{baseline}` (bubblewrap, resource limits, a uid per job slot);
  "after": this tree's (plus a seccomp filter, a cgroup and a new uid per run, IPython's transformation in the
  sandbox); "after, no cgroup": the same with `DLCOURSE_GRADER_CGROUP=none`.

{table(("grader", "sandbox in force", "seconds per batch (each round)", "per submission (median)",
        "vs before", "per submission (fastest round)", "vs before (fastest)", "rows passed"), rows)}

The seconds per submission are wall-clock seconds of the whole batch divided by {SUBMISSIONS}, with
{args.jobs} submissions graded at once; on a machine shared with other programs read them with the load
average above: rounds of the same grader differ by more than the variants do.

One sandbox run of an empty job (interpreter, numpy and the sanitized library started, nothing run),
{args.runs} runs per variant, alternating; what the layers themselves cost, free of the batch's noise:

{table(("this tree's grader", "median", "fastest", "vs no seccomp, no cgroup"), run_rows)}
"""
    print(f"wrote the grader section of {write_section('bench_grader', text)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
