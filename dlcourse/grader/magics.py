"""IPython syntax in a cell turned into plain Python, for the sandbox (and for the trusted course cells).

IPython's input transformer is slow on some inputs (thousands of ``x = %time 1`` lines take minutes), so a
learner's cells are transformed INSIDE the sandbox, under the submission's time limit; the grader process
only transforms the course's own cells. Standard library only at import time (the runner loads this file
inside the sandbox, outside the dlcourse package); IPython is imported when a cell has magics.
"""
import re

STRIPPED_CELL_MAGICS = ("time", "capture", "timeit", "prun")  # the cell's code still runs, once, without them
_MAGIC = re.compile(r"^\s*[%!]|=\s*[%!][^=]|\?\s*$", re.MULTILINE)  # magics, shell escapes, x = !ls, help?
_MAGIC_LINE = re.compile(r"^(\s*)(?:[%!].*|([\w.,\s]+?)\s*=\s*[%!][^=].*)$")
_transformer = None


def python_source(source):
    """Cell text as plain Python: IPython magics turned into get_ipython() calls (which the sandbox ignores);
    a leading %%time / %%capture ... line is dropped so the cell's code still runs."""
    global _transformer
    lines = source.lstrip("\n").splitlines()
    if lines and lines[0].startswith("%%") and lines[0][2:].split(" ")[0].strip() in STRIPPED_CELL_MAGICS:
        source = "\n".join(lines[1:])
    if not _MAGIC.search(source):
        return source
    try:
        if _transformer is None:
            from IPython.core.inputtransformer2 import TransformerManager
            _transformer = TransformerManager()
        return _transformer.transform_cell(source)
    except Exception:  # not valid IPython either (or no IPython): the cell's SyntaxError is reported
        return source


def without_magics(source):
    """A quick stand-in for python_source, linear in the text, for reading names only (never run): a magic
    line becomes ``pass`` (or ``name = None`` for ``name = %magic``)."""
    out = []
    for line in source.splitlines():
        match = _MAGIC_LINE.match(line)
        if match is None:
            out.append(line)
        elif match.group(2):
            out.append(f"{match.group(1)}{match.group(2)} = None")
        else:
            out.append(f"{match.group(1)}pass")
    return "\n".join(out)
