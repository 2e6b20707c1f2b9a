"""``grade ... --scheduler tcp://HOST:PORT`` or ``--cluster PRESET``: each submission a task on a Dask cluster.

``--scheduler`` joins a cluster the instructor started; ``--cluster`` starts one for the run and stops it after
(``PRESETS``): ``local:N`` (N worker processes on this machine), ``ssh:HOST,HOST,...`` (Dask's SSHCluster: the
first host runs the scheduler, every host a worker), ``slurm:N`` and ``pbs:N`` (N batch jobs through
dask-jobqueue, configured by its ``jobqueue.slurm.*``/``jobqueue.pbs.*`` settings: queue, cores, memory).

Dask does the scheduling, the retries and the recovery from a lost worker; this module only says what one
task is. Here, on the instructor's machine, every submission is matched and read (``read_regular_file``: the
same refusals of links, FIFOs and huge files as a local run); one that cannot be read or matched is graded
here without a sandbox (its rows say why), every other is sent as its BYTES, so workers need no shared file
system. On a worker, ``grade_task`` grades it in a sandbox of the worker's own, exactly as a local run does,
and returns the Graded rows with the record of what produced them (``provenance.py``). Results are written
into the gradebook as they complete (``distributed.as_completed``), so the gradebook stays atomic and
resumable: an interrupted run continues with the same command.

Every worker needs what a local grader needs: Linux with bubblewrap, this course installed at the same
version (``pip install 'dlcourse[dask]'`` from the same commit) and the same DLCOURSE_GRADER_SEED in its
environment. The seed never travels with a task: a worker whose seed, checks or pristine notebook differ from
this machine's is caught by comparing the records, and its rows become ``error`` rows saying so.
"""
import atexit
import functools
import hashlib
import threading

from . import ROOT, Grader, _grade_safely, internal_error
from .notebook import MAX_SUBMISSION_BYTES, InvalidSubmission, read_regular_file
from .provenance import Provenance

RETRIES = 2  # a task that raised (not a lost worker: the scheduler reschedules those itself) runs again
_PREPARE = threading.Lock()  # a worker with several threads prepares an assignment once


class ClusterUnavailable(RuntimeError):
    """dask/distributed missing, or the scheduler cannot be reached: a usage error (exit 2)."""


@functools.lru_cache(maxsize=4)
def _worker_grader(timeout, exercise_timeout):
    """One Grader per worker process and settings: its sanitized libraries and sandbox mode are set up once."""
    grader = Grader(None, timeout, 1, exercise_timeout)
    atexit.register(grader.close)
    return grader


def grade_task(submission, raw, slug, timeout, exercise_timeout):
    """On a worker: (Graded, provenance record) of one submission, graded in a sandbox of this worker."""
    grader = _worker_grader(timeout, exercise_timeout)
    with _PREPARE:
        grader.prepare([slug])
        record = Provenance.current(ROOT, {slug: (grader.available[slug], grader.assignments[slug])}).record(slug)
    return _grade_safely(grader, submission, slug, raw), record


def connect(scheduler):
    """A distributed.Client of the scheduler at ``scheduler`` (tcp:// or tls://; TLS settings come from Dask's
    configuration, ``distributed.comm.tls.*``)."""
    try:
        from distributed import Client
    except ImportError:
        raise ClusterUnavailable("--scheduler needs Dask: pip install 'dlcourse[dask]' (dask and distributed) on "
                                 "this machine and on every worker") from None
    try:
        return Client(scheduler, timeout="30s")
    except (OSError, TimeoutError) as error:
        raise ClusterUnavailable(f"cannot reach the Dask scheduler at {scheduler} ({error})") from None


PRESETS = {
    "local": "local:N, N worker processes of one thread on this machine (the dask extra)",
    "ssh": "ssh:HOST,HOST,..., the first host runs the scheduler and every host a worker (needs asyncssh)",
    "slurm": "slurm:N, N Slurm jobs, each a worker (needs dask-jobqueue and its jobqueue.slurm settings)",
    "pbs": "pbs:N, N PBS jobs, each a worker (needs dask-jobqueue and its jobqueue.pbs settings)",
}


def parse_preset(preset):
    """("local", 4) for "local:4", ("ssh", ["a", "b"]) for "ssh:a,b"; ClusterUnavailable naming the forms."""
    kind, _, rest = str(preset).partition(":")
    forms = "; ".join(PRESETS.values())
    if kind not in PRESETS or not rest:
        raise ClusterUnavailable(f"--cluster {preset!r} is not a preset; expected one of: {forms}")
    if kind == "ssh":
        hosts = [host.strip() for host in rest.split(",") if host.strip()]
        if not hosts:
            raise ClusterUnavailable(f"--cluster {preset!r}: expected {PRESETS['ssh']}")
        return kind, hosts
    if not rest.isdigit() or int(rest) < 1:
        raise ClusterUnavailable(f"--cluster {preset!r}: N must be a whole number of at least 1; expected "
                                 f"{PRESETS[kind]}")
    return kind, int(rest)


def start_cluster(preset):
    """A running Dask cluster for ``preset`` (see PRESETS); the caller closes it after the run."""
    kind, size = parse_preset(preset)
    try:
        if kind == "local":
            from distributed import LocalCluster
            return LocalCluster(n_workers=size, threads_per_worker=1, processes=True, dashboard_address=None)
        if kind == "ssh":
            from distributed import SSHCluster
            return SSHCluster([size[0], *size], worker_options={"nthreads": 1},
                              scheduler_options={"dashboard_address": None})
        import dask_jobqueue
        cluster = (dask_jobqueue.SLURMCluster if kind == "slurm" else dask_jobqueue.PBSCluster)()
        cluster.scale(jobs=size)
        return cluster
    except ImportError as error:
        needs = {"local": "dlcourse[dask]", "ssh": "dlcourse[dask] asyncssh", "slurm": "dlcourse[dask] dask-jobqueue",
                 "pbs": "dlcourse[dask] dask-jobqueue"}[kind]
        raise ClusterUnavailable(f"--cluster {preset}: {error}; pip install {needs}") from None
    except (OSError, ValueError, RuntimeError) as error:
        raise ClusterUnavailable(f"--cluster {preset}: could not start the cluster ({error})") from None


def _mismatch(record, expected):
    """Why a worker's rows cannot be trusted to be this course's grading, or ""."""
    if record.get("seed") != expected.get("seed"):
        return "the worker's DLCOURSE_GRADER_SEED differs from this machine's (its fingerprint does)"
    if record.get("notebook") != expected.get("notebook") or record.get("checks") != expected.get("checks"):
        return (f"the worker grades with another version of the course ({record.get('course')}, here "
                f"{expected.get('course')}): install the same commit on every worker")
    return ""


def grade_on_cluster(client, grader, todo, slugs, provenance, record):
    """Grade ``todo`` on the cluster of ``client``; ``record(graded, manifest_record)`` is called for each
    submission as its result arrives (in this thread). Returns True when the grader had a problem somewhere."""
    from distributed import as_completed

    internal = False
    futures = {}
    for submission in todo:
        slug = slugs[submission]
        try:
            raw = read_regular_file(submission, MAX_SUBMISSION_BYTES) if slug else None
        except InvalidSubmission:
            raw = None  # graded here: the same reading gives the same reason in its rows
        if raw is None:
            graded = _grade_safely(grader, submission, slug)
            internal = record(graded, provenance.record(slug or "")) or internal
            continue
        # a key from the path and the bytes: one task per submission, whatever the cluster retries
        key = "dlcourse-grade-" + hashlib.sha256(submission.encode("utf-8", "surrogateescape") + b"\0" + raw
                                                 ).hexdigest()[:24]
        future = client.submit(grade_task, submission, raw, slug, grader.timeout, grader.exercise_timeout,
                               key=key, retries=RETRIES, pure=False)
        futures[future] = submission
    for future in as_completed(futures):
        submission = futures[future]
        slug = slugs[submission]
        expected = provenance.record(slug)
        try:
            graded, worker_record = future.result()
            why = _mismatch(worker_record, expected)
            if why:
                graded = internal_error(grader, submission, slug, why)
        except Exception as error:  # the task failed on every try (e.g. no sandbox on the workers)
            graded, worker_record = internal_error(grader, submission, slug, f"on the cluster: {type(error).__name__}: "
                                                   f"{error}"), expected
        internal = record(graded, worker_record) or internal
        future.release()
    return internal
