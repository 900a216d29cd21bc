"""Write docs/api.md: the public Python API, from the docstrings (signatures, units, shapes).

    python docs/make_api.py            # rewrite docs/api.md
    python docs/make_api.py --check    # exit 1 if docs/api.md is stale (tests/test_docstrings.py)

The modules listed are the ones a script or a plugin imports: the plugin contract, the engine
helpers, the physics and analysis functions, the workflows and the database. Each public class
and function gets its signature and its docstring as written, so the reference cannot drift
from the code.
"""

from __future__ import annotations

import importlib
import inspect
import sys
from pathlib import Path

OUT = Path(__file__).with_name("api.md")
MODULES = [
    "mobcg_core.contract.hookspecs", "mobcg_core.contract.types", "mobcg_core.contract.units",
    "mobcg_core.contract.errors", "mobcg_core.plugin_kit.systems", "mobcg_core.plugin_kit.engine_check",
    "mobcg_core.physics.potentials", "mobcg_core.physics.tables", "mobcg_core.physics.timestep",
    "mobcg_core.analysis.structure", "mobcg_core.analysis.mobility", "mobcg_core.analysis.phase",
    "mobcg_core.analysis.liquid", "mobcg_core.analysis.trajectory_files", "mobcg_core.workflows.cg",
    "mobcg_core.workflows.all_atom", "mobcg_core.database.store", "mobcg_core.database.ops",
]


def _public(module):
    names = getattr(module, "__all__", None) or [n for n in vars(module) if not n.startswith("_")]
    for name in names:
        obj = getattr(module, name)
        if (inspect.isclass(obj) or inspect.isfunction(obj)) and obj.__module__ == module.__name__:
            yield name, obj


def _signature(obj) -> str:
    try:
        return str(inspect.signature(obj))
    except (TypeError, ValueError):
        return "(...)"


def _entry(name: str, obj, level: str = "###") -> list[str]:
    kind = "class" if inspect.isclass(obj) else "def"
    lines = [f"{level} `{kind} {name}{_signature(obj)}`", "", inspect.getdoc(obj) or "(no docstring)", ""]
    if inspect.isclass(obj):
        for meth_name, meth in vars(obj).items():
            if meth_name.startswith("_") or not callable(meth) or not getattr(meth, "__doc__", None):
                continue
            func = meth.__func__ if isinstance(meth, (classmethod, staticmethod)) else meth
            lines += [f"- `{meth_name}{_signature(func)}`: {inspect.getdoc(func).splitlines()[0]}"]
        lines.append("")
    return lines


def render() -> str:
    lines = ["# Python API reference", "", "Generated from the docstrings by `python docs/make_api.py`; do not edit.",
             "Units follow one convention inside: nm, ps, kJ/mol, g/mol, K, bar.", ""]
    for mod_name in MODULES:
        module = importlib.import_module(mod_name)
        lines += [f"## `{mod_name}`", "", (inspect.getdoc(module) or "").strip(), ""]
        for name, obj in _public(module):
            lines += _entry(name, obj)
    return "\n".join(lines).rstrip() + "\n"


def main() -> int:
    text = render()
    if "--check" in sys.argv:
        if not OUT.exists() or OUT.read_text() != text:
            print(f"{OUT} is stale: run python docs/make_api.py", file=sys.stderr)
            return 1
        return 0
    OUT.write_text(text)
    print(f"wrote {OUT} ({len(text.splitlines())} lines)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
