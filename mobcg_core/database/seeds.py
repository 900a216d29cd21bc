"""Seed potentials from a study's liquids: ``mobcg db seed DATABASE RUN_DIR``.

With ``--from-samples N`` the seeds are instead the N samples of each liquid's molecule that
come closest to it in *both* structure and mobility: ε against its all-atom g(r) at most
``--max-error``, and the lowest D scaled to the liquid's mass (D ∝ m^-1/2).  Their variants
make the database dense where a mobility-preserving potential has to be found.

A liquid whose target (all-atom g(r), D, density) and CG potential (e.g. pressure-corrected
IBI) a study has made becomes one ``/forcefields`` row, exactly like a synthetic all-atom
force field; the ``database`` stage then draws CG-level variants around it
(``database.variants_per_forcefield``).  The row's ``forcefield_json`` says where it came
from; ``wall_aa_s`` is 0 (the all-atom data came from a file or an earlier run).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from mobcg_core import __version__
from mobcg_core.analysis import rdf_grid
from mobcg_core.contract import units
from mobcg_core.contract.errors import MobcgError
from mobcg_core.io import read_json, stable_hash
from mobcg_core.physics.potentials import table_grid
from mobcg_core.contract.types import RDF
from mobcg_core.database.store import Database


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


def best_samples(s: dict[str, np.ndarray], r_nm: np.ndarray, molecule: str | None, target: np.ndarray,
                 mass_gmol: float, n: int, max_error: float) -> list[int]:
    """Rows of the samples ``s`` (columns read from ``/samples``; g on ``r_nm``) of ``molecule``
    (None: of every molecule) with ε ≤ ``max_error`` against ``target``, slowest first (D scaled
    to ``mass_gmol``), at most ``n``."""
    from mobcg_core.analysis import structure_error

    rows = np.flatnonzero(s["molecule"] == molecule) if molecule else np.arange(len(s["molecule"]))
    eps = np.array([structure_error(RDF(r_nm, s["rdf"][i]), RDF(r_nm, target)) for i in rows])
    d = s["diffusion_1e9_m2_s"][rows] * np.sqrt(s["mass_gmol"][rows] / mass_gmol)
    ok = np.flatnonzero(eps <= max_error)
    return [int(rows[i]) for i in ok[np.argsort(d[ok])][:n]]


def _is_seed(prov: dict, forcefield_hash: str, origin: str) -> bool:
    """Rows that seed a walk: study liquids, or (``all_atom``) synthetic all-atom force fields."""
    if origin == "all_atom":
        return bool(forcefield_hash)
    return prov.get("source") == "study liquid"


def seed_from_samples(database: str | Path, n: int, max_error: float, names: list[str] | None = None,
                      origin: str = "liquid") -> dict:
    """Add, for every liquid seed of the database (or those named), its ``n`` best samples as new seeds.

    ``origin="all_atom"``: the same for every synthetic all-atom force field, with the samples of
    every molecule as candidates (a potential of another molecule's run that is close in g(r)
    and slower serves as well), so that the variants walk towards slow potentials near every
    all-atom structure in the database, not only near the study's liquids.
    """
    if n < 1:
        raise MobcgError(f"db seed --from-samples {n}: give a number of samples per seed ≥ 1")
    if not max_error > 0:
        raise MobcgError(f"db seed --max-error {max_error}: give a structure tolerance ε > 0 (e.g. 0.02)")
    with Database(database) as db:
        ff, s = db.read("forcefields"), db.read("samples")  # read once, not once per seed
        r = db.grids()["rdf_r_nm"]
        have = db.keys("forcefields")
        added = []
        for i in range(len(ff["key"])):
            if not _is_seed(json.loads(ff["provenance_json"][i]), ff["forcefield_hash"][i], origin):
                continue
            mol, mass = ff["molecule"][i], float(ff["molar_mass_gmol"][i])
            if names and mol not in names:
                continue
            candidates = None if origin == "all_atom" else mol
            for j in best_samples(s, r, candidates, ff["aa_rdf"][i], mass, n, max_error):
                prov = json.loads(s["provenance_json"][j])
                key = stable_hash({"sample": s["key"][j]}, 16)
                if key in have:
                    continue
                source = {"source": "sample", "sample_key": s["key"][j], "parent_key": ff["key"][i]}
                row = {k: ff[k][i] for k in ff}
                # The sample's number density, as a mass density of this row's molecule (variants
                # size their boxes from it with this row's molar mass).
                density = units.density_g_cm3(prov["n_beads"], mass, float(prov["box_nm"]) ** 3)
                row.update(key=key, forcefield_hash="", forcefield_json=source,
                           potential_kjmol=s["potential_kjmol"][j], aa_density_g_cm3=density,
                           box_nm=prov["box_nm"], cg_error=float(s["structure_error"][j]), wall_cg_method_s=0.0,
                           provenance_json={**json.loads(ff["provenance_json"][i]), **source,
                                            "n_beads": prov["n_beads"]})
                db.add("forcefields", row)
                have.add(key)
                added.append(f"{mol}:{s['key'][j]}")
        db.commit()
        return {"database": str(database), "added": added, "forcefields": db.count("forcefields")}
