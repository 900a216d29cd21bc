"""Resolve a plugin's options the way a run file would (defaults + overrides, validated)."""

from __future__ import annotations

from pathlib import Path

from mobcg_core.config.schema import Problems, validate
from mobcg_core.contract.errors import ConfigError
from mobcg_core.plugins import registry


def plugin_defaults(kind: str, name: str, overrides: dict | None = None) -> dict:
    """Validated options of plugin ``name`` with ``overrides`` applied (for scripts and tests)."""
    rec = registry().get(kind, name)
    if rec is None or rec.cls is None:
        raise ConfigError("(options)", [(f"{kind}.name", f"unknown {kind} {name!r}")])
    out = Problems()
    opts = validate(overrides or {}, rec.cls.options, out, Path.cwd(), prefix=f"{kind}.{name}")
    if out:
        raise ConfigError("(options)", out.items)
    return opts
