"""A small declarative schema for TOML tables: types, ranges, choices, files.

Plugins declare their options with :class:`Option`; the run file's own layout is
declared the same way (:mod:`mobcg_core.config.runfile`).  :func:`validate` collects
*every* problem instead of stopping at the first, so a user fixes a file in one go.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

REQUIRED = object()  # sentinel: the key must be given

_TYPE_NAMES = {bool: "a boolean", int: "an integer", float: "a number", str: "a string",
               list: "a list", dict: "a table"}


@dataclass(frozen=True)
class Option:
    """One key of a TOML table.

    Attributes:
        type: ``bool``, ``int``, ``float`` (ints accepted), ``str``, ``list`` or ``dict``.
        default: value used when absent; :data:`REQUIRED` makes the key mandatory.
        doc: one-line description, with the unit.
        min, max: inclusive numeric bounds (for lists: bounds on each item).
        exclusive_min: if true, ``min`` itself is not allowed.
        choices: allowed values.
        item_type: for lists, the type of each item.
        length: for lists, the required length.
        schema: for a ``dict``, the schema of its keys (``None``: free-form table).
        item_schema: for a list of tables, the schema of each table.
        is_file: the string (for lists: each item) is a path that must exist (relative to the run file).
    """

    type: type
    default: Any = REQUIRED
    doc: str = ""
    min: float | None = None
    max: float | None = None
    exclusive_min: bool = False
    choices: tuple | None = None
    item_type: type | None = None
    length: int | None = None
    schema: Mapping[str, "Option"] | None = None
    item_schema: Mapping[str, "Option"] | None = None
    is_file: bool = False
    nullable: bool = False

    def expected(self) -> str:
        """Human description of an acceptable value."""
        if self.choices:
            return "one of " + ", ".join(repr(c) for c in self.choices)
        text = _TYPE_NAMES.get(self.type, self.type.__name__)
        if self.type is list and self.item_type is not None:
            text += " of " + _TYPE_NAMES.get(self.item_type, self.item_type.__name__).split(" ", 1)[1] + "s"
        bounds = _bounds_text(self)
        return f"{text} {bounds}".strip()


@dataclass
class Problems:
    """Accumulates ``(key_path, message)`` pairs while validating."""

    items: list[tuple[str, str]] = field(default_factory=list)

    def add(self, key: str, message: str) -> None:
        self.items.append((key, message))

    def __bool__(self) -> bool:
        return bool(self.items)


def _bounds_text(opt: Option) -> str:
    lo = "" if opt.min is None else (f"> {opt.min:g}" if opt.exclusive_min else f">= {opt.min:g}")
    hi = "" if opt.max is None else f"<= {opt.max:g}"
    return " and ".join(x for x in (lo, hi) if x)


def _type_ok(value: Any, typ: type) -> bool:
    if typ is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if typ is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, typ)


def _check_number(key: str, value: Any, opt: Option, out: Problems) -> bool:
    if isinstance(value, float) and not math.isfinite(value):
        out.add(key, f"{value!r} is not finite (expected {opt.expected()})")
        return False
    too_low = opt.min is not None and (value <= opt.min if opt.exclusive_min else value < opt.min)
    too_high = opt.max is not None and value > opt.max
    if too_low or too_high:
        out.add(key, f"{value!r} is out of range (expected {_bounds_text(opt)})")
        return False
    return True


def check_value(key: str, value: Any, opt: Option, out: Problems, base_dir: Path) -> Any:
    """Validate one value; returns it normalised (floats as float), problems go to ``out``."""
    if value is None and opt.nullable:
        return None
    if not _type_ok(value, opt.type):
        out.add(key, f"got {type(value).__name__} {_short(value)} (expected {opt.expected()})")
        return value
    if opt.type is float:
        value = float(value)
    if opt.type in (int, float) and not _check_number(key, value, opt, out):
        return value
    if opt.choices is not None and opt.type is not list and value not in opt.choices:
        out.add(key, f"{_short(value)} is not allowed (expected {opt.expected()})")
    if opt.type is str and opt.is_file and value:  # "" is the default: no file
        path = Path(value)
        path = path if path.is_absolute() else base_dir / path
        if not path.is_file():
            out.add(key, f"file not found: {path} (give an existing file; relative paths are "
                         "relative to the run file)")
        value = str(path.resolve())
    if opt.type is list:
        value = _check_list(key, value, opt, out, base_dir)
    if opt.type is dict and opt.schema is not None:
        value = validate(value, opt.schema, out, base_dir, prefix=key)
    return value


def _check_list(key: str, value: list, opt: Option, out: Problems, base_dir: Path) -> list:
    if opt.length is not None and len(value) != opt.length:
        out.add(key, f"has {len(value)} items (expected {opt.length})")
    if opt.item_schema is not None:
        result = []
        for i, item in enumerate(value):
            if not isinstance(item, dict):
                out.add(f"{key}[{i}]", f"got {type(item).__name__} (expected a table)")
                continue
            result.append(validate(item, opt.item_schema, out, base_dir, prefix=f"{key}[{i}]"))
        return result
    if opt.item_type is not None:
        item_opt = Option(opt.item_type, min=opt.min, max=opt.max, exclusive_min=opt.exclusive_min,
                          choices=opt.choices, is_file=opt.is_file)
        return [check_value(f"{key}[{i}]", v, item_opt, out, base_dir) for i, v in enumerate(value)]
    return value


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def validate(table: Mapping[str, Any], schema: Mapping[str, Option], out: Problems,
             base_dir: Path, prefix: str = "") -> dict:
    """Validate ``table`` against ``schema``; returns a copy with defaults filled in.

    Unknown keys, missing required keys, wrong types and out-of-range values are
    all reported to ``out`` under their dotted key path.
    """
    result: dict[str, Any] = {}
    dotted = (prefix + ".") if prefix else ""
    for key in table:
        if key not in schema:
            hint = _closest(key, schema)
            allowed = f"did you mean {hint!r}?" if hint else "allowed: " + ", ".join(sorted(schema))
            out.add(dotted + key, f"unknown key ({allowed})")
    for key, opt in schema.items():
        if key in table:
            result[key] = check_value(dotted + key, table[key], opt, out, base_dir)
        elif opt.default is REQUIRED:
            out.add(dotted + key, f"missing (expected {opt.expected()}: {opt.doc})")
        elif opt.type is dict and opt.schema is not None and opt.default == {}:
            result[key] = validate({}, opt.schema, out, base_dir, prefix=dotted + key)
        else:
            result[key] = opt.default
    return result


def _closest(key: str, schema: Mapping[str, Option]) -> str | None:
    import difflib

    match = difflib.get_close_matches(key, list(schema), n=1, cutoff=0.6)
    return match[0] if match else None


def defaults(schema: Mapping[str, Option]) -> dict:
    """The default values of a schema (required keys omitted)."""
    return {k: o.default for k, o in schema.items() if o.default is not REQUIRED}
