"""Near-copies among the answers of a batch, and of the course's own implementation: flagged for a human.

An answer cell is reduced to a fingerprint that survives the usual disguises: it is parsed, and only the
TYPES of its syntax-tree nodes are kept, in order (``FunctionDef arguments arg Return BinOp Call ...``):
names, constants, strings, docstrings, comments, blank lines and formatting are gone. The fingerprint is the
set of hashes of every run of ``GRAM`` consecutive node types. Two answers to the same exercise whose sets
overlap by ``THRESHOLD`` or more (Jaccard) are near-copies; so is an answer that close to the course's own
implementation (the library function of that name, or the answer in solutions/).

What it catches: renamed variables and functions, changed constants and messages, reformatting, added or
removed comments and docstrings, reordered keyword arguments of the same shape. What it does not: code
rewritten with other constructs (a loop for a vectorised expression, a helper function inlined), statements
reordered or padded with dead code in many places, a copy from outside the batch (a web page, an earlier
year: grade that year's submissions in the same batch to compare them), and answers too short to tell a
copy from the one natural way to write them (fewer than ``MIN_NODES`` nodes: never flagged). A flag is a
reason to look, never a verdict: the points are not touched.
"""
import ast
import hashlib
import inspect
from collections import defaultdict
from dataclasses import dataclass

GRAM = 5
THRESHOLD = 0.9
MIN_NODES = 40
COMMON = 0.5  # a gram in more than this share of the answers is an idiom, not evidence (and not indexed)
_CONTEXTS = (ast.Load, ast.Store, ast.Del)


def node_types(source):
    """The node types of ``source`` in pre-order, without contexts and docstrings; None if it does not parse."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    found = []

    def visit(node):
        if isinstance(node, _CONTEXTS):
            return
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            return  # a docstring or a bare string: text, not code
        found.append(type(node).__name__)
        for child in ast.iter_child_nodes(node):
            visit(child)

    try:
        visit(tree)
    except RecursionError:
        return None
    return found[1:]  # without the Module


def fingerprint(source):
    """The set of hashed GRAM-runs of node types; empty when the answer is too short or does not parse."""
    types = node_types(source)
    if not types or len(types) < MIN_NODES:
        return frozenset()
    grams = (" ".join(types[i:i + GRAM]) for i in range(len(types) - GRAM + 1))
    return frozenset(int.from_bytes(hashlib.blake2b(g.encode(), digest_size=8).digest(), "big") for g in grams)


def similarity(first, second):
    return len(first & second) / len(first | second) if first and second else 0.0


def course_sources(exercise, solution_source=""):
    """The course's own implementations of ``exercise`` (a checks Exercise): the library's functions of the
    same names and the answer of solutions/, as {label: source}."""
    import dlcourse
    found = {}
    for module_name in ("functions", "layers", "optim", "gradcheck", "naive", "data", "training"):
        module = getattr(dlcourse, module_name, None)
        for name in getattr(exercise, "functions", ()):
            function = getattr(module, name, None) if module else None
            if callable(function):
                try:
                    found[f"the course's dlcourse.{module_name}.{name}"] = inspect.getsource(function)
                except (OSError, TypeError):
                    pass  # a builtin or a C function: nothing to compare
    if solution_source:
        found["the course's solution"] = solution_source
    return found


@dataclass(frozen=True)
class Flag:
    submission: str
    exercise: str
    like: str  # the other submission, or the course's implementation
    similarity: float

    def text(self):
        return f"near-copy of {self.like} ({self.similarity:.2f})"


def near_copies(answers, course=None, stubs=None):
    """Flags for ``answers``: {exercise: {submission: source}}; ``course``: {exercise: {label: source}};
    ``stubs``: {exercise: the pristine answer cell} (an untouched stub is nobody's copy). One Flag per
    (submission, exercise), the closest match."""
    course, stubs = course or {}, stubs or {}
    flags = {}
    for exercise, by_submission in answers.items():
        stub = fingerprint(stubs.get(exercise, ""))
        prints = {s: f for s, f in ((s, fingerprint(src)) for s, src in by_submission.items()) if f and f != stub}
        references = {label: fingerprint(src) for label, src in course.get(exercise, {}).items()}
        for submission, mine in prints.items():
            for label, theirs in references.items():
                score = similarity(mine, theirs)
                if score >= THRESHOLD:
                    _keep(flags, Flag(submission, exercise, label, score))
        same = defaultdict(list)  # identical after normalisation, however many share it
        for submission, mine in prints.items():
            same[mine].append(submission)
        for group in same.values():
            for submission in group[1:]:
                _keep(flags, Flag(submission, exercise, group[0], 1.0))
                _keep(flags, Flag(group[0], exercise, submission, 1.0))
        for first, second, score in _similar_pairs(prints):
            _keep(flags, Flag(first, exercise, second, score))
            _keep(flags, Flag(second, exercise, first, score))
    return sorted(flags.values(), key=lambda f: (f.exercise, f.submission))


def _keep(flags, flag):
    key = (flag.submission, flag.exercise)
    if key not in flags or flag.similarity > flags[key].similarity:
        flags[key] = flag


def _similar_pairs(prints):
    """(a, b, similarity) for the pairs at or above THRESHOLD, found through the grams they share (an
    inverted index without the idioms most answers share), not by comparing every pair."""
    index = defaultdict(list)
    for submission, grams in prints.items():
        for gram in grams:
            index[gram].append(submission)
    limit = max(2, int(COMMON * len(prints)))
    shared = defaultdict(int)
    for holders in index.values():
        if len(holders) <= limit:
            for i, first in enumerate(holders):
                for second in holders[i + 1:]:
                    shared[(first, second)] += 1
    for (first, second), count in shared.items():
        smaller = min(len(prints[first]), len(prints[second]))
        if count >= THRESHOLD * smaller * 0.5:  # too few rare grams in common: cannot reach the threshold
            score = similarity(prints[first], prints[second])
            if score >= THRESHOLD:
                yield first, second, score
