"""Command line: python -m dlcourse {build, check, grade, site, doctor}."""
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
                                "sandbox, on hidden inputs; one gradebook row per (submission, exercise).")
    grade.add_argument("submissions", nargs="+", metavar="SUBMISSION.ipynb",
                       help="learners' notebooks, e.g. submissions/*/*.ipynb (one folder per learner); each is "
                       "matched to its assignment by its file name NN_slug.ipynb unless --assignment is given")
    grade.add_argument("--out", required=True, help="the gradebook CSV to write; an existing one is resumed "
                       "(finished rows are kept)")
    grade.add_argument("--jobs", type=int, default=1,
                       help="how many submissions to grade at once (default 1; at most one per core helps)")
    grade.add_argument("--timeout", type=float, default=120, help="seconds per submission (default 120)")
    grade.add_argument("--assignment", help="NN_slug of the assignment for every submission")

    execute = commands.add_parser("execute", help="re-execute notebooks top to bottom in a fresh kernel, in place "
                                  "(for maintainers: do it after every change, before committing)")
    execute.add_argument("notebooks", nargs="+")
    execute.add_argument("--timeout", type=float, default=300)

    site = commands.add_parser("site", help="export the lectures to a static HTML site")
    site.add_argument("outdir")

    commands.add_parser("doctor", help="check the environment and say how to fix problems")

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
    if args.command == "doctor":
        from .doctor import main as doctor_main
        return doctor_main(args)
    return 2


if __name__ == "__main__":
    sys.exit(main())
