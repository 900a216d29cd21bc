"""Plugin discovery through the ``mobcg`` entry-point group.

The core never imports a plugin by name: built-in plugins under ``plugins/`` are
registered by ``pyproject.toml`` exactly as third-party ones are.  A plugin module
that fails to import is listed as unavailable with the reason and does not stop
the others (pluggy's own ``load_setuptools_entrypoints`` would abort on it).
"""

from __future__ import annotations

import importlib.metadata as md
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import pluggy

from mobcg_core.contract.errors import PluginError
from mobcg_core.contract.hookspecs import KIND_HOOKS, PROJECT, MobcgSpec, Plugin


@dataclass
class PluginRecord:
    """One plugin class (or a module that failed to load)."""

    kind: str
    name: str
    version: str
    distribution: str
    entry_point: str
    cls: type[Plugin] | None
    reason: str | None = None  # why it is unavailable; None when usable

    @property
    def available(self) -> bool:
        return self.reason is None and self.cls is not None

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, "version": self.version,
                "distribution": self.distribution, "entry_point": self.entry_point,
                "available": self.available, "reason": self.reason}


class Registry:
    """All plugins found, by kind and name."""

    def __init__(self) -> None:
        self.pm = pluggy.PluginManager(PROJECT)
        self.pm.add_hookspecs(MobcgSpec)
        self.records: list[PluginRecord] = []
        self.broken: list[PluginRecord] = []

    def load_entry_points(self) -> "Registry":
        for ep in sorted(md.entry_points(group=PROJECT), key=lambda e: e.name):
            dist = ep.dist.name if ep.dist is not None else "?"
            dist_version = ep.dist.version if ep.dist is not None else "?"
            try:
                module = ep.load()
            except Exception as exc:  # an optional dependency missing, a bug: keep going
                self.broken.append(PluginRecord("?", ep.name, dist_version, dist, ep.value, None,
                                                f"import failed: {type(exc).__name__}: {exc}"))
                continue
            self.register(module, ep.name, dist, ep.value)
        return self

    def register(self, module: Any, plugin_name: str, dist: str = "?", entry_point: str = "?") -> None:
        """Register a hook-implementing module or object and collect its classes."""
        if self.pm.is_registered(module):
            return
        self.pm.register(module, name=plugin_name)
        for kind, hook in KIND_HOOKS.items():
            impls = [i for i in getattr(self.pm.hook, hook).get_hookimpls() if i.plugin is module]
            for impl in impls:
                for cls in impl.function() or []:
                    self.records.append(_record(kind, cls, dist, entry_point))

    def get(self, kind: str, name: str) -> PluginRecord | None:
        for rec in self.records:
            if rec.kind == kind and rec.name == name:
                return rec
        return None

    def names(self, kind: str) -> list[str]:
        return sorted(r.name for r in self.records if r.kind == kind)

    def create(self, kind: str, name: str, options: dict | None = None) -> Plugin:
        """Instantiate plugin ``name`` of ``kind`` with its validated options."""
        rec = self.get(kind, name)
        if rec is None:
            known = ", ".join(self.names(kind)) or "none installed"
            raise PluginError(f"unknown {kind} {name!r} (installed: {known})")
        if not rec.available:
            raise PluginError(f"{kind} {name!r} is unavailable: {rec.reason}")
        return rec.cls(options or {})

    def all_records(self) -> list[PluginRecord]:
        return sorted(self.records, key=lambda r: (r.kind, r.name)) + self.broken


def _record(kind: str, cls: type[Plugin], dist: str, entry_point: str) -> PluginRecord:
    try:
        reason = cls.unavailable_reason()
    except Exception as exc:
        reason = f"availability check failed: {exc}"
    return PluginRecord(kind, getattr(cls, "name", cls.__name__), str(getattr(cls, "version", "?")),
                        dist, entry_point, cls, reason)


@lru_cache(maxsize=1)
def registry() -> Registry:
    """The process-wide registry, loaded once from the entry points."""
    return Registry().load_entry_points()
