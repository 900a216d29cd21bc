"""``mobcg config``: the complete run file, every key with its default, unit and doc, from the schemas.

The run-file reference (docs/run-file-reference.toml) is this output, so it cannot drift from what ``mobcg check``
accepts (a test checks the printed file passes). Plugin tables are listed for every installed
plugin of each kind, from the plugin's own ``options``.
"""

from __future__ import annotations

from typing import Any, Mapping

from mobcg_core.config.schema import REQUIRED, Option

#: values for required keys, so that the printed file is a valid run file as it stands
EXAMPLES = {"liquids.name": "hexane", "liquids.smiles": "CCCCCC"}


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + "}"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _lines(schema: Mapping[str, Option], prefix: str) -> list[str]:
    out = []
    for key, opt in schema.items():
        if opt.schema is not None or opt.item_schema is not None:
            continue  # sub-tables are printed as their own [table]
        value = EXAMPLES.get(f"{prefix}.{key}", opt.default)
        if value is REQUIRED:
            value = ""
        doc = opt.doc + (f" ({opt.expected()})" if opt.choices or opt.min is not None or opt.max is not None
                         else "")
        line = f"{key} = {_toml(value)}"
        out.append(f"{line:<34} # {doc}" if doc else line)
    return out


def render_reference(schema: Mapping[str, Option], registry, kinds: tuple[str, ...]) -> str:
    """The full run file as TOML text (defaults filled, one comment per key)."""
    parts = ["# mobcg run file: every key with its default (`mobcg config`). Units: nm, ps, kJ/mol, g/mol, K, bar,",
             "# unless a key's name says otherwise. Every table is optional except [[liquids]]."]
    for name, opt in schema.items():
        if name in kinds:
            parts += ["", f"[{name}]                            # {opt.doc}", f"name = {_toml(opt.default['name'])}"]
            for rec in sorted((r for r in registry.records if r.kind == name), key=lambda r: r.name):
                if rec.cls.options:
                    parts += [f"[{name}.{rec.name}]"] + _lines(rec.cls.options, f"{name}.{rec.name}")
        elif opt.item_schema is not None:
            parts += ["", f"[[{name}]]                         # {opt.doc}"] + _lines(opt.item_schema, name)
            parts += _nested(opt.item_schema, name)
        elif opt.schema is not None:
            parts += ["", f"[{name}]                            # {opt.doc}"] + _lines(opt.schema, name)
            parts += _nested(opt.schema, name)
    return "\n".join(parts) + "\n"


def _nested(schema: Mapping[str, Option], prefix: str) -> list[str]:
    out = []
    for key, opt in schema.items():
        if opt.schema is not None:
            out += [f"[{prefix}.{key}]                  # {opt.doc}"] + _lines(opt.schema, f"{prefix}.{key}")
    return out
