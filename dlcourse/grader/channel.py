"""Plain data across the sandbox wall: JSON for structure, .npy bytes (base64) for arrays. No code, ever.

Both sides use this module: the grader encodes case inputs into the job file, the sandboxed runner decodes
them, calls the learner's functions and encodes what came back, one JSON object per line on a pipe; the
grader decodes with ``decode(..., allowed=OUTPUT_TAGS)`` and checks every node (types, sizes, depth) before
anything is judged. Arrays are read with ``np.load(allow_pickle=False)``, so an object array, a pickle or
an .npz archive is refused, never unpickled. Only the standard library and numpy are imported here: the
runner loads this file inside the sandbox, outside the dlcourse package.

Grammar of an encoded node::

    null | true | false | int | float (NaN and ±Infinity allowed) | string
    {"t": "tuple" | "list", "v": [node, ...]}        {"t": "dict", "v": {string: node}}
    {"t": "nd", "npy": base64 of an .npy file}        {"t": "npscalar", "npy": ...}   (a 0-d array -> scalar)
    {"t": "fn", "name": string}   {"t": "rng", "seed": int}                          (inputs only)
    {"t": "unsupported", "name": string}   {"t": "raised", "type": string, "message": string, "where": string}
"""
import base64
import io
import json

import numpy as np

MAX_DEPTH = 24
MAX_STRING = 20_000
MAX_ARRAY_ELEMENTS = 20_000_000
MAX_NDIM = 32
INPUT_TAGS = frozenset({"tuple", "list", "dict", "nd", "npscalar", "fn", "rng"})
OUTPUT_TAGS = frozenset({"tuple", "list", "dict", "nd", "unsupported", "raised"})


class ChannelError(ValueError):
    """What came over the channel is not well-formed plain data."""


def _npy(array):
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def encode(value, tokens=None, depth=0):
    """JSON-ready form of plain data. ``tokens``: {class: callable(obj) -> encoded dict} for Fn, Rng, ...

    Raises TypeError for anything that is not plain data (nothing is ever pickled).
    """
    if depth > MAX_DEPTH:
        raise TypeError(f"nesting deeper than {MAX_DEPTH} levels")
    if value is None or type(value) in (bool, int, str):
        return value
    if type(value) is float:
        return value
    for kind, encoder in (tokens or {}).items():
        if type(value) is kind:
            return encoder(value)
    if isinstance(value, np.ndarray):
        array = np.array(value, subok=False, copy=True)
        if array.dtype.kind not in "biuf":
            raise TypeError(f"arrays of dtype {array.dtype} cannot be sent")
        return {"t": "nd", "npy": _npy(array)}
    if isinstance(value, np.generic):
        array = np.asarray(value)
        if array.dtype.kind not in "biuf":
            raise TypeError(f"numpy scalars of dtype {array.dtype} cannot be sent")
        return {"t": "npscalar", "npy": _npy(array)}
    if type(value) in (tuple, list):
        return {"t": type(value).__name__, "v": [encode(v, tokens, depth + 1) for v in value]}
    if type(value) is dict:
        if not all(type(k) is str for k in value):
            raise TypeError("only dicts with string keys can be sent")
        return {"t": "dict", "v": {k: encode(v, tokens, depth + 1) for k, v in value.items()}}
    raise TypeError(f"an object of type {type(value).__name__} is not plain data")


def _string(value, what):
    if type(value) is not str:
        raise ChannelError(f"{what} must be a string")
    return value[:MAX_STRING]


def _array(text, what):
    if type(text) is not str or len(text) > 4 * MAX_ARRAY_ELEMENTS * 8 // 3 + 1024:
        raise ChannelError(f"{what}: bad array payload")
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
        array = np.load(io.BytesIO(raw), allow_pickle=False)
    except Exception as error:  # any malformed payload is the sender's fault
        raise ChannelError(f"{what}: unreadable array ({type(error).__name__}: {error})") from None
    if type(array) is not np.ndarray:
        raise ChannelError(f"{what}: not a single .npy array")
    if array.dtype.kind not in "biuf" or array.dtype.fields is not None or array.dtype.itemsize > 16:
        raise ChannelError(f"{what}: arrays of dtype {array.dtype} are not accepted")
    if array.ndim > MAX_NDIM or array.size > MAX_ARRAY_ELEMENTS:
        raise ChannelError(f"{what}: array too large (shape {array.shape})")
    return np.array(array, copy=True, order="C")  # (ascontiguousarray would turn a 0-d array into 1-d)


def decode(node, allowed, make, depth=0):
    """Plain data from an encoded node, checking every part; raises ChannelError on anything else.

    ``allowed``: the tags accepted. ``make``: {tag: constructor} for the token tags among them
    ("fn": Fn(name), "rng": Rng(seed), "unsupported": Unsupported(name), "raised": Raised(type, message, where)).
    """
    if depth > MAX_DEPTH:
        raise ChannelError(f"nesting deeper than {MAX_DEPTH} levels")
    kind = type(node)
    if node is None or kind in (bool, int):
        return node
    if kind is float:
        return node
    if kind is str:
        return _string(node, "a string")
    if kind is not dict or type(node.get("t")) is not str:
        raise ChannelError(f"unexpected {kind.__name__} in the data")
    tag = node["t"]
    if tag not in allowed:
        raise ChannelError(f"unexpected tag {tag!r}")
    if tag in ("tuple", "list"):
        items = node.get("v")
        if type(items) is not list:
            raise ChannelError(f"{tag} without items")
        values = [decode(v, allowed, make, depth + 1) for v in items]
        return tuple(values) if tag == "tuple" else values
    if tag == "dict":
        items = node.get("v")
        if type(items) is not dict:
            raise ChannelError("dict without items")
        return {_string(k, "a dict key"): decode(v, allowed, make, depth + 1) for k, v in items.items()}
    if tag == "nd":
        return _array(node.get("npy"), "ndarray")
    if tag == "npscalar":
        array = _array(node.get("npy"), "numpy scalar")
        if array.ndim != 0:
            raise ChannelError("numpy scalar with a shape")
        return array[()]
    if tag == "fn":
        name = _string(node.get("name"), "a function name")
        return make["fn"](name)
    if tag == "rng":
        seed = node.get("seed")
        if type(seed) is not int:
            raise ChannelError("rng seed must be an int")
        return make["rng"](seed)
    if tag == "unsupported":
        return make["unsupported"](_string(node.get("name"), "a type name"))
    if tag == "raised":
        return make["raised"](_string(node.get("type"), "an exception type"),
                              _string(node.get("message", ""), "a message"),
                              _string(node.get("where", ""), "a location"))
    raise ChannelError(f"unexpected tag {tag!r}")


def dumps(record):
    """One line of JSON (NaN and infinities written as NaN / Infinity)."""
    return json.dumps(record, ensure_ascii=True, allow_nan=True, separators=(",", ":")) + "\n"


def loads(line):
    """A JSON object from one line; ChannelError for anything else."""
    try:
        value = json.loads(line)
    except (ValueError, RecursionError) as error:
        raise ChannelError(f"malformed JSON ({type(error).__name__})") from None
    if type(value) is not dict:
        raise ChannelError("a record must be a JSON object")
    return value

