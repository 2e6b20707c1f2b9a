"""``python -m dlcourse canvas GRADES.csv --roster EXPORT.csv --out IMPORT.csv``: the totals, ready for Canvas.

Canvas imports grades from a CSV shaped like the one it exports (Grades > Export): a header ``Student, ID,
SIS User ID, SIS Login ID, [Integration ID, Root Account,] Section``, then one column per assignment named
``Assignment name (assignment id)`` and read-only score columns; the row after the header is ``Points
Possible`` (Canvas reads it; ``(read only)`` marks columns it ignores); then one row per student. The import
matches a row to a student by ID, SIS User ID or SIS Login ID, and an assignment column by its id or name.

So the import file is the export itself with the assignment columns filled in: the identity columns and
the rows before the students are kept as Canvas wrote them, and only the assignment columns this gradebook
grades are written (Canvas leaves the other columns as they are, and a grade changed in Canvas meanwhile
is not overwritten by a stale copy of it).

- An assignment ``NN_slug`` fills the column whose name, without Canvas's `` (id)``, is the slug (compared
  in lower case with every run of non-alphanumerics read as ``_``: "01 Loss functions" is
  ``01_loss_functions``), or the column given with ``--assignment-column NN_slug="Column name"``.
- A learner (the gradebook's ``learner``: by default the submission's folder name) is the roster row whose
  ``--key`` is equal: ``login`` the SIS Login ID, ``email`` the part of the SIS Login ID before ``@`` (as
  is the learner's), ``sis`` the SIS User ID, ``id`` Canvas's own user ID; ``login`` and ``email`` ignore
  case.
- The points are the learner's best submission of that assignment (``dlcourse.report.totals``). Roster
  rows without a submission get 0 or an empty cell (``--missing``; empty leaves Canvas's grade alone).
- Learners of the gradebook that match no roster row are listed on stderr and in ``<out>_unmatched.csv``.
- Every cell written that a spreadsheet would read as a formula (= + - @ ...) gets a leading ``'``.
"""
import csv
import io
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .report import number, quote_cell, read_gradebook, totals

IDENTITY_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Integration ID", "Root Account", "Section")
KEY_COLUMNS = {"login": "SIS Login ID", "email": "SIS Login ID", "sis": "SIS User ID", "id": "ID"}
_CANVAS_ID = re.compile(r"\s*\(\d+\)\s*$")  # "Softmax (12345)": Canvas's assignment id after the name


class CanvasError(ValueError):
    """The roster or the options cannot give an import file; the message says what to change."""


@dataclass
class Roster:
    """An exported Canvas gradebook: its header, the rows before the students, the student rows."""
    header: list
    preamble: list = field(default_factory=list)  # "Points Possible" (and any other row without an ID)
    students: list = field(default_factory=list)

    def column(self, name):
        return self.header.index(name)


def read_roster(path):
    """Read a Canvas export (UTF-8, with or without a byte-order mark)."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = [row for row in csv.reader(handle) if any(cell.strip() for cell in row)]
    if not rows:
        raise CanvasError(f"{path} is empty: export the gradebook from Canvas (Grades > Export > Export Entire "
                          f"Gradebook)")
    header = [cell.strip() for cell in rows[0]]
    missing = [name for name in ("Student", "ID", "Section") if name not in header]
    if missing:
        raise CanvasError(f"{path} is not a Canvas gradebook export: it has no column {', '.join(missing)} "
                          f"(its header starts {header[:6]})")
    roster = Roster(header)
    identity = roster.column("ID")
    for row in rows[1:]:
        row = row + [""] * (len(header) - len(row))
        (roster.students if row[identity].strip() else roster.preamble).append(row)
    return roster


def normalised(name):
    """'01 Loss functions (123)' -> '01_loss_functions': how a column name is compared with an NN_slug."""
    return re.sub(r"[^a-z0-9]+", "_", _CANVAS_ID.sub("", name).lower()).strip("_")


def parse_mapping(pairs):
    """['01_loss_functions=Loss functions (123)', ...] -> {slug: column name}."""
    mapping = {}
    for pair in pairs:
        slug, separator, column = pair.partition("=")
        if not separator or not slug.strip() or not column.strip():
            raise CanvasError(f'--assignment-column {pair!r}: write it as NN_slug="Canvas column name"')
        mapping[slug.strip()] = column.strip().strip('"')
    return mapping


def assignment_columns(roster, assignments, mapping):
    """{slug: column index} for the assignments that have a column; raises on an ambiguous or missing one."""
    points_row = next((row for row in roster.preamble if row[0].strip() == "Points Possible"), None)
    identity = {i for i, name in enumerate(roster.header) if name in IDENTITY_COLUMNS}
    found = {}
    for slug in assignments:
        if slug in mapping:
            wanted = mapping[slug]
            matches = [i for i, name in enumerate(roster.header)
                       if i not in identity and (name == wanted or _CANVAS_ID.sub("", name) == wanted)]
            if not matches:
                raise CanvasError(f"--assignment-column {slug}: the roster has no column {wanted!r}; its assignment "
                                  f"columns are {[n for i, n in enumerate(roster.header) if i not in identity]}")
        else:
            matches = [i for i, name in enumerate(roster.header) if i not in identity and normalised(name) == slug]
        if len(matches) > 1:
            raise CanvasError(f"{slug}: several roster columns fit ({[roster.header[i] for i in matches]}); choose "
                              f'one with --assignment-column {slug}="<the column>"')
        if matches:
            if points_row is not None and points_row[matches[0]].strip() == "(read only)":
                raise CanvasError(f"{slug}: the column {roster.header[matches[0]]!r} is read-only in Canvas")
            found[slug] = matches[0]
    unknown = sorted(set(mapping) - set(assignments))
    if unknown:
        raise CanvasError(f"--assignment-column names {', '.join(unknown)}, which the gradebook does not grade")
    return found


def roster_key(value, key):
    """The text a roster cell and a learner are compared by."""
    value = value.strip()
    if key == "email":
        return value.split("@", 1)[0].lower()
    return value.lower() if key == "login" else value


@dataclass
class Filled:
    text: str  # the import CSV
    unmatched: list  # [(learner, assignment, points, max_points, submission)]
    warnings: list


def fill(roster, rows, key="login", missing="blank", mapping=None):
    """The import CSV for ``roster`` with the totals of the gradebook ``rows``."""
    if key not in KEY_COLUMNS:
        raise CanvasError(f"--key {key!r}: expected one of {', '.join(KEY_COLUMNS)}")
    if KEY_COLUMNS[key] not in roster.header:
        raise CanvasError(f"--key {key} matches learners by the column {KEY_COLUMNS[key]!r}, which this export lacks")
    result = totals(rows)
    columns = assignment_columns(roster, result.assignments, mapping or {})
    if not columns:
        raise CanvasError(f"no roster column fits any assignment of the gradebook ({', '.join(result.assignments)}); "
                          f"name the Canvas columns with --assignment-column NN_slug=\"Canvas column name\"")
    warnings = [f"{slug}: no Canvas column; not written (add --assignment-column {slug}=\"<column>\")"
                for slug in result.assignments if slug not in columns]
    key_column = roster.column(KEY_COLUMNS[key])
    by_key = {}
    for row in roster.students:
        value = roster_key(row[key_column], key)
        if value:
            by_key.setdefault(value, []).append(row)
    doubled = sorted(value for value, found in by_key.items() if len(found) > 1)
    if doubled:
        raise CanvasError(f"--key {key}: several students share {', '.join(map(repr, doubled))}; choose another key")

    points_row = next((row for row in roster.preamble if row[0].strip() == "Points Possible"), None)
    for slug, index in columns.items():
        possible = points_row[index].strip() if points_row else ""
        try:
            if possible and float(possible) != result.maxima[slug]:
                warnings.append(f"{slug}: Canvas's column {roster.header[index]!r} is worth {possible} points, the "
                                f"assignment {number(result.maxima[slug])}; the points are written as they are")
        except ValueError:
            pass

    scores = {}  # (roster key, slug) -> points
    unmatched = []
    for (learner, slug), chosen in sorted(result.best.items()):
        value = roster_key(learner, key)
        if value in by_key:
            scores[(value, slug)] = chosen.points
        else:
            unmatched.append((learner, slug, chosen.points, result.maxima[slug], chosen.path))

    identity = [i for i, name in enumerate(roster.header) if name in IDENTITY_COLUMNS]
    kept = identity + sorted(columns.values())
    slug_of = {index: slug for slug, index in columns.items()}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([quote_cell(roster.header[i]) for i in kept])
    for row in roster.preamble:
        writer.writerow([quote_cell(row[i]) for i in kept])
    for row in roster.students:
        value = roster_key(row[key_column], key)
        cells = []
        for i in kept:
            if i in slug_of:
                points = scores.get((value, slug_of[i]))
                cells.append(number(points) if points is not None else "0" if missing == "zero" else "")
            else:
                cells.append(row[i])
        writer.writerow([quote_cell(cell) for cell in cells])
    return Filled(buffer.getvalue(), unmatched, warnings)


def unmatched_path(out):
    """canvas_import.csv -> canvas_import_unmatched.csv beside it."""
    out = Path(out)
    return out.with_name(f"{out.stem}_unmatched.csv")


def write_unmatched(path, unmatched):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["learner", "assignment", "points", "max_points", "submission"])
    for learner, slug, points, maximum, submission in unmatched:
        writer.writerow([quote_cell(c) for c in (learner, slug, number(points), number(maximum), submission)])
    Path(path).write_text(buffer.getvalue(), encoding="utf-8")


def main(args):
    try:
        roster = read_roster(args.roster)
        rows = read_gradebook(args.gradebook, args.learner_pattern)
        filled = fill(roster, rows, key=args.key, missing=args.missing, mapping=parse_mapping(args.assignment_column))
        # utf-8-sig as Canvas's own export: spreadsheets then read non-ASCII names right
        Path(args.out).write_text(filled.text, encoding="utf-8-sig", newline="")
        side = unmatched_path(args.out)
        write_unmatched(side, filled.unmatched)
    except (OSError, ValueError, re.error) as error:  # CanvasError and GradebookFormatError are ValueErrors
        print(f"canvas: {error}", file=sys.stderr)
        return 2
    for warning in filled.warnings:
        print(f"canvas: warning: {warning}", file=sys.stderr)
    if filled.unmatched:
        print(f"canvas: {len(filled.unmatched)} submission(s) match no student of the roster by --key {args.key} "
              f"(listed in {side}):", file=sys.stderr)
        for learner, slug, points, maximum, submission in filled.unmatched:
            print(f"  {learner!r} {slug} {number(points)}/{number(maximum)} ({submission})", file=sys.stderr)
    print(f"wrote {args.out} ({len(roster.students)} students); import it in Canvas with Grades > Import")
    return 0
