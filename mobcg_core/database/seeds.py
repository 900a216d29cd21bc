"""Seed potentials from a study's liquids: ``mobcg db seed DATABASE RUN_DIR``.

A liquid whose target (all-atom g(r), D, density) and CG potential (e.g. pressure-corrected
IBI) a study has made becomes one ``/forcefields`` row, exactly like a synthetic all-atom
force field; the ``database`` stage then draws CG-level variants around it
(``database.variants_per_forcefield``).  The row's ``forcefield_json`` says where it came
from; ``wall_aa_s`` is 0 (the all-atom data came from a file or an earlier run).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .. import __version__
from ..analysis import rdf_grid
from ..errors import MobcgError
from ..io import read_json, stable_hash
from ..potentials import table_grid
from ..types import RDF
from .store import Database


def _need(path: Path, stage: str) -> Path:
    if not path.exists():
        raise MobcgError(f"{path}: missing; run the study's '{stage}' stage first")
    return path


def liquid_row(run_dir: Path, liquid: dict, rdf_r_nm: np.ndarray, potential_r_nm: np.ndarray) -> dict:
    """The ``/forcefields`` row of one liquid of the study in ``run_dir`` (U on ``potential_r_nm``)."""
    d = run_dir / "liquids" / liquid["name"]
    target = read_json(_need(d / "target.json", "target"))
    cg = read_json(_need(d / "coarse_grain.json", "coarse_grain"))
    with np.load(_need(d / "target.npz", "target")) as t:
        g = RDF(t["r_nm"], t["g"]).on(rdf_r_nm)
    with np.load(_need(d / "potential.npz", "coarse_grain")) as p:
        # A potential read from a table keeps the table's grid: put it on the study's.
        u = np.interp(potential_r_nm, p["r_nm"], p["u_kjmol"])
    source = {"source": "study liquid", "run_dir": str(run_dir), "liquid": liquid["name"],
              "target": target.get("source"), "coarse_grain": {k: cg.get(k) for k in ("error", "iterations",
                                                                                  "converged", "pressure_bar")}}
    provenance = {"molecule": {"name": liquid["name"], "smiles": liquid.get("smiles", "")},
                  "n_beads": target["n_beads"], "mobcg_version": __version__, **source}
    return {"key": stable_hash({"liquid": liquid["name"], "u": u.tolist()}, 16), "molecule": liquid["name"],
            "smiles": liquid.get("smiles", ""), "forcefield_hash": "", "forcefield_json": source,
            "molar_mass_gmol": target["mass_gmol"], "aa_rdf": g,
            "aa_diffusion_1e9_m2_s": target.get("diffusion_1e9_m2_s") or np.nan,
            "aa_diffusion_err_1e9_m2_s": np.nan, "aa_density_g_cm3": target["density_g_cm3"],
            "box_nm": target["box_nm"], "potential_kjmol": u, "cg_error": float(cg.get("error", np.nan)),
            "cg_iterations": int(cg.get("iterations", 0)), "cg_converged": bool(cg.get("converged", False)),
            "wall_aa_s": 0.0, "wall_cg_method_s": float(cg.get("wall_s", 0.0)), "provenance_json": provenance}


def seed_from_study(database: str | Path, run_dir: str | Path, names: list[str] | None = None) -> dict:
    """Add the liquids of the study in ``run_dir`` (all, or ``names``) as seed potentials."""
    run_dir = Path(run_dir)
    cfg = read_json(_need(run_dir / "manifest.json", "any")).get("config", {})
    an = cfg["analysis"]
    liquids = [liq for liq in cfg.get("liquids", []) if not names or liq["name"] in names]
    unknown = set(names or []) - {liq["name"] for liq in liquids}
    if unknown:
        raise MobcgError(f"{run_dir}: no liquid(s) {sorted(unknown)} in its run file")
    r_g = rdf_grid(an["rdf_r_min_nm"], an["rdf_r_max_nm"], an["rdf_dr_nm"])
    r_u = table_grid(cfg["cg"]["cutoff_nm"], cfg["cg"]["table_dr_nm"])
    rows = [liquid_row(run_dir, liquid, r_g, r_u) for liquid in liquids]
    with Database(database, r_g, r_u) as db:
        have = db.keys("forcefields") if Path(database).exists() else set()
        new = [row for row in rows if row["key"] not in have]
        for row in new:
            db.add("forcefields", row)
        db.commit()
        return {"database": str(database), "added": [r["molecule"] for r in new],
                "already_there": [r["molecule"] for r in rows if r["key"] in have],
                "forcefields": db.count("forcefields")}
