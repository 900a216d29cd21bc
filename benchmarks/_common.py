"""Helpers shared by the benchmark scripts: engines by name, tables, JSON output."""

from __future__ import annotations

import json
import platform
import time
from pathlib import Path

from mobcg_core.study.manifest import package_versions
from mobcg_core.plugins import registry
from mobcg_core.schema_defaults import plugin_defaults

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "reference"
RESULTS = ROOT / "benchmarks" / "results"


def engine(name: str, threads: int = 1, platform_name: str = "CPU"):
    """An engine plugin with CPU threads set the way each engine names them."""
    overrides = {"openmm": {"platform": platform_name, "threads": threads},
                 "lammps": {"threads": threads}, "hoomd": {"device": "GPU" if platform_name != "CPU" else "CPU"}}
    return registry().create("engine", name, plugin_defaults("engine", name, overrides.get(name, {})))


def print_table(rows: list[dict], columns: list[tuple[str, str, str]]) -> None:
    """Print rows as a fixed-width table; columns are (header, key, format)."""
    widths = [max(len(h), 10) for h, _, _ in columns]
    print("  ".join(h.rjust(w) for (h, _, _), w in zip(columns, widths)))
    for row in rows:
        cells = []
        for (h, key, fmt), w in zip(columns, widths):
            v = row.get(key)
            cells.append(("–" if v is None else format(v, fmt) if fmt else str(v)).rjust(w))
        print("  ".join(cells))


def write_json(name: str, payload: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    payload = {"machine": platform.platform(), "date": time.strftime("%Y-%m-%d %H:%M"),
               "packages": package_versions(), **payload}
    path.write_text(json.dumps(payload, indent=2) + "\n")
    print(f"wrote {path}")
    return path
