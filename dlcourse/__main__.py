"""Command line: python -m dlcourse {build, check, grade, site, slides, doctor, release, ...}."""
import argparse
import sys


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m dlcourse", description="dlcourse command line")
    commands = parser.add_subparsers(dest="command", required=True)

    build = commands.add_parser("build", help="generate exercises/ from solutions/")
    build.add_argument("--check", action="store_true", help="change nothing; exit 1 if exercises/ is out of date")

    check = commands.add_parser("check", help="run a notebook and report every exercise with a score")
    check.add_argument("notebook")
    check.add_argument("--timeout", type=float, default=120, help="seconds per cell (default 120)")

    grade = commands.add_parser("grade", help="grade learners' submissions into a CSV gradebook",
                                description="Grade learners' notebooks: only their answer cells are run, in a "
                                "sandbox, on hidden inputs; one gradebook row per (submission, exercise), with the "
                                "columns submission,learner,assignment,exercise,points,max_points,status,feedback,"
                                "copy (a near-copy flag for a human). "
                                "Feedback files go to <out stem>_feedback/<learner>/<assignment>.txt and what "
                                "produced the rows to <out>.manifest.json.",
                                epilog="The hidden inputs come from DLCOURSE_GRADER_SEED (set a secret of your own). "
                                "Exit code: 0 when every submission was graded (whatever the scores), 1 when the "
                                "grader failed on some submission, 2 for a usage error or no usable sandbox.")
    grade.add_argument("submissions", nargs="+", metavar="SUBMISSION.ipynb",
                       help="learners' notebooks, e.g. submissions/*/*.ipynb (one folder per learner); each is "
                       "matched to its assignment by its file name NN_slug.ipynb unless --assignment is given")
    grade.add_argument("--out", required=True, metavar="GRADES.csv",
                       help="the gradebook CSV to write; an existing one is resumed (finished rows are kept, an "
                       "older gradebook gets the learner and assignment columns)")
    grade.add_argument("--jobs", type=int, default=1, metavar="N",
                       help="how many submissions to grade at once (default 1; at most one per core helps)")
    grade.add_argument("--timeout", type=float, default=120, metavar="S",
                       help="seconds of wall-clock time per submission (default 120)")
    grade.add_argument("--exercise-timeout", type=float, default=60, metavar="S",
                       help="seconds one exercise (its answer cell and its cases) may take (default 60): an "
                       "answer that runs longer gets 'timeout' and the other exercises are still graded")
    grade.add_argument("--assignment", metavar="NN_slug",
                       help="the assignment of every submission, when file names are not the original ones")
    grade.add_argument("--learner-pattern", metavar="REGEX",
                       help="a regular expression with a named group 'learner', searched in each path, e.g. "
                       "'(?P<learner>[^/_]+)_\\d\\d_' (default: the folder the submission sits in)")
    where = grade.add_mutually_exclusive_group()
    where.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                       help="grade on a Dask cluster: each submission a task, graded in a sandbox on a worker "
                       "(needs the 'dask' extra here and on the workers; tls:// with Dask's TLS configuration); "
                       "--jobs is then ignored: the cluster's workers set how many run at once")
    where.add_argument("--cluster", metavar="PRESET",
                       help="start a Dask cluster for this run and stop it after: local:N (N worker processes "
                       "here), ssh:HOST,HOST,... (the first host also runs the scheduler; needs asyncssh), slurm:N or "
                       "pbs:N (N batch jobs through dask-jobqueue, configured in its jobqueue settings)")
    grade.add_argument("--regrade", choices=("all", "changed"),
                       help="grade submissions already in the gradebook again: all of them, or those whose "
                       "checks, pristine notebook or seed changed since they were graded (each is named, with why)")

    execute = commands.add_parser("execute", help="re-execute notebooks top to bottom in a fresh kernel, in place "
                                  "(for maintainers: do it after every change, before committing)")
    execute.add_argument("notebooks", nargs="+")
    execute.add_argument("--timeout", type=float, default=300)

    site = commands.add_parser("site", help="export the lectures to a static HTML site")
    site.add_argument("outdir")

    slides = commands.add_parser("slides", help="export lectures to reveal.js decks that present offline",
                                 description="Write NN_slug.slides.html for each notebook, with reveal.js and "
                                 "MathJax copied beside the decks: they present from the file system, no network.")
    slides.add_argument("notebooks", nargs="+", metavar="NOTEBOOK.ipynb", help="e.g. notebooks/03_*.ipynb")
    slides.add_argument("--out", default="site/slides", help="folder for the decks (default site/slides)")

    commands.add_parser("doctor", help="check the environment and say how to fix problems")

    release = commands.add_parser("release", help="write what learners get: lectures, exercises, a learner wheel",
                                  description="Write OUT/notebooks, OUT/exercises, OUT/dist/<the learner wheel> and "
                                  "OUT/INSTALL.md. The wheel holds the learner's library and self-checks that judge "
                                  "from stored data: no reference implementation, no solutions.")
    release.add_argument("out", metavar="OUT", help="a new (or empty) folder to write the release to")

    _add_gradebook_commands(commands)

    args = parser.parse_args(argv)
    if args.command == "build":
        from .builder import BuildError, build as run_build
        try:
            changed = run_build(check_only=args.check)
        except BuildError as error:
            print(f"build failed: {error}", file=sys.stderr)
            return 2
        return 1 if (args.check and changed) else 0
    if args.command == "check":
        from .selfcheck import check_notebook
        try:
            return 0 if check_notebook(args.notebook, timeout=args.timeout) else 1
        except FileNotFoundError as error:
            print(error, file=sys.stderr)
            return 2
    if args.command == "execute":
        from .notebooks import execute_in_place
        for path in args.notebooks:
            seconds = execute_in_place(path, timeout=args.timeout)
            print(f"{path}: executed in {seconds:.1f} s")
        return 0
    if args.command == "grade":
        from .grader import main as grade_main
        return grade_main(args)
    if args.command == "site":
        from .site import main as site_main
        return site_main(args)
    if args.command in ("report", "canvas", "gradescope"):
        return _run_gradebook_command(args)
    if args.command == "slides":
        from .slides import main as slides_main
        return slides_main(args)
    if args.command == "doctor":
        from .doctor import main as doctor_main
        return doctor_main(args)
    if args.command == "release":
        from .release import main as release_main
        return release_main(args)
    return 2


def _add_gradebook_commands(commands):
    """report, canvas, gradescope: the tools that work from a gradebook or hand grading to Gradescope."""
    report = commands.add_parser("report", help="per-learner totals (CSV) and a class report (HTML) from a gradebook",
                                 description="Write DIR/totals.csv and DIR/index.html (self-contained) from a "
                                 "gradebook written by `grade`.")
    report.add_argument("gradebook", metavar="GRADES.csv", help="the gradebook written by `grade`")
    report.add_argument("--out", required=True, metavar="DIR", help="the folder to write totals.csv and index.html to")
    report.add_argument("--learner-pattern", metavar="REGEX",
                        help="for gradebooks without a learner column: a regular expression with a named group "
                        "'learner', searched in each submission path (default: the folder the submission is in)")

    canvas = commands.add_parser("canvas", help="fill a Canvas gradebook export with the totals, for import",
                                 description="Fill an exported Canvas gradebook CSV with each learner's points per "
                                 "assignment and write the file to import into Canvas.")
    canvas.add_argument("gradebook", metavar="GRADES.csv", help="the gradebook written by `grade`")
    canvas.add_argument("--roster", required=True, metavar="CANVAS_EXPORT.csv",
                        help="the gradebook exported from Canvas (Grades > Export), with its Points Possible row")
    canvas.add_argument("--out", required=True, metavar="CANVAS_IMPORT.csv", help="the CSV to import into Canvas")
    canvas.add_argument("--key", choices=("login", "email", "sis", "id"), default="login",
                        help="what a learner's folder name is in Canvas: login = SIS Login ID (default), email = "
                        "the part of SIS Login ID before @, sis = SIS User ID, id = Canvas's ID")
    canvas.add_argument("--missing", choices=("zero", "blank"), default="blank",
                        help="what a learner of the roster without a submission gets: 0 or an empty cell, which "
                        "leaves Canvas's grade as it is (default: blank)")
    canvas.add_argument("--assignment-column", action="append", default=[], metavar='NN_slug="Canvas column"',
                        help="the Canvas column of an assignment, when its name is not the NN_slug (repeatable); "
                        "the column's name with or without Canvas's ' (id)' suffix")
    canvas.add_argument("--learner-pattern", metavar="REGEX",
                        help="as for `report`: a regular expression with a named group 'learner'")

    gradescope = commands.add_parser("gradescope", help="build a Gradescope autograder zip for one assignment",
                                     description="Build a Gradescope autograder (setup.sh, run_autograder, the "
                                     "course as a wheel) that grades a submitted NN_slug.ipynb with `grade`.")
    gradescope.add_argument("assignment", metavar="NN_slug", help="the assignment, e.g. 01_loss_functions")
    gradescope.add_argument("zip", metavar="OUT.zip", help="the autograder zip to write (upload it to Gradescope)")
    gradescope.add_argument("--timeout", type=float, default=120,
                            help="seconds one submission may take (default 120; Gradescope's own limit is set in "
                            "the assignment's settings)")


def _run_gradebook_command(args):
    if args.command == "report":
        from .report import main as report_main
        return report_main(args)
    if args.command == "canvas":
        from .canvas import main as canvas_main
        return canvas_main(args)
    from .gradescope import main as gradescope_main
    return gradescope_main(args)


if __name__ == "__main__":
    sys.exit(main())
