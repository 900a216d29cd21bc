"""The core's shape: no import cycles between its modules, no file past ~300 lines."""

from __future__ import annotations

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parents[1] / "mobcg_core"


def _module(path: Path) -> str:
    parts = path.relative_to(CORE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Core modules a module imports, at module level or inside functions: an import moved
    into a function to dodge a cycle is still a cycle.  Only the CLI imports lazily (so that
    ``mobcg --help`` does not load torch and the engines), and it imports no one back."""
    mod = _module(path)
    package = mod if path.name == "__init__.py" else mod.rsplit(".", 1)[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = package.split(".")
            if node.level:
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.startswith("mobcg_core"):
                out.add(target)
                out.update(f"{target}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.startswith("mobcg_core"))
    return out


def test_no_import_cycles_in_the_core():
    modules = {_module(p): p for p in CORE.rglob("*.py")}
    graph = {m: {t for t in _imports(p) if t in modules and t != m} for m, p in modules.items()}
    # A package's __init__ importing its own submodules is the package, not a cycle.
    graph = {m: {t for t in deps if not t.startswith(m + ".")} for m, deps in graph.items()}
    state: dict[str, int] = {}

    def visit(m, stack):
        state[m] = 1
        for t in graph[m]:
            if state.get(t) == 1:
                raise AssertionError("import cycle: " + " -> ".join(stack[stack.index(t):] + [t]))
            if t not in state:
                visit(t, stack + [t])
        state[m] = 2

    for m in graph:
        if m not in state:
            visit(m, [m])


def test_core_files_stay_small():
    long = {str(p.relative_to(CORE)): n for p in CORE.rglob("*.py") if (n := len(p.read_text().splitlines())) > 330}
    assert not long, long


def test_the_folders_show_the_architecture():
    """The contract imports nothing else of the core; physics and analysis know no study."""
    modules = {_module(p): p for p in CORE.rglob("*.py")}
    rules = {"mobcg_core.contract": ("mobcg_core.contract",),
             "mobcg_core.physics": ("mobcg_core.contract", "mobcg_core.physics", "mobcg_core.io"),
             "mobcg_core.analysis": ("mobcg_core.contract", "mobcg_core.analysis", "mobcg_core.plugin_kit"),
             "mobcg_core.workflows": ("mobcg_core.contract", "mobcg_core.physics", "mobcg_core.analysis",
                                      "mobcg_core.plugin_kit", "mobcg_core.forcefield", "mobcg_core.workflows",
                                      "mobcg_core.io")}
    broken = {}
    for m, p in modules.items():
        for package, allowed in rules.items():
            if m.startswith(package):
                bad = {t for t in _imports(p) if t in modules and not t.startswith(allowed)}
                if bad:
                    broken[m] = sorted(bad)
    assert not broken, broken


#: the core's layers, lowest first: a package imports only packages of its own layer or below
LAYERS = [("contract",), ("io", "locking", "physics", "plugin_kit", "forcefield"), ("analysis",), ("workflows",),
          ("plugins", "config"), ("database",), ("study",), ("cli",)]


def test_packages_import_only_downwards():
    """No package-level cycle (e.g. database -> study -> database), not even through a lazy import."""
    modules = {_module(p): p for p in CORE.rglob("*.py")}
    rank = {pkg: i for i, layer in enumerate(LAYERS) for pkg in layer}

    def package(m: str) -> str | None:
        parts = m.split(".")
        return parts[1] if len(parts) > 2 or (len(parts) == 2 and parts[1] in rank) else None

    upward = set()
    for m, p in modules.items():
        src = package(m)
        if src not in rank:
            continue  # the package root and the entry point
        for t in _imports(p):
            dst = package(t) if t in modules else None
            if dst in rank and rank[dst] > rank[src]:
                upward.add(f"{m} -> {t}")
    assert not upward, sorted(upward)


def test_the_old_module_paths_are_gone():
    """The aliases of the pre-contract layout (``mobcg_core.hookspecs``, ``types``, ``units``, ``errors``,
    ``systems``, ``engine_support``) went in 0.2, as their deprecation warnings said: the contract's
    modules are the one path."""
    import importlib

    import pytest

    for name in ("engine_support", "systems", "errors", "hookspecs", "types", "units"):
        with pytest.raises(ModuleNotFoundError):
            importlib.import_module(f"mobcg_core.{name}")
    assert importlib.import_module("mobcg_core.contract.types").PairPotential is not None


def test_the_run_file_stages_are_the_registered_ones():
    """config.runfile.STAGES (the order a run file is checked against; config sits below study)
    names exactly the functions of study.registry, and its study-wide stages are theirs."""
    from mobcg_core.config.runfile import STAGES, STUDY_STAGES
    from mobcg_core.study.registry import STAGE_FUNCTIONS

    assert list(STAGES) == list(STAGE_FUNCTIONS)
    import inspect

    study_wide = {s for s, f in STAGE_FUNCTIONS.items() if len(inspect.signature(f).parameters) == 1}
    assert study_wide == set(STUDY_STAGES)
