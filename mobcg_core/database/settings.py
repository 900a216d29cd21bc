"""What database jobs take from the run file: CG settings, engine table, seeds.

Shared by the force-field/sample jobs (:mod:`.generate`) and the CG-level variants
(:mod:`.variants`), so neither imports the other.
"""

from __future__ import annotations

import json

from mobcg_core.io import stable_hash

CG_SYSTEM_KEYS = ("timestep_fs", "cutoff_nm", "table_dr_nm")
CG_MD_KEYS = ("equilibration_ps", "production_ps", "report_interval_ps", "thermostat", "friction_per_ps")


def job_seed(*parts) -> int:
    return int(stable_hash(list(parts), 8), 16) % 2**31


def cg_engine_table(cfg: dict) -> dict:
    """The engine of the CG parts: database.cg_engine with its [engine.<name>] options, or engine."""
    name = cfg["database"]["cg_engine"] or cfg["engine"]["name"]
    if name == cfg["engine"]["name"]:
        return plugin_table(cfg["engine"])
    return {"name": name, "options": cfg["engine"]["tables"].get(name, {})}


def cg_md_settings(cfg: dict) -> dict:
    cg = {k: cfg["cg"][k] for k in CG_SYSTEM_KEYS + CG_MD_KEYS}
    if cfg["database"]["cg_production_ps"]:
        cg["production_ps"] = cfg["database"]["cg_production_ps"]
    return cg


def plugin_table(t: dict) -> dict:
    return {"name": t["name"], "options": t["options"]}


def parse_json(text: str) -> dict:
    return json.loads(text)
